"""The agreement report in each output format, through the reports' writers.

JSON is the report dict itself (its schema is in docs/agreement.md). CSV,
XLSX, Markdown, HTML and Word are the report's tables
(:mod:`codebench.agreement.tables`) written by
:func:`codebench.reports.writers.render_tables`, the writers every report
uses, so agreement output gets the same cell handling as the rest.
``table`` is the rich terminal layout (:mod:`.render_rich`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from codebench.agreement import tables as agreement_tables


def to_json(report: dict[str, Any]) -> str:
    """The report dict as JSON (never NaN or infinity)."""
    return json.dumps(report, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def render(report: dict[str, Any], fmt: str) -> str | bytes:
    """``report`` in ``fmt``: ``table``, ``json``, ``csv``, ``md``, ``html``, ``docx`` or ``xlsx``."""
    from codebench.reports.writers import render_tables

    if fmt == "json":
        return to_json(report)
    if fmt == "table":
        from codebench.agreement.render_rich import report_text

        return report_text(report)
    if fmt == "csv":
        return render_tables([agreement_tables.codes_data(report)], fmt, title="")
    tables = (
        agreement_tables.data_tables(report)
        if fmt == "xlsx"
        else agreement_tables.reading_tables(report)
    )
    return render_tables(tables, fmt, title=agreement_tables.title(report))


def write(report: dict[str, Any], path: Path, fmt: str) -> None:
    """Render ``report`` in ``fmt`` and write it to ``path`` atomically, as reports are written."""
    from codebench.reports.writers import write_rendered

    write_rendered(path, render(report, fmt), fmt)
