"""The `Dataset` every part of minilogit trains and tests on, and how to split and scale it.

Rows are examples: `X` is `(m, n)` float64 and `y` is `(m,)`. A `Dataset` is frozen;
every method returns a new one.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from .errors import ConfigError, DataError, DataWarning


def _frozen(a: np.ndarray, given: object) -> np.ndarray:
    """`a` made read-only: in place when it is new (not `given`), else a read-only copy."""
    if a is not given and a.base is None:
        a.flags.writeable = False
        return a
    base = a if a.base is None else a.base
    if not a.flags.writeable and not getattr(base, "flags", a.flags).writeable:
        return a  # nobody can write to it, not even through its base
    a = a.copy()
    a.flags.writeable = False
    return a


def _check_arrays(X: np.ndarray, y: np.ndarray, source: str) -> tuple[np.ndarray, np.ndarray]:
    X_given, y_given = X, y
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim != 2:
        raise DataError(f"{source}: X must be 2-D (m examples, n features), got shape {X.shape}")
    if y.ndim != 1:
        raise DataError(f"{source}: y must be 1-D (m labels), got shape {y.shape}")
    if X.shape[0] != y.shape[0]:
        raise DataError(
            f"{source}: X has {X.shape[0]} rows but y has {y.shape[0]}; "
            "every example needs exactly one label"
        )
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise DataError(f"{source}: X is empty (shape {X.shape})")
    if not np.issubdtype(X.dtype, np.number) or np.issubdtype(X.dtype, np.complexfloating):
        raise DataError(f"{source}: X must be real numbers, got dtype {X.dtype}")
    if y.dtype == np.bool_:
        y = y.astype(np.int64)
    if not np.issubdtype(y.dtype, np.number) or np.issubdtype(y.dtype, np.complexfloating):
        raise DataError(f"{source}: y must be real numbers or booleans, got dtype {y.dtype}")
    X = X.astype(np.float64, copy=False)
    bad = ~np.isfinite(X)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise DataError(f"{source}: X row {r}, column {c} is {X[r, c]}; values must be finite")
    if y.dtype != np.int64:
        yf = y.astype(np.float64, copy=False)
        bad = ~np.isfinite(yf) | (yf != np.round(yf))
        if bad.any():
            r = int(np.argmax(bad))
            raise DataError(f"{source}: label in row {r} is {y[r]!r}; labels must be integers")
        y = yf.astype(np.int64)
    return _frozen(X, X_given), _frozen(y, y_given)


@dataclass(frozen=True, eq=False)
class Dataset:
    """Examples `X` (m, n) float64 with integer labels `y` (m,).

    A `Dataset` is immutable: the dataclass is frozen and `X` and `y` are read-only arrays
    (copied from the arguments unless they already are), so a split or a cached read can
    never be changed behind your back.

    Args:
        X: `(m, n)` features, one example per row.
        y: `(m,)` integer labels (whole-number floats and booleans are converted).
        image_shape: shape of one example as an image, e.g. `(8, 8)`, or None.
        source: where the data came from, used in error messages.

    Example:
        >>> import numpy as np
        >>> ds = Dataset(np.eye(4), np.array([0, 1, 0, 1]))
        >>> ds.m, ds.n, ds.classes.tolist()
        (4, 4, [0, 1])
    """

    X: np.ndarray
    y: np.ndarray
    image_shape: tuple[int, ...] | None = None
    source: str = field(default="dataset", compare=False)

    def __post_init__(self) -> None:
        X, y = _check_arrays(self.X, self.y, self.source)
        if self.image_shape is not None and int(np.prod(self.image_shape)) != X.shape[1]:
            raise DataError(
                f"{self.source}: image_shape {self.image_shape} does not hold {X.shape[1]} features"
            )
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "y", y)

    @property
    def m(self) -> int:
        """Number of examples."""
        return self.X.shape[0]

    @property
    def n(self) -> int:
        """Number of features."""
        return self.X.shape[1]

    @property
    def classes(self) -> np.ndarray:
        """The sorted distinct labels."""
        return np.unique(self.y)

    def _with(self, X: np.ndarray | None = None, y: np.ndarray | None = None) -> Dataset:
        return Dataset(
            self.X if X is None else X,
            self.y if y is None else y,
            self.image_shape,
            self.source,
        )

    def subset(self, rows: np.ndarray) -> Dataset:
        """The examples at `rows` (indices or a boolean mask), in that order."""
        return self._with(self.X[rows], self.y[rows])

    def one_vs_rest(self, label: int) -> Dataset:
        """Relabel `label` as 1 and every other label as 0 (the article's "is this a 1?").

        Raises:
            DataError: if `label` does not occur in `y`.
        """
        if label not in set(self.y.tolist()):
            raise DataError(
                f"{self.source}: label {label} does not occur; labels present are "
                f"{self.classes.tolist()}"
            )
        return self._with(y=(self.y == label).astype(np.int64))

    def split(
        self, test_size: float = 0.2, seed: int = 0, stratify: bool = True
    ) -> tuple[Dataset, Dataset]:
        """Shuffle with `seed` and split into `(train, test)`.

        With `stratify=True` every class keeps its proportion in both parts (each class is
        shuffled and split on its own), which avoids the article's sorted-workbook trap.

        Args:
            test_size: fraction of examples in the test part, in (0, 1).
            seed: seed of the shuffle; the same seed gives the same split.
            stratify: keep class proportions in both parts.
        """
        if not 0.0 < test_size < 1.0:
            raise ConfigError(f"test_size must be in (0, 1), got {test_size}")
        self._check_splittable()
        rng = np.random.default_rng(seed)
        if stratify:
            test_rows = []
            for c in self.classes:
                rows = rng.permutation(np.flatnonzero(self.y == c))
                test_rows.append(rows[: round(test_size * rows.size)])
            test = np.concatenate(test_rows)
        else:
            test = rng.permutation(self.m)[: round(test_size * self.m)]
        mask = np.zeros(self.m, dtype=bool)
        mask[test] = True
        if mask.all() or not mask.any():
            raise ConfigError(f"test_size={test_size} leaves one part empty with {self.m} examples")
        train_rows = rng.permutation(np.flatnonzero(~mask))
        test_rows = rng.permutation(np.flatnonzero(mask))
        return self.subset(train_rows), self.subset(test_rows)

    def split_head(self, n_train: int) -> tuple[Dataset, Dataset]:
        """The article's split: the first `n_train` rows train, the rest test.

        Warns with `minilogit.errors.DataWarning` when either part holds a single
        class: on a workbook sorted by label that test set measures nothing.
        """
        self._check_splittable()
        if not 0 < n_train < self.m:
            raise ConfigError(f"n_train must be between 1 and {self.m - 1}, got {n_train}")
        train = self.subset(slice(0, n_train))
        test = self.subset(slice(n_train, None))
        for name, part in (("training", train), ("test", test)):
            if part.classes.size == 1:
                warnings.warn(
                    f"the {name} part of the head split (rows "
                    f"{'0' if part is train else n_train}..."
                    f"{n_train - 1 if part is train else self.m - 1}) holds only label "
                    f"{part.classes[0]}; its accuracy says nothing about the model. "
                    "Use a stratified split instead",
                    DataWarning,
                    stacklevel=2,
                )
        return train, test

    def _check_splittable(self) -> None:
        if self.m < 2:
            raise DataError(
                f"{self.source}: holds a single example; splitting it into a training and a "
                "test part needs at least two"
            )

    def standardized(self, reference: Dataset | None = None) -> Dataset:
        """Scale each feature to mean 0 and standard deviation 1.

        Args:
            reference: take the means and deviations from this dataset (the training set,
                when scaling a test set) instead of from `self`.

        Constant features (standard deviation 0) are only centred.
        """
        mean, std = feature_stats((reference or self).X)
        return self._with(X=(self.X - mean) / std)

    def scaled(self, factor: float) -> Dataset:
        """Multiply every feature by `factor` (e.g. `1/16` for 4-bit pixels)."""
        return self._with(X=self.X * float(factor))


def feature_stats(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-feature mean and standard deviation of `X` (m, n); a zero deviation becomes 1."""
    mean = X.mean(axis=0)
    std = X.std(axis=0)
    return mean, np.where(std > 0, std, 1.0)
