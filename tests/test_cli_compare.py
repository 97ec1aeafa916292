"""`minilogit compare` (the optimizer race), and the trainer's time stamps and progress bar."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import numpy as np
import pytest

import minilogit as ml
from minilogit import train as train_module

PNG = b"\x89PNG\r\n\x1a\n"


def test_default_race_on_the_embedded_digits(cli, tmp_path: Path) -> None:
    plot, table = tmp_path / "race.png", tmp_path / "race.csv"
    status, out, err = cli(
        "compare", "--iterations", "15", "--plot", str(plot), "--csv", str(table)
    )
    assert status == 0, err
    lines = out.splitlines()
    names = [line.split()[0] for line in lines[lines.index("") + 2 :] if line.strip()][:5]
    assert names == ["gd", "momentum", "adam", "newton", "lbfgs"]
    assert "Fewest steps: newton" in out
    assert plot.read_bytes().startswith(PNG)
    rows = list(csv.DictReader(table.open()))
    assert set(rows[0]) == {"optimizer", "iteration", "cost", "seconds"}
    gd = [r for r in rows if r["optimizer"] == "gd"]
    assert [int(r["iteration"]) for r in gd] == list(range(15))


def test_race_on_an_article_layout_workbook_as_json(
    cli, sorted_workbook: Path, tmp_path: Path
) -> None:
    plot, table = tmp_path / "race.pdf", tmp_path / "race.csv"
    status, out, err = cli(
        "compare",
        "--data",
        str(sorted_workbook),
        "--optimizers",
        "gd:0.5,gd:auto,newton",
        "--iterations",
        "12",
        "--json",
        "--plot",
        str(plot),
        "--csv",
        str(table),
    )
    assert status == 0, err
    assert plot.read_bytes().startswith(b"%PDF") and table.read_text().startswith("optimizer,")
    result = json.loads(out)
    labels = [r["optimizer"] for r in result["results"]]
    assert labels == ["gd (lr 0.5)", "gd (lr auto)", "newton"]
    for label in labels:
        times = result["times"][label]
        assert len(times) == len(result["costs"][label]) and times == sorted(times)
    newton = result["results"][2]
    assert newton["hessians"] > 0 and newton["steps_to_finish"] is not None
    # Newton reaches the finish line in fewer steps than plain gradient descent.
    gd_steps = result["results"][0]["steps_to_finish"]
    assert gd_steps is None or newton["steps_to_finish"] < gd_steps


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--optimizers", "gd,warp"), "unknown optimizer 'warp'; choose one of gd"),
        (("--optimizers", "gd,gd"), "--optimizers lists gd twice"),
        (("--optimizers", "adam:-1"), "argument --optimizers: must be a positive finite"),
        (("--optimizers", "gd,,adam"), "empty optimizer name"),
        (("--iterations", "0"), "argument --iterations"),
        (("--l2", "-0.5"), "--l2 must be a finite number >= 0"),
        (("--plot", "race.jpeg"), "--plot race.jpeg: cannot tell the image format"),
        (("--data", "nothing.xlsx"), "nothing.xlsx: file not found"),
    ],
)
def test_bad_options_are_one_line_errors(
    cli, args: tuple, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    status, _, err = cli("compare", "--iterations", "2", *args)
    assert status == 2
    assert err.startswith("error: ") and message in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


# --- what the race relies on in the trainer: time stamps and an honest progress bar ---------


def _problem() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    return X, (X[:, 0] + 0.5 * rng.normal(size=60) > 0).astype(int)


def test_history_times_follow_the_records() -> None:
    X, y = _problem()
    trainer = ml.Trainer(ml.Logistic(3), ml.losses.BinaryCrossEntropy(), ml.optim.GradientDescent())
    history = trainer.fit(X, y, iterations=25, record_every=5)
    assert len(history.times) == len(history.costs) == 5
    assert history.times == sorted(history.times) and history.times[0] >= 0
    assert history.times[-1] <= history.seconds
    assert list(history.to_frame()["seconds"]) == history.times


class _Bar:
    def __init__(self) -> None:
        self.n, self.closed = 0, False

    def update(self, k: int) -> None:
        self.n += k

    def set_postfix(self, **kwargs: object) -> None:
        self.postfix = kwargs

    def close(self) -> None:
        self.closed = True


@pytest.mark.parametrize(
    ("optimizer", "iterations", "record_every"),
    [
        (ml.optim.GradientDescent(), 37, 10),
        (ml.optim.GradientDescent(), 5, 100),
        (ml.optim.Newton(), 200, 1),
    ],
)
def test_the_progress_bar_counts_every_step_taken(
    monkeypatch: pytest.MonkeyPatch, optimizer, iterations: int, record_every: int
) -> None:
    bars = []
    monkeypatch.setattr(
        train_module, "_progress_bar", lambda total, progress: bars.append(_Bar()) or bars[-1]
    )
    X, y = _problem()
    history = ml.Trainer(ml.Logistic(3), ml.losses.BinaryCrossEntropy(l2=0.01), optimizer).fit(
        X, y, iterations=iterations, record_every=record_every
    )
    (bar,) = bars
    assert bar.n == history.iterations and bar.closed
    assert "cost" in bar.postfix


def test_no_bar_when_piped_or_asked_not_to(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False, raising=False)
    assert train_module._progress_bar(10_000, None) is None
    assert train_module._progress_bar(10_000, False) is None
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    bar = train_module._progress_bar(10_000, None)
    try:
        assert bar.total == 10_000 and bar.delay == 0.5  # a terminal, but only for long fits
    finally:
        bar.close()


def test_json_output_has_no_progress_bar(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = []
    original = train_module._progress_bar
    monkeypatch.setattr(
        train_module,
        "_progress_bar",
        lambda total, progress: seen.append(progress) or original(total, progress),
    )
    status, _, err = cli("compare", "--optimizers", "gd", "--iterations", "3", "--json")
    assert status == 0 and err == ""
    assert seen and all(progress is False for progress in seen)
