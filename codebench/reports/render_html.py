"""Reports as one self-contained HTML page: tables, inline SVG charts, no network.

Styles are inline in the page, charts are inline SVG (:mod:`.svg`), and
nothing is loaded from anywhere, so the file opens the same offline, by
e-mail or from a shared drive. Heat-table cells are shaded by their value.
"""

from __future__ import annotations

from typing import Any

from codebench.reports.agreement_part import TITLE as AGREEMENT_TITLE
from codebench.reports.agreement_part import AgreementPart
from codebench.reports.by_attribute import ByAttributeReport
from codebench.reports.codebook_doc import CodebookReport
from codebench.reports.cooccurrence import NORMALISATIONS, CooccurrenceReport
from codebench.reports.frequencies import FrequencyReport
from codebench.reports.full import FullReport
from codebench.reports.matrix import MatrixReport
from codebench.reports.quotes import QuoteReport
from codebench.reports.render_rich import (
    BAR_MEASURES,
    attribution,
    counts_line,
    format_cell,
    guidance,
)
from codebench.reports.svg import MAX_HEAT_CODES, bar_chart, heat_map, shade
from codebench.reports.tables import Table, reading_tables
from codebench.safety import html_text as _escape

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem auto; max-width: 72rem;
       padding: 0 1rem; color: #1f2328; line-height: 1.45; }
