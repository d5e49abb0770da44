"""Scriptable coding: code/uncode a segment, import codings from CSV."""

from __future__ import annotations

from pathlib import Path

import click

from codebench.cli.context import Context, InputFile, coder_option, handle_errors, pass_ctx
from codebench.cli.output import say
from codebench.errors import NotCodable


@click.command(name="code-segment")
@coder_option()
@click.argument("transcript")
@click.argument("segment", type=int)
@click.argument("code")
@click.option(
    "--allow-noncodable",
    is_flag=True,
    help="Code the segment even if it is marked not codable (an interviewer turn).",
)
@pass_ctx
@handle_errors
def code_segment(
    ctx: Context, coder: str, transcript: str, segment: int, code: str, allow_noncodable: bool
) -> None:
    """Apply CODE (number or name) to a whole SEGMENT (ordinal) of TRANSCRIPT.

    Segments marked not codable (interviewer turns; see `codebench segments`)
    are refused, as in the workbench, unless --allow-noncodable.

    \b
    Example:
      codebench code-segment --coder alice 01-riverside-ceo 13 04.1
    """
    with ctx.open() as project:
        c = project.code(code)
        try:
            added = project.code_segments(
                coder, transcript, [segment], c, allow_noncodable=allow_noncodable
            )
        except NotCodable as error:
            raise NotCodable(f"{error}; pass --allow-noncodable to code it anyway") from None
        say(f"{'coded' if added else 'already coded'}: segment {segment} with {c.label}")


@click.command(name="uncode-segment")
@coder_option()
@click.argument("transcript")
@click.argument("segment", type=int)
@click.argument("code")
@pass_ctx
@handle_errors
def uncode_segment(ctx: Context, coder: str, transcript: str, segment: int, code: str) -> None:
    """Remove CODE from SEGMENT of TRANSCRIPT (every coding of it that overlaps the segment).

    \b
    Example:
      codebench uncode-segment --coder alice 01-riverside-ceo 13 04.1
    """
    with ctx.open() as project:
        c = project.code(code)
        removed = project.uncode_segments(coder, transcript, [segment], c)
        say(f"removed {removed} coding(s) of {c.label} from segment {segment}")


@click.command(name="import-codings")
@click.argument("csv_path", type=InputFile())
@click.option(
    "--allow-noncodable",
    is_flag=True,
    help="Code segments that are not codable (interviewer turns) instead of refusing the file.",
)
@click.option(
    "--encoding",
    metavar="NAME",
    help="Text encoding of a file without a byte-order mark (e.g. cp1252); default: detected.",
)
@pass_ctx
@handle_errors
def import_codings(
    ctx: Context, csv_path: Path, allow_noncodable: bool, encoding: str | None
) -> None:
    """Apply codings from a CSV with columns coder, transcript, segment, code[, memo].

    The file is applied whole or not at all; re-importing it changes nothing.
    A row coding an interviewer turn (a segment that is not codable) stops
    the import unless --allow-noncodable is given. A file that is not UTF-8
    is decoded with the encoding the evidence favours, which is printed;
    --encoding forces one.

    \b
    Example:
      codebench import-codings codings.csv
    """
    from codebench.coding.csv_import import import_codings_csv

    with ctx.open() as project:
        result = import_codings_csv(
            project, csv_path, allow_noncodable=allow_noncodable, encoding=encoding
        )
    if result.encoding is not None:
        say(f"{csv_path}: read as {result.encoding}")
    say(f"{result.rows} rows: {result.added} codings added, {result.memos} memos added")


COMMANDS = [code_segment, uncode_segment, import_codings]
