"""Turns → the canonical transcript text and the spans segmentation works on.

The stored text is rebuilt from the parsed turns in one plain layout,
whatever the source format (``Speaker: first paragraph``, further paragraphs
on their own lines, a blank line between turns). Offsets of every coding
index this text, so the layout is deterministic: the same turns always give
the same text, and therefore the same sha256.
"""

from __future__ import annotations

from dataclasses import dataclass

from codebench.ingest.turns import Turn, is_interviewer


@dataclass(frozen=True)
class ParagraphSpan:
    """Where one paragraph of one turn sits in the canonical text."""

    turn: int
    paragraph: int
    start: int
    end: int
    speaker: str | None
    codable: bool
    timestamp: float | None
    #: (absolute offset, seconds) for subtitle cues inside this paragraph.
    cue_times: tuple[tuple[int, float], ...] = ()


@dataclass(frozen=True)
class Layout:
    text: str
    paragraphs: list[ParagraphSpan]


def layout_turns(
    turns: list[Turn], interviewers: tuple[str, ...] = (), interviewer_codable: bool = False
) -> Layout:
    """Build the canonical text and paragraph spans for ``turns``."""
    parts: list[str] = []
    spans: list[ParagraphSpan] = []
    pos = 0
    paragraph_index = 0
    for turn_index, turn in enumerate(turns):
        if turn_index:
            parts.append("\n\n")
            pos += 2
        if turn.codable is not None:
            codable = turn.codable
        else:
            codable = interviewer_codable or not is_interviewer(turn.speaker, interviewers)
        for para_index, paragraph in enumerate(turn.paragraphs):
            text = " ".join(paragraph.split())
            if not text:
                continue
            if para_index == 0 and turn.speaker:
                prefix = f"{turn.speaker}: "
            elif para_index == 0:
                prefix = ""
            else:
                prefix = "\n"
            parts.append(prefix)
            pos += len(prefix)
            cues: tuple[tuple[int, float], ...] = ()
            if para_index == 0 and turn.cue_times:
                cues = tuple(
                    (pos + _squeezed_offset(paragraph, off), t) for off, t in turn.cue_times
                )
            spans.append(
                ParagraphSpan(
                    turn_index,
                    paragraph_index,
                    pos,
                    pos + len(text),
                    turn.speaker,
                    codable,
                    turn.timestamp,
                    cues,
                )
            )
            parts.append(text)
            pos += len(text)
            paragraph_index += 1
    return Layout("".join(parts), spans)


def _squeezed_offset(original: str, offset: int) -> int:
    """Map an offset in ``original`` to the whitespace-collapsed, stripped copy."""
    head = original[:offset]
    squeezed = " ".join(head.split())
    if head and head[-1].isspace() and squeezed:
        squeezed += " "
    return len(squeezed)
