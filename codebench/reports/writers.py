"""Writing reports out: pick a format, render, and write the file atomically.

Formats: ``table`` (rich text for the terminal), ``csv`` (tidy/long),
``csv-wide``, ``xlsx``, ``md``, ``html`` (self-contained), ``docx``,
``json``, and ``png``/``svg`` charts. The format follows from the output
file's extension unless given. Every file goes through
:func:`codebench.fileio.write_atomic_with`, so a failed export never leaves
a half-written file over a good one.

A CSV carries its notes (whose codings it counts, the overlap rule: what the
XLSX Notes sheet and the documents say) *beside* it, never inside: a comment
line above the header breaks most readers of CSV. For every report kind,
:func:`render` gives :class:`CsvText`, which knows its notes; written to a file
(:func:`write_rendered`, or the CLI's ``write_output``) they go to
``<name>.notes.txt`` next to it (``freq.csv`` → ``freq.notes.txt``); written
to standard output they go to standard error.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from codebench.errors import CodebenchError
from codebench.fileio import write_atomic
from codebench.reports.by_attribute import ByAttributeReport
from codebench.reports.cooccurrence import CooccurrenceReport
from codebench.reports.frequencies import FrequencyReport
from codebench.reports.full import FullReport
from codebench.reports.tables import Table, data_tables, long_table, report_notes
from codebench.safety import json_safe, safe_text, spreadsheet_cell

FORMATS = ("table", "csv", "csv-wide", "xlsx", "md", "html", "docx", "json", "png", "svg")
EXTENSIONS = {
    ".txt": "table",
    ".csv": "csv",
    ".xlsx": "xlsx",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".docx": "docx",
    ".json": "json",
    ".png": "png",
    ".svg": "svg",
}
#: Formats that are bytes and need an output file (not the terminal).
BINARY = ("xlsx", "docx", "png")
#: Reports with a chart.
CHARTED = (FrequencyReport, ByAttributeReport, CooccurrenceReport)


def infer_format(path: Path | str | None, fmt: str | None = None) -> str:
    """``fmt`` if given, else from the extension of ``path``, else ``table``."""
    if fmt:
        if fmt not in FORMATS:
            raise CodebenchError(f"unknown format {fmt!r} (use {', '.join(FORMATS)})")
        return fmt
    if path is None:
        return "table"
    suffix = Path(path).suffix.lower()
    if suffix not in EXTENSIONS:
        known = ", ".join(sorted(EXTENSIONS))
        raise CodebenchError(
            f"cannot tell the format from {Path(path).name!r} (extensions: {known}); pass --format"
        )
    return EXTENSIONS[suffix]


def formats_for(report: Any) -> tuple[str, ...]:
    """The formats ``report`` can be written in."""
    if isinstance(report, FullReport):
        return ("table", "xlsx", "md", "html", "docx", "json")
    charts = ("png", "svg") if isinstance(report, CHARTED) else ()
    return (*(f for f in FORMATS if f not in ("png", "svg")), *charts)


def render(report: Any, fmt: str, **view: Any) -> bytes | str:
    """``report`` in format ``fmt`` (text for text formats, bytes for binary ones)."""
    if fmt not in formats_for(report):
        raise CodebenchError(
            f"a {report.kind} report cannot be written as {fmt} (use {', '.join(formats_for(report))})"
        )
    if fmt == "table":
        from codebench.reports.render_rich import render_text

        return render_text(report, **view)
    if fmt == "csv":
        return tables_csv([long_table(report, **view)], notes=report_notes(report))
    if fmt == "csv-wide":
        return tables_csv(data_tables(report, **view), notes=report_notes(report))
    if fmt == "json":
        return to_json(report)
    if fmt == "md":
        from codebench.reports.render_markdown import markdown

        return markdown(report, **view)
    if fmt == "html":
        from codebench.reports.render_html import html_document

        return html_document(report, **view)
    if fmt == "xlsx":
        from codebench.reports.render_xlsx import xlsx_bytes

        return xlsx_bytes(report, **view)
    if fmt == "docx":
        from codebench.reports.render_docx import docx_bytes

        return docx_bytes(report, **view)
    from codebench.reports.render_charts import chart_bytes

    data = chart_bytes(report, fmt, **view)
    return data.decode("utf-8") if fmt == "svg" else data


def write(report: Any, path: Path | str, fmt: str | None = None, **view: Any) -> str:
    """Render ``report`` and write it to ``path`` atomically; returns the format used."""
    fmt = infer_format(path, fmt)
    write_rendered(path, render(report, fmt, **view), fmt)
    return fmt


def file_data(data: str | bytes, fmt: str) -> str | bytes:
    """Rendered output as its file holds it: a CSV starts with a byte-order mark,
    so Excel reads it as UTF-8 (one rule for the commands and a study build)."""
    if fmt in ("csv", "csv-wide") and isinstance(data, str):
        return "\ufeff" + data
    return data


def notes_beside(report: Any, path: Path | str, fmt: str) -> Path | None:
    """The notes file :func:`write` puts beside ``path`` for ``report`` in ``fmt``, if any (to say so)."""
    if fmt not in ("csv", "csv-wide") or not report_notes(report):
        return None
    target = Path(path)
    return notes_path(target) if target.is_file() else None


def write_rendered(path: Path | str, data: str | bytes, fmt: str) -> None:
    """Write output already rendered in ``fmt`` to ``path`` atomically (a CSV's notes beside it)."""
    if fmt in ("csv", "csv-wide") and isinstance(data, str):
        write_with_notes(path, file_data(data, fmt), notes_of(data))
        return
    write_atomic(path, data)


class CsvText(str):
    """CSV text that knows the notes that belong with it (see the module docstring)."""

    notes: tuple[str, ...]

    def __new__(cls, text: str, notes: Sequence[str] = ()) -> CsvText:
        made = super().__new__(cls, text)
        made.notes = tuple(notes)
        return made


def notes_of(data: Any) -> tuple[str, ...]:
    """The notes that go with rendered output (a :class:`CsvText`'s; none for anything else)."""
    return tuple(getattr(data, "notes", ())) if isinstance(data, str) else ()


def notes_path(path: Path | str) -> Path:
    """Where a CSV's notes go: ``<name>.notes.txt`` beside it."""
    path = Path(path)
    return path.with_name(f"{path.stem or path.name}.notes.txt")


def notes_file_text(path: Path | str, notes: Sequence[str]) -> str:
    """The notes file for the CSV at ``path``: which file it describes, then one note a line."""
    lines = [f"Notes for {Path(path).name}:", *(" ".join(str(n).split()) for n in notes)]
    return safe_text("\n".join(lines) + "\n")


def write_with_notes(path: Path | str, data: str | bytes, notes: Sequence[str]) -> None:
    """``data`` to ``path`` and, when there are notes, the notes file beside it (each atomically).

    The CSV first: a notes file that cannot be written is an error naming it,
    after the CSV. A target that is not a regular file (``/dev/null``, a pipe)
    gets no notes file: there is no folder of its own to put one in.
    """
    target = Path(path)
    regular = not target.exists() or target.is_file()
    write_atomic(target, data)
    if notes and regular:
        write_atomic(notes_path(target), notes_file_text(target, notes))


# ---------------------------------------------------------------------- bare tables
#: Formats :func:`render_tables` writes.
TABLE_FORMATS = ("csv", "xlsx", "md", "html", "docx")


def render_tables(tables: list[Table], fmt: str, *, title: str) -> str | bytes:
    """Tables built outside the report types here (the agreement report's) in ``fmt``.

    The same writers as every report: CSV (the tables must share their
    columns), XLSX (one sheet per table), and Markdown, HTML or Word (a
    titled document of the tables with their notes).
    """
    if fmt == "csv":
        return tables_csv(tables)
    if fmt == "xlsx":
        from codebench.reports.render_xlsx import tables_xlsx

        return tables_xlsx(tables)
    if fmt == "md":
        from codebench.reports.render_markdown import tables_markdown

        return tables_markdown(title, tables)
    if fmt == "html":
        from codebench.reports.render_html import tables_html

        return tables_html(title, tables)
    if fmt == "docx":
        from codebench.reports.render_docx import tables_docx

        return tables_docx(title, tables)
    raise CodebenchError(f"tables cannot be written as {fmt} (use {', '.join(TABLE_FORMATS)})")


# ---------------------------------------------------------------------- CSV
def tables_csv(tables: list[Table], *, notes: Sequence[str] | None = None) -> CsvText:
    """One table as CSV; several with identical columns stacked under a ``table`` column.

    With ``notes`` (a report's: :func:`~codebench.reports.tables.report_notes`) the result
    carries them, followed by each table's own notes not already among them; without, none
    (the bare tables of listings keep their CSV on standard output alone).
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    stacked = len(tables) > 1
    if stacked and len({tuple(c.label for c in t.columns) for t in tables}) > 1:
        raise CodebenchError(
            "these tables have different columns; write them as xlsx or one per file"
        )
    if tables:
        header = [csv_cell(c.label) for c in tables[0].columns]
        writer.writerow(["Table", *header] if stacked else header)
    for table in tables:
        title = csv_cell(table.title)
        for row in table.rows:
            cells = [csv_cell(row.get(c.key)) for c in table.columns]
            writer.writerow([title, *cells] if stacked else cells)
    if notes is None:  # a listing's CSV (queries, the adjudication log): the rows say it all
        return CsvText(out.getvalue())
    kept = list(notes)
    for table in tables:
        kept += [n for n in table.notes if n not in kept]
    return CsvText(out.getvalue(), kept)


def csv_cell(value: Any) -> Any:
    """One CSV cell: numbers as they are, text formula-safe (:func:`~codebench.safety.spreadsheet_cell`).

    Every CSV this program writes (reports, and the CLI's ``--format csv``
    listings) goes through here, so none can hold a live formula.
    """
    return "" if value is None else spreadsheet_cell(value)


# ---------------------------------------------------------------------- JSON
def to_json(report: Any) -> str:
    """The report's data as JSON: its fields, plus ``kind`` and ``notes``."""
    return json_safe(json.dumps(jsonable(report), ensure_ascii=False, indent=2)) + "\n"


def jsonable(value: Any) -> Any:
    """Dataclasses to dicts (with ``notes`` and a code's ``label``), recursively."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {
            f.name: jsonable(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if not f.name.startswith("_")
        }
        for extra in ("notes", "label", "location"):
            attribute = getattr(type(value), extra, None)
            if isinstance(attribute, property):
                out[extra] = jsonable(getattr(value, extra))
        if "kind" in out:
            out = {"kind": out.pop("kind"), **out}
        return out
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value
