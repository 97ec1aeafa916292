"""Swap the optimizer in one line and watch what changes.

Trains the same model (logistic regression, "is this digit a 1?", on the embedded digits) with
every optimizer in `minilogit.optim`, from the same zero start, and prints one row each:
final cost, train/test accuracy, steps taken, gradient evaluations and wall time.

    python examples/swap_optimizers.py [--iterations 300] [--l2 0.001]

What to look for: the 1/L-step methods (gd, momentum, nesterov) creep towards the optimum;
momentum gets there faster; the adaptive methods depend on their learning rate; Newton hits
the optimum to float64 precision in about ten steps, and L-BFGS in under a hundred cheap ones.
"""

from __future__ import annotations

import argparse
import warnings

import minilogit as ml
from minilogit import optim


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--l2", type=float, default=1e-3)
    args = parser.parse_args()

    train, test = ml.datasets.load_digits().one_vs_rest(1).split(0.2, seed=0)
    train, test = train.standardized(), test.standardized(reference=train)
    loss = ml.losses.BinaryCrossEntropy(l2=args.l2)

    print(f"{train.m} train / {test.m} test rows, {train.n} features, {loss!r}\n")
    header = f"{'optimizer':<44} {'final cost':>12} {'train %':>8} {'test %':>7}"
    print(f"{header} {'steps':>6} {'grads':>6} {'seconds':>8}  stopped because")
    for name in optim.OPTIMIZERS:
        optimizer = optim.make(name)  # the one line that changes
        model = ml.Logistic(train.n)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ml.ConvergenceWarning)  # the table says it
            history = ml.Trainer(model, loss, optimizer).fit(
                train.X, train.y, iterations=args.iterations
            )
        train_acc = 100 * ml.metrics.accuracy(train.y, model.predict(train.X))
        test_acc = 100 * ml.metrics.accuracy(test.y, model.predict(test.X))
        label = repr(optimizer) if len(repr(optimizer)) <= 44 else f"{name} (defaults)"
        print(
            f"{label:<44} {history.final_cost:>12.8f} {train_acc:>8.2f} {test_acc:>7.2f} "
            f"{history.iterations:>6} {history.evaluations.grad:>6} {history.seconds:>8.3f}  "
            f"{ml.train.STOP_REASONS[history.stop_reason]}"
        )


if __name__ == "__main__":
    main()
