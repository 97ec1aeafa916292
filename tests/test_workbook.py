"""Workbooks: lossless round trips, and one clear error for every kind of bad or hostile file."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sheets import write_sheets

import minilogit as ml
from minilogit.workbook import column_letter, image_shape_for

SHEET = "xl/worksheets/sheet1.xml"  # sheet X, as openpyxl writes it
WORKBOOK_XML = "xl/workbook.xml"


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch) -> None:
    monkeypatch.setenv("MINILOGIT_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


def small(path: Path) -> Path:
    """A 4 x 3 workbook: X = 0..11 row by row, y = 0, 1, 0, 1."""
    ml.write_workbook(path, ml.Dataset(np.arange(12.0).reshape(4, 3), np.array([0, 1, 0, 1])))
    return path


def rewrite(src: Path, dst: Path, member: str, edit: Callable[[str], str]) -> Path:
    """Copy the zip `src` to `dst` with `member`'s text passed through `edit`."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == member:
                data = edit(data.decode()).encode()
            zout.writestr(info, data)
    return dst


def read(path: Path) -> ml.Dataset:
    return ml.read_workbook(path, cache=False)


# ---- round trips ----

finite = st.floats(-1e300, 1e300, allow_nan=False, allow_subnormal=True)


@settings(max_examples=15)
@given(
    X=hnp.arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 4)), elements=finite),
    data=st.data(),
)
def test_a_round_trip_is_lossless(tmp_path_factory, X: np.ndarray, data) -> None:
    y = data.draw(hnp.arrays(np.int64, X.shape[:1], elements=st.integers(-(2**40), 2**40)))
    path = tmp_path_factory.mktemp("rt") / "data.xlsx"
    ml.write_workbook(path, ml.Dataset(X, y))
    back = read(path)
    assert back.X.tobytes() == X.astype(np.float64).tobytes()
    assert back.y.tolist() == y.tolist()


def test_the_square_images_get_an_image_shape(tmp_path) -> None:
    ds = ml.Dataset(np.zeros((2, 400)), np.array([1, 10]))
    ml.write_workbook(tmp_path / "a.xlsx", ds)
    assert read(tmp_path / "a.xlsx").image_shape == (20, 20)
    assert image_shape_for(401) is None


def test_column_letters_follow_excel() -> None:
    assert [column_letter(j) for j in (0, 25, 26, 701, 702, 16383)] == [
        "A",
        "Z",
        "AA",
        "ZZ",
        "AAA",
        "XFD",
    ]


def test_other_sheet_names_can_be_chosen(tmp_path) -> None:
    path = write_sheets(tmp_path / "a.xlsx", {"pixels": [[1.0, 2.0]], "digit": [[3]]})
    ds = ml.read_workbook(path, x_sheet="pixels", y_sheet="digit", cache=False)
    assert ds.X.tolist() == [[1.0, 2.0]] and ds.y.tolist() == [3]


def test_a_single_row_reads_but_cannot_be_split(tmp_path) -> None:
    path = write_sheets(tmp_path / "one.xlsx", {"X": [[1.0, 2.0]], "Y": [[1]]})
    ds = read(path)
    assert ds.m == 1
    with pytest.raises(ml.DataError, match=r"one\.xlsx: holds a single example"):
        ds.split(0.2)


def test_a_declared_huge_dimension_with_few_cells_reads_normally(tmp_path) -> None:
    # The <dimension> element is only a claim; nothing may be allocated for it.
    root = '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    path = rewrite(
        small(tmp_path / "ok.xlsx"),
        tmp_path / "dim.xlsx",
        SHEET,
        lambda s: s.replace(root, root + '<dimension ref="A1:XFD1048576"/>'),
    )
    ds = read(path)
    assert ds.X.tolist() == np.arange(12.0).reshape(4, 3).tolist()


# ---- bad and hostile files: each one DataError naming the file and the place ----


