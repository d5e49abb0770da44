"""Study design commands: assign and unassign transcripts, and see who has what."""

from __future__ import annotations

import click

from codebench.cli.context import Context, format_option, handle_errors, pass_ctx
from codebench.cli.output import emit, say

by_option = click.option(
    "--by",
    envvar="CODEBENCH_CODER",
    default=None,
    help="Who makes the assignment (the lead; default: $CODEBENCH_CODER, else unrecorded).",
)
segments_option = click.option(
    "--segments",
    default=None,
    help="Only these segment numbers of each transcript, e.g. 1-40 or 1-40,45,50-60.",
)


@click.command(name="assign")
@click.option("--coder", required=True, help="The coder who gets the transcripts.")
@click.argument("transcripts", nargs=-1, required=True)
@segments_option
@by_option
@pass_ctx
@handle_errors
def assign_cmd(
    ctx: Context, coder: str, transcripts: tuple[str, ...], segments: str | None, by: str | None
) -> None:
    """Give TRANSCRIPTS (or some of their segments) to a coder to code.

    Assignments are the study design: agreement counts a coder as having
    rated exactly the units assigned to them, in the transcripts they marked
    done. Assigning again adds to what the coder has.

    \b
    Examples:
      codebench assign --coder bob 01-riverside-ceo 02-harbour-cfo
      codebench assign --coder carol 01-riverside-ceo --segments 1-40
    """
    from codebench.design.assignments import assign, parse_segments

    ranges = parse_segments(segments) if segments is not None else None
    with ctx.open() as project:
        result = assign(project, coder, list(transcripts), segments=ranges, by=by)
    for a in result:
        say(f"{a.coder.name}: {a.transcript.name} (segments: {a.segments})")


@click.command(name="unassign")
@click.option("--coder", required=True, help="The coder to take the transcripts from.")
@click.argument("transcripts", nargs=-1, required=True)
@segments_option
@by_option
@pass_ctx
@handle_errors
def unassign_cmd(
    ctx: Context, coder: str, transcripts: tuple[str, ...], segments: str | None, by: str | None
) -> None:
    """Take TRANSCRIPTS (or some of their segments) back from a coder. Codings are kept.

    \b
    Examples:
      codebench unassign --coder bob 02-harbour-cfo
      codebench unassign --coder carol 01-riverside-ceo --segments 21-40
    """
    from codebench.design.assignments import parse_segments, unassign

    ranges = parse_segments(segments) if segments is not None else None
    with ctx.open() as project:
        changed = unassign(project, coder, list(transcripts), segments=ranges, by=by)
    say(f"{coder}: {changed} transcript assignment(s) changed.")


@click.command(name="assignments")
@click.option("--coder", default=None, help="Only this coder's assignments.")
@format_option("table", "json", "csv")
@pass_ctx
@handle_errors
def assignments_cmd(ctx: Context, coder: str | None, fmt: str) -> None:
    """Who has what, and how far they are: codable segments coded of those assigned, and done.

    \b
    Examples:
      codebench assignments
      codebench assignments --coder bob --format csv
    """
    from codebench.design.assignments import progress

    with ctx.open(write=False) as project:
        items = progress(project, coder=coder)
    rows = [
        {
            "coder": p.assignment.coder.name,
            "transcript": p.assignment.transcript.name,
            "segments": p.assignment.segments,
            "coded": p.coded,
            "codable": p.codable,
            "status": p.status,
            "done": p.done,
            "assigned_by": p.assignment.assigned_by or "",
        }
        for p in items
    ]
    if not rows and fmt == "table":
        say("No assignments yet (see `codebench assign --help`).")
        return
    emit(rows, fmt, title="Assignments")


COMMANDS = [assign_cmd, unassign_cmd, assignments_cmd]
