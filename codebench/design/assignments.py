"""Assignments: give coders transcripts, or ranges of a transcript's segments, and track them.

An assignment is the design a reliability study is computed on: a coder
rated exactly the units they were given (in the transcripts they marked
done), and a unit they were not given is missing for them. A coder's
assignment of one transcript is either the whole transcript or a set of
segment ordinals, stored as disjoint inclusive ranges; assigning more adds
to it and unassigning removes from it, so repeated commands compose.

Every change is one transaction with an ``assignment.set`` event (the
coder, the transcript, the ranges before and after, who made it).
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from codebench.errors import CodebenchError
from codebench.models import Coder, Transcript
from codebench.store import agreement_sql
from codebench.store import assignments as assignment_sql
from codebench.store import events as event_sql

if TYPE_CHECKING:
    from codebench.project import Project

#: A coder's assignment of one transcript: ``None`` for the whole of it, else its segment ordinals.
Ordinals = frozenset[int] | None

_RANGE = re.compile(r"^\s*(\d+)\s*(?:[-–]\s*(\d+)\s*)?$")


def parse_segments(text: str) -> list[tuple[int, int]]:
    """``"1-40,45,50-60"`` as inclusive ordinal ranges ``[(1, 40), (45, 45), (50, 60)]``."""
    ranges: list[tuple[int, int]] = []
    for part in text.split(","):
        if not part.strip():
            continue
        match = _RANGE.match(part)
        if match is None:
            raise CodebenchError(
                f"--segments: {part.strip()!r} is not a segment number or a range like 1-40"
            )
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2) is not None else first
        if last < first:
            raise CodebenchError(f"--segments: the range {first}-{last} runs backwards")
        ranges.append((first, last))
    if not ranges:
        raise CodebenchError("--segments needs segment numbers, e.g. 1-40 or 1-40,45")
    return ranges


def to_ranges(ordinals: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted ordinals as the fewest inclusive ranges."""
    out: list[tuple[int, int]] = []
    for o in sorted(set(ordinals)):
        if out and o == out[-1][1] + 1:
            out[-1] = (out[-1][0], o)
        else:
            out.append((o, o))
    return out


def describe_ranges(ordinals: Ordinals) -> str:
    """``"all"`` or ``"1-40, 45"``."""
    if ordinals is None:
        return "all"
    return ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in to_ranges(ordinals)) or "none"


@dataclass(frozen=True)
class Assignment:
    """One coder's assignment of one transcript."""

    coder: Coder
    transcript: Transcript
    ordinals: Ordinals
    """``None``: the whole transcript; else the assigned segment ordinals."""
    assigned_by: str | None
    assigned_at: str

    @property
    def segments(self) -> str:
        return describe_ranges(self.ordinals)


@dataclass(frozen=True)
class AssignmentProgress:
    """How far a coder has got with one assignment."""

    assignment: Assignment
    codable: int
    """Codable segments in the assignment."""
    coded: int
    """Of those, the segments the coder has applied some code to."""
    status: str
    """The coder's status on the transcript (``done`` when they marked it done)."""

    @property
    def done(self) -> bool:
        return self.status == "done"


def _ordinals_of(rows: Sequence[assignment_sql.AssignmentRow]) -> Ordinals:
    out: set[int] = set()
    for _k, _t, first, last, _by, _at in rows:
        if first is None or last is None:
            return None
        out.update(range(first, last + 1))
    return frozenset(out)


def design_map(
    project: Project,
    coder_ids: Sequence[int] | None = None,
    transcript_ids: Sequence[int] | None = None,
) -> dict[tuple[int, int], Ordinals]:
    """``{(coder_id, transcript_id): ordinals or None (whole)}`` of every recorded assignment."""
    grouped: dict[tuple[int, int], list[assignment_sql.AssignmentRow]] = {}
    for row in assignment_sql.assignment_rows(project.db, coder_ids, transcript_ids):
        grouped.setdefault((row[0], row[1]), []).append(row)
    return {key: _ordinals_of(rows) for key, rows in grouped.items()}


def has_assignments(project: Project) -> bool:
    """Whether the project records a design (any assignment at all)."""
    return assignment_sql.any_assignment(project.db)


def _check_ranges(
    project: Project, transcript: Transcript, ranges: Sequence[tuple[int, int]]
) -> None:
    n = len(project.segments(transcript))
    for first, last in ranges:
        if last >= n:
            raise CodebenchError(
                f"transcript {transcript.name!r} has segments 0-{n - 1}; "
                f"--segments {first}-{last} runs past the end"
            )


#: The name reports and ``--coder`` read as the consensus coding; never a coder to assign.
CONSENSUS = "consensus"


def _coder_for_design(project: Project, name: str | Coder, *, create: bool) -> Coder:
    if isinstance(name, str) and name.strip().casefold() == CONSENSUS:
        raise CodebenchError(
            f"{name!r} names the consensus coding: assignments are for human coders"
        )
    coder = project.coder(name, create=create)
    if coder.kind != "human":
        raise CodebenchError(
            f"{coder.name!r} is the consensus coder: assignments are for human coders"
        )
    return coder


def _write(
    project: Project,
    coder: Coder,
    transcript: Transcript,
    before: Ordinals,
    after: Ordinals,
    by: Coder | None,
) -> None:
    """Store one coder x transcript assignment (empty: none) and log it. Inside a transaction."""
    ranges = None if after is None else to_ranges(after)
    assignment_sql.replace_assignment(
        project.db, coder.id, transcript.id, ranges, by.id if by else None
    )
    event_sql.log(
        project.db,
        "assignment.set",
        {
            "coder": coder.guid,
            "coder_name": coder.name,
            "transcript": transcript.guid,
            "before": describe_ranges(before),
            "after": describe_ranges(after),
        },
        coder_id=by.id if by else None,
        transcript_id=transcript.id,
    )


