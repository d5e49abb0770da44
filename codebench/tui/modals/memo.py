"""Writing a memo on a segment or a coding."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from codebench.safety import visible_controls
from codebench.tui.literal import literal


class MemoModal(ModalScreen[str | None]):
    """Edit memo text; dismisses with the text (empty deletes) or ``None`` when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", priority=True, id="memo.save"),
        Binding("escape", "cancel", "Cancel", id="memo.cancel"),
    ]

    def __init__(self, title: str, text: str = "", quote: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.initial = text
        self.quote = quote

    def compose(self) -> ComposeResult:
        with Vertical(id="memo"):
            yield Static(literal(self.title_text), id="memo-title")
            if self.quote:
                yield Static(literal(self.quote), id="memo-quote")
            # What is shown is what is saved: a control character shows (and stays) visible.
            yield TextArea(visible_controls(self.initial), id="memo-text", soft_wrap=True)
            yield Static("ctrl+s save · esc cancel · save empty text to delete", id="memo-hint")

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def action_save(self) -> None:
        self.dismiss(self.query_one(TextArea).text)

    def action_cancel(self) -> None:
        self.dismiss(None)
