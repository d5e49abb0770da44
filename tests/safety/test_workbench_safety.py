"""The workbench on the hostile project: every screen draws names and text literally, with no raw
control character reaching the terminal, and markup in a name showing as typed."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets._toast import Toast

from codebench.project import Project
from codebench.tui.app import CodebenchApp, make_app

from .conftest import CODER_A, CONTROLS, MARKUP, TRANSCRIPT, raw_controls

SIZE = (200, 50)


def _drawn(app: CodebenchApp) -> str:
    """Everything the screen would send to the terminal as text, line by line."""
    return "\n".join(
        "".join(segment.text for segment in strip)
        for strip in app.screen._compositor.render_strips()
    )


def _visit(project: Project) -> dict[str, str]:
    shown: dict[str, str] = {}

    async def settle(pilot: Pilot) -> None:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.pause()

    async def main() -> None:
        app = make_app(project, coder=CODER_A)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await settle(pilot)
            shown["project"] = _drawn(app)
            app.open_transcript(TRANSCRIPT)
            await settle(pilot)
            shown["coding"] = _drawn(app)
            for key, name in (("f2", "codebook"), ("f3", "review"), ("f4", "reports")):
                await pilot.press(key)
                await settle(pilot)
                shown[name] = _drawn(app)
                app.pop_screen()
                await settle(pilot)
            app.notify("Saved " + MARKUP + CONTROLS, title="=" + CONTROLS)
            await settle(pilot)
            toasts = list(app.screen.query(Toast))
            assert toasts
            shown["notification"] = "\n".join(str(toast.render()) for toast in toasts)

    asyncio.run(main())
    return shown


def test_no_screen_draws_a_raw_control_character(hostile_path: Path) -> None:
    with Project.open(hostile_path) as project:
        shown = _visit(project)
    assert set(shown) == {"project", "coding", "codebook", "review", "reports", "notification"}
    assert {name: raw_controls(text) for name, text in shown.items() if raw_controls(text)} == {}
    assert "=evil␛]0;p" in shown["project"]  # the transcript name, made visible
    assert "=evil␛]0;pwned" in shown["coding"]  # the border title
    assert "[bold red]loud[/]" in shown["coding"]  # transcript text: markup as typed
    assert "[bold red]loud[/]" in shown["codebook"]  # a code name in the editor tree
    assert "Saved [bold red]loud[/]" in shown["notification"]
