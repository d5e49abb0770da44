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
