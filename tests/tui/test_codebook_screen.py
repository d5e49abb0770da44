"""The codebook editor, driven with the keyboard through Textual's Pilot; assertions on the database."""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable

import pytest
from rich.console import Console
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input, Static, TextArea, Tree

from codebench.models import Coder
from codebench.project import Project
from codebench.tui.modals.code_form import CodeFormModal
from codebench.tui.modals.confirm import ConfirmModal
from codebench.tui.modals.target_code import TargetCodeModal
from codebench.tui.screens.codebook import CodebookScreen

TRANSCRIPT = (
    "Interviewer: Thanks for coming. What do you do?\n\n"
    "Ann: We run the community nursing service. We spun out in 2023. It was hard work.\n"
)


class _Host(App[None]):
    """A bare app that opens the codebook editor on mount and records its result."""

    def __init__(self, project: Project, coder: Coder) -> None:
        super().__init__()
        self.project = project
        self.coder = coder
        self.results: list[bool | None] = []
        self.codebook = CodebookScreen(project, coder)

    def on_mount(self) -> None:
        self.push_screen(self.codebook, self.results.append)


@pytest.fixture
def project(text_project: Callable[[str, str], Project]) -> Project:
    return text_project("ann.txt", TRANSCRIPT)


@pytest.fixture
def coder(project: Project) -> Coder:
    return project.coder("alice", create=True)


Script = Callable[[_Host, Pilot], Awaitable[None]]
Drive = Callable[[Project, Coder, Script], _Host]


@pytest.fixture
def drive(run_headless: Callable[..., _Host]) -> Drive:
    """Run the host app headless, play ``script`` against it, and return the app."""
    return lambda project, coder, script: run_headless(
        lambda: _Host(project, coder), script, size=(130, 45)
    )


async def highlight(app: _Host, pilot: Pilot, number: str) -> None:
    screen = app.codebook
    tree = screen.query_one(Tree)
    tree.move_cursor(screen._code_nodes[app.project.code(number).id])
    await pilot.pause()
    assert screen.highlighted is not None and screen.highlighted.number == number


def panel_text(app: _Host) -> str:
    console = Console(file=io.StringIO(), width=200, record=True)
    console.print(app.codebook.query_one("#codebook-definition", Static).content)
    return console.export_text()


def messages(app: App) -> list[str]:
    return [n.message for n in app._notifications]


# ------------------------------------------------------------------ browsing


def test_browse_tree_and_definitions(project: Project, coder: Coder, drive: Drive) -> None:
    t = project.transcripts()[0]
    project.code_segments("alice", t, [2, 3], "02")
    project.code_segments("bob", t, [2], "02")

    async def script(app: _Host, pilot: Pilot) -> None:
        screen = app.codebook
        assert app.screen is screen
        tree = screen.query_one(Tree)
        assert len(screen._code_nodes) == 35
        assert screen.highlighted.number == "01"
        await pilot.press("j")
        assert screen.highlighted.number == "02"
        text = panel_text(app)
        assert "02 Drivers and motivations for spinning out" in text
        # Blind by default: only the coder's own count, in the panel and on the tree.
        assert "Codings: 2 yours" in text and "in all" not in text
        assert str(tree.cursor_node.label).endswith("spinning out  2")
        await pilot.press("o")
        assert "Codings: 2 yours · 3 in all" in panel_text(app)
        assert str(screen.query_one(Tree).cursor_node.label).endswith("spinning out  3")
        assert "everyone's codings" in str(screen.query_one("#codebook-title", Static).content)
        await pilot.press("o")
        assert "in all" not in panel_text(app)
        code = project.code("02")
        for heading, value in (
            ("Definition", code.description),
            ("Use when", code.inclusion),
            ("Do not use when", code.exclusion),
            ("Example", code.example),
        ):
            assert heading in text
            assert " ".join(value.split()[:4]) in " ".join(text.split())
        await pilot.press("k")
        assert screen.highlighted.number == "01"
        await highlight(app, pilot, "04.1")
        assert "04 Ethos" in panel_text(app)  # the path to the code
        assert tree.cursor_node.parent.data.number == "04"

    drive(project, coder, script)


