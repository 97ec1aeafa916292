"""The article's six functions, with its names and shapes, made correct and stable.

This module keeps the article's layout on purpose: **`X` is `(n, m)`, one example per
column**, `w` is `(n, 1)`, `Y` is `(1, m)`. Everywhere else minilogit puts examples in rows.

What changed from the article, and why:

* the code lost when the page was saved is restored (`np.dot(w.T, X)`,
  `np.dot(X, (A - Y).T)`, `costs.append(cost)`);
* the cost comes from [`BinaryCrossEntropy`][minilogit.losses.BinaryCrossEntropy], which never
  evaluates `log(0)`: the article's `np.log(A)` gives `nan` once the sigmoid saturates;
* the gradient is the framework's hand-derived one, checked against `jax.grad` in the tests.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .losses import BinaryCrossEntropy
from .models import sigmoid as _stable_sigmoid

_LOSS = BinaryCrossEntropy()


def sigmoid(z: np.ndarray) -> np.ndarray:
    """$1 / (1 + e^{-z})$, elementwise, without overflow for large negative `z`."""
    return _stable_sigmoid(np.asarray(z, dtype=np.float64))


def initialize_with_zeros(dim: int) -> tuple[np.ndarray, float]:
    """`w` of zeros, shape `(dim, 1)`, and `b = 0.0`."""
    return np.zeros((dim, 1)), 0.0


def propagate(
    w: np.ndarray, b: float, X: np.ndarray, Y: np.ndarray
) -> tuple[dict[str, Any], float]:
    """Forward and backward pass: the gradients `{"dw": (n, 1), "db": float}` and the cost.

    Args:
        w: `(n, 1)` weights.
        b: bias.
        X: `(n, m)` examples, one per column.
        Y: `(1, m)` labels 0/1.
    """
    params = {"w": np.ravel(w).astype(np.float64), "b": np.asarray(b, dtype=np.float64)}
    cost, grads = _LOSS.value_and_grad(params, np.asarray(X).T, np.ravel(Y).astype(np.float64))
    return {"dw": grads["w"].reshape(-1, 1), "db": float(grads["b"])}, cost


def optimize(
    w: np.ndarray,
    b: float,
    X: np.ndarray,
    Y: np.ndarray,
    num_iterations: int,
    learning_rate: float,
    print_cost: bool = False,
) -> tuple[dict[str, Any], dict[str, Any], list[float]]:
    """Gradient descent, recording the cost every 100 iterations (before that step's update).

    Returns:
        `(params, grads, costs)` as in the article.
    """
    costs = []
    grads: dict[str, Any] = {}
    for i in range(num_iterations):
        grads, cost = propagate(w, b, X, Y)
        w = w - learning_rate * grads["dw"]
        b = b - learning_rate * grads["db"]
        if i % 100 == 0:
            costs.append(cost)
            if print_cost:
                print(f"cost after iteration {i}: {cost:.6f}")
    return {"w": w, "b": b}, grads, costs


def predict(w: np.ndarray, b: float, X: np.ndarray) -> np.ndarray:
    """Labels `(1, m)`: 1.0 where $\\sigma(w^\\top x + b) > 0.5$, else 0.0."""
    w = np.asarray(w).reshape(X.shape[0], 1)
    A = sigmoid(np.dot(w.T, X) + b)
    return (A > 0.5).astype(np.float64)


def model(
    X_train: np.ndarray,
    Y_train: np.ndarray,
    X_test: np.ndarray,
    Y_test: np.ndarray,
    num_iterations: int = 2000,
    learning_rate: float = 0.5,
    print_cost: bool = False,
    verbose: bool = True,
) -> dict[str, Any]:
    """Train from zeros, predict both sets, print the accuracies like the article.

    Returns:
        The article's dict: `costs`, `Y_prediction_test`, `Y_prediction_train`, `w`, `b`,
        `learning_rate`, `num_iterations`, plus `train_accuracy` and `test_accuracy` (percent).
    """
    w, b = initialize_with_zeros(X_train.shape[0])
    parameters, _, costs = optimize(
        w, b, X_train, Y_train, num_iterations, learning_rate, print_cost
    )
    w, b = parameters["w"], parameters["b"]
    Y_prediction_test = predict(w, b, X_test)
    Y_prediction_train = predict(w, b, X_train)
    train_acc = 100 - np.mean(np.abs(Y_prediction_train - Y_train)) * 100
    test_acc = 100 - np.mean(np.abs(Y_prediction_test - Y_test)) * 100
    if verbose:
        print(f"train accuracy: {train_acc} %")
        print(f"test accuracy: {test_acc} %")
    return {
        "costs": costs,
        "Y_prediction_test": Y_prediction_test,
        "Y_prediction_train": Y_prediction_train,
        "w": w,
        "b": b,
        "learning_rate": learning_rate,
        "num_iterations": num_iterations,
        "train_accuracy": float(train_acc),
        "test_accuracy": float(test_acc),
    }
