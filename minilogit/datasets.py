"""Data sets that ship inside the package, so minilogit runs with no download."""

from __future__ import annotations

from importlib import resources

from .data import Dataset


def digits_path() -> str:
    """Path of the embedded digits workbook (sheets X and Y, the article's layout)."""
    return str(resources.files("minilogit") / "data" / "digits.xlsx")


def load_digits(cache: bool = True) -> Dataset:
    """The UCI optical-recognition digits: 1,797 images of 8x8 pixels (0..16), labels 0..9.

    Shipped inside minilogit as a workbook in the article's layout (written by
    `scripts/make_digits_workbook.py` from the copy in scikit-learn). Source: E. Alpaydin and
    C. Kaynak, UCI Machine Learning Repository, 1998, CC BY 4.0.

    Args:
        cache: reuse the parsed workbook from the cache (see [`minilogit.cache`][minilogit.cache]).

    Example:
        >>> ds = load_digits()
        >>> ds.X.shape, ds.image_shape, ds.classes.tolist()
        ((1797, 64), (8, 8), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    """
    from .workbook import read_workbook

    return read_workbook(digits_path(), cache=cache)
