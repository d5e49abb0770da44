"""The review screen with three coders: every rater's codes, accept by number, majority, reasons, a sample."""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, SelectionList, Static

from codebench.agreement.consensus import DECIDE
from codebench.design.assignments import assign
from codebench.models import Coder
from codebench.project import Project
from codebench.tui.modals.edit_codes import EditCodesModal
from codebench.tui.modals.reason import ReasonModal
from codebench.tui.screens.review import ReviewScreen


class _Host(App[None]):
    def __init__(self, project: Project, coder: Coder, **options: Any) -> None:
        super().__init__()
        self.review = ReviewScreen(project, coder, **options)

    def on_mount(self) -> None:
        self.push_screen(self.review)


@pytest.fixture
def trio(project: Project, write_interview: Callable[..., Path]) -> Project:
    """As tests/agreement/test_adjudication_multi.py: cara was assigned segments 1-4 of t1 only."""
    p = project
    assert p.import_files([write_interview("t1")]).ok
    assign(p, "cara", ["t1"], segments=[(1, 4)])
    for k in ("alice", "bob", "cara"):
        p.code_segments(k, "t1", [1], "08")
    p.code_segments("alice", "t1", [2], "08")
    p.code_segments("alice", "t1", [2], "04.1")
    p.code_segments("bob", "t1", [2], "04.2")
    p.code_segments("cara", "t1", [2], "04.1")
    p.code_segments("cara", "t1", [3], "02")
    p.code_segments("alice", "t1", [6], "10")
    p.code_segments("bob", "t1", [7], "10")
    for k in ("alice", "bob", "cara"):
        p.set_status(k, "t1", "done")
    return p


Script = Callable[[_Host, Pilot], Awaitable[None]]


@pytest.fixture
def drive(run_headless: Callable[..., _Host]) -> Callable[..., _Host]:
    def run(project: Project, script: Script, size: tuple[int, int] = (120, 40), **options: Any):
        pat = project.coder("pat", create=True)
        return run_headless(
            lambda: _Host(project, pat, **options), script, size=size, wait_for_workers=True
        )

    return run


def text_of(app: _Host, selector: str) -> str:
    console = Console(file=io.StringIO(), width=300, record=True)
    console.print(app.review.query_one(selector, Static).content)
    return " ".join(console.export_text().split())


def row_text(app: _Host, row: int) -> list[str]:
    table = app.review.query_one("#review-items", DataTable)
    return [str(cell) for cell in table.get_row_at(row)]


def consensus_codes(p: Project, ordinal: int) -> set[str]:
    seg = p.segment("t1", ordinal)
    return {
        p.code_by_id(c.code_id).number
        for c in p.codings(transcript="t1", coders=["consensus"])
        if c.start < seg.end and c.end > seg.start
    }


async def open_code(app: _Host, pilot: Pilot, number: str) -> None:
    table = app.review.query_one("#review-table", DataTable)
    table.move_cursor(row=table.get_row_index(str(app.review.project.code(number).id)))
    await pilot.press("enter")
    await pilot.pause()


async def write_reason(app: _Host, pilot: Pilot, text: str) -> None:
    await pilot.press("r")
    await pilot.pause()
    assert isinstance(app.screen, ReasonModal)
    app.screen.query_one(Input).value = text
    await pilot.press("enter")
    await pilot.pause()


