"""Query and search results as the reports' :class:`~codebench.reports.tables.Table`.

Every output format then comes from the reports' writers
(:func:`codebench.reports.writers.render_tables`), with their cell
handling: formula-safe spreadsheet cells, escaped Markdown and HTML,
XML-safe Word and Excel text. Counts (``--count-by``) are one more table:

- ``transcript``: every transcript in scope, with its passages (hits) and segments;
- ``attribute:KEY``: every value of ``KEY`` among the transcripts in scope
  (``(none)`` for those without it), with the group's size ``n``. A query's
  n follows the reports' rule (:data:`~codebench.reports.scope.GROUP_N_RULE`:
  the transcripts the coders in scope started or coded), so its groups are
  the by-attribute table's; a search reads text, coded or not, so its n is
  every transcript in scope. The rule is in the column's name and the notes;
- ``speaker``: each speaker (a name within one transcript) with a passage or
  hit; a passage with two speakers counts once for each, its segments by who speaks them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from codebench.analysis.scope import ScopeError, choices
from codebench.reports.by_attribute import NOT_SET
from codebench.reports.scope import GROUP_N_RULE
from codebench.reports.tables import Column, Table
from codebench.wording import plural

if TYPE_CHECKING:
    from codebench.analysis.autocode import AutocodeBatch
    from codebench.analysis.query import QueryResult
    from codebench.analysis.search import Hit, SearchResult
    from codebench.models import Transcript

COUNT_BY = ("transcript", "speaker", "attribute:KEY")
#: Shown for a transcript without the attribute counted by: the reports' word for it, so a
#: query's counts and a by-attribute table name the same group the same way.
NONE = NOT_SET
#: Shown for a segment without a speaker.
NO_SPEAKER = "(no speaker)"


@dataclass(frozen=True)
class Counted:
    """One passage or hit as counting sees it: where, and who speaks each of its segments."""

    transcript: str
    voices: tuple[str | None, ...]


def passages_table(result: QueryResult) -> Table:
    """One row per passage: where, who, which codes and coders, and the text."""
    rows = [
        {
            "transcript": p.transcript,
            "segments": str(p.first_segment)
            if p.segments == 1
            else f"{p.first_segment}\u2013{p.last_segment}",
            "speaker": ", ".join(p.speakers),
            "codes": "; ".join(p.codes),
            "coders": ", ".join(p.coders),
            "text": p.text,
        }
        for p in result.passages
    ]
    return Table(
        name="passages",
        title=f"Query: {result.expression}",
        columns=[
            Column("transcript", "Transcript"),
            Column("segments", "Segments"),
            Column("speaker", "Speaker"),
            Column("codes", "Codes"),
            Column("coders", "Coders"),
            Column("text", "Text"),
        ],
        rows=rows,
        keys=2,
        notes=result.notes,
    )


def query_counts(result: QueryResult, by: str) -> Table:
    """``result`` counted by transcript, attribute value or speaker (see the module docstring)."""
    scope = result._scope
    transcripts = scope.transcripts if scope is not None else []
    items = [Counted(p.transcript, p._segment_speakers) for p in result.passages]
    grouped = (
        GroupRule(result._started(), GROUP_N_RULE, "started or coded")
        if scope is not None and by.startswith("attribute:")
        else None
    )
    return count_table(
        items,
        transcripts,
        by,
        what="passages",
        title=f"Query: {result.expression}",
        grouped=grouped,
    )


def search_counts(result: SearchResult, by: str) -> Table:
    items = [Counted(h.transcript, (h.speaker,)) for h in result.hits]
    return count_table(
        items, result.scope.transcripts, by, what="hits", title=f"Search: {result.pattern}"
    )


@dataclass(frozen=True)
class GroupRule:
    """Which transcripts make a group's n, and the rule in words (``short``: the column's)."""

    transcripts: Sequence[Transcript]
    rule: str
    short: str


#: A search's rule: text is read whether anyone has coded it or not.
EVERY_TRANSCRIPT = "coded or not (a search reads the text)"


def count_table(
    items: Sequence[Counted],
    transcripts: Sequence[Transcript],
    by: str,
    *,
    what: str,
    title: str,
    grouped: GroupRule | None = None,
) -> Table:
    """Items (passages or hits) and their segments, per transcript, attribute value or speaker.

    ``grouped`` says which transcripts make a group's n (default: every one
    in scope, :data:`EVERY_TRANSCRIPT`).
    """
    what_label = what.capitalize()
    notes = [
        f"{plural(len(items), what[:-1])} in {plural(len(transcripts), 'transcript')} in scope."
    ]
    if by == "transcript":
        per: dict[str, list[int]] = {t.name: [0, 0] for t in transcripts}
        for item in items:
            cell = per.setdefault(item.transcript, [0, 0])
            cell[0] += 1
            cell[1] += len(item.voices)
        rows = [{"transcript": k, what: v[0], "segments": v[1]} for k, v in per.items()]
        columns = [Column("transcript", "Transcript")]
        keys = 1
    elif by == "speaker":
        counts: dict[tuple[str, str], list[int]] = {}
        for item in items:
            for voice in dict.fromkeys(v or NO_SPEAKER for v in item.voices):
                counts.setdefault((item.transcript, voice), [0, 0])[0] += 1
            for v in item.voices:
                counts[(item.transcript, v or NO_SPEAKER)][1] += 1
        order = {t.name: i for i, t in enumerate(transcripts)}
        rows = [
            {"transcript": t, "speaker": s, what: v[0], "segments": v[1]}
            for (t, s), v in sorted(
                counts.items(), key=lambda kv: (order.get(kv[0][0], 0), kv[0][1])
            )
        ]
        columns = [Column("transcript", "Transcript"), Column("speaker", "Speaker")]
        keys = 2
    elif by.startswith("attribute:"):
        key = attribute_key(by.partition(":")[2], transcripts)
        value_of = {t.name: t.attributes.get(key, NONE) for t in transcripts}
        rule = grouped or GroupRule(transcripts, EVERY_TRANSCRIPT, "all in scope")
        groups: dict[str, list[int]] = {}
        for t in sorted(
            rule.transcripts,
            key=lambda t: (t.attributes.get(key) is None, t.attributes.get(key, "")),
        ):
            groups.setdefault(value_of[t.name], [0, 0, 0, 0])[0] += 1
        hit: dict[str, set[str]] = {}
        for item in items:
            value = value_of.get(item.transcript, NONE)
            cell = groups.setdefault(value, [0, 0, 0, 0])
            cell[2] += 1
            cell[3] += len(item.voices)
            hit.setdefault(value, set()).add(item.transcript)
        rows = [
            {"value": k, "n": v[0], "with": len(hit.get(k, ())), what: v[2], "segments": v[3]}
            for k, v in groups.items()
        ]
        columns = [
            Column("value", key),
            Column("n", f"n ({rule.short})", "int"),
            Column("with", f"Transcripts with {what}", "int"),
        ]
        keys = 1
        notes.append(
            f"A group's n: the transcripts in scope with that {key}, {rule.rule}"
            + (" (as the reports count a group)." if rule.rule == GROUP_N_RULE else ".")
        )
    else:
        raise ScopeError(f"--count-by {by!r}: use {', '.join(COUNT_BY)}")
    return Table(
        name="counts",
        title=f"{title}, by {by}",
        columns=[*columns, Column(what, what_label, "int"), Column("segments", "Segments", "int")],
        rows=rows,
        keys=keys,
        notes=notes,
    )


def behind_count(result: QueryResult | SearchResult, by: str, row: dict[str, Any]) -> list[int]:
    """Indexes (into ``result.passages`` or ``result.hits``) of the items one count row counts.

    ``row`` is a row of :func:`query_counts` / :func:`search_counts` with the
    same ``by``; an item is behind it exactly when :func:`count_table` counted
    it there, so every count opens the passages that make it.
    """
    transcripts = result._scope.transcripts if result._scope is not None else []
    if result.kind == "search":
        items = [Counted(h.transcript, (h.speaker,)) for h in result.hits]  # type: ignore[union-attr]
    else:
        items = [Counted(p.transcript, p._segment_speakers) for p in result.passages]  # type: ignore[union-attr]
    if by == "transcript":
        return [i for i, item in enumerate(items) if item.transcript == row.get("transcript")]
    if by == "speaker":
        return [
            i
            for i, item in enumerate(items)
            if item.transcript == row.get("transcript")
            and row.get("speaker") in {v or NO_SPEAKER for v in item.voices}
        ]
    if by.startswith("attribute:"):
        key = attribute_key(by.partition(":")[2], transcripts)
        value_of = {t.name: t.attributes.get(key, NONE) for t in transcripts}
        return [
            i
            for i, item in enumerate(items)
            if value_of.get(item.transcript, NONE) == row.get("value")
        ]
    raise ScopeError(f"--count-by {by!r}: use {', '.join(COUNT_BY)}")


def check_count_by(by: str, transcripts: Sequence[Transcript]) -> None:
    """Refuse a ``--count-by`` that names no grouping (before any work is done)."""
    if by in ("transcript", "speaker"):
        return
    if by.startswith("attribute:"):
        attribute_key(by.partition(":")[2], transcripts)
        return
    raise ScopeError(f"--count-by {by!r}: use {', '.join(COUNT_BY)}")


def attribute_key(typed: str, transcripts: Sequence[Transcript]) -> str:
    """The attribute ``typed`` names (any case), or a one-line error naming the attributes."""
    keys = sorted({k for t in transcripts for k in t.attributes})
    for key in keys:
        if key.casefold() == typed.strip().casefold():
            return key
    raise ScopeError(
        f"--count-by attribute:{typed}: no attribute {typed!r} (attributes: {choices(keys)})"
    )


def kwic_table(result: SearchResult) -> Table:
    """Keyword in context: one row per hit, left context | hit | right context."""
    rows = [
        {
            "transcript": h.transcript,
            "segment": h.ordinal,
            "speaker": h.speaker or "",
            "left": h.left,
            "hit": h.text,
            "right": h.right,
        }
        for h in result.hits
    ]
    return Table(
        name="hits",
        title=f"Search: {result.pattern}",
        columns=[
            Column("transcript", "Transcript"),
            Column("segment", "Segment", "int"),
            Column("speaker", "Speaker"),
            Column("left", "Left context"),
            Column("hit", "Hit"),
            Column("right", "Right context"),
        ],
        rows=rows,
        keys=2,
        notes=result.notes,
    )


def as_json(value: Any) -> Any:
    """A result as JSON-ready data (dataclass fields; private ones left out)."""
    from codebench.reports.writers import jsonable

    return jsonable(value)


def kwic_lines(
    result: SearchResult,
    width: int,
    hits: list[Hit] | None = None,
    place_width: int | None = None,
) -> list[tuple[str, str, str, str]]:
    """Aligned keyword-in-context lines: (where, left context, hit, right context).

    The left context is cut and padded from the left to ``width`` characters,
    so every hit starts in the same column; the right context is cut to ``width``.
    ``hits`` (default: all of them) may be a page of them. With ``place_width``
    each place fits in that many characters (see :func:`kwic_place`).
    """
    rows = []
    shown = result.hits if hits is None else hits
    places = [kwic_place(h.transcript, h.ordinal, h.speaker, place_width) for h in shown]
    size = max((len(p) for p in places), default=0)
    for place, h in zip(places, shown):
        rows.append(
            (
                place.ljust(size),
                h.left[-width:].rjust(width) if width else "",
                h.text,
                h.right[:width],
            )
        )
    return rows


def kwic_place(transcript: str, ordinal: int, speaker: str | None, width: int | None = None) -> str:
    """``"int1:14 Ann"``, in ``width`` characters when given: never losing the segment number.

    A place cut at its end told segments 13, 14, 120 and 152 apart by nothing
    ("int1:1…"); here the speaker gives way first, then the transcript's name
    is ellipsised (as the workbench's search list does), and ``:14`` stays.
    """
    segment = f":{ordinal}"
    full = f"{transcript}{segment}" + (f" {speaker}" if speaker else "")
    if width is None or len(full) <= width:
        return full
    core = f"{transcript}{segment}"
    if speaker and len(core) + 3 <= width:  # room for the speaker's initial and "…"
        return f"{core} {speaker[: width - len(core) - 2]}…"
    if len(core) <= width:
        return core
    keep = max(0, width - len(segment) - 1)
    return f"{transcript[:keep]}…{segment}"


def autocode_table(batch: AutocodeBatch, rejected: set[int] | None = None) -> Table:
    """The preview of an auto-coding batch: numbered passages (rejected ones marked)."""
    rejected = rejected or set()
    return Table(
        name="autocode",
        title=f"Code {batch.code}: {batch.source} {batch.pattern}",
        columns=[
            Column("number", "#", "int"),
            Column("transcript", "Transcript"),
            Column("segments", "Segments"),
            Column("hits", "Hits" if batch.source == "search" else "Segments (n)", "int"),
            Column("text", "Text"),
            Column("decision", "Decision"),
        ],
        rows=[
            {
                "number": p.number,
                "transcript": p.transcript,
                "segments": str(p.first_segment)
                if p.first_segment == p.last_segment
                else f"{p.first_segment}\u2013{p.last_segment}",
                "hits": p.hits,
                "text": p.text,
                "decision": "reject" if p.number in rejected else "code",
            }
            for p in batch.proposals
        ],
        notes=batch.notes,
    )
