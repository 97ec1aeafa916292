"""Every script in examples/ runs with no arguments, headless, and its figures exist."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SCRIPTS = sorted(EXAMPLES.glob("*.py"))
FIGURE = re.compile(r"(\S+\.(?:png|pdf|svg))\b")


def test_the_teaching_examples_exist() -> None:
    names = {p.name for p in SCRIPTS}
    for name in (
        "article_classic.py",
        "gradient_check.py",
        "lr_sweep.py",
        "decision_boundary_2d.py",
    ):
        assert name in names


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_example_runs(script: Path, tmp_path: Path) -> None:
    env = {**os.environ, "MPLBACKEND": "Agg", "MINILOGIT_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("DISPLAY", None)
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    for figure in FIGURE.findall(done.stdout):
        path = Path(figure) if Path(figure).is_absolute() else tmp_path / figure
        assert path.is_file() and path.stat().st_size > 0, f"{script.name} printed {figure}"
