"""Model files: bit-exact round trips, no pickle, atomic writes, clear errors for bad files."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minilogit as ml
from minilogit import persist
from minilogit.errors import ConfigError, ModelFileError
from minilogit.losses import CrossEntropy

# Any finite float64: subnormals, -0.0 and the extremes must survive bit for bit.
FLOATS = st.floats(allow_nan=False, allow_infinity=False, allow_subnormal=True)


@st.composite
def models(draw: st.DrawFn):
    kind = draw(st.sampled_from(["Logistic", "Softmax", "OneVsRest"]))
    n = draw(st.integers(1, 5))
    if kind == "Logistic":
        model = ml.Logistic(n)
        k = 2
    else:
        k = draw(st.integers(2, 4))
        model = ml.Softmax(n, k) if kind == "Softmax" else ml.OneVsRest(n, range(10, 10 + k))
    model.params = {
        key: draw(hnp.arrays(np.float64, np.shape(value), elements=FLOATS))
        for key, value in model.params.items()
    }
    return model


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@given(model=models(), scaled=st.booleans())
def test_round_trip_is_bit_exact(tmp_path_factory, model, scaled) -> None:
    path = tmp_path_factory.mktemp("models") / "model.npz"
    n = model.n_features
    scaling = {"mean": np.linspace(-1, 1, n), "std": np.linspace(0.5, 2, n)} if scaled else {}
    ml.save(path, model, **scaling)
    saved = ml.load(path)
    assert type(saved.model) is type(model)
    for key in ("w", "b"):
        assert _same_bits(saved.model.params[key], np.asarray(model.params[key]))
    if scaled:
        assert _same_bits(saved.mean, scaling["mean"]) and _same_bits(saved.std, scaling["std"])
    else:
        assert saved.mean is None and saved.std is None
    k = 2 if isinstance(model, ml.Logistic) else model.n_classes
    np.testing.assert_array_equal(saved.classes, getattr(model, "classes", np.arange(k)))


def test_metadata_records_what_the_issue_asks_for(tmp_path) -> None:
    model = ml.Softmax(3, 4)
    loss, optimizer = CrossEntropy(0.25), ml.optim.make("lbfgs")
    path = tmp_path / "m.npz"
    ml.save(path, model, loss=loss, optimizer=optimizer, classes=list("abcd"), info={"k": [1]})
    meta = ml.load(path).metadata
    assert meta["format"] == "minilogit-model" and meta["format_version"] == 1
    assert meta["minilogit_version"] == ml.__version__
    assert (meta["model"], meta["n_features"], meta["n_classes"]) == ("Softmax", 3, 4)
    assert meta["classes"] == ["a", "b", "c", "d"]
    assert meta["loss"] == "CrossEntropy(l2=0.25)" and meta["l2"] == 0.25
    assert meta["optimizer"] == repr(optimizer) and meta["info"] == {"k": [1]}


def test_no_member_is_pickled(tmp_path) -> None:
    path = tmp_path / "m.npz"
    ml.save(path, ml.OneVsRest(2, ["x", "y"]), info={"note": "plain"})
    with np.load(path, allow_pickle=False) as npz:  # would raise on any object array
        assert sorted(npz.files) == ["metadata", "params.b", "params.w"]
        assert all(npz[name].dtype != object for name in npz.files)


def test_saved_model_predicts_labels_after_the_saved_scaling(digits, tmp_path) -> None:
    train, test = digits.split(0.2, seed=0)
    mean, std = ml.data.feature_stats(train.X)
    model = ml.Softmax(train.n, 10)
    ml.Trainer(model, CrossEntropy(1e-3), ml.optim.GradientDescent("auto")).fit(
        (train.X - mean) / std, train.y, iterations=20
    )
    labels = np.array([f"digit {d}" for d in range(10)])
    ml.save(tmp_path / "d.npz", model, classes=labels, mean=mean, std=std)
    saved = ml.load(tmp_path / "d.npz")
    expected = labels[model.predict((test.X - mean) / std)]
    np.testing.assert_array_equal(saved.predict(test.X), expected)
    assert saved.predict_proba(test.X).shape == (test.m, 10)


def test_binary_predict_proba_has_two_columns(tmp_path) -> None:
    model = ml.Logistic(1)
    model.params = {"w": np.array([2.0]), "b": np.array(-1.0)}
    ml.save(tmp_path / "b.npz", model, classes=["no", "yes"])
    saved = ml.load(tmp_path / "b.npz")
    X = np.array([[0.0], [1.0]])
    np.testing.assert_allclose(saved.predict_proba(X).sum(axis=1), 1.0)
    assert saved.predict(X).tolist() == ["no", "yes"]


def _good_file(tmp_path: Path) -> Path:
    path = tmp_path / "good.npz"
    ml.save(path, ml.Softmax(4, 3))
    return path


def _rewrite(path: Path, arrays: dict) -> None:
    with open(path, "wb") as f:
        np.savez(f, **arrays)


def _arrays(path: Path) -> dict:
    with np.load(path) as npz:
        return {name: npz[name] for name in npz.files}


def _with_metadata(path: Path, **changes) -> None:
    arrays = _arrays(path)
    meta = json.loads(str(arrays["metadata"]))
    meta.update(changes)
    arrays["metadata"] = np.array(json.dumps(meta))
    _rewrite(path, arrays)


def test_truncated_file(tmp_path) -> None:
    path = _good_file(tmp_path)
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(ModelFileError, match="truncated or corrupt"):
        ml.load(path)


def test_corrupted_byte(tmp_path) -> None:
    path = _good_file(tmp_path)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("params.w.npy")
    data[info.header_offset + 30 + len(info.filename) + 150] ^= 0xFF  # inside the array data
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match=r"truncated or corrupt.*CRC"):
        ml.load(path)


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"", "an empty file"),
        (b"w,b\n1,2\n", "not an .npz"),
        (b"\x93NUMPY\x01\x00", "not an .npz"),
    ],
)
def test_foreign_files(tmp_path, content, match) -> None:
    path = tmp_path / "foreign.npz"
    path.write_bytes(content)
    with pytest.raises(ModelFileError, match=match):
        ml.load(path)


def test_foreign_npz_and_missing_file(tmp_path) -> None:
    path = tmp_path / "other.npz"
    np.savez(path, weights=np.zeros(3))
    with pytest.raises(ModelFileError, match=r"an .npz archive but not a minilogit model file"):
        ml.load(path)
    with pytest.raises(ModelFileError, match="no such model file"):
        ml.load(tmp_path / "absent.npz")


def test_wrong_version_says_which_and_what_to_do(tmp_path) -> None:
    path = _good_file(tmp_path)
    _with_metadata(path, format_version=99, minilogit_version="9.0")
    with pytest.raises(ModelFileError, match=r"format version 99.*reads version 1.*9\.0"):
        ml.load(path)


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"model": "Perceptron"}, "unknown model kind 'Perceptron'"),
        ({"n_features": "4"}, "field 'n_features' is missing or malformed"),
        ({"n_classes": 5}, "lists 3 classes"),
        ({"n_features": 5}, "parameter 'w' is missing or is not a float64 array of shape"),
        ({"scaled": True}, "feature scaling is missing"),
    ],
)
def test_inconsistent_metadata(tmp_path, changes, match) -> None:
    path = _good_file(tmp_path)
    _with_metadata(path, **changes)
    with pytest.raises(ModelFileError, match=match):
        ml.load(path)


def test_a_failed_save_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch) -> None:
    path = _good_file(tmp_path)
    before = path.read_bytes()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(persist.np, "savez", broken)
    with pytest.raises(ModelFileError, match=r"cannot write the model file.*disk full"):
        ml.save(path, ml.Softmax(4, 3))
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good.npz"]


def test_save_checks_its_arguments(tmp_path) -> None:
    with pytest.raises(ConfigError, match="takes a Logistic, Softmax or OneVsRest"):
        ml.save(tmp_path / "x.npz", object())
    with pytest.raises(ConfigError, match="classes must list 3 labels"):
        ml.save(tmp_path / "x.npz", ml.Softmax(2, 3), classes=[0, 1])
    with pytest.raises(ConfigError, match="distinct"):
        ml.save(tmp_path / "x.npz", ml.Logistic(2), classes=[1, 1])
    with pytest.raises(ConfigError, match="differ from"):
        ml.save(tmp_path / "x.npz", ml.OneVsRest(2, [1, 2]), classes=[2, 1])
    with pytest.raises(ConfigError, match="both mean and std"):
        ml.save(tmp_path / "x.npz", ml.Logistic(2), mean=np.zeros(2))
    with pytest.raises(ConfigError, match="std must be positive"):
        ml.save(tmp_path / "x.npz", ml.Logistic(2), mean=np.zeros(2), std=np.zeros(2))
    with pytest.raises(ConfigError, match="info must be JSON-serialisable"):
        ml.save(tmp_path / "x.npz", ml.Logistic(2), info={"f": object()})
    with pytest.raises(ModelFileError, match="no such directory"):
        ml.save(tmp_path / "missing" / "x.npz", ml.Logistic(2))
    assert list(tmp_path.iterdir()) == []
