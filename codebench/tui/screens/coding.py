"""The coding screen: the transcript, the codebook with definitions, and a status bar.

Every binding here maps to one method of :class:`~codebench.coding.session.CodingSession`,
which commits the action before the view redraws the segments it touched.
"""

from __future__ import annotations

import asyncio
import gc
import sqlite3
from collections.abc import Callable
from functools import partial
from time import monotonic
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Input, Tree

from codebench.coding.prefixes import coder_prefixes, legend
from codebench.coding.session import CodingSession, Outcome, segment_label
from codebench.errors import CodebenchError
from codebench.models import Code
from codebench.tui.guard import report_errors
from codebench.tui.literal import literal
from codebench.tui.modals.code_picker import CodePickerModal
from codebench.tui.modals.confirm import ConfirmModal
from codebench.tui.modals.memo import MemoModal
from codebench.tui.modals.segment_text import SegmentTextModal
from codebench.tui.widgets.codebook_tree import CodebookTree, CodeDetail
from codebench.tui.widgets.footer import BindingsFooter
from codebench.tui.widgets.status_bar import StatusBar
from codebench.tui.widgets.transcript_view import TranscriptView
from codebench.tui.workers import deliver

if TYPE_CHECKING:
    from codebench.coding.actions import History
    from codebench.models import Coder, Segment, Transcript
    from codebench.project import Project


#: Below this many columns the codebook sidebar folds away (``s`` brings it back).
SIDEBAR_FOLDS_BELOW = 100
#: Below this many columns the sidebar is narrower.
SIDEBAR_NARROW_BELOW = 140
#: Keys the footer shows first, so a narrow terminal cuts off only the others.
FOOTER_FIRST = (
    "app.help",
    "coding.pick",
    "coding.undo",
    "coding.done",
    "coding.back",
    "coding.sidebar",
    "transcript.visual",
    "coding.remove",
    "coding.search",
)

#: Seconds a message stays in the status bar: an old "04 → segment 3" no longer describes
#: what the coder is looking at.
MESSAGE_SECONDS = 8.0

#: Seconds between looks at whether the coder has paused (for housekeeping).
MAINTENANCE_EVERY = 0.5
#: Seconds without a keystroke that count as a pause: the WAL is checkpointed, the heap tidied.
IDLE_AFTER = 1.0
#: At most one full garbage collection this often (seconds), and only after some activity.
TIDY_EVERY = 30.0
#: Seconds the collector may stay paused for building the screen, should it never be drawn.
BUILD_GRACE = 10.0


