"""Word wrapping that keeps character offsets (no Textual; the view draws from it).

The transcript view needs, for every wrapped line, where it starts and ends
in the segment's text, so it can highlight search matches, sub-segment spans
and the visual selection without re-measuring.
"""

from __future__ import annotations

import re

from rich.cells import get_character_cell_size

_WORD = re.compile(r"\S+")


def wrap_offsets(text: str, width: int) -> list[tuple[int, int]]:
    """``(start, end)`` offsets of each line when ``text`` is wrapped to ``width``.

    ``width`` counts terminal cells: a wide (East Asian) character takes two,
    a combining mark none, so no line is ever wider than ``width`` and nothing
    is cut off when it is drawn. Breaks at spaces; a word longer than the line
    is split. Runs of spaces at a break are dropped; every line has at least
    one character unless the text is empty.
    """
    width = max(1, width)
    if not text.isascii():
        return _wrap_cells(text, width)
    length = len(text)
    if length <= width:
        return [(0, length)]
    lines: list[tuple[int, int]] = []
    start = 0
    while start < length:
        if length - start <= width:
            lines.append((start, length))
            break
        cut = text.rfind(" ", start, start + width + 1)
        if cut <= start:
            cut = start + width
            following = cut
        else:
            following = cut + 1
        end = cut
        while end > start and text[end - 1] == " ":
            end -= 1
        lines.append((start, max(end, start + 1) if end > start else cut))
        start = following
        while start < length and text[start] == " ":
            start += 1
    return lines or [(0, 0)]


def _wrap_cells(text: str, width: int) -> list[tuple[int, int]]:
    """:func:`wrap_offsets` for text holding characters that are not one cell wide."""
    sizes = [get_character_cell_size(character) for character in text]
    length = len(text)
    lines: list[tuple[int, int]] = []
    start = 0
    while start < length:
        used, end, space = 0, start, -1
        while end < length and used + sizes[end] <= width:
            if text[end] == " ":
                space = end
            used += sizes[end]
            end += 1
        if end >= length:
            lines.append((start, length))
            break
        if end == start:  # one character wider than the line: it gets a line of its own
            end += 1
            cut = following = end
        elif text[end] == " ":
            cut, following = end, end + 1
        elif space > start:
            cut, following = space, space + 1
        else:
            cut = following = end
        stop = cut
        while stop > start and text[stop - 1] == " ":
            stop -= 1
        lines.append((start, stop if stop > start else cut))
        start = following
        while start < length and text[start] == " ":
            start += 1
    return lines or [(0, 0)]


def word_bounds(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` offsets of each whitespace-separated word."""
    return [(m.start(), m.end()) for m in _WORD.finditer(text)]


def cut(text: str, width: int) -> str:
    """``text`` on one line (runs of white space as one), ellipsised to ``width`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: max(1, width - 1)] + "…"


def place_cut(transcript: str, span: str, width: int) -> str:
    """``transcript span`` in ``width`` characters: a long name is ellipsised, never the segment.

    The segment number is what finds the passage; cut from the end of the
    whole, ``03-westmoor-commissio…`` had lost it.
    """
    return f"{cut(transcript, max(1, width - len(span) - 1))} {span}"
