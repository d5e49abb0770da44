"""Word wrapping that keeps character offsets (no Textual; the view draws from it).

The transcript view needs, for every wrapped line, where it starts and ends
in the segment's text, so it can highlight search matches, sub-segment spans
and the visual selection without re-measuring.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"\S+")


def wrap_offsets(text: str, width: int) -> list[tuple[int, int]]:
    """``(start, end)`` offsets of each line when ``text`` is wrapped to ``width``.

    Breaks at spaces; a word longer than the line is split. Runs of spaces at
    a break are dropped; every line has at least one character unless the
    text is empty.
    """
    width = max(1, width)
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


def word_bounds(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` offsets of each whitespace-separated word."""
    return [(m.start(), m.end()) for m in _WORD.finditer(text)]
