"""The framework screen: cells listed, a summary written in the text area, a passage opened."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import DataTable, Static, TextArea

from codebench.analysis.framework import framework_matrix
from codebench.project import Project
from codebench.tui.app import CodebenchApp, make_app
from codebench.tui.modals.memo import MemoModal
from codebench.tui.screens.coding import CodingScreen
from codebench.tui.screens.framework import FrameworkScreen

CEO = "01-riverside-ceo"
SIZE = (80, 24)


def rows(app: CodebenchApp) -> list[str]:
    table = app.screen.query_one(DataTable)
    return [" | ".join(str(cell) for cell in table.get_row_at(i)) for i in range(table.row_count)]


def test_framework_screen_edits_a_summary(tui_project: Project, tui_path: Path) -> None:
    codable = [s.ordinal for s in tui_project.segments(CEO) if s.codable]
    tui_project.code_segments("alice", CEO, [codable[3]], "04.2")
    tui_project.code_segments("alice", CEO, [codable[9]], "12")
    tui_project.close()

    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        await pilot.press("f7")
        await pilot.pause()
        assert isinstance(app.screen, FrameworkScreen)
        shown = rows(app)
        assert len(shown) == 2  # only the cells with a passage
        assert shown[0].startswith(f"{CEO} | 04.2 | 1 | ")
        detail = str(app.screen.query_one("#framework-detail", Static).render())
        assert f"{CEO}, segment {codable[3]}" in detail
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, MemoModal)
        assert app.screen.query_one(TextArea).text == ""
        await pilot.press(*"Strained ethos", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, FrameworkScreen)
        assert "Strained ethos" in rows(app)[0]
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, CodingScreen)
        await pilot.press("q")
        await pilot.pause()
        await pilot.press("p")  # participants as cases
        await pilot.pause()
        assert rows(app)[0].startswith(f"{CEO}/Helen Marsh | 04.2 | 1 | ")
        assert "Strained ethos" not in rows(app)[0]  # the transcript's summary, not hers
        await pilot.press("w")
        await pilot.pause()
        assert len(rows(app)) > 2

    async def main() -> None:
        with Project.open(tui_path) as project:
            app = make_app(project, coder="alice")
            async with app.run_test(size=SIZE) as pilot:
                await pilot.pause()
                await script(pilot, app)

    asyncio.run(main())
    with Project.open(tui_path) as project:
        report = framework_matrix(project, codes=["04.2"])
        cell = report.cells[[r.name for r in report.rows].index(CEO)][0]
        assert (cell.summary, cell.updated_by) == ("Strained ethos", "alice")
        actions = [r[0] for r in project.db.execute("SELECT action FROM events")]
        assert actions.count("framework.set") == 1


def test_enter_on_a_matrix_cell_lists_its_passages(tui_project: Project, tui_path: Path) -> None:
    """Blind by default: alice's counts and passages only; ``c`` to the lead's view lists what
    ``codebench explain matrix`` lists for everyone; Enter on one opens it at its segment."""
    from textual.widgets import OptionList

    from codebench.analysis.explain import CellSpec, explain
    from codebench.analysis.scope import ScopeSpec
    from codebench.tui.modals.passages import PassagesModal

    codable = [s.ordinal for s in tui_project.segments(CEO) if s.codable]
    text = {s.ordinal: s.text for s in tui_project.segments(CEO)}
    tui_project.code_segments("alice", CEO, [codable[3]], "04.2")
    tui_project.code_segments("alice", CEO, [codable[9]], "04.2")
    tui_project.code_segments("bob", CEO, [codable[12], codable[13]], "04.2")
    pooled = ScopeSpec(coders=("all",))
    expected = explain(tui_project, CellSpec("matrix", pooled, rollup=False), "04.2", CEO).quotes
    # Hand-derived: alice's two segments apart, bob's two adjacent ones as one passage.
    assert [(q.first_segment, q.last_segment) for q in expected] == [
        (codable[3], codable[3]),
        (codable[9], codable[9]),
        (codable[12], codable[13]),
    ]
    bobs = [text[codable[12]].strip()[:30], text[codable[13]].strip()[:30]]
    tui_project.close()

    def listed(app: CodebenchApp) -> list[str]:
        options = app.screen.query_one(OptionList)
        return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]

    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        await pilot.press("f7")
        await pilot.pause()
        assert rows(app)[0].startswith(f"{CEO} | 04.2 | 2 | ")  # alice's two, not bob's
        heading = str(app.screen.query_one("#framework-heading", Static).render())
        assert "blind: alice" in heading
        detail = str(app.screen.query_one("#framework-detail", Static).render())
        assert not any(b in detail for b in bobs)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, PassagesModal)
        heading = str(app.screen.query_one("#passages-heading", Static).render())
        assert "The 2 passages behind" in heading and "the cell shows 2" in heading
        shown = listed(app)
        assert [line.split(" · ")[0] for line in shown] == [q.location for q in expected[:2]]
        assert not any(b in line for line in shown for b in bobs)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("c", "c")  # yours → the default coders → all coders, pooled
        await pilot.pause()
        assert "all coders" in str(app.screen.query_one("#framework-heading", Static).render())
        assert rows(app)[0].startswith(f"{CEO} | 04.2 | 3 | ")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, PassagesModal)
        assert [line.split(" · ")[0] for line in listed(app)] == [q.location for q in expected]
        heading = str(modal.query_one("#passages-heading", Static).render())
        assert "The 3 passages behind" in heading
        assert "3 passages · 4 segments · the cell shows 3" in heading
        await pilot.press("j", "j", "enter")
        await pilot.pause()
        coding = app.screen
        assert isinstance(coding, CodingScreen)
        assert coding.session.segments[coding.view.cursor].ordinal == codable[12]

    async def main() -> None:
        with Project.open(tui_path) as project:
            app = make_app(project, coder="alice")
            async with app.run_test(size=SIZE) as pilot:
                await pilot.pause()
                await script(pilot, app)

    asyncio.run(main())


def test_overlapping_coders_passages_are_one_in_the_leads_view(
    tui_project: Project, tui_path: Path
) -> None:
    """alice's segment and bob's run over it are one passage naming both, in the table and the list."""
    from textual.widgets import OptionList

    from codebench.tui.modals.passages import PassagesModal

    codable = [s.ordinal for s in tui_project.segments(CEO) if s.codable]
    tui_project.code_segments("alice", CEO, [codable[5]], "12")
    tui_project.code_segments("bob", CEO, [codable[5], codable[6]], "12")
    tui_project.close()

    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        await pilot.press("f7")
        await pilot.pause()
        await pilot.press("c", "c")  # the lead's view: all coders pooled
        await pilot.pause()
        assert rows(app)[0].startswith(f"{CEO} | 12 | 1 | ")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, PassagesModal)
        heading = str(modal.query_one("#passages-heading", Static).render())
        assert "The 1 passage behind" in heading and "1 passage · 2 segments" in heading
        options = modal.query_one(OptionList)
        assert options.option_count == 1
        first = str(options.get_option_at_index(0).prompt)
        assert f"segments {codable[5]}–{codable[6]}" in first and "alice, bob" in first

    async def main() -> None:
        with Project.open(tui_path) as project:
            app = make_app(project, coder="alice")
            async with app.run_test(size=SIZE) as pilot:
                await pilot.pause()
                await script(pilot, app)

    asyncio.run(main())
