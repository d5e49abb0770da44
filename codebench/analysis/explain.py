"""Every number opens its quotes: the passages behind one cell of a report's table.

:func:`explain` takes a report's own arguments (its kind, coders, scope,
attributes, cases, roll-up) and a cell (``row``: a code; ``column``: what
the report's columns are) and returns the coded passages that make the
number, as the ``quotes`` report lists them (:func:`codebench.reports.quotes.quotes`),
so every format and every reader of quotes works on them.

A passage is behind a cell when it is a passage of the row's code (with
its sub-codes, when the report rolls them up), in the scope, and in the
column:

- ``frequencies``: no column (the whole row);
- ``by-attribute``: its transcript has the attribute's value (``(not set)``
  for none);
- ``crossed``: its case falls in the group, named by its label
  (``manager × Riverside``), its values separated by commas
  (``manager,Riverside``) or its number (``G1``); with participants as
  cases, when it is spoken (in part) by a participant of the group;
- ``matrix``: its transcript (or participant, ``TRANSCRIPT/SPEAKER``);
- ``cooccurrence``: it shares a segment with a passage of the column's code.

:func:`cell_quotes` lists every cell's passages at once, keyed to the row
and column, for a report's ``--with-quotes`` sheet.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from codebench.analysis.passages_merge import merge_overlapping
from codebench.analysis.scope import Scope, ScopeError, ScopeSpec, choices, resolve_scope
from codebench.errors import CodebenchError
from codebench.participants import SEPARATOR, participants
from codebench.reports.by_attribute import NOT_SET
from codebench.reports.crossed import CROSS, Dimension, case_values, resolve_dimensions
from codebench.reports.quotes import Quote, QuoteReport, quotes
from codebench.reports.tables import Column, Table
from codebench.store import participants as participant_sql
from codebench.wording import plural

if TYPE_CHECKING:
    from codebench.models import Transcript
    from codebench.project import Project

#: The reports whose cells can be explained.
KINDS = ("frequencies", "by-attribute", "crossed", "matrix", "cooccurrence")


@dataclass(frozen=True)
class CellSpec:
    """A report as asked for (its kind and the arguments that shape its columns)."""

    kind: str
    scope: ScopeSpec = field(default_factory=ScopeSpec)
    attributes: tuple[str, ...] = ()
    cases: str = "transcripts"
    rollup: bool = True


@dataclass(frozen=True)
class ExplainedQuotes(QuoteReport):
    """The passages behind one cell: a quotes report that says which cell."""

    cell: str = ""
    scope_notes: tuple[str, ...] = ()

    @property
    def notes(self) -> list[str]:
        return [
            f"The {plural(len(self.quotes), 'passage')} behind {self.cell}.",
            *self.scope_notes,
            *super().notes,
        ]


class _Columns:
    """Which of a report's columns each passage falls in."""

    def __init__(self, project: Project, spec: CellSpec, scope: Scope) -> None:
        self.project = project
        self.spec = spec
        self.scope = scope
        self.kind = spec.kind
        self.transcripts = {t.name: t for t in scope.transcripts}
        self._voices: dict[int, list[str | None]] = {}
        self.dims: list[Dimension] = []
        self.speaker_values: dict[tuple[int, str], dict[str, str]] = {}
        self.cases = {
            p.key
            for p in participants(project, codable_only=True)
            if p.transcript.name in self.transcripts
            and (scope.participants is None or p.key in scope.participants)
            and (scope.speakers is None or p.speaker in scope.speakers)
        }

        if self.kind in ("by-attribute", "crossed"):
            if self.kind == "by-attribute" and len(spec.attributes) != 1:
                raise CodebenchError("by-attribute needs one --attribute")
            cases = spec.cases if self.kind == "crossed" else "transcripts"
            self.dims = resolve_dimensions(project, spec.attributes, cases, scope.transcripts)
            self.speaker_values = participant_sql.speaker_attributes(project.db)
        self.by_participant = spec.cases == "participants" and self.kind in ("crossed", "matrix")

    def voices(self, transcript: Transcript, quote: Quote) -> list[str]:
        """The participants (cases) who speak the passage's segments."""
        if transcript.id not in self._voices:
            self._voices[transcript.id] = [s.speaker for s in self.project.segments(transcript)]
        spoken = self._voices[transcript.id][max(quote.first_segment, 0) : quote.last_segment + 1]
        return [s for s in dict.fromkeys(spoken) if s and (transcript.id, s) in self.cases]

    def in_scope(self, quote: Quote) -> bool:
        t = self.transcripts.get(quote.transcript)
        if t is None:
            return False
        if not self.scope.restricts_speakers:
            return True
        kept = self.scope.participants
        named = set(self.scope.speakers) if self.scope.speakers is not None else None
        if t.id not in self._voices:
            self._voices[t.id] = [s.speaker for s in self.project.segments(t)]
        spoken = self._voices[t.id][max(quote.first_segment, 0) : quote.last_segment + 1]
        return any(
            s and (kept is None or (t.id, s) in kept) and (named is None or s in named)
            for s in spoken
        )

    def of(self, quote: Quote) -> list[str]:
        """The column labels the passage counts in (``""``: the row's only column)."""
        t = self.transcripts[quote.transcript]
        if self.kind == "frequencies":
            return [""]
        if self.kind == "matrix":
            if self.by_participant:
                return [f"{t.name}{SEPARATOR}{s}" for s in self.voices(t, quote)]
            return [t.name]
        if self.by_participant:
            return list(
                dict.fromkeys(
                    CROSS.join(case_values(self.dims, t, s, self.speaker_values))
                    for s in self.voices(t, quote)
                )
            )
        return [CROSS.join(case_values(self.dims, t, None, self.speaker_values))]


