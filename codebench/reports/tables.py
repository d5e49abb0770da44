"""Reports as tables: the one shape every tabular writer consumes.

Each report becomes

- **data tables** (:func:`data_tables`): numbers in cells, one table per
  matrix, for CSV (wide), XLSX and anything a program reads;
- **reading tables** (:func:`reading_tables`): what a person reads in the
  terminal, Markdown, HTML or Word, where several figures may share a cell
  ("3 (75%)") and wide matrices become ranked lists;
- one **long table** (:func:`long_table`): tidy data, one row per
  observation, for R, Stata or pandas.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from codebench.reports.by_attribute import ByAttributeReport
from codebench.reports.codebook_doc import CodebookReport
from codebench.reports.cooccurrence import NORMALISATIONS, CooccurrenceReport
from codebench.reports.crossed import CrossedReport, CrossGroup
from codebench.reports.frequencies import FrequencyReport
from codebench.reports.full import FullReport
from codebench.reports.matrix import MatrixReport
from codebench.reports.memos import MemoReport
from codebench.reports.progress import ProgressReport
from codebench.reports.quotes import QuoteReport
from codebench.reports.types import CodeRef, OwnTables

#: Column kinds: how writers format and align a cell.
KINDS = ("text", "int", "percent", "float")
#: Co-occurrence matrices wider than this read as a ranked list of pairs.
MAX_READABLE_CODES = 12
#: Pairs listed in the reading form of a co-occurrence report.
MAX_PAIRS = 25


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "text"
    #: Shown in reading formats (machine-only columns such as ``level`` are not).
    display: bool = True
    #: A shorter header for narrow displays (the terminal); default: ``label``.
    short: str | None = None


@dataclass
class Table:
    """A titled grid of rows (dicts keyed by column key).

    Row keys that start with ``_`` are not cells: ``_depth`` indents the
    ``indent`` column, ``_fill`` (``{column key: "RRGGBB"}``) shades cells in XLSX.
    """

    name: str
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    #: Leading columns that identify a row (repeated in the long form).
    keys: int = 1
    notes: list[str] = field(default_factory=list)
    #: Column whose text is indented by the row's ``_depth`` in reading formats.
    indent: str | None = None

    def display_columns(self) -> list[Column]:
        return [c for c in self.columns if c.display]


def code_columns() -> list[Column]:
    return [
        Column("code", "Code"),
        Column("name", "Name"),
        Column("level", "Level", "int", display=False),
    ]


def code_cells(code: CodeRef) -> dict[str, Any]:
    name = f"{code.name} (archived)" if code.archived else code.name
    return {"code": code.number or "", "name": name, "level": code.depth, "_depth": code.depth}


def long_code_cells(code: CodeRef) -> dict[str, Any]:
    """:func:`code_cells` for a long (tidy) table: the bare name and no indent, so its rows
    filter and pivot by name."""
    return {"code": code.number or "", "name": code.name, "level": code.depth}


# ---------------------------------------------------------------------- dispatch
def report_notes(report: Any) -> list[str]:
    """What a report says about itself: its title, then its notes (whose codings count, the rules).

    The XLSX Notes sheet and the notes that go with a CSV are these lines, so
    no format leaves out whose codings a figure counts.
    """
    notes = list(getattr(report, "notes", []))
    title = getattr(report, "title", None)
    return ([title] if title else []) + notes


def data_tables(report: Any, **view: Any) -> list[Table]:
    """Numeric tables for ``report`` (see the module docstring)."""
    if isinstance(report, FullReport):
        return [t for part in report.parts() for t in data_tables(part, rollup=report.rollup)]
    return _converter(report)[0](report, **view)


def reading_tables(report: Any, **view: Any) -> list[Table]:
    """Tables for people to read."""
    if isinstance(report, FullReport):
        return [t for part in report.parts() for t in reading_tables(part, rollup=report.rollup)]
    return _converter(report)[1](report, **view)


def long_table(report: Any, **view: Any) -> Table:
    """The tidy form of ``report``: one row per observation."""
    if isinstance(report, FullReport):
        raise TypeError("the whole report has no single long table; export its parts")
    return _converter(report)[2](report, **view)


def _converter(report: Any) -> tuple[Any, Any, Any]:
    if isinstance(report, OwnTables):
        return (
            lambda r, **view: r.data_tables(**view),
            lambda r, **view: r.reading_tables(**view),
            lambda r, **view: r.data_tables(**view)[0],
        )
    for kind, converters in _CONVERTERS.items():
        if isinstance(report, kind):
            return converters
    raise TypeError(f"not a report: {type(report).__name__}")


def melt(table: Table, measure: str = "measure", value: str = "value") -> Table:
    """Long form of a wide table: key columns, then one row per other column."""
    keys = table.columns[: table.keys]
    rows = []
    for row in table.rows:
        for column in table.columns[table.keys :]:
            rows.append(
                {
                    **{k.key: row.get(k.key) for k in keys},
                    measure: column.label,
                    value: row.get(column.key),
                }
            )
    kind = (
        "float"
        if any(c.kind in ("float", "percent") for c in table.columns[table.keys :])
        else "int"
    )
    return Table(
        table.name,
        table.title,
        [
            *keys,
            Column(measure, measure.replace("_", " ").capitalize()),
            Column(value, value.capitalize(), kind),
        ],
        rows,
        table.keys,
        list(table.notes),
    )


# ---------------------------------------------------------------------- frequencies
FREQUENCY_COLUMNS = [
    Column("segments", "Segments", "int"),
    Column("codings", "Codings", "int"),
    Column("transcripts", "Transcripts", "int"),
    Column("percent", "% transcripts", "percent", short="%"),
    Column("words", "Words", "int"),
    Column("speakers", "Speakers", "int"),
]


def _frequency_data(report: FrequencyReport, *, rollup: bool = True, **_: Any) -> list[Table]:
    rows = []
    for row in report.rows:
        counts = row.counts(rollup)
        rows.append(
            {**code_cells(row.code), **{c.key: getattr(counts, c.key) for c in FREQUENCY_COLUMNS}}
        )
    notes = list(report.notes)
    if rollup:
        notes.append(
            "Parent codes include their sub-codes: a segment, transcript, word or speaker counts once; codings are summed."
        )
    else:
        notes.append(
            "Each code is counted on its own (sub-codes are not included in their parents)."
        )
    title = f"Theme frequencies ({report.selection.label})"
    return [
        Table(
            "frequencies",
            title,
            [*code_columns(), *FREQUENCY_COLUMNS],
            rows,
            keys=3,
            notes=notes,
            indent="name",
        )
    ]


def _frequency_long(report: FrequencyReport, **_: Any) -> Table:
    rows = []
    for row in report.rows:
        for scope, counts in (("code", row.own), ("with sub-codes", row.total)):
            for c in FREQUENCY_COLUMNS:
                rows.append(
                    {
                        **long_code_cells(row.code),
                        "counted": scope,
                        "measure": c.key,
                        "value": getattr(counts, c.key),
                    }
                )
    columns = [
        *code_columns(),
        Column("counted", "Counted"),
        Column("measure", "Measure"),
        Column("value", "Value", "float"),
    ]
    return Table(
        "frequencies",
        f"Theme frequencies ({report.selection.label})",
        columns,
        rows,
        keys=3,
        notes=list(report.notes),
    )


# ---------------------------------------------------------------------- by attribute
def _group_columns(report: ByAttributeReport, kind: str) -> list[Column]:
    return [
        Column(f"g{i}", f"{g.value} (n={g.transcripts})", kind) for i, g in enumerate(report.groups)
    ]


def _by_attribute_data(report: ByAttributeReport, **_: Any) -> list[Table]:
    tables = []
    for field_name, kind, what in (
        ("transcripts", "int", "transcripts with the code"),
        ("percent", "percent", "% of the group's transcripts"),
        ("segments", "int", "coded segments"),
    ):
        rows = [
            {
                **code_cells(r.code),
                **{f"g{i}": getattr(c, field_name) for i, c in enumerate(r.cells)},
            }
            for r in report.rows
        ]
        tables.append(
            Table(
                f"by {report.attribute} {field_name}",
                f"Codes by {report.attribute}: {what} ({report.selection.label})",
                [*code_columns(), *_group_columns(report, kind)],
                rows,
                keys=3,
                notes=list(report.notes),
                indent="name",
            )
        )
    return tables


def _by_attribute_reading(report: ByAttributeReport, **_: Any) -> list[Table]:
    rows = []
    for r in report.rows:
        cells = {}
        for i, c in enumerate(r.cells):
            cells[f"g{i}"] = f"{c.transcripts} ({_pct(c.percent)})" if c.transcripts else "–"
        rows.append({**code_cells(r.code), **cells})
    title = f"Codes by {report.attribute}: transcripts with the code (% of group) ({report.selection.label})"
    return [
        Table(
            f"by {report.attribute}",
            title,
            [*code_columns(), *_group_columns(report, "text")],
            rows,
            keys=3,
            notes=list(report.notes),
            indent="name",
        )
    ]


def _by_attribute_long(report: ByAttributeReport, **_: Any) -> Table:
    columns = [
        *code_columns(),
        Column("attribute", "Attribute"),
        Column("value", "Value"),
        Column("group_transcripts", "Transcripts in group", "int"),
        Column("transcripts", "Transcripts with code", "int"),
        Column("percent", "% of group", "percent"),
        Column("segments", "Coded segments", "int"),
        Column("codings", "Codings", "int"),
    ]
    rows = [
        {
            **long_code_cells(r.code),
            "attribute": report.attribute,
            "value": g.value,
            "group_transcripts": g.transcripts,
            "transcripts": c.transcripts,
            "percent": c.percent,
            "segments": c.segments,
            "codings": c.codings,
        }
        for r in report.rows
        for g, c in zip(report.groups, r.cells)
    ]
    return Table(
        f"by {report.attribute}",
        f"Codes by {report.attribute} ({report.selection.label})",
        columns,
        rows,
        keys=5,
        notes=list(report.notes),
    )


# ---------------------------------------------------------------------- crossed
#: The crossed table's measures: cell field, column kind, what a table of it shows.
CROSSED_MEASURES = (
    ("cases", "int", "{cases} with the code"),
    ("column_percent", "percent", "column % (of the group's {cases})"),
    ("row_percent", "percent", "row % (of the {cases} with the code)"),
    ("segments", "int", "coded segments"),
    ("transcripts", "int", "transcripts with the code"),
    ("speakers", "int", "participants (speakers) with the code"),
)
#: Groups side by side in one reading table (terminal, Markdown, HTML, Word).
CROSSED_READING_GROUPS = 5
#: Sheet names of the measures' tables.
CROSSED_SHEETS = {
    "cases": "crossed cases",
    "column_percent": "crossed column %",
    "row_percent": "crossed row %",
    "segments": "crossed segments",
    "transcripts": "crossed transcripts",
    "speakers": "crossed participants",
}


def crossed_group_label(report: CrossedReport, group: CrossGroup) -> str:
    """A group's column header: its values, its n, and ``small`` when it has too few cases."""
    return f"{group.label} (n={report.n(group)}{', small' if group.small else ''})"


