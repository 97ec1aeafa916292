"""The data side of the CLI: `--data` in every format, the cache, `make-workbook`, bad files."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest

import minilogit as ml


@pytest.fixture(autouse=True)
def cache_dir(tmp_path: Path, monkeypatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("MINILOGIT_CACHE_DIR", str(directory))
    return directory


def cached_entries(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.npz")) if directory.exists() else []


def dataset(m: int = 60, n: int = 4, seed: int = 0) -> ml.Dataset:
    """Labels 1, 2, 3 in turn, each around its own mean: "is it a 1?" is learnable."""
    rng = np.random.default_rng(seed)
    labels = np.arange(m) % 3 + 1
    return ml.Dataset(rng.normal(size=(m, n)) + labels[:, None], labels)


def assert_one_error_line(status: int, out: str, err: str, pattern: str) -> None:
    assert status == 2 and out == "" and "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert re.search(pattern, lines[0]), lines[0]


# ---- make-workbook ----


def test_make_workbook_writes_the_embedded_digits(cli, tmp_path) -> None:
    status, out, err = cli("make-workbook", str(tmp_path / "digits.xlsx"))
    assert status == 0, err
    assert out.startswith(f"wrote {tmp_path / 'digits.xlsx'}: 1797 examples, 64 features")
    back, digits = ml.read_workbook(tmp_path / "digits.xlsx"), ml.datasets.load_digits()
    assert np.array_equal(back.X, digits.X) and np.array_equal(back.y, digits.y)


def test_make_workbook_converts_between_formats(cli, tmp_path) -> None:
    ds = dataset()
    ml.write_data(tmp_path / "a.npz", ds)
    for source, target in (("a.npz", "b.csv"), ("b.csv", "c.xlsx"), ("c.xlsx", "d.npz")):
        status, _, err = cli(
            "make-workbook", "--from", str(tmp_path / source), str(tmp_path / target)
        )
        assert status == 0, err
    back = ml.read_npz(tmp_path / "d.npz")
    assert back.X.tobytes() == ds.X.tobytes() and back.y.tolist() == ds.y.tolist()


def test_make_workbook_with_a_separate_labels_file(cli, tmp_path) -> None:
    (tmp_path / "x.csv").write_text("0.5,1\n2,3\n")
    (tmp_path / "y.csv").write_text("4\n5\n")
    args = ("--from", str(tmp_path / "x.csv"), "--labels", str(tmp_path / "y.csv"))
    status, _, err = cli("make-workbook", *args, str(tmp_path / "o.xlsx"))
    assert status == 0, err
    assert ml.read_workbook(tmp_path / "o.xlsx").y.tolist() == [4, 5]


@pytest.mark.parametrize(
    ("out", "pattern"),
    [
        ("o.txt", r"o\.txt: unknown data format '\.txt'"),
        ("missing/o.xlsx", r"OUT .*missing/o\.xlsx: directory .*missing does not exist"),
        (".", r"OUT \.: is a directory"),
    ],
)
def test_make_workbook_refuses_a_bad_output_before_reading(cli, tmp_path, out, pattern) -> None:
    target = out if out == "." else str(tmp_path / out)
    status, stdout, err = cli("make-workbook", "--from", str(tmp_path / "absent.csv"), target)
    assert_one_error_line(status, stdout, err, pattern)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_make_workbook_leaves_nothing_when_the_source_is_bad(cli, tmp_path) -> None:
    (tmp_path / "bad.csv").write_text("1,x\n")
    status, out, err = cli(
        "make-workbook", "--from", str(tmp_path / "bad.csv"), str(tmp_path / "o.xlsx")
    )
    assert_one_error_line(status, out, err, r"bad\.csv, line 1, column 2 holds 'x'")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]


# ---- --data in every format, and the cache ----


@pytest.mark.parametrize("suffix", [".xlsx", ".csv", ".npz"])
def test_train_reads_every_format_alike(cli, tmp_path, suffix) -> None:
    ml.write_data(tmp_path / f"d{suffix}", dataset())
    status, out, err = cli(
        "train", "--data", str(tmp_path / f"d{suffix}"), "--iterations", "20", "--json"
    )
    assert status == 0, err
    result = json.loads(out)
    assert result["n_train"] + result["n_test"] == 60
    assert result["costs"][0][0] == 0


def test_the_cache_is_filled_once_and_no_cache_skips_it(cli, tmp_path, cache_dir) -> None:
    ml.write_data(tmp_path / "d.xlsx", dataset())
    base = ("train", "--data", str(tmp_path / "d.xlsx"), "--iterations", "5", "--json")
    assert cli(*base, "--no-cache")[0] == 0
    assert cached_entries(cache_dir) == []
    assert cli(*base)[0] == 0 and cli(*base)[0] == 0
    assert len(cached_entries(cache_dir)) == 1


def test_labels_without_csv_data_is_an_error(cli) -> None:
    status, out, err = cli("train", "--labels", "y.csv")
    assert_one_error_line(status, out, err, r"--labels goes with a \.csv --data file")


def _rewrite(src: Path, dst: Path, member: str, edit) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            zout.writestr(info, edit(data.decode()).encode() if info.filename == member else data)
    return dst


def _text_inf(sheet: str) -> str:
    return re.sub(
        r'<c r="B2"><v>[^<]*</v></c>', '<c r="B2" t="inlineStr"><is><t>inf</t></is></c>', sheet
    )


def _no_rows(sheet: str) -> str:
    return sheet[: sheet.index("<sheetData>")] + "<sheetData/></worksheet>"


def _entities(sheet: str) -> str:
    dtd = '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    return sheet.replace("?>", "?>" + dtd, 1)


def _far_cell(sheet: str) -> str:
    far = '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'
    return sheet.replace("</sheetData>", far)


def _rename_x(workbook: str) -> str:
    return workbook.replace('"X"', '"Data"')


SHEET_EDITS = {
    "text-inf": _text_inf,
    "empty-sheet": _no_rows,
    "entities": _entities,
    "far-cell": _far_cell,
}


def _bad_file(tmp_path: Path, case: str) -> Path:
    good = tmp_path / "good.xlsx"
    ml.write_workbook(good, dataset(m=6, n=2))
    path = tmp_path / f"{case}.xlsx"
    if case == "truncated":
        path.write_bytes(good.read_bytes()[:300])
    elif case == "zip-not-workbook":
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("word/document.xml", "<w/>")
    elif case == "sheet-names":
        _rewrite(good, path, "xl/workbook.xml", _rename_x)
    else:
        _rewrite(good, path, "xl/worksheets/sheet1.xml", SHEET_EDITS[case])
    return path


BAD_FILES = {
    "truncated": r"truncated\.xlsx: not a readable \.xlsx workbook",
    "zip-not-workbook": r"zip-not-workbook\.xlsx: .*without xl/workbook\.xml",
    "sheet-names": r"sheet-names\.xlsx: no sheet named 'X'; the workbook has sheets "
    r"\['Data', 'Y'\]",
    "text-inf": r"text-inf\.xlsx, sheet 'X', cell B2 \(row 2, column 2\) holds 'inf', "
    "which is text",
    "empty-sheet": r"empty-sheet\.xlsx, sheet 'X': the sheet is empty",
    "entities": r"entities\.xlsx: part xl/worksheets/sheet1\.xml declares a DTD",
    "far-cell": r"far-cell\.xlsx, sheet 'X': its cells span A1:XFD1048576 .*XFD1048576 lies far",
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_file_is_one_error_line_exit_2_and_no_output(cli, tmp_path, case) -> None:
    path = _bad_file(tmp_path, case)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    outputs = ("--plot", str(out_dir / "cost.png"), "--save", str(out_dir / "model.npz"))
    status, out, err = cli("train", "--data", str(path), *outputs)
    assert_one_error_line(status, out, err, BAD_FILES[case])
    assert list(out_dir.iterdir()) == []


# ---- reproducibility ----


def test_two_cli_runs_with_one_seed_are_bit_identical(cli, tmp_path) -> None:
    ml.write_data(tmp_path / "d.npz", dataset(m=90))
    results, params = [], []
    for run in ("a", "b"):
        model = tmp_path / f"{run}.npz"
        status, out, err = cli(
            "train", "--data", str(tmp_path / "d.npz"), "--optimizer", "adam", "--batch-size", "16",
            "--iterations", "60", "--seed", "5", "--json", "--save", str(model),
        )  # fmt: skip
        assert status == 0, err
        result = json.loads(out)
        for timing in ("seconds_load", "seconds_train"):
            result.pop(timing)
        results.append(result)
        with np.load(model, allow_pickle=False) as saved:
            params.append({k: saved[k].tobytes() for k in saved.files if k.startswith("params")})
    assert results[0] == results[1]
    assert params[0] == params[1] and params[0]
