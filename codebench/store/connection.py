"""Opening a project file: pragmas, identity and integrity checks, migrations, transactions.

A project is one SQLite file. We open it in WAL mode with foreign keys on and
a busy timeout so that two coders can run the TUI on the same file, and we
stamp it with an ``application_id`` so we never mistake another SQLite file
for a project (or scribble our schema into one).

Opening for writing (the default) refuses what must never be written to: a
file whose pages are damaged (``PRAGMA quick_check``), a read-only file or a
file in a read-only folder. Opening only to read (``write=False``) accepts a
read-only file or folder and opens it read-only, since SQLite's WAL mode
would otherwise fail even to read where it cannot create its ``-shm`` file.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from codebench.errors import ProjectError, ProjectMissing
from codebench.store import failures
from codebench.store._sqlite import load_sqlite_utils
from codebench.store.failures import BUSY_TIMEOUT_MS, busy_timeout_ms

if TYPE_CHECKING:
    import sqlite_utils

__all__ = [
    "APPLICATION_ID",
    "BUSY_TIMEOUT_MS",
    "busy_timeout_ms",
    "checkpoint",
    "integrity_problem",
    "open_database",
    "write_transaction",
]

#: ``PRAGMA application_id`` for codebench projects: "CBNH" as a 32-bit int.
APPLICATION_ID = int.from_bytes(b"CBNH", "big")


def open_database(
    path: Path | str, *, create: bool = False, migrate: bool = True, write: bool = True
) -> sqlite_utils.Database:
    """Open (and optionally create) the project file at ``path``.

    Refuses files that are not SQLite, SQLite files that belong to another
    application, projects written by a newer codebench, and (unless
    ``create``) a missing or empty file, so a mistyped path never becomes a
    new empty project. Pending migrations run after a backup copy of the
    file has been written.

    ``write`` (the default) is for callers that will change the project:
    a read-only file or folder is refused, and so is a file that fails
    ``PRAGMA quick_check``, before anything is written to it. With
    ``write=False`` a read-only file or folder is opened read-only; the
    integrity check then runs only if a migration is about to write.
    """
    sqlite_utils = load_sqlite_utils()
    from codebench.store import migrations

    path = Path(path)
    memory = str(path) == ":memory:"
    unwritable = None if memory else _check_file(path, create=create)
    if unwritable and write:
        raise ProjectError(failures.read_only(path, unwritable))
    try:
        conn = _connect(path, read_only=unwritable is not None)
    except sqlite3.Error as error:
        raise ProjectError(_message(error, path, "cannot open")) from error
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
        if not tables and not create and not memory:
            raise ProjectError(_empty_message(path))
        conn.execute(f"PRAGMA busy_timeout = {busy_timeout_ms()}")
        conn.execute("PRAGMA foreign_keys = ON")
        pending = bool(migrations.pending_names(db)) if migrate else False
        if tables and (write or (pending and unwritable is None)):
            problem = integrity_problem(db)
            if problem is not None:
                raise ProjectError(failures.damaged(path, problem))
        if unwritable is not None:
            migrations.refuse_newer(db, path)
            if pending:
                raise ProjectError(
                    f"{path} is read-only ({unwritable}) and needs upgrading to this "
                    "codebench's schema, which writes to it; copy it to a folder you can "
                    "write to and open the copy"
                )
            return db
        if not memory:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
        if app_id == 0:
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        if migrate:
            migrations.migrate(db, path)
    except sqlite3.Error as error:
        conn.close()
        raise ProjectError(_message(error, path, "cannot open project")) from error
    except BaseException:
        conn.close()
        raise
    return db


def _check_file(path: Path, *, create: bool) -> str | None:
    """Refuse a folder, a missing or empty file (unless ``create``); say why it is not writable.

    Returns ``None`` when SQLite can write the project (the file and, for
    WAL's ``-wal`` and ``-shm`` files, its folder), else the reason it cannot.
    """
    if path.is_dir():
        raise ProjectError(f"{path}: is a folder, not a project file")
    if path.exists() and not path.is_file():
        # A named pipe or a device: SQLite would block on it or fail obscurely.
        raise ProjectError(f"{path}: not a regular file (a pipe or a device), not a project file")
    folder = path.parent
    if not path.exists():
        if not create:
            raise ProjectMissing(
                f"{path}: no project here (run `codebench init` or pass --project PATH)", path
            )
        if not folder.is_dir():
            raise ProjectError(f"{path}: cannot create a project here (no folder {folder})")
        if not os.access(folder, os.W_OK):
            raise ProjectError(f"{path}: cannot create a project here (its folder is read-only)")
        return None
    if not create and path.stat().st_size == 0 and _wal_size(path) == 0:
        raise ProjectError(_empty_message(path))
    if not os.access(path, os.R_OK):
        raise ProjectError(f"{path}: cannot read the project file (permission denied)")
    if not os.access(path, os.W_OK):
        return "the file is read-only"
    if not os.access(folder, os.W_OK) and not _wal_files_writable(path):
        return "its folder is read-only"
    return None


def _empty_message(path: Path) -> str:
    return (
        f"{path}: empty file, not a codebench project "
        f"(run `codebench -p {path} init` to make a project there)"
    )


def _wal_size(path: Path) -> int:
    wal = Path(f"{path}-wal")
    return wal.stat().st_size if wal.exists() else 0


def _wal_files_writable(path: Path) -> bool:
    """Whether the ``-wal`` and ``-shm`` files exist and are writable (a folder SQLite cannot create them in)."""
    return all(
        Path(f"{path}{suffix}").exists() and os.access(f"{path}{suffix}", os.W_OK)
        for suffix in ("-wal", "-shm")
    )


def _connect(path: Path, *, read_only: bool) -> sqlite3.Connection:
    """SQLite's connection to ``path``; read-only (``mode=ro``) when the file cannot be written.

    In a read-only folder without a ``-wal`` file to read, SQLite cannot
    create the ``-shm`` file that WAL reading needs, so the file is opened
    ``immutable`` (nothing can be writing it: no writer could create the
    ``-wal``). A ``-wal`` with content is read through ``mode=ro``.
    """
    timeout = busy_timeout_ms() / 1000
    if not read_only:
        return sqlite3.connect(
            str(path), timeout=timeout, isolation_level=None, check_same_thread=False
        )
    uri = path.absolute().as_uri() + "?mode=ro"
    if not os.access(path.parent, os.W_OK) and _wal_size(path) == 0:
        uri += "&immutable=1"
    return sqlite3.connect(
        uri, uri=True, timeout=timeout, isolation_level=None, check_same_thread=False
    )


def _message(error: sqlite3.Error, path: Path, what: str) -> str:
    return failures.describe(error, path) or f"{path}: {what} ({error})"


def integrity_problem(db: sqlite_utils.Database, schema: str = "main") -> str | None:
    """The first problem ``PRAGMA quick_check`` finds in ``schema``, or ``None`` if its pages are sound.

    ``quick_check`` reads every page and checks the b-tree structure (not
    index contents, which ``integrity_check`` also compares; that costs about
    four times as much). About 3 ms on the demo, 0.26 s on a 65 MB project
    (``bench/bench_open.py``). A damage error SQLite raises while checking is
    the problem too; other errors (a lock) are raised.
    """
    try:
        found = db.conn.execute(f"PRAGMA {schema}.quick_check(1)").fetchone()
    except sqlite3.DatabaseError as error:
        if failures.is_damage(error):
            return str(error)
        raise
    verdict = str(found[0]) if found else "ok"
    return None if verdict == "ok" else verdict


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


def checkpoint(db: sqlite_utils.Database, *, truncate: bool = False) -> tuple[int, int, int]:
    """Copy the WAL into the project file: SQLite's ``(busy, wal frames, frames checkpointed)``.

    By default ``PASSIVE``: it copies what it can without waiting for other
    connections' readers or writers (the workbench runs it when the coder
    pauses). ``truncate`` waits for them and empties the WAL file, for a file
    about to be handed to someone (the demo). A file that is not in WAL mode
    answers ``(0, -1, -1)``.
    """
    mode = "TRUNCATE" if truncate else "PASSIVE"
    found = db.conn.execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
    return (int(found[0]), int(found[1]), int(found[2])) if found else (0, -1, -1)


def data_version(db: sqlite_utils.Database) -> int:
    """SQLite's ``PRAGMA data_version``: it changes when another connection commits to the file.

    This connection's own commits leave it as it was. Reading it costs
    microseconds, so a screen can ask before every action and on a timer
    whether what it shows may be stale.
    """
    return int(db.conn.execute("PRAGMA data_version").fetchone()[0])
