"""Reading and writing workbooks in the article's layout.

The layout (from the seed article): sheet `X` holds one example per row, one feature per
column; sheet `Y` holds the integer label of each row in column A. Neither sheet has a header
row. Reads go through python-calamine (fast, Rust) and a content-addressed cache
([`minilogit.cache`][minilogit.cache]); writes go through openpyxl.

A workbook is untrusted input, so the read is guarded:

- the file must be a zip archive holding `xl/workbook.xml` (an .xlsx), else a clear error;
- no XML part may declare a DTD (`<!DOCTYPE`, `<!ENTITY`): workbooks never need one, and it is
  how entity-expansion ("billion laughs") attacks are written;
- calamine parses in a child process whose memory is capped, because it stores each sheet as a
  dense rectangle: one stray cell in XFD1048576 makes it ask for 17 billion cells and abort the
  process. Here that costs an error message naming the far cell, not your Python session.
"""

from __future__ import annotations

import io
import math
import os
import re
import subprocess
import sys
import tempfile
import zipfile
import zlib
from pathlib import Path

import numpy as np

from . import _xlsx_worker
from ._xlsx_worker import column_letter, read_sheets
from .data import Dataset
from .errors import DataError

__all__ = ["atomic_write", "column_letter", "image_shape_for", "read_workbook", "write_workbook"]

_GIB = 1 << 30
# The child may use this much memory beyond its start-up size, plus a few times the
# workbook's uncompressed XML: calamine keeps ~32 bytes per cell, the XML ~20-50 per cell.
_BASE_BUDGET = _GIB
_MAX_BUDGET = 16 * _GIB
_PROLOG_LIMIT = 1 << 16


def _calamine_site() -> str:
    """The directory to put on the child's `sys.path` so that it finds python_calamine."""
    import importlib.util

    spec = importlib.util.find_spec("python_calamine")
    if spec is None or spec.origin is None:
        raise DataError("python-calamine is not installed; `pip install python-calamine`")
    return str(Path(spec.origin).parent.parent)


def image_shape_for(n: int) -> tuple[int, int] | None:
    """`(s, s)` when `n` features form a square image, else None.

    Example:
        >>> image_shape_for(400), image_shape_for(64), image_shape_for(10)
        ((20, 20), (8, 8), None)
    """
    s = math.isqrt(n)
    return (s, s) if s * s == n and s > 1 else None


def read_input(path: Path, kind: str) -> bytes:
    """The bytes of the input file `path`, or a `DataError` saying why it cannot be read."""
    if not path.exists():
        raise DataError(f"{path}: file not found")
    if path.is_dir():
        raise DataError(f"{path}: is a directory, expected {kind}")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def read_workbook(
    path: str | os.PathLike,
    x_sheet: str = "X",
    y_sheet: str = "Y",
    *,
    cache: bool = True,
) -> Dataset:
    """Read a workbook in the article's layout into a `minilogit.Dataset`.

    Args:
        path: the `.xlsx` file.
        x_sheet: sheet with one example per row (no header row).
        y_sheet: sheet with the integer label of each row in column A (no header row).
        cache: reuse (and fill) the parsed-workbook cache, keyed on the file's bytes; see
            [`minilogit.cache`][minilogit.cache]. False parses the file every time.

    Raises:
        DataError: naming the file, sheet and cell for a missing file or sheet, a file that is
            not a workbook, an empty sheet, a non-numeric, empty or non-finite cell, a
            row-count mismatch, a non-integer label, a DTD, or a sheet too large to read.
    """
    from . import cache as _cache

    path = Path(path)
    data = read_input(path, "an .xlsx workbook")

    def build() -> dict[str, np.ndarray]:
        X, Y = _parse(path, data, [x_sheet, y_sheet])
        return {"X": X, "y": _labels(path, x_sheet, y_sheet, X, Y)}

    settings = {"reader": "xlsx", "sheets": [x_sheet, y_sheet]}
    arrays = _cache.cached(data, settings, build, check=_valid_entry) if cache else build()
    X = arrays["X"]
    return Dataset(X, arrays["y"], image_shape_for(X.shape[1]), source=str(path))


