"""Turn sheets of an .xlsx workbook into float64 matrices with python-calamine.

[`minilogit.workbook.read_workbook`][minilogit.read_workbook] runs this file as a child
process: `python -I -S _xlsx_worker.py SITE PATH BUDGET SHEET...` (SITE: the directory holding
python_calamine), the workbook's bytes on stdin; on stdout, per sheet, its row and column
counts (two little-endian uint64) and its cells as native float64; or one error line on stderr
and exit status 3. The child
caps its own address space at its current size plus `BUDGET` bytes first, because calamine
builds each sheet as one dense rectangle of cells: a sheet with a value in A1 and another in
XFD1048576 asks for 17 billion cells, and calamine answers a failed allocation by aborting
the whole process. In the child, that abort costs nothing but an error message.

This module imports only the standard library and python-calamine (not numpy, not
minilogit), so the child starts in a few hundredths of a second.
"""

from __future__ import annotations

import io
import os
import sys
from array import array

#: Exit status of the child for a bad workbook; the message is on stderr.
BAD_INPUT = 3


class SheetError(Exception):
    """A workbook or sheet cannot be used; the message names the file, sheet and cell."""


def column_letter(j: int) -> str:
    """Excel's name for the 0-based column `j` (0 -> `A`, 26 -> `AA`).

    Example:
        >>> column_letter(0), column_letter(25), column_letter(26), column_letter(16383)
        ('A', 'Z', 'AA', 'XFD')
    """
    name = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        name = chr(65 + r) + name
    return name


def cell_name(path: str, sheet: str, r: int, c: int) -> str:
    """`FILE, sheet 'X', cell B3 (row 3, column 2)` for the 0-based cell `(r, c)`."""
    return f"{path}, sheet {sheet!r}, cell {column_letter(c)}{r + 1} (row {r + 1}, column {c + 1})"


Matrix = tuple[int, int, array]


def read_sheets(data: bytes, path: str, sheets: list[str]) -> list[Matrix]:
    """The named sheets of the workbook `data` as `(rows, columns, float64 cells)`, in order.

    The cells are row-major. Whether they are finite is left to the caller (numpy checks
    that faster than Python).

    Raises:
        SheetError: unreadable workbook, missing sheet, empty sheet, or a cell that is not a
            number (its position named).
    """
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine raises several private exception types
        raise SheetError(
            f"{path}: not a readable .xlsx workbook ({type(exc).__name__}: {exc})"
        ) from None
    for sheet in sheets:
        if sheet not in book.sheet_names:
            raise SheetError(
                f"{path}: no sheet named {sheet!r}; the workbook has sheets {book.sheet_names}"
            )
    return [_matrix(path, sheet, _rows(book, path, sheet)) for sheet in sheets]


def _rows(book, path: str, sheet: str) -> list[list]:
    try:
        # skip_empty_area=False pads from A1, so list indices are the sheet's own rows and
        # columns and every error names the right cell.
        rows = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except Exception as exc:
        raise SheetError(f"{path}, sheet {sheet!r}: cannot be read ({exc})") from None
    while rows and all(v == "" for v in rows[-1]):
        rows.pop()
    if not rows:
        raise SheetError(f"{path}, sheet {sheet!r}: the sheet is empty")
    return rows


def _matrix(path: str, sheet: str, rows: list[list]) -> Matrix:
    """Convert calamine rows to float64 cells, or name the first cell that is not a number."""
    types: set[type] = set()
    for row in rows:
        types.update(map(type, row))
    widths = set(map(len, rows))
    # calamine gives float (or int) for number cells, str for text, bool, datetime, ...;
    # bool is refused on purpose (True is not a pixel value).
    if types <= {float, int} and len(widths) == 1:
        cells = array("d")
        for row in rows:
            cells.extend(row)
        return len(rows), widths.pop(), cells
    width = max(widths)
    for i, row in enumerate(rows):
        for j in range(width):
            v = row[j] if j < len(row) else ""
            where = cell_name(path, sheet, i, j)
            if v == "" or v is None:
                raise SheetError(f"{where} is empty; every cell must hold a number")
            if isinstance(v, str):
                raise SheetError(
                    f"{where} holds {v!r}, which is text; expected a number "
                    "(store numbers as numbers, not text)"
                )
            if type(v) not in (float, int):
                raise SheetError(f"{where} holds {v!r}; expected a number")
    raise AssertionError("unreachable: conversion failed but no bad cell was found")


def _limit_memory(budget: int) -> None:
    """Cap this process's address space at its current size plus `budget` bytes (Linux)."""
    try:
        import resource

        with open("/proc/self/statm") as f:
            current = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        resource.setrlimit(resource.RLIMIT_AS, (current + budget, resource.RLIM_INFINITY))
    except (ImportError, OSError, ValueError):
        pass  # no /proc or no RLIMIT_AS: the parent is still protected, memory is not capped


def main(argv: list[str]) -> int:
    """Child entry point: `SITE PATH BUDGET SHEET...`, workbook bytes on stdin."""
    site, path, budget, *sheets = argv
    sys.path.append(site)
    import python_calamine  # noqa: F401  (imported before the cap: its size is not data)

    _limit_memory(int(budget))
    data = sys.stdin.buffer.read()
    try:
        matrices = read_sheets(data, path, sheets)
    except SheetError as exc:
        sys.stderr.write(f"{exc}\n")
        return BAD_INPUT
    out = sys.stdout.buffer
    for rows, cols, cells in matrices:
        out.write(rows.to_bytes(8, "little") + cols.to_bytes(8, "little"))
        cells.tofile(out)
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
