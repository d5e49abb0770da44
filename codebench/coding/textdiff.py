"""The diff of a transcript correction, and character offsets mapped through it.

Pure functions, no project: :func:`diff_texts` finds the changed runs of two
texts (word-aware, so a mis-heard word is replaced as a whole), and
:class:`OffsetMap` carries positions of the old text into the new one. The
same map moves segments and codings (and, through the stored versions, the
offsets an older event or another project's file recorded), so one rule
decides where every boundary goes:

* a position in unchanged text moves by the length change before it, exactly;
* text inserted at a segment boundary joins the segment (and the codings)
  ending there, unless the edit says it joins the right (text typed at the
  start of a segment, or before the first one, belongs to that segment); text
  inserted anywhere else joins no coding that merely starts or ends there;
* a position strictly inside a replaced or deleted run is clamped into the
  replacement (at the same distance, snapped back to a word start), which is
  monotone, so segments stay ordered and never overlap.

A coding whose first or last character was deleted, or replaced part-way, is
*clamped*; one whose every character was deleted is *orphaned*.
"""

from __future__ import annotations

import difflib
import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

#: Words, runs of white space and single other characters: the units a correction replaces.
_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")

EXACT = "exact"
EDITED = "edited"
CLAMPED = "clamped"
ORPHANED = "orphaned"


@dataclass(frozen=True)
class Edit:
    """One changed run: ``old[old_start:old_end]`` became ``new[new_start:new_end]``."""

    old_start: int
    old_end: int
    new_start: int
    new_end: int
    #: Where an insertion goes at its position: ``none`` (into no span that only
    #: starts or ends there), ``left`` (the span ending there) or ``right``.
    side: str = "none"

    @property
    def delta(self) -> int:
        return (self.new_end - self.new_start) - (self.old_end - self.old_start)

    def as_list(self, old: str, new: str) -> list[Any]:
        """The edit as stored in an event or a version: offsets, the side, and both texts."""
        return [
            self.old_start,
            self.old_end,
            self.new_start,
            self.new_end,
            _SIDES.index(self.side),
            old[self.old_start : self.old_end],
            new[self.new_start : self.new_end],
        ]

    @classmethod
    def from_list(cls, values: Sequence[Any]) -> Edit:
        side = _SIDES[int(values[4])] if 0 <= int(values[4]) < len(_SIDES) else "none"
        return cls(int(values[0]), int(values[1]), int(values[2]), int(values[3]), side)


def _boundary(text: str, position: int) -> bool:
    """Whether ``position`` falls between two tokens of ``text`` (or at either end)."""
    if position <= 0 or position >= len(text):
        return True
    return _kind(text[position - 1]) != _kind(text[position]) or _kind(text[position]) == "p"


def _kind(char: str) -> str:
    if char.isspace():
        return "s"
    return "w" if (char.isalnum() or char == "_") else "p"


def diff_texts(old: str, new: str) -> list[Edit]:
    """The changed runs from ``old`` to ``new``, in order, never overlapping or touching.

    The common head and tail are cut first (a correction is usually a few
    words in a long text), at word boundaries, and only the middle is diffed
    word by word.
    """
    if old == new:
        return []
    limit = min(len(old), len(new))
    head = 0
    while head < limit and old[head] == new[head]:
        head += 1
    while head > 0 and not (_boundary(old, head) and _boundary(new, head)):
        head -= 1
    tail = 0
    while tail < limit - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    while tail > 0 and not (_boundary(old, len(old) - tail) and _boundary(new, len(new) - tail)):
        tail -= 1
    a = _TOKEN.findall(old[head : len(old) - tail])
    b = _TOKEN.findall(new[head : len(new) - tail])
    a_at = _offsets(a, head)
    b_at = _offsets(b, head)
    edits: list[Edit] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=len(b) >= 200)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            edits.append(Edit(a_at[i1], a_at[i2], b_at[j1], b_at[j2]))
    return edits


def _offsets(tokens: list[str], start: int) -> list[int]:
    """Character offset of each token, and of the end, from ``start``."""
    out = [start]
    for token in tokens:
        out.append(out[-1] + len(token))
    return out


def apply_edits(old: str, new_parts: Sequence[tuple[Edit, str]]) -> str:
    """``old`` with each edit's run replaced by its new text (how redo rebuilds the corrected text)."""
    pieces: list[str] = []
    at = 0
    for edit, text in new_parts:
        pieces.append(old[at : edit.old_start])
        pieces.append(text)
        at = edit.old_end
    pieces.append(old[at:])
    return "".join(pieces)


