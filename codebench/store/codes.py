"""SQL for the codebook: codes as a tree of rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite_utils

from codebench.ids import now
from codebench.models import Code
from codebench.store import codebook_versions as versions
from codebench.store import rows

EDITABLE = (
    "name",
    "number",
    "description",
    "inclusion",
    "exclusion",
    "example",
    "colour",
    "shortcut",
)
#: Columns whose change leaves what the codebook says as it was (no new codebook version).
COSMETIC = frozenset({"colour", "shortcut", "position"})


def list_codes(db: sqlite_utils.Database, *, include_archived: bool = False) -> list[Code]:
    """Every code in tree order (parents before children, siblings by position)."""
    where = "" if include_archived else "WHERE archived = 0"
    all_rows = [
        rows.code(r)
        for r in db.query(f"SELECT {rows.CODE_COLUMNS} FROM codes {where} ORDER BY position, id")
    ]
    by_parent: dict[int | None, list[Code]] = {}
    for code in all_rows:
        by_parent.setdefault(code.parent_id, []).append(code)
    ordered: list[Code] = []
    present = {c.id for c in all_rows}

    def visit(parent: int | None) -> None:
        """Append the subtree below ``parent`` depth-first (iteratively: a project
        file from elsewhere may hold a tree deeper than the recursion limit)."""
        stack = list(reversed(by_parent.get(parent, [])))
        while stack:
            code = stack.pop()
            ordered.append(code)
            stack.extend(reversed(by_parent.get(code.id, [])))

    visit(None)
    # Children of archived parents (when listing active codes only) still show, at the end.
    seen = {c.id for c in ordered}
    for code in all_rows:
        if code.id not in seen and code.parent_id not in present:
            ordered.append(code)
            seen.add(code.id)
            visit(code.id)
    return ordered


def get_code(db: sqlite_utils.Database, code_id: int) -> Code | None:
    found = list(db.query(f"SELECT {rows.CODE_COLUMNS} FROM codes WHERE id = ?", [code_id]))
    return rows.code(found[0]) if found else None


def code_by_guid(db: sqlite_utils.Database, guid: str) -> Code | None:
    found = list(db.query(f"SELECT {rows.CODE_COLUMNS} FROM codes WHERE guid = ?", [guid]))
    return rows.code(found[0]) if found else None


def insert_code(db: sqlite_utils.Database, values: dict[str, Any]) -> int:
    """Insert one code; ``position`` defaults to after its last sibling."""
    values = dict(values)
    if values.get("position") is None:
        values["position"] = next_position(db, values.get("parent_id"))
    values.setdefault("created_at", now())
    columns = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    cursor = db.execute(f"INSERT INTO codes ({columns}) VALUES ({marks})", list(values.values()))
    versions.note_change(db)
    return int(cursor.lastrowid or 0)


def next_position(db: sqlite_utils.Database, parent_id: int | None) -> int:
    row = db.execute(
        "SELECT coalesce(max(position), -1) + 1 FROM codes WHERE parent_id IS ?", [parent_id]
    ).fetchone()
    return int(row[0])


def update_code(db: sqlite_utils.Database, code_id: int, values: dict[str, Any]) -> None:
    if not values:
        return
    assignments = ", ".join(f"{column} = ?" for column in values)
    db.execute(f"UPDATE codes SET {assignments} WHERE id = ?", [*values.values(), code_id])
    if not set(values) <= COSMETIC:
        versions.note_change(db)


def children_of(db: sqlite_utils.Database, code_id: int) -> list[int]:
    return [
        r[0]
        for r in db.execute("SELECT id FROM codes WHERE parent_id = ? ORDER BY position", [code_id])
    ]


def coding_counts(
    db: sqlite_utils.Database,
    *,
    coder_ids: list[int] | None = None,
    transcript_id: int | None = None,
) -> dict[int, int]:
    """Number of codings per code id, optionally for some coders / one transcript."""
    where, params = [], []
    if coder_ids is not None:
        where.append(f"coder_id IN ({', '.join('?' for _ in coder_ids)})" if coder_ids else "0")
        params.extend(coder_ids)
    if transcript_id is not None:
        where.append("transcript_id = ?")
        params.append(transcript_id)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    return {
        r[0]: r[1]
        for r in db.execute(
            f"SELECT code_id, count(*) FROM codings {clause} GROUP BY code_id", params
        )
    }


# --------------------------------------------------------------------- codebook edits
# Used by :mod:`codebench.codebook.edits`; every function runs inside the caller's transaction.


def code_by_number(db: sqlite_utils.Database, number: str) -> Code | None:
    """The code (archived or not) carrying ``number``, if any."""
    found = list(db.query(f"SELECT {rows.CODE_COLUMNS} FROM codes WHERE number = ?", [number]))
    return rows.code(found[0]) if found else None


def sibling_named(
    db: sqlite_utils.Database, parent_id: int | None, name: str, *, exclude_id: int | None = None
) -> Code | None:
    """A code under ``parent_id`` whose name equals ``name`` ignoring case (archived included)."""
    for row in db.query(
        f"SELECT {rows.CODE_COLUMNS} FROM codes WHERE parent_id IS ? AND id IS NOT ?",
        [parent_id, exclude_id],
    ):
        if row["name"].casefold() == name.casefold():
            return rows.code(row)
    return None


def child_codes(db: sqlite_utils.Database, parent_id: int | None) -> list[Code]:
    """Direct children of ``parent_id`` (``None``: top level), archived included, by position."""
    return [
        rows.code(r)
        for r in db.query(
            f"SELECT {rows.CODE_COLUMNS} FROM codes WHERE parent_id IS ? ORDER BY position, id",
            [parent_id],
        )
    ]


def descendant_ids(db: sqlite_utils.Database, code_id: int) -> list[int]:
    """Ids of every code below ``code_id`` (children, grandchildren, …), not the code itself."""
    return [
        r[0]
        for r in db.execute(
            "WITH RECURSIVE below(id) AS (SELECT id FROM codes WHERE parent_id = ?"
            " UNION SELECT c.id FROM codes AS c JOIN below ON c.parent_id = below.id)"
            " SELECT id FROM below",
            [code_id],
        )
    ]


def set_positions(db: sqlite_utils.Database, code_ids: list[int]) -> None:
    """Number siblings 0, 1, 2, … in the order given."""
    db.conn.executemany(
        "UPDATE codes SET position = ? WHERE id = ?", [(i, cid) for i, cid in enumerate(code_ids)]
    )


def set_archived(db: sqlite_utils.Database, code_ids: list[int], archived: bool) -> None:
    """Archive or restore codes; a restored code is no longer merged into anything."""
    if archived:
        sql = "UPDATE codes SET archived = 1 WHERE id = ?"
    else:
        sql = "UPDATE codes SET archived = 0, merged_into_id = NULL WHERE id = ?"
    db.conn.executemany(sql, [(cid,) for cid in code_ids])
    versions.note_change(db)


def set_merged_into(db: sqlite_utils.Database, code_id: int, target_id: int | None) -> None:
    """Note that ``code_id`` was merged into ``target_id`` (a team copy recodes by it)."""
    db.execute("UPDATE codes SET merged_into_id = ? WHERE id = ?", [target_id, code_id])


def merged_code_id(db: sqlite_utils.Database, code_id: int) -> int | None:
    """The code an archived code's codings went to, following merges of merges (``None``:
    not merged). Undo and redo of a coding made before a merge act on it there."""
    seen = {code_id}
    current = code_id
    while True:
        row = db.execute(
            "SELECT merged_into_id FROM codes WHERE id = ? AND archived = 1", [current]
        ).fetchone()
        if row is None or row[0] is None or int(row[0]) in seen:
            return None if current == code_id else current
        current = int(row[0])
        seen.add(current)


def codings_of_code(db: sqlite_utils.Database, code_id: int) -> list[dict[str, Any]]:
    """Every coding of ``code_id`` keyed by GUIDs (coder, transcript) and offsets, for audit payloads."""
    return [
        {"coder": r[0], "transcript": r[1], "start": r[2], "end": r[3]}
        for r in db.execute(
            "SELECT k.guid, t.guid, c.start_char, c.end_char FROM codings AS c"
            " JOIN coders AS k ON k.id = c.coder_id JOIN transcripts AS t ON t.id = c.transcript_id"
            " WHERE c.code_id = ? ORDER BY t.id, c.start_char, c.end_char, k.id",
            [code_id],
        )
    ]


_DUPLICATE = (
    "EXISTS (SELECT 1 FROM codings AS o WHERE o.code_id = ? AND o.coder_id = c.coder_id"
    " AND o.transcript_id = c.transcript_id AND o.start_char = c.start_char AND o.end_char = c.end_char)"
)


def count_merge(db: sqlite_utils.Database, from_code: int, to_code: int) -> tuple[int, int]:
    """``(codings, duplicates)``: how many codings ``from_code`` has, and how many ``to_code`` already has."""
    row = db.execute(
        f"SELECT count(*), coalesce(sum({_DUPLICATE}), 0) FROM codings AS c WHERE c.code_id = ?",
        [to_code, from_code],
    ).fetchone()
    return int(row[0]), int(row[1])


def merge_codings(
    db: sqlite_utils.Database,
    from_code: int,
    to_code: int,
    *,
    coder_ids: Sequence[int] | None = None,
) -> tuple[int, int]:
    """Recode every coding of ``from_code`` as ``to_code``; returns ``(moved, duplicates_dropped)``.

    A coding that ``to_code`` already has (same coder, transcript and span) is
    dropped; memos attached to it are re-attached to the surviving coding
    first, so no memo is lost. Memos on the code itself follow it to ``to_code``.
    ``coder_ids``: only these coders' codings (a lead's merge reaching a
    coder's team copy recodes the coder's own work; the code's memos stay).
    """
    only, extra = "", []
    if coder_ids is not None:
        only = f" AND c.coder_id IN ({', '.join('?' for _ in coder_ids) or 'NULL'})"
        extra = list(coder_ids)
    db.execute(
        "UPDATE memos SET coding_id = (SELECT o.id FROM codings AS c JOIN codings AS o"
        " ON o.code_id = ? AND o.coder_id = c.coder_id AND o.transcript_id = c.transcript_id"
        " AND o.start_char = c.start_char AND o.end_char = c.end_char WHERE c.id = memos.coding_id)"
        " WHERE coding_id IN (SELECT c.id FROM codings AS c WHERE c.code_id = ?"
        + only
        + " AND "
        + _DUPLICATE
        + ")",
        [to_code, from_code, *extra, to_code],
    )
    dropped = db.execute(
        "DELETE FROM codings WHERE id IN (SELECT c.id FROM codings AS c WHERE c.code_id = ?"
        f"{only} AND {_DUPLICATE})",
        [from_code, *extra, to_code],
    ).rowcount
    moved = db.execute(
        "UPDATE codings SET code_id = ? WHERE id IN"
        f" (SELECT c.id FROM codings AS c WHERE c.code_id = ?{only})",
        [to_code, from_code, *extra],
    ).rowcount
    if coder_ids is None:
        db.execute("UPDATE memos SET code_id = ? WHERE code_id = ?", [to_code, from_code])
    return int(moved), int(dropped)


def code_references(db: sqlite_utils.Database, code_id: int) -> int:
    """Rows that point at a code (codings, memos, sub-codes, framework summaries, relations): a code with none may be deleted."""
    row = db.execute(
        "SELECT (SELECT count(*) FROM codings WHERE code_id = ?)"
        " + (SELECT count(*) FROM memos WHERE code_id = ?)"
        " + (SELECT count(*) FROM codes WHERE parent_id = ?)"
        " + (SELECT count(*) FROM framework_cells WHERE code_id = ?)"
        " + (SELECT count(*) FROM code_relations WHERE from_code = ? OR to_code = ?)",
        [code_id, code_id, code_id, code_id, code_id, code_id],
    ).fetchone()
    return int(row[0])


def delete_code(db: sqlite_utils.Database, code_id: int) -> None:
    """Delete an unreferenced code (only undoing its addition does this; see ``code_references``)."""
    db.execute("DELETE FROM codes WHERE id = ?", [code_id])
    versions.note_change(db)


def merge_duplicates(
    db: sqlite_utils.Database, from_code: int, to_code: int
) -> list[dict[str, Any]]:
    """Codings of ``from_code`` that ``to_code`` already has (a merge drops them), with their memos.

    Keyed by GUIDs and offsets, with the GUIDs of the memos on each, so
    undoing the merge can bring them back exactly.
    """
    found = db.execute(
        "SELECT c.id, k.guid, t.guid, c.start_char, c.end_char FROM codings AS c"
        " JOIN coders AS k ON k.id = c.coder_id JOIN transcripts AS t ON t.id = c.transcript_id"
        f" WHERE c.code_id = ? AND {_DUPLICATE} ORDER BY c.id",
        [from_code, to_code],
    ).fetchall()
    return [
        {
            "coder": coder,
            "transcript": transcript,
            "start": start,
            "end": end,
            "memos": [
                r[0] for r in db.execute("SELECT guid FROM memos WHERE coding_id = ?", [coding_id])
            ],
        }
        for coding_id, coder, transcript, start, end in found
    ]


def memo_guids_of_code(db: sqlite_utils.Database, code_id: int) -> list[str]:
    """GUIDs of the memos that name a code (on the code itself or on its codings)."""
    return [
        r[0] for r in db.execute("SELECT guid FROM memos WHERE code_id = ? ORDER BY id", [code_id])
    ]


def recode_coding(
    db: sqlite_utils.Database,
    coder_id: int,
    transcript_id: int,
    start: int,
    end: int,
    from_code: int,
    to_code: int,
) -> None:
    """Give one coding (by coder, transcript and span) another code (undoing a merge)."""
    db.execute(
        "UPDATE codings SET code_id = ? WHERE coder_id = ? AND code_id = ? AND transcript_id = ?"
        " AND start_char = ? AND end_char = ?",
        [to_code, coder_id, from_code, transcript_id, start, end],
    )


def repoint_memos(
    db: sqlite_utils.Database, guids: list[str], *, code_id: int, coding_id: int | None = None
) -> None:
    """Put memos (by GUID) back on a code, and on a coding when ``coding_id`` is given."""
    if coding_id is None:
        db.conn.executemany(
            "UPDATE memos SET code_id = ? WHERE guid = ?", [(code_id, g) for g in guids]
        )
    else:
        db.conn.executemany(
            "UPDATE memos SET code_id = ?, coding_id = ? WHERE guid = ?",
            [(code_id, coding_id, g) for g in guids],
        )
