"""Columnar reads for reports: codings and segments as numpy arrays, fast.

Reports aggregate every coding of a project (a million, in a big one).
Fetching that many rows through :mod:`sqlite3` costs about a microsecond a
row in Python objects, which alone would blow the half-second budget. So
the few columns a report needs are packed into one integer per row in SQL,
concatenated by ``group_concat`` into a single string, and parsed by numpy
in C: one Python object crosses the boundary instead of a million.

Packing uses as many bits as the project needs (the largest transcript id,
code id and transcript length), so the string stays short; projects too
large to pack into 63 bits get two columns, or plain ones. Every query reads
a covering index or a small table, and :func:`prepare_scan` lets SQLite
memory-map the file instead of copying pages through its 2 MB default cache.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codebench.wording import plural

if TYPE_CHECKING:
    import numpy as np
    import sqlite_utils

#: Bits for a character offset in the two-column layout (SQLite strings stay below 2**31 bytes).
OFFSET_BITS = 31
#: Memory-map up to this much of the project file for report scans.
MMAP_BYTES = 1 << 30
#: Separator for concatenated speaker names (ASCII unit separator).
UNIT_SEPARATOR = "\x1f"
#: How coding columns travel: one packed integer, two, or four plain columns.
LAYOUTS = ("one", "two", "plain")


@dataclass(frozen=True)
class CodingColumns:
    """One array entry per coding: span and code id.

    Positions are *keys*, ``transcript_id << offset_bits | offset``, so one
    integer comparison orders (transcript, offset) pairs.
    """

    start_key: np.ndarray
    end_key: np.ndarray
    code_id: np.ndarray
    offset_bits: int = OFFSET_BITS

    def __len__(self) -> int:
        return int(self.start_key.shape[0])

    @property
    def transcript_id(self) -> np.ndarray:
        return self.start_key >> self.offset_bits

    @property
    def start(self) -> np.ndarray:
        return self.start_key & ((1 << self.offset_bits) - 1)

    @property
    def end(self) -> np.ndarray:
        return self.end_key & ((1 << self.offset_bits) - 1)


@dataclass(frozen=True)
class SegmentColumns:
    """Every segment, sorted by transcript id then start offset (unique keys)."""

    transcript_id: np.ndarray
    start: np.ndarray
    end: np.ndarray
    codable: np.ndarray
    #: Table position of each sorted segment (to line up :attr:`names`).
    order: np.ndarray
    #: Speaker names in table order (``""``: none), when read; see :func:`speaker_ids`.
    names: list[str] | None = None

    def __len__(self) -> int:
        return int(self.transcript_id.shape[0])


@contextlib.contextmanager
def side_reader(db: sqlite_utils.Database) -> Iterator[sqlite3.Connection | None]:
    """A second, read-only connection to the project file, for reading in parallel.

    SQLite runs one statement at a time per connection; reports read the
    segments on this one in a worker thread while the codings stream in on
    the main one. ``None`` (read everything on ``db``) for in-memory
    databases, inside an open transaction (whose changes the second
    connection would not see), or when the file cannot be opened again.
    """
    path = next((r[2] for r in db.execute("PRAGMA database_list") if r[1] == "main"), "")
    conn = None
    if path and not db.conn.in_transaction:
        try:
            conn = sqlite3.connect(
                f"{Path(path).as_uri()}?mode=ro", uri=True, check_same_thread=False
            )
            conn.execute("PRAGMA busy_timeout = 5000")
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            prepare_scan(conn)
        except sqlite3.Error:
            if conn is not None:
                conn.close()
            conn = None
    try:
        yield conn
    finally:
        if conn is not None:
            conn.close()


def prepare_scan(db: sqlite_utils.Database | sqlite3.Connection) -> None:
    """Let SQLite memory-map the file for large read scans (a no-op in memory)."""
    current = db.execute("PRAGMA mmap_size").fetchone()
    if current is not None and current[0] < MMAP_BYTES:
        db.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")


@dataclass(frozen=True)
class Packing:
    """How coding columns travel: :data:`LAYOUTS` entry and bit widths for layout ``one``."""

    layout: str
    offset_bits: int
    code_bits: int


def coding_packing(db: sqlite_utils.Database | sqlite3.Connection) -> Packing:
    """The most compact packing this project's ids and transcript lengths allow."""
    t_bits = _max_id(db, "transcripts").bit_length()
    c_bits = _max_id(db, "codes").bit_length()
    o_bits = max(_max_text_length(db).bit_length(), 1)
    if t_bits + c_bits + 2 * o_bits <= 63:
        return Packing("one", o_bits, c_bits)
    return Packing(
        "two" if max(t_bits, c_bits) + OFFSET_BITS <= 63 else "plain", OFFSET_BITS, c_bits
    )


