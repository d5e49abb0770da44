"""The memo screen: list (blind, then everyone's), filter, open where a memo sits, edit, add."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import DataTable, OptionList, Static, TextArea

from codebench.project import Project
from codebench.tui.app import CodebenchApp, make_app
from codebench.tui.modals.ask import ChoiceModal
from codebench.tui.modals.memo import MemoModal
from codebench.tui.screens.coding import CodingScreen
from codebench.tui.screens.memos import MemoScreen
from codebench.tui.widgets.transcript_view import TranscriptView

CEO = "01-riverside-ceo"
SIZE = (120, 36)


def run(app: CodebenchApp, script: Callable[[Pilot, CodebenchApp], Awaitable[None]]) -> None:
    async def main() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await script(pilot, app)

    asyncio.run(main())


def rows(app: CodebenchApp) -> list[str]:
    """Each row of the memo table as the text it shows."""
    table = app.screen.query_one(DataTable)
    return [" | ".join(str(cell) for cell in table.get_row_at(i)) for i in range(table.row_count)]


def memo_texts(path: Path, author: str = "alice") -> list[str]:
    with Project.open(path) as project:
        return sorted(m.text for m in project.memos(author=author))


def test_memo_screen_lists_filters_opens_and_edits(tui_project: Project, tui_path: Path) -> None:
    codable = [s.ordinal for s in tui_project.segments(CEO) if s.codable]
    target = codable[7]
    tui_project.add_memo("alice", "contract worries", segment=tui_project.segment(CEO, target))
    tui_project.add_memo("alice", "whole interview: upbeat", transcript=CEO)
    tui_project.add_memo("bob", "bob thinks otherwise", segment=tui_project.segment(CEO, target))

    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        await pilot.press("f5")
        await pilot.pause()
        assert isinstance(app.screen, MemoScreen)
        shown = rows(app)
        assert len(shown) == 2 and not any("bob" in r for r in shown)  # blind
        await pilot.press("o")
        await pilot.pause()
        assert any("bob thinks otherwise" in r for r in rows(app))
        await pilot.press("o", "slash", *"contract", "enter")
        await pilot.pause()
        assert rows(app) == [f"segment {target} of {CEO} | alice | contract worries"]
        await pilot.press("enter")  # opens the segment behind it
        await pilot.pause()
        assert isinstance(app.screen, CodingScreen)
        view = app.screen.query_one(TranscriptView)
        assert app.screen.session.segments[view.cursor].ordinal == target
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, MemoScreen)
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, MemoModal)
        await pilot.press(*" again", "ctrl+s")
        await pilot.pause()
        assert memo_texts(tui_path) == ["contract worries again", "whole interview: upbeat"]
        await pilot.press("escape")  # clears the filter
        await pilot.pause()
        assert len(rows(app)) == 2
        await pilot.press("a", *"saturation?", "ctrl+s")
        await pilot.pause()
        assert "saturation?" in memo_texts(tui_path)
        assert any(r.startswith("the project | alice | saturation?") for r in rows(app))

    run(make_app(tui_project, coder="alice"), script)


def test_transcript_memo_from_the_workbench_is_undone_by_u(
    tui_project: Project, tui_path: Path
) -> None:
    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        await pilot.press("T")
        await pilot.pause()
        assert isinstance(app.screen, MemoModal)
        await pilot.press(*"the whole thing", "ctrl+s")
        await pilot.pause()
        with Project.open(tui_path) as project:
            (memo,) = project.memos(author="alice")
            assert memo.text == "the whole thing" and memo.segment_id is None
        await pilot.press("u")
        await pilot.pause()
        assert memo_texts(tui_path) == []

    run(make_app(tui_project, coder="alice", transcript=CEO), script)


def test_a_code_memo_from_the_codebook_editor(tui_project: Project, tui_path: Path) -> None:
    """``n`` in the codebook editor writes the coder's memo on the highlighted code; empty deletes it."""

    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        await pilot.press("f2")
        await pilot.pause()
        code = app.screen.highlighted  # type: ignore[attr-defined]
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, MemoModal)
        await pilot.press(*"what counts here", "ctrl+s")
        await pilot.pause()
        with Project.open(tui_path) as project:
            (memo,) = project.memos(author="alice")
            assert (memo.text, memo.code_id, memo.transcript_id) == (
                "what counts here",
                code.id,
                None,
            )
        await pilot.press("n")
        await pilot.pause()
        area = app.screen.query_one(TextArea)
        assert area.text == "what counts here"
        area.text = ""
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert memo_texts(tui_path) == []

    run(make_app(tui_project, coder="alice", transcript=CEO), script)


def heading(app: CodebenchApp) -> str:
    return str(app.screen.query_one("#memo-heading", Static).render())


async def choose(pilot: Pilot, app: CodebenchApp, key: str, label: str) -> None:
    """Press a filter key and pick the option that starts with ``label``."""
    await pilot.press(key)
    await pilot.pause()
    assert isinstance(app.screen, ChoiceModal)
    index = next(i for i, c in enumerate(app.screen.choices) if c.startswith(label))
    app.screen.query_one(OptionList).highlighted = index
    await pilot.press("enter")
    await pilot.pause()


def test_author_code_and_transcript_filters_combine(tui_project: Project) -> None:
    """Each filter keeps one value; together they keep what all of them keep, with counts."""
    other = "05-activelife-director"
    first, second = [c for c in tui_project.codes() if c.parent_id is None][:2]
    ceo = tui_project.segment(CEO, 3)
    tui_project.add_memo("alice", "alice on ceo", segment=ceo)
    tui_project.add_memo("alice", "alice on ceo and code", transcript=CEO, code=first)
    tui_project.add_memo("alice", "alice on the other", transcript=other)
    tui_project.add_memo("bob", "bob on ceo and code", transcript=CEO, code=first)
    tui_project.add_memo("bob", "bob on the other code", code=second)

    def texts(app: CodebenchApp) -> set[str]:
        return {r.split(" | ")[2] for r in rows(app)}

    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        await pilot.press("f5")
        await pilot.pause()
        await pilot.press("o")  # everyone's
        await pilot.pause()
        assert len(rows(app)) == 5
        await choose(pilot, app, "A", "bob")
        assert texts(app) == {"bob on ceo and code", "bob on the other code"}
        assert "2 of 5" in heading(app) and "author bob (2)" in heading(app)
        await choose(pilot, app, "C", first.label)
        assert texts(app) == {"bob on ceo and code"} and len(rows(app)) == 1
        assert f"code {first.label} (2)" in heading(app) and "1 of 5" in heading(app)
        await choose(pilot, app, "A", "any author")  # drops one filter, keeps the other
        await choose(pilot, app, "T", CEO)
        assert texts(app) == {"alice on ceo and code", "bob on ceo and code"}
        assert "author" not in heading(app) and f"transcript {CEO} (3)" in heading(app)
        await pilot.press("x")
        await pilot.pause()
        assert len(rows(app)) == 5 and "(2)" not in heading(app)
        await choose(pilot, app, "A", "alice")
        await choose(pilot, app, "T", CEO)
        assert texts(app) == {"alice on ceo", "alice on ceo and code"}
        await pilot.press("slash", *"code", "enter")  # the text filter combines too
        await pilot.pause()
        assert texts(app) == {"alice on ceo and code"}

    run(make_app(tui_project, coder="alice"), script)
