"""SQL for the analysis layer: segments and codings as arrays, speakers, saved queries, search.

Queries evaluate over every segment of the transcripts in scope, so the
segments and the codings of the query's codes are read as numpy columns
(packed by ``group_concat`` and parsed in C, as the reports read them:
:mod:`codebench.store.aggregates`). Transcript lists travel as one JSON
parameter (``json_each``) rather than thousands of bound ids.

The full-text index ``segment_fts`` (migration 0007) holds each segment's
text with its transcript, ordinal, start offset and speaker. The writers of
segments call :func:`index_transcript` after inserting them; triggers on
``segments`` drop deleted ones. Search never scans the transcripts.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from codebench.ids import now
from codebench.store.aggregates import int_columns, prepare_scan

if TYPE_CHECKING:
    import numpy as np
    import sqlite_utils


@dataclass(frozen=True)
class SegmentArrays:
    """Segments of some transcripts, sorted by (transcript id, ordinal)."""

    id: np.ndarray
    transcript_id: np.ndarray
    ordinal: np.ndarray
    start: np.ndarray
    end: np.ndarray
    turn: np.ndarray
    paragraph: np.ndarray
    codable: np.ndarray

    def __len__(self) -> int:
        return int(self.id.shape[0])


def _in_transcripts(transcript_ids: Sequence[int] | None, column: str = "transcript_id") -> str:
    return "" if transcript_ids is None else f"{column} IN (SELECT value FROM json_each(?))"


def _ids_param(transcript_ids: Sequence[int] | None) -> list[Any]:
    return [] if transcript_ids is None else [json.dumps([int(i) for i in transcript_ids])]


def segment_arrays(db: Any, transcript_ids: Sequence[int] | None = None) -> SegmentArrays:
    """Every segment of ``transcript_ids`` (default: all) as arrays, in reading order."""
    import numpy as np

    prepare_scan(db)
    where = _in_transcripts(transcript_ids)
    tail = "FROM segments" + (f" WHERE {where}" if where else "")
    seg_id, key, span, shape = int_columns(
        db,
        [
            "id",
            "(transcript_id << 24) | ordinal",
            "(start_char << 31) | end_char",
            "(turn << 33) | (paragraph << 1) | codable",
        ],
        tail,
        _ids_param(transcript_ids),
    )
    order = np.argsort(key, kind="stable")
    key, span, shape = key[order], span[order], shape[order]
    return SegmentArrays(
        id=seg_id[order],
        transcript_id=key >> 24,
        ordinal=key & ((1 << 24) - 1),
        start=span >> 31,
        end=span & ((1 << 31) - 1),
        turn=shape >> 33,
        paragraph=(shape >> 1) & ((1 << 32) - 1),
        codable=(shape & 1).astype(bool),
    )


@dataclass(frozen=True)
class CodingArrays:
    """Codings as arrays: who, which code, where."""

    coder_id: np.ndarray
    code_id: np.ndarray
    transcript_id: np.ndarray
    start: np.ndarray
    end: np.ndarray

    def __len__(self) -> int:
        return int(self.code_id.shape[0])


def coding_arrays(
    db: Any,
    coder_ids: Sequence[int],
    code_ids: Sequence[int],
    transcript_ids: Sequence[int] | None = None,
) -> CodingArrays:
    """The codings of ``code_ids`` by ``coder_ids`` (in ``transcript_ids``, default all)."""
    import numpy as np

    if not coder_ids or not code_ids:
        empty = np.empty(0, dtype=np.int64)
        return CodingArrays(empty, empty, empty, empty, empty)
    prepare_scan(db)
    where = [
        f"coder_id IN ({', '.join('?' for _ in coder_ids)})",
        f"code_id IN ({', '.join('?' for _ in code_ids)})",
    ]
    params: list[Any] = [*map(int, coder_ids), *map(int, code_ids)]
    if transcript_ids is not None:
        where.append(_in_transcripts(transcript_ids))
        params += _ids_param(transcript_ids)
    who, where_in, span = int_columns(
        db,
        ["(coder_id << 32) | code_id", "transcript_id", "(start_char << 31) | end_char"],
        f"FROM codings WHERE {' AND '.join(where)}",
        params,
    )
    return CodingArrays(
        coder_id=who >> 32,
        code_id=who & ((1 << 32) - 1),
        transcript_id=where_in,
        start=span >> 31,
        end=span & ((1 << 31) - 1),
    )


def speaker_names(db: Any, transcript_ids: Sequence[int] | None = None) -> list[str]:
    """Distinct speaker names (of ``transcript_ids``, default all), sorted."""
    where = _in_transcripts(transcript_ids)
    sql = "SELECT DISTINCT speaker FROM segments WHERE speaker IS NOT NULL" + (
        f" AND {where}" if where else ""
    )
    return sorted(r[0] for r in db.execute(sql, _ids_param(transcript_ids)))


def segments_of_speakers(
    db: Any, names: Sequence[str], transcript_ids: Sequence[int] | None = None
) -> list[int]:
    """Ids of the segments spoken by any of ``names`` (exact names)."""
    if not names:
        return []
    where = _in_transcripts(transcript_ids)
    sql = "SELECT id FROM segments WHERE speaker IN (SELECT value FROM json_each(?))" + (
        f" AND {where}" if where else ""
    )
    return [r[0] for r in db.execute(sql, [json.dumps(list(names)), *_ids_param(transcript_ids)])]


def speakers_of(db: Any, segment_ids: Sequence[int]) -> dict[int, str]:
    """``{segment id: speaker}`` for the segments that have a speaker."""
    if not segment_ids:
        return {}
    return {
        r[0]: r[1]
        for r in db.execute(
            "SELECT id, speaker FROM segments WHERE id IN (SELECT value FROM json_each(?))"
            " AND speaker IS NOT NULL",
            [json.dumps([int(i) for i in segment_ids])],
        )
    }


# ---------------------------------------------------------------------- saved queries
def saved_queries(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every saved query, by name: ``name``, ``expression``, ``scope`` (a dict), timestamps."""
    return [
        {
            "name": r[0],
            "expression": r[1],
            "scope": json.loads(r[2]),
            "created_at": r[3],
            "updated_at": r[4],
        }
        for r in db.execute(
            "SELECT name, expression, scope, created_at, updated_at FROM saved_queries"
            " ORDER BY name COLLATE NOCASE"
        )
    ]


