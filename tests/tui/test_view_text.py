"""No character of a transcript is ever hidden: the text read back off the rendered screen,
at several widths, is the segments' text."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest
from textual.app import App
from textual.pilot import Pilot

from codebench.project import Project
from codebench.tui.app import CodebenchApp, make_app
from codebench.tui.widgets.transcript_view import TranscriptView
from codebench.tui.widgets.wrap import wrap_offsets

WIDTHS = (60, 80, 100, 137, 200)
WORDS = ["a", "of", "the", "nurse", "company,", "million", "community", "body", "trust"]
ODD = ["café", "naïve", "日本語", "über", "x" * 70, "—"]


def _transcript(seed: int = 11) -> str:
    """Turns of words of every length, with wide and accented characters and very long words."""
    rng = random.Random(seed)
    turns = []
    for turn in range(40):
        speaker = "Interviewer" if turn % 4 == 0 else "Sam Lee"
        words = [
            rng.choice(ODD) if rng.random() < 0.08 else rng.choice(WORDS)
            for _ in range(rng.randint(1, 90))
        ]
        turns.append(f"{speaker}: " + " ".join(words).capitalize() + ".")
    return "\n\n".join(turns) + "\n"


def _squeezed(text: str) -> str:
    return "".join(text.split())


async def _visible_text(app: CodebenchApp, pilot: Pilot) -> dict[int, str]:
    """Segment index → every character drawn in the text column for it, page by page."""
    view = app.screen.query_one(TranscriptView)
    region = view.scrollable_content_region
    left = region.x + view._prefix_width()
    seen: dict[int, list[str]] = {}
    top = 0
    while top < view.virtual_size.height:
        view.scroll_to(y=top, animate=False, immediate=True)
        await pilot.pause()
        strips = app.screen._compositor.render_strips()
        scroll = int(view.scroll_y)
        for row in range(region.height):
            line = scroll + row
            if line >= view.virtual_size.height or line < top:
                continue
            index = view.segment_at_line(line)
            if line - view._tops[index] < view._headers[index]:
                continue  # the speaker's header line
            strip = strips[region.y + row].crop(left, region.right)
            seen.setdefault(index, []).append("".join(segment.text for segment in strip))
        top = scroll + region.height
    return {index: " ".join(parts) for index, parts in seen.items()}


@pytest.mark.parametrize("width", WIDTHS)
def test_every_character_is_on_screen(
    width: int,
    text_project: Callable[[str, str], Project],
    run_headless: Callable[..., App[None]],
) -> None:
    project = text_project("lines.txt", _transcript())
    shown: dict[int, str] = {}

    async def script(app: CodebenchApp, pilot: Pilot) -> None:
        shown.update(await _visible_text(app, pilot))

    run_headless(
        lambda: make_app(project, coder="alice", transcript="lines"), script, size=(width, 30)
    )
    segments = project.segments("lines")
    assert len(shown) == len(segments)
    for index, seg in enumerate(segments):
        assert _squeezed(shown[index]) == _squeezed(seg.text), (width, seg.ordinal)


@pytest.mark.parametrize("width", range(10, 90, 7))
def test_wrapped_lines_fit_and_keep_every_character(width: int) -> None:
    from rich.cells import cell_len

    rng = random.Random(width)
    for _ in range(200):
        text = " ".join(
            rng.choice(WORDS + ODD) for _ in range(rng.randint(0, 40))
        ) + " " * rng.randint(0, 3)
        lines = wrap_offsets(text, width)
        assert all(cell_len(text[start:end]) <= width for start, end in lines), text
        assert "".join(text[start:end] for start, end in lines).replace(" ", "") == text.replace(
            " ", ""
        )
