"""Every statement codebench sends to the hub, except DDL (which is in :mod:`hub_schema`).

Values always travel as parameters (or through ``COPY``), never inside SQL
text; identifiers (role and database names) go through ``psycopg.sql``. A
push stages the rows in temporary tables with ``COPY`` and merges them with
one ``INSERT … ON CONFLICT`` per table, whose ``WHERE`` leaves a row that
has not changed alone, so pushing the same rows twice changes nothing (not
even their ``seq``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from codebench.team.hub_schema import COLUMNS, FIRST_CODINGS, KEY_LENGTH, SCHEMA

if TYPE_CHECKING:
    import psycopg

S = SCHEMA

_TYPES = {
    "position": "integer",
    "first_segment": "integer",
    "last_segment": "integer",
    "start_char": "integer",
    "end_char": "integer",
    "segment_ordinal": "integer",
    "archived": "boolean",
    "segments": "jsonb",
    "attributes": "jsonb",
    "round_number": "integer",
    "codebook_version": "integer",
    "version_number": "integer",
    "sample": "jsonb",
    "coder_guids": "jsonb",
}
#: Columns a re-push does not overwrite (when the row was first made).
_KEEP = {"created_at", "imported_at", "assigned_at"}
KEPT_COLUMNS = frozenset(_KEEP)


def create_database(conn: psycopg.Connection[Any], name: str) -> None:
    """``CREATE DATABASE name`` unless it exists (outside a transaction, as PostgreSQL requires)."""
    from psycopg import sql

    conn.autocommit = True
    found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    if not found:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def may_create_roles(conn: psycopg.Connection[Any]) -> bool:
    row = conn.execute(
        "SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user"
    ).fetchone()
    return bool(row and row[0])


def role_exists(conn: psycopg.Connection[Any], name: str) -> bool:
    return conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name]).fetchone() is not None


def member_statements(
    conn: psycopg.Connection[Any],
    role_name: str,
    coder_name: str,
    group: str,
    verifier: str,
    is_lead: bool,
) -> list[Any]:
    """The statements that make one person a member: role, group, timeout, CONNECT, members row."""
    from psycopg import sql

    database = conn.execute("SELECT current_database()").fetchone()
    role = sql.Identifier(role_name)
    return [
        sql.SQL("CREATE ROLE {} LOGIN PASSWORD {} IN ROLE {}").format(
            role, sql.Literal(verifier), sql.Identifier(group)
        ),
        # A laptop that sleeps mid-push must not hold the hub's change lock for long.
        sql.SQL("ALTER ROLE {} SET idle_in_transaction_session_timeout = '60s'").format(role),
        sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
            sql.Identifier(str(database[0]) if database else ""), role
        ),
        sql.SQL(
            "INSERT INTO {}.members (role_name, coder_name, is_lead) VALUES ({}, {}, {})"
            " ON CONFLICT (role_name) DO UPDATE SET coder_name = EXCLUDED.coder_name,"
            " is_lead = EXCLUDED.is_lead"
        ).format(
            sql.Identifier(S), sql.Literal(role_name), sql.Literal(coder_name), sql.Literal(is_lead)
        ),
    ]


def run_statements(conn: psycopg.Connection[Any], statements: Sequence[Any]) -> None:
    """Run composed statements in one transaction."""
    with conn.transaction():
        for statement in statements:
            conn.execute(statement)


def whoami(conn: psycopg.Connection[Any]) -> tuple[str, bool, str | None]:
    """``(login role, is a lead, coder name)`` of this connection."""
    row = conn.execute(
        f"SELECT current_user, {S}.is_lead(),"
        f" (SELECT coder_name FROM {S}.members WHERE role_name = current_user)"
    ).fetchone()
    assert row is not None
    return str(row[0]), bool(row[1]), row[2]


def members(conn: psycopg.Connection[Any]) -> list[tuple[str, str, bool]]:
    """``(role name, coder name, is lead)`` of every member."""
    rows = conn.execute(
        f"SELECT role_name, coder_name, is_lead FROM {S}.members ORDER BY coder_name"
    ).fetchall()
    return [(str(r[0]), str(r[1]), bool(r[2])) for r in rows]


def hub_guids(conn: psycopg.Connection[Any], table: str) -> set[str]:
    """GUIDs of the live (not deleted) codes or transcripts on the hub."""
    assert table in ("codes", "transcripts", "coders")
    return {r[0] for r in conn.execute(f"SELECT guid FROM {S}.{table} WHERE NOT deleted")}


def transcript_shas(conn: psycopg.Connection[Any]) -> dict[str, str]:
    """``{GUID: sha256}`` of the live transcripts on the hub."""
    return {
        str(r[0]): str(r[1])
        for r in conn.execute(f"SELECT guid, sha256 FROM {S}.transcripts WHERE NOT deleted")
    }


def upsert(
    conn: psycopg.Connection[Any],
    table: str,
    records: Sequence[Sequence[Any]],
    *,
    sees_all: bool = False,
    copy_text: Iterable[str | Sequence[Any]] | None = None,
) -> int:
    """Merge ``records`` (in :data:`COLUMNS` order) into ``table``; returns rows changed.

    ``copy_text``: instead of ``records``, the rows as chunks of ``COPY`` text
    lines and (for a row that is not plain) records, as
    :func:`codebench.store.sync_sql.coding_copy_text` reads a first publish's
    codings from the file.

    A tombstoned row comes back to life; a row equal to its record is not
    touched. The rows go up with ``COPY`` into a temporary table first.

    ``sees_all``: the role reads every row of ``table`` (a lead) and holds the
    change lock, so an empty table is known to be empty and stays so until
    commit. Into an empty table (a first publish) the rows go with a plain
    ``INSERT``: the ``ON CONFLICT`` arbiter check per row was a third of the
    time of publishing a big project.
    """
    if not records and copy_text is None:
        return 0
    rows: Iterable[str | Sequence[Any]] = records if copy_text is None else copy_text
    columns = COLUMNS[table]
    key = columns[: KEY_LENGTH[table]]
    cols = ", ".join(columns)
    if sees_all and conn.execute(f"SELECT NOT EXISTS (SELECT FROM {S}.{table})").fetchone() == (
        True,
    ):
        if table == "codings":
            return load_first_codings(conn, rows)
        stage = _stage(conn, table, columns, rows)
        cursor = conn.execute(f"INSERT INTO {S}.{table} ({cols}) SELECT {cols} FROM {stage}")
        return max(cursor.rowcount, 0)
    stage = _stage(conn, table, columns, rows)
    assign = [c for c in columns[len(key) :] if c not in _KEEP]
    updates = ", ".join([f"{c} = EXCLUDED.{c}" for c in assign] + ["deleted = false"])
    changed = " OR ".join([f"t.{c} IS DISTINCT FROM EXCLUDED.{c}" for c in assign] + ["t.deleted"])
    cursor = conn.execute(
        f"INSERT INTO {S}.{table} AS t ({cols}) SELECT {cols} FROM {stage}"
        f" ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates} WHERE {changed}"
    )
    return max(cursor.rowcount, 0)


def load_first_codings(
    conn: psycopg.Connection[Any], records: Iterable[str | Sequence[Any]]
) -> int:
    """Load a lead's codings into the hub's empty codings table as a bulk load; returns how many.

    The hub's ``begin_first_codings`` makes the staging table, the rows go
    into it with ``COPY``, and ``finish_first_codings`` checks them as the
    codings policies would and moves them in with the table's indexes dropped
    and built again after (hub version 5): a third of the time of inserting a
    million rows into the indexed table (measured on one machine; docs/team.md).
    Call holding the change lock, with the table known to be empty, inside the
    push's transaction.
    """
    conn.execute(f"SELECT {S}.begin_first_codings()")
    _copy_rows(conn, f"pg_temp.{FIRST_CODINGS}", COLUMNS["codings"], records)
    row = conn.execute(f"SELECT {S}.finish_first_codings()").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def tombstone(
    conn: psycopg.Connection[Any],
    table: str,
    keys: Sequence[Sequence[Any]],
    *,
    of: Sequence[str] | None = None,
    authorless: bool = False,
) -> int:
    """Mark the rows with these keys deleted (only those this role may update); returns how many.

    ``of``: for a table of someone's work (:data:`WHOSE`), only rows of these
    coders (and, ``authorless``, rows of none) are marked. A row of a coder
    who has since become another member is theirs: the database would refuse
    the whole push for it, so it is left alone.
    """
    if not keys:
        return 0
    key = COLUMNS[table][: KEY_LENGTH[table]]
    stage = _stage(conn, table, key, keys, suffix="gone")
    match = " AND ".join(f"t.{c} = g.{c}" for c in key)
    params: list[Any] = []
    if of is not None and table in WHOSE:
        whose = f"t.{WHOSE[table]}"
        match += f" AND ({whose} = ANY(%s){f' OR {whose} IS NULL' if authorless else ''})"
        params.append(list(of))
    cursor = conn.execute(
        f"UPDATE {S}.{table} AS t SET deleted = true FROM {stage} g WHERE {match} AND NOT t.deleted",
        params,
    )
    return max(cursor.rowcount, 0)


def _stage(
    conn: psycopg.Connection[Any],
    table: str,
    columns: Sequence[str],
    records: Iterable[str | Sequence[Any]],
    *,
    suffix: str = "in",
) -> str:
    """A temporary table (dropped at commit) holding ``records``, filled with ``COPY``."""
    name = f"stage_{table}_{suffix}"
    defs = ", ".join(f"{c} {_TYPES.get(c, 'text')}" for c in columns)
    conn.execute(f"CREATE TEMP TABLE {name} ({defs}) ON COMMIT DROP")
    _copy_rows(conn, name, columns, records)
    return name


def _copy_rows(
    conn: psycopg.Connection[Any],
    name: str,
    columns: Sequence[str],
    records: Iterable[str | Sequence[Any]],
) -> None:
    """``COPY`` ``records`` into the table ``name`` (JSON columns adapted as JSON).

    A ``str`` among them is ready ``COPY`` text (whole lines), sent as it is.
    """
    from psycopg.types.json import Jsonb

    json_at = [i for i, c in enumerate(columns) if _TYPES.get(c) == "jsonb"]
    with conn.cursor().copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
        if not json_at:  # codings, memos, statuses: the records go as they are
            for record in records:
                if isinstance(record, str):
                    copy.write(record)
                else:
                    copy.write_row(record)
            return
        for record in records:
            row = list(record)
            for i in json_at:
                row[i] = Jsonb(row[i])
            copy.write_row(row)


def lock_changes(conn: psycopg.Connection[Any]) -> None:
    """Take the hub's change lock now (the triggers would take it at the first write anyway)."""
    from codebench.team.hub_schema import CHANGE_LOCK

    conn.execute("SELECT pg_advisory_xact_lock(%s)", [CHANGE_LOCK])


