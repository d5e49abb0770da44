"""Small-screen fit: what the auto-code review and the code picker show at 80×24 is whole.

A long transcript name gives way before the segment number that finds the
passage; a passage or a code's definition longer than its panel scrolls
there instead of being cut; the code picker's list keeps room at 24 rows.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import DataTable, OptionList, Static

from codebench.project import Project
from codebench.tui.app import CodebenchApp, make_app
from codebench.tui.modals.autocode_review import AutocodeReviewModal
from codebench.tui.modals.code_picker import CodePickerModal

from .test_search_screen import run

OTHER = "05-activelife-director"


def play(path: Path, script: Callable[[Pilot, CodebenchApp], Awaitable[None]], **kw: str) -> None:
    async def main() -> None:
        with Project.open(path) as project:
            app = make_app(project, coder="alice", **kw)
            async with app.run_test(size=(80, 24)) as pilot:
                app.animation_level = "none"
                await pilot.pause()
                await script(pilot, app)

    asyncio.run(main())


def words(text: str) -> str:
    return " ".join(text.split())


def test_the_batch_review_keeps_each_segment_number_and_the_whole_passage(
    tui_project: Project, tui_path: Path
) -> None:
    word = re.compile(r"\bleisure\b", re.IGNORECASE)
    text = tui_project.text(OTHER)
    places = [s for s in tui_project.segments(OTHER) if word.search(text[s.start : s.end])]
    assert len(places) >= 2 and len(f"{OTHER} {places[-1].ordinal}") > 22  # longer than the column
    whole = {s.ordinal: words(text[s.start : s.end]) for s in places}
    tui_project.close()

    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        await pilot.press("f8")
        await pilot.pause()
        await run(pilot, app, "leisure")
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, CodePickerModal)
        await pilot.press("0", "3", "enter")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, AutocodeReviewModal)
        table = modal.query_one("#review-table", DataTable)
        ends = [str(table.get_row_at(i)[2]).rsplit(" ", 1)[1] for i in range(table.row_count)]
        assert ends == [str(p.first_segment) for p in modal.plan.proposals]
        assert [p.first_segment for p in modal.plan.proposals if p.transcript == OTHER] == sorted(
            whole
        )
        for proposal in modal.plan.proposals:
            shown = words(str(modal.query_one("#review-passage", Static).render()))
            assert f"{proposal.transcript} {proposal.first_segment}" in shown
            assert whole[proposal.first_segment] in shown  # every word of it, none cut
            await pilot.press("j")
            await pilot.pause()
        await pilot.press("escape")

    play(tui_path, script)


def test_the_code_picker_keeps_its_list_and_the_whole_definition(
    tui_project: Project, tui_path: Path
) -> None:
    definition = words(tui_project.code("03").description or "")
    assert len(definition) > 300  # with its guidance, more than the six-line panel holds
    tui_project.close()

    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        await pilot.press("c")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, CodePickerModal)
        options = picker.query_one("#picker-options", OptionList)
        assert options.size.height >= 7  # rows of codes (it was 2)
        await pilot.press("0", "3")
        await pilot.pause()
        detail = picker.query_one("#picker-detail", Static)
        assert definition in words(str(detail.render()))
        box = picker.query_one("#picker-detail-box")
        assert box.max_scroll_y == detail.size.height - box.size.height > 0  # it scrolls

    play(tui_path, script, transcript="01-riverside-ceo")


def test_a_summarys_long_passage_is_whole_in_its_editor(
    tui_project: Project, tui_path: Path
) -> None:
    """The framework summary editor quotes the cell's first passage: scrolled, not cut at 4 lines."""
    from codebench.tui.modals.memo import MemoModal

    ceo = "01-riverside-ceo"
    codable = [s for s in tui_project.segments(ceo) if s.codable]
    run_of = next(
        codable[i : i + 6]
        for i in range(len(codable))
        if [s.ordinal for s in codable[i : i + 6]]
        == list(range(codable[i].ordinal, codable[i].ordinal + 6))
    )  # six neighbouring segments: one passage
    ordinals = [s.ordinal for s in run_of]
    tui_project.code_segments("alice", ceo, ordinals, "02")
    text = tui_project.text(ceo)
    passage = words(text[run_of[0].start : run_of[-1].end])
    tui_project.close()

    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        await pilot.press("f7")
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        editor = app.screen
        assert isinstance(editor, MemoModal)
        quote = editor.query_one("#memo-quote", Static)
        assert words(str(quote.render())) == passage
        box = editor.query_one("#memo-quote-box")
        assert box.size.height == 4 and box.max_scroll_y == quote.size.height - 4 > 0
        await pilot.press("escape")

    play(tui_path, script)
