"""Training on data that arrives in pieces, and the chunked loop the compiled backend shares.

Data that does not fit in memory reaches [`Trainer.fit`][minilogit.Trainer.fit] as a stream of
mini-batches instead of arrays: leave `y` out and pass, as the first argument,

* an iterable of `(X_batch, y_batch)` pairs, `X_batch: (b, n)`, `y_batch: (b,)`, read once:
  training stops when it runs out (stop reason `"data"`) or after `iterations` steps; or
* a callable returning such an iterable, called again for every epoch, so training runs
  for exactly `iterations` steps.

Each batch is one optimizer step, in the order given: a stream of the batches that in-memory
mini-batch training would draw gives the same parameters.
[`NpzBatches`][minilogit.stream.NpzBatches] and [`CsvBatches`][minilogit.stream.CsvBatches]
read such a stream from a file, a few rows at a time:

```python
from minilogit.stream import NpzBatches

batches = NpzBatches("big.npz", batch_size=1000)
history = ml.Trainer(ml.Logistic(batches.n), loss, ml.optim.Adam(0.01)).fit(batches)
```

With a stream, the recorded cost and training accuracy are those of the batch at the record
point (the full data is never in memory; pass `eval_set` for a held-out measure), the final
cost and gradient norm those of the last batch, and `lr="auto"` uses the Lipschitz bound of
the first batch.

The loop that runs a stream ([`run_chunks`][minilogit.stream.run_chunks]) advances a chunk of
steps at a time, between record points; the JAX backend
([`minilogit.jax_backend`][minilogit.jax_backend]) plugs its compiled chunk into the same loop.
"""

from __future__ import annotations

import time
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ._tree import Params, copy
from .errors import ConfigError, ConvergenceWarning, DataError
from .objective import Counts, Objective
from .optim.base import StopTraining

Batch = tuple[np.ndarray, np.ndarray]
BatchStream = Iterable[Batch] | Callable[[], Iterable[Batch]]

#: Largest stack of streamed batches handed to a compiled chunk at once.
CHUNK_BYTES = 64 * 2**20


@dataclass
class Chunk:
    """The data for up to `length` consecutive steps.

    Attributes:
        length: number of steps.
        rows: `(length, b)` row indices of in-memory mini-batches, or None.
        batches: the streamed `(X_batch, y_batch)` pairs, or None.
    """

    length: int
    rows: np.ndarray | None = None
    batches: list[Batch] | None = None


@dataclass
class ChunkResult:
    """What a runner reports after a chunk.

    Attributes:
        costs: the cost evaluated at each step it ran (before that step's update).
        taken: updates applied.
        reason: a `STOP_REASONS` key if training must stop here, else None.
        message: a sentence to warn with when stopping (e.g. a failed line search).
    """

    costs: np.ndarray
    taken: int
    reason: str | None = None
    message: str | None = None


class ArraySource:
    """In-memory `X: (m, n)`, `y: (m,)`: every row each step, or shuffled mini-batches."""

    def __init__(self, full: Objective, batch_size: int | None, seed: int) -> None:
        from .train import _Batches

        self.full, self.batch_size = full, batch_size
        self.batches = _Batches(full.X.shape[0], batch_size, seed)

    @property
    def counts(self) -> Counts:
        """The evaluation counters of this fit."""
        return self.full.counts

    def take(self, size: int) -> Chunk:
        """The next `size` steps (the mini-batch row indices drawn for them)."""
        if self.batch_size is None:
            return Chunk(size)
        return Chunk(size, rows=np.stack([self.batches.next() for _ in range(size)]))

    def record(self, params: Params, first_cost: float, chunk: Chunk) -> tuple[float, Any, Any]:
        """Cost, `X` and `y` to record at a chunk's start: always the full data."""
        cost = first_cost if self.batch_size is None else self.full.value(params)
        return cost, self.full.X, self.full.y

    def final(self, params: Params) -> tuple[float, Params]:
        """Cost and gradient at the trained parameters."""
        return self.full.value_and_grad(params)


