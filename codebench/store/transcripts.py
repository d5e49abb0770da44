"""SQL for transcripts, their attributes and segments."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite_utils

from codebench.models import Segment, Transcript
from codebench.store import rows

#: SQLite's default limit on bound parameters per statement.
MAX_VARIABLES = 999


def attributes_of(
    db: sqlite_utils.Database, transcript_id: int | None = None
) -> dict[int, dict[str, str]]:
    sql = "SELECT transcript_id, key, value FROM attributes"
    params: list[Any] = []
    if transcript_id is not None:
        sql += " WHERE transcript_id = ?"
        params.append(transcript_id)
    out: dict[int, dict[str, str]] = {}
    for tid, key, value in db.execute(sql + " ORDER BY key", params):
        out.setdefault(tid, {})[key] = value
    return out


def list_transcripts(db: sqlite_utils.Database) -> list[Transcript]:
    attrs = attributes_of(db)
    return [
        rows.transcript(r, attrs.get(r["id"], {}))
        for r in db.query(
            "SELECT id, guid, name, sha256, source_name, source_format, language, unit, imported_at FROM transcripts ORDER BY name"
        )
    ]


def find_transcript(db: sqlite_utils.Database, column: str, value: Any) -> Transcript | None:
    assert column in {"id", "name", "sha256", "guid", "source_name"}
    found = list(
        db.query(
            f"SELECT id, guid, name, sha256, source_name, source_format, language, unit, imported_at FROM transcripts WHERE {column} = ?",
            [value],
        )
    )
    if not found:
        return None
    row = found[0]
    return rows.transcript(row, attributes_of(db, row["id"]).get(row["id"], {}))


def transcript_text(db: sqlite_utils.Database, transcript_id: int) -> str:
    row = db.execute("SELECT text FROM transcripts WHERE id = ?", [transcript_id]).fetchone()
    return row[0] if row else ""


def insert_transcript(db: sqlite_utils.Database, values: dict[str, Any]) -> int:
    columns = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    cursor = db.execute(
        f"INSERT INTO transcripts ({columns}) VALUES ({marks})", list(values.values())
    )
    return int(cursor.lastrowid or 0)


def insert_segments(
    db: sqlite_utils.Database,
    transcript_id: int,
    segments: Iterable[Sequence[Any]],
    text: str | None = None,
) -> None:
    """Bulk insert ``(ordinal, start, end, speaker, codable, turn, paragraph, timestamp)`` tuples.

    The new segments go into the full-text index too (``text``, the
    transcript's, is read if not given).
    """
    from codebench.store.analysis import index_transcript

    db.conn.executemany(
        "INSERT INTO segments (transcript_id, ordinal, start_char, end_char, speaker, codable, turn, paragraph, timestamp)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ((transcript_id, *s) for s in segments),
    )
    index_transcript(db, transcript_id, text)


def set_attributes(db: sqlite_utils.Database, transcript_id: int, values: dict[str, str]) -> None:
    db.conn.executemany(
        "INSERT INTO attributes (transcript_id, key, value) VALUES (?, ?, ?)"
        " ON CONFLICT (transcript_id, key) DO UPDATE SET value = excluded.value",
        [(transcript_id, k, v) for k, v in values.items()],
    )


def list_segments(
    db: sqlite_utils.Database, transcript_id: int, *, with_text: bool = True
) -> list[Segment]:
    text = transcript_text(db, transcript_id) if with_text else ""
    return segments_in(db, transcript_id, text)


def segments_in(db: sqlite_utils.Database, transcript_id: int, text: str) -> list[Segment]:
    """The transcript's segments in order, their text cut from ``text`` (the transcript's, or "")."""
    found = db.execute(
        f"SELECT {rows.SEGMENT_COLUMNS} FROM segments WHERE transcript_id = ? ORDER BY ordinal",
        [transcript_id],
    )
    return [rows.segment(r, text) for r in found]


def segment_counts(db: sqlite_utils.Database) -> dict[int, tuple[int, int]]:
    """``{transcript_id: (segments, codable segments)}``."""
    return {
        r[0]: (r[1], r[2])
        for r in db.execute(
            "SELECT transcript_id, count(*), sum(codable) FROM segments GROUP BY transcript_id"
        )
    }


def segment_ordinal(db: sqlite_utils.Database, segment_id: int) -> int | None:
    row = db.execute("SELECT ordinal FROM segments WHERE id = ?", [segment_id]).fetchone()
    return int(row[0]) if row else None


def coding_counts_by_coder(db: sqlite_utils.Database, transcript_id: int) -> dict[str, int]:
    """``{coder name: codings}`` on the transcript, for every coder who has coded it."""
    return {
        name: int(n)
        for name, n in db.execute(
            "SELECT k.name, count(*) FROM codings c JOIN coders k ON k.id = c.coder_id"
            " WHERE c.transcript_id = ? GROUP BY k.name ORDER BY k.name",
            [transcript_id],
        )
    }


def delete_transcript(db: sqlite_utils.Database, transcript_id: int) -> dict[str, int]:
    """Delete a transcript and every row that hangs off it; returns rows deleted per table.

    Call inside the caller's transaction. The dependents are deleted here
    rather than left to ``ON DELETE CASCADE``, so the result does not depend
    on whether this connection enforces foreign keys. Events keep their
    place in the append-only log with ``transcript_id`` set to NULL.
    """
    where_memo = (
        "transcript_id = :t OR coding_id IN (SELECT id FROM codings WHERE transcript_id = :t)"
        " OR segment_id IN (SELECT id FROM segments WHERE transcript_id = :t)"
    )
    statements = {
        "memos": f"DELETE FROM memos WHERE {where_memo}",
        "coding_reviews": "DELETE FROM coding_reviews WHERE coding_id IN"
        " (SELECT id FROM codings WHERE transcript_id = :t)",
        "codings": "DELETE FROM codings WHERE transcript_id = :t",
        "coder_status": "DELETE FROM coder_status WHERE transcript_id = :t",
        "assignments": "DELETE FROM assignments WHERE transcript_id = :t",
        "attributes": "DELETE FROM attributes WHERE transcript_id = :t",
        "speaker_attributes": "DELETE FROM speaker_attributes WHERE transcript_id = :t",
        "framework_cells": "DELETE FROM framework_cells WHERE transcript_id = :t",
        "segments": "DELETE FROM segments WHERE transcript_id = :t",
        "transcript_versions": "DELETE FROM transcript_versions WHERE transcript_id = :t",
        "transcripts": "DELETE FROM transcripts WHERE id = :t",
    }
    deleted: dict[str, int] = {}
    db.conn.execute(
        "UPDATE events SET transcript_id = NULL WHERE transcript_id = ?", [transcript_id]
    )
    for table, sql in statements.items():
        deleted[table] = db.conn.execute(sql, {"t": transcript_id}).rowcount
    return deleted


def segment_id_at(db: sqlite_utils.Database, transcript_id: int, ordinal: int) -> int | None:
    """The id of a transcript's segment by ordinal (``None`` if there is none)."""
    row = db.execute(
        "SELECT id FROM segments WHERE transcript_id = ? AND ordinal = ?", [transcript_id, ordinal]
    ).fetchone()
    return int(row[0]) if row else None
