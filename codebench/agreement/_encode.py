"""Turning a reliability matrix into distinct *unit patterns*.

Every coefficient in this package is a ratio of sums over units, so a unit is
fully described by a small pattern (the number of ratings per category for the
multi-coder coefficients, the pair of ratings for Cohen's kappa).  Real code
data have very few distinct patterns: a binary code rated by 5 coders has at
most 21.  Compressing 200,000 units to their patterns plus a frequency is what
makes the single coefficients, the batch report and the bootstrap fast, and it
lets all three share one exact implementation (see ``_stats``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

# Largest span (max - min) of integer-valued ratings handled by the
# bincount fast path; beyond it we sort with np.unique.
_MAX_INT_SPAN = 1 << 20
# Largest key space for which we bincount keys instead of sorting them.
_MAX_BINCOUNT_KEYS = 1 << 22


@dataclass(frozen=True)
class Encoded:
    """A reliability matrix with its categories replaced by indices.

    ``idx[coder, unit]`` is the index of the rating in ``categories``; the
    value ``len(categories)`` marks a missing rating.
    """

    idx: npt.NDArray[np.intp]
    categories: npt.NDArray[np.float64]

    @property
    def n_coders(self) -> int:
        return int(self.idx.shape[0])

    @property
    def n_units(self) -> int:
        return int(self.idx.shape[1])

    @property
    def n_categories(self) -> int:
        return int(self.categories.shape[0])


def as_matrix(data: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Validate and return a float ``(coders, units)`` matrix (NaN = missing)."""
    arr = np.asarray(data, dtype=np.float64)
    if arr.ndim != 2:
        raise ValueError(
            f"reliability data must be a 2-D (coders, units) matrix, got shape {arr.shape}"
        )
    if np.isinf(arr).any():
        raise ValueError("reliability data contain infinite values; use NaN for missing")
    return arr


def encode(data: npt.ArrayLike) -> Encoded:
    """Map the ratings of ``data`` to category indices.

    Integer-valued labels (the 0/1 code data of codebench) are indexed with a
    bincount in a few linear passes; ``np.unique`` on a million floats with
    NaNs costs ~0.25 s and would dominate every coefficient.
    """
    arr = as_matrix(data)
    finite = ~np.isnan(arr)
    if arr.size == 0 or not finite.any():
        return Encoded(np.zeros(arr.shape, dtype=np.intp), np.zeros(0, dtype=np.float64))
    lo = float(np.nanmin(arr))
    hi = float(np.nanmax(arr))
    if hi - lo <= _MAX_INT_SPAN:
        shifted = np.where(finite, arr - lo, 0.0)
        ints = shifted.astype(np.intp)
        if np.array_equal(ints, shifted):
            # Index 0 (= lo) is over-counted by the NaN fill, but lo is present anyway.
            present = np.bincount(ints.ravel(), minlength=int(hi - lo) + 1) > 0
            lookup = np.cumsum(present) - 1
            categories = lo + np.flatnonzero(present).astype(np.float64)
            idx = np.where(finite, lookup[ints], categories.shape[0])
            return Encoded(idx.astype(np.intp, copy=False), categories)
    categories = np.unique(arr[finite])
    idx = np.searchsorted(categories, np.where(finite, arr, categories[0]))
    idx = np.where(finite, idx, categories.shape[0])
    return Encoded(idx.astype(np.intp, copy=False), categories.astype(np.float64))