def test_back_dismisses_with_whether_anything_changed(
    project: Project, coder: Coder, drive: Drive
) -> None:
    async def untouched(app: _Host, pilot: Pilot) -> None:
        await pilot.press("q")
        assert app.results == [False]

    drive(project, coder, untouched)

    async def edited(app: _Host, pilot: Pilot) -> None:
        await pilot.press("A")
        await pilot.press("escape")
        assert app.results == [True]

    drive(project, coder, edited)


# ------------------------------------------------------------------ add


def test_add_child_with_suggested_number(project: Project, coder: Coder, drive: Drive) -> None:
    async def script(app: _Host, pilot: Pilot) -> None:
        await highlight(app, pilot, "13")
        await pilot.press("a")
        form = app.screen
        assert isinstance(form, CodeFormModal)
        assert form.query_one("#number", Input).value == "13.5"
        await pilot.press(*"Digital innovation")
        await pilot.press("tab", "tab")  # number → the definition
        assert isinstance(app.focused, TextArea)
        await pilot.press(*"Apps and online tools")
        await pilot.press("ctrl+s")
        assert app.screen is app.codebook
        assert app.codebook.highlighted.number == "13.5"

    drive(project, coder, script)
    code = project.code("13.5")
    assert (code.name, code.description, code.parent_id) == (
        "Digital innovation",
        "Apps and online tools",
        project.code("13").id,
    )
    [event] = project.events(actions=("code.add",))
    assert event.payload["guid"] == code.guid and event.coder_id == project.coder("alice").id


def test_add_sibling_and_top_level(project: Project, coder: Coder, drive: Drive) -> None:
    async def script(app: _Host, pilot: Pilot) -> None:
        await highlight(app, pilot, "13.1")
        await pilot.press("a")
        await pilot.click("#place-sibling")
        await pilot.pause()
        assert app.screen.query_one("#number", Input).value == "13.5"
        await pilot.click("#name")
        await pilot.press(*"Green innovation", "enter")
        await highlight(app, pilot, "13.5")
        await pilot.press("a")
        await pilot.click("#place-top")
        await pilot.pause()
        assert app.screen.query_one("#number", Input).value == "22"
        await pilot.click("#name")
        await pilot.press(*"Workforce", "enter")

    drive(project, coder, script)
    assert project.code("13.5").parent_id == project.code("13").id
    assert project.code("22").name == "Workforce" and project.code("22").parent_id is None


def test_add_duplicate_name_shows_error_and_keeps_the_form(
    project: Project, coder: Coder, drive: Drive
) -> None:
    async def script(app: _Host, pilot: Pilot) -> None:
        await highlight(app, pilot, "13")
        await pilot.press("a")
        await pilot.press(*"Service innovation", "enter")
        await pilot.pause()
        assert any("already a code named 'Service innovation'" in m for m in messages(app)), (
            messages(app)
        )
        assert isinstance(app.screen, CodeFormModal)
        assert app.screen.query_one("#name", Input).value == "Service innovation"
        await pilot.press("escape")
        assert app.screen is app.codebook

    drive(project, coder, script)
    assert len(project.codes()) == 35
    assert not project.events(actions=("code.add",))


def test_add_with_empty_name_is_refused_in_the_form(
    project: Project, coder: Coder, drive: Drive
) -> None:
    async def script(app: _Host, pilot: Pilot) -> None:
        await pilot.press("a", "ctrl+s")
        assert isinstance(app.screen, CodeFormModal)
        assert "needs a name" in str(app.screen.query_one("#form-error", Static).content)
        await pilot.press("escape")

    drive(project, coder, script)
    assert len(project.codes()) == 35


# ------------------------------------------------------------------ edit


def test_rename_and_edit_guidance(project: Project, coder: Coder, drive: Drive) -> None:
    guid = project.code("04").guid

    async def script(app: _Host, pilot: Pilot) -> None:
        await highlight(app, pilot, "04")
        await pilot.press("r")
        form = app.screen
        assert isinstance(form, CodeFormModal)
        assert form.query_one("#name", Input).value.startswith("Ethos")
        await pilot.press("home", "ctrl+k", *"Mutual ethos and culture")
        exclusion = form.query_one("#exclusion", TextArea)
        exclusion.focus()
        exclusion.move_cursor(exclusion.document.end)
        await pilot.press("enter", *"Not for governance.")
        await pilot.press("ctrl+s")
        assert app.codebook.highlighted.name == "Mutual ethos and culture"
        assert "Mutual ethos and culture" in panel_text(app)

    drive(project, coder, script)
    code = project.code("04")
    assert code.guid == guid
    assert code.name == "Mutual ethos and culture"
    assert code.exclusion.endswith("\nNot for governance.")
    [event] = project.events(actions=("code.edit",))
    assert set(event.payload["after"]) == {"name", "exclusion"}
    assert event.payload["before"]["name"].startswith("Ethos")


