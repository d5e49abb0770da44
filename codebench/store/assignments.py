"""SQL for the study design: assignments (who was given which transcript or segments) and samples.

A row with ``first_segment`` and ``last_segment`` NULL gives the whole
transcript; otherwise it gives the ordinals ``first_segment``..``last_segment``
(inclusive). The design layer (:mod:`codebench.design.assignments`) keeps a
coder's rows for one transcript normalised: one whole-transcript row, or
disjoint ranges.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils

from codebench.ids import now

#: ``(coder_id, transcript_id, first_segment, last_segment, assigned_by, assigned_at)``
AssignmentRow = tuple[int, int, int | None, int | None, int | None, str]


def any_assignment(db: sqlite_utils.Database) -> bool:
    """Whether the project records any assignment (then agreement uses them as the design)."""
    return db.execute("SELECT 1 FROM assignments LIMIT 1").fetchone() is not None


def assignment_rows(
    db: sqlite_utils.Database,
    coder_ids: Sequence[int] | None = None,
    transcript_ids: Sequence[int] | None = None,
) -> list[AssignmentRow]:
    """Every assignment row (optionally of some coders / transcripts), by coder, transcript, range."""
    sql = (
        "SELECT coder_id, transcript_id, first_segment, last_segment, assigned_by, assigned_at"
        " FROM assignments"
    )
    where: list[str] = []
    params: list[int] = []
    if coder_ids is not None:
        where.append(f"coder_id IN ({', '.join('?' for _ in coder_ids) or 'NULL'})")
        params.extend(coder_ids)
    if transcript_ids is not None:
        where.append(f"transcript_id IN ({', '.join('?' for _ in transcript_ids) or 'NULL'})")
        params.extend(transcript_ids)
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY coder_id, transcript_id, coalesce(first_segment, -1)"
    return [tuple(r) for r in db.execute(sql, params).fetchall()]


def replace_assignment(
    db: sqlite_utils.Database,
    coder_id: int,
    transcript_id: int,
    ranges: Sequence[tuple[int, int]] | None,
    assigned_by: int | None,
) -> None:
    """Set the coder's assignment of one transcript: ``None`` the whole transcript, ``[]`` nothing.

    Call inside the caller's transaction.
    """
    db.execute(
        "DELETE FROM assignments WHERE coder_id = ? AND transcript_id = ?",
        [coder_id, transcript_id],
    )
    stamp = now()
    rows: list[tuple[int | None, int | None]] = (
        [(None, None)] if ranges is None else [(a, b) for a, b in ranges]
    )
    for first, last in rows:
        db.execute(
            "INSERT INTO assignments (coder_id, transcript_id, first_segment, last_segment,"
            " assigned_by, assigned_at) VALUES (?, ?, ?, ?, ?, ?)",
            [coder_id, transcript_id, first, last, assigned_by, stamp],
        )


def insert_sample(
    db: sqlite_utils.Database,
    name: str,
    seed: int,
    fraction: float,
    stratify: str | None,
    draw: str,
    drawn_by: int | None,
) -> int:
    """Record one reliability sample (``draw`` is its JSON). Call inside the caller's transaction."""
    cursor = db.execute(
        "INSERT INTO samples (name, seed, fraction, stratify, draw, drawn_by, drawn_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [name, seed, fraction, stratify, draw, drawn_by, now()],
    )
    return int(cursor.lastrowid or 0)


def sample_names(db: sqlite_utils.Database) -> set[str]:
    return {r[0] for r in db.execute("SELECT name FROM samples")}


def sample_rows(
    db: sqlite_utils.Database,
) -> list[tuple[int, str, int, float, str | None, str, int | None, str]]:
    """``(id, name, seed, fraction, stratify, draw, drawn_by, drawn_at)`` of every sample, oldest first."""
    return [
        tuple(r)
        for r in db.execute(
            "SELECT id, name, seed, fraction, stratify, draw, drawn_by, drawn_at FROM samples"
            " ORDER BY id"
        ).fetchall()
    ]
