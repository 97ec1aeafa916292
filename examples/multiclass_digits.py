"""All ten digits at once: softmax regression against one-vs-rest, and a confusion matrix.

The article ends with "to recognise another digit, change the 1". Here we recognise all ten:
once with a single softmax model (one weight column per digit, trained jointly with the
cross-entropy loss) and once the classic way, ten "is it digit d?" models trained separately.
Both print their test accuracy; the softmax model also prints its per-class table and its
confusion matrix (rows: the true digit, columns: the predicted one), is saved to a model file
and read back.

Run:  python examples/multiclass_digits.py [--out DIR]
"""

import argparse
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

import minilogit as ml
from minilogit.losses import CrossEntropy

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument(
    "--out", type=Path, default=None, help="folder for the model file (default: temp)"
)
out = parser.parse_args().out or Path(tempfile.mkdtemp(prefix="minilogit-multiclass-"))

# A stratified 80/20 split keeps every digit in both parts; scale with the training part only.
digits = ml.datasets.load_digits()
raw_train, raw_test = digits.split(test_size=0.2, seed=0)
mean, std = ml.data.feature_stats(raw_train.X)
train, test = raw_train.standardized(), raw_test.standardized(reference=raw_train)
l2 = 1.0 / train.m  # scikit-learn's default C = 1, in minilogit's units

# --- 1. Softmax: one model, ten columns -----------------------------------------------------
softmax = ml.Softmax(train.n, 10)
history = ml.Trainer(softmax, CrossEntropy(l2), ml.optim.make("lbfgs")).fit(
    train.X, train.y, iterations=300, tol=1e-6
)
predicted = softmax.predict(test.X)
print(
    f"softmax: {history.iterations} L-BFGS steps, final cost {history.final_cost:.4f}, "
    f"test accuracy {100 * ml.metrics.accuracy(test.y, predicted):.2f} %"
)

# --- 2. One-vs-rest: ten binary models ------------------------------------------------------
ovr = ml.OneVsRest(train.n, range(10))
ovr.fit(train.X, train.y, ml.optim.make("lbfgs"), l2=l2, iterations=300, tol=1e-6)
print(f"one-vs-rest: test accuracy {100 * ml.metrics.accuracy(test.y, ovr.predict(test.X)):.2f} %")

# --- 3. Where the softmax model goes wrong ---------------------------------------------------
report = ml.metrics.classification_report(test.y, predicted, labels=np.arange(10))
print("\nper-class results (softmax):")
print(report.to_string(float_format=lambda v: f"{v:.3f}"))
matrix = ml.metrics.confusion_matrix(test.y, predicted, labels=np.arange(10))
print("\nconfusion matrix (rows: true digit, columns: predicted digit):")
print(pd.DataFrame(matrix, index=range(10), columns=range(10)).to_string())
worst = int(np.argmin(np.diag(matrix) / matrix.sum(axis=1)))
print(f"hardest digit: {worst} (recall {report.loc[worst, 'recall']:.3f})")

# --- 4. Keep it: a model file with the scaling, read back bit for bit -----------------------
path = out / "softmax_digits.npz"
ml.save(path, softmax, loss=CrossEntropy(l2), optimizer=ml.optim.make("lbfgs"), mean=mean, std=std)
saved = ml.load(path)
same = np.array_equal(saved.predict(raw_test.X), predicted)  # raw pixels in: scaled as in training
print(f"\nmodel saved to {path}; reloaded, same {test.m} test predictions: {same}")
