"""A bug in the workbench ends it with one line naming a crash log and exit status 1; the
command palette no longer crashes when paged before its list is laid out."""

from __future__ import annotations

import asyncio
import functools
from pathlib import Path

import pytest
from click.testing import CliRunner
from textual.app import App
from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets.option_list import Option

from codebench.cli import cli
from codebench.project import Project
from codebench.tui.app import CodebenchApp, make_app
from codebench.tui.crash import Crash, state_dir, write_crash_log
from codebench.tui.screens.project import ProjectScreen
from codebench.tui.screens.reports import ReportsScreen
from codebench.tui.screens.review import ReviewScreen

CEO = "01-riverside-ceo"


# ---------------------------------------------------------------------- the palette
@pytest.mark.parametrize("key", ["pageup", "pagedown"])
def test_palette_pages_before_its_list_is_laid_out(tui_project: Project, key: str) -> None:
    """``ctrl+p`` then PageUp at once: the commands arrive, the key runs before the list has a size.

    The key's bindings run with no pause between the options arriving and the
    page move, which is the moment Textual's palette raised ``KeyError: 0``.
    """

    async def main() -> None:
        app = make_app(tui_project, coder="alice", transcript=CEO)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            await pilot.press("ctrl+p")
            await pilot.pause()
            palette = app.screen
            assert isinstance(palette, CommandPalette)
            commands = palette.query_one(CommandList)
            commands.clear_options()
            await pilot.pause()
            assert not commands.scrollable_content_region  # no size until options come
            commands.add_options([Option(f"command {n}") for n in range(30)])
            commands.highlighted = 0
            # The key's bindings, in the order a key press tries them, with no pause between.
            assert await app._check_bindings(key)
            await pilot.pause()
            assert app.is_running and isinstance(app.screen, CommandPalette)
            assert (
                commands.highlighted is not None and commands.highlighted > 0
            ) or key == "pageup"
            await pilot.press("escape")
        assert app.crash is None and app.return_code in (None, 0)

    asyncio.run(main())


# ---------------------------------------------------------------------- crash logs
def test_crash_log_is_written_under_the_state_dir(tmp_path: Path) -> None:
    try:
        {}[0]
    except KeyError as error:
        path = write_crash_log(error)
        crash = Crash(error, path)
    assert state_dir() == tmp_path / "state" / "codebench"
    assert path.parent == state_dir() and path.name.startswith("crash-")
    text = path.read_text(encoding="utf-8")
    assert "Traceback" in text and "KeyError: 0" in text and "textual" in text
    assert "\n" not in crash.message
    assert crash.message.endswith(f"details in {path}") and "KeyError: 0" in crash.message


def test_crash_logs_do_not_overwrite_each_other(tmp_path: Path) -> None:
    from datetime import datetime

    when = datetime(2026, 1, 2, 3, 4, 5)
    first = write_crash_log(RuntimeError("one"), when=when)
    second = write_crash_log(RuntimeError("two"), when=when)
    assert first != second
    assert "one" in first.read_text(encoding="utf-8")
    assert "two" in second.read_text(encoding="utf-8")


def test_state_dir_default_and_relative_xdg(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XDG_STATE_HOME")
    assert state_dir() == Path.home() / ".local" / "state" / "codebench"
    monkeypatch.setenv("XDG_STATE_HOME", "relative/path")  # the spec says: ignore it
    assert state_dir() == Path.home() / ".local" / "state" / "codebench"


def _broken_reload(self: ProjectScreen) -> None:
    raise KeyError(0)


def test_an_uncaught_error_is_one_line_a_log_and_status_1(
    tui_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Any exception the app does not handle (here: the project screen failing to load)."""
    monkeypatch.setattr(ProjectScreen, "reload", _broken_reload)
    monkeypatch.setattr(CodebenchApp, "run", functools.partialmethod(App.run, headless=True))
    result = CliRunner().invoke(cli, ["-p", str(tui_path), "tui", "--coder", "alice"])
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: the workbench stopped on an internal error (KeyError: 0)")
    log = Path(lines[0].rsplit("details in ", 1)[1])
    assert log.parent == state_dir() and log.is_file()
    assert "_broken_reload" in log.read_text(encoding="utf-8")


def test_the_app_records_the_crash_for_its_caller(tui_project: Project) -> None:
    async def main() -> CodebenchApp:
        app = make_app(tui_project, coder="alice")

        async def script(pilot: Pilot) -> None:
            await pilot.pause()
            app.call_later(_broken_reload, app.screen)
            await pilot.pause()

        with pytest.raises(KeyError):
            async with app.run_test(size=(80, 24)) as pilot:
                await script(pilot)
        return app

    app = asyncio.run(main())
    assert app.return_code == 1
    assert app.crash is not None and app.crash.log is not None and app.crash.log.is_file()


# ---------------------------------------------------------------------- workers outliving screens
@pytest.mark.parametrize(
    ("key", "module", "name"),
    [
        ("f3", "codebench.agreement.report", "agreement_report"),
        ("f4", "codebench.reports", "build_units"),
    ],
)
def test_leaving_a_screen_while_it_computes(
    tui_project: Project, monkeypatch: pytest.MonkeyPatch, key: str, module: str, name: str
) -> None:
    """F3 (or F4) then Escape before the figures are ready: the late result is dropped.

    The result arrives while the screen is being taken apart (its widgets
    gone, its workers not yet cancelled); it used to be written into those
    widgets, which raised ``NoMatches`` and ended the app.
    """
    import importlib
    import threading

    target = importlib.import_module(module)
    real = getattr(target, name)
    started, release = threading.Event(), threading.Event()

    def slow(*args: object, **kwargs: object) -> object:
        started.set()
        release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(target, name, slow)
    screen_class = ReviewScreen if key == "f3" else ReportsScreen

    async def closing(self: Screen) -> None:
        """The closing screen's widgets are gone, its workers not yet cancelled: finish now."""
        release.set()
        await asyncio.sleep(0.5)

    monkeypatch.setattr(screen_class, "_on_unmount", closing, raising=False)
    codable = [s.ordinal for s in tui_project.segments(CEO) if s.codable]
    tui_project.code_segments("alice", CEO, codable[:3], "04")
    tui_project.code_segments("bob", CEO, codable[1:4], "04")
    for coder in ("alice", "bob"):
        tui_project.set_status(coder, CEO, "done")

    async def main() -> CodebenchApp:
        app = make_app(tui_project, coder="alice", transcript=CEO)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            await pilot.press(key)
            assert await asyncio.to_thread(started.wait, 10)
            await pilot.press("escape")
            await pilot.pause(0.6)
            assert type(app.screen).__name__ == "CodingScreen" and release.is_set()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert app.is_running and app.crash is None
        return app

    app = asyncio.run(main())
    assert app.crash is None
