"""A coder's working state on one transcript, held in memory for the workbench.

The TUI asks a :class:`CodingSession` what to draw and tells it what the
coder did. Every action is committed at once through the core (one
transaction and one event each, so undo/redo and crash safety come from
:mod:`codebench.coding.actions`); the session then updates its in-memory index of
the coder's codings instead of re-reading them, which keeps a keystroke on a
project of a million codings well inside one frame. No Textual here: the
same object drives tests and benchmarks.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from codebench.coding.actions import apply_changes
from codebench.coding.correction import (
    ReviewItem,
    correct_segment,
    mark_reviewed,
    needing_review,
    offsets_through_versions,
)
from codebench.coding.history import (
    CODE_ACTIONS,
    CODING_ACTIONS,
    TEXT_ACTIONS,
    History,
    describe,
    redo,
    undo,
)
from codebench.coding.listing import overlapping_segments
from codebench.coding.memos import own_memo_on, write_memo_on
from codebench.coding.status import assigned_ordinals, uncoded_warning
from codebench.errors import CodebenchError, NotFound
from codebench.models import Code, Coder, Event, Memo, Segment, Transcript
from codebench.store import codings as coding_sql
from codebench.store import workbench as session_sql
from codebench.store.connection import checkpoint

if TYPE_CHECKING:
    from codebench.project import Project

Span = tuple[int, int]

#: WAL pages (4 KiB each) before SQLite checkpoints inside a commit while the
#: workbench defers checkpoints to idle moments (an action writes about ten).
DEFERRED_CHECKPOINT_PAGES = 10_000


@dataclass
class Outcome:
    """What an action did: a one-line message and the segments to redraw."""

    message: str
    changed: set[int] = field(default_factory=set)
    ok: bool = True
    #: The codebook changed (undoing or redoing an edit): the tree and every line redraw.
    codebook: bool = False
    #: The transcript's text changed (a correction, or its undo): every segment is laid out again.
    text: bool = False


@dataclass(frozen=True)
class OtherCoding:
    """Another coder's coding on a segment (shown only when blind mode is off)."""

    coder_id: int
    code_id: int
    whole: bool


def segment_label(ordinals: Sequence[int]) -> str:
    """``segment 4`` or ``segments 4–9`` (ordinals as the CLI shows them)."""
    if not ordinals:
        return "no segment"
    first, last = min(ordinals), max(ordinals)
    return f"segment {first}" if first == last else f"segments {first}–{last}"


@contextlib.contextmanager
def friendly_errors(project: Project, transcript: Transcript | None = None) -> Iterator[None]:
    """Turn SQLite failures into :class:`CodebenchError` with a message a coder can act on."""
    try:
        yield
    except NotFound:
        raise
    except CodebenchError as error:
        if transcript is not None and not session_sql.transcript_exists(project.db, transcript.id):
            raise NotFound(
                f"transcript {transcript.name!r} no longer exists in the project"
            ) from error
        raise
    except sqlite3.OperationalError as error:
        if "locked" in str(error) or "busy" in str(error):
            raise CodebenchError(
                "the project file is busy (another program is writing); nothing was saved, try again"
            ) from error
        raise CodebenchError(f"database error: {error}") from error
    except sqlite3.IntegrityError as error:
        if transcript is not None and not session_sql.transcript_exists(project.db, transcript.id):
            raise NotFound(
                f"transcript {transcript.name!r} no longer exists in the project"
            ) from error
        raise CodebenchError(f"not saved: {error}") from error


