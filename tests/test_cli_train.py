"""`minilogit train`: the default run, `--json`, the article's workflow and every bad input."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sheets import write_sheets

JSON_KEYS = {
    "train_accuracy",
    "test_accuracy",
    "final_cost",
    "iterations",
    "costs",
    "seconds_load",
    "seconds_train",
}


def test_default_train_reaches_97_percent_on_the_embedded_digits(cli) -> None:
    status, out, err = cli("train", "--json")
    assert status == 0 and err == ""
    result = json.loads(out)
    assert JSON_KEYS <= result.keys()
    # Percent, not fractions. Measured: 98.05 % test, 99.03 % train (lr=auto, standardized).
    assert result["test_accuracy"] >= 97.0
    assert 97.0 <= result["train_accuracy"] <= 100.0
    assert result["iterations"] == 500
    assert [i for i, _ in result["costs"]] == [0, 100, 200, 300, 400]
    assert result["costs"][0][1] == pytest.approx(np.log(2))
    assert 0 < result["final_cost"] < result["costs"][-1][1]
    assert result["seconds_load"] >= 0 and result["seconds_train"] >= 0
    assert result["task"] == "digit 1 vs rest" and result["split"] == "stratified"


def test_default_train_prints_the_articles_lines(cli) -> None:
    status, out, err = cli("train")
    assert status == 0 and err == ""
    lines = out.splitlines()
    assert "cost after iteration 0: 0.693147" in lines
    assert [line.split(":")[0] for line in lines if line.startswith("cost after")] == [
        f"cost after iteration {i}" for i in (0, 100, 200, 300, 400)
    ]
    test_line = next(line for line in lines if line.startswith("test accuracy: "))
    assert test_line.endswith(" %") and float(test_line.split()[2]) >= 97.0
    assert any(line.startswith("train accuracy: ") for line in lines)
    assert "ran all requested iterations" in lines[-1]


def test_autodiff_gradient_gives_the_same_training(cli) -> None:
    runs = [
        cli("train", "--json", "--iterations", "50", "--gradient", g)
        for g in ("analytic", "autodiff")
    ]
    (s1, out1, _), (s2, out2, _) = runs
    assert s1 == s2 == 0
    a, b = json.loads(out1), json.loads(out2)
    assert b["final_cost"] == pytest.approx(a["final_cost"], rel=1e-12)
    assert b["test_accuracy"] == a["test_accuracy"]


def test_the_articles_workflow_runs_and_warns_about_a_one_class_test_part(
    cli, sorted_workbook
) -> None:
    status, out, err = cli(
        "train",
        "--data",
        str(sorted_workbook),
        "--split",
        "head",
        "--iterations",
        "500",
        "--lr",
        "0.005",
    )
    assert status == 0
    warnings = [line for line in err.splitlines() if line]
    assert len(warnings) == 1
    assert warnings[0].startswith("warning: the test part of the head split (rows 240...299)")
    assert "holds only label 0" in warnings[0] and "stratified" in warnings[0]
    assert "head split: 240 train / 60 test" in out
    assert "cost after iteration 400: " in out and "test accuracy: " in out


def test_the_articles_workflow_without_scaling_as_in_the_readme(cli, sorted_workbook) -> None:
    status, out, err = cli(
        "train",
        "--data",
        str(sorted_workbook),
        "--split",
        "head",
        "--lr",
        "0.005",
        "--scale",
        "none",
        "--json",
    )
    assert status == 0 and err.startswith("warning: the test part")
    result = json.loads(out)
    assert result["iterations"] == 500 and result["costs"][0] == [0, pytest.approx(np.log(2))]


def test_plot_and_save_are_written_after_training(cli, tmp_path) -> None:
    plot, model = tmp_path / "cost.png", tmp_path / "model.npz"
    status, out, err = cli("train", "--iterations", "20", "--plot", str(plot), "--save", str(model))
    assert status == 0, err
    assert plot.stat().st_size > 0 and model.stat().st_size > 0
    assert f"cost curve written to {plot}" in out and f"model saved to {model}" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cost.png", "model.npz"]


def test_main_does_not_leave_its_warning_printer_installed(cli, sorted_workbook) -> None:
    import warnings

    before = warnings.showwarning
    cli("train", "--data", str(sorted_workbook), "--split", "head", "--iterations", "1")
    assert warnings.showwarning is before


# ---- bad input: one line `error: ...` on stderr, exit status 2, no traceback, no output file ----


def _good_rows(m: int = 30, n: int = 4) -> tuple[list[list], list[list]]:
    rng = np.random.default_rng(0)
    labels = [1 + i % 3 for i in range(m)]
    X = (rng.normal(size=(m, n)) + np.array(labels)[:, None]).tolist()
    return X, [[label] for label in labels]


def _bad_workbook(tmp_path: Path, case: str) -> Path:
    path = tmp_path / f"{case}.xlsx"
    X, Y = _good_rows()
    if case == "missing-file":
        return path
    if case == "not-a-workbook":
        path.write_text("image,label\n0,1\n")
        return path
    if case == "missing-sheet":
        return write_sheets(path, {"X": X, "labels": Y})
    if case == "non-numeric-cell":
        X[2][1] = "abc"
    elif case == "empty-cell":
        X[1][2] = None
    elif case == "row-count-mismatch":
        Y = Y[:-1]
    elif case == "non-integer-label":
        Y[4] = [1.5]
    return write_sheets(path, {"X": X, "Y": Y})


BAD_WORKBOOKS = {
    "missing-file": r"missing-file\.xlsx: file not found",
    "not-a-workbook": r"not-a-workbook\.xlsx: not a readable \.xlsx workbook",
    "missing-sheet": r"missing-sheet\.xlsx: no sheet named 'Y'; the workbook has sheets "
    r"\['X', 'labels'\]",
    "non-numeric-cell": r"non-numeric-cell\.xlsx, sheet 'X', cell B3 \(row 3, column 2\) "
    r"holds 'abc'",
    "empty-cell": r"empty-cell\.xlsx, sheet 'X', cell C2 \(row 2, column 3\) is empty",
    "row-count-mismatch": r"sheet 'X' has 30 rows but sheet 'Y' has 29",
    "non-integer-label": r"sheet 'Y', cell A5 \(row 5, column 1\) holds .*1\.5.*; "
    r"labels must be integers",
}


def _assert_clean_failure(status: int, out: str, err: str, pattern: str) -> None:
    import re

    lines = err.splitlines()
    assert status == 2
    assert "Traceback" not in err and out == ""
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1 and errors[0] == lines[-1], err
    assert re.search(pattern, errors[0]), errors[0]


def _outputs(tmp_path: Path) -> list[str]:
    return ["--plot", str(tmp_path / "out" / "cost.png"), "--save", str(tmp_path / "out" / "m.npz")]


@pytest.mark.parametrize("case", sorted(BAD_WORKBOOKS))
def test_a_bad_workbook_is_one_error_line_and_exit_2(cli, tmp_path, case) -> None:
    path = _bad_workbook(tmp_path, case)
    (tmp_path / "out").mkdir()
    status, out, err = cli("train", "--data", str(path), *_outputs(tmp_path))
    _assert_clean_failure(status, out, err, "error: .*" + BAD_WORKBOOKS[case])
    assert list((tmp_path / "out").iterdir()) == []


def test_a_digit_absent_from_the_labels(cli, tmp_path, sorted_workbook) -> None:
    # The article's labels run 1..10 (10 stands for 0): there is no label 0.
    (tmp_path / "out").mkdir()
    status, out, err = cli(
        "train", "--data", str(sorted_workbook), "--digit", "0", *_outputs(tmp_path)
    )
    _assert_clean_failure(
        status, out, err, r"dataset\.xlsx: label 0 does not occur; labels present are \[1, 2,"
    )
    assert list((tmp_path / "out").iterdir()) == []


def test_a_one_class_training_set(cli, tmp_path, sorted_workbook) -> None:
    # Sorted rows: the first 80 % hold labels 1..8, so "is it a 10?" has no positive to learn.
    (tmp_path / "out").mkdir()
    status, out, err = cli(
        "train",
        "--data",
        str(sorted_workbook),
        "--digit",
        "10",
        "--split",
        "head",
        *_outputs(tmp_path),
    )
    _assert_clean_failure(status, out, err, r"the training labels are all 0")
    assert err.startswith("warning: the training part of the head split")
    assert list((tmp_path / "out").iterdir()) == []


@pytest.mark.parametrize(
    ("option", "value", "pattern"),
    [
        ("--lr", "0", r"argument --lr: must be a positive finite number, got 0"),
        ("--lr", "-0.5", r"argument --lr: must be a positive finite number, got -0.5"),
        ("--lr", "nan", r"argument --lr: must be a positive finite number, got nan"),
        ("--lr", "fast", r"argument --lr: expected a positive number or 'auto', got 'fast'"),
        ("--iterations", "0", r"argument --iterations: must be a positive integer, got 0"),
        ("--iterations", "-3", r"argument --iterations: must be a positive integer, got -3"),
        ("--iterations", "2.5", r"argument --iterations: expected a positive integer, got '2.5'"),
    ],
)
def test_bad_options_are_one_error_line_and_exit_2(cli, tmp_path, option, value, pattern) -> None:
    (tmp_path / "out").mkdir()
    status, out, err = cli("train", option, value, *_outputs(tmp_path))
    _assert_clean_failure(status, out, err, r"^error: " + pattern)
    assert list((tmp_path / "out").iterdir()) == []


@pytest.mark.parametrize(
    ("option", "target", "pattern"),
    [
        ("--plot", "missing/cost.png", r"--plot .*cost\.png: directory .*missing does not exist"),
        ("--save", ".", r"--save .*: is a directory, expected a file name"),
    ],
)
def test_unwritable_outputs_fail_before_training(cli, tmp_path, option, target, pattern) -> None:
    status, out, err = cli("train", option, str(tmp_path / target))
    _assert_clean_failure(status, out, err, pattern)
    assert list(tmp_path.iterdir()) == []


# ---- the real console script, in a subprocess ----


def _console_script() -> list[str]:
    script = Path(sys.executable).with_name("minilogit")
    found = str(script) if script.exists() else shutil.which("minilogit")
    assert found, "the `minilogit` console script is not installed (pip install -e .)"
    return [found]


def _run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": ""}
    return subprocess.run(
        [*_console_script(), *args], capture_output=True, text=True, timeout=120, env=env
    )


def test_console_script_runs_the_articles_workflow(sorted_workbook) -> None:
    done = _run(
        "train",
        "--data",
        str(sorted_workbook),
        "--split",
        "head",
        "--iterations",
        "500",
        "--lr",
        "0.005",
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("warning: the test part of the head split")
    assert "test accuracy: " in done.stdout


def test_console_script_bad_input_has_no_traceback(tmp_path) -> None:
    done = _run("train", "--data", str(tmp_path / "nope.xlsx"))
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == f"error: {tmp_path / 'nope.xlsx'}: file not found\n"


def test_divergence_is_one_error_line_without_numpy_noise(cli, tmp_path) -> None:
    status, out, err = cli(
        "train", "--lr", "1e308", "--scale", "none", "--plot", str(tmp_path / "c.png")
    )
    _assert_clean_failure(status, out, err, r"^error: the cost became nan at iteration 1 .*smaller")
    assert err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_console_script_stops_quietly_when_the_reader_goes_away() -> None:
    # The read end is closed long before training ends, so the JSON write hits a broken pipe.
    proc = subprocess.Popen(
        [*_console_script(), "train", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    proc.stdout.close()
    err = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait(timeout=120) == 141
    assert err == ""


def test_python_dash_m_minilogit_runs_the_cli() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "minilogit", "train", "--iterations", "5", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["iterations"] == 5
