"""SQL for merging another project file, attached read-only as :data:`SOURCE`, into ``main``.

Used by :mod:`codebench.exchange.merge.run`. Every write runs inside the
caller's transaction. The two big tables (codings, events) are copied by one
``INSERT … SELECT`` each, with the source as the outer loop in row order, so
target row ids are given out in the source's order, exactly as a row-by-row
copy would. Two things keep those statements near the cost of a plain copy:

* **Id translation by arithmetic where it can be.** A row-id map
  (``{source id: target id}``) that shifts one unbroken run of ids by a
  constant, which is what coders who start from copies of one project have
  (usually with a shift of 0), becomes ``s.col + shift`` with ``s.col BETWEEN
  first AND last``: exactly the rows an inner join with the map keeps, with
  no per-row lookup. Other maps are joined as JSON through ``json_each``.
* **No statement reads the table it writes.** ``INSERT INTO main.events
  SELECT … WHERE NOT EXISTS (… main.events …)`` makes SQLite copy every
  selected row (payloads and all) into a temporary table first; the GUIDs
  the target lacks are found first into a small TEMP table of ids instead.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codebench.store.bulk import SOURCE, schema_name, table_name
from codebench.store.codebook_versions import CURRENT as CURRENT_VERSION

if TYPE_CHECKING:
    import sqlite_utils

__all__ = [
    "SOURCE",
    "application_id",
    "applied_migrations",
    "attach_readonly",
    "check_ids_exist",
    "coding_key",
    "copy_codings",
    "copy_events",
    "copy_segments",
    "copy_transcript",
    "detach",
    "id_shift",
    "new_source_events",
    "removed_but_kept",
    "segment_bounds",
    "segment_id",
    "segment_key",
]


def _changes(db: sqlite_utils.Database) -> int:
    """Rows changed by the last statement (``cursor.rowcount`` is -1 for ``WITH … INSERT``)."""
    return int(db.conn.execute("SELECT changes()").fetchone()[0])


# --------------------------------------------------------------------- attaching a source file


def attach_readonly(db: sqlite_utils.Database, path: Path) -> None:
    """Attach the project file at ``path`` read-only as schema :data:`SOURCE`.

    Raises :class:`sqlite3.DatabaseError` if SQLite cannot open it. The URI's
    ``mode=ro`` means nothing this connection does can modify the file.
    """
    uri = "file:" + urllib.parse.quote(str(Path(path).resolve())) + "?mode=ro"
    db.conn.execute(f"ATTACH DATABASE ? AS {SOURCE}", [uri])
    attached = {row[1]: row[2] for row in db.conn.execute("PRAGMA database_list")}
    if Path(attached.get(SOURCE, "")).resolve() != Path(path).resolve():
        detach(db)
        raise sqlite3.DatabaseError("this SQLite build does not accept URI file names in ATTACH")


def detach(db: sqlite_utils.Database) -> None:
    """Detach :data:`SOURCE` if attached."""
    names = {row[1] for row in db.conn.execute("PRAGMA database_list")}
    if SOURCE in names:
        db.conn.execute(f"DETACH DATABASE {SOURCE}")


def application_id(db: sqlite_utils.Database, schema: str = SOURCE) -> int:
    return int(db.conn.execute(f"PRAGMA {schema_name(schema)}.application_id").fetchone()[0])


def applied_migrations(db: sqlite_utils.Database, schema: str = SOURCE) -> list[str] | None:
    """Names of the codebench migrations applied in ``schema``; ``None`` if it has no migrations table."""
    s = schema_name(schema)
    found = db.conn.execute(
        f"SELECT 1 FROM {s}.sqlite_master WHERE type = 'table' AND name = '_sqlite_migrations'"
    ).fetchone()
    if not found:
        return None
    return [
        r[0]
        for r in db.conn.execute(
            f"SELECT name FROM {s}._sqlite_migrations WHERE migration_set = 'codebench' ORDER BY rowid"
        )
    ]


# --------------------------------------------------------------------- reading


def spans_outside_text(
    db: sqlite_utils.Database, schema: str = SOURCE
) -> list[tuple[str, str, int, int, int]]:
    """``(table, transcript name, lowest start, highest end, text length)`` for each transcript
    whose segments or codings reach outside its text (a file made or edited by hand).

    One pass per table, grouped by transcript (an index serves both); each text's
    length is computed once, never once per row.
    """
    where = schema_name(schema)
    lengths = {
        row[0]: (row[1], row[2])
        for row in db.conn.execute(f"SELECT id, name, length(text) FROM {where}.transcripts")
    }
    found: list[tuple[str, str, int, int, int]] = []
    for table in ("segments", "codings"):
        cursor = db.conn.execute(
            f"SELECT transcript_id, min(start_char), max(end_char), "
            f"sum(start_char >= end_char) FROM {where}.{table} GROUP BY transcript_id"
        )
        for transcript_id, low, high, reversed_spans in cursor:
            name, length = lengths.get(transcript_id, ("?", 0))
            if low < 0 or high > length or reversed_spans:
                found.append((table, name, low, high, length))
    return found


def segment_bounds(
    db: sqlite_utils.Database, transcript_ids: Sequence[int], schema: str = "main"
) -> dict[int, list[tuple[int, int, int]]]:
    """``{transcript id: [(ordinal, start, end), …]}`` for the given transcripts, in one query.

    Every listed transcript has an entry (empty if it has no segments).
    """
    bounds: dict[int, list[tuple[int, int, int]]] = {int(t): [] for t in transcript_ids}
    cursor = db.conn.execute(
        f"SELECT transcript_id, ordinal, start_char, end_char FROM {schema_name(schema)}.segments"
        " WHERE transcript_id IN (SELECT value FROM json_each(?)) ORDER BY transcript_id, ordinal",
        [json.dumps(list(bounds))],
    )
    for transcript_id, ordinal, start, end in cursor:
        bounds[transcript_id].append((ordinal, start, end))
    return bounds


def segment_key(
    db: sqlite_utils.Database, segment_id: int, schema: str = "main"
) -> tuple[int, int] | None:
    """``(transcript_id, ordinal)`` of a segment."""
    row = db.conn.execute(
        f"SELECT transcript_id, ordinal FROM {schema_name(schema)}.segments WHERE id = ?",
        [segment_id],
    ).fetchone()
    return (row[0], row[1]) if row else None


def segment_id(
    db: sqlite_utils.Database, transcript_id: int, ordinal: int, schema: str = "main"
) -> int | None:
    row = db.conn.execute(
        f"SELECT id FROM {schema_name(schema)}.segments WHERE transcript_id = ? AND ordinal = ?",
        [transcript_id, ordinal],
    ).fetchone()
    return int(row[0]) if row else None


def coding_key(
    db: sqlite_utils.Database, coding_id: int, schema: str = "main"
) -> tuple[int, int, int, int, int] | None:
    """``(coder_id, code_id, transcript_id, start, end)`` of a coding."""
    row = db.conn.execute(
        f"SELECT coder_id, code_id, transcript_id, start_char, end_char FROM {schema_name(schema)}.codings WHERE id = ?",
        [coding_id],
    ).fetchone()
    return tuple(row) if row else None


def new_source_events(db: sqlite_utils.Database, actions: Sequence[str]) -> list[dict[str, Any]]:
    """Events of the attached source, with ``actions``, whose GUIDs the target does not have."""
    marks = ", ".join("?" for _ in actions)
    cursor = db.conn.execute(
        f"SELECT e.guid, e.coder_id, e.action, e.payload FROM {SOURCE}.events AS e"
        f" WHERE e.action IN ({marks}) AND NOT EXISTS (SELECT 1 FROM main.events AS m WHERE m.guid = e.guid)"
        " ORDER BY e.id",
        list(actions),
    )
    return [dict(zip(("guid", "coder_id", "action", "payload"), row)) for row in cursor]


def check_ids_exist(db: sqlite_utils.Database, table: str, ids: Iterable[int]) -> None:
    """Raise :class:`sqlite3.IntegrityError` unless every id in ``ids`` has a row in ``main.table``.

    Stands in for per-row foreign-key checks while they are off
    (:func:`codebench.store.bulk.foreign_keys_unenforced`): every reference a
    merge writes is taken from its row-id maps, so checking the maps' target
    ids once covers every row copied through them.
    """
    wanted = sorted(set(ids))
    if not wanted:
        return
    found = db.conn.execute(
        f"SELECT count(*) FROM main.{table_name(table)} WHERE id IN (SELECT value FROM json_each(?))",
        [json.dumps(wanted)],
    ).fetchone()[0]
    if found != len(wanted):
        raise sqlite3.IntegrityError(
            f"FOREIGN KEY constraint failed (a merged row would refer to a missing {table} row)"
        )


def removed_but_kept(
    db: sqlite_utils.Database, pairs: Sequence[tuple[Sequence[Any], Sequence[Any]]]
) -> int:
    """How many distinct target codings are still here although the source no longer has them.

    ``pairs`` holds ``(source key, target key)``, each key ``(coder_id,
    code_id, transcript_id, start, end)``: a pair counts when the source
    has no coding with the source key and the target has one with the target
    key. One query over all pairs (passed as JSON) instead of two per pair.
    """
    if not pairs:
        return 0
    row = db.conn.execute(
        f"""
        WITH p AS (
            SELECT json_extract(value, '$[0]') AS sk, json_extract(value, '$[1]') AS sc,
                   json_extract(value, '$[2]') AS st, json_extract(value, '$[3]') AS ss,
                   json_extract(value, '$[4]') AS se, json_extract(value, '$[5]') AS tk,
                   json_extract(value, '$[6]') AS tc, json_extract(value, '$[7]') AS tt,
                   json_extract(value, '$[8]') AS ts, json_extract(value, '$[9]') AS te
            FROM json_each(?)
        )
        SELECT count(*) FROM (
            SELECT DISTINCT tk, tc, tt, ts, te FROM p
            WHERE NOT EXISTS (SELECT 1 FROM {SOURCE}.codings AS s WHERE s.coder_id = p.sk AND s.code_id = p.sc
                              AND s.transcript_id = p.st AND s.start_char = p.ss AND s.end_char = p.se)
              AND EXISTS (SELECT 1 FROM main.codings AS m WHERE m.coder_id = p.tk AND m.code_id = p.tc
                          AND m.transcript_id = p.tt AND m.start_char = p.ts AND m.end_char = p.te)
        )
        """,
        [json.dumps([[*source, *target] for source, target in pairs])],
    ).fetchone()
    return int(row[0])


# --------------------------------------------------------------------- translating row ids


def id_shift(mapping: Mapping[int, int]) -> tuple[int, int, int] | None:
    """``(first, last, shift)`` if ``mapping`` sends every id of ``first..last``, and only those, to id + shift."""
    if not mapping:
        return None
    first, last = min(mapping), max(mapping)
    if last - first + 1 != len(mapping):
        return None
    shift = mapping[first] - first
    if any(target - source != shift for source, target in mapping.items()):
        return None
    return int(first), int(last), int(shift)


@dataclass
class _Translations:
    """SQL pieces that turn source ids into target ids inside one ``INSERT … SELECT`` (see the module doc)."""

    values: dict[str, str] = field(default_factory=dict)
    conditions: list[str] = field(default_factory=list)
    ctes: list[str] = field(default_factory=list)
    joins: list[str] = field(default_factory=list)
    params: list[str] = field(default_factory=list)

    def add(
        self, alias: str, column: str, mapping: Mapping[int, int], *, optional: bool = False
    ) -> None:
        """Translate ``alias.column`` through ``mapping``.

        A required id (``optional=False``) behaves as an inner join: rows
        whose id is not in the map are left out. An optional one behaves as a
        left join: an unmapped (or NULL) id becomes NULL.
        """
        source = f"{alias}.{column}"
        shift = id_shift(mapping)
        if shift is not None:
            first, last, delta = shift
            inside = f"{source} BETWEEN {first} AND {last}"
            if optional:
                self.values[column] = f"CASE WHEN {inside} THEN {source} + {delta} END"
            else:
                self.values[column] = f"{source} + {delta}"
                self.conditions.append(inside)
            return
        name = f"map_{column}"
        self.ctes.append(
            f"{name} AS MATERIALIZED (SELECT CAST(key AS INTEGER) AS src, value AS dst FROM json_each(?))"
        )
        self.params.append(json.dumps({str(k): v for k, v in mapping.items()}))
        self.values[column] = f"{name}.dst"
        if optional:
            self.joins.append(f"LEFT JOIN {name} ON {name}.src = {source}")
        else:
            # CROSS JOIN keeps the source table the outer loop (one scan in row order).
            self.joins.append(f"CROSS JOIN {name}")
            self.conditions.append(f"{name}.src = {source}")

    def with_clause(self) -> str:
        return f"WITH {', '.join(self.ctes)}" if self.ctes else ""

    def where(self, *more: str) -> str:
        terms = [*self.conditions, *more]
        return f"WHERE {' AND '.join(terms)}" if terms else "WHERE 1"


# --------------------------------------------------------------------- copying from the attached source


def copy_transcript(db: sqlite_utils.Database, source_id: int) -> int:
    """Copy one transcript row (text, GUID and all) from the source; returns the new id."""
    cursor = db.conn.execute(
        f"INSERT INTO main.transcripts (guid, name, text, sha256, source_name, source_format, language, unit, imported_at)"
        f" SELECT guid, name, text, sha256, source_name, source_format, language, unit, imported_at"
        f" FROM {SOURCE}.transcripts WHERE id = ?",
        [source_id],
    )
    return int(cursor.lastrowid or 0)


def copy_segments(db: sqlite_utils.Database, source_id: int, target_id: int) -> int:
    cursor = db.conn.execute(
        f"INSERT INTO main.segments (transcript_id, ordinal, start_char, end_char, speaker, codable, turn, paragraph, timestamp)"
        f" SELECT ?, ordinal, start_char, end_char, speaker, codable, turn, paragraph, timestamp"
        f" FROM {SOURCE}.segments WHERE transcript_id = ? ORDER BY ordinal",
        [target_id, source_id],
    )
    from codebench.store.analysis import index_transcript

    index_transcript(db, target_id)
    return cursor.rowcount


def copy_codings(
    db: sqlite_utils.Database,
    coders: Mapping[int, int],
    codes: Mapping[int, int],
    transcripts: Mapping[int, int],
) -> int:
    """Copy every source coding whose ids are mapped, translating them; identical codings are skipped.

    Returns how many were added. The source is read ``NOT INDEXED``, in row
    order, so new codings get ids in the source's order.
    """
    tr = _Translations()
    tr.add("s", "coder_id", coders)
    tr.add("s", "code_id", codes)
    tr.add("s", "transcript_id", transcripts)
    db.conn.execute(
        f"""
        {tr.with_clause()}
        INSERT INTO main.codings (coder_id, code_id, transcript_id, start_char, end_char, created_at,
                                  codebook_version)
        SELECT {tr.values["coder_id"]}, {tr.values["code_id"]}, {tr.values["transcript_id"]},
               s.start_char, s.end_char, s.created_at, min(s.codebook_version, {CURRENT_VERSION})
        FROM {SOURCE}.codings AS s NOT INDEXED {" ".join(tr.joins)}
        {tr.where()}
        ORDER BY s.id
        ON CONFLICT DO NOTHING
        """,
        tr.params,
    )
    return _changes(db)


@contextlib.contextmanager
def _new_event_ids(db: sqlite_utils.Database) -> Iterator[str]:
    """A TEMP table of the ids of source events whose GUIDs the target lacks; dropped afterwards."""
    table = "temp.merge_new_events"
    db.conn.execute(f"DROP TABLE IF EXISTS {table}")
    db.conn.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY)")
    try:
        db.conn.execute(
            f"INSERT INTO {table} (id) SELECT e.id FROM {SOURCE}.events AS e"
            " WHERE NOT EXISTS (SELECT 1 FROM main.events AS m WHERE m.guid = e.guid)"
        )
        yield table
    finally:
        db.conn.execute(f"DROP TABLE IF EXISTS {table}")


def copy_events(
    db: sqlite_utils.Database,
    coders: Mapping[int, int],
    transcripts: Mapping[int, int],
    *,
    skip_transcripts: Sequence[int] = (),
) -> int:
    """Append the source's events the target lacks (by GUID), in the source's log order; returns how many.

    An event whose coder or transcript is not in the maps keeps NULL there;
    events of the source transcripts ``skip_transcripts`` are not copied.
    """
    tr = _Translations()
    tr.add("e", "coder_id", coders, optional=True)
    tr.add("e", "transcript_id", transcripts, optional=True)
    with _new_event_ids(db) as new_ids:
        db.conn.execute(
            f"""
            {tr.with_clause()}
            INSERT INTO main.events (guid, at, coder_id, transcript_id, action, payload)
            SELECT e.guid, e.at, {tr.values["coder_id"]}, {tr.values["transcript_id"]}, e.action, e.payload
            FROM {new_ids} AS n CROSS JOIN {SOURCE}.events AS e {" ".join(tr.joins)}
            WHERE e.id = n.id AND (e.transcript_id IS NULL
                OR e.transcript_id NOT IN (SELECT value FROM json_each(?)))
            ORDER BY n.id
            """,
            [*tr.params, json.dumps([int(i) for i in skip_transcripts])],
        )
        return _changes(db)


def source_text(db: sqlite_utils.Database, transcript_id: int) -> str:
    row = db.conn.execute(
        f"SELECT text FROM {SOURCE}.transcripts WHERE id = ?", [transcript_id]
    ).fetchone()
    return row[0] if row else ""


def source_codings(
    db: sqlite_utils.Database, transcript_id: int
) -> list[tuple[int, int, int, int, str]]:
    """``(coder_id, code_id, start, end, created_at)`` of a source transcript's codings, in row order."""
    return list(
        db.conn.execute(
            f"SELECT coder_id, code_id, start_char, end_char, created_at FROM {SOURCE}.codings"
            " WHERE transcript_id = ? ORDER BY id",
            [transcript_id],
        )
    )


