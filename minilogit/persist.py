"""Saving and loading trained models: one `.npz` file, no pickle.

A model file is an ordinary NumPy `.npz` archive (a zip of `.npy` arrays) holding

* `params.b`, `params.w`: the parameters, stored bit for bit;
* `classes`: the class labels, in the model's column order (numbers or strings);
* `scaling.mean`, `scaling.std` (optional): the feature standardization the model was trained
  with, applied again before predicting;
* `metadata`: a JSON document naming the format and its version, the model kind, the
  feature and class counts, the loss and optimizer settings and the minilogit version.

It is read with `allow_pickle=False`, so loading a file can never run code, and written
atomically (a temporary file renamed into place), so a crash never leaves half a model.

```python
ml.save("digits.npz", model, loss=loss, optimizer=optimizer)
saved = ml.load("digits.npz")
saved.predict(X)  # scaled and mapped to class labels like at training time
```
"""

from __future__ import annotations

import json
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ._tree import Params
from .errors import ConfigError, ModelFileError
from .models import Logistic, check_features
from .multiclass import OneVsRest, Softmax

FORMAT = "minilogit-model"
FORMAT_VERSION = 1

_KINDS = {"Logistic": Logistic, "Softmax": Softmax, "OneVsRest": OneVsRest}


@dataclass(frozen=True, eq=False)
class SavedModel:
    """A model read back by [`load`][minilogit.load], with what it needs to predict.

    Attributes:
        model: the [`Logistic`][minilogit.Logistic], [`Softmax`][minilogit.Softmax] or
            [`OneVsRest`][minilogit.OneVsRest] with its saved parameters.
        classes: `(k,)` the label of each class (`(2,)` for a binary model: what 0 and 1
            stand for).
        mean: `(n,)` feature means to subtract before predicting, or None.
        std: `(n,)` feature deviations to divide by, or None.
        metadata: the file's JSON metadata (format, versions, loss and optimizer settings, and
            whatever `info` was saved).
    """

    model: Any
    classes: np.ndarray
    mean: np.ndarray | None = None
    std: np.ndarray | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def transform(self, X: np.ndarray) -> np.ndarray:
        """`X` (m, n) scaled the way the training data was (unchanged if it was not)."""
        X = check_features(X, self.model.n_features)
        return X if self.mean is None else (X - self.mean) / self.std

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        """The model's logits for raw features `X` (m, n)."""
        return self.model.decision_function(self.transform(X))

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities `(m, k)`, columns in the order of `classes`."""
        proba = self.model.predict_proba(self.transform(X))
        return np.column_stack([1.0 - proba, proba]) if proba.ndim == 1 else proba

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The predicted label (one of `classes`) for each row of raw features `X` (m, n)."""
        scores = self.decision_function(X)
        index = (scores > 0).astype(np.int64) if scores.ndim == 1 else np.argmax(scores, axis=1)
        return self.classes[index]


def save(
    path: str | Path,
    model: Any,
    loss: Any = None,
    optimizer: Any = None,
    classes: Any = None,
    mean: np.ndarray | None = None,
    std: np.ndarray | None = None,
    info: dict[str, Any] | None = None,
) -> None:
    """Write `model` to `path` as an `.npz` model file (atomically; no pickle).

    Args:
        path: the file to write (conventionally ending in `.npz`); replaced if it exists.
        model: a [`Logistic`][minilogit.Logistic], [`Softmax`][minilogit.Softmax] or
            [`OneVsRest`][minilogit.OneVsRest] with parameters.
        loss: the loss it was trained with; its `repr` and `l2` are recorded.
        optimizer: the optimizer it was trained with; its `repr` is recorded.
        classes: the label of each class: numbers or strings, `k` of them (2 for a binary
            model). Defaults to `0..k-1` (a `OneVsRest` model's own `classes`).
        mean: `(n,)` feature means the training data was centred with.
        std: `(n,)` feature deviations it was divided by (give both or neither).
        info: anything else worth keeping, as a JSON-serialisable dict.

    Raises:
        ConfigError: an unknown model, mismatched `classes`/`mean`/`std`, or `info` that is
            not JSON.
        ModelFileError: the file cannot be written.

    Example:
        >>> import tempfile, os
        >>> model = Softmax(2, 3)
        >>> path = os.path.join(tempfile.mkdtemp(), "model.npz")
        >>> save(path, model, classes=["a", "b", "c"])
        >>> load(path).predict(np.array([[0.0, 0.0]])).tolist()
        ['a']
    """
    from . import __version__
    from .workbook import atomic_write

    kind = type(model).__name__
    if _KINDS.get(kind) is not type(model):
        raise ConfigError(
            f"cannot save a {kind}: save() takes a Logistic, Softmax or OneVsRest model"
        )
    params = {k: np.asarray(v, dtype=np.float64) for k, v in model.params.items()}
    n, k = model.n_features, 2 if kind == "Logistic" else model.n_classes
    labels = _check_classes(model, classes, k)
    arrays = {"params.b": params["b"], "params.w": params["w"]}
    if (mean is None) != (std is None):
        raise ConfigError("give both mean and std to save a feature scaling, or neither")
    if mean is not None:
        for name, a in (("mean", mean), ("std", std)):
            a = np.asarray(a, dtype=np.float64)
            if a.shape != (n,) or not np.isfinite(a).all():
                raise ConfigError(f"{name} must be {n} finite numbers, got shape {a.shape}")
            arrays[f"scaling.{name}"] = a
        if not (arrays["scaling.std"] > 0).all():
            raise ConfigError("std must be positive for every feature")
    metadata = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "minilogit_version": __version__,
        "model": kind,
        "n_features": n,
        "n_classes": k,
        "classes": labels,
        "scaled": mean is not None,
        "loss": None if loss is None else repr(loss),
        "l2": getattr(loss, "l2", None),
        "optimizer": None if optimizer is None else repr(optimizer),
        "info": info or {},
    }
    try:
        arrays["metadata"] = np.array(json.dumps(metadata, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"info must be JSON-serialisable: {exc}") from None
    path = Path(path)
    if path.is_dir() or not path.parent.resolve().is_dir():
        raise ModelFileError(f"{path}: cannot write a model file there (no such directory)")

    def write(tmp: Path) -> None:
        # A file object, not a name: np.savez would append ".npz" to the temporary name.
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)

    try:
        atomic_write(path, write)
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot write the model file ({exc})") from None


