"""Every `>>>` example in every minilogit module runs and prints what it says."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import minilogit

MODULES = sorted(
    info.name for info in pkgutil.walk_packages(minilogit.__path__, prefix="minilogit.")
)


def test_the_walk_finds_the_package() -> None:
    assert {"minilogit.losses", "minilogit.cli.train", "minilogit.optim.first_order"} <= set(
        MODULES
    )


@pytest.mark.parametrize("name", ["minilogit", *MODULES])
def test_docstring_examples_run(name) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(
        module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False
    )
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
