"""The agreement section of the whole report: per-code α with its interval and n, and the rule.

The numbers and tables are the agreement library's own
(:func:`codebench.agreement.report.agreement_report`,
:mod:`codebench.agreement.tables`), so the report shows exactly what
``codebench agreement`` shows. When there is nothing to compare (one coder,
or no transcript two coders both marked done) the section says why instead
of showing an empty table.

Under a report's scope (:class:`codebench.analysis.scope.Scope`) the
figures are the scope's: a round's are the round's own report (frozen when
it closed); ``--where`` and ``--transcripts`` compare only the transcripts
in scope (with a round, those of its sample), between the coders asked for
(a round's coders under ``--round``). A speaker scope cannot narrow
agreement, whose units are every codable segment of a transcript; the
section says so, and names the scope it was computed on in any case.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from codebench.errors import CodebenchError

if TYPE_CHECKING:
    from codebench.analysis.scope import Scope
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
    #: Which scope the figures were computed on (empty: the whole project).
    scope_note: str = ""

    @property
    def notes(self) -> list[str]:
        return [n for n in (self.scope_note, self.reason) if n]

    def reading_tables(self, **view: Any) -> list[Table]:
        return reading_tables(self, **view)

    def data_tables(self, **view: Any) -> list[Table]:
        return data_tables(self, **view)


def agreement_part(
    project: Project, coders: Sequence[str] | None, scope: Scope | None = None
) -> AgreementPart:
    """Agreement between ``coders`` (all of them when ``None``) on ``scope`` (the whole
    project when ``None``; see the module docstring), or the reason it cannot be computed."""
    from codebench.agreement.reliability_data import extract_units
    from codebench.agreement.report import agreement_report, build_report

    note = "" if scope is None else scope_note(scope)
    try:
        if scope is None or (scope.everything and not scope.spec.round):
            report = agreement_report(project, coders=coders, bootstrap=REPLICATES, seed=SEED)
        elif scope.spec.round and not scope.conditions and not scope.spec.transcripts:
            report = agreement_report(
                project, coders=coders, bootstrap=REPLICATES, seed=SEED, round=scope.spec.round[0]
            )
        else:
            compared = [c.name for c in scope.selection.coders] if scope.spec.round else coders
            units = extract_units(project, coders=compared, transcripts=scope.transcripts)
            report = build_report(
                units, bootstrap=REPLICATES, seed=SEED, project_name=project.path.name
            )
    except CodebenchError as error:
        return AgreementPart(
            None, f"No agreement figures: {str(error).rstrip('.')}.", scope_note=note
        )
    if not report.get("codes"):
        return AgreementPart(
            None,
            "No agreement figures: no transcript in scope has been double coded "
            "(marked done by two coders).",
            scope_note=note,
        )
    return AgreementPart(report, scope_note=note)


def scope_note(scope: Scope) -> str:
    """Which transcripts the agreement figures compare, said plainly in the section."""
    parts = [n for n in scope.notes[1:] if n.startswith(("Round ", "Scope:"))]
    if scope.everything and not scope.spec.round:
        said = "Agreement is computed on every transcript (the report's scope keeps them all)."
    else:
        said = " ".join(["Agreement is computed on the report's scope only.", *parts])
    if scope.restricts_speakers:
        said += (
            " The speaker scope does not narrow it: agreement compares every codable"
            " segment of the transcripts in scope, whoever speaks."
        )
    return said


def reading_tables(part: AgreementPart, **_: Any) -> list[Table]:
    """Agreement per code (α with its interval and n; the rule used in its notes) and overall."""
    from codebench.agreement import tables as agreement_tables
    from codebench.reports.tables import Column, Table

    if part.report is None:
        return [
            Table("agreement", TITLE, [Column("note", "Agreement")], [], keys=1, notes=part.notes)
        ]
    wanted = ("codes", "overall")
    return _with_scope(
        part, [t for t in agreement_tables.reading_tables(part.report) if t.name in wanted]
    )


def _with_scope(part: AgreementPart, tables: list[Table]) -> list[Table]:
    """``tables`` with the scope's note first on the first of them."""
    if part.scope_note and tables:
        tables[0].notes = [part.scope_note, *tables[0].notes]
    return tables


def data_tables(part: AgreementPart, **_: Any) -> list[Table]:
    """One number per cell, as ``codebench agreement -o x.xlsx`` writes them (the per-code sheet)."""
    from codebench.agreement import tables as agreement_tables

    if part.report is None:
        return reading_tables(part)
    return _with_scope(part, [agreement_tables.codes_data(part.report)])
