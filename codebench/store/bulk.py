"""SQL for moving whole projects: reading whole tables, inserting explicit values, bulk-load settings.

Used by :mod:`codebench.exchange.merge.run` (another project file attached
read-only as schema :data:`SOURCE`; the statements that copy from it live in
:mod:`codebench.store.merge_sql`) and :mod:`codebench.exchange.jsonl` (a
dump keyed by GUIDs and natural keys instead of row ids). Every write runs
inside the caller's transaction.
"""

from __future__ import annotations

import contextlib
import sqlite3
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codebench.store.connection import checkpoint

if TYPE_CHECKING:
    import sqlite_utils

#: The schema alias an attached source project is known by.
SOURCE = "merge_src"

#: Tables a project's content lives in (``_sqlite_migrations`` and ``sqlite_sequence`` are bookkeeping).
CONTENT_TABLES = (
    "meta",
    "coders",
    "codes",
    "transcripts",
    "attributes",
    "segments",
    "codings",
    "memos",
    "coder_status",
    "events",
)

#: Tables of the study design and the analysis a dump and a merge carry by natural keys
#: (:mod:`codebench.exchange.study_records`); not counted when asking whether a project is empty
#: (they cannot hold rows without the content tables' coders, codes and transcripts).
STUDY_TABLES = (
    "speaker_attributes",
    "assignments",
    "samples",
    "rounds",
    "round_coders",
    "round_reports",
    "framework_cells",
    "code_relations",
    "saved_queries",
    "coding_reviews",
)

_SCHEMAS = {"main", SOURCE}


def schema_name(schema: str) -> str:
    """``schema`` if it is one the store reads (``main`` or :data:`SOURCE`); guards names put into SQL."""
    if schema not in _SCHEMAS:
        raise ValueError(f"unknown schema {schema!r}")
    return schema


def table_name(table: str) -> str:
    """``table`` if it is a content or study table; guards names put into SQL."""
    if table not in CONTENT_TABLES and table not in STUDY_TABLES:
        raise ValueError(f"unknown table {table!r}")
    return table


@contextlib.contextmanager
def read_snapshot(db: sqlite_utils.Database) -> Iterator[None]:
    """Run several reads against one consistent state of the file (a deferred read transaction).

    In WAL mode this never blocks a coder writing to the same file; the
    reads simply do not see commits made after the first of them.
    """
    if db.conn.in_transaction:
        yield
        return
    db.conn.execute("BEGIN DEFERRED")
    try:
        yield
    finally:
        if db.conn.in_transaction:
            db.conn.execute("COMMIT")


@contextlib.contextmanager
def _pragma_set(db: sqlite_utils.Database, name: str, value: int) -> Iterator[None]:
    """Set the integer pragma ``name`` for the block, then put back what it was."""
    previous = int(db.conn.execute(f"PRAGMA {name}").fetchone()[0])
    db.conn.execute(f"PRAGMA {name} = {int(value)}")
    try:
        yield
    finally:
        db.conn.execute(f"PRAGMA {name} = {previous}")


@contextlib.contextmanager
def large_cache(db: sqlite_utils.Database, mib: int = 256) -> Iterator[None]:
    """Let the page cache grow to ``mib`` MiB for a bulk load, then restore it.

    With SQLite's default 2 MiB cache, a transaction inserting hundreds of
    thousands of rows spills dirty pages to the WAL and reads them back
    (random GUIDs make the events index the worst case): a larger cache
    halves the time of a big merge. Memory is only taken as pages are used.
    """
    with _pragma_set(db, "main.cache_size", -int(mib) * 1024):
        yield


@contextlib.contextmanager
def foreign_keys_unenforced(db: sqlite_utils.Database) -> Iterator[None]:
    """Switch SQLite's per-row foreign-key checks off for the transactions run inside, then back on.

    For bulk copies whose references are correct by construction: a merge
    writes only ids taken from its row-id maps, and checks once that every
    id those maps lead to exists (:func:`codebench.store.merge_sql.check_ids_exist`).
    Per-row checks would look up the parents of each of a million codings
    again (about 7% of a large merge). SQLite ignores the pragma inside a
    transaction, so this must be entered and left outside one.
    """
    if db.conn.in_transaction:
        raise RuntimeError("foreign-key enforcement can only change outside a transaction")
    with _pragma_set(db, "foreign_keys", 0):
        yield