h1 { margin-bottom: 0.2rem; } .meta { color: #57606a; margin-top: 0; }
section { margin: 2.5rem 0; }
table { border-collapse: collapse; margin: 0.8rem 0; font-size: 0.9rem; }
th, td { border-bottom: 1px solid #d0d7de; padding: 0.25rem 0.6rem; vertical-align: top; }
th { text-align: left; background: #f6f8fa; position: sticky; top: 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.scroll { overflow-x: auto; }
.note { color: #57606a; font-size: 0.85rem; }
svg.chart { max-width: 50rem; font-size: 12px; }
svg.chart text { fill: #1f2328; } svg.chart .chart-title { font-weight: bold; }
svg.heat { max-width: none; } svg.chart .chart-note { fill: #57606a; }
blockquote { margin: 0.8rem 0 0.2rem; padding: 0.2rem 1rem; border-left: 4px solid #4e79a7; background: #f6f8fa; }
blockquote .context { color: #57606a; font-style: italic; }
.attribution { color: #57606a; font-size: 0.85rem; margin: 0 0 0.4rem 1.2rem; }
.memo { font-size: 0.85rem; margin: 0 0 0.8rem 1.2rem; }
dl.code dt { font-weight: 600; } dl.code dd { margin: 0 0 0.4rem 1.5rem; }
.counts { color: #57606a; font-size: 0.85rem; }
nav.contents { border: 1px solid #d0d7de; padding: 0.4rem 1.2rem; display: inline-block; }
nav.contents h2 { font-size: 1rem; margin: 0.3rem 0; }
"""


def html_document(report: Any, *, title: str | None = None, **view: Any) -> str:
    """``report`` (any report, or the whole :class:`FullReport`) as a complete HTML page."""
    if isinstance(report, FullReport):
        heading = title or report.title
        meta = f"{report.project} · {report.generated} · {report.selection.label}"
        parts = report.parts()
        left_out = "".join(f'<p class="note">{_escape(n)}</p>\n' for n in report.extra_notes)
        body = (
            contents(parts)
            + left_out
            + "".join(section(part, rollup=report.rollup) for part in parts)
        )
    else:
        heading = title or _title(report)
        meta = ""
        body = section(report, **view)
    return _page(heading, meta, body)


def _page(heading: str, meta: str, body: str) -> str:
    """The self-contained page around ``body``."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_escape(heading)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"<h1>{_escape(heading)}</h1>\n"
        + (f'<p class="meta">{_escape(meta)}</p>\n' if meta else "")
        + body
        + "</body>\n</html>\n"
    )


def tables_html(title: str, tables: list[Table]) -> str:
    """A complete HTML page of ``tables`` (for tables that are not one of the reports)."""
    return _page(
        title,
        "",
        "<section>\n"
        + "".join(table_html(t, heading=len(tables) > 1 or t.title != title) for t in tables)
        + "</section>\n",
    )


def _anchor(report: Any) -> str:
    """The id of a report's section (``by-attribute-role``), linked from the contents."""
    name = getattr(report, "kind", "report") + (
        f"-{report.attribute}" if isinstance(report, ByAttributeReport) else ""
    )
    return _escape("-".join(name.split()))


def contents(parts: list[Any]) -> str:
    """A table of contents: a link to each part's section, by its title."""
    items = "".join(
        f'<li><a href="#{_anchor(part)}">{_escape(_title(part))}</a></li>\n' for part in parts
    )
    return f'<nav class="contents">\n<h2>Contents</h2>\n<ol>\n{items}</ol>\n</nav>\n'


def section(report: Any, **view: Any) -> str:
    """One report as an HTML ``<section>``."""
    anchor = _anchor(report)
    if isinstance(report, QuoteReport):
        inner = quotes_html(report)
    elif isinstance(report, CodebookReport):
        inner = codebook_html(report)
    elif isinstance(report, AgreementPart) and report.report is None:
        inner = f"<h2>{_escape(AGREEMENT_TITLE)}</h2>\n" + "".join(
            f'<p class="note">{_escape(n)}</p>\n' for n in report.notes
        )
    else:
        inner = ""
        if isinstance(report, CooccurrenceReport):
            heat = cooccurrence_heat_map(report)
            inner += f'<div class="scroll">{heat}</div>\n' if heat else ""
        if isinstance(report, FrequencyReport):
            inner += frequency_chart(
                report, measure=view.get("measure", "segments"), rollup=view.get("rollup", True)
            )
        for table in reading_tables(report, **view):
            inner += table_html(table, heat=_heat(report, table))
    return f'<section id="{anchor}">\n{inner}</section>\n'


def frequency_chart(
    report: FrequencyReport, *, measure: str = "segments", rollup: bool = True
) -> str:
    bars = [
        (
            ("\u2003" * row.code.depth) + row.code.label,
            getattr(row.counts(rollup), measure) or 0,
            row.code.colour,
        )
        for row in report.rows
    ]
    bars = [b for b in bars if b[1]]
    fmt = "{:.1f}" if measure == "percent" else "{:,.0f}"
    return (
        bar_chart(bars, title=f"{BAR_MEASURES[measure]} by code", value_format=fmt) if bars else ""
    )


def cooccurrence_heat_map(report: CooccurrenceReport) -> str:
    """The co-occurrence matrix as an inline SVG heat map, diagonal apart (see :func:`.svg.heat_map`)."""
    used = [i for i in range(len(report.codes)) if report.counts[i][i]]
    if not 2 <= len(used) <= MAX_HEAT_CODES:
        return ""
    matrix = report.values if report.values is not None else report.counts
    values = [[None if i == j else matrix[i][j] for j in used] for i in used]
    what = (
        NORMALISATIONS[report.normalise].split(":")[0].split(" (")[0]
        if report.normalise
        else "segments coded with both"
    )
    return heat_map(
        [report.codes[i].label for i in used],
        [report.codes[i].short for i in used],
        values,
        [int(report.counts[i][i]) for i in used],
        title=f"Co-occurrence heat map ({what})",
        value_format="{:.2f}" if report.values is not None else "{:,.0f}",
    )


def table_html(
    table: Table, heat: dict[tuple[int, str], float] | None = None, *, heading: bool = True
) -> str:
    """The table with its heading (unless the page's title already says it) and notes."""
    columns = table.display_columns()
    head = "".join(f'<th{_num(c.kind)} scope="col">{_escape(c.label)}</th>' for c in columns)
    body = []
    for i, row in enumerate(table.rows):
        cells = []
        for column in columns:
            text = _escape(format_cell(row.get(column.key), column.kind))
            if column.key == table.indent and row.get("_depth"):
                text = "\u2003" * int(row["_depth"]) + text
            value = heat.get((i, column.key)) if heat else None
            style = DIAGONAL_STYLE if value == DIAGONAL else shade(value)
            attribute = f' style="{style}"' if style else ""
            cells.append(f"<td{_num(column.kind)}{attribute}>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    notes = "".join(f'<p class="note">{_escape(n)}</p>' for n in table.notes)
    return (
        (f"<h2>{_escape(table.title)}</h2>\n" if heading else "")
        + f'<div class="scroll"><table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n'
        + "\n".join(body)
        + f"\n</tbody>\n</table></div>\n{notes}\n"
    )


def quotes_html(report: QuoteReport) -> str:
    out = [f"<h2>Quotes ({_escape(report.selection.label)})</h2>\n"]
    for code, found in report.by_code():
        out.append(f"<h3>{_escape(code.label)}</h3>\n")
        if not found:
            out.append('<p class="note">No coded passages.</p>\n')
        for quote in found:
            inner = ""
            if quote.before:
                inner += f'<p class="context">… {_escape(quote.before)}</p>'
            inner += "".join(
                f"<p>{_escape(p.strip())}</p>" for p in quote.text.split("\n") if p.strip()
            )
            if quote.after:
                inner += f'<p class="context">… {_escape(quote.after)}</p>'
            out.append(
                f'<blockquote>{inner}</blockquote>\n<p class="attribution">{_escape(attribution(quote))}</p>\n'
            )
            for memo in quote.memos:
                who = f" ({_escape(memo.author)})" if memo.author else ""
                out.append(
                    f'<p class="memo"><strong>Memo{who}:</strong> {_escape(memo.text)}</p>\n'
                )
    out.append("".join(f'<p class="note">{_escape(n)}</p>' for n in report.notes))
    return "".join(out)


def codebook_html(report: CodebookReport) -> str:
    out = [f"<h2>{_escape(report.name)}</h2>\n"]
    if report.description:
        out.append(f"<p>{_escape(report.description)}</p>\n")
    for entry in report.entries:
        level = min(3 + entry.code.depth, 6)
        out.append(
            f'<h{level}>{_escape(entry.code.label)}</h{level}>\n<p class="counts">{_escape(counts_line(entry))}</p>\n'
        )
        items = "".join(f"<dt>{_escape(t)}</dt><dd>{_escape(v)}</dd>" for t, v in guidance(entry))
        if items:
            out.append(f'<dl class="code">{items}</dl>\n')
    out.append("".join(f'<p class="note">{_escape(n)}</p>' for n in report.notes))
    return "".join(out)


#: The shading key of a diagonal cell (greyed, not on the scale).
DIAGONAL = -1.0
DIAGONAL_STYLE = "background-color: #eaeef2"


def _heat(report: Any, table: Table) -> dict[tuple[int, str], float] | None:
    """Shading for matrix-like tables: by-attribute %, co-occurrence and code × transcript values."""
    if isinstance(report, ByAttributeReport):
        return {
            (i, f"g{g}"): (cell.percent or 0) / 100
            for i, row in enumerate(report.rows)
            for g, cell in enumerate(row.cells)
        }
    if isinstance(report, (CooccurrenceReport, MatrixReport)) and table.name in (
        "cooccurrence",
        "matrix",
    ):
        keys = [c.key for c in table.columns if c.key[:1] in "ct" and c.key[1:].isdigit()]
        values = [(i, k, row.get(k)) for i, row in enumerate(table.rows) for k in keys]
        top = max((v for _, _, v in values if isinstance(v, (int, float))), default=0) or 1
        shading = {(i, k): v / top for i, k, v in values if isinstance(v, (int, float))}
        if isinstance(report, CooccurrenceReport):
            # Each row's own column (its blank diagonal) and its own frequency, greyed.
            used = [j for j in range(len(report.codes)) if report.counts[j][j]]
            for i, code_index in enumerate(used[: len(table.rows)]):
                shading[(i, f"c{code_index}")] = DIAGONAL
                shading[(i, "n")] = DIAGONAL
        return shading
    return None


def _num(kind: str) -> str:
    return ' class="num"' if kind != "text" else ""


def _title(report: Any) -> str:
    if isinstance(report, AgreementPart):
        return AGREEMENT_TITLE
    tables = reading_tables(report) if not isinstance(report, (QuoteReport, CodebookReport)) else []
    if tables:
        return tables[0].title
    if isinstance(report, CodebookReport):
        return report.name
    return f"Quotes ({report.selection.label})"