def _valid_entry(arrays: dict[str, np.ndarray]) -> bool:
    X, y = arrays.get("X"), arrays.get("y")
    return (
        X is not None
        and y is not None
        and X.dtype == np.float64
        and y.dtype == np.int64
        and X.ndim == 2
        and y.shape == X.shape[:1]
    )


def _labels(path: Path, x_sheet: str, y_sheet: str, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """Column A of sheet `y_sheet` as int64, checked against sheet `x_sheet`."""
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
        where = _xlsx_worker.cell_name(str(path), y_sheet, r, 0)
        raise DataError(f"{where} holds {float(y[r])}; labels must be integers")
    return y.astype(np.int64)


def _parse(path: Path, data: bytes, sheets: list[str]) -> list[np.ndarray]:
    """The named sheets as float64 matrices, parsed by calamine in a memory-capped child."""
    book = _open_zip(path, data)
    _refuse_dtd(path, book)
    try:
        # An embedded interpreter (no sys.executable) cannot start a child: parse here.
        parsed = _parse_in_child(path, data, book, sheets) if sys.executable else None
        parsed = parsed or read_sheets(data, str(path), sheets)
    except _xlsx_worker.SheetError as exc:
        raise DataError(str(exc)) from None
    return [
        _finite(path, sheet, np.frombuffer(cells, dtype=np.float64).reshape(rows, cols))
        for sheet, (rows, cols, cells) in zip(sheets, parsed, strict=True)
    ]


def _parse_in_child(
    path: Path, data: bytes, book: zipfile.ZipFile, sheets: list[str]
) -> list[tuple[int, int, memoryview]]:
    declared = sum(info.file_size for info in book.infolist())
    budget = min(_MAX_BUDGET, _BASE_BUDGET + 4 * declared)
    worker = [_xlsx_worker.__file__, _calamine_site(), str(path), str(budget), *sheets]
    # -I -S: no site packages, user site or environment; the worker needs only calamine.
    done = subprocess.run(
        [sys.executable, "-I", "-S", *worker], input=data, capture_output=True, check=False
    )
    if done.returncode == _xlsx_worker.BAD_INPUT:
        raise DataError(done.stderr.decode(errors="replace").strip())
    if done.returncode != 0:
        raise DataError(_crash_message(path, book, sheets, done))
    out, pos, parsed = memoryview(done.stdout), 0, []
    for _ in sheets:
        rows = int.from_bytes(out[pos : pos + 8], "little")
        cols = int.from_bytes(out[pos + 8 : pos + 16], "little")
        end = pos + 16 + 8 * rows * cols
        parsed.append((rows, cols, out[pos + 16 : end]))
        pos = end
    return parsed


def _finite(path: Path, sheet: str, matrix: np.ndarray) -> np.ndarray:
    bad = ~np.isfinite(matrix)
    if bad.any():
        r, c = (int(i) for i in np.argwhere(bad)[0])
        where = _xlsx_worker.cell_name(str(path), sheet, r, c)
        raise DataError(f"{where} holds {matrix[r, c]}; expected a finite number")
    return matrix


def _open_zip(path: Path, data: bytes) -> zipfile.ZipFile:
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise DataError(
            f"{path}: not a readable .xlsx workbook: it is an old binary .xls file; "
            "open it in a spreadsheet program and save it as .xlsx"
        )
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise DataError(
            f"{path}: not a readable .xlsx workbook: it is not a zip archive, as every .xlsx "
            "file is (is it a CSV file, or truncated?)"
        ) from None
    if "xl/workbook.xml" not in book.namelist():
        raise DataError(
            f"{path}: not a readable .xlsx workbook: a zip archive without xl/workbook.xml "
            f"(it holds {len(book.namelist())} other files)"
        )
    return book


def _refuse_dtd(path: Path, book: zipfile.ZipFile) -> None:
    """Refuse any XML part whose prolog declares a DTD (the vehicle of entity expansion)."""
    for info in book.infolist():
        if not info.filename.endswith((".xml", ".rels", ".vml")):
            continue
        try:
            with book.open(info) as f:
                head = f.read(_PROLOG_LIMIT)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError) as exc:
            raise DataError(
                f"{path}: not a readable .xlsx workbook: part {info.filename} is damaged ({exc})"
            ) from None
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            head = head.decode("utf-16", errors="replace").encode()
        root = re.search(rb"<[A-Za-z_]", head)  # the root element ends the prolog
        prolog = head if root is None else head[: root.start()]
        if b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog:
            raise DataError(
                f"{path}: part {info.filename} declares a DTD (<!DOCTYPE ...>); workbooks never "
                "need one and it can hide an entity-expansion ('billion laughs') attack, so "
                "minilogit does not read this file. Re-save it from a spreadsheet program"
            )
        if root is None and len(head) == _PROLOG_LIMIT:
            raise DataError(
                f"{path}: part {info.filename} has no root element in its first "
                f"{_PROLOG_LIMIT} bytes; this is not a workbook minilogit can read"
            )


