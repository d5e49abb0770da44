"""Codes by attribute: theme counts broken down by a transcript attribute.

Codes × values of one attribute (role, organisation, sector, stage): in how
many of each group's transcripts the code occurs, as a count and as a share
of the group, with coded segments and codings (NVivo's matrix coding
query, MAXQDA's code matrix browser). Groups hold the transcripts in scope
(see :meth:`CodedUnits.in_scope`); a transcript without the attribute
falls in the group :data:`NOT_SET`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from codebench.errors import NotFound
from codebench.reports.coded_units import CodedUnits, units_for
from codebench.reports.scope import GROUP_N_RULE, CoderSelection
from codebench.reports.types import CodeRef, percent

if TYPE_CHECKING:
    from codebench.project import Project

NOT_SET = "(not set)"


@dataclass(frozen=True)
class AttributeGroup:
    """The transcripts sharing one value of the attribute."""

    value: str
    transcripts: int


@dataclass(frozen=True)
class GroupCounts:
    """One code in one group."""

    transcripts: int
    percent: float | None
    segments: int
    codings: int


@dataclass(frozen=True)
class ByAttributeRow:
    code: CodeRef
    #: One entry per group, in :attr:`ByAttributeReport.groups` order.
    cells: list[GroupCounts]


@dataclass(frozen=True)
class ByAttributeReport:
    selection: CoderSelection
    attribute: str
    groups: list[AttributeGroup]
    rows: list[ByAttributeRow]
    rollup: bool
    kind: str = "by-attribute"

    @property
    def notes(self) -> list[str]:
        sizes = ", ".join(f"{g.value} {g.transcripts}" for g in self.groups)
        notes = [
            self.selection.note,
            (
                f"Groups are the transcripts in scope ({GROUP_N_RULE}) by {self.attribute}: {sizes}. "
                "Percentages are of the transcripts in each group."
            ),
        ]
        if self.rollup:
            notes.append(
                "Parent codes include their sub-codes (a transcript or segment counts once)."
            )
        return notes


def attribute_keys(project: Project) -> list[str]:
    """Every attribute name used by a transcript, sorted."""
    return sorted({key for t in project.transcripts() for key in t.attributes})


def by_attribute(
    project: Project,
    attribute: str,
    coders: Sequence[str] | CoderSelection | None = None,
    *,
    rollup: bool = True,
    units: CodedUnits | None = None,
) -> ByAttributeReport:
    """Codes × values of ``attribute`` (see the module docstring)."""
    import numpy as np

    units = units_for(project, coders, units)
    keys = sorted({key for t in units.transcripts for key in t.attributes})
    match = [k for k in keys if k.casefold() == attribute.strip().casefold()]
    if not match:
        raise NotFound(f"no attribute {attribute!r} (attributes: {', '.join(keys) or 'none yet'})")
    attribute = match[0]
    scope = units.in_scope()
    values = [t.attributes.get(attribute, "").strip() or NOT_SET for t in units.transcripts]
    names = sorted(
        {v for v, s in zip(values, scope) if s}, key=lambda v: (v == NOT_SET, v.casefold())
    )
    member = np.array(
        [[v == name and bool(s) for v, s in zip(values, scope)] for name in names], dtype=bool
    ).reshape(len(names), len(values))
    codings = units.codings_matrix(rollup)
    present = (codings > 0).astype(np.int64)
    segments = units.segments_per_transcript(rollup)
    group_transcripts = member.astype(np.int64) @ present
    group_segments = member.astype(np.int64) @ segments
    group_codings = member.astype(np.int64) @ codings
    sizes = member.sum(axis=1)
    groups = [AttributeGroup(name, int(size)) for name, size in zip(names, sizes)]
    rows = []
    for ref in units.report_codes():
        c = units.column_of(ref.id)
        cells = [
            GroupCounts(
                int(group_transcripts[g, c]),
                percent(int(group_transcripts[g, c]), int(sizes[g])),
                int(group_segments[g, c]),
                int(group_codings[g, c]),
            )
            for g in range(len(names))
        ]
        rows.append(ByAttributeRow(ref, cells))
    return ByAttributeReport(units.selection, attribute, groups, rows, rollup)
