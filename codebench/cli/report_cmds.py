"""`codebench report KIND`: theme tables, matrices, quotes and the whole HTML report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from codebench.cli.context import Context, handle_errors, pass_ctx
from codebench.cli.output import (
    check_binary_stdout,
    console,
    is_stdout,
    output_option,
    say,
    write_output,
)
from codebench.cli.pseudonymise_option import pseudonymise_option, pseudonymiser_for
from codebench.reports.compute import (
    FORMATS,
    KINDS,
    MEASURES,
    compute_report,
    quotes_behind_cells,
    scope_help,
    workbook_with_quotes,
)
from codebench.wording import plural


@click.command(name="report", short_help="Theme tables, co-occurrence, quotes and the HTML report.")
@click.argument("kind", type=click.Choice(KINDS))
@click.option(
    "--coder",
    "coders",
    multiple=True,
    metavar="NAME",
    help="Whose codings: a coder's name, 'all' (every human coder) or 'consensus'; repeatable. "
    "Default: the consensus coder once it is marked done on every transcript in scope, else all coders pooled (the output says which).",
)
@click.option(
    "--where",
    multiple=True,
    metavar="KEY=VALUE",
    help=scope_help(
        "--where",
        "only transcripts whose attribute KEY is VALUE (KEY!=VALUE: another value; "
        "speaker.KEY: a participant's own); repeatable.",
    ),
)
@click.option(
    "--transcripts",
    multiple=True,
    metavar="A,B",
    help=scope_help("--transcripts", "only these transcripts."),
)
@click.option(
    "--speaker",
    "speakers",
    multiple=True,
    metavar="NAME",
    help=scope_help(
        "--speaker", "only what this speaker says (a coding counts where it overlaps); repeatable."
    ),
)
@click.option(
    "--round",
    "round_ref",
    metavar="N",
    help=scope_help(
        "--round", "only a reliability round (its sample's transcripts, coded by its coders)."
    ),
)
@click.option(
    "--attribute",
    "--by",
    "attributes",
    multiple=True,
    metavar="KEY",
    help="by-attribute: the attribute to break down by (role, organisation, …). "
    "crossed: each attribute to cross (repeat: --by role --by stage; speaker.KEY for a participant's). "
    "html: which to include.",
)
@click.option(
    "--cases",
    type=click.Choice(["transcripts", "participants"]),
    default="transcripts",
    show_default=True,
    help="crossed, matrix, by-attribute: count transcripts or participants (a speaker within a transcript) as the cases.",
)
@click.option(
    "--by-participant",
    is_flag=True,
    help="crossed, matrix, by-attribute: participants as the cases (as --cases participants).",
)
@click.option(
    "--min-group",
    type=click.IntRange(min=1),
    default=3,
    show_default=True,
    metavar="N",
    help="crossed: flag groups with fewer than N cases as small.",
)
@click.option(
    "--presence",
    is_flag=True,
    help="matrix: 1/0 for whether the code occurs, not coded-segment counts.",
)
@click.option(
    "--transpose",
    is_flag=True,
    help="matrix: transcripts as rows (with their attributes), codes as columns.",
)
@click.option(
    "--normalise",
    "--normalize",
    "normalise",
    type=click.Choice(["jaccard", "c", "overlap"]),
    help="cooccurrence: add a normalised matrix (Jaccard, ATLAS.ti's c-coefficient, or overlap).",
)
@click.option(
    "--code",
    "codes",
    multiple=True,
    metavar="CODE",
    help="quotes (and html): a code number or name; repeatable.",
)
@click.option(
    "--context", is_flag=True, help="quotes: add the segment before and after each passage."
)
@click.option(
    "--no-subcodes", is_flag=True, help="quotes: only the codes named, not their sub-codes."
)
@click.option(
    "--rollup/--no-rollup",
    default=True,
    show_default=True,
    help="Count sub-codes into their parents (a segment counts once).",
)
@click.option(
    "--measure",
    type=click.Choice(MEASURES),
    default="segments",
    show_default=True,
    help="frequencies: the measure the bar chart shows.",
)
@click.option(
    "--with-quotes",
    is_flag=True,
    help="xlsx (frequencies, by-attribute, crossed, matrix): add a sheet of the quotes behind each cell.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    help="Output format (default: from -o's extension, else a table).",
)
@output_option("Write to this file (atomically).")
@pseudonymise_option
@pass_ctx
@handle_errors
def report(
    ctx: Context,
    kind: str,
    coders: tuple[str, ...],
    where: tuple[str, ...],
    transcripts: tuple[str, ...],
    speakers: tuple[str, ...],
    round_ref: str | None,
    attributes: tuple[str, ...],
    cases: str,
    by_participant: bool,
    min_group: int,
    presence: bool,
    transpose: bool,
    normalise: str | None,
    codes: tuple[str, ...],
    context: bool,
    no_subcodes: bool,
    rollup: bool,
    measure: str,
    with_quotes: bool,
    fmt: str | None,
    output: Path | None,
    pseudonymise: str | None,
) -> None:
    """Report on the coding: KIND is one of frequencies, by-attribute, crossed, matrix,
    cooccurrence, quotes, codebook, progress, memos (every memo, by --coder, one
    --code), or html (the whole report on one page).

    \b
    Examples:
      codebench report frequencies
      codebench report by-attribute --attribute role -o by-role.xlsx
      codebench report crossed --by role --by organisation --min-group 3 -o crossed.xlsx
      codebench report crossed --by speaker.role --cases participants
      codebench report crossed --by role --by stage --with-quotes -o crossed.xlsx
      codebench report frequencies --where role=commissioner --where "stage!=in-house comparator"
      codebench report frequencies --round 1
      codebench report cooccurrence --normalise jaccard -o cooccurrence.csv
      codebench report quotes --code 12 --context -o quotes-12.docx
      codebench report matrix --presence --transpose --format csv-wide -o cases.csv
      codebench report matrix --by-participant --presence -o participants.xlsx
      codebench report memos --coder alice -o memos-alice.docx
      codebench report html -o report.html
      codebench report quotes --pseudonymise -o quotes-for-client.docx
    """
    from codebench.errors import CodebenchError
    from codebench.reports import writers

    to_stdout = is_stdout(output)
    if to_stdout:
        output = None
    if fmt is None and output is None and kind == "html":
        fmt = "html"
    fmt = writers.infer_format(output, fmt)
    if fmt in writers.BINARY:
        if to_stdout:
            check_binary_stdout(f"{fmt} output")
        elif output is None:
            raise CodebenchError(
                f"{fmt} output needs a file: add -o FILE (or -o - to write it to a pipe)"
            )
    with ctx.open(write=False) as project:
        result = compute_report(
            project,
            kind,
            coders=list(coders) or None,
            attributes=list(attributes),
            cases="participants" if by_participant else cases,
            min_group=min_group,
            presence=presence,
            normalise=normalise,
            codes=list(codes),
            context=context,
            subcodes=not no_subcodes,
            rollup=rollup,
            where=list(where),
            transcripts=list(transcripts),
            round_ref=round_ref,
            speakers=list(speakers),
        )
        quotes_sheet = None
        if with_quotes:
            if fmt != "xlsx":
                raise CodebenchError(
                    "--with-quotes adds a sheet to an xlsx workbook: use -o FILE.xlsx"
                )
            quotes_sheet = quotes_behind_cells(
                project,
                kind,
                result,
                coders=list(coders),
                where=list(where),
                transcripts=list(transcripts),
                attributes=list(attributes),
                cases="participants" if by_participant else cases,
                rollup=rollup,
                round_ref=round_ref,
                speakers=list(speakers),
            )
        pseudonymiser = pseudonymiser_for(project, pseudonymise)
        if pseudonymiser is not None:  # one place, before any format is rendered
            result = pseudonymiser.value(result)
            if quotes_sheet is not None:
                quotes_sheet.rows = pseudonymiser.value(quotes_sheet.rows)
        view = {"rollup": rollup, "measure": measure, "transpose": transpose}
        if quotes_sheet is not None and output is not None:
            writers.write_rendered(output, workbook_with_quotes(result, quotes_sheet, view), fmt)
            say(f"Wrote {output} ({kind}, {fmt}, with the quotes behind each cell)", err=True)
        elif output is not None:
            writers.write(result, output, fmt, **view)
            beside = writers.notes_beside(result, output, fmt)
            say(
                f"Wrote {output} ({kind}, {fmt})"
                + (f"; its notes (whose codings, the rules) in {beside}" if beside else ""),
                err=True,
            )
        elif fmt == "table":
            from codebench.reports.render_rich import renderables

            out = console()
            for item in renderables(result, **view):
                out.print(item)
        else:
            write_output("-", writers.render(result, fmt, **view), what=f"{fmt} output")


@click.command(name="explain", short_help="The passages behind one cell of a report's table.")
@click.argument(
    "kind", type=click.Choice(["frequencies", "by-attribute", "crossed", "matrix", "cooccurrence"])
)
@click.option("--row", required=True, metavar="CODE", help="The cell's row: a code number or name.")
@click.option(
    "--column",
    metavar="VALUE",
    help="The cell's column: an attribute value (by-attribute), a group (crossed: 'manager × Riverside', "
    "'manager,Riverside' or G1), a transcript or TRANSCRIPT/SPEAKER (matrix), a code (cooccurrence).",
)
@click.option("--coder", "coders", multiple=True, metavar="NAME", help="As for the report.")
@click.option("--where", multiple=True, metavar="KEY=VALUE", help="As for the report.")
@click.option("--transcripts", multiple=True, metavar="A,B", help="As for the report.")
@click.option("--speaker", "speakers", multiple=True, metavar="NAME", help="As for the report.")
@click.option("--round", "round_ref", metavar="N", help="As for the report.")
@click.option(
    "--attribute", "--by", "attributes", multiple=True, metavar="KEY", help="As for the report."
)
@click.option(
    "--cases",
    type=click.Choice(["transcripts", "participants"]),
    default="transcripts",
    show_default=True,
    help="As for the report (crossed, matrix).",
)
@click.option("--by-participant", is_flag=True, help="As --cases participants.")
@click.option(
    "--rollup/--no-rollup",
    default=True,
    show_default=True,
    help="As for the report: a parent code's row includes its sub-codes' passages.",
)
@click.option("--context", is_flag=True, help="Add the segment before and after each passage.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice([f for f in FORMATS if f not in ("png", "svg")]),
    help="Output format (default: from -o's extension, else the terminal).",
)
@output_option("Write to this file (atomically).")
@pseudonymise_option
@pass_ctx
@handle_errors
def explain(
    ctx: Context,
    kind: str,
    row: str,
    column: str | None,
    coders: tuple[str, ...],
    where: tuple[str, ...],
    transcripts: tuple[str, ...],
    speakers: tuple[str, ...],
    round_ref: str | None,
    attributes: tuple[str, ...],
    cases: str,
    by_participant: bool,
    rollup: bool,
    context: bool,
    fmt: str | None,
    output: Path | None,
    pseudonymise: str | None,
) -> None:
    """List the passages behind the cell --row CODE × --column VALUE of a report
    (the same KIND and arguments as `codebench report`).

    \b
    Examples:
      codebench explain by-attribute --attribute role --row 04.2 --column "senior manager"
      codebench explain crossed --by role --by stage --row 12 --column "senior manager × established"
      codebench explain crossed --by role --by stage --row 12 --column G2 -o quotes.docx
      codebench explain matrix --row 05.1 --column 01-riverside-ceo
      codebench explain cooccurrence --row 04.2 --column 10
    """
    from codebench.analysis.explain import CellSpec
    from codebench.analysis.explain import explain as explain_cell
    from codebench.analysis.scope import ScopeSpec
    from codebench.errors import CodebenchError
    from codebench.reports import writers

    to_stdout = is_stdout(output)
    if to_stdout:
        output = None
    fmt = writers.infer_format(output, fmt)
    if fmt in writers.BINARY:
        if to_stdout:
            check_binary_stdout(f"{fmt} output")
        elif output is None:
            raise CodebenchError(f"{fmt} output needs a file: add -o FILE")
    spec = CellSpec(
        kind,
        ScopeSpec.of(where, transcripts, coders, speakers, round_ref),
        tuple(attributes),
        "participants" if by_participant else cases,
        rollup,
    )
    with ctx.open(write=False) as project:
        result: Any = explain_cell(project, spec, row, column, context=context)
        pseudonymiser = pseudonymiser_for(project, pseudonymise)
        if pseudonymiser is not None:
            result = pseudonymiser.value(result)
        if output is not None:
            writers.write(result, output, fmt)
            say(f"Wrote {output} ({plural(len(result.quotes), 'passage')}, {fmt})", err=True)
        elif fmt == "table":
            from codebench.reports.render_rich import renderables

            out = console()
            for item in renderables(result):
                out.print(item)
        else:
            write_output("-", writers.render(result, fmt), what=f"{fmt} output")


COMMANDS = [report, explain]