@contextlib.contextmanager
def deferred_checkpoint(db: sqlite_utils.Database) -> Iterator[None]:
    """Hold WAL checkpoints back during several bulk transactions, then run one at the end.

    Each commit would otherwise copy its pages into the database file (and
    sync it); a merge of five large files rewrites the same index pages five
    times. One checkpoint at the end writes them once (about 30% faster).
    The WAL file grows meanwhile; ``TRUNCATE`` resets it afterwards, unless
    another connection is reading, in which case a later checkpoint does.
    """
    try:
        with _pragma_set(db, "wal_autocheckpoint", 0):
            yield
    finally:
        if not db.conn.in_transaction:
            checkpoint(db, truncate=True)


# --------------------------------------------------------------------- reading whole tables


def fetch_rows(
    db: sqlite_utils.Database,
    table: str,
    schema: str = "main",
    *,
    columns: str = "*",
    order_by: str = "rowid",
) -> list[dict[str, Any]]:
    """Every row of ``schema.table`` as dicts (for the small tables: coders, codes, transcripts, …)."""
    cursor = db.conn.execute(
        f"SELECT {columns} FROM {schema_name(schema)}.{table_name(table)} ORDER BY {order_by}"
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor]


def count_rows(db: sqlite_utils.Database, table: str, schema: str = "main") -> int:
    return int(
        db.conn.execute(
            f"SELECT count(*) FROM {schema_name(schema)}.{table_name(table)}"
        ).fetchone()[0]
    )


#: Tables outside the content and study tables that hold a project's own data: a JSONL
#: dump does not carry them (yet), so an export counts them to say what it left out.
UNDUMPED_TABLES = ("transcript_versions",)


def undumped_counts(db: sqlite_utils.Database) -> dict[str, int]:
    """Rows in each of :data:`UNDUMPED_TABLES`."""
    return {
        table: int(db.conn.execute(f"SELECT count(*) FROM main.{table}").fetchone()[0])
        for table in UNDUMPED_TABLES
    }


def table_counts(db: sqlite_utils.Database, schema: str = "main") -> dict[str, int]:
    """Row counts of every content table."""
    return {table: count_rows(db, table, schema) for table in CONTENT_TABLES}


def table_digest(
    db: sqlite_utils.Database, table: str, schema: str = "main"
) -> list[tuple[Any, ...]]:
    """Every row of a table, sorted: for comparing a table before and after an operation."""
    return sorted(
        db.conn.execute(f"SELECT * FROM {schema_name(schema)}.{table_name(table)}").fetchall(),
        key=lambda row: tuple((v is None, str(type(v)), v if v is not None else 0) for v in row),
    )


def coding_id(db: sqlite_utils.Database, key: Sequence[int], schema: str = "main") -> int | None:
    row = db.conn.execute(
        f"SELECT id FROM {schema_name(schema)}.codings WHERE coder_id = ? AND code_id = ? AND transcript_id = ?"
        " AND start_char = ? AND end_char = ?",
        list(key),
    ).fetchone()
    return int(row[0]) if row else None


# --------------------------------------------------------------------- inserting explicit values


def insert_row(db: sqlite_utils.Database, table: str, values: Mapping[str, Any]) -> int:
    """Insert one row with exactly ``values``; returns its rowid."""
    columns = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    cursor = db.conn.execute(
        f"INSERT INTO main.{table_name(table)} ({columns}) VALUES ({marks})", list(values.values())
    )
    return int(cursor.lastrowid or 0)


