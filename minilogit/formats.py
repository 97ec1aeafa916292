"""Data files other than workbooks (.csv, .npz) and one entry point for all of them.

A workbook stops at 16,384 columns and is slow to parse; a `.npz` file holds any size and
loads in milliseconds, a `.csv` file is what every tool writes. All three end in the same
[`Dataset`][minilogit.Dataset] validation, so a bad value gets the same kind of message
(file, line or cell, what was expected) whatever the format.

| suffix | layout |
|---|---|
| `.xlsx` | the article's: sheet `X` one example a row, sheet `Y` the labels; no header |
| `.csv` | one example a line, comma-separated, the label last, no header; or two files |
| `.npz` | arrays `X` (m, n) and `y` (m,), optionally `image_shape`; no pickles |

A `.csv` may keep its labels in a second, one-column file (`labels=`).

```python
ds = ml.read_data("digits.csv")        # dispatches on the suffix
ml.write_data("digits.npz", ds)        # and back, in any of the three formats
```
"""

from __future__ import annotations

import csv
import io
import math
import os
import zipfile
from pathlib import Path

import numpy as np

from .data import Dataset
from .errors import DataError
from .workbook import atomic_write, image_shape_for, read_input, read_workbook, write_workbook

#: The suffixes `read_data` and `write_data` understand.
SUFFIXES = (".xlsx", ".csv", ".npz")


def data_format(path: Path) -> str:
    """The suffix of `path` when minilogit reads and writes it (`.xlsx`, `.csv`, `.npz`).

    Raises:
        DataError: for any other suffix.
    """
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise DataError(
            f"{path}: unknown data format {path.suffix or '(no suffix)'!r}; "
            f"minilogit reads and writes {', '.join(SUFFIXES)}"
        )
    return suffix


def read_data(
    path: str | os.PathLike,
    *,
    labels: str | os.PathLike | None = None,
    cache: bool = True,
) -> Dataset:
    """Read `.xlsx`, `.csv` or `.npz` data, chosen by the file's suffix.

    Args:
        path: the data file.
        labels: for a `.csv` whose labels are in a separate one-column `.csv` file.
        cache: use the parsed-data cache for `.xlsx` and `.csv` (see
            [`minilogit.cache`][minilogit.cache]); `.npz` needs none.

    Raises:
        DataError: an unknown suffix, or anything the format's reader refuses.
    """
    path = Path(path)
    suffix = data_format(path)
    if labels is not None and suffix != ".csv":
        raise DataError(f"{path}: a separate labels file goes with .csv data only")
    if suffix == ".xlsx":
        return read_workbook(path, cache=cache)
    if suffix == ".csv":
        return read_csv(path, labels=labels, cache=cache)
    return read_npz(path)


def write_data(path: str | os.PathLike, dataset: Dataset) -> None:
    """Write `dataset` as `.xlsx`, `.csv` or `.npz`, chosen by the suffix (atomically)."""
    path = Path(path)
    writer = {".xlsx": write_workbook, ".csv": write_csv, ".npz": write_npz}[data_format(path)]
    writer(path, dataset)


# ---- CSV ----


def read_csv(
    path: str | os.PathLike,
    *,
    labels: str | os.PathLike | None = None,
    cache: bool = True,
) -> Dataset:
    """Read comma-separated numbers with no header: one example per line, the label last.

    Args:
        path: the `.csv` file.
        labels: a separate one-column `.csv` of labels; then every column of `path` is a
            feature.
        cache: use the parsed-data cache (see [`minilogit.cache`][minilogit.cache]).

    Raises:
        DataError: naming the file, line and column of an empty, non-numeric or non-finite
            field, a line with a different number of fields, a non-integer label, or a
            row-count mismatch between the two files.

    Example:
        >>> import tempfile, pathlib
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "tiny.csv"
        >>> _ = path.write_text("0.5,1.5,1\\n2.5,3.5,0\\n")
        >>> ds = read_csv(path, cache=False)
        >>> ds.X.tolist(), ds.y.tolist()
        ([[0.5, 1.5], [2.5, 3.5]], [1, 0])
    """
    from . import cache as _cache

    path = Path(path)
    data = read_input(path, "a .csv file")
    label_path = None if labels is None else Path(labels)
    label_data = None if label_path is None else read_input(label_path, "a .csv file")

    def build() -> dict[str, np.ndarray]:
        table = _parse_csv(path, data)
        if label_path is None:
            if table.shape[1] < 2:
                raise DataError(
                    f"{path}: each line needs at least one feature and then the label; "
                    "found a single column (labels in a separate file? pass them as labels=)"
                )
            X, y, y_path, y_col = table[:, :-1], table[:, -1], path, table.shape[1]
        else:
            y_table = _parse_csv(label_path, label_data)
            if y_table.shape[1] != 1:
                raise DataError(
                    f"{label_path}: expected one label per line, found {y_table.shape[1]} columns"
                )
            if y_table.shape[0] != table.shape[0]:
                raise DataError(
                    f"{path} has {table.shape[0]} lines but {label_path} has "
                    f"{y_table.shape[0]}; every example needs exactly one label"
                )
            X, y, y_path, y_col = table, y_table[:, 0], label_path, 1
        bad = np.flatnonzero(y != np.round(y))
        if bad.size:
            r = int(bad[0])
            line = _line_of(label_data if label_path else data, r)
            raise DataError(
                f"{y_path}, line {line}, column {y_col} (the label) holds {float(y[r])}; "
                "labels must be integers"
            )
        return {"X": np.ascontiguousarray(X), "y": y.astype(np.int64)}

    content = [data] if label_data is None else [data, label_data]
    settings = {"reader": "csv", "labels": "last column" if labels is None else "file"}
    arrays = _cache.cached(content, settings, build) if cache else build()
    X = arrays["X"]
    return Dataset(X, arrays["y"], image_shape_for(X.shape[1]), source=str(path))