class _FirstBatchLipschitz(Objective):
    """A streamed batch's objective whose Lipschitz bound is the first batch's."""

    def __init__(self, first: Objective, X: np.ndarray, y: np.ndarray) -> None:
        super().__init__(first.loss, X, y, first.grad_fn, first.counts)
        self.first = first

    @property
    def lipschitz(self) -> float:
        """The first batch's bound, computed once if an optimizer asks for it."""
        return self.first.lipschitz


class StreamSource:
    """Validated batches from a user's stream, chunk by chunk.

    Args:
        trainer: the [`Trainer`][minilogit.Trainer] (for its data checks and loss).
        stream: see the module docstring.
        uniform: end a chunk where the batch shape changes (compiled chunks stack batches).
    """

    def __init__(self, trainer: Any, stream: BatchStream, uniform: bool) -> None:
        if isinstance(stream, np.ndarray) or not (callable(stream) or _iterable(stream)):
            raise ConfigError(
                f"fit got y=None and {type(stream).__name__} data: pass fit(X, y) with arrays, "
                "or a stream of (X_batch, y_batch) pairs (an iterable, or a callable "
                "returning one per epoch) with y left out"
            )
        self.trainer, self.stream, self.uniform = trainer, stream, uniform
        self.iterator = self._epoch()
        self.index = 0  # batches read so far, for error messages
        self.pending = self._read()
        if self.pending is None:
            raise DataError("the batch stream yielded no batches")
        self.last = self.pending
        self.counts = Counts()
        self.first = Objective(trainer.loss, *self.pending, trainer._grad_fn(), self.counts)

    def _epoch(self) -> Iterator[Any]:
        return iter(self.stream() if callable(self.stream) else self.stream)

    def _read(self) -> Batch | None:
        item = next(self.iterator, None)
        if item is None and callable(self.stream) and self.index:
            self.iterator = self._epoch()  # a new epoch
            item = next(self.iterator, None)
        if item is None:
            return None
        try:
            X, y = item
        except (TypeError, ValueError):
            raise DataError(
                f"batch {self.index} of the stream is a {type(item).__name__}, "
                "expected an (X_batch, y_batch) pair"
            ) from None
        batch = self.trainer._check_data(X, y, f"batch {self.index}")
        self.index += 1
        return batch

    def objective(self, X: np.ndarray, y: np.ndarray) -> Objective:
        """The loss on one batch, sharing counters and the first batch's Lipschitz bound."""
        return _FirstBatchLipschitz(self.first, X, y)

    def take(self, size: int) -> Chunk | None:
        """Up to `size` batches (fewer at the end of the stream, a shape change or
        `CHUNK_BYTES`), or None once the stream has run out."""
        batches: list[Batch] = []
        if self.pending is None:
            self.pending = self._read()
        while len(batches) < size and self.pending is not None:
            if batches and self.uniform:
                first = batches[0][0]
                full = (len(batches) + 1) * first.nbytes > CHUNK_BYTES
                if self.pending[0].shape != first.shape or full:
                    break
            batches.append(self.pending)
            self.pending = self._read() if len(batches) < size else None
        if not batches:
            return None
        self.last = batches[-1]
        return Chunk(len(batches), batches=batches)

    def record(self, params: Params, first_cost: float, chunk: Chunk) -> tuple[float, Any, Any]:
        """At a record point: the cost and data of the chunk's first batch."""
        X, y = chunk.batches[0]
        return first_cost, X, y

    def final(self, params: Params) -> tuple[float, Params]:
        """Cost and gradient on the last batch seen, at the trained parameters."""
        return self.objective(*self.last).value_and_grad(params)


def _iterable(obj: Any) -> bool:
    try:
        iter(obj)
    except TypeError:
        return False
    return True