def count_codings_of(db: sqlite_utils.Database, transcript_ids: Sequence[int]) -> int:
    """How many codings the source holds on these of its transcripts."""
    if not transcript_ids:
        return 0
    return int(
        db.conn.execute(
            f"SELECT count(*) FROM {SOURCE}.codings WHERE transcript_id IN (SELECT value FROM json_each(?))",
            [json.dumps([int(i) for i in transcript_ids])],
        ).fetchone()[0]
    )


def memo_ids_of(db: sqlite_utils.Database, transcript_ids: Sequence[int]) -> set[int]:
    """Ids of the source's memos on these transcripts (directly, or on their segments or codings)."""
    if not transcript_ids:
        return set()
    ids = json.dumps([int(i) for i in transcript_ids])
    return {
        r[0]
        for r in db.conn.execute(
            f"SELECT m.id FROM {SOURCE}.memos AS m WHERE m.transcript_id IN (SELECT value FROM json_each(:t))"
            f" OR m.segment_id IN (SELECT id FROM {SOURCE}.segments WHERE transcript_id IN (SELECT value FROM json_each(:t)))"
            f" OR m.coding_id IN (SELECT id FROM {SOURCE}.codings WHERE transcript_id IN (SELECT value FROM json_each(:t)))",
            {"t": ids},
        )
    }