def insert_many(
    db: sqlite_utils.Database, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """``executemany`` insert of tuples in ``columns`` order; returns the row count."""
    marks = ", ".join("?" for _ in columns)
    cursor = db.conn.executemany(
        f"INSERT INTO main.{table_name(table)} ({', '.join(columns)}) VALUES ({marks})", rows
    )
    return cursor.rowcount


def update_row(
    db: sqlite_utils.Database, table: str, key: Mapping[str, Any], values: Mapping[str, Any]
) -> None:
    """``UPDATE table SET values WHERE key`` (every key column must match)."""
    assignments = ", ".join(f"{column} = ?" for column in values)
    where = " AND ".join(f"{column} = ?" for column in key)
    db.conn.execute(
        f"UPDATE main.{table_name(table)} SET {assignments} WHERE {where}",
        [*values.values(), *key.values()],
    )


# --------------------------------------------------------------------- reading keyed by GUIDs (JSONL export)


def iter_query(db: sqlite_utils.Database, sql: str) -> Iterator[tuple[Any, ...]]:
    yield from db.conn.execute(sql)


def keyed_rows(db: sqlite_utils.Database, kind: str) -> Iterator[tuple[Any, ...]]:
    """Rows of one record kind with row ids replaced by GUIDs, in a deterministic order.

    The columns of each kind are listed in :data:`KEYED_COLUMNS`.
    """
    return iter_query(db, _KEYED_SQL[kind])


#: The columns :func:`keyed_rows` yields for each kind.
KEYED_COLUMNS: dict[str, tuple[str, ...]] = {
    "meta": ("key", "value"),
    "coder": ("guid", "name", "kind", "created_at"),
    "code": (
        "guid",
        "parent",
        "position",
        "number",
        "name",
        "description",
        "inclusion",
        "exclusion",
        "example",
        "colour",
        "shortcut",
        "archived",
        "created_at",
    ),
    "transcript": (
        "guid",
        "name",
        "text",
        "sha256",
        "source_name",
        "source_format",
        "language",
        "unit",
        "imported_at",
    ),
    "attribute": ("transcript", "key", "value"),
    "segment": (
        "transcript",
        "ordinal",
        "start",
        "end",
        "speaker",
        "codable",
        "turn",
        "paragraph",
        "timestamp",
    ),
    "coding": ("transcript", "start", "end", "code", "coder", "created_at", "codebook_version"),
    "codebook_version": ("number", "snapshot", "created_at", "updated_at"),
    "memo": (
        "guid",
        "author",
        "transcript",
        "segment_transcript",
        "segment_ordinal",
        "code",
        "coding_coder",
        "coding_code",
        "coding_transcript",
        "coding_start",
        "coding_end",
        "text",
        "created_at",
        "updated_at",
    ),
    "status": ("coder", "transcript", "status", "updated_at"),
    "event": ("guid", "at", "coder", "transcript", "action", "payload"),
}

_KEYED_SQL = {
    "meta": "SELECT key, value FROM meta ORDER BY key",
    "coder": "SELECT guid, name, kind, created_at FROM coders ORDER BY guid",
    "code": (
        "SELECT c.guid, p.guid, c.position, c.number, c.name, c.description, c.inclusion, c.exclusion,"
        " c.example, c.colour, c.shortcut, c.archived, c.created_at"
        " FROM codes AS c LEFT JOIN codes AS p ON p.id = c.parent_id ORDER BY c.position, c.guid"
    ),
    "transcript": (
        "SELECT guid, name, text, sha256, source_name, source_format, language, unit, imported_at"
        " FROM transcripts ORDER BY guid"
    ),
    "attribute": (
        "SELECT t.guid, a.key, a.value FROM attributes AS a JOIN transcripts AS t ON t.id = a.transcript_id"
        " ORDER BY t.guid, a.key"
    ),
    "segment": (
        "SELECT t.guid, s.ordinal, s.start_char, s.end_char, s.speaker, s.codable, s.turn, s.paragraph, s.timestamp"
        " FROM segments AS s JOIN transcripts AS t ON t.id = s.transcript_id ORDER BY t.guid, s.ordinal"
    ),
    "coding": (
        "SELECT t.guid, c.start_char, c.end_char, d.guid, k.guid, c.created_at, c.codebook_version"
        " FROM codings AS c"
        " JOIN transcripts AS t ON t.id = c.transcript_id JOIN codes AS d ON d.id = c.code_id"
        " JOIN coders AS k ON k.id = c.coder_id ORDER BY t.guid, c.start_char, c.end_char, d.guid, k.guid"
    ),
    "codebook_version": (
        "SELECT number, snapshot, created_at, updated_at FROM codebook_versions ORDER BY number"
    ),
    "memo": (
        "SELECT m.guid, a.guid, t.guid, st.guid, s.ordinal, d.guid, ck.guid, cd.guid, ct.guid,"
        " g.start_char, g.end_char, m.text, m.created_at, m.updated_at FROM memos AS m"
        " LEFT JOIN coders AS a ON a.id = m.author_id"
        " LEFT JOIN transcripts AS t ON t.id = m.transcript_id"
        " LEFT JOIN segments AS s ON s.id = m.segment_id LEFT JOIN transcripts AS st ON st.id = s.transcript_id"
        " LEFT JOIN codes AS d ON d.id = m.code_id"
        " LEFT JOIN codings AS g ON g.id = m.coding_id LEFT JOIN coders AS ck ON ck.id = g.coder_id"
        " LEFT JOIN codes AS cd ON cd.id = g.code_id LEFT JOIN transcripts AS ct ON ct.id = g.transcript_id"
        " ORDER BY m.guid"
    ),
    "status": (
        "SELECT k.guid, t.guid, s.status, s.updated_at FROM coder_status AS s"
        " JOIN coders AS k ON k.id = s.coder_id JOIN transcripts AS t ON t.id = s.transcript_id"
        " ORDER BY k.guid, t.guid"
    ),
    "event": (
        "SELECT e.guid, e.at, k.guid, t.guid, e.action, e.payload FROM events AS e"
        " LEFT JOIN coders AS k ON k.id = e.coder_id LEFT JOIN transcripts AS t ON t.id = e.transcript_id"
        " ORDER BY e.id"
    ),
}


#: The columns :func:`study_rows` yields for each study record kind.
STUDY_COLUMNS: dict[str, tuple[str, ...]] = {
    "speaker_attribute": ("transcript", "speaker", "key", "value"),
    "assignment": (
        "coder",
        "transcript",
        "first_segment",
        "last_segment",
        "assigned_by",
        "assigned_at",
    ),
    "sample": ("name", "seed", "fraction", "stratify", "draw", "drawn_by", "drawn_at"),
    "round": (
        "number",
        "name",
        "sample",
        "codebook_version",
        "opened_by",
        "opened_at",
        "closed_by",
        "closed_at",
        "coders",
    ),
    "round_report": ("round", "options", "report", "frozen_at"),
    "framework_cell": ("transcript", "speaker", "code", "summary", "updated_by", "updated_at"),
    "code_relation": ("from_code", "to_code", "kind", "note", "created_by", "created_at"),
    "saved_query": ("name", "expression", "scope", "created_at", "updated_at"),
    "coding_review": (
        "coder",
        "code",
        "transcript",
        "start",
        "end",
        "reason",
        "version",
        "was",
        "flagged_at",
    ),
}

#: Row ids replaced by GUIDs (and a round's sample by its name); ``{s}`` is the schema.
_STUDY_SQL = {
    "speaker_attribute": (
        "SELECT t.guid, a.speaker, a.key, a.value FROM {s}.speaker_attributes AS a"
        " JOIN {s}.transcripts AS t ON t.id = a.transcript_id ORDER BY t.guid, a.speaker, a.key"
    ),
    "assignment": (
        "SELECT k.guid, t.guid, a.first_segment, a.last_segment, b.guid, a.assigned_at"
        " FROM {s}.assignments AS a JOIN {s}.coders AS k ON k.id = a.coder_id"
        " JOIN {s}.transcripts AS t ON t.id = a.transcript_id"
        " LEFT JOIN {s}.coders AS b ON b.id = a.assigned_by"
        " ORDER BY k.guid, t.guid, coalesce(a.first_segment, -1), a.last_segment"
    ),
    "sample": (
        "SELECT m.name, m.seed, m.fraction, m.stratify, m.draw, b.guid, m.drawn_at"
        " FROM {s}.samples AS m LEFT JOIN {s}.coders AS b ON b.id = m.drawn_by ORDER BY m.id"
    ),
    "round": (
        "SELECT r.number, r.name, m.name, r.codebook_version, o.guid, r.opened_at, c.guid,"
        " r.closed_at, (SELECT json_group_array(g) FROM (SELECT k.guid AS g"
        " FROM {s}.round_coders AS rc JOIN {s}.coders AS k ON k.id = rc.coder_id"
        " WHERE rc.round_id = r.id ORDER BY k.guid))"
        " FROM {s}.rounds AS r JOIN {s}.samples AS m ON m.id = r.sample_id"
        " LEFT JOIN {s}.coders AS o ON o.id = r.opened_by"
        " LEFT JOIN {s}.coders AS c ON c.id = r.closed_by ORDER BY r.number"
    ),
    "round_report": (
        "SELECT r.number, f.options, f.report, f.frozen_at FROM {s}.round_reports AS f"
        " JOIN {s}.rounds AS r ON r.id = f.round_id ORDER BY r.number"
    ),
    "framework_cell": (
        "SELECT t.guid, f.speaker, d.guid, f.summary, u.guid, f.updated_at"
        " FROM {s}.framework_cells AS f JOIN {s}.transcripts AS t ON t.id = f.transcript_id"
        " JOIN {s}.codes AS d ON d.id = f.code_id LEFT JOIN {s}.coders AS u ON u.id = f.updated_by"
        " ORDER BY t.guid, f.speaker, d.guid"
    ),
    "code_relation": (
        "SELECT a.guid, b.guid, r.kind, r.note, k.guid, r.created_at FROM {s}.code_relations AS r"
        " JOIN {s}.codes AS a ON a.id = r.from_code JOIN {s}.codes AS b ON b.id = r.to_code"
        " LEFT JOIN {s}.coders AS k ON k.id = r.created_by ORDER BY a.guid, b.guid, r.kind"
    ),
    "saved_query": (
        "SELECT name, expression, scope, created_at, updated_at FROM {s}.saved_queries ORDER BY name"
    ),
    "coding_review": (
        "SELECT k.guid, d.guid, t.guid, c.start_char, c.end_char, r.reason, r.version, r.was,"
        " r.flagged_at FROM {s}.coding_reviews AS r JOIN {s}.codings AS c ON c.id = r.coding_id"
        " JOIN {s}.coders AS k ON k.id = c.coder_id JOIN {s}.codes AS d ON d.id = c.code_id"
        " JOIN {s}.transcripts AS t ON t.id = c.transcript_id"
        " ORDER BY t.guid, c.start_char, c.end_char, d.guid, k.guid"
    ),
}


def study_rows(db: sqlite_utils.Database, kind: str, schema: str = "main") -> list[dict[str, Any]]:
    """Rows of one study record kind (:data:`STUDY_COLUMNS`) keyed by GUIDs, in a fixed order."""
    sql = _STUDY_SQL[kind].format(s=schema_name(schema))
    return [dict(zip(STUDY_COLUMNS[kind], row)) for row in db.conn.execute(sql)]


def study_table_rows(
    db: sqlite_utils.Database, table: str, columns: Sequence[str]
) -> list[tuple[Any, ...]]:
    """``columns`` of every row of one study table in ``main`` (to match a record to a row here)."""
    names = ", ".join(columns)
    if table not in STUDY_TABLES or not all(c.replace("_", "").isalnum() for c in columns):
        raise ValueError(table)
    return list(db.conn.execute(f"SELECT {names} FROM main.{table}"))


def guid_ids(db: sqlite_utils.Database, table: str) -> dict[str, int]:
    """``{guid: id}`` for a table with a ``guid`` column (coders, codes, transcripts)."""
    if table not in {"coders", "codes", "transcripts", "memos"}:
        raise ValueError(table)
    return {r[0]: r[1] for r in db.conn.execute(f"SELECT guid, id FROM main.{table}")}


def segment_ids(db: sqlite_utils.Database) -> dict[tuple[int, int], int]:
    """``{(transcript_id, ordinal): segment id}`` for the whole project."""
    return {
        (r[0], r[1]): r[2]
        for r in db.conn.execute("SELECT transcript_id, ordinal, id FROM main.segments")
    }


# --------------------------------------------------------------------- whole-file copies


def backup_to(db: sqlite_utils.Database, dest: Path) -> None:
    """Copy the whole database (committed state, WAL included) to ``dest`` with SQLite's backup API."""
    target = sqlite3.connect(str(dest))
    try:
        db.conn.backup(target)
    finally:
        target.close()


def copy_readonly_file(path: Path, dest: Path) -> None:
    """Copy the SQLite file at ``path``, opened read-only, to ``dest`` (``path`` is never written)."""
    uri = "file:" + urllib.parse.quote(str(Path(path).resolve())) + "?mode=ro"
    source = sqlite3.connect(uri, uri=True)
    try:
        target = sqlite3.connect(str(dest))
        try:
            source.backup(target)
        finally:
            target.close()
    finally:
        source.close()
