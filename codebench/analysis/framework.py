"""The framework matrix: cases × themes, each cell the lead's summary and its passages.

The Framework Method charts the data into a matrix, a row per case and a
column per theme, each cell a short summary written by the analyst with
references to the passages it rests on. Here a case is a transcript or a
participant (``TRANSCRIPT/SPEAKER``, :mod:`codebench.participants`) and a
theme is a code. The summaries are stored in the project
(``framework_cells``); the passages are not: a cell's passages are the
case's coded passages of the code (the reports' passages,
:func:`codebench.reports.quotes.quotes`, exactly that code, by the coders
counted, the coders' overlapping passages made one by
:func:`codebench.analysis.passages_merge.merge_overlapping`, as a query
counts them), read each time, so they follow the coding as it changes.

Writing a summary is one transaction and one ``framework.set`` event that
carries the text before and after.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from codebench.errors import CodebenchError, NotFound
from codebench.participants import SEPARATOR, find_participant, participants
from codebench.reports.quotes import Quote, quotes
from codebench.reports.scope import CoderSelection, select_coders
from codebench.reports.tables import Column, Table
from codebench.reports.types import CodeRef
from codebench.safety import safe_text
from codebench.store import events as event_sql
from codebench.store import participants as participant_sql
from codebench.wording import plural

if TYPE_CHECKING:
    from codebench.models import Transcript
    from codebench.project import Project

#: What a framework matrix takes as its cases.
CASES = ("transcripts", "participants")
#: The longest summary accepted, in characters.
MAX_SUMMARY = 20_000


@dataclass(frozen=True)
class FrameworkCase:
    """A row of the matrix: a transcript, or a participant in one."""

    transcript: Transcript
    speaker: str | None = None

    @property
    def name(self) -> str:
        return (
            self.transcript.name
            if self.speaker is None
            else f"{self.transcript.name}{SEPARATOR}{self.speaker}"
        )


@dataclass(frozen=True)
class FrameworkCell:
    """One case under one theme."""

    summary: str
    #: The case's passages of the code, in transcript order.
    passages: list[Quote] = field(default_factory=list)
    updated_by: str | None = None
    updated_at: str | None = None


@dataclass(frozen=True)
class FrameworkReport:
    selection: CoderSelection
    cases: str
    rows: list[FrameworkCase]
    codes: list[CodeRef]
    #: ``cells[case][code]``, in :attr:`rows` × :attr:`codes` order.
    cells: list[list[FrameworkCell]]
    kind: str = "framework"

    def each_cell(self) -> Iterator[tuple[FrameworkCase, CodeRef, FrameworkCell]]:
        """Every cell with its case and theme, case by case, in theme order."""
        for case, line in zip(self.rows, self.cells):
            for code, cell in zip(self.codes, line):
                yield case, code, cell

    @property
    def notes(self) -> list[str]:
        written = sum(1 for row in self.cells for cell in row if cell.summary)
        total = len(self.rows) * len(self.codes)
        return [
            self.selection.note,
            (
                f"Framework matrix: {plural(len(self.rows), self.cases[:-1])} × {plural(len(self.codes), 'theme')}; "
                f"{written} of {plural(total, 'cell')} summarised. A cell's passages are the case's "
                "passages coded with that code (sub-codes have columns of their own)."
            ),
        ]


def resolve_case(project: Project, name: str) -> FrameworkCase:
    """``int1`` (a transcript) or ``fg1/P2`` (a participant with codable turns)."""
    text = name.strip()
    if not text:
        raise CodebenchError("name a case: a transcript, or TRANSCRIPT/SPEAKER for a participant")
    try:
        return FrameworkCase(project.transcript(text))
    except NotFound:
        if SEPARATOR not in text:
            raise
    found = find_participant(project, text)
    if not found.codable:
        # The participants matrix has a row per participant with codable turns; an
        # interviewer's summary would be written to a row no matrix shows.
        raise CodebenchError(
            f"{found.transcript.name}{SEPARATOR}{found.speaker}: none of {found.speaker}'s turns "
            "are codable (an interviewer's), so it is not a case of the framework matrix"
        )
    return FrameworkCase(found.transcript, found.speaker)


def set_summary(
    project: Project, case: str, code: str, summary: str, coder: str | None = None
) -> FrameworkCell:
    """Write (an empty ``summary``: clear) the summary of ``case`` under ``code``."""
    from codebench.ids import now

    where = resolve_case(project, case)
    theme = project.code(code)
    text = safe_text(summary).strip()
    if len(text) > MAX_SUMMARY:
        raise CodebenchError(
            f"the summary is {plural(len(text), 'character')} (at most {MAX_SUMMARY:,})"
        )
    who = project.coder(coder, create=True) if coder else None
    speaker = where.speaker or ""
    at = now()
    with project.transaction():
        before = participant_sql.framework_summary(
            project.db, where.transcript.id, speaker, theme.id
        )
        participant_sql.set_framework_summary(
            project.db, where.transcript.id, speaker, theme.id, text, who.id if who else None, at
        )
        event_sql.log(
            project.db,
            "framework.set",
            {
                "case": where.name,
                "transcript": where.transcript.guid,
                "speaker": where.speaker,
                "code": theme.guid,
                "before": before,
                "after": text or None,
            },
            coder_id=who.id if who else None,
            transcript_id=where.transcript.id,
        )
    return FrameworkCell(text, [], who.name if who else None, at)


def framework_matrix(
    project: Project,
    coders: Sequence[str] | CoderSelection | None = None,
    *,
    cases: str = "transcripts",
    codes: Sequence[str] | None = None,
    only: Sequence[str] | None = None,
) -> FrameworkReport:
    """The matrix (see the module docstring): ``codes`` picks the themes, ``only`` the cases."""
    if cases not in CASES:
        raise CodebenchError(f"cases are {' or '.join(CASES)}, not {cases!r}")
    selection = coders if isinstance(coders, CoderSelection) else select_coders(project, coders)
    # Merged: one passage per run of talk anyone coded, as a query counts them.
    report = quotes(project, list(codes) if codes else None, selection, subcodes=False)
    pooled = report.quotes
    themes = [c for c in report.codes if not c.archived or any(q.code.id == c.id for q in pooled)]
    if only:
        picked: dict[tuple[int, str | None], FrameworkCase] = {}
        for name in only:
            found = resolve_case(project, name)
            picked.setdefault((found.transcript.id, found.speaker), found)
        rows = list(picked.values())
        if cases == "transcripts" and any(r.speaker for r in rows):
            cases = "participants"
    elif cases == "transcripts":
        rows = [FrameworkCase(t) for t in project.transcripts()]
    else:
        rows = [
            FrameworkCase(p.transcript, p.speaker) for p in participants(project, codable_only=True)
        ]
    if cases == "participants" and any(r.speaker is None for r in rows):
        raise CodebenchError(
            "a participants matrix takes participants (TRANSCRIPT/SPEAKER) as cases"
        )
    index = {(r.transcript.id, r.speaker): i for i, r in enumerate(rows)}
    column = {c.id: j for j, c in enumerate(themes)}
    passages: list[list[list[Quote]]] = [[[] for _ in themes] for _ in rows]
    by_name = {r.transcript.name: r.transcript for r in rows}
    voices: dict[int, list[str | None]] = {}
    for quote in pooled:
        t = by_name.get(quote.transcript)
        if t is None or quote.code.id not in column:
            continue
        j = column[quote.code.id]
        if cases == "transcripts":
            i = index.get((t.id, None))
            if i is not None:
                passages[i][j].append(quote)
            continue
        if t.id not in voices:
            voices[t.id] = [s.speaker for s in project.segments(t)]
        spoken = voices[t.id][max(quote.first_segment, 0) : quote.last_segment + 1]
        for speaker in dict.fromkeys(s for s in spoken if s):
            i = index.get((t.id, speaker))
            if i is not None:
                passages[i][j].append(quote)
    written = {
        (r["transcript_id"], r["speaker"] or None, r["code_id"]): r
        for r in participant_sql.framework_cells(project.db)
    }
    cells = []
    for i, case in enumerate(rows):
        line = []
        for j, theme in enumerate(themes):
            saved = written.get((case.transcript.id, case.speaker, theme.id))
            line.append(
                FrameworkCell(
                    saved["summary"] if saved else "",
                    passages[i][j],
                    saved["updated_by"] if saved else None,
                    saved["updated_at"] if saved else None,
                )
            )
        cells.append(line)
    return FrameworkReport(selection, cases, rows, themes, cells)


# ---------------------------------------------------------------------- tables
def _locations(cell: FrameworkCell) -> str:
    """``"9; 100–102"``: the segments of a cell's passages (the row names the transcript)."""
    return "; ".join(
        str(q.first_segment)
        if q.first_segment == q.last_segment
        else f"{q.first_segment}\u2013{q.last_segment}"
        for q in cell.passages
    )


