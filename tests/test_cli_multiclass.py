"""`minilogit train --multiclass`, `train --save` and `minilogit predict`."""

from __future__ import annotations

import json

import numpy as np
import pytest

import minilogit as ml
from minilogit.cli.train import prepare_scaled


def test_softmax_reports_per_class_results(cli) -> None:
    status, out, err = cli("train", "--multiclass", "--optimizer", "lbfgs", "--lr", "1")
    assert status == 0, err
    assert "multiclass (softmax)" in out and "Softmax(64, 10)" in out
    assert "per-class results on the test part:" in out
    lines = out.splitlines()
    header = lines.index("per-class results on the test part:") + 1
    assert lines[header].split() == ["precision", "recall", "f1", "support"]
    assert [line.split()[0] for line in lines[header + 1 : header + 11]] == [
        str(d) for d in range(10)
    ]
    assert lines[header + 11].startswith("macro avg")
    accuracy = float(out.split("test accuracy: ")[1].split(" %")[0])
    assert accuracy > 95


def test_ovr_json(cli) -> None:
    status, out, _ = cli(
        "train", "--multiclass", "--strategy", "ovr", "--iterations", "30", "--json"
    )
    assert status == 0
    result = json.loads(out)
    assert result["task"] == "multiclass (ovr)" and result["classes"] == list(range(10))
    assert set(result["per_class"]["7"]) == {"precision", "recall", "f1", "support"}
    assert sum(row["support"] for row in result["per_class"].values()) == result["n_test"]
    assert result["costs"][0] == [0, pytest.approx(10 * np.log(2.0))]  # ten binary costs
    assert result["test_accuracy"] > 85 and 0 < result["macro_f1"] <= 1


def test_strategy_needs_multiclass(cli) -> None:
    status, _, err = cli("train", "--strategy", "ovr")
    assert status == 2 and err.startswith("error: --strategy applies to --multiclass")


def test_labels_only_in_the_test_part_are_an_error(cli, sorted_workbook) -> None:
    # The article's trap, multiclass edition: a head split of a sorted workbook.
    status, _, err = cli("train", "--data", str(sorted_workbook), "--multiclass", "--split", "head")
    assert status == 2
    assert "labels [9, 10] occur in the test part but not in the training part" in err


@pytest.mark.parametrize("strategy", ["softmax", "ovr"])
def test_saved_multiclass_model_predicts_like_the_trained_one(cli, tmp_path, strategy) -> None:
    path = tmp_path / "model.npz"
    status, out, err = cli(
        "train", "--multiclass", "--strategy", strategy, "--iterations", "40", "--save", str(path)
    )
    assert status == 0, err
    assert f"model saved to {path}" in out
    saved = ml.load(path)
    assert saved.metadata["info"]["task"] == f"multiclass ({strategy})"
    assert saved.mean is not None  # the CLI standardizes by default; the file remembers it
    status, out, err = cli("predict", "--model", str(path))
    assert status == 0, err
    predictions = np.array(out.split(), dtype=int)
    digits = ml.datasets.load_digits()
    np.testing.assert_array_equal(predictions, saved.predict(digits.X))
    assert f"accuracy {100 * np.mean(predictions == digits.y):.2f} %" in err


def test_saved_scaling_is_the_training_part_s(cli, tmp_path) -> None:
    path = tmp_path / "model.npz"
    assert cli("train", "--iterations", "5", "--seed", "3", "--save", str(path))[0] == 0
    args = ml.cli.build_parser().parse_args(["train", "--seed", "3"])
    train, _, _, (mean, std) = prepare_scaled(args)
    saved = ml.load(path)
    np.testing.assert_array_equal(saved.mean, mean)
    np.testing.assert_array_equal(saved.std, std)
    np.testing.assert_allclose(
        saved.transform(ml.datasets.load_digits().X).mean(axis=0), 0.0, atol=0.2
    )
    assert train.m == 1438


def test_binary_model_accuracy_is_against_the_digit(cli, tmp_path) -> None:
    path = tmp_path / "three.npz"
    assert cli("train", "--digit", "3", "--iterations", "50", "--save", str(path))[0] == 0
    status, out, err = cli("predict", "--model", str(path), "--json")
    assert status == 0, err
    result = json.loads(out)
    digits = ml.datasets.load_digits()
    predictions = np.array(result["predictions"])
    assert set(predictions.tolist()) == {0, 1}
    expected = 100 * np.mean(predictions == (digits.y == 3))
    assert result["accuracy"] == pytest.approx(expected) and result["accuracy"] > 95
    assert result["task"] == "digit 3 vs rest" and result["n"] == digits.m


def test_predict_errors(cli, tmp_path, sorted_workbook) -> None:
    status, _, err = cli("predict", "--model", str(tmp_path / "none.npz"))
    assert status == 2 and "no such model file" in err
    bad = tmp_path / "bad.npz"
    bad.write_text("not a model")
    status, _, err = cli("predict", "--model", str(bad))
    assert status == 2 and "not an .npz (zip) archive" in err
    model = tmp_path / "m.npz"
    ml.save(model, ml.Softmax(64, 10))
    status, _, err = cli("predict", "--model", str(model), "--data", str(sorted_workbook))
    assert status == 2 and "has 16 features but the model in" in err and "expects 64" in err
    status, _, err = cli("predict")
    assert status == 2 and "--model" in err


def test_save_to_a_missing_directory_fails_before_training(cli, tmp_path) -> None:
    status, out, err = cli("train", "--save", str(tmp_path / "no" / "m.npz"))
    assert status == 2 and "does not exist" in err and out == ""
