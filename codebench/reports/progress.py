"""Coding progress: per coder and transcript, the status and the share coded.

"Coded" follows :func:`codebench.coding.listing.progress`, the definition the CLI
and the workbench show: the share of a transcript's codable segments that
carry at least one of the coder's codings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from codebench.coding.listing import progress as coded_codable
from codebench.models import Coder, Transcript
from codebench.reports.types import percent

if TYPE_CHECKING:
    from codebench.project import Project


@dataclass(frozen=True)
class ProgressCell:
    status: str
    coded: int
    codable: int
    percent: float | None


@dataclass(frozen=True)
class ProgressRow:
    transcript: str
    attributes: dict[str, str]
    #: One cell per coder, in :attr:`ProgressReport.coders` order.
    cells: list[ProgressCell]


@dataclass(frozen=True)
class ProgressReport:
    coders: list[Coder]
    rows: list[ProgressRow]
    kind: str = "progress"

    @property
    def notes(self) -> list[str]:
        return [
            "% coded: the share of a transcript's codable segments that carry at least one of the coder's codings."
        ]

    def done(self, coder_index: int) -> int:
        return sum(1 for r in self.rows if r.cells[coder_index].status == "done")


def coding_progress(
    project: Project,
    *,
    coders: Sequence[Coder] | None = None,
    transcripts: Sequence[Transcript] | None = None,
) -> ProgressReport:
    """Status and % coded for every coder and transcript (or only these, a report's scope)."""
    coders = list(project.coders() if coders is None else coders)
    statuses = project.statuses()
    counts = {c.id: coded_codable(project, c.name) for c in coders}
    rows = []
    for t in project.transcripts() if transcripts is None else transcripts:
        cells = []
        for c in coders:
            coded, codable = counts[c.id].get(t.id, (0, 0))
            cells.append(
                ProgressCell(
                    statuses.get((c.id, t.id), "not-started"),
                    coded,
                    codable,
                    percent(coded, codable),
                )
            )
        rows.append(ProgressRow(t.name, dict(t.attributes), cells))
    return ProgressReport(coders, rows)
