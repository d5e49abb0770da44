"""Every screen's footer fits at 80 columns: keys left out whole, none cut; wider shows more.

Also the reports screen's tables keep the code column in view when scrolled right.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.widgets import DataTable, TabbedContent
from textual.widgets._footer import FooterKey

from codebench.project import Project
from codebench.tui.app import make_app
from codebench.tui.screens.reports import ReportsScreen
from codebench.tui.widgets.footer import BindingsFooter

#: Keys that open each screen from the project screen.
SCREENS = {
    "coding": ("enter",),
    "codebook": ("f2",),
    "review": ("f3",),
    "reports": ("f4",),
    "memos": ("f5",),
    "framework": ("f7",),
    "search": ("f8", "tab"),
}


def footer_of(path: Path, keys: tuple[str, ...], width: int) -> tuple[str, list[str], int]:
    """(screen class, keys shown, cells the footer's keys take) after pressing ``keys``."""

    async def main() -> tuple[str, list[str], int]:
        with Project.open(path) as project:
            app = make_app(project, coder="alice")
            async with app.run_test(size=(width, 24)) as pilot:
                app.animation_level = "none"
                await app.workers.wait_for_complete()
                await pilot.pause()
                for key in keys:
                    await pilot.press(key)
                    await app.workers.wait_for_complete()
                    await pilot.pause()
                await pilot.pause()
                footer = app.screen.query_one(BindingsFooter)
                shown = [key for key in footer.query(FooterKey)]
                used = sum(key.outer_size.width for key in shown)
                return (
                    type(app.screen).__name__,
                    [key.key for key in shown],
                    used,
                )

    return asyncio.run(main())


@pytest.mark.parametrize("name", sorted(SCREENS))
def test_every_footer_fits_80_columns(tui_path: Path, name: str) -> None:
    screen, keys, used = footer_of(tui_path, SCREENS[name], 80)
    assert screen.lower().startswith(name), screen
    assert used <= 80, (screen, keys, used)
    assert "question_mark" in keys  # the help, which lists every key, is always shown
    _, wide_keys, wide_used = footer_of(tui_path, SCREENS[name], 200)
    assert wide_used <= 200
    assert set(keys) <= set(wide_keys)


def test_search_footer_shows_the_app_keys_when_there_is_room(tui_path: Path) -> None:
    _, narrow, _ = footer_of(tui_path, SCREENS["search"], 80)
    _, wide, _ = footer_of(tui_path, SCREENS["search"], 200)
    assert {"w", "t", "c"} <= set(narrow)
    assert {"f3", "f4"} <= set(wide) and not {"f3", "f4"} <= set(narrow)


def test_reports_tables_keep_the_code_column_in_view(tui_path: Path) -> None:
    with Project.open(tui_path) as project:
        project.code_segments("alice", "01-riverside-ceo", [3, 4], "04.2")

    async def main() -> list[tuple[str, int, str, str, str, int]]:
        with Project.open(tui_path) as project:
            app = make_app(project, coder="alice")
            async with app.run_test(size=(80, 24)) as pilot:
                await pilot.press("f4")
                await app.workers.wait_for_complete()
                await pilot.pause()
                screen = app.screen
                assert isinstance(screen, ReportsScreen)
                out = []
                for pane in ("frequencies", "by-attribute", "crossed", "cooccurrence"):
                    screen.query_one(TabbedContent).active = pane
                    await app.workers.wait_for_complete()
                    await pilot.pause()
                    grid = screen.query_one(TabbedContent).get_pane(pane).query_one(DataTable)
                    grid.scroll_to(x=grid.max_scroll_x, animate=False)
                    await pilot.pause()
                    header = grid.render_line(0).text
                    first = grid.render_line(grid.header_height).text
                    code = str(grid.get_row_at(0)[0])
                    out.append((pane, grid.fixed_columns, header, first, code, grid.scroll_x))
                return out

    scrolled = 0
    for pane, fixed, header, first, code, scroll_x in asyncio.run(main()):
        assert fixed >= 1, pane
        assert header.lstrip().startswith("Code"), (pane, header)
        assert first.lstrip().startswith(code), (pane, first)
        scrolled += scroll_x > 0
    assert scrolled >= 2  # the wide tables did scroll (the code stayed in view all the same)
