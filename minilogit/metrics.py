"""Classification metrics on label arrays `y_true`, `y_pred` of shape `(m,)`.

Binary metrics treat `pos_label` (default 1) as the positive class. For more than two
classes, `precision`, `recall` and `f1` take `average="macro"` (the plain mean over classes)
or `"weighted"` (weighted by each class's support), and `classification_report` gives the
per-class table.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import ConfigError, DataError


def _pair(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y_true, y_pred = np.asarray(y_true).ravel(), np.asarray(y_pred).ravel()
    if y_true.shape != y_pred.shape:
        raise DataError(
            f"y_true has {y_true.size} labels but y_pred has {y_pred.size}; they must match"
        )
    if y_true.size == 0:
        raise DataError("y_true is empty")
    return y_true, y_pred


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Fraction of labels predicted exactly.

    Example:
        >>> accuracy([1, 0, 1, 1], [1, 0, 0, 1])
        0.75
    """
    y_true, y_pred = _pair(y_true, y_pred)
    return float(np.mean(y_true == y_pred))


def _counts(y_true: np.ndarray, y_pred: np.ndarray, pos_label: int) -> tuple[int, int, int]:
    y_true, y_pred = _pair(y_true, y_pred)
    t, p = y_true == pos_label, y_pred == pos_label
    return int(np.sum(t & p)), int(np.sum(~t & p)), int(np.sum(t & ~p))


def precision(
    y_true: np.ndarray, y_pred: np.ndarray, pos_label: int = 1, average: str = "binary"
) -> float:
    """Of the examples predicted positive, the fraction that are: $TP / (TP + FP)$ (0 if none).

    Args:
        pos_label: the positive class when `average="binary"`.
        average: `"binary"` (only `pos_label`), `"macro"` (mean over the classes of
            both arrays) or `"weighted"` (mean weighted by each class's count in `y_true`).

    Example:
        >>> precision([1, 0, 1, 1], [1, 1, 0, 1])
        0.6666666666666666
        >>> precision([0, 1, 2, 2], [0, 2, 2, 2], average="macro")  # (1 + 0 + 2/3) / 3
        0.5555555555555555
    """
    return _averaged("precision", y_true, y_pred, pos_label, average)


def recall(
    y_true: np.ndarray, y_pred: np.ndarray, pos_label: int = 1, average: str = "binary"
) -> float:
    """Of the positive examples, the fraction found: $TP / (TP + FN)$ (0 if none).

    `average` works as in [`precision`][minilogit.metrics.precision].
    """
    return _averaged("recall", y_true, y_pred, pos_label, average)


def f1(
    y_true: np.ndarray, y_pred: np.ndarray, pos_label: int = 1, average: str = "binary"
) -> float:
    """Harmonic mean of precision and recall: $2TP / (2TP + FP + FN)$ (0 if undefined).

    `average` works as in [`precision`][minilogit.metrics.precision]; the macro F1 is the
    mean of the per-class F1 scores.
    """
    return _averaged("f1", y_true, y_pred, pos_label, average)


def _ratios(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> dict[str, np.ndarray]:
    """Precision, recall and F1 from counts (arrays or ints); 0 where undefined."""
    tp, fp, fn = (np.asarray(a, dtype=np.float64) for a in (tp, fp, fn))

    def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
        return np.divide(num, den, out=np.zeros_like(num), where=den > 0)

    return {
        "precision": ratio(tp, tp + fp),
        "recall": ratio(tp, tp + fn),
        "f1": ratio(2 * tp, 2 * tp + fp + fn),
    }


def _averaged(
    metric: str, y_true: np.ndarray, y_pred: np.ndarray, pos_label: int, average: str
) -> float:
    if average == "binary":
        return float(_ratios(*_counts(y_true, y_pred, pos_label))[metric])
    if average not in ("macro", "weighted"):
        raise ConfigError(f"average must be 'binary', 'macro' or 'weighted', got {average!r}")
    C = confusion_matrix(y_true, y_pred)
    tp = np.diag(C)
    scores = _ratios(tp, C.sum(axis=0) - tp, C.sum(axis=1) - tp)[metric]
    weights = C.sum(axis=1) if average == "weighted" else np.ones(tp.size)
    return float(np.sum(scores * weights) / np.sum(weights))


def confusion_matrix(
    y_true: np.ndarray, y_pred: np.ndarray, labels: np.ndarray | None = None
) -> np.ndarray:
    """Counts `C[i, j]` of examples with true label `labels[i]` predicted as `labels[j]`.

    Args:
        labels: row/column order; defaults to the sorted union of both arrays.

    Example:
        >>> confusion_matrix([0, 1, 1, 0], [0, 1, 0, 0]).tolist()
        [[2, 0], [1, 1]]
    """
    y_true, y_pred = _pair(y_true, y_pred)
    labels = np.union1d(y_true, y_pred) if labels is None else np.asarray(labels)
    index = {v: i for i, v in enumerate(labels.tolist())}
    out = np.zeros((labels.size, labels.size), dtype=np.int64)
    for t, p in zip(y_true.tolist(), y_pred.tolist(), strict=True):
        if t in index and p in index:
            out[index[t], index[p]] += 1
    return out


def classification_report(
    y_true: np.ndarray, y_pred: np.ndarray, labels: np.ndarray | None = None
) -> Any:
    """Per-class precision, recall, F1 and support, then their macro and weighted averages.

    Args:
        labels: the classes to list, in order; defaults to the sorted union of both arrays.

    Returns:
        A pandas DataFrame indexed by class, then `"macro avg"` and `"weighted avg"`, with
        columns `precision`, `recall`, `f1` and `support` (the count in `y_true`).

    Example:
        >>> classification_report([0, 1, 2, 2], [0, 2, 2, 2]).round(3)
                      precision  recall    f1  support
        0                 1.000   1.000  1.00        1
        1                 0.000   0.000  0.00        1
        2                 0.667   1.000  0.80        2
        macro avg         0.556   0.667  0.60        4
        weighted avg      0.583   0.750  0.65        4
    """
    import pandas as pd

    y_true, y_pred = _pair(y_true, y_pred)
    labels = np.union1d(y_true, y_pred) if labels is None else np.asarray(labels)
    C = confusion_matrix(y_true, y_pred, labels=labels)
    tp = np.diag(C)
    # Examples whose label is outside `labels` still count as misses and false alarms.
    support = np.array([np.sum(y_true == c) for c in labels.tolist()], dtype=np.int64)
    predicted = np.array([np.sum(y_pred == c) for c in labels.tolist()], dtype=np.int64)
    table = pd.DataFrame(_ratios(tp, predicted - tp, support - tp), index=labels.tolist())
    table["support"] = support
    scores = table[["precision", "recall", "f1"]]
    total = max(int(support.sum()), 1)
    table.loc["macro avg"] = [*scores.mean(axis=0), support.sum()]
    table.loc["weighted avg"] = [*(scores.mul(support, axis=0).sum(axis=0) / total), support.sum()]
    table["support"] = table["support"].astype(np.int64)
    return table
