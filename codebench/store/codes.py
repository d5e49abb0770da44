"""SQL for the codebook: codes as a tree of rows."""

from __future__ import annotations

from typing import Any

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils

from codebench.ids import now
from codebench.models import Code
from codebench.store import rows

EDITABLE = ("name", "number", "description", "inclusion", "exclusion", "example", "colour", "shortcut")


def list_codes(db: sqlite_utils.Database, *, include_archived: bool = False) -> list[Code]:
    """Every code in tree order (parents before children, siblings by position)."""
    where = "" if include_archived else "WHERE archived = 0"
    all_rows = [rows.code(r) for r in db.query(f"SELECT {rows.CODE_COLUMNS} FROM codes {where} ORDER BY position, id")]
    by_parent: dict[int | None, list[Code]] = {}
    for code in all_rows:
        by_parent.setdefault(code.parent_id, []).append(code)
    ordered: list[Code] = []
    present = {c.id for c in all_rows}

    def visit(parent: int | None) -> None:
        for code in by_parent.get(parent, []):
            ordered.append(code)
            visit(code.id)

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


def children_of(db: sqlite_utils.Database, code_id: int) -> list[int]:
    return [r[0] for r in db.execute("SELECT id FROM codes WHERE parent_id = ? ORDER BY position", [code_id])]


def coding_counts(db: sqlite_utils.Database, *, coder_ids: list[int] | None = None, transcript_id: int | None = None) -> dict[int, int]:
    """Number of codings per code id, optionally for some coders / one transcript."""
    where, params = [], []
    if coder_ids is not None:
        where.append(f"coder_id IN ({', '.join('?' for _ in coder_ids)})" if coder_ids else "0")
        params.extend(coder_ids)
    if transcript_id is not None:
        where.append("transcript_id = ?")
        params.append(transcript_id)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    return {r[0]: r[1] for r in db.execute(f"SELECT code_id, count(*) FROM codings {clause} GROUP BY code_id", params)}
