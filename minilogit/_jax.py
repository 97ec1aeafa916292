"""The one place minilogit imports JAX: on first use, in float64."""

from __future__ import annotations

from types import ModuleType


def load_jax() -> ModuleType:
    """Import jax with 64-bit floats enabled (minilogit computes in float64 by default)."""
    import jax

    jax.config.update("jax_enable_x64", True)
    return jax
