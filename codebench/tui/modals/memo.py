"""Writing a memo on a segment or a coding."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType

from codebench.tui.modals.text_prompt import TextPromptModal


class MemoModal(TextPromptModal):
    """Edit memo text; dismisses with the text (empty deletes) or ``None`` when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", priority=True, id="memo.save"),
        Binding("escape", "cancel", "Cancel", id="memo.cancel"),
    ]
    BOX_ID = "memo"
    PREFIX = "memo"
    FIELD_ID = "memo-text"
    HINT = "ctrl+s save · esc cancel · save empty text to delete"
