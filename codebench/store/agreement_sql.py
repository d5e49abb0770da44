"""SQL for the agreement report and the consensus workflow.

Bulk reads shaped for numpy: the agreement code turns these row tuples into
arrays once, instead of building a dataclass per coding. Nothing here writes;
adjudication writes through :class:`~codebench.project.Project`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite_utils

#: Stay under SQLite's default limit on bound parameters per statement.
_CHUNK = 900


def _chunks(ids: Sequence[int]) -> list[list[int]]:
    ids = list(ids)
    return [ids[i : i + _CHUNK] for i in range(0, len(ids), _CHUNK)] or [[]]


def _marks(ids: Sequence[int]) -> str:
    return ", ".join("?" for _ in ids) if ids else "NULL"


def segment_rows(
    db: sqlite_utils.Database, transcript_ids: Sequence[int]
) -> list[tuple[int, int, int, int, int, int]]:
    """``(transcript_id, ordinal, start, end, codable, turn)`` of every segment, by transcript then ordinal."""
    out: list[tuple[int, int, int, int, int, int]] = []
    for chunk in _chunks(transcript_ids):
        if not chunk:
            continue
        out.extend(
            db.execute(
                "SELECT transcript_id, ordinal, start_char, end_char, codable, turn FROM segments"
                f" WHERE transcript_id IN ({_marks(chunk)}) ORDER BY transcript_id, ordinal",
                chunk,
            ).fetchall()
        )
    return out


def coding_rows(
    db: sqlite_utils.Database,
    coder_ids: Sequence[int],
    transcript_ids: Sequence[int],
    code_ids: Sequence[int] | None = None,
) -> list[tuple[int, int, int, int, int]]:
    """``(coder_id, code_id, transcript_id, start, end)`` of the given coders' codings in the given transcripts."""
    return _select_codings(
        db,
        "coder_id, code_id, transcript_id, start_char, end_char",
        "",
        coder_ids,
        transcript_ids,
        code_ids,
    )


def _select_codings(
    db: sqlite_utils.Database,
    columns: str,
    group_by: str,
    coder_ids: Sequence[int],
    transcript_ids: Sequence[int],
    code_ids: Sequence[int] | None,
) -> list[Any]:
    """Rows of ``columns`` (code_id second) over the coders' codings in the transcripts,
    a chunk of transcripts at a time; a long code list is filtered here, not in SQL."""
    if not coder_ids or not transcript_ids or (code_ids is not None and not code_ids):
        return []
    out: list[Any] = []
    coder_list = list(coder_ids)
    code_clause = ""
    code_params: list[Any] = []
    if code_ids is not None and len(code_ids) <= _CHUNK // 2:
        code_clause = f" AND code_id IN ({_marks(code_ids)})"
        code_params = list(code_ids)
    wanted = set(code_ids) if code_ids is not None and not code_clause else None
    for chunk in _chunks(transcript_ids):
        rows = db.execute(
            f"SELECT {columns} FROM codings"
            f" WHERE coder_id IN ({_marks(coder_list)}) AND transcript_id IN ({_marks(chunk)}){code_clause}"
            + group_by,
            [*coder_list, *chunk, *code_params],
        ).fetchall()
        if wanted is not None:
            rows = [r for r in rows if r[1] in wanted]
        out.extend(rows)
    return out


def segment_columns(
    db: sqlite_utils.Database, transcript_ids: Sequence[int]
) -> list[tuple[int, int, str]]:
    """``(transcript_id, count, "ordinal,start,end,codable,turn,...")`` per transcript.

    The same values as :func:`segment_rows`, one text per transcript instead of a
    tuple per segment: SQLite builds the text, numpy parses it in one call, and
    no Python object is made per segment. The order within a text is not
    guaranteed (SQLite 3.40 has no ordered aggregates): the caller sorts.
    """
    out: list[tuple[int, int, str]] = []
    for chunk in _chunks(transcript_ids):
        if not chunk:
            continue
        out.extend(
            db.execute(
                "SELECT transcript_id, count(*), group_concat(ordinal || ',' || start_char || ','"
                " || end_char || ',' || codable || ',' || turn) FROM segments"
                f" WHERE transcript_id IN ({_marks(chunk)}) GROUP BY transcript_id",
                chunk,
            ).fetchall()
        )
    return out


