"""Reports as Word documents: quotes, the codebook, and any table, for papers and briefings.

Every string goes into the document through ``_t``
(:func:`codebench.safety.xml_safe`): python-docx refuses the control
characters XML cannot hold, and a report must never crash on a transcript.
"""

from __future__ import annotations

import io
from typing import Any

from codebench.reports.codebook_doc import CodebookReport
from codebench.reports.docx_body import appending, new_document
from codebench.reports.full import FullReport
from codebench.reports.memos import MemoReport
from codebench.reports.quotes import QuoteReport
from codebench.reports.render_rich import attribution, counts_line, format_cell, guidance
from codebench.reports.reproducible import office_bytes
from codebench.reports.tables import Table, reading_tables
from codebench.safety import xml_safe as _t

#: Tables wider than this many columns are set in a smaller font.
_WIDE = 8


def docx_bytes(report: Any, **view: Any) -> bytes:
    """``report`` as a .docx document."""
    document = appending(new_document())
    if isinstance(report, FullReport):
        document.add_heading(_t(report.title), level=0)
        _note(document, f"{report.project} · {report.generated} · {report.selection.label}")
        for part in report.parts():
            _add(document, part, level=1, rollup=report.rollup)
    else:
        _add(document, report, level=0, **view)
    out = io.BytesIO()
    document.save(out)
    return office_bytes(out.getvalue())


def tables_docx(title: str, tables: list[Table]) -> bytes:
    """A .docx document of ``tables`` (for tables that are not one of the reports)."""
    document = new_document()
    document.add_heading(title, level=0)
    for table in tables:
        add_table(document, table, level=1, heading=len(tables) > 1 or table.title != title)
    out = io.BytesIO()
    document.save(out)
    return office_bytes(out.getvalue())


def _add(document: Any, report: Any, level: int, **view: Any) -> None:
    if isinstance(report, QuoteReport):
        add_quotes(document, report, level)
    elif isinstance(report, CodebookReport):
        add_codebook(document, report, level)
    elif isinstance(report, MemoReport):
        add_memos(document, report, level)
    else:
        for table in reading_tables(report, **view):
            add_table(document, table, level if level else 1)


def add_table(document: Any, table: Table, level: int = 1, *, heading: bool = True) -> None:
    """The table under its heading (unless the document's title already says it)."""
    from docx.shared import Pt

    if heading:
        document.add_heading(_t(table.title), level=level)
    columns = table.display_columns()
    grid = document.add_table(rows=1, cols=len(columns))
    grid.style = "Light Grid Accent 1"
    size = Pt(8) if len(columns) > _WIDE else Pt(9.5)
    for cell, column in zip(grid.rows[0].cells, columns):
        _cell_text(cell, column.label, size, bold=True, right=column.kind != "text")
    for row in table.rows:
        cells = grid.add_row().cells
        for cell, column in zip(cells, columns):
            text = format_cell(row.get(column.key), column.kind)
            if column.key == table.indent:
                text = "\u2003" * int(row.get("_depth", 0)) + text
            _cell_text(cell, text, size, right=column.kind != "text")
    for note in table.notes:
        _note(document, note)


def add_quotes(document: Any, report: QuoteReport, level: int = 0) -> None:
    document.add_heading(_t(f"Quotes ({report.selection.label})"), level=level)
    for code, found in report.by_code():
        document.add_heading(_t(f"{code.label} ({len(found)})"), level=level + 1)
        if not found:
            _note(document, "No coded passages.")
        for quote in found:
            if quote.before:
                document.add_paragraph(_t(f"… {quote.before}"), style="Quote").runs[0].italic = True
            for paragraph in (p.strip() for p in quote.text.split("\n")):
                if paragraph:
                    document.add_paragraph(_t(paragraph), style="Intense Quote")
            if quote.after:
                document.add_paragraph(_t(f"… {quote.after}"), style="Quote").runs[0].italic = True
            _note(document, attribution(quote))
            for memo in quote.memos:
                p = document.add_paragraph()
                p.add_run(_t(f"Memo{f' ({memo.author})' if memo.author else ''}: ")).bold = True
                p.add_run(_t(memo.text))
    for note in report.notes:
        _note(document, note)


def add_memos(document: Any, report: MemoReport, level: int = 0) -> None:
    """Each memo under a heading naming what it sits on and who wrote it."""
    document.add_heading(_t(f"Memos ({report.selection.label})"), level=level)
    if not report.entries:
        _note(document, "No memos.")
    for entry in report.entries:
        document.add_heading(_t(f"{entry.target} · {entry.author}"), level=level + 1)
        for paragraph in (p.strip() for p in entry.text.split("\n")):
            if paragraph:
                document.add_paragraph(_t(paragraph))
    for note in report.notes:
        _note(document, note)


def add_codebook(document: Any, report: CodebookReport, level: int = 0) -> None:
    document.add_heading(_t(report.name), level=level)
    if report.description:
        document.add_paragraph(_t(report.description))
    for entry in report.entries:
        document.add_heading(_t(entry.code.label), level=min(level + 1 + entry.code.depth, 9))
        _note(document, counts_line(entry))
        for title, value in guidance(entry):
            p = document.add_paragraph()
            p.add_run(_t(f"{title}. ")).bold = True
            p.add_run(_t(value))
    for note in report.notes:
        _note(document, note)


def _note(document: Any, text: str) -> None:
    from docx.shared import Pt, RGBColor

    run = document.add_paragraph().add_run(_t(text))
    run.italic = True
    run.font.size = Pt(9)
    run.font.color.rgb = RGBColor(0x57, 0x60, 0x6A)


def _cell_text(cell: Any, text: str, size: Any, *, bold: bool = False, right: bool = False) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    paragraph = cell.paragraphs[0]
    run = paragraph.add_run(_t(text))
    run.font.size = size
    run.bold = bold
    if right:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
