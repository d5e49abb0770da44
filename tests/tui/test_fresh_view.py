"""Two workbenches of one coder on one file (two connections), and the CLI meanwhile: no stale view."""

from __future__ import annotations

import asyncio
from pathlib import Path

from click.testing import CliRunner
from textual.pilot import Pilot
from textual.widget import Widget

from codebench.cli import cli
from codebench.project import Project
from codebench.tui.app import CodebenchApp, make_app
from codebench.tui.screens.coding import MAINTENANCE_EVERY, CodingScreen
from codebench.tui.screens.project import ProjectScreen
from codebench.tui.widgets.status_bar import StatusBar
from codebench.tui.widgets.transcript_view import TranscriptView

CEO = "01-riverside-ceo"
SIZE = (120, 40)


def shown(widget: Widget) -> str:
    return "\n".join(
        "".join(segment.text for segment in widget.render_line(y))
        for y in range(widget.size.height)
    )


def coding(app: CodebenchApp) -> CodingScreen:
    assert isinstance(app.screen, CodingScreen), app.screen
    return app.screen


def alice_codings(path: Path) -> int:
    with Project.open(path) as project:
        return len(project.codings(coders=["alice"]))


def test_a_second_window_sees_the_first_windows_codings_and_undo_is_per_coder(
    tui_path: Path,
) -> None:
    first = Project.open(tui_path)
    second = Project.open(tui_path)

    async def main() -> None:
        a = make_app(first, coder="alice", transcript=CEO)
        b = make_app(second, coder="alice", transcript=CEO)
        async with a.run_test(size=SIZE) as pa, b.run_test(size=SIZE) as pb:
            await pa.pause()
            await pb.pause()
            cursor = coding(a).query_one(TranscriptView).cursor
            assert coding(b).query_one(TranscriptView).cursor == cursor
            await pa.press("c", "0", "4", "enter")
            await pa.pause()
            assert alice_codings(tui_path) == 1
            # B applies the same code to the same segment: it reads the file first.
            await pb.press("c", "0", "4", "enter")
            await pb.pause()
            assert "already there" in coding(b).last_message
            assert coding(b).session.progress()[0] == 1
            assert " 1/" in shown(coding(b).query_one(StatusBar))
            # A codes the next segment; B picks it up on its timer, with no key pressed.
            await pa.press("j", "c", "0", "5", "enter")
            await pa.pause()
            await _until(pb, lambda: coding(b).session.progress()[0] == 2)
            assert " 2/" in shown(coding(b).query_one(StatusBar))
            # Undo is per coder, not per window: B's u takes back A's latest action.
            await pb.press("u")
            await pb.pause()
            assert alice_codings(tui_path) == 1
            assert "undid add 05" in coding(b).last_message
            await _until(pa, lambda: coding(a).session.progress()[0] == 1)
            await pa.press("ctrl+r")
            await pa.pause()
            assert alice_codings(tui_path) == 2

    try:
        asyncio.run(main())
    finally:
        first.close()
        second.close()


def test_a_cli_change_meanwhile_shows_up_in_the_workbench_and_the_project_list(
    tui_project: Project, tui_path: Path
) -> None:
    codable = [s.ordinal for s in tui_project.segments(CEO) if s.codable]

    async def main() -> None:
        app = make_app(tui_project, coder="alice")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, ProjectScreen)
            await app.workers.wait_for_complete()
            result = CliRunner().invoke(
                cli, ["-p", str(tui_path), "status", "--coder", "alice", CEO, "done", "--yes"]
            )
            assert result.exit_code == 0, result.output
            await _until(pilot, lambda: "✓ done" in shown(app.screen.query_one("DataTable")))
            app.open_transcript(CEO)
            await pilot.pause()
            assert "✓ DONE" in shown(coding(app).query_one(StatusBar))
            result = CliRunner().invoke(
                cli,
                [
                    "-p",
                    str(tui_path),
                    "code-segment",
                    "--coder",
                    "alice",
                    CEO,
                    str(codable[0]),
                    "04",
                ],
            )
            assert result.exit_code == 0, result.output
            await _until(pilot, lambda: coding(app).session.progress()[0] == 1)
            assert "another window" in coding(app).last_message

    asyncio.run(main())


async def _until(pilot: Pilot, condition, seconds: float = 10 * MAINTENANCE_EVERY) -> None:
    """Let the app's timers run until ``condition`` holds (fails after ``seconds``)."""
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    assert condition()


def test_a_transcript_removed_elsewhere_is_said_once_not_at_every_tick(
    tui_project: Project, tui_path: Path
) -> None:
    said: list[str] = []

    async def main() -> None:
        app = make_app(tui_project, coder="alice", transcript=CEO)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            original = app.notify

            def record(message: str, *args: object, **kwargs: object) -> None:
                said.append(str(message))
                original(message, *args, **kwargs)  # type: ignore[arg-type]

            app.notify = record  # type: ignore[method-assign]
            with Project.open(tui_path) as other:
                other.remove_transcript(CEO, force=True)
            await pilot.pause(4 * MAINTENANCE_EVERY)  # several ticks of the timer
            assert len([m for m in said if "no longer exists" in m]) == 1, said
            await pilot.press("c", "0", "4", "enter")  # an action says why it was not saved
            await pilot.pause()
            assert len([m for m in said if "no longer exists" in m]) == 2, said

    asyncio.run(main())
