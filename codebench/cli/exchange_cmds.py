"""Exchange commands: merge coders' project files, export and import JSONL dumps.

``export`` is a group so each format is a subcommand (``export jsonl``;
the REFI-QDA module adds ``export qdpx`` to :data:`export_group`).
``codebench import`` already imports transcripts, so a dump comes back in
with ``import-jsonl``.
"""

from __future__ import annotations

from pathlib import Path

import click

from codebench.cli.context import Context, InputFile, handle_errors, pass_ctx
from codebench.cli.output import is_stdout, output_option, say
from codebench.cli.pseudonymise_option import pseudonymise_option, pseudonymiser_for
from codebench.fileio import private_tempdir
from codebench.wording import plural


@click.command()
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("sources", nargs=-1, required=True, type=InputFile(exists=False))
@click.option("--dry-run", is_flag=True, help="Say what the merge would change; write nothing.")
@pass_ctx
@handle_errors
def merge(ctx: Context, target: Path, sources: tuple[Path, ...], dry_run: bool) -> None:
    """Merge coders' project files (SOURCE…) into TARGET, by GUIDs and text hashes.

    Codes match by GUID, transcripts by the hash of their text, coders by
    name; codings, memos, statuses and events are added once (merging the
    same file twice changes nothing). A source holding a transcript whose
    name is in TARGET with different text is refused and changes nothing.
    Codebook differences are reported; TARGET's values are kept. Sources
    are opened read-only. TARGET is created if it does not exist.

    \b
    Examples:
      codebench merge team.db alice.db bob.db
      codebench merge team.db carol.db --dry-run
    """
    from codebench.exchange.merge.run import merge as merge_files

    if target.exists():
        with ctx.open_at(target) as project:
            report = merge_files(project, list(sources), dry_run=dry_run)
    elif dry_run:
        with (
            private_tempdir("merge") as folder,
            ctx.open_at(Path(folder) / target.name, create=True) as project,
        ):
            report = merge_files(project, list(sources), dry_run=True)
            report.target = target
    else:
        with ctx.open_at(target, create=True) as project:
            report = merge_files(project, list(sources))
    for line in report.lines():
        say(line)
    if not report.ok:
        raise SystemExit(1)


@click.group(name="export")
def export_group() -> None:
    """Export the whole project (JSONL dump; REFI-QDA project)."""


@export_group.command(name="jsonl")
@output_option("Write to this file, atomically (default: stdout).")
@pseudonymise_option
@pass_ctx
@handle_errors
def export_jsonl_cmd(ctx: Context, output: Path | None, pseudonymise: str | None) -> None:
    """Dump the project as JSONL: one JSON record per line, keyed by GUIDs.

    The same project always gives the same bytes, so dumps diff cleanly
    under version control; `codebench import-jsonl` rebuilds the project
    exactly.

    \b
    Examples:
      codebench -p study.db export jsonl -o study.jsonl
      codebench export jsonl | gzip > archive.jsonl.gz
      codebench export jsonl --pseudonymise -o for-sharing.jsonl   # no event log
    """
    from codebench.exchange.jsonl import export_jsonl, not_carried, write_stdout

    # Said whenever the dump is pseudonymised: the event log's payloads hold the original
    # text and offsets (the audit trail of the team's work), so a dump for sharing has none.
    dropped = (
        "No event log: a pseudonymised dump leaves it out (its entries hold the original "
        "text); it imports as a project without history."
    )
    with ctx.open(write=False) as project:
        pseudonymiser = pseudonymiser_for(project, pseudonymise)
        if output is None or is_stdout(output):
            write_stdout(project, pseudonymiser)
            if pseudonymiser is not None:
                say(dropped, err=True)
            return
        counts = export_jsonl(project, output, pseudonymiser=pseudonymiser)
        left_out = not_carried(project)
    total = sum(counts.values())
    events = plural(counts["event"], "event") if pseudonymiser is None else "no event log"
    say(
        f"Wrote {plural(total, 'record')} to {output} "
        f"({plural(counts['transcript'], 'transcript')}, {plural(counts['coding'], 'coding')}, {events}).",
        err=True,
    )
    if left_out:
        say(
            "Not in the dump (kept only in the project file): "
            + ", ".join(f"{n} {label}" for label, n in left_out.items())
            + ".",
            err=True,
        )
    if pseudonymiser is not None:
        say(dropped, err=True)


@click.command(name="import-jsonl")
@click.argument("file_path", type=InputFile())
@click.option("--dry-run", is_flag=True, help="Say what the import would change; write nothing.")
@pass_ctx
@handle_errors
def import_jsonl_cmd(ctx: Context, file_path: Path, dry_run: bool) -> None:
    """Load a JSONL dump (from `codebench export jsonl`) into the project.

    An empty or new project is rebuilt exactly; a project that already has
    data gets the dump merged into it, as `codebench merge` would. A
    malformed line stops the import with its line number, and nothing is
    written.

    \b
    Examples:
      codebench -p restored.db import-jsonl study.jsonl
      codebench -p team.db import-jsonl alice.jsonl --dry-run
    """
    from codebench.exchange.jsonl import import_jsonl

    path = ctx.path
    if path.exists() or not dry_run:
        with ctx.open_at(path, create=True) as project:
            result = import_jsonl(file_path, project, dry_run=dry_run)
    else:
        with (
            private_tempdir("jsonl") as folder,
            ctx.open_at(Path(folder) / path.name, create=True) as project,
        ):
            result = import_jsonl(file_path, project, dry_run=True)
    for line in result.lines():
        say(line)
    if not result.ok:
        raise SystemExit(1)


COMMANDS = [merge, export_group, import_jsonl_cmd]
