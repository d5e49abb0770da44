"""Plain-data listings of a project (what `transcripts`, `segments` and `coders` show).

Kept in the core so the CLI, the TUI and tests share one definition of, say,
"progress": the share of a coder's codable segments that carry at least one
of their codings.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from codebench.models import Segment
from codebench.store import codings as coding_sql
from codebench.store import progress as progress_sql

if TYPE_CHECKING:
    from codebench.project import Project


def transcript_rows(project: Project) -> list[dict[str, Any]]:
    """One row per transcript: name, source, attributes, segments, per-coder status."""
    counts = project.segment_counts()
    statuses = project.statuses()
    coders = {c.id: c.name for c in project.coders()}
    rows = []
    for t in project.transcripts():
        total, codable = counts.get(t.id, (0, 0))
        rows.append(
            {
                "name": t.name,
                "source": t.source_name,
                "format": t.source_format,
                "segments": total,
                "codable": codable,
                "attributes": dict(t.attributes),
                "status": {
                    coders[k]: v
                    for (k, tid), v in sorted(statuses.items())
                    if tid == t.id and k in coders
                },
            }
        )
    return rows


def segment_rows(
    project: Project, transcript: str, coders: list[str] | None = None
) -> list[dict[str, Any]]:
    """One row per segment, with the codes each coder applied to it."""
    t = project.transcript(transcript)
    segments = project.segments(t)
    code_labels = {c.id: c.number or c.name for c in project.codes(include_archived=True)}
    coder_names = {c.id: c.name for c in project.coders()}
    coder_ids = [project.coder(c).id for c in coders] if coders else None
    codings = coding_sql.list_codings(project.db, transcript_id=t.id, coder_ids=coder_ids)
    applied: list[dict[str, set[str]]] = [{} for _ in segments]
    starts = [seg.start for seg in segments]
    for coding in codings:
        for index in overlapping_segments(segments, starts, coding.start, coding.end):
            applied[index].setdefault(coder_names[coding.coder_id], set()).add(
                code_labels[coding.code_id]
            )
    return [
        {
            "ordinal": seg.ordinal,
            "speaker": seg.speaker or "",
            "codable": seg.codable,
            "start": seg.start,
            "end": seg.end,
            "timestamp": seg.timestamp,
            "text": seg.text,
            "codes": {k: sorted(v) for k, v in sorted(applied[i].items())},
        }
        for i, seg in enumerate(segments)
    ]


def overlapping_segments(
    segments: Sequence[Segment], starts: Sequence[int], start: int, end: int
) -> range:
    """Indexes of the ordered, non-overlapping ``segments`` (whose ``starts`` are
    given) that overlap the span ``start``–``end``."""
    first = bisect.bisect_right(starts, start) - 1
    if first < 0 or segments[first].end <= start:
        first += 1
    last = bisect.bisect_left(starts, end)
    return range(max(first, 0), last)


def coder_rows(project: Project) -> list[dict[str, Any]]:
    """One row per coder: codings made and transcripts by status."""
    counts = progress_sql.codings_per_coder(project.db)
    statuses = project.statuses()
    rows = []
    for c in project.coders():
        mine = [v for (k, _t), v in statuses.items() if k == c.id]
        rows.append(
            {
                "name": c.name,
                "kind": c.kind,
                "codings": counts.get(c.id, 0),
                "transcripts_done": mine.count("done"),
                "transcripts_in_progress": mine.count("in-progress"),
            }
        )
    return rows


def progress(project: Project, coder: str) -> dict[int, tuple[int, int]]:
    """``{transcript_id: (codable segments coded by coder, codable segments)}``.

    Where the coder was assigned segment ranges, only the codable segments
    of those ranges count (as for marking done: :func:`~codebench.coding.status.uncoded`).
    """
    from codebench.coding.status import uncoded
    from codebench.design.assignments import design_map

    k = project.coder(coder)
    figures = progress_sql.coded_codable(project.db, k.id)
    for (_k, transcript_id), ordinals in design_map(project, [k.id]).items():
        if ordinals is not None:
            left, total, _ = uncoded(project, k, transcript_id)
            figures[transcript_id] = (total - left, total)
    return figures
