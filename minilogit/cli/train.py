"""`minilogit train`: the article's experiment, from the command line."""

from __future__ import annotations

import argparse
from typing import Any

from .common import (
    add_data_options,
    add_split_options,
    check_output_path,
    check_plot_path,
    learning_rate,
    load_data,
    positive_int,
    print_json,
)


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `train` subcommand."""
    from ..optim import OPTIMIZERS, SCHEDULES

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
    p.add_argument(
        "--strategy",
        choices=("softmax", "ovr"),
        help="with --multiclass: one softmax model (default) or one binary model per class",
    )
    p.add_argument("--optimizer", default="gd", choices=sorted(OPTIMIZERS), help="default gd")
    p.add_argument(
        "--lr",
        type=learning_rate,
        default=None,
        help="learning rate, or 'auto' for the safe step 1/L (default: auto for gd, momentum "
        "and nesterov, the optimizer's own default otherwise)",
    )
    p.add_argument(
        "--schedule",
        choices=SCHEDULES,
        help="decay the learning rate over the run: step (halve every quarter), exponential "
        "(to 1%%), inverse-time (to 1/11), cosine (to 0); default constant",
    )
    p.add_argument(
        "--batch-size",
        type=positive_int,
        metavar="B",
        help="mini-batches of B rows, reshuffled every epoch from --seed (default: all rows)",
    )
    p.add_argument("--iterations", type=positive_int, default=500, help="default 500")
    p.add_argument("--record-every", type=positive_int, default=100, help="default 100")
    p.add_argument("--l2", type=float, default=0.0, help="L2 penalty on w (default 0)")
    p.add_argument(
        "--gradient", choices=("analytic", "autodiff"), default="analytic", help="default analytic"
    )
    p.add_argument(
        "--backend",
        choices=("numpy", "jax"),
        default="numpy",
        help="numpy (default) or jax: the whole step compiled, for large data",
    )
    p.add_argument(
        "--dtype",
        choices=("float64", "float32"),
        default="float64",
        help="float64 (default) or float32 (with --backend jax: faster, less precise)",
    )
    add_split_options(p)
    p.add_argument("--plot", metavar="PNG", help="save the cost curve to this PNG")
    p.add_argument("--save", metavar="MODEL", help="save the trained model (.npz)")
    p.add_argument("--json", action="store_true", help="print one JSON object, no progress bar")
    p.set_defaults(run=run)


def prepare(args: argparse.Namespace) -> tuple[Any, Any, float]:
    """Load, relabel, split and scale the data as the options say: `(train, test, seconds)`."""
    train, test, seconds, _ = prepare_scaled(args)
    return train, test, seconds


def prepare_scaled(args: argparse.Namespace) -> tuple[Any, Any, float, Any]:
    """Like `prepare`, plus the training part's `(mean, std)` (None with `--scale none`).

    A saved model keeps them, so `minilogit predict` scales new data the same way.
    """
    from ..data import feature_stats

    dataset, seconds = load_data(args)
    if not args.multiclass:
        dataset = dataset.one_vs_rest(args.digit)
    if args.split == "head":
        train, test = dataset.split_head(dataset.m - round(args.test_size * dataset.m))
    else:
        train, test = dataset.split(args.test_size, seed=args.seed)
    scaling = None
    if args.scale == "standard":
        scaling = feature_stats(train.X)
        train, test = train.standardized(), test.standardized(reference=train)
    return train, test, seconds, scaling


def run(args: argparse.Namespace) -> int:
    """Train, then print the article's two lines (or one JSON object with `--json`)."""
    from .. import optim
    from ..errors import ConfigError
    from ..losses import BinaryCrossEntropy
    from ..metrics import accuracy, classification_report
    from ..models import Logistic
    from ..train import STOP_REASONS, Trainer

    plot_path = check_plot_path(args.plot)
    save_path = check_output_path(args.save, "--save")
    if args.strategy is not None and not args.multiclass:
        raise ConfigError("--strategy applies to --multiclass training only")
    if args.strategy == "ovr" and (args.backend, args.dtype) != ("numpy", "float64"):
        raise ConfigError("--strategy ovr trains with the numpy backend: drop --backend/--dtype")
    if args.dtype == "float32" and args.backend != "jax":
        raise ConfigError("--dtype float32 needs --backend jax")
    train, test, seconds_load, scaling = prepare_scaled(args)
    lr = optim.default_lr(args.optimizer) if args.lr is None else args.lr
    if args.schedule is not None:
        if args.optimizer in ("newton", "lbfgs"):
            raise ConfigError(
                f"--schedule applies to first-order optimizers; {args.optimizer} chooses its "
                "steps by line search"
            )
        lr = optim.make_schedule(args.schedule, lr, args.iterations)
    optimizer = optim.make(args.optimizer, lr=lr)
    fit_options = {
        "iterations": args.iterations,
        "record_every": args.record_every,
        "batch_size": args.batch_size,
        "progress": False if args.json else None,
        "seed": args.seed,
    }
    if args.multiclass:
        model, loss, history, classes = _fit_multiclass(args, train, test, optimizer, fit_options)
    else:
        model, loss, classes = Logistic(train.n), BinaryCrossEntropy(l2=args.l2), None
        trainer = Trainer(model, loss, optimizer, **_trainer_options(args))
        history = trainer.fit(train.X, train.y, eval_set=(test.X, test.y), **fit_options)
    result = {
        "data": args.data or "embedded digits",
        "task": (
            f"multiclass ({args.strategy or 'softmax'})"
            if args.multiclass
            else f"digit {args.digit} vs rest"
        ),
        "split": args.split,
        "n_train": train.m,
        "n_test": test.m,
        "optimizer": repr(optimizer),
        "lr": lr if isinstance(lr, (int, float, str)) else repr(lr),
        "train_accuracy": 100 * accuracy(train.y, _predict(model, classes, train.X)),
        "test_accuracy": 100 * accuracy(test.y, _predict(model, classes, test.X)),
        "final_cost": history.final_cost,
        "iterations": history.iterations,
        "stop_reason": history.stop_reason,
        "grad_norm": history.grad_norm,
        "costs": [[i, c] for i, c in history.costs],
        "seconds_load": seconds_load,
        "seconds_train": history.seconds,
    }
    report = None
    if args.multiclass:
        report = classification_report(test.y, _predict(model, classes, test.X), labels=classes)
        result["classes"] = classes.tolist()
        result["per_class"] = {
            str(label): {
                **{k: float(row[k]) for k in ("precision", "recall", "f1")},
                "support": int(row["support"]),
            }
            for label, row in report.iloc[: classes.size].iterrows()
        }
        result["macro_f1"] = float(report.loc["macro avg", "f1"])
    if plot_path is not None:
        from ..plots import cost_curve

        cost_curve(history, title=f"{result['task']}, {optimizer!r}", path=plot_path)
    if save_path is not None:
        from ..persist import save

        mean, std = scaling if scaling is not None else (None, None)
        info = {"task": result["task"], "positive_label": None if args.multiclass else args.digit}
        save(save_path, model, loss, optimizer, classes=classes, mean=mean, std=std, info=info)
    if args.json:
        print_json(result)
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
    if report is not None:
        print("per-class results on the test part:")
        print(report.to_string(float_format=lambda v: f"{v:.3f}"))
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


