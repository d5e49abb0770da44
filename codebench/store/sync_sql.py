"""SQL for a team copy's side of sync: the project's rows as hub records, and pulled records applied.

A record is a tuple in the column order of the hub table it mirrors
(:data:`codebench.team.hub_sql.COLUMNS`), with every reference written as a
GUID (coder, code, transcript) or a segment ordinal, never a local id: ids
differ between copies, GUIDs do not. ``sync_pushed`` (migration
``0012_sync``) remembers, per record key, a digest of what was last pushed;
codings instead have a change log kept by triggers on team copies
(``sync_coding_log``, made by ``migrations.ensure_change_counters``), and
memos and statuses another (``sync_row_log``). A coder's copy also keeps,
under the kinds ``pulled.<table>``, a digest of each of the lead's rows as it
pulled them, to find its own edits of them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from codebench.store.rounds import round_coder_ids, round_rows

if TYPE_CHECKING:
    import sqlite_utils

Record = tuple[Any, ...]


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" for _ in values) or "NULL"


# ----------------------------------------------------------------- reading records


def coder_records(db: sqlite_utils.Database) -> list[Record]:
    return [tuple(r) for r in db.execute("SELECT guid, name, kind FROM coders ORDER BY id")]


def code_records(db: sqlite_utils.Database) -> list[Record]:
    rows = db.execute(
        """SELECT c.guid, p.guid, c.position, c.number, c.name, c.description, c.inclusion,
                  c.exclusion, c.example, c.colour, c.shortcut, c.archived, m.guid
           FROM codes c LEFT JOIN codes p ON p.id = c.parent_id
           LEFT JOIN codes m ON m.id = c.merged_into_id ORDER BY c.id"""
    ).fetchall()
    return [(*r[:11], bool(r[11]), r[12]) for r in rows]


def transcript_records(db: sqlite_utils.Database) -> list[Record]:
    """Transcripts with their segments (ordinal, start, end, speaker, codable, turn, paragraph,
    timestamp) and attributes."""
    segments: dict[int, list[list[Any]]] = {}
    for r in db.execute(
        "SELECT transcript_id, ordinal, start_char, end_char, speaker, codable, turn, paragraph,"
        " timestamp FROM segments ORDER BY transcript_id, ordinal"
    ):
        segments.setdefault(r[0], []).append(list(r[1:]))
    attributes: dict[int, dict[str, str]] = {}
    for tid, key, value in db.execute(
        "SELECT transcript_id, key, value FROM attributes ORDER BY transcript_id, key"
    ):
        attributes.setdefault(tid, {})[key] = value
    rows = db.execute(
        "SELECT id, guid, name, text, sha256, source_name, source_format, language, unit,"
        " imported_at FROM transcripts ORDER BY id"
    ).fetchall()
    return [(*r[1:], segments.get(r[0], []), attributes.get(r[0], {})) for r in rows]


def round_records(db: sqlite_utils.Database) -> list[Record]:
    """Reliability rounds, each with its sample (as a dict) and its coders' GUIDs."""
    guids = dict(db.execute("SELECT id, guid FROM coders").fetchall())
    samples = {
        r[0]: {
            "name": r[1],
            "seed": r[2],
            "fraction": r[3],
            "stratify": r[4],
            "draw": r[5],
            "drawn_by": guids.get(r[6]),
            "drawn_at": r[7],
        }
        for r in db.execute(
            "SELECT id, name, seed, fraction, stratify, draw, drawn_by, drawn_at FROM samples"
        )
    }
    out: list[Record] = []
    for (
        rid,
        number,
        name,
        sample_id,
        version,
        opened_by,
        opened_at,
        closed_by,
        closed_at,
    ) in round_rows(db):
        coders = sorted(guids[k] for k in round_coder_ids(db, rid))
        out.append(
            (
                number,
                name,
                samples[sample_id],
                coders,
                version,
                guids.get(opened_by),
                opened_at,
                guids.get(closed_by),
                closed_at,
            )
        )
    return out


def apply_round(db: sqlite_utils.Database, record: Record) -> None:
    """Insert or update a round pulled from the hub, with its sample and coders (by GUID)."""
    number, name, sample, coder_guids, version, opened_by, opened_at, closed_by, closed_at = record
    sample = sample if isinstance(sample, dict) else json.loads(sample)
    coders = id_map(db, "coders")
    found = db.execute("SELECT id FROM samples WHERE name = ?", [sample["name"]]).fetchone()
    values = [
        sample["seed"],
        sample["fraction"],
        sample["stratify"],
        sample["draw"],
        coders.get(sample.get("drawn_by") or ""),
        sample["drawn_at"],
    ]
    if found:
        sample_id = int(found[0])
        db.execute(
            "UPDATE samples SET seed = ?, fraction = ?, stratify = ?, draw = ?, drawn_by = ?,"
            " drawn_at = ? WHERE id = ?",
            [*values, sample_id],
        )
    else:
        sample_id = int(
            db.execute(
                "INSERT INTO samples (seed, fraction, stratify, draw, drawn_by, drawn_at, name)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [*values, sample["name"]],
            ).lastrowid
            or 0
        )
    row = [
        name,
        sample_id,
        version,
        coders.get(opened_by or ""),
        opened_at,
        coders.get(closed_by or ""),
        closed_at,
    ]
    found = db.execute("SELECT id FROM rounds WHERE number = ?", [number]).fetchone()
    if found:
        round_id = int(found[0])
        db.execute(
            "UPDATE rounds SET name = ?, sample_id = ?, codebook_version = ?, opened_by = ?,"
            " opened_at = ?, closed_by = ?, closed_at = ? WHERE id = ?",
            [*row, round_id],
        )
    else:
        round_id = int(
            db.execute(
                "INSERT INTO rounds (name, sample_id, codebook_version, opened_by, opened_at,"
                " closed_by, closed_at, number) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [*row, number],
            ).lastrowid
            or 0
        )
    db.execute("DELETE FROM round_coders WHERE round_id = ?", [round_id])
    db.conn.executemany(
        "INSERT INTO round_coders (round_id, coder_id) VALUES (?, ?)",
        [(round_id, coders[g]) for g in coder_guids if g in coders],
    )