def _crash_message(
    path: Path, book: zipfile.ZipFile, sheets: list[str], done: subprocess.CompletedProcess
) -> str:
    """Why the child died, naming a far-away cell when that is the cause."""
    for sheet in sheets:
        try:
            span = _used_range(book, sheet)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError):
            span = None
        if span is None:
            continue
        (r0, c0), (r1, c1), far = span
        rows, cols = r1 - r0 + 1, c1 - c0 + 1
        if rows * cols > 50_000_000:
            return (
                f"{path}, sheet {sheet!r}: its cells span {column_letter(c0)}{r0 + 1}:"
                f"{column_letter(c1)}{r1 + 1} ({rows:,} rows x {cols:,} columns), and the "
                f"xlsx reader stores every cell of that rectangle, which does not fit in "
                f"memory; the cell {far} lies far from the others. Delete the stray cells, or "
                "save the data as .csv or .npz"
            )
    tail = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
    return (
        f"{path}: the xlsx reader failed (exit status {done.returncode}: {tail[0][:200]}); "
        "the workbook is damaged or too large to read"
    )


_CELL_REF = re.compile(rb"<(?:\w+:)?c\b[^>]*?\sr\s*=\s*[\"']([A-Za-z]{1,20})([0-9]{1,20})")


def _used_range(
    book: zipfile.ZipFile, sheet: str
) -> tuple[tuple[int, int], tuple[int, int], str] | None:
    """`((first row, first col), (last row, last col), farthest ref)` of a sheet's cells.

    Slow (a regular expression over the sheet's XML); only used to explain a failure.
    """
    part = _sheet_part(book, sheet)
    if part is None:
        return None
    r0 = c0 = math.inf
    r1 = c1 = -1
    far, far_size = "", -1
    with book.open(part) as f:
        tail = b""
        while chunk := f.read(1 << 24):
            text = tail + chunk
            cut = text.rfind(b"<")
            text, tail = text[:cut], text[cut:]
            for letters, digits in _CELL_REF.findall(text):
                col = 0
                for ch in letters.upper():
                    col = col * 26 + ch - 64
                col, row = col - 1, int(digits) - 1
                r0, c0, r1, c1 = min(r0, row), min(c0, col), max(r1, row), max(c1, col)
                if (row + 1) * (col + 1) > far_size:
                    far, far_size = (letters + digits).decode(), (row + 1) * (col + 1)
    if r1 < 0:
        return None
    return (int(r0), int(c0)), (r1, c1), far