class CodingSession:
    """One coder, one transcript: segments, the coder's codings, memos, history."""

    def __init__(
        self, project: Project, coder: Coder, transcript: Transcript, history: History | None = None
    ) -> None:
        self.project = project
        self.coder = coder
        self.transcript = transcript
        #: ``PRAGMA data_version`` before this state was read (see :meth:`sync`).
        self._data_version = self._read_data_version()
        #: A team copy's write marks as of ``_data_version`` (``None``: not counted; see :meth:`sync`).
        self._marks = self._read_marks()
        with friendly_errors(project, transcript):
            self.segments: list[Segment]
            self.segments, self.text_length = session_sql.segments_with_length(
                project.db, transcript.id
            )
            self.codes: list[Code] = project.codes(include_archived=True)
            self.history = history if history is not None else History.load(project, coder)
            self.status = project.status(coder, transcript)
        self.starts = [s.start for s in self.segments]
        #: The text changed under the session (read by the screen, which lays out again).
        self.text_changed = False
        #: The coding a walk through those needing review stands on (see :meth:`next_review`).
        self.reviewing: int | None = None
        self.code_by_id = {c.id: c for c in self.codes}
        self.code_by_guid = {c.guid: c for c in self.codes}
        self.code_order = {c.id: i for i, c in enumerate(self.codes)}
        self.colours = _inherited_colours(self.codes)
        self.codable_total = sum(1 for s in self.segments if s.codable)
        #: Per segment: the coder's codes on it and the spans of each.
        self.own: list[dict[int, set[Span]]] = [{} for _ in self.segments]
        #: Segments carrying each code (this coder, this transcript).
        self.counts: Counter[int] = Counter()
        self.coded = 0
        #: Other coders' codings per segment, or ``None`` while blind.
        self.others: list[list[OtherCoding]] | None = None
        self.coder_names: dict[int, str] = {}
        #: Segment index → memos shown there (``dict`` rows of :func:`memo_targets`).
        self.memo_marks: dict[int, list[dict[str, Any]]] = {}
        self._folded: list[str] | None = None
        #: The auto-checkpoint threshold to restore, while :meth:`defer_checkpoints` holds it raised.
        self._autocheckpoint: int | None = None
        self._load_codings()
        self.load_memos()

    # ------------------------------------------------------------------ loading
    def _read_data_version(self) -> int:
        with friendly_errors(self.project, self.transcript):
            return self.project.data_version()

    def sync(self) -> bool:
        """Re-read everything if another connection changed the file since; returns whether it did.

        A second workbench of the same coder, or the CLI, may have coded,
        written memos, changed the status or edited the codebook meanwhile;
        without this the in-memory index would show their work as missing
        ("already there", yet 0 coded). Cheap when nothing changed (one
        pragma), so the workbench calls it before each action and on a timer.
        """
        version = self._read_data_version()
        if version == self._data_version:
            self._note_marks()
            return False
        marks = self._read_marks()
        self._data_version = version
        if marks is not None and marks == self._marks:
            # Another connection committed, but wrote nothing shown here: a team copy's
            # background sync that only noted a push. Re-reading the whole transcript on the
            # UI thread would hold the next keystroke for a large one.
            return False
        self._marks = marks
        self.reload()
        return True

    def _read_marks(self) -> tuple[Any, ...] | None:
        with friendly_errors(self.project, self.transcript):
            return session_sql.write_marks(self.project.db)

    def _note_marks(self) -> None:
        """Take this session's own writes into the marks, when no other connection committed
        meanwhile (``data_version`` the same before and after reading them), so that only
        others' writes make the marks differ."""
        if self._marks is None:
            return
        marks = self._read_marks()
        if self._read_data_version() == self._data_version:
            self._marks = marks

    def reload(self) -> None:
        """Read the codebook, the coder's codings, memos, status and history again."""
        with friendly_errors(self.project, self.transcript):
            if not session_sql.transcript_exists(self.project.db, self.transcript.id):
                raise NotFound(
                    f"transcript {self.transcript.name!r} no longer exists in the project"
                )
            codes = self.project.codes(include_archived=True)
            self.status = self.project.status(self.coder, self.transcript)
            self.history.catch_up(self.project)
            current = self.project.transcript(self.transcript.id)
        if current.sha256 != self.transcript.sha256:
            self._reload_text(current)
        self.reload_codes(codes)
        if self.others is not None:
            self.show_others(True)
        else:
            self.load_memos()

    def _reload_text(self, transcript: Transcript) -> None:
        """Read the segments again after the text changed (a correction here or elsewhere)."""
        with friendly_errors(self.project, transcript):
            self.segments, self.text_length = session_sql.segments_with_length(
                self.project.db, transcript.id
            )
        self.transcript = transcript
        self.starts = [s.start for s in self.segments]
        self.codable_total = sum(1 for s in self.segments if s.codable)
        self._folded = None
        self.text_changed = True

    def _load_codings(self) -> None:
        with friendly_errors(self.project, self.transcript):
            codings = coding_sql.list_codings(
                self.project.db, transcript_id=self.transcript.id, coder_ids=[self.coder.id]
            )
        for coding in codings:
            for index in overlapping_segments(self.segments, self.starts, coding.start, coding.end):
                self.own[index].setdefault(coding.code_id, set()).add((coding.start, coding.end))
        for index, codes in enumerate(self.own):
            if codes:
                self.counts.update(codes.keys())
                if self.segments[index].codable:
                    self.coded += 1

    def count_with_subcodes(self, code_id: int) -> int | None:
        """Segments here carrying the code or any code under it (``None`` for a code
        without sub-codes): the number reports show when they roll codes up, beside the
        sidebar's count of the code as applied."""
        below = {code_id}
        grew = True
        while grew:
            more = {c.id for c in self.codes if c.parent_id in below} - below
            grew = bool(more)
            below |= more
        if below == {code_id}:
            return None
        return sum(1 for codes in self.own if not below.isdisjoint(codes))

    def load_memos(self) -> None:
        """(Re)read the memo markers: own memos, plus others' when blind mode is off."""
        with friendly_errors(self.project, self.transcript):
            rows = session_sql.memo_targets(self.project.db, self.transcript.id)
        by_segment_id = {s.id: i for i, s in enumerate(self.segments)}
        marks: dict[int, list[dict[str, Any]]] = {}
        for row in rows:
            if row["author_id"] != self.coder.id and self.others is None:
                continue
            if row["segment_id"] in by_segment_id:
                targets: Iterable[int] = [by_segment_id[row["segment_id"]]]
            elif row["coding_start"] is not None:
                targets = overlapping_segments(
                    self.segments, self.starts, row["coding_start"], row["coding_end"]
                )
            else:
                continue
            for index in targets:
                marks.setdefault(index, []).append(row)
        self.memo_marks = marks

    def show_others(self, show: bool) -> None:
        """Leave or enter blind mode (others' codings and memos hidden)."""
        if not show:
            self.others = None
            self.load_memos()
            return
        with friendly_errors(self.project, self.transcript):
            codings = coding_sql.list_codings(self.project.db, transcript_id=self.transcript.id)
            self.coder_names = {c.id: c.name for c in self.project.coders()}
        others: list[list[OtherCoding]] = [[] for _ in self.segments]
        for coding in codings:
            if coding.coder_id == self.coder.id:
                continue
            for index in overlapping_segments(self.segments, self.starts, coding.start, coding.end):
                seg = self.segments[index]
                whole = coding.start <= seg.start and coding.end >= seg.end
                others[index].append(OtherCoding(coding.coder_id, coding.code_id, whole))
        for row in others:
            row.sort(key=lambda o: (self.code_order.get(o.code_id, 0), o.coder_id))
        self.others = others
        self.load_memos()

    def reload_codes(self, codes: list[Code]) -> None:
        """Take up an edited codebook (renames, new or archived codes; merges recode codings)."""
        self.codes = codes
        self.code_by_id = {c.id: c for c in codes}
        self.code_by_guid = {c.guid: c for c in codes}
        self.code_order = {c.id: i for i, c in enumerate(codes)}
        self.colours = _inherited_colours(codes)
        self.own = [{} for _ in self.segments]
        self.counts = Counter()
        self.coded = 0
        self._load_codings()

    # ------------------------------------------------------------------ queries
    def codes_on(self, indexes: Iterable[int]) -> list[Code]:
        """The coder's codes on any of the segments, in codebook order."""
        ids: set[int] = set()
        for index in indexes:
            ids.update(self.own[index])
        return [self.code_by_id[i] for i in sorted(ids, key=lambda i: self.code_order.get(i, 0))]

    def is_whole(self, index: int, span: Span) -> bool:
        seg = self.segments[index]
        return span[0] <= seg.start and span[1] >= seg.end

    def colour(self, code_id: int) -> str | None:
        return self.colours.get(code_id)

    def progress(self) -> tuple[int, int]:
        """(codable segments carrying one of the coder's codes, codable segments)."""
        return self.coded, self.codable_total

    def recent_codes(self, limit: int = 8) -> list[Code]:
        """Codes the coder applied most recently (any transcript), newest first."""
        seen: list[Code] = []
        for event in reversed(self.history.done):
            if event.action != "coding.add":
                continue
            for record in event.payload.get("codings", []):
                code = self.code_by_guid.get(record.get("code", ""))
                if code is not None and not code.archived and code not in seen:
                    seen.append(code)
            if len(seen) >= limit:
                break
        return seen[:limit]

    def next_uncoded(self, start: int, step: int) -> int | None:
        """The next codable segment after ``start`` (``step`` ±1) with none of the coder's codes."""
        index = start + step
        while 0 <= index < len(self.segments):
            if self.segments[index].codable and not self.own[index]:
                return index
            index += step
        return None

    def next_with_code(self, code_id: int, start: int, step: int) -> int | None:
        """The next segment (``step`` ±1) carrying ``code_id`` (the coder's, or anyone's when shown)."""
        index = start + step
        while 0 <= index < len(self.segments):
            if code_id in self.own[index]:
                return index
            if self.others is not None and any(o.code_id == code_id for o in self.others[index]):
                return index
            index += step
        return None

    def search(self, query: str, start: int, step: int, *, wrap: bool = True) -> int | None:
        """The next segment (``step`` ±1) whose text contains ``query`` (case-insensitive)."""
        needle = query.casefold()
        if not needle:
            return None
        if self._folded is None:
            self._folded = [s.text.casefold() for s in self.segments]
        count = len(self.segments)
        for offset in range(1, count + 1 if wrap else count):
            index = start + step * offset
            if not wrap and not 0 <= index < count:
                return None
            index %= count
            if needle in self._folded[index]:
                return index
        return None

    # ------------------------------------------------------------------ coding
    def apply(self, codes: Sequence[Code], indexes: Sequence[int]) -> Outcome:
        """Apply each code to each whole segment, as one action."""
        targets = [i for i in sorted(set(indexes)) if self.segments[i].codable]
        skipped = len(set(indexes)) - len(targets)
        if not targets:
            return Outcome(
                "interviewer turns are not codable" if skipped else "nothing selected", ok=False
            )
        spans = [(self.segments[i].start, self.segments[i].end) for i in targets]
        outcome = self._change("coding.add", [(code, span) for code in codes for span in spans])
        outcome.message = f"{_codes_label(codes)} → {segment_label(targets)}" + (
            "" if outcome.ok else " (already there)"
        )
        if skipped:
            outcome.message += f"; skipped {skipped} non-codable"
        return outcome

    def apply_span(self, codes: Sequence[Code], start: int, end: int) -> Outcome:
        """Apply each code to the character span ``start``–``end`` (a sub-segment coding)."""
        outcome = self._change("coding.add", [(code, (start, end)) for code in codes])
        words = self.project_text_slice(start, end)
        outcome.message = f"{_codes_label(codes)} → “{_shorten(words, 30)}”" + (
            "" if outcome.ok else " (already there)"
        )
        return outcome

    def remove(self, codes: Sequence[Code], indexes: Sequence[int]) -> Outcome:
        """Remove each code from the segments: every coding of it overlapping them."""
        changes: list[tuple[Code, Span]] = []
        for code in codes:
            spans: set[Span] = set()
            for index in indexes:
                spans.update(self.own[index].get(code.id, ()))
            changes.extend((code, span) for span in sorted(spans))
        if not changes:
            return Outcome("nothing to remove", ok=False)
        outcome = self._change("coding.remove", changes)
        outcome.message = (
            f"removed {_codes_label(codes)} from {segment_label(sorted(set(indexes)))}"
        )
        return outcome

    def undo(self) -> Outcome:
        with friendly_errors(self.project, self.transcript):
            event = undo(self.project, self.coder, self.history)
        if event is None:
            return Outcome("nothing to undo", ok=False)
        return self._replayed(event, reverse=True, verb="undid")

    def redo(self) -> Outcome:
        with friendly_errors(self.project, self.transcript):
            event = redo(self.project, self.coder, self.history)
        if event is None:
            return Outcome("nothing to redo", ok=False)
        return self._replayed(event, reverse=False, verb="redid")

    def _change(self, action: str, changes: Sequence[tuple[Code, Span]]) -> Outcome:
        with friendly_errors(self.project, self.transcript):
            ids = apply_changes(
                self.project,
                action,
                self.coder,
                [(code, self.transcript, s, e) for code, (s, e) in changes],
                lengths={self.transcript.id: self.text_length},
            )
            if not ids:
                return Outcome("", ok=False)
            self.history.catch_up(self.project)
            if self.status == "not-started":
                self.project.set_status(self.coder, self.transcript, "in-progress", auto=True)
                self.status = "in-progress"
        self._note_marks()
        changed: set[int] = set()
        for code, span in changes:
            changed |= self._index(code.id, span, add=(action == "coding.add"))
        return Outcome("", changed)

    def _replayed(self, event: Event, *, reverse: bool, verb: str) -> Outcome:
        """Bring the in-memory state up to an action just undone or redone."""
        if event.action in TEXT_ACTIONS:
            self._text_corrected()
            return Outcome(f"{verb} {describe(event)}", set(range(len(self.segments))), text=True)
        if event.action in CODING_ACTIONS:
            outcome = self._replayed_codings(event, reverse=reverse, verb=verb)
            if event.guid in self.history.companions:
                with friendly_errors(self.project, self.transcript):
                    self.status = self.project.status(self.coder, self.transcript)
            if any(r.get("memos") for r in event.payload.get("codings", [])):
                outcome.changed |= self._reload_memos()
            return outcome
        if event.action in CODE_ACTIONS:
            with friendly_errors(self.project, self.transcript):
                codes = self.project.codes(include_archived=True)
            self.reload_codes(codes)
            return Outcome(f"{verb} {describe(event)}", set(), codebook=True)
        if event.action == "status.set":
            with friendly_errors(self.project, self.transcript):
                self.status = self.project.status(self.coder, self.transcript)
            return Outcome(
                f"{verb} {describe(event)}: {self.transcript.name} is {self.status.replace('-', ' ')}"
            )
        changed = self._reload_memos()
        where = (
            f" on {segment_label([self.segments[i].ordinal for i in changed])}" if changed else ""
        )
        return Outcome(f"{verb} {describe(event)}{where}", changed)

    def _reload_memos(self) -> set[int]:
        """Re-read the memo markers; returns the segments whose markers changed."""
        before = {i: [r["id"] for r in rows] for i, rows in self.memo_marks.items()}
        self.load_memos()
        after = {i: [r["id"] for r in rows] for i, rows in self.memo_marks.items()}
        return {i for i in before.keys() | after.keys() if before.get(i) != after.get(i)}

    def _replayed_codings(self, event: Event, *, reverse: bool, verb: str) -> Outcome:
        adding = (event.action == "coding.add") != reverse
        changed: set[int] = set()
        codes: list[Code] = []
        elsewhere = 0
        for record in event.payload.get("codings", []):
            code = self.code_by_guid.get(record["code"])
            if code is not None and code not in codes:
                codes.append(code)
            if record["transcript"] != self.transcript.guid or code is None:
                elsewhere += 1
                continue
            # Logged in the text of its day: where the corrections since moved it.
            with friendly_errors(self.project, self.transcript):
                span = offsets_through_versions(
                    self.project, self.transcript.id, event.id, record["start"], record["end"]
                )
            changed |= self._index(code.id, span, add=adding)
        what = "add" if event.action == "coding.add" else "remove"
        message = f"{verb} {what} {_codes_label(codes)}"
        message += f" on {segment_label(sorted(changed))}" if changed else ""
        if elsewhere:
            message += f" ({elsewhere} in another transcript)"
        return Outcome(message, changed)

    def _index(self, code_id: int, span: Span, *, add: bool) -> set[int]:
        """Record a committed change in the in-memory index; returns touched segments."""
        touched = set(overlapping_segments(self.segments, self.starts, span[0], span[1]))
        for index in touched:
            codes = self.own[index]
            had_any = bool(codes)
            had_code = code_id in codes
            if add:
                codes.setdefault(code_id, set()).add(span)
            elif had_code:
                codes[code_id].discard(span)
                if not codes[code_id]:
                    del codes[code_id]
            has_code = code_id in codes
            if has_code != had_code:
                self.counts[code_id] += 1 if has_code else -1
            if self.segments[index].codable and bool(codes) != had_any:
                self.coded += 1 if codes else -1
        return touched

    # ------------------------------------------------------------------ correcting the text
    def correct_segment(self, index: int, text: str, based_on: str | None = None) -> Outcome:
        """Replace a segment's text (one logged, undoable action); codings move with their words.

        ``based_on``: the text's sha256 when the coder began editing (refused if it changed since).
        """
        seg = self.segments[index]
        with friendly_errors(self.project, self.transcript):
            result = correct_segment(
                self.project, self.transcript, seg.ordinal, text, self.coder, based_on=based_on
            )
            if not result.changed:
                return Outcome("no change to the text", ok=False)
            self.history.catch_up(self.project)
        self._text_corrected()
        mine = [r for r in result.review if self.others is not None or r.coder == self.coder.name]
        # Short: the status bar leaves about twenty columns for it at 80.
        message = f"fixed; {len(mine)} to review: R" if mine else f"fixed segment {seg.ordinal}"
        return Outcome(message, set(range(len(self.segments))), text=True)

    def _text_corrected(self) -> None:
        with friendly_errors(self.project, self.transcript):
            current = self.project.transcript(self.transcript.id)
        self._reload_text(current)
        self.reload_codes(self.codes)
        self.load_memos()
        if self.others is not None:
            self.show_others(True)

    def review_items(self) -> list[ReviewItem]:
        """Codings of this transcript a correction left for review: the coder's own (everyone's when shown)."""
        with friendly_errors(self.project, self.transcript):
            items = needing_review(self.project, self.transcript)
        if self.others is None:
            items = [i for i in items if i.coder == self.coder.name]
        return items

    def next_review(self, cursor: int) -> tuple[int | None, str, str]:
        """Walk the codings to review: mark the one stood on reviewed, then go to the next.

        Returns the segment index to move to (``None`` when none is left), a
        short message for the status bar and the coding's details.
        """
        if self.reviewing is not None:
            with friendly_errors(self.project, self.transcript):
                mark_reviewed(self.project, [self.reviewing])
            self.reviewing = None
        items = self.review_items()
        if not items:
            return None, "no codings left to review", ""
        after = [i for i in items if i.start >= self.segments[cursor].start] or items
        item = after[0]
        self.reviewing = item.coding_id
        found = overlapping_segments(self.segments, self.starts, item.start, item.end)
        index = next(iter(found), cursor)
        who = "" if item.coder == self.coder.name else f"{item.coder}'s "
        detail = (
            f"{who}{item.code}: {item.reason}, it was “{_shorten(item.was, 60)}”"
            + ("" if item.reason == "orphaned" else f", now “{_shorten(item.now, 60)}”")
            + ". R marks it reviewed and goes to the next."
        )
        return index, f"{len(items)} to review: R next", detail

    # ------------------------------------------------------------------ status and memos
    def done_warning(self) -> str | None:
        """The warning to confirm before marking done (uncoded codable segments left), or ``None``.

        ``None`` too when the transcript is done already (the toggle then
        puts it back in progress, which needs no confirmation).
        """
        if self.status == "done":
            return None
        ordinals = assigned_ordinals(self.project, self.coder, self.transcript)
        if ordinals is None:
            left, total = self.codable_total - self.coded, self.codable_total
        else:  # only the coder's assigned segments need coding
            mine = [i for i, s in enumerate(self.segments) if s.codable and s.ordinal in ordinals]
            left, total = sum(1 for i in mine if not self.own[i]), len(mine)
        return uncoded_warning(
            left, total, self.coder.name, self.transcript.name, assigned=ordinals is not None
        )

    def toggle_done(self) -> Outcome:
        """Mark the transcript done for this coder (or back to in progress)."""
        status = "in-progress" if self.status == "done" else "done"
        with friendly_errors(self.project, self.transcript):
            self.project.set_status(self.coder, self.transcript, status)
        self.status = status
        return Outcome(f"{self.transcript.name}: {status.replace('-', ' ')}")

    def own_memo(self, index: int, code: Code | None = None) -> dict[str, Any] | None:
        """The coder's memo on a segment (or on its coding of ``code``), if any."""
        for row in self.memo_marks.get(index, []):
            if row["author_id"] != self.coder.id:
                continue
            if code is None and row["segment_id"] == self.segments[index].id:
                return row
            if code is not None and row["coding_code"] == code.id:
                return row
        return None

    def save_memo(self, index: int, text: str, code: Code | None = None) -> Outcome:
        """Write (or update, or with empty text delete) the coder's memo on a segment or coding."""
        existing = self.own_memo(index, code)
        with friendly_errors(self.project, self.transcript):
            if existing is not None:
                self.project.update_memo(self.coder, existing["id"], text)
                verb = "memo updated" if text.strip() else "memo deleted"
            elif not text.strip():
                return Outcome("empty memo not saved", ok=False)
            elif code is None:
                self.project.add_memo(self.coder, text, segment=self.segments[index])
                verb = "memo added"
            else:
                coding = self._coding_of(index, code)
                if coding is None:
                    return Outcome(
                        f"{code.label} is not on segment {self.segments[index].ordinal}", ok=False
                    )
                self.project.add_memo(self.coder, text, coding=coding)
                verb = "memo added"
            self.load_memos()
        target = f" on {code.number or code.name}" if code is not None else ""
        return Outcome(
            f"{verb}{target} at {segment_label([self.segments[index].ordinal])}", {index}
        )

    def transcript_memo(self) -> Memo | None:
        """The coder's memo on the whole transcript (not on a segment, coding or code), if any."""
        with friendly_errors(self.project, self.transcript):
            return own_memo_on(self.project, self.coder, transcript=self.transcript)

    def save_transcript_memo(self, text: str) -> Outcome:
        """Write (or update, or with empty text delete) the coder's memo on the transcript."""
        with friendly_errors(self.project, self.transcript):
            verb = write_memo_on(self.project, self.coder, text, transcript=self.transcript)
        if not verb:
            return Outcome("no memo saved", ok=False)
        return Outcome(f"{verb} on transcript {self.transcript.name}")

    def _coding_of(self, index: int, code: Code) -> Any:
        spans = sorted(self.own[index].get(code.id, ()))
        if not spans:
            return None
        start, end = spans[0]
        return coding_sql.find_coding(
            self.project.db, self.coder.id, code.id, self.transcript.id, start, end
        )

    # ------------------------------------------------------------------ WAL checkpoints
    def defer_checkpoints(self, pages: int = DEFERRED_CHECKPOINT_PAGES) -> None:
        """Keep SQLite's WAL auto-checkpoint out of the actions' commits; call :meth:`checkpoint` when idle.

        SQLite copies the WAL back into the project file inside whichever
        commit takes it past 1,000 pages: about every hundred actions on a
        large project, and with the file sync that commit can take 100 ms
        or more on a busy disk. The workbench raises the threshold and
        checkpoints when the coder pauses instead; the raised threshold
        (``pages``, about 1,000 actions) is only a backstop.
        """
        with friendly_errors(self.project, self.transcript):
            previous = session_sql.wal_autocheckpoint(self.project.db, pages)
        if self._autocheckpoint is None:
            self._autocheckpoint = previous

    def restore_checkpoints(self) -> None:
        """Put the auto-checkpoint threshold back as it was before :meth:`defer_checkpoints`."""
        if self._autocheckpoint is not None:
            with friendly_errors(self.project, self.transcript):
                session_sql.wal_autocheckpoint(self.project.db, self._autocheckpoint)
            self._autocheckpoint = None

    def checkpoint(self) -> tuple[int, int, int]:
        """Copy the WAL into the project file now (passive: never waits for other connections)."""
        with friendly_errors(self.project, self.transcript):
            return checkpoint(self.project.db)

    def project_text_slice(self, start: int, end: int) -> str:
        """Text of the span, taken from the segments already in memory."""
        pieces = []
        for index in overlapping_segments(self.segments, self.starts, start, end):
            seg = self.segments[index]
            pieces.append(
                seg.text[max(start, seg.start) - seg.start : min(end, seg.end) - seg.start]
            )
        return " ".join(pieces)


def _inherited_colours(codes: Sequence[Code]) -> dict[int, str | None]:
    """Each code's colour, or its nearest ancestor's (children often leave it unset)."""
    by_id = {c.id: c for c in codes}
    out: dict[int, str | None] = {}
    for code in codes:
        node: Code | None = code
        while node is not None and not node.colour:
            node = by_id.get(node.parent_id) if node.parent_id is not None else None
        out[code.id] = node.colour if node is not None else None
    return out


def _codes_label(codes: Sequence[Code]) -> str:
    return ", ".join(c.number or c.name for c in codes) or "no code"


def _shorten(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
