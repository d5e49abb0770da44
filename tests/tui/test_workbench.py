"""Pilot-driven tests of the workbench; every action is checked in the database (a second connection)."""

from __future__ import annotations

import asyncio
import io
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from rich.console import Console
from textual.pilot import Pilot

from codebench.project import Project
from codebench.tui.app import CodebenchApp, make_app
from codebench.tui.modals.code_picker import CodePickerModal
from codebench.tui.modals.coder import CoderModal
from codebench.tui.modals.confirm import ConfirmModal
from codebench.tui.modals.memo import MemoModal
from codebench.tui.screens.coding import CodingScreen
from codebench.tui.screens.help import HelpScreen, binding_groups
from codebench.tui.screens.project import ProjectScreen
from codebench.tui.widgets.codebook_tree import CodebookTree
from codebench.tui.widgets.transcript_view import TranscriptView

CEO = "01-riverside-ceo"

SIZE = (120, 40)


def run(app: CodebenchApp, script: Callable[[Pilot, CodebenchApp], Awaitable[None]]) -> None:
    async def main() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await script(pilot, app)

    asyncio.run(main())


def committed(path: Path, coder: str = "alice") -> list[tuple[str, int, int]]:
    """(code number, start, end) of the coder's codings, read through a fresh connection."""
    with Project.open(path) as project:
        try:
            coder_id = project.coder(coder).id
        except Exception:  # noqa: BLE001 - coder not created yet
            return []
        numbers = {c.id: c.number or c.name for c in project.codes(include_archived=True)}
        return sorted(
            (numbers[c.code_id], c.start, c.end)
            for c in project.codings()
            if c.coder_id == coder_id
        )


def screen(app: CodebenchApp) -> CodingScreen:
    assert isinstance(app.screen, CodingScreen), app.screen
    return app.screen


def seg_span(app: CodebenchApp, index: int) -> tuple[int, int]:
    seg = screen(app).session.segments[index]
    return seg.start, seg.end


def coding_app(project: Project, coder: str | None = "alice") -> CodebenchApp:
    return make_app(project, coder=coder, transcript=CEO)


# ---------------------------------------------------------------------- project screen
def test_project_screen_lists_filters_and_opens(tui_project: Project) -> None:
    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        assert isinstance(app.screen, ProjectScreen)
        table = app.screen.query_one("DataTable")
        assert table.row_count == 2
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press(*"activ")
        assert table.row_count == 1
        await pilot.press("enter")
        await pilot.pause()
        assert screen(app).session.transcript.name == "05-activelife-director"
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, ProjectScreen)
        await pilot.press("escape")  # clears the filter
        assert table.row_count == 2

    run(make_app(tui_project, coder="alice"), script)


# ---------------------------------------------------------------------- applying and removing
def test_picker_by_number_applies_to_cursor_segment(tui_project: Project, tui_path: Path) -> None:
    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        view = app.screen.query_one(TranscriptView)
        first = view.cursor
        assert screen(app).session.segments[first].codable
        await pilot.press("c")
        assert isinstance(app.screen, CodePickerModal)
        await pilot.press("0", "4", "enter")
        await pilot.pause()
        start, end = seg_span(app, first)
        assert committed(tui_path) == [("04", start, end)]
        await pilot.press("j", "c", *"13.2", "enter")
        await pilot.pause()
        start2, end2 = seg_span(app, first + 1)
        assert committed(tui_path) == [("04", start, end), ("13.2", start2, end2)]
        assert "13.2" in screen(app).last_message

    run(coding_app(tui_project), script)


def test_picker_by_name_and_recent_first(tui_project: Project, tui_path: Path) -> None:
    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        first = app.screen.query_one(TranscriptView).cursor
        await pilot.press("c", *"governance", "enter")
        await pilot.pause()
        start, end = seg_span(app, first)
        assert committed(tui_path) == [("05", start, end)]
        await pilot.press("j", "c")
        picker = app.screen
        assert isinstance(picker, CodePickerModal)
        assert picker.matches[0].number == "05"  # recently used comes first
        await pilot.press("escape")

    run(coding_app(tui_project), script)