def assignment_records(db: sqlite_utils.Database) -> list[Record]:
    rows = db.execute(
        """SELECT c.guid, t.guid, a.first_segment, a.last_segment, b.guid, a.assigned_at
           FROM assignments a JOIN coders c ON c.id = a.coder_id
           JOIN transcripts t ON t.id = a.transcript_id
           LEFT JOIN coders b ON b.id = a.assigned_by ORDER BY a.id"""
    ).fetchall()
    return [
        (r[0], r[1], "" if r[2] is None else f"{r[2]}-{r[3]}", r[2], r[3], r[4], r[5]) for r in rows
    ]


def coding_records(db: sqlite_utils.Database, coder_guids: Sequence[str]) -> list[Record]:
    return [
        tuple(r)
        for r in db.execute(
            f"""SELECT cr.guid, cd.guid, t.guid, k.start_char, k.end_char, k.created_at,
                       k.codebook_version
                FROM codings k JOIN coders cr ON cr.id = k.coder_id
                JOIN codes cd ON cd.id = k.code_id JOIN transcripts t ON t.id = k.transcript_id
                WHERE cr.guid IN ({_marks(coder_guids)})""",
            list(coder_guids),
        )
    ]


def memo_records(
    db: sqlite_utils.Database, author_guids: Sequence[str], *, authorless: bool = False
) -> list[Record]:
    """Memos by these authors (and, for a lead, those with no author)."""
    where = f"a.guid IN ({_marks(author_guids)})" + (
        " OR m.author_id IS NULL" if authorless else ""
    )
    rows = db.execute(
        f"""SELECT m.guid, a.guid, t.guid, s.ordinal, cd.guid,
                   CASE WHEN k.id IS NULL THEN NULL
                        ELSE kc.guid || ':' || kd.guid || ':' || k.start_char || ':' || k.end_char END,
                   m.text, m.created_at, m.updated_at
            FROM memos m LEFT JOIN coders a ON a.id = m.author_id
            LEFT JOIN transcripts t ON t.id = m.transcript_id
            LEFT JOIN segments s ON s.id = m.segment_id
            LEFT JOIN codes cd ON cd.id = m.code_id
            LEFT JOIN codings k ON k.id = m.coding_id
            LEFT JOIN coders kc ON kc.id = k.coder_id
            LEFT JOIN codes kd ON kd.id = k.code_id
            WHERE {where} ORDER BY m.id""",
        list(author_guids),
    ).fetchall()
    return [tuple(r) for r in rows]


def status_records(db: sqlite_utils.Database, coder_guids: Sequence[str]) -> list[Record]:
    return [
        tuple(r)
        for r in db.execute(
            f"""SELECT c.guid, t.guid, s.status, s.updated_at FROM coder_status s
                JOIN coders c ON c.id = s.coder_id JOIN transcripts t ON t.id = s.transcript_id
                WHERE c.guid IN ({_marks(coder_guids)})""",
            list(coder_guids),
        )
    ]


def coder_guids_named(db: sqlite_utils.Database, names: Iterable[str]) -> list[str]:
    wanted = list(names)
    return [
        r[0]
        for r in db.execute(
            f"SELECT guid FROM coders WHERE name COLLATE NOCASE IN ({_marks(wanted)})", wanted
        )
    ]


# ----------------------------------------------------------------- the pushed snapshot


def pushed(db: sqlite_utils.Database, kind: str) -> dict[str, str]:
    """``{record key: digest}`` of what was last pushed of ``kind``."""
    return dict(db.execute("SELECT key, digest FROM sync_pushed WHERE kind = ?", [kind]).fetchall())


def record_pushed(
    db: sqlite_utils.Database, kind: str, sent: dict[str, str], removed: Iterable[str]
) -> None:
    """Note ``sent`` (key → digest) as pushed and ``removed`` keys as gone (in the caller's transaction)."""
    db.conn.executemany(
        "INSERT INTO sync_pushed (kind, key, digest) VALUES (?, ?, ?)"
        " ON CONFLICT (kind, key) DO UPDATE SET digest = excluded.digest",
        [(kind, k, d) for k, d in sent.items()],
    )
    db.conn.executemany(
        "DELETE FROM sync_pushed WHERE kind = ? AND key = ?", [(kind, k) for k in removed]
    )


