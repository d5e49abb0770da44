"""REFI-QDA project commands: ``export qdpx`` and ``import-project``.

``qdpx`` joins the ``export`` group of :mod:`codebench.cli.exchange_cmds`
(so this module must be registered after that one); the codebook's ``.qdc``
import and export live under ``codebench codebook``.
"""

from __future__ import annotations

from pathlib import Path

import click

from codebench.cli.context import Context, InputFile, handle_errors, pass_ctx
from codebench.cli.exchange_cmds import export_group
from codebench.cli.output import (
    check_binary_stdout,
    copy_to_stdout,
    is_stdout,
    output_option,
    say,
)
from codebench.cli.pseudonymise_option import pseudonymise_option, pseudonymiser_for
from codebench.fileio import private_tempdir


@export_group.command(name="qdpx")
@output_option("The .qdpx file to write (replaced atomically).", required=True)
@click.option(
    "--coder",
    "coders",
    multiple=True,
    help="Export only this coder's codings and memos (repeat for several; default: all coders).",
)
@pseudonymise_option
@pass_ctx
@handle_errors
def qdpx(ctx: Context, output: Path, coders: tuple[str, ...], pseudonymise: str | None) -> None:
    """Export the project as a REFI-QDA project (.qdpx) for NVivo, ATLAS.ti, MAXQDA…

    Codes keep their GUIDs; coders become users, transcripts text sources,
    codings selections, attributes case variables and memos notes. Every
    GUID is stable, so exporting twice gives the same file.

    \b
    Examples:
      codebench export qdpx -o study.qdpx
      codebench export qdpx -o alice.qdpx --coder alice
      codebench export qdpx -o for-sharing.qdpx --pseudonymise
    """
    from codebench.exchange.qdpx.project import export_qdpx

    to_stdout = is_stdout(output)
    if to_stdout:
        check_binary_stdout("a .qdpx project")
    with ctx.open(write=False) as project:
        pseudonymiser = pseudonymiser_for(project, pseudonymise)
        if not to_stdout:
            summary = export_qdpx(
                project, output, coders=list(coders) or None, pseudonymiser=pseudonymiser
            )
        else:
            # The archive is written whole to a private temporary file, then copied out.
            with private_tempdir("qdpx") as folder:
                staged = folder / "export.qdpx"
                summary = export_qdpx(
                    project, staged, coders=list(coders) or None, pseudonymiser=pseudonymiser
                )
                copy_to_stdout(staged)
            summary.path = Path("standard output")
    for line in summary.lines():
        say(line, err=to_stdout)


@click.command(name="import-project")
@click.argument("file_path", type=InputFile())
@click.option(
    "--offsets",
    type=click.Choice(["auto", "codepoints", "utf16", "codepoints-lf"]),
    default="auto",
    show_default=True,
    help="How the file counts selection positions (auto: detect from the text).",
)
@click.option(
    "--unit",
    type=click.Choice(["sentence", "turn", "paragraph"]),
    default="sentence",
    show_default=True,
    help="Segment unit for new transcripts.",
)
@click.option(
    "--language", default="en", show_default=True, help="Language for sentence splitting."
)
@click.option("--dry-run", is_flag=True, help="Say what the import would change; write nothing.")
@pass_ctx
@handle_errors
def import_project(
    ctx: Context, file_path: Path, offsets: str, unit: str, language: str, dry_run: bool
) -> None:
    """Import a REFI-QDA project (.qdpx, or a bare .qde) into the project.

    Users become coders, codes are matched by GUID then name path, text
    sources become transcripts (text kept exactly; an identical transcript
    already present is reused), selections become codings, case variables
    attributes and notes memos. Non-text sources are listed as skipped. One
    transaction: a file that cannot be read changes nothing. The project is
    created if it does not exist.

    \b
    Examples:
      codebench -p nvivo.db import-project export.qdpx
      codebench import-project atlas.qde --offsets codepoints --dry-run
    """
    from codebench.exchange.qdpx.project import ImportReport, import_qdpx

    path = ctx.path

    def run(target: Path, *, create: bool = False) -> ImportReport:
        with ctx.open_at(target, create=create) as project:
            return import_qdpx(
                project, file_path, offsets=offsets, dry_run=dry_run, unit=unit, language=language
            )

    if path.exists():
        report = run(path)
    elif dry_run:
        with private_tempdir("refi") as folder:
            report = run(Path(folder) / path.name, create=True)
    else:
        try:
            report = run(path, create=True)
        except BaseException:
            for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                leftover.unlink(missing_ok=True)  # we created it: leave nothing behind
            raise
    for line in report.lines():
        say(line)


COMMANDS = [import_project]
