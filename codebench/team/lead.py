"""The lead's tools on the hub: progress per coder and transcript, and releasing work for review."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from codebench.errors import CodebenchError
from codebench.team import hub_sql
from codebench.team.connect import connect, redact, translated
from codebench.team.hub_schema import check_version
from codebench.team.sync import ROLE, setting_of, team_url

if TYPE_CHECKING:
    from codebench.project import Project


@dataclass(frozen=True)
class Progress:
    """One coder × assigned transcript on the hub."""

    coder: str
    transcript: str
    status: str
    codings: int
    released: str | None
    last_sync: str | None


def progress(project: Project, *, passfile: Path | None = None) -> list[Progress]:
    """Progress per coder × assigned transcript, with each coder's last sync (the lead sees all)."""
    url = team_url(project)
    with connect(url, passfile=passfile) as conn, translated(redact(url)):
        check_version(conn, redact(url))
        with conn.transaction():
            syncs = hub_sql.last_syncs(conn)
            rows = hub_sql.progress(conn)
    return [Progress(c, t, s, n, r, syncs.get(c.lower())) for c, t, s, n, r in rows]


def release(
    project: Project,
    transcripts: Sequence[str] = (),
    *,
    round_ref: str | None = None,
    withdraw: bool = False,
    passfile: Path | None = None,
) -> list[str]:
    """Open codings, memos and statuses to every coder, for review and adjudication.

    With ``round_ref``, exactly that local reliability round's sample is
    released (named transcripts must be in it; the round's number is kept
    with each release); without it, the transcripts named (all if none).
    ``withdraw``: take those releases back instead (the transcripts are blind
    again; each coder's next sync removes what the release had let into their
    copy). Returns the names released (or withdrawn).
    """
    from codebench.design.rounds import get_round, round_transcripts

    if setting_of(project, ROLE) != "lead":
        raise CodebenchError(f"{project.path}: only the lead's copy releases transcripts")
    label = ""
    if round_ref is not None:
        round_ = get_round(project, round_ref)
        chosen = round_transcripts(project, round_)
        outside = [n for n in transcripts if n not in {t.name for t in chosen}]
        if outside:
            raise CodebenchError(
                f"{round_.label}: {', '.join(outside)} not in its sample {round_.sample.name} "
                f"({', '.join(round_.transcript_names)})"
            )
        label = str(round_.number)
    else:
        chosen = [project.transcript(name) for name in transcripts] or project.transcripts()
    url = team_url(project)
    with connect(url, passfile=passfile) as conn, translated(redact(url)):
        check_version(conn, redact(url))
        with conn.transaction():
            if withdraw:
                hub_sql.tombstone(conn, "releases", [(t.guid,) for t in chosen])
            else:
                hub_sql.upsert(conn, "releases", [(t.guid, label) for t in chosen])
    return [t.name for t in chosen]
