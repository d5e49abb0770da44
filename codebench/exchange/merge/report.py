"""What a team merge reports: per source file, what was added, kept, updated, in conflict or refused.

Kept apart from the merge steps so front ends (the CLI, the JSONL import)
can read and print reports without the machinery that fills them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from codebench.errors import CodebenchError

#: What a merge counts, in report order.
KINDS = (
    "settings",
    "coders",
    "codes",
    "transcripts",
    "attributes",
    "segments",
    "codings",
    "memos",
    "statuses",
    "speakers",
    "assignments",
    "samples",
    "rounds",
    "framework",
    "relations",
    "queries",
    "reviews",
    "events",
)

#: How many added names a report line lists before "and N more".
_SHOW = 8


class MergeRefused(CodebenchError):
    """A source file cannot be merged (its message says why); the target is unchanged."""


@dataclass
class SourceReport:
    """What merging one source file added, kept, and found in conflict."""

    path: Path
    added: Counter[str] = field(default_factory=Counter)
    #: Memos and statuses whose newer value was taken from the source.
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    #: Differences resolved in the target's favour (or by a rule), one line each.
    conflicts: list[str] = field(default_factory=list)
    #: Names of what was added, per kind (codes, coders, transcripts).
    added_names: dict[str, list[str]] = field(default_factory=dict)
    #: Other things worth knowing (a status taken from the source, an upgraded copy used, …).
    notes: list[str] = field(default_factory=list)
    #: Why the source was refused (nothing merged), or ``None``.
    refused: str | None = None

    @property
    def changed(self) -> bool:
        return self.refused is None and bool(+self.added or +self.updated)

    def lines(self) -> list[str]:
        """The report as plain text lines (the CLI prints these)."""
        if self.refused is not None:
            return [f"{self.path}: REFUSED, nothing merged", f"  {self.refused}"]
        out = [f"{self.path}:"]
        for kind in KINDS:
            parts = []
            if self.added[kind]:
                parts.append(f"{self.added[kind]} added")
            if self.updated[kind]:
                parts.append(f"{self.updated[kind]} updated")
            if self.unchanged[kind]:
                parts.append(f"{self.unchanged[kind]} unchanged")
            if parts:
                out.append(f"  {kind:<12} {', '.join(parts)}")
        if not +self.added and not +self.updated:
            out.append("  nothing new")
        for kind, names in self.added_names.items():
            shown = ", ".join(names[:_SHOW])
            more = f" and {len(names) - _SHOW} more" if len(names) > _SHOW else ""
            out.append(f"  {kind} added: {shown}{more}")
        out += [f"  conflict: {line}" for line in self.conflicts]
        out += [f"  note: {line}" for line in self.notes]
        return out


@dataclass
class MergeReport:
    """The outcome of :func:`codebench.exchange.merge.run.merge`: one :class:`SourceReport` per source, in order."""

    target: Path
    dry_run: bool = False
    sources: list[SourceReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no source was refused."""
        return all(s.refused is None for s in self.sources)

    @property
    def changed(self) -> bool:
        return any(s.changed for s in self.sources)

    def totals(self) -> Counter[str]:
        """Records added over all sources."""
        total: Counter[str] = Counter()
        for source in self.sources:
            if source.refused is None:
                total.update(source.added)
        return total

    def lines(self) -> list[str]:
        head = f"{'Dry run: would merge' if self.dry_run else 'Merged'} into {self.target}"
        out = [head]
        for source in self.sources:
            out += source.lines()
        refused = sum(1 for s in self.sources if s.refused is not None)
        totals = self.totals()
        summary = ", ".join(f"{totals[k]} {k}" for k in KINDS if totals[k]) or "nothing"
        verb = "would add" if self.dry_run else "added"
        out.append(f"{len(self.sources) - refused} merged, {refused} refused; {verb} {summary}")
        return out
