"""Binary-code coefficients over *weighted* units, and a fast set-valued alpha.

Character units (NVivo-style comparison) would make one column per character
of every transcript: millions of columns that mostly repeat their neighbour.
Instead :mod:`codebench.agreement.reliability_data` cuts the text into *runs*, maximal
stretches over which no coder's coding state changes, and gives each run its
length as a weight.  Every coefficient here is a ratio of sums over units, so
a run of weight w contributes exactly what w identical columns would: the
results equal those on the expanded matrix (the tests check it), at a cost
that depends on the number of codings, not on the length of the text.

With ``weights=None`` the functions hand over to the tested unweighted ones
(:func:`~codebench.agreement.batch.binary_report`,
:func:`~codebench.agreement.bootstrap.bootstrap_ci`).

:func:`binary_set_alpha` is Krippendorff's alpha with a MASI or Jaccard
distance for the codebook-wide "set of codes per unit" rating, computed from
the same 0/1/NaN array with numpy instead of one Python loop per unit: each
rating is a bit mask of its codes, and the expected disagreement comes from
subset counts rather than from every pair of distinct code sets
(:func:`_intersection_histogram`); :func:`set_alphas` does many (coder
group, units) selections in one pass.  It equals
:func:`~codebench.agreement.sets.set_alpha` on the same data.

:func:`cluster_tables` reads the units once for the report's per-code,
pooled, per-transcript and per-pair figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import comb
from typing import Literal

import numpy as np
import numpy.typing as npt

from codebench.agreement import coefficient_registry as registry
from codebench.agreement.batch import (
    CodeReport,
    _gram,
    _validate,
    assemble_reports,
    binary_report,
    code_masks,
)
from codebench.agreement.bootstrap import (
    Interval,
    bootstrap_ci,
    check_bootstrap_args,
    percentile_interval,
)
from codebench.agreement.coefficient_registry import Statistic
from codebench.agreement.estimate import NO_PAIRABLE, NO_VARIATION, Estimate
from codebench.agreement.planes import RatingPlanes, rating_planes

_MAX_WEIGHT_CELLS = 20_000_000


def _as_weights(weights: npt.ArrayLike | None, n_units: int) -> npt.NDArray[np.int64] | None:
    if weights is None:
        return None
    w = np.asarray(weights)
    if w.shape != (n_units,):
        raise ValueError(f"weights must have one entry per unit ({n_units}), got shape {w.shape}")
    whole = np.issubdtype(w.dtype, np.integer) or bool(np.array_equal(w, np.round(w)))
    if w.size and (not whole or w.min() < 0):
        raise ValueError("weights must be non-negative whole numbers (unit multiplicities)")
    return w.astype(np.int64)


def weighted_binary_report(
    data: npt.ArrayLike,
    weights: npt.ArrayLike | None = None,
    codes: Sequence[str] | None = None,
    coder_names: Sequence[str] | None = None,
    min_units: int = 30,
) -> list[CodeReport]:
    """:func:`binary_report` where unit u stands for ``weights[u]`` identical units.

    All counts in the result (units, ratings, applied, ...) are weighted, i.e.
    they count the expanded units (characters, for character units).
    """
    arr = _validate(data)
    w = _as_weights(weights, arr.shape[2])
    if w is None:
        return binary_report(arr, codes=codes, coder_names=coder_names, min_units=min_units)
    n_codes, n_coders, _ = arr.shape
    base = n_coders + 1
    wf = w.astype(np.float64)
    freq = np.zeros((n_codes, base * base))
    gram = np.zeros((3, n_codes, n_coders, n_coders))
    for k in range(n_codes):
        rated, applied, keys = code_masks(arr[k], "weighted_binary_report")
        freq[k] = np.bincount(keys, weights=wf, minlength=base * base)
        x = applied.astype(np.float64)
        r = rated.astype(np.float64)
        xw = x * wf
        rw = r * wf
        gram[:, k] = np.stack([xw @ x.T, xw @ r.T, rw @ r.T])
    return assemble_reports(freq, gram, int(w.sum()), codes, coder_names, min_units)


def cluster_tables(
    data: npt.ArrayLike,
    weights: npt.ArrayLike | None,
    clusters: npt.ArrayLike,
    n_clusters: int,
    pooled_gram: bool = False,
    pooled_used_only: bool = False,
    planes: RatingPlanes | None = None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64] | None]:
    """Pattern frequencies of every code in each cluster, the codes' Gram matrices, and optionally each cluster's pooled ones.

    Returns ``freq`` ``(clusters, codes, (C+1)**2)`` keyed as
    :func:`~codebench.agreement.batch.code_masks` keys units, ``gram``
    ``(3, codes, C, C)`` stacking X.X', X.R', R.R' (weighted on the left),
    and with ``pooled_gram`` the same products per cluster summed over the
    codes, ``(3, clusters, C, C)``.  ``freq`` summed over clusters and
    ``gram`` are exactly what :func:`weighted_binary_report` reads; summed
    over codes, they are the pooled code x unit decisions'.  So one pass
    over the data serves the per-code report, the pooled figures, every
    transcript's figures and every coder pair's pooled table.

    With ``pooled_used_only`` a cluster's pooled products sum only the codes
    some coder applied in that cluster: a code nobody used there would add
    only agreeing "not this code" decisions and inflate the pooled figures.
    ``planes`` (:func:`rating_planes` of ``data``, when the caller has it)
    lets the counts come from its bit masks instead of the float array.
    """
    arr = _validate(data)
    n_coders, n_units = arr.shape[1:]
    w = _as_weights(weights, n_units)
    cid = np.asarray(clusters, dtype=np.intp)
    if cid.shape != (n_units,) or (cid.size and (cid.min() < 0 or cid.max() >= n_clusters)):
        raise ValueError(f"clusters must be {n_units} ids in [0, {n_clusters})")
    wf = None if w is None else w.astype(np.float64)
    # A few coders: count each unit's rating pattern once per code; many coders (3**C
    # patterns per cluster would outnumber the units): multiply the coders' columns.
    n_patterns = 3**n_coders
    if n_coders <= 12 and n_patterns * max(n_clusters, 1) <= 4 * n_units + 65536:
        return _cluster_tables_by_pattern(
            arr, wf, cid, n_clusters, pooled_gram, pooled_used_only, planes
        )
    return _cluster_tables_by_unit(arr, wf, cid, n_clusters, pooled_gram, pooled_used_only)


def _cluster_tables_by_unit(
    arr: npt.NDArray[np.float64],
    wf: npt.NDArray[np.float64] | None,
    cid: npt.NDArray[np.intp],
    n_clusters: int,
    pooled_gram: bool,
    pooled_used_only: bool,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64] | None]:
    """:func:`cluster_tables` unit by unit: coder-by-coder products (many coders, or few units)."""
    n_codes, n_coders = arr.shape[:2]
    base = n_coders + 1
    freq = np.zeros((n_codes, n_clusters, base * base))
    gram = np.zeros((3, n_codes, n_coders, n_coders))
    per_cluster = np.zeros((3, n_clusters, n_coders, n_coders)) if pooled_gram else None
    offset = cid * (base * base)
    for k in range(n_codes):
        rated, applied, keys = code_masks(arr[k], "cluster_tables")
        counts = np.bincount(keys + offset, weights=wf, minlength=n_clusters * base * base)
        freq[k] = counts.reshape(n_clusters, base * base)
        if wf is None:
            gram[:, k] = _gram(rated, applied)
        else:
            x, r = applied.astype(np.float64), rated.astype(np.float64)
            xw, rw = x * wf, r * wf
            gram[:, k] = np.stack([xw @ x.T, xw @ r.T, rw @ r.T])
        if per_cluster is not None:
            x, r = applied.astype(np.float64), rated.astype(np.float64)
            xw, rw = (x, r) if wf is None else (x * wf, r * wf)
            if pooled_used_only:
                hits = applied.any(axis=0) if wf is None else applied.any(axis=0) * wf
                used = np.bincount(cid, weights=hits, minlength=n_clusters) > 0
                xw, rw = xw * used[cid], rw * used[cid]
            for slot, (left, right) in enumerate(((xw, x), (xw, r), (rw, r))):
                for i in range(n_coders):
                    for j in range(n_coders):
                        per_cluster[slot, :, i, j] += np.bincount(
                            cid, weights=left[i] * right[j], minlength=n_clusters
                        )
    return freq.transpose(1, 0, 2), gram, per_cluster


def _pattern_states(n_coders: int) -> npt.NDArray[np.int64]:
    """``(3**C, C)``: every coder's state in each rating pattern (0 not rated, 1 rated 0, 2 applied)."""
    patterns = np.arange(3**n_coders, dtype=np.int64)
    return (patterns[:, None] // (3 ** np.arange(n_coders, dtype=np.int64))[None, :]) % 3


def _cluster_tables_by_pattern(
    arr: npt.NDArray[np.float64],
    wf: npt.NDArray[np.float64] | None,
    cid: npt.NDArray[np.intp],
    n_clusters: int,
    pooled_gram: bool,
    pooled_used_only: bool,
    planes: RatingPlanes | None = None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64] | None]:
    """:func:`cluster_tables` by counting rating patterns (:func:`_tables_from_patterns`)."""
    counts = _pattern_counts(arr, wf, cid, n_clusters, planes)
    return _tables_from_patterns(counts, arr.shape[1], pooled_gram, pooled_used_only)


