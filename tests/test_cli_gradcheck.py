"""`minilogit gradcheck`: all-good without a mutation, a failure for every listed mistake."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from minilogit.cli import gradcheck
from minilogit.mutations import MUTATIONS


def test_the_correct_gradient_passes_on_the_embedded_digits(cli) -> None:
    status, out, err = cli("gradcheck")
    assert status == 0, err
    assert "PASS: the hand-derived gradient agrees" in out
    assert "64 rows x 64 features" in out
    table = [line for line in out.splitlines() if line.startswith(("b ", "w "))]
    assert len(table) == 2 and all(line.count(" good") == 3 for line in table)
    assert "\033[" not in out  # no colour when not on a terminal


@pytest.mark.parametrize("bug", list(MUTATIONS))
def test_every_classic_mistake_is_caught(cli, bug: str) -> None:
    status, out, err = cli("gradcheck", "--mutate", bug)
    assert status == 1, err
    assert f"injected mistake {bug!r}" in out
    assert "FAIL in block(s)" in out and "the mistake is in grad, not in value" in out
    assert " wrong" in out


def test_softmax_passes_and_catches_every_mistake_on_a_workbook(cli, sorted_workbook: Path) -> None:
    data = ("--data", str(sorted_workbook), "--loss", "softmax")
    status, out, err = cli("gradcheck", *data)
    assert status == 0, err
    assert "CrossEntropy" in out and "10 classes" in out and "PASS" in out
    for bug in MUTATIONS:
        status, out, err = cli("gradcheck", *data, "--mutate", bug)
        assert status == 1, f"{bug}: {err}"
        assert "FAIL" in out


def test_binary_on_a_workbook_with_json(cli, sorted_workbook: Path) -> None:
    status, out, err = cli("gradcheck", "--data", str(sorted_workbook), "--json")
    assert status == 0, err
    result = json.loads(out)
    assert result["passed"] is True and result["mutation"] is None
    assert result["rows"] == result["features"] == 16
    assert set(result["blocks"]) == {"b", "w"}
    assert result["blocks"]["w"]["analytic_vs_autodiff_grade"] == "good"
    status, out, _ = cli(
        "gradcheck", "--data", str(sorted_workbook), "--json", "--mutate", "flip-sign"
    )
    assert status == 1 and json.loads(out)["passed"] is False


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--mutate", "nope"), "argument --mutate: invalid choice: 'nope'"),
        (("--mutate", "penalize-bias", "--l2", "0"), "invisible without a penalty"),
        (("--mutate", "transpose", "--rows", "10"), "needs a square batch"),
        (("--eps", "0"), "--eps must be a number in"),
        (("--l2", "-1"), "--l2 must be a finite number >= 0"),
        (("--digit", "42"), "label 42 does not occur"),
        (("--loss", "hinge"), "invalid choice: 'hinge'"),
        (("--data", "missing.xlsx"), "missing.xlsx: file not found"),
    ],
)
def test_bad_options_are_one_line_errors(cli, args: tuple, message: str) -> None:
    status, out, err = cli("gradcheck", *args)
    assert status == 2
    assert err.startswith("error: ") and message in err and err.count("\n") == 1
    assert out == ""


@pytest.mark.parametrize(
    ("error", "band"),
    [
        (0.0, "good"),
        (9.9e-8, "good"),
        (1e-7, "ok"),
        (1e-4, "suspicious"),
        (1e-2, "wrong"),
        (float("nan"), "wrong"),
    ],
)
def test_bands(error: float, band: str) -> None:
    assert gradcheck.grade(error) == band


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch) -> None:
    assert gradcheck._painter(io.StringIO())("x", "wrong") == "x"
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert gradcheck._painter(_Terminal())("x", "wrong") == "\033[31mx\033[0m"
    monkeypatch.setenv("NO_COLOR", "1")
    assert gradcheck._painter(_Terminal())("x", "good") == "x"
