"""SQL for codings: spans of a transcript a coder tagged with a code."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite_utils

from codebench.ids import now
from codebench.models import Coding
from codebench.store import rows
from codebench.store.codebook_versions import CURRENT as CURRENT_VERSION


def insert_coding(
    db: sqlite_utils.Database,
    coder_id: int,
    code_id: int,
    transcript_id: int,
    start: int,
    end: int,
    created_at: str | None = None,
    codebook_version: int | None = None,
) -> int | None:
    """Insert a coding; returns its id, or ``None`` if the identical coding exists.

    ``codebook_version`` defaults to the current version (undo restores a
    removed coding with the version it was made under).
    """
    cursor = db.execute(
        "INSERT INTO codings (coder_id, code_id, transcript_id, start_char, end_char, created_at,"
        f" codebook_version) VALUES (?, ?, ?, ?, ?, ?, coalesce(?, {CURRENT_VERSION}))"
        " ON CONFLICT DO NOTHING",
        [coder_id, code_id, transcript_id, start, end, created_at or now(), codebook_version],
    )
    return cursor.lastrowid if cursor.rowcount else None


def coding_version(db: sqlite_utils.Database, coding_id: int) -> int:
    """The codebook version a coding was made under."""
    row = db.execute("SELECT codebook_version FROM codings WHERE id = ?", [coding_id]).fetchone()
    return int(row[0]) if row else 1


def get_coding(db: sqlite_utils.Database, coding_id: int) -> Coding | None:
    found = list(db.query(f"SELECT {rows.CODING_COLUMNS} FROM codings WHERE id = ?", [coding_id]))
    return rows.coding(found[0]) if found else None


def delete_coding(db: sqlite_utils.Database, coding_id: int) -> None:
    db.execute("DELETE FROM codings WHERE id = ?", [coding_id])


def find_coding(
    db: sqlite_utils.Database, coder_id: int, code_id: int, transcript_id: int, start: int, end: int
) -> Coding | None:
    found = list(
        db.query(
            f"SELECT {rows.CODING_COLUMNS} FROM codings WHERE coder_id = ? AND code_id = ? AND transcript_id = ?"
            " AND start_char = ? AND end_char = ?",
            [coder_id, code_id, transcript_id, start, end],
        )
    )
    return rows.coding(found[0]) if found else None


def list_codings(
    db: sqlite_utils.Database,
    *,
    transcript_id: int | None = None,
    coder_ids: list[int] | None = None,
    code_ids: list[int] | None = None,
    overlapping: tuple[int, int] | None = None,
) -> list[Coding]:
    """Codings filtered by transcript, coders, codes and an overlapping span."""
    where: list[str] = []
    params: list[Any] = []
    if transcript_id is not None:
        where.append("transcript_id = ?")
        params.append(transcript_id)
    if coder_ids is not None:
        where.append(f"coder_id IN ({', '.join('?' for _ in coder_ids)})" if coder_ids else "0")
        params.extend(coder_ids)
    if code_ids is not None:
        where.append(f"code_id IN ({', '.join('?' for _ in code_ids)})" if code_ids else "0")
        params.extend(code_ids)
    if overlapping is not None:
        where.append("start_char < ? AND end_char > ?")
        params.extend([overlapping[1], overlapping[0]])
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    return [
        rows.coding(r)
        for r in db.query(
            f"SELECT {rows.CODING_COLUMNS} FROM codings {clause} ORDER BY transcript_id, start_char, end_char, code_id",
            params,
        )
    ]


def recode(db: sqlite_utils.Database, from_code: int, to_code: int) -> int:
    """Move every coding of ``from_code`` to ``to_code`` (dropping exact duplicates)."""
    db.execute(
        "DELETE FROM codings WHERE code_id = ? AND EXISTS (SELECT 1 FROM codings AS o WHERE o.code_id = ?"
        " AND o.coder_id = codings.coder_id AND o.transcript_id = codings.transcript_id"
        " AND o.start_char = codings.start_char AND o.end_char = codings.end_char)",
        [from_code, to_code],
    )
    cursor = db.execute("UPDATE codings SET code_id = ? WHERE code_id = ?", [to_code, from_code])
    return cursor.rowcount


def count_codings(db: sqlite_utils.Database, code_id: int) -> int:
    return int(
        db.execute("SELECT count(*) FROM codings WHERE code_id = ?", [code_id]).fetchone()[0]
    )
