"""Quotes: every coded passage for some codes, ready to cite.

A passage is one stretch of talk coded with one code: codings of the same
code on overlapping or consecutive segments merge into one passage running
from the first coding's start to the last one's end, whoever made them
(:func:`codebench.analysis.passages_merge.merge_overlapping`), so alice's
segments 69–71 and bob's 71–73 are one passage naming both, as a coding
query counts it, and every listing of quotes (this report, the whole
report's quotes, ``explain``, the framework matrix, a quotes sheet) shows
the same passages.
Passages are grouped by code (codebook order) and listed in transcript
order, each with the transcript, its attributes, speaker, coders, memos
(on the codings and on the segments) and, on request, the segment before
and after as context.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from codebench.coding.listing import overlapping_segments
from codebench.models import Code, Coding, Segment, Transcript
from codebench.reports.scope import CoderSelection, select_coders
from codebench.reports.types import CodeRef
from codebench.store import aggregates

if TYPE_CHECKING:
    from codebench.project import Project


def passage_location(transcript: str, first: int, last: int) -> str:
    """Where a passage is, as every report and query writes it: ``"int1, segments 4–6"``."""
    if first == last:
        return f"{transcript}, segment {first}"
    return f"{transcript}, segments {first}\u2013{last}"


@dataclass(frozen=True)
class Memo:
    author: str
    text: str


@dataclass(frozen=True)
class Quote:
    """One coded passage."""

    code: CodeRef
    transcript: str
    attributes: dict[str, str]
    start: int
    end: int
    #: First and last segment ordinals the passage overlaps.
    first_segment: int
    last_segment: int
    speaker: str | None
    coders: list[str]
    text: str
    memos: list[Memo] = field(default_factory=list)
    timestamp: float | None = None
    before: str | None = None
    after: str | None = None

    @property
    def location(self) -> str:
        """``"int1, segment 4"`` or ``"int1, segments 4–6"``."""
        return passage_location(self.transcript, self.first_segment, self.last_segment)


@dataclass(frozen=True)
class QuoteReport:
    selection: CoderSelection
    #: The codes asked for (with their sub-codes when included), in codebook order.
    codes: list[CodeRef]
    quotes: list[Quote]
    context: bool
    subcodes: bool
    kind: str = "quotes"

    @property
    def notes(self) -> list[str]:
        notes = [
            self.selection.note,
            (
                "A passage joins the codings of a code on overlapping or consecutive segments, "
                "whoever made them, and names every coder who coded it."
            ),
        ]
        if self.context:
            notes.append("Context: the segment before and after each passage.")
        return notes

    def by_code(self) -> list[tuple[CodeRef, list[Quote]]]:
        """Quotes grouped under each code (codes without quotes included), in one pass over the quotes."""
        grouped: dict[int, list[Quote]] = {code.id: [] for code in self.codes}
        for quote in self.quotes:
            if quote.code.id in grouped:
                grouped[quote.code.id].append(quote)
        return [(code, grouped[code.id]) for code in self.codes]


def quotes(
    project: Project,
    codes: Iterable[str | int | Code] | None = None,
    coders: Sequence[str] | CoderSelection | None = None,
    *,
    context: bool = False,
    subcodes: bool = True,
    transcripts: Sequence[Transcript] | None = None,
    keep_segments: Iterable[int] | None = None,
    merge: bool = True,
) -> QuoteReport:
    """Every coded passage for ``codes`` (default: all codes), see the module docstring.

    A report's scope: only ``transcripts`` (default: all), and with
    ``keep_segments`` (a speaker scope's segment ids) only the passages that
    take in at least one of those segments. ``merge=False`` leaves several
    coders' overlapping passages apart, for a caller that filters them first
    and merges what it keeps (``explain``: a cell keeps only the parts that
    fall in it).
    """
    from codebench.analysis.passages_merge import merge_overlapping

    selection = coders if isinstance(coders, CoderSelection) else select_coders(project, coders)
    all_codes = project.codes(include_archived=True)
    refs = _code_refs(all_codes)
    wanted = _wanted(project, all_codes, codes, subcodes)
    chosen = [refs[c.id] for c in all_codes if c.id in wanted]
    order = {c.id: i for i, c in enumerate(all_codes)}
    names = {c.id: c.name for c in project.coders()}
    found: list[Quote] = []
    if selection.coders and wanted:
        codings = project.codings(coders=list(selection.coders), codes=sorted(wanted))
        by_transcript: dict[int, list[Coding]] = {}
        for coding in codings:
            by_transcript.setdefault(coding.transcript_id, []).append(coding)
        kept = None if keep_segments is None else set(keep_segments)
        for transcript in project.transcripts() if transcripts is None else transcripts:
            mine = by_transcript.get(transcript.id)
            if not mine:
                continue
            segments = project.segments(transcript)
            text = project.text(transcript)
            found.extend(
                _passages(
                    project,
                    transcript.name,
                    transcript.attributes,
                    text,
                    segments,
                    mine,
                    refs,
                    names,
                    context,
                    kept,
                )
            )
    rank = {t.name: i for i, t in enumerate(project.transcripts())}
    found.sort(key=lambda q: (order[q.code.id], rank[q.transcript], q.start, q.end))
    if merge:
        found = merge_overlapping(project, found)
    return QuoteReport(selection, chosen, found, context, subcodes)


def _code_refs(codes: list[Code]) -> dict[int, CodeRef]:
    depth: dict[int, int] = {}
    parents = {c.parent_id for c in codes if c.parent_id is not None}
    refs = {}
    for code in codes:
        depth[code.id] = depth[code.parent_id] + 1 if code.parent_id in depth else 0
        refs[code.id] = CodeRef.of(code, depth[code.id], code.id in parents)
    return refs


def _wanted(
    project: Project,
    all_codes: list[Code],
    codes: Iterable[str | int | Code] | None,
    subcodes: bool,
) -> set[int]:
    if codes is None:
        return {c.id for c in all_codes}
    wanted = {project.code(ref).id for ref in codes}
    if subcodes:
        grew = True
        while grew:
            extra = {c.id for c in all_codes if c.parent_id in wanted and c.id not in wanted}
            wanted |= extra
            grew = bool(extra)
    return wanted


def _passages(
    project: Project,
    transcript: str,
    attributes: dict[str, str],
    text: str,
    segments: list[Segment],
    codings: list[Coding],
    refs: dict[int, CodeRef],
    coder_names: dict[int, str],
    context: bool,
    kept: set[int] | None = None,
) -> list[Quote]:
    """Merge one transcript's codings into passages and dress them as quotes."""
    starts = [s.start for s in segments]
    groups: dict[tuple[int, int], list[Coding]] = {}
    for coding in codings:
        groups.setdefault((coding.code_id, coding.coder_id), []).append(coding)
    # (code, start, end) -> [coders, coding ids, first seg, last seg]
    merged: dict[tuple[int, int, int], tuple[list[int], list[int], int, int]] = {}
    for (code_id, coder_id), mine in groups.items():
        mine.sort(key=lambda c: (c.start, c.end))
        current: list = []
        for coding in mine:
            span = overlapping_segments(segments, starts, coding.start, coding.end)
            first, last = (span.start, span.stop - 1) if len(span) else (-1, -1)
            if current and first >= 0 and current[3] >= 0 and first <= current[3] + 1:
                current[1] = max(current[1], coding.end)
                current[3] = max(current[3], last)
                current[4].append(coding.id)
                continue
            if current:
                _keep(merged, code_id, coder_id, current)
            current = [coding.start, coding.end, first, last, [coding.id]]
        if current:
            _keep(merged, code_id, coder_id, current)
    coding_memos = aggregates.coding_memos(project.db, [i for v in merged.values() for i in v[1]])
    segment_memos = aggregates.segment_memos(project.db, [s.id for s in segments])
    out = []
    for (code_id, start, end), (coders, coding_ids, first, last) in merged.items():
        inside = segments[first : last + 1] if first >= 0 else []
        if kept is not None and not any(seg.id in kept for seg in inside):
            continue
        speakers = list(dict.fromkeys(s.speaker for s in inside if s.speaker))
        memos = [Memo(a, t) for i in coding_ids for a, t in coding_memos.get(i, [])]
        for seg in inside:
            memos.extend(Memo(a, t) for a, t in segment_memos.get(seg.id, []))
        speaker = ", ".join(speakers) or None
        before = after = None
        if context and first >= 0:
            before = _context(segments[first - 1], speaker) if first > 0 else None
            after = _context(segments[last + 1], speaker) if last + 1 < len(segments) else None
        out.append(
            Quote(
                code=refs[code_id],
                transcript=transcript,
                attributes=dict(attributes),
                start=start,
                end=end,
                first_segment=segments[first].ordinal if first >= 0 else -1,
                last_segment=segments[last].ordinal if last >= 0 else -1,
                speaker=speaker,
                coders=sorted({coder_names.get(k, str(k)) for k in coders}, key=str.casefold),
                text=text[start:end].strip(),
                memos=list(dict.fromkeys(memos)),
                timestamp=inside[0].timestamp if inside else None,
                before=before,
                after=after,
            )
        )
    return out


def _keep(merged: dict, code_id: int, coder_id: int, current: list) -> None:
    start, end, first, last, ids = current
    entry = merged.setdefault((code_id, start, end), ([], [], first, last))
    entry[0].append(coder_id)
    entry[1].extend(ids)


def _context(segment: Segment, speaker: str | None) -> str:
    """A context segment's text, prefixed with its speaker when that is someone else."""
    if segment.speaker and segment.speaker != speaker:
        return f"{segment.speaker}: {segment.text.strip()}"
    return segment.text.strip()
