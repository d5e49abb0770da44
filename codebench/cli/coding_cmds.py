"""Scriptable coding: code/uncode a segment, import codings from CSV, list and write memos."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from codebench.cli.context import (
    Context,
    InputFile,
    coder_option,
    format_option,
    handle_errors,
    new_coder_option,
    pass_ctx,
)
from codebench.cli.output import emit, say
from codebench.cli.pseudonymise_option import pseudonymise_option, pseudonymiser_for
from codebench.errors import NotCodable
from codebench.wording import plural


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
        say(f"removed {plural(removed, 'coding')} of {c.label} from segment {segment}")


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
@new_coder_option
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
    say(
        f"{plural(result.rows, 'row')}: {plural(result.added, 'coding')} added, "
        f"{plural(result.memos, 'memo')} added"
    )


@click.command(name="memos")
@coder_option()
@click.option("--lead", is_flag=True, help="Every coder's memos (default: only --coder's own).")
@click.option("--author", help="Only memos by this coder (another coder's needs --lead).")
@click.option("--code", help="Only memos on this code or on codings of it.")
@click.option("--transcript", help="Only memos in this transcript.")
@click.option("--text", help="Only memos containing this text (case-insensitive).")
@format_option("table", "json", "csv")
@pseudonymise_option
@pass_ctx
@handle_errors
def memos(
    ctx: Context,
    coder: str,
    lead: bool,
    author: str | None,
    code: str | None,
    transcript: str | None,
    text: str | None,
    fmt: str,
    pseudonymise: str | None,
) -> None:
    """List memos with what each sits on: a segment, a coding, a transcript, a code, the project.

    Blind like codings: --coder sees their own memos; --lead shows everyone's.
    `codebench report memos` writes them to Markdown or Word.

    \b
    Examples:
      codebench memos --coder alice --transcript 01-riverside-ceo
      codebench memos --coder lead --lead --code 04 --format json
      codebench memos --coder lead --lead --pseudonymise --format csv > memos.csv
    """
    from codebench.coding.memos import memo_entries

    with ctx.open(write=False) as project:
        entries = memo_entries(
            project, coder, lead=lead, author=author, code=code, transcript=transcript, text=text
        )
        pseudonymiser = pseudonymiser_for(project, pseudonymise)
    rows: list[dict[str, Any]] = [
        {
            "id": e.id,
            "on": e.target,
            "author": e.author,
            "memo": e.text,
            "kind": e.kind,
            "transcript": e.transcript or "",
            "segment": e.segment,
            "updated": e.updated_at,
        }
        for e in entries
    ]
    if pseudonymiser is not None:  # each row mapped with its transcript's entries
        rows = pseudonymiser.value(rows)  # (the rows hold no offsets: no text is read)
    emit(
        rows,
        fmt,
        title="Memos",
        columns=["id", "on", "author", "memo", "kind", "transcript", "segment", "updated"],
    )


@click.command(name="memo")
@coder_option()
@click.argument("text")
@click.option("--transcript", help="On this transcript (with --code: on the code in it).")
@click.option("--code", help="On this code.")
@pass_ctx
@handle_errors
def memo(ctx: Context, coder: str, text: str, transcript: str | None, code: str | None) -> None:
    """Write a memo on a transcript, a code, or (with neither) the project.

    Segment and coding memos are written in the workbench (m, M). One logged
    action, undoable there like every memo.

    \b
    Examples:
      codebench memo --coder alice --transcript 01-riverside-ceo "Tense about the contract."
      codebench memo --coder alice --code 04 "Funding talk is mostly about renewals."
      codebench memo --coder alice "Saturation after interview 9?"
    """
    from codebench.coding.memos import add_memo

    with ctx.open() as project:
        memo_id = add_memo(project, coder, text, transcript=transcript, code=code)
    say(f"memo {memo_id} written")


COMMANDS = [code_segment, uncode_segment, import_codings, memos, memo]