def _crossed_columns(report: CrossedReport, kind: str) -> list[Column]:
    total = report.total_transcripts if report.cases == "transcripts" else report.total_speakers
    return [
        *code_columns(),
        *[
            Column(
                f"g{i}",
                crossed_group_label(report, g),
                kind,
                short=f"G{i + 1} n={report.n(g)}{'*' if g.small else ''}",
            )
            for i, g in enumerate(report.groups)
        ],
        Column("total", f"All (n={total})", kind, short=f"All n={total}"),
    ]


def _crossed_groups_table(report: CrossedReport) -> Table:
    columns = [
        Column("group", "Group"),
        *[Column(f"a{i}", d.name) for i, d in enumerate(report.dimensions)],
        Column("transcripts", "Transcripts (n)", "int"),
        Column("speakers", "Participants (n)", "int"),
        Column("small", f"Small (n < {report.min_group})"),
    ]
    rows = [
        {
            "group": f"G{i + 1}",
            **{f"a{j}": v for j, v in enumerate(g.values)},
            "transcripts": g.transcripts,
            "speakers": g.speakers,
            "small": "small" if g.small else "",
        }
        for i, g in enumerate(report.groups)
    ]
    return Table(
        "crossed groups",
        f"Groups by {report.attributes}: their n ({report.selection.label})",
        columns,
        rows,
        keys=1 + len(report.dimensions),
        notes=[
            *report.notes,
            "In the terminal, a column is headed by its group's number (G1, G2, …) and n; "
            "* marks a small group.",
        ],
    )