def test_three_coders_decided_by_number_majority_and_reasons(trio: Project, drive) -> None:
    async def script(app: _Host, pilot: Pilot) -> None:
        screen = app.review
        assert "1 alice · 2 bob · 3 cara" in text_of(app, "#review-title")
        assert "6 disagreements on 4 segments, 0 decided" in text_of(app, "#review-status")
        # Segment 2: all three raters' codes, the disputed ones marked.
        await open_code(app, pilot, "04.2")
        raters = text_of(app, "#review-coders")
        assert "1 alice + 04.1" in raters and "2 bob + 04.2" in raters and "3 cara + 04.1" in raters
        assert "We lost two managers." in text_of(app, "#review-segment")
        # A reason written before deciding goes with the decision.
        await write_reason(app, pilot, "two of three")
        assert "reason ready: two of three" in text_of(app, "#review-header")
        assert trio.events(actions=(DECIDE,)) == []
        await pilot.press("m")
        assert consensus_codes(trio, 2) == {"04.1"}
        event = trio.events(actions=(DECIDE,))[-1]
        assert (event.payload["choice"], event.payload["reason"]) == ("majority", "two of three")
        assert "Decided: kept the majority's codes (pat) · reason: two of three" in text_of(
            app, "#review-header"
        )
        assert row_text(app, 0)[3:] == ["kept the majority's codes (pat)", "two of three"]
        await pilot.press("escape")
        # Segments 6 and 7: two raters each (cara was not assigned them).
        await open_code(app, pilot, "10")
        assert "3 cara not rated here" in text_of(app, "#review-coders")
        await pilot.press("3")  # cara did not rate segment 6: refused, nothing written
        assert len(trio.events(actions=(DECIDE,))) == 1
        # The list moves with j/k/g/G and the arrows.
        assert screen.current.ordinal == 6
        await pilot.press("j")
        assert screen.current.ordinal == 7
        assert "t1 · segment 7" in text_of(app, "#review-segment")
        await pilot.press("g")
        assert screen.current.ordinal == 6
        await pilot.press("G")
        assert screen.current.ordinal == 7
        await pilot.press("left")
        assert screen.current.ordinal == 6
        await pilot.press("down")
        assert screen.current.ordinal == 7
        await pilot.press("up")
        assert screen.current.ordinal == 6
        await pilot.press("n")  # agreed only: nothing at 6
        assert consensus_codes(trio, 6) == set()
        assert screen.current.ordinal == 7  # moved on to the next undecided one
        await pilot.press("k")
        # A reason written after deciding is added to the decision.
        assert screen.current.ordinal == 6
        await write_reason(app, pilot, "10 needs a commissioner named")
        assert row_text(app, 0)[4] == "10 needs a commissioner named"
        assert consensus_codes(trio, 6) == set()
        await pilot.press("j", "2")  # accept bob at 7
        assert consensus_codes(trio, 7) == {"10"}
        await pilot.press("escape")
        await open_code(app, pilot, "02")
        await pilot.press("3")  # accept cara at 3
        assert consensus_codes(trio, 3) == {"02"}

    drive(trio, script)
    events = trio.events(actions=(DECIDE,))
    assert [(e.payload["segment"], e.payload["choice"], e.payload["accepted"]) for e in events] == [
        (2, "majority", None),
        (6, "agreed", None),
        (6, "agreed", None),  # the reason, added
        (7, "accept", "bob"),
        (3, "accept", "cara"),
    ]
    assert events[2].payload["reason"] == "10 needs a commissioner named"
    # Every disagreement of t1 decided: the consensus is done there, with the agreed 08 at 1.
    assert trio.statuses()[(trio.coder("consensus").id, trio.transcript("t1").id)] == "done"
    assert consensus_codes(trio, 1) == {"08"}


def test_the_coder_sets_and_a_sample_filter(trio: Project, drive) -> None:
    t1 = trio.transcript("t1").id

    async def script(app: _Host, pilot: Pilot) -> None:
        assert "round 1" in text_of(app, "#review-title")
        assert "2 disagreements on 2 segments" in text_of(app, "#review-status")
        await pilot.press("p")  # alice and bob alone
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "1 alice · 2 bob" in text_of(app, "#review-title")
        assert "cara" not in text_of(app, "#review-title")

    drive(trio, script, within={t1: {6, 7}}, within_label="round 1")


@pytest.mark.parametrize("size", [(80, 24), (200, 50)])
def test_nothing_is_clipped_at_small_and_large_sizes(trio: Project, drive, size) -> None:
    """The segment's text wraps inside its panel (and scrolls), never cut at the panel's edge."""
    trio.code_segments("alice", "t1", [4], "13.2")

    async def script(app: _Host, pilot: Pilot) -> None:
        await open_code(app, pilot, "04.2")
        panel = app.review.query_one("#review-segment", Static)
        assert panel.size.width > 10
        # Every line of the rendered panel fits its width.
        lines = panel.render_lines(panel.region.reset_offset)
        assert all(sum(len(s.text) for s in line) <= panel.size.width for line in lines)
        assert "We lost two managers." in text_of(app, "#review-segment")
        header = app.review.query_one("#review-header", Static)
        assert header.size.height >= 3  # wraps rather than cuts

    drive(trio, script, size=size)


