"""The workbench syncs a team copy in the background: status line, push, pull, offline, quit.

Each test runs the real Textual app (``App.run_test`` + Pilot) on a coder's
clone of a hub on the session's local PostgreSQL cluster, and asserts on the
hub (read as the superuser, not through codebench), on the copy and on the
rendered status text.
"""

from __future__ import annotations

import asyncio
import re
import socket
import time
from pathlib import Path
from typing import Any

import pytest

from codebench.codebook.edits import add_code
from codebench.project import Project
from codebench.team.background import SyncState, status_line
from codebench.team.sync import URL, sync
from codebench.tui.app import CodebenchApp
from codebench.tui.modals.code_picker import CodePickerModal
from codebench.tui.screens.coding import CodingScreen
from codebench.tui.screens.project import ProjectScreen
from codebench.tui.widgets.status_bar import StatusBar

from .conftest import Team

SIZE = (80, 24)


@pytest.fixture(autouse=True)
def _quiet(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CODEBENCH_NO_WELCOME", "1")
    monkeypatch.delenv("CODEBENCH_CODER", raising=False)
    monkeypatch.setenv("CODEBENCH_CONFIG", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    # No timer-driven syncs: each test starts the syncs it waits for (the first runs at start).
    monkeypatch.setenv("CODEBENCH_SYNC_EVERY", "0")


def hub_codings(team: Team, coder: str) -> list[tuple[str, int, int]]:
    with team.hub.admin() as conn:
        rows = conn.execute(
            "SELECT k.code_guid, k.start_char, k.end_char FROM codebench.codings k"
            " JOIN codebench.coders c ON c.guid = k.coder_guid"
            " WHERE c.name = %s AND NOT k.deleted ORDER BY k.start_char",
            [coder],
        ).fetchall()
    return [(str(r[0]), int(r[1]), int(r[2])) for r in rows]


def status_text(app: CodebenchApp) -> str:
    return str(app.screen.query_one(StatusBar).render())


async def settle_sync(app: CodebenchApp, pilot: Any, timeout: float = 20.0) -> None:
    """Wait until the background sync under way has finished and the screens have redrawn."""
    deadline = time.monotonic() + timeout
    await pilot.pause()
    while app.team_sync is not None and app.team_sync.state.syncing:
        assert time.monotonic() < deadline, "the background sync did not finish"
        await asyncio.sleep(0.05)
    await app.workers.wait_for_complete()
    await pilot.pause(0.7)  # one maintenance tick (0.5 s) redraws the status line


async def code_one(app: CodebenchApp, pilot: Any, number: str) -> None:
    screen = app.screen
    assert isinstance(screen, CodingScreen)
    while not screen.session.segments[screen.view.cursor].codable:
        await pilot.press("j")
    await pilot.press("c", *number, "enter")
    await pilot.pause()


def run(app: CodebenchApp, script: Any) -> None:
    async def main() -> None:
        async with app.run_test(size=SIZE) as pilot:
            app.animation_level = "none"
            await script(app, pilot)

    asyncio.run(main())


def test_workbench_pushes_a_coding_and_says_when_it_synced(team: Team) -> None:
    before = hub_codings(team, "alice")
    with Project.open(team.alice) as copy:
        code = copy.code("04")

        async def script(app: CodebenchApp, pilot: Any) -> None:
            await settle_sync(app, pilot)
            assert app.team_sync is not None
            assert re.search(r"│ synced \d s ago │", status_text(app)), status_text(app)
            await code_one(app, pilot, "04")
            # The keystroke did not wait for the hub: the coding is local, not up yet.
            assert hub_codings(team, "alice") == before
            app._team_tick()
            assert "syncing…" in app.team_line()
            await settle_sync(app, pilot)
            shown = status_text(app)
            assert "synced" in shown and "│" in shown, shown
            assert "synced" in shown[: SIZE[0]], shown  # visible at 80 columns

        run(CodebenchApp(copy, coder="alice", transcript="int1"), script)
        after = hub_codings(team, "alice")
    new = [c for c in after if c not in before]
    assert len(new) == 1 and new[0][0] == code.guid


def test_a_pull_refreshes_the_open_screens_and_keeps_the_coders_place(team: Team) -> None:
    with Project.open(team.alice) as copy:

        async def script(app: CodebenchApp, pilot: Any) -> None:
            await settle_sync(app, pilot)
            screen = app.screen
            assert isinstance(screen, CodingScreen)
            await pilot.press("j", "j")
            cursor = screen.view.cursor
            # Meanwhile the lead adds a code and syncs it to the hub.
            add_code(team.lead, "lee", "Pulled code")
            sync(team.lead)
            app._team_tick()
            await settle_sync(app, pilot)
            await pilot.pause(1.2)  # the screen's file watch
            assert app.screen is screen and screen.view.cursor == cursor
            assert any(c.name == "Pulled code" for c in screen.session.codes)
            assert "pulled" in status_text(app), status_text(app)
            # A pull while the code picker is open leaves the picker open, and the new
            # code is there once it closes.
            await pilot.press("c")
            picker = app.screen
            assert isinstance(picker, CodePickerModal)
            add_code(team.lead, "lee", "Second pulled code")
            sync(team.lead)
            app._team_tick()
            await settle_sync(app, pilot)
            await pilot.pause(1.2)
            assert app.screen is picker
            await pilot.press("escape")
            await pilot.pause(0.7)
            assert app.screen is screen and screen.view.cursor == cursor
            assert any(c.name == "Second pulled code" for c in screen.session.codes)

        run(CodebenchApp(copy, coder="alice", transcript="int1"), script)


def test_offline_the_status_counts_the_changes_waiting_and_quit_does_not_hang(
    team: Team,
) -> None:
    with socket.socket() as probe:  # a port where nothing listens: the server is down
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    with Project.open(team.alice) as copy:
        live = copy.setting(URL)
        assert live is not None
        copy.set_setting(URL, live.replace(f":{team.hub.server.port}/", f":{dead_port}/"))

        async def script(app: CodebenchApp, pilot: Any) -> None:
            await settle_sync(app, pilot)
            await code_one(app, pilot, "04")
            await pilot.press("j")
            await code_one(app, pilot, "05")
            app._team_tick()
            await settle_sync(app, pilot)
            shown = status_text(app)
            # Two codings and the transcript's status ("in progress"), all still here.
            assert "offline — 3 changes waiting" in shown[: SIZE[0]], shown
            started = time.monotonic()
            await app.action_quit()
            assert time.monotonic() - started < 8

        run(CodebenchApp(copy, coder="alice", transcript="int1"), script)
        assert hub_codings(team, "alice") == []
        # Back online, the work goes up with the next sync.
        copy.set_setting(URL, live)
        sync(copy)
    assert len(hub_codings(team, "alice")) == 2


def test_quit_pushes_what_was_coded_since_the_last_sync(team: Team) -> None:
    with Project.open(team.alice) as copy:

        async def script(app: CodebenchApp, pilot: Any) -> None:
            await settle_sync(app, pilot)
            await code_one(app, pilot, "04")
            await app.action_quit()

        run(CodebenchApp(copy, coder="alice", transcript="int1"), script)
    assert len(hub_codings(team, "alice")) == 1


def test_the_project_screen_shows_the_sync_line(team: Team) -> None:
    with Project.open(team.alice) as copy:

        async def script(app: CodebenchApp, pilot: Any) -> None:
            await settle_sync(app, pilot)
            await pilot.pause(1.1)
            assert isinstance(app.screen, ProjectScreen)
            line = str(app.screen.query_one("#project-filter").render())
            assert "synced" in line and len(line.rstrip()) <= SIZE[0], line

        run(CodebenchApp(copy, coder="alice"), script)


def test_a_solo_project_has_no_sync_and_no_sync_text(interview: Project) -> None:
    async def script(app: CodebenchApp, pilot: Any) -> None:
        await pilot.pause()
        assert app.team_sync is None
        assert app.team_line() == ""
        assert "sync" not in status_text(app)

    run(CodebenchApp(interview, coder="ann", transcript="int1"), script)


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (SyncState(syncing=True, synced_at=0.0), "syncing…"),
        (SyncState(synced_at=100.0), "synced 12 s ago"),
        (SyncState(synced_at=100.0 - 120), "synced 2 min ago"),
        (SyncState(offline=True, waiting=34), "offline — 34 changes waiting"),
        (SyncState(offline=True, waiting=1), "offline — 1 change waiting"),
        (SyncState(error="bad\x1b[31m\nnews"), "bad␛[31m␊news"),
        (SyncState(synced_at=100.0, pulled="pulled 3 codes", pulled_at=110.0), "pulled 3 codes"),
        (SyncState(synced_at=100.0, pulled="pulled 3 codes", pulled_at=100.0), "synced 12 s ago"),
        (SyncState(), "not synced yet"),
    ],
)
def test_status_line_words(state: SyncState, expected: str) -> None:
    assert status_line(state, at=112.0) == expected


def test_a_sync_that_finds_nothing_new_leaves_the_copy_untouched(team: Team) -> None:
    """Else every background sync would make the workbench's screens re-read the file."""
    with Project.open(team.alice) as copy, Project.open(team.alice) as watcher:
        sync(copy)
        seen = watcher.data_version()
        sync(copy)
        assert watcher.data_version() == seen
        copy.add_codings("alice", "04", "int1", [(0, 5)])
        seen = watcher.data_version()
        sync(copy)  # the push is noted: the file changes
        assert watcher.data_version() != seen
