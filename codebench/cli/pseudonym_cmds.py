"""`codebench pseudonymise …`: candidates, decisions, the anonymisation log and the leak check.

The key is a file outside the project (default ``<project>.pseudonyms.yaml``);
outputs take ``--pseudonymise [KEY]`` (:mod:`codebench.cli.pseudonymise_option`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from codebench.cli.context import Context, format_option, handle_errors, pass_ctx
from codebench.cli.exchange_cmds import export_group
from codebench.cli.output import emit, output_option, say
from codebench.cli.pseudonymise_option import (
    key_option,
    key_path_for,
    open_key,
    passphrase,
    pseudonymise_option,
    pseudonymiser_for,
)
from codebench.wording import plural

if TYPE_CHECKING:
    from codebench.pseudonyms.key import Key


@click.group(name="pseudonymise")
def pseudonymise_group() -> None:
    """Pseudonymise outputs: detect candidates, record decisions in a key, log, check.

    \b
    Workflow:
      codebench pseudonymise detect --write-key        # propose labels into the key
      codebench pseudonymise review --coder lead       # decide each (workbench: F6)
      (edit study.pseudonyms.yaml: labels, keep decisions)
      codebench report quotes --pseudonymise -o quotes.docx
      codebench pseudonymise check quotes.docx
      codebench pseudonymise log -o anonymisation-log.csv
    """


@pseudonymise_group.command(name="detect")
@click.option(
    "--name", "names", multiple=True, metavar="TEXT", help="A name to look for; repeatable."
)
@click.option(
    "--names",
    "names_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A file of names to look for, one a line.",
)
@click.option("--occurrences", is_flag=True, help="One row per occurrence, with its context.")
@click.option(
    "--write-key",
    is_flag=True,
    help="Add a proposed entry to the key for each candidate it has no decision on.",
)
@key_option
# Proposals are nobody's decision: --coder is accepted (old scripts pass it) and not recorded.
@click.option("--coder", "by", envvar="CODEBENCH_CODER", hidden=True)
@format_option("table", "json", "csv")
@pass_ctx
@handle_errors
def detect_cmd(
    ctx: Context,
    names: tuple[str, ...],
    names_file: Path | None,
    occurrences: bool,
    write_key: bool,
    key_path: Path | None,
    by: str | None,
    fmt: str,
) -> None:
    """Propose strings to replace: speakers, listed names, capitalised names,
    organisations, places, e-mails, phone numbers, postcodes and dates.

    \b
    Examples:
      codebench pseudonymise detect
      codebench pseudonymise detect --name "Nurse Ratched" --occurrences
      codebench pseudonymise detect --format csv > candidates.csv
    """
    from codebench.pseudonyms.detect import detect, speaker_roles

    del by
    wanted = list(names) + (_read_names(names_file) if names_file else [])
    with ctx.open(write=False) as project:
        found = detect(project, wanted)
        roles = speaker_roles(project) if write_key else {}
    if write_key:
        from codebench.pseudonyms.labels import propose

        path = key_path_for(ctx.path, key_path)
        key, secret = _existing_key(path)
        key, added = propose(key, found, roles=roles)
        _save(key, path, secret)
        say(
            f"Wrote {path}: {plural(added, 'proposed entry', 'proposed entries')} added, {len(key.entries)} in all.",
            err=True,
        )
        return
    if occurrences:
        rows = [
            {
                "candidate": c.text,
                "kind": c.kind,
                "transcript": o.transcript,
                "source": o.source or "text",
                "start": o.start,
                "end": o.end,
                "context": o.context,
            }
            for c in found
            for o in c.occurrences
        ]
        emit(
            rows,
            fmt,
            title="Occurrences",
            columns=["candidate", "kind", "transcript", "source", "context"]
            if fmt == "table"
            else None,
        )
        return
    rows = [
        {
            "candidate": c.text,
            "kind": c.kind,
            "count": c.count,
            "transcripts": c.transcripts,
            "example": c.occurrences[0].context if c.occurrences else "",
        }
        for c in found
    ]
    emit(
        rows,
        fmt,
        title=plural(len(rows), "candidate"),
        columns=["candidate", "kind", "count", "transcripts", "example"],
    )


@pseudonymise_group.command(name="decide")
@click.argument("real")
@click.option("--label", help="What REAL becomes, in brackets: '[Chief Executive, Org A]'.")
@click.option("--keep", is_flag=True, help="Decide REAL is not identifying: leave it as it is.")
@click.option(
    "--transcript",
    "transcripts",
    multiple=True,
    metavar="NAME",
    help="Only in this transcript (repeatable; default: the whole project).",
)
@click.option("--variant", "variants", multiple=True, help="Another form of REAL; repeatable.")
@click.option("--first-name", is_flag=True, help="Replace the first name alone too.")
@click.option("--surname", is_flag=True, help="Replace the surname alone too.")
@click.option("--lowercase", is_flag=True, help="Replace the lower-case form too.")
@click.option("--kind", default="name", show_default=True, help="What REAL is (person, place…).")
@click.option("--coder", "by", envvar="CODEBENCH_CODER", help="Who decides (recorded in the key).")
@key_option
@pass_ctx
@handle_errors
def decide_cmd(
    ctx: Context,
    real: str,
    label: str | None,
    keep: bool,
    transcripts: tuple[str, ...],
    variants: tuple[str, ...],
    first_name: bool,
    surname: bool,
    lowercase: bool,
    kind: str,
    by: str | None,
    key_path: Path | None,
) -> None:
    """Record a decision on REAL in the key: a label, or keep.

    \b
    Examples:
      codebench pseudonymise decide "Helen Marsh" --label "[Chief Executive, Org A]" --first-name
      codebench pseudonymise decide NHS --keep
      codebench pseudonymise decide Jo --label "[Nurse]" --transcript 02-riverside-nurse
    """
    from codebench.errors import CodebenchError
    from codebench.pseudonyms.key import with_entry

    if keep == (label is not None):
        raise CodebenchError("give either --label '[…]' or --keep")
    path = key_path_for(ctx.path, key_path)
    key, secret = _existing_key(path)
    # Re-deciding a string keeps the forms its entry already covers (a proposal's first name).
    before = key.entry_for(real.strip(), transcripts)
    if before is not None:
        variants = tuple(dict.fromkeys([*before.variants, *variants]))
        first_name, surname = first_name or before.first_name, surname or before.surname
        lowercase = lowercase or before.lowercase
        kind = before.kind if kind == "name" else kind
    key = with_entry(
        key,
        real=real.strip(),
        label=label,
        keep=keep,
        kind=kind,
        variants=variants,
        first_name=first_name,
        surname=surname,
        lowercase=lowercase,
        transcripts=transcripts,
        decided_by=by,
    )
    _save(key, path, secret)
    what = "keep" if keep else label
    say(f"{path}: {real} → {what}" + (f" (in {', '.join(transcripts)})" if transcripts else ""))


@pseudonymise_group.command(name="review")
@click.option("--all", "everything", is_flag=True, help="Also candidates the key already decides.")
@click.option("--coder", "by", envvar="CODEBENCH_CODER", help="Who decides (recorded in the key).")
@click.option(
    "--context", "shown", type=int, default=3, show_default=True, help="Occurrences shown."
)
@key_option
@pass_ctx
@handle_errors
def review_cmd(
    ctx: Context, everything: bool, by: str | None, shown: int, key_path: Path | None
) -> None:
    """Walk the candidates one at a time and decide: replace, edit the label, keep,
    or decide for one transcript; the key is saved after every decision.

    \b
    Answers: r replace with the proposed label, e replace with your own label,
    k keep, t decide for one transcript only, s skip, b back, q quit.

    \b
    Example:
      codebench pseudonymise review --coder lead
    """
    from codebench.pseudonyms.detect import detect, speaker_roles
    from codebench.pseudonyms.key import KeyFileError
    from codebench.pseudonyms.review import Review

    with ctx.open(write=False) as project:
        found = detect(project)
        roles = speaker_roles(project)
    path = key_path_for(ctx.path, key_path)
    key, secret = _existing_key(path)
    review = Review.start(key, found, by=by, roles=roles, undecided_only=not everything)
    while (candidate := review.current) is not None:
        total = len(review.candidates)  # a decision takes the forms it covers out of the walk
        say(
            f"\n[{review.position + 1}/{total}] {candidate.text} ({candidate.kind}): "
            f"{plural(candidate.count, 'occurrence')} in {', '.join(candidate.transcripts) or 'no transcript'}"
        )
        for occurrence in candidate.occurrences[:shown]:
            say(f"  {occurrence.where}: {occurrence.context}")
        proposed = review.proposed_label()
        answer = click.prompt(
            f"r replace with {proposed} / e edit / k keep / t one transcript / s skip / b back / q quit",
            type=click.Choice(list("rektsbq")),
            default="r",
            show_choices=False,
        )
        if answer == "q":
            break
        if answer == "s":
            review.skip()
            continue
        if answer == "b":
            review.back()
            continue
        try:
            if answer == "r":
                decision = review.replace()
            elif answer == "e":
                decision = review.replace(click.prompt("Label", default=proposed))
            elif answer == "k":
                decision = review.keep()
            else:
                where = click.prompt(
                    "Transcript",
                    type=click.Choice(candidate.transcripts or ["-"]),
                    default=(candidate.transcripts or ["-"])[0],
                )
                label = click.prompt("Label there (or 'keep')", default=proposed)
                decision = (
                    review.keep(transcript=where)
                    if label.strip().lower() == "keep"
                    else review.replace(label, transcript=where)
                )
        except KeyFileError as error:
            say(f"Not recorded: {error}")
            continue
        _save(review.key, path, secret)
        say(f"  {decision.describe()}")
    say(f"{plural(len(review.decisions), 'decision')} saved in {path}; {review.remaining} left.")


@pseudonymise_group.command(name="encrypt")
@key_option
@pass_ctx
@handle_errors
def encrypt_cmd(ctx: Context, key_path: Path | None) -> None:
    """Encrypt the key with a passphrase (from $CODEBENCH_KEY_PASSPHRASE, else asked for twice).

    Later commands read the passphrase the same way.

    \b
    Example:
      CODEBENCH_KEY_PASSPHRASE='…' codebench pseudonymise encrypt
    """
    import os

    from codebench.cli.pseudonymise_option import PASSPHRASE_ENV
    from codebench.pseudonyms.key import load_key

    path = key_path_for(ctx.path, key_path)
    key = load_key(path, passphrase)
    secret = os.environ.get(PASSPHRASE_ENV) or click.prompt(
        "New passphrase", hide_input=True, confirmation_prompt=True, err=True
    )
    _save(key, path, secret)
    say(f"Encrypted {path}.")


@pseudonymise_group.command(name="log")
@key_option
@click.option(
    "--with-originals",
    is_flag=True,
    help="Add each replaced string (the log is then as sensitive as the key).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "xlsx", "md", "html", "docx"]),
    help="Output format (default: from -o's extension, else a table).",
)
@output_option("Write the log to this file (atomically).")
@pass_ctx
@handle_errors
def log_cmd(
    ctx: Context,
    key_path: Path | None,
    with_originals: bool,
    fmt: str | None,
    output: Path | None,
) -> None:
    """The anonymisation log: each replacement, where, by which label, decided by whom and when.

    Keep it apart from the pseudonymised data (an archive asks for both).

    \b
    Examples:
      codebench pseudonymise log -o anonymisation-log.csv
      codebench pseudonymise log --with-originals -o log-for-the-team.xlsx
    """
    from codebench.cli.output import is_stdout, write_output
    from codebench.pseudonyms.log import anonymisation_log, log_table
    from codebench.reports import writers

    with ctx.open(write=False) as project:
        key = open_key(project.path, key_path)
        rows = anonymisation_log(project, key, originals=with_originals)
    table = log_table(rows, originals=with_originals)
    to_stdout = is_stdout(output)
    fmt = fmt or (writers.infer_format(output) if output is not None and not to_stdout else "table")
    if fmt == "table":
        emit(table.rows, "table", title=table.title, columns=[c.key for c in table.columns])
        return
    data = writers.render_tables([table], fmt, title=table.title)
    if output is None or to_stdout:
        write_output("-", data, what=f"{fmt} output")  # it refuses binary data on a terminal
        return
    writers.write_rendered(output, data, fmt)
    say(f"Wrote {output}: {plural(len(rows), 'replacement')}.", err=True)


@pseudonymise_group.command(name="check")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@key_option
@click.option(
    "--no-candidates",
    is_flag=True,
    help="Look only for the key's strings, not for candidates the key leaves undecided.",
)
@pass_ctx
@handle_errors
def check_cmd(
    ctx: Context, files: tuple[Path, ...], key_path: Path | None, no_candidates: bool
) -> None:
    """Fail (exit status 1, listing each hit) if a key string or an undecided
    candidate survives in FILE… (txt, md, csv, xlsx, docx, html, json, qdpx).

    \b
    Examples:
      codebench pseudonymise check quotes.docx report.html study.qdpx
      codebench pseudonymise check archive/*.txt --no-candidates
    """
    from codebench.pseudonyms.check import check_files, watch_list

    found = []
    if not ctx.path.exists() and key_path is not None:
        # Only the files and the key at hand (no project): the key's strings alone.
        key = open_key(ctx.path, key_path)
        if not no_candidates:
            say(f"No project at {ctx.path}: checking the key's strings only.", err=True)
    else:
        with ctx.open(write=False) as project:
            key = open_key(project.path, key_path)
            if not no_candidates:
                from codebench.pseudonyms.detect import detect

                found = detect(project)
    leaks = check_files(files, watch_list(key, found))
    for leak in leaks:
        say(leak.line())
    if leaks:
        raise SystemExit(1)
    say(f"Checked {plural(len(files), 'file')}: no key string or undecided candidate found.")


@export_group.command(name="transcripts")
@click.argument("names", nargs=-1, metavar="[TRANSCRIPT]...")
@click.option(
    "-o",
    "--output",
    "folder",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder to write the files into (made if missing).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["txt", "docx"]), default="txt", show_default=True
)
@pseudonymise_option
@pass_ctx
@handle_errors
def export_transcripts_cmd(
    ctx: Context, names: tuple[str, ...], folder: Path, fmt: str, pseudonymise: str | None
) -> None:
    """Write transcripts (default: all) as plain-text or Word files, one per transcript.

    \b
    Examples:
      codebench export transcripts -o archive/ --pseudonymise
      codebench export transcripts 01-riverside-ceo -o out/ --format docx
    """
    from codebench.exchange.transcript_files import export_transcripts

    with ctx.open(write=False) as project:
        pseudonymiser = pseudonymiser_for(project, pseudonymise)
        written = export_transcripts(
            project, folder, list(names), fmt=fmt, pseudonymiser=pseudonymiser
        )
    for item in written:
        say(f"Wrote {item.path}")


def _existing_key(path: Path) -> tuple[Key, str | None]:
    """The key at ``path`` (an empty one if there is none) and its passphrase if it is sealed."""
    from codebench.pseudonyms.key import load_for_update

    return load_for_update(path, passphrase)


def _save(key: Key, path: Path, secret: str | None) -> None:
    from codebench.pseudonyms.key import save_key

    save_key(key, path, secret)


def _read_names(path: Path) -> list[str]:
    from codebench.errors import CodebenchError

    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise CodebenchError(f"cannot read names from {path}: {error}") from None
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


COMMANDS = [pseudonymise_group]