def _sheet_part(book: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip member holding sheet `sheet`, from xl/workbook.xml and its relationships."""
    import xml.etree.ElementTree as ET  # safe here: every DTD was refused before

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel_ns = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    try:
        workbook = ET.fromstring(book.read("xl/workbook.xml"))
        rels = ET.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ET.ParseError):
        return None
    rid = next(
        (s.get(f"{rel_ns}id") for s in workbook.iter(f"{main}sheet") if s.get("name") == sheet),
        None,
    )
    for rel in rels:
        if rel.get("Id") == rid:
            target = rel.get("Target", "")
            target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            return target if target in book.namelist() else None
    return None


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

    Every float is written as its shortest exact decimal (`repr`), so a round trip through
    `read_workbook` is lossless; openpyxl, which rounds to 16 digits, is not used here. A
    workbook holds at most 16,384 columns and 1,048,576 rows; larger data belongs in .npz or
    .csv (see [`minilogit.write_data`][minilogit.write_data]).
    """
    path = Path(path)
    if not path.parent.exists():
        raise DataError(f"{path}: directory {path.parent} does not exist")
    for count, what, limit, unit in (
        (dataset.n, "features", 16_384, "columns"),
        (dataset.m, "examples", 1_048_576, "rows"),
    ):
        if count > limit:
            raise DataError(
                f"{path}: {count} {what} do not fit in a workbook (at most {limit:,} {unit}); "
                "write .npz or .csv instead"
            )
    for name in (x_sheet, y_sheet):
        if not name or len(name) > 31 or any(ch in name for ch in "[]:*?/\\"):
            raise DataError(f"{path}: {name!r} is not a valid sheet name")
    if x_sheet == y_sheet:
        raise DataError(f"{path}: the two sheets need different names, got {x_sheet!r} twice")

    def write(tmp: Path) -> None:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as book:
            for member, text in _package_parts(x_sheet, y_sheet).items():
                book.writestr(member, text)
            for member, rows in (
                ("xl/worksheets/sheet1.xml", dataset.X.tolist()),
                ("xl/worksheets/sheet2.xml", [[label] for label in dataset.y.tolist()]),
            ):
                with book.open(member, "w", force_zip64=True) as f:
                    _write_sheet(f, rows)

    atomic_write(path, write)


_SPREADSHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CONTENT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def _package_parts(x_sheet: str, y_sheet: str) -> dict[str, str]:
    """The small XML parts of a two-sheet .xlsx package (everything but the sheet data)."""
    from xml.sax.saxutils import quoteattr

    decl = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    sheets = "".join(
        f'<sheet name={quoteattr(name)} sheetId="{i}" r:id="rId{i}"/>'
        for i, name in enumerate((x_sheet, y_sheet), start=1)
    )
    sheet_rels = "".join(
        f'<Relationship Id="rId{i}" Type="{_REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in (1, 2)
    )
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_MIME}.worksheet+xml"/>'
        for i in (1, 2)
    )
    return {
        "[Content_Types].xml": f'{decl}<Types xmlns="{_CONTENT_NS}">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_MIME}.sheet.main+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_MIME}.styles+xml"/>'
        f"{overrides}</Types>",
        "_rels/.rels": f'{decl}<Relationships xmlns="{_PKG_REL_NS}"><Relationship Id="rId1" '
        f'Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'{decl}<workbook xmlns="{_SPREADSHEET_NS}" xmlns:r="{_REL_NS}">'
        f"<sheets>{sheets}</sheets></workbook>",
        "xl/_rels/workbook.xml.rels": f'{decl}<Relationships xmlns="{_PKG_REL_NS}">'
        f'{sheet_rels}<Relationship Id="rId3" Type="{_REL_NS}/styles" Target="styles.xml"/>'
        "</Relationships>",
        "xl/styles.xml": f'{decl}<styleSheet xmlns="{_SPREADSHEET_NS}">'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        '</cellStyleXfs><cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" '
        'xfId="0"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" '
        'builtinId="0"/></cellStyles>'
        "</styleSheet>",
    }


def _write_sheet(f, rows: list[list[float]] | list[list[int]]) -> None:
    """Stream one worksheet part: every value a number cell holding its exact `repr`."""
    letters = [column_letter(j) for j in range(len(rows[0]))]
    f.write(
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns='
        f'"{_SPREADSHEET_NS}"><dimension ref="A1:{letters[-1]}{len(rows)}"/><sheetData>'.encode()
    )
    for i, row in enumerate(rows, start=1):
        cells = "".join(
            f'<c r="{c}{i}"><v>{v!r}</v></c>' for c, v in zip(letters, row, strict=True)
        )
        f.write(f'<row r="{i}">{cells}</row>'.encode())
    f.write(b"</sheetData></worksheet>")
