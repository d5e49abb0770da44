"""Undo and redo over the event log: every action a coder takes, in order, one coder at a time.

A coder's actions are codings (whole segments and word spans), memos (add,
edit, delete), status changes, codebook edits, text corrections, framework
summaries and code relations; each is one event in the
log whose payload carries what is needed to revert it and to replay it.
Undo and redo are events too, pointing at the action they revert or replay,
so a coder's undo and redo stacks are rebuilt from the log alone: they
survive a restart, and two windows of one coder share them (each catches up
with the log before it acts). Only the coder's own events join the history;
another coder's actions are never undone, and a transcript's removal (by
anyone) drops the actions that touched it, since their rows went with it.

Each action kind has one function that performs it forwards (redo) or
backwards (undo) inside the caller's transaction; :func:`undo` and
:func:`redo` are the headless entry points the CLI and the workbench use.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from codebench.errors import CodebenchError, NotFound
from codebench.models import Code, Coder, Event
from codebench.store import coders as coder_sql
from codebench.store import codes as code_sql
from codebench.store import codings as coding_sql
from codebench.store import events as event_sql
from codebench.store import memos as memo_sql
from codebench.store import participants as participant_sql
from codebench.store import transcripts as transcript_sql

if TYPE_CHECKING:
    from codebench.project import Project

CODING_ACTIONS = ("coding.add", "coding.remove")
MEMO_ACTIONS = ("memo.add", "memo.edit", "memo.delete")
STATUS_ACTIONS = ("status.set",)
CODE_ACTIONS = (
    "code.add",
    "code.edit",
    "code.move",
    "code.archive",
    "code.restore",
    "code.merge",
)
TEXT_ACTIONS = ("transcript.correct",)
ANALYSIS_ACTIONS = ("framework.set", "relation.add", "relation.remove")
#: Actions a coder can take back, in the order the workbench offers them.
UNDOABLE_ACTIONS = (
    *CODING_ACTIONS,
    *MEMO_ACTIONS,
    *STATUS_ACTIONS,
    *CODE_ACTIONS,
    *TEXT_ACTIONS,
    *ANALYSIS_ACTIONS,
)
HISTORY_ACTIONS = (*UNDOABLE_ACTIONS, "undo", "redo")
#: Events that end the history of what they removed (by any coder): it cannot be undone.
BARRIER_ACTIONS = ("transcript.remove",)


def joins_history(event: Event) -> bool:
    """Whether an event of the coder is an action of its own on the undo stack.

    The status a first coding sets on its own (``auto``) goes with that
    coding rather than taking a press of ``u`` by itself; memo deletions
    logged before deletions kept the memo's target cannot be restored.
    """
    if event.action not in UNDOABLE_ACTIONS:
        return False
    if event.action == "status.set" and event.payload.get("auto"):
        return False
    return not (event.action == "memo.delete" and "memo" not in event.payload)


def _automatic_status(event: Event, previous: Event | None) -> bool:
    """A status change the workbench made by itself: marked ``auto``, or (logs written before the
    mark) not started → in progress right after a coding on the same transcript."""
    if event.action != "status.set":
        return False
    if event.payload.get("auto"):
        return True
    return (
        previous is not None
        and previous.action == "coding.add"
        and previous.transcript_id is not None
        and previous.transcript_id == event.transcript_id
        and event.payload.get("previous") == "not-started"
        and event.payload.get("status") == "in-progress"
    )


def is_final(event: Event) -> bool:
    """An action in the history that cannot be taken back: a merge logged without what undoing needs."""
    return event.action == "code.merge" and "duplicate_codings" not in event.payload


@dataclass
class History:
    """A coder's undo and redo stacks, rebuilt from the event log and kept up with it."""

    done: list[Event] = field(default_factory=list)
    undone: list[Event] = field(default_factory=list)
    coder_id: int | None = None
    #: The newest event id read from the log; :meth:`catch_up` reads only what follows.
    seen: int = 0
    #: Action GUID → the automatic status change that came with it (undone and redone with it).
    companions: dict[str, Event] = field(default_factory=dict)

    @classmethod
    def load(cls, project: Project, coder: str | Coder) -> History:
        history = cls(coder_id=project.coder(coder).id)
        history.catch_up(project)
        return history

    def catch_up(self, project: Project) -> bool:
        """Replay the coder's events (and removals) logged since the last look; whether there were any.

        Another window of the same coder, or the CLI, may have written
        since: reading them first keeps undo in the order the coder acted.
        """
        if self.coder_id is None:
            return False
        events = event_sql.history_events(
            project.db, self.coder_id, HISTORY_ACTIONS, BARRIER_ACTIONS, after_id=self.seen
        )
        for event in events:
            self._replay(event)
            self.seen = max(self.seen, event.id)
        return bool(events)

    def record(self, event: Event) -> None:
        """Note an event this process just wrote (its id must follow everything seen)."""
        self._replay(event)
        self.seen = max(self.seen, event.id)

    def _replay(self, event: Event) -> None:
        if event.action in BARRIER_ACTIONS:
            self._forget_transcript(event.payload.get("transcript"))
        elif event.action == "undo":
            _move(self.done, self.undone, event.payload.get("event"))
        elif event.action == "redo":
            _move(self.undone, self.done, event.payload.get("event"))
        elif _automatic_status(event, self.done[-1] if self.done else None):
            # An automatic status (a first coding's "in progress") goes with that coding.
            if self.done:
                self.companions.setdefault(self.done[-1].guid, event)
        elif joins_history(event):
            self.done.append(event)
            self.undone.clear()

    def _forget_transcript(self, guid: object) -> None:
        """Drop actions that touched a removed transcript: their rows went with it.

        Undoing one would fail (its transcript is gone), and would then block
        every older action behind it.
        """
        if not isinstance(guid, str):
            return
        self.done = [e for e in self.done if guid not in _transcripts_of(e)]
        self.undone = [e for e in self.undone if guid not in _transcripts_of(e)]