def test_opening_the_review_takes_back_a_done_that_a_new_disagreement_made_stale(
    trio: Project, drive
) -> None:
    from codebench.agreement.consensus import adjudicate, list_disagreements

    for d in list_disagreements(trio, ["alice", "bob", "cara"]):
        if not d.decided:
            adjudicate(trio, "pat", d, d.code, "majority")
    key = (trio.coder("consensus").id, trio.transcript("t1").id)
    assert trio.statuses()[key] == "done"
    trio.code_segments("bob", "t1", [4], "02")  # a new disagreement at segment 4

    async def script(app: _Host, pilot: Pilot) -> None:
        assert "7 disagreements on 5 segments, 6 decided" in text_of(app, "#review-status")

    drive(trio, script)
    assert trio.statuses()[key] == "in-progress"


def test_f_filters_by_reliability_round(project: Project, write_interview, drive) -> None:
    """A round's sample and coders: the table is `agreement --round N`, the list its disagreements."""
    from codebench.design.rounds import start_round
    from codebench.design.sample import draw_sample

    p = project
    assert p.import_files([write_interview(t, tag=t) for t in ("t1", "t2", "t3")]).ok
    for k in ("alice", "bob"):
        assign(p, k, ["t1", "t2", "t3"])
    sample = draw_sample(p, 0.34, ["alice", "bob"], seed=7, name="s1")
    (inside,) = sample.transcripts
    outside = next(t for t in ("t1", "t2", "t3") if t != inside)
    for t in (inside, outside):
        p.code_segments("alice", t, [2], "08")
        p.code_segments("bob", t, [3], "08")
        for k in ("alice", "bob"):
            p.set_status(k, t, "done")
    start_round(p, "pilot", sample="s1", by="lead")

    async def script(app: _Host, pilot: Pilot) -> None:
        assert "4 disagreements on 4 segments" in text_of(app, "#review-status")
        await pilot.press("f")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "round 1 (pilot)" in text_of(app, "#review-title")
        assert "2 disagreements on 2 segments" in text_of(app, "#review-status")
        assert {d.transcript.name for d in app.review.items} == {inside}
        assert app.review.report["round"]["number"] == 1
        await pilot.press("f")  # back to every unit
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "round" not in text_of(app, "#review-title")
        assert "4 disagreements" in text_of(app, "#review-status")

    drive(p, script)


def test_a_second_decision_on_a_segment_keeps_the_first(trio: Project, drive) -> None:
    """Issue 12 walk, defect 4, on the review screen (the same library call as the CLI).

    Segment 2: the majority's decision on the 04.2 row settles 04.1, 04.2 and 08 ({04.1});
    accepting bob's codes on the 04.1 row then re-decides 04.1 only: bob did not apply it,
    so it goes, while 04.2 and 08 keep the majority's decision and its reason.
    """

    async def script(app: _Host, pilot: Pilot) -> None:
        await open_code(app, pilot, "04.2")
        await write_reason(app, pilot, "A")
        await pilot.press("m")
        assert consensus_codes(trio, 2) == {"04.1"}
        await pilot.press("escape")
        await open_code(app, pilot, "04.1")
        assert row_text(app, 0)[3:] == ["kept the majority's codes (pat)", "A"]
        await pilot.press("2")  # re-decide 04.1: bob's codes
        assert consensus_codes(trio, 2) == set()
        await pilot.press("k")
        await write_reason(app, pilot, "B")  # added to the decision of 04.1, and only to it
        assert row_text(app, 0)[3:] == ["accepted bob (pat)", "B"]
        await pilot.press("escape")
        await open_code(app, pilot, "04.2")
        assert row_text(app, 0)[3:] == ["kept the majority's codes (pat)", "A"]
        # Editing starts from the consensus's codes now ({}), not the majority's result ({04.1}).
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, EditCodesModal)
        assert set(app.screen.query_one(SelectionList).selected) == set()
        await pilot.press("escape")
        await pilot.pause()
        assert consensus_codes(trio, 2) == set()
        await pilot.press("escape")
        await open_code(app, pilot, "08")
        assert row_text(app, 0)[3:] == ["kept the majority's codes (pat)", "A"]

    drive(trio, script)
    events = trio.events(actions=(DECIDE,))
    held = {
        trio.code(g).number: (e.payload["choice"], e.payload["reason"])
        for e in events
        for g in e.payload["scope"]
    }
    assert held == {"04.1": ("accept", "B"), "04.2": ("majority", "A"), "08": ("majority", "A")}