def _crossed_data(report: CrossedReport, **_: Any) -> list[Table]:
    # One table per measure, sharing their columns (so CSV can stack them); each header holds its group's n.
    tables = []
    for field_name, kind, what in CROSSED_MEASURES:
        rows = [
            {
                **code_cells(r.code),
                **{f"g{i}": getattr(c, field_name) for i, c in enumerate(r.cells)},
                "total": getattr(r.total, field_name),
            }
            for r in report.rows
        ]
        tables.append(
            Table(
                CROSSED_SHEETS[field_name],
                f"Codes by {report.attributes}: {what.format(cases=report.case_word)} ({report.selection.label})",
                _crossed_columns(report, kind),
                rows,
                keys=3,
                notes=list(report.notes),
                indent="name",
            )
        )
    return tables


def _crossed_reading(report: CrossedReport, **_: Any) -> list[Table]:
    """The groups' n, then each measure; past :data:`CROSSED_READING_GROUPS` groups a
    measure takes several tables (a page or a terminal fits about six columns of groups)."""
    word = report.case_word
    shapes = (
        (
            "crossed",
            f"{word} with the code (column %)",
            lambda c: f"{c.cases} ({_pct(c.column_percent)})" if c.cases else "–",
        ),
        (
            "crossed row percent",
            f"row %: of the {word} with the code, the share in each group",
            lambda c: _pct(c.row_percent) if c.cases else "–",
        ),
        ("crossed segments", "coded segments", lambda c: str(c.segments) if c.segments else "–"),
    )
    columns = _crossed_columns(report, "text")
    head, groups, total = columns[:3], columns[3:-1], columns[-1]
    size = CROSSED_READING_GROUPS
    chunks = [groups[i : i + size] for i in range(0, len(groups), size)] or [[]]
    tables = [_crossed_groups_table(report)]
    for name, what, cell in shapes:
        rows = [
            {
                **code_cells(r.code),
                **{f"g{i}": cell(c) for i, c in enumerate(r.cells)},
                "total": cell(r.total),
            }
            for r in report.rows
        ]
        for k, chunk in enumerate(chunks):
            part = ""
            if len(chunks) > 1:
                first, last = ((c.short or "").split()[0] for c in (chunk[0], chunk[-1]))
                part = f", group {first}" if first == last else f", groups {first}–{last}"
            last_chunk = k == len(chunks) - 1
            tables.append(
                Table(
                    name if len(chunks) == 1 else f"{name} {k + 1}",
                    f"Codes by {report.attributes}: {what}{part} ({report.selection.label})",
                    [*head, *chunk, *([total] if last_chunk else [])],
                    rows,
                    keys=3,
                    notes=list(report.notes),
                    indent="name",
                )
            )
    return tables


