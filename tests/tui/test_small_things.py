"""The coding screen's smaller messages: search counts and wraps, `g` wraps, stale status
messages go, `j` in word mode says it left word mode, one segment numbering; the codebook's size
in one phrase; the export toast's full path; `codebench transcripts` with attribute columns."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from textual.app import App
from textual.pilot import Pilot

from codebench.cli import cli
from codebench.codebook.format import default_codebook_path, load_codebook
from codebench.codebook.size import size_phrase
from codebench.project import Project
from codebench.tui import app as app_module
from codebench.tui.app import CodebenchApp, make_app
from codebench.tui.screens import coding
from codebench.tui.screens.coding import CodingScreen
from codebench.tui.widgets.status_bar import StatusBar

CEO = "01-riverside-ceo"
SIZE = (160, 40)


def _screen(app: CodebenchApp) -> CodingScreen:
    assert isinstance(app.screen, CodingScreen), app.screen
    return app.screen


def _status(app: CodebenchApp) -> str:
    return str(app.screen.query_one(StatusBar).render())


Run = Callable[..., App[None]]


def _run(project: Project, run_headless: Run, script: Callable[..., object]) -> None:
    run_headless(lambda: make_app(project, coder="alice", transcript=CEO), script, size=SIZE)


def test_search_says_which_match_of_how_many_and_when_it_wrapped(
    tui_project: Project, run_headless: Run
) -> None:
    async def script(app: CodebenchApp, pilot: Pilot) -> None:
        screen = _screen(app)
        view = screen.view
        hits = [i for i, s in enumerate(screen.session.segments) if "nurse" in s.text.lower()]
        assert len(hits) >= 3
        await pilot.press("slash", *"nurse", "enter")
        await pilot.pause()
        place = hits.index(view.cursor) + 1
        assert f"match {place} of {len(hits)}" in screen.last_message
        assert f"match {place} of {len(hits)}" in _status(app)
        view.move_to(hits[-1])
        await pilot.press("n")
        await pilot.pause()
        assert view.cursor == hits[0]
        assert screen.last_message.endswith(f"match 1 of {len(hits)} · wrapped to the top")
        await pilot.press("N")
        await pilot.pause()
        assert view.cursor == hits[-1]
        assert "wrapped to the bottom" in screen.last_message

    _run(tui_project, run_headless, script)


def test_goto_code_wraps_with_a_message(tui_project: Project, run_headless: Run) -> None:
    async def script(app: CodebenchApp, pilot: Pilot) -> None:
        screen = _screen(app)
        view = screen.view
        session = screen.session
        codable = [i for i, s in enumerate(session.segments) if s.codable]
        session.apply([tui_project.code("04")], [codable[2]])
        view.move_to(codable[10])
        await pilot.press("g", "0", "4", "enter")
        await pilot.pause()
        assert view.cursor == codable[2]
        assert "wrapped to the top" in screen.last_message
        await pilot.press("n")
        await pilot.pause()
        assert view.cursor == codable[2]
        assert "only this segment" in screen.last_message

    _run(tui_project, run_headless, script)


def test_status_bar_drops_a_stale_message(
    tui_project: Project, run_headless: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(coding, "MESSAGE_SECONDS", 0.3)

    async def script(app: CodebenchApp, pilot: Pilot) -> None:
        await pilot.press("c", "0", "4", "enter")
        await pilot.pause()
        assert "04" in _status(app) and "→" in _status(app)
        await pilot.pause(1.5)  # the screen's housekeeping looks every 0.5 s
        assert "→" not in _status(app)
        assert "coded" in _status(app)  # the rest of the line stays

    _run(tui_project, run_headless, script)


def test_j_in_word_mode_leaves_it_with_a_message(tui_project: Project, run_headless: Run) -> None:
    async def script(app: CodebenchApp, pilot: Pilot) -> None:
        screen = _screen(app)
        view = screen.view
        await pilot.press("v", "l")
        await pilot.pause()
        assert view.visual is not None
        assert "WORDS" in _status(app)
        await pilot.press("j")
        await pilot.pause()
        assert view.visual is None
        assert "left word mode" in screen.last_message
        assert "left word mode" in _status(app) and "WORDS" not in _status(app)

    _run(tui_project, run_headless, script)


def test_position_uses_ordinals_only(tui_project: Project, run_headless: Run) -> None:
    segments = tui_project.segments(CEO)

    async def script(app: CodebenchApp, pilot: Pilot) -> None:
        view = _screen(app).view
        view.move_to(5)
        await pilot.pause()
        ordinal = segments[5].ordinal
        assert f"seg {ordinal} ({segments[0].ordinal}–{segments[-1].ordinal})" in _status(app)
        assert f"/{len(segments) - 1}" not in _status(app)

    _run(tui_project, run_headless, script)


def test_codebook_size_is_one_phrase_everywhere(tmp_path: Path) -> None:
    with Project.init(tmp_path / "p.db", load_codebook(default_codebook_path())) as project:
        assert size_phrase(project.codes()) == "35 codes (21 themes, 14 sub-codes)"
    result = CliRunner().invoke(cli, ["-p", str(tmp_path / "q.db"), "init"])
    assert result.exit_code == 0, result.output
    assert "35 codes (21 themes, 14 sub-codes)" in result.output


def test_transcripts_lists_attributes_as_columns(tui_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["-p", str(tui_path), "transcripts", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert {"name", "role", "organisation", "segments", "status"} <= set(rows[0])
    ceo = next(r for r in rows if r["name"] == CEO)
    assert ceo["role"] == "senior manager"
    assert not any("role=" in value for row in rows for value in row.values())
    table = runner.invoke(cli, ["-p", str(tui_path), "transcripts"], env={"COLUMNS": "160"})
    assert table.exit_code == 0, table.output
    header = next(line for line in table.output.splitlines() if " name " in line)
    assert "role" in header and "attributes" not in header
    assert "role=" not in table.output


def test_export_toast_gives_the_full_path(
    tui_project: Project, run_headless: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from textual.widgets import Input

    from codebench.tui.screens.reports import ExportModal

    monkeypatch.chdir(tmp_path)
    messages: list[str] = []
    original = app_module.CodebenchApp.notify

    def record(self: CodebenchApp, message: str, **kwargs: object) -> None:
        messages.append(message)
        original(self, message, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(app_module.CodebenchApp, "notify", record)

    async def script(app: CodebenchApp, pilot: Pilot) -> None:
        await pilot.press("f4")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, ExportModal)
        modal.query_one("#export-path", Input).value = "freq.csv"
        await pilot.click("#export-go")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()

    _run(tui_project, run_headless, script)
    assert (tmp_path / "freq.csv").exists()
    assert f"Wrote {tmp_path / 'freq.csv'}" in messages, messages
