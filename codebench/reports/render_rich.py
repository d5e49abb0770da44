"""Reports for the terminal: rich tables, bar charts of frequencies, quotes.

The only report module that imports rich (lazily, inside functions).
:func:`render_text` renders to plain text at a fixed width, which is what
``--format table -o FILE`` writes and what the golden tests compare.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from codebench.reports.codebook_doc import CodebookReport
from codebench.reports.frequencies import FrequencyReport
from codebench.reports.full import FullReport
from codebench.reports.quotes import QuoteReport
from codebench.reports.tables import Column, Table, reading_tables
from codebench.safety import visible_controls as _v
from codebench.wording import plural

#: Narrowest the indented name column of a table gets before the numbers give way.
NAME_WIDTH = 16
#: Widest bar of a frequency chart, in characters.
BAR_WIDTH = 40
#: Measures a frequency bar chart can show, with their axis titles.
BAR_MEASURES = {
    "segments": "Coded segments",
    "codings": "Codings",
    "transcripts": "Transcripts",
    "percent": "% of transcripts",
    "words": "Words coded",
    "speakers": "Speakers",
}
_EIGHTHS = " ▏▎▍▌▋▊▉"


def renderables(report: Any, **view: Any) -> list[Any]:
    """Rich renderables for ``report``, top to bottom."""
    if isinstance(report, FullReport):
        from rich.text import Text

        out: list[Any] = [
            Text(_v(report.title), style="bold underline"),
            Text(
                _v(f"{report.project} · {report.generated} · {report.selection.label}"), style="dim"
            ),
        ]
        for part in report.parts():
            out.extend(renderables(part, rollup=report.rollup))
        return out
    if isinstance(report, QuoteReport):
        return quote_renderables(report)
    if isinstance(report, CodebookReport):
        return codebook_renderables(report)
    out = []
    for table in reading_tables(report, **view):
        out.append(rich_table(table))
        out.append(notes_text(table.notes))
    if isinstance(report, FrequencyReport):
        out.insert(
            1,
            frequency_bars(
                report, measure=view.get("measure", "segments"), rollup=view.get("rollup", True)
            ),
        )
    return out


def render_text(report: Any, *, width: int = 100, **view: Any) -> str:
    """``report`` as plain text, laid out for a terminal ``width`` columns wide."""
    from rich.console import Console

    console = Console(
        record=True, width=width, file=io.StringIO(), color_system=None, force_terminal=False
    )
    for item in renderables(report, **view):
        console.print(item)
    return console.export_text()


def rich_table(table: Table) -> Any:
    """A renderable for one report table that fits the terminal it is printed on.

    A table wider than the terminal (a crossed table with many groups) is
    shown as several tables, each with the row's identifying columns and as
    many of the others as fit, whole: a count cut at the right edge, or
    folded inside its cell, would be misread.
    """
    return _FittedTable(table)


class _FittedTable:
    """:func:`rich_table`'s renderable: pages the columns for the width it is given."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def __rich_console__(self, console: Any, options: Any) -> Any:
        pages = column_pages(self.table, options.max_width)
        for number, columns in enumerate(pages, start=1):
            title = self.table.title
            if len(pages) > 1:
                title += f" (part {number} of {len(pages)}: the columns go on below)"
            yield _one_table(self.table, columns, title)


#: Columns a table's rows are known by, repeated on every page of a wide table.
_ROW_KEYS = ("code", "name", "value", "group", "transcript", "speaker")


def column_pages(table: Table, width: int) -> list[list[Column]]:
    """The table's shown columns in pages that each fit ``width`` (one page if all fit).

    A column needs its widest cell or heading plus two for its padding; the
    indented name column may wrap down to :data:`NAME_WIDTH`.
    """
    columns = table.display_columns()
    keys = [c for c in columns[: max(table.keys, 1) + 1] if c.key in _ROW_KEYS] or columns[:1]
    rest = [c for c in columns if c not in keys]

    def need(column: Column) -> int:
        cells = [len(format_cell(row.get(column.key), column.kind)) for row in table.rows]
        longest = max([len(column.short or column.label), *cells])
        if column.key == table.indent or (column.kind == "text" and column in keys):
            longest = min(longest + 2 * _deepest(table), NAME_WIDTH)
        return longest + 2

    fixed = sum(need(c) for c in keys)
    if fixed + sum(need(c) for c in rest) <= width or not rest:
        return [columns]
    pages: list[list[Column]] = []
    page: list[Column] = []
    used = fixed
    for column in rest:
        if page and used + need(column) > width:
            pages.append(page)
            page, used = [], fixed
        page.append(column)
        used += need(column)
    pages.append(page)
    return [[c for c in columns if c in keys or c in chosen] for chosen in pages]


