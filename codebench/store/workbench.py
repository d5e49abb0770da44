"""SQL the coding workbench needs beyond the general store modules.

Small, indexed look-ups that keep a keystroke in the TUI well inside one
frame on projects holding a million codings.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite_utils

from codebench.models import Segment
from codebench.store import transcripts
from codebench.store.codebook_versions import CURRENT as CURRENT_VERSION


def segments_with_length(
    db: sqlite_utils.Database, transcript_id: int
) -> tuple[list[Segment], int]:
    """The transcript's segments (with their text) and the length of its whole text.

    The same segments as :func:`codebench.store.transcripts.list_segments`;
    the length lets each coding action bounds-check its spans
    without reading the text again (it changes only by a correction, after
    which the session reads both again).
    """
    text = transcripts.transcript_text(db, transcript_id)
    return transcripts.segments_in(db, transcript_id, text), len(text)


def transcript_exists(db: sqlite_utils.Database, transcript_id: int) -> bool:
    return (
        db.execute("SELECT 1 FROM transcripts WHERE id = ?", [transcript_id]).fetchone() is not None
    )


def memo_targets(db: sqlite_utils.Database, transcript_id: int) -> list[dict[str, Any]]:
    """Memos on a transcript with where they sit: the segment, or the coding's span and code."""
    return [
        dict(r)
        for r in db.query(
            """SELECT m.id, m.author_id, m.segment_id, m.coding_id, m.text,
                      c.start_char AS coding_start, c.end_char AS coding_end, c.code_id AS coding_code
               FROM memos m LEFT JOIN codings c ON c.id = m.coding_id
               WHERE m.transcript_id = ? ORDER BY m.id""",
            [transcript_id],
        )
    ]


def bulk_insert_codings(
    db: sqlite_utils.Database, records: list[tuple[int, int, int, int, int, str]]
) -> None:
    """Insert ``(coder_id, code_id, transcript_id, start, end, created_at)`` rows without events.

    For benchmarks and bulk fixtures only: user actions go through
    :func:`codebench.coding.actions.apply_changes`, which logs them.
    """
    db.conn.executemany(
        "INSERT INTO codings (coder_id, code_id, transcript_id, start_char, end_char, created_at,"
        f" codebook_version) VALUES (?, ?, ?, ?, ?, ?, {CURRENT_VERSION}) ON CONFLICT DO NOTHING",
        records,
    )


def wal_autocheckpoint(db: sqlite_utils.Database, pages: int | None = None) -> int:
    """This connection's WAL auto-checkpoint threshold (in pages); set it when ``pages`` is given.

    Returns the threshold in force before the call.
    """
    previous = int(db.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0])
    if pages is not None:
        db.conn.execute(f"PRAGMA wal_autocheckpoint = {int(pages)}").fetchall()
    return previous


def write_marks(db: sqlite_utils.Database) -> tuple[Any, ...] | None:
    """A team copy's write counters and its newest event id; ``None`` in a project that does not
    count writes (a solo project: no ``sync_counters``).

    Equal marks on either side of another connection's commit mean it wrote
    none of the tables the workbench shows (a background sync that only noted
    a push), so the screens need not read the file again.
    """
    try:
        counted = db.execute("SELECT name, n FROM sync_counters ORDER BY name").fetchall()
    except sqlite3.OperationalError:
        return None
    if not counted:
        return None
    last = db.execute("SELECT max(id) FROM events").fetchone()
    return (tuple(tuple(r) for r in counted), last[0] if last else None)
