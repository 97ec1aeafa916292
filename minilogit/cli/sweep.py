"""`minilogit sweep`: the article's learning-rate x iterations experiment.

Each learning rate is trained once, for the largest iteration count, and the accuracies at the
smaller counts are read from the same run's records, so the grid costs one fit per rate. A
sentence under the table, computed from the numbers, says which rate balances train and test
accuracy (the article recommends 0.015 on its data for that reason).
"""

from __future__ import annotations

import argparse
import math
from dataclasses import asdict, dataclass
from typing import Any

from .common import (
    add_data_options,
    add_split_options,
    check_output_path,
    check_plot_path,
    print_json,
    write_csv,
)

#: A rate "tests well" when its test accuracy is within this many points of the best one.
TEST_TOLERANCE = 1.0


@dataclass(frozen=True)
class Cell:
    """One learning rate after one number of iterations (accuracies in percent)."""

    lr: float
    iterations: int
    train_accuracy: float
    test_accuracy: float
    cost: float
    test_cost: float


def _number_list(kind: type, text: str) -> list:
    values = []
    for part in text.split(","):
        try:
            value = kind(part)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected comma-separated {'integers' if kind is int else 'numbers'}, "
                f"got {part!r} in {text!r}"
            ) from None
        if not (math.isfinite(value) and value > 0):
            raise argparse.ArgumentTypeError(f"every value must be positive, got {part!r}")
        values.append(value)
    return sorted(set(values))


def rate_list(text: str) -> list[float]:
    """argparse type: comma-separated positive learning rates, e.g. `0.005,0.015`."""
    return _number_list(float, text)


