"""The project screen at 80 columns: the header wraps, the table fits, every screen's key is in the footer."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.widgets import DataTable, Static

from codebench.project import Project
from codebench.tui.app import make_app
from codebench.tui.screens.project import ProjectScreen
from codebench.tui.widgets.footer import BindingsFooter


def test_project_screen_fits_80_columns(tui_path: Path) -> None:
    async def main(size: tuple[int, int]) -> tuple[list[str], str, str, int, int]:
        with Project.open(tui_path) as project:
            app = make_app(project, coder="alice")
            async with app.run_test(size=size) as pilot:
                await app.workers.wait_for_complete()
                await pilot.pause()
                screen = app.screen
                assert isinstance(screen, ProjectScreen)
                footer = screen.query_one(BindingsFooter)
                keys = [b.key for b, _enabled, _tip in footer.shown_bindings()]
                title = str(screen.query_one("#project-title", Static).render())
                detail = str(screen.query_one("#project-detail", Static).render())
                table = screen.query_one(DataTable)
                footer_width = sum(key.outer_size.width for key in footer.children)
                return (
                    keys,
                    title + detail,
                    str(table.virtual_size.width),
                    footer_width,
                    len(table.columns),
                )

    keys, text, table_width, footer_width, columns = asyncio.run(main((80, 24)))
    assert {"f2", "f3", "f4", "f5", "f6", "f7", "question_mark", "escape"} <= set(keys)
    assert footer_width <= 80
    assert "? for help" in text  # the header wraps rather than being cut
    assert int(table_width) <= 80
    # The attributes left out of the table are named under it (the CEO's organisation).
    assert columns < 5 + 5 and "Riverside Community Health CIC" in text

    keys, text, table_width, _, wide_columns = asyncio.run(main((200, 50)))
    assert wide_columns > columns  # every attribute has room at 200 columns
    assert int(table_width) <= 200
