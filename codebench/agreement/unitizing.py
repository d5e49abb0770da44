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

The constant 2 in uDe counts both orders of every (unit, other section) pair,
as uDo counts both orders of every coder pair. It was not checked against the
printed formula (the papers were not at hand); it is the constant that
reproduces the published two-coder example (Krippendorff 2004, p. 254:
uDo_c = 0.0144, uDe_c = 0.0532, uα_c = 0.7286, uDe_k = 0.0490;
tests/agreement/test_unitizing.py derives it by hand). With two coders a
constant depending on m (2/m · m, m(m - 1)) would give the same figures, so
for three or more coders the pooled value rests on this reading. Krippendorff, Mathet, Bouvry & Widlöcher (2016, "On the reliability
of unitizing textual continua: further developments", Quality & Quantity 50)
later modified this definition for three or more coders and added
the coding-given-unitization coefficient cuα; neither is computed here (see
docs/agreement.md, "Unitizing"), so with three or more coders the report also
gives every pair's two-coder value.

Here a "category" is one code, and ``|uα`` applies the same definition to
"anything coded" (the union of a coder's codings of every compared code)
against "nothing coded": agreement on the boundaries alone, codes ignored.

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
        whole = self.lengths[empty // max(self.n_coders, 1)]
        coders = np.concatenate([self.coder, self.coder[last], empty % max(self.n_coders, 1)])
        lens = np.concatenate([before, after, whole]).astype(np.int64)
        keep = lens > 0
        return coders[keep], lens[keep]


def _pair_disagreement(bi: IntArray, ei: IntArray, bj: IntArray, ej: IntArray) -> float:
    """Σ_g Σ_h δ² for one ordered coder pair plus its mirror, halved: one unordered pair's sum.

    Units are in global coordinates, each coder's sorted and non-overlapping.
    """
    total = 0.0
    lo = np.searchsorted(ej, bi, side="right")  # first unit of j ending after g begins
    hi = np.searchsorted(bj, ei, side="left")  # units of j beginning before g ends
    count = np.maximum(hi - lo, 0)
    alone = count == 0
    total += float(np.sum((ei[alone] - bi[alone]).astype(np.float64) ** 2))
    n = int(count.sum())
    if n:
        rep = np.repeat(np.arange(count.shape[0]), count)
        offsets = np.cumsum(count) - count
        h = lo[rep] + (np.arange(n) - offsets[rep])
        db = (bi[rep] - bj[h]).astype(np.float64)
        de = (ei[rep] - ej[h]).astype(np.float64)
        total += float(np.sum(db * db + de * de))
    lo_j = np.searchsorted(ei, bj, side="right")
    hi_j = np.searchsorted(bi, ej, side="left")
    alone_j = hi_j <= lo_j
    total += float(np.sum((ej[alone_j] - bj[alone_j]).astype(np.float64) ** 2))
    return total


def observed_sum(u: Unitization, coders: Sequence[int] | None = None) -> float:
    """Σ_i Σ_{j≠i} Σ_g Σ_h δ² over ordered pairs of the given coders (default: all)."""
    who = list(range(u.n_coders)) if coders is None else list(coders)
    gb, ge = u.global_bounds()
    # Global coordinates keep the continuum order, so sorting by coder then start sorts each coder.
    order = np.lexsort((gb, u.coder))
    k, gb, ge = u.coder[order], gb[order], ge[order]
    bounds = np.searchsorted(k, np.arange(u.n_coders + 1))
    starts = [gb[bounds[c] : bounds[c + 1]] for c in range(u.n_coders)]
    ends = [ge[bounds[c] : bounds[c + 1]] for c in range(u.n_coders)]
    total = 0.0
    for i, j in combinations(who, 2):
        total += _pair_disagreement(starts[i], ends[i], starts[j], ends[j])
    return 2.0 * total  # (i, j) and (j, i)


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
        per_code, any_code, keep_t.tolist(), np.flatnonzero(~complete).tolist()
    )


# ---------------------------------------------------------------------- the report's section

#: What every report calls the character-unit figures (they are not unitizing alpha).
CHARACTER_LABEL = "character-level kappa in the style of NVivo (per source, all text counted)"
DEFINITION = (
    "Unitizing alpha (uα, Krippendorff 1995, 2004): agreement on where each code's coded "
    "stretches begin and end, from the squared differences of their boundaries; the "
    "continuum is the codable text of the transcripts every coder rated in full, laid end "
    "to end; codings of one code that overlap or touch are one stretch."
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


def report_section(units: Units) -> dict[str, object]:
    """The ``unitizing`` section of a character-unit report (docs/agreement.md, "Unitizing").

    Per code: uα on all coders, and with three or more coders every pair's
    two-coder value (the definition the published example checks); overall:
    uα over all codes (``1 - Σ uDo / Σ uDe``) and ``|uα`` (anything coded
    against nothing coded, codes ignored).
    """
    found = from_units(units)
    names = [c.name for c in units.coders]
    pairs = list(combinations(range(len(names)), 2)) if len(names) > 2 else []
    per_code = [unitizing_alpha(u) for u in found.per_code]
    codes = []
    for code, u, result in zip(units.codes, found.per_code, per_code):
        entry: dict[str, object] = {
            "number": code.number,
            "name": code.name,
            "guid": code.guid,
            "alpha_u": alpha_json(result, names),
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
    length = found.any_code.total_length
    return {
        "definition": DEFINITION,
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
            "alpha_u": alpha_json(pooled_alpha(per_code), names),
            "binary": alpha_json(unitizing_alpha(found.any_code), names),
        },
    }
