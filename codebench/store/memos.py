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


def memo_listing(
    db: sqlite_utils.Database,
    *,
    author_id: int | None = None,
    transcript_id: int | None = None,
    code_id: int | None = None,
) -> list[dict[str, Any]]:
    """Memos with what they sit on (author, transcript, segment, code, coding span), in reading order.

    Project memos first, then by transcript and place in it; code memos
    (no transcript) come with the project's.
    """
    where = ["1 = 1"]
    params: list[Any] = []
    for column, value in (
        ("m.author_id", author_id),
        ("m.transcript_id", transcript_id),
        ("m.code_id", code_id),
    ):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    return [
        dict(r)
        for r in db.query(
            f"""SELECT m.id, m.guid, m.author_id, k.name AS author, m.text, m.created_at, m.updated_at,
                       m.transcript_id, t.name AS transcript, m.segment_id, s.ordinal AS segment,
                       s.start_char AS segment_start, m.code_id, m.coding_id,
                       g.start_char AS coding_start, g.end_char AS coding_end
                FROM memos m
                LEFT JOIN coders k ON k.id = m.author_id
                LEFT JOIN transcripts t ON t.id = m.transcript_id
                LEFT JOIN segments s ON s.id = m.segment_id
                LEFT JOIN codings g ON g.id = m.coding_id
                WHERE {" AND ".join(where)}
                ORDER BY t.name IS NOT NULL, t.name,
                         coalesce(s.start_char, g.start_char, -1), m.id""",
            params,
        )
    ]
