"""The agreement section of the whole report: per-code α with its interval and n, and the rule.

The numbers and tables are the agreement library's own
(:func:`codebench.agreement.report.agreement_report`,
:mod:`codebench.agreement.tables`), so the report shows exactly what
``codebench agreement`` shows. When there is nothing to compare (one coder,
or no transcript two coders both marked done) the section says why instead
of showing an empty table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from codebench.errors import CodebenchError

if TYPE_CHECKING:
    from codebench.project import Project
    from codebench.reports.tables import Table

#: The bootstrap of the report's intervals: a fixed seed, so a rebuilt report is the same.
SEED = 1
REPLICATES = 1000
TITLE = "Inter-coder agreement"


@dataclass(frozen=True)
class AgreementPart:
    """The agreement report (a dict, as :func:`agreement_report` builds it), or why there is none."""

    report: dict[str, Any] | None
    reason: str = ""
    kind: str = "agreement"

    @property
    def notes(self) -> list[str]:
        return [self.reason] if self.reason else []

    def reading_tables(self, **view: Any) -> list[Table]:
        return reading_tables(self, **view)

    def data_tables(self, **view: Any) -> list[Table]:
        return data_tables(self, **view)


def agreement_part(project: Project, coders: Sequence[str] | None) -> AgreementPart:
    """Agreement between ``coders`` (all of them when ``None``), or the reason it cannot be computed."""
    from codebench.agreement.report import agreement_report

    try:
        report = agreement_report(project, coders=coders, bootstrap=REPLICATES, seed=SEED)
    except CodebenchError as error:
        return AgreementPart(None, f"No agreement figures: {str(error).rstrip('.')}.")
    if not report.get("codes"):
        return AgreementPart(
            None,
            "No agreement figures: no transcript has been double coded (marked done by two coders).",
        )
    return AgreementPart(report)


def reading_tables(part: AgreementPart, **_: Any) -> list[Table]:
    """Agreement per code (α with its interval and n; the rule used in its notes) and overall."""
    from codebench.agreement import tables as agreement_tables
    from codebench.reports.tables import Column, Table

    if part.report is None:
        return [
            Table("agreement", TITLE, [Column("note", "Agreement")], [], keys=1, notes=part.notes)
        ]
    wanted = ("codes", "overall")
    return [t for t in agreement_tables.reading_tables(part.report) if t.name in wanted]


def data_tables(part: AgreementPart, **_: Any) -> list[Table]:
    """One number per cell, as ``codebench agreement -o x.xlsx`` writes them (the per-code sheet)."""
    from codebench.agreement import tables as agreement_tables

    if part.report is None:
        return reading_tables(part)
    return [agreement_tables.codes_data(part.report)]
