"""The parsed-data cache: hits, misses, never stale, corruption recovery, no pickles."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import minilogit as ml
from minilogit import cache


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("MINILOGIT_CACHE_DIR", str(directory))
    return directory


def entries(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.npz")) if directory.exists() else []


class Builds:
    """A `build` callable that counts its calls."""

    def __init__(self, value: float = 1.0) -> None:
        self.calls, self.value = 0, value

    def __call__(self) -> dict[str, np.ndarray]:
        self.calls += 1
        return {"X": np.full((2, 3), self.value), "y": np.array([0, 1])}


def test_the_directory_comes_from_the_environment(cache_dir) -> None:
    assert cache.cache_dir() == cache_dir


def test_without_the_variable_it_is_the_users_cache_directory(monkeypatch) -> None:
    from platformdirs import user_cache_dir

    monkeypatch.delenv("MINILOGIT_CACHE_DIR", raising=False)
    assert cache.cache_dir() == Path(user_cache_dir("minilogit", appauthor=False))


def test_a_second_read_is_a_hit(cache_dir) -> None:
    build = Builds()
    first = cache.cached(b"bytes", {"reader": "test"}, build)
    second = cache.cached(b"bytes", {"reader": "test"}, build)
    assert build.calls == 1
    assert np.array_equal(first["X"], second["X"]) and len(entries(cache_dir)) == 1
    assert not second["X"].flags.writeable  # shared data cannot be changed in place


@pytest.mark.parametrize(
    ("content", "settings"),
    [(b"other bytes", {"reader": "test"}), (b"bytes", {"reader": "test", "sheets": ["A"]})],
)
def test_other_content_or_settings_are_a_miss(cache_dir, content, settings) -> None:
    build = Builds()
    cache.cached(b"bytes", {"reader": "test"}, build)
    cache.cached(content, settings, build)
    assert build.calls == 2 and len(entries(cache_dir)) == 2


def test_the_key_separates_files() -> None:
    assert cache.key([b"ab", b"c"], {}) != cache.key([b"a", b"bc"], {})


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]),  # truncated
        lambda p: p.write_bytes(b"\x00" * 100),  # garbage
        lambda p: p.write_bytes(b""),  # empty
    ],
)
def test_a_damaged_entry_is_a_miss_and_is_rebuilt(cache_dir, damage) -> None:
    build = Builds()
    cache.cached(b"bytes", {}, build)
    (entry,) = entries(cache_dir)
    damage(entry)
    again = cache.cached(b"bytes", {}, build)
    assert build.calls == 2 and again["X"].tolist() == [[1.0] * 3] * 2
    assert cache.load(entry.stem) is not None  # the rebuilt entry reads back


def test_an_entry_holding_pickled_objects_is_never_unpickled(cache_dir) -> None:
    cache.cached(b"bytes", {}, Builds())
    (entry,) = entries(cache_dir)

    class Boom:
        def __reduce__(self):
            return (os.system, ("echo pwned > /dev/null",))

    with open(entry, "wb") as f:
        np.savez(f, X=np.array([Boom()], dtype=object), y=np.array([0]))
    assert cache.load(entry.stem) is None
    assert not entry.exists()  # deleted, to be rebuilt


def test_an_entry_failing_the_check_is_rebuilt(cache_dir) -> None:
    build = Builds()
    cache.cached(b"bytes", {}, build)
    cache.cached(b"bytes", {}, build, check=lambda arrays: "Z" in arrays)
    assert build.calls == 2


def test_an_unwritable_cache_is_skipped(tmp_path, monkeypatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("MINILOGIT_CACHE_DIR", str(blocker / "cache"))
    build = Builds()
    assert cache.cached(b"bytes", {}, build)["y"].tolist() == [0, 1]
    assert cache.store("name", {"y": np.zeros(1)}) is False


def test_writes_leave_no_temporary_files(cache_dir) -> None:
    for i in range(3):
        cache.cached(bytes([i]), {}, Builds())
    assert sorted(p.suffix for p in cache_dir.iterdir()) == [".npz"] * 3


# ---- through read_workbook ----


def small_workbook(path: Path, first: float) -> Path:
    X = np.array([[first, 2.0], [3.0, 4.0]])
    ml.write_workbook(path, ml.Dataset(X, np.array([0, 1])))
    return path


def test_read_workbook_fills_and_uses_the_cache(cache_dir, tmp_path, monkeypatch) -> None:
    path = small_workbook(tmp_path / "a.xlsx", 1.0)
    first = ml.read_workbook(path)
    assert len(entries(cache_dir)) == 1

    from minilogit import workbook

    def no_parsing(*args, **kwargs):
        raise AssertionError("parsed although the cache holds this workbook")

    monkeypatch.setattr(workbook, "_parse", no_parsing)
    second = ml.read_workbook(path)
    assert second.X.tolist() == first.X.tolist() and second.source == str(path)


def test_a_changed_workbook_is_never_answered_from_the_cache(cache_dir, tmp_path) -> None:
    path = small_workbook(tmp_path / "a.xlsx", 1.0)
    stat = path.stat()
    assert ml.read_workbook(path).X[0, 0] == 1.0
    small_workbook(path, 9.0)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same mtime: content decides
    assert ml.read_workbook(path).X[0, 0] == 9.0


def test_no_cache_neither_reads_nor_writes_it(cache_dir, tmp_path) -> None:
    path = small_workbook(tmp_path / "a.xlsx", 1.0)
    ml.read_workbook(path, cache=False)
    assert entries(cache_dir) == []


def test_a_bad_workbook_is_not_cached(cache_dir, tmp_path) -> None:
    path = tmp_path / "bad.xlsx"
    path.write_text("no")
    with pytest.raises(ml.DataError):
        ml.read_workbook(path)
    assert entries(cache_dir) == []
