"""Inter-coder agreement coefficients on one reliability matrix.

Convention: ``data`` has shape ``(coders, units)``; each value is a category
label (for codebench usually 0 = code absent, 1 = code present) and ``NaN``
means the coder did not rate that unit.  Every function returns an
:class:`~codebench.agreement.estimate.Estimate`; an undefined coefficient has
``value=None`` and a ``reason`` instead of a misleading 0 or 1.

The arithmetic lives in ``_stats`` (shared with the bootstrap and the batch
report); this module only encodes the data and words the result.  See
``docs/agreement.md`` for the formulas.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

from codebench.agreement import _stats
from codebench.agreement._encode import count_patterns, encode, pair_patterns
from codebench.agreement.estimate import Estimate
from codebench.wording import plural

Level = Literal["nominal", "ordinal", "interval", "ratio"]
Statistic = (
    _stats.PercentAgreement
    | _stats.ChanceUniform
    | _stats.GwetAC1
    | _stats.FleissKappa
    | _stats.KrippendorffAlpha
    | _stats.CohenKappa
)


def _evaluate(
    stat: Statistic, patterns: npt.NDArray[np.int64], freq: npt.NDArray[np.int64]
) -> Estimate:
    """Sum the features over the units and turn the single result into an Estimate."""
    if patterns.shape[0] == 0:
        sums = np.zeros((1, stat.features(patterns).shape[1]))
    else:
        sums = freq.astype(np.float64)[None, :] @ stat.features(patterns)
    values, codes = stat.finalize(sums)
    return to_estimate(stat, float(values[0]), int(codes[0]))


def to_estimate(stat: Statistic, value: float, code: int, note: str | None = None) -> Estimate:
    """Wrap a finalized value/code pair as an Estimate."""
    if code != 0 or not np.isfinite(value):
        return Estimate(None, stat.reasons[code] if code else "not computable")
    return Estimate(float(value), None, note)


def resolve_q(n_observed: int, n_categories: int | None) -> int:
    """Number of categories q for the chance terms of AC1 and Brennan-Prediger.

    Default ``max(2, observed)``: a code is at least a yes/no decision even if
    only one of the two answers was ever given, and a single-category q would
    make the chance term undefined.  Pass ``n_categories`` when the scale has
    categories nobody used (irrCAC's ``categories=`` argument).
    """
    if n_categories is None:
        return max(2, n_observed)
    if n_categories < max(2, n_observed):
        raise ValueError(
            f"n_categories={n_categories} but {n_observed} categories were observed "
            "(and at least 2 are needed)"
        )
    return int(n_categories)


def percent_agreement(data: npt.ArrayLike) -> Estimate:
    """Observed agreement: share of agreeing coder pairs, averaged over units.

    For each unit with m >= 2 ratings, the share of its m(m-1) ordered coder
    pairs that agree; the mean over those units.  With two coders this is the
    plain proportion of units on which they agree.
    """
    pats = count_patterns(data)
    return _evaluate(_stats.PercentAgreement(), pats.counts, pats.freq)


def cohen_kappa(a: npt.ArrayLike, b: npt.ArrayLike) -> Estimate:
    """Cohen's (1960) kappa between two coders' ratings of the same units.

    Units where either rating is NaN are dropped.  Chance agreement is the
    textbook ``p_e = SUM_k p_a(k) * p_b(k)`` over the categories either coder
    used (adding, not multiplying, the per-category products).  Undefined
    when no unit has both ratings or when ``p_e == 1``.
    """
    va = np.asarray(a, dtype=np.float64)
    vb = np.asarray(b, dtype=np.float64)
    if va.ndim != 1 or vb.ndim != 1 or va.shape != vb.shape:
        raise ValueError(
            f"cohen_kappa needs two 1-D arrays of equal length, got {va.shape}, {vb.shape}"
        )
    enc = encode(np.stack([va, vb]))
    pairs, freq = pair_patterns(enc)
    est = _evaluate(_stats.CohenKappa(enc.n_categories), pairs, freq)
    dropped = int(enc.n_units - freq.sum())
    if est.defined and dropped:
        est = Estimate(
            est.value,
            None,
            f"{plural(dropped, 'unit')} without both ratings {'was' if dropped == 1 else 'were'} left out",
        )
    return est


def fleiss_kappa(data: npt.ArrayLike) -> Estimate:
    """Fleiss' (1971) kappa over the units rated by every coder.

    Fleiss defined kappa for a fixed number of ratings per unit, so units with
    a missing rating are left out (the ``note`` says how many); use
    :func:`krippendorff_alpha` to use every pairable rating.
    """
    pats = count_patterns(data)
    stat = _stats.FleissKappa(pats.n_coders)
    est = _evaluate(stat, pats.counts, pats.freq)
    complete = int(pats.freq[stat.usable(pats.counts)].sum()) if pats.counts.size else 0
    dropped = int(pats.freq.sum()) - complete
    return with_fleiss_note(est, complete, dropped)


def with_fleiss_note(est: Estimate, complete: int, dropped: int) -> Estimate:
    """Attach "how many units Fleiss' kappa left out" to a defined estimate."""
    if est.defined and dropped:
        return Estimate(
            est.value,
            None,
            f"used {plural(complete, 'unit')} rated by all coders; left out {dropped}",
        )
    return est


def krippendorff_alpha(data: npt.ArrayLike, level: Level = "nominal") -> Estimate:
    """Krippendorff's alpha at the given level of measurement.

    Missing ratings are allowed; units with fewer than two ratings carry no
    pairable values and are ignored.  ``level`` picks the difference
    function: nominal (0/1), ordinal (Krippendorff 2011, from the marginal
    frequencies of the pairable values), interval (squared difference) or
    ratio (squared relative difference).  Undefined when there are no
    pairable values or they are all the same category.
    """
    pats = count_patterns(data)
    stat = _stats.KrippendorffAlpha(level, pats.categories)
    return _evaluate(stat, pats.counts, pats.freq)


def gwet_ac1(data: npt.ArrayLike, n_categories: int | None = None) -> Estimate:
    """Gwet's (2008) AC1 for any number of coders, missing ratings allowed.

    ``p_a`` as in :func:`percent_agreement`; chance agreement
    ``p_e = SUM_k pi_k (1 - pi_k) / (q - 1)`` with ``pi_k`` the mean share of
    category k among a unit's ratings (over units with >= 1 rating).
    Identical to irrCAC's ``CAC(...).gwet()`` with its default (identity)
    weights when q is the same; q defaults to ``max(2, observed categories)``.
    """
    pats = count_patterns(data)
    stat = _stats.GwetAC1(resolve_q(pats.n_categories, n_categories))
    return _evaluate(stat, pats.counts, pats.freq)


def brennan_prediger(data: npt.ArrayLike, n_categories: int | None = None) -> Estimate:
    """Brennan & Prediger's (1981) coefficient: chance agreement fixed at 1/q.

    ``q`` defaults to ``max(2, observed categories)`` -- 2 for yes/no code
    data even when one answer never occurs.  Matches irrCAC's ``bp()`` given
    the same q (irrCAC takes q from the observed or listed categories).
    """
    pats = count_patterns(data)
    stat = _stats.ChanceUniform(resolve_q(pats.n_categories, n_categories))
    return _evaluate(stat, pats.counts, pats.freq)