def count_list(text: str) -> list[int]:
    """argparse type: comma-separated positive iteration counts, e.g. `100,500,1000`."""
    return _number_list(int, text)


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `sweep` subcommand."""
    from ..optim import OPTIMIZERS

    p = sub.add_parser(
        "sweep",
        help="the article's experiment: accuracy for learning rates x iterations",
        description="Train one model per learning rate and tabulate train/test accuracy and "
        "cost after each number of iterations, like the article's comparison; a sentence "
        "under the table says which learning rate balances train and test accuracy.",
    )
    add_data_options(p)
    p.add_argument("--digit", type=int, default=1, help="the positive label (default 1)")
    p.add_argument(
        "--lr",
        type=rate_list,
        default=[0.001, 0.005, 0.015, 0.05],
        help="learning rates (default 0.001,0.005,0.015,0.05)",
    )
    p.add_argument(
        "--iterations",
        type=count_list,
        default=[100, 500, 1000],
        help="iteration counts (default 100,500,1000)",
    )
    p.add_argument("--optimizer", default="gd", choices=sorted(OPTIMIZERS), help="default gd")
    add_split_options(p)
    p.add_argument("--csv", metavar="FILE", help="write the table to this CSV file")
    p.add_argument("--plot", metavar="PNG", help="save the cost curves per learning rate")
    p.add_argument("--json", action="store_true", help="print one JSON object, no progress bar")
    p.set_defaults(run=run, multiclass=False)


def sweep(
    train: Any,
    test: Any,
    rates: list[float],
    counts: list[int],
    optimizer: str = "gd",
    progress: bool | None = None,
) -> tuple[list[Cell], dict[float, Any]]:
    """Train once per rate for `max(counts)` steps; read every requested count off the run.

    Returns:
        The cells (rate-major, counts ascending) and each rate's
        [`History`][minilogit.History]; a rate that diverges gets `nan` cells and no history.
    """
    from .. import optim
    from ..errors import DivergenceError
    from ..losses import BinaryCrossEntropy
    from ..metrics import accuracy
    from ..models import Logistic
    from ..train import Trainer

    total = max(counts)
    # Records at every requested count, and at least ~100 points for the cost curves.
    every = math.gcd(*counts, max(1, total // 100))
    loss = BinaryCrossEntropy()
    cells, histories = [], {}
    for lr in rates:
        model = Logistic(train.n)
        trainer = Trainer(model, loss, optim.make(optimizer, lr=lr))
        try:
            h = trainer.fit(
                train.X,
                train.y,
                iterations=total,
                record_every=every,
                eval_set=(test.X, test.y),
                progress=progress,
            )
        except DivergenceError:
            cells += [Cell(lr, n, *[math.nan] * 4) for n in counts]
            continue
        histories[lr] = h
        recorded = {
            i: (100 * a, 100 * e, c, ec)
            for (i, a), (_, e), (_, c), (_, ec) in zip(
                h.train_accuracy, h.eval_accuracy, h.costs, h.eval_costs, strict=True
            )
        }
        final = (
            100 * accuracy(train.y, model.predict(train.X)),
            100 * accuracy(test.y, model.predict(test.X)),
            h.final_cost,
            float(loss.value(model.params, test.X, test.y)),
        )
        # A run that stopped early (converged) keeps its final parameters for later counts.
        cells += [
            Cell(lr, n, *recorded.get(n, final) if n < h.iterations else final) for n in counts
        ]
    return cells, histories


def balance(cells: list[Cell]) -> tuple[float | None, str]:
    """Which rate balances train and test accuracy at the largest iteration count, and why.

    Among the rates whose test accuracy is within `TEST_TOLERANCE` points of the best, the one
    with the smallest train-test gap (ties: higher test accuracy, then smaller rate).
    """
    last = max(c.iterations for c in cells)
    final = [c for c in cells if c.iterations == last and math.isfinite(c.test_accuracy)]
    if not final:
        return None, "Every learning rate diverged; try smaller ones."
    best = max(c.test_accuracy for c in final)
    good = [c for c in final if c.test_accuracy >= best - TEST_TOLERANCE]
    pick = min(
        good, key=lambda c: (abs(c.train_accuracy - c.test_accuracy), -c.test_accuracy, c.lr)
    )
    gap = abs(pick.train_accuracy - pick.test_accuracy)
    text = (
        f"After {last} iterations, learning rate {pick.lr:g} balances train and test accuracy "
        f"best: {pick.train_accuracy:.2f} % train vs {pick.test_accuracy:.2f} % test (gap "
        f"{gap:.2f} points), the smallest gap among the rates whose test accuracy is within "
        f"{TEST_TOLERANCE:g} point of the best ({best:.2f} %)."
    )
    fitter = max(final, key=lambda c: (c.train_accuracy, -c.lr))
    if fitter.train_accuracy > pick.train_accuracy and fitter.test_accuracy < pick.test_accuracy:
        text += (
            f" Learning rate {fitter.lr:g} fits the training set better "
            f"({fitter.train_accuracy:.2f} %) but tests worse ({fitter.test_accuracy:.2f} %)."
        )
    return pick.lr, text


def run(args: argparse.Namespace) -> int:
    """Print the table and the balance sentence; write the CSV and plot when asked."""
    from .train import prepare

    csv_path = check_output_path(args.csv, "--csv")
    plot_path = check_plot_path(args.plot)
    train, test, seconds_load = prepare(args)
    cells, histories = sweep(
        train, test, args.lr, args.iterations, args.optimizer, progress=False if args.json else None
    )
    best_lr, sentence = balance(cells)
    task = f"digit {args.digit} vs rest"
    if csv_path is not None:
        write_csv(csv_path, list(asdict(cells[0])), (asdict(c).values() for c in cells))
    if plot_path is not None and histories:
        from ..plots import learning_rate_curves

        learning_rate_curves(
            histories, title=f"{task}: cost per learning rate ({args.optimizer})", path=plot_path
        )
    if args.json:
        print_json(
            {
                "data": args.data or "embedded digits",
                "task": task,
                "split": args.split,
                "scale": args.scale,
                "n_train": train.m,
                "n_test": test.m,
                "optimizer": args.optimizer,
                "cells": [asdict(c) for c in cells],
                "balanced_lr": best_lr,
                "sentence": sentence,
                "seconds_load": seconds_load,
                "seconds_train": sum(h.seconds for h in histories.values()),
            }
        )
        return 0
    print(
        f"data: {args.data or 'embedded digits'}, {task}, {args.split} split, "
        f"{'standardized' if args.scale == 'standard' else 'unscaled'}: "
        f"{train.m} train / {test.m} test"
    )
    print(
        f"optimizer: {args.optimizer}, one run of {max(args.iterations)} iterations per "
        "learning rate\n"
    )
    print(
        f"{'learning rate':<13}  {'iterations':>10}  {'train acc %':>11}  {'test acc %':>10}  "
        f"{'cost':>8}  {'test cost':>9}"
    )
    for c in cells:
        print(
            f"{c.lr:<13g}  {c.iterations:>10d}  {c.train_accuracy:>11.2f}  "
            f"{c.test_accuracy:>10.2f}  {c.cost:>8.4f}  {c.test_cost:>9.4f}"
        )
    diverged = sorted({c.lr for c in cells if not math.isfinite(c.cost)})
    if diverged:
        print("diverged (cost became nan/inf): " + ", ".join(f"{lr:g}" for lr in diverged))
    print()
    print(sentence)
    if csv_path is not None:
        print(f"table written to {csv_path}")
    if plot_path is not None and histories:
        print(f"cost curves written to {plot_path}")
    return 0
