"""Agreement commands: the reliability report, the disagreements, and adjudication."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from codebench.cli.context import Context, coder_option, format_option, handle_errors, pass_ctx
from codebench.cli.output import (
    check_binary_stdout,
    console,
    is_stdout,
    output_option,
    say,
    write_output,
)
from codebench.cli.pseudonymise_option import pseudonymise_option, pseudonymiser_for
from codebench.errors import CodebenchError
from codebench.wording import plural

#: ``consensus.CHOICE_NAMES``, spelt out so ``--help`` need not import numpy (a test keeps them equal).
CHOICE_NAMES = (
    "accept",
    "all",
    "agreed",
    "majority",
    "edit",
    "accept_a",
    "accept_b",
    "both",
    "neither",
)
REPORT_FORMATS = ("table", "json", "csv", "md", "html", "docx", "xlsx")
#: Formats that are bytes: they need ``-o FILE``.
BINARY_FORMATS = ("xlsx", "docx")


class RegistryHelpCommand(click.Command):
    """A command whose help names the declared coefficients, filled in when the help is shown.

    The help text and option help may hold ``{coefficients}``, ``{intervals}``
    and ``{bands}``; they are read from the coefficient registry only when
    this command's help is printed, since the registry imports numpy and
    ``codebench --help`` must stay instant.
    """

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from codebench.agreement.coefficient_registry import help_fields

        fields = help_fields()

        def fill(text: str | None) -> str | None:
            for token, value in fields.items():
                text = text.replace("{" + token + "}", value) if text else text
            return text

        options = [p for p in self.params if isinstance(p, click.Option)]
        saved = (self.help, [p.help for p in options])
        try:
            self.help = fill(self.help)
            for option in options:
                option.help = fill(option.help)
            super().format_help(ctx, formatter)
        finally:
            self.help = saved[0]
            for option, text in zip(options, saved[1]):
                option.help = text


def _split(value: str | None) -> list[str] | None:
    if not value:
        return None
    items = [v.strip() for v in value.split(",") if v.strip()]
    return items or None


@click.command(name="agreement", cls=RegistryHelpCommand)
@click.option(
    "--coders", help="Comma-separated coders to compare (default: every human coder who has coded)."
)
@click.option(
    "--round",
    "round_ref",
    default=None,
    help="Only this reliability round (number or name): its sample's units and its coders.",
)
@click.option(
    "--recompute",
    is_flag=True,
    help="With --round: compute a closed round's figures from today's codings "
    "(by default they are as frozen when the round closed).",
)
@click.option(
    "--codes",
    help="Comma-separated codes (numbers or names) to compare (default: the whole codebook).",
)
@click.option(
    "--unit",
    type=click.Choice(["segment", "turn", "character"]),
    default="segment",
    show_default=True,
    help="What a unit is: a codable segment, a speaker turn, or a character (character-level "
    "kappa in the style of NVivo, plus Krippendorff's unitizing alpha uα on the coded stretches).",
)
@click.option(
    "--min-overlap",
    type=click.FloatRange(0.0, 1.0),
    default=None,
    help="Share of a unit a coder's codings must cover for it to count as coded "
    "(default: 0.5 of a segment, any overlap of a turn; 0: any overlap).",
)
@click.option(
    "--level",
    type=click.IntRange(min=1),
    default=None,
    help="Roll codes up to this level (1: top-level codes; a deeper code counts as its "
    "ancestor at that level).",
)
@click.option(
    "--child-implies-parent",
    is_flag=True,
    help="A coding of a sub-code also counts as a coding of each of its ancestors.",
)
@click.option(
    "--include-unfinished",
    is_flag=True,
    help="Use every transcript the coders touched; units past a coder's last coding count as missing.",
)
@click.option(
    "--bootstrap",
    type=click.IntRange(min=0),
    default=1000,
    show_default=True,
    help="Bootstrap resamples for the intervals of {intervals} (0: none).",
)
@click.option(
    "--bootstrap-by",
    type=click.Choice(["unit", "transcript"]),
    default=None,
    help="What the bootstrap resamples: units, or whole transcripts (a cluster bootstrap; "
    "the default from 10 compared transcripts on).",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),  # a negative seed ended in numpy's ValueError traceback
    default=None,
    help="Random seed for the bootstrap (same seed, same intervals).",
)
@click.option(
    "--against-consensus", is_flag=True, help="Compare each coder with the consensus coder instead."
)
@click.option(
    "--consensus-name", default="consensus", show_default=True, help="Name of the consensus coder."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(REPORT_FORMATS)),
    default=None,
    help="Output format (default: from -o's extension, else a table; xlsx and docx need -o FILE).",
)
@output_option("Write to this file (atomically) instead of stdout.")
@pseudonymise_option
@pass_ctx
@handle_errors
def agreement(
    ctx: Context,
    round_ref: str | None,
    recompute: bool,
    coders: str | None,
    codes: str | None,
    unit: str,
    min_overlap: float | None,
    level: int | None,
    child_implies_parent: bool,
    include_unfinished: bool,
    bootstrap: int,
    bootstrap_by: str | None,
    seed: int | None,
    against_consensus: bool,
    consensus_name: str,
    fmt: str | None,
    output: Path | None,
    pseudonymise: str | None,
) -> None:
    """Inter-coder agreement per code, overall, per transcript and per coder pair.

    Per code, every coefficient ({coefficients}), with bootstrap intervals
    for {intervals}, and diagnostics. Bands: {bands}. Each coder rated what
    was assigned to them (`codebench assign`) in the transcripts they marked
    done, or without assignments every transcript they marked done; a
    transcript counts when two or more compared coders rated it. A segment is
    coded when a coding covers at least half of it (--min-overlap).

    \b
    Examples:
      codebench agreement
      codebench agreement --coders alice,bob --format json -o agreement.json
      codebench agreement --unit character --level 1 --seed 7 --format md
      codebench agreement --against-consensus
      codebench agreement --round 1 -o round-1.md
      codebench agreement --round 1 --recompute
    """
    from codebench.agreement.reliability_data import DEFAULT
    from codebench.agreement.report import agreement_report

    overlap: float | str | None = DEFAULT if min_overlap is None else min_overlap or None
    fmt = _format_for(output, fmt)
    if fmt in BINARY_FORMATS and output is None:
        raise CodebenchError(
            f"--format {fmt} writes a file: add -o FILE.{fmt} (or -o - for a pipe)"
        )
    if fmt in BINARY_FORMATS and is_stdout(output):
        check_binary_stdout(f"{fmt} output")
    with ctx.open(write=False) as project:
        report = agreement_report(
            project,
            unit=unit,
            coders=_split(coders),
            codes=_split(codes),
            min_overlap=overlap,  # 0: any overlap
            level=level,
            child_implies_parent=child_implies_parent,
            include_unfinished=include_unfinished,
            bootstrap=bootstrap,
            bootstrap_by=bootstrap_by,
            seed=seed,
            against_consensus=against_consensus,
            consensus_name=consensus_name,
            round=round_ref,
            recompute=recompute,
        )
        pseudonymiser = pseudonymiser_for(project, pseudonymise)
        if pseudonymiser is not None:  # transcript names, code names, notes
            report = pseudonymiser.value(report)
    _emit_report(report, fmt, output)


def _format_for(output: Path | None, fmt: str | None) -> str:
    """``--format``, else the one ``-o``'s extension names (as for reports), else ``table``."""
    if fmt is not None:
        return fmt
    if output is None or is_stdout(output):
        return "table"
    from codebench.reports.writers import infer_format

    inferred = infer_format(output)
    if inferred not in REPORT_FORMATS:
        raise CodebenchError(
            f"an agreement report cannot be written as {inferred} ({output.name}); "
            f"use one of {', '.join(f for f in REPORT_FORMATS if f != 'table')}"
        )
    return inferred


