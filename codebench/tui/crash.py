"""When the workbench itself fails: the traceback goes to a log file, the user reads one line.

A bug in the workbench (not a user's mistake: those are notifications) ends
the app. Textual would print a screenful of traceback and the process would
still exit with status 0; instead the traceback is written to
``$XDG_STATE_HOME/codebench/crash-<time>.log`` (default
``~/.local/state/codebench``), the command prints one line naming that file
and exits with status 1. Committed work is safe either way: every action was
its own transaction.
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import traceback
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.app import App


def state_dir() -> Path:
    """Where codebench keeps logs: ``$XDG_STATE_HOME/codebench``, else ``~/.local/state/codebench``."""
    base = os.environ.get("XDG_STATE_HOME") or ""
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".local" / "state"
    return root / "codebench"


def _report(error: BaseException, when: datetime) -> str:
    from importlib.metadata import PackageNotFoundError, version

    versions = []
    for package in ("codebench", "textual"):
        try:
            versions.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            versions.append(f"{package} (not installed)")
    lines = [
        f"codebench workbench crash, {when.isoformat(timespec='seconds')}",
        f"{', '.join(versions)}, Python {platform.python_version()} on {sys.platform}",
        f"command: {' '.join(sys.argv)}",
        "",
        "".join(traceback.format_exception(error)),
    ]
    inner = getattr(error, "error", None)  # a failed worker carries the exception it raised
    if isinstance(inner, BaseException) and inner is not error:
        lines += ["raised in the worker:", "".join(traceback.format_exception(inner))]
    return "\n".join(lines)


def write_crash_log(error: BaseException, *, when: datetime | None = None) -> Path:
    """Write ``error``'s traceback to a new log file and return its path.

    Falls back to the temporary folder when the state folder cannot be
    written (a read-only home): the traceback is never lost silently.
    """
    when = when or datetime.now()
    text = _report(error, when)
    stamp = when.strftime("%Y%m%d-%H%M%S")
    for folder in (state_dir(), Path(tempfile.gettempdir()) / "codebench"):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for n in range(100):
                path = folder / (f"crash-{stamp}.log" if n == 0 else f"crash-{stamp}-{n}.log")
                try:
                    with path.open("x", encoding="utf-8") as log:
                        log.write(text)
                except FileExistsError:
                    continue
                return path
        except OSError:
            continue
    raise OSError("cannot write a crash log in the state or temporary folder")


@dataclass(frozen=True)
class Crash:
    """An uncaught exception in the workbench and the log that holds its traceback."""

    error: BaseException
    log: Path | None

    @classmethod
    def record(cls, error: BaseException) -> Crash:
        """Write the log for ``error`` (if at all possible) and remember where."""
        try:
            log: Path | None = write_crash_log(error)
        except OSError:
            log = None
        return cls(error, log)

    @property
    def message(self) -> str:
        """One line for the terminal: what failed and where the details are."""
        what = " ".join(str(self.error).split())
        what = f"{type(self.error).__name__}: {what}" if what else type(self.error).__name__
        if len(what) > 120:
            what = what[:119] + "…"
        where = f"details in {self.log}" if self.log else "no log could be written"
        return f"the workbench stopped on an internal error ({what}); {where}"


def run_reporting_crashes(app: App[Any]) -> Crash | None:
    """Run ``app`` until it exits; the crash that ended it, if one did.

    The app records exceptions raised while it runs (see
    ``CodebenchApp._handle_exception``); one escaping ``run()`` itself (the
    terminal driver failing, say) is recorded here.
    """
    try:
        app.run()
    except Exception as error:  # noqa: BLE001 - any failure becomes one line and a log
        return Crash.record(error)
    crash = getattr(app, "crash", None)
    return crash if isinstance(crash, Crash) else None