#: The column naming whose work a row of a coder table is.
WHOSE = {
    "codings": "coder_guid",
    "memos": "author_guid",
    "statuses": "coder_guid",
    "saved_queries": "author_guid",
}


#: Rows per page of a pull: ``ORDER BY seq LIMIT`` makes the planner walk the ``seq``
#: index even before the table has statistics (just after a big publish), where a bare
#: ``seq > n`` would read the whole table.
PAGE = 20_000


def hold_changes(conn: psycopg.Connection[Any]) -> None:
    """Wait for writers to finish and keep new ones out (a session lock, outside a transaction)."""
    from codebench.team.hub_schema import CHANGE_LOCK

    conn.execute("SELECT pg_advisory_lock(%s)", [CHANGE_LOCK])


def release_changes(conn: psycopg.Connection[Any]) -> None:
    from codebench.team.hub_schema import CHANGE_LOCK

    conn.execute("SELECT pg_advisory_unlock(%s)", [CHANGE_LOCK])


def sequence_now(conn: psycopg.Connection[Any]) -> int:
    """The last number the hub's change sequence gave out (0 before the first)."""
    row = conn.execute(f"SELECT last_value, is_called FROM {S}.change_seq").fetchone()
    return int(row[0]) if row and row[1] else 0


def changes_since(
    conn: psycopg.Connection[Any], table: str, seq: int, *, not_of: Sequence[str] = ()
) -> list[tuple[int, bool, tuple[Any, ...]]]:
    """``(seq, deleted, record)`` of every row of ``table`` this role sees with a later ``seq``.

    ``not_of``: coder GUIDs whose rows to leave out (the puller's own, which it already has).
    Read page by page in ``seq`` order; call inside one snapshot (a repeatable-read transaction).
    """
    cols = ", ".join(COLUMNS[table])
    sql = f"SELECT seq, deleted, {cols} FROM {S}.{table} WHERE seq > %s"
    extra: list[Any] = []
    if not_of and table in WHOSE:
        sql += f" AND ({WHOSE[table]} IS NULL OR {WHOSE[table]} <> ALL(%s))"
        extra.append(list(not_of))
    sql += f" ORDER BY seq LIMIT {PAGE}"
    out: list[tuple[int, bool, tuple[Any, ...]]] = []
    after = seq
    while True:
        rows = conn.execute(sql, [after, *extra]).fetchall()
        out.extend((int(r[0]), bool(r[1]), tuple(r[2:])) for r in rows)
        if len(rows) < PAGE:
            return out
        after = int(rows[-1][0])


