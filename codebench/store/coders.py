"""SQL for coders and their per-transcript status."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils

from codebench.ids import now
from codebench.models import Coder
from codebench.store import rows


def list_coders(db: sqlite_utils.Database) -> list[Coder]:
    return [rows.coder(r) for r in db.query("SELECT * FROM coders ORDER BY kind DESC, name")]


def coder_by_name(db: sqlite_utils.Database, name: str) -> Coder | None:
    found = list(db.query("SELECT * FROM coders WHERE name = ? COLLATE NOCASE", [name]))
    return rows.coder(found[0]) if found else None


def coder_by_id(db: sqlite_utils.Database, coder_id: int) -> Coder | None:
    found = list(db.query("SELECT * FROM coders WHERE id = ?", [coder_id]))
    return rows.coder(found[0]) if found else None


def insert_coder(db: sqlite_utils.Database, name: str, kind: str, guid: str) -> int:
    cursor = db.execute(
        "INSERT INTO coders (guid, name, kind, created_at) VALUES (?, ?, ?, ?)",
        [guid, name, kind, now()],
    )
    return int(cursor.lastrowid or 0)


def get_status(db: sqlite_utils.Database, coder_id: int, transcript_id: int) -> str:
    row = db.execute(
        "SELECT status FROM coder_status WHERE coder_id = ? AND transcript_id = ?",
        [coder_id, transcript_id],
    ).fetchone()
    return row[0] if row else "not-started"


def set_status(db: sqlite_utils.Database, coder_id: int, transcript_id: int, status: str) -> None:
    db.execute(
        """INSERT INTO coder_status (coder_id, transcript_id, status, updated_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (coder_id, transcript_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at""",
        [coder_id, transcript_id, status, now()],
    )


def statuses(db: sqlite_utils.Database, coder_id: int | None = None) -> dict[tuple[int, int], str]:
    """``{(coder_id, transcript_id): status}`` for every recorded status."""
    sql = "SELECT coder_id, transcript_id, status FROM coder_status"
    params: list[int] = []
    if coder_id is not None:
        sql += " WHERE coder_id = ?"
        params.append(coder_id)
    return {(r[0], r[1]): r[2] for r in db.execute(sql, params)}


def clear_status(db: sqlite_utils.Database, coder_id: int, transcript_id: int) -> None:
    """Forget a coder's status on a transcript (it reads as not started again)."""
    db.execute(
        "DELETE FROM coder_status WHERE coder_id = ? AND transcript_id = ?",
        [coder_id, transcript_id],
    )
