"""The whole report: every table a lead needs, computed once, for one HTML page.

Frequencies, codes by each grouping attribute, co-occurrence, the code ×
transcript matrix (for projects small enough to read it), coding progress,
inter-coder agreement (when the caller passes it), and quotes for the codes asked for. All share one
:class:`CodedUnits`, so the codings are read once.

A by-attribute table is left out, with a note saying so and why, when its
attribute does not group the transcripts in scope (:func:`why_not_grouping`:
one value for all, a value per transcript, or too many values) or when it
would be near-empty (:func:`near_empty`): most of its cells blank says
nothing a reader can use, and a page of them buries the tables that do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from codebench.reports.by_attribute import ByAttributeReport, by_attribute
from codebench.reports.coded_units import CodedUnits, units_for
from codebench.reports.cooccurrence import CooccurrenceReport, cooccurrence
from codebench.reports.frequencies import FrequencyReport, frequencies_from
from codebench.reports.matrix import MatrixReport, code_matrix
from codebench.reports.progress import ProgressReport, coding_progress
from codebench.reports.quotes import QuoteReport, quotes
from codebench.reports.reproducible import data_date
from codebench.reports.scope import CoderSelection
from codebench.wording import plural

if TYPE_CHECKING:
    from codebench.project import Project
    from codebench.reports.agreement_part import AgreementPart

#: Attributes with more distinct values than this do not group (dates, names).
MAX_GROUPS = 12
#: The code × transcript matrix joins the report up to this many transcripts.
MAX_MATRIX_TRANSCRIPTS = 40
#: A by-attribute table with fewer filled cells than this share (among codes coded anywhere) is near-empty.
NEAR_EMPTY_SHARE = 0.25


@dataclass(frozen=True)
class FullReport:
    title: str
    project: str
    generated: str
    selection: CoderSelection
    frequencies: FrequencyReport
    by_attribute: list[ByAttributeReport]
    cooccurrence: CooccurrenceReport
    matrix: MatrixReport | None
    progress: ProgressReport
    quotes: QuoteReport | None = None
    agreement: AgreementPart | None = None
    rollup: bool = True
    kind: str = "report"
    extra_notes: list[str] = field(default_factory=list)

    @property
    def notes(self) -> list[str]:
        return [*self.frequencies.notes, *self.extra_notes]

    def parts(self) -> list[object]:
        """The sub-reports, in page order."""
        found: list[object] = [self.frequencies, *self.by_attribute, self.cooccurrence]
        if self.matrix is not None:
            found.append(self.matrix)
        found.append(self.progress)
        if self.agreement is not None:
            found.append(self.agreement)
        if self.quotes is not None:
            found.append(self.quotes)
        return found


def full_report(
    project: Project,
    coders: Sequence[str] | CoderSelection | None = None,
    *,
    attributes: Sequence[str] | None = None,
    quote_codes: Sequence[str] | None = None,
    context: bool = False,
    normalise: str = "jaccard",
    rollup: bool = True,
    title: str | None = None,
    generated: str | None = None,
    agreement: AgreementPart | None = None,
    units: CodedUnits | None = None,
    keep_segments: Sequence[int] | None = None,
    scope_options: str = "",
) -> FullReport:
    """Compute every part of the report (see the module docstring).

    ``attributes`` default to those that group the transcripts in scope:
    at least two values, at most :data:`MAX_GROUPS`, fewer than the transcripts
    (:func:`why_not_grouping`); of those, near-empty tables are left out. Each
    attribute left out is named in the notes, with why. Attributes
    asked for by name are always shown. ``agreement`` is the agreement section
    (:func:`codebench.reports.agreement_part.agreement_part`), computed by the
    caller: the agreement library builds on the reports' tables, so the reports
    do not call it. ``units`` (with speakers and words) and ``keep_segments``
    are a scope's (:func:`codebench.analysis.scope.report_units`,
    :func:`~codebench.analysis.scope.speaker_segments`): every table counts
    only its transcripts, coders and speakers, and the quotes likewise.
    ``scope_options`` is that scope as command-line options
    (:meth:`~codebench.analysis.scope.ScopeSpec.as_options`), carried by the
    command a note suggests for a table the page leaves out.
    """
    scoped = units is not None
    units = units_for(project, coders, units, speakers=True, words=True)
    freq = frequencies_from(units)
    scope = units.in_scope()
    in_scope = [t for t, inside in zip(units.transcripts, scope) if inside]
    extra: list[str] = []
    keys = sorted({k for t in in_scope for k in t.attributes})
    chosen = attributes is None
    if attributes is None:
        attributes = []
        for key in keys:
            values = {t.attributes.get(key, "") for t in in_scope}
            reason = why_not_grouping(len(values), len(in_scope))
            if reason:
                extra.append(_left_out(key, reason, scope_options))
            else:
                attributes.append(key)
    groups = [by_attribute(project, a, units=units, rollup=rollup) for a in attributes]
    if chosen:
        for table in list(groups):
            reason = near_empty(table)
            if reason:
                groups.remove(table)
                extra.append(_left_out(table.attribute, reason, scope_options))
    matrix = None
    if len(in_scope) <= MAX_MATRIX_TRANSCRIPTS:
        matrix = code_matrix(project, units=units, rollup=rollup)
    else:
        extra.append(
            f"The code × transcript matrix is left out ({plural(len(in_scope), 'transcript')}); export it with `codebench report matrix`."
        )
    quote_report = (
        quotes(
            project,
            quote_codes,
            units.selection,
            context=context,
            transcripts=in_scope,
            keep_segments=keep_segments,
        )
        if quote_codes
        else None
    )
    book = project.codebook()
    return FullReport(
        title=title or book.name,
        project=project.path.name,
        generated=generated or data_date(project),
        selection=units.selection,
        frequencies=freq,
        by_attribute=groups,
        cooccurrence=cooccurrence(project, units=units, normalise=normalise),
        matrix=matrix,
        progress=coding_progress(project, transcripts=in_scope if scoped else None),
        quotes=quote_report,
        agreement=agreement,
        rollup=rollup,
        extra_notes=extra,
    )


def _left_out(attribute: str, reason: str, scope_options: str = "") -> str:
    """The note for a by-attribute table the page leaves out: which, why, and how to get it
    (with the page's scope, so the table it suggests counts what the page counts)."""
    import shlex

    command = f"codebench report by-attribute --attribute {shlex.quote(attribute)}"
    return (
        f"Codes by {attribute} is left out: {reason}; export it with"
        f" `{' '.join(filter(None, [command, scope_options]))}`."
    )


def why_not_grouping(values: int, transcripts: int) -> str | None:
    """Why an attribute with ``values`` distinct values over ``transcripts`` does not group them.

    ``None`` when it groups: at least two values, fewer than the transcripts
    (else every group is one interview, which the matrix already shows) and
    at most :data:`MAX_GROUPS` (dates and names rarely repeat, and a wider
    table does not read). A transcript without the attribute counts as one
    more value (blank).
    """
    if transcripts < 2:
        return f"only {plural(transcripts, 'transcript')} is in scope"
    if values < 2:
        return f"all {plural(transcripts, 'transcript')} in scope have the same value"
    if values >= transcripts:
        return f"each of the {plural(transcripts, 'transcript')} in scope has its own value"
    if values > MAX_GROUPS:
        return f"it has {plural(values, 'distinct value')}, more than the {MAX_GROUPS} a table groups by"
    return None


def near_empty(report: ByAttributeReport) -> str | None:
    """Why ``report`` is too empty to print, or ``None``.

    Near-empty: at most one group holds a coded transcript, or, among the codes
    coded anywhere, fewer than :data:`NEAR_EMPTY_SHARE` of code × group cells
    hold one (each group's transcripts are then mostly a single interview).
    """
    used = [row for row in report.rows if any(c.transcripts for c in row.cells)]
    if not used:
        return "no code is coded in any of its groups"
    filled_groups = sum(
        1 for g in range(len(report.groups)) if any(row.cells[g].transcripts for row in used)
    )
    if filled_groups <= 1:
        return f"only {filled_groups} of its {plural(len(report.groups), 'group')} holds a coded transcript"
    cells = len(used) * len(report.groups)
    filled = sum(1 for row in used for c in row.cells if c.transcripts)
    if filled < NEAR_EMPTY_SHARE * cells:
        return f"{filled} of its {plural(cells, 'cell')} (codes × {plural(len(report.groups), 'group')}) hold a coded transcript"
    return None