def _move(source: list[Event], target: list[Event], guid: object) -> None:
    """Move the event ``guid`` from one stack to the other (the newest match; none: nothing)."""
    for position in range(len(source) - 1, -1, -1):
        if source[position].guid == guid:
            target.append(source.pop(position))
            return


def _transcripts_of(event: Event) -> set[str]:
    """GUIDs of the transcripts an action touched."""
    payload = event.payload
    found: set[str] = set()
    records = payload.get("codings", [])
    if event.action in CODING_ACTIONS and isinstance(records, list):
        found.update(r["transcript"] for r in records if isinstance(r, dict) and "transcript" in r)
    for holder in (payload, payload.get("memo")):
        if isinstance(holder, dict) and isinstance(holder.get("transcript"), str):
            found.add(holder["transcript"])
    return found


# ---------------------------------------------------------------------------- the entry points


def undo(project: Project, coder: str | Coder, history: History | None = None) -> Event | None:
    """Revert the coder's most recent action not yet undone; returns it (or ``None``)."""
    return _step(project, coder, history, backwards=True)


def redo(project: Project, coder: str | Coder, history: History | None = None) -> Event | None:
    """Replay the coder's most recently undone action; returns it (or ``None``)."""
    return _step(project, coder, history, backwards=False)


def _step(
    project: Project, coder: str | Coder, history: History | None, *, backwards: bool
) -> Event | None:
    k = project.coder(coder)
    history = history if history is not None else History(coder_id=k.id)
    if history.coder_id is None:
        history.coder_id = k.id
    verb = "undo" if backwards else "redo"
    with project.transaction():
        # Inside the write lock: nothing can be logged between this look and our event.
        history.catch_up(project)
        stack = history.done if backwards else history.undone
        if not stack:
            return None
        target = stack[-1]
        if is_final(target):
            raise CodebenchError(
                f"cannot {verb} {describe(target)}: merges logged before undo covered them are final"
            )
        try:
            PERFORM[target.action](project, k, target, not backwards)
            companion = history.companions.get(target.guid)
            if companion is not None:
                _status(project, k, companion, not backwards)
        except sqlite3.IntegrityError as error:
            raise CodebenchError(f"cannot {verb} {describe(target)}: {error}") from error
        event_id = event_sql.log(
            project.db,
            verb,
            {"event": target.guid, "action": target.action},
            coder_id=k.id,
            transcript_id=target.transcript_id,
        )
    history.record(
        Event(event_id, "", "", k.id, target.transcript_id, verb, {"event": target.guid})
    )
    return target


