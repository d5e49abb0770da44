"""The stored mapping of codings onto segments (``coding_segments``, migration 0014).

Triggers keep the table exact on every write; this module reads it, and
recomputes it from scratch so tests (and ``check_mapping``) can prove the
triggers never drift.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite3

    import sqlite_utils

#: One row of the mapping: coding, segment, transcript, code, coder, overlap, segment length.
MappingRow = tuple[int, int, int, int, int, int, int]

_COLUMNS = "coding_id, segment_id, transcript_id, code_id, coder_id, overlap_chars, segment_chars"


def stored_mapping(db: sqlite_utils.Database | sqlite3.Connection) -> list[MappingRow]:
    """Every stored (coding, segment) row, in key order."""
    return [
        tuple(r)
        for r in db.execute(
            f"SELECT {_COLUMNS} FROM coding_segments ORDER BY coding_id, segment_id"
        )
    ]


def recomputed_mapping(db: sqlite_utils.Database | sqlite3.Connection) -> list[MappingRow]:
    """The mapping computed now from ``codings`` and ``segments`` alone (every overlapping pair).

    Deliberately the plain definition, with none of the triggers' shortcuts:
    it is the reference the stored table must equal.
    """
    return [
        tuple(r)
        for r in db.execute(
            "SELECT c.id, s.id, c.transcript_id, c.code_id, c.coder_id,"
            " min(c.end_char, s.end_char) - max(c.start_char, s.start_char),"
            " s.end_char - s.start_char"
            " FROM codings c JOIN segments s ON s.transcript_id = c.transcript_id"
            " AND s.start_char < c.end_char AND s.end_char > c.start_char"
            " ORDER BY c.id, s.id"
        )
    ]
