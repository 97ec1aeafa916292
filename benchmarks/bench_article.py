"""The article's whole workflow vs `minilogit train --data`, wall time, side by side.

On one 5,000 x 400 workbook in the article's layout (built in a temporary directory), runs

- the article's script (in `seed/article.txt`, with its lost code restored): its pandas
  read of both sheets, its relabelling loop, its numpy gradient descent (500 iterations,
  learning rate 0.005, costs every 100), and its two accuracy lines; the cost plot is left
  out on both sides;
- `minilogit train --data FILE --split head --lr 0.005 --iterations 500 --scale none`, the
  same experiment, with an empty cache (cold: parse and fill it) and a filled one (warm).

Each is a fresh process, timed from start to exit. Targets (issue 3): cold <= 0.2x the
article, warm <= 0.05x. Medians over the repeats.

    python benchmarks/bench_article.py [--article-repeats 2] [--repeats 5] [--workbook PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_load import make_workbook

# The article's code, as printed, with the three lost pieces restored (see seed/README.md):
# `sigmoid(np.dot(w.T, X) + b)`, `np.dot(X, (A-Y).T)` and `costs.append(cost)`.
ARTICLE = """
import sys
import warnings
warnings.simplefilter("ignore")
import pandas as pd
import numpy as np

df_x = pd.read_excel(sys.argv[1], 'X', header=None)
df_y = pd.read_excel(sys.argv[1], 'Y', header=None)
y = df_y[0]
for i in range(len(y)):
    if y[i] != 1:
        y[i] = 0
y = pd.DataFrame(y)
x_train = df_x.iloc[0:4000].T
x_test = df_x.iloc[4000:].T
x_train = np.array(x_train)
x_test = np.array(x_test)
y_train = y.iloc[0:4000].T
y_test = y.iloc[4000:].T
y_train = np.array(y_train)
y_test = np.array(y_test)

def sigmoid(z):
    s = 1/(1 + np.exp(-z))
    return s

def initialize_with_zeros(dim):
    w = np.zeros(shape=(dim, 1))
    b = 0
    return w, b

def propagate(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    cost = -1/m * np.sum(Y*np.log(A) + (1-Y) * np.log(1-A))
    dw = 1/m * np.dot(X, (A-Y).T)
    db = 1/m * np.sum(A-Y)
    grads = {"dw": dw, "db": db}
    return grads, cost

def optimize(w, b, X, Y, num_iterations, learning_rate):
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate(w, b, X, Y)
        dw = grads["dw"]
        db = grads["db"]
        w = w - learning_rate * dw
        b = b - learning_rate * db
        if i % 100 == 0:
            costs.append(cost)
    params = {"w": w, "b": b}
    grads = {"dw": dw, "db": db}
    return params, grads, costs

def predict(w, b, X):
    m = X.shape[1]
    Y_prediction = np.zeros((1, m))
    w = w.reshape(X.shape[0], 1)
    A = sigmoid(np.dot(w.T, X) + b)
    for i in range(A.shape[1]):
        Y_prediction[:, i] = (A[:, i] > 0.5) * 1
    return Y_prediction

def model(X_train, Y_train, X_test, Y_test, num_iterations, learning_rate):
    w, b = initialize_with_zeros(X_train.shape[0])
    parameters, grads, costs = optimize(w, b, X_train, Y_train, num_iterations, learning_rate)
    w = parameters["w"]
    b = parameters["b"]
    Y_prediction_test = predict(w, b, X_test)
    Y_prediction_train = predict(w, b, X_train)
    print("train accuracy: {} %".format(100 - np.mean(np.abs(Y_prediction_train - Y_train)) * 100))
    print("test accuracy: {} %".format(100 - np.mean(np.abs(Y_prediction_test - Y_test)) * 100))
    return {"costs": costs, "w": w, "b": b}

d = model(x_train, y_train, x_test, y_test, 500, 0.005)
print("costs:", d["costs"])
"""

MINILOGIT_ARGS = ["--split", "head", "--lr", "0.005", "--iterations", "500", "--scale", "none"]


def timed(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{done.stderr}")
    return seconds, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--article-repeats", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--workbook", type=Path, help="reuse this workbook instead of building")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        path = args.workbook or tmp / "dataset.xlsx"
        if args.workbook is None:
            make_workbook(path)
        script = tmp / "article.py"
        script.write_text(ARTICLE)
        env = dict(os.environ)

        article_runs = [
            timed([sys.executable, str(script), str(path)], env)
            for _ in range(args.article_repeats)
        ]
        article = statistics.median(t for t, _ in article_runs)

        command = [sys.executable, "-m", "minilogit", "train", "--data", str(path)]
        command += [*MINILOGIT_ARGS, "--json"]
        cold_runs = []
        for i in range(args.repeats):
            env["MINILOGIT_CACHE_DIR"] = str(tmp / f"cold{i}")  # empty: parse, fill the cache
            cold_runs.append(timed(command, env))
        warm_runs = [timed(command, env) for _ in range(args.repeats)]  # the last one, filled
        cold = statistics.median(t for t, _ in cold_runs)
        warm = statistics.median(t for t, _ in warm_runs)

    result = json.loads(warm_runs[-1][1])
    print("article output:  " + " | ".join(article_runs[-1][1].strip().splitlines()[:2]))
    print(
        f"minilogit output: train accuracy: {result['train_accuracy']} % | "
        f"test accuracy: {result['test_accuracy']} % (load {result['seconds_load']:.3f} s, "
        f"train {result['seconds_train']:.3f} s in the warm run)"
    )
    rows = [
        ("article (pandas read + numpy loop), process", article, None),
        ("minilogit train --data, cold cache", cold, 0.2),
        ("minilogit train --data, warm cache", warm, 0.05),
    ]
    print(f"\n{'workflow':<46} {'median s':>9} {'x article':>10} {'target':>8}")
    for name, seconds, target in rows:
        ratio = seconds / article
        verdict = (
            "" if target is None else f"<= {target:<5} {'ok' if ratio <= target else 'MISSED'}"
        )
        print(f"{name:<46} {seconds:>9.3f} {ratio:>10.4f}  {verdict}")
    print(f"\nrepeats: article {args.article_repeats}, minilogit {args.repeats} (cold and warm)")


if __name__ == "__main__":
    main()
