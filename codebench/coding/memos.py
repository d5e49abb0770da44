"""The memo workspace: every memo of a project with what it sits on, filtered, blind by default.

Memos sit on a segment or a coding (written in the workbench), on a whole
transcript, on a code, or on the project itself. :func:`memo_entries` lists
them for the memo screen, the ``memos`` command and the memo report, with
the place each one opens at. Memos stay blind like codings: a coder sees
only their own unless the lead view is asked for (``lead=True``), as the
workbench hides other coders' codings until ``o``.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from codebench.errors import CodebenchError, NotFound
from codebench.models import Code, Coder, Memo, Transcript
from codebench.store import memos as memo_sql
from codebench.store import transcripts as transcript_sql

if TYPE_CHECKING:
    from codebench.project import Project

#: What a memo can sit on, most specific first.
KINDS = ("coding", "segment", "transcript", "code", "project")


@dataclass(frozen=True)
class MemoEntry:
    """One memo and its place."""

    id: int
    guid: str
    author: str
    kind: str
    text: str
    transcript: str | None
    #: The ordinal of the segment it opens at (a coding's first segment), if any.
    segment: int | None
    code: Code | None
    updated_at: str

    @property
    def target(self) -> str:
        """Where the memo sits, in words: ``segment 4 of 01-ceo``, ``04 Funding``, ``the project``."""
        code = (self.code.number or self.code.name) if self.code is not None else ""
        if self.kind == "coding":
            return f"{code} at segment {self.segment} of {self.transcript}"
        if self.kind == "segment":
            return f"segment {self.segment} of {self.transcript}"
        if self.kind == "transcript":
            return (
                f"{code} in transcript {self.transcript}"
                if code
                else f"transcript {self.transcript}"
            )
        if self.kind == "code":
            return f"code {self.code.label if self.code is not None else '?'}"
        return "the project"


def memo_entries(
    project: Project,
    viewer: str | Coder,
    *,
    lead: bool = False,
    author: str | Coder | None = None,
    code: str | int | Code | None = None,
    transcript: str | int | Transcript | None = None,
    text: str | None = None,
) -> list[MemoEntry]:
    """Memos ``viewer`` may see (their own; everyone's with ``lead``), filtered.

    ``author``, ``code`` and ``transcript`` narrow to one of each; ``text``
    keeps memos containing it (case-insensitive). Asking for another
    coder's memos without the lead view is refused, not answered with
    nothing, so blind mode is never mistaken for "no memos".
    """
    me = project.coder(viewer)  # reading never creates a coder (a typo would become one)
    who = project.coder(author) if author is not None else None
    if who is not None and who.id != me.id and not lead:
        raise CodebenchError(
            f"memos are blind: {who.name}'s memos are shown only in the lead view (--lead)"
        )
    author_id = who.id if who is not None else (None if lead else me.id)
    t = project.transcript(transcript) if transcript is not None else None
    c = project.code(code) if code is not None else None
    rows = memo_sql.memo_listing(
        project.db,
        author_id=author_id,
        transcript_id=t.id if t is not None else None,
        code_id=c.id if c is not None else None,
    )
    codes = {k.id: k for k in project.codes(include_archived=True)}
    needle = (text or "").casefold()
    starts: dict[int, list[int]] = {}
    ordinals: dict[int, list[int]] = {}
    entries = []
    for row in rows:
        if needle and needle not in row["text"].casefold():
            continue
        segment = row["segment"]
        if row["coding_id"] is not None and row["transcript_id"] is not None:
            segment = _ordinal_at(
                project, starts, ordinals, row["transcript_id"], row["coding_start"]
            )
        entries.append(
            MemoEntry(
                id=row["id"],
                guid=row["guid"],
                author=row["author"] or "",
                kind=_kind(row),
                text=row["text"],
                transcript=row["transcript"],
                segment=segment,
                code=codes.get(row["code_id"]) if row["code_id"] is not None else None,
                updated_at=row["updated_at"],
            )
        )
    return entries


def _kind(row: dict[str, Any]) -> str:
    if row["coding_id"] is not None:
        return "coding"
    if row["segment_id"] is not None:
        return "segment"
    if row["transcript_id"] is not None:
        return "transcript"
    return "code" if row["code_id"] is not None else "project"


def _ordinal_at(
    project: Project,
    starts: dict[int, list[int]],
    ordinals: dict[int, list[int]],
    transcript_id: int,
    offset: int,
) -> int | None:
    """The ordinal of the segment holding character ``offset`` (segment starts read once per transcript)."""
    if transcript_id not in starts:
        segments = transcript_sql.list_segments(project.db, transcript_id, with_text=False)
        starts[transcript_id] = [s.start for s in segments]
        ordinals[transcript_id] = [s.ordinal for s in segments]
    found = bisect.bisect_right(starts[transcript_id], offset) - 1
    return ordinals[transcript_id][found] if found >= 0 else None


def own_memo_on(
    project: Project,
    coder: str | Coder,
    *,
    transcript: str | int | Transcript | None = None,
    code: str | int | Code | None = None,
) -> Memo | None:
    """The coder's memo on exactly this target (a transcript, a code, both, or the project), if any."""
    t = project.transcript(transcript) if transcript is not None else None
    c = project.code(code) if code is not None else None
    try:
        author = project.coder(coder)
    except NotFound:
        return None  # a coder not in the project yet has no memos
    for memo in project.memos(author=author):
        if (
            memo.segment_id is None
            and memo.coding_id is None
            and memo.transcript_id == (t.id if t is not None else None)
            and memo.code_id == (c.id if c is not None else None)
        ):
            return memo
    return None


def write_memo_on(
    project: Project,
    coder: str | Coder,
    text: str,
    *,
    transcript: str | int | Transcript | None = None,
    code: str | int | Code | None = None,
) -> str:
    """Add, update or (empty text) delete the coder's one memo on a target; returns what happened.

    ``""`` when nothing was to do (empty text and no memo there). Each
    change is one logged, undoable action.
    """
    existing = own_memo_on(project, coder, transcript=transcript, code=code)
    if existing is not None:
        if text == existing.text:
            return ""
        project.update_memo(coder, existing.id, text)
        return "memo updated" if text.strip() else "memo deleted"
    if not text.strip():
        return ""
    project.add_memo(coder, text, transcript=transcript, code=code)
    return "memo added"


def add_memo(
    project: Project,
    author: str | Coder,
    text: str,
    *,
    transcript: str | int | Transcript | None = None,
    code: str | int | Code | None = None,
) -> int:
    """A memo on a transcript, a code, both (a code's use in one interview), or the project (neither).

    One logged ``memo.add``, undoable like every memo.
    """
    return project.add_memo(author, text, transcript=transcript, code=code)
