"""Tiny helpers for parameter dicts (the pytree every part of minilogit passes around).

Parameters are a plain `dict[str, ndarray]`. Second-order optimizers and finite differences
work on one flat vector; `ravel` and `unravel` convert, in sorted key order
(`"b"` before `"w"`), the same order `jax.tree_util` uses for dicts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

Params = dict[str, np.ndarray]


def tree_map(fn: Callable[..., np.ndarray], tree: Mapping, *rest: Mapping) -> Params:
    """Apply `fn` leaf-wise to one or more dicts with the same keys."""
    return {k: fn(tree[k], *(r[k] for r in rest)) for k in tree}


def ravel(params: Mapping[str, np.ndarray]) -> np.ndarray:
    """Concatenate the leaves (sorted by key) into one float vector."""
    return np.concatenate([np.ravel(params[k]) for k in sorted(params)])


def unravel(vector: np.ndarray, like: Mapping[str, np.ndarray]) -> Params:
    """Inverse of `ravel`: split `vector` into leaves shaped like `like`."""
    out, start = {}, 0
    for k in sorted(like):
        shape = np.shape(like[k])
        size = int(np.prod(shape, dtype=int))
        out[k] = np.reshape(vector[start : start + size], shape)
        start += size
    return out


def norm(tree: Mapping[str, np.ndarray]) -> float:
    """Euclidean norm of all leaves taken together."""
    return float(np.sqrt(sum(float(np.sum(np.square(v))) for v in tree.values())))


def copy(tree: Mapping[str, np.ndarray]) -> Params:
    """A deep copy with float64 numpy leaves."""
    return {k: np.array(v, dtype=np.float64, copy=True) for k, v in tree.items()}
