"""SQL for REFI-QDA import and export: bulk reads and writes the glue code needs.

:mod:`codebench.exchange.qdpx.project` and :mod:`codebench.exchange.qdpx.codebook`
map whole projects at once (hundreds of thousands of codings), so they read
and write in bulk here instead of row by row through :class:`Project`.
Every write runs inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite_utils

from codebench.ids import now
from codebench.models import Coder, Memo
from codebench.store import rows
from codebench.store.codebook_versions import CURRENT as CURRENT_VERSION


def coder_by_guid(db: sqlite_utils.Database, guid: str) -> Coder | None:
    found = list(db.query("SELECT * FROM coders WHERE guid = ?", [guid]))
    return rows.coder(found[0]) if found else None


def transcript_texts(db: sqlite_utils.Database) -> dict[int, str]:
    """``{transcript_id: text}`` for every transcript (one query)."""
    return {r[0]: r[1] for r in db.execute("SELECT id, text FROM transcripts")}


def export_codings(
    db: sqlite_utils.Database, coder_ids: Sequence[int] | None = None
) -> list[tuple[int, str, str, str, int, int, str]]:
    """Every coding as ``(id, coder_guid, code_guid, transcript_guid, start, end, created_at)``,
    ordered by transcript, span, coder and code (so equal spans of a coder are adjacent)."""
    where, params = "", list(coder_ids or [])
    if coder_ids is not None:
        marks = ", ".join("?" for _ in coder_ids)
        where = f"WHERE c.coder_id IN ({marks})" if coder_ids else "WHERE 0"
    sql = (
        "SELECT c.id, k.guid, d.guid, t.guid, c.start_char, c.end_char, c.created_at"
        " FROM codings AS c JOIN coders AS k ON k.id = c.coder_id JOIN codes AS d ON d.id = c.code_id"
        f" JOIN transcripts AS t ON t.id = c.transcript_id {where}"
    )
    found = db.execute(sql, params).fetchall()
    # Sorting here is several times faster than SQLite's ORDER BY on the GUID strings.
    found.sort(key=lambda r: (r[3], r[4], r[5], r[1], r[2]))
    return found


def coding_keys(db: sqlite_utils.Database, transcript_id: int) -> set[tuple[int, int, int, int]]:
    """``(coder_id, code_id, start, end)`` of every coding on one transcript."""
    return {
        (r[0], r[1], r[2], r[3])
        for r in db.execute(
            "SELECT coder_id, code_id, start_char, end_char FROM codings WHERE transcript_id = ?",
            [transcript_id],
        )
    }


def insert_codings(db: sqlite_utils.Database, values: Iterable[Sequence[Any]]) -> int:
    """Bulk insert ``(coder_id, code_id, transcript_id, start, end, created_at)``; existing ones are skipped.

    Returns how many rows were inserted. Rows without ``created_at`` get the
    time of this call (one clock reading for the batch, not one per row).
    """
    fallback = now()
    # The cursor's row count, not ``total_changes``: that also counts rows written by
    # triggers (a team copy's change counters).
    cursor = db.conn.executemany(
        "INSERT INTO codings (coder_id, code_id, transcript_id, start_char, end_char, created_at,"
        f" codebook_version) VALUES (?, ?, ?, ?, ?, coalesce(?, ?), {CURRENT_VERSION})"
        " ON CONFLICT DO NOTHING",
        ((*v[:6], fallback) for v in values),
    )
    return max(cursor.rowcount, 0)


def coding_id(
    db: sqlite_utils.Database, coder_id: int, code_id: int, transcript_id: int, start: int, end: int
) -> int | None:
    row = db.execute(
        "SELECT id FROM codings WHERE coder_id = ? AND code_id = ? AND transcript_id = ? AND start_char = ? AND end_char = ?",
        [coder_id, code_id, transcript_id, start, end],
    ).fetchone()
    return int(row[0]) if row else None


def segment_ids_by_span(
    db: sqlite_utils.Database, transcript_id: int
) -> dict[tuple[int, int], int]:
    """``{(start, end): segment_id}`` for one transcript."""
    return {
        (r[1], r[2]): r[0]
        for r in db.execute(
            "SELECT id, start_char, end_char FROM segments WHERE transcript_id = ?", [transcript_id]
        )
    }


def memo_by_guid(db: sqlite_utils.Database, guid: str) -> Memo | None:
    found = list(db.query(f"SELECT {rows.MEMO_COLUMNS} FROM memos WHERE guid = ?", [guid]))
    return rows.memo(found[0]) if found else None


def all_memos(db: sqlite_utils.Database) -> list[Memo]:
    return [rows.memo(r) for r in db.query(f"SELECT {rows.MEMO_COLUMNS} FROM memos ORDER BY guid")]


def segment_span(db: sqlite_utils.Database, segment_id: int) -> tuple[int, int, int] | None:
    """``(transcript_id, start, end)`` of a segment."""
    row = db.execute(
        "SELECT transcript_id, start_char, end_char FROM segments WHERE id = ?", [segment_id]
    ).fetchone()
    return (row[0], row[1], row[2]) if row else None
