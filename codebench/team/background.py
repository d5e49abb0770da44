"""Syncing a team copy in the background, and the one line that says how it went.

The workbench runs :meth:`BackgroundSync.run` in a worker thread every few
seconds and once on quit. It syncs through its own connection to the
project file (opened in the worker, kept for the session), so the coder's
keystrokes never wait on the network; what a pull writes reaches the
screens the way another window's work does, through SQLite's
``data_version`` (see :mod:`codebench.tui.freshness`). Nothing here imports
Textual: the state and its wording are plain data, tested on their own.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from codebench.errors import CodebenchError
from codebench.project import Project
from codebench.safety import one_line
from codebench.team.connect import HubError
from codebench.team.sync import URL, SyncOffline, SyncResult, listing, sync

#: Seconds between background syncs unless ``$CODEBENCH_SYNC_EVERY`` says otherwise (0: never).
SYNC_EVERY = 10.0
#: Seconds a "pulled …" note stays in the status line.
PULLED_SHOWN = 8.0
#: Longest error text in the status line (the whole text goes in a notification).
ERROR_WIDTH = 60


def sync_every() -> float:
    """The background interval from ``$CODEBENCH_SYNC_EVERY`` (seconds; 0 or less: off)."""
    raw = os.environ.get("CODEBENCH_SYNC_EVERY", "").strip()
    if not raw:
        return SYNC_EVERY
    try:
        return max(float(raw), 0.0)
    except ValueError:
        return SYNC_EVERY


def is_team_copy(project: Project) -> bool:
    """Whether ``project`` has a hub to sync with (it was published or cloned)."""
    try:
        return project.setting(URL) is not None
    except Exception:  # noqa: BLE001 - an unreadable file is simply not synced
        return False


@dataclass(frozen=True)
class SyncState:
    """What the last background sync did, as the status line reports it.

    Times are :func:`time.monotonic` readings (never compared with a clock on the hub).
    """

    syncing: bool = False
    synced_at: float | None = None
    offline: bool = False
    waiting: int = 0
    error: str = ""
    pulled: str = ""
    pulled_at: float | None = None


def status_line(state: SyncState, at: float | None = None) -> str:
    """ "synced 12 s ago", "syncing…", "offline — 34 changes waiting", or the error; terminal-safe."""
    clock = time.monotonic() if at is None else at
    if state.syncing:
        return "syncing…"
    if state.pulled and state.pulled_at is not None and clock - state.pulled_at < PULLED_SHOWN:
        return one_line(state.pulled)
    if state.offline:
        plural = "s" if state.waiting != 1 else ""
        return f"offline — {state.waiting} change{plural} waiting"
    if state.error:
        text = one_line(state.error)
        return text if len(text) <= ERROR_WIDTH else text[: ERROR_WIDTH - 1] + "…"
    if state.synced_at is None:
        return "not synced yet"
    seconds = max(int(clock - state.synced_at), 0)
    if seconds < 60:
        return f"synced {seconds} s ago"
    if seconds < 3600:
        return f"synced {seconds // 60} min ago"
    return f"synced {seconds // 3600} h ago"


def pulled_note(result: SyncResult) -> str:
    """What a pull brought, for a moment in the status line ("pulled 3 codes, 1 assignment")."""
    moved = listing(result.pulled)
    return f"pulled {moved}" if moved else ""


class BackgroundSync:
    """One team copy's background syncs: never two at once, each leaving a :class:`SyncState`."""

    def __init__(self, path: Path, *, opener: Callable[[Path], Project] | None = None) -> None:
        self.path = path
        self._opener = opener or Project.open
        self._project: Project | None = None
        self._lock = threading.Lock()
        self.state = SyncState()
        self.closed = False

    def begin(self) -> SyncState:
        """Mark a sync as under way (on the UI thread, before the worker starts)."""
        self.state = replace(self.state, syncing=True)
        return self.state

    def run(self, *, wait: bool = False) -> SyncState:
        """Sync once (in a worker thread). A sync already running makes this one a no-op,
        unless ``wait`` (the sync on quit: it follows the running one, so nothing typed
        since that one started stays behind).

        Every failure ends in the state's one-line text, never an exception:
        offline (with the changes waiting), the hub's refusal, or a local problem.
        """
        if not self._lock.acquire(blocking=wait):
            return self.state
        try:
            if self.closed:
                return replace(self.state, syncing=False)
            self.state = self._once(replace(self.state, syncing=True))
            return self.state
        finally:
            self._lock.release()

    def _once(self, state: SyncState) -> SyncState:
        done = replace(state, syncing=False)
        try:
            if self._project is None:
                self._project = self._opener(self.path)
            result = sync(self._project)
        except SyncOffline as error:
            return replace(done, offline=True, waiting=error.waiting, error="")
        except (HubError, CodebenchError) as error:
            return replace(done, offline=False, error=str(error))
        except Exception as error:  # noqa: BLE001 - the workbench shows it; it must not end the app
            return replace(done, offline=False, error=f"sync failed: {error}")
        note = pulled_note(result)
        stamp = time.monotonic()
        return replace(
            done,
            synced_at=stamp,
            offline=False,
            waiting=0,
            error="",
            pulled=note or done.pulled,
            pulled_at=stamp if note else done.pulled_at,
        )

    def close(self, timeout: float = 0.0) -> bool:
        """Close the sync's connection once no sync runs (waiting at most ``timeout``); returns
        whether it closed (a sync still talking to a dead server is left to finish or die)."""
        got = self._lock.acquire(timeout=timeout) if timeout > 0 else self._lock.acquire(False)
        if not got:
            self.closed = True
            return False
        try:
            self.closed = True
            if self._project is not None:
                self._project.close()
                self._project = None
            return True
        finally:
            self._lock.release()
