"""Selection positions: what producers write, and what codebench needs.

The REFI-QDA spec says ``startPosition``/``endPosition`` count Unicode code
points from 0 with an exclusive end.  Producers differ, and the difference
only shows on texts with CRLF line endings or characters outside the BMP:

``codepoints``
    Code points of the text file as stored (BOM excluded), so a CRLF counts
    as two.  This is the literal reading of the spec -- positions over "the
    plain text file" -- and what codebench's own exports use (they are LF-only,
    so nothing is ambiguous there).  Default on a tie.
``utf16``
    UTF-16 code units of the text after the BOM, CRLF counted as two, end
    exclusive.  Measured on a real NVivo 12.6 export (oltas0517.qdpx): 300 of
    303 selections land on word boundaries this way against far fewer with
    code points, since its texts hold hundreds of emoji (two units each).
    .NET and Java strings count like this.
``codepoints-lf``
    Code points of the *normalised* text (CRLF counted as one), for tools that
    normalise line endings before counting.  Not seen in the reference files;
    offered so detection can recognise it rather than silently shift spans.

Codebench always stores positions as code points in the normalised text
(BOM removed, CRLF and lone CR turned into LF).  :class:`PositionMapper`
converts one text's producer positions into that.

Which convention a file uses is not recorded in it, so
:func:`detect_offset_convention` scores each convention by how many
selections start and end on a word boundary (or the text start/end) and
picks the best; humans rarely select half a word, a wrong convention drifts
by one position per emoji or line break and so lands mid-word.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from dataclasses import replace

from codebench.wording import plural

from .document import OffsetDetection, RefiProject, RefiSelection, normalize_newlines
from .errors import RefiError

__all__ = [
    "CODEPOINTS",
    "CODEPOINTS_LF",
    "CONVENTIONS",
    "UTF16",
    "PositionMapper",
    "apply_offset_convention",
    "detect_offset_convention",
    "on_word_boundary",
    "resolve_offsets",
]

CODEPOINTS = "codepoints"
UTF16 = "utf16"
CODEPOINTS_LF = "codepoints-lf"
#: All conventions, in tie-break order (the spec's reading first).
CONVENTIONS: tuple[str, ...] = (CODEPOINTS, UTF16, CODEPOINTS_LF)

_CRLF_RE = re.compile("\r\n")
_ASTRAL_RE = re.compile("[\U00010000-\U0010ffff]")


class PositionMapper:
    """Maps producer positions in one text onto normalised code points.

    Built once per text (two sorted index lists), then each conversion is a
    pair of binary searches, so mapping hundreds of selections over a
    600,000-character transcript stays cheap.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.normalized = normalize_newlines(text)
        # Raw code-point index of every LF that normalisation drops (the LF of a CRLF).
        self._dropped_lf = [match.start() + 1 for match in _CRLF_RE.finditer(text)]
        # UTF-16 index of the low surrogate of every astral character.
        self._low_surrogates = [
            match.start() + ordinal + 1 for ordinal, match in enumerate(_ASTRAL_RE.finditer(text))
        ]
        self.lengths = {
            CODEPOINTS: len(text),
            UTF16: len(text) + len(self._low_surrogates),
            CODEPOINTS_LF: len(self.normalized),
        }
        #: No CRLF and no astral character: every convention reads positions
        #: alike (only clamped), so scores need computing once, not per convention.
        self.conventions_agree = not self._dropped_lf and not self._low_surrogates

    def to_normalized(self, position: int, convention: str) -> tuple[int, bool]:
        """Return ``(normalised position, clamped)``.

        Out-of-range positions are clamped to the text and flagged.  A
        position inside a surrogate pair or between the CR and LF of a CRLF
        rounds forward, past the character, so a span never splits one.
        """
        if convention not in self.lengths:
            raise RefiError(f"unknown offset convention {convention!r}; use one of {CONVENTIONS}")
        limit = self.lengths[convention]
        clamped = position < 0 or position > limit
        position = min(max(position, 0), limit)
        if convention == CODEPOINTS_LF:
            return position, clamped
        if convention == UTF16:
            position -= bisect_left(self._low_surrogates, position)
        return position - bisect_left(self._dropped_lf, position), clamped


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_" or unicodedata.category(char).startswith("M")