def assign(
    project: Project,
    coder: str | Coder,
    transcripts: Sequence[str | Transcript],
    *,
    segments: Sequence[tuple[int, int]] | None = None,
    by: str | Coder | None = None,
) -> list[Assignment]:
    """Give ``coder`` the transcripts (or, with ``segments``, those ordinal ranges of each).

    Adds to what the coder already has: a range on top of a whole-transcript
    assignment changes nothing, and ranges accumulate. The coder is created
    if new (a lead assigns before the coders start). Returns the resulting
    assignments of those transcripts.
    """
    if not transcripts:
        raise CodebenchError("name at least one transcript to assign")
    who = _coder_for_design(project, coder, create=True)
    lead = project.coder(by, create=True) if by is not None else None
    chosen = _unique(project.transcript(t) for t in transcripts)
    if segments is not None:
        for t in chosen:
            _check_ranges(project, t, segments)
    wanted: frozenset[int] | None = (
        None if segments is None else frozenset(o for a, b in segments for o in range(a, b + 1))
    )
    current = design_map(project, [who.id], [t.id for t in chosen])
    with project.transaction():
        for t in chosen:
            key = (who.id, t.id)
            before = current.get(key, frozenset())
            if before is None:
                continue  # already has the whole transcript
            after: Ordinals = None if wanted is None else before | wanted
            if after != before:
                _write(project, who, t, before, after, lead)
    return [a for a in assignments(project, coder=who) if a.transcript.id in {t.id for t in chosen}]


def unassign(
    project: Project,
    coder: str | Coder,
    transcripts: Sequence[str | Transcript],
    *,
    segments: Sequence[tuple[int, int]] | None = None,
    by: str | Coder | None = None,
) -> int:
    """Take transcripts (or those ordinal ranges of them) back from ``coder``; returns transcripts changed.

    Codings are untouched: unassigning changes the design agreement uses, not
    the coder's work.
    """
    if not transcripts:
        raise CodebenchError("name at least one transcript to unassign")
    who = _coder_for_design(project, coder, create=False)
    lead = project.coder(by, create=True) if by is not None else None
    chosen = _unique(project.transcript(t) for t in transcripts)
    current = design_map(project, [who.id], [t.id for t in chosen])
    changed = 0
    with project.transaction():
        for t in chosen:
            key = (who.id, t.id)
            if key not in current:
                continue
            before = current[key]
            if segments is None:
                after: Ordinals = frozenset()
            else:
                have = (
                    frozenset(s.ordinal for s in project.segments(t)) if before is None else before
                )
                drop = {o for a, b in segments for o in range(a, b + 1)}
                after = frozenset(have - drop)
            if after != before:
                _write(project, who, t, before, after, lead)
                changed += 1
    return changed


def assignments(project: Project, *, coder: str | Coder | None = None) -> list[Assignment]:
    """Every assignment (of one coder), by coder name then transcript name."""
    who = project.coder(coder) if coder is not None else None
    rows = assignment_sql.assignment_rows(project.db, [who.id] if who else None)
    coders = {c.id: c for c in project.coders()}
    transcripts = {t.id: t for t in project.transcripts()}
    grouped: dict[tuple[int, int], list[assignment_sql.AssignmentRow]] = {}
    for row in rows:
        grouped.setdefault((row[0], row[1]), []).append(row)
    out = []
    for (k, t), group in grouped.items():
        by = group[0][4]
        out.append(
            Assignment(
                coder=coders[k],
                transcript=transcripts[t],
                ordinals=_ordinals_of(group),
                assigned_by=coders[by].name if by is not None and by in coders else None,
                assigned_at=max(r[5] for r in group),
            )
        )
    out.sort(key=lambda a: (a.coder.name.casefold(), a.transcript.name.casefold()))
    return out


def progress(project: Project, *, coder: str | Coder | None = None) -> list[AssignmentProgress]:
    """How far each assignment has got: codable segments assigned, those coded, the status."""
    items = assignments(project, coder=coder)
    statuses = project.statuses()
    by_transcript: dict[int, list[tuple[int, int, int, int, int, int]]] = {}
    out = []
    for a in items:
        tid = a.transcript.id
        if tid not in by_transcript:
            by_transcript[tid] = agreement_sql.segment_rows(project.db, [tid])
        segs = [
            r for r in by_transcript[tid] if r[4] and (a.ordinals is None or r[1] in a.ordinals)
        ]
        spans = sorted(
            (s, e)
            for _k, _c, _t, s, e in agreement_sql.coding_rows(project.db, [a.coder.id], [tid])
        )
        starts = [s for s, _e in spans]
        reach = list(itertools.accumulate((e for _s, e in spans), max))
        coded = sum(1 for r in segs if _overlaps(starts, reach, r[2], r[3]))
        out.append(
            AssignmentProgress(
                assignment=a,
                codable=len(segs),
                coded=coded,
                status=statuses.get((a.coder.id, tid), "not-started"),
            )
        )
    return out


def _overlaps(starts: Sequence[int], reach: Sequence[int], start: int, end: int) -> bool:
    """Whether a coding overlaps ``[start, end)``: codings sorted by start, ``reach`` their running max end."""
    i = bisect.bisect_left(starts, end)  # codings starting before ``end``
    return i > 0 and reach[i - 1] > start


def _unique(items: Iterable[Transcript]) -> list[Transcript]:
    seen: set[int] = set()
    out = []
    for t in items:
        if t.id not in seen:
            seen.add(t.id)
            out.append(t)
    return out