def saved_query(db: sqlite_utils.Database, name: str) -> dict[str, Any] | None:
    found = [q for q in saved_queries(db) if q["name"].casefold() == name.casefold()]
    return found[0] if found else None


def save_query(
    db: sqlite_utils.Database, name: str, expression: str, scope: dict[str, Any]
) -> bool:
    """Insert or replace the saved query ``name``; ``True`` when it replaced one."""
    stamp = now()
    existed = saved_query(db, name) is not None
    db.execute(
        "INSERT INTO saved_queries (name, expression, scope, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (name) DO UPDATE SET expression = excluded.expression,"
        " scope = excluded.scope, updated_at = excluded.updated_at",
        [name, expression, json.dumps(scope, sort_keys=True), stamp, stamp],
    )
    return existed


def delete_query(db: sqlite_utils.Database, name: str) -> bool:
    cursor = db.execute("DELETE FROM saved_queries WHERE name = ?", [name])
    return bool(cursor.rowcount)


# ---------------------------------------------------------------------- full-text search
#: Marks FTS5's highlight() puts around a hit: C0 controls, which stored text never holds
#: (:func:`codebench.safety.safe_text` makes them visible on the way in).
HIT_OPEN, HIT_CLOSE = "\x02", "\x03"


@dataclass(frozen=True)
class TextHits:
    """Segments the full-text index matched, with their text marked where it matched."""

    segment_id: list[int]
    transcript_id: list[int]
    ordinal: list[int]
    start: list[int]
    speaker: list[str | None]
    marked: list[str]


