"""Reliability round commands: start, list and close rounds, the trajectory, the methods appendix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from codebench.cli.context import Context, format_option, handle_errors, new_coder_option, pass_ctx
from codebench.cli.output import (
    check_binary_stdout,
    console,
    emit,
    is_stdout,
    output_option,
    say,
    write_output,
)
from codebench.cli.pseudonymise_option import pseudonymise_option, pseudonymiser_for
from codebench.errors import CodebenchError

by_option = click.option(
    "--by",
    envvar="CODEBENCH_CODER",
    default=None,
    help="Who opens or closes the round (the lead; default: $CODEBENCH_CODER, else unrecorded).",
)


@click.group(name="round")
def round_group() -> None:
    """Reliability rounds: a named, dated round of double coding on one fresh sample.

    \b
    The workflow:
      codebench sample --fresh --fraction 0.25 --coders bob,carol --seed 7
      codebench round start pilot            # on the latest unused sample
      codebench agreement --round 1          # the round report
      codebench round close 1
      codebench codebook edit 04.1 --definition "..." --reason "..." --confusion 04.1,04.2 --round 1
      codebench sample --fresh --fraction 0.25 --coders bob,carol
      codebench round start second
      codebench round trajectory
    """


@round_group.command(name="start")
@click.argument("name")
@click.option(
    "--sample",
    default=None,
    help="The sample whose transcripts the round codes (default: the latest sample no round uses).",
)
@click.option(
    "--coders",
    default=None,
    help="Comma-separated coders of the round (default: "
    "every coder assigned a transcript of the sample).",
)
@click.option(
    "--allow-repeat",
    is_flag=True,
    help="Start even though the sample repeats "
    "transcripts of an earlier round (this inflates alpha).",
)
@by_option
@new_coder_option
@pass_ctx
@handle_errors
def start_cmd(
    ctx: Context,
    name: str,
    sample: str | None,
    coders: str | None,
    allow_repeat: bool,
    by: str | None,
) -> None:
    """Open the next reliability round, NAME, on a sample.

    The round's units are the codable segments of the sample's transcripts;
    its coders rate what is assigned to them there. One round is open at a
    time, and each round needs a fresh sample (`codebench sample --fresh`).

    \b
    Examples:
      codebench round start pilot
      codebench round start "after meeting 1" --sample sample-2 --coders alice,bob,carol
    """
    from codebench.design.rounds import start_round

    names = [c.strip() for c in coders.split(",") if c.strip()] if coders else None
    with ctx.open() as project:
        started = start_round(
            project, name, sample=sample, coders=names, by=by, allow_repeat=allow_repeat
        )
    say(started.describe())


@round_group.command(name="close")
@click.argument("round_ref", metavar="ROUND")
@click.option(
    "--bootstrap",
    type=click.IntRange(min=0),
    default=1000,
    show_default=True,
    help="Bootstrap resamples for the frozen report's intervals (0: none, and a quick close).",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=None,
    help="Random seed for that bootstrap (default: one is drawn; it is stored and reported).",
)
@by_option
@new_coder_option
@pass_ctx
@handle_errors
def close_cmd(
    ctx: Context, round_ref: str, bootstrap: int, seed: int | None, by: str | None
) -> None:
    """Close ROUND (its number or name): its coding is over, and its report is frozen.

    The report is computed once at the close, with its bootstrap intervals
    (the replicates and seed are stored with it and stated in the appendix).

    \b
    Example:
      codebench round close 1
      codebench round close 1 --bootstrap 0       # no intervals: a quick close
    """
    from codebench.agreement.round_freeze import close_and_freeze, draw_seed
    from codebench.design.rounds import frozen_report, get_round

    if seed is None:  # drawn here so the message can name it; stored with the report
        seed = draw_seed()
    interval = (
        f"{bootstrap} bootstrap replicates, seed {seed}"
        if bootstrap
        else "no interval (--bootstrap 0)"
    )
    with ctx.open() as project:
        chosen = get_round(project, round_ref)
        if chosen.is_open:
            say(
                f"Computing {chosen.label}'s report to freeze it ({interval}"
                + ("; this takes a moment, --bootstrap 0 skips it" if bootstrap else "")
                + ")...",
                err=True,
            )
        closed = close_and_freeze(project, round_ref, by=by, bootstrap=bootstrap, seed=seed)
        kept = frozen_report(project, closed) is not None
    if kept:
        say(
            f"{closed.label} closed; its report is frozen as of now with {interval} "
            f"(codebench agreement --round {closed.number} --recompute computes it afresh)."
        )
    else:
        say(
            f"{closed.label} closed; no report was frozen: no transcript of its sample had two "
            f"coders' ratings yet (codebench agreement --round {closed.number} computes it from "
            "today's codings)."
        )


@round_group.command(name="delete")
@click.argument("round_ref", metavar="ROUND")
@pass_ctx
@handle_errors
def delete_cmd(ctx: Context, round_ref: str) -> None:
    """Remove ROUND (its number or name); its sample and every coding stay.

    \b
    Example:
      codebench round delete 2
    """
    from codebench.design.rounds import delete_round

    with ctx.open() as project:
        gone = delete_round(project, round_ref)
    say(f"{gone.label} removed (its sample {gone.sample.name} and its codings stay).")


@round_group.command(name="list")
@format_option("table", "json", "csv")
@pass_ctx
@handle_errors
def list_cmd(ctx: Context, fmt: str) -> None:
    """Every round: number, name, sample (transcripts), coders, codebook version, opened, closed.

    \b
    Examples:
      codebench round list
      codebench round list --format json
    """
    from codebench.design.rounds import codings_by_version_of, rounds, versions_note

    with ctx.open(write=False) as project:
        found = rounds(project)
        by_version = {r.number: codings_by_version_of(project, r) for r in found}
    if not found and fmt == "table":
        say("No rounds yet (see `codebench round start --help`).")
        return
    rows = [
        {
            "round": r.number,
            "name": r.name,
            "sample": r.sample.name,
            "coders": ", ".join(c.name for c in r.coders),
            "version": r.codebook_version,
            "opened": r.opened_at[:10],
            "closed": (r.closed_at or "open")[:10],
            "transcripts": len(r.transcript_names),
            "codings": versions_note(by_version[r.number])
            or ", ".join(f"{n} under v{v}" for v, n in sorted(by_version[r.number].items()))
            or "none",
        }
        for r in found
    ]
    if fmt == "json":
        emit(
            [
                {
                    **r.as_json(),
                    "codings_by_codebook_version": {
                        str(v): n for v, n in sorted(by_version[r.number].items())
                    },
                }
                for r in found
            ],
            fmt,
        )
        return
    emit(rows, fmt, title="Reliability rounds")
    if fmt == "table":  # the warning must survive a narrow terminal dropping the column
        for r in found:
            mixed = versions_note(by_version[r.number])
            if mixed:
                say(f"{r.label}: {mixed}.")


TRAJECTORY_FORMATS = ("table", "json", "csv", "md", "html", "docx", "xlsx")


@round_group.command(name="trajectory")
@click.option("--rounds", "which", default=None, help="Comma-separated rounds (default: all).")
@click.option("--codes", default=None, help="Comma-separated codes (default: the whole codebook).")
@click.option(
    "--bootstrap",
    type=click.IntRange(min=0),
    default=1000,
    show_default=True,
    help="Bootstrap resamples for the intervals (0: none).",
)
@click.option(
    "--seed", type=click.IntRange(min=0), default=None, help="Random seed for the bootstrap."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(TRAJECTORY_FORMATS)),
    default=None,
    help="Output format (default: from -o's extension, else a table).",
)
@output_option("Write to this file (atomically) instead of stdout.")
@pseudonymise_option
@pass_ctx
@handle_errors
def trajectory_cmd(
    ctx: Context,
    which: str | None,
    codes: str | None,
    bootstrap: int,
    seed: int | None,
    fmt: str | None,
    output: Path | None,
    pseudonymise: str | None,
) -> None:
    """Krippendorff's alpha per code across rounds, each with its interval and n.

    Each round is computed on exactly its sample's units and coders, with
    the default unit and overlap rule (see `codebench agreement --help`).

    \b
    Examples:
      codebench round trajectory
      codebench round trajectory --seed 7 -o trajectory.xlsx
    """
    from codebench.agreement.trajectory import data_table, reading_table, trajectory

    fmt = _format(output, fmt, TRAJECTORY_FORMATS)
    rounds_ = [r.strip() for r in which.split(",") if r.strip()] if which else None
    code_list = [c.strip() for c in codes.split(",") if c.strip()] if codes else None
    with ctx.open(write=False) as project:
        data = trajectory(project, rounds=rounds_, codes=code_list, bootstrap=bootstrap, seed=seed)
        pseudonymiser = pseudonymiser_for(project, pseudonymise)
        if pseudonymiser is not None:  # transcript, coder and code names
            data = pseudonymiser.value(data)
    if fmt == "json":
        import json

        from codebench.safety import json_safe

        _write(json_safe(json.dumps(data, ensure_ascii=False, indent=2)) + "\n", fmt, output)
        return
    if fmt == "table":
        from codebench.reports.render_rich import notes_text, rich_table

        table = reading_table(data)
        console().print(rich_table(table))
        console().print(notes_text(table.notes))
        return
    from codebench.reports.writers import render_tables

    table = data_table(data) if fmt in ("csv", "xlsx") else reading_table(data)
    _write(
        render_tables([table], fmt, title=f"Agreement across rounds: {data['project']}"),
        fmt,
        output,
    )


@click.command(name="methods-appendix")
@click.option(
    "--threshold",
    type=click.FloatRange(0.0, 1.0),
    default=0.8,
    show_default=True,
    help="Alpha below which a code is reported as below threshold (0.667 for "
    "tentative conclusions).",
)
@click.option(
    "--bootstrap",
    type=click.IntRange(min=0),
    default=1000,
    show_default=True,
    help="Bootstrap resamples for the intervals (0: none).",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=None,
    help="Random seed for the bootstrap (same seed, same intervals).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "docx", "html"]),
    default=None,
    help="Output format (default: from -o's extension, else md).",
)
@output_option("Write to this file (md, docx or html).", required=True)
@pseudonymise_option
@pass_ctx
@handle_errors
def methods_appendix_cmd(
    ctx: Context,
    threshold: float,
    bootstrap: int,
    seed: int | None,
    fmt: str | None,
    output: Path,
    pseudonymise: str | None,
) -> None:
    """Write the reliability study's methods appendix: design, rules, figures, codebook changes.

    Design (coders, assignments, samples with fraction, strata and seed),
    unit and overlap rule, hierarchy level, alpha per code with its interval
    and n in every round, the codes below the threshold and what was done
    about them (linked codebook edits, adjudications with reasons), the
    codebook changes between rounds with their reasons, and the software
    version.

    \b
    Examples:
      codebench methods-appendix -o methods.md
      codebench methods-appendix --seed 7 -o methods.docx   # no --seed: one is drawn and stated
    """
    from codebench.agreement.methods import methods_appendix

    fmt = _format(output, fmt, ("md", "docx", "html"), default="md")
    with ctx.open(write=False) as project:
        appendix = methods_appendix(project, threshold=threshold, bootstrap=bootstrap, seed=seed)
        pseudonymiser = pseudonymiser_for(project, pseudonymise)
        if pseudonymiser is not None:  # transcript, coder and code names, reasons
            appendix = pseudonymiser.value(appendix)
    from codebench.reports.writers import render_tables

    _write(render_tables(appendix.tables, fmt, title=appendix.title), fmt, output)


def _format(
    output: Path | None, fmt: str | None, allowed: tuple[str, ...], default: str = "table"
) -> str:
    if fmt is not None:
        chosen = fmt
    elif output is None or is_stdout(output):
        chosen = default
    else:
        from codebench.reports.writers import infer_format

        chosen = infer_format(output)
    if chosen not in allowed:
        raise CodebenchError(
            f"this output cannot be written as {chosen}; use one of "
            f"{', '.join(f for f in allowed if f != 'table')}"
        )
    if chosen in ("xlsx", "docx"):
        if output is None:
            raise CodebenchError(f"--format {chosen} writes a file: add -o FILE.{chosen}")
        if is_stdout(output):
            check_binary_stdout(f"{chosen} output")
    return chosen


def _write(data: Any, fmt: str, output: Path | None) -> None:
    from codebench.reports.writers import write_rendered
    from codebench.safety import visible_controls

    if output is None or is_stdout(output):
        if isinstance(data, str) and fmt != "json":
            data = visible_controls(data)
        write_output("-", data, what=f"{fmt} output")
        return
    write_rendered(output, data, fmt)
    say(f"Written to {output}.", err=True)


COMMANDS = [round_group, methods_appendix_cmd]
