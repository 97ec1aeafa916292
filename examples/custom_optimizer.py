r"""Write your own optimizer in about 15 lines, then use it like the built-in ones.

An optimizer is any object with two methods (the optax shape):

* `init(params) -> state`: what it carries between steps (here only a step count);
* `update(params, grads, state, objective=None) -> (new_params, new_state)`.

`params` and `grads` are dicts of numpy arrays (`{"w": (n,), "b": ()}`). `objective` is the
loss on the current data, for methods that need values or a Hessian (see `Newton`); a
state with a true `converged` field makes the trainer stop with reason "loss_change", and
raising `optim.StopTraining(reason, message)` stops it with a warning.

The example is sign gradient descent, signSGD (Bernstein, Wang, Azizzadenesheli & Anandkumar,
"signSGD: Compressed Optimisation for Non-Convex Problems", ICML 2018):

$$\theta_{t+1} = \theta_t - \eta_t \operatorname{sign}(\nabla J(\theta_t))$$

    python examples/custom_optimizer.py
"""

from __future__ import annotations

import numpy as np

import minilogit as ml
from minilogit import optim


class SignDescent:
    """Step every coordinate by the same amount, against the sign of its gradient."""

    def __init__(self, lr: optim.LearningRate = 0.01) -> None:
        self.lr = optim.check_lr(lr, allow_auto=False)  # a number or a schedule

    def __repr__(self) -> str:
        return f"SignDescent(lr={self.lr!r})"

    def init(self, params: dict) -> optim.CountState:
        return optim.CountState(count=0)

    def update(self, params: dict, grads: dict, state: optim.CountState, objective=None) -> tuple:
        lr = optim.resolve_lr(self.lr, state.count, objective)  # schedules work for free
        new = {k: params[k] - lr * np.sign(grads[k]) for k in params}
        return new, optim.CountState(state.count + 1)


def main() -> None:
    train, test = ml.datasets.load_digits().one_vs_rest(1).split(0.2, seed=0)
    train, test = train.standardized(), test.standardized(reference=train)
    loss = ml.losses.BinaryCrossEntropy(l2=1e-3)
    # Registering makes it available to optim.make (and to `minilogit train --optimizer`).
    optim.OPTIMIZERS["sign"] = SignDescent
    for optimizer in (
        optim.make("sign", lr=0.01),
        SignDescent(lr=optim.InverseTime(0.05, gamma=1.0, every=20)),
        optim.GradientDescent("auto"),
    ):
        model = ml.Logistic(train.n)
        history = ml.Trainer(model, loss, optimizer).fit(train.X, train.y, iterations=200)
        accuracy = 100 * ml.metrics.accuracy(test.y, model.predict(test.X))
        print(f"{optimizer!r:<70} cost {history.final_cost:.5f}  test accuracy {accuracy:.2f} %")


if __name__ == "__main__":
    main()