def _fit_multiclass(
    args: argparse.Namespace, train: Any, test: Any, optimizer: Any, fit_options: dict
) -> tuple[Any, Any, Any, Any]:
    """Train softmax or one-vs-rest on all labels: `(model, loss, history, classes)`."""
    import numpy as np

    from ..errors import DataError
    from ..losses import BinaryCrossEntropy, CrossEntropy
    from ..multiclass import OneVsRest, Softmax, total_history
    from ..train import Trainer

    classes = train.classes
    unseen = np.setdiff1d(test.classes, classes)
    if unseen.size:
        raise DataError(
            f"labels {unseen.tolist()} occur in the test part but not in the training part; "
            "use --split stratified so every class is trained on"
        )
    if classes.size < 2:
        raise DataError(f"the training part holds only label {classes[0]}; need two or more")
    if args.strategy == "ovr":
        model, loss = OneVsRest(train.n, classes), BinaryCrossEntropy(l2=args.l2)
        histories = model.fit(
            train.X,
            train.y,
            optimizer,
            l2=args.l2,
            gradient=args.gradient,
            eval_set=(test.X, test.y),
            **fit_options,
        )
        return model, loss, total_history(histories), classes
    model, loss = Softmax(train.n, classes.size), CrossEntropy(l2=args.l2)
    index = np.searchsorted(classes, train.y), np.searchsorted(classes, test.y)
    trainer = Trainer(model, loss, optimizer, **_trainer_options(args))
    history = trainer.fit(train.X, index[0], eval_set=(test.X, index[1]), **fit_options)
    return model, loss, history, classes


def _predict(model: Any, classes: Any, X: Any) -> Any:
    """Labels: the model's own for a binary model, else the class with the largest logit."""
    if classes is None:
        return model.predict(X)
    return classes[model.decision_function(X).argmax(axis=1)]


def _trainer_options(args: argparse.Namespace) -> dict[str, str]:
    """The `Trainer` settings the options choose: gradient, backend and dtype."""
    return {"gradient": args.gradient, "backend": args.backend, "dtype": args.dtype}
