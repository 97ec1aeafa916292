"""Run optax optimizers inside minilogit's Trainer, and check them against the built-ins.

`ml.optim.from_optax(tx)` wraps any optax `GradientTransformation`: the Trainer keeps
recording costs, accuracy and stop reasons, and the parameters stay numpy float64. Shown:

* `optax.adam` next to `ml.optim.Adam` with the same settings: the same numbers;
* a composition, gradient clipping chained before SGD with momentum, driven by a minilogit
  schedule (schedules are plain callables `step -> lr`, so optax takes them);
* `optax.lbfgs()` with its zoom line search, which asks for the loss as a function: the
  adapter hands it the loss on the current data. It compiles once (a few seconds).

    python examples/optax_interop.py
"""

from __future__ import annotations

import warnings

import numpy as np
import optax

import minilogit as ml
from minilogit import optim


def main() -> None:
    train, test = ml.datasets.load_digits().one_vs_rest(1).split(0.2, seed=0)
    train, test = train.standardized(), test.standardized(reference=train)
    loss = ml.losses.BinaryCrossEntropy(l2=1e-3)
    schedule = optim.Cosine(0.5, steps=200)
    contenders = {
        "minilogit Adam(0.05)": optim.Adam(0.05),
        "optax.adam(0.05)": optim.from_optax(optax.adam(0.05)),
        "optax clip + sgd(momentum), cosine": optim.from_optax(
            optax.chain(optax.clip_by_global_norm(1.0), optax.sgd(schedule, momentum=0.9))
        ),
        "minilogit LBFGS()": optim.LBFGS(),
        "optax.lbfgs()": optim.from_optax(optax.lbfgs()),
    }
    params = {}
    print(f"{'optimizer':<38} {'final cost':>14} {'test %':>7} {'steps':>6} {'seconds':>8}")
    for label, optimizer in contenders.items():
        model = ml.Logistic(train.n)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ml.ConvergenceWarning)
            history = ml.Trainer(model, loss, optimizer).fit(
                train.X, train.y, iterations=200, tol=1e-8
            )
        params[label] = np.concatenate([model.params["w"], [model.params["b"]]])
        accuracy = 100 * ml.metrics.accuracy(test.y, model.predict(test.X))
        print(
            f"{label:<38} {history.final_cost:>14.10f} {accuracy:>7.2f} "
            f"{history.iterations:>6} {history.seconds:>8.3f}"
        )
    gap = np.abs(params["minilogit Adam(0.05)"] - params["optax.adam(0.05)"]).max()
    print(f"\nlargest parameter difference, minilogit Adam vs optax.adam: {gap:.1e}")


if __name__ == "__main__":
    main()
