"""`minilogit make-workbook`: write data as a workbook in the article's layout, or convert.

```bash
minilogit make-workbook digits.xlsx                      # the embedded digits, as a workbook
minilogit make-workbook --from big.xlsx big.npz          # a workbook to fast-loading arrays
minilogit make-workbook --from pixels.csv --labels y.csv data.xlsx
```
"""

from __future__ import annotations

import argparse

from .common import check_output_path


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `make-workbook` subcommand."""
    p = sub.add_parser(
        "make-workbook",
        help="write data as an .xlsx workbook (or convert between .xlsx, .csv and .npz)",
        description="Write a data set (default: the embedded digits) to OUT in the format its "
        "suffix names: .xlsx in the article's layout (sheets X and Y, no header), .csv (no "
        "header, the label last) or .npz (arrays X and y). The file is written atomically.",
    )
    p.add_argument(
        "--from",
        dest="source",
        metavar="FILE",
        help="the data to convert (.xlsx, .csv or .npz); default: the embedded digits",
    )
    p.add_argument(
        "--labels", metavar="FILE", help="the labels of a .csv --from, as a one-column .csv"
    )
    p.add_argument(
        "--no-cache", action="store_true", help="neither use nor fill the parsed-data cache"
    )
    p.add_argument("out", metavar="OUT", help="the file to write (.xlsx, .csv or .npz)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Read the source, then write it to OUT; print one line saying what was written."""
    from ..formats import data_format, write_data
    from .common import load_data

    out = check_output_path(args.out, "OUT")
    data_format(out)  # an unknown format fails before any reading
    args.data = args.source
    dataset, _ = load_data(args)
    write_data(out, dataset)
    print(
        f"wrote {out}: {dataset.m} examples, {dataset.n} features, "
        f"labels {dataset.classes.tolist()} (from {args.source or 'the embedded digits'})"
    )
    return 0
