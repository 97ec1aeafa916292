"""Streaming mini-batches: the same training as in memory, and chunk readers for .npz/.csv."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minilogit as ml
from minilogit import optim
from minilogit._tree import ravel
from minilogit.errors import ConfigError, DataError
from minilogit.losses import BinaryCrossEntropy
from minilogit.stream import CsvBatches, NpzBatches


def _problem(m: int = 120, n: int = 6, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, n))
    y = (X @ rng.normal(size=n) + rng.normal(size=m) > 0).astype(np.float64)
    return X, y


def shuffled(X: np.ndarray, y: np.ndarray, batch_size: int, seed: int) -> Iterator[Any]:
    """The batches in-memory training draws, written out independently: one seeded generator,
    a fresh permutation each epoch, the rows left over at an epoch's end skipped."""
    rng = np.random.default_rng(seed)
    while True:
        order = rng.permutation(len(y))
        for start in range(0, len(y) - batch_size + 1, batch_size):
            rows = order[start : start + batch_size]
            yield X[rows], y[rows]


def _trainer(n: int, backend: str = "numpy", optimizer: Any = None) -> ml.Trainer:
    optimizer = optimizer or optim.Adam(0.05)
    return ml.Trainer(ml.Logistic(n), BinaryCrossEntropy(l2=0.01), optimizer, backend=backend)


@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_stream_equals_in_memory_mini_batches(backend: str) -> None:
    X, y = _problem()
    memory = _trainer(6, backend).fit(X, y, iterations=200, batch_size=25, seed=4)
    stream = _trainer(6, backend).fit(shuffled(X, y, 25, seed=4), iterations=200)
    if backend == "numpy":
        np.testing.assert_array_equal(ravel(stream.params), ravel(memory.params))
    else:
        np.testing.assert_allclose(ravel(stream.params), ravel(memory.params), rtol=1e-12)
    assert (stream.iterations, stream.stop_reason) == (200, "iterations")
    assert stream.evaluations.grad == 201  # 200 steps, then the final gradient


@settings(max_examples=25)
@given(
    m=st.integers(2, 40),
    batch=st.integers(1, 40),
    seed=st.integers(0, 2**16),
    iterations=st.integers(1, 30),
    record_every=st.integers(1, 10),
)
def test_numpy_stream_is_bit_for_bit_in_memory_training(
    m: int, batch: int, seed: int, iterations: int, record_every: int
) -> None:
    X, y = _problem(m, 3, seed)
    y[:2] = [0.0, 1.0]
    batch = min(batch, m)
    optimizer = optim.Momentum(0.3)
    memory = _trainer(3, optimizer=optimizer).fit(
        X, y, iterations=iterations, batch_size=batch, seed=seed, record_every=record_every
    )
    stream = _trainer(3, optimizer=optimizer).fit(
        shuffled(X, y, batch, seed), iterations=iterations, record_every=record_every
    )
    np.testing.assert_array_equal(ravel(stream.params), ravel(memory.params))
    assert [i for i, _ in stream.costs] == [i for i, _ in memory.costs]


def test_records_are_those_of_the_batch_at_each_record_point() -> None:
    X, y = _problem()
    batches = [(X[i : i + 20], y[i : i + 20]) for i in range(0, 120, 20)]
    trainer = _trainer(6, optimizer=optim.GradientDescent(0.5))
    history = trainer.fit(batches, iterations=100, record_every=2, eval_set=(X, y))
    assert (history.iterations, history.stop_reason) == (6, "data")  # one pass, then done
    assert [i for i, _ in history.costs] == [0, 2, 4]
    assert history.costs[0][1] == pytest.approx(np.log(2), rel=1e-15)
    assert len(history.eval_accuracy) == 3 and len(history.times) == 3
    loss = BinaryCrossEntropy(l2=0.01)
    assert history.final_cost == pytest.approx(loss.value(history.params, *batches[-1]), rel=1e-14)


def test_a_callable_starts_a_new_epoch_when_the_stream_ends() -> None:
    X, y = _problem()

    def epoch() -> Iterator[Any]:
        return iter([(X[:50], y[:50]), (X[50:], y[50:])])  # 50 rows, then 70

    numpy = _trainer(6).fit(epoch, iterations=9, record_every=4)
    compiled = _trainer(6, "jax").fit(epoch, iterations=9, record_every=4)
    assert (numpy.iterations, numpy.stop_reason) == (9, "iterations")
    assert [i for i, _ in compiled.costs] == [0, 4, 8]
    np.testing.assert_allclose(ravel(compiled.params), ravel(numpy.params), rtol=1e-12)


