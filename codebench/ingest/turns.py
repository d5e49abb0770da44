"""Speaker turns: the conventions real transcripts use, parsed from plain text.

Supported, and mixed freely within a file:

* ``Name: text`` / ``INTERVIEWER: text`` / ``Q:`` ``A:`` prefixes
  (Markdown ``**Name:** text`` too);
* ``[00:01:23] Name: text`` (also ``(00:01:23)`` and a bare ``00:01:23``);
* transcription-service exports with a header line ``Speaker 1  0:02``
  (name, two or more spaces, a time) followed by the text.

A line that starts no turn continues the current one; a blank line starts a
new paragraph within it. A ``Word:`` prefix counts as a speaker only when it
is used as one at least twice in the file, is a Q/A marker, names the
interviewer, or is capitalised like a name and followed by a capitalised
sentence, so an ordinary sentence such as "Yes: we did." stays text.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

_TIME = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?"
_NAME = r"[A-Za-z\u00C0-\u024F][\w'’.\-]*(?:[ \t]+[\w'’.\-()&]+){0,3}"
LABEL_LINE = re.compile(
    rf"^[ \t]*(?:[\[(](?P<ts1>{_TIME})[\])][ \t]*|(?P<ts2>{_TIME})[ \t]+)?"
    rf"(?:\*\*)?(?P<name>{_NAME})(?:\*\*)?[ \t]*(?::(?:\*\*)?|(?:\*\*)?:)[ \t]*(?P<text>.*)$"
)
HEADER_LINE = re.compile(rf"^[ \t]*(?P<name>{_NAME})[ \t]{{2,}}(?P<ts>{_TIME})[ \t]*$")
QA = {"q", "a"}
INTERVIEWER = re.compile(
    r"^(interviewer|int|iv|q|researcher|moderator|facilitator)\b", re.IGNORECASE
)
#: Words that look like labels but introduce ordinary text.
NOT_SPEAKERS = {
    "note",
    "notes",
    "date",
    "time",
    "location",
    "place",
    "re",
    "subject",
    "tel",
    "email",
    "http",
    "https",
}


@dataclass
class Turn:
    """One speaker's uninterrupted contribution: paragraphs of text."""

    speaker: str | None
    paragraphs: list[str] = field(default_factory=list)
    timestamp: float | None = None
    #: For subtitle cues: (offset within the joined first paragraph, seconds).
    cue_times: list[tuple[int, float]] = field(default_factory=list)
    codable: bool | None = None


def parse_time(value: str | None) -> float | None:
    """``"1:02:03.5"`` → 3723.5 seconds; ``None`` passes through."""
    if not value:
        return None
    parts = value.replace(",", ".").split(":")
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + float(part)
    return seconds


def is_interviewer(speaker: str | None, extra: tuple[str, ...] = ()) -> bool:
    """Whether ``speaker`` is the interviewer (not codable by default)."""
    if not speaker:
        return False
    if speaker.casefold() in {e.casefold() for e in extra}:
        return True
    return bool(INTERVIEWER.match(speaker.strip()))


def _label_of(line: str) -> tuple[str, str, float | None] | None:
    match = LABEL_LINE.match(line)
    if not match:
        return None
    name = match.group("name").strip()
    if name.casefold() in NOT_SPEAKERS or len(name) > 40:
        return None
    return name, match.group("text"), parse_time(match.group("ts1") or match.group("ts2"))


def parse_text_turns(text: str, interviewers: tuple[str, ...] = ()) -> list[Turn]:
    """Split normalised text into :class:`Turn` objects by its speaker convention."""
    lines = text.split("\n")
    counts: Counter[str] = Counter()
    for line in lines:
        label = _label_of(line)
        if label:
            counts[label[0].casefold()] += 1
        header = HEADER_LINE.match(line)
        if header:
            counts[header.group("name").strip().casefold()] += 1

    def accepted(name: str, rest: str = "") -> bool:
        folded = name.casefold()
        if counts[folded] >= 2 or folded in QA or is_interviewer(name, interviewers):
            return True
        # A speaker who talks once still counts when the label is capitalised
        # like a name and what follows starts like a new sentence.
        words = name.split()
        first = rest.lstrip("*\"“‘' ")[:1]
        return all(w[:1].isupper() for w in words) and (
            not first or first.isupper() or first.isdigit()
        )

    turns: list[Turn] = []
    current: Turn | None = None
    paragraph: list[str] = []

    def flush_paragraph() -> None:
        nonlocal paragraph
        if current is not None and paragraph:
            current.paragraphs.append(" ".join(part.strip() for part in paragraph if part.strip()))
        paragraph = []

    def start(speaker: str | None, first: str, timestamp: float | None) -> None:
        nonlocal current
        flush_paragraph()
        current = Turn(speaker=speaker, timestamp=timestamp)
        turns.append(current)
        if first.strip():
            paragraph.append(first)

    for line in lines:
        header = HEADER_LINE.match(line)
        if header and accepted(header.group("name").strip()):
            start(header.group("name").strip(), "", parse_time(header.group("ts")))
            continue
        label = _label_of(line)
        if label and accepted(label[0], label[1]):
            start(label[0], label[1], label[2])
            continue
        if not line.strip():
            flush_paragraph()
            continue
        if current is None:
            start(None, "", None)
        stripped = line.strip()
        if current is not None and current.speaker is None and stripped.startswith("#"):
            stripped = stripped.lstrip("#").strip()
        paragraph.append(stripped)
    flush_paragraph()
    turns = [t for t in turns if t.paragraphs]
    has_speakers = any(t.speaker for t in turns)
    for turn in turns:
        if turn.speaker is None and has_speakers:
            # Text before the first labelled turn (a title, a date line) is a header.
            turn.codable = False if turn is turns[0] else None
    return turns