#: A cell's theme, as every table names it.
THEME_COLUMNS = [Column("code", "Code"), Column("name", "Theme")]
#: What a cell holds: its summary, how many passages and where they are.
CELL_COLUMNS = [
    Column("summary", "Summary"),
    Column("passages", "Passages", "int"),
    Column("where", "Segments"),
]


def _theme(code: CodeRef) -> dict[str, Any]:
    """The :data:`THEME_COLUMNS` cells of ``code``."""
    return {"code": code.number or "", "name": code.name}


def _cell_fields(cell: FrameworkCell) -> dict[str, Any]:
    """The :data:`CELL_COLUMNS` cells of ``cell``."""
    return {"summary": cell.summary, "passages": len(cell.passages), "where": _locations(cell)}


def matrix_table(report: FrameworkReport) -> Table:
    """Cases × themes, a cell's summary and where its passages are (a spreadsheet's sheet)."""
    columns = [
        Column("case", "Case"),
        *[Column(f"c{j}", code.label) for j, code in enumerate(report.codes)],
    ]
    rows = []
    for case, line in zip(report.rows, report.cells):
        row: dict[str, Any] = {"case": case.name}
        for j, cell in enumerate(line):
            parts = [cell.summary] if cell.summary else []
            if cell.passages:
                parts.append(
                    f"[{plural(len(cell.passages), 'passage')}, segments {_locations(cell)}]"
                )
            row[f"c{j}"] = "\n".join(parts)
        rows.append(row)
    return Table(
        "framework",
        f"Framework matrix ({report.selection.label})",
        columns,
        rows,
        keys=1,
        notes=list(report.notes),
    )