def describe(event: Event) -> str:
    """A short phrase for an action, as in "undid …"."""
    payload = event.payload
    action = event.action
    if action in CODING_ACTIONS:
        count = len(payload.get("codings", []))
        what = "adding" if action == "coding.add" else "removing"
        return f"{what} {count} coding{'s' if count != 1 else ''}"
    if action in MEMO_ACTIONS:
        return {
            "memo.add": "a new memo",
            "memo.edit": "a memo edit",
            "memo.delete": "a memo deletion",
        }[action]
    if action == "status.set":
        return f"marking {str(payload.get('status', '')).replace('-', ' ')}"
    if action in TEXT_ACTIONS:
        return "a text fix"
    name = str(payload.get("after", {}).get("name", "")) if action == "code.add" else ""
    return {
        "code.add": f"adding code {name}".rstrip(),
        "code.edit": "a code edit",
        "code.move": "a code move",
        "code.archive": "archiving a code",
        "code.restore": "restoring a code",
        "code.merge": "merging codes",
        "framework.set": f"a framework summary ({payload.get('case', '')})",
        "relation.add": f"adding a relation ({payload.get('kind', '')})",
        "relation.remove": f"removing a relation ({payload.get('kind', '')})",
    }.get(action, action)


# ---------------------------------------------------------------------------- performing actions


def _codings(project: Project, coder: Coder, event: Event, forward: bool) -> None:
    from codebench.coding.correction import offsets_through_versions

    adding = (event.action == "coding.add") == forward
    for logged in event.payload["codings"]:
        code = code_sql.code_by_guid(project.db, logged["code"])
        transcript = transcript_sql.find_transcript(project.db, "guid", logged["transcript"])
        if code is None or transcript is None:
            raise NotFound("cannot undo: a code or transcript of that action no longer exists")
        # The span is in the text of its day; corrections made since moved it.
        start, end = offsets_through_versions(
            project, transcript.id, event.id, logged["start"], logged["end"]
        )
        record = {**logged, "start": start, "end": end}
        # A merge made since (here, or the lead's pulled from a hub) moved the codings of
        # the code it archived: act on the coding where it is now, never on the old code.
        merged = code_sql.merged_code_id(project.db, code.id)
        if adding and merged is not None:
            code = code_sql.get_code(project.db, merged) or code
        if adding:
            coding_sql.insert_coding(
                project.db,
                coder.id,
                code.id,
                transcript.id,
                record["start"],
                record["end"],
                codebook_version=record.get("codebook_version"),
            )
            existing = coding_sql.find_coding(
                project.db, coder.id, code.id, transcript.id, record["start"], record["end"]
            )
            if existing is not None:
                for memo in record.get("memos", []):
                    _restore_memo(
                        project,
                        memo,
                        {
                            "transcript_id": transcript.id,
                            "code_id": code.id,
                            "coding_id": existing.id,
                        },
                    )
        else:
            existing = coding_sql.find_coding(
                project.db, coder.id, code.id, transcript.id, record["start"], record["end"]
            )
            if existing is None and merged is not None:
                existing = coding_sql.find_coding(
                    project.db, coder.id, merged, transcript.id, record["start"], record["end"]
                )
            if existing is not None:
                coding_sql.delete_coding(project.db, existing.id)


def _restore_memo(project: Project, memo: dict[str, Any], target: dict[str, Any]) -> None:
    """Insert a memo again with its GUID and text at ``target`` (skipped if it is there)."""
    if memo_sql.memo_by_guid(project.db, memo["guid"]) is not None:
        return
    author = _coder_by_guid(project, memo.get("author"))
    values: dict[str, Any] = {
        "guid": memo["guid"],
        "author_id": author.id if author is not None else None,
        "text": memo["text"],
        **target,
    }
    if memo.get("created_at"):
        values["created_at"] = memo["created_at"]
    memo_sql.insert_memo(project.db, values)