def _parse_csv(path: Path, data: bytes) -> np.ndarray:
    """All fields of a header-less numeric CSV as a float64 matrix, or a precise error."""
    import pandas as pd

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    if not text.strip():
        raise DataError(f"{path}: the file is empty")
    try:
        table = pd.read_csv(
            io.StringIO(text),
            header=None,
            dtype=np.float64,
            engine="c",
            na_filter=False,
        ).to_numpy()
        if np.isfinite(table).all():
            return table
    except (ValueError, pd.errors.ParserError):
        pass
    _first_bad_field(path, text)
    raise AssertionError("unreachable: pandas refused the file but every field is fine")


def _line_of(data: bytes, row: int) -> int:
    """The 1-based line number of data row `row` (blank lines hold no row)."""
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig")))
    rows = (reader.line_num for fields in reader if fields)
    return next(r for i, r in enumerate(rows) if i == row)


def _first_bad_field(path: Path, text: str) -> None:
    """Raise a `DataError` naming the first field (line, column) that is not a finite number."""
    width = None
    reader = csv.reader(io.StringIO(text))
    for fields in reader:
        if not fields:
            continue
        line = reader.line_num
        if width is not None and len(fields) != width:
            raise DataError(
                f"{path}, line {line}: has {len(fields)} fields but the lines above have "
                f"{width}; every line must have the same number"
            )
        width = len(fields)
        for col, field in enumerate(fields, start=1):
            where = f"{path}, line {line}, column {col}"
            if not field.strip():
                raise DataError(f"{where} is empty; every field must hold a number")
            try:
                value = float(field)
            except ValueError:
                hint = " (a header line? minilogit's CSV has none)" if line == 1 else ""
                if ";" in field or "\t" in field:
                    hint = " (fields must be separated by commas)"
                raise DataError(f"{where} holds {field!r}; expected a number{hint}") from None
            if not math.isfinite(value):
                raise DataError(f"{where} holds {field!r}; expected a finite number")


def write_csv(path: str | os.PathLike, dataset: Dataset) -> None:
    """Write `dataset` as CSV, the label last, no header (atomically; lossless)."""
    path = Path(path)
    _check_parent(path)
    table = np.column_stack([dataset.X, dataset.y])
    fmt = ["%.17g"] * dataset.n + ["%d"]
    atomic_write(path, lambda tmp: np.savetxt(tmp, table, fmt=fmt, delimiter=","))


# ---- NPZ ----


def read_npz(path: str | os.PathLike) -> Dataset:
    """Read arrays `X` (m, n) and `y` (m,) (and `image_shape`, if present) from a `.npz`.

    Nothing is unpickled (`allow_pickle=False`): an archive holding Python objects is refused.

    Raises:
        DataError: not a readable .npz, missing arrays, object arrays, or anything
            [`Dataset`][minilogit.Dataset] refuses.
    """
    path = Path(path)
    data = read_input(path, "a .npz file")
    if not data.startswith(b"PK"):
        # np.load would take anything else for a pickle (and refuse it, but say the wrong thing)
        raise DataError(f"{path}: not a readable .npz file (not a zip archive of .npy arrays)")
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            names = sorted(archive.files)
            missing = [k for k in ("X", "y") if k not in names]
            if missing:
                raise DataError(
                    f"{path}: no array named {missing[0]!r}; the archive holds {names} "
                    "(minilogit expects X (m, n) and y (m,))"
                )
            X, y = archive["X"], archive["y"]
            shape = archive["image_shape"] if "image_shape" in names else None
    except DataError:
        raise
    except ValueError as exc:
        if "allow_pickle" in str(exc):
            raise DataError(
                f"{path}: holds Python objects (pickled data), which minilogit never loads; "
                "save plain numeric arrays (np.savez(path, X=X, y=y))"
            ) from None
        raise DataError(f"{path}: not a readable .npz file ({exc})") from None
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise DataError(f"{path}: not a readable .npz file ({exc})") from None
    image_shape = image_shape_for(X.shape[1]) if X.ndim == 2 else None
    if shape is not None and shape.size:
        if shape.dtype.kind not in "iu":
            raise DataError(f"{path}: image_shape must hold integers, got {shape.tolist()}")
        image_shape = tuple(int(s) for s in shape)
    return Dataset(X, y, image_shape, source=str(path))


def write_npz(path: str | os.PathLike, dataset: Dataset) -> None:
    """Write `dataset` as `.npz` with arrays `X`, `y` and `image_shape` (atomically)."""
    path = Path(path)
    _check_parent(path)
    shape = np.asarray(dataset.image_shape or (), dtype=np.int64)

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as f:  # a file object: np.savez would append ".npz" to a name
            np.savez(f, X=dataset.X, y=dataset.y, image_shape=shape)

    atomic_write(path, write)


def _check_parent(path: Path) -> None:
    if not path.parent.exists():
        raise DataError(f"{path}: directory {path.parent} does not exist")
