"""The anonymisation log: every replacement the key makes, where, by which label, decided by whom, when.

Archives ask for it beside a pseudonymised deposit, kept apart from the
data. It is computed from the project and the key (nothing is stored), so
it always describes what an export made now would contain: one row per
replacement, in transcript and text order, with the kind of information
(speaker, organisation, place, …), the transcript, the segment and the
character span in the original text, the label, and the decision's author
and date from the key. Memos and attribute values are pseudonymised at
output too, so their replacements are logged as well, each saying which
memo or attribute (``source``; ``text`` for the transcript's own), with
offsets into that memo's or value's text. The real strings are left out
unless asked for (the log then is as sensitive as the key itself); without
them, transcript, memo and attribute names are pseudonymised as in every
export, so the log passes the leak check.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from codebench.pseudonyms.apply import Pseudonymiser
from codebench.pseudonyms.key import Entry, Key

if TYPE_CHECKING:
    from codebench.project import Project
    from codebench.reports.tables import Table


@dataclass(frozen=True)
class LogRow:
    transcript: str
    segment: int | None
    start: int
    end: int
    kind: str
    label: str
    decided_by: str
    decided_at: str
    scope: str
    original: str | None = None
    #: ``text`` (the transcript's), or which memo or attribute value the span is in.
    source: str = "text"


def entries_by_form(key: Key, transcript: str | None) -> dict[str, Entry]:
    """Each form → the entry that decides it in ``transcript`` (as :meth:`Key.mapping` chooses)."""
    out: dict[str, Entry] = {}
    for entry in key.entries:
        if not entry.transcripts:
            for form in entry.forms():
                out.setdefault(form, entry)
    if transcript is not None:
        for entry in key.entries:
            if transcript in entry.transcripts:
                for form in entry.forms():
                    out[form] = entry
    return out


def anonymisation_log(project: Project, key: Key, *, originals: bool = False) -> list[LogRow]:
    """The log rows for every transcript of ``project`` under ``key``, then for its memos
    and attribute values (see the module docstring)."""
    pseudonymiser = Pseudonymiser(key, project.text)
    rows = _transcript_rows(project, key, pseudonymiser, originals)
    rows.extend(_written_rows(project, key, pseudonymiser, originals))
    return rows


def _transcript_rows(
    project: Project, key: Key, pseudonymiser: Pseudonymiser, originals: bool
) -> list[LogRow]:
    shown = _names(pseudonymiser, originals)
    rows: list[LogRow] = []
    for transcript in project.transcripts():
        mapped = pseudonymiser.transcript_map(transcript.name, project.text(transcript))
        if not mapped.replacements:
            continue
        deciding = entries_by_form(key, transcript.name)
        segments = project.segments(transcript)
        starts = [s.start for s in segments]
        for r in mapped.replacements:
            entry = deciding[r.real]
            at = bisect.bisect_right(starts, r.start) - 1
            segment = segments[at].ordinal if at >= 0 and r.start < segments[at].end else None
            rows.append(
                LogRow(
                    transcript=shown(transcript.name, transcript.name),
                    segment=segment,
                    start=r.start,
                    end=r.end,
                    kind=entry.kind,
                    label=r.label,
                    decided_by=_decided_by(entry),
                    decided_at=entry.decided_at or "",
                    scope="this transcript" if entry.transcripts else "project",
                    original=r.real if originals else None,
                )
            )
    return rows


def _written_rows(
    project: Project, key: Key, pseudonymiser: Pseudonymiser, originals: bool
) -> list[LogRow]:
    """Replacements in memos and attribute values (the texts detection reads besides)."""
    from codebench.pseudonyms.detect import written_documents

    shown = _names(pseudonymiser, originals)
    rows: list[LogRow] = []
    for doc in written_documents(project):
        mapped = pseudonymiser.map_text(doc.text, doc.name or None)
        if not mapped.replacements:
            continue
        deciding = entries_by_form(key, doc.name or None)
        for r in mapped.replacements:
            entry = deciding[r.real]
            rows.append(
                LogRow(
                    transcript=shown(doc.name, doc.name or None),
                    segment=None,
                    start=r.start,
                    end=r.end,
                    kind=entry.kind,
                    label=r.label,
                    decided_by=_decided_by(entry),
                    decided_at=entry.decided_at or "",
                    scope="this transcript" if entry.transcripts else "project",
                    original=r.real if originals else None,
                    source=shown(doc.source, doc.name or None),
                )
            )
    return rows


def _names(pseudonymiser: Pseudonymiser, originals: bool) -> Callable[[str, str | None], str]:
    """How the log shows a transcript's (or memo's, or attribute's) name: pseudonymised as every
    export shows it (``01-riverside-ceo`` names an organisation), unless originals are asked for."""
    if originals:
        return lambda name, _transcript: name
    return pseudonymiser.text


def _decided_by(entry: Entry) -> str:
    """Who decided: nobody yet for detection's proposals, and the log says so."""
    if entry.proposed:
        return "nobody (proposed, not reviewed)"
    return entry.decided_by or ""


def log_table(rows: list[LogRow], *, originals: bool = False) -> Table:
    """The log as a report :class:`~codebench.reports.tables.Table` (every table format then works)."""
    from codebench.reports.tables import Column, Table

    columns = [
        Column("transcript", "Transcript"),
        Column("source", "In"),
        Column("segment", "Segment", "int"),
        Column("start", "Start", "int"),
        Column("end", "End", "int"),
        Column("kind", "Information replaced"),
        Column("label", "Replaced by"),
        Column("scope", "Applies to"),
        Column("decided_by", "Decided by"),
        Column("decided_at", "Decided at"),
    ]
    if originals:
        columns.insert(6, Column("original", "Original"))
    return Table(
        name="anonymisation_log",
        title="Anonymisation log",
        columns=columns,
        rows=[row.__dict__ for row in rows],
        notes=[
            "Spans are character offsets in the original (unedited) transcript, which the team "
            "keeps, or in the memo or attribute value named under In.",
            "Keep this log apart from the pseudonymised data.",
        ],
    )