def index_transcript(
    db: Any, transcript_id: int, text: str | None = None, only: Sequence[int] | None = None
) -> int:
    """Add the segments of one transcript to ``segment_fts``; returns how many.

    Called by every writer of segments (:func:`codebench.store.transcripts.insert_segments`,
    the merge's segment copy) right after it inserts them, in its transaction,
    and by a text correction for the segments it moved or changed (``only``,
    segment ids).
    """
    if text is None:
        row = db.execute("SELECT text FROM transcripts WHERE id = ?", [transcript_id]).fetchone()
        text = row[0] if row else ""
    rows = db.execute(
        "SELECT id, ordinal, start_char, end_char, speaker FROM segments WHERE transcript_id = ?",
        [transcript_id],
    ).fetchall()
    if only is not None:
        wanted = set(only)
        rows = [r for r in rows if r[0] in wanted]
    conn = db.conn if hasattr(db, "conn") else db
    # Called twice for one transcript, the rows are replaced, never doubled (rowid lookups).
    conn.executemany("DELETE FROM segment_fts WHERE rowid = ?", [(r[0],) for r in rows])
    conn.executemany(
        "INSERT INTO segment_fts (rowid, body, transcript_id, ordinal, start_char, speaker)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [(i, text[lo:hi], transcript_id, o, lo, who) for i, o, lo, hi, who in rows],
    )
    return len(rows)


def fts_segment_ids(db: Any, match: str, transcript_ids: Sequence[int] | None = None) -> list[int]:
    """Ids of the segments matching the FTS5 expression ``match`` (in ``transcript_ids``).

    The index alone answers it (the ids come packed in one string), which is
    what makes a project-wide search cost about one plain FTS5 query.
    """
    import numpy as np

    sql = "SELECT group_concat(rowid) FROM segment_fts WHERE segment_fts MATCH ?"
    params: list[Any] = [match]
    if transcript_ids is not None:
        sql += (
            " AND rowid IN (SELECT id FROM segments WHERE " + _in_transcripts(transcript_ids) + ")"
        )
        params += _ids_param(transcript_ids)
    (packed,) = db.execute(sql, params).fetchone()
    if packed is None:
        return []
    return [int(i) for i in np.fromstring(str(packed), dtype=np.int64, sep=",")]


def fts_hits(db: Any, match: str, segment_ids: Sequence[int] | None = None) -> TextHits:
    """Segments matching the FTS5 expression ``match`` (of ``segment_ids``), in reading order.

    Each text comes back with :data:`HIT_OPEN` / :data:`HIT_CLOSE` around the
    matched words (FTS5's ``highlight()``, so the words found are exactly
    those the index matched, folded the same way).
    """
    where = ["segment_fts MATCH ?"]
    params: list[Any] = [HIT_OPEN, HIT_CLOSE, match]
    if segment_ids is not None:
        where.append("rowid IN (SELECT value FROM json_each(?))")
        params.append(json.dumps([int(i) for i in segment_ids]))
    rows = db.execute(
        "SELECT rowid, transcript_id, ordinal, start_char, speaker,"
        " highlight(segment_fts, 0, ?, ?) FROM segment_fts"
        f" WHERE {' AND '.join(where)} ORDER BY transcript_id, ordinal",
        params,
    ).fetchall()
    return _text_hits(rows)


def _text_hits(rows: Sequence[Any]) -> TextHits:
    """Rows of (segment id, transcript id, ordinal, start, speaker, text) as columns."""
    return TextHits(
        segment_id=[r[0] for r in rows],
        transcript_id=[r[1] for r in rows],
        ordinal=[r[2] for r in rows],
        start=[r[3] for r in rows],
        speaker=[r[4] for r in rows],
        marked=[r[5] for r in rows],
    )


def segment_texts(db: Any, transcript_ids: Sequence[int] | None = None) -> TextHits:
    """Every indexed segment (of ``transcript_ids``) with its text, for a regular-expression scan."""
    where = _in_transcripts(transcript_ids)
    rows = db.execute(
        "SELECT rowid, transcript_id, ordinal, start_char, speaker, body FROM segment_fts"
        + (f" WHERE {where}" if where else "")
        + " ORDER BY transcript_id, ordinal",
        _ids_param(transcript_ids),
    ).fetchall()
    return _text_hits(rows)


def fts_rowids(db: Any, match: str) -> list[int]:
    """The plain FTS5 query (the search benchmark's baseline): matching segment ids."""
    return [
        r[0] for r in db.execute("SELECT rowid FROM segment_fts WHERE segment_fts MATCH ?", [match])
    ]
