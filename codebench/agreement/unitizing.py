"""Krippendorff's unitizing alpha: agreement on *where* coded stretches of a text begin and end.

Segment or character units ask "did both coders code this unit?"; they
cannot see that one coder's stretch starts three words before another's, and
character units treat the characters of one stretch as independent
decisions. Krippendorff's unitizing coefficient compares the coders'
stretches themselves, by the squared differences of their boundaries, so a
stretch coded slightly longer is a small disagreement and a stretch only one
coder saw is a large one (its whole length, squared).

Definitions (Krippendorff 1995, "On the reliability of unitizing continuous
data", Sociological Methodology 25: 47-76; Krippendorff 2004, *Content
Analysis*, 2nd ed., and "Measuring the reliability of qualitative text
analysis data", Quality & Quantity 38: 787-800), for one category c:

* A continuum of length L is coded by m coders. Coder i's *sections* of it
  for c are the units (stretches i coded c, indicator w_icg = 1) and the
  gaps between and around them (w_icg = 0), so they tile the continuum.
  Section g of coder i begins at b_icg and has length l_icg.
* The difference between section g of coder i and section h of coder j::

      δ²_cghij = (b_icg - b_jch)² + (b_icg + l_icg - b_jch - l_jch)²
                     if w_icg = w_jch = 1 and -l_icg < b_icg - b_jch < l_jch
                     (two units that overlap: squared differences of both ends);
               = l_icg²   if w_icg = 1, w_jch = 0 and l_jch - l_icg >= b_icg - b_jch >= 0
                     (i's unit lies inside j's gap: j did not see it at all);
               = l_jch²   if w_icg = 0, w_jch = 1 and l_icg - l_jch >= b_jch - b_icg >= 0;
               = 0        otherwise (gap against gap, and the partial overlaps of a
                     unit with a gap, which the unit-unit terms already count).

* Observed disagreement, over ordered pairs of different coders::

      uDo_c = Σ_i Σ_{j≠i} Σ_g Σ_h δ²_cghij / (m (m - 1) L²)

* Expected disagreement: every unit of the pooled data (all coders; N_c units)
  paired with the other units at every position where they overlap, and with
  every gap long enough to hold it at every position it fits::

      uDe_c = 2 Σ_i Σ_g w_icg [ (N_c - 1)/3 · (2 l_icg³ - 3 l_icg² + l_icg)
                                + l_icg² Σ_j Σ_h (1 - w_jch) (l_jch - l_icg + 1) [l_jch >= l_icg] ]
              / ( L [ m L (m L - 1) - Σ_i Σ_g w_icg (l_icg² - l_icg) ] )

* ``uα_c = 1 - uDo_c / uDe_c``; across categories (the book's "all
  categories" value) ``uα = 1 - Σ_c uDo_c / Σ_c uDe_c``.

Normalisation for m coders (derived, not inferred from the example). uDo is
the observed Σ δ² per ordered pair of positions held by two different
coders: each of the m(m - 1) ordered coder pairs compares L × L positions,
so the divisor is m(m - 1) L² and uDo is exactly the mean of the ordered
pairs' two-coder Σ δ² / L² (no other constant depends on m). uDe is the
same quantity when the pooled sections are paired at random: its numerator
places every pooled unit against the other pooled units at every
overlapping relative position and in every gap that holds it, the factor 2
making each unordered placement an ordered pair as in uDo; its divisor is
the number of ordered pairs of distinct positions of the pooled data
(mL (mL - 1)) less those inside one unit (Σ (l² - l)), times L for the L
placements the numerator sums over. m enters only through the pooled data
(mL positions, N_c units, every coder's gaps). With m = 2 this is the
published formula and reproduces the published two-coder example
(Krippendorff 2004, p. 254: uDo_c = 0.0144, uDe_c = 0.0532, uα_c = 0.7286,
uDe_k = 0.0490; tests/agreement/test_unitizing.py derives it by hand); for
m ≥ 3 the test checks the sums against a brute-force implementation of
these definitions, and that coders placing units at random get uα near 0
for m = 2, 3, 5 (a constant wrong by a factor depending on m would not).
Krippendorff, Mathet, Bouvry & Widlöcher (2016, Quality & Quantity 50) later
proposed a different definition for three or more coders; it is not the one
computed here.

The family (Krippendorff 2004, Quality & Quantity 38), here with one code
as a "category": ``(k)uα`` is uα of one code against everything else
(:func:`unitizing_alpha` of one code's unitization); ``uα`` over all codes is
``1 - Σ_k uDo_k / Σ_k uDe_k`` (:func:`pooled_alpha`); ``|uα`` is the same
definition on "anything coded" against "nothing coded" (boundaries alone,
codes ignored); ``|cuα`` is the agreement on the values given to the text
the coders both identified (:mod:`codebench.agreement.unitizing_family`).

Several continua (transcripts) are pooled as one continuum laid end to end:
L is their total length, the sums run over all of them, and no section spans
two of them (a text's last gap and the next text's first gap stay two gaps).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from codebench.errors import CodebenchError

if TYPE_CHECKING:
    from codebench.agreement.reliability_data import Units

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class UnitizingAlpha:
    """One unitizing coefficient with the sums behind it (``value`` None when undefined)."""

    value: float | None
    observed: float
    """uDo: observed disagreement."""
    expected: float
    """uDe: expected disagreement."""
    length: int
    """L: total length of the pooled continua (characters)."""
    units_by_coder: tuple[int, ...]
    """Units (coded stretches) of each coder."""
    sections_by_coder: tuple[int, ...]
    """Sections (units and gaps) of each coder."""
    reason: str | None = None


@dataclass(frozen=True)
class Unitization:
    """Every coder's units on a set of continua, in one code (or "anything coded").

    ``start``/``end`` are offsets within the unit's continuum (``continuum``
    indexes ``lengths``); a coder's units within one continuum may touch but
    not overlap.
    """

    coder: IntArray
    continuum: IntArray
    start: IntArray
    end: IntArray
    lengths: IntArray
    n_coders: int

    @classmethod
    def build(
        cls,
        coder: npt.ArrayLike,
        start: npt.ArrayLike,
        end: npt.ArrayLike,
        lengths: npt.ArrayLike,
        n_coders: int,
        continuum: npt.ArrayLike | None = None,
    ) -> Unitization:
        """Validate and sort the units (one continuum when ``continuum`` is omitted)."""
        k = np.asarray(coder, dtype=np.int64).reshape(-1)
        s = np.asarray(start, dtype=np.int64).reshape(-1)
        e = np.asarray(end, dtype=np.int64).reshape(-1)
        lens = np.asarray(lengths, dtype=np.int64).reshape(-1)
        t = (
            np.zeros(k.shape[0], dtype=np.int64)
            if continuum is None
            else np.asarray(continuum, dtype=np.int64).reshape(-1)
        )
        if not (k.shape == s.shape == e.shape == t.shape):
            raise CodebenchError("unitizing: coder, continuum, start and end differ in length")
        if np.any(lens < 0):
            raise CodebenchError("unitizing: a continuum has a negative length")
        if k.size:
            if k.min() < 0 or k.max() >= n_coders:
                raise CodebenchError("unitizing: a unit names a coder outside the coders compared")
            if t.min() < 0 or t.max() >= lens.shape[0]:
                raise CodebenchError("unitizing: a unit names a continuum that does not exist")
            if np.any(e <= s) or np.any(s < 0) or np.any(e > lens[t]):
                raise CodebenchError(
                    "unitizing: every unit must have a positive length inside its continuum"
                )
        order = np.lexsort((s, k, t))
        k, t, s, e = k[order], t[order], s[order], e[order]
        same = (k[1:] == k[:-1]) & (t[1:] == t[:-1])
        if np.any(same & (s[1:] < e[:-1])):
            raise CodebenchError("unitizing: two units of one coder overlap in one continuum")
        return cls(k, t, s, e, lens, n_coders)

    @property
    def total_length(self) -> int:
        return int(self.lengths.sum())

    def global_bounds(self) -> tuple[IntArray, IntArray]:
        """Unit bounds with the continua laid end to end."""
        base = np.concatenate([[0], np.cumsum(self.lengths)[:-1]]).astype(np.int64)
        return self.start + base[self.continuum], self.end + base[self.continuum]

    def gap_lengths(self) -> tuple[IntArray, IntArray]:
        """``(coder, length)`` of every gap: what each coder left uncoded, per continuum."""
        coders, _continua, lens = self.gaps()
        return coders, lens

    def gaps(self) -> tuple[IntArray, IntArray, IntArray]:
        """``(coder, continuum, length)`` of every gap (of positive length)."""
        n_t = self.lengths.shape[0]
        key = self.continuum * self.n_coders + self.coder
        first = np.ones(key.shape[0], dtype=bool)
        first[1:] = key[1:] != key[:-1]
        prev_end = np.where(first, 0, np.concatenate([[0], self.end[:-1]]))
        before = self.start - prev_end  # the gap before each unit (0 when units touch)
        last = np.ones(key.shape[0], dtype=bool)
        last[:-1] = key[1:] != key[:-1]
        after = self.lengths[self.continuum[last]] - self.end[last]
        # A coder with no unit in a continuum has one gap: the whole continuum.
        has = np.zeros(n_t * self.n_coders, dtype=bool)
        has[key] = True
        empty = np.flatnonzero(~has)
        per = max(self.n_coders, 1)
        whole = self.lengths[empty // per]
        coders = np.concatenate([self.coder, self.coder[last], empty % per])
        continua = np.concatenate([self.continuum, self.continuum[last], empty // per])
        lens = np.concatenate([before, after, whole]).astype(np.int64)
        keep = lens > 0
        return coders[keep], continua[keep].astype(np.int64), lens[keep]


def _pair_disagreement(
    bi: IntArray, ei: IntArray, ti: IntArray, bj: IntArray, ej: IntArray, tj: IntArray, n_t: int
) -> FloatArray:
    """Σ_g Σ_h δ² of one unordered coder pair, per continuum (the ordered pair (i, j) alone).

    Units are in global coordinates, each coder's sorted and non-overlapping;
    ``ti``/``tj`` name each unit's continuum. δ² is symmetric in i and j, so
    the ordered pair (j, i) has the same sum.
    """
    total = np.zeros(n_t, dtype=np.float64)
    lo = np.searchsorted(ej, bi, side="right")  # first unit of j ending after g begins
    hi = np.searchsorted(bj, ei, side="left")  # units of j beginning before g ends
    count = np.maximum(hi - lo, 0)
    alone = count == 0
    np.add.at(total, ti[alone], (ei[alone] - bi[alone]).astype(np.float64) ** 2)
    n = int(count.sum())
    if n:
        rep = np.repeat(np.arange(count.shape[0]), count)
        offsets = np.cumsum(count) - count
        h = lo[rep] + (np.arange(n) - offsets[rep])
        db = (bi[rep] - bj[h]).astype(np.float64)
        de = (ei[rep] - ej[h]).astype(np.float64)
        np.add.at(total, ti[rep], db * db + de * de)
    lo_j = np.searchsorted(ei, bj, side="right")
    hi_j = np.searchsorted(bi, ej, side="left")
    alone_j = hi_j <= lo_j
    np.add.at(total, tj[alone_j], (ej[alone_j] - bj[alone_j]).astype(np.float64) ** 2)
    return total


def observed_by_continuum(u: Unitization, coders: Sequence[int] | None = None) -> FloatArray:
    """Σ_i Σ_{j≠i} Σ_g Σ_h δ² over ordered pairs of the given coders (default: all), per continuum.

    No section spans two continua, so the sum splits exactly by continuum
    (what the transcript bootstrap resamples).
    """
    who = list(range(u.n_coders)) if coders is None else list(coders)
    n_t = u.lengths.shape[0]
    gb, ge = u.global_bounds()
    # Global coordinates keep the continuum order, so sorting by coder then start sorts each coder.
    order = np.lexsort((gb, u.coder))
    k, gb, ge, t = u.coder[order], gb[order], ge[order], u.continuum[order]
    bounds = np.searchsorted(k, np.arange(u.n_coders + 1))
    part = [slice(bounds[c], bounds[c + 1]) for c in range(u.n_coders)]
    total = np.zeros(n_t, dtype=np.float64)
    for i, j in combinations(who, 2):
        total += _pair_disagreement(
            gb[part[i]], ge[part[i]], t[part[i]], gb[part[j]], ge[part[j]], t[part[j]], n_t
        )
    return 2.0 * total  # (i, j) and (j, i)


def observed_sum(u: Unitization, coders: Sequence[int] | None = None) -> float:
    """Σ_i Σ_{j≠i} Σ_g Σ_h δ² over ordered pairs of the given coders (default: all)."""
    return float(observed_by_continuum(u, coders).sum())


def expected_terms(unit_lengths: FloatArray, gap_lengths: FloatArray) -> float:
    """The bracketed sum of uDe over the pooled units and gaps (before the factor 2)."""
    n = unit_lengths.shape[0]
    if n == 0:
        return 0.0
    ul = unit_lengths
    overlap = (n - 1) / 3.0 * float(np.sum(2 * ul**3 - 3 * ul**2 + ul))
    g = np.sort(gap_lengths)
    # Σ over gaps with l_h >= l of (l_h - l + 1) = (sum of those gaps) - (l - 1) * (their number).
    suffix = np.concatenate([np.cumsum(g[::-1])[::-1], [0.0]])
    first = np.searchsorted(g, ul, side="left")
    fits = g.shape[0] - first
    inside = float(np.sum(ul**2 * (suffix[first] - (ul - 1) * fits)))
    return overlap + inside


def unitizing_alpha(u: Unitization, coders: Sequence[int] | None = None) -> UnitizingAlpha:
    """uα of one unitization (one code, or "anything coded"), on the given coders (default: all)."""
    who = list(range(u.n_coders)) if coders is None else list(coders)
    m = len(who)
    big_l = u.total_length
    mask = np.isin(u.coder, who)
    gap_coder, gap_len = u.gap_lengths()
    gap_mask = np.isin(gap_coder, who)
    units_by = tuple(int(np.sum(u.coder == c)) for c in who)
    sections_by = tuple(units_by[n] + int(np.sum(gap_coder == c)) for n, c in enumerate(who))

    def undefined(reason: str, do: float = 0.0, de: float = 0.0) -> UnitizingAlpha:
        return UnitizingAlpha(None, do, de, big_l, units_by, sections_by, reason)

    if m < 2:
        return undefined("needs two or more coders")
    if big_l == 0:
        return undefined("no text to compare (the continuum is empty)")
    if not mask.any():
        return undefined("no coder coded any of the text")
    ul = (u.end[mask] - u.start[mask]).astype(np.float64)
    do = observed_sum(u, who) / (m * (m - 1) * float(big_l) ** 2)
    denominator = big_l * (m * big_l * (m * big_l - 1.0) - float(np.sum(ul**2 - ul)))
    de = 2.0 * expected_terms(ul, gap_len[gap_mask].astype(np.float64)) / denominator
    if not de > 0:
        return undefined("expected disagreement is zero", do, de)
    return UnitizingAlpha(1.0 - do / de, do, de, big_l, units_by, sections_by)


def pooled_alpha(results: Sequence[UnitizingAlpha]) -> UnitizingAlpha | None:
    """uα over several codes: ``1 - Σ_c uDo_c / Σ_c uDe_c`` (None when there are no codes)."""
    if not results:
        return None
    do = float(sum(r.observed for r in results))
    de = float(sum(r.expected for r in results))
    first = results[0]
    units = tuple(int(x) for x in np.sum([r.units_by_coder for r in results], axis=0))
    sections = tuple(int(x) for x in np.sum([r.sections_by_coder for r in results], axis=0))
    if not de > 0:
        reason = next((r.reason for r in results if r.reason), "expected disagreement is zero")
        return UnitizingAlpha(None, do, de, first.length, units, sections, reason)
    return UnitizingAlpha(1.0 - do / de, do, de, first.length, units, sections)


# ---------------------------------------------------------------------- from the project's units


@dataclass(frozen=True)
class ProjectUnitizations:
    """The unitizations of a character-unit comparison: one per code, and "anything coded"."""

    per_code: list[Unitization]
    any_code: Unitization
    continua: list[int]
    """Index (into ``Units.transcripts``) of each continuum used."""
    left_out: list[int]
    """Transcripts left out because a compared coder did not rate all of their text."""
    runs: IntArray
    """Index (into the units' character runs) of every run on the continua."""
    run_continuum: IntArray
    """The continuum (index into ``continua``) of each of ``runs``."""


def from_units(units: Units) -> ProjectUnitizations:
    """The coders' stretches of every code, read from character-run units.

    Character runs tile each transcript's codable text (interviewer turns
    removed, segments laid end to end) and never cross a transcript, so a
    coder's unit of a code is a maximal row of runs they coded; codings that
    overlap or touch are one stretch (a passage coded sentence by sentence
    is one unit, as a reader would see it). A transcript is a continuum when
    every compared coder rated all of it; the rest are left out (their
    ratings are partial, and uα has no missing-data form).
    """
    if units.kind != "character" or units.weights is None:
        raise CodebenchError("unitizing alpha needs character units (--unit character)")
    n_codes, n_coders, n_runs = units.data.shape
    lengths = units.weights.astype(np.int64)
    t_of = units.unit_transcript
    n_t = len(units.transcripts)
    rated = ~np.isnan(units.data[0]) if n_codes else np.ones((n_coders, n_runs), bool)
    complete = np.ones(n_t, dtype=bool)
    if n_runs:
        partly = np.zeros(n_t, dtype=bool)
        np.logical_or.at(partly, t_of, ~rated.all(axis=0))
        complete &= ~partly
    keep_t = np.flatnonzero(complete)
    new_index = np.full(n_t, -1, dtype=np.int64)
    new_index[keep_t] = np.arange(keep_t.shape[0])
    run_keep = complete[t_of] if n_runs else np.zeros(0, bool)
    t_new = new_index[t_of[run_keep]]
    w = lengths[run_keep]
    # Offsets of each run within its transcript's codable text.
    base = np.concatenate([[0], np.cumsum(w)[:-1]]).astype(np.int64)
    t_len = np.bincount(t_new, weights=w, minlength=keep_t.shape[0]).astype(np.int64)
    t_base = np.concatenate([[0], np.cumsum(t_len)[:-1]]).astype(np.int64)
    pos = base - t_base[t_new] if t_new.size else base
    coded = units.data[:, :, run_keep] == 1.0

    def stretches(x: npt.NDArray[np.bool_]) -> Unitization:
        """Maximal rows of coded runs per coder in ``x`` (coders, runs)."""
        if x.shape[1] == 0:
            empty = np.zeros(0, dtype=np.int64)
            return Unitization.build(empty, empty, empty, t_len, n_coders, empty)
        prev = np.zeros_like(x)
        prev[:, 1:] = x[:, :-1]
        new_t = np.ones(x.shape[1], dtype=bool)
        new_t[1:] = t_new[1:] != t_new[:-1]
        prev[:, new_t] = False
        nxt = np.zeros_like(x)
        nxt[:, :-1] = x[:, 1:]
        last_t = np.ones(x.shape[1], dtype=bool)
        last_t[:-1] = t_new[1:] != t_new[:-1]
        nxt[:, last_t] = False
        kb, rb = np.nonzero(x & ~prev)
        _coder_end, re_ = np.nonzero(x & ~nxt)  # same coder order as the starts
        return Unitization.build(kb, pos[rb], pos[re_] + w[re_], t_len, n_coders, t_new[rb])

    per_code = [stretches(coded[c]) for c in range(n_codes)]
    any_code = stretches(coded.any(axis=0) if n_codes else np.zeros((n_coders, w.shape[0]), bool))
    return ProjectUnitizations(
        per_code,
        any_code,
        keep_t.tolist(),
        np.flatnonzero(~complete).tolist(),
        np.flatnonzero(run_keep).astype(np.int64),
        t_new.astype(np.int64),
    )


#: What every report calls the character-unit figures (they are not unitizing alpha).
CHARACTER_LABEL = "character-level kappa in the style of NVivo (per source, all text counted)"
