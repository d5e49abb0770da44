"""Study design commands: assign and unassign transcripts, see who has what, draw reliability samples."""

from __future__ import annotations

import click

from codebench.cli.context import Context, format_option, handle_errors, new_coder_option, pass_ctx
from codebench.cli.output import emit, say
from codebench.wording import plural

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
@new_coder_option
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
      codebench assign --coder bob 01-riverside-ceo 02-riverside-nurse
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
@new_coder_option
@pass_ctx
@handle_errors
def unassign_cmd(
    ctx: Context, coder: str, transcripts: tuple[str, ...], segments: str | None, by: str | None
) -> None:
    """Take TRANSCRIPTS (or some of their segments) back from a coder. Codings are kept.

    \b
    Examples:
      codebench unassign --coder bob 02-riverside-nurse
      codebench unassign --coder carol 01-riverside-ceo --segments 21-40
    """
    from codebench.design.assignments import parse_segments, unassign

    ranges = parse_segments(segments) if segments is not None else None
    with ctx.open() as project:
        changed = unassign(project, coder, list(transcripts), segments=ranges, by=by)
    say(f"{coder}: {plural(changed, 'transcript assignment')} changed.")


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


@click.command(name="sample")
@click.option(
    "--fraction",
    type=click.FloatRange(0.0, 1.0, min_open=True),
    required=True,
    help="Share of the transcripts to draw (of each stratum), e.g. 0.2.",
)
@click.option(
    "--stratify", default=None, help="Draw within each value of this attribute (e.g. role)."
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=None,
    help="Random seed (default: drawn and stored).",
)
@click.option("--coders", required=True, help="Comma-separated coders who double-code the sample.")
@click.option("--name", default=None, help="Name of the sample (default: sample-N).")
@click.option(
    "--fresh",
    is_flag=True,
    help="Leave out every transcript an earlier sample drew (a new round's sample).",
)
@by_option
@format_option("table", "json")
@new_coder_option
@pass_ctx
@handle_errors
def sample_cmd(
    ctx: Context,
    fraction: float,
    stratify: str | None,
    seed: int | None,
    coders: str,
    name: str | None,
    fresh: bool,
    by: str | None,
    fmt: str,
) -> None:
    """Draw a reproducible, stratified sample of transcripts for double coding, and assign it.

    Each stratum (a value of --stratify) gives round(fraction x its size)
    transcripts, at least one; the draw (seed, strata, transcripts, coders)
    is stored and printed, and `codebench samples` lists every draw.

    \b
    Examples:
      codebench sample --fraction 0.2 --stratify role --seed 7 --coders bob
      codebench sample --fraction 0.25 --coders bob,carol --name round-1 --format json
      codebench sample --fresh --fraction 0.25 --coders bob,carol --name round-2
    """
    from codebench.design.sample import draw_sample

    names = [c.strip() for c in coders.split(",") if c.strip()]
    with ctx.open() as project:
        drawn = draw_sample(
            project, fraction, names, stratify=stratify, seed=seed, name=name, by=by, fresh=fresh
        )
    _print_samples([drawn], fmt)


@click.command(name="samples")
@format_option("table", "json")
@pass_ctx
@handle_errors
def samples_cmd(ctx: Context, fmt: str) -> None:
    """Every reliability sample drawn: seed, strata, transcripts and coders.

    \b
    Examples:
      codebench samples
      codebench samples --format json
    """
    from codebench.design.sample import samples

    with ctx.open(write=False) as project:
        found = samples(project)
    if not found and fmt == "table":
        say("No samples drawn yet (see `codebench sample --help`).")
        return
    _print_samples(found, fmt)


def _print_samples(items: list, fmt: str) -> None:
    if fmt == "json":
        import json

        from codebench.safety import json_safe

        click.echo(
            json_safe(json.dumps([s.as_json() for s in items], ensure_ascii=False, indent=2))
        )
        return
    for s in items:
        strat = f"stratified by {s.stratify}" if s.stratify else "not stratified"
        say(
            f"{s.name}: {len(s.transcripts)} of {plural(s.population, 'transcript')} "
            f"({_share(len(s.transcripts), s.population)} drawn; fraction asked {s.fraction:g}, "
            f"each stratum at least one), {strat}, seed {s.seed}; assigned to {', '.join(s.coders)}"
        )
        for note in s.skip_notes():
            say(f"  {note}")
        rows = [
            {"stratum": st.value, "transcripts": st.population, "drawn": ", ".join(st.drawn)}
            for st in s.strata
        ]
        emit(rows, "table")


def _share(drawn: int, population: int) -> str:
    return f"{100 * drawn / population:.0f} %" if population else "none"


COMMANDS = [assign_cmd, unassign_cmd, assignments_cmd, sample_cmd, samples_cmd]
