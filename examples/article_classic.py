"""The article "Using Logistic Regression for Image Classification", end to end, with its traps.

The article reads a workbook of digit images sorted by label, asks "is this a 1?", trains on the
first rows and tests on the last ones with its six functions (`sigmoid`, `initialize_with_zeros`,
`propagate`, `optimize`, `predict`, `model`). `minilogit.classic` keeps those names and the
article's layout (one example per COLUMN: X is (n, m)). Here we rerun it on the embedded digits
and show, with numbers, the two traps in the original and how they are fixed.

Run:  python examples/article_classic.py [--out DIR]
"""

import argparse
import tempfile
import warnings
from pathlib import Path

import numpy as np

import minilogit as ml
from minilogit import classic

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--out", type=Path, default=None, help="folder for the figure (default: temp)")
out = parser.parse_args().out or Path(tempfile.mkdtemp(prefix="minilogit-article-"))

# --- 1. A workbook like the article's --------------------------------------------------------
# The article's dataset.xlsx holds 500 images of each digit, one digit after another. We build the
# same kind of table from the embedded 8x8 digits by sorting the rows by label.
digits = ml.datasets.load_digits()
workbook = digits.subset(np.argsort(digits.y, kind="stable"))
ones = workbook.one_vs_rest(1)  # the article's loop: label 1 stays 1, every other label becomes 0
PIXEL_MAX = 16.0  # pixels are 0..16; the article's images are roughly 0..1, so scale alike


def article_layout(part: ml.Dataset) -> tuple[np.ndarray, np.ndarray]:
    """(n, m) features and (1, m) labels: one example per column, as in the article."""
    return part.X.T / PIXEL_MAX, part.y[np.newaxis, :].astype(float)


def report(name: str, train: ml.Dataset, test: ml.Dataset, lr: float) -> dict:
    """Train like the article (500 iterations from zeros) and print what the test set says."""
    d = classic.model(
        *article_layout(train),
        *article_layout(test),
        num_iterations=500,
        learning_rate=lr,
        verbose=False,
    )
    baseline = 100 * np.mean(test.y == 0)  # a "model" that always answers "not a 1"
    print(
        f"{name}, lr {lr}: train {d['train_accuracy']:.2f} %, test {d['test_accuracy']:.2f} %"
        f"  (the test part holds {int(test.y.sum())} ones; always answering 'not a 1' "
        f"scores {baseline:.2f} %)"
    )
    return d


# --- 2. Trap 1: "the first rows train, the last rows test" on a sorted workbook ---------------
# The article trains on rows 0..3999 and tests on 4000..4999. Sorted by label, the last rows are
# all the same few digits: here the last 20 % are 7s, 8s and 9s, and not a single 1.
n_train = round(0.8 * ones.m)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    head_train, head_test = ones.split_head(n_train)  # minilogit warns about exactly this
print("The article's split (first 80 % of rows train, the rest test):")
for w in caught:
    print(f"  warning: {w.message}")
report("  head split", head_train, head_test, lr=0.005)
# 100 % test accuracy, yet the model learned nothing: its train accuracy equals the share of
# non-ones, i.e. it answers "not a 1" everywhere, and a test set without ones cannot notice.

# The fix: shuffle, and keep each class's share in both parts (a stratified split).
train, test = ones.split(test_size=0.2, seed=0)
print("A stratified split (every digit in both parts, in the same proportion):")
report("  stratified", train, test, lr=0.005)  # now the test set exposes the lazy model
d = report("  stratified", train, test, lr=0.5)  # and a larger step really learns
# With 64 features in 0..1 the article's rate 0.005 is too small for 500 steps; the safe step
# 1/L (`lr="auto"` elsewhere in minilogit) would be chosen from the data instead of by hand.

# --- 3. Trap 2: log(0) turns the cost into nan --------------------------------------------------
# The article's cost is -1/m * sum(Y log A + (1 - Y) log(1 - A)) with A = 1 / (1 + exp(-z)).
# On unscaled pixels (0..16) with a large step the logits grow to hundreds; A then rounds to
# exactly 1.0 in float64, log(1 - A) = log(0) = -inf, and 0 * -inf = nan.
X, Y = workbook.X.T, ones.y[np.newaxis, :].astype(float)  # raw pixels this time
w, b = classic.initialize_with_zeros(X.shape[0])
params, _, _ = classic.optimize(w, b, X, Y, num_iterations=200, learning_rate=0.5)
w, b = params["w"], params["b"]
z = np.dot(w.T, X) + b
with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
    A = 1 / (1 + np.exp(-z))  # the article's sigmoid
    article_cost = -1 / X.shape[1] * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))
_, stable_cost = classic.propagate(w, b, X, Y)
print("\nThe cost after 200 steps of lr 0.5 on raw pixels:")
saturated = int(np.sum(A == 1.0))
print(f"  largest |z| = {np.abs(z).max():.0f}; {saturated} probabilities are exactly 1.0")
print(f"  the article's formula: {article_cost}")
print(f"  minilogit's cost:      {stable_cost:.6f}")
# minilogit computes each term as softplus(z) - y z = logaddexp(0, z) - y z, which is the same
# number wherever the article's formula is finite, but never evaluates log(0).

# --- 4. The article's figure, and two it did not draw -----------------------------------------
path = out / "article_cost.png"
ml.plots.cost_curve(
    d["costs"],
    record_every=100,
    path=path,
    title="Cost every 100 iterations (stratified split, lr 0.5)",
)
print(f"\ncost curve written to {path}")
# What the model looks for: red pixels vote "a 1", blue ones vote "not a 1".
weights = out / "article_weights.png"
ml.plots.weights_image(
    {"w": d["w"].ravel()},
    digits.image_shape,
    path=weights,
    title="Weights of 'is this a 1?' (red: ink here means a 1)",
)
# And where it fails: the test images it got wrong (1 = "a 1", 0 = "not a 1").
mistakes = out / "article_mistakes.png"
predicted = d["Y_prediction_test"].ravel().astype(int)
ml.plots.misclassified(test.X, test.y, predicted, digits.image_shape, path=mistakes)
print(f"weights written to {weights}\nmistakes written to {mistakes}")
