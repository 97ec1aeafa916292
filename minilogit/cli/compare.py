"""`minilogit compare`: an optimizer race on one problem.

Every optimizer starts from the same zero parameters on the same data and records its cost
after every step with a time stamp (the time spent recording is left out), so the race can be
read per iteration and per second of wall time. Each optimizer first takes two untimed
warm-up steps, so one-time costs (imports on first use, JIT compilation) stay out of the race.
"""

from __future__ import annotations

import argparse
import math
import warnings
from dataclasses import asdict, dataclass
from typing import Any

from .common import (
    add_data_options,
    add_split_options,
    check_output_path,
    check_plot_path,
    learning_rate,
    positive_int,
    print_json,
    write_csv,
)

DEFAULT_RACE = "gd,momentum,adam,newton,lbfgs"
#: "Reached the finish" means: closed this fraction of the gap from the start to the best cost.
FINISH = 0.99


@dataclass(frozen=True)
class Result:
    """How one optimizer did (accuracies in percent, times in seconds)."""

    optimizer: str
    steps: int
    final_cost: float
    train_accuracy: float
    test_accuracy: float
    seconds: float
    steps_to_finish: int | None
    seconds_to_finish: float | None
    gradients: int
    hessians: int
    stop_reason: str


def racers(text: str) -> list[tuple[str, float | str | None]]:
    """argparse type: `name[:lr],...`, e.g. `gd,adam:0.01` (no lr: the optimizer's default)."""
    out = []
    for part in text.split(","):
        name, _, lr = part.strip().partition(":")
        if not name:
            raise argparse.ArgumentTypeError(f"empty optimizer name in {text!r}")
        out.append((name, learning_rate(lr) if lr else None))
    return out


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `compare` subcommand."""
    p = sub.add_parser(
        "compare",
        help="race optimizers: cost per iteration and per second",
        description="Train the same model with several optimizers from the same start and "
        "compare cost per iteration, cost per second, accuracy and work done.",
    )
    add_data_options(p)
    p.add_argument("--digit", type=int, default=1, help="the positive label (default 1)")
    p.add_argument(
        "--optimizers",
        type=racers,
        default=racers(DEFAULT_RACE),
        metavar="NAME[:LR],...",
        help=f"optimizers to race, each with an optional learning rate (default {DEFAULT_RACE})",
    )
    p.add_argument("--iterations", type=positive_int, default=100, help="default 100")
    p.add_argument(
        "--l2",
        type=float,
        default=1e-3,
        help="L2 penalty (default 0.001): without one, separable data has no minimum and "
        "Newton-type methods chase the cost to 0 with ever larger weights",
    )
    add_split_options(p)
    p.add_argument(
        "--csv",
        metavar="FILE",
        help="write every recorded point (optimizer, iteration, cost, seconds)",
    )
    p.add_argument("--plot", metavar="PNG", help="save the race (cost vs iteration and time)")
    p.add_argument("--json", action="store_true", help="print one JSON object, no progress bar")
    p.set_defaults(run=run, multiclass=False)


def _finish_line(histories: dict[str, Any]) -> float:
    """The cost that closes `FINISH` of the gap between the start and the best final cost."""
    start = max(h.costs[0][1] for h in histories.values())
    best = min(h.final_cost for h in histories.values())
    return best + (1 - FINISH) * (start - best)


def _reached(h: Any, target: float) -> tuple[int | None, float | None]:
    for (i, cost), t in zip(h.costs, h.times, strict=True):
        if cost <= target:
            return i, t
    if h.final_cost <= target:
        return h.iterations, h.seconds
    return None, None


def race(
    train: Any,
    test: Any,
    entries: list[tuple[str, Any]],
    iterations: int,
    l2: float = 0.0,
    progress: bool | None = None,
) -> tuple[list[Result], dict[str, Any]]:
    """Run every optimizer from zero parameters; return results and histories by label.

    An optimizer that diverges gets a result with a `nan` cost and no history.
    """
    from .. import optim
    from ..errors import ConfigError, DivergenceError
    from ..losses import BinaryCrossEntropy
    from ..metrics import accuracy
    from ..models import Logistic
    from ..train import Trainer

    loss = BinaryCrossEntropy(l2=l2)
    built = {}
    for name, lr in entries:
        opt = optim.make(name, lr=lr)
        label = name if lr is None else f"{name} (lr {lr})"
        if label in built:
            raise ConfigError(f"--optimizers lists {label} twice")
        built[label] = opt
    histories, models, results = {}, {}, []
    for label, opt in built.items():
        models[label] = Logistic(train.n)
        try:
            # A short warm-up first, so one-time costs (an import on first use, a JIT
            # compilation) are not charged to the timed run.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                Trainer(Logistic(train.n), loss, opt).fit(
                    train.X, train.y, iterations=2, progress=False
                )
            histories[label] = Trainer(models[label], loss, opt).fit(
                train.X, train.y, iterations=iterations, record_every=1, progress=progress
            )
        except DivergenceError:
            nan = math.nan
            results.append(Result(label, 0, nan, nan, nan, nan, None, None, 0, 0, "diverged"))
    if not histories:
        return results, histories
    target = _finish_line(histories)
    for label, h in histories.items():
        model = models[label]
        steps, seconds = _reached(h, target)
        results.append(
            Result(
                label,
                h.iterations,
                h.final_cost,
                100 * accuracy(train.y, model.predict(train.X)),
                100 * accuracy(test.y, model.predict(test.X)),
                h.times[-1] if h.times else h.seconds,
                steps,
                seconds,
                h.evaluations.grad,
                h.evaluations.hessian,
                h.stop_reason,
            )
        )
    return results, histories


def run(args: argparse.Namespace) -> int:
    """Race, print the results table, write the CSV and plot when asked."""
    from ..errors import ConfigError
    from .train import prepare

    csv_path = check_output_path(args.csv, "--csv")
    plot_path = check_plot_path(args.plot)
    train, test, _ = prepare(args)
    if not (math.isfinite(args.l2) and args.l2 >= 0):
        raise ConfigError(f"--l2 must be a finite number >= 0, got {args.l2}")
    results, histories = race(
        train,
        test,
        args.optimizers,
        args.iterations,
        args.l2,
        progress=False if args.json else None,
    )
    if csv_path is not None:
        write_csv(
            csv_path,
            ["optimizer", "iteration", "cost", "seconds"],
            (
                [label, i, c, t]
                for label, h in histories.items()
                for (i, c), t in zip(h.costs, h.times, strict=True)
            ),
        )
    task = f"digit {args.digit} vs rest"
    if plot_path is not None and histories:
        from ..plots import optimizer_race

        optimizer_race(
            histories, title=f"Optimizer race: {task}, {train.m} examples", path=plot_path
        )
    if args.json:
        print_json(
            {
                "data": args.data or "embedded digits",
                "task": task,
                "n_train": train.m,
                "n_test": test.m,
                "iterations": args.iterations,
                "results": [asdict(r) for r in results],
                "costs": {k: [[i, c] for i, c in h.costs] for k, h in histories.items()},
                "times": {k: h.times for k, h in histories.items()},
            }
        )
        return 0
    print(
        f"data: {args.data or 'embedded digits'}, {task}: {train.m} train / {test.m} test; "
        f"cost: mean cross-entropy + {args.l2:g}/2 |w|^2; at most {args.iterations} "
        "iterations each, from zero parameters\n"
    )
    head = (
        "optimizer",
        "steps",
        "final cost",
        "train %",
        "test %",
        "ms",
        "to 99%",
        "ms to 99%",
        "grads",
        "hessians",
        "stopped because",
    )
    rows = [
        [
            r.optimizer,
            str(r.steps),
            f"{r.final_cost:.5f}",
            f"{r.train_accuracy:.2f}",
            f"{r.test_accuracy:.2f}",
            f"{1e3 * r.seconds:.1f}",
            "-" if r.steps_to_finish is None else str(r.steps_to_finish),
            "-" if r.seconds_to_finish is None else f"{1e3 * r.seconds_to_finish:.1f}",
            str(r.gradients),
            str(r.hessians),
            r.stop_reason,
        ]
        for r in results
    ]
    widths = [max(len(row[i]) for row in [list(head), *rows]) for i in range(len(head))]
    for row in [list(head), *rows]:
        print(
            "  ".join(
                c.ljust(w) if i in (0, 10) else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            ).rstrip()
        )
    finishers = [r for r in results if r.seconds_to_finish is not None]
    print(
        f"\n'to 99%': steps (and ms) until the cost closed {FINISH:.0%} of the gap between the "
        "start and the best final cost of the race."
    )
    if finishers:
        fastest = min(finishers, key=lambda r: r.seconds_to_finish)
        fewest = min(finishers, key=lambda r: r.steps_to_finish)
        print(
            f"Fewest steps: {fewest.optimizer} ({fewest.steps_to_finish}); fastest: "
            f"{fastest.optimizer} ({1e3 * fastest.seconds_to_finish:.1f} ms)."
        )
    if csv_path is not None:
        print(f"costs written to {csv_path}")
    if plot_path is not None and histories:
        print(f"race plot written to {plot_path}")
    return 0