def case_tables(report: FrameworkReport) -> list[Table]:
    """One table per case: each theme with a summary or a passage, its summary and passages."""
    tables = []
    for case, line in zip(report.rows, report.cells):
        rows = [
            {**_theme(code), **_cell_fields(cell)}
            for code, cell in zip(report.codes, line)
            if cell.summary or cell.passages
        ]
        if not rows:
            continue
        tables.append(
            Table(
                f"case {case.name}",
                f"{case.name}",
                [*THEME_COLUMNS, *CELL_COLUMNS],
                rows,
                keys=2,
            )
        )
    return tables


def passages_table(report: FrameworkReport) -> Table:
    """Every cell's passages, keyed to the cell by case and code (the summaries' evidence)."""
    rows = [
        {
            "case": case.name,
            **_theme(code),
            "location": quote.location,
            "speaker": quote.speaker or "",
            "coders": ", ".join(quote.coders),
            "text": quote.text,
        }
        for case, code, cell in report.each_cell()
        for quote in cell.passages
    ]
    return Table(
        "framework passages",
        f"Passages behind each cell ({report.selection.label})",
        [
            Column("case", "Case"),
            *THEME_COLUMNS,
            Column("location", "Where"),
            Column("speaker", "Speaker"),
            Column("coders", "Coders"),
            Column("text", "Passage"),
        ],
        rows,
        keys=3,
    )


def cells_table(report: FrameworkReport) -> Table:
    """One row per cell (tidy: CSV), summary and passage count, written or not."""
    rows = [
        {
            "case": case.name,
            **_theme(code),
            **_cell_fields(cell),
            "updated_by": cell.updated_by or "",
            "updated_at": cell.updated_at or "",
        }
        for case, code, cell in report.each_cell()
    ]
    return Table(
        "framework cells",
        f"Framework matrix, one row per cell ({report.selection.label})",
        [
            Column("case", "Case"),
            *THEME_COLUMNS,
            *CELL_COLUMNS,
            Column("updated_by", "Written by"),
            Column("updated_at", "Written at"),
        ],
        rows,
        keys=3,
        notes=list(report.notes),
    )


#: Formats :func:`render_framework` writes.
FORMATS = ("csv", "xlsx", "md", "html", "docx", "json")


def framework_tables(report: FrameworkReport, fmt: str) -> list[Table]:
    """What each format holds: a spreadsheet the matrix, a document a section per case."""
    if fmt == "csv":
        return [cells_table(report)]
    if fmt == "xlsx":
        return [matrix_table(report), passages_table(report), cells_table(report)]
    reading = case_tables(report)
    if reading:
        reading[-1].notes = [
            *report.notes,
            "A case's themes with neither a summary nor a passage are left out.",
        ]
    return [*reading, passages_table(report)]


def render_framework(report: FrameworkReport, fmt: str) -> str | bytes:
    """``report`` as CSV, XLSX, Markdown, HTML, Word or JSON, through the reports' writers."""
    from codebench.reports.writers import render_tables, to_json

    if fmt == "json":
        return to_json(report)
    if fmt not in FORMATS:
        raise CodebenchError(
            f"a framework matrix cannot be written as {fmt} (use {', '.join(FORMATS)})"
        )
    return render_tables(
        framework_tables(report, fmt), fmt, title=f"Framework matrix ({report.selection.label})"
    )