def _emit_report(report: dict, fmt: str, output: Path | None) -> None:
    from codebench.agreement import output as agreement_output
    from codebench.safety import json_safe, visible_controls

    if is_stdout(output):
        output = None
    if output is not None:
        agreement_output.write(report, output, fmt)
        say(f"Agreement report written to {output}.", err=True)
    elif fmt == "table":
        from codebench.agreement.render_rich import print_report

        print_report(report, console(markup=False, emoji=False))
    else:
        payload = agreement_output.render(report, fmt)
        if isinstance(payload, str):
            payload = json_safe(payload) if fmt == "json" else visible_controls(payload)
        write_output("-", payload, what=f"{fmt} output")


@click.command(name="disagreements")
@click.option("--code", help="Only this code (number or name).")
@click.option(
    "--coders",
    help="The coders to compare, comma-separated, two or more (default: as `agreement`).",
)
@click.option(
    "--include-unfinished",
    is_flag=True,
    help="Also transcripts not yet marked done (up to each coder's last coding).",
)
@click.option(
    "--round",
    "round_ref",
    default=None,
    help="Only this reliability round (number or name): its sample's transcripts (and its coders by default).",
)
@click.option("--undecided", is_flag=True, help="Only disagreements not yet adjudicated.")
@click.option(
    "--consensus-name", default="consensus", show_default=True, help="Name of the consensus coder."
)
@format_option("table", "json", "csv")
@pseudonymise_option
@pass_ctx
@handle_errors
def disagreements(
    ctx: Context,
    code: str | None,
    coders: str | None,
    round_ref: str | None,
    include_unfinished: bool,
    undecided: bool,
    consensus_name: str,
    fmt: str,
    pseudonymise: str | None,
) -> None:
    """List the segments where the coders who rated them differ, with the text and who applied what.

    A disagreement is a code some but not all of a segment's raters applied;
    the raters come from the design (assignments, else done statuses), as in
    `agreement`. A coder who did not rate a segment shows "not rated".

    \b
    Examples:
      codebench disagreements --code 04.1
      codebench disagreements --coders alice,bob,cara --undecided --format csv
      codebench disagreements --round 1 --coders alice,carol
    """
    from codebench.agreement.consensus import list_disagreements

    with ctx.open(write=False) as project:
        compared = _split(coders)
        within: dict[int, None] | None = None
        if round_ref is not None:
            from codebench.design.rounds import get_round, round_coder_names, round_transcripts

            chosen = get_round(project, round_ref)
            within = {t.id: None for t in round_transcripts(project, chosen)}
            compared = round_coder_names(chosen, compared)
            if fmt == "table":
                say(f"Disagreements in {chosen.label}.")
        items = list_disagreements(
            project,
            compared,
            code,
            include_unfinished=include_unfinished,
            consensus_name=consensus_name,
            within=within,
        )
        pseudonymiser = pseudonymiser_for(project, pseudonymise)
        if pseudonymiser is not None:  # the segments' text, speakers, transcript names
            items = pseudonymiser.value(items)
    if undecided:
        items = [d for d in items if not d.decided]
    rows = [
        {
            "code": d.code.label,
            "transcript": d.transcript.name,
            "segment": d.ordinal,
            "speaker": d.speaker or "",
            "text": d.text,
            "applied_by": ", ".join(k.name for k in d.applied_by),
            **{_coder_key(k.name): _rater_codes(d, k) for k in d.compared},
            "decided": f"{d.decision.text} by {d.decision.decider}" if d.decision else "",
            "reason": d.decision.reason if d.decision else "",
        }
        for d in items
    ]
    if fmt != "table":
        from codebench.cli.output import emit

        emit(rows, fmt)
        return
    _disagreement_table(items)


