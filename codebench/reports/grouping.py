"""Rows of a matrix gathered by a key, without a Python loop per row.

The reports count per transcript, per participant and per group of cases by
sorting the rows by their key once and reducing each run of equal keys with
``reduceat``. A key of ``-1`` leaves a row out (a segment with no speaker, a
case in no group). The sorting is stable, so rows keep their order within a
key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


def key_runs(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The rows whose key is ``>= 0`` ordered by key, their keys in that order, and where each
    key's run begins (all three empty when no row has a key)."""
    import numpy as np

    keep = np.flatnonzero(keys >= 0)
    order = keep[np.argsort(keys[keep], kind="stable")]
    ordered = keys[order]
    if not ordered.shape[0]:
        return order, ordered, np.zeros(0, dtype=np.intp)
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    return order, ordered, starts


def summed(keys: np.ndarray, size: int, matrix: np.ndarray) -> np.ndarray:
    """Rows of ``matrix`` summed per key (``size`` keys, ``0 … size-1``; ``-1``: left out)."""
    import numpy as np

    out = np.zeros((size, matrix.shape[1]), dtype=np.int64)
    order, ordered, starts = key_runs(keys)
    if starts.shape[0]:
        out[ordered[starts]] = np.add.reduceat(matrix[order], starts, axis=0, dtype=np.int64)
    return out


def distinct(keys: np.ndarray, size: int, matrix: np.ndarray) -> np.ndarray:
    """Per group, the distinct ``key // size`` whose rows carry each column (``key % size``: the group)."""
    import numpy as np

    out = np.zeros((size, matrix.shape[1]), dtype=np.int64)
    order, ordered, starts = key_runs(keys)
    if starts.shape[0]:
        present = np.logical_or.reduceat(matrix[order], starts, axis=0)
        np.add.at(out, ordered[starts] % size, present.astype(np.int64))
    return out
