"""`codebench framework`: the framework matrix (cases × themes, summaries and passages)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from codebench.cli.context import Context, handle_errors, new_coder_option, pass_ctx
from codebench.cli.output import console, is_stdout, output_option, say
from codebench.cli.pseudonymise_option import pseudonymise_option, pseudonymiser_for

if TYPE_CHECKING:
    from codebench.analysis.framework import FrameworkReport
    from codebench.project import Project


@dataclass(frozen=True)
class MatrixChoice:
    """The matrix the options picked, so every command builds it the one way."""

    coders: tuple[str, ...]
    cases: str
    codes: tuple[str, ...]
    only: tuple[str, ...]

    def build(self, project: Project) -> FrameworkReport:
        """The framework matrix of ``project`` for this choice."""
        from codebench.analysis.framework import framework_matrix

        return framework_matrix(
            project,
            list(self.coders) or None,
            cases=self.cases,
            codes=list(self.codes) or None,
            only=list(self.only) or None,
        )


def matrix_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The options that pick a matrix (whose passages, which cases, which themes),
    handed to the command as one ``matrix`` argument (a :class:`MatrixChoice`)."""

    @functools.wraps(func)
    def wrapper(
        *args: Any,
        coders: tuple[str, ...],
        cases: str,
        by_participant: bool,
        codes: tuple[str, ...],
        only: tuple[str, ...],
        **kwargs: Any,
    ) -> Any:
        cases = "participants" if by_participant else cases
        return func(*args, matrix=MatrixChoice(coders, cases, codes, only), **kwargs)

    options = [
        click.option(
            "--coder",
            "coders",
            multiple=True,
            metavar="NAME",
            help="Whose passages: a coder, 'all' or 'consensus'; repeatable (default as for reports).",
        ),
        click.option(
            "--cases",
            type=click.Choice(["transcripts", "participants"]),
            default="transcripts",
            show_default=True,
            help="Rows: transcripts, or participants (TRANSCRIPT/SPEAKER).",
        ),
        click.option(
            "--by-participant", is_flag=True, help="Participants as rows (as --cases participants)."
        ),
        click.option(
            "--code", "codes", multiple=True, metavar="CODE", help="Only these themes; repeatable."
        ),
        click.option(
            "--case", "only", multiple=True, metavar="CASE", help="Only these cases; repeatable."
        ),
    ]
    command: Callable[..., Any] = wrapper
    for option in reversed(options):
        command = option(command)
    return command


@click.group(name="framework")
def framework() -> None:
    """The framework matrix: cases × themes, each cell a written summary with its passages.

    A case is a transcript (int1) or a participant (fg1/P2); a theme is a
    code. A cell's passages are the case's passages coded with the code.

    \b
    Examples:
      codebench framework set 01-riverside-ceo 04.2 --summary "Ethos strained by contracts" --coder alice
      codebench framework show --code 04.2
      codebench framework export -o framework.xlsx
    """


@framework.command(name="set")
@click.argument("case")
@click.argument("code")
@click.option("--summary", required=True, help="The cell's summary ('' clears it).")
@click.option("--coder", envvar="CODEBENCH_CODER", help="Who writes it (or set CODEBENCH_CODER).")
@new_coder_option
@pass_ctx
@handle_errors
def set_cell(ctx: Context, case: str, code: str, summary: str, coder: str | None) -> None:
    """Write the summary of CASE (a transcript, or TRANSCRIPT/SPEAKER) under theme CODE.

    \b
    Example:
      codebench framework set fg1/P2 12 --summary "New clinic as innovation" --coder alice
    """
    from codebench.analysis.framework import resolve_case, set_summary

    with ctx.open() as project:
        cell = set_summary(project, case, code, summary, coder)
        where = resolve_case(project, case).name
        label = project.code(code)
    what = "Cleared" if not cell.summary else "Wrote"
    say(f"{what} the summary of {where} under {label.number or label.name}")


@framework.command(name="show")
@matrix_options
@click.option("--passages", is_flag=True, help="Also list every cell's passages.")
@pass_ctx
@handle_errors
def show(ctx: Context, matrix: MatrixChoice, passages: bool) -> None:
    """Show each case's themes: summary, passage count and where the passages are.

    \b
    Examples:
      codebench framework show
      codebench framework show --by-participant --case fg1/P2 --passages
    """
    from codebench.analysis.framework import case_tables
    from codebench.reports.render_rich import notes_text, rich_table

    with ctx.open(write=False) as project:
        report = matrix.build(project)
    out = console()
    tables = case_tables(report)
    for table in tables:
        out.print(rich_table(table))
    if not tables:
        say("No case has a summary or a coded passage of these themes yet.")
    if passages:
        for item in passage_blocks(report):
            out.print(item)
    out.print(notes_text(report.notes))


def passage_blocks(report: FrameworkReport) -> list[Any]:
    """Each cell's passages, under the case and the theme, for reading in the terminal."""
    from rich.padding import Padding
    from rich.text import Text

    from codebench.safety import terminal_safe

    out: list[Any] = []
    for case, code, cell in report.each_cell():
        if not cell.passages:
            continue
        out.append(Text(terminal_safe(f"{case.name} · {code.label}"), style="bold"))
        for quote in cell.passages:
            who = f" · {quote.speaker}" if quote.speaker else ""
            head = f"{quote.location}{who} ({', '.join(quote.coders)})"
            out.append(Padding(Text(terminal_safe(head), style="dim"), (0, 0, 0, 2)))
            out.append(Padding(Text(terminal_safe(quote.text)), (0, 0, 1, 4)))
    return out


@framework.command(name="export")
@matrix_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx", "md", "html", "docx", "json"]),
    help="Output format (default: from -o's extension).",
)
@output_option("Write to this file (atomically).")
@pseudonymise_option
@pass_ctx
@handle_errors
def export(
    ctx: Context,
    matrix: MatrixChoice,
    fmt: str | None,
    output: Path | None,
    pseudonymise: str | None,
) -> None:
    """Export the matrix: XLSX (the matrix, the passages keyed to each cell, one row per cell),
    Word, Markdown or HTML (a table per case, then the passages), CSV (one row per cell), JSON.

    \b
    Examples:
      codebench framework export -o framework.xlsx
      codebench framework export --by-participant -o framework.docx
      codebench framework export --pseudonymise -o framework-shared.xlsx
    """
    from codebench.analysis.framework import FORMATS, render_framework
    from codebench.cli.output import write_output
    from codebench.errors import CodebenchError
    from codebench.reports import writers

    if output is None or (is_stdout(output) and fmt is None):
        raise CodebenchError("export needs -o FILE (or --format FORMAT -o - for a pipe)")
    fmt = fmt or writers.infer_format(output)
    if fmt not in FORMATS:
        raise CodebenchError(
            f"a framework matrix cannot be written as {fmt} (use {', '.join(FORMATS)})"
        )
    with ctx.open(write=False) as project:
        report = matrix.build(project)
        pseudonymiser = pseudonymiser_for(project, pseudonymise)
        if pseudonymiser is not None:  # one place, before any format is rendered
            report = pseudonymiser.value(report)
    data = render_framework(report, fmt)
    if is_stdout(output):
        write_output(output, data, what=f"{fmt} output")
        return
    writers.write_rendered(output, data, fmt)
    say(f"Wrote {output} (framework matrix, {fmt})", err=True)


COMMANDS = [framework]