def _coder_by_guid(project: Project, guid: object) -> Coder | None:
    return next((c for c in coder_sql.list_coders(project.db) if c.guid == guid), None)


def memo_target(
    project: Project, payload: dict[str, Any], event_id: int | None = None
) -> dict[str, Any]:
    """The row ids a memo payload's target names (GUIDs and natural keys → ids in this file).

    ``event_id``, the event that logged the payload: a coding's span it names is
    carried through the text corrections made since.
    """
    target: dict[str, Any] = {}
    if payload.get("transcript"):
        transcript = transcript_sql.find_transcript(project.db, "guid", payload["transcript"])
        if transcript is None:
            raise NotFound("the memo's transcript no longer exists")
        target["transcript_id"] = transcript.id
        if payload.get("segment") is not None:
            segment_id = transcript_sql.segment_id_at(
                project.db, transcript.id, int(payload["segment"])
            )
            if segment_id is None:
                raise NotFound("the memo's segment no longer exists")
            target["segment_id"] = segment_id
    if payload.get("code"):
        code = code_sql.code_by_guid(project.db, payload["code"])
        if code is None:
            raise NotFound("the memo's code no longer exists")
        target["code_id"] = code.id
    coding = payload.get("coding")
    if isinstance(coding, dict) and "transcript_id" in target:
        owner = _coder_by_guid(project, coding.get("coder"))
        code = code_sql.code_by_guid(project.db, coding.get("code", ""))
        start, end = coding["start"], coding["end"]
        if event_id is not None:
            from codebench.coding.correction import offsets_through_versions

            start, end = offsets_through_versions(
                project, target["transcript_id"], event_id, start, end
            )
        found = (
            coding_sql.find_coding(
                project.db,
                owner.id,
                code.id,
                target["transcript_id"],
                start,
                end,
            )
            if owner is not None and code is not None
            else None
        )
        if found is None:
            raise NotFound("the coding the memo was on no longer exists")
        target["coding_id"] = found.id
    return target


def _memo_add(project: Project, coder: Coder, event: Event, forward: bool) -> None:
    payload = event.payload
    if forward:
        memo = {**payload, "author": coder.guid}
        _restore_memo(project, memo, memo_target(project, payload, event.id))
    else:
        _delete_memo(project, payload["guid"])


def _memo_edit(project: Project, coder: Coder, event: Event, forward: bool) -> None:
    payload = event.payload
    memo = memo_sql.memo_by_guid(project.db, payload["guid"])
    if memo is None:
        raise NotFound("that memo no longer exists")
    memo_sql.update_memo(project.db, memo.id, payload["text"] if forward else payload["previous"])


def _memo_delete(project: Project, coder: Coder, event: Event, forward: bool) -> None:
    payload = event.payload
    if forward:
        _delete_memo(project, payload["guid"])
    else:
        memo = payload["memo"]
        _restore_memo(project, memo, memo_target(project, memo, event.id))


def _delete_memo(project: Project, guid: str) -> None:
    memo = memo_sql.memo_by_guid(project.db, guid)
    if memo is not None:
        memo_sql.delete_memo(project.db, memo.id)


def _status(project: Project, coder: Coder, event: Event, forward: bool) -> None:
    payload = event.payload
    transcript = transcript_sql.find_transcript(project.db, "guid", payload["transcript"])
    if transcript is None:
        raise NotFound("that transcript no longer exists")
    status = payload["status"] if forward else payload.get("previous") or "not-started"
    if status == "not-started":
        coder_sql.clear_status(project.db, coder.id, transcript.id)  # as before any status
    else:
        coder_sql.set_status(project.db, coder.id, transcript.id, status)


def _code(project: Project, guid: object) -> Code:
    code = code_sql.code_by_guid(project.db, str(guid)) if guid else None
    if code is None:
        raise NotFound("a code of that action no longer exists")
    return code


