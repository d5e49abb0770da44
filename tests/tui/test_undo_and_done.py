"""The workbench's undo covers every action (codings, memos, status, codebook edits) and ``D`` asks first."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widget import Widget

from codebench.codebook import edits
from codebench.project import Project
from codebench.tui.app import CodebenchApp, make_app
from codebench.tui.modals.confirm import ConfirmModal
from codebench.tui.modals.memo import MemoModal
from codebench.tui.screens.coding import CodingScreen
from codebench.tui.screens.project import ProjectScreen
from codebench.tui.widgets.status_bar import StatusBar
from codebench.tui.widgets.transcript_view import TranscriptView

CEO = "01-riverside-ceo"
SIZE = (120, 40)


def run(app: CodebenchApp, script: Callable[[Pilot, CodebenchApp], Awaitable[None]]) -> None:
    async def main() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await script(pilot, app)

    asyncio.run(main())


def shown(widget: Widget) -> str:
    """The text a widget draws on screen, line by line."""
    return "\n".join(
        "".join(segment.text for segment in widget.render_line(y))
        for y in range(widget.size.height)
    )


def db_state(path: Path, coder: str = "alice") -> dict[str, Any]:
    """The coder's codings, memos and status, read through a fresh connection."""
    with Project.open(path) as project:
        k = project.coder(coder)
        return {
            "codings": sorted((c.code_id, c.start, c.end) for c in project.codings(coders=[k])),
            "memos": sorted(m.text for m in project.memos(author=k)),
            "status": project.status(k, CEO),
            "codes": [c.name for c in project.codes(include_archived=True)],
        }


def screen(app: CodebenchApp) -> CodingScreen:
    assert isinstance(app.screen, CodingScreen), app.screen
    return app.screen


# ---------------------------------------------------------------------- D asks first
def test_done_asks_how_many_are_left_and_no_keeps_coding(
    tui_project: Project, tui_path: Path
) -> None:
    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        session = screen(app).session
        await pilot.press("c", "0", "4", "enter")
        await pilot.pause()
        left = session.codable_total - 1
        await pilot.press("D")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        question = shown(app.screen.query_one("#confirm-message"))
        assert (
            f"{left} of {session.codable_total} codable segments are still uncoded by alice"
            in " ".join(question.split())
        )
        await pilot.press("n")
        await pilot.pause()
        assert db_state(tui_path)["status"] == "in-progress"
        assert "DONE" not in shown(screen(app).query_one(StatusBar))
        await pilot.press("D")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert db_state(tui_path)["status"] == "done"
        assert "✓ DONE" in shown(screen(app).query_one(StatusBar))
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, ProjectScreen)
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = app.screen.query_one("DataTable")
        assert f"✓ done ({left} uncoded)" in shown(table)

    run(make_app(tui_project, coder="alice", transcript=CEO), script)


def test_done_needs_no_question_once_everything_is_coded(
    tui_project: Project, tui_path: Path
) -> None:
    codable = [s.ordinal for s in tui_project.segments(CEO) if s.codable]
    tui_project.code_segments("alice", CEO, codable, "04")

    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        await pilot.press("D")
        await pilot.pause()
        assert isinstance(app.screen, CodingScreen)
        assert db_state(tui_path)["status"] == "done"

    run(make_app(tui_project, coder="alice", transcript=CEO), script)


# ---------------------------------------------------------------------- u undoes everything
def test_u_undoes_memo_status_codebook_edit_and_coding_in_reverse_order(
    tui_project: Project, tui_path: Path
) -> None:
    """The issue's case: after a memo, ``u`` took back an earlier coding and left the memo."""
    states: list[dict[str, Any]] = []

    async def first(pilot: Pilot, app: CodebenchApp) -> None:
        states.append(db_state_or_empty(tui_path))
        await pilot.press("c", "0", "4", "enter")  # a coding
        await pilot.pause()
        states.append(db_state(tui_path))
        await pilot.press("m")
        assert isinstance(app.screen, MemoModal)
        await pilot.press(*"a thought", "ctrl+s")  # a memo
        await pilot.pause()
        states.append(db_state(tui_path))
        await pilot.press("D", "y")  # done, confirmed
        await pilot.pause()
        states.append(db_state(tui_path))
        # A codebook edit made from the workbench (the editor is a screen on top of it).
        edits.add_code(tui_project, "alice", "Morale")
        states.append(db_state(tui_path))
        assert len({repr(s) for s in states}) == 5

        view = screen(app).query_one(TranscriptView)
        for expected in reversed(states[:-1]):
            await pilot.press("u")
            await pilot.pause()
            assert db_state(tui_path) == expected, screen(app).last_message
        assert "undid" in screen(app).last_message
        assert screen(app).session.own_memo(view.cursor) is None
        await pilot.press("u")
        await pilot.pause()
        assert screen(app).last_message == "nothing to undo"
        for expected in states[1:3]:
            await pilot.press("ctrl+r")
            await pilot.pause()
            assert db_state(tui_path) == expected, screen(app).last_message
        assert screen(app).session.own_memo(view.cursor) is not None
        assert "memo" in screen(app).last_message

    run(make_app(tui_project, coder="alice", transcript=CEO), first)
    tui_project.close()

    async def after_restart(pilot: Pilot, app: CodebenchApp) -> None:
        for expected in states[3:]:
            await pilot.press("ctrl+r")
            await pilot.pause()
            assert db_state(tui_path) == expected, screen(app).last_message
        assert "✓ DONE" in shown(screen(app).query_one(StatusBar))
        assert "Morale" in [c.name for c in screen(app).session.codes]
        await pilot.press("u", "u")
        await pilot.pause()
        assert db_state(tui_path) == states[2]
        assert "DONE" not in shown(screen(app).query_one(StatusBar))

    with Project.open(tui_path) as reopened:
        run(make_app(reopened, coder="alice", transcript=CEO), after_restart)


def db_state_or_empty(path: Path) -> dict[str, Any]:
    """The state before the coder exists: nothing coded, no memos, not started."""
    with Project.open(path) as project:
        return {
            "codings": [],
            "memos": [],
            "status": "not-started",
            "codes": [c.name for c in project.codes(include_archived=True)],
        }