def rows_of_transcripts(
    conn: psycopg.Connection[Any], table: str, transcripts: Sequence[str]
) -> list[tuple[int, bool, tuple[Any, ...]]]:
    """Every live row of ``table`` on these transcripts that this role sees (a release opened them)."""
    if not transcripts:
        return []
    cols = ", ".join(COLUMNS[table])
    rows = conn.execute(
        f"SELECT seq, deleted, {cols} FROM {S}.{table}"
        " WHERE transcript_guid = ANY(%s) AND NOT deleted ORDER BY seq",
        [list(transcripts)],
    ).fetchall()
    return [(int(r[0]), bool(r[1]), tuple(r[2:])) for r in rows]


def reports_of_rounds(
    conn: psycopg.Connection[Any], rounds: Sequence[str]
) -> list[tuple[int, bool, tuple[Any, ...]]]:
    """Every live frozen report of these rounds (by number, as releases name them) this role sees."""
    numbers = [int(r) for r in rounds if str(r).isdigit()]
    if not numbers:
        return []
    cols = ", ".join(COLUMNS["round_reports"])
    rows = conn.execute(
        f"SELECT seq, deleted, {cols} FROM {S}.round_reports"
        " WHERE round_number = ANY(%s) AND NOT deleted ORDER BY seq",
        [numbers],
    ).fetchall()
    return [(int(r[0]), bool(r[1]), tuple(r[2:])) for r in rows]