def _crossed_long(report: CrossedReport, **_: Any) -> Table:
    columns = [
        *code_columns(),
        Column("group", "Group"),
        *[Column(f"a{i}", d.name) for i, d in enumerate(report.dimensions)],
        Column("group_transcripts", "Transcripts in group", "int"),
        Column("group_speakers", "Participants in group", "int"),
        Column("small", f"Small group (n < {report.min_group})"),
        Column("cases", f"Cases ({report.case_word}) with code", "int"),
        Column("column_percent", "Column %", "percent"),
        Column("row_percent", "Row %", "percent"),
        Column("segments", "Coded segments", "int"),
        Column("transcripts", "Transcripts with code", "int"),
        Column("speakers", "Participants with code", "int"),
    ]
    rows = [
        {
            **long_code_cells(r.code),
            "group": g.label,
            **{f"a{j}": v for j, v in enumerate(g.values)},
            "group_transcripts": g.transcripts,
            "group_speakers": g.speakers,
            "small": "small" if g.small else "",
            **{f: getattr(c, f) for f, _, _ in CROSSED_MEASURES},
        }
        for r in report.rows
        for g, c in zip(report.groups, r.cells)
    ]
    return Table(
        "crossed",
        f"Codes by {report.attributes} ({report.selection.label})",
        columns,
        rows,
        keys=4 + len(report.dimensions),
        notes=list(report.notes),
    )


