"""Auto-coding from a search or a query: a reviewable batch, applied as one undoable action.

A query's passages make a batch the same way (:func:`plan_query_code`, a
"query code"): each passage's codable segments, coded as one span.

:func:`plan_autocode` turns a search's hits into the passages a code would
go on, spread to the hit itself, its sentence segment or its speaker turn:
hits in one passage become one, and hits in segments marked not codable
(interviewer turns) are left out and counted. Nothing is written: the batch
is what a lead reviews (every passage numbered from 1).

:func:`apply_autocode` applies the batch, less the passages rejected, as
the given coder, in one transaction and one ``coding.add`` event (with the
search's pattern and spread in its payload), so the coder's undo reverts
it as a whole. It only ever adds that coder's codings; passages the coder
has already coded with the code are skipped, and other coders' codings are
never touched.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from codebench.analysis.search import SearchResult
from codebench.errors import CodebenchError
from codebench.store import analysis as analysis_sql
from codebench.wording import plural

if TYPE_CHECKING:
    from codebench.analysis.query import QueryResult
    from codebench.models import Code, Coder, Segment
    from codebench.project import Project

SPREADS = ("hit", "segment", "turn")


@dataclass(frozen=True)
class Proposal:
    """One passage the code would go on."""

    number: int
    transcript: str
    transcript_id: int
    start: int
    end: int
    first_segment: int
    last_segment: int
    text: str
    hits: int


@dataclass(frozen=True)
class AutocodeBatch:
    #: The search pattern or the query expression the batch comes from.
    pattern: str
    code: str
    spread: str
    proposals: list[Proposal]
    #: Hits (or passages' segments) left out because they are not codable.
    not_codable: int = 0
    _code: Code | None = field(default=None, repr=False)
    #: ``search`` or ``query``: what the event's payload names as the source.
    source: str = "search"
    kind: str = "autocode"

    @property
    def notes(self) -> list[str]:
        what = (
            f"search {self.pattern!r}, spread to the {self.spread}"
            if self.source == "search"
            else f"query {self.pattern!r}"
        )
        notes = [f"{plural(len(self.proposals), 'passage')} to code {self.code} ({what})."]
        if self.not_codable:
            things = "hits" if self.source == "search" else "segments"
            notes.append(f"Left out as not codable: {plural(self.not_codable, things[:-1])}.")
        return notes


def plan_autocode(
    project: Project, result: SearchResult, code: str | Code, spread: str = "segment"
) -> AutocodeBatch:
    """The passages ``code`` would go on for the hits of ``result`` (see the module docstring)."""
    if spread not in SPREADS:
        raise CodebenchError(f"--spread {spread!r}: use {', '.join(SPREADS)}")
    target = project.code(code)
    if target.archived:
        raise CodebenchError(f"code {target.label!r} is archived")
    hits = result.hits
    seg = analysis_sql.segment_arrays(project.db, sorted({h._transcript_id for h in hits}))
    where = {
        (int(t), int(o)): i
        for i, (t, o) in enumerate(zip(seg.transcript_id.tolist(), seg.ordinal.tolist()))
    }
    spans: dict[tuple[int, int, int], list[int]] = {}
    names: dict[int, str] = {}
    not_codable = 0
    for hit in hits:
        i = where.get((hit._transcript_id, hit.ordinal))
        if i is None:
            continue
        if not seg.codable[i]:
            not_codable += 1
            continue
        if spread == "hit":
            lo, hi, first, last = hit.start, hit.end, i, i
        elif spread == "segment":
            lo, hi, first, last = int(seg.start[i]), int(seg.end[i]), i, i
        else:
            first = last = i
            while (
                first > 0
                and seg.transcript_id[first - 1] == seg.transcript_id[i]
                and seg.turn[first - 1] == seg.turn[i]
            ):
                first -= 1
            while (
                last + 1 < len(seg)
                and seg.transcript_id[last + 1] == seg.transcript_id[i]
                and seg.turn[last + 1] == seg.turn[i]
            ):
                last += 1
            lo, hi = int(seg.start[first]), int(seg.end[last])
        key = (hit._transcript_id, lo, hi)
        names[hit._transcript_id] = hit.transcript
        entry = spans.setdefault(key, [int(seg.ordinal[first]), int(seg.ordinal[last]), 0])
        entry[2] += 1
    texts = {t: project.text(t) for t in names}
    proposals = [
        Proposal(
            number=n + 1,
            transcript=names[tid],
            transcript_id=tid,
            start=lo,
            end=hi,
            first_segment=spans[(tid, lo, hi)][0],
            last_segment=spans[(tid, lo, hi)][1],
            text=texts[tid][lo:hi],
            hits=spans[(tid, lo, hi)][2],
        )
        for n, (tid, lo, hi) in enumerate(sorted(spans))
    ]
    return AutocodeBatch(result.pattern, target.label, spread, proposals, not_codable, target)


def plan_query_code(project: Project, result: QueryResult, code: str | Code) -> AutocodeBatch:
    """A "query code": the passages of a query as a batch for ``code``.

    Each passage's codable runs become one passage each (a ``near`` span may
    hold an interviewer's question between two answers, which is not coded).
    """
    target = project.code(code)
    if target.archived:
        raise CodebenchError(f"code {target.label!r} is archived")
    segments: dict[str, list[Segment]] = {}
    texts: dict[str, str] = {}
    proposals: list[Proposal] = []
    skipped = 0
    for passage in result.passages:
        if passage.transcript not in segments:
            segments[passage.transcript] = project.segments(passage.transcript)
            texts[passage.transcript] = project.text(passage.transcript)
        t_segments = segments[passage.transcript]
        run: list[Segment] = []
        for s in t_segments[passage.first_segment : passage.last_segment + 1]:
            if s.codable:
                run.append(s)
                continue
            skipped += 1
            if run:
                proposals.append(_proposal(texts, passage.transcript, run, len(proposals)))
                run = []
        if run:
            proposals.append(_proposal(texts, passage.transcript, run, len(proposals)))
    return AutocodeBatch(
        result.expression, target.label, "passage", proposals, skipped, target, source="query"
    )


def _proposal(texts: dict[str, str], transcript: str, run: list[Segment], count: int) -> Proposal:
    lo, hi = run[0].start, run[-1].end
    return Proposal(
        number=count + 1,
        transcript=transcript,
        transcript_id=run[0].transcript_id,
        start=lo,
        end=hi,
        first_segment=run[0].ordinal,
        last_segment=run[-1].ordinal,
        text=texts[transcript][lo:hi],
        hits=len(run),
    )


def apply_autocode(
    project: Project, batch: AutocodeBatch, coder: str | Coder, reject: Iterable[int] = ()
) -> list[int]:
    """Code the batch's passages (less the ``reject``-ed numbers) as ``coder``: one action.

    Returns the new codings' ids (passages already coded so are skipped).
    """
    from codebench.coding.actions import apply_changes

    rejected = _rejected(batch, reject)
    assert batch._code is not None
    changes = [
        (batch._code, p.transcript_id, p.start, p.end)
        for p in batch.proposals
        if p.number not in rejected
    ]
    if not changes:
        return []
    return apply_changes(
        project,
        "coding.add",
        coder,
        changes,
        meta={"source": batch.source, "pattern": batch.pattern, "spread": batch.spread},
    )


def check_batch(
    project: Project, batch: AutocodeBatch, coder: str | None, reject: Iterable[int] = ()
) -> set[int]:
    """Refuse at the preview what :func:`apply_autocode` would refuse; returns the rejected numbers.

    A preview that accepts ``--coder carol`` (a typo of a known coder) or
    ``--reject 99`` only to refuse them at ``--apply`` shows a batch the
    coder cannot apply as typed. ``coder`` may be new when the project allows
    new coders (``--new-coder``); ``None`` (no coder named yet) is not checked.
    """
    rejected = _rejected(batch, reject)
    if coder is not None:
        project.check_new_coder(coder)
    return rejected


def _rejected(batch: AutocodeBatch, reject: Iterable[int]) -> set[int]:
    """``reject`` as a set, each number one of the batch's passages."""
    rejected = set(reject)
    unknown = sorted(rejected - {p.number for p in batch.proposals})
    if unknown:
        last = len(batch.proposals)
        raise CodebenchError(
            f"--reject {', '.join(map(str, unknown))}: "
            + (f"the batch has passages 1 to {last}" if last else "the batch has no passages")
        )
    return rejected
