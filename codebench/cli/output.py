"""Rendering rows for the terminal (rich), or as JSON / CSV for scripts; where output goes.

Everything printed here is safe to print: table cells are
:class:`rich.text.Text` (never markup) with control characters made
visible, CSV cells are formula-safe, and JSON has C1/bidi controls escaped
(:mod:`codebench.safety`). :func:`console` gives a console that makes any
control character left in a renderable visible as it is drawn, so a
renderable built elsewhere cannot print an escape sequence either.
:func:`is_stdout` and :func:`write_output` make ``-o -`` mean standard
output for every command that takes ``-o``.
"""

from __future__ import annotations

import csv
import functools
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from codebench.errors import CodebenchError
from codebench.safety import json_safe, spreadsheet_cell, terminal_safe
from codebench.wording import plural

F = TypeVar("F", bound=Callable[..., Any])

#: The ``-o`` value that means standard output.
STDOUT = "-"


def emit(
    rows: Sequence[dict[str, Any]],
    fmt: str,
    *,
    title: str | None = None,
    columns: Sequence[str] | None = None,
    whole: Sequence[str] = (),
) -> None:
    """Write ``rows`` to stdout as a rich table, JSON array, or CSV.

    In a table, the ``whole`` columns are never folded (the others fold to fit).
    """
    columns = list(columns or (rows[0].keys() if rows else []))
    if fmt == "json":
        sys.stdout.write(json_safe(json.dumps(list(rows), ensure_ascii=False, indent=2)) + "\n")
    elif fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow([_csv(c) for c in columns])
        for row in rows:
            writer.writerow([_csv(_flat(row.get(c))) for c in columns])
    else:
        from rich.table import Table
        from rich.text import Text

        shown = _columns_that_fit(rows, columns, whole, console().width)
        if len(shown) < len(columns):
            left = [c for c in columns if c not in shown]
            say(
                f"({plural(len(left), 'column')} left out at this width: {', '.join(left)}; "
                "use --format csv or json, or a wider terminal)",
                err=True,
            )
            columns = shown
        table = Table(
            title=Text(terminal_safe(title), style="italic") if title is not None else None,
            show_lines=False,
            header_style="bold",
        )
        for column in columns:
            if column in whole:
                table.add_column(Text(terminal_safe(column.replace("_", " "))), no_wrap=True)
            else:
                table.add_column(Text(terminal_safe(column.replace("_", " "))), overflow="fold")
        for row in rows:
            table.add_row(*[Text(terminal_safe(_flat(row.get(c)))) for c in columns])
        console().print(table)


#: The narrowest a folded column may get before it is left out instead (folding a
#: column to three characters makes every cell of it unreadable).
MIN_FOLDED = 10


def _columns_that_fit(
    rows: Sequence[dict[str, Any]], columns: list[str], whole: Sequence[str], width: int
) -> list[str]:
    """The leading columns that fit ``width`` with each folded one at least :data:`MIN_FOLDED` wide.

    A column takes its widest cell (whole columns) or ``min(widest, MIN_FOLDED)``,
    plus three for the border and padding; the first column is always kept.
    """
    used = 1
    shown: list[str] = []
    for column in columns:
        widest = max([len(str(_flat(row.get(column)))) for row in rows] + [len(column)])
        need = (widest if column in whole else min(widest, MIN_FOLDED)) + 3
        if shown and used + need > width:
            break
        shown.append(column)
        used += need
    return shown


def say(message: Any, *, err: bool = False, nl: bool = True) -> None:
    """``click.echo`` for a message that quotes names, file names or text (controls made visible)."""
    click.echo(terminal_safe(message), err=err, nl=nl)