def test_a_missing_file(tmp_path) -> None:
    with pytest.raises(ml.DataError, match=r"nope\.xlsx: file not found"):
        read(tmp_path / "nope.xlsx")


def test_a_directory(tmp_path) -> None:
    (tmp_path / "d.xlsx").mkdir()
    with pytest.raises(ml.DataError, match=r"d\.xlsx: is a directory"):
        read(tmp_path / "d.xlsx")


def test_a_text_file(tmp_path) -> None:
    (tmp_path / "t.xlsx").write_text("0.5,1\n")
    with pytest.raises(ml.DataError, match=r"t\.xlsx: not a readable \.xlsx workbook: .*not a zip"):
        read(tmp_path / "t.xlsx")


def test_an_old_binary_xls_file(tmp_path) -> None:
    (tmp_path / "old.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500))
    with pytest.raises(ml.DataError, match=r"old\.xlsx: .*old binary \.xls file; .*save it as"):
        read(tmp_path / "old.xlsx")


def test_a_truncated_workbook(tmp_path) -> None:
    data = small(tmp_path / "ok.xlsx").read_bytes()
    (tmp_path / "cut.xlsx").write_bytes(data[: len(data) // 2])
    with pytest.raises(ml.DataError, match=r"cut\.xlsx: not a readable \.xlsx workbook"):
        read(tmp_path / "cut.xlsx")


def test_a_corrupt_sheet(tmp_path) -> None:
    path = small(tmp_path / "bad.xlsx")
    with zipfile.ZipFile(path) as book:
        info = book.getinfo(SHEET)
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(SHEET)  # the compressed bytes of the sheet
    data[start : start + 40] = bytes(40)
    path.write_bytes(bytes(data))
    with pytest.raises(ml.DataError, match=r"bad\.xlsx: .*(damaged|cannot be read|not a readable)"):
        read(path)


def test_a_zip_that_is_not_a_workbook(tmp_path) -> None:
    with zipfile.ZipFile(tmp_path / "z.xlsx", "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(ml.DataError, match=r"z\.xlsx: .*zip archive without xl/workbook\.xml"):
        read(tmp_path / "z.xlsx")


def test_sheets_named_differently_lists_the_sheets_there_are(tmp_path) -> None:
    path = write_sheets(tmp_path / "s.xlsx", {"Sheet1": [[1.0]], "Sheet2": [[1]]})
    with pytest.raises(
        ml.DataError, match=r"s\.xlsx: no sheet named 'X'; the workbook has sheets \['Sheet1', "
    ):
        read(path)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("inf", r"cell B2 \(row 2, column 2\) holds 'inf', which is text"),
        ("nan", r"cell B2 \(row 2, column 2\) holds 'nan', which is text"),
        ("1.5", r"cell B2 \(row 2, column 2\) holds '1\.5', which is text"),
        (True, r"cell B2 \(row 2, column 2\) holds True; expected a number"),
        (datetime(2020, 1, 2), r"cell B2 \(row 2, column 2\) holds .*2020.*; expected a number"),
        (None, r"cell B2 \(row 2, column 2\) is empty"),
    ],
)
def test_a_cell_that_is_not_a_number(tmp_path, value, message) -> None:
    path = write_sheets(tmp_path / "c.xlsx", {"X": [[1.0, 2.0], [3.0, value]], "Y": [[0], [1]]})
    with pytest.raises(ml.DataError, match=r"c\.xlsx, sheet 'X', " + message):
        read(path)


def test_a_numeric_infinity_names_its_cell(tmp_path) -> None:
    path = rewrite(
        small(tmp_path / "ok.xlsx"),
        tmp_path / "inf.xlsx",
        SHEET,
        lambda s: s.replace("<v>7.0</v>", "<v>inf</v>"),
    )
    with pytest.raises(ml.DataError, match=r"sheet 'X', cell B3 \(row 3, column 2\) holds inf; "):
        read(path)


def test_an_empty_sheet(tmp_path) -> None:
    path = write_sheets(tmp_path / "e.xlsx", {"X": [], "Y": [[1]]})
    with pytest.raises(ml.DataError, match=r"e\.xlsx, sheet 'X': the sheet is empty"):
        read(path)


def test_labels_in_more_than_one_column(tmp_path) -> None:
    path = write_sheets(tmp_path / "y.xlsx", {"X": [[1.0]], "Y": [[1, 2]]})
    with pytest.raises(ml.DataError, match=r"sheet 'Y': expected the labels in column A only"):
        read(path)


def test_a_dtd_is_refused_before_parsing(tmp_path) -> None:
    # "Billion laughs": nine levels of ten-fold entity expansion, a gigabyte if expanded.
    entities = '<!ENTITY l0 "lol">' + "".join(
        f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10)
    )
    bomb = f'<?xml version="1.0"?><!DOCTYPE lolz [{entities}]>'
    path = rewrite(
        small(tmp_path / "ok.xlsx"),
        tmp_path / "lol.xlsx",
        SHEET,
        lambda s: bomb + s.replace("<v>0.0</v>", "<v>&l9;</v>"),
    )
    with pytest.raises(
        ml.DataError, match=r"lol\.xlsx: part xl/worksheets/sheet1\.xml declares a DTD"
    ):
        read(path)


def test_a_dtd_in_the_workbook_part_is_refused_too(tmp_path) -> None:
    path = rewrite(
        small(tmp_path / "ok.xlsx"),
        tmp_path / "dtd.xlsx",
        WORKBOOK_XML,
        lambda s: '<!DOCTYPE w [<!ENTITY e "X">]>' + s,
    )
    with pytest.raises(ml.DataError, match=r"part xl/workbook\.xml declares a DTD"):
        read(path)


def test_a_cell_far_from_the_others_is_an_error_not_a_crash(tmp_path) -> None:
    # calamine would allocate 1,048,576 x 16,384 cells for these two and abort the process.
    far = '<row r="1048576"><c r="XFD1048576" t="n"><v>1</v></c></row></sheetData>'
    path = rewrite(
        small(tmp_path / "ok.xlsx"),
        tmp_path / "far.xlsx",
        SHEET,
        lambda s: s.replace("</sheetData>", far),
    )
    with pytest.raises(
        ml.DataError,
        match=r"far\.xlsx, sheet 'X': its cells span A1:XFD1048576 \(1,048,576 rows x 16,384 "
        r"columns\).*the cell XFD1048576 lies far from the others",
    ):
        read(path)


def test_write_refuses_more_columns_than_a_workbook_holds(tmp_path) -> None:
    wide = ml.Dataset(np.zeros((1, 16_385)), np.array([1]))
    with pytest.raises(ml.DataError, match=r"16385 features do not fit in a workbook"):
        ml.write_workbook(tmp_path / "w.xlsx", wide)
    assert list(tmp_path.iterdir()) == []


def test_write_into_a_missing_directory(tmp_path) -> None:
    ds = ml.Dataset(np.zeros((1, 1)), np.array([1]))
    with pytest.raises(ml.DataError, match=r"directory .*nowhere does not exist"):
        ml.write_workbook(tmp_path / "nowhere" / "w.xlsx", ds)


def test_other_readers_read_what_write_workbook_writes(tmp_path) -> None:
    from openpyxl import load_workbook

    X = np.array([[0.1, 1 / 3], [5e-324, -2.5e300]])
    ml.write_workbook(tmp_path / "w.xlsx", ml.Dataset(X, np.array([3, 10])))
    book = load_workbook(tmp_path / "w.xlsx", read_only=True)
    assert book.sheetnames == ["X", "Y"]
    assert [[c.value for c in row] for row in book["X"].iter_rows()] == X.tolist()
    assert [[c.value for c in row] for row in book["Y"].iter_rows()] == [[3], [10]]
