"""Reading and writing workbooks in the article's layout.

The layout (from the seed article): sheet `X` holds one example per row, one feature per
column; sheet `Y` holds the integer label of each row in column A. Neither sheet has a header
row. Reads go through python-calamine (fast, Rust); writes go through openpyxl.
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path

import numpy as np

from .data import Dataset
from .errors import DataError


def column_letter(j: int) -> str:
    """Excel's name for the 0-based column `j` (0 -> `A`, 26 -> `AA`)."""
    name = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        name = chr(65 + r) + name
    return name


def _cell(path: Path, sheet: str, r: int, c: int) -> str:
    return f"{path}, sheet {sheet!r}, cell {column_letter(c)}{r + 1} (row {r + 1}, column {c + 1})"


def _open(path: Path):
    from python_calamine import CalamineWorkbook

    if not path.exists():
        raise DataError(f"{path}: file not found")
    if path.is_dir():
        raise DataError(f"{path}: is a directory, expected an .xlsx workbook")
    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises several private exception types
        raise DataError(
            f"{path}: not a readable .xlsx workbook ({type(exc).__name__}: {exc})"
        ) from None


def _sheet_rows(path: Path, book, sheet: str) -> list[list]:
    if sheet not in book.sheet_names:
        raise DataError(
            f"{path}: no sheet named {sheet!r}; the workbook has sheets {book.sheet_names}"
        )
    try:
        rows = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except Exception as exc:
        raise DataError(f"{path}, sheet {sheet!r}: cannot be read ({exc})") from None
    while rows and all(v == "" for v in rows[-1]):
        rows.pop()
    if not rows:
        raise DataError(f"{path}, sheet {sheet!r}: the sheet is empty")
    return rows


def _to_matrix(path: Path, sheet: str, rows: list[list]) -> np.ndarray:
    """Convert calamine rows to float64, or name the first cell that is not a finite number."""
    width = max(len(r) for r in rows)
    try:
        if any(len(r) != width for r in rows):
            raise ValueError("ragged")
        out = np.array(rows, dtype=np.float64)
        if np.isfinite(out).all() and not any(type(v) is bool for r in rows for v in r):
            return out
    except (ValueError, TypeError):
        pass
    for i, row in enumerate(rows):
        for j in range(width):
            v = row[j] if j < len(row) else ""
            where = _cell(path, sheet, i, j)
            if v == "" or v is None:
                raise DataError(f"{where} is empty; every cell must hold a number")
            if type(v) is bool or not isinstance(v, (int, float)):
                raise DataError(f"{where} holds {v!r}; expected a number")
            if not math.isfinite(v):
                raise DataError(f"{where} holds {v!r}; expected a finite number")
    raise AssertionError("unreachable: conversion failed but no bad cell was found")


def image_shape_for(n: int) -> tuple[int, int] | None:
    """`(s, s)` when `n` features form a square image, else None."""
    s = math.isqrt(n)
    return (s, s) if s * s == n and s > 1 else None


def read_workbook(path: str | os.PathLike, x_sheet: str = "X", y_sheet: str = "Y") -> Dataset:
    """Read a workbook in the article's layout into a `minilogit.Dataset`.

    Args:
        path: the `.xlsx` file.
        x_sheet: sheet with one example per row (no header row).
        y_sheet: sheet with the integer label of each row in column A (no header row).

    Raises:
        DataError: naming the file, sheet and cell for a missing file or sheet, an empty or
            non-numeric cell, a row-count mismatch or a non-integer label.
    """
    path = Path(path)
    book = _open(path)
    X = _to_matrix(path, x_sheet, _sheet_rows(path, book, x_sheet))
    Y = _to_matrix(path, y_sheet, _sheet_rows(path, book, y_sheet))
    if Y.shape[1] != 1:
        raise DataError(
            f"{path}, sheet {y_sheet!r}: expected the labels in column A only, "
            f"found {Y.shape[1]} columns"
        )
    if X.shape[0] != Y.shape[0]:
        raise DataError(
            f"{path}: sheet {x_sheet!r} has {X.shape[0]} rows but sheet {y_sheet!r} has "
            f"{Y.shape[0]}; every example needs exactly one label"
        )
    y = Y[:, 0]
    bad = np.flatnonzero(y != np.round(y))
    if bad.size:
        r = int(bad[0])
        raise DataError(f"{_cell(path, y_sheet, r, 0)} holds {y[r]!r}; labels must be integers")
    return Dataset(X, y.astype(np.int64), image_shape_for(X.shape[1]), source=str(path))


def atomic_write(path: Path, write) -> None:
    """Call `write(tmp_path)` then rename over `path`; on failure nothing is left behind."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    os.close(fd)
    try:
        write(Path(tmp))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_workbook(
    path: str | os.PathLike, dataset: Dataset, x_sheet: str = "X", y_sheet: str = "Y"
) -> None:
    """Write `dataset` as a workbook in the article's layout (atomically).

    Floats are stored as Excel numbers (IEEE doubles), so a round trip through
    `read_workbook` is lossless.
    """
    from openpyxl import Workbook

    path = Path(path)
    if not path.parent.exists():
        raise DataError(f"{path}: directory {path.parent} does not exist")

    def write(tmp: Path) -> None:
        book = Workbook(write_only=True)
        xs = book.create_sheet(x_sheet)
        for row in dataset.X.tolist():
            xs.append(row)
        ys = book.create_sheet(y_sheet)
        for label in dataset.y.tolist():
            ys.append([label])
        book.save(tmp)

    atomic_write(path, write)
