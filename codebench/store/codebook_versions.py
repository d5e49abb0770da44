"""SQL for codebook versions: numbered snapshots of the codebook, and the version codings carry.

A version is the codebook as codings were made under it. Version 1 is the
codebook a project starts with. Every change to what the codebook says (a
code added, renamed, redefined, moved under another parent, merged,
archived or restored; not its number, colour, shortcut or place among its
siblings) calls :func:`note_change` inside its transaction:
when codings have been made under the current version since its snapshot
was last written, the change opens the next version (a new snapshot);
otherwise it updates the current version's snapshot. So a meeting's batch of
edits, made before anyone codes again, makes one version, and a version's
snapshot is exactly the codebook its codings were made under.

New codings are stamped with the current version by the INSERT itself
(:data:`CURRENT`), so every writer of codings carries it without a lookup.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite_utils

from codebench.ids import now

#: The current version as an SQL scalar, for the INSERTs that write codings.
CURRENT = "(SELECT coalesce(max(number), 1) FROM codebook_versions)"

#: What a snapshot records of each code: what it says and where it sits, not how it looks.
SNAPSHOT_SQL = """
SELECT c.guid, p.guid, c.number, c.name, c.description, c.inclusion, c.exclusion, c.example,
       c.archived
FROM codes AS c LEFT JOIN codes AS p ON p.id = c.parent_id
ORDER BY c.id
"""
SNAPSHOT_KEYS = (
    "guid",
    "parent",
    "number",
    "name",
    "description",
    "inclusion",
    "exclusion",
    "example",
    "archived",
)


def snapshot(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """The codebook as a version records it: one dict per code (archived ones included), by id."""
    out = []
    for row in db.execute(SNAPSHOT_SQL).fetchall():
        item = dict(zip(SNAPSHOT_KEYS, row))
        item["archived"] = bool(item["archived"])
        out.append(item)
    return out


def current_version(db: sqlite_utils.Database) -> int:
    return int(db.execute(f"SELECT {CURRENT}").fetchone()[0])


def version_rows(db: sqlite_utils.Database) -> list[tuple[int, str, str, str]]:
    """``(number, snapshot JSON, created_at, updated_at)`` of every version, oldest first."""
    return [
        (int(r[0]), r[1], r[2], r[3])
        for r in db.execute(
            "SELECT number, snapshot, created_at, updated_at FROM codebook_versions ORDER BY number"
        ).fetchall()
    ]


def coded_since(db: sqlite_utils.Database, version: int, after_id: int) -> bool:
    """Whether a coding made under ``version`` has an id above ``after_id`` (a row-id range, cheap)."""
    row = db.execute(
        "SELECT 1 FROM codings WHERE id > ? AND codebook_version = ? LIMIT 1", [after_id, version]
    ).fetchone()
    return row is not None


def write_version(db: sqlite_utils.Database, number: int, body: list[dict[str, Any]]) -> None:
    """Insert version ``number`` or replace its snapshot. Call inside the caller's transaction."""
    text = json.dumps(body, ensure_ascii=False, sort_keys=True)
    last = int(db.execute("SELECT coalesce(max(id), 0) FROM codings").fetchone()[0])
    stamp = now()
    db.execute(
        "INSERT INTO codebook_versions (number, snapshot, last_coding_id, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (number) DO UPDATE SET snapshot = excluded.snapshot,"
        " last_coding_id = excluded.last_coding_id, updated_at = excluded.updated_at",
        [number, text, last, stamp, stamp],
    )


#: Connections inside :func:`batched`, and whether a change was noted meanwhile.
_batching: dict[int, bool] = {}


@contextlib.contextmanager
def batched(db: sqlite_utils.Database) -> Iterator[None]:
    """Note the codebook's changes once, at the end, for a block that writes many codes.

    Loading a codebook or a REFI code tree writes code after code; noting each
    change snapshots the whole codebook, so the load's work grew with the
    square of its size. Inside this block changes are only remembered, and the
    block's end notes them once. Use it only around writes of codes, with no
    codings written inside it (they would be stamped before the version moves).
    """
    key = id(db.conn)
    if key in _batching:  # already batched further out
        yield
        return
    _batching[key] = False
    try:
        yield
    except BaseException:
        _batching.pop(key, None)
        raise
    if _batching.pop(key):
        note_change(db)


def note_change(db: sqlite_utils.Database) -> int:
    """Record that the codebook may have changed; returns the current version afterwards.

    Nothing happens when the codebook says what the current version's
    snapshot says (a re-import of the same codebook, a colour change).
    Inside :func:`batched` the change is remembered for the block's end.
    """
    key = id(db.conn)
    if key in _batching:
        _batching[key] = True
        row = db.execute("SELECT coalesce(max(number), 1) FROM codebook_versions").fetchone()
        return int(row[0])
    row = db.execute(
        "SELECT number, snapshot, last_coding_id FROM codebook_versions"
        " ORDER BY number DESC LIMIT 1"
    ).fetchone()
    body = snapshot(db)
    if row is None:
        write_version(db, 1, body)
        return 1
    number, text, last = int(row[0]), row[1], int(row[2])
    if text == json.dumps(body, ensure_ascii=False, sort_keys=True):  # written the same way
        return number
    if _meaning(json.loads(text)) == _meaning(body):
        # Only numbers changed: the version's snapshot follows them, no new version.
        db.execute(
            "UPDATE codebook_versions SET snapshot = ? WHERE number = ?",
            [json.dumps(body, ensure_ascii=False, sort_keys=True), number],
        )
        return number
    if coded_since(db, number, last):
        number += 1
    write_version(db, number, body)
    return number


