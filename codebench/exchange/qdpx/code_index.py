"""The project's codes in memory while a REFI-QDA codebook is merged into it.

:func:`codebench.exchange.qdpx.codebook.merge_codes` looks every code of a
file up by GUID, by name under its parent and by number, and asks for the
next free position under a parent. Asked of the database, the name lookup
reads all the parent's children each time, so a flat codebook of 10,000
codes read 50 million rows. :class:`CodeIndex` reads the codes once and
keeps its lookups in step with every insert and update the merge makes
through it, so a merge costs one query per code written, and none per
lookup.
"""

from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import fields, replace
from typing import TYPE_CHECKING, Any

from codebench.models import Code
from codebench.store import codes as code_sql

if TYPE_CHECKING:
    import sqlite_utils

__all__ = ["CodeIndex"]

_CODE_FIELDS = {f.name for f in fields(Code)} - {"id"}


class CodeIndex:
    """Every code of the project (archived ones included), indexed; writes go through it."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self._by_id: dict[int, Code] = {}
        self._by_guid: dict[str, int] = {}
        self._by_number: dict[str, int] = {}
        #: (parent id, case-folded name) -> (position, id) of the codes so named, in order.
        self._named: dict[tuple[int | None, str], list[tuple[int, int]]] = {}
        #: Per parent, how many of its codes hold each position, and the highest one.
        self._positions: dict[int | None, Counter[int]] = {}
        self._last: dict[int | None, int] = {}
        for code in code_sql.list_codes(db, include_archived=True):
            self._add(code)

    # -- lookups ---------------------------------------------------------------

    def get(self, code_id: int) -> Code:
        return self._by_id[code_id]

    def by_guid(self, guid: str) -> Code | None:
        found = self._by_guid.get(guid)
        return self._by_id[found] if found is not None else None

    def child_named(self, parent_id: int | None, name: str) -> Code | None:
        """The first code (by position, then id) under ``parent_id`` named ``name``,
        ignoring case (archived ones included)."""
        found = self._named.get((parent_id, name.casefold()))
        return self._by_id[found[0][1]] if found else None

    def by_number(self, number: str) -> Code | None:
        found = self._by_number.get(number)
        return self._by_id[found] if found is not None else None

    def next_position(self, parent_id: int | None) -> int:
        """After the last code under ``parent_id``, archived ones included:
        :func:`codebench.store.codes.next_position`, from memory."""
        return self._last.get(parent_id, -1) + 1

    def parent_of(self, code_id: int) -> int | None:
        code = self._by_id.get(code_id)
        return code.parent_id if code is not None else None

    # -- writes ----------------------------------------------------------------

    def insert(self, values: dict[str, Any]) -> int:
        """Insert a code (see :func:`codebench.store.codes.insert_code`) and index it."""
        values = dict(values)
        if values.get("position") is None:
            values["position"] = self.next_position(values.get("parent_id"))
        code_id = code_sql.insert_code(self.db, values)
        # The row as stored: the columns not given take the schema's defaults,
        # which are the dataclass's (no query needed to read it back).
        known = {k: v for k, v in values.items() if k in _CODE_FIELDS}
        self._add(Code(id=code_id, **{**known, "archived": bool(known.get("archived", False))}))
        return code_id

    def update(self, code_id: int, changed: dict[str, Any]) -> None:
        """Write ``changed`` columns of a code and re-index it."""
        if not changed:
            return
        code_sql.update_code(self.db, code_id, changed)
        old = self._by_id[code_id]
        new = replace(old, **changed)
        self._by_id[code_id] = new
        if old.guid != new.guid:
            if self._by_guid.get(old.guid) == code_id:
                del self._by_guid[old.guid]
            self._by_guid[new.guid] = code_id
        if old.number != new.number:
            if old.number is not None and self._by_number.get(old.number) == code_id:
                del self._by_number[old.number]
            if new.number is not None:
                self._by_number[new.number] = code_id
        moved = (old.parent_id, old.position) != (new.parent_id, new.position)
        if moved or old.name.casefold() != new.name.casefold():
            self._unname(old)
            self._name(new)
        if moved:
            self._unplace(old)
            self._place(new)

    # -- bookkeeping -----------------------------------------------------------

    def _add(self, code: Code) -> None:
        self._by_id[code.id] = code
        self._by_guid[code.guid] = code.id
        if code.number is not None:
            self._by_number[code.number] = code.id
        self._name(code)
        self._place(code)

    def _name(self, code: Code) -> None:
        key = (code.parent_id, code.name.casefold())
        bisect.insort(self._named.setdefault(key, []), (code.position, code.id))

    def _unname(self, code: Code) -> None:
        key = (code.parent_id, code.name.casefold())
        self._named[key].remove((code.position, code.id))
        if not self._named[key]:
            del self._named[key]

    def _place(self, code: Code) -> None:
        self._positions.setdefault(code.parent_id, Counter())[code.position] += 1
        self._last[code.parent_id] = max(self._last.get(code.parent_id, -1), code.position)

    def _unplace(self, code: Code) -> None:
        held = self._positions[code.parent_id]
        held[code.position] -= 1
        if held[code.position] == 0:
            del held[code.position]
            if code.position == self._last[code.parent_id]:  # the last one left: find the new last
                self._last[code.parent_id] = max(held, default=-1)
