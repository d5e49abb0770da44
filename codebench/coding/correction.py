"""Correcting a transcript's text without losing codings.

Typos and mis-heard words are routine, and offsets index the text, so a
correction is one unit of work that keeps the old text as a version
(``transcript_versions``), carries every segment's and every coding's offsets
(all coders, consensus too) through the diff (:mod:`codebench.coding.textdiff`),
flags the codings that lost their words for review, re-indexes the
transcript for search and logs one ``transcript.correct`` event, which undo
and redo (:mod:`codebench.coding.history`) replay exactly.

Decisions, each for a reason:

* A segment the correction would empty is refused, naming it: segments keep
  their ordinals (assignments, memos and samples name them), and an empty
  segment cannot be coded or shown.
* Two codings of one coder and code that land on the same span become one
  (the older); memos of the other move to it; undo brings the other back.
* A coding whose every character was deleted is kept on one character where
  its text was, flagged ``orphaned`` with the text it had, never dropped.
* Undo and redo of a correction are refused once another coder has changed
  codings of the transcript since (their offsets are in the new text):
  correcting again is the way back then.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from codebench.coding.textdiff import (
    CLAMPED,
    EDITED,
    EXACT,
    ORPHANED,
    Edit,
    OffsetMap,
    apply_edits,
    diff_texts,
    inverse,
    with_sides,
)
from codebench.errors import CodebenchError
from codebench.ids import now
from codebench.ingest.decode import normalise_newlines
from codebench.models import Coder, Event, Transcript
from codebench.safety import one_line, safe_text_and_sha256
from codebench.store import codings as coding_sql
from codebench.store import events as event_sql
from codebench.store import versions as version_sql
from codebench.store.analysis import index_transcript

if TYPE_CHECKING:
    from codebench.project import Project

ACTION = "transcript.correct"
#: How much of a coding's old text a review flag keeps.
_WAS_LIMIT = 200
#: Actions by another coder after a correction that block undoing it (they wrote offsets into the new text).
_BLOCKING = ("coding.add", "coding.remove", ACTION, "undo", "redo")
_FATE_RANK = {EXACT: 0, EDITED: 1, CLAMPED: 2, ORPHANED: 3}


@dataclass(frozen=True)
class ReviewItem:
    """A coding a correction left for review: who, which code, where, and the text it had."""

    coding_id: int
    transcript: str
    coder: str
    code: str
    start: int
    end: int
    reason: str
    was: str
    now: str

    def describe(self) -> str:
        """One line, e.g. ``alice 03 Trust at 120–128, clamped: "teh bigg" now "the big"``."""
        if self.reason == ORPHANED:
            return f"{self.coder} {self.code} at {self.start}, orphaned: its text {one_line(self.was)!r} was deleted"
        return (
            f"{self.coder} {self.code} at {self.start}–{self.end}, {self.reason}: "
            f"{one_line(self.was)!r} now {one_line(self.now)!r}"
        )


@dataclass
class CorrectionResult:
    """What a correction did, for the CLI's and the workbench's one-line reports."""

    transcript: str
    changed: bool
    version: int = 0
    edits: int = 0
    moved: int = 0
    merged: int = 0
    review: list[ReviewItem] = field(default_factory=list)

    @property
    def clamped(self) -> list[ReviewItem]:
        return [r for r in self.review if r.reason == CLAMPED]

    @property
    def orphaned(self) -> list[ReviewItem]:
        return [r for r in self.review if r.reason == ORPHANED]

    def summary(self) -> str:
        """The report line: what changed, and how many codings need review."""
        if not self.changed:
            return f"{self.transcript}: no change to the text; nothing written"
        plural = "s" if self.edits != 1 else ""
        line = (
            f"corrected {self.transcript} (version {self.version}, {self.edits} edit{plural}): "
            f"{self.moved} coding{'s' if self.moved != 1 else ''} moved, "
            f"{len(self.clamped)} clamped, {len(self.orphaned)} orphaned"
        )
        if self.merged:
            line += f", {self.merged} merged into an identical coding"
        return line


# ---------------------------------------------------------------------------- entry points


def correct_text(
    project: Project,
    transcript: str | int | Transcript,
    new_text: str,
    coder: str | Coder,
    *,
    reason: str = "",
    based_on: str | None = None,
) -> CorrectionResult:
    """Replace a transcript's whole text with a corrected one, keeping every coding.

    ``new_text`` is untrusted (an editor's file): line endings are made
    ``\\n`` and control characters visible, as on import. No change writes
    nothing. ``based_on``, the sha256 of the text the edit started from:
    refused if the text changed since (someone else corrected it meanwhile).
    """
    t = _current(project, transcript, based_on)
    text, sha = safe_text_and_sha256(normalise_newlines(new_text))
    old = project.text(t)
    if text == old:
        return CorrectionResult(t.name, changed=False)
    return _correct(project, t, old, text, sha, _text_edits(project, t, old, text), coder, reason)


def check_may_correct(project: Project) -> None:
    """Refuse now, before anyone types a correction, if this copy may not correct transcripts
    (a coder's team copy: the lead owns them); the same check the correction meets when logged."""
    from codebench.store import ownership

    ownership.check(project.db, ACTION, {}, None)


def take_correction(
    project: Project, transcript: Transcript, new_text: str, sha256: str, by: Coder, reason: str
) -> CorrectionResult:
    """Carry a correction made in another copy (the lead's, pulled from a hub) into this one.

    The same word-aware remap as :func:`correct_text`: every coding here
    (this copy's own, not yet pushed, too) is carried through the diff, and
    those that lost words are flagged for review. Runs in the caller's
    transaction and logs no event: this copy did not make the correction,
    so it is not this copy's to undo. ``new_text`` was made safe where it
    was corrected.
    """
    old = project.text(transcript)
    if new_text == old:
        return CorrectionResult(transcript.name, changed=False)
    edits = _text_edits(project, transcript, old, new_text)
    result, _payload = _apply(project, transcript, old, new_text, sha256, edits, by, reason, now())
    return result


def _text_edits(project: Project, t: Transcript, old: str, new: str) -> list[Edit]:
    """The diff from ``old`` to ``new``, each insertion given to the segment it joins.

    Text inserted at a segment's end joins it; at a segment's start with
    nothing just before it (the text's start, a gap between turns), that one.
    """
    rows = version_sql.segment_rows(project.db, t.id)
    ends = {r[3] for r in rows}
    return with_sides(diff_texts(old, new), ends, {r[2] for r in rows if r[2] not in ends})


def correct_segment(
    project: Project,
    transcript: str | int | Transcript,
    ordinal: int,
    new_text: str,
    coder: str | Coder,
    *,
    reason: str = "",
    based_on: str | None = None,
) -> CorrectionResult:
    """Replace one segment's text; the edit stays inside that segment (text typed at its start joins it)."""
    t = _current(project, transcript, based_on)
    bounds = next((r for r in version_sql.segment_rows(project.db, t.id) if r[1] == ordinal), None)
    if bounds is None:
        project.segment(t, ordinal)  # raises, naming the segments there are
        raise AssertionError(ordinal)
    return correct_range(
        project, t, bounds[2], bounds[3], new_text, coder, reason=reason, what=ordinal
    )


def _current(
    project: Project, transcript: str | int | Transcript, based_on: str | None = None
) -> Transcript:
    """The transcript as stored now (a caller's object may predate another correction).

    ``based_on``, the sha256 of the text an edit started from: refused if the
    text is no longer that one (someone else corrected it meanwhile).
    """
    t = project.transcript(project.transcript(transcript).id)
    if based_on is not None and based_on != t.sha256:
        raise CodebenchError(
            f"the text of {t.name!r} was changed elsewhere while you edited it; nothing written"
        )
    return t


def correct_range(
    project: Project,
    transcript: str | int | Transcript,
    start: int,
    end: int,
    replacement: str,
    coder: str | Coder,
    *,
    reason: str = "",
    what: int | None = None,
) -> CorrectionResult:
    """Replace the characters ``start``–``end`` of a transcript's text with ``replacement``."""
    t = _current(project, transcript)
    old = project.text(t)
    if not 0 <= start <= end <= len(old):
        raise CodebenchError(f"range {start}–{end} is outside transcript {t.name!r} (0–{len(old)})")
    piece = safe_text_and_sha256(normalise_newlines(replacement))[0]
    if what is not None and not piece.strip():
        raise CodebenchError(
            f"segment {what} of {t.name!r} cannot be emptied (segments keep their numbers);"
            " keep at least a word of it"
        )
    if piece == old[start:end]:
        return CorrectionResult(t.name, changed=False)
    text, sha = safe_text_and_sha256(old[:start] + piece + old[end:])
    local = diff_texts(old[start:end], piece)
    edits = [
        Edit(e.old_start + start, e.old_end + start, e.new_start + start, e.new_end + start)
        for e in local
    ]
    edits = with_sides(edits, {end}, {start})
    return _correct(project, t, old, text, sha, edits, coder, reason)


def needing_review(
    project: Project, transcript: str | int | Transcript | None = None
) -> list[ReviewItem]:
    """Codings flagged by corrections (of one transcript, or all), in text order."""
    t = project.transcript(transcript) if transcript is not None else None
    flags = version_sql.reviews(project.db, t.id if t is not None else None)
    if not flags:
        return []
    coders = {k.id: k.name for k in project.coders()}
    names = {x.id: x.name for x in project.transcripts()}
    texts: dict[int, str] = {}
    out = []
    for flag in flags:
        coding = coding_sql.get_coding(project.db, flag.coding_id)
        if coding is None:
            continue
        if coding.transcript_id not in texts:
            texts[coding.transcript_id] = project.text(coding.transcript_id)
        out.append(
            ReviewItem(
                coding_id=coding.id,
                transcript=names.get(coding.transcript_id, ""),
                coder=coders.get(coding.coder_id, ""),
                code=project.code_by_id(coding.code_id).label,
                start=coding.start,
                end=coding.end,
                reason=flag.reason,
                was=flag.was,
                now=texts[coding.transcript_id][coding.start : coding.end],
            )
        )
    return out


def mark_reviewed(project: Project, coding_ids: Sequence[int]) -> int:
    """Clear the review flags of these codings (the coder has looked at them)."""
    with project.transaction():
        return version_sql.clear_reviews(project.db, coding_ids)


def versions(project: Project, transcript: str | int | Transcript) -> list[version_sql.Version]:
    """The kept versions of a transcript's text, oldest first (none if never corrected)."""
    return version_sql.versions(project.db, project.transcript(transcript).id)


# ---------------------------------------------------------------------------- the work


def _correct(
    project: Project,
    t: Transcript,
    old: str,
    new: str,
    sha: str,
    edits: list[Edit],
    coder: str | Coder,
    reason: str,
) -> CorrectionResult:
    k = project.coder(coder, create=True)
    with project.transaction():
        result, payload = _apply(project, t, old, new, sha, edits, k, reason, now())
        event_sql.log(project.db, ACTION, payload, coder_id=k.id, transcript_id=t.id)
    return result


def _apply(
    project: Project,
    t: Transcript,
    old: str,
    new: str,
    sha: str,
    edits: list[Edit],
    k: Coder,
    reason: str,
    made_at: str,
    after: int | None = None,
) -> tuple[CorrectionResult, dict[str, Any]]:
    """Write one correction in the caller's transaction; returns the result and the event payload.

    Everything the undo needs and cannot recompute goes into the payload:
    the spans the inverse diff would not restore, the codings merged away,
    and the review flags the correction replaced.
    """
    db = project.db
    if not new.strip():
        raise CodebenchError(f"transcript {t.name!r} cannot be corrected to empty text")
    owner = version_sql.sha_owner(db, sha)
    if owner is not None and owner != t.name:
        raise CodebenchError(
            f"the corrected text of {t.name!r} is identical to transcript {owner!r}; nothing written"
        )
    forward = OffsetMap(edits, new)
    backward = OffsetMap(inverse(edits), old)

    segment_moves, segment_records = _segments(db, t, old, forward, backward)
    kept = version_sql.versions(db, t.id)
    first = not kept
    number = (kept[-1].version if kept else 1) + 1
    stamp = now()
    previous_flags = version_sql.review_rows(db, t.id)

    taken: dict[tuple[str, str, int, int], int] = {}
    moves: list[tuple[int, int, int]] = []
    coding_records: list[list[Any]] = []
    merged: list[tuple[int, int, list[Any]]] = []
    flags: list[tuple[int, str, int, str, str]] = []
    flag_records: list[list[Any]] = []
    flagged_ids: list[tuple[int, str]] = []
    rows = version_sql.coding_rows(db, t.id)
    mapped = {r[0]: forward.span(r[3], r[4]) for r in rows}
    # Where two land on one span, the one that kept its words survives (then the older).
    for cid, coder_guid, code_guid, s, e, created in sorted(
        rows, key=lambda r: (_FATE_RANK[mapped[r[0]][2]], r[0])
    ):
        ns, ne, fate = mapped[cid]
        key = (coder_guid, code_guid, ns, ne)
        survivor = taken.get(key)
        prev = previous_flags.get(cid)
        if survivor is not None:
            merged.append(
                (cid, survivor, [coder_guid, code_guid, s, e, ns, ne, created, list(prev or ())])
            )
            continue
        taken[key] = cid
        if (ns, ne) != (s, e):
            moves.append((cid, ns, ne))
        if backward.span(ns, ne)[:2] != (s, e):
            coding_records.append([coder_guid, code_guid, s, e, ns, ne])
        if fate in (CLAMPED, ORPHANED):
            was = old[s:e][:_WAS_LIMIT]
            flags.append((cid, fate, number, was, stamp))
            flag_records.append([coder_guid, code_guid, ns, ne, list(prev) if prev else None])
            flagged_ids.append((cid, fate))

    if first:
        version_sql.insert_version(
            db,
            {
                "transcript_id": t.id,
                "version": 1,
                "text": old,
                "sha256": t.sha256,
                "made_by": None,
                "made_at": t.imported_at,
                "reason": "imported",
                "edits": None,
                "after_event": 0,
            },
        )
    # Events up to this one recorded offsets in the text before; a redo keeps
    # the original's mark (the events between the correction and its undo are
    # in the corrected text, and nobody else's can follow the undo: redo is
    # refused then).
    after_event = event_sql.last_event_id(db) if after is None else after
    stored_edits = [e.as_list(old, new) for e in edits]
    version_sql.insert_version(
        db,
        {
            "transcript_id": t.id,
            "version": number,
            "text": new,
            "sha256": sha,
            "made_by": k.id,
            "made_at": made_at,
            "reason": reason,
            "edits": stored_edits,
            "after_event": after_event,
        },
    )
    version_sql.set_text(db, t.id, new, sha)
    version_sql.move_segments(db, segment_moves)
    merged_memos: list[list[str]] = []
    for cid, survivor, _record in merged:
        merged_memos.append(version_sql.repoint_memos(db, cid, survivor))
        coding_sql.delete_coding(db, cid)
    version_sql.move_codings(db, moves)
    version_sql.set_reviews(db, flags)
    index_transcript(db, t.id, new, _to_index(db, t.id, segment_moves, edits))

    payload: dict[str, Any] = {
        "transcript": t.guid,
        "version": number,
        "first": first,
        "before": t.sha256,
        "after": sha,
        "reason": reason,
        "made_at": made_at,
        "after_event": after_event,
        "edits": stored_edits,
        "segments": segment_records,
        "codings": coding_records,
        "merged": [record + [memos] for (_, _, record), memos in zip(merged, merged_memos)],
        "flags": flag_records,
    }
    flagged = dict(flagged_ids)
    review = [
        _review_item(project, t, cid, coder_guid, code_guid, ns, ne, flagged[cid], old[s:e], new)
        for cid, coder_guid, code_guid, s, e, _ in rows
        if cid in flagged
        for ns, ne, _fate in [mapped[cid]]
    ]
    result = CorrectionResult(
        transcript=t.name,
        changed=True,
        version=number,
        edits=len(edits),
        moved=len(moves),
        merged=len(merged),
        review=review,
    )
    return result, payload


def _segments(
    db: Any, t: Transcript, old: str, forward: OffsetMap, backward: OffsetMap
) -> tuple[list[tuple[int, int, int]], list[list[int]]]:
    """New bounds of the moved segments, and the ones the inverse diff would not restore.

    Refuses (naming them) if the correction would empty a segment.
    """
    moves: list[tuple[int, int, int]] = []
    records: list[list[int]] = []
    emptied: list[str] = []
    for sid, ordinal, s, e in version_sql.segment_rows(db, t.id):
        ns = forward.position(s, end=False)[0]
        ne = forward.position(e)[0]
        if ns >= ne:
            emptied.append(f"{ordinal} ({one_line(old[s:e])[:40]!r})")
            continue
        if (ns, ne) != (s, e):
            moves.append((sid, ns, ne))
        if (backward.position(ns, end=False)[0], backward.position(ne)[0]) != (s, e):
            records.append([ordinal, s, e, ns, ne])
    if emptied:
        raise CodebenchError(
            f"the correction would empty segment{'s' if len(emptied) > 1 else ''} "
            f"{', '.join(emptied[:5])} of {t.name!r}; segments keep their numbers, so keep at least"
            " a word of each (nothing written)"
        )
    return moves, records


def _to_index(
    db: Any, transcript_id: int, moves: list[tuple[int, int, int]], edits: list[Edit]
) -> list[int]:
    """Segments whose index entry is stale: moved, or holding a changed run (in the new text)."""
    from bisect import bisect_right

    ids = {sid for sid, _, _ in moves}
    rows = version_sql.segment_rows(db, transcript_id)
    starts = [r[2] for r in rows]
    for e in edits:
        at = bisect_right(starts, e.new_end) - 1
        while at >= 0 and rows[at][3] >= e.new_start:  # segments never overlap: a short walk
            ids.add(rows[at][0])
            at -= 1
    return sorted(ids)


def _review_item(
    project: Project,
    t: Transcript,
    cid: int,
    coder_guid: str,
    code_guid: str,
    start: int,
    end: int,
    reason: str,
    was: str,
    new: str,
) -> ReviewItem:
    coder = next((c.name for c in project.coders() if c.guid == coder_guid), coder_guid)
    code = project.code(code_guid).label if code_guid else ""
    return ReviewItem(
        cid, t.name, coder, code, start, end, reason, was[:_WAS_LIMIT], new[start:end]
    )


# ---------------------------------------------------------------------------- undo and redo


def perform(project: Project, coder: Coder, event: Event, forward: bool) -> None:
    """Redo (``forward``) or undo a ``transcript.correct`` event, in the caller's transaction."""
    from codebench.store import transcripts as transcript_sql

    payload = event.payload
    t = transcript_sql.find_transcript(project.db, "guid", payload["transcript"])
    if t is None:
        raise CodebenchError("that transcript no longer exists")
    verb = "redo" if forward else "undo"
    expected = payload["before"] if forward else payload["after"]
    if t.sha256 != expected:
        raise CodebenchError(
            f"cannot {verb} correcting {t.name!r}: its text was corrected again since"
        )
    _refuse_if_others_changed(project, coder, t, event, forward)
    old = project.text(t)
    edits = [Edit.from_list(e) for e in payload["edits"]]
    if forward:
        new = apply_edits(old, [(e, str(raw[6])) for e, raw in zip(edits, payload["edits"])])
        new, sha = safe_text_and_sha256(new)
        if sha != payload["after"]:
            raise CodebenchError(f"cannot redo correcting {t.name!r}: the text does not match")
        _apply(
            project,
            t,
            old,
            new,
            sha,
            edits,
            coder,
            str(payload.get("reason", "")),
            str(payload.get("made_at") or now()),
            after=int(payload.get("after_event", event.id - 1)),
        )
        return
    _revert(project, t, payload, edits)


def _refuse_if_others_changed(
    project: Project, coder: Coder, t: Transcript, event: Event, forward: bool
) -> None:
    """Refuse when another coder has written offsets of the transcript since this correction took effect."""
    since = event.id
    if not forward:
        kept = version_sql.versions(project.db, t.id)
        if kept:
            since = kept[-1].after_event
    else:
        undos = event_sql.list_events(
            project.db, coder_id=coder.id, actions=("undo",), after_id=event.id
        )
        matching = [u.id for u in undos if u.payload.get("event") == event.guid]
        if matching:
            since = matching[-1]
    for _eid, coder_id, _action in version_sql.events_on_transcript_after(
        project.db, t.id, since, _BLOCKING
    ):
        if coder_id != coder.id:
            verb = "redo" if forward else "undo"
            raise CodebenchError(
                f"cannot {verb} correcting {t.name!r}: another coder has changed its codings since;"
                " correct the text again instead"
            )


def _revert(project: Project, t: Transcript, payload: dict[str, Any], edits: list[Edit]) -> None:
    """Put back the text, offsets and review flags a correction changed."""
    db = project.db
    number = int(payload["version"])
    old = version_sql.version_text(db, t.id, number - 1)
    if old is None:
        raise CodebenchError(f"cannot undo correcting {t.name!r}: its earlier version is missing")
    new = project.text(t)
    backward = OffsetMap(inverse(edits), old)

    # Codings: recorded spans as they were, the rest back through the inverse diff.
    rows = version_sql.coding_rows(db, t.id)
    by_key = {(r[1], r[2], r[3], r[4]): r[0] for r in rows}
    recorded = {
        by_key[(c, d, ns, ne)]: (s, e)
        for c, d, s, e, ns, ne in payload.get("codings", [])
        if (c, d, ns, ne) in by_key
    }
    flag_ids = [
        (by_key.get((c, d, ns, ne)), prev) for c, d, ns, ne, prev in payload.get("flags", [])
    ]
    moves = []
    for cid, _c, _d, s, e, _ in rows:
        back = recorded.get(cid) or backward.span(s, e)[:2]
        if back != (s, e):
            moves.append((cid, back[0], back[1]))

    version_sql.set_text(db, t.id, old, str(payload["before"]))
    version_sql.delete_version(db, t.id, number)
    if payload.get("first"):
        version_sql.delete_version(db, t.id, 1)

    segment_records = {r[0]: (r[1], r[2]) for r in payload.get("segments", [])}
    segment_moves = []
    for sid, ordinal, s, e in version_sql.segment_rows(db, t.id):
        back = segment_records.get(ordinal) or (
            backward.position(s, end=False)[0],
            backward.position(e)[0],
        )
        if back != (s, e):
            segment_moves.append((sid, back[0], back[1]))
    version_sql.move_segments(db, segment_moves)
    version_sql.move_codings(db, moves)

    restore = [(cid, *prev) for cid, prev in flag_ids if cid is not None and prev]
    version_sql.clear_reviews(db, [cid for cid, prev in flag_ids if cid is not None and not prev])
    version_sql.set_reviews(db, [tuple(r) for r in restore])

    coders = {c.guid: c.id for c in project.coders()}
    for c, d, s, e, _ns, _ne, created, prev, memos in payload.get("merged", []):
        code = project.code(d)
        cid = coding_sql.insert_coding(db, coders[c], code.id, t.id, s, e, created)
        if cid is None:
            continue
        version_sql.memos_to_coding(db, memos, cid)
        if prev:
            version_sql.set_reviews(db, [(cid, *prev)])
    index_transcript(db, t.id, old, _to_index(db, t.id, segment_moves, inverse(edits)))
    del new


def offsets_through_versions(
    project: Project, transcript_id: int, event_id: int, start: int, end: int
) -> tuple[int, int]:
    """A span an event logged ``event_id`` recorded, carried through the corrections made since."""
    for edits, text in version_sql.versions_since(project.db, transcript_id, event_id):
        start, end, _ = OffsetMap([Edit.from_list(e) for e in edits], text).span(start, end)
    return start, end


@dataclass
class VersionChain:
    """How offsets into an older version of a transcript's text reach its current text."""

    transcript_id: int
    #: The version the offsets index, and the transcript's current one.
    version: int
    current: int
    maps: list[OffsetMap]

    def span(self, start: int, end: int) -> tuple[int, int, str]:
        """The span carried through every later correction, and the worst fate it met."""
        worst = EXACT
        for step in self.maps:
            start, end, fate = step.span(start, end)
            worst = max(worst, fate, key=_FATE_RANK.__getitem__)
        return start, end, worst


def chain_from(db: Any, sha256: str) -> VersionChain | None:
    """The corrections leading from the kept version with this text hash to its transcript's text now.

    ``None`` when no transcript here ever had that text as an earlier
    version (merge and REFI-QDA import then refuse to place offsets into it).
    """
    for found in reversed(version_sql.versions_with_sha(db, sha256)):
        later = version_sql.later_versions(db, found.transcript_id, found.version)
        if not later:
            continue  # the current text itself: matched by its hash already
        maps = [OffsetMap([Edit.from_list(e) for e in edits], text) for _, edits, text in later]
        return VersionChain(found.transcript_id, found.version, later[-1][0], maps)
    return None


def flag_for_review(db: Any, coding_id: int, fate: str, version: int, was: str) -> None:
    """Flag a coding carried into a corrected text that lost its words (merge, import)."""
    if fate in (CLAMPED, ORPHANED):
        version_sql.set_reviews(db, [(coding_id, fate, version, was[:_WAS_LIMIT], now())])


__all__ = [
    "ACTION",
    "EXACT",
    "CorrectionResult",
    "ReviewItem",
    "correct_range",
    "correct_segment",
    "correct_text",
    "mark_reviewed",
    "needing_review",
    "perform",
    "take_correction",
]
