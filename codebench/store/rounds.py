"""SQL for reliability rounds: a numbered, named round on one sample, its coders, open and closed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils

from codebench.ids import now

#: ``(id, number, name, sample_id, codebook_version, opened_by, opened_at, closed_by, closed_at)``
RoundRow = tuple[int, int, str, int, int, int | None, str, int | None, str | None]

_COLUMNS = (
    "id, number, name, sample_id, codebook_version, opened_by, opened_at, closed_by, closed_at"
)


def round_rows(db: sqlite_utils.Database) -> list[RoundRow]:
    """Every round, by number."""
    return [
        tuple(r) for r in db.execute(f"SELECT {_COLUMNS} FROM rounds ORDER BY number").fetchall()
    ]


def round_coder_ids(db: sqlite_utils.Database, round_id: int) -> list[int]:
    return [
        int(r[0])
        for r in db.execute(
            "SELECT coder_id FROM round_coders WHERE round_id = ? ORDER BY coder_id", [round_id]
        )
    ]


def next_number(db: sqlite_utils.Database) -> int:
    return int(db.execute("SELECT coalesce(max(number), 0) + 1 FROM rounds").fetchone()[0])


def insert_round(
    db: sqlite_utils.Database,
    number: int,
    name: str,
    sample_id: int,
    codebook_version: int,
    coder_ids: Sequence[int],
    opened_by: int | None,
) -> int:
    """Record a new open round and its coders. Call inside the caller's transaction."""
    cursor = db.execute(
        "INSERT INTO rounds (number, name, sample_id, codebook_version, opened_by, opened_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [number, name, sample_id, codebook_version, opened_by, now()],
    )
    round_id = int(cursor.lastrowid or 0)
    db.conn.executemany(
        "INSERT INTO round_coders (round_id, coder_id) VALUES (?, ?)",
        [(round_id, k) for k in coder_ids],
    )
    return round_id


def close_round(db: sqlite_utils.Database, round_id: int, closed_by: int | None) -> None:
    """Mark a round closed now. Call inside the caller's transaction."""
    db.execute(
        "UPDATE rounds SET closed_by = ?, closed_at = ? WHERE id = ?", [closed_by, now(), round_id]
    )


def save_round_report(db: sqlite_utils.Database, round_id: int, options: str, report: str) -> None:
    """Store a closed round's frozen report (JSON texts). Call inside the caller's transaction."""
    db.execute(
        "INSERT OR REPLACE INTO round_reports (round_id, options, report, frozen_at)"
        " VALUES (?, ?, ?, ?)",
        [round_id, options, report, now()],
    )


def round_report(db: sqlite_utils.Database, round_id: int) -> tuple[str, str, str] | None:
    """``(options, report, frozen_at)`` of a closed round's frozen report, if it has one."""
    row = db.execute(
        "SELECT options, report, frozen_at FROM round_reports WHERE round_id = ?", [round_id]
    ).fetchone()
    return None if row is None else (str(row[0]), str(row[1]), str(row[2]))


def delete_round(db: sqlite_utils.Database, number: int, *, sample_too: bool = False) -> bool:
    """Remove round ``number`` with its coders and frozen report; returns whether it was here.

    ``sample_too``: also its sample if no other round draws on it (a team
    copy's sample came with the lead's round, so it goes with it; the lead's
    own sample stays when the lead removes a round). Call inside the caller's
    transaction.
    """
    found = db.execute("SELECT id, sample_id FROM rounds WHERE number = ?", [number]).fetchone()
    if found is None:
        return False
    round_id, sample_id = int(found[0]), int(found[1])
    db.execute("DELETE FROM round_reports WHERE round_id = ?", [round_id])
    db.execute("DELETE FROM round_coders WHERE round_id = ?", [round_id])
    db.execute("DELETE FROM rounds WHERE id = ?", [round_id])
    if sample_too:
        db.execute(
            "DELETE FROM samples WHERE id = ?"
            " AND NOT EXISTS (SELECT 1 FROM rounds WHERE sample_id = ?)",
            [sample_id, sample_id],
        )
    return True


def round_exists(db: sqlite_utils.Database, number: int) -> bool:
    return db.execute("SELECT 1 FROM rounds WHERE number = ?", [number]).fetchone() is not None