def _label(values: str) -> str:
    """A column as typed, in the labels' own form: ``manager, Riverside`` → ``manager × Riverside``."""
    for separator in (CROSS, " x ", ","):
        if separator in values:
            return CROSS.join(v.strip() for v in values.split(separator))
    return values.strip()


def explain(
    project: Project, spec: CellSpec, row: str, column: str | None = None, *, context: bool = False
) -> ExplainedQuotes:
    """The passages behind the cell ``row`` × ``column`` of the report ``spec`` (see the module docstring)."""
    if spec.kind not in KINDS:
        raise CodebenchError(f"explain works on {', '.join(KINDS)}, not {spec.kind}")
    if spec.kind == "by-attribute" and spec.cases == "participants":
        # by one attribute, participants as cases: the crossed table counts it (as the report)
        spec = replace(spec, kind="crossed")
    scope = resolve_scope(project, spec.scope)
    code = project.code(row)
    # Unmerged: a cell keeps the coders' passages that fall in it, then merges those.
    found = quotes(
        project, [code], scope.selection, context=context, subcodes=spec.rollup, merge=False
    )
    columns = _Columns(project, spec, scope)
    kept = [q for q in found.quotes if columns.in_scope(q)]
    cell = f"{code.number or code.name}"
    if spec.kind == "frequencies":
        if column:
            raise CodebenchError("a frequencies row has no columns to pick: leave out --column")
    elif not column:
        raise CodebenchError(f"name the column of the {spec.kind} table with --column")
    elif spec.kind == "cooccurrence":
        other = project.code(column)
        theirs = quotes(project, [other], scope.selection, subcodes=spec.rollup, merge=False).quotes
        ranges: dict[str, list[tuple[int, int]]] = {}
        for q in theirs:
            ranges.setdefault(q.transcript, []).append((q.first_segment, q.last_segment))
        kept = [
            q
            for q in kept
            if any(
                a <= q.last_segment and q.first_segment <= b
                for a, b in ranges.get(q.transcript, [])
            )
        ]
        cell += f" × {other.number or other.name}"
    else:
        known = _known_columns(project, spec, scope, columns)
        wanted = _label(column)
        if wanted.upper().startswith("G") and wanted[1:].isdigit() and spec.kind == "crossed":
            index = int(wanted[1:]) - 1
            if not 0 <= index < len(known):
                raise ScopeError(f"--column {column}: the table has groups G1 to G{len(known)}")
            wanted = known[index]
        # A label exactly as typed first: a value may hold a comma or " x " itself
        # ("Riverside, CIC"), which the crossed form would split into two.
        match = [k for k in known if k.casefold() == column.strip().casefold()] or [
            k for k in known if k.casefold() == wanted.casefold()
        ]
        if not match:
            raise ScopeError(
                f"--column {column!r}: no such column in the {spec.kind} table"
                f" (columns: {choices(known)}){_cases_hint(spec, column)}"
            )
        kept = [q for q in kept if match[0] in columns.of(q)]
        cell += f" × {match[0]}"
    what = {
        "by-attribute": f" (codes by {', '.join(spec.attributes)})",
        "crossed": f" (codes by {CROSS.join(d.name for d in columns.dims)}, {spec.cases})",
        "matrix": f" (code × {spec.cases[:-1]} matrix)",
        "cooccurrence": " (co-occurrence: sharing a segment)",
    }.get(spec.kind, " (frequencies)")
    scope_notes = tuple(n for n in scope.notes[1:])
    return ExplainedQuotes(
        found.selection,
        found.codes,
        merge_overlapping(project, kept),
        context,
        spec.rollup,
        cell=cell + what,
        scope_notes=scope_notes,
    )


