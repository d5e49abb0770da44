"""SQL for transcript corrections: kept versions of a text, moved offsets, codings to review.

Schema in migration ``0010_text_versions``. A correction writes, in its
caller's transaction: the version rows, the new text, segment and coding
offsets (two passes for codings, so no intermediate state breaks their
uniqueness), the review flags, and the full-text index of the transcript.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite_utils


@dataclass(frozen=True)
class Version:
    """One text a transcript has had."""

    transcript_id: int
    version: int
    sha256: str
    made_by: int | None
    made_at: str
    reason: str
    #: The edits from the version before (stored lists, see ``textdiff.Edit.as_list``).
    edits: list[list[Any]] | None
    after_event: int


@dataclass(frozen=True)
class Review:
    """A coding a correction moved off its words: what it had, and why it needs a look."""

    coding_id: int
    reason: str
    version: int
    was: str


_VERSION_COLUMNS = "transcript_id, version, sha256, made_by, made_at, reason, edits, after_event"


def _version(row: Sequence[Any]) -> Version:
    tid, number, sha, by, at, reason, edits, after = row
    return Version(tid, number, sha, by, at, reason, json.loads(edits) if edits else None, after)


def versions(db: sqlite_utils.Database, transcript_id: int) -> list[Version]:
    """The kept versions of a transcript, oldest first (none until its first correction)."""
    return [
        _version(r)
        for r in db.execute(
            f"SELECT {_VERSION_COLUMNS} FROM transcript_versions WHERE transcript_id = ? ORDER BY version",
            [transcript_id],
        )
    ]


def version_text(db: sqlite_utils.Database, transcript_id: int, version: int) -> str | None:
    row = db.execute(
        "SELECT text FROM transcript_versions WHERE transcript_id = ? AND version = ?",
        [transcript_id, version],
    ).fetchone()
    return row[0] if row else None


def versions_with_sha(db: sqlite_utils.Database, sha256: str) -> list[Version]:
    """Kept versions (of any transcript) whose text has this hash."""
    return [
        _version(r)
        for r in db.execute(
            f"SELECT {_VERSION_COLUMNS} FROM transcript_versions WHERE sha256 = ? ORDER BY transcript_id, version",
            [sha256],
        )
    ]


def insert_version(db: sqlite_utils.Database, values: dict[str, Any]) -> None:
    values = dict(values)
    if values.get("edits") is not None:
        values["edits"] = json.dumps(values["edits"], ensure_ascii=False)
    columns = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    db.execute(
        f"INSERT INTO transcript_versions ({columns}) VALUES ({marks})", list(values.values())
    )


def delete_version(db: sqlite_utils.Database, transcript_id: int, version: int) -> None:
    db.execute(
        "DELETE FROM transcript_versions WHERE transcript_id = ? AND version = ?",
        [transcript_id, version],
    )


def set_text(db: sqlite_utils.Database, transcript_id: int, text: str, sha256: str) -> None:
    """Make a kept version the transcript's text (a trigger refuses any other text)."""
    db.execute(
        "UPDATE transcripts SET text = ?, sha256 = ? WHERE id = ?", [text, sha256, transcript_id]
    )


def sha_owner(db: sqlite_utils.Database, sha256: str) -> str | None:
    """The name of the transcript whose text has this hash, if any."""
    row = db.execute("SELECT name FROM transcripts WHERE sha256 = ?", [sha256]).fetchone()
    return row[0] if row else None


def coding_rows(db: sqlite_utils.Database, transcript_id: int) -> list[tuple[Any, ...]]:
    """Every coding of the transcript (all coders): id, coder GUID, code GUID, start, end, created."""
    return list(
        db.execute(
            "SELECT c.id, k.guid, d.guid, c.start_char, c.end_char, c.created_at FROM codings c"
            " JOIN coders k ON k.id = c.coder_id JOIN codes d ON d.id = c.code_id"
            " WHERE c.transcript_id = ? ORDER BY c.id",
            [transcript_id],
        )
    )


def segment_rows(db: sqlite_utils.Database, transcript_id: int) -> list[tuple[int, int, int, int]]:
    """Every segment of the transcript in order: id, ordinal, start, end."""
    return list(
        db.execute(
            "SELECT id, ordinal, start_char, end_char FROM segments WHERE transcript_id = ? ORDER BY ordinal",
            [transcript_id],
        )
    )


def move_segments(db: sqlite_utils.Database, moves: Iterable[tuple[int, int, int]]) -> None:
    """Set ``(segment id, start, end)``; the caller re-indexes the transcript afterwards."""
    db.conn.executemany(
        "UPDATE segments SET start_char = ?, end_char = ? WHERE id = ?",
        [(start, end, sid) for sid, start, end in moves],
    )


def move_codings(db: sqlite_utils.Database, moves: Sequence[tuple[int, int, int]]) -> None:
    """Set ``(coding id, start, end)`` for many codings at once.

    Codings are unique by span, and one moving onto the old place of another
    would collide half-way, so each first goes to a place no coding can hold
    (negative offsets of its own id), then to its new span.
    """
    db.conn.executemany(
        "UPDATE codings SET start_char = ?, end_char = ? WHERE id = ?",
        [(-2 * cid - 2, -2 * cid - 1, cid) for cid, _, _ in moves],
    )
    db.conn.executemany(
        "UPDATE codings SET start_char = ?, end_char = ? WHERE id = ?",
        [(start, end, cid) for cid, start, end in moves],
    )