#: The disagreement rows' own keys; a coder's column never takes one of them.
ROW_KEYS = frozenset(
    {"code", "transcript", "segment", "speaker", "text", "applied_by", "decided", "reason"}
)


def _coder_key(name: str) -> str:
    """A coder's column: their name, or ``coder NAME`` when the name is one of :data:`ROW_KEYS`."""
    return f"coder {name}" if name in ROW_KEYS else name


def _rater_codes(d: Any, coder: Any, mark: int | None = None) -> str:
    """A coder's codes on the disagreement's segment ("—" none, "not rated" not a rater).

    With ``mark``, that code is in bold (rich markup, escaped).
    """
    if all(k.id != coder.id for k in d.raters):
        return "[dim]not rated[/]" if mark is not None else "not rated"
    codes = d.codes_of(coder)
    if mark is None:
        return ", ".join(c.number or c.name for c in codes) or "—"
    from rich.markup import escape

    return (
        ", ".join(
            f"[bold]{escape(c.number or c.name)}[/]" if c.id == mark else escape(c.number or c.name)
            for c in codes
        )
        or "—"
    )


def _disagreement_table(items: list) -> None:
    out = console()
    if not items:
        out.print("No disagreements on the compared transcripts.")
        return
    out.print(disagreement_table(items))
    decided = sum(1 for d in items if d.decided)
    out.print(f"{plural(len(items), 'disagreement')}, {decided} decided.")


