"""The review screen, driven with the keyboard through Textual's Pilot; assertions on the database."""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from rich.console import Console
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import DataTable, SelectionList, Static

from codebench.agreement.consensus import DECIDE
from codebench.models import Coder
from codebench.project import Project
from codebench.tui.modals.edit_codes import EditCodesModal
from codebench.tui.screens.review import ReviewScreen


class _Host(App[None]):
    """A bare app that opens the review screen on mount."""

    def __init__(self, project: Project, coder: Coder) -> None:
        super().__init__()
        self.review = ReviewScreen(project, coder)

    def on_mount(self) -> None:
        self.push_screen(self.review)


@pytest.fixture
def project(project: Project, write_interview: Callable[..., Path]) -> Project:
    """The interview of tests/conftest.py, coded by alice and bob, both done."""
    p = project
    assert p.import_files([write_interview("t1")]).ok
    p.code_segments("alice", "t1", [1, 2], "08")
    p.code_segments("bob", "t1", [1], "08")
    p.code_segments("alice", "t1", [2], "04.1")
    p.code_segments("bob", "t1", [2], "04.2")
    p.code_segments("alice", "t1", [6], "10")
    p.code_segments("bob", "t1", [7], "10")
    for k in ("alice", "bob"):
        p.set_status(k, "t1", "done")
    return p


@pytest.fixture
def pat(project: Project) -> Coder:
    return project.coder("pat", create=True)


Script = Callable[[_Host, Pilot], Awaitable[None]]
Drive = Callable[[Project, Coder, Script], _Host]


@pytest.fixture
def drive(run_headless: Callable[..., _Host]) -> Drive:
    """Run the host app headless once the agreement has loaded, play ``script``, return the app."""
    return lambda project, coder, script: run_headless(
        lambda: _Host(project, coder), script, size=(150, 45), wait_for_workers=True
    )


def text_of(app: _Host, selector: str) -> str:
    console = Console(file=io.StringIO(), width=200, record=True)
    console.print(app.review.query_one(selector, Static).content)
    return console.export_text()


def consensus_codes(p: Project, ordinal: int) -> set[str]:
    seg = p.segment("t1", ordinal)
    return {
        p.code_by_id(c.code_id).number
        for c in p.codings(transcript="t1", coders=["consensus"])
        if c.start < seg.end and c.end > seg.start
    }


async def open_code(app: _Host, pilot: Pilot, number: str) -> None:
    table = app.review.query_one("#review-table", DataTable)
    code_id = app.review.project.code(number).id
    table.move_cursor(row=table.get_row_index(str(code_id)))
    await pilot.press("enter")
    await pilot.pause()


def test_table_then_adjudicate_with_keys(project: Project, pat: Coder, drive: Drive) -> None:
    async def script(app: _Host, pilot: Pilot) -> None:
        screen = app.review
        table = screen.query_one("#review-table", DataTable)
        assert table.row_count == len(project.codes())
        assert "5 disagreements on 3 segments, 0 decided" in text_of(app, "#review-status")
        await open_code(app, pilot, "10")
        assert screen.in_detail and screen.current.ordinal == 6
        raters = text_of(app, "#review-coders")
        assert "1 alice" in raters and "10 Commissioning" in raters
        assert "2 bob" in raters and "(no codes)" in raters
        assert "The council still tells us what to do." in text_of(app, "#review-segment")
        definition = text_of(app, "#review-code")
        assert "Definition:" in definition and "Use when:" in definition
        assert "disagreement 1 of 2" in text_of(app, "#review-header")
        await pilot.press("b")  # accept bob's (empty) coding of segment 6
        assert consensus_codes(project, 6) == set()
        assert screen.current.ordinal == 7  # moved on to the next undecided one
        await pilot.press("o")  # both: bob applied 10 at 7
        assert consensus_codes(project, 7) == {"10"}
        assert "decided 2/2" in text_of(app, "#review-header")
        await pilot.press("escape")
        assert not screen.in_detail
        row = table.get_row(str(project.code("10").id))
        assert str(row[-1]) == "2/2"
        # The 04.1/04.2 confusion: accept A, then fix it with edit.
        await open_code(app, pilot, "04.1")
        assert "Also in dispute here" in text_of(app, "#review-code")
        await pilot.press("a")
        assert consensus_codes(project, 2) == {"04.1", "08"}
        await pilot.press("e")
        assert isinstance(app.screen, EditCodesModal)
        picker = app.screen.query_one(SelectionList)
        assert set(picker.selected) == {project.code("04.1").id, project.code("08").id}
        picker.deselect(project.code("04.1").id)
        picker.select(project.code("04.2").id)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        assert consensus_codes(project, 2) == {"04.2", "08"}
        # Escape in the editor changes nothing.
        await pilot.press("e")
        await pilot.press("escape")
        await pilot.pause()
        assert consensus_codes(project, 2) == {"04.2", "08"}

    drive(project, pat, script)
    events = project.events(actions=(DECIDE,))
    assert [(e.payload["choice"], e.payload["segment"]) for e in events] == [
        ("accept", 6),
        ("all", 7),
        ("accept", 2),
        ("edit", 2),
    ]
    assert all(e.coder_id == pat.id and e.payload["decider"] == "pat" for e in events)
    assert project.coder("consensus").kind == "consensus"


