"""The shape every text-asking modal shares: a title, an optional quote, one field, a hint.

The memo editor, the segment text editor and the adjudication reason prompt
differ only in their field (a many-line editor or a one-line input), their
keys and their words; the showing, the focusing and the dismissing live here
once, so a control character in the initial text is made visible the same way
in all of them (what is shown is what is saved).
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Input, Static, TextArea

from codebench.safety import visible_controls
from codebench.tui.literal import literal


class TextPromptModal(ModalScreen[str | None]):
    """Ask for a text; dismisses with it (the caller decides what empty means) or ``None`` when cancelled.

    A subclass names its widget ids and hint, and may swap the field: the
    default is a soft-wrapped many-line editor saved by ``action_save``;
    :meth:`make_field` returning an :class:`Input` gives a one-line prompt.
    """

    BOX_ID: ClassVar[str]
    """Id of the box around the prompt (the stylesheet sizes it)."""
    PREFIX: ClassVar[str]
    """Prefix of the title, quote and hint ids (``<prefix>-title`` …)."""
    FIELD_ID: ClassVar[str]
    """Id of the text field."""
    HINT: ClassVar[str]
    """The keys line under the field."""

    def __init__(self, title: str, text: str = "", quote: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.initial = text
        self.quote = quote

    def make_field(self, text: str) -> Widget:
        """The field holding ``text`` (already made visible); a many-line editor by default."""
        return TextArea(text, id=self.FIELD_ID, soft_wrap=True)

    def compose(self) -> ComposeResult:
        with Vertical(id=self.BOX_ID):
            yield Static(literal(self.title_text), id=f"{self.PREFIX}-title")
            if self.quote:
                # A long quote (a many-segment passage) scrolls in its few lines, never cut.
                with VerticalScroll(id=f"{self.PREFIX}-quote-box", classes="prompt-quote-box"):
                    yield Static(literal(self.quote), id=f"{self.PREFIX}-quote")
            yield self.make_field(visible_controls(self.initial))
            yield Static(self.HINT, id=f"{self.PREFIX}-hint")

    def on_mount(self) -> None:
        field = self.query_one(f"#{self.FIELD_ID}")
        field.focus()
        if isinstance(field, TextArea):
            field.move_cursor(field.document.end)

    def current_text(self) -> str:
        """What the field holds now."""
        field = self.query_one(f"#{self.FIELD_ID}")
        if isinstance(field, Input):
            return field.value
        return self.query_one(f"#{self.FIELD_ID}", TextArea).text

    def action_save(self) -> None:
        self.dismiss(self.current_text())

    def action_cancel(self) -> None:
        self.dismiss(None)