def coding_columns(
    db: sqlite_utils.Database | sqlite3.Connection,
    coder_ids: Sequence[int],
    *,
    code_ids: Sequence[int] | None = None,
    packing: Packing | None = None,
    transcript_ids: Sequence[int] | None = None,
) -> CodingColumns:
    """Every coding by ``coder_ids`` (optionally only of ``code_ids``, in ``transcript_ids``), as arrays.

    SQLite answers it from the unique index on (coder, code, transcript,
    start, end), which covers every column needed. ``packing`` defaults to
    :func:`coding_packing` (pass one to force a layout, or to read parts
    in parallel with the same key widths).
    """
    import numpy as np

    if (
        not coder_ids
        or (code_ids is not None and not code_ids)
        or (transcript_ids is not None and not transcript_ids)
    ):
        empty = np.empty(0, dtype=np.int64)
        return CodingColumns(empty, empty, empty, packing.offset_bits if packing else OFFSET_BITS)
    where = [f"coder_id IN ({', '.join('?' for _ in coder_ids)})"]
    params: list[Any] = list(coder_ids)
    if code_ids is not None:
        where.append(f"code_id IN ({', '.join('?' for _ in code_ids)})")
        params.extend(code_ids)
    if transcript_ids is not None:  # a few transcripts: the (transcript, coder) index finds them
        where.append(f"transcript_id IN ({', '.join('?' for _ in transcript_ids)})")
        params.extend(transcript_ids)
    tail = f"FROM codings WHERE {' AND '.join(where)}"
    packing = packing or coding_packing(db)
    prepare_scan(db)
    if packing.layout == "one":
        o_bits, c_bits = packing.offset_bits, packing.code_bits
        (packed,) = int_columns(
            db,
            [
                f"(((((transcript_id << {o_bits}) | start_char) << {c_bits}) | code_id) << {o_bits}) | end_char"
            ],
            tail,
            params,
        )
        start_key = packed >> (o_bits + c_bits)
        end_key = ((start_key >> o_bits) << o_bits) | (packed & ((1 << o_bits) - 1))
        columns = CodingColumns(
            start_key, end_key, (packed >> o_bits) & ((1 << c_bits) - 1), o_bits
        )
    elif packing.layout == "two":
        a, b = int_columns(
            db,
            [
                f"(transcript_id << {OFFSET_BITS}) | start_char",
                f"(code_id << {OFFSET_BITS}) | end_char",
            ],
            tail,
            params,
        )
        end_key = ((a >> OFFSET_BITS) << OFFSET_BITS) | (b & ((1 << OFFSET_BITS) - 1))
        columns = CodingColumns(a, end_key, b >> OFFSET_BITS)
    else:
        t, s, e, k = int_columns(
            db, ["transcript_id", "start_char", "end_char", "code_id"], tail, params
        )
        return CodingColumns((t << OFFSET_BITS) | s, (t << OFFSET_BITS) | e, k)
    if len(columns) and not bool(
        (columns.start_key < columns.end_key).all()
    ):  # a span past its text: never pack it
        return coding_columns(
            db,
            coder_ids,
            code_ids=code_ids,
            packing=Packing("plain", OFFSET_BITS, packing.code_bits),
            transcript_ids=transcript_ids,
        )
    return columns


def segment_columns(
    db: sqlite_utils.Database | sqlite3.Connection, *, speakers: bool = False
) -> SegmentColumns:
    """Every segment of the project as arrays, sorted by (transcript id, start).

    With ``speakers``, the names come in the same scan (turn them into ids
    with :func:`speaker_ids`).
    """
    import numpy as np

    prepare_scan(db)
    columns = [
        f"group_concat((transcript_id << {OFFSET_BITS}) | start_char)",
        "group_concat((end_char << 1) | codable)",
    ]
    if speakers:
        columns.append("group_concat(coalesce(speaker, ''), ?)")
    row = db.execute(
        f"SELECT count(*), {', '.join(columns)} FROM segments", [UNIT_SEPARATOR] if speakers else []
    ).fetchone()
    count = int(row[0])
    a, b = _parse(row[1], count), _parse(row[2], count)
    names = None
    if speakers:
        names = row[3].split(UNIT_SEPARATOR) if count else []
        if len(names) != count:  # a name holds the separator: read the rows one by one
            rows = db.execute(
                "SELECT (transcript_id << ?) | start_char, (end_char << 1) | codable, coalesce(speaker, '')"
                " FROM segments",
                [OFFSET_BITS],
            ).fetchall()
            a = np.array([r[0] for r in rows], dtype=np.int64)
            b = np.array([r[1] for r in rows], dtype=np.int64)
            names = [r[2] for r in rows]
    order = np.argsort(a, kind="stable")
    a, b = a[order], b[order]
    return SegmentColumns(
        transcript_id=a >> OFFSET_BITS,
        start=a & ((1 << OFFSET_BITS) - 1),
        end=b >> 1,
        codable=(b & 1).astype(bool),
        order=order,
        names=names,
    )


def speaker_ids(columns: SegmentColumns) -> tuple[np.ndarray, list[str]]:
    """The speaker of each (sorted) segment as an index into a list of names (``-1``: none)."""
    import numpy as np

    assert columns.names is not None, "read the segments with speakers=True"
    found = columns.names
    names = [n for n in dict.fromkeys(found) if n]
    lookup = {n: i for i, n in enumerate(names)}
    lookup[""] = -1
    in_table_order = np.fromiter(map(lookup.__getitem__, found), dtype=np.int64, count=len(found))
    return in_table_order[columns.order], names