# ---------------------------------------------------------------------- matrix
def _matrix_data(report: MatrixReport, *, transpose: bool = False, **_: Any) -> list[Table]:
    case = "transcript" if report.cases == "transcripts" else "participant"
    title = f"Code × {case} matrix: {'presence (0/1)' if report.presence else 'coded segments'} ({report.selection.label})"
    if transpose:
        keys = sorted({k for t in report.transcripts for k in t.attributes})
        columns = [
            Column("transcript", case.capitalize()),
            *[Column(f"a:{k}", k) for k in keys],
            *[Column(f"c{i}", c.label, "int") for i, c in enumerate(report.codes)],
        ]
        rows = []
        for j, t in enumerate(report.transcripts):
            row: dict[str, Any] = {
                "transcript": t.name,
                **{f"a:{k}": t.attributes.get(k, "") for k in keys},
            }
            row.update({f"c{i}": report.values[i][j] for i in range(len(report.codes))})
            rows.append(row)
        return [Table("matrix", title, columns, rows, keys=1 + len(keys), notes=list(report.notes))]
    columns = [
        *code_columns(),
        *[Column(f"t{j}", t.name, "int") for j, t in enumerate(report.transcripts)],
    ]
    rows = [
        {**code_cells(c), **{f"t{j}": report.values[i][j] for j in range(len(report.transcripts))}}
        for i, c in enumerate(report.codes)
    ]
    return [Table("matrix", title, columns, rows, keys=3, notes=list(report.notes), indent="name")]


def _matrix_long(report: MatrixReport, **_: Any) -> Table:
    value = "present" if report.presence else "segments"
    table = melt(_matrix_data(report)[0], measure="transcript", value=value)
    table.columns[-1] = Column(value, value.capitalize(), "int")
    return table


# ---------------------------------------------------------------------- co-occurrence
def _cooccurrence_data(report: CooccurrenceReport, **_: Any) -> list[Table]:
    tables = [
        _square(
            report,
            report.counts,
            "cooccurrence",
            f"Co-occurrence: segments coded with both ({report.selection.label})",
            "int",
        )
    ]
    if report.normalise and report.values is not None:
        name = NORMALISATIONS[report.normalise].split(":")[0]
        tables.append(
            _square(
                report,
                report.values,
                f"cooccurrence {report.normalise}",
                f"Co-occurrence, {name} ({report.selection.label})",
                "float",
            )
        )
    return tables


def _square(
    report: CooccurrenceReport,
    values: list[list[Any]],
    name: str,
    title: str,
    kind: str,
    only: list[int] | None = None,
) -> Table:
    picked = only if only is not None else list(range(len(report.codes)))
    columns = [*code_columns(), *[Column(f"c{j}", report.codes[j].short, kind) for j in picked]]
    rows = [
        {**code_cells(report.codes[i]), **{f"c{j}": values[i][j] for j in picked}} for i in picked
    ]
    return Table(name, title, columns, rows, keys=3, notes=list(report.notes), indent="name")


def _cooccurrence_reading(report: CooccurrenceReport, **_: Any) -> list[Table]:
    used = [i for i in range(len(report.codes)) if report.counts[i][i]]
    tables = []
    if len(used) <= MAX_READABLE_CODES:
        values = report.values if report.values is not None else report.counts
        kind = "float" if report.values is not None else "int"
        square = _square(
            report,
            values,
            "cooccurrence",
            f"Co-occurrence ({report.selection.label})",
            kind,
            only=used,
        )
        # The diagonal is each code's own frequency: shown apart, in its own column,
        # so it neither reads as a co-occurrence nor sets the scale of the others.
        square.columns.insert(square.keys, Column("n", "Freq.", "int"))
        for i, row in zip(used, square.rows):
            row["n"] = report.counts[i][i]
            row[f"c{i}"] = None
        square.notes.append(
            "Freq.: each code's own frequency (segments coded: the matrix's diagonal), shown"
            " apart; the diagonal is left blank."
        )
        tables.append(square)
    pairs = report.pairs()
    columns = [
        Column("a", "Code"),
        Column("b", "Co-occurs with"),
        Column("segments", "Segments with both", "int"),
    ]
    if report.values is not None:
        columns.append(
            Column(
                "value",
                NORMALISATIONS[report.normalise or "jaccard"].split(":")[0].split(" (")[0],
                "float",
            )
        )
    rows = [
        {"a": a.label, "b": b.label, "segments": n, "value": v} for a, b, n, v in pairs[:MAX_PAIRS]
    ]
    notes = list(report.notes)
    if len(pairs) > MAX_PAIRS:
        notes.append(
            f"The {MAX_PAIRS} most frequent of {len(pairs)} co-occurring pairs; export CSV or XLSX for the full matrix."
        )
    tables.append(
        Table(
            "cooccurring pairs",
            f"Codes that co-occur ({report.selection.label})",
            columns,
            rows,
            keys=2,
            notes=notes,
        )
    )
    return tables


