"""The stored report units: built arrays kept in the project, under an exact data version.

Mapping a million codings onto segments is most of every report's time
(:mod:`codebench.reports.coded_units`). The built pieces (per coder: which
segment and code each coding falls on; per project: the segments' facts)
are kept in ``units_cache`` as packed arrays, each under the *version* of the
data it was built from: SQLite's schema version and the write counters of
codes, coders, transcripts and segments (step ``0019_change_counters``).
Codings are counted finer, per (coder, transcript) in ``units_stamps``
(step ``0020_units_stamps``): a coder's entry holds the count of each
transcript it was built at, so after a write only the pairs whose count
moved are placed again. Every count is bumped by triggers inside the
writing statement, codebench's or a user's own SQL, so a write and its
count commit together and the counts read with the data name exactly that
data. An entry under any other version is never read; a schema change (a
trigger dropped or remade, a table rebuilt) changes the schema version, so
nothing counted before it is trusted after it.

Storing is best effort: a read-only file, a file another connection is
writing, an in-memory project or a read inside an open transaction simply
skips it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from codebench.store.migrations import UNITS_STAMP_TRIGGERS

if TYPE_CHECKING:
    import sqlite_utils

#: Tables a write to which makes every entry stale (codings are counted per coder and transcript).
DEPENDS_ON = ("codes", "coders", "transcripts", "segments")
#: Bumped when what an entry holds, or how it is built, changes.
FORMAT = 4


def version(db: sqlite_utils.Database | sqlite3.Connection) -> str | None:
    """The current data version, or ``None`` when writes are not all counted (nothing to trust)."""
    wanted = {f"sync_count_{t}_{op}" for t in DEPENDS_ON for op in ("ins", "upd", "del")}
    wanted.update(UNITS_STAMP_TRIGGERS)
    try:
        have = {
            str(r[0])
            for r in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'"
                " AND (name LIKE 'sync_count_%' OR name LIKE 'units_stamp_%')"
            )
        }
        if not wanted <= have or not _has_tables(db):
            return None
        marks = ", ".join("?" for _ in DEPENDS_ON)
        counts = dict(
            db.execute(f"SELECT name, n FROM sync_counters WHERE name IN ({marks})", DEPENDS_ON)
        )
        schema = db.execute("PRAGMA schema_version").fetchone()[0]
    except sqlite3.Error:
        return None
    if set(counts) != set(DEPENDS_ON):
        return None
    return f"{FORMAT}:{schema}:" + ",".join(str(int(counts[t])) for t in DEPENDS_ON)


def stamps(db: sqlite_utils.Database | sqlite3.Connection, coder_id: int) -> dict[int, int]:
    """``{transcript id: count}`` of the codings writes of ``coder_id`` (a pair never written: absent)."""
    return {
        int(t): int(n)
        for t, n in db.execute(
            "SELECT transcript_id, n FROM units_stamps WHERE coder_id = ?", [coder_id]
        )
    }


def load(db: sqlite_utils.Database, names: Iterable[str], current: str) -> dict[str, bytes]:
    """The entries among ``names`` stored under version ``current``."""
    names = list(names)
    if not names:
        return {}
    marks = ", ".join("?" for _ in names)
    try:
        rows = db.execute(
            f"SELECT name, data FROM units_cache WHERE version = ? AND name IN ({marks})",
            [current, *names],
        ).fetchall()
    except sqlite3.Error:
        return {}
    return {str(name): bytes(data) for name, data in rows}


def store(
    db: sqlite_utils.Database,
    entries: Mapping[str, bytes],
    built_at: str,
    read: Mapping[int, dict[int, int]] | None = None,
) -> bool:
    """Keep ``entries``, built from the data at version ``built_at``, if that is still the data.

    ``read`` holds, for each coder whose codings an entry was built from,
    the :func:`stamps` read before those codings were: the entries are kept
    only if they are unchanged now (no write to those codings since).

    One short write transaction, on a connection of its own (reports run in
    worker threads beside the workbench's writes on ``db``, so a transaction
    on ``db`` could swallow or roll back one of those), that drops every
    entry of another version. It never waits for another writer and never
    runs while ``db`` is inside a transaction; returns whether the entries
    were stored.
    """
    if not entries or db.conn.in_transaction:
        return False
    path = next((r[2] for r in db.execute("PRAGMA database_list") if r[1] == "main"), "")
    if not path:
        return False
    conn = None
    try:
        conn = sqlite3.connect(
            f"{Path(path).as_uri()}?mode=rw", uri=True, timeout=0, isolation_level=None
        )
        conn.execute("BEGIN IMMEDIATE")
        if version(conn) != built_at or any(  # written since the build began: not this data's
            stamps(conn, coder) != seen for coder, seen in (read or {}).items()
        ):
            conn.execute("ROLLBACK")
            return False
        conn.execute("DELETE FROM units_cache WHERE version != ?", [built_at])
        conn.executemany(
            "INSERT OR REPLACE INTO units_cache (name, version, data) VALUES (?, ?, ?)",
            [(name, built_at, sqlite3.Binary(data)) for name, data in entries.items()],
        )
        conn.execute("COMMIT")
    except sqlite3.Error:  # read-only file, locked by another writer, disk full: skip storing
        return False
    finally:
        if conn is not None:
            conn.close()  # an open transaction is rolled back
    return True


def _has_tables(db: sqlite_utils.Database | sqlite3.Connection) -> bool:
    (count,) = db.execute(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
        " AND name IN ('units_cache', 'units_stamps')"
    ).fetchone()
    return bool(count == 2)