def forget_pushed(db: sqlite_utils.Database, kind: str) -> None:
    """Drop the whole per-record snapshot of ``kind`` (codings go by their change log now)."""
    db.execute("DELETE FROM sync_pushed WHERE kind = ?", [kind])


# ----------------------------------------------------------------- the codings' change log

_CODING_SELECT = """SELECT k.id, cr.guid, cd.guid, t.guid, k.start_char, k.end_char, k.created_at,
    k.codebook_version
    FROM codings k JOIN coders cr ON cr.id = k.coder_id
    JOIN codes cd ON cd.id = k.code_id JOIN transcripts t ON t.id = k.transcript_id"""


def set_owned_coders(db: sqlite_utils.Database, coder_guids: Sequence[str]) -> list[int]:
    """Make ``sync_owned`` these coders (whose codings the log follows); returns ids newly in it."""
    wanted = [
        int(r[0])
        for r in db.execute(
            f"SELECT id FROM coders WHERE guid IN ({_marks(coder_guids)})", list(coder_guids)
        )
    ]
    before = {int(r[0]) for r in db.execute("SELECT coder_id FROM sync_owned")}
    db.execute("DELETE FROM sync_owned")
    db.conn.executemany("INSERT INTO sync_owned (coder_id) VALUES (?)", [(i,) for i in wanted])
    return [i for i in wanted if i not in before]


def coding_rows(db: sqlite_utils.Database, coder_guids: Sequence[str]) -> list[Record]:
    """``(local id, *record)`` of every coding of these coders (the rows as SQLite gives them:
    a first publish reads a million)."""
    rows: list[Record] = db.execute(
        f"{_CODING_SELECT} WHERE cr.guid IN ({_marks(coder_guids)})", list(coder_guids)
    ).fetchall()
    return rows


def count_codings(db: sqlite_utils.Database, coder_guids: Sequence[str]) -> int:
    """How many codings these coders have."""
    row = db.execute(
        "SELECT count(*) FROM codings k JOIN coders cr ON cr.id = k.coder_id"
        f" WHERE cr.guid IN ({_marks(coder_guids)})",
        list(coder_guids),
    ).fetchone()
    return int(row[0]) if row else 0


#: A coding as one line of ``COPY`` text, built by SQLite when every value is of its plain
#: type (GUIDs and the time as text, the span as integers); NULL otherwise.
_CODING_LINE = """CASE WHEN typeof(cr.guid) = 'text' AND typeof(cd.guid) = 'text'
        AND typeof(t.guid) = 'text' AND typeof(k.start_char) = 'integer'
        AND typeof(k.end_char) = 'integer' AND typeof(k.created_at) = 'text'
        AND typeof(k.codebook_version) = 'integer'
    THEN cr.guid || char(9) || cd.guid || char(9) || t.guid || char(9) || k.start_char
        || char(9) || k.end_char || char(9) || k.created_at || char(9) || k.codebook_version
        || char(10) END"""
#: Tabs in one plain line of :data:`_CODING_LINE` (its fields, the hub's codings columns, less one).
_CODING_TABS = 6
#: Codings per chunk of ``COPY`` text.
COPY_CHUNK = 20_000


def coding_copy_text(
    db: sqlite_utils.Database, coder_guids: Sequence[str]
) -> Iterator[str | Record]:
    """Every coding of these coders for ``COPY`` (text format): chunks of lines, and records.

    A first publish sends a million codings; building each line in SQLite
    and sending chunks of them is a third of the work of making a record of
    each and formatting it row by row. A line stands only if it is exactly
    seven plain fields (six tabs, one newline at its end, no backslash or
    carriage return: nothing ``COPY`` would read as an escape); any other
    coding (a value with a tab, say, or not of its plain type) is yielded as
    its record, for the driver to escape as ever.
    """
    # NOT INDEXED: the codings are read in the table's order, not looked up one by one through
    # the coder's index (a quarter faster when the coders own most of the file's codings).
    cursor = db.execute(
        f"""SELECT k.id, {_CODING_LINE} FROM codings k NOT INDEXED JOIN coders cr ON cr.id = k.coder_id
            JOIN codes cd ON cd.id = k.code_id JOIN transcripts t ON t.id = k.transcript_id
            WHERE cr.guid IN ({_marks(coder_guids)})""",
        list(coder_guids),
    )
    while rows := cursor.fetchmany(COPY_CHUNK):
        lines = [row[1] for row in rows]
        if None not in lines:
            text = "".join(lines)
            if (
                text.count("\t") == _CODING_TABS * len(rows)
                and text.count("\n") == len(rows)
                and "\\" not in text
                and "\r" not in text
            ):
                yield text
                continue
        plain: list[str] = []
        for coding_id, line in rows:
            if _plain_line(line):
                plain.append(line)
            else:
                found = db.execute(f"{_CODING_SELECT} WHERE k.id = ?", [coding_id]).fetchone()
                if found is not None:
                    yield tuple(found[1:])
        yield "".join(plain)