def _check_classes(model: Any, classes: Any, k: int) -> list:
    if classes is None:
        own = getattr(model, "classes", None)
        classes = np.arange(k) if own is None else own
    labels = np.asarray(classes)
    if labels.shape != (k,):
        raise ConfigError(f"classes must list {k} labels for {model!r}, got {labels.tolist()!r}")
    if labels.dtype.kind not in "iufU" or labels.dtype == np.bool_:
        raise ConfigError(f"classes must be numbers or strings, got dtype {labels.dtype}")
    if np.unique(labels).size != k:
        raise ConfigError(f"classes must be distinct, got {labels.tolist()!r}")
    own = getattr(model, "classes", None)
    if own is not None and not np.array_equal(own, labels):
        raise ConfigError(f"classes {labels.tolist()!r} differ from {model!r}'s own")
    return labels.tolist()


def load(path: str | Path) -> SavedModel:
    """Read a model file written by [`save`][minilogit.save].

    Returns:
        A [`SavedModel`][minilogit.persist.SavedModel]: the model (its parameters bit-identical
        to those saved), its class labels, scaling and metadata.

    Raises:
        ModelFileError: the file is missing, truncated or corrupt, is not a minilogit model
            file, or was written by an unknown format version.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: no such model file")
    with open(path, "rb") as f:
        magic = f.read(4)
    if magic != b"PK\x03\x04":
        what = "an empty file" if not magic else "not an .npz (zip) archive"
        raise ModelFileError(f"{path}: {what}, so not a minilogit model file")
    unreadable = (zipfile.BadZipFile, zlib.error, ValueError, OSError, EOFError, KeyError)
    try:
        with np.load(path, allow_pickle=False) as npz:
            ours = "metadata" in npz.files
            arrays = {name: npz[name] for name in npz.files} if ours else {}
    except unreadable as exc:
        raise ModelFileError(
            f"{path}: the model file is truncated or corrupt ({type(exc).__name__}: {exc})"
        ) from None
    metadata = _read_metadata(path, arrays)
    kind, n, k = metadata["model"], metadata["n_features"], metadata["n_classes"]
    classes = np.asarray(metadata["classes"])
    model = _build(path, kind, n, k, classes)
    params: Params = {}
    for key, like in sorted(model.params.items()):
        a = arrays.get(f"params.{key}")
        if a is None or a.shape != like.shape or a.dtype != np.float64:
            raise ModelFileError(
                f"{path}: parameter {key!r} is missing or is not a float64 array of shape "
                f"{like.shape} as a {kind}({n} features, {k} classes) needs"
            )
        params[key] = a
    model.params = params
    mean = std = None
    if metadata["scaled"]:
        mean, std = arrays.get("scaling.mean"), arrays.get("scaling.std")
        if not (_vector(mean, n) and _vector(std, n) and (std > 0).all()):
            raise ModelFileError(
                f"{path}: the feature scaling is missing or is not {n} finite numbers "
                "(with positive deviations)"
            )
    return SavedModel(model, classes, mean, std, metadata)


def _vector(a: np.ndarray | None, n: int) -> bool:
    return a is not None and a.shape == (n,) and a.dtype == np.float64 and np.isfinite(a).all()


def _read_metadata(path: Path, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    raw = arrays.get("metadata")
    if raw is None or raw.shape != () or raw.dtype.kind != "U":
        raise ModelFileError(f"{path}: an .npz archive but not a minilogit model file")
    try:
        metadata = json.loads(str(raw))
    except ValueError:
        raise ModelFileError(f"{path}: the metadata is not valid JSON (corrupt file)") from None
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        raise ModelFileError(f"{path}: an .npz archive but not a minilogit model file")
    version = metadata.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelFileError(
            f"{path}: model file format version {version!r}, but this minilogit reads "
            f"version {FORMAT_VERSION}; it was written by minilogit "
            f"{metadata.get('minilogit_version', '?')}: load it with that version and retrain "
            "or re-save"
        )
    expected = {"model": str, "n_features": int, "n_classes": int, "classes": list, "scaled": bool}
    for key, typ in expected.items():
        if not isinstance(metadata.get(key), typ):
            raise ModelFileError(f"{path}: metadata field {key!r} is missing or malformed")
    if metadata["model"] not in _KINDS:
        raise ModelFileError(
            f"{path}: unknown model kind {metadata['model']!r}; expected one of {list(_KINDS)}"
        )
    return metadata


def _build(path: Path, kind: str, n: int, k: int, classes: np.ndarray) -> Any:
    """A fresh model of `kind`, or a ModelFileError if the metadata cannot describe one."""
    if classes.shape != (k,) or (kind == "Logistic" and k != 2):
        raise ModelFileError(
            f"{path}: metadata lists {classes.size} classes for a {kind} with n_classes={k}"
        )
    try:
        if kind == "OneVsRest":
            return OneVsRest(n, classes)
        return Logistic(n) if kind == "Logistic" else Softmax(n, k)
    except ConfigError as exc:
        raise ModelFileError(f"{path}: inconsistent metadata ({exc})") from None
