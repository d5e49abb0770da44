"""Reports as Excel workbooks: one sheet per table, frozen headers, set widths.

Numbers stay numbers (percentages as fractions formatted ``0.0%``), the
header row and the columns naming each row stay in view when scrolling,
and a last sheet, "Notes", says whose codings were counted and how.
Uses openpyxl's write-only mode, which streams rows instead of building a
cell object graph, so a 10,000-row table still saves in well under a second.

Every cell goes through :func:`cell_value`: text is written as a string
cell (never a formula, never an error value like ``#N/A``), with a leading
``'`` when it would start a formula in a program that re-reads it, control
characters made visible (XML cannot hold them) and Excel's cell limit kept.
"""

from __future__ import annotations

import io
import re
from typing import Any

from codebench.reports.reproducible import office_bytes
from codebench.reports.tables import Table, data_tables, report_notes
from codebench.safety import XLSX_CELL_LIMIT, spreadsheet_cell, visible_controls

#: Excel's limits on sheet names.
_SHEET_NAME_LENGTH = 31
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
#: Column width bounds, in characters.
MIN_WIDTH, MAX_WIDTH = 6, 60
#: Rows sampled to size columns.
_SAMPLE_ROWS = 200


def xlsx_bytes(report: Any, **view: Any) -> bytes:
    """The workbook for ``report`` as bytes."""
    return tables_xlsx(data_tables(report, **view), notes=report_notes(report))


def tables_xlsx(tables: list[Table], *, notes: list[str] | None = None) -> bytes:
    """A workbook with one sheet per table (plus a Notes sheet)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    from codebench.reports.docx_body import AUTHOR

    book = Workbook(write_only=True)
    book.properties.creator = AUTHOR  # not the library's name (nor a person's)
    book.properties.lastModifiedBy = AUTHOR
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    used: set[str] = set()
    for table in tables:
        sheet = book.create_sheet(_sheet_name(table.name, used))
        widths = _widths(table)
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = f"{get_column_letter(min(table.keys, 3) + 1)}2"
        header = []
        for column in table.columns:
            cell = _cell(WriteOnlyCell, sheet, column.label)
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        long_text = {
            c.key for c, w in zip(table.columns, widths) if c.kind == "text" and w >= MAX_WIDTH
        }
        for row in table.rows:
            cells = []
            for column in table.columns:
                value = row.get(column.key)
                if column.kind == "percent" and isinstance(value, (int, float)):
                    cell = WriteOnlyCell(sheet, value=value / 100)
                    cell.number_format = "0.0%"
                elif column.kind == "float" and isinstance(value, float):
                    cell = WriteOnlyCell(sheet, value=value)
                    cell.number_format = "0.0000"
                else:
                    cell = _cell(WriteOnlyCell, sheet, value)
                    if column.key in long_text:
                        cell.alignment = wrap
                _fill(cell, row, column.key)
                cells.append(cell)
            sheet.append(cells)
    if notes:
        sheet = book.create_sheet(_sheet_name("Notes", used))
        sheet.column_dimensions["A"].width = 120
        for note in notes:
            sheet.append([_cell(WriteOnlyCell, sheet, note)])
    out = io.BytesIO()
    book.save(out)
    return office_bytes(out.getvalue())


def _fill(cell: Any, row: dict[str, Any], key: str) -> None:
    """Shade the cell when the row asks for it: ``row["_fill"] = {column key: "RRGGBB"}``."""
    colour = row.get("_fill", {}).get(key)
    if colour:
        from openpyxl.styles import PatternFill

        cell.fill = PatternFill("solid", fgColor=colour)


def cell_value(value: Any) -> Any:
    """A value as it goes into a worksheet: numbers as numbers, text formula-safe and sized."""
    return spreadsheet_cell(value, limit=XLSX_CELL_LIMIT)


def _cell(factory: Any, sheet: Any, value: Any) -> Any:
    """A write-only cell holding ``value``; text is typed as a string, so openpyxl never
    writes it as a formula (a ``str`` starting with ``=``) or an error (``#N/A``)."""
    safe = cell_value(value)
    cell = factory(sheet, value=safe)
    if isinstance(safe, str):
        cell.data_type = "s"
    return cell


def _widths(table: Table) -> list[float]:
    widths = []
    for column in table.columns:
        longest = len(column.label)
        for row in table.rows[:_SAMPLE_ROWS]:
            value = row.get(column.key)
            text = (
                f"{value:.1f}"
                if isinstance(value, float)
                else str(value if value is not None else "")
            )
            longest = max(
                longest,
                len(text) + 2 * int(row.get("_depth", 0) if column.key == table.indent else 0),
            )
        widths.append(float(min(MAX_WIDTH, max(MIN_WIDTH, longest + 2))))
    return widths


def _sheet_name(name: str, used: set[str]) -> str:
    """A valid, unique sheet name from ``name``."""
    cleaned = _BAD_SHEET_CHARS.sub(" ", visible_controls(name)).strip().strip("'").strip()
    base = cleaned.capitalize()[:_SHEET_NAME_LENGTH] or "Sheet"
    candidate, counter = base, 2
    while candidate.casefold() in used:
        suffix = f" {counter}"
        candidate = base[: _SHEET_NAME_LENGTH - len(suffix)] + suffix
        counter += 1
    used.add(candidate.casefold())
    return candidate