def _plain_line(line: str | None) -> bool:
    return (
        line is not None
        and line.count("\t") == _CODING_TABS
        and line.count("\n") == 1
        and line.endswith("\n")
        and "\\" not in line
        and "\r" not in line
    )


def coding_log_mark(db: sqlite_utils.Database) -> int:
    """The number of the newest entry in the codings' change log (0: none, or no log yet)."""
    found = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sync_coding_log'"
    ).fetchone()
    if not found:
        return 0
    row = db.execute("SELECT max(id) FROM sync_coding_log").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def logged_coding_rows(db: sqlite_utils.Database, upto: int) -> list[Record]:
    """``(local id, *record)`` now of the owned codings written in log entries up to ``upto``."""
    return [
        tuple(r)
        for r in db.execute(
            f"{_CODING_SELECT} WHERE k.id IN (SELECT coding_id FROM sync_coding_log"
            " WHERE id <= ? AND coding_id IS NOT NULL)"
            " AND k.coder_id IN (SELECT coder_id FROM sync_owned)",
            [upto],
        )
    ]


def logged_coding_removals(db: sqlite_utils.Database, upto: int) -> list[Record]:
    """Hub keys that went in log entries up to ``upto`` and that no coding here holds now."""
    return [
        tuple(r)
        for r in db.execute(
            """SELECT DISTINCT g.coder_guid, g.code_guid, g.transcript_guid, g.start_char,
                      g.end_char
               FROM sync_coding_log g
               WHERE g.id <= ? AND g.code_guid IS NOT NULL AND g.transcript_guid IS NOT NULL
                 AND g.coder_guid IN (SELECT guid FROM coders
                                      WHERE id IN (SELECT coder_id FROM sync_owned))
                 AND NOT EXISTS (
                     SELECT 1 FROM codings k JOIN coders cr ON cr.id = k.coder_id
                     JOIN codes cd ON cd.id = k.code_id JOIN transcripts t ON t.id = k.transcript_id
                     WHERE cr.guid = g.coder_guid AND cd.guid = g.code_guid
                       AND t.guid = g.transcript_guid AND k.start_char = g.start_char
                       AND k.end_char = g.end_char)""",
            [upto],
        )
    ]


def forget_coding_log(
    db: sqlite_utils.Database,
    upto: int,
    keep: Sequence[int] = (),
    *,
    transcripts: Sequence[str] = (),
) -> None:
    """Forget log entries up to ``upto`` (the hub has them), except writes of codings ``keep``
    and keys that went on ``transcripts`` (GUIDs: their removals were held back)."""
    sql = "DELETE FROM sync_coding_log WHERE id <= ?"
    params: list[Any] = [upto]
    if keep:
        sql += f" AND (coding_id IS NULL OR coding_id NOT IN ({_marks(keep)}))"
        params += list(keep)
    if transcripts:
        sql += f" AND (transcript_guid IS NULL OR transcript_guid NOT IN ({_marks(transcripts)}))"
        params += list(transcripts)
    db.execute(sql, params)


def log_coding_keys(db: sqlite_utils.Database, keys: Iterable[Sequence[Any]]) -> None:
    """Log these hub keys as gone (removals held back): a later push sends them."""
    db.conn.executemany(
        "INSERT INTO sync_coding_log (coder_guid, code_guid, transcript_guid, start_char,"
        " end_char) VALUES (?, ?, ?, ?, ?)",
        [tuple(k) for k in keys],
    )


def transcript_shas(db: sqlite_utils.Database) -> dict[str, str]:
    """``{GUID: sha256}`` of this copy's transcripts (whose text is whose)."""
    return {str(r[0]): str(r[1]) for r in db.execute("SELECT guid, sha256 FROM transcripts")}


def log_codings_of(
    db: sqlite_utils.Database, coding_ids: Iterable[int] = (), *, coder_ids: Sequence[int] = ()
) -> None:
    """Log these codings (and every coding of ``coder_ids``) as written: the next push sends them."""
    db.conn.executemany(
        "INSERT INTO sync_coding_log (coding_id) VALUES (?)", [(i,) for i in coding_ids]
    )
    if coder_ids:
        db.execute(
            f"INSERT INTO sync_coding_log (coding_id) SELECT id FROM codings"
            f" WHERE coder_id IN ({_marks(coder_ids)})",
            list(coder_ids),
        )


# ----------------------------------------------------------------- memos' and statuses' change log


def row_log_mark(db: sqlite_utils.Database) -> int:
    """The number of the newest entry in the memos' and statuses' log (0: none, or no log)."""
    found = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sync_row_log'"
    ).fetchone()
    if not found:
        return 0
    row = db.execute("SELECT max(id) FROM sync_row_log").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def logged_keys(db: sqlite_utils.Database, kind: str, upto: int) -> set[str]:
    """Hub keys of the ``kind`` rows written or gone in log entries up to ``upto``."""
    return {
        str(r[0])
        for r in db.execute(
            "SELECT DISTINCT key FROM sync_row_log WHERE kind = ? AND id <= ?", [kind, upto]
        )
    }


