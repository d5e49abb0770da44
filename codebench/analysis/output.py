"""Query and search results in every output format, through the reports' writers.

``table`` is for the terminal (the CLI draws :func:`tables_for` with the
reports' rich tables); ``csv`` is one table (the counts with ``count_by``,
else the passages or hits); ``xlsx``, ``md``, ``html`` and ``docx`` hold the
counts (if asked for) and then the passages or hits; ``json`` is the result
itself with the counts' rows. Every cell goes through the writers' safety
rules (:mod:`codebench.safety`).
"""

from __future__ import annotations

import json
from typing import Any

from codebench.analysis.query import QueryResult
from codebench.analysis.search import SearchResult
from codebench.analysis.tables import (
    as_json,
    kwic_table,
    passages_table,
    query_counts,
    search_counts,
)
from codebench.errors import CodebenchError
from codebench.reports.tables import Table
from codebench.safety import json_safe

FORMATS = ("table", "csv", "xlsx", "md", "html", "docx", "json")
BINARY = ("xlsx", "docx")

Result = QueryResult | SearchResult


def tables_for(result: Result, count_by: str | None = None) -> list[Table]:
    """The counts table (when ``count_by``), then the passages or hits."""
    main = passages_table(result) if isinstance(result, QueryResult) else kwic_table(result)
    if count_by is None:
        return [main]
    return [counts_for(result, count_by), main]


def counts_for(result: Result, count_by: str) -> Table:
    if isinstance(result, QueryResult):
        return query_counts(result, count_by)
    return search_counts(result, count_by)


def render(result: Result, fmt: str, count_by: str | None = None) -> str | bytes:
    """``result`` in ``fmt`` (one of :data:`FORMATS` except ``table``)."""
    from codebench.reports.writers import render_tables

    if fmt == "json":
        data: dict[str, Any] = as_json(result)
        if isinstance(result, SearchResult):
            data["hits"] = as_json(result.hits)
        if count_by is not None:
            counts = counts_for(result, count_by)
            data["counts"] = {"by": count_by, "rows": counts.rows}
        return json_safe(json.dumps(data, ensure_ascii=False, indent=2)) + "\n"
    tables = tables_for(result, count_by)
    if fmt == "csv":
        tables = tables[:1]
    if fmt not in FORMATS or fmt == "table":
        raise CodebenchError(f"cannot write results as {fmt!r} (use {', '.join(FORMATS[1:])})")
    title = tables[-1].title
    return render_tables(tables, fmt, title=title)
