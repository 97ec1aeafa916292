"""Building workbooks cell by cell with openpyxl, for tests of what minilogit reads."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook


def write_sheets(path: Path, sheets: dict[str, list[list]]) -> Path:
    """A workbook with the given sheets (lists of rows, no header), via openpyxl."""
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path