def memo_guids_here(db: sqlite_utils.Database, guids: Iterable[str]) -> set[str]:
    """Which of these memo GUIDs this copy holds (whoever wrote them)."""
    wanted = list(guids)
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        part = wanted[start : start + 500]
        found.update(
            str(r[0])
            for r in db.execute(f"SELECT guid FROM memos WHERE guid IN ({_marks(part)})", part)
        )
    return found


def forget_row_log(
    db: sqlite_utils.Database, kind: str, upto: int, keep: Sequence[str] = ()
) -> None:
    """Forget ``kind``'s log entries up to ``upto`` (the hub has them), except keys ``keep``."""
    if not keep:
        db.execute("DELETE FROM sync_row_log WHERE kind = ? AND id <= ?", [kind, upto])
        return
    db.execute(
        f"DELETE FROM sync_row_log WHERE kind = ? AND id <= ? AND key NOT IN ({_marks(keep)})",
        [kind, upto, *keep],
    )


def log_keys(db: sqlite_utils.Database, kind: str, keys: Iterable[str]) -> None:
    """Log these keys as written: the next push looks at them again."""
    db.conn.executemany(
        "INSERT INTO sync_row_log (kind, key) VALUES (?, ?)", [(kind, k) for k in keys]
    )


# ----------------------------------------------------------------- applying pulled records


def id_map(db: sqlite_utils.Database, table: str) -> dict[str, int]:
    """``{guid: id}`` of ``coders``, ``codes`` or ``transcripts``."""
    assert table in ("coders", "codes", "transcripts")
    return dict(db.execute(f"SELECT guid, id FROM {table}").fetchall())


def apply_coder(db: sqlite_utils.Database, record: Record, at: str) -> None:
    guid, name, kind = record
    db.execute(
        "INSERT INTO coders (guid, name, kind, created_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (guid) DO UPDATE SET name = excluded.name, kind = excluded.kind",
        [guid, name, kind, at],
    )


def apply_code(db: sqlite_utils.Database, record: Record, parent_id: int | None, at: str) -> None:
    guid, _parent, position, number, name, desc, incl, excl, example, colour, shortcut = record[:11]
    archived = record[11]
    db.execute(
        """INSERT INTO codes (guid, parent_id, position, number, name, description, inclusion,
                              exclusion, example, colour, shortcut, archived, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (guid) DO UPDATE SET parent_id = excluded.parent_id,
               position = excluded.position, number = excluded.number, name = excluded.name,
               description = excluded.description, inclusion = excluded.inclusion,
               exclusion = excluded.exclusion, example = excluded.example,
               colour = excluded.colour, shortcut = excluded.shortcut,
               archived = excluded.archived""",
        [guid, parent_id, position, number, name, desc, incl, excl, example, colour, shortcut]
        + [int(bool(archived)), at],
    )


def archive_code(db: sqlite_utils.Database, guid: str) -> None:
    db.execute("UPDATE codes SET archived = 1 WHERE guid = ?", [guid])


def set_merged_into(db: sqlite_utils.Database, guid: str, target_guid: str | None) -> None:
    """Note the lead's merge of code ``guid`` into ``target_guid`` (``None``: not merged)."""
    db.execute(
        "UPDATE codes SET merged_into_id = (SELECT id FROM codes WHERE guid = ?) WHERE guid = ?",
        [target_guid, guid],
    )


def codings_on_code(db: sqlite_utils.Database, code_id: int, coder_ids: Sequence[int]) -> int:
    """How many codings of these coders are on ``code_id``."""
    row = db.execute(
        f"SELECT count(*) FROM codings WHERE code_id = ? AND coder_id IN ({_marks(coder_ids)})",
        [code_id, *coder_ids],
    ).fetchone()
    return int(row[0]) if row else 0


def apply_transcript(db: sqlite_utils.Database, record: Record) -> int | None:
    """Insert a transcript new to this copy (with segments), or update its name and attributes.

    Returns the new transcript's id, ``None`` when it was already here. An
    existing transcript keeps its segments (their ids anchor this copy's memos).
    """
    from codebench.store.transcripts import insert_segments, insert_transcript, set_attributes

    guid, name, text, sha256, source_name, source_format, language, unit, imported_at = record[:9]
    segments = record[9] if isinstance(record[9], list) else json.loads(record[9])
    attributes = record[10] if isinstance(record[10], dict) else json.loads(record[10])
    found = db.execute("SELECT id FROM transcripts WHERE guid = ?", [guid]).fetchone()
    if found:
        tid = int(found[0])
        db.execute("UPDATE transcripts SET name = ? WHERE id = ?", [name, tid])
        db.execute("DELETE FROM attributes WHERE transcript_id = ?", [tid])
        set_attributes(db, tid, {str(k): str(v) for k, v in attributes.items()})
        return None
    tid = insert_transcript(
        db,
        {
            "guid": guid,
            "name": name,
            "text": text,
            "sha256": sha256,
            "source_name": source_name,
            "source_format": source_format,
            "language": language,
            "unit": unit,
            "imported_at": imported_at,
        },
    )
    insert_segments(db, tid, [tuple(s) for s in segments], text)
    set_attributes(db, tid, {str(k): str(v) for k, v in attributes.items()})
    return tid