def _flat(value: Any) -> Any:
    """A cell for a table or CSV: mappings as ``k=v; …``, lists as ``a, b`` (nested the same way)."""
    if isinstance(value, dict):
        return "; ".join(f"{k}={_flat(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(str(_flat(v)) for v in value)
    return "" if value is None else value


def _csv(value: Any) -> Any:
    return "" if value is None else spreadsheet_cell(value)


def console(**options: Any) -> Any:
    """A rich console whose output never carries a control character from the data."""
    return _safe_console_class()(**options)


@functools.cache
def _safe_console_class() -> type:
    from rich.console import Console, ConsoleOptions, RenderableType
    from rich.segment import Segment

    class SafeConsole(Console):
        """Makes control characters in drawn text visible (rich passes ESC, CSI, OSC… through)."""

        def render(
            self, renderable: RenderableType, options: ConsoleOptions | None = None
        ) -> Iterable[Segment]:
            for segment in super().render(renderable, options):
                if segment.control:
                    yield segment  # rich's own cursor and screen controls
                else:
                    safe = terminal_safe(segment.text)
                    yield segment if safe is segment.text else Segment(safe, segment.style)

    return SafeConsole


# ---------------------------------------------------------------------- -o
def output_option(help: str, *, required: bool = False) -> Callable[[F], F]:
    """``-o/--output FILE``; ``-`` means standard output (``./-`` is a file named ``-``).

    The command receives a :class:`~pathlib.Path`, or the string :data:`STDOUT`
    for ``-`` (a ``Path`` would turn ``./-`` into ``-`` too); test it with
    :func:`is_stdout`.
    """
    return click.option(
        "-o",
        "--output",
        required=required,
        type=click.Path(dir_okay=False, allow_dash=True),
        callback=_output_value,
        help=f"{help} '-' writes to standard output.",
    )


def _output_value(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    if value is None or value == STDOUT:
        return value
    path = Path(value)
    reason = _would_destroy(ctx, path)
    if reason is not None:
        raise click.BadParameter(f"{value!r} {reason}; nothing was written", ctx, param)
    return path


def _would_destroy(ctx: click.Context, path: Path) -> str | None:
    """Why writing ``path`` would destroy a database (a mistyped ``-o``), or ``None``.

    ``-p study.db export jsonl -o study.db`` replaced the project with its own
    dump. An existing SQLite file (this project, its ``-wal``, another
    project) is never an output of codebench, so it is never replaced.
    """
    from codebench.cli.context import Context

    state = ctx.find_object(Context)
    if state is not None:
        project = state.path
        for part in ("", "-wal", "-shm", "-journal"):
            candidate = Path(f"{project}{part}")
            try:
                if path.exists() and candidate.exists() and path.samefile(candidate):
                    return "is the project file (or part of it)"
            except OSError:
                continue
    from codebench.fileio import is_sqlite_file

    if is_sqlite_file(path):
        return "is an SQLite database (a project?), which an export never replaces"
    return None


def is_stdout(output: Path | str | None) -> bool:
    """Whether ``-o`` named standard output (the bare ``-``, not a path ``./-``)."""
    return isinstance(output, str) and output == STDOUT


def check_binary_stdout(what: str) -> None:
    """Refuse to send a binary format to a terminal (it would print garbage, or worse)."""
    if sys.stdout.isatty():
        raise CodebenchError(
            f"{what} is binary: not written to a terminal (redirect or pipe standard output, "
            "or give -o FILE)"
        )


def write_output(output: Path | str, data: bytes | str, *, what: str = "this output") -> None:
    """``data`` to ``output`` (atomically), or to standard output for ``-``.

    A CSV's notes (:class:`codebench.reports.writers.CsvText`) go beside the
    file (``<name>.notes.txt``), or to standard error when the CSV goes to
    standard output, so the CSV itself stays plain CSV.
    """
    from codebench.reports.writers import notes_of, write_with_notes

    notes = notes_of(data)
    if is_stdout(output):
        if isinstance(data, bytes):
            check_binary_stdout(what)
            sys.stdout.flush()
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        else:
            sys.stdout.write(data)
            sys.stdout.flush()
            for note in notes:
                say(note, err=True)
        return
    write_with_notes(output, data, notes)


def copy_to_stdout(path: Path) -> None:
    """Stream a finished file to standard output (binary), in blocks."""
    import shutil

    sys.stdout.flush()
    with open(path, "rb") as handle:
        shutil.copyfileobj(handle, sys.stdout.buffer, 1 << 20)
    sys.stdout.buffer.flush()
