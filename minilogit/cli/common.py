"""Options and helpers shared by several subcommands."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ..data import Dataset
from ..errors import ConfigError


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def learning_rate(text: str) -> float | str:
    """argparse type: a positive number or `auto`."""
    if text == "auto":
        return text
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number or 'auto', got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive finite number, got {text}")
    return value


def fraction(text: str) -> float:
    """argparse type: a number strictly between 0 and 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1), got {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be strictly between 0 and 1, got {text}")
    return value


def add_data_options(parser: argparse.ArgumentParser) -> None:
    """`--data FILE` (default: the embedded digits) and `--no-cache`."""
    parser.add_argument(
        "--data",
        metavar="FILE",
        help="an .xlsx workbook in the article's layout (sheets X and Y, no header), "
        ".csv or .npz; default: the embedded digits",
    )
    parser.add_argument(
        "--no-cache", action="store_true", help="do not use or fill the parsed-workbook cache"
    )


def load_data(args: argparse.Namespace) -> tuple[Dataset, float]:
    """The data set named by `--data` (or the embedded digits) and the seconds it took."""
    from ..datasets import load_digits
    from ..workbook import read_workbook

    start = time.perf_counter()
    dataset = load_digits() if args.data is None else read_workbook(args.data)
    return dataset, time.perf_counter() - start


def check_output_path(path: str | None, option: str) -> Path | None:
    """Fail before any work when an output file could not be written."""
    if path is None:
        return None
    out = Path(path)
    if out.is_dir():
        raise ConfigError(f"{option} {path}: is a directory, expected a file name")
    if not out.parent.resolve().is_dir():
        raise ConfigError(f"{option} {path}: directory {out.parent} does not exist")
    return out
