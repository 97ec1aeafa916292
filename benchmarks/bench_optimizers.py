"""Time to the optimum: minilogit's Newton and L-BFGS against scikit-learn's solvers.

The problem is shaped like the article's: 5,000 images of 20 x 20 = 400 pixels, "is it a 1?",
all 5,000 rows used for fitting (the issue's 5000 x 400; no test split is needed to time an
optimizer). The images are the embedded 8 x 8 digits tiled to 5,000 rows, upsampled to
20 x 20 by bilinear interpolation, with a little pixel noise (so no two rows are equal), then
standardized. The objective is the mean cross-entropy plus `l2 = 1 / (C m)`, scikit-learn's
`LogisticRegression(C=C)` in minilogit's scaling; every solver starts from zero.

Every solver runs under the same BLAS thread limit (threadpoolctl), once with one thread and
once with the machine's default, so neither side gets more cores than the other. Each runs to
its own tight tolerance; the table shows its final objective as the gap to the best one found
(relative; runs more than 1e-12 above it are flagged), the median wall time of `--repeat` runs,
the Hessians formed (minilogit) and the ratio to scikit-learn's fastest solver.

    python benchmarks/bench_optimizers.py [--C 1.0] [--repeat 5] [--threads both|1|default]

For a steady one-thread number on a busy machine, pin the process too: `taskset -c 0 python ...`.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import numpy as np

import minilogit as ml
from minilogit import optim

#: Objective gaps above this (relative to the best) do not count as "the same optimum".
SAME_OPTIMUM = 1e-12


def article_shaped(m: int = 5000, side: int = 20, seed: int = 0) -> ml.Dataset:
    """The embedded digits tiled to `m` rows and upsampled to `side` x `side` pixels."""
    digits = ml.datasets.load_digits()
    rng = np.random.default_rng(seed)
    rows = rng.permutation(np.resize(np.arange(digits.m), m))
    images = digits.X[rows].reshape(m, 8, 8)
    grid = np.linspace(0.0, 7.0, side)  # bilinear interpolation, one axis at a time
    lo = np.minimum(np.floor(grid).astype(int), 6)
    frac = grid - lo
    images = images[:, lo, :] * (1 - frac)[:, None] + images[:, lo + 1, :] * frac[:, None]
    images = images[:, :, lo] * (1 - frac) + images[:, :, lo + 1] * frac
    X = images.reshape(m, side * side) / 16.0 + rng.normal(0.0, 0.02, (m, side * side))
    return ml.Dataset(X, digits.y[rows], (side, side), "digits tiled to 5000 x 400")


def median_time(run, repeat: int) -> tuple[float, object]:
    """The median of `repeat` timed runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def race(solvers: dict, loss, X, y, repeat: int) -> None:
    """Time every solver, print the table and the ratios to scikit-learn's fastest."""
    results = {}
    for name, run in solvers.items():
        seconds, (params, iterations, hessians) = median_time(run, repeat)
        results[name] = (seconds, iterations, hessians, loss.value(params, X, y))
    best = min(value for *_, value in results.values())
    fastest = min(results[name][0] for name in results if name.startswith("sklearn"))
    print(f"{'solver':<50} {'seconds':>8} {'iters':>6} {'H':>4} {'objective gap':>14} {'ratio':>7}")
    for name, (seconds, iterations, hessians, value) in results.items():
        gap = (value - best) / best
        flag = "" if gap <= SAME_OPTIMUM else "  (not at the optimum)"
        print(
            f"{name:<50} {seconds:>8.3f} {iterations:>6} {hessians:>4} {gap:>14.1e} "
            f"{seconds / fastest:>6.2f}x{flag}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--C", type=float, default=1.0, help="inverse regularisation (sklearn)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per solver (median)")
    parser.add_argument("--threads", choices=["both", "1", "default"], default="both")
    args = parser.parse_args()
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_info, threadpool_limits

    data = article_shaped().one_vs_rest(1).standardized()
    X, y = data.X, data.y
    loss = ml.losses.BinaryCrossEntropy(l2=1.0 / (args.C * data.m))
    print(f"{data.m} x {data.n}, {int(y.sum())} positives, C={args.C} (l2={loss.l2:.3g})")

    def sklearn(solver: str):
        def run():
            clf = LogisticRegression(C=args.C, solver=solver, tol=1e-10, max_iter=10_000)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # lbfgs may stop on its own ftol first
                clf.fit(X, y)
            params = {"w": clf.coef_[0], "b": np.asarray(clf.intercept_[0])}
            return params, int(clf.n_iter_[0]), "-"

        return run

    def minilogit(optimizer):
        def run():
            history = ml.Trainer(ml.Logistic(data.n), loss, optimizer).fit(
                X, y, iterations=10_000, record_every=10_000
            )
            return history.params, history.iterations, history.evaluations.hessian

        return run

    solvers = {
        "sklearn lbfgs": sklearn("lbfgs"),
        "sklearn newton-cholesky": sklearn("newton-cholesky"),
        "minilogit Newton": minilogit(optim.Newton()),
    }
    # The lazy Hessian converges linearly between refreshes, so its stopping test (on a stale
    # factor) is less conservative than pure Newton's: a tighter tol lands it on the same optimum.
    lazy = {"hessian_every": 4, "expand": True, "tol": 1e-13}
    for options in ({"expand": True}, {"hessian_every": 4}, lazy):
        label = ", ".join(f"{key}={value}" for key, value in options.items())
        solvers[f"minilogit Newton({label})"] = minilogit(optim.Newton(**options))
    solvers["minilogit LBFGS"] = minilogit(optim.LBFGS())

    default = max((pool["num_threads"] for pool in threadpool_info()), default=1)
    settings = {"1": [1], "default": [default], "both": [1, default]}[args.threads]
    for threads in dict.fromkeys(settings):
        with threadpool_limits(threads):
            # Warm-up: imports (scipy.linalg, sklearn) and BLAS threads, outside the timings.
            minilogit(optim.Newton())()
            sklearn("newton-cholesky")()
            print(f"\n--- {threads} BLAS thread{'s' if threads > 1 else ''} for every solver")
            race(solvers, loss, X, y, args.repeat)
    print(
        "\nratio = median seconds / scikit-learn's fastest solver under the same thread limit"
        " (target for Newton: <= 0.5x); H = Hessians formed"
    )


if __name__ == "__main__":
    main()