def _unique_keys(
    keys: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Distinct keys and their frequencies (bincount when the key space is small)."""
    if keys.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    top = int(keys.max())
    if top < _MAX_BINCOUNT_KEYS:
        freq = np.bincount(keys, minlength=top + 1)
        uniq = np.flatnonzero(freq)
        return uniq.astype(np.int64), freq[uniq].astype(np.int64)
    uniq, freq = np.unique(keys, return_counts=True)
    return uniq.astype(np.int64), freq.astype(np.int64)


@dataclass(frozen=True)
class CountPatterns:
    """Distinct per-unit category-count vectors of a reliability matrix.

    ``counts[t, k]`` is how many coders chose ``categories[k]`` in a unit of
    pattern ``t``; ``freq[t]`` is how many units have that pattern.  Units
    with no rating at all are not included: they are not part of the sample.
    """

    counts: npt.NDArray[np.int64]
    freq: npt.NDArray[np.int64]
    categories: npt.NDArray[np.float64]
    n_coders: int
    n_units: int

    @property
    def n_categories(self) -> int:
        return int(self.categories.shape[0])


# Integer labels spanning at most this many values are counted with one
# comparison pass per value (the common 0/1 case costs ~1 ms per 10^6 ratings).
_MAX_COMPARE_SPAN = 32


def count_patterns(data: npt.ArrayLike) -> CountPatterns:
    """Compress a ``(coders, units)`` matrix into its distinct count vectors.

    The key of a unit is its count vector read as a base-(coders+1) number.
    For small integer label sets (codebench's 0/1 codes) the per-unit count
    of each label comes from one ``==`` pass and a uint8/uint16 row sum; other
    data go through :func:`encode` and a gather-and-sum of powers.  Count
    vectors are materialised only for the distinct patterns, never as a
    ``units x categories`` matrix (except beyond 2**62 possible keys).
    """
    arr = as_matrix(data)
    n_coders, n_units = arr.shape
    base = n_coders + 1
    finite = ~np.isnan(arr)
    n_finite = int(np.count_nonzero(finite))
    empty = CountPatterns(
        np.zeros((0, 0), dtype=np.int64),
        np.zeros(0, dtype=np.int64),
        np.zeros(0, dtype=np.float64),
        n_coders,
        n_units,
    )
    if n_finite == 0:
        return empty
    lo = float(np.nanmin(arr))
    hi = float(np.nanmax(arr))
    if lo.is_integer() and hi.is_integer() and hi - lo <= _MAX_COMPARE_SPAN and n_coders < 65535:
        acc = np.uint8 if n_coders < 255 else np.uint16
        columns: list[npt.NDArray[np.unsignedinteger]] = []
        labels: list[float] = []
        seen = 0
        for value in np.arange(lo, hi + 1.0):
            hit = arr == value
            total = int(np.count_nonzero(hit))
            if total:
                seen += total
                labels.append(float(value))
                columns.append(np.add.reduce(hit.view(np.uint8), axis=0, dtype=acc))
        if seen == n_finite and base ** len(labels) < (1 << 62):
            keys = np.zeros(n_units, dtype=np.int64)
            for k, column in enumerate(columns):
                keys += column.astype(np.int64) * (base**k)
            return _compress(
                keys,
                np.array(labels),
                n_coders,
                n_units,
                lambda units: np.stack([c[units] for c in columns], axis=1),
            )
    enc = encode(arr)
    n_cat = enc.n_categories
    if base**n_cat < (1 << 62):
        powers = np.array([base**k for k in range(n_cat)] + [0], dtype=np.int64)
        return _compress(
            powers[enc.idx].sum(axis=0),
            enc.categories,
            n_coders,
            n_units,
            lambda units: _unit_counts(enc, units),
        )
    # Very many categories: build the count matrix and sort its rows.
    mat = _unit_counts(enc, np.arange(n_units))
    counts, freq = np.unique(mat, axis=0, return_counts=True)
    keep = counts.sum(axis=1) > 0
    return CountPatterns(
        counts[keep].astype(np.int64),
        freq[keep].astype(np.int64),
        enc.categories,
        n_coders,
        n_units,
    )


def _unit_counts(enc: Encoded, units: npt.NDArray[np.intp]) -> npt.NDArray[np.int64]:
    """Category counts of the given units, shape ``(len(units), V)``."""
    n_cat = enc.n_categories
    idx = enc.idx[:, units]
    flat = (np.arange(units.shape[0])[None, :] * (n_cat + 1) + idx).ravel()
    mat = np.bincount(flat, minlength=units.shape[0] * (n_cat + 1))
    return mat.reshape(units.shape[0], n_cat + 1)[:, :n_cat].astype(np.int64)


def _compress(
    keys: npt.NDArray[np.int64],
    categories: npt.NDArray[np.float64],
    n_coders: int,
    n_units: int,
    rows_of: Callable[[npt.NDArray[np.intp]], npt.NDArray[np.int64]],
) -> CountPatterns:
    """Distinct keys -> count vectors, dropping units without ratings (key 0).

    Small key spaces are bincounted and decoded as base-(coders+1) digits;
    large ones (many categories) are sorted and the count vector of each
    distinct key is read from its first unit via ``rows_of``.
    """
    base = n_coders + 1
    n_cat = categories.shape[0]
    if base**n_cat <= _MAX_BINCOUNT_KEYS:
        freq = np.bincount(keys, minlength=1)
        uniq = np.flatnonzero(freq[1:]) + 1
        digits = np.empty((uniq.shape[0], n_cat), dtype=np.int64)
        rest = uniq.astype(np.int64)
        for k in range(n_cat):
            rest, digits[:, k] = np.divmod(rest, base)
        return CountPatterns(digits, freq[uniq].astype(np.int64), categories, n_coders, n_units)
    uniq, first, freq = np.unique(keys, return_index=True, return_counts=True)
    keep = uniq > 0
    counts = rows_of(first[keep]).astype(np.int64)
    return CountPatterns(counts, freq[keep].astype(np.int64), categories, n_coders, n_units)


def pair_patterns(enc: Encoded) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Distinct (rating of coder 0, rating of coder 1) pairs with frequencies.

    Only units rated by both coders are kept, as Cohen's kappa requires.
    Returns ``(pairs, freq)`` with ``pairs`` of shape ``(T, 2)`` of category
    indices.
    """
    if enc.n_coders != 2:
        raise ValueError(f"Cohen's kappa compares exactly 2 coders, got {enc.n_coders}")
    n_cat = enc.n_categories
    keys = (enc.idx[0].astype(np.int64) * (n_cat + 1) + enc.idx[1]).astype(np.int64)
    uniq, freq = _unique_keys(keys)
    a, b = np.divmod(uniq, n_cat + 1)
    keep = (a < n_cat) & (b < n_cat)
    return np.stack([a[keep], b[keep]], axis=1), freq[keep]
