"""The code × case matrix: coded segments per code and transcript (or participant), or presence.

Counts are coded segments; with ``presence`` a cell is 1 when the code was
applied in the transcript at all (the form R or Stata analyses want: one
indicator per case). Columns are the transcripts in scope, so a transcript
nobody has coded does not pass for one where the theme is absent. With
``cases="participants"`` the columns are participants (a speaker within a
transcript with a codable segment, see :mod:`codebench.participants`),
named ``TRANSCRIPT/SPEAKER``, with their own attributes as ``speaker.KEY``.
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
    """A transcript (or a participant in one) as a report column names it."""

    id: int
    name: str
    attributes: dict[str, str]
    #: The participant's speaker name (``None``: the column is the whole transcript).
    speaker: str | None = None


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
    cases: str = "transcripts"

    @property
    def notes(self) -> list[str]:
        case = "transcript" if self.cases == "transcripts" else "participant"
        what = (
            f"1 when the code was applied in the {case}'s segments, else 0"
            if self.presence
            else "coded segments (segments a coding of the code overlaps)"
        )
        columns = (
            "the transcripts these coders have started or coded"
            if self.cases == "transcripts"
            else "participants (a speaker within a transcript, with a codable segment) "
            "of the transcripts these coders have started or coded"
        )
        notes = [self.selection.note, f"Cells: {what}. Columns: {columns}."]
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
    cases: str = "transcripts",
) -> MatrixReport:
    """Codes × transcripts, or × participants (see the module docstring)."""
    if cases == "participants":
        return _participant_matrix(project, coders, presence, rollup, units)
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


def _participant_matrix(
    project: Project,
    coders: Sequence[str] | CoderSelection | None,
    presence: bool,
    rollup: bool,
    units: CodedUnits | None,
) -> MatrixReport:
    from codebench.participants import SEPARATOR, SPEAKER_PREFIX
    from codebench.reports.crossed import case_frame
    from codebench.store import participants as participant_sql

    units = units_for(project, coders, units, speakers=True)
    frame = case_frame(project, units, [], "participants")
    counts = units.segments_per_participant(rollup)
    data = (counts > 0).astype("int64") if presence else counts
    chosen = [p for p in range(len(frame.participants)) if frame.is_participant[p]]
    by_id = {t.id: t for t in units.transcripts}
    own = participant_sql.speaker_attributes(project.db)
    rank = {t.id: i for i, t in enumerate(units.transcripts)}
    chosen.sort(key=lambda p: rank[frame.participants[p][0]])  # transcript order, then first voice
    codes = units.report_codes()
    values = [[int(data[p, units.column_of(ref.id)]) for p in chosen] for ref in codes]
    columns = []
    for p in chosen:
        tid, speaker = frame.participants[p]
        t = by_id[tid]
        attributes = dict(t.attributes)
        attributes.update({SPEAKER_PREFIX + k: v for k, v in own.get((tid, speaker), {}).items()})
        columns.append(TranscriptRef(tid, f"{t.name}{SEPARATOR}{speaker}", attributes, speaker))
    return MatrixReport(
        units.selection, codes, columns, values, presence, rollup, cases="participants"
    )
