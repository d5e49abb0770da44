"""SQL for progress figures: how much of each transcript a coder has coded."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils


def codings_per_coder(db: sqlite_utils.Database) -> dict[int, int]:
    return {
        r[0]: r[1] for r in db.execute("SELECT coder_id, count(*) FROM codings GROUP BY coder_id")
    }


#: One sweep per transcript over codings (by start) and codable segments (by end), merged in one
#: order. A segment is coded when some coding starting before the segment ends also ends after it
#: starts, that is when the furthest end reached by the codings that start before the segment's
#: end lies past the segment's start. A running ``max`` gives that reach for every segment at once:
#: sorting costs O(n log n), where a per-segment ``EXISTS`` probing the codings that start before
#: each segment's end costs O(segments × codings) on a long transcript (295 s for 20,000 segments
#: and 100,000 codings). At an equal offset the segment (kind 0) sorts before the coding (kind 1):
#: a coding that starts exactly where a segment ends does not overlap it.
_CODED_CODABLE = """
    WITH marks (transcript_id, position, kind, value) AS (
        SELECT transcript_id, end_char, 0, start_char FROM segments WHERE codable = 1
        UNION ALL
        SELECT transcript_id, start_char, 1, end_char FROM codings WHERE coder_id = :coder
    ),
    swept AS (
        SELECT transcript_id, kind, value,
               max(CASE WHEN kind = 1 THEN value END) OVER (
                   PARTITION BY transcript_id ORDER BY position, kind ROWS UNBOUNDED PRECEDING
               ) AS reach
        FROM marks
    )
    SELECT transcript_id, sum(coalesce(reach > value, 0)), count(*)
    FROM swept WHERE kind = 0 GROUP BY transcript_id
"""


def coded_codable(
    db: sqlite_utils.Database, coder_id: int, transcript_id: int | None = None
) -> dict[int, tuple[int, int]]:
    """``{transcript_id: (codable segments overlapped by a coding of coder, codable segments)}``.

    Transcripts without codable segments are left out; ``transcript_id``
    limits the sweep to one transcript. Linear in the transcript's segments
    and codings (see :data:`_CODED_CODABLE`).
    """
    sql = _CODED_CODABLE
    if transcript_id is not None:
        sql = sql.replace("WHERE codable = 1", "WHERE codable = 1 AND transcript_id = :transcript")
        sql = sql.replace(
            "WHERE coder_id = :coder", "WHERE coder_id = :coder AND transcript_id = :transcript"
        )
    params = {"coder": coder_id, "transcript": transcript_id}
    return {r[0]: (r[1], r[2]) for r in db.execute(sql, params)}


def codable_count(db: sqlite_utils.Database, transcript_id: int) -> int:
    """Codable segments of one transcript."""
    row = db.execute(
        "SELECT count(*) FROM segments WHERE transcript_id = ? AND codable = 1", [transcript_id]
    ).fetchone()
    return int(row[0])
