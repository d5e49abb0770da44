"""Every number opens its quotes: Enter on a reports cell lists what ``codebench explain`` lists.

On the small project (see conftest.py for its codings), pooled over alice
and bob (no consensus coder, so the default scope is every human coder):

- 08 is coded on int1 segments 2 and 3 (alice; bob on 2) and int2 segment 1
  (bob): 3 segments in 2 transcripts, as the frequencies row says;
- by role, 12 is in one staff transcript (int2, segment 3, alice);
- crossed role × organisation, 11 is in G1 manager × Riverside (int1,
  segment 6, alice) and G2 manager × Westmoor (int3, segment 2, bob);
- 08 and 04.1 share int1 segment 3.
"""

from __future__ import annotations

import asyncio

from textual.coordinate import Coordinate
from textual.pilot import Pilot
from textual.widgets import DataTable, OptionList, Static

from codebench.analysis.explain import CellSpec, explain
from codebench.analysis.scope import ScopeSpec
from codebench.project import Project
from codebench.tui.app import CodebenchApp, make_app
from codebench.tui.modals.passages import PassagesModal
from codebench.tui.screens.coding import CodingScreen
from codebench.tui.screens.reports import ReportsScreen

SIZE = (80, 24)


def row_of(table: DataTable, code: str) -> int:
    for index in range(table.row_count):
        if str(table.get_row_at(index)[0]) == code:
            return index
    raise AssertionError(f"no row {code!r}")


def column_of(table: DataTable, label: str) -> int:
    labels = [str(c.label) for c in table.columns.values()]
    return next(i for i, text in enumerate(labels) if text.startswith(label))


async def open_cell(pilot: Pilot, app: CodebenchApp, table_id: str, code: str, column: str) -> None:
    grid = app.screen.query_one(table_id, DataTable)
    grid.focus()
    row = row_of(grid, code)
    grid.cursor_coordinate = Coordinate(row, column_of(grid, column) if column else 0)
    await pilot.pause()
    await pilot.press("enter")
    await app.workers.wait_for_complete()
    await pilot.pause()


def listed(app: CodebenchApp) -> tuple[list[str], str]:
    """The modal's passages (location, as shown) and its heading's text."""
    modal = app.screen
    assert isinstance(modal, PassagesModal)
    options = modal.query_one(OptionList)
    shown = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
    heading = str(modal.query_one("#passages-heading", Static).render())
    return [line.split("\n")[0] for line in shown], heading


def locations(project: Project, spec: CellSpec, row: str, column: str | None) -> list[str]:
    """What ``codebench explain`` lists for the cell: each passage's first line in the modal."""
    from codebench.tui.modals.passages import passage_prompt

    return [
        passage_prompt(q).plain.split("\n")[0] for q in explain(project, spec, row, column).quotes
    ]


def test_enter_on_cells_lists_what_explain_lists(small: Project) -> None:
    pooled = ScopeSpec()
    expected = {
        "freq": locations(small, CellSpec("frequencies", pooled), "08", None),
        "attr": locations(small, CellSpec("by-attribute", pooled, ("role",)), "12", "staff"),
        "g1": locations(small, CellSpec("crossed", pooled, ("role", "organisation")), "11", "G1"),
        "g2": locations(small, CellSpec("crossed", pooled, ("role", "organisation")), "11", "G2"),
        "co": locations(small, CellSpec("cooccurrence", pooled, rollup=False), "08", "04.1"),
    }
    # Hand-derived: the passages are where the module docstring says.
    assert [e.split(" · ")[0] for e in expected["attr"]] == ["int2, segment 3"]
    assert [e.split(" · ")[0] for e in expected["g1"]] == ["int1, segment 6"]
    assert [e.split(" · ")[0] for e in expected["g2"]] == ["int3, segment 2"]
    assert all(e.startswith("int1, segment") and "3" in e for e in expected["co"])
    app = make_app(small, coder="alice")

    async def script() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await pilot.press("f4")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert isinstance(app.screen, ReportsScreen)
            # Blind by default: alice's own codings only, until she chooses everyone.
            assert app.screen.scope == "alice"
            await open_cell(pilot, app, "#frequency-table", "08", "")
            mine, _heading = listed(app)
            assert mine and all(e.endswith(" · alice") for e in mine)
            await pilot.press("escape")
            await pilot.pause()
            app.screen.query_one("#reports-scope").value = "(default)"  # type: ignore[attr-defined]
            await app.workers.wait_for_complete()
            await pilot.pause()

            await open_cell(pilot, app, "#frequency-table", "08", "")
            shown, heading = listed(app)
            assert shown == expected["freq"]
            # The row says 3 segments in 2 transcripts; the list covers exactly those.
            assert "3 segments · 2 transcripts" in heading
            assert "the same segments and transcripts as the table counts" in heading
            await pilot.press("escape")
            await pilot.pause()

            await pilot.press("2")
            await pilot.pause()
            await open_cell(pilot, app, "#attribute-table", "12", "staff")
            shown, heading = listed(app)
            assert shown == expected["attr"]
            assert "1 passage · 1 segment · 1 transcript" in heading
            await pilot.press("escape")

            await pilot.press("3")
            await pilot.pause()
            legend = str(app.screen.query_one("#crossed-groups", Static).render())
            assert "G1 manager × Riverside (n=1 small)" in legend
            for group in ("G1", "G2"):
                await open_cell(pilot, app, "#crossed-table", "11", group)
                shown, heading = listed(app)
                assert shown == expected[group.lower()]
                assert "11 × manager × " in heading
                await pilot.press("escape")
                await pilot.pause()

            await pilot.press("4")
            await pilot.pause()
            await open_cell(pilot, app, "#cooccurrence-table", "08", "04.1")
            shown, heading = listed(app)
            assert shown == expected["co"]
            assert "segments coded with both codes" in heading
            await pilot.press("escape")
            await pilot.pause()

            # Enter on a passage opens the coding screen at its segment.
            await pilot.press("1")
            await open_cell(pilot, app, "#frequency-table", "08", "")
            modal = app.screen
            assert isinstance(modal, PassagesModal)
            await pilot.press("j")
            chosen = modal.quotes[1]
            await pilot.press("enter")
            await pilot.pause()
            coding = app.screen
            assert isinstance(coding, CodingScreen)
            assert coding.session.transcript.name == chosen.transcript
            at = coding.session.segments[coding.view.cursor]
            assert at.ordinal == chosen.first_segment

    asyncio.run(script())


def test_a_coder_scope_is_the_explained_scope(small: Project) -> None:
    """With one coder chosen, the passages are that coder's only (as the table's counts)."""
    app = make_app(small, coder="alice")
    expected = locations(small, CellSpec("frequencies", ScopeSpec(coders=("bob",))), "08", None)
    assert [e.split(" · ")[0] for e in expected] == ["int1, segment 2", "int2, segment 1"]

    async def script() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await pilot.press("f4")
            await app.workers.wait_for_complete()
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, ReportsScreen)
            screen.query_one("#reports-scope").value = "bob"  # type: ignore[attr-defined]
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            await open_cell(pilot, app, "#frequency-table", "08", "")
            shown, heading = listed(app)
            assert shown == expected
            assert "2 segments · 2 transcripts" in heading

    asyncio.run(script())
