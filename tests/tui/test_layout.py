"""The coding screen at 80x24, 120x36 and 200x50: the sidebar folds or narrows, `s` and `d` toggle
the sidebar and the definition at any size, the footer keeps the essential keys, and a line of a
small terminal still shows at least 50 characters of transcript text."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.widgets._footer import FooterKey

from codebench.project import Project
from codebench.tui.app import CodebenchApp, make_app
from codebench.tui.screens.coding import CodingScreen
from codebench.tui.widgets.transcript_view import TranscriptView

CEO = "01-riverside-ceo"
#: Keys a coder needs whatever the width: help, code, undo, done, back.
ESSENTIAL = ("?", "c", "u", "D", "q")


def _footer_keys(app: CodebenchApp) -> dict[str, FooterKey]:
    """Footer keys wholly on screen (not cut off at the right nor under the palette key)."""
    width = app.size.width
    keys = list(app.screen.query(FooterKey))
    palette = [key for key in keys if key.has_class("-command-palette")]
    limit = palette[0].region.x if palette else width
    return {
        key.key_display: key
        for key in keys
        if not key.has_class("-command-palette") and key.region.right <= limit
    }


def _longest_line(view: TranscriptView, app: CodebenchApp) -> int:
    """The most characters of text drawn on one line in view."""
    region = view.scrollable_content_region
    strips = app.screen._compositor.render_strips()
    left = region.x + view._prefix_width()
    return max(
        len("".join(s.text for s in strips[y].crop(left, region.right)).strip())
        for y in range(region.y, region.bottom)
    )


@pytest.mark.parametrize(
    ("size", "sidebar", "narrow"),
    [((80, 24), False, True), ((120, 36), True, True), ((200, 50), True, False)],
)
def test_layout_at_each_size(
    size: tuple[int, int],
    sidebar: bool,
    narrow: bool,
    tui_project: Project,
    run_headless: Callable[..., App[None]],
) -> None:
    async def script(app: CodebenchApp, pilot: Pilot) -> None:
        screen = app.screen
        assert isinstance(screen, CodingScreen)
        view = screen.view
        assert screen.sidebar_shown is sidebar
        assert screen.query_one("#sidebar").has_class("-narrow") is narrow
        shown = _footer_keys(app)
        for key in ESSENTIAL:
            assert key in shown, (size, key, sorted(shown))
        assert view._text_width() >= 50
        assert _longest_line(view, app) >= 50
        # `s` toggles the sidebar at any size; the transcript takes the room back.
        before = view.size.width
        await pilot.press("s")
        await pilot.pause()
        assert screen.sidebar_shown is not sidebar
        assert (view.size.width > before) is sidebar
        await pilot.press("s")
        await pilot.pause()
        assert screen.sidebar_shown is sidebar
        if not sidebar:
            await pilot.press("s")
            await pilot.pause()
        # `d` hides and shows the definition pane.
        detail = screen.query_one("#code-detail-scroll")
        assert detail.display
        await pilot.press("d")
        await pilot.pause()
        assert not detail.display
        assert screen.query_one("#codebook").region.height > 0
        await pilot.press("d")
        await pilot.pause()
        assert detail.display

    run_headless(lambda: make_app(tui_project, coder="alice", transcript=CEO), script, size=size)


def test_sidebar_follows_a_resize_until_the_coder_chooses(
    tui_path: Path, run_headless: Callable[..., App[None]]
) -> None:
    project = Project.open(tui_path)

    async def script(app: CodebenchApp, pilot: Pilot) -> None:
        screen = app.screen
        assert isinstance(screen, CodingScreen)
        assert screen.sidebar_shown
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert not screen.sidebar_shown
        await pilot.resize_terminal(200, 50)
        await pilot.pause()
        assert screen.sidebar_shown
        await pilot.press("s")  # hidden by choice: stays hidden at any width
        await pilot.resize_terminal(120, 36)
        await pilot.pause()
        assert not screen.sidebar_shown

    try:
        run_headless(
            lambda: make_app(project, coder="alice", transcript=CEO), script, size=(200, 50)
        )
    finally:
        project.close()


def test_hiding_the_sidebar_moves_focus_back_to_the_transcript(
    tui_project: Project, run_headless: Callable[..., App[None]]
) -> None:
    async def script(app: CodebenchApp, pilot: Pilot) -> None:
        screen = app.screen
        assert isinstance(screen, CodingScreen)
        screen.codebook_tree.focus()
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause()
        assert not screen.sidebar_shown
        assert app.focused is screen.view

    run_headless(
        lambda: make_app(tui_project, coder="alice", transcript=CEO), script, size=(200, 50)
    )


# ---------------------------------------------------------------------- the codebook sidebar
def _label(app: CodebenchApp, code_id: int) -> str:
    screen = app.screen
    assert isinstance(screen, CodingScreen)
    return screen.codebook_tree._code_nodes[code_id].label.plain


def _detail(app: CodebenchApp) -> str:
    from codebench.tui.widgets.codebook_tree import CodeDetail

    return str(app.screen.query_one(CodeDetail).render())


def test_counts_and_detail_follow_every_action_without_moving_the_highlight(
    tui_project: Project, run_headless: Callable[..., App[None]]
) -> None:
    code = tui_project.code("04")
    other = tui_project.code("13.2")

    async def script(app: CodebenchApp, pilot: Pilot) -> None:
        screen = app.screen
        assert isinstance(screen, CodingScreen)
        tree = screen.codebook_tree
        tree.select_code(code.id)
        await pilot.pause()
        line = tree.cursor_line
        assert "0 segments here" in _detail(app)
        steps = [
            (("c", "0", "4", "enter"), 1),  # apply
            (("c", "1", "3", ".", "2", "enter"), 1),  # another code: 04 stays at 1
            (("x", "0", "4", "enter"), 0),  # remove
            (("u",), 1),  # undo the removal
            (("ctrl+r",), 0),  # redo it
            (("u",), 1),
        ]
        for keys, expected in steps:
            await pilot.press(*keys)
            await pilot.pause()
            assert tree.cursor_line == line, keys
            assert f"{expected} segment{'s' if expected != 1 else ''} here" in _detail(app), keys
            count = _label(app, code.id).split()[1]
            assert count == str(expected), (keys, _label(app, code.id))
        assert _label(app, other.id).split()[1] == "1"

    run_headless(
        lambda: make_app(tui_project, coder="alice", transcript=CEO), script, size=(120, 36)
    )
    with Project.open(tui_project.path) as check:
        alice = check.coder("alice")
        assert sorted(c.code_id for c in check.codings() if c.coder_id == alice.id) == sorted(
            [code.id, other.id]
        )


def test_a_parent_says_its_count_as_applied_and_with_its_sub_codes(
    tui_project: Project, run_headless: Callable[..., App[None]]
) -> None:
    """The sidebar counts a code as applied (05: 0 after coding 05.1); reports roll
    sub-codes up. The detail pane gives both numbers, so neither looks wrong."""
    parent = tui_project.code("04")

    async def script(app: CodebenchApp, pilot: Pilot) -> None:
        screen = app.screen
        assert isinstance(screen, CodingScreen)
        screen.codebook_tree.select_code(parent.id)
        await pilot.pause()
        assert "0 segments here, 0 with its sub-codes" in _detail(app)
        await pilot.press("c", "0", "4", ".", "1", "enter")
        await pilot.pause()
        assert screen.codebook_tree.cursor_node.data.id == parent.id
        assert "0 segments here, 1 with its sub-codes" in _detail(app)
        assert _label(app, parent.id).split()[1] == "0"
        screen.codebook_tree.select_code(tui_project.code("04.1").id)
        await pilot.pause()
        assert "1 segment here" in _detail(app) and "sub-codes" not in _detail(app)

    run_headless(
        lambda: make_app(tui_project, coder="alice", transcript=CEO), script, size=(120, 36)
    )


def test_a_long_code_name_never_hides_its_count(
    tui_project: Project, run_headless: Callable[..., App[None]]
) -> None:
    code = tui_project.code("04.2")  # "Disadvantages and tensions of the mutual ethos"
    tui_project.code_segments("alice", CEO, [3, 4], "04.2")

    async def script(app: CodebenchApp, pilot: Pilot) -> None:
        screen = app.screen
        assert isinstance(screen, CodingScreen)
        tree = screen.codebook_tree
        node = tree._code_nodes[code.id]
        strips = app.screen._compositor.render_strips()
        row = tree.region.y + 1 + node.line - int(tree.scroll_y)
        drawn = "".join(s.text for s in strips[row].crop(tree.region.x, tree.region.right))
        assert len(code.name) > tree.size.width  # the name does not fit ...
        assert " 2 04.2 " in drawn, drawn  # ... and its count is still drawn

    run_headless(
        lambda: make_app(tui_project, coder="alice", transcript=CEO), script, size=(120, 36)
    )


# ---------------------------------------------------------------------- others' codings (o)
def test_others_view_has_a_legend_and_no_mark_like_the_current_coder(
    tui_project: Project, run_headless: Callable[..., App[None]]
) -> None:
    codable = [s.ordinal for s in tui_project.segments(CEO) if s.codable]
    consensus = tui_project.coder("consensus", create=True, kind="consensus")
    tui_project.code_segments(consensus, CEO, codable[:1], "07")
    tui_project.code_segments("bob", CEO, codable[:1], "04")

    async def script(app: CodebenchApp, pilot: Pilot) -> None:
        screen = app.screen
        assert isinstance(screen, CodingScreen)
        view = screen.view
        await pilot.press("o")
        await app.workers.wait_for_complete()
        await pilot.pause()
        labels = [label for line in view._stripe(codable[0]) for label, _ in line]
        assert "=:07" in labels and "b:04" in labels, labels
        assert not any(label.startswith("c:") for label in labels)
        legend = str(view.border_subtitle)
        assert "b: bob" in legend and "=: consensus" in legend, legend
        drawn = "\n".join(
            "".join(s.text for s in strip) for strip in app.screen._compositor.render_strips()
        )
        assert "b: bob" in drawn and "=: consensus" in drawn

    run_headless(
        lambda: make_app(tui_project, coder="carol", transcript=CEO), script, size=(200, 50)
    )


def test_status_bar_at_80_columns_keeps_the_mode_and_the_message(
    tui_project: Project, run_headless: Callable[..., App[None]]
) -> None:
    def status_line(app: CodebenchApp) -> str:
        from codebench.tui.widgets.status_bar import StatusBar

        bar = app.screen.query_one(StatusBar)
        strips = app.screen._compositor.render_strips()
        return "".join(s.text for s in strips[bar.region.y])

    async def script(app: CodebenchApp, pilot: Pilot) -> None:
        await pilot.press("v", "l")
        await pilot.pause()
        assert "WORDS" in status_line(app)
        await pilot.press("escape", "slash", *"nurse", "enter")
        await pilot.pause()
        assert "”: match " in status_line(app), status_line(app)
        assert CEO not in status_line(app)  # the frame shows the name; the room goes to the message

    run_headless(
        lambda: make_app(tui_project, coder="alice", transcript=CEO), script, size=(80, 24)
    )
