"""`minilogit train`: the article's experiment, from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from .common import (
    add_data_options,
    check_output_path,
    fraction,
    learning_rate,
    load_data,
    positive_int,
)


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `train` subcommand."""
    from ..optim import OPTIMIZERS

    p = sub.add_parser(
        "train",
        help="train a classifier and print train/test accuracy",
        description="Train logistic regression on a workbook (default: the embedded digits) "
        "and print train/test accuracy like the article.",
    )
    add_data_options(p)
    task = p.add_mutually_exclusive_group()
    task.add_argument("--digit", type=int, default=1, help="the positive label (default 1)")
    task.add_argument("--multiclass", action="store_true", help="all classes at once")
    p.add_argument("--optimizer", default="gd", choices=sorted(OPTIMIZERS), help="default gd")
    p.add_argument(
        "--lr",
        type=learning_rate,
        default="auto",
        help="learning rate, or 'auto' for the safe step 1/L (default auto)",
    )
    p.add_argument("--iterations", type=positive_int, default=500, help="default 500")
    p.add_argument("--record-every", type=positive_int, default=100, help="default 100")
    p.add_argument("--l2", type=float, default=0.0, help="L2 penalty on w (default 0)")
    p.add_argument(
        "--gradient", choices=("analytic", "autodiff"), default="analytic", help="default analytic"
    )
    p.add_argument(
        "--split",
        choices=("stratified", "head"),
        default="stratified",
        help="stratified shuffle (default) or the article's 'first rows train'",
    )
    p.add_argument("--test-size", type=fraction, default=0.2, help="default 0.2")
    p.add_argument(
        "--scale",
        choices=("standard", "none"),
        default="standard",
        help="standardize features with the training part's mean/std (default) or not",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the split (default 0)")
    p.add_argument("--plot", metavar="PNG", help="save the cost curve to this PNG")
    p.add_argument("--save", metavar="MODEL", help="save the trained model (.npz)")
    p.add_argument("--json", action="store_true", help="print one JSON object, no progress bar")
    p.set_defaults(run=run)


def prepare(args: argparse.Namespace) -> tuple[Any, Any, float]:
    """Load, relabel, split and scale the data as the options say: `(train, test, seconds)`."""
    dataset, seconds = load_data(args)
    if not args.multiclass:
        dataset = dataset.one_vs_rest(args.digit)
    if args.split == "head":
        train, test = dataset.split_head(dataset.m - round(args.test_size * dataset.m))
    else:
        train, test = dataset.split(args.test_size, seed=args.seed)
    if args.scale == "standard":
        train, test = train.standardized(), test.standardized(reference=train)
    return train, test, seconds


def run(args: argparse.Namespace) -> int:
    """Train, then print the article's two lines (or one JSON object with `--json`)."""
    from .. import optim
    from ..losses import BinaryCrossEntropy
    from ..metrics import accuracy
    from ..models import Logistic
    from ..train import STOP_REASONS, Trainer

    plot_path = check_output_path(args.plot, "--plot")
    save_path = check_output_path(args.save, "--save")
    if args.multiclass:
        from ..errors import ConfigError

        raise ConfigError("--multiclass is not available yet; train one digit with --digit")
    train, test, seconds_load = prepare(args)
    model = Logistic(train.n)
    loss = BinaryCrossEntropy(l2=args.l2)
    optimizer = optim.make(args.optimizer, lr=args.lr)
    trainer = Trainer(model, loss, optimizer, gradient=args.gradient)
    history = trainer.fit(
        train.X,
        train.y,
        iterations=args.iterations,
        record_every=args.record_every,
        eval_set=(test.X, test.y),
        progress=False if args.json else None,
        seed=args.seed,
    )
    result = {
        "data": args.data or "embedded digits",
        "task": "multiclass" if args.multiclass else f"digit {args.digit} vs rest",
        "split": args.split,
        "n_train": train.m,
        "n_test": test.m,
        "optimizer": repr(optimizer),
        "lr": args.lr,
        "train_accuracy": 100 * accuracy(train.y, model.predict(train.X)),
        "test_accuracy": 100 * accuracy(test.y, model.predict(test.X)),
        "final_cost": history.final_cost,
        "iterations": history.iterations,
        "stop_reason": history.stop_reason,
        "grad_norm": history.grad_norm,
        "costs": [[i, c] for i, c in history.costs],
        "seconds_load": seconds_load,
        "seconds_train": history.seconds,
    }
    if plot_path is not None:
        from ..plots import cost_curve

        cost_curve(history, title=f"{result['task']}, {optimizer!r}", path=plot_path)
    if save_path is not None:
        from ..persist import save

        save(save_path, model, loss=loss, optimizer=optimizer)
    if args.json:
        json.dump(result, sys.stdout)
        sys.stdout.write("\n")
        return 0
    print(
        f"data: {result['data']}, {result['task']}, {args.split} split: "
        f"{train.m} train / {test.m} test (loaded in {seconds_load:.2f} s)"
    )
    print(f"model: {model!r}, {loss!r}, {optimizer!r}, {args.gradient} gradient")
    for i, cost in history.costs:
        print(f"cost after iteration {i}: {cost:.6f}")
    print(f"train accuracy: {result['train_accuracy']:.2f} %")
    print(f"test accuracy: {result['test_accuracy']:.2f} %")
    print(
        f"stopped after {history.iterations} iterations ({STOP_REASONS[history.stop_reason]}); "
        f"final cost {history.final_cost:.6f}, gradient norm {history.grad_norm:.3g}, "
        f"{history.seconds:.2f} s"
    )
    if plot_path is not None:
        print(f"cost curve written to {plot_path}")
    if save_path is not None:
        print(f"model saved to {save_path}")
    return 0
