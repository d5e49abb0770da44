"""The memo report: every memo with where it sits, for a lead to read or hand on (Markdown, DOCX, …).

Memos come from :func:`codebench.coding.memos.memo_entries` in the lead
view, narrowed to the coders asked for (default: every coder, since a
memo is nobody's pooled count); the writers render the one table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from codebench.coding.memos import MemoEntry, memo_entries
from codebench.reports.scope import CoderSelection, describe, select_coders

if TYPE_CHECKING:
    from codebench.project import Project


@dataclass(frozen=True)
class MemoReport:
    selection: CoderSelection
    entries: list[MemoEntry]
    kind: str = "memos"

    @property
    def notes(self) -> list[str]:
        who = ", ".join(c.name for c in self.selection.coders) or "no coders"
        return [f"Memos written by {who}; each names what it sits on."]


def memo_report(
    project: Project,
    coders: Sequence[str] | None = None,
    *,
    transcript: str | None = None,
    code: str | None = None,
    text: str | None = None,
) -> MemoReport:
    """Memos by ``coders`` (names, ``all``; default: every coder), optionally narrowed."""
    selection = select_coders(project, coders) if coders else describe(project.coders())
    if not selection.coders:
        return MemoReport(selection, [])
    names = {c.name for c in selection.coders}
    entries = [
        e
        for e in memo_entries(
            project, selection.coders[0], lead=True, transcript=transcript, code=code, text=text
        )
        if e.author in names
    ]
    return MemoReport(selection, entries)
