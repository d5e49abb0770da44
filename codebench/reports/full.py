"""The whole report: every table a lead needs, computed once, for one HTML page.

Frequencies, codes by each grouping attribute, co-occurrence, the code ×
transcript matrix (for projects small enough to read it), coding progress,
and quotes for the codes asked for. All share one :class:`CodedUnits`, so
the codings are read once.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from codebench.reports.by_attribute import ByAttributeReport, by_attribute
from codebench.reports.coded_units import units_for
from codebench.reports.cooccurrence import CooccurrenceReport, cooccurrence
from codebench.reports.frequencies import FrequencyReport, frequencies_from
from codebench.reports.matrix import MatrixReport, code_matrix
from codebench.reports.progress import ProgressReport, coding_progress
from codebench.reports.quotes import QuoteReport, quotes
from codebench.reports.scope import CoderSelection

if TYPE_CHECKING:
    from codebench.project import Project

#: Attributes with more distinct values than this do not group (dates, names).
MAX_GROUPS = 12
#: The code × transcript matrix joins the report up to this many transcripts.
MAX_MATRIX_TRANSCRIPTS = 40


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
) -> FullReport:
    """Compute every part of the report (see the module docstring).

    ``attributes`` default to those that group the transcripts in scope:
    at least two values, at most :data:`MAX_GROUPS`, fewer than the transcripts.
    """
    units = units_for(project, coders, speakers=True, words=True)
    freq = frequencies_from(units)
    scope = units.in_scope()
    in_scope = [t for t, inside in zip(units.transcripts, scope) if inside]
    extra: list[str] = []
    if attributes is None:
        keys = sorted({k for t in in_scope for k in t.attributes})
        attributes = []
        for key in keys:
            values = {t.attributes.get(key, "") for t in in_scope}
            if 2 <= len(values) <= min(MAX_GROUPS, len(in_scope) - 1):
                attributes.append(key)
    groups = [by_attribute(project, a, units=units, rollup=rollup) for a in attributes]
    matrix = None
    if len(in_scope) <= MAX_MATRIX_TRANSCRIPTS:
        matrix = code_matrix(project, units=units, rollup=rollup)
    else:
        extra.append(
            f"The code × transcript matrix is left out ({len(in_scope)} transcripts); export it with `codebench report matrix`."
        )
    quote_report = (
        quotes(project, quote_codes, units.selection, context=context) if quote_codes else None
    )
    book = project.codebook()
    return FullReport(
        title=title or book.name,
        project=project.path.name,
        generated=generated or _dt.date.today().isoformat(),
        selection=units.selection,
        frequencies=freq,
        by_attribute=groups,
        cooccurrence=cooccurrence(project, units=units, normalise=normalise),
        matrix=matrix,
        progress=coding_progress(project),
        quotes=quote_report,
        rollup=rollup,
        extra_notes=extra,
    )
