"""SVG snapshots of the main screens (fixed size, the sample interviews, a coder with a few codings)."""

from __future__ import annotations

from pathlib import Path

from codebench.project import Project
from codebench.tui.app import make_app

SIZE = (120, 36)
CEO = "01-riverside-ceo"


def _seeded(path: Path) -> Project:
    project = Project.open(path)
    codable = [s.ordinal for s in project.segments(CEO) if s.codable]
    project.code_segments("alice", CEO, codable[:3], "04")
    project.code_segments("alice", CEO, codable[1:2], "13.2")
    project.add_memo("alice", "check with Bo", segment=project.segment(CEO, codable[2]))
    return project


def test_project_screen(snap_compare, tui_path: Path) -> None:
    project = _seeded(tui_path)
    try:

        async def progress_loaded(pilot) -> None:
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()

        assert snap_compare(
            make_app(project, coder="alice"), terminal_size=SIZE, run_before=progress_loaded
        )
    finally:
        project.close()


def test_coding_screen(snap_compare, tui_path: Path) -> None:
    project = _seeded(tui_path)
    try:
        assert snap_compare(
            make_app(project, coder="alice", transcript=CEO), terminal_size=SIZE, press=["J"]
        )
    finally:
        project.close()


def test_code_picker(snap_compare, tui_path: Path) -> None:
    project = _seeded(tui_path)
    try:
        assert snap_compare(
            make_app(project, coder="alice", transcript=CEO),
            terminal_size=SIZE,
            press=["c", "i", "n", "n", "o", "v"],
        )
    finally:
        project.close()


def test_help_screen(snap_compare, tui_path: Path) -> None:
    project = _seeded(tui_path)
    try:
        assert snap_compare(
            make_app(project, coder="alice", transcript=CEO),
            terminal_size=SIZE,
            press=["question_mark"],
        )
    finally:
        project.close()


def test_search_screen(snap_compare, tui_path: Path) -> None:
    project = _seeded(tui_path)
    try:

        async def searched(pilot) -> None:
            await pilot.press("f8", *"commissioners", "enter")
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()

        assert snap_compare(
            make_app(project, coder="alice"), terminal_size=(80, 24), run_before=searched
        )
    finally:
        project.close()
