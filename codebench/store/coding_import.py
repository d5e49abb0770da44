"""SQL for importing codings in bulk (``import-codings``): batches in, events and memos after.

A million-row file must cost about what inserting its rows costs, in time
and in memory. So rows go in by ``executemany`` in batches, and what the
import added is found afterwards from the row ids (a new coding's id is
larger than every id that existed before the import; the import holds the
write lock throughout): the ``coding.add`` events are built from those rows
by SQLite's JSON functions, and the memos wait in a TEMP table until their
codings exist. No per-row Python objects live beyond one batch. Every write
runs inside the caller's transaction.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from codebench.store.codebook_versions import CURRENT as CURRENT_VERSION

if TYPE_CHECKING:
    import sqlite_utils

#: Where memos of the file being imported wait for their codings (dropped afterwards).
MEMO_STAGE = "temp.import_memos"


def segment_bounds(db: sqlite_utils.Database, transcript_id: int) -> list[tuple[int, int, bool]]:
    """``(start, end, codable)`` of each segment of a transcript, in ordinal order (no text)."""
    return [
        (r[0], r[1], bool(r[2]))
        for r in db.conn.execute(
            "SELECT start_char, end_char, codable FROM segments WHERE transcript_id = ? ORDER BY ordinal",
            [transcript_id],
        )
    ]


def last_coding_id(db: sqlite_utils.Database) -> int:
    """The largest coding id so far (0 for none): codings added later have larger ids."""
    return int(db.conn.execute("SELECT coalesce(max(id), 0) FROM codings").fetchone()[0])


def insert_codings(
    db: sqlite_utils.Database, rows: Sequence[tuple[int, int, int, int, int, str]]
) -> None:
    """Insert ``(coder_id, code_id, transcript_id, start, end, created_at)`` rows; duplicates are skipped."""
    db.conn.executemany(
        "INSERT INTO codings (coder_id, code_id, transcript_id, start_char, end_char, created_at,"
        f" codebook_version) VALUES (?, ?, ?, ?, ?, ?, {CURRENT_VERSION}) ON CONFLICT DO NOTHING",
        rows,
    )


def added_groups(db: sqlite_utils.Database, after_id: int) -> list[tuple[int, int, int]]:
    """``(coder_id, transcript_id, codings)`` for the codings added after ``after_id``, in order of first addition.

    ``NOT INDEXED`` keeps SQLite on the row-id range of the new codings
    rather than a scan of an index over every coding of the project.
    """
    return [
        (r[0], r[1], r[2])
        for r in db.conn.execute(
            "SELECT coder_id, transcript_id, count(*) FROM codings NOT INDEXED WHERE id > ?"
            " GROUP BY coder_id, transcript_id ORDER BY min(id)",
            [after_id],
        )
    ]


def log_added_codings(
    db: sqlite_utils.Database,
    *,
    guid: str,
    at: str,
    coder_id: int,
    transcript_id: int,
    after_id: int,
    source: str,
) -> None:
    """Append one ``coding.add`` event listing the coder's codings of the transcript added after ``after_id``.

    The payload is the one :func:`codebench.coding.actions.apply_changes`
    writes (``{"codings": [{"code", "end", "start", "transcript"}, …],
    "source": …}``, GUIDs for ids, in the order the codings were added), so
    undo, redo and merge read it unchanged. SQLite builds it: the records
    never become Python objects. Each group reads only its own rows through
    the (transcript, coder) index: without statistics SQLite would rather
    scan every coding of the coder (the unique index leads with the coder),
    once per transcript, and the ``+`` keeps it from scanning every new id.
    """
    db.conn.execute(
        """
        INSERT INTO events (guid, at, coder_id, transcript_id, action, payload)
        SELECT :guid, :at, :coder, :transcript, 'coding.add',
               json_object('codings', json_group_array(json(record)), 'source', :source)
        FROM (
            SELECT json_object('code', d.guid, 'end', c.end_char, 'start', c.start_char,
                               'transcript', t.guid) AS record
            FROM codings AS c INDEXED BY codings_transcript_coder
            JOIN codes AS d ON d.id = c.code_id
            JOIN transcripts AS t ON t.id = c.transcript_id
            WHERE c.transcript_id = :transcript AND c.coder_id = :coder AND +c.id > :after
            ORDER BY c.id
        )
        """,
        {
            "guid": guid,
            "at": at,
            "coder": coder_id,
            "transcript": transcript_id,
            "after": after_id,
            "source": source,
        },
    )


# --------------------------------------------------------------------- memos


@contextlib.contextmanager
def memo_stage(db: sqlite_utils.Database) -> Iterator[None]:
    """A TEMP table for the file's memos, one per (coding, text), first line kept; dropped afterwards."""
    db.conn.execute(f"DROP TABLE IF EXISTS {MEMO_STAGE}")
    db.conn.execute(
        f"CREATE TABLE {MEMO_STAGE} (line INTEGER PRIMARY KEY, coder_id INTEGER, code_id INTEGER,"
        " transcript_id INTEGER, start_char INTEGER, end_char INTEGER, text TEXT,"
        " UNIQUE (coder_id, code_id, transcript_id, start_char, end_char, text))"
    )
    try:
        yield
    finally:
        db.conn.execute(f"DROP TABLE IF EXISTS {MEMO_STAGE}")


