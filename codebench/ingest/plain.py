"""Layouts over text that must be stored exactly as given (REFI-QDA sources).

A normal import rebuilds the transcript text from parsed turns
(:mod:`codebench.ingest.layout`). Text that arrives with codings attached,
from another QDA tool, cannot be rebuilt: the codings' offsets index the text
as it is. :func:`source_layout` uses the canonical layout when it happens to
reproduce the text exactly (codebench's own exports do), and otherwise
:func:`plain_layout`, which leaves the text alone and only marks where its
paragraphs are, so sentence segmentation runs on the same text the offsets
refer to.
"""

from __future__ import annotations

from codebench.ingest.layout import Layout, ParagraphSpan, layout_turns
from codebench.ingest.turns import (
    HEADER_LINE,
    LABEL_LINE,
    is_interviewer,
    parse_text_turns,
    parse_time,
)


def source_layout(
    text: str, interviewers: tuple[str, ...] = (), interviewer_codable: bool = False
) -> Layout:
    """A layout whose ``text`` is exactly ``text``: canonical if that matches, else plain."""
    canonical = layout_turns(
        parse_text_turns(text, interviewers), interviewers, interviewer_codable
    )
    if canonical.text == text:
        return canonical
    return plain_layout(text, interviewers, interviewer_codable)


def plain_layout(
    text: str, interviewers: tuple[str, ...] = (), interviewer_codable: bool = False
) -> Layout:
    """Paragraph spans over ``text`` unchanged: one per non-blank line, trimmed.

    Speakers are recognised as the normal text parser recognises them
    (``Name: …``, ``[00:01:23] Name: …``, ``Speaker 1  0:02`` headers); a
    labelled line starts a new turn and its label is left out of the span,
    as in the canonical layout. Without speakers, blank-line-separated blocks
    are the turns. Text before the first speaker of a file that has speakers
    is a header and not codable; interviewer turns are not codable unless
    ``interviewer_codable``.
    """
    speakers = {t.speaker.casefold() for t in parse_text_turns(text, interviewers) if t.speaker}
    paragraphs: list[ParagraphSpan] = []
    turn = -1
    speaker: str | None = None
    timestamp: float | None = None
    codable = not speakers
    new_block = True
    line_start = 0
    for line in text.split("\n"):
        start = line_start
        line_start += len(line) + 1
        if not line.strip():
            new_block = True
            continue
        body = start + len(line) - len(line.lstrip())
        end = start + len(line.rstrip())
        header = HEADER_LINE.match(line)
        label = LABEL_LINE.match(line)
        if header and header.group("name").strip().casefold() in speakers:
            turn, speaker, timestamp = (
                turn + 1,
                header.group("name").strip(),
                parse_time(header.group("ts")),
            )
            codable = interviewer_codable or not is_interviewer(speaker, interviewers)
            new_block = False
            continue  # the header line is only a label
        if label and label.group("name").strip().casefold() in speakers:
            turn, speaker = turn + 1, label.group("name").strip()
            timestamp = parse_time(label.group("ts1") or label.group("ts2"))
            codable = interviewer_codable or not is_interviewer(speaker, interviewers)
            body = start + label.start("text")
        elif turn < 0 or (new_block and not speakers):
            turn += 1
        new_block = False
        if body >= end:
            continue
        paragraphs.append(
            ParagraphSpan(turn, len(paragraphs), body, end, speaker, codable, timestamp)
        )
    return Layout(text, paragraphs)