def _write(tmp_path: Path, X: np.ndarray, y: np.ndarray) -> tuple[Path, Path, Path]:
    npz, packed, csv = tmp_path / "d.npz", tmp_path / "c.npz", tmp_path / "d.csv"
    np.savez(npz, X=X, y=y)
    np.savez_compressed(packed, X=X.astype(np.float32), y=y.astype(np.int8))
    np.savetxt(csv, np.column_stack([X, y]), delimiter=",", fmt="%.17g")
    return npz, packed, csv


@pytest.mark.parametrize("batch_size", [1, 7, 120, 500])
def test_readers_give_the_file_in_order_in_chunks(tmp_path: Path, batch_size: int) -> None:
    X, y = _problem()
    npz, packed, csv = _write(tmp_path, X, y)
    readers = (
        NpzBatches(npz, batch_size),
        NpzBatches(packed, batch_size),
        CsvBatches(csv, batch_size),
    )
    for reader, exact in zip(readers, (X, X.astype(np.float32), X), strict=True):
        chunks = list(reader())
        assert [len(b) for b, _ in chunks[:-1]] == [batch_size] * (len(chunks) - 1)
        assert len(chunks) == -(-120 // batch_size)
        np.testing.assert_array_equal(np.concatenate([b for b, _ in chunks]), exact)
        np.testing.assert_array_equal(np.concatenate([t for _, t in chunks]), y)
    assert (readers[0].m, readers[0].n, len(readers[0]), readers[2].n) == (120, 6, len(chunks), 6)


def test_training_from_npz_and_csv_files_agree(tmp_path: Path) -> None:
    X, y = _problem()
    npz, _, csv = _write(tmp_path, X, y)
    runs = [
        _trainer(6, backend).fit(reader, iterations=30, record_every=10)
        for backend, reader in (("numpy", NpzBatches(npz, 32)), ("jax", CsvBatches(csv, 32)))
    ]
    assert runs[0].costs[1][0] == 10 and runs[0].iterations == 30
    np.testing.assert_allclose(ravel(runs[1].params), ravel(runs[0].params), rtol=1e-12)


def test_reader_errors_name_the_file_and_the_fix(tmp_path: Path) -> None:
    X, y = _problem()
    npz, _, csv = _write(tmp_path, X, y)
    with pytest.raises(DataError, match=r"nope\.npz: no such file"):
        NpzBatches(tmp_path / "nope.npz", 10)
    with pytest.raises(DataError, match=r"no array 'labels' \(it holds: X, y\)"):
        NpzBatches(npz, 10, y_key="labels")
    np.savez(tmp_path / "short.npz", X=X, y=y[:-1])
    with pytest.raises(DataError, match="X has 120 rows but y has 119"):
        NpzBatches(tmp_path / "short.npz", 10)
    np.savez(tmp_path / "fortran.npz", X=np.asfortranarray(X), y=y)
    with pytest.raises(DataError, match="C-order array to stream by rows"):
        NpzBatches(tmp_path / "fortran.npz", 10)
    (tmp_path / "cut.npz").write_bytes(npz.read_bytes()[:500])
    with pytest.raises(DataError, match=r"cut\.npz: not a readable \.npz archive"):
        NpzBatches(tmp_path / "cut.npz", 10)
    bad = tmp_path / "bad.csv"
    bad.write_text(csv.read_text().replace("\n", "\nx,1,2,3,4,5,6\n", 1))
    with pytest.raises(DataError, match=r"bad\.csv: cannot read the rows from line 1"):
        list(CsvBatches(bad, 50)())
    with pytest.raises(ConfigError, match="batch_size must be a positive integer"):
        CsvBatches(csv, 0)


@pytest.mark.parametrize(
    ("stream", "error", "match"),
    [
        (np.zeros((4, 6)), ConfigError, r"y=None and ndarray data: pass fit\(X, y\)"),
        (iter([]), DataError, "the batch stream yielded no batches"),
        ([(np.zeros((2, 6)), np.ones(2)), 3], DataError, "batch 1 of the stream is a int"),
        (
            [(np.zeros((2, 6)), np.ones(2))] * 2 + [(np.zeros((2, 5)), np.ones(2))],
            DataError,
            "batch 2 X has 5 features but the model was built for 6",
        ),
        ([(np.zeros((2, 6)), np.array([0, 2]))], DataError, "batch 0 y must hold 0/1 labels"),
    ],
)
def test_bad_streams_are_refused(stream: Any, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        _trainer(6).fit(stream, iterations=10)


def test_batch_size_belongs_to_arrays() -> None:
    X, y = _problem()
    with pytest.raises(ConfigError, match="a stream's batches set their size"):
        _trainer(6).fit([(X, y)], batch_size=10)