def test_range_selection_with_several_codes_then_remove(
    tui_project: Project, tui_path: Path
) -> None:
    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        view = app.screen.query_one(TranscriptView)
        first = view.cursor
        await pilot.press("shift+down", "shift+down")
        assert list(view.selection) == [first, first + 1, first + 2]
        await pilot.press("c", "0", "4", "tab", "1", "7", "enter")
        await pilot.pause()
        spans = [seg_span(app, i) for i in range(first, first + 3)]
        assert committed(tui_path) == sorted(
            [("04", *s) for s in spans] + [("17", *s) for s in spans]
        )
        await pilot.press("x")
        assert isinstance(app.screen, CodePickerModal)
        assert {c.number for c in app.screen.codes} == {"04", "17"}
        await pilot.press("1", "7", "enter")
        await pilot.pause()
        assert committed(tui_path) == sorted(("04", *s) for s in spans)

    run(coding_app(tui_project), script)


def test_space_marks_several_codes(tui_project: Project, tui_path: Path) -> None:
    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        first = app.screen.query_one(TranscriptView).cursor
        await pilot.press("c", "0", "4", "space", "1", "2", "enter")
        await pilot.pause()
        start, end = seg_span(app, first)
        assert committed(tui_path) == [("04", start, end), ("12", start, end)]

    run(coding_app(tui_project), script)


def test_repeat_last_codes_with_dot(tui_project: Project, tui_path: Path) -> None:
    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        first = app.screen.query_one(TranscriptView).cursor
        await pilot.press("c", "0", "9", "enter", "j", "full_stop")
        await pilot.pause()
        assert [c[0] for c in committed(tui_path)] == ["09", "09"]
        assert committed(tui_path)[1][1:] == seg_span(app, first + 1)

    run(coding_app(tui_project), script)


def test_mouse_click_segment_then_code_in_tree(tui_project: Project, tui_path: Path) -> None:
    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        view = app.screen.query_one(TranscriptView)
        target = view.cursor + 2
        top, _ = view.segment_lines(target)
        header = view._headers[target]
        await pilot.click(TranscriptView, offset=(30, top + header - int(view.scroll_y) + 1))
        await pilot.pause()
        assert view.cursor == target
        tree = app.screen.query_one(CodebookTree)
        await pilot.click(CodebookTree, offset=(8, 2))  # below the border: the second code, "02"
        await pilot.pause()
        start, end = seg_span(app, target)
        assert committed(tui_path) == [("02", start, end)]
        assert view.has_focus
        assert tree.session.counts

    run(coding_app(tui_project), script)


def test_word_span_coding(tui_project: Project, tui_path: Path) -> None:
    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        view = app.screen.query_one(TranscriptView)
        segments = screen(app).session.segments
        view.move_to(
            next(i for i, s in enumerate(segments) if s.codable and len(s.text.split()) > 6)
        )
        seg = segments[view.cursor]
        words = seg.text.split()
        await pilot.press("v", "l", "l", "L")  # words 2..3
        assert view.visual == (1, 2)
        await pilot.press("c", "0", "4", "enter")
        await pilot.pause()
        [(number, start, end)] = committed(tui_path)
        assert number == "04"
        assert seg.start < start < end < seg.end
        assert screen(app).session.project.text(CEO)[start:end] == " ".join(words[1:3])
        assert view.visual is None
        assert screen(app).session.codes_on([view.cursor])  # shown in the stripe as ~04

    run(coding_app(tui_project), script)


# ---------------------------------------------------------------------- undo / redo
def test_undo_redo_and_redo_after_restart(tui_project: Project, tui_path: Path) -> None:
    spans: list[tuple[int, int]] = []

    async def first_session(pilot: Pilot, app: CodebenchApp) -> None:
        cursor = app.screen.query_one(TranscriptView).cursor
        spans.append(seg_span(app, cursor))
        await pilot.press("c", "0", "4", "enter")
        await pilot.pause()
        assert committed(tui_path) == [("04", *spans[0])]
        await pilot.press("u")
        await pilot.pause()
        assert committed(tui_path) == []
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert committed(tui_path) == [("04", *spans[0])]
        await pilot.press("u")
        await pilot.pause()
        assert committed(tui_path) == []

    run(coding_app(tui_project), first_session)
    tui_project.close()

    async def second_session(pilot: Pilot, app: CodebenchApp) -> None:
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert committed(tui_path) == [("04", *spans[0])]
        await pilot.press("u")
        await pilot.pause()
        assert committed(tui_path) == []
        assert "undid" in screen(app).last_message

    with Project.open(tui_path) as reopened:
        run(coding_app(reopened), second_session)