def disagreement_table(items: list) -> Any:
    """The disagreements as a rich table whose every column wraps: at 80 columns nothing is cut."""
    from rich.markup import escape
    from rich.table import Table

    compared = items[0].compared
    names = [k.name for k in compared]
    table = Table(
        title=f"Disagreements among {escape(', '.join(names))}"
        if len(names) > 2
        else f"Disagreements between {escape(names[0])} and {escape(names[1])}",
        header_style="bold",
        show_lines=True,
        title_justify="left",
    )
    any_decided = any(d.decided for d in items)
    # No ratios: rich then narrows the widest columns until the table fits, wrapping their
    # words (ratio columns keep their share and push the table past the terminal's edge).
    table.add_column("Code", overflow="fold", max_width=10)
    table.add_column("Where", overflow="fold", max_width=16)
    table.add_column("Text", overflow="fold")
    for name in names:
        table.add_column(escape(name), overflow="fold")
    if any_decided:
        table.add_column("Decided", overflow="fold")

    for d in items:
        where = f"{d.transcript.name}\n#{d.ordinal}" + (f" {d.speaker}" if d.speaker else "")
        cells = [
            escape(d.code.number or d.code.name),
            escape(where),
            escape(d.text),
            *(_rater_codes(d, k, d.code.id) for k in compared),
        ]
        if any_decided:
            verdict = ""
            if d.decision:
                verdict = f"{d.decision.text} ({d.decision.decider})"
                if d.decision.reason:
                    verdict += f": {d.decision.reason}"
            cells.append(escape(verdict))
        table.add_row(*cells)
    return table


@click.command(name="adjudicate")
@coder_option()
@click.argument("transcript")
@click.argument("segment", type=int)
@click.argument("code")
@click.argument("choice", type=click.Choice(list(CHOICE_NAMES)))
@click.option("--coders", help="The compared coders, two or more (default: as `agreement`).")
@click.option("--accept", "accept", help="For accept: the coder whose codes the segment gets.")
@click.option("--pick", help="For edit: the comma-separated codes the segment gets.")
@click.option("--reason", help="Why: kept with the decision and shown in the adjudication log.")
@click.option(
    "--consensus-name", default="consensus", show_default=True, help="Name of the consensus coder."
)
@pass_ctx
@handle_errors
def adjudicate_cmd(
    ctx: Context,
    coder: str,
    transcript: str,
    segment: int,
    code: str,
    choice: str,
    coders: str | None,
    accept: str | None,
    pick: str | None,
    reason: str | None,
    consensus_name: str,
) -> None:
    """Settle a disagreement: the consensus coder's codes on SEGMENT become one rater's, all, the agreed, the majority's, or picked.

    CHOICE: accept (--accept NAME: that rater's codes), all (every code any
    rater applied), agreed (only codes every rater applied), majority (codes
    more than half of the segment's raters applied; a tie does not carry a
    code), edit (--pick). The pairwise names still work: accept_a/accept_b
    (the first/second of --coders), both (all), neither (agreed). The decision
    settles CODE and every other code of the segment no earlier decision
    settled; a code an earlier decision settled keeps it (decide that code to
    change it), so two decisions on one segment both hold, each with its own
    reason. --coder is who
    decides; the decision is logged with their name and --reason. When every
    disagreement of the transcript is decided, the consensus is marked done
    there.

    \b
    Examples:
      codebench adjudicate --coder carol 01-riverside-ceo 13 04.1 accept_a
      codebench adjudicate --coder pat --coders alice,bob,cara 01-riverside-ceo 13 04.1 majority
      codebench adjudicate --coder pat 01-riverside-ceo 13 04.1 accept --accept bob --reason "fits 04.1's exclusion"
      codebench adjudicate --coder carol 01-riverside-ceo 13 04.1 edit --pick 04.1,08
    """
    from codebench.agreement.consensus import adjudicate, consensus_coder

    with ctx.open() as project:
        decision = adjudicate(
            project,
            coder,
            (transcript, segment),
            code,
            choice,
            consensus_name,
            coders=_split(coders),
            codes=_split(pick) if choice == "edit" else None,
            accept=accept,
            reason=reason,
        )
        labels = sorted(project.code(g).label for g in decision.result)
        kept = sorted(project.code(g).label for g in decision.kept)
        gold = consensus_coder(project, consensus_name, create=False)
        t = project.transcript(transcript)
        done = project.statuses().get((gold.id, t.id)) == "done"
    say(
        f"{consensus_name}: segment {segment} now has {', '.join(labels) or 'no codes'} "
        f"({decision.text} by {coder})"
        + (f"; kept as earlier decisions settled them: {', '.join(kept)}" if kept else "")
        + (
            f"; every disagreement of {t.name} is decided, {consensus_name} marked done there"
            if done
            else ""
        )
    )


