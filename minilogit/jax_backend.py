r"""The compiled training path: `Trainer(..., backend="jax")`.

One training step (the loss value, its gradient, the optimizer's update) is traced once by
`jax.jit`, and `lax.scan` runs it for every step between two record points, so Python runs
once per chunk of `record_every` steps instead of once per step. Nothing else changes: the
same model, loss, optimizer objects and the same [`History`][minilogit.History].

* **Gradient.** `gradient="analytic"` uses the hand-derived formulas, written here a second
  time with `jax.numpy` (`loss.grad` is numpy only); `gradient="autodiff"` uses `jax.grad`
  of the loss's own `value`. Both match the numpy backend in float64 (the tests ask for a
  relative $10^{-10}$ after 500 steps).
* **dtype.** `"float32"` halves the memory traffic of the two passes over `X` that every
  step makes, which is what limits a step's speed on a CPU; parameters, data and optimizer
  state are kept in float32, and the returned parameters are float64 again.
* **One pass.** Full-batch training of a binary loss with the analytic gradient on one CPU
  device, when `X` is larger than `BLOCKED_MIN_BYTES`, keeps `X` as row blocks and reads
  it once per step instead of twice (`_binary_blocked`), without the transposed copy.
* **Devices.** `sharded=True` splits the rows of `X` and `y` across every device JAX sees
  (`jax.devices()`: the GPUs of a machine, or CPU devices forced with
  `XLA_FLAGS=--xla_force_host_platform_device_count=4`) with a `NamedSharding`, and keeps
  the parameters replicated. Each device computes $X_d^\top r_d$ on its rows; XLA adds
  the all-reduce that sums them into the mean gradient. When the rows do not divide evenly,
  zero-weight rows pad the last device (the analytic gradient divides by the true $m$).
* **Optimizers.** The update must be traceable: `optimizer.update` runs on JAX arrays inside
  `jit` with a traced step count. minilogit's first-order optimizers are written for that
  (a number, `"auto"` or a schedule as `lr`). Newton, L-BFGS and `from_optax` adapters use
  numpy or Python control flow on values and raise a `ConfigError` here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._jax import load_jax
from ._tree import Params
from .errors import ConfigError
from .losses import BinaryCrossEntropy, CrossEntropy
from .models import sigmoid
from .objective import Counts, Objective
from .optim.base import StopTraining
from .stream import ArraySource, Chunk, ChunkResult, run_chunks

#: Full-batch training of a binary loss with the analytic gradient, on one CPU device, keeps
#: `X` as row blocks and makes one pass over it per step (`_binary_blocked`) when `X` takes
#: more than this many bytes in the training dtype: then it no longer fits in the cache, and
#: the two-pass step reads it from memory twice (20,000 x 784 float32, 63 MB, on 2 cores:
#: about 0.6x the step time when nothing else runs, about 0.9x with the other core busy).
#: Smaller problems keep the two-pass step, which compiles faster.
BLOCKED_MIN_BYTES = 8 * 2**20
#: Bytes of one row block in the blocked step (about 1,000 rows of 784 float32 features):
#: small enough to stay in the cache between its two products, large enough that the
#: per-block overhead and the compile time (one pair of products per block) stay small.
BLOCK_BYTES = 3 * 2**20


def binary_value_and_grad(
    loss: BinaryCrossEntropy, params: Params, X: Any, y: Any, weights: Any, m: Any, XT: Any = None
) -> tuple[Any, Params]:
    r"""[`BinaryCrossEntropy.value_and_grad`][minilogit.losses.BinaryCrossEntropy.value_and_grad]
    in `jax.numpy`, with optional row weights (0 for padding rows).

    $J = \frac1m\sum_i \omega_i[\operatorname{softplus}(z_i) - y_i z_i] +
    \frac\lambda2\lVert w\rVert^2$, $\nabla_w J = X^\top r + \lambda w$,
    $\partial J/\partial b = \sum_i r_i$ with $r_i = \omega_i(\sigma(z_i) - y_i)/m$.

    Args:
        loss: gives the penalty $\lambda$.
        params: `{"w": (n,), "b": ()}`.
        X: `(m', n)` rows (`m' >= m` with padding).
        y: `(m',)` 0/1 labels.
        weights: `(m',)` row weights $\omega$, or None for all ones.
        m: the number of real rows $m$.
        XT: `X` transposed, `(n, m')`, if kept (see `CompiledRunner`), else None.
    """
    jnp = load_jax().numpy
    w = params["w"]
    if isinstance(X, tuple):
        return _binary_blocked(loss, params, X, y, m)
    z = X @ w + params["b"]
    per_row = jnp.logaddexp(0.0, z) - y * z
    r = (sigmoid(z) - y) / m
    if weights is not None:
        per_row, r = per_row * weights, r * weights
    value = jnp.sum(per_row) / m + 0.5 * loss.l2 * jnp.dot(w, w)
    grad_w = r @ X if XT is None else XT @ r  # never `X.T @ r`: XLA copies X to transpose it
    return value, {"w": grad_w + loss.l2 * w, "b": jnp.sum(r)}


def _binary_blocked(
    loss: BinaryCrossEntropy, params: Params, blocks: tuple, labels: tuple, m: Any
) -> tuple[Any, Params]:
    r"""`binary_value_and_grad` in one pass over `X`, kept as row blocks `X_1, X_2, ...`.

    A step reads `X` twice, $z = Xw$ then $X^\top r$, and on a CPU it is limited by memory
    traffic. Here each block gives $z_k = X_k w$, $r_k$, then at once $X_k^\top r_k$, while
    $X_k$ (about `BLOCK_BYTES`) is still in the cache: `X` comes from memory once per step.

    The blocks must run one after the other. Each block's products depend only on `w`, so
    XLA would otherwise schedule every $X_k w$ first and every $X_k^\top r_k$ after (two
    passes again); an `optimization_barrier` around a block was seen not to prevent that.
    A data dependency orders them: block $k+1$ multiplies by `w + 0.0 * g[0]`, which needs
    the gradient summed up to block $k$. Under IEEE arithmetic `0.0 * x` is not always `0`
    (`nan` for `inf` or `nan`, `-0.0` for negative `x`), so XLA cannot fold it away (checked
    on the compiled HLO, see tests/test_backends.py); its value is `w` exactly, so the
    result is that of the two-pass step up to the order of the sums (a non-finite gradient
    turns the step's `w` into `nan`, which the divergence check reports as before).

    Args:
        loss: gives the penalty $\lambda$.
        params: `{"w": (n,), "b": ()}`.
        blocks: the row blocks of `X`, each `(m_k, n)`, as separate arrays (slices of one
            array would be copied at every step).
        labels: the matching `(m_k,)` blocks of `y`.
        m: the number of rows $m$ (no padding: blocks are used only on one device).
    """
    jnp = load_jax().numpy
    w, b = params["w"], params["b"]
    value = grad_w = grad_b = jnp.zeros((), w.dtype)
    w_k = w
    for X_k, y_k in zip(blocks, labels, strict=True):
        z = X_k @ w_k + b
        value = value + jnp.sum(jnp.logaddexp(0.0, z) - y_k * z)
        r = (sigmoid(z) - y_k) / m
        grad_w, grad_b = grad_w + r @ X_k, grad_b + jnp.sum(r)
        w_k = w + 0.0 * grad_w[0]  # the next block waits for this one (see above)
    value = value / m + 0.5 * loss.l2 * jnp.dot(w, w)
    return value, {"w": grad_w + loss.l2 * w, "b": grad_b}


def softmax_value_and_grad(
    loss: CrossEntropy, params: Params, X: Any, y: Any, weights: Any, m: Any, XT: Any = None
) -> tuple[Any, Params]:
    r"""[`CrossEntropy.value_and_grad`][minilogit.losses.CrossEntropy.value_and_grad] in
    `jax.numpy`: $\nabla_W J = X^\top R + \lambda W$, $\nabla_b J = R^\top \mathbf 1$ with
    $R = \operatorname{diag}(\omega)(P - Y)/m$.

    Args:
        loss: gives the penalty $\lambda$.
        params: `{"w": (n, k), "b": (k,)}`.
        X: `(m', n)` rows.
        y: `(m',)` integer class indices.
        weights: `(m',)` row weights, or None.
        m: the number of real rows.
        XT: `X` transposed, `(n, m')`, or None.
    """
    jax = load_jax()
    jnp = jax.numpy
    W = params["w"]
    Z = X @ W + params["b"]
    lse = jax.nn.logsumexp(Z, axis=1)
    Y = jax.nn.one_hot(y, Z.shape[1], dtype=Z.dtype)
    per_row = lse - jnp.sum(Y * Z, axis=1)
    R = (jnp.exp(Z - lse[:, None]) - Y) / m
    if weights is not None:
        per_row, R = per_row * weights, R * weights[:, None]
    value = jnp.sum(per_row) / m + 0.5 * loss.l2 * jnp.sum(W * W)
    grad_W = (R.T @ X).T if XT is None else XT @ R
    return value, {"w": grad_W + loss.l2 * W, "b": jnp.sum(R, axis=0)}


#: The `jax.numpy` twins of the hand-derived gradients, by loss class.
ANALYTIC: dict[type, Callable[..., tuple[Any, Params]]] = {
    BinaryCrossEntropy: binary_value_and_grad,
    CrossEntropy: softmax_value_and_grad,
}


def _value_and_grad(trainer: Any) -> Callable[..., tuple[Any, Params]]:
    """`(params, X, y, weights, m, XT) -> (value, grads)` for the trainer's loss and gradient."""
    loss = trainer.loss
    if trainer.gradient == "autodiff":
        jax = load_jax()
        grad_fn = jax.value_and_grad(loss.value)
        return lambda params, X, y, weights, m, XT=None: grad_fn(params, X, y)
    twin = ANALYTIC.get(type(loss))
    if twin is None:
        raise ConfigError(
            f"backend='jax' with gradient='analytic' needs a jax.numpy version of "
            f"{loss!r}'s hand-derived gradient (known: "
            f"{', '.join(c.__name__ for c in ANALYTIC)}); use gradient='autodiff'"
        )
    return lambda params, X, y, weights, m, XT=None: twin(loss, params, X, y, weights, m, XT)


class _TracedObjective:
    """What a traced update sees as `objective`: only the Lipschitz bound, as an argument."""

    def __init__(self, lipschitz: Any, info: dict[str, bool]) -> None:
        self._lipschitz, self._info = lipschitz, info

    @property
    def lipschitz(self) -> Any:
        self._info["uses_lipschitz"] = True
        return self._lipschitz

    def __getattr__(self, name: str) -> Any:
        raise ConfigError(
            f"the optimizer asked the objective for {name!r} (values, gradients or a Hessian "
            "at other points), which a compiled step cannot provide"
        )


def _build(trainer: Any, mode: str, has_tol: bool, row_sharding: Any) -> tuple[Any, dict]:
    """The jitted chunk: `lax.scan` of one step over the chunk's steps."""
    jax = load_jax()
    jnp, tree_map = jax.numpy, jax.tree_util.tree_map
    value_and_grad, optimizer = _value_and_grad(trainer), trainer.optimizer
    info = {"uses_lipschitz": False}

    def batch(data: Any, x: Any) -> tuple[tuple[Any, Any, Any, Any], Any]:
        """`(X, y, weights, m[, XT])` of this step, and whether it is real (not padding)."""
        if mode == "full":
            return data, True
        if mode == "stream":
            X, y, active = x
            return (X, y, None, X.shape[0]), active
        X, y = data[0][x], data[1][x]
        if row_sharding is not None and X.shape[0] % row_sharding.mesh.size == 0:
            X = jax.lax.with_sharding_constraint(X, row_sharding)  # split the batch's rows too
        return (X, y, None, X.shape[0]), True

    def chunk(params, state, data, xs, lipschitz, tol, length=None):
        objective = _TracedObjective(lipschitz, info)

        def step(carry, x):
            params, state, done = carry
            rows, active = batch(data, x)
            cost, grads = value_and_grad(params, *rows)
            leaves = jax.tree_util.tree_leaves(grads)
            at_tol = jnp.sqrt(sum(jnp.sum(g * g) for g in leaves)) <= tol if has_tol else False
            new_params, new_state = optimizer.update(params, grads, state, objective)
            # stopped (or a padding step): keep the parameters, as the numpy loop's break does
            hold = done | at_tol | ~jnp.asarray(active)
            keep = lambda old, new: jnp.where(hold, old, jnp.asarray(new, old.dtype))  # noqa: E731
            converged = jnp.asarray(getattr(new_state, "converged", False)) & ~hold
            carry = (tree_map(keep, params, new_params), tree_map(keep, state, new_state))
            return (*carry, hold | converged), (cost, at_tol & ~done, converged)

        init = (params, state, jnp.asarray(False))
        (params, state, _), out = jax.lax.scan(step, init, xs, length=length)
        return params, state, out

    return jax.jit(chunk, static_argnames="length"), info


def _untraceable(optimizer: Any, exc: Exception) -> ConfigError:
    return ConfigError(
        f"backend='jax' compiles optimizer.update, and {optimizer!r} cannot be traced "
        f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}). The jax "
        "backend supports the first-order optimizers (gd, momentum, nesterov, adagrad, "
        "rmsprop, adam, adamw) with a number, 'auto' or a schedule as lr; use "
        "backend='numpy' for this one"
    )