# ---------------------------------------------------------------------- memos
def test_memo_on_segment_and_on_coding(tui_project: Project, tui_path: Path) -> None:
    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        view = app.screen.query_one(TranscriptView)
        index = view.cursor
        await pilot.press("m")
        assert isinstance(app.screen, MemoModal)
        await pilot.press(*"why here", "ctrl+s")
        await pilot.pause()
        assert index in screen(app).session.memo_marks
        await pilot.press("c", "0", "4", "enter", "M")
        await pilot.pause()
        await pilot.press("enter")  # the only code on the segment
        await pilot.pause()
        assert isinstance(app.screen, MemoModal)
        await pilot.press(*"fits 04", "ctrl+s")
        await pilot.pause()

    run(coding_app(tui_project), script)
    with Project.open(tui_path) as fresh:
        memos = fresh.memos(transcript=CEO)
        assert [m.text for m in memos] == ["why here", "fits 04"]
        assert memos[0].segment_id is not None and memos[0].coding_id is None
        assert memos[1].coding_id is not None


def test_memo_edit_and_delete(tui_project: Project, tui_path: Path) -> None:
    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        await pilot.press("m", *"first", "ctrl+s")
        await pilot.pause()
        await pilot.press("m", "end", *" draft", "ctrl+s")
        await pilot.pause()
        with Project.open(tui_path) as fresh:
            assert [m.text for m in fresh.memos()] == ["first draft"]
        await pilot.press("m")
        app.screen.query_one("TextArea").text = ""
        await pilot.press("ctrl+s")
        await pilot.pause()

    run(coding_app(tui_project), script)
    with Project.open(tui_path) as fresh:
        assert fresh.memos() == []


# ---------------------------------------------------------------------- finding
def test_search_next_and_previous(tui_project: Project) -> None:
    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        view = app.screen.query_one(TranscriptView)
        segments = screen(app).session.segments
        hits = [i for i, s in enumerate(segments) if "nurse" in s.text.lower()]
        assert len(hits) >= 3
        await pilot.press("slash", *"nurse", "enter")
        await pilot.pause()
        assert view.cursor == next(i for i in hits if (i > hits[0] - 1 and i > 0) or True)
        found = view.cursor
        assert "nurse" in segments[found].text.lower()
        await pilot.press("n")
        assert view.cursor == next(i for i in hits if i > found)
        await pilot.press("N")
        assert view.cursor == found
        assert view.search_text == "nurse"

    run(coding_app(tui_project), script)


def test_next_and_previous_uncoded(tui_project: Project) -> None:
    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        view = app.screen.query_one(TranscriptView)
        session = screen(app).session
        first = view.cursor
        await pilot.press("c", "0", "1", "enter", "right_square_bracket")
        expected = session.next_uncoded(first, 1)
        assert view.cursor == expected
        assert session.segments[view.cursor].codable and not session.own[view.cursor]
        await pilot.press("right_square_bracket", "left_square_bracket")
        assert view.cursor == expected
        await pilot.press("left_square_bracket")
        assert view.cursor == expected  # nothing uncoded above: the first one is coded now
        assert session.own[first]

    run(coding_app(tui_project), script)


def test_jump_to_next_segment_with_code(tui_project: Project) -> None:
    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        view = app.screen.query_one(TranscriptView)
        session = screen(app).session
        codable = [i for i, s in enumerate(session.segments) if s.codable and i > view.cursor]
        session.apply([tui_project.code("04")], [codable[5], codable[9]])
        await pilot.press("g", "0", "4", "enter")
        await pilot.pause()
        assert view.cursor == codable[5]
        await pilot.press("n")
        assert view.cursor == codable[9]

    run(coding_app(tui_project), script)


