"""A content-addressed on-disk cache of parsed data files.

Parsing a 5,000 x 400 workbook takes seconds; loading the parsed arrays back takes
milliseconds. Each entry is keyed on the SHA-256 of the input file's bytes together with the
reader's settings (sheet names, the reader, this module's `FORMAT_VERSION`), so a changed file
can never be answered from the cache: its bytes hash to a different key. Entries are plain
`.npz` files read with `allow_pickle=False` (nothing is ever unpickled), written atomically
(a temporary file renamed into place), and any entry that cannot be read back cleanly is
treated as a miss, deleted and rebuilt.

The cache lives in `$MINILOGIT_CACHE_DIR` when that is set, else in the user's cache directory
(`platformdirs.user_cache_dir("minilogit")`, e.g. `~/.cache/minilogit` on Linux). A cache that
cannot be written (read-only disk, no space) is skipped: reading data never fails because of it.
Delete the directory at any time to reclaim the space.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np

#: Bump when the meaning of a cached entry changes; old entries then simply stop matching.
FORMAT_VERSION = 1

ENV_VAR = "MINILOGIT_CACHE_DIR"

Arrays = dict[str, np.ndarray]


def cache_dir() -> Path:
    """The cache directory: `$MINILOGIT_CACHE_DIR`, else the user's cache directory."""
    configured = os.environ.get(ENV_VAR)
    if configured:
        return Path(configured).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("minilogit", appauthor=False))


def key(content: bytes | list[bytes], settings: Mapping[str, object]) -> str:
    """The entry name for input `content` (one or more files' bytes) read with `settings`.

    Example:
        >>> a = key(b"same bytes", {"reader": "xlsx", "sheets": ["X", "Y"]})
        >>> a == key(b"same bytes", {"sheets": ["X", "Y"], "reader": "xlsx"})
        True
        >>> a == key(b"other bytes", {"reader": "xlsx", "sheets": ["X", "Y"]})
        False
    """
    digest = hashlib.sha256()
    header = {"format_version": FORMAT_VERSION, **settings}
    digest.update(json.dumps(header, sort_keys=True).encode())
    for part in [content] if isinstance(content, bytes) else content:
        # Length-prefixed, so the split between two files' bytes is part of the key.
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return digest.hexdigest()


def load(name: str, directory: Path | None = None) -> Arrays | None:
    """The arrays stored under `name`, or None on a miss.

    A truncated, corrupt or foreign entry is a miss too; it is deleted so that the next
    `store` replaces it.
    """
    path = (directory or cache_dir()) / f"{name}.npz"
    try:
        with np.load(path, allow_pickle=False) as entry:
            arrays = {k: entry[k] for k in entry.files}
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile):
        try:
            path.unlink(missing_ok=True)
        except OSError:
            pass  # a read-only cache: the entry stays, and is rebuilt in memory each time
        return None
    for array in arrays.values():
        array.flags.writeable = False  # shared with every reader of this entry
    return arrays


def store(name: str, arrays: Arrays, directory: Path | None = None) -> bool:
    """Write `arrays` under `name` atomically; returns False (and stores nothing) on failure."""
    directory = directory or cache_dir()
    tmp = None
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{name[:16]}.", suffix=".tmp", dir=directory)
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
        os.replace(tmp, directory / f"{name}.npz")
    except OSError:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        return False
    return True


def cached(
    content: bytes | list[bytes],
    settings: Mapping[str, object],
    build: Callable[[], Arrays],
    check: Callable[[Arrays], bool] = lambda arrays: True,
) -> Arrays:
    """`build()`'s arrays for this content and settings, from the cache when possible.

    Args:
        content: the bytes of the input file(s), exactly as `build` parses them.
        settings: everything else that changes what `build` returns (JSON-serialisable).
        build: parses the input; called on a miss and its result stored.
        check: validates a loaded entry (e.g. names, shapes and dtypes of its arrays); an
            entry it rejects is a miss.
    """
    name = key(content, settings)
    arrays = load(name)
    if arrays is not None and check(arrays):
        return arrays
    arrays = build()
    store(name, arrays)
    return arrays