def log_sync(conn: psycopg.Connection[Any], pushed: int, pulled: int) -> None:
    conn.execute(f"INSERT INTO {S}.sync_log (pushed, pulled) VALUES (%s, %s)", [pushed, pulled])


def progress(conn: psycopg.Connection[Any]) -> list[tuple[str, str, str, int, str | None]]:
    """``(coder, transcript, status, codings, released round or None)`` per live assignment."""
    rows = conn.execute(
        f"""
        SELECT c.name, t.name, coalesce(s.status, 'not-started'),
               (SELECT count(*) FROM {S}.codings k
                WHERE k.coder_guid = a.coder_guid AND k.transcript_guid = a.transcript_guid
                  AND NOT k.deleted),
               (SELECT r.round FROM {S}.releases r
                WHERE r.transcript_guid = a.transcript_guid AND NOT r.deleted)
        FROM (SELECT DISTINCT coder_guid, transcript_guid FROM {S}.assignments WHERE NOT deleted) a
        JOIN {S}.coders c ON c.guid = a.coder_guid
        JOIN {S}.transcripts t ON t.guid = a.transcript_guid
        LEFT JOIN {S}.statuses s
            ON s.coder_guid = a.coder_guid AND s.transcript_guid = a.transcript_guid
            AND NOT s.deleted
        ORDER BY c.name, t.name
        """
    ).fetchall()
    return [(str(r[0]), str(r[1]), str(r[2]), int(r[3]), r[4]) for r in rows]


def last_syncs(conn: psycopg.Connection[Any]) -> dict[str, str]:
    """``{coder name in lower case: time of the last sync (UTC, to the minute)}`` per member who has synced."""
    rows = conn.execute(
        f"""
        SELECT m.coder_name, to_char(max(l.at) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI"Z"')
        FROM {S}.sync_log l JOIN {S}.members m ON m.role_name = l.role_name
        GROUP BY m.coder_name
        """
    ).fetchall()
    return {str(r[0]).lower(): str(r[1]) for r in rows}


def live_codings(
    conn: psycopg.Connection[Any], coder_guids: Sequence[str]
) -> list[tuple[Any, ...]]:
    """Records of the live codings of these coders that this role sees on the hub.

    A copy whose change log cannot be trusted (its first push, or a trigger
    was missing) compares its codings with these once, instead of with a
    record of what it pushed.
    """
    if not coder_guids:
        return []
    cols = ", ".join(COLUMNS["codings"])
    rows = conn.execute(
        f"SELECT {cols} FROM {S}.codings WHERE NOT deleted AND coder_guid = ANY(%s)",
        [list(coder_guids)],
    ).fetchall()
    return [tuple(r) for r in rows]


def released_rounds(conn: psycopg.Connection[Any]) -> set[str]:
    """The round labels of the live releases (a coder reads those rounds' frozen reports)."""
    return {
        str(r[0])
        for r in conn.execute(f"SELECT DISTINCT round FROM {S}.releases WHERE NOT deleted")
    }


def withdraw_rounds(conn: psycopg.Connection[Any], rounds: Sequence[str]) -> int:
    """Tombstone the releases made for these rounds (the lead removed them); returns how many."""
    if not rounds:
        return 0
    cursor = conn.execute(
        f"UPDATE {S}.releases SET deleted = true WHERE round = ANY(%s) AND NOT deleted",
        [list(rounds)],
    )
    return max(cursor.rowcount, 0)


def live_rows(
    conn: psycopg.Connection[Any],
    table: str,
    coder_guids: Sequence[str],
    *,
    authorless: bool = False,
) -> list[tuple[Any, ...]]:
    """Records of the live rows of these coders (and, ``authorless``, of none) in a table of
    someone's work (:data:`WHOSE`) that this role sees: what a copy whose change log cannot
    be trusted compares its memos or statuses with, once."""
    cols = ", ".join(COLUMNS[table])
    whose = WHOSE[table]
    none = f" OR {whose} IS NULL" if authorless else ""
    rows = conn.execute(
        f"SELECT {cols} FROM {S}.{table} WHERE NOT deleted AND ({whose} = ANY(%s){none})",
        [list(coder_guids)],
    ).fetchall()
    return [tuple(r) for r in rows]
