"""Pick numpy or jax.numpy for an array without importing jax on the numpy path.

Losses and first-order optimizers are written once against an array namespace `xp` so the
same source runs on numpy arrays, under `jax.grad` and inside `jax.jit`.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

import numpy as np


def is_jax(a: Any) -> bool:
    """True when `a` is a JAX array or tracer (checked without importing jax)."""
    return "jax" in sys.modules and type(a).__module__.startswith(("jax", "jaxlib"))


def xp_of(*arrays: Any) -> ModuleType:
    """Return `jax.numpy` if any argument is a JAX array, else `numpy`."""
    if any(is_jax(a) for a in arrays):
        import jax.numpy as jnp

        return jnp
    return np