def coding_columns(
    db: sqlite_utils.Database,
    coder_ids: Sequence[int],
    transcript_ids: Sequence[int],
    code_ids: Sequence[int] | None = None,
) -> list[tuple[int, int, int, int, str, str]]:
    """``(coder_id, code_id, transcript_id, count, "start,start,...", "end,end,...")`` per group.

    The codings of :func:`coding_rows`, one row per (coder, code, transcript)
    with the starts and the ends as two texts (see :func:`segment_columns` for
    why). Both aggregates see the group's rows in one order, so the i-th start
    and the i-th end are one coding's; that order itself is not guaranteed.
    """
    return _select_codings(
        db,
        "coder_id, code_id, transcript_id, count(*), group_concat(start_char), group_concat(end_char)",
        " GROUP BY coder_id, code_id, transcript_id",
        coder_ids,
        transcript_ids,
        code_ids,
    )


def last_coded_offsets(
    db: sqlite_utils.Database, coder_ids: Sequence[int], transcript_ids: Sequence[int]
) -> dict[tuple[int, int], int]:
    """``{(coder_id, transcript_id): end offset of the coder's last coding}`` (any code)."""
    if not coder_ids or not transcript_ids:
        return {}
    out: dict[tuple[int, int], int] = {}
    for chunk in _chunks(transcript_ids):
        for coder_id, transcript_id, end in db.execute(
            "SELECT coder_id, transcript_id, max(end_char) FROM codings"
            f" WHERE coder_id IN ({_marks(coder_ids)}) AND transcript_id IN ({_marks(chunk)})"
            " GROUP BY coder_id, transcript_id",
            [*coder_ids, *chunk],
        ):
            out[(coder_id, transcript_id)] = int(end)
    return out


def coded_transcripts(db: sqlite_utils.Database, coder_ids: Sequence[int]) -> dict[int, set[int]]:
    """``{coder_id: transcript ids the coder has at least one coding in}``.

    Walks the distinct transcripts of the codings index one step each and asks
    the index once per (transcript, coder), instead of reading every coding:
    a few hundred index probes for millions of codings.
    """
    out: dict[int, set[int]] = {c: set() for c in coder_ids}
    if not coder_ids:
        return out
    for coder_id, transcript_id in db.execute(
        "WITH RECURSIVE seen(id) AS ("
        " SELECT (SELECT min(transcript_id) FROM codings)"
        " UNION ALL SELECT (SELECT min(transcript_id) FROM codings WHERE transcript_id > seen.id)"
        " FROM seen WHERE seen.id IS NOT NULL),"
        " wanted(id) AS (SELECT DISTINCT value FROM json_each(?))"
        " SELECT wanted.id, seen.id FROM seen JOIN wanted WHERE seen.id IS NOT NULL"
        " AND EXISTS (SELECT 1 FROM codings WHERE transcript_id = seen.id AND coder_id = wanted.id)",
        [json.dumps([int(c) for c in coder_ids])],
    ):
        out[coder_id].add(transcript_id)
    return out


def unit_codings(
    db: sqlite_utils.Database, transcript_id: int, start: int, end: int, coder_ids: Sequence[int]
) -> list[tuple[int, int, int, int]]:
    """``(coder_id, code_id, start, end)`` of the coders' codings overlapping ``start``-``end``."""
    if not coder_ids:
        return []
    return db.execute(
        "SELECT coder_id, code_id, start_char, end_char FROM codings"
        f" WHERE transcript_id = ? AND coder_id IN ({_marks(coder_ids)}) AND start_char < ? AND end_char > ?"
        " ORDER BY coder_id, code_id, start_char",
        [transcript_id, *coder_ids, end, start],
    ).fetchall()
