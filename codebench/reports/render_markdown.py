"""Reports as Markdown: GitHub-style pipe tables, quotes as block quotes."""

from __future__ import annotations

from typing import Any

from codebench.reports.codebook_doc import CodebookReport
from codebench.reports.full import FullReport
from codebench.reports.memos import MemoReport
from codebench.reports.quotes import QuoteReport
from codebench.reports.render_rich import attribution, counts_line, format_cell, guidance
from codebench.reports.tables import Table, reading_tables
from codebench.safety import visible_controls

#: Indent for sub-codes inside a table cell (leading spaces would be dropped).
_INDENT = "\u00a0\u00a0"
#: First characters that would start a heading, list, rule or fence at the start of a line.
_BLOCK_STARTS = frozenset("#+-=~")


def markdown(report: Any, **view: Any) -> str:
    """``report`` as a Markdown document."""
    return "\n".join(_blocks(report, level=1, **view)).rstrip() + "\n"


def _blocks(report: Any, level: int, **view: Any) -> list[str]:
    if isinstance(report, FullReport):
        out = [
            f"{'#' * level} {_escape(report.title)}",
            "",
            "*"
            + _escape(f"{report.project} · {report.generated} · {report.selection.label}")
            + "*",
            "",
        ]
        for part in report.parts():
            out += _blocks(part, level + 1, rollup=report.rollup)
        return out
    if isinstance(report, QuoteReport):
        return quote_blocks(report, level)
    if isinstance(report, CodebookReport):
        return codebook_blocks(report, level)
    if isinstance(report, MemoReport):
        return memo_blocks(report, level)
    out = []
    for table in reading_tables(report, **view):
        out += table_blocks(table, level)
    return out


def tables_markdown(title: str, tables: list[Table]) -> str:
    """A titled Markdown document of ``tables`` (for tables that are not one of the reports)."""
    out = [f"# {_escape(title)}", ""]
    for table in tables:
        out += table_blocks(table, level=2, heading=len(tables) > 1 or table.title != title)
    return "\n".join(out).rstrip() + "\n"


def table_blocks(table: Table, level: int = 2, *, heading: bool = True) -> list[str]:
    """A heading (unless the document's title already says it), a pipe table and the notes."""
    columns = table.display_columns()
    out = [f"{'#' * level} {_escape(table.title)}", ""] if heading else []
    out.append("| " + " | ".join(_escape(c.label) for c in columns) + " |")
    out.append("|" + "|".join("---:" if c.kind != "text" else "---" for c in columns) + "|")
    for row in table.rows:
        cells = []
        for column in columns:
            text = format_cell(row.get(column.key), column.kind)
            if column.key == table.indent:
                text = _INDENT * int(row.get("_depth", 0)) + text
            cells.append(_escape(text))
        out.append("| " + " | ".join(cells) + " |")
    out.append("")
    if table.notes:
        out += ["*" + _escape(" ".join(table.notes)) + "*", ""]
    return out


def quote_blocks(report: QuoteReport, level: int = 1) -> list[str]:
    out = [f"{'#' * level} Quotes ({_escape(report.selection.label)})", ""]
    for code, found in report.by_code():
        out += [f"{'#' * (level + 1)} {_escape(code.label)}", ""]
        if not found:
            out += ["*No coded passages.*", ""]
        for quote in found:
            if quote.before:
                out += [f"> *… {_escape(quote.before)}*", ">"]
            paragraphs = [p.strip() for p in quote.text.split("\n") if p.strip()]
            for i, paragraph in enumerate(paragraphs):
                out.append(f"> {_escape(paragraph)}")
                if i < len(paragraphs) - 1:
                    out.append(">")
            if quote.after:
                out += [">", f"> *… {_escape(quote.after)}*"]
            out += ["", _escape(attribution(quote)), ""]
            for memo in quote.memos:
                out += [
                    f"**Memo{f' ({_escape(memo.author)})' if memo.author else ''}:** {_escape(memo.text)}",
                    "",
                ]
    out += ["*" + _escape(" ".join(report.notes)) + "*", ""]
    return out


def memo_blocks(report: MemoReport, level: int = 1) -> list[str]:
    """Each memo as a heading (what it sits on, who wrote it) and its paragraphs."""
    out = [f"{'#' * level} Memos ({_escape(report.selection.label)})", ""]
    if not report.entries:
        out += ["*No memos.*", ""]
    for entry in report.entries:
        out += [f"{'#' * (level + 1)} {_escape(entry.target)} · {_escape(entry.author)}", ""]
        for paragraph in (p.strip() for p in entry.text.split("\n")):
            if paragraph:
                out += [_escape(paragraph), ""]
    out += ["*" + _escape(" ".join(report.notes)) + "*", ""]
    return out


def codebook_blocks(report: CodebookReport, level: int = 1) -> list[str]:
    out = [f"{'#' * level} {_escape(report.name)}", ""]
    if report.description:
        out += [_escape(report.description), ""]
    for entry in report.entries:
        out += [
            f"{'#' * min(level + 1 + entry.code.depth, 6)} {_escape(entry.code.label)}",
            "",
            f"*{counts_line(entry)}*",
            "",
        ]
        for title, value in guidance(entry):
            out += [f"**{title}.** {_escape(value)}", ""]
    out += ["*" + _escape(" ".join(report.notes)) + "*", ""]
    return out


def _escape(text: str) -> str:
    """User text as literal Markdown on one line.

    Pipes, asterisks, underscores, angle brackets, backticks and brackets are
    backslash-escaped (no table breaks, emphasis, HTML or links), as is a
    leading ``#``, ``+``, ``-``, ``=`` or ``~`` (no headings, lists, rules or
    fences); control characters are made visible
    (:func:`codebench.safety.visible_controls`).
    """
    out = visible_controls(str(text)).replace("\\", "\\\\")
    for char in "|*_<>`[]":
        out = out.replace(char, "\\" + char)
    out = out.replace("\n", " ")
    if out[:1] in _BLOCK_STARTS:
        out = "\\" + out
    return out
