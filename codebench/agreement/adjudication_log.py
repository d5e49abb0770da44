"""The adjudication log: every decision, by whom and when, on which raters' codes, with the reason.

A methods section (and a reviewer) asks how disagreements were settled;
the log answers from the ``consensus.decide`` events, so it is the same in
every front end and needs no table of its own. By default every decision
that still holds for some code (two decisions on one segment on different
codes both hold); with ``history`` every decision, replaced ones marked.
The rows become one report :class:`~codebench.reports.tables.Table`, so the
report writers give CSV, XLSX, Markdown, HTML and Word.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from codebench.agreement.consensus import (
    DEFAULT_CONSENSUS,
    consensus_coder,
    decision_history,
    effective,
)
from codebench.errors import NotFound
from codebench.models import Transcript
from codebench.wording import plural

if TYPE_CHECKING:
    from codebench.project import Project
    from codebench.reports.tables import Table


@dataclass(frozen=True)
class LogRow:
    """One decision, as the log shows it."""

    decided_at: str
    decided_by: str
    transcript: str
    segment: int
    code: str
    """The disagreement the decider opened (the decision also settles the segment's codes no earlier decision settled)."""
    number: str
    """That code's number (its name if it has none), for narrow displays."""
    choice: str
    """The choice in words ("accepted bob", "kept the majority's codes")."""
    raters: str
    """Each rater's codes: ``alice: 04.1, 08; bob: 04.2``."""
    result: str
    """The consensus's codes on the segment right after the decision."""
    reason: str
    current: bool
    """False when later decisions on the segment replaced this one for every code it settled."""


def decision_log(
    project: Project,
    consensus_name: str = DEFAULT_CONSENSUS,
    *,
    history: bool = False,
    transcripts: Sequence[Transcript] | None = None,
) -> list[LogRow]:
    """The decisions for the consensus coder ``consensus_name``, oldest first.

    With ``transcripts`` only the decisions on them (a round's sample). Before
    any adjudication (no consensus coder of the default name yet) the log is
    empty; a consensus coder named otherwise must exist (a typo is an error).
    """
    try:
        gold = consensus_coder(project, consensus_name, create=False)
    except NotFound:
        if consensus_name != DEFAULT_CONSENSUS:
            raise
        return []
    labels: dict[str, str] = {}

    def label(guid: str) -> str:
        if guid not in labels:
            try:
                code = project.code(guid)
            except NotFound:  # a code deleted since the decision
                labels[guid] = guid
            else:
                labels[guid] = code.number or code.name
        return labels[guid]

    def codes(guids: Any) -> str:
        return ", ".join(sorted((label(g) for g in guids), key=_code_order)) or "—"

    entries = decision_history(project, gold)
    if transcripts is not None:
        keep = {t.guid for t in transcripts}
        entries = [(d, payload) for d, payload in entries if payload["transcript"] in keep]
    holding = set(effective((d.event_id, payload) for d, payload in entries).values())
    rows: list[LogRow] = []
    for decision, payload in entries:
        current = decision.event_id in holding
        if not history and not current:
            continue
        by_coder = payload.get("codes_by_coder")
        if by_coder is None:  # a pairwise decision logged before three or more raters
            names = list(payload.get("coders") or ["A", "B"])
            by_coder = dict(zip(names, (payload.get("codes_a", []), payload.get("codes_b", []))))
        rows.append(
            LogRow(
                decided_at=decision.at,
                decided_by=decision.decider,
                transcript=str(payload.get("transcript_name", "")),
                segment=int(payload.get("segment", -1)),
                code=str(payload.get("code_label", "")),
                number=label(str(payload["code"])) if payload.get("code") else "",
                choice=decision.text,
                raters="; ".join(f"{name}: {codes(g)}" for name, g in by_coder.items()),
                result=codes(decision.result),
                reason=decision.reason,
                current=current,
            )
        )
    return rows


def _code_order(label: str) -> tuple[Any, ...]:
    """Code numbers in codebook order ("4.10" after "4.9"), names after numbers."""
    parts = label.split(".")
    if all(p.isdigit() for p in parts):
        return (0, *(int(p) for p in parts))
    return (1, label)


#: The columns a terminal shows first (the rest are left out, and named, when they do not fit).
TERMINAL_COLUMNS = (
    "transcript",
    "segment",
    "number",
    "choice",
    "result",
    "reason",
    "decided_by",
    "decided_at",
)


def log_table(rows: list[LogRow], *, history: bool = False) -> Table:
    """The log as a report table (every table format then works)."""
    from codebench.reports.tables import Column, Table

    columns = [
        Column("decided_at", "Decided at"),
        Column("decided_by", "Decided by"),
        Column("transcript", "Transcript"),
        Column("segment", "Segment", "int"),
        Column("code", "Disagreement on"),
        Column("choice", "Decision"),
        Column("raters", "Raters' codes"),
        Column("result", "Consensus codes"),
        Column("reason", "Reason"),
    ]
    if history:
        columns.append(Column("current", "Current"))
    cells = []
    for row in rows:
        cell = asdict(row)
        cell["current"] = "yes" if row.current else "replaced"
        cells.append(cell)
    decided = sum(1 for r in rows if r.current)
    segments = len({(r.transcript, r.segment) for r in rows if r.current})
    notes = [
        "A decision settles the code it was opened on and every other code of the segment no "
        "earlier decision settled; a code keeps its own decision until one is opened on it. The "
        "raters are the coders who rated the segment by the study design.",
        f"{plural(decided, 'decision')} in force on {plural(segments, 'segment')}"
        + (f"; {plural(len(rows) - decided, 'earlier decision')} replaced." if history else "."),
    ]
    return Table(
        name="adjudication_log",
        title="Adjudication log",
        columns=columns,
        rows=cells,
        keys=4,
        notes=notes,
    )
