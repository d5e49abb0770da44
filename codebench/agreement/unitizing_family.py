"""The rest of Krippendorff's unitizing family: |cuα, and a transcript bootstrap for every uα.

:mod:`codebench.agreement.unitizing` computes uα of one unitization
(``(k)uα`` for one code, ``|uα`` for "anything coded") and pools codes
(``uα``). This module adds

* ``|cuα``, the coding of identified units (Krippendorff 2004, Quality &
  Quantity 38): how well the coders agree on the *values* they gave the
  text they both identified. Its data are the intersections of the coders'
  units, each counted by its length: every character at least two coders
  coded is a unit of ordinary nominal alpha, each of those coders' value
  being the set of codes they applied there (a codebook's codes may overlap,
  so a value is a combination; with mutually exclusive codes it is the one
  code), the other coders missing. From the length-weighted coincidences
  o_vw (both orders of every pair of values at one character, weighted
  1/(m_u - 1)), n = Σ o and n_v its marginals::

      |cuα = 1 - (n - 1) (n - Σ_v o_vv) / (n² - Σ_v n_v²)

* a transcript-cluster bootstrap: every sum behind uDo, uDe and the
  coincidences splits by transcript (no section spans two), except uDe's
  unit-in-gap term, which pairs units of one transcript with gaps of
  another and is kept as a transcripts × transcripts matrix. A replicate
  draws transcripts with replacement and recombines the sums by the
  multiplicities, so it is exactly uα of the resampled transcripts laid
  end to end. Replicates where a coefficient is undefined are counted and
  reported, never dropped silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from codebench.agreement.bootstrap import Interval, percentile_interval
from codebench.agreement.unitizing import (
    FloatArray,
    Unitization,
    UnitizingAlpha,
    from_units,
    pooled_alpha,
    unitizing_alpha,
)

if TYPE_CHECKING:
    from codebench.agreement.reliability_data import Units


@dataclass(frozen=True)
class Components:
    """uα's sums of one unitization, per continuum, on a set of m coders."""

    m: int
    observed: FloatArray
    """Σ δ² over ordered coder pairs, per continuum."""
    length: FloatArray
    units: FloatArray
    """Pooled units per continuum (N_c is their sum)."""
    cubic: FloatArray
    """Σ (2l³ - 3l² + l) over the pooled units, per continuum."""
    square: FloatArray
    """Σ (l² - l) over the pooled units, per continuum."""
    inside: FloatArray
    """``inside[t, s]``: Σ over units of t of l² Σ over gaps of s holding them (l_h - l + 1)."""


def components(u: Unitization, coders: Sequence[int] | None = None) -> Components:
    """The per-continuum sums of uα (see the module docstring)."""
    from codebench.agreement.unitizing import observed_by_continuum

    who = list(range(u.n_coders)) if coders is None else list(coders)
    n_t = u.lengths.shape[0]
    mask = np.isin(u.coder, who)
    ul = (u.end[mask] - u.start[mask]).astype(np.float64)
    ut = u.continuum[mask]
    gc, gt, g_len = u.gaps()
    gmask = np.isin(gc, who)
    inside = _inside(ul, ut, g_len[gmask].astype(np.float64), gt[gmask], n_t)
    return Components(
        m=len(who),
        observed=observed_by_continuum(u, who),
        length=u.lengths.astype(np.float64),
        units=np.bincount(ut, minlength=n_t).astype(np.float64),
        cubic=np.bincount(ut, weights=2 * ul**3 - 3 * ul**2 + ul, minlength=n_t).astype(np.float64),
        square=np.bincount(ut, weights=ul**2 - ul, minlength=n_t).astype(np.float64),
        inside=inside,
    )


