"""The stored report units: built arrays kept in the project, under an exact data version.

Mapping a million codings onto segments is most of every report's time
(:mod:`codebench.reports.coded_units`). The built pieces (per coder: which
segment and code each coding falls on; per project: the segments' facts)
are kept in ``units_cache`` as packed arrays, each under the *version* of the
data it was built from: SQLite's schema version and the write counters of
the tables the mapping reads (step ``0019_change_counters``). The counters
are bumped by triggers inside every writing statement, codebench's or a
user's own SQL, so a write and its count commit together and the version
read with the data names exactly that data. An entry under any other
version is never read; a schema change (a trigger dropped or remade, a
table rebuilt) changes the schema version, so nothing counted before it is
trusted after it.

Storing is best effort: a read-only file, a file another connection is
writing, an in-memory project or a read inside an open transaction simply
skips it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils

#: Tables the built units are computed from (a write to any of them makes every entry stale).
DEPENDS_ON = ("codes", "coders", "transcripts", "segments", "codings")
#: Bumped when what an entry holds, or how it is built, changes.
FORMAT = 3


def version(db: sqlite_utils.Database | sqlite3.Connection) -> str | None:
    """The current data version, or ``None`` when writes are not all counted (nothing to trust)."""
    wanted = {f"sync_count_{t}_{op}" for t in DEPENDS_ON for op in ("ins", "upd", "del")}
    try:
        have = {
            str(r[0])
            for r in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'sync_count_%'"
            )
        }
        if not wanted <= have or not _has_cache_table(db):
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


def store(db: sqlite_utils.Database, entries: Mapping[str, bytes], built_at: str) -> bool:
    """Keep ``entries``, built from the data at version ``built_at``, if that is still the data.

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
        if (
            version(conn) != built_at
        ):  # written since the build began: its result is not this data's
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


def _has_cache_table(db: sqlite_utils.Database | sqlite3.Connection) -> bool:
    row = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'units_cache'"
    ).fetchone()
    return row is not None
