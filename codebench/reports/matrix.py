"""The code × transcript matrix: coded segments per code and transcript, or presence.

Counts are coded segments; with ``presence`` a cell is 1 when the code was
applied in the transcript at all (the form R or Stata analyses want: one
indicator per case). Columns are the transcripts in scope, so a transcript
nobody has coded does not pass for one where the theme is absent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from codebench.reports.coded_units import CodedUnits, units_for
from codebench.reports.scope import CoderSelection
from codebench.reports.types import CodeRef

if TYPE_CHECKING:
    from codebench.project import Project


@dataclass(frozen=True)
class TranscriptRef:
    """A transcript as a report column names it."""

    id: int
    name: str
    attributes: dict[str, str]


@dataclass(frozen=True)
class MatrixReport:
    selection: CoderSelection
    codes: list[CodeRef]
    transcripts: list[TranscriptRef]
    #: ``values[code][transcript]``: coded segments, or 0/1 with ``presence``.
    values: list[list[int]]
    presence: bool
    rollup: bool
    kind: str = "matrix"

    @property
    def notes(self) -> list[str]:
        what = (
            "1 when the code was applied in the transcript, else 0"
            if self.presence
            else "coded segments (segments a coding of the code overlaps)"
        )
        notes = [
            self.selection.note,
            f"Cells: {what}. Columns: the transcripts these coders have started or coded.",
        ]
        if self.rollup:
            notes.append("Parent codes include their sub-codes.")
        return notes


def code_matrix(
    project: Project,
    coders: Sequence[str] | CoderSelection | None = None,
    *,
    presence: bool = False,
    rollup: bool = True,
    units: CodedUnits | None = None,
) -> MatrixReport:
    """Codes × transcripts (see the module docstring)."""
    units = units_for(project, coders, units)
    scope = units.in_scope()
    columns = [i for i, inside in enumerate(scope) if inside]
    data = (
        (units.codings_matrix(rollup) > 0).astype("int64")
        if presence
        else units.segments_per_transcript(rollup)
    )
    codes = units.report_codes()
    values = [[int(data[t, units.column_of(ref.id)]) for t in columns] for ref in codes]
    transcripts = [
        TranscriptRef(
            units.transcripts[t].id,
            units.transcripts[t].name,
            dict(units.transcripts[t].attributes),
        )
        for t in columns
    ]
    return MatrixReport(units.selection, codes, transcripts, values, presence, rollup)
