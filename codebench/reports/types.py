"""Small plain types shared by the reports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from codebench.models import Code

if TYPE_CHECKING:
    from codebench.reports.tables import Table


@runtime_checkable
class OwnTables(Protocol):
    """A report part that builds its own tables (the agreement section).

    Such a part comes from a library that itself builds on the reports'
    tables, so the reports dispatch to it by this shape rather than import it.
    """

    kind: str

    def data_tables(self, **view: Any) -> list[Table]: ...

    def reading_tables(self, **view: Any) -> list[Table]: ...


@dataclass(frozen=True)
class CodeRef:
    """A code as a report row names it: number, name and place in the tree."""

    id: int
    guid: str
    number: str | None
    name: str
    depth: int
    has_children: bool
    archived: bool = False
    colour: str | None = None

    @property
    def label(self) -> str:
        """``"04.1 Advantages of the mutual ethos"``."""
        return f"{self.number} {self.name}" if self.number else self.name

    @property
    def short(self) -> str:
        """The number, or the name for unnumbered codes (for narrow headers)."""
        return self.number or self.name

    @classmethod
    def of(cls, code: Code, depth: int, has_children: bool) -> CodeRef:
        return cls(
            code.id,
            code.guid,
            code.number,
            code.name,
            depth,
            has_children,
            code.archived,
            code.colour,
        )


def percent(part: int, whole: int) -> float | None:
    """``part`` as a percentage of ``whole`` to one decimal (``None`` when ``whole`` is 0)."""
    return round(100.0 * part / whole, 1) if whole else None
