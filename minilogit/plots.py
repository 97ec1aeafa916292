"""Figures people want to look at: cost curves, learning rates, weights, mistakes, races.

Every function returns a `matplotlib.figure.Figure` and, given `path`, also saves it
(atomically: a failed save leaves no file). The format follows the suffix: `.png`, `.pdf` or
`.svg`. Figures are built without `pyplot`, so they work with any backend (and in a CLI with no
display); in Jupyter a returned figure shows itself, and `fig.savefig(...)` works as usual.

This module imports matplotlib; `import minilogit` does not (it loads `minilogit.plots` on
first use of `ml.plots`).

```python
history = trainer.fit(X, y, iterations=500, eval_set=(X_test, y_test))
ml.plots.cost_curve(history, path="cost.png")
```
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure

from ._tree import Params
from .errors import ConfigError, DataError
from .metrics import accuracy
from .metrics import confusion_matrix as _confusion_counts
from .workbook import atomic_write

#: File suffixes `save` understands, mapped to matplotlib's format names.
FORMATS = {".png": "png", ".pdf": "pdf", ".svg": "svg"}
_DPI = 120
_SINGLE = (6.4, 4.4)
_DOUBLE = (11.5, 4.4)
_TRAIN, _TEST = "#1f4e79", "#d9822b"


def check_path(path: str | Path, option: str = "path") -> Path:
    """`path` as a Path whose suffix names a format, or a ConfigError saying which work.

    Example:
        >>> check_path("cost.png").suffix
        '.png'
    """
    out = Path(path)
    if out.suffix.lower() not in FORMATS:
        raise ConfigError(
            f"{option} {path}: cannot tell the image format; end the file name in "
            + ", ".join(FORMATS)
        )
    return out


def save(fig: Figure, path: str | Path) -> Path:
    """Write `fig` to `path` atomically, in the format its suffix names; return the path."""
    out = check_path(path)
    if not out.parent.resolve().is_dir():
        raise ConfigError(f"path {path}: directory {out.parent} does not exist")
    fmt = FORMATS[out.suffix.lower()]
    atomic_write(out, lambda tmp: fig.savefig(tmp, format=fmt, dpi=_DPI))
    return out


def _figure(size: tuple[float, float] = _SINGLE) -> Figure:
    return Figure(figsize=size, dpi=_DPI, layout="constrained")


def _style(ax: Any, title: str, xlabel: str, ylabel: str) -> None:
    ax.set_title(title, fontsize=12)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, alpha=0.3, linewidth=0.6)
    ax.spines[["top", "right"]].set_visible(False)


def _done(fig: Figure, path: str | Path | None) -> Figure:
    if path is not None:
        save(fig, path)
    return fig


def _points(pairs: Sequence[tuple[int, float]]) -> tuple[np.ndarray, np.ndarray]:
    if not pairs:
        return np.empty(0), np.empty(0)
    it, val = zip(*pairs, strict=True)
    return np.asarray(it, dtype=float), np.asarray(val, dtype=float)


def _series(history: Any, record_every: int, final: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """`(iterations, costs)` from a History, `(iteration, cost)` pairs or plain costs.

    With `final`, a History's cost after its last step (never a record point) is appended.
    """
    costs = getattr(history, "costs", history)
    if not (len(costs) and np.ndim(costs[0]) == 1):
        values = np.asarray(costs, dtype=float)
        return np.arange(values.size) * record_every, values
    it, values = _points(costs)
    last, steps = getattr(history, "final_cost", math.nan), getattr(history, "iterations", 0)
    if final and np.isfinite(last) and steps > it[-1]:
        it, values = np.append(it, steps), np.append(values, last)
    return it, values


def cost_curve(
    history: Any,
    title: str = "Cost during training",
    path: str | Path | None = None,
    record_every: int = 100,
) -> Figure:
    """The article's scatter of the cost against the iteration, plus the test cost if known.

    Args:
        history: a [`History`][minilogit.History], a list of `(iteration, cost)` pairs, or the
            article's plain list of costs (one every `record_every` iterations).
        title: the figure title.
        path: save the figure here too.
        record_every: spacing of a plain list of costs (the article's 100).
    """
    it, cost = _series(history, record_every)
    fig = _figure()
    ax = fig.add_subplot()
    marker = "o" if it.size <= 60 else None
    ax.plot(it, cost, color=_TRAIN, marker=marker, markersize=4, linewidth=1.2, label="train")
    eval_it, eval_cost = _points(getattr(history, "eval_costs", []))
    if eval_it.size:
        ax.plot(
            eval_it,
            eval_cost,
            color=_TEST,
            marker=marker,
            markersize=4,
            linewidth=1.2,
            linestyle="--",
            label="test",
        )
        ax.legend(frameon=False)
    _style(ax, title, "iteration", "cost J (mean cross-entropy)")
    ax.set_ylim(bottom=0)
    return _done(fig, path)


def learning_rate_curves(
    histories: Mapping[float, Any],
    title: str = "Cost for each learning rate",
    path: str | Path | None = None,
) -> Figure:
    """Cost curves, one per learning rate, like the article's comparison figure.

    When the histories recorded an `eval_set`, a second panel shows train (solid) and test
    (dashed) accuracy as training goes on: where they part is where the model starts to
    fit the training set better than it generalises.

    Args:
        histories: learning rate -> [`History`][minilogit.History].
    """
    if not histories:
        raise ConfigError("learning_rate_curves needs at least one history")
    with_acc = all(getattr(h, "eval_accuracy", None) for h in histories.values())
    fig = _figure(_DOUBLE if with_acc else _SINGLE)
    axes = fig.subplots(1, 2) if with_acc else [fig.add_subplot()]
    rates = sorted(histories)
    cmap = colormaps["viridis"]
    colours = {lr: cmap(0.1 + 0.75 * i / max(len(rates) - 1, 1)) for i, lr in enumerate(rates)}
    for lr in rates:
        it, cost = _series(histories[lr], 1, final=True)
        axes[0].plot(it, cost, color=colours[lr], linewidth=1.6, label=f"lr = {lr:g}")
    _style(axes[0], title, "iteration", "cost J (mean cross-entropy)")
    axes[0].set_ylim(bottom=0)
    axes[0].legend(frameon=False, title="learning rate")
    if with_acc:
        for lr in rates:
            h = histories[lr]
            for pairs, style in ((h.train_accuracy, "-"), (h.eval_accuracy, "--")):
                it, acc = _points(pairs)
                axes[1].plot(it, 100 * acc, color=colours[lr], linestyle=style, linewidth=1.4)
        axes[1].plot([], [], color="grey", label="train")
        axes[1].plot([], [], color="grey", linestyle="--", label="test")
        axes[1].legend(frameon=False)
        _style(axes[1], "Train and test accuracy", "iteration", "accuracy (%)")
    return _done(fig, path)


def _image_grid(count: int, max_cols: int) -> tuple[int, int]:
    cols = min(count, max_cols)
    return math.ceil(count / cols), cols


def weights_image(
    params: Params,
    image_shape: tuple[int, int] | None,
    title: str = "What the model looks for",
    path: str | Path | None = None,
    labels: Sequence[Any] | None = None,
) -> Figure:
    """The weights drawn as an image in the data's image shape, one panel per class.

    Red pixels push the score towards the class, blue ones away from it; the colour scale
    is symmetric around 0 and shared by all panels.

    Args:
        params: `{"w": (n,) or (n, k), ...}`.
        image_shape: e.g. `Dataset.image_shape`, `(8, 8)`.
        labels: panel titles for the `k` columns (default `class 0`, `class 1`, ...).
    """
    if image_shape is None:
        raise ConfigError("these features have no image shape; pass image_shape=(height, width)")
    w = np.asarray(params["w"], dtype=float)
    columns = w[:, None] if w.ndim == 1 else w
    if columns.shape[0] != int(np.prod(image_shape)):
        raise DataError(
            f"w has {columns.shape[0]} features; image_shape {tuple(image_shape)} holds "
            f"{int(np.prod(image_shape))}"
        )
    k = columns.shape[1]
    labels = list(labels) if labels is not None else [f"class {c}" for c in range(k)]
    rows, cols = _image_grid(k, 5)
    fig = _figure((2.3 * cols + 1.2, 2.4 * rows + 0.6) if k > 1 else (5.2, 4.4))
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    limit = float(np.max(np.abs(columns))) or 1.0
    for c, ax in enumerate(axes):
        ax.set_axis_off()
        if c >= k:
            continue
        image = ax.imshow(
            columns[:, c].reshape(image_shape),
            cmap="RdBu_r",
            vmin=-limit,
            vmax=limit,
            interpolation="nearest",
        )
        if k > 1:
            ax.set_title(str(labels[c]), fontsize=10)
    fig.colorbar(image, ax=list(axes), shrink=0.85, label="weight (red: towards the class)")
    fig.suptitle(title, fontsize=12)
    return _done(fig, path)


def confusion_matrix(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    labels: Sequence[Any] | None = None,
    title: str | None = None,
    path: str | Path | None = None,
) -> Figure:
    """Counts of true label (rows) against predicted label (columns), annotated.

    Args:
        y_true: `(m,)` true labels.
        y_pred: `(m,)` predictions.
        labels: row/column order (default: every label seen).
        title: default `Confusion matrix (accuracy ...)`.
    """
    counts = _confusion_counts(y_true, y_pred, None if labels is None else np.asarray(labels))
    names = np.union1d(y_true, y_pred) if labels is None else np.asarray(labels)
    k = names.size
    fig = _figure((max(4.2, 0.55 * k + 2.2), max(3.6, 0.5 * k + 1.6)))
    ax = fig.add_subplot()
    image = ax.imshow(counts, cmap="Blues", vmin=0)
    top = counts.max() or 1
    for (i, j), v in np.ndenumerate(counts):
        ax.text(
            j,
            i,
            str(v),
            ha="center",
            va="center",
            fontsize=9 if k > 6 else 11,
            color="white" if v > top / 2 else "black",
        )
    ax.set_xticks(range(k), [str(v) for v in names.tolist()])
    ax.set_yticks(range(k), [str(v) for v in names.tolist()])
    acc = 100 * accuracy(y_true, y_pred)
    ax.set_title(title or f"Confusion matrix (accuracy {acc:.1f} %)", fontsize=12)
    ax.set_xlabel("predicted label")
    ax.set_ylabel("true label")
    fig.colorbar(image, ax=ax, shrink=0.85, label="examples")
    return _done(fig, path)


def misclassified(
    X: np.ndarray,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    image_shape: tuple[int, int] | None,
    max_examples: int = 24,
    title: str | None = None,
    path: str | Path | None = None,
) -> Figure:
    """A grid of the examples the model got wrong, each titled `true -> predicted`.

    Args:
        X: `(m, n)` examples, best unscaled so they look like the original images.
        y_true: `(m,)` true labels.
        y_pred: `(m,)` predictions.
        image_shape: shape of one image, e.g. `(8, 8)`.
        max_examples: show at most this many (the first ones).
    """
    if image_shape is None:
        raise ConfigError("these features have no image shape; pass image_shape=(height, width)")
    X = np.asarray(X, dtype=float)
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if not (X.shape[0] == y_true.size == y_pred.size):
        raise DataError(
            f"X has {X.shape[0]} rows, y_true {y_true.size} and y_pred {y_pred.size}; "
            "they must match"
        )
    wrong = np.flatnonzero(y_true != y_pred)
    shown = wrong[:max_examples]
    rows, cols = _image_grid(max(shown.size, 1), 8)
    fig = _figure((max(1.5 * cols + 0.4, 6.0), 1.65 * rows + 0.7))  # room for the title
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    for ax in axes[shown.size :]:
        ax.set_axis_off()
    for ax, i in zip(axes, shown, strict=False):
        ax.imshow(X[i].reshape(image_shape), cmap="gray_r", interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"{y_true[i]} → {y_pred[i]}", fontsize=9, color="#b22222")
    if not shown.size:
        axes[0].text(0.5, 0.5, "no misclassified examples", ha="center", va="center")
    fig.suptitle(
        title
        or f"Misclassified: {wrong.size} of {y_true.size} (showing {shown.size}; true → predicted)",
        fontsize=11,
    )
    return _done(fig, path)


def optimizer_race(
    histories: Mapping[str, Any],
    title: str = "Optimizer race",
    path: str | Path | None = None,
) -> Figure:
    """Cost against iteration and against wall time, one line per optimizer.

    Args:
        histories: optimizer name -> [`History`][minilogit.History] recorded with
            `record_every=1` (its `times` give the second panel).
    """
    if not histories:
        raise ConfigError("optimizer_race needs at least one history")
    fig = _figure(_DOUBLE)
    by_iter, by_time = fig.subplots(1, 2, sharey=True)
    cmap = colormaps["tab10"]
    for i, (name, h) in enumerate(histories.items()):
        it, cost = _points(h.costs)
        times = np.asarray(h.times, dtype=float)
        colour = cmap(i % 10)
        by_iter.plot(it, cost, color=colour, linewidth=1.6, label=name)
        if times.size == cost.size:
            by_time.plot(1e3 * times, cost, color=colour, linewidth=1.6, label=name)
    for ax in (by_iter, by_time):
        ax.set_yscale("log")
    _style(by_iter, "Cost per iteration", "iteration", "cost J (log scale)")
    _style(by_time, "Cost per wall time", "time (ms, excluding recording)", "")
    by_iter.legend(frameon=False)
    fig.suptitle(title, fontsize=13)
    return _done(fig, path)


def _two_features(X: np.ndarray) -> np.ndarray:
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2:
        raise DataError(f"this plot needs 2-feature data, X (m, 2); got shape {X.shape}")
    return X


def _grid(lo: np.ndarray, hi: np.ndarray, margin: float, num: int = 200) -> tuple[Any, Any]:
    pad = margin * np.maximum(hi - lo, 1e-9)
    return np.meshgrid(
        np.linspace(lo[0] - pad[0], hi[0] + pad[0], num),
        np.linspace(lo[1] - pad[1], hi[1] + pad[1], num),
    )


def decision_boundary(
    X: np.ndarray,
    y: np.ndarray,
    params: Params,
    title: str = "Decision boundary",
    path: str | Path | None = None,
) -> Figure:
    r"""2-feature data with $P(y = 1 \mid x)$ shaded and the boundary $P = 1/2$ drawn.

    Args:
        X: `(m, 2)` examples.
        y: `(m,)` labels 0/1.
        params: a binary model's `{"w": (2,), "b": ()}`.
    """
    from .models import sigmoid

    X = _two_features(X)
    y = np.asarray(y)
    g0, g1 = _grid(X.min(axis=0), X.max(axis=0), 0.08)
    w, b = np.asarray(params["w"], dtype=float), float(params["b"])
    proba = sigmoid(g0 * w[0] + g1 * w[1] + b)
    fig = _figure((6.2, 4.8))
    ax = fig.add_subplot()
    shade = ax.contourf(g0, g1, proba, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.35)
    ax.contour(g0, g1, proba, levels=[0.5], colors="black", linewidths=1.8)
    for label, colour, marker in ((0, "#2166ac", "o"), (1, "#b2182b", "^")):
        rows = y == label
        ax.scatter(
            X[rows, 0],
            X[rows, 1],
            s=18,
            c=colour,
            marker=marker,
            edgecolors="white",
            linewidths=0.4,
            label=f"y = {label}",
        )
    ax.plot([], [], color="black", label="boundary P = 0.5")
    ax.legend(frameon=True, loc="best", fontsize=9)
    fig.colorbar(shade, ax=ax, label="P(y = 1 | x)")
    _style(ax, title, "feature x₁", "feature x₂")
    ax.grid(False)
    return _done(fig, path)


def loss_contours(
    loss: Any,
    X: np.ndarray,
    y: np.ndarray,
    trajectory: Sequence[Params],
    title: str = "The optimizer's path on the cost surface",
    path: str | Path | None = None,
) -> Figure:
    r"""Contours of $J(w_1, w_2)$ with the optimizer's path through them.

    The cost depends on $(w_1, w_2, b)$; the contours are the slice at the path's final $b$
    (said in the subtitle). For data centred at the origin $b$ barely moves, so the slice is
    the surface the path really walks on.

    Args:
        loss: e.g. [`BinaryCrossEntropy`][minilogit.losses.BinaryCrossEntropy].
        X: `(m, 2)` examples.
        y: `(m,)` labels 0/1.
        trajectory: the parameters after each step, starting point first.
    """
    X = _two_features(X)
    if len(trajectory) < 2:
        raise ConfigError("loss_contours needs a trajectory of at least two parameter sets")
    path_w = np.array([np.asarray(p["w"], dtype=float) for p in trajectory])
    b = float(trajectory[-1]["b"])
    # A square window around the path, drawn with equal axes, so the contours keep their shape.
    centre = (path_w.min(axis=0) + path_w.max(axis=0)) / 2
    half = np.full(2, max(np.ptp(path_w, axis=0).max() / 2, 1e-3))
    g0, g1 = _grid(centre - half, centre + half, 0.2, num=90)
    costs = np.array(
        [
            loss.value({"w": np.array([a, c]), "b": np.asarray(b)}, X, y)
            for a, c in zip(g0.ravel(), g1.ravel(), strict=True)
        ]
    ).reshape(g0.shape)
    fig = _figure((5.6, 5.4))
    ax = fig.add_subplot()
    levels = np.quantile(costs, np.linspace(0.0, 1.0, 16) ** 2)
    lines = ax.contour(g0, g1, costs, levels=np.unique(levels), cmap="viridis", linewidths=1.0)
    ax.clabel(lines, inline=True, fontsize=7, fmt="%.3g")
    ax.plot(
        path_w[:, 0],
        path_w[:, 1],
        color="#b22222",
        marker="o",
        markersize=2.5,
        linewidth=1.2,
        label=f"path ({len(trajectory) - 1} steps)",
    )
    ax.plot(*path_w[0], marker="s", color="black", markersize=7, linestyle="", label="start")
    ax.plot(*path_w[-1], marker="*", color="#b22222", markersize=13, linestyle="", label="end")
    ax.legend(frameon=True, fontsize=9)
    _style(ax, f"{title}\n(cost slice at b = {b:.3g})", "weight w₁", "weight w₂")
    ax.set_aspect("equal")
    ax.grid(False)
    return _done(fig, path)
