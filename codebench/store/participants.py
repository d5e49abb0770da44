"""Participants and their attributes; the framework matrix's summaries; code relations."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite_utils


def participants(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every speaker of every transcript: ``transcript_id``, ``speaker``, ``segments``, ``codable``.

    In transcript id order, then by the speaker's first segment.
    """
    return [
        {"transcript_id": r[0], "speaker": r[1], "segments": r[2], "codable": r[3]}
        for r in db.execute(
            "SELECT transcript_id, speaker, count(*), sum(codable), min(ordinal) AS first"
            " FROM segments WHERE speaker IS NOT NULL AND speaker != ''"
            " GROUP BY transcript_id, speaker ORDER BY transcript_id, first"
        )
    ]


def speaker_attributes(db: sqlite_utils.Database) -> dict[tuple[int, str], dict[str, str]]:
    """``{(transcript id, speaker): {key: value}}`` for every participant with attributes."""
    out: dict[tuple[int, str], dict[str, str]] = {}
    for tid, speaker, key, value in db.execute(
        "SELECT transcript_id, speaker, key, value FROM speaker_attributes"
        " ORDER BY transcript_id, speaker, key"
    ):
        out.setdefault((tid, speaker), {})[key] = value
    return out


def set_speaker_attributes(
    db: sqlite_utils.Database, rows: Sequence[tuple[int, str, str, str]]
) -> int:
    """Upsert ``(transcript id, speaker, key, value)`` rows; an empty value removes the key.

    Call inside the caller's transaction. Returns the rows written or removed.
    """
    changed = 0
    for tid, speaker, key, value in rows:
        if value == "":
            cursor = db.conn.execute(
                "DELETE FROM speaker_attributes WHERE transcript_id = ? AND speaker = ? AND key = ?",
                [tid, speaker, key],
            )
        else:
            cursor = db.conn.execute(
                "INSERT INTO speaker_attributes (transcript_id, speaker, key, value)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (transcript_id, speaker, key)"
                " DO UPDATE SET value = excluded.value",
                [tid, speaker, key, value],
            )
        changed += cursor.rowcount
    return changed


def segments_of_participants(
    db: sqlite_utils.Database, pairs: Sequence[tuple[int, str]]
) -> list[int]:
    """Ids of the segments spoken by the participants ``(transcript id, speaker)``."""
    if not pairs:
        return []
    return [
        r[0]
        for r in db.execute(
            "SELECT s.id FROM segments s JOIN json_each(?) j"
            " ON s.transcript_id = json_extract(j.value, '$[0]')"
            " AND s.speaker = json_extract(j.value, '$[1]')",
            [json.dumps([[int(t), s] for t, s in pairs])],
        )
    ]


# ---------------------------------------------------------------------- framework matrix
def framework_cells(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every written framework cell: transcript id, speaker (``''``: the transcript), code id, summary."""
    return [
        {
            "transcript_id": r[0],
            "speaker": r[1],
            "code_id": r[2],
            "summary": r[3],
            "updated_by": r[4],
            "updated_at": r[5],
        }
        for r in db.execute(
            "SELECT f.transcript_id, f.speaker, f.code_id, f.summary, c.name, f.updated_at"
            " FROM framework_cells f LEFT JOIN coders c ON c.id = f.updated_by ORDER BY f.id"
        )
    ]


def framework_summary(
    db: sqlite_utils.Database, transcript_id: int, speaker: str, code_id: int
) -> str | None:
    row = db.execute(
        "SELECT summary FROM framework_cells WHERE transcript_id = ? AND speaker = ? AND code_id = ?",
        [transcript_id, speaker, code_id],
    ).fetchone()
    return None if row is None else str(row[0])


def set_framework_summary(
    db: sqlite_utils.Database,
    transcript_id: int,
    speaker: str,
    code_id: int,
    summary: str,
    coder_id: int | None,
    at: str,
) -> None:
    """Write (or, with an empty summary, clear) one cell; call inside the caller's transaction."""
    if not summary:
        db.conn.execute(
            "DELETE FROM framework_cells WHERE transcript_id = ? AND speaker = ? AND code_id = ?",
            [transcript_id, speaker, code_id],
        )
        return
    db.conn.execute(
        "INSERT INTO framework_cells (transcript_id, speaker, code_id, summary, updated_by, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (transcript_id, speaker, code_id)"
        " DO UPDATE SET summary = excluded.summary, updated_by = excluded.updated_by,"
        " updated_at = excluded.updated_at",
        [transcript_id, speaker, code_id, summary, coder_id, at],
    )


# ---------------------------------------------------------------------- code relations
def code_relations(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every relation: ``id``, ``from_code``, ``to_code``, ``kind``, ``note``, ``created_by``, ``created_at``."""
    return [
        {
            "id": r[0],
            "from_code": r[1],
            "to_code": r[2],
            "kind": r[3],
            "note": r[4],
            "created_by": r[5],
            "created_at": r[6],
        }
        for r in db.execute(
            "SELECT r.id, r.from_code, r.to_code, r.kind, r.note, c.name, r.created_at"
            " FROM code_relations r LEFT JOIN coders c ON c.id = r.created_by ORDER BY r.id"
        )
    ]


def add_code_relation(
    db: sqlite_utils.Database,
    from_code: int,
    to_code: int,
    kind: str,
    note: str,
    coder_id: int | None,
    at: str,
) -> int | None:
    """Insert a relation (``None`` if that exact one exists); call inside the caller's transaction."""
    cursor = db.conn.execute(
        "INSERT INTO code_relations (from_code, to_code, kind, note, created_by, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (from_code, to_code, kind) DO NOTHING",
        [from_code, to_code, kind, note, coder_id, at],
    )
    return cursor.lastrowid if cursor.rowcount else None


def remove_code_relation(db: sqlite_utils.Database, from_code: int, to_code: int, kind: str) -> int:
    """Delete a relation; returns the rows removed (0 or 1). Inside the caller's transaction."""
    return int(
        db.conn.execute(
            "DELETE FROM code_relations WHERE from_code = ? AND to_code = ? AND kind = ?",
            [from_code, to_code, kind],
        ).rowcount
    )