def counters(db: sqlite_utils.Database) -> dict[str, int]:
    """``{table: writes counted}`` of a team copy (empty before it counts)."""
    found = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sync_counters'"
    ).fetchone()
    if not found:
        return {}
    return {str(r[0]): int(r[1]) for r in db.execute("SELECT name, n FROM sync_counters")}


def transcript_state(db: sqlite_utils.Database, guid: str) -> tuple[int, str] | None:
    """``(id, sha256)`` of the transcript with this GUID in the copy, if it is here."""
    row = db.execute("SELECT id, sha256 FROM transcripts WHERE guid = ?", [guid]).fetchone()
    return (int(row[0]), str(row[1])) if row else None


def replace_segments(
    db: sqlite_utils.Database, transcript_id: int, segments: Sequence[Sequence[Any]], text: str
) -> bool:
    """Make a transcript's segments these (the lead re-segmented it); returns whether any changed.

    Segments are updated in place by ordinal, so memos keep their anchors; a
    memo on a segment that no longer exists moves to the segment now holding
    its first character (else the last one), never deleted with it.
    """
    from codebench.store.analysis import index_transcript

    cols = "ordinal, start_char, end_char, speaker, codable, turn, paragraph, timestamp"
    current = {
        int(r[0]): (int(r[1]), list(r[2:]))
        for r in db.execute(
            f"SELECT ordinal, id, {cols.split(', ', 1)[1]} FROM segments WHERE transcript_id = ?",
            [transcript_id],
        )
    }
    wanted = {int(s[0]): list(s[1:]) for s in segments}
    if {o: v for o, (_i, v) in current.items()} == wanted:
        return False
    for ordinal, values in wanted.items():
        if ordinal in current:
            db.execute(
                "UPDATE segments SET start_char = ?, end_char = ?, speaker = ?, codable = ?,"
                " turn = ?, paragraph = ?, timestamp = ? WHERE id = ?",
                [*values, current[ordinal][0]],
            )
        else:
            db.execute(
                f"INSERT INTO segments (transcript_id, {cols}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [transcript_id, ordinal, *values],
            )
    last = max(wanted) if wanted else None
    for ordinal in sorted(set(current) - set(wanted)):
        sid, (start, *_rest) = current[ordinal]
        home = next((o for o, v in wanted.items() if v[0] <= start < v[1]), last)
        if home is not None:
            db.execute(
                "UPDATE memos SET segment_id = (SELECT id FROM segments WHERE transcript_id = ?"
                " AND ordinal = ?) WHERE segment_id = ?",
                [transcript_id, home, sid],
            )
        db.execute("DELETE FROM segments WHERE id = ?", [sid])
    index_transcript(db, transcript_id, text)
    return True


def apply_assignment(
    db: sqlite_utils.Database,
    coder_id: int,
    transcript_id: int,
    first: int | None,
    last: int | None,
    assigned_by: int | None,
    at: str,
    *,
    deleted: bool,
) -> None:
    if deleted:
        db.execute(
            "DELETE FROM assignments WHERE coder_id = ? AND transcript_id = ?"
            " AND first_segment IS ? AND last_segment IS ?",
            [coder_id, transcript_id, first, last],
        )
        return
    db.execute(
        "INSERT INTO assignments (coder_id, transcript_id, first_segment, last_segment,"
        " assigned_by, assigned_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [coder_id, transcript_id, first, last, assigned_by, at],
    )


def apply_coding(
    db: sqlite_utils.Database,
    coder_id: int,
    code_id: int,
    transcript_id: int,
    start: int,
    end: int,
    created_at: str,
    *,
    version: int = 1,
    deleted: bool,
) -> bool:
    """Take one coding from the hub, with the codebook version it was made under; returns
    whether this copy changed (a coding it holds already, or a removal of one it never
    had, changes nothing)."""
    if deleted:
        cursor = db.execute(
            "DELETE FROM codings WHERE coder_id = ? AND code_id = ? AND transcript_id = ?"
            " AND start_char = ? AND end_char = ?",
            [coder_id, code_id, transcript_id, start, end],
        )
        return cursor.rowcount > 0
    cursor = db.execute(
        "INSERT INTO codings (coder_id, code_id, transcript_id, start_char, end_char, created_at,"
        " codebook_version) VALUES (?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (coder_id, code_id, transcript_id, start_char, end_char)"
        " DO UPDATE SET codebook_version = excluded.codebook_version"
        " WHERE codebook_version IS NOT excluded.codebook_version",
        [coder_id, code_id, transcript_id, start, end, created_at, version],
    )
    return cursor.rowcount > 0


