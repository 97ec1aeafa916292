"""`minilogit predict`: labels from a model saved by `minilogit train --save`."""

from __future__ import annotations

import argparse
import sys

from .common import add_data_options, load_data, print_json


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `predict` subcommand."""
    p = sub.add_parser(
        "predict",
        help="predict labels with a saved model",
        description="Predict a label for every row of a data set (default: the embedded "
        "digits) with a model saved by `minilogit train --save`, scaled as in training; "
        "print one prediction a line, then the accuracy against the data's labels.",
    )
    p.add_argument("--model", metavar="FILE", required=True, help="a saved model (.npz)")
    add_data_options(p)
    p.add_argument(
        "--json", action="store_true", help="print one JSON object: predictions and accuracy"
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Load the model, then the data; print the predictions and the accuracy."""
    import numpy as np

    from ..errors import DataError
    from ..metrics import accuracy
    from ..persist import load

    saved = load(args.model)
    dataset, _ = load_data(args)
    n = saved.model.n_features
    if dataset.n != n:
        raise DataError(
            f"{args.data or 'the embedded digits'} has {dataset.n} features but the model in "
            f"{args.model} expects {n}; use the kind of data it was trained on"
        )
    predictions = saved.predict(dataset.X)
    positive = saved.metadata["info"].get("positive_label")
    # A binary "digit D vs rest" model predicts 0/1: compare with "is the label D?".
    truth = dataset.y if positive is None else (dataset.y == positive).astype(np.int64)
    score = accuracy(truth, predictions)
    task = saved.metadata["info"].get("task", saved.metadata["model"])
    if args.json:
        out = {
            "model": args.model,
            "task": task,
            "predictions": predictions.tolist(),
            "accuracy": 100 * score,
            "n": int(dataset.m),
        }
        print_json(out)
        return 0
    sys.stdout.write("".join(f"{p}\n" for p in predictions.tolist()))
    correct = int(np.sum(truth == predictions))
    sys.stderr.write(
        f"{task}: accuracy {100 * score:.2f} % ({correct} of {dataset.m} rows) against the "
        "labels in the data\n"
    )
    return 0
