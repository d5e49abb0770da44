"""Coder statuses and assignments through REFI-QDA, as one project note (a codebench extension).

QDA-XML has no element for "this coder has finished this transcript" or
"this transcript was given to this coder", and agreement needs both: without
the done statuses an imported project's agreement is undefined everywhere.
The schema allows notes on the project as a whole (``Project/NoteRef``), so
an export adds one note named :data:`NOTE_NAME` whose plain text is a small
JSON document (:data:`SCHEMA`) listing each status and assignment by the
user's and the source's GUIDs. Other programs show it as a project memo; a
codebench import recognises it by its name and schema, applies it, and does
not import it as a memo. See docs/interchange.md.

Its ``study`` member carries what QDA-XML has no place for either: speakers'
attributes (a REFI case groups whole sources, not one speaker's turns),
reliability samples and rounds, framework summaries, code relations (typed
and directed, with a note; a ``<Link>`` holds neither), saved queries and
codings flagged for review, as the records of
:mod:`codebench.exchange.study_records` (the JSONL dump's), keyed by the
users', codes' and sources' GUIDs. A note without it (an older export) is
read as before.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from codebench.store import assignments as assignment_sql
from codebench.store import coders as coder_sql

if TYPE_CHECKING:
    import sqlite_utils

    from codebench.exchange.refi import RefiNote

NOTE_NAME = "codebench: coder statuses and assignments"
SCHEMA = "codebench.design/1"
STATUSES = ("in-progress", "done")


def design_note(
    db: sqlite_utils.Database, coder_guids: dict[int, str], transcript_guids: dict[int, str]
) -> RefiNote | None:
    """The note for the coders in ``coder_guids`` (id -> GUID), or ``None`` when there is nothing to carry."""
    from codebench.exchange.refi import RefiNote, refi_guid

    statuses = [
        {"user": coder_guids[k], "source": transcript_guids[t], "status": s}
        for (k, t), s in sorted(coder_sql.statuses(db).items())
        if s in STATUSES and k in coder_guids and t in transcript_guids
    ]
    grouped: dict[tuple[int, int], list[list[int]] | None] = {}
    for k, t, first, last, _by, _at in assignment_sql.assignment_rows(db, list(coder_guids)):
        if t not in transcript_guids:
            continue
        if first is None or last is None:
            grouped[(k, t)] = None
        elif grouped.get((k, t), []) is not None:
            grouped.setdefault((k, t), []).append([first, last])  # type: ignore[union-attr]
    assignments = [
        {"user": coder_guids[k], "source": transcript_guids[t], "segments": ranges}
        for (k, t), ranges in sorted(grouped.items())
    ]
    study = _study(db, set(coder_guids.values()), set(transcript_guids.values()))
    if not statuses and not assignments and not study:
        return None
    body: dict[str, Any] = {"schema": SCHEMA, "statuses": statuses, "assignments": assignments}
    if study:
        body["study"] = study
    return RefiNote(
        guid=refi_guid("codebench", "design note"),
        name=NOTE_NAME,
        text=json.dumps(body, ensure_ascii=False, sort_keys=True, indent=1),
    )


#: Record fields naming a coder (a record naming a coder left out of the export is left out).
_CODER_FIELDS = (
    "coder",
    "assigned_by",
    "drawn_by",
    "opened_by",
    "closed_by",
    "updated_by",
    "created_by",
)


def _study(
    db: sqlite_utils.Database, users: set[str], sources: set[str]
) -> dict[str, list[dict[str, Any]]]:
    """The study records for the exported users and sources (assignments ride in their own list)."""
    from codebench.exchange.study_records import export_records

    out = {}
    for kind, records in export_records(db).items():
        if kind == "assignment":
            continue
        kept = [
            r
            for r in records
            if all(r.get(f) is None or r[f] in users for f in _CODER_FIELDS if f in r)
            and all(g in users for g in r.get("coders", []))
            and ("transcript" not in r or r["transcript"] in sources)
        ]
        if kept:
            out[kind] = kept
    return out


def parse_design_note(note: RefiNote) -> dict[str, Any] | None:
    """The note's document if it is a codebench design note, else ``None`` (an ordinary memo)."""
    if note.name != NOTE_NAME:
        return None
    try:
        body = json.loads(note.text)
    except ValueError:
        return None
    if not isinstance(body, dict) or body.get("schema") != SCHEMA:
        return None
    return body