def _meaning(body: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A snapshot without what does not change a code's meaning (its number)."""
    return [{k: v for k, v in code.items() if k != "number"} for code in body]


def codings_by_version(
    db: sqlite_utils.Database, transcript_ids: list[int] | None = None
) -> dict[int, int]:
    """``{version: codings}`` (of some transcripts)."""
    sql = "SELECT codebook_version, count(*) FROM codings"
    params: list[int] = []
    if transcript_ids is not None:
        sql += f" WHERE transcript_id IN ({', '.join('?' for _ in transcript_ids) or 'NULL'})"
        params = list(transcript_ids)
    sql += " GROUP BY codebook_version"
    return {int(v): int(n) for v, n in db.execute(sql, params).fetchall()}


def replace_versions(
    db: sqlite_utils.Database,
    versions: list[tuple[int, list[dict[str, Any]], str, str]],
    coded: set[int],
) -> None:
    """Replace every version with ``(number, snapshot, created_at, updated_at)`` rows (an import).

    Versions in ``coded`` have codings, so they count as coded since their
    snapshot; with no rows, version 1 becomes the codebook as it stands.
    Call inside the caller's transaction.
    """
    db.execute("DELETE FROM codebook_versions")
    if not versions:
        write_version(db, 1, snapshot(db))
        if 1 in coded:
            db.execute("UPDATE codebook_versions SET last_coding_id = 0")
        return
    last = int(db.execute("SELECT coalesce(max(id), 0) FROM codings").fetchone()[0])
    db.conn.executemany(
        "INSERT INTO codebook_versions (number, snapshot, last_coding_id, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?)",
        [
            (
                number,
                json.dumps(body, ensure_ascii=False, sort_keys=True),
                0 if number in coded else last,
                created,
                updated,
            )
            for number, body, created, updated in versions
        ],
    )


def version_records(
    db: sqlite_utils.Database, edit_actions: tuple[str, ...]
) -> list[tuple[int, str, str, str, str]]:
    """Each version as a hub record: ``(number, snapshot, created_at, updated_at, edits)``.

    ``edits`` is JSON text: the events among ``edit_actions`` whose payload
    names that version, each ``[guid, at, coder GUID, action, payload]``, in
    log order; a copy that pulls the version files them in its own log, so
    its appendix names the same edits and reasons as the lead's.
    """
    edits: dict[int, list[list[Any]]] = {}
    marks = ", ".join("?" for _ in edit_actions) or "NULL"
    for guid, at, coder, action, payload, version in db.execute(
        "SELECT e.guid, e.at, k.guid, e.action, e.payload,"
        " json_extract(e.payload, '$.codebook_version') FROM events AS e"
        f" LEFT JOIN coders AS k ON k.id = e.coder_id WHERE e.action IN ({marks}) ORDER BY e.id",
        list(edit_actions),
    ).fetchall():
        if isinstance(version, int):
            edits.setdefault(version, []).append([guid, at, coder, action, payload])
    return [
        (number, body, created, updated, json.dumps(edits.get(number, []), ensure_ascii=False))
        for number, body, created, updated in version_rows(db)
    ]


def apply_version(
    db: sqlite_utils.Database, record: tuple[Any, ...], coder_ids: dict[str, int]
) -> None:
    """Take one version from the hub (inside the caller's transaction): its snapshot and times
    as the lead wrote them, and its edits into this copy's event log (each once, by GUID).

    The version counts as coded up to now, so codings made here from now on
    carry it (the lead's versions are the only ones a team copy has).
    """
    number, body, created, updated, edits = record[:5]
    last = int(db.execute("SELECT coalesce(max(id), 0) FROM codings").fetchone()[0])
    db.execute(
        "INSERT INTO codebook_versions (number, snapshot, last_coding_id, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (number) DO UPDATE SET snapshot = excluded.snapshot,"
        " last_coding_id = excluded.last_coding_id, created_at = excluded.created_at,"
        " updated_at = excluded.updated_at",
        [int(number), body, last, created, updated],
    )
    db.conn.executemany(
        "INSERT INTO events (guid, at, coder_id, transcript_id, action, payload)"
        " VALUES (?, ?, ?, NULL, ?, ?) ON CONFLICT (guid) DO NOTHING",
        [
            (guid, at, coder_ids.get(coder) if coder else None, action, payload)
            for guid, at, coder, action, payload in json.loads(edits or "[]")
        ],
    )


def take_versions(
    db: sqlite_utils.Database, versions: list[tuple[int, str, str, str]], *, replace: bool
) -> None:
    """Add versions ``(number, snapshot JSON, created_at, updated_at)`` from another file (a
    merge), as coded (an edit here after them opens the next version); ``replace`` first
    removes every version here (a file with no codings yet takes the other's history whole).
    Call inside the caller's transaction."""
    if replace:
        db.execute("DELETE FROM codebook_versions")
    db.conn.executemany(
        "INSERT INTO codebook_versions (number, snapshot, last_coding_id, created_at, updated_at)"
        " VALUES (?, ?, 0, ?, ?) ON CONFLICT (number) DO NOTHING",
        versions,
    )


def same_meaning(one: str, other: str) -> bool:
    """Whether two snapshots (JSON text, from two files) say the same of the same codes: keyed
    by GUID (each file orders its codes by its own ids), numbers aside."""

    def keyed(text: str) -> dict[str, Any]:
        return {c["guid"]: c for c in _meaning(json.loads(text))}

    return keyed(one) == keyed(other)
