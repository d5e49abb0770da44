"""Adjudication's reason: one line on why a segment was decided as it was."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Input

from codebench.tui.modals.text_prompt import TextPromptModal


class ReasonModal(TextPromptModal):
    """Ask for the reason; dismisses with the text (empty: no reason) or ``None`` when cancelled.

    A short prompt, not the memo editor: a reason is a sentence the
    adjudication log and the methods appendix quote, written between two
    decisions, so Enter saves it.
    """

    DEFAULT_CSS = """
    ReasonModal { align: center middle; background: $background 60%; }
    ReasonModal > #reason-box {
        width: 80; max-width: 95%; height: auto; border: thick $accent; background: $surface; padding: 0 1;
    }
    ReasonModal #reason-title { text-style: bold; height: auto; }
    ReasonModal #reason-hint { color: $text-muted; height: 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="review.reason.cancel"),
    ]
    BOX_ID = "reason-box"
    PREFIX = "reason"
    FIELD_ID = "reason-text"
    HINT = "enter save · esc cancel · save it empty for no reason"

    def make_field(self, text: str) -> Widget:
        """One line: Enter saves."""
        return Input(text, placeholder="why this decision (optional)", id=self.FIELD_ID)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)