def test_edit_clashing_number_notifies(project: Project, coder: Coder, drive: Drive) -> None:
    async def script(app: _Host, pilot: Pilot) -> None:
        await highlight(app, pilot, "04")
        await pilot.press("r", "tab", "home", "ctrl+k", "0", "5", "ctrl+s")
        await pilot.pause()
        assert any("number '05' is already used" in m for m in messages(app))
        await pilot.press("escape")

    drive(project, coder, script)
    assert project.code("04").name.startswith("Ethos")


# ------------------------------------------------------------------ move


def test_move_under_another_code_and_to_top_level(
    project: Project, coder: Coder, drive: Drive
) -> None:
    async def script(app: _Host, pilot: Pilot) -> None:
        await highlight(app, pilot, "13.2")
        await pilot.press("M")
        picker = app.screen
        assert isinstance(picker, TargetCodeModal)
        await pilot.press("1", "2", "enter")
        assert app.screen is app.codebook
        assert app.codebook.highlighted.number == "13.2"
        assert app.codebook.query_one(Tree).cursor_node.parent.data.number == "12"
        await pilot.press("M", *"top", "enter")

    drive(project, coder, script)
    assert project.code("13.2").parent_id is None
    moves = project.events(actions=("code.move",))
    assert [m.payload["after"]["parent"] for m in moves] == [project.code("12").guid, None]


def test_move_picker_offers_no_descendants(project: Project, coder: Coder, drive: Drive) -> None:
    async def script(app: _Host, pilot: Pilot) -> None:
        await highlight(app, pilot, "13")
        await pilot.press("M")
        offered = {c.number for c in app.screen.codes}
        assert not offered & {"13", "13.1", "13.2", "13.3", "13.4"}
        await pilot.press(*"innovation")
        labels = [str(o.prompt) for o in app.screen.query_one("#target-choices").options]
        assert labels[0].startswith("12 Innovation")
        await pilot.press("escape")

    drive(project, coder, script)
    assert project.code("13").parent_id is None
    assert not project.events(actions=("code.move",))


# ------------------------------------------------------------------ merge


def test_merge_needs_confirmation_and_recodes(project: Project, coder: Coder, drive: Drive) -> None:
    t = project.transcripts()[0]
    project.code_segments("alice", t, [2, 3], "13.2")
    project.code_segments("bob", t, [4], "13.2")
    project.code_segments("alice", t, [3], "13.3")

    async def script(app: _Host, pilot: Pilot) -> None:
        await highlight(app, pilot, "13.2")
        await pilot.press("m", *"13.3", "enter")
        confirm = app.screen
        assert isinstance(confirm, ConfirmModal)
        question = str(confirm.query_one("#confirm-message", Static).content)
        assert "3 codings of 13.2 Process innovation will be recoded" in question
        assert "1 of them" in question
        await pilot.press("n")
        assert app.screen is app.codebook
        assert len(project.codings(codes=["13.2"])) == 3  # declined: nothing changed

        await pilot.press("m", *"organis", "enter")  # fuzzy by name: 13.3 Organisational innovation
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("enter")  # focus starts on Cancel: Enter declines
        assert len(project.codings(codes=["13.2"])) == 3

        await pilot.press("m", *"13.3", "enter", "y")
        assert app.screen is app.codebook
        assert app.codebook.highlighted.number == "13.3"
        assert any("2 codings recoded" in m for m in messages(app))
        assert "13.2" not in {n.data.number for n in app.codebook._code_nodes.values()}

    drive(project, coder, script)
    assert len(project.codings(codes=["13.2"])) == 0
    assert len(project.codings(codes=["13.3"])) == 3
    assert project.code("13.2").archived
    [event] = project.events(actions=("code.merge",))
    assert event.payload["moved"] == 2 and event.payload["duplicates"] == 1


