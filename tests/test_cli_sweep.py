"""`minilogit sweep`: the article's learning-rate x iterations table, CSV, plot and verdict."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest

from minilogit.cli.sweep import Cell, balance

PNG = b"\x89PNG\r\n\x1a\n"


def test_default_sweep_reproduces_the_article_finding(cli, tmp_path: Path) -> None:
    table, plot = tmp_path / "sweep.csv", tmp_path / "sweep.png"
    status, out, err = cli("sweep", "--csv", str(table), "--plot", str(plot))
    assert status == 0, err
    rows = list(csv.DictReader(table.open()))
    assert [(float(r["lr"]), int(r["iterations"])) for r in rows] == [
        (lr, n) for lr in (0.001, 0.005, 0.015, 0.05) for n in (100, 500, 1000)
    ]
    assert set(rows[0]) == {
        "lr",
        "iterations",
        "train_accuracy",
        "test_accuracy",
        "cost",
        "test_cost",
    }
    # More iterations, lower cost, for every rate.
    for lr in {r["lr"] for r in rows}:
        costs = [float(r["cost"]) for r in rows if r["lr"] == lr]
        assert costs == sorted(costs, reverse=True)
    # The article's finding, computed from the numbers: the largest rate fits the training set
    # best but tests worse, and 0.015 has train and test accuracy "more even".
    assert "learning rate 0.015 balances train and test accuracy best" in out
    assert "Learning rate 0.05 fits the training set better" in out
    assert plot.read_bytes().startswith(PNG)
    assert f"table written to {table}" in out and f"cost curves written to {plot}" in out


def test_sweep_on_an_article_layout_workbook(cli, sorted_workbook: Path, tmp_path: Path) -> None:
    plot, table = tmp_path / "curves.png", tmp_path / "t.csv"
    status, out, err = cli(
        "sweep",
        "--data",
        str(sorted_workbook),
        "--lr",
        "0.5,0.1",
        "--iterations",
        "20,5",
        "--plot",
        str(plot),
        "--csv",
        str(table),
        "--scale",
        "none",
    )
    assert status == 0, err
    assert plot.read_bytes().startswith(PNG)
    rows = list(csv.DictReader(table.open()))
    assert [(r["lr"], r["iterations"]) for r in rows] == [
        ("0.1", "5"),
        ("0.1", "20"),
        ("0.5", "5"),
        ("0.5", "20"),
    ]
    assert "unscaled" in out and "After 20 iterations, learning rate" in out


def test_json_reads_every_count_from_one_run(cli, sorted_workbook: Path) -> None:
    status, out, err = cli(
        "sweep", "--data", str(sorted_workbook), "--lr", "0.2", "--iterations", "3,7,10", "--json"
    )
    assert status == 0, err
    result = json.loads(out)
    assert [c["iterations"] for c in result["cells"]] == [3, 7, 10]
    assert result["balanced_lr"] == 0.2 and result["sentence"].startswith("After 10 iterations")
    # The 10-iteration cell is the end of the run: the same as `train` after 10 steps.
    status, out, _ = cli(
        "train", "--data", str(sorted_workbook), "--lr", "0.2", "--iterations", "10", "--json"
    )
    trained = json.loads(out)
    last = result["cells"][-1]
    assert last["cost"] == pytest.approx(trained["final_cost"], rel=1e-12)
    assert last["train_accuracy"] == pytest.approx(trained["train_accuracy"])
    assert last["test_accuracy"] == pytest.approx(trained["test_accuracy"])


def test_a_run_that_stops_early_keeps_its_final_numbers(cli, sorted_workbook: Path) -> None:
    status, out, err = cli(
        "sweep",
        "--data",
        str(sorted_workbook),
        "--optimizer",
        "newton",
        "--lr",
        "1",
        "--iterations",
        "50,400",
        "--json",
    )
    assert status == 0, err
    first, second = json.loads(out)["cells"]
    assert first == {**second, "iterations": 50}


def test_a_diverging_rate_is_reported_not_fatal(cli, sorted_workbook: Path) -> None:
    status, out, err = cli(
        "sweep", "--data", str(sorted_workbook), "--lr", "0.1,1e300", "--iterations", "5"
    )
    assert status == 0, err
    assert "diverged (cost became nan/inf): 1e+300" in out
    assert "learning rate 0.1 balances" in out


def _cell(lr: float, train: float, test: float, n: int = 100) -> Cell:
    return Cell(lr, n, train, test, 0.1, 0.1)


def test_balance_is_computed_not_hard_coded() -> None:
    cells = [_cell(0.1, 99.0, 95.0), _cell(0.2, 96.0, 95.5), _cell(0.3, 93.0, 93.0)]
    lr, text = balance(cells)
    # 0.3 has no gap but tests 2.5 points below the best; 0.2 is the even one among good ones.
    assert lr == 0.2 and "learning rate 0.2 balances" in text
    assert "Learning rate 0.1 fits the training set better (99.00 %) but tests worse" in text
    lr, _ = balance([*cells, _cell(0.4, 95.5, 95.4)])
    assert lr == 0.4
    lr, text = balance([_cell(0.1, math.nan, math.nan)])
    assert lr is None and "diverged" in text
    # Only the largest iteration count counts.
    lr, _ = balance([_cell(0.1, 90.0, 90.0, n=10), _cell(0.1, 99.0, 97.0), _cell(0.2, 98, 97.5)])
    assert lr == 0.2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--lr", "0.1,0"), "argument --lr: every value must be positive, got '0'"),
        (("--lr", "0.1,fast"), "expected comma-separated numbers, got 'fast'"),
        (("--iterations", "10,2.5"), "expected comma-separated integers, got '2.5'"),
        (("--iterations", "-3"), "argument --iterations"),
        (("--optimizer", "sgd2"), "invalid choice: 'sgd2'"),
        (("--plot", "curves.txt"), "--plot curves.txt: cannot tell the image format"),
        (("--csv", "no/such/dir/t.csv"), "--csv no/such/dir/t.csv: directory"),
        (("--digit", "42"), "label 42 does not occur"),
        (("--test-size", "1.5"), "argument --test-size"),
    ],
)
def test_bad_options_are_one_line_errors(
    cli, args: tuple, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    status, _, err = cli("sweep", "--iterations", "2", *args)
    assert status == 2
    assert err.startswith("error: ") and message in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []  # nothing written