def _deepest(table: Table) -> int:
    return max((int(row.get("_depth", 0) or 0) for row in table.rows), default=0)


def _one_table(table: Table, columns: list[Column], title: str) -> Any:
    from rich import box
    from rich.table import Table as RichTable
    from rich.text import Text

    out = RichTable(
        title=Text(_v(title), style="bold"),
        title_justify="left",
        title_style="bold",
        header_style="bold",
        box=box.SIMPLE_HEAD,
        collapse_padding=True,
        pad_edge=False,
    )
    for column in columns:
        numeric = column.kind != "text"
        longest = max((len(str(row.get(column.key) or "")) for row in table.rows), default=0)
        out.add_column(
            Text(_v(column.short or column.label)),
            justify="right" if numeric else "left",
            overflow="fold",
            no_wrap=column.key == "code",
            min_width=4
            if numeric
            else min(longest, NAME_WIDTH)
            if column.key == table.indent
            else None,
        )
    for row in table.rows:
        out.add_row(*(_escape(text) for text in display_cells(table, row, columns)))
    return out


def notes_text(notes: list[str]) -> Any:
    from rich.text import Text

    return Text(_v("\n".join(notes)) + "\n", style="dim")


def frequency_bars(
    report: FrequencyReport, *, measure: str = "segments", rollup: bool = True
) -> Any:
    """A horizontal bar chart of one frequency measure (codes with a non-zero value)."""
    if measure not in BAR_MEASURES:
        raise ValueError(f"unknown measure {measure!r}")
    values = [(row.code, getattr(row.counts(rollup), measure) or 0) for row in report.rows]
    kind = "percent" if measure == "percent" else "int"
    return BarChart(f"{BAR_MEASURES[measure]} by code", [(c, v) for c, v in values if v], kind)


