"""Co-occurrence: how often two codes are applied to the same segment.

``counts[a][b]`` is the number of segments coded with both *a* and *b*
(the diagonal: segments coded with *a*); the matrix is symmetric. With
several coders pooled, *a* may come from one coder and *b* from another.

Normalised variants, each named in the report:

- ``jaccard``: n(a∩b) / n(a∪b) = n_ab / (n_a + n_b − n_ab), 0–1;
- ``c``: the c-coefficient as ATLAS.ti defines it, n12 / (n1 + n2 − n12).
  Counted over segments it is the same number as Jaccard (ATLAS.ti counts
  quotations, which may overlap partly, so its figures can differ);
- ``overlap``: n_ab / min(n_a, n_b), 1 when one code's segments all carry the
  other (useful for a sub-theme inside a broader theme).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from codebench.errors import CodebenchError
from codebench.reports.coded_units import CodedUnits, units_for
from codebench.reports.scope import CoderSelection
from codebench.reports.types import CodeRef

if TYPE_CHECKING:
    from codebench.project import Project

NORMALISATIONS = {
    "jaccard": "Jaccard index: segments with both codes / segments with either",
    "c": "c-coefficient (ATLAS.ti): n12 / (n1 + n2 - n12), over segments",
    "overlap": "overlap coefficient: segments with both / segments with the rarer code",
}


@dataclass(frozen=True)
class CooccurrenceReport:
    selection: CoderSelection
    codes: list[CodeRef]
    counts: list[list[int]]
    #: ``None`` for raw counts, else a key of :data:`NORMALISATIONS`.
    normalise: str | None = None
    #: The normalised matrix (4 decimals; ``None`` where a code has no segments).
    values: list[list[float | None]] | None = None
    kind: str = "cooccurrence"

    @property
    def notes(self) -> list[str]:
        notes = [
            self.selection.note,
            (
                "Cells count segments coded with both codes; the diagonal counts segments coded with the code. "
                "The matrix is symmetric."
            ),
        ]
        if self.normalise:
            notes.append(f"Normalised: {NORMALISATIONS[self.normalise]}.")
        return notes

    def pairs(self) -> list[tuple[CodeRef, CodeRef, int, float | None]]:
        """Code pairs that co-occur (a before b), most frequent first."""
        out = []
        for i, a in enumerate(self.codes):
            for j in range(i + 1, len(self.codes)):
                if self.counts[i][j]:
                    value = self.values[i][j] if self.values is not None else None
                    out.append((a, self.codes[j], self.counts[i][j], value))
        out.sort(key=lambda p: (-p[2], p[0].label, p[1].label))
        return out


def cooccurrence(
    project: Project,
    coders: Sequence[str] | CoderSelection | None = None,
    *,
    normalise: str | None = None,
    units: CodedUnits | None = None,
) -> CooccurrenceReport:
    """Codes × codes by shared segments (see the module docstring)."""
    if normalise is not None and normalise not in NORMALISATIONS:
        raise CodebenchError(
            f"unknown normalisation {normalise!r} (use {', '.join(NORMALISATIONS)})"
        )
    units = units_for(project, coders, units)
    matrix = units.cooccurrence()
    codes = units.report_codes()
    columns = [units.column_of(ref.id) for ref in codes]
    counts = [[int(matrix[a, b]) for b in columns] for a in columns]
    values = None
    if normalise:
        values = [
            [
                _normalised(normalise, counts[i][i], counts[j][j], counts[i][j])
                for j in range(len(codes))
            ]
            for i in range(len(codes))
        ]
    return CooccurrenceReport(units.selection, codes, counts, normalise, values)


def _normalised(method: str, n_a: int, n_b: int, n_ab: int) -> float | None:
    if method in ("jaccard", "c"):
        union = n_a + n_b - n_ab
        return round(n_ab / union, 4) if union else None
    smaller = min(n_a, n_b)
    return round(n_ab / smaller, 4) if smaller else None