def _code_add(project: Project, coder: Coder, event: Event, forward: bool) -> None:
    payload = event.payload
    if forward:
        if code_sql.code_by_guid(project.db, payload["guid"]) is not None:
            return
        parent = _code(project, payload["parent"]) if payload.get("parent") else None
        code_sql.insert_code(
            project.db,
            {
                "guid": payload["guid"],
                "parent_id": parent.id if parent is not None else None,
                **payload["after"],
            },
        )
        return
    code = _code(project, payload["guid"])
    if code_sql.code_references(project.db, code.id):
        raise CodebenchError(
            f"cannot undo adding {code.label!r}: it has codings, memos or sub-codes now (archive it instead)"
        )
    code_sql.delete_code(project.db, code.id)


def _code_edit(project: Project, coder: Coder, event: Event, forward: bool) -> None:
    """Set the fields back (or again), leaving any a later edit by someone else changed since."""
    payload = event.payload
    code = _code(project, payload["guid"])
    old, new = (
        (payload["before"], payload["after"]) if forward else (payload["after"], payload["before"])
    )
    values = {f: v for f, v in new.items() if getattr(code, f) == old.get(f)}
    code_sql.update_code(project.db, code.id, values)


def _code_move(project: Project, coder: Coder, event: Event, forward: bool) -> None:
    from codebench.codebook.edits import place_code

    payload = event.payload
    code = _code(project, payload["guid"])
    place = payload["after"] if forward else payload["before"]
    parent = _code(project, place["parent"]) if place.get("parent") else None
    place_code(project, code, parent, int(place["position"]))


def _code_archived(project: Project, coder: Coder, event: Event, forward: bool) -> None:
    payload = event.payload
    state = payload["after" if forward else "before"]["archived"]
    ids = [_code(project, guid).id for guid in payload.get("codes", [payload["guid"]])]
    code_sql.set_archived(project.db, ids, bool(state))


def _code_merge(project: Project, coder: Coder, event: Event, forward: bool) -> None:
    from codebench.codebook.edits import fold_code, unfold_code

    payload = event.payload
    if forward:
        fold_code(project, _code(project, payload["source"]), _code(project, payload["target"]))
    else:
        unfold_code(project, payload)


def _correct(project: Project, coder: Coder, event: Event, forward: bool) -> None:
    from codebench.coding.correction import perform

    perform(project, coder, event, forward)


def _framework(project: Project, coder: Coder, event: Event, forward: bool) -> None:
    """Put a framework cell's summary back as it was before (undo) or after (redo)."""
    from codebench.ids import now

    payload = event.payload
    transcript = transcript_sql.find_transcript(project.db, "guid", payload.get("transcript"))
    if transcript is None:
        raise NotFound("the framework summary's transcript is no longer in the project")
    text = payload.get("after" if forward else "before") or ""
    participant_sql.set_framework_summary(
        project.db,
        transcript.id,
        payload.get("speaker") or "",
        _code(project, payload["code"]).id,
        str(text),
        coder.id,
        now(),
    )


def _relation(project: Project, coder: Coder, event: Event, forward: bool) -> None:
    """Add or remove a code relation (the reverse of what the event did, when undoing)."""
    from codebench.ids import now

    payload = event.payload
    source, target = _code(project, payload["from"]), _code(project, payload["to"])
    adding = (event.action == "relation.add") == forward
    if adding:
        participant_sql.add_code_relation(
            project.db,
            source.id,
            target.id,
            str(payload["kind"]),
            str(payload.get("note") or ""),
            coder.id,
            now(),
        )
    else:
        participant_sql.remove_code_relation(project.db, source.id, target.id, str(payload["kind"]))


PERFORM = {
    "transcript.correct": _correct,
    "coding.add": _codings,
    "coding.remove": _codings,
    "memo.add": _memo_add,
    "memo.edit": _memo_edit,
    "memo.delete": _memo_delete,
    "status.set": _status,
    "code.add": _code_add,
    "code.edit": _code_edit,
    "code.move": _code_move,
    "code.archive": _code_archived,
    "code.restore": _code_archived,
    "code.merge": _code_merge,
    "framework.set": _framework,
    "relation.add": _relation,
    "relation.remove": _relation,
}
