"""Correcting one segment's text (a typo, a mis-heard word); codings move with the words."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from codebench.safety import visible_controls
from codebench.tui.literal import literal


class SegmentTextModal(ModalScreen[str | None]):
    """Edit a segment's text; dismisses with the new text, or ``None`` when cancelled.

    Enter saves (a segment is a sentence or a turn, so a new line is rarely
    wanted; ctrl+s saves too); escape cancels.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "save", "Save", priority=True, id="segment_text.save"),
        Binding("ctrl+s", "save", "Save", priority=True, show=False, id="segment_text.save_s"),
        Binding("escape", "cancel", "Cancel", id="segment_text.cancel"),
    ]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_text = title
        self.initial = text

    def compose(self) -> ComposeResult:
        with Vertical(id="segment-text"):
            yield Static(literal(self.title_text), id="segment-text-title")
            # What is shown is what is saved: a control character shows (and stays) visible.
            yield TextArea(visible_controls(self.initial), id="segment-text-area", soft_wrap=True)
            yield Static(
                "enter save · esc cancel · codings move with their words · u undoes",
                id="segment-text-hint",
            )

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def action_save(self) -> None:
        self.dismiss(self.query_one(TextArea).text)

    def action_cancel(self) -> None:
        self.dismiss(None)
