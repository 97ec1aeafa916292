"""The training loop: a model, a loss and an optimizer snapped together.

```python
model, loss = ml.Logistic(64), ml.losses.BinaryCrossEntropy()
trainer = ml.Trainer(model, loss, ml.optim.GradientDescent("auto"))
history = trainer.fit(X, y, iterations=500)
```
"""

from __future__ import annotations

import sys
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import gradients
from ._tree import Params, copy, norm
from .errors import ConfigError, ConvergenceWarning, DataError, DivergenceError
from .metrics import accuracy
from .objective import Counts, Objective
from .optim.base import StopTraining

STOP_REASONS = {
    "iterations": "ran all requested iterations",
    "tol": "gradient norm fell below tol",
    "loss_change": "the cost stopped changing (the optimizer's own tolerance)",
    "line_search": "the line search could not find a better point",
    "data": "the stream of mini-batches ran out",
}


@dataclass
class History:
    """What happened during one [`Trainer.fit`][minilogit.Trainer.fit].

    Attributes:
        costs: `(iteration, cost)` pairs, recorded before the update of that iteration
            (the article's convention: iteration 0 is the starting cost).
        train_accuracy: `(iteration, accuracy)` pairs at the same points (fraction in [0, 1]).
        eval_accuracy: the same for `eval_set`, if one was given.
        eval_costs: `(iteration, cost)` on `eval_set`.
        times: seconds since the fit started at each recorded point, not counting the time
            spent recording (so optimizers can be raced on cost vs wall time).
        final_cost: the cost at the returned parameters.
        grad_norm: the gradient norm at the returned parameters.
        iterations: optimizer steps taken.
        stop_reason: key of `STOP_REASONS` saying why training stopped.
        seconds: wall time of the fit.
        evaluations: how many values, gradients and Hessians the fit computed.
        params: the trained parameters (also stored on the model).
    """

    costs: list[tuple[int, float]] = field(default_factory=list)
    train_accuracy: list[tuple[int, float]] = field(default_factory=list)
    eval_accuracy: list[tuple[int, float]] = field(default_factory=list)
    eval_costs: list[tuple[int, float]] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    final_cost: float = float("nan")
    grad_norm: float = float("nan")
    iterations: int = 0
    stop_reason: str = "iterations"
    seconds: float = 0.0
    evaluations: Counts = field(default_factory=Counts)
    params: Params = field(default_factory=dict)

    @property
    def converged(self) -> bool:
        """True unless training stopped for lack of iterations or a failed line search."""
        return self.stop_reason in ("tol", "loss_change")

    def to_frame(self) -> Any:
        """The recorded points as a pandas DataFrame indexed by iteration."""
        import pandas as pd

        frame = pd.DataFrame(self.costs, columns=["iteration", "cost"]).set_index("iteration")
        for name in ("train_accuracy", "eval_accuracy", "eval_costs"):
            values = getattr(self, name)
            if values:
                col = "eval_cost" if name == "eval_costs" else name
                frame[col] = pd.Series(dict(values))
        if len(self.times) == len(frame):
            frame["seconds"] = self.times
        return frame


def _check_positive_int(value: Any, name: str, allow_none: bool = False) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ConfigError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


