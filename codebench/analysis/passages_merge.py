"""Pooled passages: several coders' passages of one code on the same talk made one.

:func:`codebench.reports.quotes.quotes` merges *one coder's* codings of a
code on overlapping or consecutive segments into a passage, and lists a
passage once when several coders coded it identically. Where coders' passages
only overlap (alice coded segments 69–71, bob 71–73), a pooled view would list
the same words twice while a coding query (:mod:`codebench.analysis.query`)
counts one passage: the run of consecutive segments anyone coded. Here the
passages of one code in one transcript that share or touch a segment become
one, running from the first one's start to the last one's end and naming every
coder, speaker and memo, so a cell's passages are what ``query`` counts.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from codebench.project import Project
    from codebench.reports.quotes import Quote


def merge_overlapping(project: Project, found: Sequence[Quote]) -> list[Quote]:
    """``found`` with each run of overlapping or consecutive passages of a code made one.

    The result keeps ``found``'s order (by each merged passage's first member);
    merging a list that is already merged changes nothing.
    """
    texts: dict[str, str] = {}
    rank = {id(q): i for i, q in enumerate(found)}
    merged: list[Quote] = []
    first_member: list[int] = []
    open_at: dict[tuple[str, int], int] = {}
    ordered = sorted(found, key=lambda q: (q.transcript, q.code.id, q.first_segment, q.start))
    for quote in ordered:
        key = (quote.transcript, quote.code.id)
        at = open_at.get(key)
        if at is None or not _joins(merged[at], quote):
            open_at[key] = len(merged)
            merged.append(quote)
            first_member.append(rank[id(quote)])
            continue
        kept = merged[at]
        start, end = min(kept.start, quote.start), max(kept.end, quote.end)
        if (start, end) == (kept.start, kept.end):
            text = kept.text
        else:
            if quote.transcript not in texts:
                texts[quote.transcript] = project.text(project.transcript(quote.transcript))
            text = texts[quote.transcript][start:end].strip()
        later = quote if quote.last_segment > kept.last_segment else kept
        speakers = [s for q in (kept, quote) for s in (q.speaker or "").split(", ") if s]
        merged[at] = replace(
            kept,
            start=start,
            end=end,
            text=text,
            last_segment=max(kept.last_segment, quote.last_segment),
            speaker=", ".join(dict.fromkeys(speakers)) or None,
            coders=sorted({*kept.coders, *quote.coders}, key=str.casefold),
            memos=list(dict.fromkeys([*kept.memos, *quote.memos])),
            after=later.after,
        )
        first_member[at] = min(first_member[at], rank[id(quote)])
    order = sorted(range(len(merged)), key=first_member.__getitem__)
    return [merged[i] for i in order]


def _joins(a: Quote, b: Quote) -> bool:
    """Whether ``b`` (starting no earlier than ``a``) shares or touches a segment of ``a``.

    Consecutive segments join, as a query's run of matching segments and one
    coder's passage do; a passage outside every segment joins by its characters.
    """
    if a.first_segment >= 0 and b.first_segment >= 0:
        return b.first_segment <= a.last_segment + 1
    return b.start <= a.end