def reviews(db: sqlite_utils.Database, transcript_id: int | None = None) -> list[Review]:
    """Codings flagged for review (of one transcript, or all), in text order."""
    sql = (
        "SELECT r.coding_id, r.reason, r.version, r.was FROM coding_reviews r"
        " JOIN codings c ON c.id = r.coding_id"
    )
    params: list[Any] = []
    if transcript_id is not None:
        sql += " WHERE c.transcript_id = ?"
        params.append(transcript_id)
    sql += " ORDER BY c.transcript_id, c.start_char, c.id"
    return [Review(*r) for r in db.execute(sql, params)]


def set_reviews(db: sqlite_utils.Database, flags: Iterable[tuple[int, str, int, str, str]]) -> None:
    """Flag ``(coding id, reason, version, was, at)``, replacing an earlier flag of the coding."""
    db.conn.executemany(
        "INSERT INTO coding_reviews (coding_id, reason, version, was, flagged_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (coding_id) DO UPDATE SET reason = excluded.reason, version = excluded.version,"
        " was = excluded.was, flagged_at = excluded.flagged_at",
        list(flags),
    )


def clear_reviews(db: sqlite_utils.Database, coding_ids: Iterable[int]) -> int:
    """Drop the review flags of these codings; returns how many there were."""
    ids = list(coding_ids)
    if not ids:
        return 0
    cursor = db.conn.executemany(
        "DELETE FROM coding_reviews WHERE coding_id = ?", [(i,) for i in ids]
    )
    return int(cursor.rowcount)


def review_rows(
    db: sqlite_utils.Database, transcript_id: int
) -> dict[int, tuple[str, int, str, str]]:
    """``{coding id: (reason, version, was, flagged_at)}`` for the transcript's flagged codings."""
    return {
        r[0]: (r[1], r[2], r[3], r[4])
        for r in db.execute(
            "SELECT r.coding_id, r.reason, r.version, r.was, r.flagged_at FROM coding_reviews r"
            " JOIN codings c ON c.id = r.coding_id WHERE c.transcript_id = ?",
            [transcript_id],
        )
    }


def repoint_memos(db: sqlite_utils.Database, from_coding: int, to_coding: int) -> list[str]:
    """Move the memos on one coding to another; returns their GUIDs."""
    guids = [r[0] for r in db.execute("SELECT guid FROM memos WHERE coding_id = ?", [from_coding])]
    db.execute("UPDATE memos SET coding_id = ? WHERE coding_id = ?", [to_coding, from_coding])
    return guids


def memos_to_coding(db: sqlite_utils.Database, guids: Sequence[str], coding_id: int) -> None:
    db.conn.executemany(
        "UPDATE memos SET coding_id = ? WHERE guid = ?", [(coding_id, g) for g in guids]
    )


def events_on_transcript_after(
    db: sqlite_utils.Database, transcript_id: int, after_id: int, actions: Sequence[str]
) -> list[tuple[int, int | None, str]]:
    """``(event id, coder id, action)`` of these actions on the transcript logged after ``after_id``."""
    marks = ", ".join("?" for _ in actions)
    return list(
        db.execute(
            f"SELECT id, coder_id, action FROM events WHERE transcript_id = ? AND id > ?"
            f" AND action IN ({marks}) ORDER BY id",
            [transcript_id, after_id, *actions],
        )
    )


def versions_since(
    db: sqlite_utils.Database, transcript_id: int, event_id: int
) -> list[tuple[list[list[Any]], str]]:
    """The edits and text of each version made current after event ``event_id``, oldest first."""
    return [
        (json.loads(r[0]), r[1])
        for r in db.execute(
            "SELECT edits, text FROM transcript_versions WHERE transcript_id = ? AND after_event >= ?"
            " AND edits IS NOT NULL ORDER BY version",
            [transcript_id, event_id],
        )
    ]


def later_versions(
    db: sqlite_utils.Database, transcript_id: int, version: int
) -> list[tuple[int, list[list[Any]], str]]:
    """``(version, edits, text)`` of each version after ``version``, oldest first."""
    return [
        (r[0], json.loads(r[1]), r[2])
        for r in db.execute(
            "SELECT version, edits, text FROM transcript_versions WHERE transcript_id = ?"
            " AND version > ? AND edits IS NOT NULL ORDER BY version",
            [transcript_id, version],
        )
    ]


def source_has_version(
    db: sqlite_utils.Database, schema: str, transcript_id: int, sha256: str
) -> bool:
    """Whether the attached project ``schema`` kept a version of its transcript with this hash.

    An attached file upgraded for a merge has the table, empty if it never
    had a correction.
    """
    row = db.execute(
        f"SELECT 1 FROM {schema}.transcript_versions WHERE transcript_id = ? AND sha256 = ?",
        [transcript_id, sha256],
    ).fetchone()
    return row is not None