#: Ids bound per ``IN (…)`` list, well under SQLite's limit on bound parameters.
_ID_CHUNK = 500


def _id_chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    """``ids`` in slices small enough to bind as one ``IN (…)`` list."""
    ids = list(ids)
    for i in range(0, len(ids), _ID_CHUNK):
        yield ids[i : i + _ID_CHUNK]


def _marks(chunk: Sequence[int]) -> str:
    return ", ".join("?" for _ in chunk)


def transcript_texts(
    db: sqlite_utils.Database | sqlite3.Connection, transcript_ids: Sequence[int] | None = None
) -> dict[int, str]:
    """``{transcript_id: text}`` for the given transcripts (default: all)."""
    if transcript_ids is None:
        return {r[0]: r[1] for r in db.execute("SELECT id, text FROM transcripts")}
    out: dict[int, str] = {}
    for chunk in _id_chunks(transcript_ids):
        out.update(
            {
                r[0]: r[1]
                for r in db.execute(
                    f"SELECT id, text FROM transcripts WHERE id IN ({_marks(chunk)})", chunk
                )
            }
        )
    return out


def _memos_by(
    db: sqlite_utils.Database, column: str, ids: Sequence[int], where: str = ""
) -> dict[int, list[tuple[str, str]]]:
    """``{m.<column>: [(author name, memo text), …]}`` for memos whose ``column`` is in ``ids``.

    Coding memos and segment memos are the same query keyed by a different
    column; ``where`` narrows it further (segment memos exclude those that
    belong to a coding). Memos keep their creation order.
    """
    out: dict[int, list[tuple[str, str]]] = {}
    for chunk in _id_chunks(ids):
        for key, author, text in db.execute(
            f"SELECT m.{column}, coalesce(k.name, ''), m.text FROM memos m LEFT JOIN coders k ON k.id = m.author_id"
            f" WHERE {where}m.{column} IN ({_marks(chunk)}) ORDER BY m.id",
            chunk,
        ):
            out.setdefault(key, []).append((author, text))
    return out


def coding_memos(
    db: sqlite_utils.Database, coding_ids: Sequence[int]
) -> dict[int, list[tuple[str, str]]]:
    """``{coding_id: [(author name, memo text), …]}`` for memos attached to codings."""
    return _memos_by(db, "coding_id", coding_ids)


def segment_memos(
    db: sqlite_utils.Database, segment_ids: Sequence[int]
) -> dict[int, list[tuple[str, str]]]:
    """``{segment_id: [(author name, memo text), …]}`` for memos attached to segments."""
    return _memos_by(db, "segment_id", segment_ids, where="m.coding_id IS NULL AND ")


def codings_per_code(db: sqlite_utils.Database) -> dict[int, int]:
    """``{code_id: codings}`` by every coder: the plain indexed ``GROUP BY``."""
    return {
        r[0]: r[1] for r in db.execute("SELECT code_id, count(*) FROM codings GROUP BY code_id")
    }


def int_columns(
    db: sqlite_utils.Database | sqlite3.Connection,
    expressions: Sequence[str],
    tail: str,
    params: Sequence[Any] = (),
) -> list[np.ndarray]:
    """Evaluate integer ``expressions`` over the rows of ``tail`` (``FROM … WHERE …``).

    Returns one int64 array per expression, rows in the same order in every
    array. Results too large for one SQLite string are fetched row by row.
    """
    import numpy as np

    select = ", ".join(f"group_concat({e})" for e in expressions)
    try:
        row = db.execute(f"SELECT count(*), {select} {tail}", list(params)).fetchone()
    except (sqlite3.DataError, sqlite3.OperationalError) as error:
        if "too big" not in str(error):
            raise
        rows = db.execute(f"SELECT {', '.join(expressions)} {tail}", list(params)).fetchall()
        matrix = np.array(rows, dtype=np.int64).reshape(len(rows), len(expressions))
        return [matrix[:, i].copy() for i in range(len(expressions))]
    count = int(row[0])
    return [_parse(value, count) for value in row[1:]]


def _parse(value: str | None, count: int) -> np.ndarray:
    import numpy as np

    if not count or value is None:
        return np.empty(0, dtype=np.int64)
    if isinstance(value, int):
        return np.array([value], dtype=np.int64)
    array = np.fromstring(value, dtype=np.int64, sep=",")
    if array.shape[0] != count:
        raise RuntimeError(f"parsed {plural(array.shape[0], 'value')}, expected {count}")
    return array


def _max_text_length(db: sqlite_utils.Database | sqlite3.Connection) -> int:
    row = db.execute("SELECT max(length(text)) FROM transcripts").fetchone()
    return int(row[0] or 0)


def _max_id(db: sqlite_utils.Database | sqlite3.Connection, table: str) -> int:
    assert table in {"codes", "coders", "transcripts"}
    row = db.execute(f"SELECT max(id) FROM {table}").fetchone()
    return int(row[0] or 0)