class BarChart:
    """Labelled horizontal bars that fit the console: labels take up to a third of the width."""

    def __init__(self, title: str, values: list[tuple[Any, float]], kind: str = "int") -> None:
        self.title = title
        self.values = values
        self.kind = kind

    def __rich_console__(self, console: Any, options: Any) -> Any:
        from rich.text import Text

        width = options.max_width
        numbers = [format_cell(v, self.kind) for _, v in self.values]
        number_width = max((len(n) for n in numbers), default=1)
        labels = [("  " * code.depth) + _v(code.label) for code, _ in self.values]
        label_width = min(
            max((len(label) for label in labels), default=10), max(12, 2 * width // 5)
        )
        bar_width = max(5, min(BAR_WIDTH, width - label_width - number_width - 3))
        top = max((v for _, v in self.values), default=0)
        yield Text(self.title, style="bold")
        if not self.values:
            yield Text("(nothing coded yet)", style="dim")
        for (code, value), label, number in zip(self.values, labels, numbers):
            shown = label if len(label) <= label_width else label[: label_width - 1] + "…"
            line = Text(shown.ljust(label_width) + " ")
            drawn = bar(value, top, bar_width)
            line.append(drawn, style=code.colour or "cyan")
            line.append(" " * (bar_width - len(drawn) + 1) + number.rjust(number_width))
            yield line


def bar(value: float, top: float, width: int = BAR_WIDTH) -> str:
    """A bar of block characters, ``width`` long at ``top``, in eighths of a character."""
    if top <= 0 or value <= 0:
        return ""
    eighths = max(1, round(8 * width * value / top))
    return "█" * (eighths // 8) + (_EIGHTHS[eighths % 8] if eighths % 8 else "")


def quote_renderables(report: QuoteReport) -> list[Any]:
    from rich.padding import Padding
    from rich.text import Text

    out: list[Any] = [Text(_v(f"Quotes ({report.selection.label})"), style="bold")]
    for code, found in report.by_code():
        out.append(
            Text(
                f"\n{_v(code.label)} — {plural(len(found), 'passage')}",
                style="bold",
            )
        )
        for quote in found:
            block = Text()
            if quote.before:
                block.append(f"… {_v(quote.before)}\n", style="dim")
            block.append(_v(quote.text), style="italic")
            if quote.after:
                block.append(f"\n… {_v(quote.after)}", style="dim")
            out.append(Padding(block, (1, 0, 0, 4)))
            out.append(Padding(Text(_v(attribution(quote)), style="dim"), (0, 0, 0, 4)))
            for memo in quote.memos:
                out.append(
                    Padding(
                        Text(_v(f"Memo{f' ({memo.author})' if memo.author else ''}: {memo.text}")),
                        (0, 0, 0, 4),
                    )
                )
    out.append(notes_text(["", *report.notes]))
    return out


def attribution(quote: Any) -> str:
    """``"— Ann Lee, int1, segment 4 · role: manager · coded by alice"``."""
    who = f"{quote.speaker}, " if quote.speaker else ""
    attributes = "; ".join(f"{k}: {v}" for k, v in sorted(quote.attributes.items()))
    parts = [f"— {who}{quote.location}"]
    if attributes:
        parts.append(attributes)
    parts.append("coded by " + ", ".join(quote.coders))
    return " · ".join(parts)


def codebook_renderables(report: CodebookReport) -> list[Any]:
    from rich.padding import Padding
    from rich.text import Text

    out: list[Any] = [Text(_v(report.name), style="bold underline")]
    if report.description:
        out.append(Text(_v(report.description)))
    for entry in report.entries:
        indent = 2 * entry.code.depth
        out.append(Padding(Text(_v(entry.code.label), style="bold"), (1, 0, 0, indent)))
        out.append(Padding(Text(counts_line(entry), style="dim"), (0, 0, 0, indent)))
        for title, value in guidance(entry):
            out.append(
                Padding(Text.assemble((f"{title}: ", "italic"), _v(value)), (0, 0, 0, indent))
            )
    out.append(notes_text(["", *report.notes]))
    return out


def counts_line(entry: Any) -> str:
    """``"12 coded segments (20 with sub-codes) · 15 codings · 3 transcripts"``."""
    own, total = entry.own, entry.total
    segments = plural(own.segments, "coded segment")
    if entry.code.has_children:
        segments += f" ({total.segments} with sub-codes)"
    return f"{segments} · {plural(own.codings, 'coding')} · {plural(own.transcripts, 'transcript')}"


def guidance(entry: Any) -> list[tuple[str, str]]:
    """The non-empty guidance fields of a codebook entry, titled."""
    fields = (
        ("Definition", entry.description),
        ("Use when", entry.inclusion),
        ("Do not use when", entry.exclusion),
        ("Example", entry.example),
    )
    return [(title, value) for title, value in fields if value]


def format_cell(value: Any, kind: str) -> str:
    """A cell as text: thousands separators, one decimal for %, "–" for missing."""
    if value is None or value == "":
        return "–" if kind != "text" else ""
    if kind == "int" and isinstance(value, int):
        return f"{value:,}"
    if kind == "percent" and isinstance(value, (int, float)):
        return f"{value:.1f}"
    if kind == "float" and isinstance(value, (int, float)):
        return f"{value:.2f}"
    return str(value)


def display_cells(table: Table, row: dict[str, Any], columns: Sequence[Column]) -> list[str]:
    """One row's cells as shown: each formatted, the tree column indented by the row's depth.

    The terminal report and the workbench's reports screen draw the same
    tables; building the cell text in one place keeps them showing the same
    numbers and the same code tree. Plain text with control characters made
    visible; the caller escapes markup if its widget needs that.
    """
    cells = []
    for column in columns:
        text = _v(format_cell(row.get(column.key), column.kind))
        if column.key == table.indent:
            text = "  " * int(row.get("_depth", 0)) + text
        cells.append(text)
    return cells


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)