def copy_versions(
    db: sqlite_utils.Database, source_id: int, target_id: int, coders: Mapping[int, int]
) -> int:
    """Copy a new transcript's kept versions from the source; returns how many.

    Who made each is translated through ``coders``; ``after_event`` is 0,
    since the source's event ids mean nothing here (events copied with the
    transcript follow every version).
    """
    rows = db.conn.execute(
        f"SELECT version, text, sha256, made_by, made_at, reason, edits FROM {SOURCE}.transcript_versions"
        " WHERE transcript_id = ? ORDER BY version",
        [source_id],
    ).fetchall()
    db.conn.executemany(
        "INSERT INTO main.transcript_versions (transcript_id, version, text, sha256, made_by, made_at,"
        " reason, edits, after_event) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)",
        [
            (target_id, v, text, sha, coders.get(by) if by is not None else None, at, why, edits)
            for v, text, sha, by, at, why, edits in rows
        ],
    )
    return len(rows)


def codebook_versions_in(
    db: sqlite_utils.Database, schema: str = "main"
) -> list[tuple[int, str, str, str]]:
    """``(number, snapshot, created_at, updated_at)`` of every codebook version in ``schema``
    (``main``, or the attached source), oldest first."""
    return [
        (int(r[0]), r[1], r[2], r[3])
        for r in db.execute(
            "SELECT number, snapshot, created_at, updated_at"
            f" FROM {schema_name(schema)}.codebook_versions ORDER BY number"
        ).fetchall()
    ]
