"""``E`` corrects a segment's text in the workbench; codings stay on their words; ``u`` undoes; ``R`` walks reviews."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import TextArea

from codebench.coding.correction import needing_review, versions
from codebench.project import Project
from codebench.tui.app import CodebenchApp, make_app
from codebench.tui.modals.segment_text import SegmentTextModal
from codebench.tui.screens.coding import CodingScreen
from codebench.tui.widgets.status_bar import StatusBar
from codebench.tui.widgets.transcript_view import TranscriptView

TEXT = (
    "Interviewer: How did the spin-out go?\n"
    "Ann Lee: It was hard. We lost teh two managers. But staff morale rose!\n"
)


def shown(widget: Widget) -> str:
    return "\n".join(
        "".join(segment.text for segment in widget.render_line(y))
        for y in range(widget.size.height)
    )


def coded(path: Path, coder: str) -> list[str]:
    """The words each of the coder's codings covers, read through a fresh connection."""
    with Project.open(path) as project:
        text = project.text("int1")
        return [text[c.start : c.end] for c in project.codings(coders=[coder])]


def screen(app: CodebenchApp) -> CodingScreen:
    assert isinstance(app.screen, CodingScreen), app.screen
    return app.screen


def test_fix_a_typo_keeps_codings_on_their_words_and_u_undoes_it(
    text_project: Callable[[str, str], Project], run_headless
) -> None:
    project = text_project("int1.txt", TEXT)
    path = project.path
    text = project.text("int1")
    at = text.index("teh two")
    project.add_codings("alice", "03", "int1", [(at, at + 7)])
    project.code_segments("alice", "int1", [3], "04")
    at = text.index("staff")
    project.add_codings("bob", "05", "int1", [(at, at + 5)])

    async def script(app: CodebenchApp, pilot: Pilot) -> None:
        view = screen(app).query_one(TranscriptView)
        view.move_to(2)
        await pilot.pause()
        await pilot.press("E")
        await pilot.pause()
        assert isinstance(app.screen, SegmentTextModal)
        area = app.screen.query_one(TextArea)
        assert area.text == "We lost teh two managers."
        area.text = "We lost the two good managers."
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CodingScreen)
        assert coded(path, "alice") == ["the two", "But staff morale rose!"]
        assert coded(path, "bob") == ["staff"]
        assert "the two good managers" in shown(view)
        assert "fixed segment 2" in shown(app.screen.query_one(StatusBar))
        # Cancel changes nothing.
        await pilot.press("E")
        await pilot.pause()
        app.screen.query_one(TextArea).text = "Something else entirely."
        await pilot.press("escape")
        await pilot.pause()
        assert "the two good managers" in shown(view)
        # u takes the correction back: text, offsets, versions.
        await pilot.press("u")
        await pilot.pause()
        assert coded(path, "alice") == ["teh two", "But staff morale rose!"]
        assert "teh two managers" in shown(view)
        assert "undid a text fix" in shown(app.screen.query_one(StatusBar))
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert coded(path, "alice") == ["the two", "But staff morale rose!"]

    run_headless(lambda: make_app(project, coder="alice", transcript="int1"), script, size=(80, 24))
    with Project.open(path) as again:
        assert [v.version for v in versions(again, "int1")] == [1, 2]


def test_r_walks_the_codings_to_review_and_marks_them(
    text_project: Callable[[str, str], Project], run_headless
) -> None:
    project = text_project("int1.txt", TEXT)
    path = project.path
    text = project.text("int1")
    at = text.index("staff morale")
    project.add_codings("alice", "03", "int1", [(at, at + 12)])

    async def script(app: CodebenchApp, pilot: Pilot) -> None:
        view = screen(app).query_one(TranscriptView)
        view.move_to(3)
        await pilot.pause()
        await pilot.press("E")
        await pilot.pause()
        app.screen.query_one(TextArea).text = "But morale rose!"
        await pilot.press("ctrl+s")
        await pilot.pause()
        status = shown(app.screen.query_one(StatusBar))
        assert "fixed; 1 to review: R" in status
        view.move_to(0)
        await pilot.press("R")
        await pilot.pause()
        assert view.cursor == 3
        assert "1 to review: R next" in shown(app.screen.query_one(StatusBar))
        await pilot.press("R")
        await pilot.pause()
        assert "no codings left to review" in shown(app.screen.query_one(StatusBar))

    run_headless(lambda: make_app(project, coder="alice", transcript="int1"), script, size=(80, 24))
    with Project.open(path) as again:
        assert needing_review(again) == []
    assert coded(path, "alice") == ["morale"]  # its first word was deleted: clamped to the rest


def test_undoing_an_older_coding_after_a_fix_redraws_it_where_it_moved(
    text_project: Callable[[str, str], Project], run_headless
) -> None:
    project = text_project("int1.txt", TEXT)
    path = project.path
    text = project.text("int1")
    at = text.index("staff")
    project.add_codings("alice", "03", "int1", [(at, at + 5)])
    from codebench.coding.correction import correct_text

    correct_text(project, "int1", text.replace("It was hard.", "It was very hard."), "bob")

    async def script(app: CodebenchApp, pilot: Pilot) -> None:
        session = screen(app).session
        assert session.codes_on([3])
        await pilot.press("u")  # alice's coding, logged before bob's fix
        await pilot.pause()
        assert coded(path, "alice") == []
        assert session.codes_on([3]) == []  # the in-memory index agrees with the file

    run_headless(lambda: make_app(project, coder="alice", transcript="int1"), script, size=(80, 24))
