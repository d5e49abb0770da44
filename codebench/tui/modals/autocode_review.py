"""Review an auto-code batch: each proposed passage accepted or rejected before anything is written.

The search screen plans the batch (:func:`codebench.analysis.autocode.plan_autocode`
or :func:`~codebench.analysis.autocode.plan_query_code`) and opens this
dialog; it dismisses with the numbers of the rejected passages (Enter) or
``None`` (escape: nothing is applied). The batch is applied by the caller
as one undoable action, so a lead sees every passage before it is coded.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from codebench.analysis.autocode import AutocodeBatch, Proposal
from codebench.tui.literal import literal
from codebench.tui.widgets.footer import BindingsFooter
from codebench.tui.widgets.lists import NavDataTable
from codebench.tui.widgets.wrap import cut, place_cut
from codebench.wording import plural


class AutocodeReviewModal(ModalScreen[set[int] | None]):
    """Accept or reject each passage of a batch; dismiss with the rejected numbers."""

    DEFAULT_CSS = """
    AutocodeReviewModal { align: center middle; }
    AutocodeReviewModal > Vertical { width: 96%; height: 92%; border: thick $primary; background: $surface; }
    AutocodeReviewModal #review-heading { height: auto; padding: 0 1; }
    AutocodeReviewModal #review-table { height: 1fr; }
    AutocodeReviewModal #review-passage-box {
        height: 5; border-top: solid $primary-darken-2; scrollbar-size-vertical: 1;
    }
    AutocodeReviewModal #review-passage { padding: 0 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space,x", "toggle_passage", "Accept/reject", id="autocode.toggle"),
        Binding("a", "accept_all", "Accept all", id="autocode.accept_all"),
        Binding("enter", "apply", "Apply", priority=True, id="autocode.apply"),
        Binding("escape", "cancel", "Cancel", id="autocode.cancel"),
    ]

    def __init__(self, batch: AutocodeBatch, coder: str) -> None:
        super().__init__()
        self.plan = batch
        self.coder = coder
        self.rejected: set[int] = set()

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(id="review-heading")
            yield NavDataTable(id="review-table", cursor_type="row")
            # The whole passage (a turn can be long): scrolled, never cut.
            with VerticalScroll(id="review-passage-box"):
                yield Static(id="review-passage")
            yield BindingsFooter(first=("autocode.apply", "autocode.cancel", "autocode.toggle"))

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("", key="mark")
        table.add_column("#", key="number")
        table.add_column("Where", key="where")
        table.add_column("Passage", key="text")
        room = max(12, self.app.size.width - 40)
        for p in self.plan.proposals:
            table.add_row(
                "✓",
                str(p.number),
                literal(place_cut(p.transcript, _span(p), 22)),
                literal(cut(p.text, room)),
                key=str(p.number),
            )
        table.focus()
        self._heading()
        self._show()

    def _heading(self) -> None:
        accepted = len(self.plan.proposals) - len(self.rejected)
        text = Text.assemble(
            ("Review: ", "bold"),
            f"code {self.plan.code} on {accepted} of {plural(len(self.plan.proposals), 'passage')}, as {self.coder}. ",
            ("space/x accept or reject · a accept all · Enter apply · esc cancel", "dim"),
        )
        for note in self.plan.notes[1:]:
            text.append(f"\n{note}", style="dim")
        self.query_one("#review-heading", Static).update(literal(text))

    def _current(self) -> int | None:
        table = self.query_one(DataTable)
        if not self.plan.proposals or not table.row_count:
            return None
        return self.plan.proposals[table.cursor_row].number

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show()

    def _show(self) -> None:
        number = self._current()
        panel = self.query_one("#review-passage", Static)
        if number is None:
            panel.update("No passages to code.")
            return
        p = self.plan.proposals[number - 1]
        state = "rejected" if number in self.rejected else "accepted"
        where = f"{p.transcript} {_span(p)}"
        panel.update(
            literal(
                Text.assemble(
                    (f"{number} ({state}) ", "bold"),
                    (where, "bold"),
                    "\n",
                    " ".join(p.text.split()),
                )
            )
        )

    def action_toggle_passage(self) -> None:
        number = self._current()
        if number is None:
            return
        self.rejected.symmetric_difference_update({number})
        table = self.query_one(DataTable)
        table.update_cell(str(number), "mark", "✗" if number in self.rejected else "✓")
        if table.cursor_row < table.row_count - 1:
            table.move_cursor(row=table.cursor_row + 1)
        self._heading()
        self._show()

    def action_accept_all(self) -> None:
        table = self.query_one(DataTable)
        for number in self.rejected:
            table.update_cell(str(number), "mark", "✓")
        self.rejected.clear()
        self._heading()
        self._show()

    def action_apply(self) -> None:
        self.dismiss(set(self.rejected))

    def action_cancel(self) -> None:
        self.dismiss(None)


def _span(p: Proposal) -> str:
    """The passage's segments: ``12`` or ``12–14``."""
    return str(p.first_segment) + (
        "" if p.last_segment == p.first_segment else f"–{p.last_segment}"
    )
