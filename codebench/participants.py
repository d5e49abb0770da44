"""Participants: a speaker within one transcript, with attributes of their own.

In a focus group the transcript is not the case, the people in it are:
"Participant 2" of one group says nothing about the role of the person of
that name in another. A participant is therefore a (transcript, speaker
name) pair, named ``TRANSCRIPT/SPEAKER`` wherever one is shown or typed
(``fg1/P2``). Participants carry their own attributes, read from a CSV
keyed by transcript and speaker (:func:`import_speaker_attributes`), and a
report or a scope names them ``speaker.KEY`` (``--where speaker.role=manager``,
``--by speaker.role``), apart from the transcript's ``KEY``.

Only speakers with a codable segment are participants in counts: the
interviewer (whose turns are not codable) is not a case.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from codebench.errors import ImportFailed, NotFound
from codebench.models import Transcript
from codebench.store import events as event_sql
from codebench.store import participants as participant_sql

if TYPE_CHECKING:
    from codebench.project import Project

#: How a scope or a report names a participant's own attribute: ``speaker.role``.
SPEAKER_PREFIX = "speaker."
#: Between a transcript and a speaker in a participant's name: ``fg1/P2``.
SEPARATOR = "/"


@dataclass(frozen=True)
class Participant:
    """One speaker of one transcript."""

    transcript: Transcript
    speaker: str
    segments: int
    codable: int
    attributes: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """``"fg1/P2"``: how a participant is shown and typed."""
        return f"{self.transcript.name}{SEPARATOR}{self.speaker}"

    @property
    def key(self) -> tuple[int, str]:
        return (self.transcript.id, self.speaker)


def participants(project: Project, *, codable_only: bool = False) -> list[Participant]:
    """Every speaker of every transcript, in the project's transcript order then by first turn."""
    attributes = participant_sql.speaker_attributes(project.db)
    rank = {t.id: (i, t) for i, t in enumerate(project.transcripts())}
    found = [
        Participant(
            rank[r["transcript_id"]][1],
            r["speaker"],
            int(r["segments"]),
            int(r["codable"] or 0),
            dict(attributes.get((r["transcript_id"], r["speaker"]), {})),
        )
        for r in participant_sql.participants(project.db)
        if r["transcript_id"] in rank
    ]
    found.sort(key=lambda p: rank[p.transcript.id][0])  # stable: first turn order within
    return [p for p in found if p.codable or not codable_only]


def speaker_attribute_keys(project: Project) -> list[str]:
    """Every attribute name a participant carries, sorted."""
    keys = {k for values in participant_sql.speaker_attributes(project.db).values() for k in values}
    return sorted(keys, key=str.casefold)


def is_speaker_key(name: str) -> bool:
    """Whether ``name`` names a participant's attribute (``speaker.role``)."""
    return name.strip().casefold().startswith(SPEAKER_PREFIX)


def bare_key(name: str) -> str:
    """``speaker.role`` → ``role``."""
    return name.strip()[len(SPEAKER_PREFIX) :].strip()


def find_participant(project: Project, name: str) -> Participant:
    """The participant ``TRANSCRIPT/SPEAKER`` (both without regard to case)."""
    transcript, sep, speaker = name.strip().rpartition(SEPARATOR)
    every = participants(project)
    if not sep or not transcript or not speaker:
        raise NotFound(f"{name!r}: name a participant as TRANSCRIPT{SEPARATOR}SPEAKER (fg1/P2)")
    t = project.transcript(transcript)
    mine = [p for p in every if p.transcript.id == t.id]
    exact = [p for p in mine if p.speaker == speaker.strip()]
    folded = [p for p in mine if p.speaker.casefold() == speaker.strip().casefold()]
    hit = exact or folded
    if len(hit) != 1:
        known = ", ".join(p.speaker for p in mine) or "none"
        raise NotFound(
            f"transcript {t.name!r} has no speaker {speaker.strip()!r} (speakers: {known})"
        )
    return hit[0]


# ---------------------------------------------------------------------- import
@dataclass(frozen=True)
class SpeakerImport:
    """What :func:`import_speaker_attributes` did."""

    participants: int
    keys: list[str]
    values_set: int


def import_speaker_attributes(project: Project, path: Path | str) -> SpeakerImport:
    """Set participants' attributes from a CSV: ``transcript``, ``speaker``, then one column per attribute.

    Every row is checked before anything is written (a transcript or a
    speaker the project lacks, a participant listed twice, a row without
    its names), and the first problem is a one-line error naming the file
    and the line. Then all rows are written in one transaction, logged as
    one ``speakers.import`` event. An empty cell leaves that attribute unset
    (and removes a value set before).
    """
    from codebench.csvfile import iter_dicts, read_csv
    from codebench.safety import safe_file_name

    path = Path(path)
    shown = safe_file_name(path)
    table = read_csv(path)
    header = [h.strip() for h in table.header]
    folded = [h.casefold() for h in header]
    if "transcript" not in folded or "speaker" not in folded:
        raise ImportFailed(
            f"{shown}:1: needs a 'transcript' and a 'speaker' column, then one column per attribute"
        )
    t_col, s_col = header[folded.index("transcript")], header[folded.index("speaker")]
    keys = [h for h in header if h.casefold() not in ("transcript", "speaker")]
    if any(not k for k in keys):
        raise ImportFailed(f"{shown}:1: a column has no name (every attribute needs one)")
    if not keys:
        raise ImportFailed(f"{shown}:1: no attribute columns after 'transcript' and 'speaker'")
    for k in keys:
        if is_speaker_key(k):
            raise ImportFailed(
                f"{shown}:1: column {k!r}: name the attribute without 'speaker.' ({bare_key(k)!r})"
            )
    every = participants(project)
    by_transcript: dict[int, list[Participant]] = {}
    for p in every:
        by_transcript.setdefault(p.transcript.id, []).append(p)
    transcripts = {t.name.casefold(): t for t in project.transcripts()}
    for t in project.transcripts():
        transcripts.setdefault(t.source_name.casefold(), t)
    seen: dict[tuple[int, str], int] = {}
    writes: list[tuple[int, str, str, str]] = []
    for line, row in iter_dicts(table):
        t_name, s_name = row.get(t_col, ""), row.get(s_col, "")
        if not t_name or not s_name:
            raise ImportFailed(f"{shown}:{line}: the row needs a transcript and a speaker")
        found = transcripts.get(t_name.casefold())
        if found is None:
            raise ImportFailed(f"{shown}:{line}: no transcript {t_name!r} in the project")
        t = found
        mine = by_transcript.get(t.id, [])
        hit = [p for p in mine if p.speaker == s_name] or [
            p for p in mine if p.speaker.casefold() == s_name.casefold()
        ]
        if len(hit) != 1:
            known = ", ".join(p.speaker for p in mine) or "none"
            raise ImportFailed(
                f"{shown}:{line}: transcript {t.name!r} has no speaker {s_name!r} (speakers: {known})"
            )
        key = hit[0].key
        if key in seen:
            raise ImportFailed(
                f"{shown}:{line}: {hit[0].name} is listed twice (first on line {seen[key]})"
            )
        seen[key] = line
        writes.extend((key[0], key[1], k, row.get(k, "")) for k in keys)
    with project.transaction():
        participant_sql.set_speaker_attributes(project.db, writes)
        event_sql.log(
            project.db,
            "speakers.import",
            {"file": shown, "participants": len(seen), "keys": keys},
        )
    return SpeakerImport(len(seen), keys, sum(1 for w in writes if w[3]))
