"""`minilogit.metrics` agrees with `sklearn.metrics` on random labels."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import sklearn.metrics as skm
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from minilogit import metrics
from minilogit.errors import ConfigError, DataError


@st.composite
def label_pairs(draw: st.DrawFn, max_classes: int = 5) -> tuple[np.ndarray, np.ndarray]:
    k = draw(st.integers(2, max_classes))
    m = draw(st.integers(1, 40))
    labels = hnp.arrays(np.int64, (m,), elements=st.integers(0, k - 1))
    return draw(labels), draw(labels)


@given(label_pairs())
def test_accuracy_matches_sklearn(pair) -> None:
    y_true, y_pred = pair
    assert metrics.accuracy(y_true, y_pred) == pytest.approx(skm.accuracy_score(y_true, y_pred))


@given(label_pairs(max_classes=2), st.sampled_from([0, 1]))
def test_binary_precision_recall_f1_match_sklearn(pair, pos_label) -> None:
    y_true, y_pred = pair
    options = {"pos_label": pos_label, "zero_division": 0, "labels": [0, 1]}
    for ours, theirs in (
        (metrics.precision, skm.precision_score),
        (metrics.recall, skm.recall_score),
        (metrics.f1, skm.f1_score),
    ):
        expected = theirs(y_true, y_pred, **options)
        assert ours(y_true, y_pred, pos_label=pos_label) == pytest.approx(expected, abs=1e-12)


@given(label_pairs(), st.sampled_from(["macro", "weighted"]))
def test_averaged_precision_recall_f1_match_sklearn(pair, average) -> None:
    y_true, y_pred = pair
    for ours, theirs in (
        (metrics.precision, skm.precision_score),
        (metrics.recall, skm.recall_score),
        (metrics.f1, skm.f1_score),
    ):
        expected = theirs(y_true, y_pred, average=average, zero_division=0)
        assert ours(y_true, y_pred, average=average) == pytest.approx(expected, abs=1e-12)


@given(label_pairs())
def test_confusion_matrix_matches_sklearn(pair) -> None:
    y_true, y_pred = pair
    ours = metrics.confusion_matrix(y_true, y_pred)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # sklearn: "a single label was found"
        np.testing.assert_array_equal(ours, skm.confusion_matrix(y_true, y_pred))
    assert ours.sum() == y_true.size
    # An explicit label order, with a label absent from both arrays and others left out.
    # (sklearn refuses labels none of which occur in y_true; the answer is then all zeros.)
    labels = [3, 0, 7]
    expected = (
        skm.confusion_matrix(y_true, y_pred, labels=labels)
        if np.isin(y_true, labels).any()
        else np.zeros((3, 3))
    )
    np.testing.assert_array_equal(metrics.confusion_matrix(y_true, y_pred, labels=labels), expected)


def test_metrics_accept_lists_and_column_vectors() -> None:
    assert metrics.accuracy([1, 0, 1], np.array([[1], [1], [1]])) == pytest.approx(2 / 3)


def test_no_positive_prediction_scores_zero_not_nan() -> None:
    assert metrics.precision([1, 1, 0], [0, 0, 0]) == 0.0
    assert metrics.recall([0, 0, 0], [0, 0, 0]) == 0.0
    assert metrics.f1([0, 0], [0, 0]) == 0.0


@pytest.mark.parametrize(
    "fn",
    [metrics.accuracy, metrics.precision, metrics.recall, metrics.f1, metrics.confusion_matrix],
)
def test_length_mismatch_and_empty_inputs_are_data_errors(fn) -> None:
    with pytest.raises(DataError, match="y_true has 3 labels but y_pred has 2; they must match"):
        fn([0, 1, 1], [0, 1])
    with pytest.raises(DataError, match="y_true is empty"):
        fn([], [])


def test_unknown_average_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="average must be 'binary', 'macro' or 'weighted'"):
        metrics.precision([0, 1], [0, 1], average="micro")
