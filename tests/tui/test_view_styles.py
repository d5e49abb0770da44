"""Cursor row, word selection (v), partial coding and search match: four distinct styles, each
readable (WCAG AA, text contrast >= 4.5:1) in a dark and a light theme, and still told apart
without colour (NO_COLOR). Colours are read from the segments the widget renders."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rich.color import Color as RichColor
from rich.segment import Segment
from rich.style import Style
from textual.app import App
from textual.color import Color
from textual.filter import NoColor
from textual.pilot import Pilot

from codebench.project import Project
from codebench.tui.app import CodebenchApp, make_app
from codebench.tui.widgets.transcript_view import TranscriptView

TRANSCRIPT = (
    "Interviewer: Tell me about it.\n\n"
    "Sam: Alpha bravo charlie delta echo. Foxtrot golf hotel india juliet. "
    "Kilo lima mike november oscar.\n"
)
#: Segment indexes (ordinals) in TRANSCRIPT: 0 the interviewer, 1 Alpha…, 2 Foxtrot…, 3 Kilo….
THEMES = ("textual-dark", "textual-light")


def relative_luminance(colour: RichColor) -> float:
    """WCAG 2 relative luminance of an sRGB colour."""
    red, green, blue = colour.get_truecolor()

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def contrast(style: Style) -> float:
    assert style.color is not None and style.bgcolor is not None, style
    lighter, darker = sorted(
        (relative_luminance(style.color), relative_luminance(style.bgcolor)), reverse=True
    )
    return (lighter + 0.05) / (darker + 0.05)


def _find(segments: list[Segment], text: str) -> Style:
    for segment in segments:
        if segment.text == text:
            assert segment.style is not None
            return segment.style
    raise AssertionError(f"{text!r} not drawn as one run: {[s.text for s in segments]}")


def _attributes(style: Style) -> tuple[bool, ...]:
    """What is left of a style once colour is gone (Textual's NO_COLOR filter)."""
    (plain,) = NoColor().apply([Segment("x", style)], Color(0, 0, 0))
    shown = plain.style or Style()
    return tuple(bool(getattr(shown, name)) for name in ("bold", "reverse", "underline", "italic"))


def _styles(
    project: Project, theme: str, run_headless: Callable[..., App[None]]
) -> dict[str, Style]:
    found: dict[str, Style] = {}

    async def script(app: CodebenchApp, pilot: Pilot) -> None:
        app.theme = theme
        await pilot.pause()
        view = app.screen.query_one(TranscriptView)
        # A partial coding on "Kilo lima" (segment 3), then a search for "golf" (segment 2).
        view.move_to(3)
        await pilot.press("v", "l", "c", "0", "1", "enter")
        await pilot.pause()
        await pilot.press("slash", *"golf", "enter")
        await pilot.pause()
        # The cursor on segment 1 with "Alpha bravo" selected in word mode.
        view.move_to(1)
        await pilot.press("v", "l")
        await pilot.pause()

        def line(index: int) -> list[Segment]:
            top = view._tops[index] + view._headers[index]
            return list(view.render_line(top - int(view.scroll_y)))

        found["cursor"] = _find(line(1), " charlie delta echo.")
        found["visual"] = _find(line(1), "Alpha bravo")
        found["match"] = _find(line(2), "golf")
        found["partial"] = _find(line(3), "Kilo lima")
        found["plain"] = _find(line(3), " mike november oscar.")
        found["interviewer"] = _find(line(0), "Tell me about it.")
        view.move_to(0)
        await pilot.pause()
        found["interviewer on the cursor row"] = _find(line(0), "Tell me about it.")

    run_headless(lambda: make_app(project, coder="alice", transcript="sam"), script, size=(120, 36))
    return found


@pytest.fixture
def project(text_project: Callable[[str, str], Project]) -> Project:
    return text_project("sam.txt", TRANSCRIPT)


@pytest.mark.parametrize("theme", THEMES)
def test_four_styles_readable_and_distinct(
    theme: str, project: Project, run_headless: Callable[..., App[None]]
) -> None:
    styles = _styles(project, theme, run_headless)
    print(theme, {name: round(contrast(style), 1) for name, style in styles.items()})
    for name, style in styles.items():
        assert contrast(style) >= 4.5, (theme, name, style, round(contrast(style), 2))
    marked = {name: styles[name] for name in ("cursor", "visual", "match", "partial")}
    # Four distinct looks in colour ...
    shown = {(s.color, s.bgcolor, _attributes(s)) for s in marked.values()}
    assert len(shown) == 4, marked
    # ... and without it.
    assert len({_attributes(s) for s in marked.values()}) == 4, marked
    assert _attributes(styles["plain"]) == (False, False, False, False)
