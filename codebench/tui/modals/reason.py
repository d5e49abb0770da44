"""Adjudication's reason: one line on why a segment was decided as it was."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from codebench.safety import visible_controls
from codebench.tui.literal import literal


class ReasonModal(ModalScreen[str | None]):
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
    ReasonModal #reason-quote { color: $text-muted; height: auto; max-height: 4; }
    ReasonModal #reason-hint { color: $text-muted; height: 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="review.reason.cancel"),
    ]

    def __init__(self, title: str, text: str = "", quote: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.initial = text
        self.quote = quote

    def compose(self) -> ComposeResult:
        with Vertical(id="reason-box"):
            yield Static(literal(self.title_text), id="reason-title")
            if self.quote:
                yield Static(literal(self.quote), id="reason-quote")
            yield Input(
                visible_controls(self.initial),
                placeholder="why this decision (optional)",
                id="reason-text",
            )
            yield Static("enter save · esc cancel · save it empty for no reason", id="reason-hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
