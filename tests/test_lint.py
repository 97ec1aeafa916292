"""ruff lint and format are clean over every Python directory of the repository."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DIRS = [
    d for d in ("minilogit", "tests", "examples", "benchmarks", "scripts") if (ROOT / d).is_dir()
]


@pytest.mark.parametrize(
    "command", [["check"], ["format", "--check"]], ids=["ruff check", "ruff format --check"]
)
def test_ruff_is_clean(command) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ruff", *command, *DIRS],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