def _cooccurrence_long(report: CooccurrenceReport, **_: Any) -> Table:
    columns = [
        Column("code_a", "Code A"),
        Column("name_a", "Name A"),
        Column("code_b", "Code B"),
        Column("name_b", "Name B"),
        Column("segments", "Segments with both", "int"),
    ]
    if report.values is not None:
        columns.append(Column(report.normalise or "value", report.normalise or "value", "float"))
    rows = []
    for i, a in enumerate(report.codes):
        for j, b in enumerate(report.codes):
            row = {
                "code_a": a.number or "",
                "name_a": a.name,
                "code_b": b.number or "",
                "name_b": b.name,
                "segments": report.counts[i][j],
            }
            if report.values is not None:
                row[report.normalise or "value"] = report.values[i][j]
            rows.append(row)
    return Table(
        "cooccurrence",
        f"Co-occurrence ({report.selection.label})",
        columns,
        rows,
        keys=4,
        notes=list(report.notes),
    )


# ---------------------------------------------------------------------- quotes
def _quote_data(report: QuoteReport, **_: Any) -> list[Table]:
    keys = sorted({k for q in report.quotes for k in q.attributes})
    columns = [
        Column("code", "Code"),
        Column("name", "Name"),
        Column("transcript", "Transcript"),
        Column("first_segment", "First segment", "int"),
        Column("last_segment", "Last segment", "int"),
        Column("speaker", "Speaker"),
        Column("coders", "Coders"),
        Column("text", "Quote"),
        Column("memos", "Memos"),
        *([Column("before", "Before"), Column("after", "After")] if report.context else []),
        *[Column(f"a:{k}", k) for k in keys],
    ]
    rows = []
    for q in report.quotes:
        row: dict[str, Any] = {
            "code": q.code.number or "",
            "name": q.code.name,
            "transcript": q.transcript,
            "first_segment": q.first_segment,
            "last_segment": q.last_segment,
            "speaker": q.speaker or "",
            "coders": ", ".join(q.coders),
            "text": q.text,
            "memos": " | ".join(f"{m.author}: {m.text}" if m.author else m.text for m in q.memos),
            "before": q.before or "",
            "after": q.after or "",
        }
        row.update({f"a:{k}": q.attributes.get(k, "") for k in keys})
        rows.append(row)
    return [
        Table(
            "quotes",
            f"Quotes ({report.selection.label})",
            columns,
            rows,
            keys=5,
            notes=list(report.notes),
        )
    ]


# ---------------------------------------------------------------------- codebook
def _codebook_data(report: CodebookReport, **_: Any) -> list[Table]:
    columns = [
        *code_columns(),
        Column("description", "Definition"),
        Column("inclusion", "Use when"),
        Column("exclusion", "Do not use when"),
        Column("example", "Example"),
        Column("segments", "Coded segments", "int"),
        Column("codings", "Codings", "int"),
        Column("transcripts", "Transcripts", "int"),
        Column("total_segments", "Coded segments incl. sub-codes", "int"),
    ]
    rows = [
        {
            **code_cells(e.code),
            "description": e.description,
            "inclusion": e.inclusion,
            "exclusion": e.exclusion,
            "example": e.example,
            "segments": e.own.segments,
            "codings": e.own.codings,
            "transcripts": e.own.transcripts,
            "total_segments": e.total.segments,
        }
        for e in report.entries
    ]
    return [
        Table(
            "codebook", report.name, columns, rows, keys=3, notes=list(report.notes), indent="name"
        )
    ]


