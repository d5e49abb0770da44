"""Codebook commands: show the tree, export it, import into a project."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from codebench.cli.context import Context, InputFile, handle_errors, pass_ctx
from codebench.cli.output import console, is_stdout, output_option, say, write_output
from codebench.cli.pseudonymise_option import pseudonymise_option, pseudonymiser_for

if TYPE_CHECKING:
    from codebench.project import Project


@click.group()
def codebook() -> None:
    """Show, export and import the project's codebook."""


@codebook.command()
@click.option("--counts/--no-counts", default=True, help="Show the number of codings per code.")
@click.option("--full", is_flag=True, help="Show definitions and guidance under each code.")
@click.option(
    "--file",
    "file_path",
    type=InputFile(),
    help="Show a codebook file instead of the project's codebook.",
)
@pass_ctx
@handle_errors
def show(ctx: Context, counts: bool, full: bool, file_path: Path | None) -> None:
    """Print the codebook as a tree.

    \b
    Examples:
      codebench codebook show
      codebench codebook show --file codebooks/mutuals.yaml --full
    """
    from codebench.codebook.format import load_codebook
    from codebench.codebook.render import codebook_tree

    if file_path is not None:
        book, tally = load_codebook(file_path), None
    else:
        with ctx.open(write=False) as project:
            book = project.codebook()
            tally = _counts(project) if counts else None
    console().print(codebook_tree(book, counts=tally, full=full))


@codebook.command(name="export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["yaml", "json", "md", "qdc"]),
    default=None,
    help="Output format (default: from the file extension, else yaml).",
)
@output_option("Write to this file (default: stdout).")
@pseudonymise_option
@pass_ctx
@handle_errors
def export_cmd(
    ctx: Context, fmt: str | None, output: Path | None, pseudonymise: str | None
) -> None:
    """Export the codebook as YAML, JSON, Markdown or REFI-QDA .qdc.

    Definitions and examples may quote an interview: --pseudonymise applies the key
    to every code's name, description, inclusion, exclusion and example.

    \b
    Examples:
      codebench codebook export --format md -o codebook.md
      codebench codebook export -o codebook.yaml
      codebench codebook export --pseudonymise -o shared-codebook.qdc
    """
    from codebench.codebook.format import dump_json, dump_markdown, dump_yaml
    from codebench.safety import json_safe, visible_controls

    if output is not None and is_stdout(output):
        output = None
    if fmt is None:
        suffix = output.suffix.lower().lstrip(".") if output else ""
        fmt = (
            {"yml": "yaml", "markdown": "md"}.get(suffix, suffix)
            if suffix in {"yaml", "yml", "json", "md", "markdown", "qdc"}
            else "yaml"
        )
    with ctx.open(write=False) as project:
        pseudonymiser = pseudonymiser_for(project, pseudonymise)
        book = project.codebook()
        if pseudonymiser is not None:
            book = pseudonymiser.value(book)
        tally = _counts(project)
        if fmt == "qdc":
            from codebench.exchange.qdpx.codebook import export_qdc

            data: bytes | str = export_qdc(project, pseudonymiser)
        elif fmt == "json":
            data = json_safe(dump_json(book, counts=tally))
        elif fmt == "md":
            data = visible_controls(dump_markdown(book, counts=tally))  # a document to read
        else:
            data = dump_yaml(book)
    if output is None:
        write_output("-", data.decode("utf-8") if isinstance(data, bytes) else data)
    else:
        write_output(output, data)
        say(f"Codebook written to {output}", err=True)


@codebook.command(name="import")
@click.argument("file_path", type=InputFile())
@pass_ctx
@handle_errors
def import_cmd(ctx: Context, file_path: Path) -> None:
    """Add a codebook file's codes to the project (YAML, JSON or REFI-QDA .qdc).

    Codes already in the project are matched by GUID, then by name path, and updated.

    \b
    Example:
      codebench codebook import shared-codebook.qdc
    """
    from codebench.errors import CodebookError

    suffix = file_path.suffix.lower()
    if suffix in (".qdpx", ".qde"):
        raise CodebookError(
            f"{file_path}: a REFI-QDA project, not a codebook; import it with "
            f"`codebench import-project {file_path.name}` (its codes come with it)"
        )
    project = ctx.open()
    with project:
        if suffix == ".qdc":
            from codebench.exchange.qdpx.codebook import import_qdc

            for line in import_qdc(project, file_path).lines():
                say(line)
            return
        from codebench.codebook.format import load_codebook

        result = project.load_codebook(load_codebook(file_path))
    say(f"{result['added']} codes added, {result['updated']} updated")


def _counts(project: Project) -> dict[str, int]:
    from codebench.codebook.edits import coding_counts

    by_id = coding_counts(project)
    return {c.guid: by_id.get(c.id, 0) for c in project.codes()}


COMMANDS = [codebook]