def _inside(
    ul: FloatArray, ut: npt.NDArray[np.int64], gl: FloatArray, gt: npt.NDArray[np.int64], n_t: int
) -> FloatArray:
    """``inside[t, s]`` = Σ over units of t of l² Σ over gaps of s with g >= l of (g - l + 1).

    Vectorised over blocks of continua s: the gaps sorted by (continuum,
    length) and their prefix sums answer every unit at once by searchsorted.
    """
    inside = np.zeros((n_t, n_t), dtype=np.float64)
    if ul.size == 0 or gl.size == 0:
        return inside
    order = np.lexsort((gl, gt))
    gt_s, gl_s = gt[order], gl[order]
    span = float(max(gl.max(), ul.max()) + 2.0)
    key = gt_s * span + gl_s
    block_end = np.searchsorted(gt_s, np.arange(n_t), side="right")
    csum = np.concatenate([[0.0], np.cumsum(gl_s)])
    # Units are sorted by continuum: each continuum's units are one slice.
    u_start = np.searchsorted(ut, np.arange(n_t), side="left")
    u_end = np.searchsorted(ut, np.arange(n_t), side="right")
    step = max(1, 2_000_000 // ul.size)
    weight = ul**2
    for lo in range(0, n_t, step):
        chunk = np.arange(lo, min(lo + step, n_t))
        first = np.searchsorted(key, chunk[:, None] * span + ul[None, :])
        end = block_end[chunk][:, None]
        vals = weight * ((csum[end] - csum[first]) - (ul - 1.0) * (end - first))
        cs = np.concatenate([np.zeros((chunk.size, 1)), np.cumsum(vals, axis=1)], axis=1)
        inside[:, chunk] = (cs[:, u_end] - cs[:, u_start]).T
    return inside


def disagreements(c: Components, w: FloatArray) -> tuple[FloatArray, FloatArray]:
    """uDo and uDe for each row of multiplicities ``w`` (replicates × continua); NaN when L = 0."""
    m = c.m
    big_l = w @ c.length
    n = w @ c.units
    overlap = (n - 1) / 3.0 * (w @ c.cubic)
    inside = np.einsum("bt,ts,bs->b", w, c.inside, w)
    with np.errstate(divide="ignore", invalid="ignore"):
        denominator = big_l * (m * big_l * (m * big_l - 1.0) - w @ c.square)
        do = (w @ c.observed) / (m * (m - 1) * big_l**2)
        de = 2.0 * (overlap + inside) / denominator
    return do, de


# ---------------------------------------------------------------------- |cuα


@dataclass(frozen=True)
class Coincidences:
    """|cuα's length-weighted coincidences, per continuum."""

    total: FloatArray
    """n: pairable values (characters × coders who coded them), per continuum."""
    agree: FloatArray
    """Σ_v o_vv per continuum."""
    margins: FloatArray
    """n_v per continuum (continua × distinct values)."""


def coincidences(units: Units, found: Any) -> Coincidences:
    """|cuα's coincidences from character-run units, on the continua of ``found``."""
    n_t = len(found.continua)
    runs = found.runs
    if units.weights is None or runs.size == 0:
        zero = np.zeros(n_t)
        return Coincidences(zero, zero, np.zeros((n_t, 0)))
    coded = units.data[:, :, runs] == 1.0  # codes × coders × runs
    w = units.weights[runs].astype(np.float64)
    bits = np.ascontiguousarray(coded.transpose(1, 2, 0))  # coders × runs × codes
    has = bits.any(axis=2)
    k, r = np.nonzero(has)
    _values, value = np.unique(bits[k, r], axis=0, return_inverse=True)
    value = value.reshape(-1)
    m_u = has.sum(axis=0)
    keep = m_u[r] >= 2
    r, value = r[keep], value[keep]
    n_v = int(value.max()) + 1 if value.size else 0
    pair, count = np.unique(r * max(n_v, 1) + value, return_counts=True)
    pr, pv = pair // max(n_v, 1), pair % max(n_v, 1)
    cont = found.run_continuum[pr]
    share = w[pr] * count * (count - 1) / (m_u[pr] - 1.0)
    agree = np.bincount(cont, weights=share, minlength=n_t).astype(np.float64)
    margins = np.zeros((n_t, n_v))
    np.add.at(margins, (cont, pv), w[pr] * count)
    return Coincidences(margins.sum(axis=1), agree, margins)


def cu_alpha(c: Coincidences, w: FloatArray) -> FloatArray:
    """|cuα for each row of multiplicities ``w`` (NaN where undefined)."""
    n = w @ c.total
    agree = w @ c.agree
    margins = w @ c.margins
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = n * n - np.sum(margins * margins, axis=1)
        value = 1.0 - (n - 1.0) * (n - agree) / expected
    return np.where((n > 1) & (expected > 0), value, np.nan)


# ---------------------------------------------------------------------- the report's section

DEFINITION = (
    "Unitizing alpha (Krippendorff 1995, 2004): (k)uα, agreement on where one code's coded "
    "stretches begin and end, from the squared differences of their boundaries; uα, all codes "
    "(1 - Σ uDo / Σ uDe); |uα, anything coded against nothing coded (boundaries alone); |cuα, "
    "agreement on the codes given to the text both coders coded (nominal alpha over the "
    "characters of the intersections, a coder's value being the set of codes they applied). "
    "The continuum is the codable text of the transcripts every coder rated in full, laid end "
    "to end; codings of one code that overlap or touch are one stretch."
)
INTERVAL_RULE = (
    "transcript-cluster percentile bootstrap: transcripts (continua) drawn with replacement, "
    "the sums recombined, undefined replicates counted"
)


def alpha_json(result: UnitizingAlpha | None, coder_names: Sequence[str]) -> dict[str, object]:
    """One uα as report data: value (None with a reason), uDo, uDe, L and the sections per coder."""
    if result is None:
        return {"value": None, "reason": "no codes compared", "observed": None, "expected": None}
    return {
        "value": result.value,
        "reason": result.reason,
        "observed": result.observed,
        "expected": result.expected,
        "length": result.length,
        "units_by_coder": dict(zip(coder_names, result.units_by_coder)),
        "sections_by_coder": dict(zip(coder_names, result.sections_by_coder)),
    }


def interval_json(
    values: FloatArray | None, level: float, n_continua: int, length: int
) -> dict[str, object] | None:
    """A bootstrap interval with its n (continua, length) and the replicates undefined."""
    if values is None:
        return None
    found: Interval | None = percentile_interval(values, level)
    return {
        "low": None if found is None else found.low,
        "high": None if found is None else found.high,
        "level": level,
        "replicates": int(values.size),
        "undefined": int(values.size - np.isfinite(values).sum()),
        "n": {"continua": n_continua, "length": length},
        "rule": INTERVAL_RULE,
    }


def _multiplicities(n_t: int, bootstrap: int, seed: int | None) -> FloatArray:
    """Replicates × continua: how often each transcript was drawn."""
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])
    draws = rng.integers(0, n_t, size=(bootstrap, n_t))
    counts = np.zeros((bootstrap, n_t))
    np.add.at(counts, (np.repeat(np.arange(bootstrap), n_t), draws.reshape(-1)), 1.0)
    return counts


