"""The article's learning-rate experiment: which rate balances train and test accuracy?

The article trains "is this a 1?" with several learning rates and iteration counts, and picks
0.015 because its train and test accuracy were "more even". Here each rate is trained once for
the largest count; the smaller counts are read from the same run's records. (The command
`minilogit sweep` does the same with a table, a CSV and a plot.)

Run:  python examples/lr_sweep.py [--out DIR]
"""

import argparse
import tempfile
from pathlib import Path

import minilogit as ml

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--out", type=Path, default=None, help="folder for the figure (default: temp)")
out = parser.parse_args().out or Path(tempfile.mkdtemp(prefix="minilogit-sweep-"))

data = ml.datasets.load_digits().one_vs_rest(1)
train, test = data.split(test_size=0.2, seed=0)  # stratified: ones in both parts
train, test = train.standardized(), test.standardized(reference=train)  # train's mean/std

RATES = (0.001, 0.005, 0.015, 0.05)
COUNTS = (100, 500, 1000)
histories, final = {}, {}
print("learning rate  iterations  train acc %  test acc %")
for lr in RATES:
    model = ml.Logistic(train.n)
    trainer = ml.Trainer(model, ml.losses.BinaryCrossEntropy(), ml.optim.GradientDescent(lr))
    # Record every 10 steps: every count in COUNTS is a record point (except the last, which
    # is the end of the run), and the cost curves get 100 points.
    history = trainer.fit(
        train.X, train.y, iterations=max(COUNTS), record_every=10, eval_set=(test.X, test.y)
    )
    histories[lr] = history
    train_acc, test_acc = dict(history.train_accuracy), dict(history.eval_accuracy)
    train_acc[max(COUNTS)] = ml.metrics.accuracy(train.y, model.predict(train.X))
    test_acc[max(COUNTS)] = ml.metrics.accuracy(test.y, model.predict(test.X))
    for n in COUNTS:
        print(f"{lr:<13g}  {n:>10d}  {100 * train_acc[n]:>11.2f}  {100 * test_acc[n]:>10.2f}")
    final[lr] = (100 * train_acc[max(COUNTS)], 100 * test_acc[max(COUNTS)])

# The article's criterion, made explicit: among the rates that test well (within 1 point of the
# best test accuracy after the longest run), take the one whose train and test accuracy are
# closest.
best_test = max(te for _, te in final.values())
balanced = min(
    (lr for lr, (_, te) in final.items() if te >= best_test - 1.0),
    key=lambda lr: abs(final[lr][0] - final[lr][1]),
)
tr, te = final[balanced]
print(
    f"\nAfter {max(COUNTS)} iterations, lr {balanced:g} balances train ({tr:.2f} %) and test "
    f"({te:.2f} %) accuracy best among the rates within 1 point of the best test accuracy."
)

path = out / "lr_sweep.png"
ml.plots.learning_rate_curves(histories, title="Digit 1 vs rest: cost per learning rate", path=path)
print(f"figure written to {path}")