def test_progress_is_kept_across_restarts(project: Project, pat: Coder, drive: Drive) -> None:
    async def decide_one(app: _Host, pilot: Pilot) -> None:
        await open_code(app, pilot, "10")
        await pilot.press("n")

    drive(project, pat, decide_one)

    async def reopen(app: _Host, pilot: Pilot) -> None:
        screen = app.review
        assert "5 disagreements on 3 segments, 1 decided" in text_of(app, "#review-status")
        table = screen.query_one("#review-table", DataTable)
        assert str(table.get_row(str(project.code("10").id))[-1]) == "1/2"
        await open_code(app, pilot, "10")
        assert screen.current.ordinal == 7  # opens on the first undecided disagreement
        await pilot.press("k")
        assert screen.current.ordinal == 6
        assert "Decided: kept only agreed codes (pat)" in text_of(app, "#review-header")
        # Keys that decide do nothing on the table view.
        await pilot.press("escape")
        await pilot.press("a")
        assert len(project.events(actions=(DECIDE,))) == 1

    drive(project, pat, reopen)


def test_bindings_have_ids(project: Project, pat: Coder) -> None:
    ids = {b.id for b in ReviewScreen.BINDINGS}  # type: ignore[union-attr]
    assert {
        "review.accept_a",
        "review.accept_b",
        "review.both",
        "review.neither",
        "review.edit",
    } <= ids
    assert all(b.id for b in ReviewScreen.BINDINGS)  # type: ignore[union-attr]
    keys = {b.id: b.key for b in ReviewScreen.BINDINGS}  # type: ignore[union-attr]
    assert (
        keys["review.accept_a"],
        keys["review.accept_b"],
        keys["review.both"],
        keys["review.neither"],
        keys["review.edit"],
    ) == (
        "a",
        "b",
        "o",
        "n",
        "e",
    )


def test_table_moves_with_list_keys(project: Project, pat: Coder, drive: Drive) -> None:
    """j/k/g/G move in the agreement table (they did nothing there); in a code, j/k still step."""

    async def script(app: _Host, pilot: Pilot) -> None:
        table = app.review.query_one("#review-table", DataTable)
        table.focus()
        await pilot.pause()
        assert table.cursor_row == 0
        await pilot.press("j", "j")
        assert table.cursor_row == 2
        await pilot.press("k")
        assert table.cursor_row == 1
        await pilot.press("G")
        assert table.cursor_row == table.row_count - 1
        await pilot.press("g")
        assert table.cursor_row == 0
        await open_code(app, pilot, "10")
        assert app.review.in_detail and app.review.current.ordinal == 6
        row = table.cursor_row
        await pilot.press("j")
        assert app.review.current.ordinal == 7 and table.cursor_row == row

    drive(project, pat, script)


def test_the_footer_at_80_columns_shows_each_views_keys_and_they_act(
    project: Project, run_headless: Callable[..., App[None]]
) -> None:
    """The table's Enter, round and coders; in a code, j/k, 1-9, reason, round and edit."""
    from textual.widgets._footer import FooterKey

    from codebench.tui.app import make_app
    from codebench.tui.widgets.footer import BindingsFooter

    def footer(app: App[None]) -> tuple[dict[str, str], int]:
        keys = list(app.screen.query_one(BindingsFooter).query(FooterKey))
        shown = {k.key: f"{k.key_display} {k.description}" for k in keys}
        return shown, sum(k.outer_size.width for k in keys)

    async def script(app: App[None], pilot: Pilot) -> None:
        await pilot.press("f3")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        shown, used = footer(app)
        assert used <= 80
        assert {"escape", "question_mark", "enter", "f", "p"} <= set(shown), shown
        assert shown["enter"] == "⏎ Review code"
        table = screen.query_one("#review-table", DataTable)
        assert table.has_focus
        table.move_cursor(row=table.get_row_index(str(project.code("10").id)))
        await pilot.press("enter")  # the screen's Enter (it is in the footer), not the table's
        await pilot.pause()
        assert screen.in_detail and screen.current is not None and screen.current.ordinal == 6
        shown, used = footer(app)
        assert used <= 80
        assert {"escape", "question_mark", "j", "1", "r", "f", "e"} <= set(shown), shown
        assert shown["j"] == "j/k Move" and shown["1"] == "1-9 Accept"
        assert "enter" not in shown and "k" not in shown  # k is read as the j/k above
        await pilot.press("j")
        assert screen.current.ordinal == 7
        await pilot.press("k")
        assert screen.current.ordinal == 6
        await pilot.press("1")  # alice's codes on segment 6: 10
        await pilot.pause()
        assert consensus_codes(project, 6) == {"10"}

    run_headless(lambda: make_app(project, coder="alice"), script, size=(80, 24))
