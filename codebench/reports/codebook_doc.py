"""The codebook document: definitions, guidance, examples and current counts.

For sharing with the team: every code with its definition, when to use it
and when not, an example, and how often it has been applied so far (coded
segments, codings and transcripts, for the code and with its sub-codes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from codebench.reports.coded_units import CodedUnits, units_for
from codebench.reports.frequencies import CodeCounts, frequencies_from
from codebench.reports.scope import CoderSelection
from codebench.reports.types import CodeRef
from codebench.wording import plural

if TYPE_CHECKING:
    from codebench.project import Project


@dataclass(frozen=True)
class CodebookEntry:
    code: CodeRef
    description: str
    inclusion: str
    exclusion: str
    example: str
    own: CodeCounts
    total: CodeCounts


@dataclass(frozen=True)
class CodebookReport:
    name: str
    description: str
    selection: CoderSelection
    transcripts_in_scope: int
    entries: list[CodebookEntry]
    kind: str = "codebook"

    @property
    def notes(self) -> list[str]:
        return [
            self.selection.note,
            f"Counts so far, over {plural(self.transcripts_in_scope, 'transcript')} started or coded.",
        ]


def codebook_document(
    project: Project,
    coders: Sequence[str] | CoderSelection | None = None,
    *,
    units: CodedUnits | None = None,
) -> CodebookReport:
    """The codebook with its guidance and current counts."""
    units = units_for(project, coders, units, speakers=True, words=True)
    freq = frequencies_from(units)
    codes = {c.id: c for c in units.codes}
    entries = [
        CodebookEntry(
            row.code,
            codes[row.code.id].description,
            codes[row.code.id].inclusion,
            codes[row.code.id].exclusion,
            codes[row.code.id].example,
            row.own,
            row.total,
        )
        for row in freq.rows
    ]
    book = project.codebook()
    return CodebookReport(
        book.name, book.description, units.selection, freq.transcripts_in_scope, entries
    )
