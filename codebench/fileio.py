"""Writing output files atomically, so a failed export never clobbers a good file.

A file is written to a temporary beside the target and renamed over it. A
run killed half-way (``kill -9``, a power cut) cannot remove its temporary,
so temporaries carry a name a later run recognises, with the writer's
process id: ``.NAME.codebench-tmp-<pid>-<random>``. Every write of ``NAME``
first removes the temporaries of earlier writes of ``NAME`` that are stale:
their process is gone, or they have not been written to for
:data:`STALE_AFTER` seconds (a process id can be reused). Temporaries of
older versions (``.NAME.<random>.tmp``, ``.NAME.<pid>.tmp``) are recognised
the same way.

Private working folders (merges, dry runs, staging an archive for standard
output) get the same treatment: :func:`private_tempdir` names them
``codebench-<purpose>-<pid>-<random>`` in the system temporary folder and
removes stale ones of earlier runs.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from codebench.errors import OutputFailed

#: Marker in the names of this program's temporaries.
TEMP_MARK = "codebench-tmp"
#: A temporary untouched for this long is stale even if its process id is in use again.
STALE_AFTER = 6 * 3600
#: ``mkstemp``'s random part: 8 characters of this alphabet.
_MKSTEMP = "[a-z0-9_]{8}"


#: How every SQLite database file starts.
SQLITE_MAGIC = b"SQLite format 3\x00"


def is_sqlite_file(path: Path | str) -> bool:
    """Whether ``path`` is a regular file holding an SQLite database (a project?).

    No output of this program is ever one, so no writer may replace one: a
    mistyped output name must not destroy a project. Missing files, folders
    and pipes (opening a pipe to look would hang) are not.
    """
    path = Path(path)
    if not path.is_file():
        return False
    try:
        with open(path, "rb") as handle:
            return handle.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False  # unreadable: the writer says so


def write_atomic(path: Path | str, data: bytes | str) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and a rename."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    write_atomic_with(path, lambda handle: handle.write(payload))


def write_atomic_with(path: Path | str, writer: Callable[[IO[bytes]], object]) -> None:
    """Call ``writer`` on a temporary binary file, then rename it over ``path``.

    A file that cannot be written (a folder in the way, no permission, a
    full disk, an immutable target) is a :class:`~codebench.errors.OutputFailed`
    naming ``path``, never the temporary, and the old ``path`` stays as it was.
    A ``path`` that exists and is not a regular file (``/dev/null``, a named
    pipe) is written to directly.
    """
    target = Path(path)
    try:
        _write_atomic_with(target, writer)
    except OSError as error:
        raise OutputFailed(
            f"{target}: cannot write it ({error.strerror or error}); nothing was written"
        ) from None


def _write_atomic_with(target: Path, writer: Callable[[IO[bytes]], object]) -> None:
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "it is a folder")
    if mode is not None and not stat.S_ISREG(mode):
        # /dev/null, /dev/stdout, a named pipe: written to, never renamed over
        # (a rename would replace the device with a plain file).
        with open(target, "wb") as handle:
            writer(handle)
        return
    if not target.parent.is_dir():
        # A mistyped folder is an error to report, not a tree of folders to create.
        raise FileNotFoundError(errno.ENOENT, f"no folder {target.parent}")
    remove_stale_temporaries(target)
    fd, tmp = tempfile.mkstemp(prefix=temporary_prefix(target), dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            writer(handle)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp makes the file private (0600); give it the permissions a plain open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def temporary_prefix(target: Path) -> str:
    """The name this process's temporaries of ``target`` start with."""
    return f".{target.name}.{TEMP_MARK}-{os.getpid()}-"


def _temporary_pattern(name: str) -> re.Pattern[str]:
    """Names of temporaries of a file called ``name``; group ``pid`` when the name has one."""
    escaped = re.escape(name)
    return re.compile(
        rf"\.{escaped}\.(?:{TEMP_MARK}-(?P<pid>\d+)-\w+"  # this version
        rf"|(?P<oldpid>\d+)\.tmp"  # the REFI-QDA writer: .NAME.<pid>.tmp
        rf"|{_MKSTEMP}\.tmp)"  # earlier versions: .NAME.<random>.tmp
    )


def remove_stale_temporaries(target: Path | str) -> list[Path]:
    """Remove the stale temporaries of earlier writes of ``target``; returns what was removed.

    Only regular files whose names match a temporary of ``target`` exactly
    are considered; a temporary is stale when the process that wrote it is
    no longer running, or when it has not changed for :data:`STALE_AFTER`
    seconds. A folder that cannot be listed is left alone.
    """
    target = Path(target)
    pattern = _temporary_pattern(target.name)
    removed: list[Path] = []
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match is None:
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISREG(info.st_mode):
            continue
        pid = match.group("pid") or match.group("oldpid")
        if not _stale(int(pid) if pid else None, info.st_mtime, now):
            continue
        with contextlib.suppress(OSError):
            os.unlink(entry.path)
            removed.append(Path(entry.path))
    return removed


def _stale(pid: int | None, mtime: float, now: float) -> bool:
    if now - mtime > STALE_AFTER:
        return True
    if pid is None or pid == os.getpid():
        return False  # no owner recorded (only age tells), or one of ours in flight
    return not process_alive(pid)


def process_alive(pid: int) -> bool:
    """Whether a process with id ``pid`` exists (on this machine)."""
    if pid <= 0:
        return False
    if os.name == "nt":
        return True  # os.kill(pid, 0) would interrupt it there; only age tells
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    except OSError:
        return True  # cannot tell: keep the file
    return True


@contextlib.contextmanager
def private_tempdir(purpose: str) -> Iterator[Path]:
    """A private temporary folder, removed afterwards; stale ones of killed runs are removed first."""
    base = Path(tempfile.gettempdir())
    remove_stale_tempdirs(base)
    with tempfile.TemporaryDirectory(prefix=f"codebench-{purpose}-{os.getpid()}-", dir=base) as d:
        yield Path(d)


_TEMPDIR = re.compile(r"codebench-[a-z]+-(?P<pid>\d+)-\w+")


def remove_stale_tempdirs(base: Path) -> list[Path]:
    """Remove this user's ``codebench-<purpose>-<pid>-…`` folders in ``base`` whose run is gone."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(base))
    except OSError:
        return removed
    now = time.time()
    uid = os.getuid() if hasattr(os, "getuid") else None
    for entry in entries:
        match = _TEMPDIR.fullmatch(entry.name)
        if match is None:
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode) or (uid is not None and info.st_uid != uid):
            continue
        if not _stale(int(match.group("pid")), info.st_mtime, now):
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        removed.append(Path(entry.path))
    return removed
