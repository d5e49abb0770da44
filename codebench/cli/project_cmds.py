"""Project commands: init, demo, import, transcripts, segments, coders, status."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from codebench.cli.context import (
    Context,
    InputFile,
    coder_option,
    format_option,
    handle_errors,
    pass_ctx,
)
from codebench.cli.output import console, emit, say
from codebench.cli.pseudonymise_option import pseudonymise_option, pseudonymiser_for
from codebench.errors import CodebenchError
from codebench.wording import plural

if TYPE_CHECKING:
    from codebench.project import Project


@click.command()
@click.option(
    "--codebook",
    "codebook_path",
    type=InputFile(),
    help="Codebook file (YAML, JSON or REFI-QDA .qdc); default: the bundled mutuals codebook (35 codes: 21 themes, 14 sub-codes).",
)
@click.option("--empty", is_flag=True, help="Start with no codebook.")
@pass_ctx
@handle_errors
def init(ctx: Context, codebook_path: Path | None, empty: bool) -> None:
    """Create a project file, with a codebook.

    \b
    Examples:
      codebench init
      codebench -p study.db init --codebook my-codebook.yaml
    """
    from codebench.codebook.format import default_codebook_path, load_codebook
    from codebench.project import Project

    if codebook_path is not None and codebook_path.suffix.lower() == ".qdc" and not empty:
        from codebench.exchange.qdpx.codebook import init_from_qdc

        created, report = init_from_qdc(ctx.project_path, codebook_path)
        with created:
            for line in report.lines()[1:]:
                say(line)
            say(f"Project {created.path} ready with {plural(len(created.codes()), 'code')}.")
        return
    book = None if empty else load_codebook(codebook_path or default_codebook_path())
    with Project.init(ctx.project_path, book) as project:
        from codebench.codebook.size import size_phrase

        say(f"Project {project.path} ready with {size_phrase(project.codes())}.")


@click.command()
@click.option(
    "--path",
    "demo_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("codebench-demo.db"),
    show_default=True,
    help="Where to create the demo project.",
)
@coder_option(required=False)
@click.option(
    "--no-tui", is_flag=True, help="Only build the demo project; do not open the workbench."
)
@handle_errors
def demo(demo_path: Path, coder: str | None, no_tui: bool) -> None:
    """Build the bundled demo project (if missing) and open the workbench on it.

    \b
    Example:
      codebench demo --coder alice
    """
    from codebench.demo.build import build_demo

    created = build_demo(demo_path)
    if created:
        say(f"Demo project written to {demo_path}.", err=True)
    if no_tui:
        say(str(demo_path))
        return
    from codebench.cli.tui_cmd import open_tui

    demo_ctx = Context(demo_path)
    state = click.get_current_context().find_object(Context)
    demo_ctx.new_coder = state is not None and state.new_coder  # demo --new-coder
    open_tui(demo_ctx, coder=coder, transcript=None)


@click.command(name="import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--unit",
    type=click.Choice(["sentence", "turn", "paragraph"]),
    default="sentence",
    show_default=True,
    help="Segment unit.",
)
@click.option(
    "--attributes",
    type=InputFile(),
    help="CSV of attributes (first column: transcript name).",
)
@click.option("--lang", default="en", show_default=True, help="Language for sentence splitting.")
@click.option(
    "--spacy-model",
    help="An installed trained spaCy pipeline to split sentences (never downloaded).",
)
@click.option(
    "--interviewer",
    "interviewers",
    multiple=True,
    help="Speaker name to treat as the interviewer (repeatable).",
)
@click.option("--interviewer-codable", is_flag=True, help="Make interviewer turns codable.")
@click.option(
    "--encoding",
    metavar="NAME",
    help="Text encoding of files without a byte-order mark (e.g. cp1251); default: detected.",
)
@pass_ctx
@handle_errors
def import_cmd(
    ctx: Context,
    paths: tuple[Path, ...],
    unit: str,
    attributes: Path | None,
    lang: str,
    spacy_model: str | None,
    interviewers: tuple[str, ...],
    interviewer_codable: bool,
    encoding: str | None,
) -> None:
    """Import transcripts (.txt .md .docx .vtt .srt .rtf files or folders) into the project.

    The project must exist (`codebench init` makes one), so a mistyped
    --project never becomes a new project without a codebook.

    Text files that are not UTF-8 are decoded with the encoding the evidence
    favours, and each is listed with the encoding chosen; --encoding forces one.

    \b
    Examples:
      codebench import transcripts/ --attributes transcripts/attributes.csv
      codebench import interview.docx --unit turn
      codebench import russian/ --encoding cp1251
    """
    from rich.progress import Progress

    from codebench.ingest.importer import collect_files

    project = ctx.open()
    files = collect_files(paths).files
    with Progress(transient=True, console=console(), disable=len(files) < 2) as progress:
        task = progress.add_task("Importing", total=len(files))
        report = project.import_files(
            paths,
            unit=unit,
            attributes=attributes,
            language=lang,
            model=spacy_model,
            interviewers=interviewers,
            interviewer_codable=interviewer_codable,
            encoding=encoding,
            progress=lambda name: progress.advance(task),
        )
    for name in report.imported:
        say(f"imported  {name}")
    from collections import Counter

    explained = Counter(listed for listed, _file, _name in report.same_text)
    for name in report.unchanged:
        if explained[name]:
            explained[name] -= 1  # said below, with the file it came from
        else:
            say(f"unchanged {name} (already imported)")
    for _listed, file, name in report.same_text:
        say(f"unchanged {file}: the same text as transcript {name} (not imported again)")
    given = _segmentation_options_given()
    if given and (report.unchanged or report.same_text):
        say(
            f"note: {', '.join(given)} applied only to newly imported files; a transcript "
            "already in the project keeps its segments (remove-transcript, then import, to redo it)"
        )
    for name, note in report.encodings:
        say(f"encoding  {name}: {note}")
    for message in report.skipped:
        say(f"skipped   {message}")
    if attributes is not None and report.attributes_set:
        say(f"attributes set for {plural(report.attributes_set, 'transcript')}")
    if report.attributes_skipped:
        say(
            f"attributes skipped for {plural(len(report.attributes_skipped), 'transcript')} not in the project: "
            + ", ".join(report.attributes_skipped)
        )
    for _path, message in report.failed:
        say(f"Error: {message}", err=True)
    skipped = f", {len(report.skipped)} skipped" if report.skipped else ""
    say(
        f"{len(report.imported)} imported, {len(report.unchanged)} unchanged, {len(report.failed)} failed{skipped}; "
        f"{plural(report.segments, 'segment')}, {plural(report.words, 'word')}"
    )
    project.close()
    if report.failed:
        raise SystemExit(1)


def _segmentation_options_given() -> list[str]:
    """The options of this ``import`` that decide segments, when typed (not their defaults)."""
    from click.core import ParameterSource

    click_ctx = click.get_current_context()
    options = {
        "unit": "--unit",
        "lang": "--lang",
        "spacy_model": "--spacy-model",
        "interviewers": "--interviewer",
        "interviewer_codable": "--interviewer-codable",
    }
    return [
        flag
        for name, flag in options.items()
        if click_ctx.get_parameter_source(name) not in (None, ParameterSource.DEFAULT)
    ]


@click.command()
@format_option("table", "json", "csv")
@pseudonymise_option
@pass_ctx
@handle_errors
def transcripts(ctx: Context, fmt: str, pseudonymise: str | None) -> None:
    """List transcripts with attributes, segment counts and coders' status.

    \b
    Examples:
      codebench transcripts --format csv > transcripts.csv
      codebench transcripts --format csv --pseudonymise > transcripts-shared.csv
    """
    with ctx.open(write=False) as project:
        from codebench.coding.listing import transcript_rows

        rows = transcript_rows(project)
        pseudonymiser = pseudonymiser_for(project, pseudonymise)
        if pseudonymiser is not None:  # names, source file names, attribute values
            rows = [pseudonymiser.value(row, transcript=row["name"]) for row in rows]
    if fmt == "json":
        emit(rows, fmt, title="Transcripts")
        return
    flat, attributes = attribute_columns(rows)
    fixed = (
        ["name", "segments", "codable"]
        if fmt == "table"
        else ["name", "source", "format", "segments", "codable"]
    )
    emit(flat, fmt, title="Transcripts", columns=[*fixed, *attributes, "status"], whole=["name"])


def attribute_columns(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    """Rows with each attribute in a column of its own (named as the attribute), and those columns.

    A table read down a column compares transcripts (every senior manager,
    every interview of March); one cell of ``key=value; …`` pairs wrapped over
    eight lines does not. An attribute named like a fixed column gets an
    ``attribute:`` prefix. JSON keeps the nested mapping.
    """
    names: list[str] = []
    for row in rows:
        names.extend(key for key in row["attributes"] if key not in names)
    column = (
        {name: f"attribute:{name}" if name in rows[0] else name for name in names} if rows else {}
    )
    flat = []
    for row in rows:
        out = {key: value for key, value in row.items() if key != "attributes"}
        out.update({column[name]: row["attributes"].get(name, "") for name in names})
        flat.append(out)
    return flat, [column[name] for name in names]


@click.command()
@click.argument("transcript")
@format_option("table", "json", "csv")
@click.option(
    "--coder", "coders", multiple=True, help="Show only these coders' codes (repeatable)."
)
@pseudonymise_option
@pass_ctx
@handle_errors
def segments(
    ctx: Context, transcript: str, fmt: str, coders: tuple[str, ...], pseudonymise: str | None
) -> None:
    """List a transcript's segments: ordinal, speaker, text and codes per coder.

    \b
    Examples:
      codebench segments 01-riverside-ceo --format json
      codebench segments 01-riverside-ceo --pseudonymise
    """
    title = transcript
    with ctx.open(write=False) as project:
        from codebench.coding.listing import segment_rows

        rows = segment_rows(project, transcript, coders=list(coders) or None)
        pseudonymiser = pseudonymiser_for(project, pseudonymise)
        if pseudonymiser is not None:
            name = project.transcript(transcript).name
            rows = pseudonymiser.value(rows, transcript=name)
            title = pseudonymiser.text(name, name)
    emit(rows, fmt, title=title, columns=["ordinal", "speaker", "codable", "text", "codes"])


@click.command()
@format_option("table", "json", "csv")
@pass_ctx
@handle_errors
def coders(ctx: Context, fmt: str) -> None:
    """List coders with their codings and transcripts done.

    \b
    Example:
      codebench coders --format json
    """
    with ctx.open(write=False) as project:
        from codebench.coding.listing import coder_rows

        rows = coder_rows(project)
    emit(
        rows,
        fmt,
        title="Coders",
        columns=["name", "kind", "codings", "transcripts_done", "transcripts_in_progress"],
    )


@click.command()
@coder_option()
@click.argument("transcript")
@click.argument("state", required=False, type=click.Choice(["not-started", "in-progress", "done"]))
@click.option(
    "--yes",
    is_flag=True,
    help="Mark done even though some codable segments are still uncoded by the coder.",
)
@pass_ctx
@handle_errors
def status(ctx: Context, coder: str, transcript: str, state: str | None, yes: bool) -> None:
    """Show or set a coder's status on a transcript.

    Marking a transcript done while some of its codable segments carry
    none of the coder's codes is refused (exit 1, saying how many), since
    agreement counts done transcripts: code them, or pass --yes.

    \b
    Examples:
      codebench status --coder alice 01-riverside-ceo
      codebench status --coder alice 01-riverside-ceo done
      codebench status --coder alice 01-riverside-ceo done --yes
    """
    with ctx.open(write=state is not None) as project:
        name = project.transcript(transcript).name
        if state is None:
            say(project.status(coder, name) if _known_coder(project, coder) else "not-started")
            return
        project.coder(coder, create=True)  # a mistyped name is refused before any warning
        if state == "done":
            from codebench.coding.status import done_warning

            warning = done_warning(project, coder, name)
            if warning is not None and not yes:
                raise CodebenchError(
                    f"not marked done: {warning}; pass --yes to mark it done anyway"
                )
            if warning is not None:
                say(f"warning: {warning}", err=True)
        project.set_status(coder, transcript, state)
        say(f"{coder}: {name} is {state}")


def _known_coder(project: Project, name: str) -> bool:
    return any(c.name.casefold() == name.casefold() for c in project.coders())


@click.command(name="remove-transcript")
@click.argument("transcript")
@coder_option(required=False)
@click.option("--force", is_flag=True, help="Remove it even though other coders have coded it.")
@pass_ctx
@handle_errors
def remove_transcript(ctx: Context, transcript: str, coder: str | None, force: bool) -> None:
    """Remove TRANSCRIPT with its segments, attributes, codings, memos and statuses.

    One logged action (a `transcript.remove` event by --coder). Refused when
    coders other than --coder have coded it (any coder, without --coder),
    unless --force. It cannot be undone; the file can be imported again.

    \b
    Examples:
      codebench remove-transcript --coder alice 09-draft-notes
      codebench remove-transcript 09-draft-notes --force
    """
    with ctx.open() as project:
        removal = project.remove_transcript(transcript, coder=coder, force=force)
    codings = sum(removal.codings.values())
    by = ", ".join(f"{name} {n}" for name, n in removal.codings.items())
    click.echo(
        f"removed {removal.name}: {plural(removal.segments, 'segment')}, {plural(codings, 'coding')}"
        + (f" ({by})" if by else "")
        + f", {plural(removal.memos, 'memo')}"
    )


COMMANDS = [init, demo, import_cmd, transcripts, segments, coders, status, remove_transcript]
