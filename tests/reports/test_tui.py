"""The reports screen, driven with Pilot on the small project."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.app import App
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select, Static

from codebench.models import Coder
from codebench.project import Project
from codebench.reports.render_rich import BarChart
from codebench.tui.screens.reports import DEFAULT_SCOPE, ExportModal, ReportsScreen

SIZE = (140, 45)


class Host(App[None]):
    """A bare app that opens the reports screen, as the workbench does."""

    def __init__(self, project: Project, coder: Coder) -> None:
        super().__init__()
        self.project = project
        self.coder = coder

    def on_mount(self) -> None:
        self.push_screen(ReportsScreen(self.project, self.coder))


async def settle(app: App[None], pilot: Pilot[None]) -> None:
    """Let a change's message reach its handler, then wait for the worker it starts.

    Waiting for the workers first can return before the handler has started
    one (a Select's change is a message), which under load showed the
    figures of the scope before.
    """
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


def cells(table: DataTable, first: str) -> list[str]:
    for key in table.rows:
        row = [str(c) for c in table.get_row(key)]
        if row[0] == first:
            return row
    raise AssertionError(f"no row {first!r}")


def test_reports_screen(small: Project, tmp_path: Path) -> None:
    app = Host(small, small.coder("alice"))

    async def script() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, ReportsScreen)
            freq = screen.query_one("#frequency-table", DataTable)
            # Blind by default: alice's own counts (08: 2 segments of 1 transcript);
            # choosing everyone (the lead's view) pools every coder.
            assert cells(freq, "08")[2:4] == ["2", "2"]
            screen.query_one("#reports-scope", Select).value = DEFAULT_SCOPE
            await settle(app, pilot)
            assert freq.row_count == len(small.codes())
            assert cells(freq, "08")[2:] == ["3", "4", "2", "66.7", "12", "2"]
            assert cells(freq, "04")[2] == "1"  # sub-codes rolled in
            chart = screen.query_one("#frequency-chart", Static).content
            assert (
                isinstance(chart, BarChart)
                and chart.title == "Coded segments by code"
                and len(chart.values) == 12
            )

            await pilot.press("s")  # each code on its own
            await settle(app, pilot)
            assert cells(freq, "04")[2] == "0"
            await pilot.press("s")
            await settle(app, pilot)

            await pilot.press("2")
            await pilot.pause()
            by_attr = screen.query_one("#attribute-table", DataTable)
            assert [str(c.label) for c in by_attr.columns.values()][2:] == [
                "manager (n=2)",
                "staff (n=1)",
            ]
            assert cells(by_attr, "11")[2:] == ["2 (100%)", "–"]
            screen.query_one("#attribute-select", Select).value = "organisation"
            await settle(app, pilot)
            assert [str(c.label) for c in by_attr.columns.values()][2:] == [
                "Riverside (n=2)",
                "Westmoor (n=1)",
            ]

            await pilot.press("4")
            await pilot.pause()
            cooc = screen.query_one("#cooccurrence-table", DataTable)
            assert cooc.row_count == 8  # codes applied at all
            assert cells(cooc, "12")[2:] == [
                "0.00",
                "0.00",
                "0.00",
                "0.00",
                "0.25",
                "1.00",
                "0.33",
                "0.00",
            ]

            screen.query_one("#reports-scope", Select).value = "alice"
            await settle(app, pilot)
            assert cells(freq, "08")[2:4] == ["2", "2"]

            await pilot.press("e")
            await pilot.pause()
            modal = app.screen
            assert isinstance(modal, ExportModal)
            modal.query_one("#export-format", Select).value = "csv"
            await pilot.pause()
            path_input = modal.query_one("#export-path", Input)
            assert path_input.value.endswith("cooccurrence.csv")
            path_input.value = str(tmp_path / "cooc.csv")
            await pilot.click("#export-go")
            await pilot.pause()
            await settle(app, pilot)
            assert isinstance(app.screen, ReportsScreen)

    asyncio.run(script())
    assert (
        (tmp_path / "cooc.csv")
        .read_text(encoding="utf-8-sig")
        .startswith("Code A,Name A,Code B,Name B,Segments with both,jaccard")
    )


def screen_text(app: App[None]) -> str:
    """Every line the terminal shows, joined (wrapped phrases read whole)."""
    lines = ["".join(s.text for s in strip) for strip in app.screen._compositor.render_strips()]
    return " ".join(" ".join(lines).split())


def test_crossed_tab_says_what_to_pick(small: Project) -> None:
    # The small project's transcripts have two attributes, role and organisation.
    app = Host(small, small.coder("alice"))

    async def script() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, ReportsScreen)
            await pilot.press("3")
            await pilot.pause()
            table = screen.query_one("#crossed-table", DataTable)
            assert table.row_count > 0  # role × organisation, crossed on opening
            first = screen.query_one("#cross-first", Select)
            second = screen.query_one("#cross-second", Select)
            assert (first.value, second.value) == ("role", "organisation")

            second.value = "role"  # the same attribute twice
            await settle(app, pilot)
            assert table.row_count == 0
            shown = screen_text(app)
            assert "Pick two different attributes to cross." in shown
            assert "none yet" not in shown
            status = str(screen.query_one("#reports-status", Static).render())
            assert "Pick two different attributes to cross." in status

            second.clear()  # one left blank: nothing crossed, nothing stale
            await settle(app, pilot)
            assert table.row_count == 0
            assert "Pick two attributes to cross." in screen_text(app)

            second.value = "organisation"
            await settle(app, pilot)
            assert table.row_count > 0
            assert "Pick two" not in screen_text(app)

            await pilot.press("2")  # a cleared attribute: its table goes, and it says why
            await pilot.pause()
            screen.query_one("#attribute-select", Select).clear()
            await settle(app, pilot)
            assert screen.query_one("#attribute-table", DataTable).row_count == 0
            shown = screen_text(app)
            assert "Pick an attribute." in shown and "Select.NULL" not in shown
            assert "(no attributes)" not in shown  # the blank choice reads "(none)"
            assert "Attribute ▊ (none)" in shown

    asyncio.run(script())


def test_crossed_tab_with_one_attribute_says_so(project: Project, write_transcript) -> None:
    paths = [write_transcript(f"t{n}.txt", f"Ann Lee: Item {n}.\n") for n in (1, 2)]
    assert project.import_files(paths).ok
    project.set_attributes("t1", {"role": "manager"})
    project.set_attributes("t2", {"role": "staff"})
    app = Host(project, project.coder("alice", create=True))

    async def script() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            await pilot.press("3")
            await pilot.pause()
            shown = screen_text(app)
            assert "Crossing needs two attributes; transcripts have one (role)." in shown
            assert "none yet" not in shown

    asyncio.run(script())