# ---------------------------------------------------------------------- status, blind mode, coder
def test_mark_done_and_back(tui_project: Project, tui_path: Path) -> None:
    """Nothing coded yet: ``D`` asks first (issue 11: it used to mark done at once), ``y`` confirms."""

    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        await pilot.press("D")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await pilot.pause()
        with Project.open(tui_path) as fresh:
            assert fresh.status("alice", CEO) == "done"
        await pilot.press("D")
        with Project.open(tui_path) as fresh:
            assert fresh.status("alice", CEO) == "in-progress"

    run(coding_app(tui_project), script)


def test_blind_by_default_and_toggle_shows_others(tui_project: Project, tui_path: Path) -> None:
    segments = tui_project.segments(CEO)
    codable = [s.ordinal for s in segments if s.codable]
    tui_project.code_segments("bob", CEO, codable[:2], "07")

    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        session = screen(app).session
        view = app.screen.query_one(TranscriptView)
        index = codable[0]
        assert session.others is None
        assert not session.own[index]
        assert not any("b:" in label for line in view._stripe(index) for label, _ in line)
        await pilot.press("o")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert session.others is not None
        assert view.has_class("-others")
        view._stripes.clear()
        assert any("b:07" in label for line in view._stripe(index) for label, _ in line)
        assert "other" in screen(app).last_message
        await pilot.press("o")
        assert session.others is None and not view.has_class("-others")

    run(coding_app(tui_project), script)
    assert committed(tui_path, "alice") == []
    assert len(committed(tui_path, "bob")) == 2


def test_first_run_prompts_for_coder_and_remembers(tui_project: Project, tui_path: Path) -> None:
    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        assert isinstance(app.screen, CoderModal)
        await pilot.press(*"carol", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ProjectScreen)

    run(make_app(tui_project), script)
    with Project.open(tui_path) as fresh:
        assert fresh.coder("carol").name == "carol"
        assert fresh.setting("tui.last_coder") == "carol"
    again = make_app(tui_project)
    assert again.coder_name == "carol"


def test_coder_from_environment(tui_project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODEBENCH_CODER", "dana")
    assert make_app(tui_project).coder_name == "dana"
    assert make_app(tui_project, coder="erin").coder_name == "erin"


# ---------------------------------------------------------------------- help, palette, keymap
def test_help_lists_every_binding(tui_project: Project) -> None:
    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        console = Console(width=200, record=True, file=io.StringIO())
        console.print(app.screen._tables())
        text = console.export_text()
        for _, bindings in binding_groups(app.BINDINGS):
            for binding in bindings:
                assert binding.id and binding.id in text, binding
        await pilot.press("escape")
        assert isinstance(app.screen, CodingScreen)

    run(coding_app(tui_project), script)


def test_command_palette_offers_the_screen_actions(tui_project: Project) -> None:
    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        titles = {c.title for c in app.get_system_commands(app.screen)}
        for title in (
            "Code",
            "Remove",
            "Undo",
            "Redo",
            "Memo",
            "Search",
            "Next uncoded",
            "Done",
            "Help",
            "Show/hide others' codings",
            "Jump to next segment with a code",
            "Codebook editor",
        ):
            assert title in titles, title

    run(coding_app(tui_project), script)


def test_keymap_from_config_remaps_a_binding(
    tui_project: Project, tui_path: Path, tmp_path: Path
) -> None:
    (tmp_path / "config" / "keymap.toml").write_text(
        '[keymap]\n"coding.undo" = "z"\n', encoding="utf-8"
    )

    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        await pilot.press("c", "0", "4", "enter")
        await pilot.pause()
        assert len(committed(tui_path)) == 1
        await pilot.press("z")
        await pilot.pause()
        assert committed(tui_path) == []

    run(coding_app(tui_project), script)


def test_bad_keymap_is_a_notification(tui_project: Project, tmp_path: Path) -> None:
    (tmp_path / "config" / "keymap.toml").write_text("not = [valid", encoding="utf-8")

    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        assert any("keymap" in n.message for n in app._notifications)

    run(coding_app(tui_project), script)


def test_keys_typed_in_a_burst_keep_their_order(tui_project: Project, tui_path: Path) -> None:
    """``c12⏎ j c07⏎ j cinnov⏎`` sent at once, as a fast typist or a paste delivers it."""
    from textual import events

    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        first = seg_span(app, screen(app).view.cursor)
        for key in [
            "c",
            "1",
            "2",
            "enter",
            "j",
            "c",
            "0",
            "7",
            "enter",
            "j",
            "c",
            "i",
            "n",
            "n",
            "o",
            "v",
            "enter",
        ]:
            app.post_message(events.Key(key, "\r" if key == "enter" else key))
        for _ in range(100):
            await pilot.pause(0.05)
            if len(committed(tui_path)) == 3:
                break
        cursor = screen(app).view.cursor
        assert isinstance(app.screen, CodingScreen)
        assert [number for number, _s, _e in committed(tui_path)] == ["07", "12", "12"]
        assert ("12", *first) in committed(tui_path)
        assert ("12", *seg_span(app, cursor)) in committed(tui_path)

    run(coding_app(tui_project), script)


def test_codebook_review_and_reports_screens_open_from_the_workbench(tui_project: Project) -> None:
    from codebench.tui.screens.codebook import CodebookScreen
    from codebench.tui.screens.reports import ReportsScreen
    from codebench.tui.screens.review import ReviewScreen

    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        for key, screen_class in (
            ("b", CodebookScreen),
            ("f3", ReviewScreen),
            ("f4", ReportsScreen),
        ):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, screen_class), key
            app.pop_screen()
            await pilot.pause()
            assert isinstance(app.screen, CodingScreen)

    run(coding_app(tui_project), script)


