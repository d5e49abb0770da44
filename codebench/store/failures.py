"""What SQLite's failures mean to the person at the keyboard: one line naming the file.

SQLite reports a held lock, a full disk, a read-only file or damaged pages
as ``sqlite3.OperationalError``/``DatabaseError`` with terse texts
("database is locked"). Every front end (the CLI's error handler, the
project opener, merge) turns them into the same messages here, each saying
what happened to which file and what to do about it. Errors that are not
about the file (a bug's "no such column") are left for a traceback.

No SQL here and nothing heavy to import: the CLI's error handler loads this
module only when something failed.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

#: How long a writer waits for another process's lock before giving up (ms).
BUSY_TIMEOUT_MS = 5000

#: Environment variable overriding :data:`BUSY_TIMEOUT_MS` (whole milliseconds).
BUSY_TIMEOUT_ENV = "CODEBENCH_BUSY_TIMEOUT_MS"

#: Texts of SQLite errors that mean the file's pages are damaged.
_DAMAGE = ("malformed", "file is not a database", "corrupt")


def busy_timeout_ms() -> int:
    """``$CODEBENCH_BUSY_TIMEOUT_MS`` when it is a whole number, else :data:`BUSY_TIMEOUT_MS`."""
    raw = os.environ.get(BUSY_TIMEOUT_ENV, "").strip()
    return int(raw) if raw.isdigit() else BUSY_TIMEOUT_MS


def is_damage(error: sqlite3.Error) -> bool:
    """Whether SQLite's ``error`` says the file's pages are damaged."""
    text = str(error).casefold()
    return any(word in text for word in _DAMAGE)


def damaged(path: Path | str, detail: str, *, outcome: str = "nothing was written to it") -> str:
    """The message for a damaged project file, with the way to recover what it still holds."""
    detail = " ".join(part.strip() for part in detail.splitlines() if "*** in database" not in part)
    if len(detail) > 120:
        detail = detail[:117] + "..."
    name = Path(path)
    recovered = name.with_name(f"{name.stem}-recovered{name.suffix or '.db'}")
    return (
        f"{path}: the project file is damaged ({detail}); {outcome}. "
        f"Recover what it holds with `sqlite3 {path} .recover | sqlite3 {recovered}` "
        "and use the recovered file"
    )


def read_only(path: Path | str, reason: str) -> str:
    """The message for a write to a project that cannot be written."""
    return (
        f"{path} is read-only: {reason}; nothing was saved "
        "(copy it to a folder you can write to, or change its permissions)"
    )


def describe(error: sqlite3.Error, path: Path | str) -> str | None:
    """A one-line message for ``error`` on the project at ``path``; ``None`` if it is not about the file."""
    text = str(error).casefold()
    if "database is locked" in text or "database is busy" in text:
        seconds = busy_timeout_ms() / 1000
        return (
            f"{path}: the project is locked by another program that has been writing for more "
            f"than {seconds:g} s; nothing was saved (try again when it has finished)"
        )
    if "database or disk is full" in text:
        return f"{path}: the disk is full; nothing was saved (free some space and try again)"
    if "disk i/o error" in text:
        return (
            f"{path}: disk I/O error; nothing was saved "
            "(check that the disk is still there and has free space)"
        )
    if "readonly database" in text:
        return read_only(path, "writing to it was refused")
    if "unable to open database file" in text:
        return (
            f"{path}: cannot open the project file (check that it and its folder exist "
            "and that you may read them)"
        )
    if is_damage(error):
        return damaged(path, str(error))
    return None
