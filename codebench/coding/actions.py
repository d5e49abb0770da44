"""Coding actions: applying and removing codes, as undoable units of work.

One user action (apply a code to three selected segments, say) is one
transaction and one ``coding.add``/``coding.remove`` event listing every
coding it changed. Undo and redo are themselves events that point at the
action they revert or replay, so the history survives a restart and is
rebuilt from the log alone (:mod:`codebench.coding.history`, which this
module re-exports for older callers).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from codebench.coding.history import (
    BARRIER_ACTIONS,
    CODING_ACTIONS,
    HISTORY_ACTIONS,
    History,
    redo,
    undo,
)
from codebench.errors import CodebenchError, NotCodable
from codebench.models import Coder, Event, Segment, Transcript
from codebench.store import coders as coder_sql
from codebench.store import codings as coding_sql
from codebench.store import events as event_sql
from codebench.store import memos as memo_sql

if TYPE_CHECKING:
    from codebench.project import Project

__all__ = [
    "BARRIER_ACTIONS",
    "CODING_ACTIONS",
    "HISTORY_ACTIONS",
    "History",
    "apply_changes",
    "last_event",
    "redo",
    "require_codable",
    "undo",
]


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
    length it already knows (read again after any text correction). Codes,
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
            memos: list[dict[str, Any]] = []
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
                memos = _memos_going_with(project, existing.id)
                version = coding_sql.coding_version(project.db, existing.id)
                coding_sql.delete_coding(project.db, existing.id)
                ids.append(existing.id)
            record: dict[str, Any] = {
                "code": code.guid,
                "transcript": transcript.guid,
                "start": start,
                "end": end,
            }
            if memos:
                record["memos"] = memos
            if action != "coding.add":
                record["codebook_version"] = version  # undo restores the coding as it was
            records.append(record)
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


def _memos_going_with(project: Project, coding_id: int) -> list[dict[str, Any]]:
    """Memos on a coding about to be removed (they go with it), kept in the event so undo restores them."""
    memos = memo_sql.memos_on_coding(project.db, coding_id)
    if not memos:
        return []
    guids = {c.id: c.guid for c in coder_sql.list_coders(project.db)}
    return [
        {
            "guid": m.guid,
            "text": m.text,
            "author": guids.get(m.author_id) if m.author_id is not None else None,
            "created_at": m.created_at,
        }
        for m in memos
    ]


def last_event(project: Project) -> Event | None:
    """The newest event (the TUI records it into a :class:`History`)."""
    events = event_sql.list_events(project.db, after_id=event_sql.last_event_id(project.db) - 1)
    return events[-1] if events else None
