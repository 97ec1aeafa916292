"""`minilogit.plots`: every figure has its content, labels and title, and saves atomically."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

import minilogit as ml
from minilogit.errors import ConfigError, DataError

PNG = b"\x89PNG\r\n\x1a\n"
plots = ml.plots


@pytest.fixture(scope="module")
def trained() -> dict:
    """Small trainings on the embedded digits: one with a test set, one per learning rate."""
    data = ml.datasets.load_digits().one_vs_rest(1)
    train, test = data.split(0.2, seed=0)
    train, test = train.standardized(), test.standardized(reference=train)
    histories, models = {}, {}
    for lr in (0.01, 0.1):
        models[lr] = ml.Logistic(train.n)
        trainer = ml.Trainer(
            models[lr], ml.losses.BinaryCrossEntropy(), ml.optim.GradientDescent(lr)
        )
        histories[lr] = trainer.fit(
            train.X, train.y, iterations=40, record_every=10, eval_set=(test.X, test.y)
        )
    return {"train": train, "test": test, "histories": histories, "model": models[0.1]}


def _texts(fig: Figure) -> str:
    ax_texts = [t for ax in fig.axes for t in (ax.get_title(), ax.get_xlabel(), ax.get_ylabel())]
    return " | ".join([*ax_texts, fig.get_suptitle()])


def test_cost_curve_from_a_history_with_a_test_set(trained: dict, tmp_path: Path) -> None:
    path = tmp_path / "cost.png"
    fig = plots.cost_curve(trained["histories"][0.1], title="Digit 1", path=path)
    ax = fig.axes[0]
    train_line, test_line = ax.get_lines()
    assert list(train_line.get_xdata()) == [0, 10, 20, 30]
    assert list(train_line.get_ydata()) == [c for _, c in trained["histories"][0.1].costs]
    assert test_line.get_label() == "test" and test_line.get_linestyle() == "--"
    assert ax.get_title() == "Digit 1" and ax.get_xlabel() == "iteration"
    assert "cost" in ax.get_ylabel()
    assert path.read_bytes().startswith(PNG)


def test_cost_curve_from_the_article_list_of_costs() -> None:
    fig = plots.cost_curve([0.69, 0.4, 0.3], record_every=100)
    (line,) = fig.axes[0].get_lines()
    assert list(line.get_xdata()) == [0, 100, 200] and fig.axes[0].get_legend() is None


def test_learning_rate_curves_one_line_per_rate_and_an_accuracy_panel(trained: dict) -> None:
    fig = plots.learning_rate_curves(trained["histories"])
    costs, accuracy = fig.axes
    labels = [line.get_label() for line in costs.get_lines()]
    assert labels == ["lr = 0.01", "lr = 0.1"]
    # The cost curves end at the last step (40), not the last record point (30).
    assert costs.get_lines()[0].get_xdata()[-1] == 40
    assert accuracy.get_ylabel() == "accuracy (%)"
    assert len(accuracy.get_lines()) == 2 * 2 + 2  # train and test per rate, two legend keys
    with pytest.raises(ConfigError, match="at least one history"):
        plots.learning_rate_curves({})


def test_weights_image_binary_and_per_class(trained: dict) -> None:
    fig = plots.weights_image(trained["model"].params, (8, 8))
    image = fig.axes[0].get_images()[0]
    np.testing.assert_array_equal(image.get_array(), trained["model"].params["w"].reshape(8, 8))
    lo, hi = image.get_clim()
    assert lo == -hi  # a diverging scale centred on 0
    W = {"w": np.arange(64 * 3, dtype=float).reshape(64, 3), "b": np.zeros(3)}
    fig = plots.weights_image(W, (8, 8), labels=["zero", "one", "two"])
    titles = [ax.get_title() for ax in fig.axes if ax.get_images()]
    assert titles == ["zero", "one", "two"]
    with pytest.raises(ConfigError, match="no image shape"):
        plots.weights_image(W, None)
    with pytest.raises(DataError, match="w has 64 features; image_shape"):
        plots.weights_image(W, (4, 4))


def test_confusion_matrix_annotates_every_count() -> None:
    y_true, y_pred = [0, 0, 1, 1, 2], [0, 1, 1, 1, 0]
    fig = plots.confusion_matrix(y_true, y_pred)
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["1", "1", "0", "0", "2", "0", "1", "0", "0"]
    assert ax.get_title() == "Confusion matrix (accuracy 60.0 %)"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("predicted label", "true label")


def test_misclassified_shows_the_wrong_ones_with_both_labels(trained: dict) -> None:
    test = trained["test"]
    pred = trained["model"].predict(test.X)
    wrong = np.flatnonzero(pred != test.y)
    fig = plots.misclassified(test.X, test.y, pred, (8, 8), max_examples=3)
    shown = [ax for ax in fig.axes if ax.get_images()]
    assert len(shown) == min(3, wrong.size) > 0
    assert shown[0].get_title() == f"{test.y[wrong[0]]} → {pred[wrong[0]]}"
    assert f"Misclassified: {wrong.size} of {test.m}" in fig.get_suptitle()
    fig = plots.misclassified(test.X, test.y, test.y, (8, 8))
    assert "no misclassified examples" in [t.get_text() for t in fig.axes[0].texts]
    with pytest.raises(DataError, match="they must match"):
        plots.misclassified(test.X, test.y[:3], pred, (8, 8))


def test_optimizer_race_two_panels(trained: dict) -> None:
    fig = plots.optimizer_race(
        {"slow": trained["histories"][0.01], "fast": trained["histories"][0.1]}
    )
    by_iter, by_time = fig.axes
    assert [line.get_label() for line in by_iter.get_lines()] == ["slow", "fast"]
    assert len(by_time.get_lines()) == 2 and by_iter.get_yscale() == "log"
    assert "time (ms" in by_time.get_xlabel()


def _toy() -> tuple[np.ndarray, np.ndarray, list]:
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 20)
    X = rng.normal(size=(40, 2)) + np.where(y[:, None] == 1, 1.0, -1.0)
    loss, opt = ml.losses.BinaryCrossEntropy(), ml.optim.GradientDescent(1.0)
    params = {"w": np.zeros(2), "b": np.asarray(0.0)}
    state, path = opt.init(params), [params]
    for _ in range(5):
        params, state = opt.update(params, loss.grad(params, X, y), state)
        path.append(params)
    return X, y, path


def test_decision_boundary_and_loss_contours_on_two_features(tmp_path: Path) -> None:
    X, y, path = _toy()
    fig = plots.decision_boundary(X, y, path[-1], path=tmp_path / "b.svg")
    assert (tmp_path / "b.svg").read_text().lstrip().startswith("<?xml")
    assert "feature x₁" in _texts(fig)
    fig = plots.loss_contours(ml.losses.BinaryCrossEntropy(), X, y, path)
    ax = fig.axes[0]
    line = ax.get_lines()[0]
    np.testing.assert_allclose(line.get_xdata(), [p["w"][0] for p in path])
    assert line.get_label() == "path (5 steps)" and "cost slice at b =" in ax.get_title()
    with pytest.raises(DataError, match="needs 2-feature data"):
        plots.decision_boundary(np.ones((3, 3)), [0, 1, 0], path[-1])
    with pytest.raises(ConfigError, match="at least two parameter sets"):
        plots.loss_contours(ml.losses.BinaryCrossEntropy(), X, y, path[:1])


def test_save_is_atomic_and_checks_the_path(tmp_path: Path, monkeypatch) -> None:
    fig = plots.cost_curve([0.5, 0.4])
    with pytest.raises(ConfigError, match="cannot tell the image format; end the file name in"):
        plots.save(fig, tmp_path / "cost.jpg2")
    with pytest.raises(ConfigError, match="does not exist"):
        plots.save(fig, tmp_path / "nowhere" / "cost.png")

    def broken(*args, **kwargs):
        Path(args[0]).write_bytes(b"half a png")
        raise RuntimeError("disk full")

    monkeypatch.setattr(fig, "savefig", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        plots.save(fig, tmp_path / "cost.png")
    assert list(tmp_path.iterdir()) == []


def test_importing_minilogit_does_not_import_matplotlib() -> None:
    code = (
        "import sys, minilogit as ml; assert 'matplotlib' not in sys.modules; "
        "ml.plots; assert 'matplotlib' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
