"""`minilogit gradcheck`: the hand-derived gradient against `jax.grad` and finite differences.

Exit status 0 when all three agree in every parameter block, 1 when they do not (like a test),
2 for a usage error. `--mutate NAME` swaps in one of the classic derivation mistakes of
`minilogit.mutations` so students can watch the check catch it.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import textwrap
from typing import Any

import numpy as np

from .common import add_data_options, load_data, positive_int, print_json

#: Relative-error bands `(upper bound, grade, meaning)`, checked in order.
BANDS = (
    (1e-7, "good", "agree to rounding error"),
    (1e-4, "ok", "agree to finite-difference accuracy"),
    (1e-2, "suspicious", "probably a bug (or a badly chosen eps)"),
    (math.inf, "wrong", "the gradients disagree"),
)
#: Grades that count as agreement for the exit status.
PASSING = ("good", "ok")
_COLOURS = {"good": "32", "ok": "36", "suspicious": "33", "wrong": "31"}
_PAIRS = ("analytic_vs_autodiff", "analytic_vs_numeric", "autodiff_vs_numeric")


def grade(error: float) -> str:
    """The band of a relative error: `good`, `ok`, `suspicious` or `wrong` (nan is wrong).

    Example:
        >>> [grade(e) for e in (1e-12, 1e-6, 1e-3, 0.5, float("nan"))]
        ['good', 'ok', 'suspicious', 'wrong', 'wrong']
    """
    for bound, name, _ in BANDS:
        if error < bound:
            return name
    return "wrong"


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `gradcheck` subcommand."""
    from ..mutations import MUTATIONS

    p = sub.add_parser(
        "gradcheck",
        help="check the hand-derived gradient against jax.grad and finite differences",
        description=textwrap.fill(
            "Compare the hand-derived gradient with jax.grad of the same cost and with central "
            "differences, block by block, on a small seeded batch with random non-zero "
            "parameters. Exit status 0 when all agree, 1 when not.",
            79,
        ),
        epilog="mistakes for --mutate:\n"
        + "\n".join(
            textwrap.fill(f"{name}: {line}", 79, initial_indent="  ", subsequent_indent="    ")
            for name, line in MUTATIONS.items()
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_data_options(p)
    p.add_argument("--loss", choices=("binary", "softmax"), default="binary", help="default binary")
    p.add_argument("--mutate", choices=tuple(MUTATIONS), metavar="BUG", help="inject a mistake")
    p.add_argument("--digit", type=int, default=1, help="positive label of the binary task")
    p.add_argument(
        "--rows",
        type=positive_int,
        help="batch size (default: the number of features, a square batch, so the "
        "'transpose' mistake runs instead of raising a shape error)",
    )
    p.add_argument(
        "--l2", type=float, default=0.1, help="L2 penalty (default 0.1, so penalize-bias shows)"
    )
    p.add_argument("--eps", type=float, default=1e-6, help="finite-difference step (1e-6)")
    p.add_argument("--seed", type=int, default=0, help="seed of the batch and parameters")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=run)


def _problem(args: argparse.Namespace) -> tuple[Any, dict, np.ndarray, np.ndarray, str]:
    """The loss, random parameters and a seeded batch: `(loss, params, X, y, task)`."""
    from .. import losses
    from ..errors import ConfigError
    from ..mutations import Mutated

    if not (np.isfinite(args.eps) and 0 < args.eps < 1):
        raise ConfigError(f"--eps must be a number in (0, 1), got {args.eps}")
    if not (np.isfinite(args.l2) and args.l2 >= 0):
        raise ConfigError(f"--l2 must be a finite number >= 0, got {args.l2}")
    dataset, _ = load_data(args)
    if args.loss == "binary":
        dataset = dataset.one_vs_rest(args.digit)
        task, loss = f"digit {args.digit} vs rest", losses.BinaryCrossEntropy(l2=args.l2)
        w_shape: tuple[int, ...] = (dataset.n,)
        y = dataset.y
    else:
        classes, y = np.unique(dataset.y, return_inverse=True)
        task, loss = f"{classes.size} classes", losses.CrossEntropy(l2=args.l2)
        w_shape = (dataset.n, classes.size)
    if args.mutate is not None:
        loss = Mutated(loss, args.mutate)
    rng = np.random.default_rng(args.seed)
    rows = args.rows or dataset.n
    pick = rng.choice(dataset.m, rows, replace=rows > dataset.m)
    X = dataset.standardized().X[pick]
    # Random, clearly non-zero parameters: at w = 0, b = 0 some mistakes vanish (a(1 - a) is
    # 1/4 everywhere, b * l2 is 0). Logits stay near N(0, 1), far from saturation.
    w = rng.normal(0.0, 1.0 / math.sqrt(dataset.n), w_shape)
    b = rng.choice([-1.0, 1.0], w_shape[1:]) * rng.uniform(0.5, 1.5, w_shape[1:])
    return loss, {"w": w, "b": np.asarray(b)}, X, y[pick], task


def run(args: argparse.Namespace) -> int:
    """Print the comparison table and a verdict; 0 if every block agrees, else 1."""
    from ..gradients import check
    from ..mutations import MUTATIONS

    loss, params, X, y, task = _problem(args)
    table = check(loss, params, X, y, eps=args.eps)
    grades = {(b, c): grade(table.loc[b, c]) for b in table.index for c in _PAIRS}
    passed = all(g in PASSING for g in grades.values())
    verdict = _verdict(table, grades)
    if args.json:
        blocks = {
            b: {"shape": list(np.shape(params[b])), "norm": float(table.loc[b, "norm"])}
            | {c: float(table.loc[b, c]) for c in _PAIRS}
            | {f"{c}_grade": grades[b, c] for c in _PAIRS}
            for b in table.index
        }
        out = {
            "loss": repr(loss),
            "mutation": args.mutate,
            "rows": int(X.shape[0]),
            "features": int(X.shape[1]),
            "blocks": blocks,
            "passed": passed,
            "verdict": verdict,
        }
        print_json(out)
        return 0 if passed else 1
    paint = _painter(sys.stdout)
    print(
        f"gradient check of {loss!r}, {task}, on {X.shape[0]} rows x {X.shape[1]} features of "
        f"{args.data or 'the embedded digits'} (standardized), random parameters (seed {args.seed})"
    )
    if args.mutate:
        print(f"injected mistake {args.mutate!r}: {MUTATIONS[args.mutate]}")
    print(
        "analytic = the hand-derived loss.grad, autodiff = jax.grad of loss.value, "
        f"numeric = central differences (eps {args.eps:g}); relative errors:"
    )
    header = [
        "block",
        "shape",
        "|grad|",
        "analytic~autodiff",
        "analytic~numeric",
        "autodiff~numeric",
    ]
    rows = [
        [b, str(np.shape(params[b])), f"{table.loc[b, 'norm']:.4g}"]
        + [f"{table.loc[b, c]:.1e} {grades[b, c]}" for c in _PAIRS]
        for b in table.index
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    print("  ".join(h.ljust(wd) for h, wd in zip(header, widths, strict=True)))
    for r in rows:
        cells = [c.ljust(wd) for c, wd in zip(r, widths, strict=True)]
        for i, c in enumerate(_PAIRS, start=3):
            cells[i] = paint(cells[i], grades[r[0], c])
        print("  ".join(cells).rstrip())
    print(
        "bands: "
        + ", ".join(f"< {bound:.0e} {name}" for bound, name, _ in BANDS[:-1])
        + f", otherwise {BANDS[-1][1]}"
    )
    print(paint(verdict, "good" if passed else "wrong"))
    return 0 if passed else 1


def _verdict(table: Any, grades: dict[tuple[str, str], str]) -> str:
    """One sentence: do they agree, and if not, which side is to blame."""
    bad = [b for b in table.index if any(grades[b, c] not in PASSING for c in _PAIRS)]
    if not bad:
        return "PASS: the hand-derived gradient agrees with jax.grad and finite differences."
    worst = max(bad, key=lambda b: table.loc[b, "analytic_vs_autodiff"])
    where = ", ".join(bad)
    if all(grades[b, "autodiff_vs_numeric"] in PASSING for b in bad):
        return (
            f"FAIL in block(s) {where}: jax.grad and finite differences agree with each other "
            f"but not with the hand-derived gradient (relative error "
            f"{table.loc[worst, 'analytic_vs_autodiff']:.2g} in {worst}): the mistake is in "
            "grad, not in value."
        )
    return (
        f"FAIL in block(s) {where}: even jax.grad and finite differences disagree, so the "
        "cost itself is not smooth here or --eps is badly chosen."
    )


def _painter(stream: Any) -> Any:
    """Colour text by grade, on a terminal only (and never with NO_COLOR set)."""
    if not (stream.isatty() and "NO_COLOR" not in os.environ):
        return lambda text, grade_name: text
    return lambda text, grade_name: f"\033[{_COLOURS[grade_name]}m{text}\033[0m"