@click.command(name="decisions")
@click.option(
    "--consensus-name", default="consensus", show_default=True, help="Name of the consensus coder."
)
@click.option(
    "--history", is_flag=True, help="Every decision, replaced ones too (default: the current ones)."
)
@click.option(
    "--round",
    "round_ref",
    default=None,
    help="Only the decisions on this reliability round's sample (number or name).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "xlsx", "md", "html", "docx"]),
    help="Output format (default: from -o's extension, else a table).",
)
@output_option("Write the log to this file (atomically).")
@pseudonymise_option
@pass_ctx
@handle_errors
def decisions_cmd(
    ctx: Context,
    consensus_name: str,
    history: bool,
    round_ref: str | None,
    fmt: str | None,
    output: Path | None,
    pseudonymise: str | None,
) -> None:
    """The adjudication log: each decision, who made it and when, the raters' codes, the result and the reason.

    \b
    Examples:
      codebench decisions
      codebench decisions -o adjudication-log.csv
      codebench decisions --history -o adjudication-log.xlsx
      codebench decisions --round 1 -o round-1-decisions.md
    """
    from codebench.agreement.adjudication_log import decision_log, log_table
    from codebench.cli.output import emit
    from codebench.reports import writers

    with ctx.open(write=False) as project:
        scope = None
        title = None
        if round_ref is not None:
            from codebench.design.rounds import get_round, round_transcripts

            chosen = get_round(project, round_ref)
            scope = round_transcripts(project, chosen)
            title = f"Adjudication log, {chosen.label}"
        rows = decision_log(project, consensus_name, history=history, transcripts=scope)
        pseudonymiser = pseudonymiser_for(project, pseudonymise)
        if pseudonymiser is not None:  # transcript and code names, reasons
            rows = pseudonymiser.value(rows)
    table = log_table(rows, history=history)
    if title is not None:
        table.title = title
    to_stdout = is_stdout(output)
    fmt = fmt or (writers.infer_format(output) if output is not None and not to_stdout else "table")
    if fmt == "table":
        from codebench.agreement.adjudication_log import TERMINAL_COLUMNS

        if not table.rows:
            say("No decisions yet: adjudicate disagreements first (`codebench adjudicate` or F3).")
            return
        emit(table.rows, "table", title=table.title, columns=list(TERMINAL_COLUMNS))
        return
    if fmt not in writers.TABLE_FORMATS:
        raise CodebenchError(
            f"the adjudication log cannot be written as {fmt} (use {', '.join(writers.TABLE_FORMATS)})"
        )
    data = writers.render_tables([table], fmt, title=table.title)
    if output is None or to_stdout:
        write_output("-", data, what=f"{fmt} output")  # it refuses binary data on a terminal
        return
    writers.write_rendered(output, data, fmt)
    say(f"Wrote {output}: {plural(len(rows), 'decision')}.", err=True)


COMMANDS = [agreement, disagreements, adjudicate_cmd, decisions_cmd]
