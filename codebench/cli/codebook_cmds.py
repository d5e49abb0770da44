"""Codebook commands: show the tree, export it, import into a project."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from codebench.cli.context import Context, InputFile, coder_option, handle_errors, pass_ctx
from codebench.cli.output import console, is_stdout, output_option, say, write_output
from codebench.cli.pseudonymise_option import pseudonymise_option, pseudonymiser_for
from codebench.wording import plural

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
    say(f"{plural(result['added'], 'code')} added, {result['updated']} updated")


def _reason_options(f: Any) -> Any:
    """``--reason``, ``--confusion A,B`` and ``--round N``: why an edit was made."""
    f = click.option(
        "--round",
        "round_number",
        type=click.IntRange(min=1),
        default=None,
        help="The reliability round that showed the problem.",
    )(f)
    f = click.option(
        "--confusion",
        default=None,
        help="The two codes coders confused, comma-separated (e.g. 04.1,04.2).",
    )(f)
    f = click.option("--reason", default="", help="Why the edit was made (kept in the log).")(f)
    return f


def _why(reason: str, confusion: str | None, round_number: int | None) -> Any:
    from codebench.codebook.edits import EditReason
    from codebench.errors import CodebookError

    pair = None
    if confusion is not None:
        items = [c.strip() for c in confusion.split(",") if c.strip()]
        if len(items) != 2:
            raise CodebookError(f"--confusion needs two codes, like 04.1,04.2 (got {confusion!r})")
        pair = (items[0], items[1])
    return EditReason(reason=reason, confusion=pair, round=round_number)


@codebook.command(name="edit")
@coder_option()
@click.argument("code")
@click.option("--name", default=None, help="The code's new name.")
@click.option(
    "--definition", "--description", "description", default=None, help="The code's new definition."
)
@click.option("--inclusion", default=None, help="New inclusion criteria.")
@click.option("--exclusion", default=None, help="New exclusion criteria.")
@click.option("--example", default=None, help="A new example.")
@_reason_options
@pass_ctx
@handle_errors
def edit_cmd(
    ctx: Context,
    coder: str,
    code: str,
    name: str | None,
    description: str | None,
    inclusion: str | None,
    exclusion: str | None,
    example: str | None,
    reason: str,
    confusion: str | None,
    round_number: int | None,
) -> None:
    """Change a code's name or definition, saying why and which confusion prompted it.

    The edit, its reason and its link are logged; a definition change after
    codings were made opens the next codebook version (see docs/agreement.md, "Rounds").

    \b
    Example:
      codebench codebook edit 04.1 --coder lead --definition "Only the member-owned form" \\
        --reason "confused with 04.2 in round 1" --confusion 04.1,04.2 --round 1
    """
    from codebench.codebook.edits import edit_code
    from codebench.errors import CodebookError

    fields = {
        k: v
        for k, v in {
            "name": name,
            "description": description,
            "inclusion": inclusion,
            "exclusion": exclusion,
            "example": example,
        }.items()
        if v is not None
    }
    if not fields:
        raise CodebookError("nothing to change: give --name, --definition, --inclusion, ...")
    with ctx.open() as project:
        why = _why(reason, confusion, round_number)
        before = project.code(code)
        after = edit_code(project, coder, before, why=why, **fields)
        from codebench.codebook.versions import current

        version = current(project)
    changed = [f for f in fields if getattr(before, f) != getattr(after, f)]
    if not changed:
        say(f"{after.label}: nothing changed.")
        return
    say(f"{after.label}: {', '.join(changed)} changed (codebook version {version}).")


@codebook.command(name="merge")
@coder_option()
@click.argument("source")
@click.argument("target")
@_reason_options
@pass_ctx
@handle_errors
def merge_cmd(
    ctx: Context,
    coder: str,
    source: str,
    target: str,
    reason: str,
    confusion: str | None,
    round_number: int | None,
) -> None:
    """Fold code SOURCE into TARGET (its codings become TARGET's; SOURCE is archived).

    \b
    Example:
      codebench codebook merge 04.2 04.1 --coder lead --reason "one idea, two codes" \\
        --confusion 04.1,04.2 --round 1
    """
    from codebench.codebook.edits import merge_codes, merge_preview

    with ctx.open() as project:
        preview = merge_preview(project, source, target)
        moved = merge_codes(
            project, coder, source, target, why=_why(reason, confusion, round_number)
        )
    say(
        f"{preview.source.label} merged into {preview.target.label}: {plural(moved, 'coding')} recoded."
    )


@codebook.command(name="versions")
@click.option(
    "--diff", "pair", default=None, help="Show what changed between two versions, e.g. 1,2."
)
@pass_ctx
@handle_errors
def versions_cmd(ctx: Context, pair: str | None) -> None:
    """List the codebook versions (codings made under each), or diff two.

    \b
    Examples:
      codebench codebook versions
      codebench codebook versions --diff 1,2
    """
    from codebench.cli.output import emit
    from codebench.codebook.versions import diff, versions
    from codebench.errors import CodebookError

    with ctx.open(write=False) as project:
        if pair is None:
            rows = [
                {
                    "version": v.number,
                    "codes": len(v.codes),
                    "codings": v.codings,
                    "begun": v.created_at[:16],
                    "last_changed": v.updated_at[:16],
                }
                for v in versions(project)
            ]
            emit(rows, "table", title="Codebook versions")
            return
        items = [p.strip() for p in pair.split(",")]
        if len(items) != 2 or not all(p.isdigit() for p in items):
            raise CodebookError(f"--diff needs two version numbers, like 1,2 (got {pair!r})")
        changes = diff(project, int(items[0]), int(items[1]))
    rows = [
        {
            "code": c.label,
            "change": c.kind,
            "fields": "; ".join(f"{f}: {a!r} -> {b!r}" for f, a, b in c.fields),
        }
        for c in changes
    ]
    if not rows:
        say("No changes between these versions.")
        return
    emit(rows, "table", title=f"Codebook changes, version {items[0]} to {items[1]}")


def _counts(project: Project) -> dict[str, int]:
    from codebench.codebook.edits import coding_counts

    by_id = coding_counts(project)
    return {c.guid: by_id.get(c.id, 0) for c in project.codes()}


COMMANDS = [codebook]