def on_word_boundary(text: str, position: int) -> bool:
    """True at the text start/end or where a position does not split a word."""
    if position <= 0 or position >= len(text):
        return True
    return not (_is_word_char(text[position - 1]) and _is_word_char(text[position]))


def _raw(selection: RefiSelection) -> tuple[int, int]:
    start = selection.raw_start if selection.raw_start is not None else selection.start
    end = selection.raw_end if selection.raw_end is not None else selection.end
    return start, end


def _mappers(project: RefiProject) -> dict[str, PositionMapper]:
    return {s.guid: PositionMapper(s.text) for s in project.sources if s.text is not None}


def _score(
    selections: list[RefiSelection], mappers: dict[str, PositionMapper], convention: str
) -> int:
    """How many selections start and end on a word boundary read with ``convention``
    (a clamped or reversed span does not count)."""
    score = 0
    for selection in selections:
        mapper = mappers[selection.source_guid]
        raw_start, raw_end = _raw(selection)
        start, clamped_start = mapper.to_normalized(raw_start, convention)
        end, clamped_end = mapper.to_normalized(raw_end, convention)
        if clamped_start or clamped_end or start > end:
            continue
        if on_word_boundary(mapper.normalized, start) and on_word_boundary(mapper.normalized, end):
            score += 1
    return score


def _score_agreeing(selections: list[RefiSelection], text: str) -> int:
    """:func:`_score` for a text on which every convention reads positions alike
    (:attr:`PositionMapper.conventions_agree`): positions are used as written."""
    score, length = 0, len(text)
    for selection in selections:
        start, end = _raw(selection)
        if (
            0 <= start <= end <= length
            and on_word_boundary(text, start)
            and on_word_boundary(text, end)
        ):
            score += 1
    return score


def _scores(
    selections: list[RefiSelection],
    mappers: dict[str, PositionMapper],
    conventions: tuple[str, ...],
) -> dict[str, int]:
    """Every convention's score over every selection, exactly; a source on which
    the conventions agree is scored once and counted for each of them."""
    if selections:
        for name in conventions:
            if name not in CONVENTIONS:  # as PositionMapper.to_normalized would say
                raise RefiError(f"unknown offset convention {name!r}; use one of {CONVENTIONS}")
    scores = dict.fromkeys(conventions, 0)
    by_source: dict[str, list[RefiSelection]] = {}
    for selection in selections:
        by_source.setdefault(selection.source_guid, []).append(selection)
    for guid, group in by_source.items():
        mapper = mappers[guid]
        if mapper.conventions_agree:
            agreed = _score_agreeing(group, mapper.normalized)
            for name in conventions:
                scores[name] += agreed
        else:
            for name in conventions:
                scores[name] += _score(group, mappers, name)
    return scores


def detect_offset_convention(
    project: RefiProject, conventions: tuple[str, ...] = CONVENTIONS
) -> OffsetDetection:
    """Score every convention on the project's selections and pick the best.

    Only selections on sources whose text is known count (``total``).  Ties
    go to the earlier convention in *conventions* (the spec's code points
    first).  Files written by codebench itself are read as code points
    whatever the scores, because that is what codebench writes.
    """
    mappers = _mappers(project)
    measurable = [sel for sel in project.selections if sel.source_guid in mappers]
    scores = _scores(measurable, mappers, conventions)
    total = len(measurable)
    origin = (project.origin or "").strip().lower()
    if origin.startswith("codebench"):
        return OffsetDetection(
            CODEPOINTS, scores, total, reason="written by codebench (code points)"
        )
    if total == 0:
        return OffsetDetection(
            conventions[0], scores, 0, reason="no selections on known text; spec convention assumed"
        )
    best = max(conventions, key=lambda name: (scores[name], -conventions.index(name)))
    reason = ""
    if sum(1 for name in conventions if scores[name] == scores[best]) > 1:
        reason = "tie between conventions; spec convention preferred"
    return OffsetDetection(best, scores, total, reason=reason)


