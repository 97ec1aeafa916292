"""Workbook load time: `pd.read_excel` (the article's read) vs `minilogit.read_workbook`.

Builds a 5,000 x 400 float workbook in the article's layout (sheet X: one image a row; sheet
Y: the label, 1..10, sorted; no header) in a temporary directory, then times, side by side:

- pandas: `pd.read_excel(path, "X", header=None)` and the same for "Y", the default engine,
  exactly as the article reads its workbook;
- minilogit cold: `read_workbook(path, cache=False)`, a full parse;
- minilogit first read: parse and fill an empty cache;
- minilogit warm: `read_workbook(path)` answered from the cache.

Targets (issue 3): cold <= 0.15x pandas, warm <= 0.01x pandas. Medians over the repeats.

    python benchmarks/bench_load.py [--pandas-repeats 3] [--repeats 7] [--workbook PATH]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

import minilogit as ml

M, N = 5000, 400


def make_workbook(path: Path) -> None:
    """The article's layout: 500 images of each label 1..10 (10 stands for 0), in order."""
    rng = np.random.default_rng(0)
    labels = np.repeat(np.r_[10, 1:10], M // 10)
    ml.write_workbook(path, ml.Dataset(rng.random((M, N)), labels))


def median_seconds(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def pandas_read(path: Path) -> None:
    import pandas as pd

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas 3 announces a future change of default engine
        pd.read_excel(path, "X", header=None)
        pd.read_excel(path, "Y", header=None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pandas-repeats", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--workbook", type=Path, help="reuse this workbook instead of building")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        path = args.workbook or tmp / "dataset.xlsx"
        if args.workbook is None:
            start = time.perf_counter()
            make_workbook(path)
            print(f"built {path} ({M} x {N}) in {time.perf_counter() - start:.1f} s")
        print(f"{path.stat().st_size / 1e6:.1f} MB, python {sys.version.split()[0]}")

        cache_root = tmp / "caches"
        counter = iter(range(10**6))

        def first_read() -> None:
            os.environ["MINILOGIT_CACHE_DIR"] = str(cache_root / str(next(counter)))
            ml.read_workbook(path)

        pandas = median_seconds(lambda: pandas_read(path), args.pandas_repeats)
        cold = median_seconds(lambda: ml.read_workbook(path, cache=False), args.repeats)
        first = median_seconds(first_read, args.repeats)
        os.environ["MINILOGIT_CACHE_DIR"] = str(cache_root / "warm")
        ml.read_workbook(path)
        warm = median_seconds(lambda: ml.read_workbook(path), args.repeats)

    rows = [
        ("pd.read_excel, sheets X and Y (default engine)", pandas, None),
        ("minilogit cold (cache=False)", cold, 0.15),
        ("minilogit first read (parse + fill cache)", first, None),
        ("minilogit warm (from the cache)", warm, 0.01),
    ]
    print(f"\n{'reader':<48} {'median s':>9} {'x pandas':>9} {'target':>8}")
    for name, seconds, target in rows:
        ratio = seconds / pandas
        verdict = (
            "" if target is None else f"<= {target:<5} {'ok' if ratio <= target else 'MISSED'}"
        )
        print(f"{name:<48} {seconds:>9.3f} {ratio:>9.4f}  {verdict}")
    print(
        f"\nrepeats: pandas {args.pandas_repeats}, minilogit {args.repeats}; "
        f"speed-up cold {pandas / cold:.0f}x, warm {pandas / warm:.0f}x"
    )


if __name__ == "__main__":
    main()