# ---------------------------------------------------------------------- errors never crash
def test_locked_database_is_a_notification(tui_project: Project, tui_path: Path) -> None:
    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        tui_project.db.conn.execute("PRAGMA busy_timeout = 50")
        blocker = sqlite3.connect(tui_path, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        try:
            await pilot.press("c", "0", "4", "enter")
            await pilot.pause()
            assert any(n.severity == "error" and "busy" in n.message for n in app._notifications)
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        await pilot.press("full_stop")  # retry works once the lock is gone
        await pilot.pause()
        assert len(committed(tui_path)) == 1

    run(coding_app(tui_project), script)


def test_deleted_transcript_is_a_notification(tui_project: Project, tui_path: Path) -> None:
    async def script(pilot: Pilot, app: CodebenchApp) -> None:
        other = sqlite3.connect(tui_path, isolation_level=None)  # another tool, foreign keys off
        other.execute(
            "DELETE FROM segments WHERE transcript_id = (SELECT id FROM transcripts WHERE name = ?)",
            [CEO],
        )
        other.execute("DELETE FROM transcripts WHERE name = ?", [CEO])
        other.close()
        await pilot.press("c", "0", "4", "enter")
        await pilot.pause()
        messages = [(n.severity, n.message) for n in app._notifications]
        assert any(sev == "error" and "no longer exists" in msg for sev, msg in messages), messages
        assert isinstance(app.screen, CodingScreen)

    run(coding_app(tui_project), script)


def test_two_workbenches_on_one_file(tui_project: Project, tui_path: Path) -> None:
    """Alice and Bob code the same file at once; neither loses a write and each sees only their own."""
    with Project.open(tui_path) as bobs_project:

        async def both() -> None:
            alice = coding_app(tui_project, "alice")
            bob = coding_app(bobs_project, "bob")
            async with alice.run_test(size=SIZE) as pa, bob.run_test(size=SIZE) as pb:
                await pa.pause()
                await pb.pause()
                for _ in range(5):
                    await pa.press("c", "0", "4", "enter", "j")
                    await pb.press("c", "1", "7", "enter", "j")
                await pa.pause()
                assert not any(screen(alice).session.others or [])
                assert screen(bob).session.counts[bobs_project.code("04").id] == 0

        asyncio.run(both())
    assert len(committed(tui_path, "alice")) == 5
    assert len(committed(tui_path, "bob")) == 5
