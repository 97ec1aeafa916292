"""Write the embedded default data set, ``minilogit/data/digits.xlsx``, once.

Source: the UCI "Optical Recognition of Handwritten Digits" data (Alpaydin & Kaynak, 1998,
CC BY 4.0), as shipped inside scikit-learn (``sklearn.datasets.load_digits``: 1,797 8x8 images,
pixel values 0..16, labels 0..9). The workbook uses the article's layout: sheet X, one image a
row (64 columns, row-major pixels); sheet Y, the label; no header rows.

Run from the repository root: ``python scripts/make_digits_workbook.py``.
"""

from pathlib import Path

from sklearn.datasets import load_digits

from minilogit import Dataset, write_workbook

OUT = Path(__file__).resolve().parents[1] / "minilogit" / "data" / "digits.xlsx"

if __name__ == "__main__":
    digits = load_digits()
    write_workbook(OUT, Dataset(digits.data, digits.target, (8, 8)))
    print(f"wrote {OUT} ({digits.data.shape[0]} images)")
