"""Options and helpers shared by several subcommands."""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections.abc import Iterable, Sequence
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
        raise argparse.ArgumentTypeError(
            f"expected a positive number or 'auto', got {text!r}"
        ) from None
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
    """`--data FILE` (default: the embedded digits), `--labels FILE` and `--no-cache`."""
    parser.add_argument(
        "--data",
        metavar="FILE",
        help="an .xlsx workbook in the article's layout (sheets X and Y, no header), "
        "a .csv (no header, the label last) or a .npz (arrays X and y); "
        "default: the embedded digits",
    )
    parser.add_argument(
        "--labels",
        metavar="FILE",
        help="the labels of a .csv --data, as a separate one-column .csv",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="neither use nor fill the cache of parsed data files "
        "(kept in $MINILOGIT_CACHE_DIR, default: the user's cache directory)",
    )


def add_split_options(parser: argparse.ArgumentParser) -> None:
    """`--split`, `--test-size`, `--scale` and `--seed`: how `train.prepare` splits and scales."""
    parser.add_argument(
        "--split",
        choices=("stratified", "head"),
        default="stratified",
        help="stratified shuffle (default) or the article's 'first rows train'",
    )
    parser.add_argument("--test-size", type=fraction, default=0.2, help="default 0.2")
    parser.add_argument(
        "--scale",
        choices=("standard", "none"),
        default="standard",
        help="standardize features with the training part's mean/std (default) or not",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the split (default 0)")


def load_data(args: argparse.Namespace) -> tuple[Dataset, float]:
    """The data set named by `--data` (or the embedded digits) and the seconds it took."""
    from ..datasets import load_digits
    from ..formats import read_data

    start = time.perf_counter()
    cache = not getattr(args, "no_cache", False)
    labels = getattr(args, "labels", None)
    if args.data is None:
        if labels is not None:
            raise ConfigError("--labels goes with a .csv --data file")
        dataset = load_digits(cache=cache)
    else:
        dataset = read_data(args.data, labels=labels, cache=cache)
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


def check_plot_path(path: str | None, option: str = "--plot") -> Path | None:
    """`check_output_path`, plus a suffix naming an image format (.png, .pdf, .svg)."""
    out = check_output_path(path, option)
    if out is not None:
        from ..plots import check_path

        check_path(out, option)
    return out


def print_json(result: object) -> None:
    """`--json` output: one JSON object on one line of stdout."""
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Write a CSV with a header row atomically (no half-written file on failure)."""
    from ..workbook import atomic_write

    def write(tmp: Path) -> None:
        with open(tmp, "w", newline="") as f:
            out = csv.writer(f)
            out.writerow(header)
            out.writerows(rows)

    atomic_write(path, write)