def stage_memos(
    db: sqlite_utils.Database, rows: Sequence[tuple[int, int, int, int, int, int, str]]
) -> None:
    """Stage ``(line, coder_id, code_id, transcript_id, start, end, text)``; a repeat of a staged memo is dropped."""
    db.conn.executemany(f"INSERT OR IGNORE INTO {MEMO_STAGE} VALUES (?, ?, ?, ?, ?, ?, ?)", rows)


def staged_memos_to_add(
    db: sqlite_utils.Database, after_line: int, limit: int
) -> list[tuple[Any, ...]]:
    """The next ``limit`` staged memos after ``after_line`` that their coding does not carry yet.

    A memo already on its coding, by the same author with the same text, is
    left out (re-importing a file adds nothing). Each row is ``(line,
    coding_id, coder_id, code_id, transcript_id, start, end, text, coder
    guid, code guid, transcript guid)``. Fetched whole, so writing the memos
    never runs under an open read of the table it writes. ``CROSS JOIN``
    makes SQLite walk the staged rows and look each coding up by its key
    (left to itself it scans every coding of every code for each batch).
    """
    return db.conn.execute(
        f"""
        SELECT s.line, g.id, s.coder_id, s.code_id, s.transcript_id, s.start_char, s.end_char,
               s.text, k.guid, d.guid, t.guid
        FROM {MEMO_STAGE} AS s
        CROSS JOIN codings AS g ON g.coder_id = s.coder_id AND g.code_id = s.code_id
             AND g.transcript_id = s.transcript_id AND g.start_char = s.start_char
             AND g.end_char = s.end_char
        JOIN coders AS k ON k.id = s.coder_id
        JOIN codes AS d ON d.id = s.code_id
        JOIN transcripts AS t ON t.id = s.transcript_id
        WHERE s.line > ? AND NOT EXISTS (
            SELECT 1 FROM memos AS m
            WHERE m.coding_id = g.id AND m.author_id = s.coder_id AND m.text = s.text
        )
        ORDER BY s.line LIMIT ?
        """,
        [after_line, limit],
    ).fetchall()


def insert_memos(
    db: sqlite_utils.Database, rows: Sequence[tuple[str, int, int, int, int, str, str, str]]
) -> None:
    """Insert ``(guid, author_id, transcript_id, code_id, coding_id, text, created_at, updated_at)`` rows."""
    db.conn.executemany(
        "INSERT INTO memos (guid, author_id, transcript_id, code_id, coding_id, text, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


def log_events(
    db: sqlite_utils.Database,
    events: Sequence[tuple[str, str, int | None, int | None, str, dict[str, Any]]],
) -> None:
    """Append ``(guid, at, coder_id, transcript_id, action, payload)`` events, serialised as
    :func:`codebench.store.events.log` does."""
    db.conn.executemany(
        "INSERT INTO events (guid, at, coder_id, transcript_id, action, payload) VALUES (?, ?, ?, ?, ?, ?)",
        [
            (
                guid,
                at,
                coder,
                transcript,
                action,
                json.dumps(payload, ensure_ascii=False, sort_keys=True),
            )
            for guid, at, coder, transcript, action, payload in events
        ],
    )
