"""`codebench pseudonymise …`: candidates, decisions, the anonymisation log and the leak check.

The key is a file outside the project (default ``<project>.pseudonyms.yaml``);
outputs take ``--pseudonymise [KEY]`` (:mod:`codebench.cli.pseudonymise_option`).
"""

from __future__ import annotations

from pathlib import Path

import click

from codebench.cli.context import Context, format_option, handle_errors, pass_ctx
from codebench.cli.output import emit


@click.group(name="pseudonymise")
def pseudonymise_group() -> None:
    """Pseudonymise outputs: detect candidates, record decisions in a key, log, check.

    \b
    Workflow:
      codebench pseudonymise detect --write-key        # propose labels into the key
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
@format_option("table", "json", "csv")
@pass_ctx
@handle_errors
def detect_cmd(
    ctx: Context,
    names: tuple[str, ...],
    names_file: Path | None,
    occurrences: bool,
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
    from codebench.pseudonyms.detect import detect

    wanted = list(names) + (_read_names(names_file) if names_file else [])
    with ctx.open(write=False) as project:
        found = detect(project, wanted)
    if occurrences:
        rows = [
            {
                "candidate": c.text,
                "kind": c.kind,
                "transcript": o.transcript,
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
            columns=["candidate", "kind", "transcript", "context"] if fmt == "table" else None,
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
        title=f"{len(rows)} candidates",
        columns=["candidate", "kind", "count", "transcripts", "example"],
    )


def _read_names(path: Path) -> list[str]:
    from codebench.errors import CodebenchError

    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise CodebenchError(f"cannot read names from {path}: {error}") from None
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


COMMANDS = [pseudonymise_group]
