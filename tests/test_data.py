"""`Dataset`: validation, immutability, splits, and bit-for-bit reproducibility."""

from __future__ import annotations

import numpy as np
import pytest

import minilogit as ml


def test_boolean_labels_become_zero_and_one() -> None:
    ds = ml.Dataset(np.eye(3), np.array([True, False, True]))
    assert ds.y.dtype == np.int64 and ds.y.tolist() == [1, 0, 1]


def test_whole_number_float_labels_become_integers() -> None:
    assert ml.Dataset(np.eye(2), np.array([3.0, -1.0])).y.tolist() == [3, -1]


@pytest.mark.parametrize(
    ("X", "y", "message"),
    [
        (np.zeros(3), np.zeros(3), r"X must be 2-D"),
        (np.zeros((2, 2)), np.zeros((2, 1)), r"y must be 1-D"),
        (np.zeros((2, 2)), np.zeros(3), r"X has 2 rows but y has 3"),
        (np.zeros((0, 2)), np.zeros(0), r"X is empty"),
        (np.array([["a"]]), np.zeros(1), r"X must be real numbers"),
        (np.zeros((1, 1)), np.array(["a"]), r"y must be real numbers or booleans"),
        (np.array([[1.0, np.nan]]), np.zeros(1), r"X row 0, column 1 is nan"),
        (np.zeros((2, 1)), np.array([0.0, 0.5]), r"label in row 1 is .*0\.5.*integers"),
    ],
)
def test_bad_arrays_name_the_problem_and_the_source(X, y, message) -> None:
    with pytest.raises(ml.DataError, match=r"^mine: " + message):
        ml.Dataset(X, y, source="mine")


def test_a_dataset_is_immutable() -> None:
    X, y = np.eye(3), np.array([0, 1, 0])
    ds = ml.Dataset(X, y)
    with pytest.raises(ValueError, match="read-only"):
        ds.X[0, 0] = 5.0
    with pytest.raises(ValueError, match="read-only"):
        ds.y[0] = 5
    with pytest.raises(AttributeError):
        ds.X = np.zeros((3, 3))  # type: ignore[misc]
    X[0, 0] = 7.0  # the caller's arrays stay theirs and writable ...
    assert ds.X[0, 0] == 1.0  # ... and changing them does not reach the dataset
    assert X.flags.writeable


def test_derived_datasets_share_nothing_writable() -> None:
    ds = ml.Dataset(np.arange(12.0).reshape(6, 2), np.array([0, 1] * 3))
    train, test = ds.split(0.5, seed=1)
    for part in (train, test, ds.one_vs_rest(1), ds.standardized(), ds.subset([0, 2])):
        assert not part.X.flags.writeable and not part.y.flags.writeable


def test_read_only_arrays_are_not_copied_again() -> None:
    ds = ml.Dataset(np.eye(2), np.array([0, 1]))
    assert ml.Dataset(ds.X, ds.y).X is ds.X


def test_a_single_example_cannot_be_split() -> None:
    ds = ml.Dataset(np.ones((1, 2)), np.array([1]), source="one.csv")
    for split in (lambda: ds.split(0.5), lambda: ds.split_head(1)):
        with pytest.raises(ml.DataError, match=r"one\.csv: holds a single example"):
            split()


def test_the_same_seed_gives_the_same_split() -> None:
    ds = ml.Dataset(np.random.default_rng(0).normal(size=(40, 3)), np.arange(40) % 4)
    a, b = ds.split(0.25, seed=7), ds.split(0.25, seed=7)
    assert all(
        np.array_equal(p.X, q.X) and np.array_equal(p.y, q.y) for p, q in zip(a, b, strict=True)
    )
    assert not np.array_equal(a[0].X, ds.split(0.25, seed=8)[0].X)


@pytest.mark.parametrize("optimizer", ["gd", "adam"])
def test_two_mini_batch_runs_with_one_seed_are_bit_identical(optimizer) -> None:
    ds = ml.Dataset(np.random.default_rng(0).normal(size=(60, 4)), np.arange(60) % 2)

    def run(seed: int) -> dict[str, np.ndarray]:
        model = ml.Logistic(ds.n)
        trainer = ml.Trainer(
            model, ml.losses.BinaryCrossEntropy(), ml.optim.make(optimizer, lr=0.1)
        )
        trainer.fit(ds.X, ds.y, iterations=40, batch_size=7, seed=seed, progress=False)
        return model.params

    first, second, other = run(3), run(3), run(4)
    for name in ("w", "b"):
        assert first[name].tobytes() == second[name].tobytes()
    assert first["w"].tobytes() != other["w"].tobytes()  # the seed does matter
