"""`codebench speakers`: participants (a speaker within a transcript) and their attributes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from codebench.cli.context import Context, format_option, handle_errors, pass_ctx
from codebench.cli.output import emit, say
from codebench.cli.pseudonymise_option import pseudonymise_option, pseudonymiser_for
from codebench.wording import plural


@click.group(name="speakers", invoke_without_command=True)
@format_option("table", "json", "csv")
@pseudonymise_option
@click.pass_context
def speakers(click_ctx: click.Context, fmt: str, pseudonymise: str | None) -> None:
    """List participants (each speaker of each transcript) with their segments and attributes.

    A participant is named TRANSCRIPT/SPEAKER (fg1/P2). Their own attributes
    come from `codebench speakers import`; reports and scopes name them
    speaker.KEY (--where speaker.role=manager, report crossed --by speaker.role
    --cases participants).

    \b
    Examples:
      codebench speakers
      codebench speakers import speakers.csv
      codebench speakers --format csv > speakers.csv
    """
    if click_ctx.invoked_subcommand is not None:
        return
    handle_errors(_list)(click_ctx.ensure_object(Context), fmt, pseudonymise)


def _list(ctx: Context, fmt: str, pseudonymise: str | None) -> None:
    from codebench.participants import participants, speaker_attribute_keys

    with ctx.open(write=False) as project:
        found = participants(project)
        keys = speaker_attribute_keys(project)
        rows: list[dict[str, Any]] = [
            {
                "transcript": p.transcript.name,
                "speaker": p.speaker,
                "segments": p.segments,
                "codable": p.codable,
                "attributes": dict(p.attributes),
            }
            for p in found
        ]
        pseudonymiser = pseudonymiser_for(project, pseudonymise)
        if pseudonymiser is not None:
            rows = [pseudonymiser.value(row, transcript=row["transcript"]) for row in rows]
    if fmt == "json":
        emit(rows, fmt, title="Participants")
        return
    column = {k: f"speaker.{k}" for k in keys}
    flat = [
        {
            **{k: v for k, v in row.items() if k != "attributes"},
            **{column[k]: row["attributes"].get(k, "") for k in keys},
        }
        for row in rows
    ]
    emit(
        flat,
        fmt,
        title="Participants",
        columns=["transcript", "speaker", "segments", "codable", *column.values()],
        whole=["transcript", "speaker"],
    )


@speakers.command(name="import")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@pass_ctx
@handle_errors
def import_speakers(ctx: Context, path: Path) -> None:
    """Set participants' attributes from a CSV: transcript, speaker, then one column per attribute.

    Every row is checked first; the first problem (a transcript or speaker
    the project lacks, a participant listed twice) stops the import with the
    file and line, and nothing is written. An empty cell leaves that
    attribute unset.

    \b
    Example (speakers.csv):
      transcript,speaker,role,grade
      01-riverside-ceo,Margaret Okafor,manager,senior
      codebench speakers import speakers.csv
    """
    from codebench.participants import import_speaker_attributes

    with ctx.open() as project:
        done = import_speaker_attributes(project, path)
    say(
        f"Set {', '.join(done.keys)} for {plural(done.participants, 'participant')} "
        f"({plural(done.values_set, 'value')})"
    )


COMMANDS = [speakers]