def with_sides(edits: Sequence[Edit], left: set[int], right: set[int]) -> list[Edit]:
    """``edits`` with each insertion at a position in ``right`` (first) or ``left`` given that side."""
    out = []
    for e in edits:
        if e.old_start == e.old_end and (e.old_start in right or e.old_start in left):
            side = "right" if e.old_start in right else "left"
            e = Edit(e.old_start, e.old_end, e.new_start, e.new_end, side)
        out.append(e)
    return out


class OffsetMap:
    """Positions of the old text carried into the new one (see the module's rules)."""

    def __init__(self, edits: Sequence[Edit], new_text: str) -> None:
        self.edits = list(edits)
        self.new_text = new_text
        self._ends = [e.old_end for e in self.edits]
        self._shift = [0]
        for e in self.edits:
            self._shift.append(self._shift[-1] + e.delta)

    def position(self, b: int, *, end: bool = True) -> tuple[int, bool]:
        """Where old position ``b`` lands, and whether it was clamped (fell inside a changed run).

        ``end``: ``b`` ends a span (else it starts one), which decides where an
        insertion at ``b`` on no segment boundary goes (outside the span).
        """
        n = bisect_right(self._ends, b)  # edits ending at or before b
        if n < len(self.edits):
            e = self.edits[n]
            if e.old_start < b:  # strictly inside a deletion or replacement
                return self._clamp(e, b), True
        shift = self._shift[n]
        # An insertion at b that does not join the left stays after b.
        k = n - 1
        if k >= 0 and self.edits[k].old_start == self.edits[k].old_end == b:
            side = self.edits[k].side
            if side == "right" or (side == "none" and end):
                shift -= self.edits[k].delta
        return b + shift, False

    def _clamp(self, e: Edit, b: int) -> int:
        at = e.new_start + min(b - e.old_start, e.new_end - e.new_start)
        while at > e.new_start and not _boundary(self.new_text, at):
            at -= 1
        return at

    def _lost(self, char: int, *, first: bool) -> bool:
        """Whether old character ``char`` (a span's first or last) was deleted or replaced part-way."""
        n = bisect_right(self._ends, char)
        if n >= len(self.edits):
            return False
        e = self.edits[n]
        if not (e.old_start <= char < e.old_end):
            return False
        if e.new_start == e.new_end:
            return True  # deleted
        return char != (e.old_start if first else e.old_end - 1)

    def _inside_edit(self, start: int, end: int) -> Edit | None:
        """The one changed run that covers the whole span ``start``–``end``, if any."""
        n = bisect_right(self._ends, start)
        if n < len(self.edits):
            e = self.edits[n]
            if e.old_start <= start and end <= e.old_end:
                return e
        return None

    def span(self, start: int, end: int) -> tuple[int, int, str]:
        """A coding's span carried over: new start, new end and how it fared.

        ``exact`` (no change touched it), ``edited`` (text inside it changed,
        its ends did not), ``clamped`` or ``orphaned`` (every character
        deleted: it is kept on one character where its text was).
        """
        edits = self.edits
        if not edits or end < edits[0].old_start:
            return start, end, EXACT  # before every change: the usual case, kept cheap
        if start > edits[-1].old_end:
            return start + self._shift[-1], end + self._shift[-1], EXACT
        new_start, a = self.position(start, end=False)
        new_end, b = self.position(end, end=True)
        clamped = a or b or self._lost(start, first=True) or self._lost(end - 1, first=False)
        if clamped:  # a cut edge does not keep the white space the cut left
            text = self.new_text
            while new_end > new_start and text[new_end - 1].isspace():
                new_end -= 1
            while new_start < new_end and text[new_start].isspace():
                new_start += 1
        if new_start >= new_end:
            inside = self._inside_edit(start, end)
            if inside is not None and inside.new_end > inside.new_start:
                return inside.new_start, inside.new_end, CLAMPED
            length = len(self.new_text)
            anchor = max(0, min(new_start, length - 1))
            return anchor, anchor + 1, ORPHANED
        if clamped:
            return new_start, new_end, CLAMPED
        touched = any(
            (e.old_start < end and e.old_end > start) or (start < e.old_start == e.old_end < end)
            for e in self._near(start, end)
        )
        if touched or new_end - new_start != end - start:
            return new_start, new_end, EDITED
        return new_start, new_end, EXACT

    def _near(self, start: int, end: int) -> list[Edit]:
        lo = bisect_right(self._ends, start) - 1
        out = []
        for e in self.edits[max(lo, 0) :]:
            if e.old_start > end:
                break
            out.append(e)
        return out


_SIDES = ("none", "left", "right")


def inverse(edits: Sequence[Edit]) -> list[Edit]:
    """The edits that take the new text back to the old one."""
    return [Edit(e.new_start, e.new_end, e.old_start, e.old_end) for e in edits]