def _cases_hint(spec: CellSpec, column: str) -> str:
    """What to add when ``column`` names the other kind of matrix column (a participant, a transcript).

    A participant (``TRANSCRIPT/SPEAKER``) is a column only of the matrix by
    participant, and a bare transcript only of the matrix by transcript; the
    column list alone does not say which switch is missing.
    """
    if spec.kind != "matrix":
        return ""
    if spec.cases != "participants" and SEPARATOR in column:
        return (
            f"; it looks like a participant (TRANSCRIPT{SEPARATOR}SPEAKER):"
            " add --by-participant for the participant columns"
        )
    if spec.cases == "participants" and SEPARATOR not in column:
        return (
            f"; by participant, a column is TRANSCRIPT{SEPARATOR}SPEAKER:"
            " name a speaker, or leave out --by-participant for the transcript columns"
        )
    return ""


def _known_columns(project: Project, spec: CellSpec, scope: Scope, columns: _Columns) -> list[str]:
    """The report's column labels, in its order (the groups of a crossed table, G1 first)."""
    if spec.kind == "matrix":
        if spec.cases == "participants":
            return [
                f"{p.transcript.name}{SEPARATOR}{p.speaker}"
                for p in participants(project, codable_only=True)
                if p.transcript.name in columns.transcripts
            ]
        return [t.name for t in scope.transcripts]
    from codebench.reports.coded_units import build_units
    from codebench.reports.crossed import crossed

    if spec.kind == "by-attribute":
        values = {case_values(columns.dims, t, None, {})[0] for t in scope.transcripts}
        return sorted(values, key=lambda v: (v == NOT_SET, v.casefold()))
    units = build_units(project, scope.selection, speakers=True, transcripts=scope.transcripts)
    report = crossed(
        project, list(spec.attributes), cases=spec.cases, rollup=spec.rollup, units=units
    )
    return [g.label for g in report.groups]


def cell_quotes(project: Project, spec: CellSpec, report: Any) -> Table:
    """Every cell's passages, keyed by row (code) and column, for a ``--with-quotes`` sheet."""
    if spec.kind not in ("frequencies", "by-attribute", "crossed", "matrix"):
        raise CodebenchError(
            f"--with-quotes works on frequencies, by-attribute, crossed and matrix, not {spec.kind}"
        )
    scope = resolve_scope(project, spec.scope)
    columns = _Columns(project, spec, scope)
    found = quotes(project, None, scope.selection, subcodes=False)
    parents = {c.id: c.parent_id for c in project.codes(include_archived=True)}
    shown = {r.code.id: r.code for r in getattr(report, "rows", [])} or {
        c.id: c for c in getattr(report, "codes", [])
    }
    order = {code_id: i for i, code_id in enumerate(shown)}
    rows = []
    for quote in found.quotes:  # merged: one passage per run of talk anyone coded
        if not columns.in_scope(quote):
            continue
        placed = columns.of(quote)
        code_id: int | None = quote.code.id
        while code_id is not None:
            ref = shown.get(code_id)
            if ref is not None:
                for label in placed:
                    rows.append(
                        {
                            "_code": order[ref.id],
                            "code": ref.number or "",
                            "name": ref.name,
                            "column": label or "All",
                            "location": quote.location,
                            "speaker": quote.speaker or "",
                            "coders": ", ".join(quote.coders),
                            "coded_with": quote.code.label,
                            "text": quote.text,
                        }
                    )
            code_id = parents.get(code_id) if spec.rollup else None
    rows.sort(key=lambda r: (r["_code"], r["column"].casefold()))
    return Table(
        "quotes by cell",
        "Quotes behind each cell",
        [
            Column("code", "Code"),
            Column("name", "Name"),
            Column("column", "Column"),
            Column("location", "Where"),
            Column("speaker", "Speaker"),
            Column("coders", "Coders"),
            Column("coded_with", "Coded with"),
            Column("text", "Quote"),
        ],
        rows,
        keys=3,
        notes=[
            "Each passage is listed under every cell it counts in: its code's row"
            + (" and its parents' rows" if spec.rollup else "")
            + ", and its column. `codebench explain` lists one cell's."
        ],
    )