class Trainer:
    """Fits a model's parameters by minimising a loss with an optimizer.

    Args:
        model: e.g. [`Logistic`][minilogit.Logistic]; its `params` are the starting point
            and receive the result.
        loss: e.g. [`BinaryCrossEntropy`][minilogit.losses.BinaryCrossEntropy].
        optimizer: anything following the [`Optimizer`][minilogit.optim.Optimizer] protocol.
        gradient: `"analytic"` (the hand-derived `loss.grad`) or `"autodiff"` (`jax.grad`).
        backend: `"numpy"`, or `"jax"`: compile the whole step and run it in `lax.scan` chunks
            between record points ([`minilogit.jax_backend`][minilogit.jax_backend]).
        dtype: `"float64"` (default) or `"float32"` (`backend="jax"` only).
        sharded: split the rows of each batch across all JAX devices (`backend="jax"` only).
    """

    GRADIENTS = ("analytic", "autodiff")
    BACKENDS = ("numpy", "jax")
    DTYPES = ("float64", "float32")

    def __init__(
        self,
        model: Any,
        loss: Any,
        optimizer: Any,
        gradient: str = "analytic",
        backend: str = "numpy",
        dtype: str = "float64",
        sharded: bool = False,
    ) -> None:
        for name, value, allowed in (
            ("gradient", gradient, self.GRADIENTS),
            ("backend", backend, self.BACKENDS),
            ("dtype", dtype, self.DTYPES),
        ):
            if value not in allowed:
                raise ConfigError(f"{name} must be one of {allowed}, got {value!r}")
        if backend != "jax" and (sharded or dtype != "float64"):
            raise ConfigError(
                f"{'sharded=True' if sharded else f'dtype={dtype!r}'} needs backend='jax' "
                "(the numpy backend computes in float64 on one core)"
            )
        if not (hasattr(optimizer, "init") and hasattr(optimizer, "update")):
            raise ConfigError(
                f"optimizer {optimizer!r} has no init/update methods; "
                "use one from minilogit.optim or wrap an optax one with optim.from_optax"
            )
        self.model, self.loss, self.optimizer = model, loss, optimizer
        self.gradient, self.backend, self.dtype, self.sharded = gradient, backend, dtype, sharded

    def _grad_fn(self) -> Any:
        if self.gradient == "analytic":
            return gradients.analytic(self.loss)
        return gradients.autodiff(self.loss)

    def _check_data(self, X: Any, y: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
        from .models import check_features

        X = check_features(X, self.model.n_features, name=f"{name} X")
        if not np.isfinite(X).all():
            raise DataError(f"{name} X holds non-finite values")
        y = np.asarray(y)
        if y.shape != (X.shape[0],):
            raise DataError(f"{name} y has shape {y.shape}; expected ({X.shape[0]},)")
        return X, self.loss.check_targets(y, name=f"{name} y")

    def fit(
        self,
        X: Any,
        y: np.ndarray | None = None,
        iterations: int = 500,
        record_every: int = 100,
        tol: float | None = None,
        batch_size: int | None = None,
        eval_set: tuple[np.ndarray, np.ndarray] | None = None,
        progress: bool | None = None,
        seed: int = 0,
    ) -> History:
        """Train from the model's current parameters.

        Args:
            X: `(m, n)` training features; or, with `y` left out, a stream of
                `(X_batch, y_batch)` mini-batches, one step each: an iterable, or a callable
                returning one per epoch (see [`minilogit.stream`][minilogit.stream]).
            y: `(m,)` training labels.
            iterations: optimizer steps to take at most.
            record_every: record cost and accuracy every this many steps (the article: 100).
            tol: stop once the gradient norm is at most `tol`; warn if never reached. With
                mini-batches it is checked on the full data at each recorded point.
            batch_size: mini-batch size; None uses all rows each step. Batches are drawn
                from a permutation reshuffled every epoch, seeded by `seed`.
            eval_set: `(X_eval, y_eval)` whose accuracy is recorded alongside.
            progress: show a progress bar; None shows one only on a terminal.
            seed: seed for mini-batch shuffling.

        Returns:
            The [`History`][minilogit.History]; the model's `params` are updated in place.

        Raises:
            DivergenceError: the cost became nan or infinite.
        """
        iterations = _check_positive_int(iterations, "iterations")
        record_every = _check_positive_int(record_every, "record_every")
        batch_size = _check_positive_int(batch_size, "batch_size", allow_none=True)
        if tol is not None and not (np.isfinite(tol) and tol >= 0):
            raise ConfigError(f"tol must be a finite number >= 0 or None, got {tol!r}")
        if y is None:
            from .stream import fit_stream

            if batch_size is not None:
                raise ConfigError("batch_size is for arrays; a stream's batches set their size")
            return fit_stream(self, X, iterations, record_every, tol, eval_set, progress)
        X, y = self._check_data(X, y, "training")
        if np.unique(y).size < 2:
            raise DataError(
                f"the training labels are all {int(y[0])}: a classifier needs both classes "
                "to learn anything (is the digit present in the training part?)"
            )
        evaluation = None if eval_set is None else self._check_data(*eval_set, "eval_set")
        if batch_size is not None and batch_size > X.shape[0]:
            raise ConfigError(f"batch_size={batch_size} exceeds the {X.shape[0]} training rows")
        if self.backend == "jax":
            from .jax_backend import fit_arrays

            return fit_arrays(
                self, X, y, iterations, record_every, tol, batch_size, evaluation, progress, seed
            )
        return self._fit_numpy(
            X, y, iterations, record_every, tol, batch_size, evaluation, progress, seed
        )

    def _fit_numpy(
        self,
        X: np.ndarray,
        y: np.ndarray,
        iterations: int,
        record_every: int,
        tol: float | None,
        batch_size: int | None,
        evaluation: tuple[np.ndarray, np.ndarray] | None,
        progress: bool | None,
        seed: int,
    ) -> History:
        """The training loop itself, one Python iteration per optimizer step (numpy backend)."""
        full = Objective(self.loss, X, y, self._grad_fn())
        history = History(evaluations=full.counts)
        params = copy(self.model.params)
        state = self.optimizer.init(params)
        batches = _Batches(X.shape[0], batch_size, seed)
        bar = _progress_bar(iterations, progress)
        start = time.perf_counter()
        bookkeeping = 0.0  # seconds spent recording, left out of `history.times`
        try:
            step = 0
            while step < iterations:
                rows = batches.next()
                objective = full if rows is None else full.with_batch(X[rows], y[rows])
                cost, grads = objective.value_and_grad(params)
                full_grads = grads if rows is None else None
                if rows is not None and step % record_every == 0:
                    cost, full_grads = full.value_and_grad(params)
                _check_finite(cost, step, self.optimizer)
                if step % record_every == 0:
                    mark = time.perf_counter()
                    history.times.append(mark - start - bookkeeping)
                    self._record(history, step, cost, params, X, y, evaluation)
                    if bar is not None:
                        bar.set_postfix(cost=f"{float(cost):.4g}", refresh=False)
                    bookkeeping += time.perf_counter() - mark
                if tol is not None and full_grads is not None and norm(full_grads) <= tol:
                    history.stop_reason = "tol"
                    break
                try:
                    params, state = self.optimizer.update(params, grads, state, objective)
                except StopTraining as stop:
                    history.stop_reason = stop.reason
                    warnings.warn(str(stop), ConvergenceWarning, stacklevel=3)
                    break
                step += 1
                if bar is not None:
                    bar.update(1)
                if getattr(state, "converged", False):
                    history.stop_reason = "loss_change"
                    break
        finally:
            if bar is not None:
                bar.close()
        return self._finish(history, params, state, full.value_and_grad, step, tol, start, 4)

    def _finish(
        self,
        history: History,
        params: Params,
        state: Any,
        final: Any,
        step: int,
        tol: float | None,
        start: float,
        stacklevel: int = 3,
    ) -> History:
        """Fill in the end of `history` (`final` gives cost and gradient at `params`), store
        the parameters in the model, and warn if training did not converge."""
        history.final_cost, final_grads = final(params)
        _check_finite(history.final_cost, step, self.optimizer)
        history.grad_norm = norm(final_grads)
        history.iterations = step
        history.seconds = time.perf_counter() - start
        history.params = params
        self.model.params = copy(params)
        if history.stop_reason == "iterations" and tol is not None and history.grad_norm <= tol:
            history.stop_reason = "tol"  # reached by the very last step
        if history.stop_reason == "iterations" and tol is not None:
            warnings.warn(
                f"did not converge: gradient norm {history.grad_norm:.3g} > tol={tol:g} after "
                f"{step} iterations; raise iterations or the learning rate",
                ConvergenceWarning,
                stacklevel=stacklevel,
            )
        elif history.stop_reason == "iterations" and hasattr(state, "converged"):
            # The optimizer has its own stopping rule (Newton, LBFGS) and it never fired.
            warnings.warn(
                f"did not converge: {self.optimizer!r} had not met its tolerance after "
                f"{step} iterations (gradient norm {history.grad_norm:.3g}); "
                "raise iterations",
                ConvergenceWarning,
                stacklevel=stacklevel,
            )
        return history

    def _record(
        self,
        history: History,
        step: int,
        cost: float,
        params: Params,
        X: np.ndarray,
        y: np.ndarray,
        evaluation: tuple[np.ndarray, np.ndarray] | None,
    ) -> None:
        history.costs.append((step, float(cost)))
        history.train_accuracy.append((step, accuracy(y, self.model.predict(X, params))))
        if evaluation is not None:
            Xe, ye = evaluation
            history.eval_accuracy.append((step, accuracy(ye, self.model.predict(Xe, params))))
            history.eval_costs.append((step, float(self.loss.value(params, Xe, ye))))


def _check_finite(cost: float, step: int, optimizer: Any) -> None:
    if not np.isfinite(cost):
        raise DivergenceError(
            f"the cost became {cost} at iteration {step} with {optimizer!r}: training "
            "diverged. Use a smaller learning rate (or lr='auto', the safe step 1/L)"
        )


class _Batches:
    """Row indices of successive mini-batches, reshuffled every epoch from one seed."""

    def __init__(self, m: int, batch_size: int | None, seed: int) -> None:
        self.m, self.batch_size = m, batch_size
        self.rng = np.random.default_rng(seed)
        self.order = np.empty(0, dtype=np.int64)
        self.pos = 0

    def next(self) -> np.ndarray | None:
        if self.batch_size is None:
            return None
        if self.pos + self.batch_size > self.order.size:
            self.order, self.pos = self.rng.permutation(self.m), 0
        rows = self.order[self.pos : self.pos + self.batch_size]
        self.pos += self.batch_size
        return rows


def _progress_bar(total: int, progress: bool | None) -> Any:
    """A tqdm bar on stderr, advanced once per step, or None.

    `progress=None` means: only on a terminal (never when stderr is piped), and only once the
    fit has run for half a second, so short fits print nothing. `True` shows it at once.
    """
    if progress is None:
        progress, delay = sys.stderr.isatty(), 0.5
    else:
        delay = 0.0
    if not progress:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="it", leave=False, file=sys.stderr, delay=delay)
