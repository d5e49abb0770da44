"""Theme frequencies: how much each code was used, per code and rolled up to parents.

For every code: coded segments, codings, transcripts in which it occurs (and
their share of the transcripts in scope), words coded and speakers. Each
figure comes twice: for the code alone (``own``) and with its sub-codes
folded in (``total``), where a segment, transcript or word counts once
whichever of the sub-codes coded it, and codings are summed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from codebench.reports.coded_units import CodedUnits, units_for
from codebench.reports.scope import CoderSelection
from codebench.reports.types import CodeRef, percent
from codebench.wording import plural

if TYPE_CHECKING:
    from codebench.project import Project

#: The measures of a frequency row, in column order.
MEASURES = ("segments", "codings", "transcripts", "percent", "words", "speakers")


@dataclass(frozen=True)
class CodeCounts:
    """How much one code (or one code with its sub-codes) was used."""

    segments: int
    codings: int
    transcripts: int
    #: Share of the transcripts in scope, to one decimal (``None`` with none in scope).
    percent: float | None
    words: int
    speakers: int


@dataclass(frozen=True)
class FrequencyRow:
    code: CodeRef
    own: CodeCounts
    #: Including sub-codes (equal to ``own`` for codes without children).
    total: CodeCounts

    def counts(self, rollup: bool) -> CodeCounts:
        return self.total if rollup else self.own


@dataclass(frozen=True)
class FrequencyReport:
    """Theme frequencies for one coder selection."""

    selection: CoderSelection
    #: Transcripts the selected coders have started or coded (the % denominator).
    transcripts_in_scope: int
    transcripts_total: int
    rows: list[FrequencyRow]
    #: Codings that overlap no segment (in codings and transcripts, not in segments or words).
    unplaced: int = 0
    kind: str = "frequencies"

    @property
    def notes(self) -> list[str]:
        notes = [
            self.selection.note,
            (
                "A segment is coded with a code when a coding of it overlaps the segment. Words coded are the words "
                "inside the coded passages, each counted once. Speakers are distinct speakers (a name within one transcript)."
            ),
            (
                f"Percentages are of the {plural(self.transcripts_in_scope, 'transcript')} these coders have started or coded "
                f"(of {self.transcripts_total} in the project)."
            ),
        ]
        if self.unplaced:
            notes.append(
                f"{plural(self.unplaced, 'coding')} overlap{'s' if self.unplaced == 1 else ''} no segment; "
                "they count as codings only."
            )
        return notes


def frequencies(
    project: Project,
    coders: Sequence[str] | CoderSelection | None = None,
    *,
    units: CodedUnits | None = None,
) -> FrequencyReport:
    """Compute theme frequencies (see the module docstring)."""
    return frequencies_from(units_for(project, coders, units, speakers=True, words=True))


def frequencies_from(units: CodedUnits) -> FrequencyReport:
    """Theme frequencies from already built :class:`CodedUnits`."""
    scope = int(units.in_scope().sum())
    figures = {}
    for rollup in (False, True):
        figures[rollup] = (
            units.segments_per_code(rollup),
            units.codings_per_code(rollup),
            units.transcripts_per_code(rollup),
            units.words_per_code(rollup),
            units.speakers_per_code(rollup),
        )
    rows = []
    for ref in units.report_codes():
        column = units.column_of(ref.id)
        counts = []
        for rollup in (False, True):
            segs, codings, transcripts, words, speakers = (int(a[column]) for a in figures[rollup])
            counts.append(
                CodeCounts(segs, codings, transcripts, percent(transcripts, scope), words, speakers)
            )
        rows.append(FrequencyRow(ref, counts[0], counts[1]))
    return FrequencyReport(units.selection, scope, len(units.transcripts), rows, units.unplaced)