def _pattern_counts(
    arr: npt.NDArray[np.float64],
    wf: npt.NDArray[np.float64] | None,
    cid: npt.NDArray[np.intp],
    n_clusters: int,
    planes: RatingPlanes | None = None,
) -> npt.NDArray[np.float64]:
    """``(codes, clusters, 3**C)``: how often (weighted) each code's units show each rating pattern.

    A pattern numbers every coder's state (0 not rated, 1 rated 0, 2
    applied) in base 3, as :func:`_pattern_states` lists them.  With
    ``planes`` whose missingness is the same in every code, a unit's pattern
    of a code is a look-up of (who rated it, who applied the code): two small
    bit masks, so the float array is not read again.
    """
    n_codes, n_coders, n_units = arr.shape
    n_patterns = 3**n_coders
    offset = cid * n_patterns
    counts = np.zeros((n_codes, n_clusters, n_patterns))
    if planes is not None and planes.uniform and planes.appliers is not None and n_coders <= 8:
        # lookup[(raters << C) | appliers] is the pattern (appliers are always raters).
        states = _pattern_states(n_coders)
        bit = np.int64(1) << np.arange(n_coders, dtype=np.int64)
        raters_p, appliers_p = (states > 0) @ bit, (states == 2) @ bit
        lookup = np.zeros(1 << (2 * n_coders), dtype=np.intp)
        lookup[(raters_p << n_coders) | appliers_p] = np.arange(n_patterns)
        base = planes.raters << n_coders
        for k in range(n_codes):
            key = lookup[base | planes.appliers[k]]
            key += offset
            counts[k] = np.bincount(key, weights=wf, minlength=n_clusters * n_patterns).reshape(
                n_clusters, n_patterns
            )
        return counts
    powers = 3 ** np.arange(n_coders, dtype=np.intp)
    key = np.empty(n_units, dtype=np.intp)
    for k in range(n_codes):
        block = arr[k]
        applied = block == 1.0
        zero = block == 0.0
        n_rated = block.size - np.count_nonzero(np.isnan(block))
        if np.count_nonzero(applied) + np.count_nonzero(zero) != n_rated:
            raise ValueError("cluster_tables accepts only 0, 1 and NaN")
        key[:] = offset
        for c in range(n_coders):
            key += applied[c] * (2 * powers[c])
            key += zero[c] * powers[c]
        counts[k] = np.bincount(key, weights=wf, minlength=n_clusters * n_patterns).reshape(
            n_clusters, n_patterns
        )
    return counts


def _tables_from_patterns(
    counts: npt.NDArray[np.float64], n_coders: int, pooled_gram: bool, pooled_used_only: bool
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64] | None]:
    """:func:`cluster_tables` from each unit's rating pattern across the coders (:func:`_pattern_counts`).

    Why: with a handful of coders a unit's ratings of one code take one of
    only ``3**C`` patterns (each coder: not rated, 0 or 1).  One ``bincount``
    per code of the pattern, offset by the cluster, gives every count the
    report reads: the (raters, appliers) frequencies, the Gram matrices and
    each cluster's pooled products are sums over the patterns, so the units
    are read once per code and never multiplied coder by coder.  Every count
    is a sum of whole numbers (unit weights are integers), so the result is
    the same as the unit-by-unit products.
    """
    base = n_coders + 1
    n_patterns = 3**n_coders
    states = _pattern_states(n_coders)
    rated_p = (states > 0).astype(np.float64)  # (P, C)
    applied_p = (states == 2).astype(np.float64)
    m_s = (states > 0).sum(axis=1) * base + (states == 2).sum(axis=1)
    to_freq = np.zeros((n_patterns, base * base))
    to_freq[np.arange(n_patterns), m_s] = 1.0
    freq = counts @ to_freq  # (codes, clusters, (C+1)**2)
    total = counts.sum(axis=1)  # (codes, P)
    gram = np.stack(
        [
            np.einsum("kp,pi,pj->kij", total, applied_p, applied_p),
            np.einsum("kp,pi,pj->kij", total, applied_p, rated_p),
            np.einsum("kp,pi,pj->kij", total, rated_p, rated_p),
        ]
    )
    per_cluster = None
    if pooled_gram:
        if pooled_used_only:
            some_applier = applied_p.sum(axis=1) > 0
            used = counts[:, :, some_applier].sum(axis=2) > 0  # (codes, clusters)
            pooled = (counts * used[:, :, None]).sum(axis=0)
        else:
            pooled = counts.sum(axis=0)  # (clusters, P)
        per_cluster = np.stack(
            [
                np.einsum("cp,pi,pj->cij", pooled, applied_p, applied_p),
                np.einsum("cp,pi,pj->cij", pooled, applied_p, rated_p),
                np.einsum("cp,pi,pj->cij", pooled, rated_p, rated_p),
            ]
        )
    return freq.transpose(1, 0, 2), gram, per_cluster


