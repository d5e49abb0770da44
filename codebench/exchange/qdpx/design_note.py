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
    if not statuses and not assignments:
        return None
    body = {"schema": SCHEMA, "statuses": statuses, "assignments": assignments}
    return RefiNote(
        guid=refi_guid("codebench", "design note"),
        name=NOTE_NAME,
        text=json.dumps(body, ensure_ascii=False, sort_keys=True, indent=1),
    )


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