class NumpyRunner:
    """Runs a chunk of streamed batches step by step with numpy (any optimizer)."""

    def __init__(self, trainer: Any, source: StreamSource) -> None:
        self.optimizer, self.source = trainer.optimizer, source

    def start(self, params: Params) -> tuple[Params, Any]:
        """The carry: parameters and optimizer state."""
        return params, self.optimizer.init(params)

    def params(self, carry: tuple[Params, Any]) -> Params:
        """The parameters in a carry, as float64 numpy arrays."""
        return copy(carry[0])

    def run(self, carry: tuple[Params, Any], chunk: Chunk) -> tuple[Any, ChunkResult]:
        """Take one step per batch; stop early on a non-finite cost or the optimizer's word."""
        params, state = carry
        costs = []
        for k, (X, y) in enumerate(chunk.batches):
            objective = self.source.objective(X, y)
            cost, grads = objective.value_and_grad(params)
            costs.append(cost)
            if not np.isfinite(cost):
                return (params, state), ChunkResult(np.array(costs), k)
            try:
                params, state = self.optimizer.update(params, grads, state, objective)
            except StopTraining as stop:
                return (params, state), ChunkResult(np.array(costs), k, stop.reason, str(stop))
            if getattr(state, "converged", False):
                return (params, state), ChunkResult(np.array(costs), k + 1, "loss_change")
        return (params, state), ChunkResult(np.array(costs), chunk.length)


def run_chunks(
    trainer: Any,
    source: Any,
    runner: Any,
    iterations: int,
    record_every: int,
    tol: float | None,
    evaluation: tuple[np.ndarray, np.ndarray] | None,
    progress: bool | None,
) -> Any:
    """The training loop, a chunk of steps at a time (chunks end at record points).

    Records follow the numpy loop's convention: cost and accuracy before the update of every
    `record_every`-th step; a non-finite cost raises `DivergenceError` naming its step.

    Args:
        trainer: the [`Trainer`][minilogit.Trainer].
        source: where chunks come from (`ArraySource` or `StreamSource`).
        runner: what runs them (`NumpyRunner` or the JAX backend's compiled runner).
        iterations: steps to take at most.
        record_every: steps between records.
        tol: gradient-norm tolerance (the runner stops on it; here only for the warning).
        evaluation: validated `(X_eval, y_eval)` or None.
        progress: show a progress bar (None: only on a terminal).

    Returns:
        The [`History`][minilogit.History].
    """
    from .train import History, _check_finite, _progress_bar

    history = History(evaluations=source.counts)
    carry = runner.start(copy(trainer.model.params))
    bar = _progress_bar(iterations, progress)
    start = time.perf_counter()
    bookkeeping = 0.0  # seconds spent recording, left out of `history.times`
    step = 0
    try:
        while step < iterations:
            chunk = source.take(min(record_every - step % record_every, iterations - step))
            if chunk is None:
                history.stop_reason = "data"
                break
            recording = step % record_every == 0
            elapsed = time.perf_counter() - start - bookkeeping
            before = runner.params(carry) if recording else None
            carry, result = runner.run(carry, chunk)
            bad = np.flatnonzero(~np.isfinite(result.costs))
            if bad.size:
                _check_finite(result.costs[bad[0]], step + int(bad[0]), trainer.optimizer)
            if recording:
                mark = time.perf_counter()
                history.times.append(elapsed)
                cost, X, y = source.record(before, result.costs[0], chunk)
                _check_finite(cost, step, trainer.optimizer)
                trainer._record(history, step, cost, before, X, y, evaluation)
                bookkeeping += time.perf_counter() - mark
            step += result.taken
            if bar is not None:
                bar.update(result.taken)
            if result.reason is not None:
                history.stop_reason = result.reason
                if result.message:
                    warnings.warn(result.message, ConvergenceWarning, stacklevel=3)
                break
    finally:
        if bar is not None:
            bar.close()
    params = runner.params(carry)
    # stacklevel 5: warnings point at the user's fit call (via fit_arrays or fit_stream).
    return trainer._finish(history, params, carry[1], source.final, step, tol, start, 5)