def _alpha_of(do: FloatArray, de: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(de > 0, 1.0 - do / de, np.nan)


def report_section(
    units: Units, *, bootstrap: int = 0, seed: int | None = None, ci_level: float = 0.95
) -> dict[str, object]:
    """The ``unitizing`` section of a character-unit report (docs/agreement.md, "Unitizing").

    Per code: (k)uα on all coders, and with three or more coders every pair's
    two-coder value; overall: uα over all codes, |uα and |cuα; with
    ``bootstrap`` replicates and two or more transcripts, a transcript-cluster
    interval for each.
    """
    found = from_units(units)
    names = [c.name for c in units.coders]
    pairs = list(combinations(range(len(names)), 2)) if len(names) > 2 else []
    per_code = [unitizing_alpha(u) for u in found.per_code]
    n_t = len(found.continua)
    length = found.any_code.total_length
    w = _multiplicities(n_t, bootstrap, seed) if bootstrap and n_t >= 2 else None
    parts = [components(u) for u in found.per_code] if w is not None else []
    reps = [disagreements(c, w) for c in parts] if w is not None else []

    def ci(values: FloatArray | None) -> dict[str, object] | None:
        return interval_json(values, ci_level, n_t, length)

    codes = []
    for index, (code, u, result) in enumerate(zip(units.codes, found.per_code, per_code)):
        entry: dict[str, object] = {
            "number": code.number,
            "name": code.name,
            "guid": code.guid,
            "alpha_u": {
                **alpha_json(result, names),
                "ci": ci(_alpha_of(*reps[index]) if reps else None),
            },
        }
        if pairs:
            entry["pairs"] = [
                {
                    "coders": [names[i], names[j]],
                    **alpha_json(unitizing_alpha(u, [i, j]), [names[i], names[j]]),
                }
                for i, j in pairs
            ]
        codes.append(entry)
    cu = coincidences(units, found)
    cu_value = float(cu_alpha(cu, np.ones((1, n_t)))[0]) if n_t else float("nan")
    binary = unitizing_alpha(found.any_code)
    all_ci = binary_ci = cu_ci = None
    if w is not None:
        if reps:
            all_ci = _alpha_of(
                np.sum([r[0] for r in reps], axis=0), np.sum([r[1] for r in reps], axis=0)
            )
        binary_ci = _alpha_of(*disagreements(components(found.any_code), w))
        cu_ci = cu_alpha(cu, w)
    return {
        "definition": DEFINITION,
        "interval_rule": INTERVAL_RULE if w is not None else _no_interval(bootstrap, n_t),
        "continuum": {
            "length": length,
            "counted_in": "characters",
            "transcripts": [units.transcripts[t].name for t in found.continua],
            "left_out": [
                {
                    "transcript": units.transcripts[t].name,
                    "reason": "not every compared coder rated all of its text",
                }
                for t in found.left_out
            ],
        },
        "codes": codes,
        "overall": {
            "alpha_u": {**alpha_json(pooled_alpha(per_code), names), "ci": ci(all_ci)},
            "binary": {**alpha_json(binary, names), "ci": ci(binary_ci)},
            "coding": {
                "value": cu_value if np.isfinite(cu_value) else None,
                "reason": None
                if np.isfinite(cu_value)
                else "no text coded by two coders with more than one value",
                "pairable": float(cu.total.sum()),
                "length": length,
                "ci": ci(cu_ci),
            },
        },
    }


def _no_interval(bootstrap: int, n_continua: int) -> str:
    """Why no interval was computed, in words."""
    if not bootstrap:
        return "no interval (--bootstrap 0)"
    return f"no interval: the transcript bootstrap needs 2 or more continua, found {n_continua}"
