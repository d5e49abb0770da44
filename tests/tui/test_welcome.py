"""The "first 60 seconds" overlay: on the first open per coder and project, gone with any key
(which does nothing else), reachable again from help, and on one 80x24 screen."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.app import App
from textual.pilot import Pilot

from codebench.project import Project
from codebench.tui.app import CodebenchApp, make_app
from codebench.tui.screens.coding import CodingScreen
from codebench.tui.screens.help import HelpScreen
from codebench.tui.screens.project import ProjectScreen
from codebench.tui.screens.welcome import WELCOMED, WelcomeScreen

CEO = "01-riverside-ceo"
Run = Callable[..., App[None]]


def _app(project: Project, coder: str, transcript: str | None = None) -> CodebenchApp:
    app = make_app(project, coder=coder, transcript=transcript)
    app.welcome = True  # the test harness switches it off (tests/conftest.py)
    return app


def _drawn(app: CodebenchApp) -> str:
    return "\n".join(
        "".join(s.text for s in strip) for strip in app.screen._compositor.render_strips()
    )


def test_shown_once_per_coder_and_any_key_only_closes_it(tui_path: Path, run_headless: Run) -> None:
    seen: list[object] = []

    async def first(app: CodebenchApp, pilot: Pilot) -> None:
        assert isinstance(app.screen, WelcomeScreen)
        drawn = _drawn(app)
        assert "first 60 seconds" in drawn and "Press any key" in drawn
        assert "Enter on a transcript opens it" in drawn
        await pilot.press("question_mark")  # would open help anywhere else
        await pilot.pause()
        seen.append(type(app.screen))

    async def again(app: CodebenchApp, pilot: Pilot) -> None:
        seen.append(type(app.screen))

    with Project.open(tui_path) as project:
        run_headless(lambda: _app(project, "alice"), first, size=(80, 24))
        run_headless(lambda: _app(project, "alice"), again, size=(80, 24))
        run_headless(lambda: _app(project, "bob", CEO), again, size=(80, 24))
        alice = project.coder("alice")
        assert project.setting(WELCOMED + alice.guid) == "1"
    assert seen == [ProjectScreen, ProjectScreen, WelcomeScreen]


def test_over_the_coding_screen_q_does_not_leave(tui_project: Project, run_headless: Run) -> None:
    async def script(app: CodebenchApp, pilot: Pilot) -> None:
        assert isinstance(app.screen, WelcomeScreen)
        drawn = str(app.screen.query_one("#welcome-text").render())
        assert "This is the transcript you opened; q goes back to the list" in drawn
        assert "Enter on a transcript" not in drawn
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, CodingScreen)

    run_headless(lambda: _app(tui_project, "alice", CEO), script, size=(120, 36))


def test_reachable_from_help_and_fits_80x24(tui_project: Project, run_headless: Run) -> None:
    async def script(app: CodebenchApp, pilot: Pilot) -> None:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert "first 60 seconds" in _drawn(app)
        await pilot.press("w")
        await pilot.pause()
        assert isinstance(app.screen, WelcomeScreen)
        drawn = _drawn(app)
        for line in ("Your first 60 seconds", "undo, redo", "every key", "Press any key"):
            assert line in drawn, line
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)

    run_headless(
        lambda: make_app(tui_project, coder="alice", transcript=CEO), script, size=(80, 24)
    )
