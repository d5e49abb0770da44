"""Every list and table of the workbench moves with ``j``/``k``, ``g``/``G`` and the arrows.

One test per screen or modal that holds a list; the codebook editor's tree
and the review table are tested beside their screens' other tests. Each also
checks that the screen's lists are the app's own subclasses, so a list added
later without the keys fails here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import DataTable, OptionList, Select
from textual.widgets._select import SelectOverlay

from codebench.project import Project
from codebench.tui.app import CodebenchApp, make_app
from codebench.tui.modals.code_picker import CodePickerModal
from codebench.tui.modals.coder import CoderModal
from codebench.tui.screens.coding import CodingScreen
from codebench.tui.screens.project import ProjectScreen
from codebench.tui.screens.reports import ReportsScreen
from codebench.tui.widgets.codebook_tree import CodebookTree
from codebench.tui.widgets.lists import NavDataTable, NavOptionList, NavTree

SIZE = (120, 40)
CEO = "01-riverside-ceo"


def run(app: CodebenchApp, script: Callable[[Pilot, CodebenchApp], Awaitable[None]]) -> None:
    async def main() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            await script(pilot, app)

    asyncio.run(main())


def assert_app_lists(screen: Screen) -> None:
    """Every table, option list and tree on ``screen`` is one of the moving subclasses.

    Textual's own lists inside a widget (a :class:`Select`'s drop-down) are not ours to change.
    """
    for widget in screen.query("DataTable, OptionList, Tree"):
        if any(isinstance(a, Select) for a in widget.ancestors):
            continue
        assert isinstance(widget, (NavDataTable, NavOptionList, NavTree)), widget


async def keys_move(pilot: Pilot, position: Callable[[], int], last: int) -> None:
    """``j``/``k``/``G``/``g`` and the arrows move ``position()`` (starting at 0) as they should."""
    assert position() == 0
    await pilot.press("j")
    assert position() == 1
    await pilot.press("k")
    assert position() == 0
    await pilot.press("G")
    assert position() == last
    await pilot.press("g")
    assert position() == 0
    await pilot.press("down")
    assert position() == 1
    await pilot.press("up")
    assert position() == 0


def test_project_table(tui_project: Project) -> None:
    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        screen = app.screen
        assert isinstance(screen, ProjectScreen)
        assert_app_lists(screen)
        table = screen.query_one(DataTable)
        assert table.row_count == 2
        await keys_move(pilot, lambda: table.cursor_row, 1)
        assert screen.filter_text == ""
        # Once a filter is being typed, the list's letters belong to it ("org" needs its g).
        await pilot.press("o", "r", "g")
        assert screen.filter_text == "org" and table.cursor_row == 0
        await pilot.press("escape")
        assert screen.filter_text == "" and table.row_count == 2
        await pilot.press("slash", "j")  # / starts a filter with a letter the list uses
        assert screen.filter_text == "j" and table.cursor_row == 0
        await pilot.press("escape", "G")
        assert table.cursor_row == 1 and isinstance(app.screen, ProjectScreen)

    run(make_app(tui_project, coder="alice"), script)


def test_coding_screen_codebook_tree(tui_project: Project) -> None:
    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        screen = app.screen
        assert isinstance(screen, CodingScreen)
        assert_app_lists(screen)
        tree = screen.query_one(CodebookTree)
        tree.focus()
        await pilot.pause()
        tree.move_cursor_to_line(0)
        await keys_move(pilot, lambda: tree.cursor_line, tree.last_line)
        # With the transcript focused, g is still "jump to a code".
        screen.view.focus()
        await pilot.press("g")
        assert isinstance(app.screen, CodePickerModal)

    run(make_app(tui_project, coder="alice", transcript=CEO), script)


def test_reports_tables(tui_project: Project) -> None:
    tui_project.code_segments("alice", CEO, [2, 3], "04")

    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        await pilot.press("f4")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReportsScreen)
        assert_app_lists(screen)
        table = screen.query_one("#frequency-table", DataTable)
        assert table.row_count > 2
        table.focus()
        await pilot.pause()
        await keys_move(pilot, lambda: table.cursor_row, table.row_count - 1)

    run(make_app(tui_project, coder="alice"), script)


def test_coder_modal_list(tui_project: Project) -> None:
    for name in ("bob", "carol", "dana"):
        tui_project.coder(name, create=True)

    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        modal = app.screen
        assert isinstance(modal, CoderModal)
        assert_app_lists(modal)
        known = modal.query_one(OptionList)
        known.focus()
        known.highlighted = 0
        await pilot.pause()
        await keys_move(pilot, lambda: known.highlighted or 0, 2)

    run(make_app(tui_project), script)


def test_a_drop_down_paged_as_it_opens_does_not_crash(tui_project: Project) -> None:
    """PageUp at once on a just-opened drop-down raised ``KeyError`` in Textual's option list
    (the random-key fuzz test found it on the reports screen)."""

    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        await pilot.press("f4")
        await app.workers.wait_for_complete()
        await pilot.pause()
        for select in app.screen.query(Select):
            # Its list of choices, never opened (no lines yet), gets a page key, as focus
            # moving through the screen (tab, shift+tab) can hand it one.
            overlay = select.query_one(SelectOverlay)
            overlay.action_page_up()
            overlay.action_page_down()
        await pilot.pause()
        select = app.screen.query_one("#reports-scope", Select)
        select.focus()
        await pilot.pause()
        await pilot.press("enter", "pageup", "pageup", "pagedown", "escape")
        await pilot.pause()
        assert app.is_running and app.crash is None

    run(make_app(tui_project, coder="alice"), script)
