"""The reports screen at 80×24 by keys alone: 1-4 bring a table with focus, Enter lists its quotes.

alice codes, in the Riverside CEO (senior manager, newly spun out), two
neighbouring segments ``a``, ``a+1`` with 04.2 and ``a+1`` with 10, and in the
ActiveLife director (senior manager, established) one segment ``b`` with 04.2.
By hand, then: 04.2 is on 3 segments in 2 transcripts, in two passages
(CEO ``a``–``a+1`` and director ``b``); both are senior managers, so the
by-role cell holds both passages; crossed by role × stage, the newly spun out
group holds the CEO's passage and the established group the director's; 04.2
and 10 share segment ``a+1``, in the CEO's passage.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from codebench.project import Project
from codebench.tui.app import CodebenchApp, make_app
from codebench.tui.modals.passages import PassagesModal
from codebench.tui.screens.coding import CodingScreen
from codebench.tui.screens.reports import ReportsScreen

CEO = "01-riverside-ceo"
OTHER = "05-activelife-director"


def codable(project: Project, transcript: str) -> list[int]:
    return [s.ordinal for s in project.segments(transcript) if s.codable]


def run(project: Project, script: Callable[[Pilot, CodebenchApp], Awaitable[None]]) -> None:
    async def main() -> None:
        app = make_app(project, coder="alice")
        async with app.run_test(size=(80, 24)) as pilot:
            app.animation_level = "none"
            await pilot.pause()
            await pilot.press("f4")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert isinstance(app.screen, ReportsScreen)
            await script(pilot, app)

    asyncio.run(main())


async def move_to(pilot: Pilot, table: DataTable, row: int, column: int) -> None:
    """Move the cursor with j/k and the arrows (keys, as a coder does)."""
    for _ in range(table.row_count):
        if table.cursor_coordinate.row == row:
            break
        await pilot.press("j" if table.cursor_coordinate.row < row else "k")
    for _ in range(len(table.columns)):
        if table.cursor_coordinate.column == column:
            break
        await pilot.press("right" if table.cursor_coordinate.column < column else "left")
    assert tuple(table.cursor_coordinate) == (row, column)


def row_of(table: DataTable, code: str) -> int:
    return next(i for i in range(table.row_count) if str(table.get_row_at(i)[0]) == code)


def column_of(table: DataTable, label: str) -> int:
    return next(i for i, c in enumerate(table.columns.values()) if str(c.label).startswith(label))


async def enter(pilot: Pilot, app: CodebenchApp) -> tuple[list[tuple[str, int, int]], str]:
    """Enter on the cursor's cell: the passages listed and the heading."""
    await pilot.press("enter")
    await app.workers.wait_for_complete()
    await pilot.pause()
    modal = app.screen
    assert isinstance(modal, PassagesModal), modal
    heading = str(modal.query_one("#passages-heading", Static).render())
    return [(q.transcript, q.first_segment, q.last_segment) for q in modal.quotes], heading


def test_every_reports_table_opens_its_quotes_by_keys_at_80_columns(tui_project: Project) -> None:
    a = codable(tui_project, CEO)[3]
    assert a + 1 in codable(tui_project, CEO)
    b = codable(tui_project, OTHER)[3]
    tui_project.code_segments("alice", CEO, [a, a + 1], "04.2")
    tui_project.code_segments("alice", CEO, [a + 1], "10")
    tui_project.code_segments("alice", OTHER, [b], "04.2")
    both = [(CEO, a, a + 1), (OTHER, b, b)]

    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        screen = app.screen
        assert isinstance(screen, ReportsScreen)
        freq = screen.query_one("#frequency-table", DataTable)
        assert freq.has_focus  # not the coders' list: Enter lists passages at once
        await move_to(pilot, freq, row_of(freq, "04.2"), 0)
        listed, heading = await enter(pilot, app)
        assert listed == both
        assert "2 passages · 3 segments · 2 transcripts" in heading
        assert "04.2 is on 3 segments in 2 transcripts (its frequencies row)" in heading
        await pilot.press("escape")
        await pilot.pause()

        await pilot.press("2")
        await pilot.pause()
        table = screen.query_one("#attribute-table", DataTable)
        assert table.has_focus
        await move_to(pilot, table, row_of(table, "04.2"), column_of(table, "senior manager"))
        listed, heading = await enter(pilot, app)
        assert listed == both and "04.2 × senior manager" in heading
        await pilot.press("escape")
        await pilot.pause()

        await pilot.press("3")
        await pilot.pause()
        table = screen.query_one("#crossed-table", DataTable)
        assert table.has_focus
        report = screen.reports["crossed"]
        values = [tuple(g.values) for g in report.groups]
        for stage, expected in (("newly spun out", both[:1]), ("established", both[1:])):
            group = values.index(("senior manager", stage))
            await move_to(pilot, table, row_of(table, "04.2"), column_of(table, f"G{group + 1} "))
            listed, heading = await enter(pilot, app)
            assert listed == expected and f"senior manager × {stage}" in heading
            await pilot.press("escape")
            await pilot.pause()

        await pilot.press("4")
        await pilot.pause()
        table = screen.query_one("#cooccurrence-table", DataTable)
        assert table.has_focus
        await move_to(pilot, table, row_of(table, "04.2"), column_of(table, "10"))
        listed, heading = await enter(pilot, app)
        assert listed == both[:1] and "segments coded with both codes" in heading
        await pilot.press("enter")  # the passage opens in the coding screen at its segment
        await pilot.pause()
        coding = app.screen
        assert isinstance(coding, CodingScreen)
        assert coding.session.transcript.name == CEO
        assert coding.session.segments[coding.view.cursor].ordinal == a

    run(tui_project, script)


def test_a_table_reached_by_its_key_answers_the_first_enter_with_its_own_cell(
    tui_project: Project,
) -> None:
    """`3` then Enter lists a crossed group's passages, not the code's frequencies row
    (the cursor used to stand on the Code column, which means the whole code)."""
    a = codable(tui_project, CEO)[3]
    tui_project.code_segments("alice", CEO, [a], "01")

    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        screen = app.screen
        assert isinstance(screen, ReportsScreen)
        for key, table_id, column in (
            ("3", "#crossed-table", "G1 "),
            ("2", "#attribute-table", ""),
            ("4", "#cooccurrence-table", ""),
        ):
            await pilot.press(key)
            await pilot.pause()
            table = screen.query_one(table_id, DataTable)
            assert table.has_focus, key
            key_of = list(table.columns)[table.cursor_coordinate.column]
            assert str(key_of.value)[:1] in ("g", "c") and str(key_of.value)[1:].isdigit()
            if column:
                assert table.cursor_coordinate.column == column_of(table, column)
        await pilot.press("3")
        await pilot.pause()
        _listed, heading = await enter(pilot, app)
        assert "(frequencies)" not in heading and " × " in heading, heading

    run(tui_project, script)


def test_the_reports_notes_are_scrolled_not_cut_at_80x24(tui_project: Project) -> None:
    tui_project.code_segments("alice", CEO, codable(tui_project, CEO)[:2], "04.2")

    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        screen = app.screen
        assert isinstance(screen, ReportsScreen)
        notes = " ".join(screen.reports["frequencies"].notes)
        status = screen.query_one("#reports-status", Static)
        box = screen.query_one("#reports-status-box")
        shown = " ".join(str(status.render()).split())
        assert " ".join(notes.split()) in shown  # every note, whole
        assert status.size.height > box.size.height == 4  # longer than the box: it scrolls
        assert box.max_scroll_y == status.size.height - box.size.height

    run(tui_project, script)
