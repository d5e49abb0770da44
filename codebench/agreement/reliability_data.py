"""From coded transcripts to the ``(codes, coders, units)`` array the statistics need.

A *unit* is what each coder is judged to have coded or not:

* ``segment`` (default): every codable segment of the compared transcripts;
* ``turn``: the codable segments of one speaker turn, taken together;
* ``character``: every character of the codable segments: character-level
  kappa in the style of NVivo (per source, all text counted); the report
  adds Krippendorff's unitizing alpha (:mod:`codebench.agreement.unitizing`).
  Characters are not materialised one by one: the text is cut into *runs*
  over which no coder's state changes, each weighted by its length
  (see :mod:`codebench.agreement.weighted`).

For code c, coder k *coded* a unit when k's codings of c overlap it; with
``min_overlap`` the codings (merged, so overlapping ones are not counted
twice) must cover at least that fraction of the unit's characters.

Which units are *rated* (0/1) and which are *missing* (NaN): by default only
transcripts that every compared coder marked done are used, and every coder
rated every unit of them.  With ``include_unfinished`` every transcript a
compared coder touched is used, and a coder who has not marked a transcript
done rated it only up to the last segment they coded; later units are
missing, not "absent" (a coder who stopped reading did not decide that the
code does not apply there).

The array-level core, :func:`coverage_matrix`, takes plain numpy arrays so the
benchmark and other callers can use it without a project.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from codebench.errors import CodebenchError
from codebench.models import Code, Coder, Transcript
from codebench.store import agreement_sql
from codebench.wording import plural

if TYPE_CHECKING:
    from codebench.project import Project

UNIT_KINDS = ("segment", "turn", "character")
#: The default overlap rule for segment units: a segment counts as coded when the coder's codings
#: of the code (merged) cover at least half of its characters (docs/agreement.md, "Coded", says
#: why). Turn units keep any overlap by default: a code applied to one sentence of a turn applies
#: to the turn.
DEFAULT_MIN_OVERLAP = 0.5
#: ``min_overlap`` when the caller did not choose: the unit's default rule.
DEFAULT = "default"


def default_overlap(unit: str) -> float | None:
    """The overlap rule a unit kind uses unless asked otherwise (``None``: any overlap)."""
    return DEFAULT_MIN_OVERLAP if unit == "segment" else None


#: How the report decided which units each coder rated (``Units.design``).
DESIGN_ASSIGNMENTS = "assignments"
DESIGN_STATUSES = "statuses"

IntArray = npt.NDArray[np.int64]


# ---------------------------------------------------------------------- array core


def merge_intervals(
    group: npt.ArrayLike, start: npt.ArrayLike, end: npt.ArrayLike
) -> tuple[IntArray, IntArray, IntArray]:
    """Union of the intervals ``[start, end)`` within each group.

    Returns ``(group, start, end)`` of the merged intervals, sorted by group
    then start.  Overlapping or touching intervals of one group become one.
    """
    g = np.asarray(group, dtype=np.int64)
    s = np.asarray(start, dtype=np.int64)
    e = np.asarray(end, dtype=np.int64)
    if g.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    span = int(max(e.max(), s.max())) + 1
    shifted_s = g * span + s
    shifted_e = g * span + e
    if shifted_s.size > 1 and not np.all(shifted_s[1:] >= shifted_s[:-1]):
        order = np.argsort(shifted_s, kind="stable")
        shifted_s = shifted_s[order]
        shifted_e = shifted_e[order]
    if shifted_s.size > 1 and bool(np.all(shifted_s[1:] > shifted_e[:-1])):
        # Each interval starts after the previous one ends (whole-segment codings): nothing
        # overlaps or touches, so the intervals are already merged.
        mg = shifted_s // span
        return mg, shifted_s - mg * span, shifted_e - mg * span
    reach = np.maximum.accumulate(shifted_e)
    new = np.empty(shifted_s.shape[0], dtype=bool)
    new[0] = True
    np.greater(shifted_s[1:], reach[:-1], out=new[1:])
    first = np.flatnonzero(new)
    ms = shifted_s[first]
    me = np.maximum.reduceat(shifted_e, first)
    mg = ms // span
    return mg, ms - mg * span, me - mg * span


def coverage_matrix(
    atom_starts: npt.ArrayLike,
    atom_ends: npt.ArrayLike,
    n_groups: int,
    group: npt.ArrayLike,
    start: npt.ArrayLike,
    end: npt.ArrayLike,
    *,
    min_overlap: float | None = None,
    atom_unit: npt.ArrayLike | None = None,
    n_units: int | None = None,
) -> npt.NDArray[np.bool_]:
    """Which units each group's intervals cover: a ``(n_groups, n_units)`` bool matrix.

    ``atom_starts``/``atom_ends`` are sorted, non-overlapping spans (segments,
    in one coordinate space across transcripts); ``atom_unit`` maps each atom
    to its unit (non-decreasing; default: each atom is a unit).  A group is a
    (code, coder) pair and its intervals are that coder's codings of the code.
    A unit is covered when the merged intervals overlap it at all
    (``min_overlap=None``) or cover at least ``min_overlap`` of its atoms'
    characters.
    """
    cells, n_out = covered_cells(
        atom_starts,
        atom_ends,
        group,
        start,
        end,
        min_overlap=min_overlap,
        atom_unit=atom_unit,
        n_units=n_units,
    )
    out = np.zeros((n_groups, n_out), dtype=bool)
    for grp, unit in cells:
        out[grp, unit] = True
    return out


#: A bucketed search tries at most this many steps per bucket before falling back to a search.
_BUCKET_STEPS = 4


def ends_at_or_before(a_end: IntArray, x: IntArray) -> IntArray:
    """``np.searchsorted(a_end, x, side="right")``: how many of the sorted ends are <= each x.

    Why not search: two million codings each searching 200,000 segment ends
    cost about a third of the extraction.  The text is cut into buckets of
    2**k characters, about two per atom; a table gives the ends before each
    bucket, and the few ends inside a bucket are stepped over one compare at
    a time.  Exact: an end in the bucket of x is counted when it is <= x,
    and every end in a later bucket is past x.  Ends bunched more than
    :data:`_BUCKET_STEPS` to a bucket (many tiny atoms) are searched.
    """
    n = a_end.shape[0]
    if n == 0 or x.size == 0:
        return np.searchsorted(a_end, x, side="right").astype(np.int64)
    low = int(min(int(a_end[0]), int(x.min())))
    if low < 0:
        return np.searchsorted(a_end, x, side="right").astype(np.int64)
    span = int(max(int(a_end[-1]), int(x.max()))) + 1
    k = max(0, (span // (2 * n)).bit_length() - 1)
    per_bucket = np.bincount(a_end >> k, minlength=(span >> k) + 1)
    steps = int(per_bucket.max())
    if steps > _BUCKET_STEPS:
        return np.searchsorted(a_end, x, side="right").astype(np.int64)
    before = np.cumsum(per_bucket) - per_bucket  # ends in earlier buckets
    out = before[x >> k]
    padded = np.append(a_end, np.iinfo(np.int64).max)  # out can reach n: never <= x
    for _ in range(steps):
        out += padded[out] <= x
    return out


def atoms_starting_before(
    a_start: IntArray, end: IntArray, first: IntArray, start: IntArray
) -> IntArray:
    """``np.searchsorted(a_start, end, side="left")`` for intervals whose first atom is ``first``.

    Why not search: most intervals reach no atom past their first one (a
    whole-segment coding), so two look-ups settle them, and only the others
    are searched; a search of two million unsorted ends costs about as much
    as the rest of the extraction.  ``first`` is ``searchsorted(a_end,
    start, side="right")``, so every atom before it ends by ``start``; for a
    non-empty interval it then also starts before ``end``.
    """
    n = a_start.shape[0]
    if n == 0:
        return np.zeros(end.shape, dtype=np.int64)
    reaches_first = (first < n) & (a_start[np.minimum(first, n - 1)] < end)
    after = np.minimum(first + 1, n - 1)
    settled = (end > start) & (~reaches_first | (first + 1 >= n) | (a_start[after] >= end))
    last = first + reaches_first
    rest = np.flatnonzero(~settled)
    if rest.size:
        last[rest] = np.searchsorted(a_start, end[rest], side="left")
    return last


def covered_cells(
    atom_starts: npt.ArrayLike,
    atom_ends: npt.ArrayLike,
    group: npt.ArrayLike,
    start: npt.ArrayLike,
    end: npt.ArrayLike,
    *,
    min_overlap: float | None = None,
    atom_unit: npt.ArrayLike | None = None,
    n_units: int | None = None,
) -> tuple[list[tuple[IntArray, IntArray]], int]:
    """The covered ``(group, unit)`` cells of :func:`coverage_matrix`, and the number of units.

    Cells come as index arrays (a cell may repeat), so a caller can write them
    straight into the array it needs (the 0/1/NaN ratings) without a bool
    matrix in between.
    """
    a_start = np.asarray(atom_starts, dtype=np.int64)
    a_end = np.asarray(atom_ends, dtype=np.int64)
    if atom_unit is None:
        unit_of = None
        n_out = a_start.shape[0] if n_units is None else n_units
    else:
        unit_of = np.asarray(atom_unit, dtype=np.int64)
        n_out = (int(unit_of[-1]) + 1 if unit_of.size else 0) if n_units is None else n_units
    g, s, e = merge_intervals(group, start, end)
    if g.size == 0 or a_start.size == 0:
        return [], n_out
    first = ends_at_or_before(a_end, s)
    last = atoms_starting_before(a_start, e, first, s)
    count = np.maximum(last - first, 0)
    total = int(count.sum())
    if total == 0:
        return [], n_out
    if total == count.shape[0] and int(count.min()) == 1:
        # Every merged interval lies within one atom (whole-segment codings): no expansion.
        atom, grp, piece_s, piece_e = first, g, s, e
    else:
        rep = np.repeat(np.arange(count.shape[0]), count)
        offsets = np.cumsum(count) - count
        atom = first[rep] + (np.arange(total) - offsets[rep])
        grp, piece_s, piece_e = g[rep], s[rep], e[rep]
    unit = atom if unit_of is None else unit_of[atom]
    if min_overlap is None:
        return [(grp, unit)], n_out
    covered = np.minimum(piece_e, a_end[atom]) - np.maximum(piece_s, a_start[atom])
    lengths = a_end - a_start
    unit_len = (
        lengths if unit_of is None else np.bincount(unit_of, weights=lengths, minlength=n_out)
    )
    need = min_overlap * unit_len - 1e-9
    # One piece that covers enough settles its unit (the usual whole-segment coding); only the
    # units reached by partial pieces need their pieces summed.
    alone = covered >= need[unit]
    if alone.all():
        return [(grp, unit)], n_out
    cells = [(grp[alone], unit[alone])]
    rest = ~alone
    grp, unit, covered = grp[rest], unit[rest], covered[rest]
    keys = grp * max(n_out, 1) + unit  # non-decreasing: groups, then intervals by start
    bounds = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]]))
    cover = np.add.reduceat(covered, bounds)
    key_unit = unit[bounds]
    keep = cover >= need[key_unit]
    cells.append((grp[bounds][keep], key_unit[keep]))
    return cells, n_out


def character_runs(
    atom_starts: IntArray,
    atom_ends: IntArray,
    n_groups: int,
    group: IntArray,
    start: IntArray,
    end: IntArray,
    extra_cuts: Iterable[int] = (),
) -> tuple[npt.NDArray[np.bool_], IntArray, IntArray]:
    """Character units as weighted runs.

    Works in *codable coordinates* (the characters of the atoms laid end to
    end, gaps between segments removed).  Returns ``(covered (n_groups,
    runs), run_starts, run_lengths)`` with run starts in codable coordinates;
    ``extra_cuts`` are codable positions where a run must end (transcript
    ends, the points past which a coder's ratings are missing).
    """
    lengths = atom_ends - atom_starts
    before = np.concatenate([[0], np.cumsum(lengths)])
    total = int(before[-1])

    def codable(x: IntArray) -> IntArray:
        i = np.searchsorted(atom_starts, x, side="right") - 1
        inside = np.clip(x - atom_starts[np.maximum(i, 0)], 0, lengths[np.maximum(i, 0)])
        return np.where(i < 0, 0, before[np.maximum(i, 0)] + inside)

    g, s, e = merge_intervals(group, start, end)
    cs, ce = codable(s), codable(e)
    keep = ce > cs
    g, cs, ce = g[keep], cs[keep], ce[keep]
    cuts = np.unique(np.concatenate([[0, total], cs, ce, np.fromiter(extra_cuts, dtype=np.int64)]))
    cuts = cuts[(cuts >= 0) & (cuts <= total)]
    run_starts = cuts[:-1]
    run_lengths = np.diff(cuts)
    out = np.zeros((n_groups, run_starts.shape[0]), dtype=bool)
    if g.size:
        first = np.searchsorted(cuts, cs, side="left")
        last = np.searchsorted(cuts, ce, side="left")
        count = last - first
        rep = np.repeat(np.arange(count.shape[0]), count)
        offsets = np.cumsum(count) - count
        run = first[rep] + (np.arange(int(count.sum())) - offsets[rep])
        out[g[rep], run] = True
    return out, run_starts, run_lengths


# ---------------------------------------------------------------------- project level


@dataclass
class Units:
    """The compared units and everyone's 0/1/NaN ratings of every compared code."""

    kind: str
    data: npt.NDArray[np.float64]
    """``(codes, coders, units)``: 1 coded, 0 rated and not coded, NaN missing."""
    weights: IntArray | None
    """Characters per unit for character runs; ``None`` for segments and turns."""
    codes: list[Code]
    coders: list[Coder]
    transcripts: list[Transcript]
    unit_transcript: IntArray
    """Index into :attr:`transcripts` of each unit (units are grouped by transcript)."""
    unit_start: IntArray
    """Transcript offset where the unit starts (for character runs: the run's first character)."""
    unit_end: IntArray
    unit_segment: IntArray
    """Ordinal of the (first) segment of each unit."""
    excluded: list[tuple[Transcript, str]] = field(default_factory=list)
    untouched: int = 0
    """Transcripts no compared coder has coded or given a status."""
    notes: list[str] = field(default_factory=list)
    min_overlap: float | None = None
    level: int | None = None
    child_implies_parent: bool = False
    include_unfinished: bool = False
    design: str = DESIGN_STATUSES
    """Where missingness came from: ``"assignments"`` or ``"statuses"`` (see the module docstring)."""

    @property
    def n_units(self) -> int:
        return int(self.data.shape[2])

    @property
    def total_weight(self) -> int:
        """Number of expanded units (characters for character runs)."""
        return int(self.weights.sum()) if self.weights is not None else self.n_units

    def transcript_slices(self) -> list[slice]:
        """The unit range of each transcript (units are grouped by transcript)."""
        bounds = np.searchsorted(self.unit_transcript, np.arange(len(self.transcripts) + 1))
        return [slice(int(bounds[i]), int(bounds[i + 1])) for i in range(len(self.transcripts))]

    def missing_by_coder(self) -> list[int]:
        """Units (weighted) each coder did not rate."""
        if self.data.shape[0] == 0:
            return [0] * len(self.coders)
        missing = np.isnan(self.data[0])
        w = np.ones(self.n_units, dtype=np.int64) if self.weights is None else self.weights
        return [int(w[missing[k]].sum()) for k in range(len(self.coders))]


def resolve_coders(project: Project, names: Sequence[str] | None) -> list[Coder]:
    """The named coders, or by default the human coders who have finished work.

    By default: every human coder who has marked at least one transcript
    done, when there are two or more; else every human coder who has coded or
    has a transcript status. So a new coder who has just started does not
    empty the comparison of the coders who have finished.
    """
    if names:
        coders = [project.coder(n) for n in names]
        seen: set[int] = set()
        unique = [c for c in coders if not (c.id in seen or seen.add(c.id))]  # type: ignore[func-returns-value]
        return unique
    humans = [c for c in project.coders() if c.kind == "human"]
    if not humans:
        raise CodebenchError("no human coders in this project yet")
    # A human coder who never coded nor set a status (say, someone who only adjudicates)
    # would otherwise leave no transcript "done by every coder".
    coded = agreement_sql.coded_transcripts(project.db, [c.id for c in humans])
    with_status = {k for (k, _t) in project.statuses()}
    finished = {k for (k, _t), state in project.statuses().items() if state == "done"}
    done = [c for c in humans if c.id in finished]
    if len(done) >= 2:
        return done
    active = [c for c in humans if coded[c.id] or c.id in with_status]
    return active if len(active) >= 2 else humans


def hierarchy_rule(level: int | None, child_implies_parent: bool = False) -> str:
    """How parent and child codes are compared, in words (every report prints it)."""
    if level is None and not child_implies_parent:
        return "Codes: compared as applied (a sub-code and its parent are separate codes)."
    if level is None:
        return (
            "Codes: as applied, and a sub-code implies its parent: a coding of a sub-code "
            "also counts as a coding of each of its ancestors (--child-implies-parent)."
        )
    return (
        f"Codes: rolled up to level {level} (--level {level}): a code deeper than level {level} "
        f"counts as its ancestor at level {level}; level 1 is the top of the codebook."
    )


def resolve_codes(
    project: Project,
    refs: Sequence[str] | None,
    level: int | None,
    child_implies_parent: bool = False,
) -> tuple[list[Code], dict[int, list[int]]]:
    """The compared codes and a map from every code id to the compared codes it counts as.

    With ``level=N`` the compared codes are the codes at depth <= N (1 = top
    level) and every deeper code maps to its ancestor at depth N.  With
    ``child_implies_parent`` a code also counts as each of its ancestors that
    is compared.  Otherwise a code counts only as itself.
    """
    if level is not None and (isinstance(level, bool) or not isinstance(level, int) or level < 1):
        raise CodebenchError(
            f"--level must be a whole number >= 1 (1 = top-level codes), got {level}"
        )
    everything = project.codes(include_archived=True)
    by_id = {c.id: c for c in everything}

    def path(code: Code) -> list[Code]:
        """The code's ancestors from the top down, ending with the code itself."""
        chain = [code]
        seen = {code.id}
        while chain[-1].parent_id is not None and chain[-1].parent_id in by_id:
            parent = by_id[chain[-1].parent_id]
            if parent.id in seen:  # a cycle never occurs in a valid codebook; do not loop
                break
            seen.add(parent.id)
            chain.append(parent)
        return chain[::-1]

    def rolled(code: Code) -> Code:
        chain = path(code)
        return chain[level - 1] if level is not None and len(chain) > level else code

    if refs:
        picked = [project.code(r) for r in refs]
    else:
        picked = project.codes()
        if level is not None:
            picked = [c for c in picked if len(path(c)) <= level]
    picked = [rolled(c) for c in picked]
    compared: list[Code] = []
    for c in picked:
        if all(c.id != x.id for x in compared):
            compared.append(c)
    index = {c.id: i for i, c in enumerate(compared)}
    mapping: dict[int, list[int]] = {}
    for c in everything:
        targets = [rolled(c)]
        if child_implies_parent:
            targets = [rolled(a) for a in path(c)]
        hit = sorted({index[t.id] for t in targets if t.id in index})
        if hit:
            mapping[c.id] = hit
    return compared, mapping


@dataclass
class _Selection:
    """The compared transcripts and, per coder and transcript, what that coder rated there."""

    chosen: list[Transcript]
    excluded: list[tuple[Transcript, str]]
    untouched: int
    design: str
    #: ``{(coder id, transcript id): ordinals or None (every codable segment)}`` of what was
    #: rated, before ``include_unfinished`` cuts a coder short (``partial``).
    rated: dict[tuple[int, int], frozenset[int] | None]
    #: ``(coder id, transcript id)`` rated only up to the coder's last coding (statuses design,
    #: ``include_unfinished``, not marked done).
    partial: set[tuple[int, int]]


def _select_transcripts(
    project: Project,
    coders: Sequence[Coder],
    include_unfinished: bool,
    done_if_coded: set[int],
    scope: Sequence[Transcript] | None = None,
) -> _Selection:
    """Which transcripts are compared and what each coder rated in them (see :func:`extract_units`).

    A transcript is compared when at least two compared coders rated some of
    it, so one coder who finished little does not shrink every other pair's
    comparison; ``include_unfinished`` also takes every transcript a coder
    touched, as before. ``scope`` limits the look to those transcripts (one
    transcript's adjudication, a round's sample).
    """
    from codebench.design.assignments import design_map

    statuses = project.statuses()
    coded = agreement_sql.coded_transcripts(project.db, [c.id for c in coders])
    humans = [c.id for c in coders if c.id not in done_if_coded]
    plan = design_map(project, humans) if humans else {}
    design = DESIGN_ASSIGNMENTS if plan else DESIGN_STATUSES
    #: Coders with at least one assignment; the others keep the done-status rule.
    assigned = {k for (k, _t) in plan}
    chosen: list[Transcript] = []
    excluded: list[tuple[Transcript, str]] = []
    rated: dict[tuple[int, int], frozenset[int] | None] = {}
    partial: set[tuple[int, int]] = set()
    untouched = 0
    within = None if scope is None else {t.id for t in scope}
    for t in project.transcripts():
        if within is not None and t.id not in within:
            continue  # outside the scope (a round's sample): neither compared nor excluded
        state = {c.id: statuses.get((c.id, t.id), "not-started") for c in coders}
        finished = {
            c.id
            for c in coders
            if state[c.id] == "done" or (c.id in done_if_coded and t.id in coded[c.id])
        }
        touched = any(state[c.id] != "not-started" or t.id in coded[c.id] for c in coders)
        here: dict[int, frozenset[int] | None] = {}
        cut: set[int] = set()
        for c in coders:
            if c.id in assigned:
                # A coder with assignments rated exactly what was assigned to them.
                if (c.id, t.id) in plan and (c.id in finished or include_unfinished):
                    here[c.id] = plan[(c.id, t.id)]
            elif c.id in finished:
                here[c.id] = None  # no assignments: every transcript they marked done
            elif include_unfinished:
                here[c.id] = None
                cut.add(c.id)
        if len(set(here) - cut) >= 2 or (include_unfinished and touched and bool(here)):
            chosen.append(t)
            for k, ordinals in here.items():
                rated[(k, t.id)] = ordinals
            partial.update((k, t.id) for k in cut)
            continue
        given = [c for c in coders if c.id not in assigned or (c.id, t.id) in plan]
        if not touched and not any((c.id, t.id) in plan for c in coders):
            untouched += 1
        elif len(given) < 2:
            names = ", ".join(c.name for c in given) or "no compared coder"
            others = [c.name for c in coders if c.id in assigned and (c.id, t.id) not in plan]
            why = f"{', '.join(others)}: assignments do not include it" if others else ""
            excluded.append(
                (
                    t,
                    f"fewer than two compared coders rate it by the design ({names}){'; ' + why if why else ''}",
                )
            )
        else:
            waiting = ", ".join(
                f"{c.name} ({state[c.id]}{', has codings' if t.id in coded[c.id] and state[c.id] == 'not-started' else ''})"
                for c in given
                if c.id not in finished
            )
            excluded.append((t, f"not marked done by {waiting}"))
    return _Selection(chosen, excluded, untouched, design, rated, partial)


def extract_units(
    project: Project,
    *,
    unit: str = "segment",
    coders: Sequence[str | Coder] | None = None,
    codes: Sequence[str] | None = None,
    min_overlap: float | str | None = DEFAULT,
    level: int | None = None,
    include_unfinished: bool = False,
    done_if_coded: Iterable[int] = (),
    min_coders: int = 2,
    child_implies_parent: bool = False,
    transcripts: Sequence[Transcript] | None = None,
) -> Units:
    """Build the compared units and ratings from a project (see the module docstring).

    ``done_if_coded`` lists coder ids (the consensus coder) that count as done
    on every transcript they have codings in. ``min_overlap`` is the share of
    a unit the codings must cover; ``None`` counts any overlap; by default
    the unit's rule (:func:`default_overlap`: half of a segment, any overlap
    of a turn). ``transcripts`` limits the comparison to those transcripts (a
    round's sample); ``None`` considers every transcript.
    """
    if unit not in UNIT_KINDS:
        raise CodebenchError(f"unknown unit {unit!r} (use {', '.join(UNIT_KINDS)})")
    if min_overlap == DEFAULT:
        min_overlap = default_overlap(unit)
    if isinstance(min_overlap, str):
        raise CodebenchError(f"--min-overlap must be a fraction in (0, 1], got {min_overlap!r}")
    if min_overlap is not None and not 0.0 < min_overlap <= 1.0:
        raise CodebenchError(f"--min-overlap must be a fraction in (0, 1], got {min_overlap}")
    coder_list = _coder_list(project, coders)
    if len(coder_list) < min_coders:
        names = ", ".join(c.name for c in coder_list) or "none"
        raise CodebenchError(
            f"agreement needs at least {plural(min_coders, 'coder')} (have: {names}); pass --coders a,b"
        )
    code_list, code_index = resolve_codes(project, codes, level, child_implies_parent)
    if not code_list:
        raise CodebenchError("no codes to compare")
    selection = _select_transcripts(
        project, coder_list, include_unfinished, set(done_if_coded), transcripts
    )
    chosen = selection.chosen
    notes = _notes(unit, min_overlap, level, include_unfinished, selection.design)
    if unit == "character":
        min_overlap = None

    n_codes, n_coders = len(code_list), len(coder_list)
    t_ids = [t.id for t in chosen]
    atoms = _Atoms.load(project, t_ids)
    group, c_start, c_end = _codings(project, coder_list, t_ids, code_index, atoms)
    # Which atoms (codable segments) each coder rated: the design, cut short by --include-unfinished.
    rated_atoms = _rated_atoms(project, coder_list, t_ids, selection, atoms)

    weights: IntArray | None = None
    if unit == "character":
        covered, run_starts, run_lengths = character_runs(
            atoms.gs,
            atoms.ge,
            n_codes * n_coders,
            group,
            c_start,
            c_end,
            extra_cuts=atoms.before[:-1].tolist(),
        )
        unit_atom = np.searchsorted(atoms.before, run_starts, side="right") - 1
        u_start = atoms.start[unit_atom] + (run_starts - atoms.before[unit_atom])
        u_end = u_start + run_lengths
        weights = run_lengths.astype(np.int64)
    elif unit == "turn":
        new_turn = np.ones(atoms.n, dtype=bool)
        if atoms.n > 1:
            new_turn[1:] = (atoms.t[1:] != atoms.t[:-1]) | (atoms.turn[1:] != atoms.turn[:-1])
        atom_unit = np.cumsum(new_turn) - 1
        firsts = np.flatnonzero(new_turn)
        lasts = np.concatenate([firsts[1:] - 1, [atoms.n - 1]]) if firsts.size else firsts
        cells, n_units = covered_cells(
            atoms.gs,
            atoms.ge,
            group,
            c_start,
            c_end,
            min_overlap=min_overlap,
            atom_unit=atom_unit,
            n_units=firsts.shape[0],
        )
        unit_atom = firsts
        u_start, u_end = atoms.start[firsts], atoms.end[lasts]
    else:
        cells, n_units = covered_cells(
            atoms.gs, atoms.ge, group, c_start, c_end, min_overlap=min_overlap
        )
        unit_atom = np.arange(atoms.n)
        u_start, u_end = atoms.start, atoms.end

    if unit == "character":
        n_units = covered.shape[1]
        data = covered.reshape(n_codes, n_coders, n_units).astype(np.float64)
    else:
        # The covered cells go straight into the ratings: no bool matrix to convert.
        flat = np.zeros((n_codes * n_coders, n_units), dtype=np.float64)
        for grp, cell_unit in cells:
            flat[grp, cell_unit] = 1.0
        data = flat.reshape(n_codes, n_coders, n_units)
    unit_t = atoms.t[unit_atom] if n_units else np.zeros(0, dtype=np.int64)
    if n_units:
        # A unit is rated when its segment was; a turn when the coder rated any segment of it.
        lost = ~rated_atoms[:, unit_atom]
        if unit == "turn":
            lost = np.logical_and.reduceat(~rated_atoms, unit_atom, axis=1)
        data[:, lost] = np.nan
    return Units(
        kind=unit,
        data=data,
        weights=weights,
        codes=code_list,
        coders=coder_list,
        transcripts=chosen,
        unit_transcript=np.asarray(unit_t, dtype=np.int64),
        unit_start=np.asarray(u_start, dtype=np.int64),
        unit_end=np.asarray(u_end, dtype=np.int64),
        unit_segment=atoms.ordinal[unit_atom] if n_units else np.zeros(0, dtype=np.int64),
        excluded=selection.excluded,
        untouched=selection.untouched,
        notes=notes,
        design=selection.design,
        min_overlap=min_overlap,
        level=level,
        child_implies_parent=child_implies_parent,
        include_unfinished=include_unfinished,
    )


def _coder_list(project: Project, coders: Sequence[str | Coder] | None) -> list[Coder]:
    if not coders:
        return resolve_coders(project, None)
    out: list[Coder] = []
    for ref in coders:
        coder = ref if isinstance(ref, Coder) else project.coder(ref)
        if all(coder.id != c.id for c in out):
            out.append(coder)
    return out


def design_note(design: str, include_unfinished: bool) -> str:
    """The sentence every report prints about where missing ratings came from."""
    if design == DESIGN_ASSIGNMENTS:
        scope = (
            "every segment assigned to them (--include-unfinished: done or not)"
            if include_unfinished
            else "the segments assigned to them in the transcripts they marked done"
        )
        return (
            f"Missing ratings come from the assignments: each coder with assignments rated exactly "
            f"{scope}; units not assigned to them are missing for them. A coder without "
            "assignments rated every transcript they marked done."
        )
    rule = (
        "every transcript they marked done; with --include-unfinished, a transcript they have not "
        "marked done only up to the last segment they coded, later units missing for them "
        "(not 'code absent')"
        if include_unfinished
        else "every codable segment of the transcripts they marked done, and nothing elsewhere"
    )
    return f"No assignments recorded, so missing ratings come from the done statuses: each coder rated {rule}."


def overlap_rule(min_overlap: float | None) -> str:
    """The overlap rule in words, as every report prints it."""
    if min_overlap is None:
        return "Coded: a unit counts as coded for a code when any of the coder's codings of it overlaps the unit."
    return (
        f"Coded: a unit counts as coded for a code when the coder's codings of it cover at least "
        f"{min_overlap:.0%} of the unit's characters (--min-overlap {min_overlap:g}; 0 = any overlap)."
    )


def _notes(
    unit: str, min_overlap: float | None, level: int | None, include_unfinished: bool, design: str
) -> list[str]:
    notes: list[str] = [design_note(design, include_unfinished)]
    if unit != "character":
        notes.append(overlap_rule(min_overlap))
    if unit == "character":
        notes.append(
            "Character units: the per-code coefficients are character-level kappa in the style of "
            "NVivo (per source, all text counted): every character of the codable segments is a "
            "unit and counts are characters. Characters are not independent, so these are not "
            "Krippendorff's unitizing alpha (reported separately as uα) and bootstrap intervals "
            "are too narrow."
        )
        if min_overlap is not None:
            notes.append("--min-overlap does not apply to character units and was ignored.")
    if level == 1:
        notes.append("--level 1: codings of a sub-code count as codings of its top-level code.")
    elif level is not None:
        notes.append(
            f"--level {level}: codings of a code deeper than level {level} count as codings "
            f"of its ancestor at level {level}."
        )
    return notes


@dataclass
class _Atoms:
    """The codable segments of the compared transcripts, in one coordinate space."""

    t: IntArray  # index of the transcript
    ordinal: IntArray
    start: IntArray  # transcript offsets
    end: IntArray
    turn: IntArray
    gs: IntArray  # global offsets (transcript i shifted by base[i])
    ge: IntArray
    before: IntArray  # codable characters before each atom (length n + 1)
    base: IntArray  # per transcript
    span: IntArray  # per transcript

    @property
    def n(self) -> int:
        return int(self.t.shape[0])

    @classmethod
    def load(cls, project: Project, t_ids: Sequence[int]) -> _Atoms:
        groups = agreement_sql.segment_columns(project.db, t_ids)
        position = {tid: i for i, tid in enumerate(t_ids)}
        counts = np.array([n for _t, n, _text in groups], dtype=np.int64)
        values = _parse_ints(project, "segments", [text for _t, _n, text in groups], counts, 5)
        t_all = np.repeat(np.array([position[t] for t, _n, _x in groups], dtype=np.int64), counts)
        # Transcript order, then segment order (the texts come in no guaranteed order).
        order = np.lexsort((values[:, 0], t_all))
        t_all, values = t_all[order], values[order]
        span = np.ones(len(t_ids), dtype=np.int64)
        np.maximum.at(span, t_all, values[:, 2] + 1)
        base = np.concatenate([[0], np.cumsum(span)[:-1]]).astype(np.int64) if len(t_ids) else span
        keep = values[:, 3] != 0
        t, codable = t_all[keep], values[keep]
        starts, ends = codable[:, 1], codable[:, 2]
        gs = starts + base[t]
        ge = ends + base[t]
        before = np.concatenate([[0], np.cumsum(ends - starts)]).astype(np.int64)
        return cls(t, codable[:, 0], starts, ends, codable[:, 4], gs, ge, before, base, span)


def _parse_ints(
    project: Project, table: str, texts: Sequence[str], counts: IntArray, width: int
) -> IntArray:
    """The ``(sum(counts), width)`` integers of the comma-separated ``texts`` (one per group).

    One parse in C for every row of the table read, instead of a Python tuple
    per row. A value that is not a whole number (a damaged project file) stops
    the parse or makes the count come out wrong, and is refused rather than
    misread.
    """
    expected = int(counts.sum()) * width
    if expected == 0:
        return np.zeros((0, width), dtype=np.int64)
    try:
        flat = np.fromstring(",".join(texts), dtype=np.int64, sep=",")
    except ValueError:  # text numpy cannot read to its end
        flat = np.zeros(0, dtype=np.int64)
    if flat.shape[0] != expected:
        raise CodebenchError(
            f"{project.path}: the {table} table holds a position that is not a whole number"
        )
    return flat.reshape(-1, width)


def _codings(
    project: Project,
    coders: Sequence[Coder],
    t_ids: Sequence[int],
    code_index: dict[int, list[int]],
    atoms: _Atoms,
) -> tuple[IntArray, IntArray, IntArray]:
    """``(group, start, end)`` of the compared codings, in global offsets; group = code * coders + coder.

    The codings come per (coder, code, transcript), so the Python work is per
    group (about coders x codes x transcripts), and the spans stay in numpy.
    The order of the codings is not kept: every caller merges them per group.
    """
    rows = agreement_sql.coding_columns(project.db, [c.id for c in coders], t_ids, list(code_index))
    position = {tid: i for i, tid in enumerate(t_ids)}
    coder_pos = {c.id: i for i, c in enumerate(coders)}
    counts = np.array([r[3] for r in rows], dtype=np.int64)
    starts = _parse_ints(project, "codings", [r[4] for r in rows], counts, 1)[:, 0]
    ends = _parse_ints(project, "codings", [r[5] for r in rows], counts, 1)[:, 0]
    # A coding counts for every compared code its code maps to (more than one only with
    # --child-implies-parent): its group's spans are taken once per target. Taken in group
    # then transcript order, the spans usually arrive sorted and the merge need not sort them.
    pairs = sorted(
        (target * len(coders) + coder_pos[r[0]], position[r[2]], i)
        for i, r in enumerate(rows)
        for target in code_index[r[1]]
    )
    if not pairs:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    pair = np.array(pairs, dtype=np.int64).reshape(-1, 3)
    row = pair[:, 2]
    n = counts[row]
    offsets = np.cumsum(counts) - counts
    starts_at = np.cumsum(n) - n
    take = np.repeat(offsets[row] - starts_at, n) + np.arange(int(n.sum()))
    t_idx = np.repeat(pair[:, 1], n)
    span = atoms.span[t_idx]
    base = atoms.base[t_idx]
    start = np.clip(starts[take], 0, span) + base
    end = np.clip(ends[take], 0, span) + base
    return np.repeat(pair[:, 0], n), start, end


def _rated_atoms(
    project: Project,
    coders: Sequence[Coder],
    t_ids: Sequence[int],
    selection: _Selection,
    atoms: _Atoms,
) -> npt.NDArray[np.bool_]:
    """``(coders, atoms)``: which codable segments each coder rated.

    From the design: the assigned segments (every one for a whole-transcript
    assignment, or, without assignments, for a transcript the coder marked
    done). A coder cut short (``include_unfinished``, no assignments, not
    done) rated up to the last codable segment starting before the end of
    their last coding there (any code); none when they have no coding there.
    """
    out = np.zeros((len(coders), atoms.n), dtype=bool)
    cut = [c.id for c in coders if any((c.id, t) in selection.partial for t in t_ids)]
    last = agreement_sql.last_coded_offsets(project.db, cut, t_ids) if cut else {}
    for ti, tid in enumerate(t_ids):
        lo = int(np.searchsorted(atoms.t, ti, side="left"))
        hi = int(np.searchsorted(atoms.t, ti, side="right"))
        for k, coder in enumerate(coders):
            key = (coder.id, tid)
            if key not in selection.rated:
                continue
            ordinals = selection.rated[key]
            if ordinals is None:
                row = np.ones(hi - lo, dtype=bool)
            else:
                row = np.isin(atoms.ordinal[lo:hi], np.fromiter(ordinals, dtype=np.int64))
            if key in selection.partial:
                end = last.get(key)
                reach = 0 if end is None else int(np.searchsorted(atoms.start[lo:hi], end, "left"))
                row[reach:] = False
            out[k, lo:hi] = row
    return out
