"""SQL for memos: a coder's notes on a transcript, segment, code or coding."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite_utils

from codebench.ids import now
from codebench.models import Memo
from codebench.store import rows


def insert_memo(db: sqlite_utils.Database, values: dict[str, Any]) -> int:
    values = {**values}
    stamp = now()
    values.setdefault("created_at", stamp)
    values.setdefault("updated_at", stamp)
    columns = ", ".join(values)
    cursor = db.execute(
        f"INSERT INTO memos ({columns}) VALUES ({', '.join('?' for _ in values)})",
        list(values.values()),
    )
    return int(cursor.lastrowid or 0)


def update_memo(db: sqlite_utils.Database, memo_id: int, text: str) -> None:
    db.execute("UPDATE memos SET text = ?, updated_at = ? WHERE id = ?", [text, now(), memo_id])


def delete_memo(db: sqlite_utils.Database, memo_id: int) -> None:
    db.execute("DELETE FROM memos WHERE id = ?", [memo_id])


def list_memos(
    db: sqlite_utils.Database, *, transcript_id: int | None = None, author_id: int | None = None
) -> list[Memo]:
    where, params = [], []
    if transcript_id is not None:
        where.append("transcript_id = ?")
        params.append(transcript_id)
    if author_id is not None:
        where.append("author_id = ?")
        params.append(author_id)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    return [
        rows.memo(r)
        for r in db.query(f"SELECT {rows.MEMO_COLUMNS} FROM memos {clause} ORDER BY id", params)
    ]


def get_memo(db: sqlite_utils.Database, memo_id: int) -> Memo | None:
    found = list(db.query(f"SELECT {rows.MEMO_COLUMNS} FROM memos WHERE id = ?", [memo_id]))
    return rows.memo(found[0]) if found else None


def memo_by_guid(db: sqlite_utils.Database, guid: str) -> Memo | None:
    found = list(db.query(f"SELECT {rows.MEMO_COLUMNS} FROM memos WHERE guid = ?", [guid]))
    return rows.memo(found[0]) if found else None


def memos_on_coding(db: sqlite_utils.Database, coding_id: int) -> list[Memo]:
    """Memos attached to one coding (they go with it when it is removed)."""
    return [
        rows.memo(r)
        for r in db.query(
            f"SELECT {rows.MEMO_COLUMNS} FROM memos WHERE coding_id = ? ORDER BY id", [coding_id]
        )
    ]
