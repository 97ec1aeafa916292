"""Run any optax `GradientTransformation` inside the minilogit [`Trainer`][minilogit.Trainer].

```python
import optax
trainer = ml.Trainer(model, loss, ml.optim.from_optax(optax.adam(0.01)))
trainer = ml.Trainer(model, loss, ml.optim.from_optax(optax.lbfgs()))  # with its line search
```

The adapter converts the numpy float64 parameters and gradients to JAX float64 arrays, runs
the transformation's `update` (compiled once with `jax.jit`), applies the updates and converts
back. Transformations that take extra arguments (`GradientTransformationExtraArgs`, such as
`optax.lbfgs` and its zoom line search) also receive `value`, `grad` and `value_fn`, the loss
on the current batch as a JAX-traceable function. Evaluations made by optax's line search run
inside JAX and are not in `History.evaluations`.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .._jax import load_jax
from .._tree import Params, tree_map


class OptaxState(NamedTuple):
    """The wrapped transformation's own state (JAX arrays) and the step count."""

    count: int
    inner: Any


class OptaxOptimizer:
    """An optax transformation behind minilogit's `init` / `update` protocol.

    Args:
        tx: an `optax.GradientTransformation`, e.g. `optax.adam(0.01)` or `optax.lbfgs()`.
    """

    def __init__(self, tx: Any) -> None:
        from ..errors import ConfigError

        if not (callable(getattr(tx, "init", None)) and callable(getattr(tx, "update", None))):
            raise ConfigError(
                f"from_optax expects an optax GradientTransformation (e.g. optax.adam(1e-2)), "
                f"got {tx!r}"
            )
        self.tx = tx
        self._steps: dict[Any, Any] = {}

    def __repr__(self) -> str:
        return f"from_optax({type(self.tx).__name__})"

    @property
    def needs_value(self) -> bool:
        """Whether the transformation accepts `value`, `grad` and `value_fn` (e.g. L-BFGS)."""
        import optax

        return isinstance(self.tx, optax.GradientTransformationExtraArgs)

    def init(self, params: Params) -> OptaxState:
        """The transformation's initial state for `params` (as JAX float64 arrays)."""
        jax = load_jax()
        inner = self.tx.init(tree_map(jax.numpy.asarray, params))
        # Strongly typed leaves, like the ones `update` returns: the jitted step then
        # compiles once instead of twice.
        inner = jax.tree.map(lambda leaf: jax.numpy.asarray(leaf, dtype=leaf.dtype), inner)
        return OptaxState(0, inner)

    def _compiled(self, loss: Any) -> Any:
        """The jitted step for `loss` (compiled once per loss and batch shape)."""
        if loss not in self._steps:
            jax = load_jax()
            import optax

            tx, extra = self.tx, self.needs_value

            def step(params: Any, grads: Any, inner: Any, value: Any, X: Any, y: Any) -> Any:
                if extra:
                    updates, inner = tx.update(
                        grads,
                        inner,
                        params,
                        value=value,
                        grad=grads,
                        value_fn=lambda p: loss.value(p, X, y),
                    )
                else:
                    updates, inner = tx.update(grads, inner, params)
                return optax.apply_updates(params, updates), inner

            self._steps[loss] = jax.jit(step)
        return self._steps[loss]

    def update(
        self, params: Params, grads: Params, state: OptaxState, objective: Any = None
    ) -> tuple[Params, OptaxState]:
        """One optax step on JAX float64 copies; returns numpy float64 parameters."""
        jnp = load_jax().numpy
        if self.needs_value:
            if objective is None:
                from ..errors import ConfigError

                raise ConfigError(f"{self!r} needs the trainer's objective (value and value_fn)")
            loss, X, y, value = objective.loss, objective.X, objective.y, objective.value(params)
        else:
            loss, X, y, value = None, 0.0, 0.0, 0.0
        new, inner = self._compiled(loss)(
            tree_map(jnp.asarray, params),
            tree_map(jnp.asarray, grads),
            state.inner,
            jnp.asarray(value, dtype=jnp.float64),
            jnp.asarray(X),
            jnp.asarray(y),
        )
        as_numpy = tree_map(lambda p: np.asarray(p, dtype=np.float64), new)
        return as_numpy, OptaxState(state.count + 1, inner)


def from_optax(tx: Any) -> OptaxOptimizer:
    """Wrap an optax `GradientTransformation` so the [`Trainer`][minilogit.Trainer] can run it.

    Args:
        tx: any optax transformation: `optax.adam(1e-2)`, `optax.chain(...)`,
            `optax.lbfgs()` (its line search gets the loss as `value_fn`).

    Returns:
        An optimizer following minilogit's protocol.
    """
    return OptaxOptimizer(tx)
