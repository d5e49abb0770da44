"""Krippendorff's alpha for set-valued ratings (several codes per unit).

When coders may attach any number of codes to a segment, a rating is a set
of codes and two ratings can partly agree.  Following Passonneau (2006) the
ratings are the values of Krippendorff's alpha with a set distance in place
of the nominal 0/1 difference:

* Jaccard: ``d = 1 - |A & B| / |A | B|``
* MASI:    ``d = 1 - J * M`` with M = 1 (identical), 2/3 (one is a subset of
  the other), 1/3 (they overlap otherwise), 0 (disjoint).

The distance is used as is (not squared), as in Passonneau's work and NLTK.
Two empty sets are identical (distance 0).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import Any, Literal

import numpy as np

from codebench.agreement.estimate import NO_PAIRABLE, NO_VARIATION, Estimate

Rating = frozenset[Hashable] | set[Hashable] | Iterable[Hashable] | None


def jaccard_distance(a: frozenset[Hashable], b: frozenset[Hashable]) -> float:
    """1 - |a & b| / |a | b|; 0 for two empty sets."""
    union = len(a | b)
    return 0.0 if union == 0 else 1.0 - len(a & b) / union


def masi_distance(a: frozenset[Hashable], b: frozenset[Hashable]) -> float:
    """Passonneau's (2006) MASI distance 1 - J * M."""
    if a == b:
        return 0.0
    inter = len(a & b)
    if inter == 0:
        return 1.0
    monotonicity = 2.0 / 3.0 if (a <= b or b <= a) else 1.0 / 3.0
    return 1.0 - (inter / len(a | b)) * monotonicity


_DISTANCES = {"masi": masi_distance, "jaccard": jaccard_distance}


def _as_set(value: Any) -> frozenset[Hashable] | None:
    if value is None:
        return None
    if isinstance(value, (str, bytes)):
        raise TypeError(
            f"a rating must be a set of codes, not the string {value!r}; wrap it: {{{value!r}}}"
        )
    if isinstance(value, float) and np.isnan(value):
        return None
    return frozenset(value)


def _units(sets: Any) -> list[list[frozenset[Hashable] | None]]:
    """Normalise the input to a list (units) of lists (coders) of frozensets/None."""
    if isinstance(sets, np.ndarray):
        if sets.ndim != 2:
            raise ValueError(f"a set-rating array must be 2-D (coders, units), got {sets.shape}")
        return [[_as_set(v) for v in column] for column in sets.T]
    return [[_as_set(v) for v in unit] for unit in sets]


def set_alpha(
    sets: Sequence[Sequence[Rating]] | np.ndarray,
    distance: Literal["masi", "jaccard"] = "masi",
) -> Estimate:
    """Krippendorff's alpha over set-valued ratings.

    ``sets`` is either a sequence of units, each a sequence of the coders'
    ratings (a set of codes, or ``None`` for "not rated"; units may list
    different numbers of coders), or a 2-D numpy object array laid out like
    every reliability matrix in this package: ``(coders, units)``.

    ``alpha = 1 - (n - 1) * sum_u sum_{i != j} d(v_ui, v_uj) / (m_u - 1)
    / sum_{c, k} n_c n_k d(c, k)`` over the units with >= 2 ratings, where
    ``n_c`` counts the pairable ratings equal to set c.
    """
    if distance not in _DISTANCES:
        raise ValueError(f"distance must be one of {sorted(_DISTANCES)}, got {distance!r}")
    metric = _DISTANCES[distance]
    units = [[v for v in unit if v is not None] for unit in _units(sets)]
    units = [unit for unit in units if len(unit) >= 2]
    if not units:
        return Estimate(None, NO_PAIRABLE)
    values: dict[frozenset[Hashable], int] = {}
    for unit in units:
        for v in unit:
            values.setdefault(v, len(values))
    if len(values) == 1:
        return Estimate(None, NO_VARIATION)
    keys = list(values)
    dist = np.array([[metric(a, b) for b in keys] for a in keys])
    n_c = np.zeros(len(keys))
    observed = 0.0
    for unit in units:
        ids = np.fromiter((values[v] for v in unit), dtype=np.intp, count=len(unit))
        np.add.at(n_c, ids, 1.0)
        observed += dist[np.ix_(ids, ids)].sum() / (len(ids) - 1)
    n = n_c.sum()
    expected = n_c @ dist @ n_c
    if expected == 0:
        return Estimate(None, NO_VARIATION)
    return Estimate(float(1.0 - (n - 1.0) * observed / expected))