def coding_id_by_key(
    db: sqlite_utils.Database, coder_id: int, code_id: int, transcript_id: int, start: int, end: int
) -> int | None:
    row = db.execute(
        "SELECT id FROM codings WHERE coder_id = ? AND code_id = ? AND transcript_id = ?"
        " AND start_char = ? AND end_char = ?",
        [coder_id, code_id, transcript_id, start, end],
    ).fetchone()
    return int(row[0]) if row else None


def apply_memo(db: sqlite_utils.Database, values: dict[str, Any], *, deleted: bool) -> None:
    """Insert or update the memo with ``values['guid']``, or delete it."""
    if deleted:
        db.execute("DELETE FROM memos WHERE guid = ?", [values["guid"]])
        return
    columns = list(values)
    db.execute(
        f"INSERT INTO memos ({', '.join(columns)}) VALUES ({_marks(columns)})"
        " ON CONFLICT (guid) DO UPDATE SET "
        + ", ".join(f"{c} = excluded.{c}" for c in columns if c not in ("guid", "created_at")),
        list(values.values()),
    )


def apply_status(
    db: sqlite_utils.Database,
    coder_id: int,
    transcript_id: int,
    status: str,
    updated_at: str,
    *,
    deleted: bool,
) -> None:
    if deleted:
        db.execute(
            "DELETE FROM coder_status WHERE coder_id = ? AND transcript_id = ?",
            [coder_id, transcript_id],
        )
        return
    db.execute(
        "INSERT INTO coder_status (coder_id, transcript_id, status, updated_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (coder_id, transcript_id) DO UPDATE SET status = excluded.status,"
        " updated_at = excluded.updated_at",
        [coder_id, transcript_id, status, updated_at],
    )


# ----------------------------------------------------------------- the study tables (hub version 3)


def round_report_records(db: sqlite_utils.Database) -> list[Record]:
    """Closed rounds' frozen reports, by round number (the JSON texts as stored)."""
    return [
        tuple(r)
        for r in db.execute(
            "SELECT r.number, f.options, f.report, f.frozen_at FROM round_reports f"
            " JOIN rounds r ON r.id = f.round_id ORDER BY r.number"
        )
    ]


def speaker_attribute_records(db: sqlite_utils.Database) -> list[Record]:
    return [
        tuple(r)
        for r in db.execute(
            "SELECT t.guid, a.speaker, a.key, a.value FROM speaker_attributes a"
            " JOIN transcripts t ON t.id = a.transcript_id ORDER BY t.id, a.speaker, a.key"
        )
    ]


def code_relation_records(db: sqlite_utils.Database) -> list[Record]:
    return [
        tuple(r)
        for r in db.execute(
            "SELECT f.guid, t.guid, r.kind, r.note, c.guid, r.created_at FROM code_relations r"
            " JOIN codes f ON f.id = r.from_code JOIN codes t ON t.id = r.to_code"
            " LEFT JOIN coders c ON c.id = r.created_by ORDER BY r.id"
        )
    ]


def framework_cell_records(db: sqlite_utils.Database) -> list[Record]:
    return [
        tuple(r)
        for r in db.execute(
            "SELECT t.guid, f.speaker, k.guid, f.summary, c.guid, f.updated_at"
            " FROM framework_cells f JOIN transcripts t ON t.id = f.transcript_id"
            " JOIN codes k ON k.id = f.code_id LEFT JOIN coders c ON c.id = f.updated_by"
            " ORDER BY f.id"
        )
    ]


def saved_query_records(db: sqlite_utils.Database, author_guid: str) -> list[Record]:
    """Every saved query of the copy, as its person's (a copy is one person's)."""
    return [
        (author_guid, *r)
        for r in db.execute(
            "SELECT name, expression, scope, created_at, updated_at FROM saved_queries ORDER BY id"
        )
    ]


def apply_round_report(db: sqlite_utils.Database, record: Record, *, deleted: bool) -> bool:
    """Store (or, deleted, remove) a round's frozen report; ``False`` if the round is not here."""
    number, options, report, frozen_at = record
    found = db.execute("SELECT id FROM rounds WHERE number = ?", [int(number)]).fetchone()
    if found is None:
        return False
    if deleted:
        db.execute("DELETE FROM round_reports WHERE round_id = ?", [found[0]])
    else:
        db.execute(
            "INSERT OR REPLACE INTO round_reports (round_id, options, report, frozen_at)"
            " VALUES (?, ?, ?, ?)",
            [found[0], options, report, frozen_at],
        )
    return True


def apply_speaker_attribute(
    db: sqlite_utils.Database, transcript_id: int, record: Record, *, deleted: bool
) -> None:
    _t, speaker, key, value = record
    if deleted:
        db.execute(
            "DELETE FROM speaker_attributes WHERE transcript_id = ? AND speaker = ? AND key = ?",
            [transcript_id, speaker, key],
        )
        return
    db.execute(
        "INSERT INTO speaker_attributes (transcript_id, speaker, key, value) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (transcript_id, speaker, key) DO UPDATE SET value = excluded.value",
        [transcript_id, speaker, key, value],
    )


