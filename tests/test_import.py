"""`import minilogit` stays light: no JAX, matplotlib, scikit-learn, SciPy or optax."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("jax", "jaxlib", "matplotlib", "sklearn", "scipy", "optax")


def _modules_after(code: str) -> set[str]:
    """Top-level modules loaded by a fresh interpreter that runs `code`."""
    done = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint(' '.join(sys.modules))"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return {name.split(".")[0] for name in done.stdout.split()}


def test_the_acceptance_one_liner() -> None:
    code = "import minilogit, sys; assert 'jax' not in sys.modules"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    "code",
    [
        "import minilogit",
        "import minilogit as ml; ml.Dataset; ml.Trainer; ml.classic; ml.gradients; ml.metrics",
        # the analytic path end to end, through the CLI, loads none of them either
        "from minilogit.cli import main; main(['train', '--json', '--iterations', '5'])",
    ],
)
def test_no_heavy_dependency_is_imported(code) -> None:
    loaded = _modules_after(code) & set(HEAVY)
    assert not loaded, f"{code!r} imported {sorted(loaded)}"


def test_the_check_can_see_a_heavy_import() -> None:
    # Guards the test above against passing vacuously: the lazy `plots` does load matplotlib.
    assert "matplotlib" in _modules_after("import minilogit as ml; ml.plots")