class CodingScreen(Screen[None]):
    """Code one transcript."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c,enter", "pick_code", "Code", id="coding.pick"),
        Binding(
            "full_stop", "repeat_codes", "Apply last codes again", show=False, id="coding.repeat"
        ),
        Binding("x", "remove_code", "Remove", id="coding.remove"),
        Binding("u", "undo", "Undo", id="coding.undo"),
        Binding("ctrl+r", "redo", "Redo", id="coding.redo"),
        Binding("m", "memo", "Memo", id="coding.memo"),
        Binding("M", "memo_coding", "Memo on a coding", show=False, id="coding.memo_coding"),
        Binding(
            "T",
            "memo_transcript",
            "Memo on the transcript",
            show=False,
            id="coding.memo_transcript",
        ),
        Binding("slash", "search", "Search", id="coding.search"),
        Binding("n", "next_match(1)", "Next match", show=False, id="coding.next_match"),
        Binding("N", "next_match(-1)", "Previous match", show=False, id="coding.prev_match"),
        Binding(
            "right_square_bracket", "next_uncoded(1)", "Next uncoded", id="coding.next_uncoded"
        ),
        Binding(
            "left_square_bracket",
            "next_uncoded(-1)",
            "Previous uncoded",
            show=False,
            id="coding.prev_uncoded",
        ),
        Binding(
            "g", "goto_code", "Jump to next segment with a code", show=False, id="coding.goto_code"
        ),
        Binding("E", "edit_text", "Fix text", id="coding.edit_text"),
        Binding("R", "next_review", "Next coding to review", show=False, id="coding.next_review"),
        Binding("D", "toggle_done", "Done", id="coding.done"),
        Binding("s", "toggle_sidebar", "Codebook", id="coding.sidebar"),
        Binding(
            "d", "toggle_definition", "Show/hide the definition", show=False, id="coding.definition"
        ),
        Binding("o", "toggle_others", "Show/hide others' codings", show=False, id="coding.others"),
        Binding("b", "app.codebook", "Codebook editor", show=False, id="coding.codebook"),
        Binding("q,escape", "back", "Back", id="coding.back"),
    ]

    def __init__(
        self,
        project: Project,
        coder: Coder,
        transcript: Transcript,
        history: History | None = None,
        *,
        at: int | None = None,
    ) -> None:
        super().__init__()
        self.project = project
        #: The segment (ordinal) to open at, as the memo screen asks.
        self.start_at = at
        self._heap = _QuietHeap()
        try:
            self.session = CodingSession(project, coder, transcript, history)
        except BaseException:
            self._heap.settle(collect=False)
            raise
        self.last_codes: list[Code] = []
        self._last_message = ""
        self._message_at = 0.0
        #: Whether anything was committed since the last WAL checkpoint.
        self._wrote = False
        self._last_activity = monotonic()
        self._active_since_tidy = False
        #: The team sync's line as the status bar last showed it.
        self._team_shown = ""
        #: The last error a sync met (shown once, not at every tick).
        self._sync_error = ""
        #: What ``n``/``N`` repeat: ("search", text) or ("code", code id).
        self.last_jump: tuple[str, Any] | None = None
        #: Whose each mark is, while others' codings are shown ("b: bob · =: consensus").
        self.others_legend = ""
        self.others_marks: dict[int, str] = {}
        #: The text last searched for and the segments holding it.
        self._match_cache: tuple[str, list[int]] = ("", [])
        #: The coder's choice to show (``True``) or hide the sidebar; ``None``: by width.
        self.sidebar_choice: bool | None = None

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        with Horizontal(id="coding-body"):
            yield TranscriptView(self.session, id="transcript")
            with Vertical(id="sidebar"):
                yield CodebookTree(self.session, id="codebook")
                with VerticalScroll(id="code-detail-scroll"):
                    yield CodeDetail(id="code-detail")
        yield Input(placeholder="search the transcript, Enter to find, esc to cancel", id="search")
        yield StatusBar(id="status")
        yield BindingsFooter(first=FOOTER_FIRST)

    @property
    def view(self) -> TranscriptView:
        return self.query_one(TranscriptView)

    @property
    def codebook_tree(self) -> CodebookTree:
        return self.query_one(CodebookTree)

    # ------------------------------------------------------------------ responsive layout
    def on_resize(self) -> None:
        self.fit_layout()

    def fit_layout(self) -> None:
        """Fold or narrow the sidebar for the terminal's width (unless the coder chose)."""
        width = self.app.size.width
        sidebar = self.query_one("#sidebar")
        shown = (
            self.sidebar_choice
            if self.sidebar_choice is not None
            else (width >= SIDEBAR_FOLDS_BELOW)
        )
        sidebar.set_class(width < SIDEBAR_NARROW_BELOW, "-narrow")
        if sidebar.display != shown:
            sidebar.display = shown
            if not shown and self.focused is not None and sidebar in self.focused.ancestors:
                self.view.focus()

    @property
    def sidebar_shown(self) -> bool:
        return bool(self.query_one("#sidebar").display)

    def action_toggle_sidebar(self) -> None:
        """Show or hide the codebook sidebar, at any width."""
        self.sidebar_choice = not self.sidebar_shown
        self.fit_layout()

    def action_toggle_definition(self) -> None:
        """Show or hide the highlighted code's definition under the codebook."""
        pane = self.query_one("#code-detail-scroll")
        pane.display = not pane.display

    def on_mount(self) -> None:
        self.fit_layout()
        self.view.border_title = literal(self.session.transcript.name)
        self.view.focus()
        self.query_one("#search", Input).display = False
        first_code = next((c for c in self.session.codes if not c.archived), None)
        self._detail(first_code)
        if self.start_at is not None:
            index = next(
                (i for i, seg in enumerate(self.session.segments) if seg.ordinal == self.start_at),
                None,
            )
            if index is not None:
                self.view.move_to(index)
        self.update_status()
        self.call_after_refresh(self.view.scroll_to_cursor)
        self.call_after_refresh(self._heap.settle)
        self._defer_checkpoints()
        self.set_interval(MAINTENANCE_EVERY, self._maintain, name="coding-maintenance")

    def on_unmount(self) -> None:
        self._heap.release()
        # Leaving: checkpoint what is left and put SQLite's own threshold back
        # (should that fail, SQLite checkpoints on its own later).
        if self._wrote:
            _quietly(self.session.checkpoint)
        _quietly(self.session.restore_checkpoints)

    # ------------------------------------------------------------------ housekeeping off the keystroke path
    def _defer_checkpoints(self) -> None:
        _quietly(self.session.defer_checkpoints)

    def _maintain(self) -> None:
        """Pick up changes made elsewhere; drop a stale status message; when the coder
        pauses, checkpoint the WAL after writes and now and then tidy the heap."""
        if self.is_current:
            self.sync()
            self.refresh_team_line()
        if self._last_message and self._message_is_stale() and self.is_current:
            self._last_message = ""
            self._draw_status()
        if monotonic() - self._last_activity < IDLE_AFTER:
            return
        if self._wrote:
            # Busy or locked: try again at the next pause.
            self._wrote = not _quietly(self.session.checkpoint)
        if (
            self.is_current
            and (self._active_since_tidy or self._heap.refrozen)
            and self._heap.tidy()
        ):
            self._active_since_tidy = False

    def sync(self) -> bool:
        """Redraw from the database if another window or the CLI changed it; returns whether it did.

        Called on the maintenance timer and before each action, so what the
        coder sees (and what an action is based on) is never older than the file.
        """
        try:
            changed = self.session.sync()
        except CodebenchError as error:
            if str(error) != self._sync_error:  # once, not at every tick of the timer
                self._sync_error = str(error)
                self.notify(str(error), severity="error")
            return False
        self._sync_error = ""
        if changed:
            self._lay_out_if_text_changed()
            self.codebook_tree.rebuild()
            self.view.refresh_all()
            self._show_detail()
            note = self._team_note()
            self.last_message = (
                note
                if note is not None
                else "updated: the project changed in another window or program"
            )
            self.update_status()
        return changed

    def on_screen_resume(self) -> None:
        """Coming back from the codebook editor: pick up renamed, added or archived codes."""
        if self.sync():
            return
        try:
            codes = self.project.codes(include_archived=True)
        except Exception as error:  # noqa: BLE001 - shown, never a traceback
            self.notify(f"Cannot read the codebook: {error}", severity="error")
            return
        self._wrote = True  # the screen on top (codebook editor, review) may have written
        if codes != self.session.codes:
            self.session.reload_codes(codes)
            self.codebook_tree.rebuild()
            self.view.refresh_all()

    # ------------------------------------------------------------------ status
    def _team_note(self) -> str | None:
        note = getattr(self.app, "team_change_note", None)
        return note() if callable(note) else None

    def _team_line(self) -> str:
        line = getattr(self.app, "team_line", None)
        return line() if callable(line) else ""

    def refresh_team_line(self) -> None:
        """Redraw the status bar when the team sync's line changed (a cheap string compare)."""
        if self._team_line() != self._team_shown:
            self._draw_status()

    @property
    def last_message(self) -> str:
        """What the last action did, for the status bar (dropped after :data:`MESSAGE_SECONDS`)."""
        return self._last_message

    @last_message.setter
    def last_message(self, text: str) -> None:
        self._last_message = text
        self._message_at = monotonic()

    def _message_is_stale(self) -> bool:
        return monotonic() - self._message_at >= MESSAGE_SECONDS

    def update_status(self) -> None:
        """Redraw the status bar after a keystroke (which also counts as activity)."""
        self._last_activity = monotonic()
        self._active_since_tidy = True
        self._draw_status()

    def _draw_status(self) -> None:
        self._team_shown = self._team_line()
        session = self.session
        view = self.view
        coded, codable = session.progress()
        selection = view.selection
        position = segment_position(session.segments, view.cursor)
        if len(selection) > 1:
            position += f" · {len(selection)} selected"
        self.query_one(StatusBar).show(
            coder=session.coder.name,
            transcript=session.transcript.name,
            coded=coded,
            codable=codable,
            status=session.status,
            position=position,
            last="" if self._message_is_stale() else self.last_message,
            others=session.others is not None,
            visual=view.visual is not None,
            team=self._team_shown,
        )

    def _done(self, outcome: Outcome, codes: list[Code] | None = None) -> None:
        """Redraw after an action and report it.

        The changed segments' lines are drawn in the first frame on their own;
        the sidebar's count, the code detail and the status bar follow in the
        next one. Drawn together, the dirty lines at the top, the right and the
        bottom of the screen make one region the size of the screen, and every
        widget in it is rendered again before the coder sees the stripe change.
        """
        self._wrote = True
        self._lay_out_if_text_changed()
        self.last_message = outcome.message
        if not outcome.ok and outcome.message:
            self.notify(outcome.message, severity="warning", timeout=2)
        if outcome.codebook or outcome.text:
            self.codebook_tree.rebuild()
            self.view.refresh_all()
            self._show_around(outcome, codes)
            return
        self.view.refresh_segments(outcome.changed)
        self._last_activity = monotonic()
        self.call_after_refresh(self._show_around, outcome, codes)

    def _show_around(self, outcome: Outcome, codes: list[Code] | None) -> None:
        """What an action changes beside the transcript: the counts, the detail, the status."""
        if not self.is_attached:
            return
        if outcome.changed:
            self.codebook_tree.update_counts({c.id for c in codes} if codes else None)
            self._show_detail()
        self.update_status()

    def _lay_out_if_text_changed(self) -> None:
        """Wrap the segments again when their text changed (a correction, its undo, another window's)."""
        if self.session.text_changed:
            self.session.text_changed = False
            self._match_cache = ("", [])
            self.view.relayout()
            self.view.refresh_all()
            self.call_after_refresh(self.view.scroll_to_cursor)

    @on(TranscriptView.CursorMoved)
    def _cursor_moved(self, event: TranscriptView.CursorMoved) -> None:
        if event.left_words:
            self.last_message = "left word mode (the words were not coded): v selects words again"
        self.update_status()

    # ------------------------------------------------------------------ applying and removing
    def _selection_label(self) -> str:
        view = self.view
        if view.visual is not None:
            return "the selected words"
        return segment_label([self.session.segments[i].ordinal for i in view.selection])

    def _picker(
        self,
        codes: list[Code],
        title: str,
        callback: Callable[[list[Code] | None], None],
        *,
        multi: bool = True,
        recent: bool = True,
    ) -> None:
        self.app.push_screen(
            CodePickerModal(
                codes,
                recent=self.session.recent_codes() if recent else (),
                title=title,
                colours=self.session.colours,
                multi=multi,
            ),
            callback,
        )

    def action_pick_code(self) -> None:
        if not self.session.segments:
            return
        self.sync()
        self._picker(self.session.codes, f"Apply to {self._selection_label()}", self.apply_codes)

    @report_errors
    def apply_codes(self, codes: list[Code] | None) -> None:
        """Apply codes to the visual span, or else to the selected segments."""
        if not codes:
            return
        self.sync()
        view = self.view
        self.last_codes = list(codes)
        if view.visual is not None:
            start, end = view.visual_chars()
            outcome = self.session.apply_span(codes, start, end)
            view.exit_visual()
        else:
            outcome = self.session.apply(codes, list(view.selection))
        self._done(outcome, codes)

    def action_repeat_codes(self) -> None:
        if not self.last_codes:
            self.notify(
                "No codes applied yet: press c to choose one", severity="warning", timeout=2
            )
            return
        self.apply_codes(self.last_codes)

    def action_remove_code(self) -> None:
        self.sync()
        view = self.view
        present = self.session.codes_on(view.selection)
        if not present:
            self.notify(
                f"No codes of yours on {self._selection_label()}", severity="warning", timeout=2
            )
            return
        self._picker(
            present, f"Remove from {self._selection_label()}", self.remove_codes, recent=False
        )

    @report_errors
    def remove_codes(self, codes: list[Code] | None) -> None:
        if not codes:
            return
        self.sync()
        self._done(self.session.remove(codes, list(self.view.selection)), codes)

    @report_errors
    def action_undo(self) -> None:
        self.sync()
        self._done(self.session.undo())

    @report_errors
    def action_redo(self) -> None:
        self.sync()
        self._done(self.session.redo())

    @on(Tree.NodeSelected, "#codebook")
    def _code_clicked(self, event: Tree.NodeSelected[Code]) -> None:
        """A click (or Enter) on a code in the tree applies it to the selection."""
        event.stop()
        code = event.node.data
        if code is not None:
            self.apply_codes([code])
        self.view.focus()

    @on(Tree.NodeHighlighted, "#codebook")
    def _code_highlighted(self, event: Tree.NodeHighlighted[Code]) -> None:
        code = event.node.data
        if code is not None:
            self._detail(code)

    def _show_detail(self) -> None:
        """The highlighted code's definition with its count as it is now (after any action)."""
        node = self.codebook_tree.cursor_node
        if node is not None and node.data is not None:
            self._detail(node.data)

    def _detail(self, code: Code | None) -> None:
        if code is None:
            self.query_one(CodeDetail).show(None)
            return
        self.query_one(CodeDetail).show(
            code,
            self.session.counts.get(code.id, 0),
            with_subcodes=self.session.count_with_subcodes(code.id),
        )

    # ------------------------------------------------------------------ memos
    def action_memo(self) -> None:
        index = self.view.cursor
        if not self.session.segments:
            return
        self.sync()
        existing = self.session.own_memo(index)
        seg = self.session.segments[index]
        self.app.push_screen(
            MemoModal(
                f"Memo on segment {seg.ordinal}",
                existing["text"] if existing else "",
                _quote(seg.text),
            ),
            lambda text: self._save_memo(index, text, None),
        )

    def action_memo_transcript(self) -> None:
        """A memo on the whole transcript (the coder's one; again: edit it, empty text deletes)."""
        self.sync()
        existing = self.session.transcript_memo()
        self.app.push_screen(
            MemoModal(
                f"Memo on transcript {self.session.transcript.name}",
                existing.text if existing else "",
            ),
            self._save_transcript_memo,
        )

    @report_errors
    def _save_transcript_memo(self, text: str | None) -> None:
        if text is None:
            return
        self._done(self.session.save_transcript_memo(text))

    def action_memo_coding(self) -> None:
        index = self.view.cursor
        present = self.session.codes_on([index])
        if not present:
            self.notify(
                "No codes of yours on this segment to write a memo on",
                severity="warning",
                timeout=2,
            )
            return

        def chosen(codes: list[Code] | None) -> None:
            if not codes:
                return
            code = codes[0]
            existing = self.session.own_memo(index, code)
            seg = self.session.segments[index]
            self.app.push_screen(
                MemoModal(
                    f"Memo on {code.label} at segment {seg.ordinal}",
                    existing["text"] if existing else "",
                    _quote(seg.text),
                ),
                lambda text: self._save_memo(index, text, code),
            )

        self._picker(present, "Memo on which coding?", chosen, multi=False, recent=False)

    @report_errors
    def _save_memo(self, index: int, text: str | None, code: Code | None) -> None:
        if text is None:
            return
        self.sync()
        outcome = self.session.save_memo(index, text, code)
        self.view.refresh_all()
        self._done(outcome)

    # ------------------------------------------------------------------ correcting the text
    def action_edit_text(self) -> None:
        """Correct the cursor segment's text in a dialog; codings move with their words."""
        if not self.session.segments:
            return
        self.sync()
        view = self.view
        if view.visual is not None:
            view.exit_visual()
        index = view.cursor
        seg = self.session.segments[index]
        base = self.session.transcript.sha256
        self.app.push_screen(
            SegmentTextModal(f"Correct the text of segment {seg.ordinal}", seg.text),
            lambda text: self._save_text(index, text, base),
        )

    @report_errors
    def _save_text(self, index: int, text: str | None, base: str) -> None:
        if text is None:
            return
        self.sync()
        self._done(self.session.correct_segment(index, text, based_on=base))

    @report_errors
    def action_next_review(self) -> None:
        """Go to the next coding a correction left for review (marking the one shown reviewed)."""
        self.sync()
        index, message, detail = self.session.next_review(self.view.cursor)
        if index is None:
            self.notify(message, timeout=2)
        else:
            self.view.move_to(index)
            self.notify(detail, title="Coding to review", timeout=8)
        self.last_message = message
        self.update_status()

    # ------------------------------------------------------------------ finding
    def action_search(self) -> None:
        field = self.query_one("#search", Input)
        field.display = True
        field.value = ""
        field.focus()

    @on(Input.Submitted, "#search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        field = self.query_one("#search", Input)
        field.display = False
        self.view.focus()
        text = event.value.strip()
        self.view.search_text = text
        self.view.refresh_all()
        if not text:
            self.last_jump = None
            return
        self.last_jump = ("search", text)
        self._search(text, 1)

    def action_next_match(self, step: int) -> None:
        if self.last_jump is None:
            self.notify("Nothing to repeat: / searches, g jumps to a code", timeout=2)
            return
        kind, value = self.last_jump
        if kind == "search":
            self._search(value, step)
        else:
            self._code_jump(value, step)

    def _search(self, text: str, step: int) -> None:
        """Move to the next (``step`` ±1) segment holding ``text``; say which match of how many."""
        cursor = self.view.cursor
        found = self.session.search(text, cursor, step)
        if found is None:
            self._jump(None, f"“{text}” not found")
            return
        matches = self._matches(text)
        place = matches.index(found) + 1 if found in matches else 0
        message = f"“{text}”: match {place} of {len(matches)}"
        if found == cursor:
            message += " (the only one)"
        elif (found < cursor) == (step > 0):
            message += " · wrapped to the " + ("top" if step > 0 else "bottom")
        self._jump(found, "")
        self.last_message = message
        self.update_status()

    def _matches(self, text: str) -> list[int]:
        """Indexes of the segments holding ``text`` (case-insensitive), kept for the last text."""
        if self._match_cache[0] != text:
            needle = text.casefold()
            self._match_cache = (
                text,
                [i for i, seg in enumerate(self.session.segments) if needle in seg.text.casefold()],
            )
        return self._match_cache[1]

    def _code_jump(self, code_id: int, step: int) -> None:
        """Move to the next (``step`` ±1) segment with a code, wrapping round with a message."""
        session = self.session
        code = session.code_by_id[code_id]
        cursor = self.view.cursor
        found = session.next_with_code(code_id, cursor, step)
        wrapped = False
        if found is None:
            found = session.next_with_code(code_id, -1 if step > 0 else len(session.segments), step)
            wrapped = found is not None and found != cursor
        if found is None:
            self._jump(None, f"no segment with {code.label}")
            return
        self._jump(found, "")
        if wrapped:
            self.last_message = f"{code.label}: wrapped to the " + ("top" if step > 0 else "bottom")
        elif found == cursor:
            self.last_message = f"{code.label}: only this segment"
        else:
            self.last_message = f"{code.label}: next segment with it"
        self.update_status()

    def action_next_uncoded(self, step: int) -> None:
        self._jump(
            self.session.next_uncoded(self.view.cursor, step),
            "no uncoded segment " + ("below" if step > 0 else "above"),
        )

    def action_goto_code(self) -> None:
        def chosen(codes: list[Code] | None) -> None:
            if not codes:
                return
            self.last_jump = ("code", codes[0].id)
            self._code_jump(codes[0].id, 1)

        self._picker(self.session.codes, "Jump to the next segment with …", chosen, multi=False)

    def _jump(self, index: int | None, missing: str) -> None:
        if index is None:
            self.notify(missing, severity="warning", timeout=2)
            return
        self.view.move_to(index)

    # ------------------------------------------------------------------ status, blind mode, leaving
    def action_toggle_done(self) -> None:
        """Mark done (after confirming, while codable segments are uncoded), or back in progress."""
        self.sync()
        warning = self.session.done_warning()
        if warning is None:
            self._toggle_done(True)
            return
        self.app.push_screen(
            ConfirmModal(f"Mark done? {warning}.", yes="Mark done", no="Keep coding"),
            self._toggle_done,
        )

    @report_errors
    def _toggle_done(self, confirmed: bool | None) -> None:
        if not confirmed:
            self.last_message = "not marked done"
            self.update_status()
            return
        self._done(self.session.toggle_done())

    def action_toggle_others(self) -> None:
        if self.session.others is not None:
            self.session.show_others(False)
            self._others_changed()
        else:
            self._load_others()

    @work(thread=True, exclusive=True, group="others")
    def _load_others(self) -> None:
        try:
            self.session.show_others(True)
            coders = self.project.coders()
        except (CodebenchError, sqlite3.Error) as error:
            self.app.call_from_thread(self.app.notify, str(error), severity="error")
            return
        marks = coder_prefixes(coders, self.session.coder)
        self.others_marks = marks  # the view takes them on the app's thread
        self.others_legend = legend(coders, marks)
        deliver(self._others_changed)

    def _others_changed(self) -> None:
        shown = self.session.others is not None
        self.view.coder_marks = self.others_marks
        self.view.border_subtitle = (
            literal(f"others' codings shown · {self.others_legend}") if shown else ""
        )
        self.view.set_class(shown, "-others")
        self.view.refresh_all()
        self.last_message = "showing other coders' codings" if shown else "blind: only your codings"
        self.update_status()

    def action_back(self) -> None:
        view = self.view
        search = self.query_one("#search", Input)
        if search.display:
            search.display = False
            view.focus()
        elif view.visual is not None:
            view.exit_visual()
        elif len(view.selection) > 1:
            view.move_to(view.cursor)
        else:
            self.dismiss(None)


class _QuietHeap:
    """Keep Python's cyclic garbage collector from stalling the screen.

    Building the screen allocates some hundred thousand objects, which sets
    off collections worth about a third of the opening time; and once it is
    open, every full collection walks the whole heap (the app, the
    transcript's segments, the line index: about 100 ms on these machines),
    which is what the slowest keystrokes were waiting for. So the collector
    pauses while the screen is built; once it is drawn, the young garbage
    is collected and the surviving objects are frozen (:func:`gc.freeze`),
    so later collections look only at objects made after that, and each
    automatic full collection freezes its survivors in turn. Frozen objects
    that later become garbage in reference cycles wait for :meth:`tidy`, a
    full collection when the coder pauses (at most every
    :data:`TIDY_EVERY` seconds). Leaving the screen unfreezes everything,
    and it is collected as usual.
    """

    def __init__(self) -> None:
        self.was_enabled = gc.isenabled()
        self.settled = False
        self.frozen = False
        self.tidying = False
        #: Whether an automatic collection froze objects since the last tidy.
        self.refrozen = False
        self.last_tidy = monotonic()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.settled = True  # built outside the app's loop: leave the collector alone
            return
        gc.disable()
        # Should the screen never be shown, the collector still comes back.
        loop.call_later(BUILD_GRACE, partial(self.settle, collect=False))

    def settle(self, *, collect: bool = True) -> None:
        """Collect what the build left behind, freeze the rest and let the collector run again."""
        if self.settled:
            return
        self.settled = True
        if collect:
            gc.collect(1)
            gc.freeze()
            self.frozen = True
            gc.callbacks.append(self._collected)
        if self.was_enabled:
            gc.enable()

    def _collected(self, phase: str, info: dict[str, int]) -> None:
        """After an automatic full collection, freeze its survivors so the next one stays small."""
        if phase == "stop" and info.get("generation") == 2 and not self.tidying:
            gc.freeze()
            self.refrozen = True

    def tidy(self) -> bool:
        """While the coder pauses: collect everything once (frozen objects too), then freeze again.

        Frozen objects that became garbage in reference cycles (a closed
        picker, say) are reclaimed here; at most every :data:`TIDY_EVERY`
        seconds. Returns whether it ran.
        """
        if not self.frozen or monotonic() - self.last_tidy < TIDY_EVERY:
            return False
        self.tidying = True
        try:
            gc.unfreeze()
            gc.collect()
            gc.freeze()
        finally:
            self.tidying = False
            self.refrozen = False
            self.last_tidy = monotonic()
        return True

    def release(self) -> None:
        """The screen is gone: its objects may be collected again."""
        self.settle(collect=False)
        if self._collected in gc.callbacks:
            gc.callbacks.remove(self._collected)
        if self.frozen:
            gc.unfreeze()
            self.frozen = False


def segment_position(segments: list[Segment], index: int) -> str:
    """``seg 2 (0–189)``: the cursor's ordinal and the transcript's range, both as ordinals.

    Ordinals are what the transcript view, the CLI and exports show (the first
    segment is 0, interviewer turns included); the status bar once mixed them
    with a count ("seg 2/189" of 190 segments).
    """
    if not segments:
        return "empty transcript"
    return f"seg {segments[index].ordinal} ({segments[0].ordinal}–{segments[-1].ordinal})"


def _quietly(step: Callable[[], object]) -> bool:
    """Run a housekeeping step; a database problem only means it did not happen (returns ``False``)."""
    try:
        step()
    except (CodebenchError, sqlite3.Error):
        return False
    return True


def _quote(text: str, width: int = 300) -> str:
    text = " ".join(text.split())
    return "“" + (text if len(text) <= width else text[: width - 1] + "…") + "”"
