"""SQL for progress figures: how much of each transcript a coder has coded."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils


def codings_per_coder(db: sqlite_utils.Database) -> dict[int, int]:
    return {
        r[0]: r[1] for r in db.execute("SELECT coder_id, count(*) FROM codings GROUP BY coder_id")
    }


def coded_codable(db: sqlite_utils.Database, coder_id: int) -> dict[int, tuple[int, int]]:
    """``{transcript_id: (codable segments overlapped by a coding of coder, codable segments)}``."""
    sql = """
        SELECT s.transcript_id,
               sum(EXISTS (SELECT 1 FROM codings c
                           WHERE c.transcript_id = s.transcript_id AND c.coder_id = :coder
                             AND c.start_char < s.end_char AND c.end_char > s.start_char)),
               count(*)
        FROM segments s WHERE s.codable = 1 GROUP BY s.transcript_id
    """
    return {r[0]: (r[1], r[2]) for r in db.execute(sql, {"coder": coder_id})}
