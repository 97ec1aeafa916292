r"""Statistical inference for a fitted binary logistic model: standard errors, z and p values.

At the maximum-likelihood estimate $\hat\theta = (\hat b, \hat w)$ the *observed information*
is the Hessian of the summed negative log-likelihood, which is $m$ times the Hessian of the
mean loss that [`BinaryCrossEntropy.hessian`][minilogit.losses.BinaryCrossEntropy.hessian]
derives:

$$
\mathcal I(\hat\theta) = m\, H(\hat\theta) = \tilde X^\top S \tilde X, \qquad
S = \operatorname{diag}\big(a_i (1 - a_i)\big).
$$

Asymptotically $\hat\theta \sim \mathcal N(\theta, \mathcal I^{-1})$, so the standard error of
coefficient $j$ is $\sqrt{(\mathcal I^{-1})_{jj}}$, its Wald statistic $z_j = \hat\theta_j /
\mathrm{se}_j$, and the two-sided p value $2\,\Phi(-|z_j|) = \operatorname{erfc}(|z_j| /
\sqrt 2)$ tests $\theta_j = 0$.

These numbers assume an unpenalised fit at the optimum of a model whose MLE exists. With an
L2 penalty the estimate is biased towards 0 and $\mathcal I^{-1}$ is not its covariance; under
separation (a hyperplane splits the classes) the MLE lies at infinity and the "standard errors"
only measure how far the optimizer wandered. [`summary`][minilogit.stats.summary] refuses the
first and the complete case of the second, and warns for quasi-separation.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from .errors import ConfigError, ConvergenceWarning, DataError, DataWarning
from .losses import BinaryCrossEntropy
from .models import Logistic, check_features, sigmoid

#: The 97.5 % quantile of the standard normal: a 95 % Wald interval is coef +- Z95 * se.
Z95 = 1.959963984540054

#: A fitted probability this close to 0 or 1 counts as "perfectly predicted".
SATURATED = 1e-8


def summary(
    model: Logistic,
    X: np.ndarray,
    y: np.ndarray,
    loss: BinaryCrossEntropy | None = None,
    feature_names: Sequence[str] | None = None,
) -> Any:
    r"""The coefficient table of a fitted, unpenalised binary logistic model.

    Args:
        model: a [`Logistic`][minilogit.Logistic] model trained on `X`, `y` to the optimum
            (e.g. with `optim.Newton` or `optim.LBFGS`).
        X: `(m, n)` the training features.
        y: `(m,)` the 0/1 training labels.
        loss: the loss it was trained with (default `BinaryCrossEntropy()`); it must have
            `l2 == 0`.
        feature_names: names of the `n` features (default `x1 .. xn`).

    Returns:
        A pandas DataFrame indexed by `intercept` then the feature names, with columns
        `coef`, `std_err`, `z`, `p_value`, `ci_low`, `ci_high` (a 95 % Wald interval).

    Raises:
        ConfigError: the loss has an L2 penalty, or the model is not a `Logistic`.
        DataError: the classes are completely separated (no MLE exists), or the information
            matrix is singular (constant or collinear features).

    Warns:
        DataWarning: quasi-separation (some fitted probabilities are 0 or 1 to within
            `SATURATED`): the standard errors of the features involved are unreliable.
        ConvergenceWarning: the parameters are not at the optimum (the Newton decrement
            $m\, g^\top H^{-1} g$ exceeds $10^{-6}$), so the table describes another point.

    Example:
        >>> X = np.array([[0.0], [1.0], [2.0], [3.0], [4.0], [5.0]])
        >>> y = np.array([0, 0, 1, 0, 1, 1])
        >>> model = Logistic(1)
        >>> model.params = {"w": np.array([1.214028]), "b": np.array(-3.035069)}  # the MLE
        >>> summary(model, X, y).round(3)
                    coef  std_err      z  p_value  ci_low  ci_high
        intercept -3.035    2.546 -1.192    0.233  -8.025    1.954
        x1         1.214    0.913  1.330    0.183  -0.575    3.003
    """
    import pandas as pd

    loss = BinaryCrossEntropy() if loss is None else loss
    if not isinstance(model, Logistic):
        raise ConfigError(f"summary() needs a binary Logistic model, got {model!r}")
    if loss.l2 != 0:
        raise ConfigError(
            f"summary() needs an unpenalised fit, but the loss has l2={loss.l2:g}: a penalised "
            "estimate is biased and the inverse Hessian is not its covariance. Refit with "
            "BinaryCrossEntropy(l2=0)"
        )
    X = check_features(X, model.n_features)
    y = loss.check_targets(y)
    if y.shape != (X.shape[0],):
        raise DataError(f"y has shape {y.shape}; expected ({X.shape[0]},)")
    m, n = X.shape
    params = model.params
    z = X @ params["w"] + params["b"]
    _check_separation(z, y)
    information = m * loss.hessian(params, X, y)
    try:
        chol = np.linalg.cholesky(information)
    except np.linalg.LinAlgError:
        raise DataError(
            "the information matrix is singular: a feature is constant or a linear combination "
            "of others (drop it), or the classes are separated"
        ) from None
    covariance = np.linalg.inv(chol).T @ np.linalg.inv(chol)
    residual = sigmoid(z) - y
    score = np.concatenate([[residual.sum()], X.T @ residual])  # gradient of the summed loss
    decrement = float(score @ covariance @ score)
    if decrement > 1e-6:
        warnings.warn(
            f"the parameters are not at the maximum likelihood (Newton decrement "
            f"{decrement:.2g} > 1e-6): train to convergence (e.g. optim.Newton) first",
            ConvergenceWarning,
            stacklevel=2,
        )
    coef = np.concatenate([[float(params["b"])], params["w"]])
    se = np.sqrt(np.diag(covariance))
    zscores = coef / se
    names = [f"x{j + 1}" for j in range(n)] if feature_names is None else list(feature_names)
    if len(names) != n:
        raise ConfigError(f"feature_names has {len(names)} names for {n} features")
    return pd.DataFrame(
        {
            "coef": coef,
            "std_err": se,
            "z": zscores,
            "p_value": [math.erfc(abs(t) / math.sqrt(2.0)) for t in zscores],
            "ci_low": coef - Z95 * se,
            "ci_high": coef + Z95 * se,
        },
        index=["intercept", *names],
    )


def _check_separation(z: np.ndarray, y: np.ndarray) -> None:
    """Refuse complete separation, warn about quasi-separation (saturated probabilities)."""
    sign = np.where(y == 1, 1.0, -1.0)
    if np.all(sign * z > 0):
        raise DataError(
            "the fitted model classifies every training example correctly: the classes are "
            "separable, so the maximum-likelihood estimate does not exist (the weights grow "
            "without bound) and standard errors mean nothing. Use an L2 penalty and report "
            "no p values, or collect more data"
        )
    a = sigmoid(z)
    saturated = int(np.sum((a < SATURATED) | (a > 1 - SATURATED)))
    if saturated:
        warnings.warn(
            f"{saturated} training examples are predicted with probability 0 or 1 "
            f"(within {SATURATED:g}): quasi-separation; the standard errors of the features "
            "that separate them are unreliable",
            DataWarning,
            stacklevel=3,
        )