# ---------------------------------------------------------------------- progress
def _progress_data(report: ProgressReport, **_: Any) -> list[Table]:
    columns = [Column("transcript", "Transcript")]
    for c in report.coders:
        columns += [
            Column(f"{c.name}:status", f"{c.name} status"),
            Column(f"{c.name}:percent", f"{c.name} % coded", "percent"),
        ]
    rows = []
    for r in report.rows:
        row: dict[str, Any] = {"transcript": r.transcript}
        for c, cell in zip(report.coders, r.cells):
            row[f"{c.name}:status"] = cell.status
            row[f"{c.name}:percent"] = cell.percent
        rows.append(row)
    return [Table("progress", "Coding progress", columns, rows, keys=1, notes=list(report.notes))]


def _progress_reading(report: ProgressReport, **_: Any) -> list[Table]:
    columns = [
        Column("transcript", "Transcript"),
        *[Column(f"k{i}", c.name) for i, c in enumerate(report.coders)],
    ]
    rows = []
    for r in report.rows:
        row: dict[str, Any] = {"transcript": r.transcript}
        for i, cell in enumerate(r.cells):
            row[f"k{i}"] = f"{cell.status} · {_pct(cell.percent)}"
        rows.append(row)
    done = ", ".join(
        f"{c.name} {report.done(i)}/{len(report.rows)} done" for i, c in enumerate(report.coders)
    )
    notes = [*report.notes, *([done] if done else [])]
    return [Table("progress", "Coding progress", columns, rows, keys=1, notes=notes)]


def _progress_long(report: ProgressReport, **_: Any) -> Table:
    columns = [
        Column("transcript", "Transcript"),
        Column("coder", "Coder"),
        Column("status", "Status"),
        Column("coded", "Coded segments", "int"),
        Column("codable", "Codable segments", "int"),
        Column("percent", "% coded", "percent"),
    ]
    rows = [
        {
            "transcript": r.transcript,
            "coder": c.name,
            "status": cell.status,
            "coded": cell.coded,
            "codable": cell.codable,
            "percent": cell.percent,
        }
        for r in report.rows
        for c, cell in zip(report.coders, r.cells)
    ]
    return Table("progress", "Coding progress", columns, rows, keys=2, notes=list(report.notes))


# ---------------------------------------------------------------------- memos
def _memo_data(report: MemoReport, **_: Any) -> list[Table]:
    columns = [
        Column("target", "On"),
        Column("author", "Author"),
        Column("memo", "Memo"),
        Column("kind", "Kind", display=False),
        Column("transcript", "Transcript", display=False),
        Column("segment", "Segment", "int", display=False),
        Column("code", "Code", display=False),
        Column("updated", "Updated", display=False),
    ]
    rows = [
        {
            "target": e.target,
            "author": e.author,
            "memo": e.text,
            "kind": e.kind,
            "transcript": e.transcript or "",
            "segment": e.segment,
            "code": (e.code.number or e.code.name) if e.code is not None else "",
            "updated": e.updated_at,
        }
        for e in report.entries
    ]
    return [Table("memos", "Memos", columns, rows, keys=1, notes=list(report.notes))]


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}%"


def _first(converter: Any) -> Any:
    """A long-form converter that returns a report's only data table."""
    return lambda report, **view: converter(report, **view)[0]


_CONVERTERS: dict[type, tuple[Any, Any, Any]] = {
    FrequencyReport: (_frequency_data, _frequency_data, _frequency_long),
    ByAttributeReport: (_by_attribute_data, _by_attribute_reading, _by_attribute_long),
    CrossedReport: (_crossed_data, _crossed_reading, _crossed_long),
    MatrixReport: (_matrix_data, _matrix_data, _matrix_long),
    CooccurrenceReport: (_cooccurrence_data, _cooccurrence_reading, _cooccurrence_long),
    QuoteReport: (_quote_data, _quote_data, _first(_quote_data)),
    CodebookReport: (_codebook_data, _codebook_data, _first(_codebook_data)),
    ProgressReport: (_progress_data, _progress_reading, _progress_long),
    MemoReport: (_memo_data, _memo_data, _first(_memo_data)),
}
