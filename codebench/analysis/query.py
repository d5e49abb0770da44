"""Coding queries: evaluate a parsed query over the segments in scope, return passages.

Evaluation works on segment sets, one boolean per segment of the
transcripts in scope (numpy arrays in reading order). A code's set is the
segments its codings overlap, by the selected coders: the rule the reports
use (:mod:`codebench.reports.coded_units`), so a coding across two
sentences puts both in the set and a segment two coders coded is in it
once. Then:

- ``A & B``, ``A | B``: intersection, union;
- ``!A``: the codable segments not in ``A`` (interviewer turns and other
  segments marked not codable are never "not coded");
- ``A near:N B``: segments of ``A`` and ``B`` at most ``N`` segments apart,
  either order, in one transcript, with the segments between them, so the
  passage reads from one to the other (``near:0`` is ``&``);
- ``A followed-by:N B``: a segment of ``A`` then one of ``B`` 1 to ``N``
  segments later, with the segments between;
- ``A within:turn B`` (or ``within:paragraph``): the turns (paragraphs) that
  hold both an ``A`` and a ``B`` segment, from the first of them to the last.

The matching segments, kept to the scope's speakers, join into passages:
runs of consecutive segments of one transcript. Each passage lists the
codes of the query (those not under ``!``) that coded it, and who coded them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from codebench.analysis import grammar
from codebench.analysis.grammar import QueryError
from codebench.analysis.scope import Scope, ScopeSpec, resolve_scope, speaker_segments
from codebench.errors import NotFound
from codebench.models import Code, Transcript
from codebench.reports.quotes import passage_location
from codebench.reports.scope import started_or_coded
from codebench.store import aggregates
from codebench.store import analysis as analysis_sql
from codebench.wording import plural

if TYPE_CHECKING:
    import numpy as np

    from codebench.project import Project
    from codebench.store.analysis import CodingArrays, SegmentArrays

#: Bits of a character offset in a position key (transcript id << bits | offset).
_OFFSET_BITS = 31


@dataclass(frozen=True)
class Passage:
    """Consecutive matching segments of one transcript."""

    transcript: str
    attributes: dict[str, str]
    first_segment: int
    last_segment: int
    start: int
    end: int
    #: Speakers in the passage, in order of first appearance.
    speakers: list[str]
    text: str
    #: Labels of the query's codes that coded the passage, codebook order.
    codes: list[str]
    coders: list[str]
    #: The speaker of each segment (``None``: no speaker), for counting by speaker.
    _segment_speakers: tuple[str | None, ...] = field(default=(), repr=False)

    @property
    def segments(self) -> int:
        return self.last_segment - self.first_segment + 1

    @property
    def location(self) -> str:
        """``"int1, segment 4"`` or ``"int1, segments 4–6"``."""
        return passage_location(self.transcript, self.first_segment, self.last_segment)


@dataclass(frozen=True)
class ResolvedCode:
    """A code reference of the query and the codes it stands for."""

    typed: str
    codes: list[str]


@dataclass(frozen=True)
class QueryResult:
    """What a query found: passages, in transcript order."""

    expression: str
    references: list[ResolvedCode]
    passages: list[Passage]
    #: Matching segments (the passages' segments, summed).
    segments: int
    #: Transcripts in scope, and how many of them have a passage.
    transcripts_in_scope: int
    scope_notes: list[str]
    #: Transcripts in scope, with their attributes (for counting by attribute).
    _scope: Scope | None = field(default=None, repr=False)
    kind: str = "query"
    #: The transcripts in scope the coders started or coded: a group's n when counting
    #: by attribute, as the reports count it (:func:`~codebench.reports.scope.started_or_coded`);
    #: read when first counted, so a query that is not counted by attribute does not pay for it.
    _started: Callable[[], list[Transcript]] = field(default=list, repr=False)

    @property
    def transcripts_matched(self) -> int:
        return len({p.transcript for p in self.passages})

    @property
    def notes(self) -> list[str]:
        meaning = "; ".join(
            dict.fromkeys(f"{r.typed} = {', '.join(r.codes)}" for r in self.references)
        )
        notes = [
            f"{plural(len(self.passages), 'passage')} ({plural(self.segments, 'segment')}) in "
            f"{self.transcripts_matched} of {plural(self.transcripts_in_scope, 'transcript')}.",
            *self.scope_notes,
        ]
        if meaning:
            notes.append(f"Codes: {meaning}.")
        return notes


def run_query(
    project: Project, expression: str, scope: ScopeSpec | Scope | None = None
) -> QueryResult:
    """Parse ``expression``, evaluate it in ``scope`` and return the passages."""
    tree = grammar.parse(expression)
    resolved = scope if isinstance(scope, Scope) else resolve_scope(project, scope)
    evaluation = Evaluation(project, expression, tree, resolved)
    return evaluation.result()


class Evaluation:
    """One query over one scope: the segments, the codings placed on them, the sets."""

    def __init__(self, project: Project, expression: str, tree: grammar.Node, scope: Scope) -> None:
        import numpy as np

        self.project = project
        self.expression = expression
        self.tree = tree
        self.scope = scope
        codes = project.codes(include_archived=True)
        self.codes = codes
        self.leaf_codes = {id(leaf): self._resolve(leaf, codes) for leaf in grammar.leaves(tree)}
        wanted = sorted({c.id for ids in self.leaf_codes.values() for c in ids})
        self.seg = analysis_sql.segment_arrays(project.db, scope.transcript_filter)
        cod = analysis_sql.coding_arrays(
            project.db, scope.selection.ids, wanted, scope.transcript_filter
        )
        self.cod = cod
        self.cell_seg, self.cell_coding = place(self.seg, cod)
        self.index = np.arange(len(self.seg), dtype=np.int64)

    # ------------------------------------------------------------------ codes
    def _resolve(self, leaf: grammar.CodeRef, codes: list[Code]) -> list[Code]:
        try:
            code = self.project.code(leaf.text)
        except NotFound as error:
            # The column goes with the name, before a list of candidates.
            name, ambiguous, candidates = str(error).partition(" is ambiguous: ")
            where = f" at column {leaf.column}"
            said = f"{name}{where}{ambiguous}{candidates}" if ambiguous else f"{error}{where}"
            raise QueryError(f"{self.expression}: {said}") from None
        if not leaf.descendants:
            return [code]
        children: dict[int | None, list[Code]] = {}
        for c in codes:
            children.setdefault(c.parent_id, []).append(c)
        out, todo = [], [code]
        while todo:
            current = todo.pop()
            out.append(current)
            todo.extend(reversed(children.get(current.id, [])))
        order = {c.id: i for i, c in enumerate(codes)}
        return sorted(out, key=lambda c: order.get(c.id, 0))

    # ------------------------------------------------------------------ sets
    def mask(self, node: grammar.Node) -> np.ndarray:
        """The segments (booleans in reading order) that ``node`` matches."""
        import numpy as np

        if isinstance(node, grammar.CodeRef):
            ids = np.array([c.id for c in self.leaf_codes[id(node)]], dtype=np.int64)
            out = np.zeros(len(self.seg), dtype=bool)
            hit = np.isin(self.cod.code_id[self.cell_coding], ids)
            out[self.cell_seg[hit]] = True
            return out
        if isinstance(node, grammar.Not):
            return np.asarray(self.seg.codable & ~self.mask(node.operand))
        left, right = self.mask(node.left), self.mask(node.right)
        if isinstance(node, grammar.And):
            return np.asarray(left & right)
        if isinstance(node, grammar.Or):
            return np.asarray(left | right)
        if isinstance(node, grammar.Near):
            return np.asarray(
                self._between(left, right, node.distance, 0)
                | self._between(right, left, node.distance, 0)
            )
        if isinstance(node, grammar.FollowedBy):
            return self._between(left, right, node.distance, 1)
        assert isinstance(node, grammar.Within)
        return self._within(
            left, right, self.seg.turn if node.unit == "turn" else self.seg.paragraph
        )

    def _between(
        self, first: np.ndarray, then: np.ndarray, distance: int, least: int
    ) -> np.ndarray:
        """Segments k with a ``first`` at i ≤ k and a ``then`` at j ≥ k, ``least`` ≤ j − i ≤ ``distance``.

        The closest pair around k is the last ``first`` at or before it and the
        next ``then`` at or after it; when ``least`` is 1 and k is both, the
        pair is k with the ``first`` before it or the ``then`` after it.
        """
        import numpy as np

        n = len(self.seg)
        if not n:
            return np.zeros(0, dtype=bool)
        tid, ordinal, idx = self.seg.transcript_id, self.seg.ordinal, self.index
        last_first = _last_at_or_before(first, idx)
        next_then = _next_at_or_after(then, idx, n)

        def close(i: np.ndarray, j: np.ndarray) -> np.ndarray:
            ok = (i >= 0) & (j < n)
            ii, jj = np.where(ok, i, 0), np.where(ok, j, 0)
            gap = ordinal[jj] - ordinal[ii]
            return np.asarray(
                ok & (tid[ii] == tid) & (tid[jj] == tid) & (gap >= least) & (gap <= distance)
            )

        out = close(last_first, next_then)
        if least > 0:
            both = first & then
            if both.any():
                before = np.concatenate(([-1], last_first[:-1]))
                after = np.concatenate((next_then[1:], [n]))
                out |= both & (close(before, idx) | close(idx, after))
        return out

    def _within(self, left: np.ndarray, right: np.ndarray, unit: np.ndarray) -> np.ndarray:
        import numpy as np

        n = len(self.seg)
        if not n:
            return np.zeros(0, dtype=bool)
        tid = self.seg.transcript_id
        change = np.concatenate(([True], (tid[1:] != tid[:-1]) | (unit[1:] != unit[:-1])))
        starts = np.flatnonzero(change)
        group = np.cumsum(change) - 1
        either = left | right
        keep = np.logical_or.reduceat(left, starts) & np.logical_or.reduceat(right, starts)
        lo = np.minimum.reduceat(np.where(either, self.index, n), starts)
        hi = np.maximum.reduceat(np.where(either, self.index, -1), starts)
        return np.asarray(keep[group] & (self.index >= lo[group]) & (self.index <= hi[group]))

    # ------------------------------------------------------------------ passages
    def matched(self) -> np.ndarray:
        """The query's segments, kept to the scope's speakers."""
        import numpy as np

        found = self.mask(self.tree)
        spoken = speaker_segments(self.project, self.scope)
        if spoken is not None:
            found &= np.isin(self.seg.id, np.array(spoken, dtype=np.int64))
        return found

    def result(self) -> QueryResult:
        found = self.matched()
        passages = build_passages(self, found)
        references = [
            ResolvedCode(
                leaf.text + (".*" if leaf.descendants else ""),
                [c.label for c in self.leaf_codes[id(leaf)]],
            )
            for leaf in grammar.leaves(self.tree)
        ]
        return QueryResult(
            expression=self.expression,
            references=references,
            passages=passages,
            segments=sum(p.segments for p in passages),
            transcripts_in_scope=len(self.scope.transcripts),
            scope_notes=self.scope.notes,
            _scope=self.scope,
            _started=functools.cache(
                functools.partial(
                    started_or_coded, self.project, self.scope.selection, self.scope.transcripts
                )
            ),
        )


def build_passages(evaluation: Evaluation, found: np.ndarray) -> list[Passage]:
    """Runs of consecutive matching segments, with their text, speakers, codes and coders."""
    import numpy as np

    seg = evaluation.seg
    rows = np.flatnonzero(found)
    if not rows.shape[0]:
        return []
    tid, ordinal = seg.transcript_id[rows], seg.ordinal[rows]
    new = np.concatenate(([True], (tid[1:] != tid[:-1]) | (ordinal[1:] != ordinal[:-1] + 1)))
    run = np.cumsum(new) - 1
    starts = np.flatnonzero(new)
    ends = np.concatenate((starts[1:], [rows.shape[0]])) - 1

    # The query's positive codes on the matching segments, by passage.
    positive = {
        c.id
        for leaf in grammar.positive_leaves(evaluation.tree)
        for c in evaluation.leaf_codes[id(leaf)]
    }
    run_of_seg = np.full(len(seg), -1, dtype=np.int64)
    run_of_seg[rows] = run
    cell_run = run_of_seg[evaluation.cell_seg]
    cod = evaluation.cod
    cell_code = cod.code_id[evaluation.cell_coding]
    keep = (cell_run >= 0) & np.isin(cell_code, np.array(sorted(positive), dtype=np.int64))
    codes_of: dict[int, set[int]] = {}
    coders_of: dict[int, set[int]] = {}
    for r, code_id, coder_id in zip(
        cell_run[keep].tolist(),
        cell_code[keep].tolist(),
        cod.coder_id[evaluation.cell_coding[keep]].tolist(),
    ):
        codes_of.setdefault(r, set()).add(code_id)
        coders_of.setdefault(r, set()).add(coder_id)

    project = evaluation.project
    code_order = {c.id: i for i, c in enumerate(evaluation.codes)}
    code_label = {c.id: c.label for c in evaluation.codes}
    coder_name = {c.id: c.name for c in project.coders()}
    transcripts = {t.id: t for t in evaluation.scope.transcripts}
    texts = aggregates.transcript_texts(project.db, sorted(set(tid[starts].tolist())))
    speaker = analysis_sql.speakers_of(project.db, seg.id[rows].tolist())
    seg_ids = seg.id[rows].tolist()
    out = []
    for r, (a, b) in enumerate(zip(starts.tolist(), ends.tolist())):
        t = transcripts[int(tid[a])]
        lo, hi = int(seg.start[rows[a]]), int(seg.end[rows[b]])
        voices = tuple(speaker.get(seg_ids[k]) for k in range(a, b + 1))
        out.append(
            Passage(
                transcript=t.name,
                attributes=dict(t.attributes),
                first_segment=int(ordinal[a]),
                last_segment=int(ordinal[b]),
                start=lo,
                end=hi,
                speakers=[v for v in dict.fromkeys(voices) if v],
                text=texts.get(t.id, "")[lo:hi],
                codes=[
                    code_label[c] for c in sorted(codes_of.get(r, ()), key=code_order.__getitem__)
                ],
                coders=sorted((coder_name[k] for k in coders_of.get(r, ())), key=str.casefold),
                _segment_speakers=voices,
            )
        )
    return out


def place(seg: SegmentArrays, cod: CodingArrays) -> tuple[np.ndarray, np.ndarray]:
    """Which segments each coding overlaps: parallel arrays (segment row, coding index).

    A coding overlaps a segment when it starts before the segment ends and
    ends after it starts; two binary searches over the sorted segment
    starts find the first and the last such segment of each coding.
    """
    import numpy as np

    empty = np.empty(0, dtype=np.int64)
    if not len(seg) or not len(cod):
        return empty, empty
    seg_start = (seg.transcript_id << _OFFSET_BITS) | seg.start
    seg_end = (seg.transcript_id << _OFFSET_BITS) | seg.end
    c_start = (cod.transcript_id << _OFFSET_BITS) | cod.start
    c_end = (cod.transcript_id << _OFFSET_BITS) | cod.end
    first = np.searchsorted(seg_start, c_start, side="right") - 1
    inside = (first >= 0) & (seg_end[np.maximum(first, 0)] > c_start)
    first = np.where(inside, first, first + 1)
    last = np.searchsorted(seg_start, c_end, side="left") - 1
    spans = np.maximum(last - first + 1, 0)
    which = np.repeat(np.arange(len(cod), dtype=np.int64), spans)
    step = np.arange(which.shape[0], dtype=np.int64) - np.repeat(np.cumsum(spans) - spans, spans)
    return np.repeat(first, spans) + step, which


def _last_at_or_before(mask: np.ndarray, idx: np.ndarray) -> np.ndarray:
    import numpy as np

    return np.maximum.accumulate(np.where(mask, idx, -1))


def _next_at_or_after(mask: np.ndarray, idx: np.ndarray, n: int) -> np.ndarray:
    import numpy as np

    return np.minimum.accumulate(np.where(mask, idx, n)[::-1])[::-1]


def describe(result: QueryResult) -> dict[str, Any]:
    """The headline figures of a result (for a one-line summary)."""
    return {
        "passages": len(result.passages),
        "segments": result.segments,
        "transcripts": result.transcripts_matched,
        "in_scope": result.transcripts_in_scope,
    }
