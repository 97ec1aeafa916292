"""Classification metrics on label arrays `y_true`, `y_pred` of shape `(m,)`.

Binary metrics treat `pos_label` (default 1) as the positive class.
"""

from __future__ import annotations

import numpy as np

from .errors import DataError


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


def precision(y_true: np.ndarray, y_pred: np.ndarray, pos_label: int = 1) -> float:
    """Of the examples predicted positive, the fraction that are: $TP / (TP + FP)$ (0 if none).

    Example:
        >>> precision([1, 0, 1, 1], [1, 1, 0, 1])
        0.6666666666666666
    """
    tp, fp, _ = _counts(y_true, y_pred, pos_label)
    return tp / (tp + fp) if tp + fp else 0.0


def recall(y_true: np.ndarray, y_pred: np.ndarray, pos_label: int = 1) -> float:
    """Of the positive examples, the fraction found: $TP / (TP + FN)$ (0 if none)."""
    tp, _, fn = _counts(y_true, y_pred, pos_label)
    return tp / (tp + fn) if tp + fn else 0.0


def f1(y_true: np.ndarray, y_pred: np.ndarray, pos_label: int = 1) -> float:
    """Harmonic mean of precision and recall: $2TP / (2TP + FP + FN)$ (0 if undefined)."""
    tp, fp, fn = _counts(y_true, y_pred, pos_label)
    return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0


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