def test_merge_refusal_is_a_notification(project: Project, coder: Coder, drive: Drive) -> None:
    project.code_segments("alice", project.transcripts()[0], [2], "05.1")

    async def script(app: _Host, pilot: Pilot) -> None:
        await highlight(app, pilot, "05")
        await pilot.press("m")
        await pilot.press(*"04.1", "enter")
        assert isinstance(app.screen, ConfirmModal)
        question = str(app.screen.query_one("#confirm-message", Static).content)
        assert "3 sub-codes of 05" in question and "0 codings" in question
        await pilot.press("y")
        assert app.codebook.query_one(Tree).cursor_node.data.number == "04.1"

    drive(project, coder, script)
    assert project.code("05.1").parent_id == project.code("04.1").id
    assert len(project.codings(codes=["05.1"])) == 1


# ------------------------------------------------------------------ archive


def test_archive_hides_then_toggle_shows_and_restore(
    project: Project, coder: Coder, drive: Drive
) -> None:
    t = project.transcripts()[0]
    project.code_segments("alice", t, [2], "06")

    async def script(app: _Host, pilot: Pilot) -> None:
        screen = app.codebook
        await highlight(app, pilot, "06")
        await pilot.press("A")
        assert project.code("06").archived
        assert project.code("06").id not in screen._code_nodes
        assert screen.highlighted.number == "07"
        await pilot.press("H")
        assert screen.show_archived
        node = screen._code_nodes[project.code("06").id]
        assert "archived" in node.label.plain
        await highlight(app, pilot, "06")
        assert "(archived)" in panel_text(app)
        await pilot.press("A")
        assert not project.code("06").archived
        await pilot.press("H")
        assert project.code("06").id in screen._code_nodes

    drive(project, coder, script)
    assert len(project.codings(codes=["06"])) == 1
    assert [e.action for e in project.events(actions=("code.archive", "code.restore"))] == [
        "code.archive",
        "code.restore",
    ]


def test_restore_under_archived_parent_is_refused_with_notification(
    project: Project, coder: Coder, drive: Drive
) -> None:
    async def script(app: _Host, pilot: Pilot) -> None:
        await highlight(app, pilot, "04")
        await pilot.press("A", "H")
        await highlight(app, pilot, "04.1")
        await pilot.press("A")
        assert any("restore it first" in m for m in messages(app))
        await highlight(app, pilot, "04")
        await pilot.press("A")

    drive(project, coder, script)
    assert not project.code("04").archived and not project.code("04.1").archived


# ------------------------------------------------------------------ list keys


def test_tree_moves_with_list_keys_and_m_merges(
    project: Project, coder: Coder, drive: Drive
) -> None:
    """``g``/``G`` move in the tree like every list; merging moved from ``g`` to ``m``."""

    async def script(app: _Host, pilot: Pilot) -> None:
        tree = app.codebook.query_one(Tree)
        assert tree.cursor_line == 0
        await pilot.press("G")
        assert tree.cursor_line == tree.last_line and app.screen is app.codebook
        await pilot.press("g")
        assert tree.cursor_line == 0 and app.screen is app.codebook
        await pilot.press("j", "down", "k")
        assert tree.cursor_line == 1
        await pilot.press("m")
        assert isinstance(app.screen, TargetCodeModal)
        await pilot.press("escape")
        assert app.screen is app.codebook

    drive(project, coder, script)
    assert not project.events(actions=("code.merge",))


def test_target_picker_ranks_like_the_code_picker(
    project: Project, coder: Coder, drive: Drive
) -> None:
    from codebench.codebook.ranking import rank_codes

    async def script(app: _Host, pilot: Pilot) -> None:
        await highlight(app, pilot, "02")
        await pilot.press("M", *"13.")
        modal = app.screen
        assert isinstance(modal, TargetCodeModal)
        shown = [o.id for o in modal.query_one("#target-choices").options]
        assert shown == [str(c.id) for c in rank_codes(modal.codes, "13.")]
        assert [project.code_by_id(int(i)).number for i in shown] == [
            "13.1",
            "13.2",
            "13.3",
            "13.4",
        ]
        await pilot.press("escape")

    drive(project, coder, script)
