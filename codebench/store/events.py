"""The append-only event log: every change a user makes, in order.

Undo/redo, audit trails and merges read it. Rows are never updated or
deleted (triggers enforce it).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite_utils

from codebench.ids import new_guid, now
from codebench.models import Event
from codebench.store import ownership, rows


def log(
    db: sqlite_utils.Database,
    action: str,
    payload: dict[str, Any],
    *,
    coder_id: int | None = None,
    transcript_id: int | None = None,
    guid: str | None = None,
    at: str | None = None,
) -> int:
    """Append one event; call inside the transaction that made the change.

    On a team copy, a change to rows this copy's person does not own is
    refused here (:func:`codebench.store.ownership.check`), which rolls the
    caller's transaction back whole.
    """
    ownership.check(db, action, payload, coder_id)
    cursor = db.execute(
        "INSERT INTO events (guid, at, coder_id, transcript_id, action, payload) VALUES (?, ?, ?, ?, ?, ?)",
        [
            guid or new_guid(),
            at or now(),
            coder_id,
            transcript_id,
            action,
            json.dumps(payload, ensure_ascii=False, sort_keys=True),
        ],
    )
    return int(cursor.lastrowid or 0)


def list_events(
    db: sqlite_utils.Database,
    *,
    coder_id: int | None = None,
    actions: tuple[str, ...] = (),
    after_id: int = 0,
    limit: int | None = None,
) -> list[Event]:
    """Events in log order, optionally for one coder and some actions."""
    where = ["id > ?"]
    params: list[Any] = [after_id]
    if coder_id is not None:
        where.append("coder_id = ?")
        params.append(coder_id)
    if actions:
        where.append(f"action IN ({', '.join('?' for _ in actions)})")
        params.extend(actions)
    sql = f"SELECT * FROM events WHERE {' AND '.join(where)} ORDER BY id"
    if limit:
        sql += f" LIMIT {int(limit)}"
    return [rows.event(r) for r in db.query(sql, params)]


def last_event_id(db: sqlite_utils.Database) -> int:
    return int(db.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0])


def event_guids(db: sqlite_utils.Database) -> set[str]:
    return {r[0] for r in db.execute("SELECT guid FROM events")}


def history_events(
    db: sqlite_utils.Database,
    coder_id: int,
    actions: tuple[str, ...],
    barriers: tuple[str, ...],
    *,
    after_id: int = 0,
) -> list[Event]:
    """A coder's events among ``actions``, and anyone's ``barriers``, after ``after_id``, in log order.

    ``id > ?`` is a range on the primary key, so catching up after the
    last event seen reads only the rows written since.
    """
    own = ", ".join("?" for _ in actions)
    others = ", ".join("?" for _ in barriers) or "NULL"
    return [
        rows.event(r)
        for r in db.query(
            f"SELECT * FROM events WHERE id > ? AND ((coder_id = ? AND action IN ({own}))"
            f" OR action IN ({others})) ORDER BY id",
            [after_id, coder_id, *actions, *barriers],
        )
    ]


def event_counts(db: sqlite_utils.Database, upto: int) -> list[tuple[str, str, int]]:
    """``(action, coder name or "", count)`` of the events with ids up to ``upto``.

    A build's manifest keeps these, so comparing two manifests says which
    kinds of change (and whose) happened between the builds without the project.
    """
    return [
        (str(r[0]), str(r[1] or ""), int(r[2]))
        for r in db.execute(
            "SELECT e.action, c.name, count(*) FROM events AS e"
            " LEFT JOIN coders AS c ON c.id = e.coder_id WHERE e.id <= ?"
            " GROUP BY e.action, c.name ORDER BY e.action, c.name",
            [upto],
        ).fetchall()
    ]


def event_time(db: sqlite_utils.Database, event_id: int) -> str | None:
    """When event ``event_id`` happened (``None``: no such event)."""
    row = db.execute("SELECT at FROM events WHERE id = ?", [event_id]).fetchone()
    return str(row[0]) if row else None


def first_event_time(db: sqlite_utils.Database) -> str | None:
    """When the first event of the log happened (``None``: no events yet); it never changes."""
    row = db.execute("SELECT at FROM events ORDER BY id LIMIT 1").fetchone()
    return str(row[0]) if row else None
