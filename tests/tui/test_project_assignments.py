"""The project screen shows a coder with assignments only their assigned transcripts (issue 12, point 10)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.widgets import DataTable, Static

from codebench.design.assignments import assign
from codebench.project import Project
from codebench.tui.app import make_app
from codebench.tui.screens.project import ProjectScreen

CEO = "01-riverside-ceo"
OTHER = "05-activelife-director"


def test_a_coder_sees_only_their_assignments(
    tui_project: Project, run_headless: Callable[..., Any]
) -> None:
    assign(tui_project, "bob", [CEO], segments=[(1, 40)], by="lead")
    seen: dict[str, Any] = {}

    async def script(app: Any, pilot: Any) -> None:
        assert isinstance(app.screen, ProjectScreen)
        table = app.screen.query_one(DataTable)
        seen["rows"] = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        seen["columns"] = [str(c.label) for c in table.columns.values()]
        seen["assigned"] = str(table.get_row_at(0)[3])
        seen["prompt"] = str(app.screen.query_one("#project-filter", Static).content)

    run_headless(
        lambda: make_app(tui_project, coder="bob"), script, size=(120, 30), wait_for_workers=True
    )
    assert seen["rows"] == [CEO]
    assert "Assigned" in seen["columns"] and seen["assigned"] == "1-40"
    assert "1 transcript assigned to bob" in seen["prompt"]

    # A coder without assignments still sees every transcript, with no Assigned column.
    async def others(app: Any, pilot: Any) -> None:
        table = app.screen.query_one(DataTable)
        seen["alice"] = sorted(str(table.get_row_at(i)[0]) for i in range(table.row_count))
        seen["alice_columns"] = [str(c.label) for c in table.columns.values()]

    run_headless(
        lambda: make_app(tui_project, coder="alice"), others, size=(120, 30), wait_for_workers=True
    )
    assert seen["alice"] == [CEO, OTHER]
    assert "Assigned" not in seen["alice_columns"]
