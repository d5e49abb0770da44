"""Coding actions: applying and removing codes, as undoable units of work.

One user action (apply a code to three selected segments, say) is one
transaction and one ``coding.add``/``coding.remove`` event listing every
coding it changed. Undo and redo are themselves events that point at the
action they revert or replay, so the history survives a restart and is
rebuilt from the log alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from codebench.errors import CodebenchError, NotCodable, NotFound
from codebench.models import Coder, Event, Segment, Transcript
from codebench.store import codings as coding_sql
from codebench.store import events as event_sql

if TYPE_CHECKING:
    from codebench.project import Project

CODING_ACTIONS = ("coding.add", "coding.remove")
HISTORY_ACTIONS = (*CODING_ACTIONS, "undo", "redo")
#: Events that end the history of what they removed (by any coder): it cannot be undone.
BARRIER_ACTIONS = ("transcript.remove",)


def require_codable(
    segment: Segment, transcript: Transcript | str, *, allow_noncodable: bool = False
) -> None:
    """Refuse to code a segment marked not codable, as the workbench does; every coding path calls this.

    Interviewer turns and headers are imported as not codable so that
    agreement and reports count only what participants said; a script
    coding one by ordinal is almost always off by a segment. Raises
    :class:`~codebench.errors.NotCodable` (one line naming the segment) unless
    ``allow_noncodable``; a front end with an override may add how to use it.
    """
    if segment.codable or allow_noncodable:
        return
    name = transcript.name if isinstance(transcript, Transcript) else transcript
    who = f"{segment.speaker}'s turn" if segment.speaker else "not speech"
    raise NotCodable(f"segment {segment.ordinal} of transcript {name!r} is not codable ({who})")


def apply_changes(
    project: Project,
    action: str,
    coder: str | Coder,
    changes: Sequence[tuple[Any, Any, int, int]],
    *,
    log: bool = True,
    meta: dict | None = None,
    lengths: Mapping[int, int] | None = None,
) -> list[int]:
    """Add or remove codings as one transaction; returns the affected coding ids.

    ``changes`` are ``(code, transcript, start, end)``. Adding an existing
    coding or removing a missing one is skipped; the event lists only what
    actually changed (and no event is written if nothing did).

    ``lengths`` (transcript id → length of its text) spares reading a
    transcript's text to bounds-check the spans; the workbench passes the
    length it already knows (a transcript's text never changes). Codes,
    transcripts and the coder may be given as objects, which skips looking
    them up.
    """
    if action not in CODING_ACTIONS:
        raise ValueError(action)
    k = project.coder(coder, create=(action == "coding.add"))
    resolved = []
    known: dict[int, int] = dict(lengths or {})
    for code_ref, transcript_ref, start, end in changes:
        code = project.code(code_ref)
        transcript = project.transcript(transcript_ref)
        if transcript.id not in known:
            known[transcript.id] = len(project.text(transcript))
        if not (0 <= start < end <= known[transcript.id]):
            raise CodebenchError(
                f"span {start}–{end} is outside transcript {transcript.name!r} (0–{known[transcript.id]})"
            )
        if code.archived and action == "coding.add":
            raise CodebenchError(f"code {code.label!r} is archived")
        resolved.append((code, transcript, start, end))
    ids: list[int] = []
    records: list[dict[str, Any]] = []
    with project.transaction():
        for code, transcript, start, end in resolved:
            if action == "coding.add":
                new_id = coding_sql.insert_coding(
                    project.db, k.id, code.id, transcript.id, start, end
                )
                if new_id is None:
                    continue
                ids.append(new_id)
            else:
                existing = coding_sql.find_coding(
                    project.db, k.id, code.id, transcript.id, start, end
                )
                if existing is None:
                    continue
                coding_sql.delete_coding(project.db, existing.id)
                ids.append(existing.id)
            records.append(
                {"code": code.guid, "transcript": transcript.guid, "start": start, "end": end}
            )
        if records and log:
            transcript_ids = {t.id for _, t, _, _ in resolved}
            event_sql.log(
                project.db,
                action,
                {"codings": records, **(meta or {})},
                coder_id=k.id,
                transcript_id=transcript_ids.pop() if len(transcript_ids) == 1 else None,
            )
    return ids


@dataclass
class History:
    """A coder's undo and redo stacks, rebuilt from the event log."""

    done: list[Event] = field(default_factory=list)
    undone: list[Event] = field(default_factory=list)

    @classmethod
    def load(cls, project: Project, coder: str | Coder) -> History:
        k = project.coder(coder)
        history = cls()
        by_guid: dict[str, Event] = {}
        own = event_sql.list_events(project.db, coder_id=k.id, actions=HISTORY_ACTIONS)
        barriers = event_sql.list_events(project.db, actions=BARRIER_ACTIONS)
        for event in sorted([*own, *barriers], key=lambda e: e.id):
            history._replay(event, by_guid)
        return history

    def _replay(self, event: Event, by_guid: dict[str, Event]) -> None:
        if event.action in BARRIER_ACTIONS:
            self._forget_transcript(event.payload.get("transcript"))
        elif event.action in CODING_ACTIONS:
            by_guid[event.guid] = event
            self.done.append(event)
            self.undone.clear()
        elif (
            event.action == "undo"
            and self.done
            and self.done[-1].guid == event.payload.get("event")
        ):
            self.undone.append(self.done.pop())
        elif (
            event.action == "redo"
            and self.undone
            and self.undone[-1].guid == event.payload.get("event")
        ):
            self.done.append(self.undone.pop())

    def record(self, event: Event) -> None:
        """Note a new action performed in this session."""
        self._replay(event, {})

    def _forget_transcript(self, guid: object) -> None:
        """Drop actions that touched a removed transcript: their codings went with it.

        Undoing one would fail (its transcript is gone), and would then block
        every older action behind it.
        """
        if not isinstance(guid, str):
            return

        def touches(event: Event) -> bool:
            records = event.payload.get("codings", [])
            return isinstance(records, list) and any(
                isinstance(r, dict) and r.get("transcript") == guid for r in records
            )

        self.done = [e for e in self.done if not touches(e)]
        self.undone = [e for e in self.undone if not touches(e)]


def _revert_records(
    project: Project, coder: Coder, records: list[dict[str, Any]], action: str
) -> None:
    """Apply ``action`` to the codings listed in an event payload (inside a transaction)."""
    from codebench.store import codes as code_sql
    from codebench.store import transcripts as transcript_sql

    for record in records:
        code = code_sql.code_by_guid(project.db, record["code"])
        transcript = transcript_sql.find_transcript(project.db, "guid", record["transcript"])
        if code is None or transcript is None:
            raise NotFound("cannot undo: a code or transcript of that action no longer exists")
        if action == "coding.add":
            coding_sql.insert_coding(
                project.db, coder.id, code.id, transcript.id, record["start"], record["end"]
            )
        else:
            existing = coding_sql.find_coding(
                project.db, coder.id, code.id, transcript.id, record["start"], record["end"]
            )
            if existing is not None:
                coding_sql.delete_coding(project.db, existing.id)


def undo(project: Project, coder: str | Coder, history: History | None = None) -> Event | None:
    """Revert the coder's most recent action not yet undone; returns it (or ``None``)."""
    k = project.coder(coder)
    history = history or History.load(project, k)
    if not history.done:
        return None
    target = history.done[-1]
    inverse = "coding.remove" if target.action == "coding.add" else "coding.add"
    with project.transaction():
        _revert_records(project, k, target.payload["codings"], inverse)
        event_sql.log(
            project.db,
            "undo",
            {"event": target.guid, "action": target.action},
            coder_id=k.id,
            transcript_id=target.transcript_id,
        )
    history.undone.append(history.done.pop())
    return target


def redo(project: Project, coder: str | Coder, history: History | None = None) -> Event | None:
    """Replay the most recently undone action; returns it (or ``None``)."""
    k = project.coder(coder)
    history = history or History.load(project, k)
    if not history.undone:
        return None
    target = history.undone[-1]
    with project.transaction():
        _revert_records(project, k, target.payload["codings"], target.action)
        event_sql.log(
            project.db,
            "redo",
            {"event": target.guid, "action": target.action},
            coder_id=k.id,
            transcript_id=target.transcript_id,
        )
    history.done.append(history.undone.pop())
    return target


def last_event(project: Project) -> Event | None:
    """The newest event (the TUI records it into a :class:`History`)."""
    events = event_sql.list_events(project.db, after_id=event_sql.last_event_id(project.db) - 1)
    return events[-1] if events else None