def binary_bootstrap(
    statistic: str,
    data: npt.ArrayLike,
    weights: npt.ArrayLike | None = None,
    n: int = 1000,
    seed: int | np.random.Generator | None = None,
    level: float = 0.95,
    clusters: npt.ArrayLike | None = None,
) -> Interval | None:
    """Percentile bootstrap of a coefficient of one binary ``(coders, units)`` matrix.

    With ``clusters`` (one non-negative cluster id per unit, e.g. its
    transcript) this is a *cluster* bootstrap: each replicate draws as many
    clusters as there are, with replacement, and recomputes the coefficient on
    the units of the drawn clusters (see :class:`ClusterTable`).

    ``statistic`` is ``"alpha"``, ``"kappa"`` (Cohen's; pass 2 coders),
    ``"fleiss"``, ``"ac1"``, ``"bp"`` or ``"percent"``.  Without weights this is
    exactly :func:`bootstrap_ci`.  With weights, the expanded units are
    resampled: the unit patterns are built in the same order as
    :func:`bootstrap_ci` builds them, with weighted frequencies, so with unit
    weights both give the very same interval for the same seed.
    """
    arr = np.asarray(data, dtype=np.float64)
    if arr.ndim != 2:
        raise ValueError(f"binary_bootstrap needs a (coders, units) matrix, got shape {arr.shape}")
    if clusters is not None:
        if registry.by_name(statistic).pairwise and arr.shape[0] != 2:
            raise ValueError(f"{statistic} compares exactly 2 coders, got {arr.shape[0]}")
        return ClusterTable(arr, weights, clusters).interval(statistic, n, seed, level)
    w = _as_weights(weights, arr.shape[1])
    if w is None:
        return bootstrap_ci(statistic, arr, n=n, seed=seed, level=level)
    check_bootstrap_args(n, level)
    rng = np.random.default_rng(seed)
    rated = ~np.isnan(arr)
    applied = arr == 1.0
    coefficient = registry.by_name(statistic)
    stat: Statistic
    if coefficient.pairwise:
        if arr.shape[0] != 2:
            raise ValueError(f"{coefficient.name} compares exactly 2 coders, got {arr.shape[0]}")
        both = rated[0] & rated[1]
        a = applied[0].astype(np.int64)
        b = applied[1].astype(np.int64)
        keys = a * 3 + b
        freq = np.bincount(keys[both], weights=w[both].astype(np.float64), minlength=9)
        uniq = np.flatnonzero(freq)
        patterns = np.stack([uniq // 3, uniq % 3], axis=1).astype(np.int64)
        freq = freq[uniq]
        observed = np.unique(np.concatenate([a[both], b[both]]))
        if observed.size < 2:
            return None  # one category throughout: kappa undefined on every replicate
    else:
        base = arr.shape[0] + 1
        n1 = applied.sum(axis=0, dtype=np.int64)
        n0 = rated.sum(axis=0, dtype=np.int64) - n1
        keys = n0 + n1 * base
        freq = np.bincount(keys, weights=w.astype(np.float64), minlength=base * base)
        freq[0] = 0.0
        uniq = np.flatnonzero(freq)
        patterns = np.stack([uniq % base, uniq // base], axis=1).astype(np.int64)
        freq = freq[uniq]
    assert coefficient.make is not None
    stat = coefficient.make(registry.binary_design(arr.shape[0]))
    if patterns.shape[0] == 0:
        return None
    keep = stat.usable(patterns)
    patterns, freq = patterns[keep], freq[keep]
    total = int(np.rint(freq.sum()))
    if total == 0:
        return None
    features = stat.features(patterns)
    values = np.empty(n)
    chunk = max(1, _MAX_WEIGHT_CELLS // max(1, patterns.shape[0]))
    for start in range(0, n, chunk):
        size = min(chunk, n - start)
        draws = rng.multinomial(total, freq / freq.sum(), size=size).astype(np.float64)
        vals, codes = stat.finalize(draws @ features)
        values[start : start + size] = np.where(codes == 0, vals, np.nan)
    return percentile_interval(values, level)


class ClusterTable:
    """Per-cluster unit-pattern frequencies of one binary code, for cluster-bootstrap intervals.

    Every coefficient here is a function of sums of per-unit features, so a
    cluster's (transcript's) units can be replaced by their sum: one
    ``bincount`` gives each cluster's pattern frequencies ``F`` (clusters x
    patterns), one product its feature sums ``S = F @ features``.  Drawing G
    clusters with replacement is drawing how often each is taken
    (:func:`draw_clusters`); a replicate's sums are that row of counts times
    ``S``.  So the units are read once per code (the multi-coder table is
    shared by alpha, Fleiss' kappa, AC1, ...; a pair's by its Cohen's kappa),
    and 1,000 replicates are a (1000 x G) @ (G x features) product.

    Only clusters with at least one unit that can enter the statistic take
    part: a transcript the two coders of a pair never both rated is not in
    that pair's sample.
    """

    def __init__(
        self,
        data: npt.ArrayLike,
        weights: npt.ArrayLike | None,
        clusters: npt.ArrayLike,
    ) -> None:
        arr = np.asarray(data, dtype=np.float64)
        if arr.ndim != 2:
            raise ValueError(f"ClusterTable needs a (coders, units) matrix, got shape {arr.shape}")
        cid = np.asarray(clusters)
        if cid.shape != (arr.shape[1],):
            raise ValueError(
                f"clusters must have one entry per unit ({arr.shape[1]}), got shape {cid.shape}"
            )
        if cid.size and (not np.issubdtype(cid.dtype, np.integer) or cid.min() < 0):
            raise ValueError("clusters must be non-negative integer ids")
        w = _as_weights(weights, arr.shape[1])
        self._w = None if w is None else w.astype(np.float64)
        self._cid = cid.astype(np.int64, copy=False)
        self._n_clusters = int(self._cid.max()) + 1 if cid.size else 0
        self._rated = ~np.isnan(arr)
        self._applied = arr == 1.0
        self._multi: tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]] | None = None

    def _table(
        self, keys: npt.NDArray[np.int64], mask: npt.NDArray[np.bool_], n_keys: int
    ) -> npt.NDArray[np.float64]:
        cells = self._cid[mask] * n_keys + keys[mask]
        weights = None if self._w is None else self._w[mask]
        counts = np.bincount(cells, weights=weights, minlength=self._n_clusters * n_keys)
        return counts.reshape(self._n_clusters, n_keys).astype(np.float64)

    def multi(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
        """``(clusters, keys)`` frequencies of (not applied, applied) counts, and each key's counts."""
        if self._multi is None:
            base = self._rated.shape[0] + 1
            n1 = self._applied.sum(axis=0, dtype=np.int64)
            n0 = self._rated.sum(axis=0, dtype=np.int64) - n1
            keys = n0 + n1 * base
            k = np.arange(base * base, dtype=np.int64)
            self._multi = (
                self._table(keys, keys != 0, base * base),
                np.stack([k % base, k // base], axis=1),
            )
        return self._multi

    def pair(self, i: int, j: int) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
        """``(clusters, 9)`` frequencies of the (coder i, coder j) ratings of units both rated."""
        both = self._rated[i] & self._rated[j]
        keys = self._applied[i].astype(np.int64) * 3 + self._applied[j]
        k = np.arange(9, dtype=np.int64)
        return self._table(keys, both, 9), np.stack([k // 3, k % 3], axis=1)

    def values(
        self,
        statistic: str,
        n: int,
        rng: np.random.Generator,
        coders: tuple[int, int] = (0, 1),
    ) -> npt.NDArray[np.float64]:
        """The ``n`` replicate values of ``statistic`` (NaN where undefined)."""
        coefficient = registry.by_name(statistic)
        assert coefficient.make is not None
        if coefficient.pairwise:
            freq, patterns = self.pair(*coders)
        else:
            freq, patterns = self.multi()
        present = freq.sum(axis=0) > 0
        stat = coefficient.make(registry.binary_design(self._rated.shape[0]))
        cols = np.flatnonzero(present)
        cols = cols[stat.usable(patterns[cols])] if cols.size else cols
        freq = freq[:, cols]
        freq = freq[freq.sum(axis=1) > 0]
        n_clusters = freq.shape[0]
        if cols.size == 0 or n_clusters == 0:
            return np.full(n, np.nan)
        sums = freq @ stat.features(patterns[cols])  # (clusters, features)
        out = np.empty(n)
        chunk = max(1, _MAX_WEIGHT_CELLS // max(1, n_clusters))
        for start in range(0, n, chunk):
            size = min(chunk, n - start)
            vals, codes = stat.finalize(draw_clusters(rng, n_clusters, size) @ sums)
            out[start : start + size] = np.where(codes == 0, vals, np.nan)
        return out

    def interval(
        self,
        statistic: str,
        n: int = 1000,
        seed: int | np.random.Generator | None = None,
        level: float = 0.95,
        coders: tuple[int, int] = (0, 1),
    ) -> Interval | None:
        """The percentile cluster-bootstrap interval (``None`` when no replicate is defined)."""
        check_bootstrap_args(n, level)
        rng = np.random.default_rng(seed)
        return percentile_interval(self.values(statistic, n, rng, coders), level)


def draw_clusters(rng: np.random.Generator, n_clusters: int, size: int) -> npt.NDArray[np.float64]:
    """``size`` resamples of ``n_clusters`` clusters with replacement, as counts per cluster.

    Row r counts how often each cluster was drawn in ``n_clusters`` uniform
    draws ``rng.integers(0, n_clusters, (size, n_clusters))[r]`` (a multinomial
    row, but one ``bincount`` is ~5x faster than ``rng.multinomial`` here).
    """
    picks = rng.integers(0, n_clusters, size=(size, n_clusters))
    picks += np.arange(size)[:, None] * n_clusters
    counts = np.bincount(picks.reshape(-1), minlength=size * n_clusters)
    return counts.reshape(size, n_clusters).astype(np.float64)


def _set_ids(sets: npt.NDArray[np.bool_]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.bool_]]:
    """Index of each row's distinct set, and the distinct sets as a (V, codes) bool matrix."""
    n_codes = sets.shape[1]
    if n_codes <= 62:
        keys = sets.astype(np.int64) @ (np.int64(1) << np.arange(n_codes, dtype=np.int64))
        uniq, ids = np.unique(keys, return_inverse=True)
        table = ((uniq[:, None] >> np.arange(n_codes, dtype=np.int64)) & 1).astype(bool)
        return ids.astype(np.intp), table
    packed = np.packbits(sets, axis=1)
    uniq_rows, ids = np.unique(packed, axis=0, return_inverse=True)
    table = np.unpackbits(uniq_rows, axis=1, count=n_codes).astype(bool)
    return ids.reshape(-1).astype(np.intp), table


def _distance_from_counts(
    inter: npt.NDArray[np.float64],
    size_a: npt.NDArray[np.float64],
    size_b: npt.NDArray[np.float64],
    distance: str,
) -> npt.NDArray[np.float64]:
    """Jaccard or MASI distance from |a & b|, |a| and |b| (broadcasting)."""
    union = size_a + size_b - inter
    jac = np.divide(inter, union, out=np.ones(np.broadcast(inter, union).shape), where=union > 0)
    if distance == "jaccard":
        return 1.0 - jac
    if distance != "masi":
        raise ValueError(f"distance must be 'masi' or 'jaccard', got {distance!r}")
    a_in_b = inter == size_a
    b_in_a = inter == size_b
    mono = np.where(
        a_in_b & b_in_a,
        1.0,
        np.where(a_in_b | b_in_a, 2.0 / 3.0, np.where(inter > 0, 1.0 / 3.0, 0.0)),
    )
    return 1.0 - jac * mono


def set_distances(table: npt.NDArray[np.bool_], distance: str) -> npt.NDArray[np.float64]:
    """Pairwise Jaccard or MASI distances between the distinct sets (rows of ``table``)."""
    t = table.astype(np.float64)
    size = t.sum(axis=1)
    return _distance_from_counts(t @ t.T, size[:, None], size[None, :], distance)


def _expected_disagreement(
    table: npt.NDArray[np.bool_], n_c: npt.NDArray[np.float64], distances: Sequence[str]
) -> npt.NDArray[np.float64]:
    """``n' D n`` over the distinct sets for each column n of ``n_c`` and each distance.

    Both distances depend only on ``(|a|, |b|, |a & b|)``, so the sum needs
    only the weighted count of set pairs with each such triple
    (:func:`_intersection_histogram`, from subset counts, without visiting
    the V**2 pairs of distinct sets).  When that count cannot be made exactly
    or cheaply (more than 62 codes, very large sets, counts too big for
    exact float arithmetic), the pairs are visited (:func:`_expected_dense`).
    Returns shape ``(len(distances), n_c.shape[1])``.
    """
    histogram = _intersection_histogram(table, n_c)
    if histogram is None:
        # Visit the pairs, each sparse column (e.g. one transcript) among its own sets only.
        totals = np.zeros((len(distances), n_c.shape[1]))
        full: list[int] = []
        for col in range(n_c.shape[1]):
            rows = np.flatnonzero(n_c[:, col])
            if rows.size * 2 < table.shape[0]:
                totals[:, col] = _expected_dense(table[rows], n_c[rows, col : col + 1], distances)[
                    :, 0
                ]
            else:
                full.append(col)
        if full:
            totals[:, full] = _expected_dense(table, n_c[:, full], distances)
        return totals
    side = histogram.shape[1]
    grid = np.arange(side, dtype=np.float64)
    totals = np.zeros((len(distances), n_c.shape[1]))
    for i, d in enumerate(distances):
        lookup = _distance_from_counts(
            grid[None, None, :], grid[:, None, None], grid[None, :, None], d
        )  # [|a|, |b|, |a & b|]
        totals[i] = histogram.reshape(histogram.shape[0], -1) @ lookup.reshape(-1)
    return totals


_MAX_SUBSETS = 8_000_000
_EXACT = float(2**53)
#: Entries per batch of sparse columns in :func:`_intersection_histogram` (temporaries of a few MB).
_CHUNK = 1 << 18


def _popcount(x: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Set bits of each non-negative int64 (``np.bitwise_count`` where numpy has it)."""
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(x).astype(np.int64)
    counts = np.zeros(x.shape, dtype=np.int64)
    rest = x.copy()
    while rest.any():
        counts += rest & 1
        rest >>= 1
    return counts


def _intersection_histogram(
    table: npt.NDArray[np.bool_], n_c: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64] | None:
    """``H[col, s, t, i]``: sum of ``n_a n_b`` over the ordered pairs (a, b) of the distinct sets (a = b too) with |a|=s, |b|=t, |a & b|=i.

    Why not pair the sets directly: with thousands of distinct code
    combinations that is tens of millions of pairs per column.  Instead,
    for every set S contained in some rated set, ``N_s(S)`` sums the counts
    of the rated sets of size s that contain S.  Then
    ``sum_{|S|=j} N_s(S) N_t(S) = sum_{a,b} n_a n_b C(|a & b|, j)`` (each
    pair is counted once per common subset of size j): the binomial
    moments of the intersection sizes, from which the exact counts follow
    by binomial inversion, ``H_i = sum_j (-1)**(j-i) C(j, i) M_j``.  The
    cost is the number of (set, subset) entries, sum over sets of 2**|a|.

    A column with most sets (all coders, a coder pair) counts all entries in
    one ``bincount``.  Columns with few sets (a transcript) go together, in
    chunks of about :data:`_CHUNK` entries, keyed by (column, subset) and
    numbered densely, so no column pays for the subsets it does not have.

    Every count here is a whole number and is computed exactly: the moments
    in float64 where every partial sum stays below 2**53, otherwise in int64
    (see below), and the inversion in int64.  Returns ``None`` where the
    ratings are too many for that (``total**2 >= 2**63``), or the sets too
    large to enumerate their subsets.
    """
    n_sets, n_codes = table.shape
    n_cols = n_c.shape[1]
    if n_sets == 0 or n_codes > 62 or not np.array_equal(n_c, np.round(n_c)):
        return None
    sizes = table.sum(axis=1).astype(np.int64)
    top = int(sizes.max())
    side = top + 1
    n_entries = int((np.int64(1) << sizes).sum())
    if n_entries > _MAX_SUBSETS or n_entries > n_sets * n_sets:
        return None
    total = float(n_c.sum(axis=0).max()) if n_cols else 0.0
    if total * total >= 2.0**63:
        return None
    # While no moment can pass 2**53, float64 products are exact (and use BLAS); past that
    # the moments and the inversion run in int64, whose wrap-around arithmetic is exact
    # modulo 2**64: the counts sought are at most total**2 < 2**63, so they come out right
    # even where an intermediate moment overflowed.
    bound = total * total * float(comb(top, top // 2))
    exact_type: type[np.floating] | type[np.integer] = np.float64 if bound < _EXACT else np.int64
    # Every (set, subset) entry as a mask, the sets in order of size: each size's
    # (sets, 2**s) block of subsets, built by doubling (with and without each member).
    bits = np.int64(1) << np.arange(n_codes, dtype=np.int64)
    order = np.argsort(sizes, kind="stable")
    size_edges = np.searchsorted(sizes[order], np.arange(side + 1))
    blocks = []
    for s in range(side):
        rows = order[size_edges[s] : size_edges[s + 1]]
        if rows.size == 0:
            continue
        members = bits[np.nonzero(table[rows])[1].reshape(rows.size, s)]
        block = np.zeros((rows.size, 1), dtype=np.int64)
        for m in range(s):
            block = np.concatenate([block, block | members[:, m : m + 1]], axis=1)
        blocks.append(block.reshape(-1))
    masks = np.concatenate(blocks)
    # Number the distinct subsets by size so that each size j is one contiguous block.
    by_count = n_codes <= 24 and (1 << n_codes) <= 8 * masks.size  # counting beats sorting
    if by_count:
        seen = np.zeros(1 << n_codes, dtype=bool)
        seen[masks] = True
        distinct = np.flatnonzero(seen)
    else:
        distinct = np.unique(masks)
    subset_size = _popcount(distinct)
    by_size = np.argsort(subset_size, kind="stable")
    edges = np.searchsorted(subset_size[by_size], np.arange(side + 1))
    n_subsets = distinct.size
    if by_count:
        number = np.zeros(1 << n_codes, dtype=np.intp)
        number[distinct[by_size]] = np.arange(n_subsets)
        sub = number[masks]
    else:
        rank = np.empty(n_subsets, dtype=np.intp)
        rank[by_size] = np.arange(n_subsets)
        sub = rank[np.searchsorted(distinct, masks)]
    lengths = np.int64(1) << sizes  # entries of each set (original order)
    owner = np.repeat(sizes[order], lengths[order])  # size of the set owning each entry
    start = np.empty(n_sets, dtype=np.int64)  # first entry of each set (original order)
    start[order] = np.cumsum(lengths[order]) - lengths[order]
    moments = np.zeros((n_cols, side, side, side), dtype=exact_type)  # [col, j, s, t]

    def add_moments(
        counts: npt.NDArray[np.float64], cuts: npt.NDArray[np.intp], cols: npt.NDArray[np.intp]
    ) -> None:
        """``M[col, j, s, t] = sum over subsets S of size j of N_s(S) N_t(S)`` (rows ``cuts[.., j]:cuts[.., j+1]``)."""
        exact = np.rint(counts).astype(np.int64) if exact_type is np.int64 else counts
        for col, cut in zip(cols, cuts):
            for j in range(side):
                if cut[j + 1] > cut[j]:
                    block = exact[cut[j] : cut[j + 1], j:]
                    moments[col, j, j:, j:] = block.T @ block

    nnz = np.count_nonzero(n_c, axis=0)
    dense = nnz * 4 > n_sets
    by_set = lengths[order]
    cells = sub * side + owner
    for col in np.flatnonzero(dense):
        weight = np.repeat(n_c[order, col], by_set)
        counts = np.bincount(cells, weights=weight, minlength=n_subsets * side)
        add_moments(
            np.asarray(counts, dtype=np.float64).reshape(n_subsets, side),
            edges[None, :],
            np.array([col]),
        )
    sparse = np.flatnonzero(~dense & (nnz > 0))
    if sparse.size:
        set_of, col_of = np.nonzero(n_c[:, sparse])
        by_col = np.argsort(
            col_of.astype(np.int16 if sparse.size < 2**15 else np.int64), kind="stable"
        )
        set_of, col_of = set_of[by_col], col_of[by_col]
        col_cut = np.searchsorted(col_of, np.arange(sparse.size + 1))
        entries_before = np.concatenate([[0], np.cumsum(lengths[set_of])])[col_cut]
        lo = 0
        while lo < sparse.size:
            hi = int(np.searchsorted(entries_before, entries_before[lo] + _CHUNK, "right")) - 1
            hi = max(hi, lo + 1)
            these = set_of[col_cut[lo] : col_cut[hi]]
            width = lengths[these]
            offsets = np.cumsum(width) - width
            entry = np.arange(int(width.sum()), dtype=np.intp) + np.repeat(
                start[these] - offsets, width
            )
            key = np.repeat(col_of[col_cut[lo] : col_cut[hi]] - lo, width) * n_subsets + sub[entry]
            seen_here = np.zeros((hi - lo) * n_subsets, dtype=bool)
            seen_here[key] = True
            used = np.flatnonzero(seen_here)  # (column, subset) rows, by column then size
            slot = np.zeros(seen_here.size, dtype=np.intp)
            slot[used] = np.arange(used.size)
            weight = np.repeat(n_c[these, sparse[col_of[col_cut[lo] : col_cut[hi]]]], width)
            counts = np.bincount(
                slot[key] * side + owner[entry], weights=weight, minlength=used.size * side
            )
            starts = np.arange(hi - lo)[:, None] * n_subsets + edges[None, :]
            cuts = np.searchsorted(used, starts.reshape(-1)).reshape(hi - lo, side + 1)
            add_moments(
                np.asarray(counts, dtype=np.float64).reshape(used.size, side), cuts, sparse[lo:hi]
            )
            lo = hi
    binom = np.zeros((side, side), dtype=np.int64)  # binom[j, i] = C(j, i)
    for j in range(side):
        binom[j, 0] = 1
        for i in range(1, j + 1):
            binom[j, i] = binom[j - 1, i - 1] + (binom[j - 1, i] if i < j else 0)
    sign = np.where((np.arange(side)[:, None] - np.arange(side)[None, :]) % 2 == 0, 1, -1)
    inverse = binom * sign
    exact = np.rint(moments).astype(np.int64) if exact_type is np.float64 else moments
    # H[col, i, s, t] = sum_j inverse[j, i] M[col, j, s, t]
    with np.errstate(over="ignore"):
        hist = np.einsum("ji,cjst->cist", inverse, exact)
    return hist.astype(np.float64).transpose(0, 2, 3, 1)


def _expected_dense(
    table: npt.NDArray[np.bool_], n_c: npt.NDArray[np.float64], distances: Sequence[str]
) -> npt.NDArray[np.float64]:
    """:func:`_expected_disagreement` by visiting every pair of distinct sets (the general case).

    Both distances depend only on ``(|a|, |b|, |a & b|)``: they are tabulated
    once for every such triple and gathered block by block (D is never held
    whole), with the intersections from a float32 matrix product (exact:
    counts < 2**24).  Cost O(V^2) for V distinct sets, memory O(V).
    """
    n_sets, n_codes = table.shape
    t = table.astype(np.float32)
    size = table.sum(axis=1).astype(np.int64)
    side = n_codes + 1
    grid = np.arange(side, dtype=np.float64)
    lookups = [
        _distance_from_counts(
            grid[None, None, :], grid[:, None, None], grid[None, :, None], d
        ).reshape(-1)
        for d in distances
    ]  # index (|a| * side + |b|) * side + |a & b|
    block = max(1, 4_000_000 // max(1, n_sets))
    col_base = size * side
    totals = np.zeros((len(distances), n_c.shape[1]))
    # D is symmetric: each row block meets only the columns from its own start onwards;
    # the part right of its diagonal block counts twice.
    for lo in range(0, n_sets, block):
        hi = min(n_sets, lo + block)
        key = (t[lo:hi] @ t[lo:].T).astype(np.int64)
        key += (size[lo:hi, None] * side * side) + col_base[None, lo:]
        rows = n_c[lo:hi]
        for i, lookup in enumerate(lookups):
            dist = lookup.take(key)
            whole = np.einsum("rk,rk->k", rows, dist @ n_c[lo:])
            diagonal = np.einsum("rk,rk->k", rows, dist[:, : hi - lo] @ rows)
            totals[i] += 2.0 * whole - diagonal
    return totals


def binary_set_alpha(
    data: npt.ArrayLike,
    weights: npt.ArrayLike | None = None,
    distance: Literal["masi", "jaccard"] = "masi",
) -> Estimate:
    """Set-valued alpha where coder k's rating of unit u is the set of codes c with ``data[c, k, u] == 1``.

    ``data`` is ``(codes, coders, units)`` 0/1/NaN; a coder's rating of a unit
    is missing when any of its code entries is NaN.  Same value as
    :func:`~codebench.agreement.sets.set_alpha` on the corresponding sets.
    """
    return binary_set_alphas(data, weights, (distance,))[distance]


def binary_set_alphas(
    data: npt.ArrayLike,
    weights: npt.ArrayLike | None = None,
    distances: Sequence[str] = ("masi", "jaccard"),
) -> dict[str, Estimate]:
    """:func:`binary_set_alpha` for several distances in one pass (shared set table and intersections)."""
    arr = _validate(data)
    return set_alphas_by_coders(arr, weights, [tuple(range(arr.shape[1]))], distances)[0]


def set_alphas_by_coders(
    data: npt.ArrayLike,
    weights: npt.ArrayLike | None,
    coder_sets: Sequence[Sequence[int]],
    distances: Sequence[str] = ("masi", "jaccard"),
) -> list[dict[str, Estimate]]:
    """Set-valued alpha of several groups of coders (e.g. all of them and every pair) in one pass.

    Equal to :func:`binary_set_alpha` on ``data[:, list(group), :]`` for each
    group; the distinct-set table and the expected-disagreement pass are
    shared.
    """
    return set_alphas(data, weights, [(group, None) for group in coder_sets], distances)


UnitSelection = slice | npt.NDArray[np.intp] | None


def set_alphas(
    data: npt.ArrayLike,
    weights: npt.ArrayLike | None,
    columns: Sequence[tuple[Sequence[int], UnitSelection]],
    distances: Sequence[str] = ("masi", "jaccard"),
    *,
    prepared: RatingBits | None = None,
) -> list[dict[str, Estimate]]:
    """Set-valued alpha of several (coder group, units) selections in one pass.

    Each column is a group of coders and the units it covers (a slice, an
    index array, or ``None`` for all), e.g. all coders on each transcript.
    Equal to :func:`binary_set_alpha` on ``data[:, list(group), units]`` for
    each; the distinct sets, the per-unit distances of each coder pair and
    the expected-disagreement pass are shared, so a hundred transcripts cost
    about as much as the whole data once.  ``prepared`` is
    :func:`rating_bits` of ``data`` when the caller has it already.
    """
    for distance in distances:
        if distance not in ("masi", "jaccard"):
            raise ValueError(f"distance must be 'masi' or 'jaccard', got {distance!r}")
    arr = _validate(data)
    n_codes, _, n_units = arr.shape
    w = _as_weights(weights, n_units)
    wf = np.ones(n_units) if w is None else w.astype(np.float64)
    rated, bits = rating_bits(arr) if prepared is None else prepared
    # Per coder group, over all units: which units are pairable, each unit's weight and its
    # observed disagreement (sum over coder pairs of 2 d(a, b) w_u / (m_u - 1), per distance).
    # A column then sums its units' share: a slice is a view, so it costs its own length.
    groups = [tuple(g) for g, _ in columns]
    picks: list[slice | npt.NDArray[np.intp]] = [
        slice(None) if sel is None else sel for _, sel in columns
    ]
    per_group: dict[tuple[int, ...], tuple[npt.NDArray[np.bool_], npt.NDArray[np.float64]]] = {}
    for g in dict.fromkeys(groups):
        in_group = rated[list(g)]
        ok = (in_group.sum(axis=0) >= 2) & (wf > 0)
        per_group[g] = (ok, np.where(ok, wf, 0.0))
    out: list[dict[str, Estimate] | None] = [
        None if per_group[g][0][idx].any() else {d: Estimate(None, NO_PAIRABLE) for d in distances}
        for g, idx in zip(groups, picks)
    ]
    active = [c for c, o in enumerate(out) if o is None]
    if not active:
        return [o for o in out if o is not None]
    ids, table = _rating_sets(arr, rated, bits)
    n_sets = table.shape[0]
    size = table.sum(axis=1).astype(np.int64)
    side = n_codes + 1
    grid = np.arange(side, dtype=np.float64)
    lookups = [
        _distance_from_counts(
            grid[None, None, :], grid[:, None, None], grid[None, :, None], d
        ).reshape(-1)
        for d in distances
    ]
    pair_cache: dict[tuple[int, int], npt.NDArray[np.float64]] = {}
    unit_size: dict[int, npt.NDArray[np.int64]] = {}

    def pair_distances(i: int, j: int) -> npt.NDArray[np.float64]:
        """``(distances, units)``: d(a, b) of coders i and j on each unit (garbage where one did not rate)."""
        if (i, j) not in pair_cache:
            if bits is not None:  # the ratings' own masks: no look-up through the set table
                for k in (i, j):
                    if k not in unit_size:
                        unit_size[k] = _popcount(bits[k])
                inter = _popcount(np.bitwise_and(bits[i], bits[j]))
                keys = (unit_size[i] * side + unit_size[j]) * side + inter
            else:
                a, b = np.maximum(ids[i], 0), np.maximum(ids[j], 0)
                keys = (size[a] * side + size[b]) * side + _intersections(table, a, b)
            pair_cache[(i, j)] = np.stack([lookup.take(keys) for lookup in lookups])
        return pair_cache[(i, j)]

    # Each coder pair's share of a unit's observed disagreement, per group: 2 w_u / (m_u - 1)
    # where both rated (m_u the group's raters of u).
    def pair_weights(g: tuple[int, ...]) -> list[tuple[int, int, npt.NDArray[np.float64]]]:
        in_group = rated[list(g)]
        unit_w = per_group[g][1]
        m = in_group.sum(axis=0).astype(np.float64)
        scale = np.divide(2.0 * unit_w, m - 1.0, out=np.zeros_like(m), where=m > 1)
        return [
            (min(g[x], g[y]), max(g[x], g[y]), np.where(in_group[x] & in_group[y], scale, 0.0))
            for x in range(len(g))
            for y in range(x + 1, len(g))
        ]

    def rated_counts(
        g: tuple[int, ...],
        idx: slice | npt.NDArray[np.intp],
        label: npt.NDArray[np.intp] | None,
        n_labels: int,
    ) -> npt.NDArray[np.float64]:
        """How often (weighted) the group's coders gave each distinct set on the units, per label."""
        unit_w = per_group[g][1][idx]
        members = list(g)
        sel = rated[members][:, idx] & (unit_w > 0)
        keys = ids[members][:, idx] if label is None else (label * n_sets)[None, :] + ids[members]
        # Unweighted units weigh 1 wherever they are counted: plain counts, no weights to gather.
        counts = np.bincount(
            keys[sel],
            weights=None if w is None else np.broadcast_to(unit_w, sel.shape)[sel],
            minlength=n_labels * n_sets,
        )
        return counts.astype(np.float64, copy=False)

    n_c = np.zeros((n_sets, len(active)))
    observed = np.zeros((len(distances), len(active)))
    batched = _disjoint_ranges(groups, picks, active, n_units)
    whole: dict[tuple[int, ...], tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]] = {}
    for g, (cols, label) in batched.items():
        # Many unit ranges of one group (e.g. every transcript): one bincount for them all,
        # each unit's rated sets keyed by its range (the last key: in none of them).
        n_labels = len(cols) + 1
        counts = rated_counts(g, slice(None), label, n_labels).reshape(n_labels, n_sets)
        n_c[:, cols] = counts[: len(cols)].T
        unit_observed = np.zeros((len(distances), n_units))
        for i, j, weight in pair_weights(g):
            unit_observed += pair_distances(i, j) * weight
        by_label = np.stack(
            [
                np.bincount(label, weights=unit_observed[t], minlength=n_labels)
                for t in range(len(distances))
            ]
        )
        observed[:, cols] = by_label[:, : len(cols)]
        # The same group over every unit is the sum of all its ranges and the rest.
        whole[g] = (counts.sum(axis=0), by_label.sum(axis=1))
    done = {col for cols, _ in batched.values() for col in cols}
    for col, c in enumerate(active):
        if col in done:
            continue
        g, idx = groups[c], picks[c]
        if g in whole and isinstance(idx, slice) and idx.indices(n_units) == (0, n_units, 1):
            n_c[:, col], observed[:, col] = whole[g]
            continue
        n_c[:, col] = rated_counts(g, idx, None, 1)
        for i, j, weight in pair_weights(g):
            observed[:, col] += pair_distances(i, j)[:, idx] @ weight[idx]
    expected = _expected_disagreement(table, n_c, distances)
    for col, c in enumerate(active):
        n = n_c[:, col].sum()
        if np.count_nonzero(n_c[:, col]) <= 1:
            out[c] = {d: Estimate(None, NO_VARIATION) for d in distances}
            continue
        result: dict[str, Estimate] = {}
        for t, d in enumerate(distances):
            e = expected[t, col]
            result[d] = (
                Estimate(None, NO_VARIATION)
                if e == 0
                else Estimate(float(1.0 - (n - 1.0) * observed[t, col] / e))
            )
        out[c] = result
    return [o for o in out if o is not None]


def _disjoint_ranges(
    groups: Sequence[tuple[int, ...]],
    picks: Sequence[slice | npt.NDArray[np.intp]],
    active: Sequence[int],
    n_units: int,
) -> dict[tuple[int, ...], tuple[list[int], npt.NDArray[np.intp]]]:
    """Per coder group, its active columns that are disjoint unit ranges, and each unit's range.

    Returns ``{group: (columns, label)}`` where ``columns`` index ``active``
    and ``label[u]`` is the position in ``columns`` of the range holding unit
    u (``len(columns)`` for none).  Only groups with several such ranges are
    kept: they are what one ``bincount`` can serve (the report's transcripts).
    """
    ranges: dict[tuple[int, ...], list[tuple[int, int, int]]] = {}
    for col, c in enumerate(active):
        pick = picks[c]
        if isinstance(pick, slice) and pick.step in (None, 1):
            lo, hi, _ = pick.indices(n_units)
            if hi > lo:
                ranges.setdefault(groups[c], []).append((lo, hi, col))
    out: dict[tuple[int, ...], tuple[list[int], npt.NDArray[np.intp]]] = {}
    for g, spans in ranges.items():
        # The most ranges that do not overlap (earliest end first); the rest, such as a
        # range over every unit, are summed on their own.
        kept: list[tuple[int, int, int]] = []
        for lo, hi, col in sorted(spans, key=lambda span: (span[1], span[0])):
            if not kept or lo >= kept[-1][1]:
                kept.append((lo, hi, col))
        if len(kept) < 2:
            continue
        label = np.full(n_units, len(kept), dtype=np.intp)
        for position, (lo, hi, _) in enumerate(kept):
            label[lo:hi] = position
        out[g] = ([col for _, _, col in kept], label)
    return out


def _rating_sets(
    arr: npt.NDArray[np.float64],
    rated: npt.NDArray[np.bool_],
    bits: npt.NDArray[np.int64] | None = None,
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.bool_]]:
    """Each rating's distinct set (``-1`` where not rated) and the distinct sets as a (V, codes) table.

    With up to 62 codes a rating's set is a bit mask; up to 24 codes the
    distinct masks are found by counting instead of sorting.
    """
    n_codes, n_coders, n_units = arr.shape
    ids = np.full((n_coders, n_units), -1, dtype=np.intp)
    if n_codes > 62:
        flat = (arr == 1.0).transpose(1, 2, 0).reshape(-1, n_codes)
        mask = rated.reshape(-1)
        ids_rated, table = _set_ids(flat[mask])
        ids.reshape(-1)[mask] = ids_rated
        return ids, table
    keys = rating_bits(arr)[1] if bits is None else bits
    assert keys is not None  # at most 62 codes here
    rated_keys = keys[rated]
    if n_codes <= 24:
        present = np.zeros(1 << n_codes, dtype=bool)
        present[rated_keys] = True
        uniq = np.flatnonzero(present)
        remap = np.zeros(1 << n_codes, dtype=np.intp)  # only the present masks are read
        remap[uniq] = np.arange(uniq.size)
        ids[rated] = remap[rated_keys]
    else:
        uniq, inverse = np.unique(rated_keys, return_inverse=True)
        ids[rated] = inverse.reshape(-1)
    return ids, unpack_bits(uniq, n_codes).T


RatingBits = tuple[npt.NDArray[np.bool_], npt.NDArray[np.int64] | None]


def rating_bits(data: npt.ArrayLike) -> RatingBits:
    """``(rated, bits)``: which ratings have no missing code, and each rating's codes as a bit mask.

    ``bits[k, u]`` has bit c set where coder k applied code c to unit u
    (``None`` past 62 codes): set operations on whole ratings (intersections,
    what one coder applied and the other did not) become bit operations.
    The two planes of :func:`~codebench.agreement.planes.rating_planes` that
    the set-valued alpha and the confusion counts read.
    """
    planes = rating_planes(_validate(data), "set-valued alpha")
    return planes.rated, planes.bits


def unpack_bits(masks: npt.NDArray[np.int64], n_codes: int) -> npt.NDArray[np.bool_]:
    """``(codes, len(masks))``: the bits of each mask, code c in row c."""
    return ((masks[None, :] >> np.arange(n_codes, dtype=np.int64)[:, None]) & 1).astype(bool)


def _intersections(
    table: npt.NDArray[np.bool_], a: npt.NDArray[np.intp], b: npt.NDArray[np.intp]
) -> npt.NDArray[np.int64]:
    """``|set a & set b|`` for index arrays into the distinct-set table."""
    n_codes = table.shape[1]
    if n_codes <= 62:
        bits = np.int64(1) << np.arange(n_codes, dtype=np.int64)
        masks: npt.NDArray[np.int64] = table.astype(np.int64) @ bits
        return _popcount(np.bitwise_and(masks[a], masks[b]))
    packed = np.packbits(table, axis=1)
    out = np.zeros(a.shape, dtype=np.int64)
    for start in range(0, a.size, 65536):
        both = packed[a[start : start + 65536]] & packed[b[start : start + 65536]]
        out[start : start + 65536] = np.unpackbits(both, axis=1).sum(axis=1)
    return out
