"""Marking a transcript done, with the warning both front ends give first.

Done transcripts are what agreement counts, so marking one done while some
of its codable segments carry none of the coder's codes is usually an
accident (one key in the workbench). The workbench asks for confirmation
and the CLI refuses without ``--yes``; both say how many segments are left,
in the words of :func:`uncoded_warning`.

A coder given only some segments of a transcript (``codebench assign
--segments``) is done when those are coded: only the assigned codable
segments count, and the warning says "assigned".
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from itertools import accumulate
from typing import TYPE_CHECKING

from codebench.errors import NotFound
from codebench.models import Coder, Coding, Segment, Transcript
from codebench.store import progress as progress_sql

if TYPE_CHECKING:
    from codebench.project import Project


def assigned_ordinals(
    project: Project, coder: Coder, transcript: Transcript
) -> frozenset[int] | None:
    """The segment ordinals ``coder`` was assigned in ``transcript``; ``None`` for the whole (or no assignment)."""
    from codebench.design.assignments import design_map

    return design_map(project, [coder.id], [transcript.id]).get((coder.id, transcript.id))


def coded_flags(segments: Sequence[Segment], codings: Sequence[Coding]) -> list[bool]:
    """Whether some coding overlaps each segment (by characters, as the progress figures count).

    A segment is coded when the furthest end reached by the codings starting
    before the segment ends lies past its start: a sort and a running max.
    """
    spans = sorted((c.start, c.end) for c in codings)
    starts = [a for a, _ in spans]
    reach = list(accumulate((b for _, b in spans), max))
    out = []
    for s in segments:
        i = bisect_left(starts, s.end)
        out.append(i > 0 and reach[i - 1] > s.start)
    return out


def uncoded(
    project: Project, coder: str | Coder, transcript: str | int | Transcript
) -> tuple[int, int, bool]:
    """``(codable segments with none of the coder's codes, codable segments, assigned)`` of one transcript.

    For a coder assigned segment ranges (``assigned`` true), only the codable
    segments of those ranges.
    """
    t = project.transcript(transcript)
    try:
        k = project.coder(coder)
    except NotFound:  # a coder not created yet has coded nothing
        coded, codable = 0, progress_sql.codable_count(project.db, t.id)
        return codable - coded, codable, False
    ordinals = assigned_ordinals(project, k, t)
    if ordinals is not None:
        mine = [s for s in project.segments(t) if s.codable and s.ordinal in ordinals]
        flags = coded_flags(mine, project.codings(transcript=t, coders=[k]))
        return flags.count(False), len(mine), True
    coded, codable = progress_sql.coded_codable(project.db, k.id, t.id).get(t.id, (0, 0))
    return codable - coded, codable, False


def done_warning(project: Project, coder: str, transcript: str) -> str | None:
    """The warning before ``coder`` marks ``transcript`` done (see :func:`uncoded`), or ``None``."""
    left, codable, assigned = uncoded(project, coder, transcript)
    return uncoded_warning(left, codable, coder, transcript, assigned=assigned)


def uncoded_warning(
    left: int, codable: int, coder: str, transcript: str, *, assigned: bool = False
) -> str | None:
    """The one-line warning before marking done, or ``None`` when every codable segment is coded.

    ``assigned``: the counts are of the coder's assigned segments only.
    """
    if left <= 0:
        return None
    plural = "segment is" if left == 1 else "segments are"
    which = "assigned codable" if assigned else "codable"
    return (
        f"{left} of {codable} {which} {plural} still uncoded by {coder} in {transcript}"
        " (agreement counts done transcripts)"
    )
