"""Correcting one segment's text (a typo, a mis-heard word); codings move with the words."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType

from codebench.tui.modals.text_prompt import TextPromptModal


class SegmentTextModal(TextPromptModal):
    """Edit a segment's text; dismisses with the new text, or ``None`` when cancelled.

    Enter saves (a segment is a sentence or a turn, so a new line is rarely
    wanted; ctrl+s saves too); escape cancels.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "save", "Save", priority=True, id="segment_text.save"),
        Binding("ctrl+s", "save", "Save", priority=True, show=False, id="segment_text.save_s"),
        Binding("escape", "cancel", "Cancel", id="segment_text.cancel"),
    ]
    BOX_ID = "segment-text"
    PREFIX = "segment-text"
    FIELD_ID = "segment-text-area"
    HINT = "enter save · esc cancel · codings move with their words · u undoes"