def _with_span(
    selection: RefiSelection, start: int, end: int, raw_start: int, raw_end: int
) -> RefiSelection:
    """``selection`` with these positions; the object itself when it already has
    them (the common case: copying 100,000 frozen selections is slow)."""
    if (selection.start, selection.end, selection.raw_start, selection.raw_end) == (
        start,
        end,
        raw_start,
        raw_end,
    ):
        return selection
    return replace(selection, start=start, end=end, raw_start=raw_start, raw_end=raw_end)


def apply_offset_convention(
    project: RefiProject, convention: str, detection: OffsetDetection | None = None
) -> RefiProject:
    """Return a copy whose selections' ``start``/``end`` are normalised code
    points, computed from ``raw_start``/``raw_end`` read with *convention*.

    Repairs (clamping, swapped ends) are counted into ``warnings``; selections
    on sources without text keep their raw numbers and are reported too.
    """
    if convention not in CONVENTIONS:
        raise RefiError(
            f"unknown offset convention {convention!r}; use one of {', '.join(CONVENTIONS)}"
        )
    mappers = _mappers(project)
    clamped = swapped = unresolved = 0
    converted: list[RefiSelection] = []
    for selection in project.selections:
        raw_start, raw_end = _raw(selection)
        mapper = mappers.get(selection.source_guid)
        if mapper is None:
            unresolved += 1
            converted.append(
                replace(
                    selection, start=raw_start, end=raw_end, raw_start=raw_start, raw_end=raw_end
                )
            )
            continue
        if mapper.conventions_agree and 0 <= raw_start <= raw_end <= len(mapper.normalized):
            converted.append(_with_span(selection, raw_start, raw_end, raw_start, raw_end))
            continue  # what to_normalized gives for every convention: positions as written
        start, clamp_a = mapper.to_normalized(raw_start, convention)
        end, clamp_b = mapper.to_normalized(raw_end, convention)
        clamped += clamp_a or clamp_b
        if start > end:
            start, end = end, start
            swapped += 1
        converted.append(_with_span(selection, start, end, raw_start, raw_end))
    warnings = list(project.warnings)
    if clamped:
        warnings.append(
            f"{plural(clamped, 'selection')} reached past {'its' if clamped == 1 else 'their'} text "
            f"and {'was' if clamped == 1 else 'were'} clamped to it"
        )
    if swapped:
        warnings.append(
            f"{plural(swapped, 'selection')} had start after end; the ends were swapped"
        )
    if unresolved:
        warnings.append(
            f"{plural(unresolved, 'selection')} {'is' if unresolved == 1 else 'are'} on sources "
            "without text; positions left as written"
        )
    return replace(
        project,
        selections=converted,
        warnings=warnings,
        offset_convention=convention,
        offset_detection=detection,
    )


def resolve_offsets(project: RefiProject, offsets: str = "auto") -> RefiProject:
    """Detect (``offsets="auto"``) or force a convention, then apply it.

    The scores are computed either way so the caller can always report
    "N of M selections land on word boundaries".
    """
    if offsets != "auto" and offsets not in CONVENTIONS:
        raise RefiError(
            f"unknown offset convention {offsets!r}; use auto or one of {', '.join(CONVENTIONS)}"
        )
    detection = detect_offset_convention(project)
    if offsets != "auto":
        detection = replace(detection, convention=offsets, forced=True, reason="")
    return apply_offset_convention(project, detection.convention, detection)
