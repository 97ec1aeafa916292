r"""Adaptive first-order optimizers: a step size per coordinate, from past gradients.

They divide each gradient coordinate by a running estimate of its magnitude, so a coordinate
with steep, noisy gradients takes small steps and a flat one takes large steps. The step no
longer scales with the gradient, so `lr="auto"` ($1/L$) does not apply: give a number.

Every default but the learning rate (optax asks for one) is the optax twin's, so `Adam(0.01)`
and `optax.adam(0.01)` produce the same trajectory to rounding; where libraries disagree
(where $\epsilon$ sits, whether the bias is decayed) each class says which convention it
follows and how to get the others.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from .._tree import Params, tree_map
from .._xp import xp_of
from ..errors import ConfigError
from .base import LearningRate, check_lr, resolve_lr
from .first_order import check_coefficient, zeros_like


class AccumulatorState(NamedTuple):
    """Steps taken and one running sum or average per parameter leaf."""

    count: int
    accumulator: Params


class AdamState(NamedTuple):
    """Steps taken and the first ($m$) and second ($v$) moment estimates."""

    count: int
    mu: Params
    nu: Params


def _check_nonnegative(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        raise ConfigError(f"{name} must be a number >= 0, got {value!r}")
    if value == float("inf"):
        raise ConfigError(f"{name} must be finite, got {value!r}")
    return float(value)


def _full_like(params: Params, value: float) -> Params:
    return tree_map(lambda p: xp_of(p).full_like(p, value), params)


class AdaGrad:
    r"""AdaGrad: divide by the root of the sum of all past squared gradients.

    $$
    G_{t+1} = G_t + g_t^2, \qquad
    \theta_{t+1} = \theta_t - \eta_t \frac{g_t}{\sqrt{G_{t+1} + \epsilon}}, \qquad
    G_0 = G_{\text{init}},
    $$

    element-wise, with $g_t = \nabla J(\theta_t)$. Duchi, Hazan & Singer, "Adaptive
    Subgradient Methods for Online Learning and Stochastic Optimization" (JMLR 2011).
    Rarely-updated coordinates keep large steps; the steps shrink for ever as $G$ grows.

    Conventions follow `optax.adagrad`: $\epsilon$ *inside* the square root and
    $G_{\text{init}} = 0.1$ (PyTorch: $\epsilon = 10^{-10}$ outside the root, $G_0 = 0$).

    Args:
        lr: step size $\eta$: a positive number or a schedule.
        initial_accumulator: $G_{\text{init}} \ge 0$.
        eps: $\epsilon \ge 0$.
    """

    def __init__(
        self, lr: LearningRate = 0.1, initial_accumulator: float = 0.1, eps: float = 1e-7
    ) -> None:
        self.lr = check_lr(lr, allow_auto=False)
        self.initial_accumulator = _check_nonnegative(initial_accumulator, "initial_accumulator")
        self.eps = _check_nonnegative(eps, "eps")

    def __repr__(self) -> str:
        return (
            f"AdaGrad(lr={self.lr!r}, initial_accumulator={self.initial_accumulator!r}, "
            f"eps={self.eps!r})"
        )

    def init(self, params: Params) -> AccumulatorState:
        """The accumulator starts at `initial_accumulator`."""
        return AccumulatorState(0, _full_like(params, self.initial_accumulator))

    def update(
        self, params: Params, grads: Params, state: AccumulatorState, objective: Any = None
    ) -> tuple[Params, AccumulatorState]:
        """Accumulate the squared gradient, then take the scaled step."""
        lr = resolve_lr(self.lr, state.count, objective)
        total = tree_map(lambda G, g: g * g + G, state.accumulator, grads)

        def step(p: Any, g: Any, G: Any) -> Any:
            xp = xp_of(p, g)
            # A coordinate that never saw a gradient (G = 0, eps = 0) does not move.
            scale = xp.where(G > 0, 1.0 / xp.sqrt(G + self.eps + (G <= 0)), 0.0)
            return p - lr * (g * scale)

        return tree_map(step, params, grads, total), AccumulatorState(state.count + 1, total)


class RMSProp:
    r"""RMSProp: divide by the root of an exponential moving average of squared gradients.

    $$
    v_{t+1} = \rho\, v_t + (1 - \rho)\, g_t^2, \qquad
    \theta_{t+1} = \theta_t - \eta_t \frac{g_t}{\sqrt{v_{t+1} + \epsilon}}
    \quad\Big(\text{or } \frac{g_t}{\sqrt{v_{t+1}} + \epsilon}\Big).
    $$

    Tieleman & Hinton, Coursera "Neural Networks for Machine Learning", lecture 6.5 (2012).
    Unlike AdaGrad the average forgets old gradients, so steps do not vanish.

    Conventions follow `optax.rmsprop`: $\epsilon$ inside the root (`eps_in_sqrt=True`) and
    $v_0 = 0$. PyTorch puts $\epsilon$ outside: use `eps_in_sqrt=False`.

    Args:
        lr: step size $\eta$: a positive number or a schedule.
        decay: $\rho \in [0, 1)$.
        eps: $\epsilon \ge 0$.
        eps_in_sqrt: where $\epsilon$ goes (see above).
    """

    def __init__(
        self,
        lr: LearningRate = 0.01,
        decay: float = 0.9,
        eps: float = 1e-8,
        eps_in_sqrt: bool = True,
    ) -> None:
        self.lr = check_lr(lr, allow_auto=False)
        self.decay = check_coefficient(decay, "decay")
        self.eps = _check_nonnegative(eps, "eps")
        self.eps_in_sqrt = bool(eps_in_sqrt)

    def __repr__(self) -> str:
        return (
            f"RMSProp(lr={self.lr!r}, decay={self.decay!r}, eps={self.eps!r}, "
            f"eps_in_sqrt={self.eps_in_sqrt!r})"
        )

    def init(self, params: Params) -> AccumulatorState:
        """The moving average starts at zero."""
        return AccumulatorState(0, zeros_like(params))

    def update(
        self, params: Params, grads: Params, state: AccumulatorState, objective: Any = None
    ) -> tuple[Params, AccumulatorState]:
        """Update the average, then take the scaled step."""
        lr = resolve_lr(self.lr, state.count, objective)
        rho = self.decay
        average = tree_map(lambda v, g: (1 - rho) * (g * g) + rho * v, state.accumulator, grads)

        def step(p: Any, g: Any, v: Any) -> Any:
            xp = xp_of(p, g)
            root = xp.sqrt(v + self.eps) if self.eps_in_sqrt else xp.sqrt(v) + self.eps
            return p - lr * ((1.0 / root) * g)

        new = tree_map(step, params, grads, average)
        return new, AccumulatorState(state.count + 1, average)


class Adam:
    r"""Adam: momentum on the gradient, RMSProp scaling, both bias-corrected.

    $$
    \begin{aligned}
    m_{t+1} &= \beta_1 m_t + (1 - \beta_1)\, g_t, &
    \hat m &= m_{t+1} / (1 - \beta_1^{t+1}), \\
    v_{t+1} &= \beta_2 v_t + (1 - \beta_2)\, g_t^2, &
    \hat v &= v_{t+1} / (1 - \beta_2^{t+1}), \\
    \theta_{t+1} &= \theta_t - \eta_t \frac{\hat m}{\sqrt{\hat v} + \epsilon}, &
    m_0 &= v_0 = 0 .
    \end{aligned}
    $$

    Kingma & Ba, "Adam: A Method for Stochastic Optimization" (ICLR 2015). The bias
    corrections undo the pull of the zero start in the first steps. Twin: `optax.adam`
    (same defaults; $\epsilon$ outside the root as in the paper).

    Args:
        lr: step size $\eta$: a positive number or a schedule.
        b1: $\beta_1 \in [0, 1)$, decay of the first moment.
        b2: $\beta_2 \in [0, 1)$, decay of the second moment.
        eps: $\epsilon \ge 0$.
    """

    def __init__(
        self, lr: LearningRate = 0.01, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8
    ) -> None:
        self.lr = check_lr(lr, allow_auto=False)
        self.b1 = check_coefficient(b1, "b1")
        self.b2 = check_coefficient(b2, "b2")
        self.eps = _check_nonnegative(eps, "eps")

    def __repr__(self) -> str:
        return f"Adam(lr={self.lr!r}, b1={self.b1!r}, b2={self.b2!r}, eps={self.eps!r})"

    def init(self, params: Params) -> AdamState:
        """Both moments start at zero."""
        return AdamState(0, zeros_like(params), zeros_like(params))

    def update(
        self, params: Params, grads: Params, state: AdamState, objective: Any = None
    ) -> tuple[Params, AdamState]:
        """Update the moments, then step along the bias-corrected ratio."""
        lr = resolve_lr(self.lr, state.count, objective)
        direction, state = self.direction(grads, state)
        return tree_map(lambda p, d: p - lr * d, params, direction), state

    def direction(self, grads: Params, state: AdamState) -> tuple[Params, AdamState]:
        r"""The step direction $\hat m / (\sqrt{\hat v} + \epsilon)$ and the new state."""
        b1, b2, t = self.b1, self.b2, state.count + 1
        mu = tree_map(lambda m, g: (1 - b1) * g + b1 * m, state.mu, grads)
        nu = tree_map(lambda v, g: (1 - b2) * (g * g) + b2 * v, state.nu, grads)

        def ratio(m: Any, v: Any) -> Any:
            m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
            return m_hat / (xp_of(v).sqrt(v_hat) + self.eps)

        return tree_map(ratio, mu, nu), AdamState(t, mu, nu)


class AdamW(Adam):
    r"""Adam with decoupled weight decay: shrink the weights directly, not through the loss.

    $$
    \theta_{t+1} = \theta_t - \eta_t\Big(\frac{\hat m}{\sqrt{\hat v} + \epsilon}
    + \lambda\, \theta_t\Big)
    $$

    with $\hat m, \hat v$ as in [`Adam`][minilogit.optim.Adam]. Loshchilov & Hutter,
    "Decoupled Weight Decay Regularization" (ICLR 2019). An L2 penalty in the loss would be
    divided by $\sqrt{\hat v}$ like the rest of the gradient; decoupling keeps the decay
    uniform.

    By default only the weights `w` decay, like the loss's `l2` (the bias sets the threshold).
    `optax.adamw` decays every parameter unless given a mask: it matches
    `AdamW(..., decay_bias=True)`, or this default with `mask={"w": True, "b": False}`.

    Args:
        lr: step size $\eta$: a positive number or a schedule.
        b1: $\beta_1 \in [0, 1)$.
        b2: $\beta_2 \in [0, 1)$.
        eps: $\epsilon \ge 0$.
        weight_decay: $\lambda \ge 0$ (optax's default, `1e-4`).
        decay_bias: also decay the bias `b`.
    """

    def __init__(
        self,
        lr: LearningRate = 0.01,
        b1: float = 0.9,
        b2: float = 0.999,
        eps: float = 1e-8,
        weight_decay: float = 1e-4,
        decay_bias: bool = False,
    ) -> None:
        super().__init__(lr, b1, b2, eps)
        self.weight_decay = _check_nonnegative(weight_decay, "weight_decay")
        self.decay_bias = bool(decay_bias)

    def __repr__(self) -> str:
        return (
            f"AdamW(lr={self.lr!r}, b1={self.b1!r}, b2={self.b2!r}, eps={self.eps!r}, "
            f"weight_decay={self.weight_decay!r}, decay_bias={self.decay_bias!r})"
        )

    def update(
        self, params: Params, grads: Params, state: AdamState, objective: Any = None
    ) -> tuple[Params, AdamState]:
        """Adam's direction plus the decay term, both scaled by the learning rate."""
        lr = resolve_lr(self.lr, state.count, objective)
        direction, state = self.direction(grads, state)
        new = {k: params[k] - lr * (direction[k] + self._decay(k) * params[k]) for k in params}
        return new, state

    def _decay(self, key: str) -> float:
        return self.weight_decay if (key != "b" or self.decay_bias) else 0.0
