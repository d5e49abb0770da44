"""Rendering rows for the terminal (rich), or as JSON / CSV for scripts."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Sequence
from typing import Any


def emit(
    rows: Sequence[dict[str, Any]],
    fmt: str,
    *,
    title: str | None = None,
    columns: Sequence[str] | None = None,
) -> None:
    """Write ``rows`` to stdout as a rich table, JSON array, or CSV."""
    columns = list(columns or (rows[0].keys() if rows else []))
    if fmt == "json":
        sys.stdout.write(json.dumps(list(rows), ensure_ascii=False, indent=2) + "\n")
    elif fmt == "csv":
        writer = csv.DictWriter(
            sys.stdout, fieldnames=columns, extrasaction="ignore", lineterminator="\n"
        )
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _flat(row.get(k)) for k in columns})
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=title, show_lines=False, header_style="bold")
        for column in columns:
            table.add_column(column.replace("_", " "), overflow="fold")
        for row in rows:
            table.add_row(*[_cell(row.get(c)) for c in columns])
        Console().print(table)


def _flat(value: Any) -> Any:
    if isinstance(value, dict):
        return "; ".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value)
    return "" if value is None else value


def _cell(value: Any) -> str:
    from rich.markup import escape

    return escape(str(_flat(value)))


def console() -> Any:
    from rich.console import Console

    return Console()
