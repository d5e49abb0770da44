"""Opening a project file: pragmas, identity check, migrations, transactions.

A project is one SQLite file. We open it in WAL mode with foreign keys on and
a busy timeout so that two coders can run the TUI on the same file, and we
stamp it with an ``application_id`` so we never mistake another SQLite file
for a project (or scribble our schema into one).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from codebench.errors import ProjectError
from codebench.store._sqlite import load_sqlite_utils

if TYPE_CHECKING:
    import sqlite_utils

#: ``PRAGMA application_id`` for codebench projects: "CBNH" as a 32-bit int.
APPLICATION_ID = int.from_bytes(b"CBNH", "big")

#: How long a writer waits for another process's lock before giving up (ms).
BUSY_TIMEOUT_MS = 5000


def open_database(
    path: Path | str, *, create: bool = False, migrate: bool = True
) -> sqlite_utils.Database:
    """Open (and optionally create) the project file at ``path``.

    Refuses files that are not SQLite, SQLite files that belong to another
    application, and projects written by a newer codebench. Pending
    migrations run after a backup copy of the file has been written.
    """
    sqlite_utils = load_sqlite_utils()
    from codebench.store import migrations

    path = Path(path)
    if str(path) != ":memory:":
        if not path.exists() and not create:
            raise ProjectError(
                f"{path}: no project here (run `codebench init` or pass --project PATH)"
            )
        if path.exists() and path.is_dir():
            raise ProjectError(f"{path}: is a folder, not a project file")
    try:
        conn = sqlite3.connect(
            str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
    except sqlite3.Error as error:
        raise ProjectError(f"{path}: cannot open ({error})") from error
    db = sqlite_utils.Database(conn, execute_plugins=False)
    try:
        # Let SQLite judge the header: opening the file with Python and closing
        # it again would drop every POSIX lock this process holds on it.
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        except sqlite3.DatabaseError as error:
            if "not a database" in str(error) or "encrypted" in str(error):
                raise ProjectError(
                    f"{path}: not a codebench project (not an SQLite file)"
                ) from None
            raise
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        if app_id not in (0, APPLICATION_ID) or (app_id == 0 and tables):
            raise ProjectError(
                f"{path}: not a codebench project (an SQLite file of another application)"
            )
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        if str(path) != ":memory:":
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
        if app_id == 0:
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        if migrate:
            migrations.migrate(db, path)
    except sqlite3.DatabaseError as error:
        conn.close()
        raise ProjectError(f"{path}: cannot open project ({error})") from error
    except BaseException:
        conn.close()
        raise
    return db


@contextlib.contextmanager
def write_transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """One unit of work: ``BEGIN IMMEDIATE`` … ``COMMIT``, or roll back on error.

    ``IMMEDIATE`` takes the write lock up front, so a second process waits on
    the busy timeout instead of failing half-way with "database is locked"
    when a read transaction tries to upgrade. Nested use becomes a savepoint.
    """
    conn = db.conn
    if conn.in_transaction:
        with db.atomic():
            yield db
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")


def checkpoint(db: sqlite_utils.Database) -> None:
    """Fold the WAL back into the main file (before handing a file to someone)."""
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