def fit_stream(
    trainer: Any,
    stream: BatchStream,
    iterations: int,
    record_every: int,
    tol: float | None,
    eval_set: tuple[np.ndarray, np.ndarray] | None,
    progress: bool | None,
) -> Any:
    """[`Trainer.fit`][minilogit.Trainer.fit] on a stream of mini-batches (either backend)."""
    evaluation = None if eval_set is None else trainer._check_data(*eval_set, "eval_set")
    compiled = trainer.backend == "jax"
    source = StreamSource(trainer, stream, uniform=compiled)
    if compiled:
        from .jax_backend import CompiledRunner

        runner = CompiledRunner(trainer, "stream", source.counts, lambda: source.first.lipschitz)
    else:
        runner = NumpyRunner(trainer, source)
    return run_chunks(trainer, source, runner, iterations, record_every, tol, evaluation, progress)


class NpzBatches:
    """Mini-batches of an `.npz` file's `X` and `y`, read a few rows at a time.

    The arrays are never loaded whole: each epoch reads the `.npy` members of the archive
    sequentially (compressed or not), `batch_size` rows at a time. The last batch of an epoch
    holds the remaining rows. Call the object for a fresh epoch; pass it to `fit` as is.

    Args:
        path: an `.npz` written by `np.savez` / `np.savez_compressed` with `X: (m, n)` and
            `y: (m,)` (C order, numeric, no object arrays).
        batch_size: rows per batch.
        x_key: name of the features array.
        y_key: name of the labels array.

    Attributes:
        m: number of rows.
        n: number of features.

    Example:
        >>> import tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "d.npz")
        >>> np.savez(path, X=np.arange(10.0).reshape(5, 2), y=np.array([0, 1, 0, 1, 1]))
        >>> batches = NpzBatches(path, batch_size=2)
        >>> [b[1].tolist() for b in batches()]
        [[0, 1], [0, 1], [1]]
    """

    def __init__(
        self, path: str | Path, batch_size: int, x_key: str = "X", y_key: str = "y"
    ) -> None:
        from .train import _check_positive_int

        self.path, self.keys = Path(path), (x_key, y_key)
        self.batch_size = _check_positive_int(batch_size, "batch_size")
        (self.m, self.n), _ = self._header(x_key, 2)
        (m_y,), _ = self._header(y_key, 1)
        if m_y != self.m:
            raise DataError(f"{self.path}: {x_key} has {self.m} rows but {y_key} has {m_y}")

    def __repr__(self) -> str:
        return f"NpzBatches({str(self.path)!r}, batch_size={self.batch_size})"

    def __len__(self) -> int:
        return -(-self.m // self.batch_size)

    def _open(self, key: str) -> tuple[Any, Any, tuple[int, ...], np.dtype]:
        try:
            archive = zipfile.ZipFile(self.path)
        except FileNotFoundError:
            raise DataError(f"{self.path}: no such file") from None
        except (zipfile.BadZipFile, OSError) as exc:
            raise DataError(f"{self.path}: not a readable .npz archive ({exc})") from None
        if f"{key}.npy" not in archive.namelist():
            names = ", ".join(n.removesuffix(".npy") for n in archive.namelist())
            archive.close()
            raise DataError(f"{self.path}: no array {key!r} (it holds: {names or 'nothing'})")
        member = archive.open(f"{key}.npy")
        try:
            version = np.lib.format.read_magic(member)
            read_header = {
                (1, 0): np.lib.format.read_array_header_1_0,
                (2, 0): np.lib.format.read_array_header_2_0,
            }[version]
            shape, fortran, dtype = read_header(member)
        except (ValueError, KeyError) as exc:
            member.close()
            archive.close()
            raise DataError(f"{self.path}: array {key!r} is not a valid .npy ({exc})") from None
        if fortran or dtype.kind not in "biuf":
            member.close()
            archive.close()
            raise DataError(
                f"{self.path}: array {key!r} must be a numeric C-order array to stream by rows, "
                f"got dtype {dtype}{' in Fortran order' if fortran else ''}"
            )
        return archive, member, shape, dtype

    def _header(self, key: str, ndim: int) -> tuple[tuple[int, ...], np.dtype]:
        archive, member, shape, dtype = self._open(key)
        member.close()
        archive.close()
        if len(shape) != ndim:
            raise DataError(f"{self.path}: array {key!r} must be {ndim}-D, got shape {shape}")
        return shape, dtype

    def __call__(self) -> Iterator[Batch]:
        """One epoch: the batches in file order."""
        (xa, xf, _, x_dtype), (ya, yf, _, y_dtype) = (self._open(k) for k in self.keys)
        try:
            for start in range(0, self.m, self.batch_size):
                rows = min(self.batch_size, self.m - start)
                X = _read_rows(xf, x_dtype, rows * self.n, self.path).reshape(rows, self.n)
                yield X, _read_rows(yf, y_dtype, rows, self.path)
        finally:
            for handle in (xf, xa, yf, ya):
                handle.close()


def _read_rows(member: Any, dtype: np.dtype, count: int, path: Path) -> np.ndarray:
    data = member.read(count * dtype.itemsize)
    if len(data) != count * dtype.itemsize:
        raise DataError(f"{path}: the archive is truncated (an array ends early)")
    return np.frombuffer(data, dtype=dtype)


class CsvBatches:
    """Mini-batches of a `.csv` file, read `batch_size` rows at a time with pandas.

    The layout is minilogit's CSV: no header, one example a row, the label in the last
    column. Call the object for a fresh epoch; pass it to `fit` as is.

    Args:
        path: the `.csv` file.
        batch_size: rows per batch.

    Attributes:
        n: number of features (columns minus one), from the first line.

    Example:
        >>> import tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "d.csv")
        >>> _ = open(path, "w").write("0.5,1.0,1\\n2.0,-1.0,0\\n3.0,0.0,1\\n")
        >>> [X.shape for X, y in CsvBatches(path, batch_size=2)()]
        [(2, 2), (1, 2)]
    """

    def __init__(self, path: str | Path, batch_size: int) -> None:
        from .train import _check_positive_int

        self.path = Path(path)
        self.batch_size = _check_positive_int(batch_size, "batch_size")
        try:
            with self.path.open() as f:
                first = f.readline()
        except OSError as exc:
            raise DataError(f"{self.path}: cannot read ({exc.strerror or exc})") from None
        self.n = first.count(",")
        if self.n < 1:
            raise DataError(
                f"{self.path}: line 1 needs at least two comma-separated columns "
                "(features, then the label)"
            )

    def __repr__(self) -> str:
        return f"CsvBatches({str(self.path)!r}, batch_size={self.batch_size})"

    def __call__(self) -> Iterator[Batch]:
        """One epoch: the batches in file order."""
        import pandas as pd

        reader = pd.read_csv(self.path, header=None, chunksize=self.batch_size, dtype=float)
        line = 1
        try:
            for frame in reader:
                if frame.shape[1] != self.n + 1:
                    raise DataError(
                        f"{self.path}: rows from line {line} have {frame.shape[1]} columns, "
                        f"expected {self.n + 1}"
                    )
                values = frame.to_numpy()
                line += len(values)
                yield values[:, :-1], values[:, -1]
        except DataError:
            raise
        except ValueError as exc:
            raise DataError(
                f"{self.path}: cannot read the rows from line {line} as numbers ({exc}); "
                "every cell must be a number and every row hold the same columns"
            ) from None