class CompiledRunner:
    """Runs chunks of steps as one compiled `lax.scan`, on one device or sharded.

    Args:
        trainer: the [`Trainer`][minilogit.Trainer] (`backend="jax"`).
        mode: `"full"` (all rows each step), `"rows"` (in-memory mini-batches, row indices
            per step) or `"stream"` (stacked streamed batches).
        counts: the fit's evaluation counters (each step adds a value and a gradient).
        lipschitz: returns the bound for `lr="auto"`; called only if the optimizer asks.
        resident: `(X, y)` kept on the device(s) for `"full"` and `"rows"`.
        tol: gradient-norm tolerance (`"full"` only).
    """

    def __init__(
        self,
        trainer: Any,
        mode: str,
        counts: Counts,
        lipschitz: Callable[[], float],
        resident: tuple[np.ndarray, np.ndarray] | None = None,
        tol: float | None = None,
    ) -> None:
        self.jax = jax = load_jax()
        self.trainer, self.mode, self.tol, self.counts = trainer, mode, tol, counts
        self.get_lipschitz = lipschitz
        self.dtype = np.dtype(trainer.dtype)
        self.replicated = self.rows = None
        if trainer.sharded:
            from jax.sharding import Mesh, NamedSharding, PartitionSpec

            self.mesh = Mesh(np.array(jax.devices()), ("rows",))
            self.replicated = NamedSharding(self.mesh, PartitionSpec())
            self.rows = NamedSharding(self.mesh, PartitionSpec("rows"))
        self.data = None if resident is None else self._resident(*resident)
        key = (
            repr(trainer.optimizer),
            repr(trainer.loss),
            trainer.gradient,
            trainer.dtype,
            trainer.sharded,
            mode,
            tol is not None,
        )
        # Later fits of this trainer with the same settings reuse the compiled chunk.
        cache = vars(trainer).setdefault("_compiled_chunks", {})
        if key not in cache:
            cache[key] = _build(trainer, mode, tol is not None, self.rows)
        self.fn, self.info = cache[key]
        self.lipschitz: Any = None

    def _devices(self) -> int:
        return 1 if self.rows is None else self.mesh.size

    def _resident(self, X: np.ndarray, y: np.ndarray) -> tuple[Any, ...]:
        r"""`(X, y, weights, m, XT)` on the device(s); padded with zero-weight rows if sharded.

        On a CPU, full-batch training also keeps `XT`, a transposed copy (twice the memory):
        XLA there would copy `X` at every step to compute $X^\top r$, while with `XT` both
        matrix-vector products read memory in order, which makes a step up to twice as fast.
        A large `X` of a binary loss is kept as row blocks instead, without `XT` (see
        `BLOCKED_MIN_BYTES`): a tuple of `(m_k, n)` arrays and a tuple of `(m_k,)` labels.
        """
        jnp = self.jax.numpy
        m, pad = X.shape[0], -X.shape[0] % self._devices()
        weights = None
        if pad:
            if self.trainer.gradient == "autodiff":
                raise ConfigError(
                    f"sharded=True splits the {m} rows across {self._devices()} devices, "
                    f"which needs padding rows, and gradient='autodiff' differentiates the "
                    f"loss's plain mean over all rows: use gradient='analytic' (it weights "
                    f"the padding rows 0) or drop {m % self._devices()} rows"
                )
            X = np.concatenate([X, np.zeros((pad, X.shape[1]))])
            y = np.concatenate([y, np.zeros(pad, dtype=y.dtype)])
            weights = self._put(np.repeat([1.0, 0.0], [m, pad]).astype(self.dtype), self.rows)
        if self._blocked(X):
            rows = max(1, BLOCK_BYTES // (X.shape[1] * self.dtype.itemsize))
            cuts = range(rows, m, rows)
            blocks = tuple(self._put(np.asarray(b, self.dtype), None) for b in np.split(X, cuts))
            labels = tuple(self._put(b, None) for b in np.split(self._labels(y), cuts))
            return blocks, labels, None, jnp.asarray(m, self.dtype), None
        X = self._put(np.asarray(X, self.dtype), self.rows)
        XT = None
        if self.mode == "full" and self.jax.default_backend() == "cpu":
            columns = self._columns()
            XT = self.jax.jit(jnp.transpose, out_shardings=columns)(X)  # XLA's tiled transpose
        return X, self._put(self._labels(y), self.rows), weights, jnp.asarray(m, self.dtype), XT

    def _blocked(self, X: np.ndarray) -> bool:
        """Whether this fit keeps `X` as row blocks (see `BLOCKED_MIN_BYTES`)."""
        trainer = self.trainer
        return (
            self.mode == "full"
            and self.rows is None
            and self.jax.default_backend() == "cpu"
            and trainer.gradient == "analytic"
            and type(trainer.loss) is BinaryCrossEntropy
            and X.size * self.dtype.itemsize > BLOCKED_MIN_BYTES
        )

    def _columns(self) -> Any:
        """Sharding of an array whose second axis runs over the rows of `X`."""
        if self.rows is None:
            return None
        from jax.sharding import NamedSharding, PartitionSpec

        return NamedSharding(self.mesh, PartitionSpec(None, "rows"))

    def _labels(self, y: np.ndarray) -> np.ndarray:
        return y.astype(self.dtype) if y.dtype.kind == "f" else y

    def _put(self, a: Any, sharding: Any) -> Any:
        """`a` on the device(s); `device_put` copies a numpy array once (`jnp.asarray` is
        about 1.5x slower on a CPU: ~30 ms more for a 20,000 x 784 float32 `X`)."""
        return self.jax.device_put(a, sharding)

    def start(self, params: Params) -> tuple[Any, Any]:
        """Parameters and optimizer state as arrays on the device(s) (replicated)."""
        params = {k: np.asarray(v, dtype=self.dtype) for k, v in params.items()}
        state = self.trainer.optimizer.init(params)
        as_array = lambda a: self._put(np.asarray(a), self.replicated)  # noqa: E731
        return self.jax.tree_util.tree_map(as_array, (params, state))

    def params(self, carry: tuple[Any, Any]) -> Params:
        """The parameters of a carry, as float64 numpy arrays."""
        return {k: np.asarray(v, dtype=np.float64) for k, v in carry[0].items()}

    def _xs(self, chunk: Chunk) -> Any:
        if self.mode == "full":
            return None
        if self.mode == "rows":
            return self.jax.numpy.asarray(chunk.rows)
        # Pad the stack to a power of two with inactive steps, so that chunks cut short (at a
        # change of batch size or the end of the data) compile a few lengths, not every one.
        length = 1 << (chunk.length - 1).bit_length()
        X0, y0 = chunk.batches[0]
        X = np.zeros((length, *X0.shape), self.dtype)
        y = np.zeros((length, *y0.shape), self._labels(y0).dtype)
        for i, (Xb, yb) in enumerate(chunk.batches):
            X[i], y[i] = Xb, yb
        sharding = self._columns() if X.shape[1] % self._devices() == 0 else None
        active = self.jax.numpy.arange(length) < chunk.length
        return self._put(X, sharding), self._put(y, sharding), active

    def run(self, carry: tuple[Any, Any], chunk: Chunk) -> tuple[Any, ChunkResult]:
        """Run the chunk's steps; stop at the first step that meets `tol` or converges."""
        xs = self._xs(chunk)
        args = (*carry, self.data, xs)
        length = chunk.length if xs is None else None
        if self.lipschitz is None:
            self.lipschitz = self._first_trace(args, length)
        params, state, (costs, at_tol, converged) = self.fn(
            *args, self.lipschitz, self.tol or 0.0, length=length
        )
        costs = np.asarray(costs, dtype=np.float64)[: chunk.length]
        self.counts.value += len(costs)
        self.counts.grad += len(costs)
        at_tol, converged = (np.asarray(a)[: chunk.length] for a in (at_tol, converged))
        stops = np.flatnonzero(at_tol | converged)
        if not stops.size:
            return (params, state), ChunkResult(costs, chunk.length)
        i = int(stops[0])
        if at_tol[i]:  # met before the update, as in the numpy loop
            return (params, state), ChunkResult(costs[: i + 1], i, "tol")
        return (params, state), ChunkResult(costs[: i + 1], i + 1, "loss_change")

    def _first_trace(self, args: tuple, length: int | None) -> Any:
        """Trace once (no compiling) to check the update is traceable and whether it
        uses the Lipschitz bound; compute the bound only then."""
        jax = self.jax
        placeholder = np.asarray(1.0, self.dtype)
        try:
            jax.eval_shape(
                lambda *a: self.fn(*a, length=length), *args, placeholder, self.tol or 0.0
            )
        except (jax.errors.JAXTypeError, StopTraining, ConfigError) as exc:
            raise _untraceable(self.trainer.optimizer, exc) from None
        if not self.info["uses_lipschitz"]:
            return placeholder
        return self._put(np.asarray(self.get_lipschitz(), self.dtype), self.replicated)


def fit_arrays(
    trainer: Any,
    X: np.ndarray,
    y: np.ndarray,
    iterations: int,
    record_every: int,
    tol: float | None,
    batch_size: int | None,
    evaluation: tuple[np.ndarray, np.ndarray] | None,
    progress: bool | None,
    seed: int,
) -> Any:
    """[`Trainer.fit`][minilogit.Trainer.fit] on validated in-memory arrays, compiled."""
    full = Objective(trainer.loss, X, y, trainer._grad_fn())
    source = ArraySource(full, batch_size, seed)
    mode = "full" if batch_size is None else "rows"
    step_tol = tol if mode == "full" else None  # as in the numpy loop: no tol on mini-batches
    runner = CompiledRunner(trainer, mode, full.counts, lambda: full.lipschitz, (X, y), step_tol)
    return run_chunks(trainer, source, runner, iterations, record_every, tol, evaluation, progress)