def apply_code_relation(
    db: sqlite_utils.Database,
    from_id: int,
    to_id: int,
    record: Record,
    created_by: int | None,
    *,
    deleted: bool,
) -> None:
    _f, _t, kind, note, _by, created_at = record
    if deleted:
        db.execute(
            "DELETE FROM code_relations WHERE from_code = ? AND to_code = ? AND kind = ?",
            [from_id, to_id, kind],
        )
        return
    db.execute(
        "INSERT INTO code_relations (from_code, to_code, kind, note, created_by, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (from_code, to_code, kind) DO UPDATE SET note = excluded.note",
        [from_id, to_id, kind, note, created_by, created_at],
    )


def apply_framework_cell(
    db: sqlite_utils.Database,
    transcript_id: int,
    code_id: int,
    record: Record,
    updated_by: int | None,
    *,
    deleted: bool,
) -> None:
    _t, speaker, _c, summary, _by, updated_at = record
    if deleted:
        db.execute(
            "DELETE FROM framework_cells WHERE transcript_id = ? AND speaker = ? AND code_id = ?",
            [transcript_id, speaker, code_id],
        )
        return
    db.execute(
        "INSERT INTO framework_cells (transcript_id, speaker, code_id, summary, updated_by,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (transcript_id, speaker, code_id)"
        " DO UPDATE SET summary = excluded.summary, updated_by = excluded.updated_by,"
        " updated_at = excluded.updated_at",
        [transcript_id, speaker, code_id, summary, updated_by, updated_at],
    )


def apply_saved_query(db: sqlite_utils.Database, record: Record, *, deleted: bool) -> None:
    _author, name, expression, scope, created_at, updated_at = record
    if deleted:
        db.execute("DELETE FROM saved_queries WHERE name = ?", [name])
        return
    db.execute(
        "INSERT INTO saved_queries (name, expression, scope, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET"
        " expression = excluded.expression, scope = excluded.scope,"
        " updated_at = excluded.updated_at",
        [name, expression, scope, created_at, updated_at],
    )


# ----------------------------------------------------------------- releases withdrawn


def forget_unreleased(
    db: sqlite_utils.Database,
    transcript_guids: Sequence[str],
    own_coder_guids: Sequence[str],
    keep_cells: Iterable[str] = (),
) -> dict[str, int]:
    """Remove from a coder's copy what the lead's release of these transcripts had let in.

    Others' codings, memos and statuses on them, and their framework cells
    (the lead's summaries of codings), go; the copy's own rows stay, and so
    does another coder's coding that one of the copy's own memos is anchored
    on (removing it would take the memo with it). ``keep_cells``: framework
    cell keys (as :func:`codebench.team.sync.key_text` writes them) edited in
    this copy, kept. Returns ``{table: rows removed}`` (in the caller's
    transaction).
    """
    if not transcript_guids:
        return {}
    tids = [
        int(r[0])
        for r in db.execute(
            f"SELECT id FROM transcripts WHERE guid IN ({_marks(transcript_guids)})",
            list(transcript_guids),
        )
    ]
    if not tids:
        return {}
    own = [
        int(r[0])
        for r in db.execute(
            f"SELECT id FROM coders WHERE guid IN ({_marks(own_coder_guids)})",
            list(own_coder_guids),
        )
    ]
    on, mine = _marks(tids), _marks(own)
    removed: dict[str, int] = {}
    removed["memos"] = db.execute(
        f"DELETE FROM memos WHERE transcript_id IN ({on})"
        f" AND (author_id IS NULL OR author_id NOT IN ({mine}))",
        [*tids, *own],
    ).rowcount
    removed["codings"] = db.execute(
        f"DELETE FROM codings WHERE transcript_id IN ({on}) AND coder_id NOT IN ({mine})"
        " AND id NOT IN (SELECT coding_id FROM memos WHERE coding_id IS NOT NULL)",
        [*tids, *own],
    ).rowcount
    removed["statuses"] = db.execute(
        f"DELETE FROM coder_status WHERE transcript_id IN ({on}) AND coder_id NOT IN ({mine})",
        [*tids, *own],
    ).rowcount
    keep = set(keep_cells)
    cells = [
        (int(r[0]), "\x1f".join("" if v is None else str(v) for v in r[1:]))
        for r in db.execute(
            f"SELECT f.id, t.guid, f.speaker, k.guid FROM framework_cells f"
            f" JOIN transcripts t ON t.id = f.transcript_id JOIN codes k ON k.id = f.code_id"
            f" WHERE f.transcript_id IN ({on})",
            tids,
        )
    ]
    gone = [cid for cid, key in cells if key not in keep]
    db.conn.executemany("DELETE FROM framework_cells WHERE id = ?", [(c,) for c in gone])
    removed["framework_cells"] = len(gone)
    return {k: v for k, v in removed.items() if v}


def forget_round_reports(db: sqlite_utils.Database, numbers: Iterable[int]) -> int:
    """Remove the frozen reports of these rounds (their release was withdrawn); returns how many."""
    wanted = sorted(set(numbers))
    if not wanted:
        return 0
    return int(
        db.execute(
            f"DELETE FROM round_reports WHERE round_id IN"
            f" (SELECT id FROM rounds WHERE number IN ({_marks(wanted)}))",
            wanted,
        ).rowcount
    )
