"""CSV and NPZ: lossless round trips through every format, and precise errors."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minilogit as ml


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch) -> None:
    monkeypatch.setenv("MINILOGIT_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


finite = st.floats(-1e300, 1e300, allow_nan=False, allow_subnormal=True)


@settings(max_examples=20)
@given(
    X=hnp.arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 4)), elements=finite),
    data=st.data(),
    suffix=st.sampled_from([".csv", ".npz", ".xlsx"]),
)
def test_every_format_round_trips_exactly(tmp_path_factory, X, data, suffix) -> None:
    y = data.draw(hnp.arrays(np.int64, X.shape[:1], elements=st.integers(-(2**40), 2**40)))
    path = tmp_path_factory.mktemp("rt") / f"data{suffix}"
    ml.write_data(path, ml.Dataset(X, y))
    back = ml.read_data(path, cache=False)
    assert back.X.tobytes() == X.tobytes() and back.y.tolist() == y.tolist()


def test_conversions_keep_everything(tmp_path) -> None:
    ds = ml.Dataset(np.arange(8.0).reshape(2, 4) / 3, np.array([1, 10]), image_shape=(2, 2))
    ml.write_data(tmp_path / "a.npz", ds)
    ml.write_data(tmp_path / "a.csv", ml.read_data(tmp_path / "a.npz"))
    ml.write_data(tmp_path / "a.xlsx", ml.read_data(tmp_path / "a.csv"))
    back = ml.read_data(tmp_path / "a.xlsx")
    assert back.X.tobytes() == ds.X.tobytes() and back.y.tolist() == [1, 10]
    assert ml.read_npz(tmp_path / "a.npz").image_shape == (2, 2)
    assert back.image_shape == (2, 2)  # inferred: 4 features make a square


def test_csv_labels_from_a_second_file(tmp_path) -> None:
    (tmp_path / "x.csv").write_text("0.5,1.5\n2.5,3.5\n")
    (tmp_path / "y.csv").write_text("7\n8\n")
    ds = ml.read_csv(tmp_path / "x.csv", labels=tmp_path / "y.csv")
    assert ds.X.tolist() == [[0.5, 1.5], [2.5, 3.5]] and ds.y.tolist() == [7, 8]
    (tmp_path / "y.csv").write_text("7\n")
    with pytest.raises(ml.DataError, match=r"x\.csv has 2 lines but .*y\.csv has 1"):
        ml.read_csv(tmp_path / "x.csv", labels=tmp_path / "y.csv")


def test_a_changed_csv_is_read_again(tmp_path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("1,0\n2,1\n")
    assert ml.read_csv(path).X.ravel().tolist() == [1.0, 2.0]
    path.write_text("5,0\n6,1\n")
    assert ml.read_csv(path).X.ravel().tolist() == [5.0, 6.0]


BAD_CSV = {
    "empty-field": ("1,,1\n3,4,0\n", r"line 1, column 2 is empty"),
    "text": ("1,2,1\n3,abc,0\n", r"line 2, column 2 holds 'abc'; expected a number$"),
    "header": ("a,b,label\n1,2,1\n", r"line 1, column 1 holds 'a'; .*\(a header line\?"),
    "inf": ("1,2,1\n3,inf,0\n", r"line 2, column 2 holds 'inf'; expected a finite number"),
    "nan": ("1,NaN,1\n", r"line 1, column 2 holds 'NaN'; expected a finite number"),
    "ragged": ("1,2,1\n3,0\n", r"line 2: has 2 fields but the lines above have 3"),
    "semicolons": ("1;2;1\n3;4;0\n", r"holds '1;2;1'; .*separated by commas"),
    "label": ("1,2,1\n\n3,4,0.5\n", r"line 3, column 3 \(the label\) holds 0\.5; .*integers"),
    "one-column": ("1\n2\n", r"found a single column"),
    "empty-file": ("", r"the file is empty"),
    "trailing-comma": ("1,2,1,\n", r"line 1, column 4 is empty"),
}


@pytest.mark.parametrize("case", sorted(BAD_CSV))
def test_a_bad_csv_names_the_line_and_column(tmp_path, case) -> None:
    text, message = BAD_CSV[case]
    path = tmp_path / f"{case}.csv"
    path.write_text(text)
    with pytest.raises(ml.DataError, match=rf"{case}\.csv[:,] .*{message}"):
        ml.read_csv(path, cache=False)


def test_a_csv_that_is_not_utf8(tmp_path) -> None:
    (tmp_path / "b.csv").write_bytes(b"1,2,\xff\n")
    with pytest.raises(ml.DataError, match=r"b\.csv: not UTF-8 text"):
        ml.read_csv(tmp_path / "b.csv")


def test_a_utf8_bom_and_spaces_are_fine(tmp_path) -> None:
    (tmp_path / "b.csv").write_text("\ufeff 1 , 2 ,1\n3,4,0\n", encoding="utf-8")
    assert ml.read_csv(tmp_path / "b.csv").X.tolist() == [[1.0, 2.0], [3.0, 4.0]]


def test_npz_with_pickled_objects_is_refused(tmp_path) -> None:
    path = tmp_path / "p.npz"
    np.savez(path, X=np.array([[object()]], dtype=object), y=np.array([1]))
    with pytest.raises(ml.DataError, match=r"p\.npz: holds Python objects .*never loads"):
        ml.read_npz(path)


def test_npz_without_the_arrays(tmp_path) -> None:
    np.savez(tmp_path / "k.npz", features=np.zeros((2, 2)), y=np.zeros(2))
    with pytest.raises(ml.DataError, match=r"k\.npz: no array named 'X'; .*\['features', 'y'\]"):
        ml.read_npz(tmp_path / "k.npz")


def test_npz_that_is_not_an_archive_or_is_truncated(tmp_path) -> None:
    (tmp_path / "t.npz").write_text("hello")
    with pytest.raises(ml.DataError, match=r"t\.npz: not a readable \.npz file"):
        ml.read_npz(tmp_path / "t.npz")
    np.savez(tmp_path / "c.npz", X=np.zeros((50, 50)), y=np.zeros(50))
    data = (tmp_path / "c.npz").read_bytes()
    (tmp_path / "c.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(ml.DataError, match=r"c\.npz: not a readable \.npz file"):
        ml.read_npz(tmp_path / "c.npz")


def test_npz_contents_go_through_dataset_validation(tmp_path) -> None:
    np.savez(tmp_path / "n.npz", X=np.array([[1.0, np.inf]]), y=np.array([1]))
    with pytest.raises(ml.DataError, match=r"n\.npz: X row 0, column 1 is inf"):
        ml.read_npz(tmp_path / "n.npz")
    np.savez(tmp_path / "s.npz", X=np.array([["a"]]), y=np.array([1]))
    with pytest.raises(ml.DataError, match=r"s\.npz: X must be real numbers"):
        ml.read_npz(tmp_path / "s.npz")


def test_an_unknown_suffix(tmp_path) -> None:
    with pytest.raises(ml.DataError, match=r"d\.txt: unknown data format '\.txt'"):
        ml.read_data(tmp_path / "d.txt")
    with pytest.raises(ml.DataError, match=r"unknown data format '\(no suffix\)'"):
        ml.write_data(tmp_path / "d", ml.Dataset(np.eye(2), np.array([0, 1])))


def test_labels_file_only_with_csv(tmp_path) -> None:
    with pytest.raises(ml.DataError, match=r"labels file goes with \.csv data only"):
        ml.read_data(tmp_path / "a.npz", labels=tmp_path / "y.csv")


def test_writes_are_atomic(tmp_path) -> None:
    ds = ml.Dataset(np.eye(2), np.array([0, 1]))
    for suffix in (".csv", ".npz", ".xlsx"):
        ml.write_data(tmp_path / f"a{suffix}", ds)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "a.npz", "a.xlsx"]
    assert zipfile.is_zipfile(tmp_path / "a.npz")


def test_writing_into_a_missing_directory(tmp_path) -> None:
    ds = ml.Dataset(np.eye(2), np.array([0, 1]))
    for suffix in (".csv", ".npz"):
        with pytest.raises(ml.DataError, match=r"directory .*nowhere does not exist"):
            ml.write_data(tmp_path / "nowhere" / f"a{suffix}", ds)


def test_the_path_may_be_a_string(tmp_path) -> None:
    path = str(Path(tmp_path) / "s.npz")
    ml.write_data(path, ml.Dataset(np.eye(2), np.array([0, 1])))
    assert ml.read_data(path).m == 2
