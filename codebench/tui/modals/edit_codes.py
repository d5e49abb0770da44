"""Adjudication's "edit": tick the codes the consensus gives one segment."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, SelectionList, Static
from textual.widgets.selection_list import Selection

from codebench.models import Code
from codebench.tui.literal import literal
from codebench.tui.widgets.lists import NavSelectionList


class EditCodesModal(ModalScreen["list[int] | None"]):
    """Pick the codes the consensus gives the segment; returns their ids (``None`` if cancelled)."""

    DEFAULT_CSS = """
    EditCodesModal { align: center middle; }
    EditCodesModal > #edit-box {
        width: 80; max-width: 95%; height: 80%; border: thick $accent; background: $surface; padding: 0 1;
    }
    EditCodesModal #edit-title { text-style: bold; height: auto; }
    EditCodesModal #edit-codes { height: 1fr; }
    EditCodesModal #edit-buttons { height: 3; align-horizontal: right; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+s",
            "apply",
            "Apply",
            tooltip="Give the segment the ticked codes",
            id="review.edit.apply",
        ),
        Binding(
            "escape", "cancel", "Cancel", tooltip="Close without deciding", id="review.edit.cancel"
        ),
    ]

    def __init__(self, codes: Sequence[Code], selected: set[int], title: str) -> None:
        super().__init__()
        self.codes = list(codes)
        self.selected = set(selected)
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(id="edit-box"):
            yield Static(
                literal(self.title_text + "\nSpace ticks a code; Ctrl+S applies, Escape cancels."),
                id="edit-title",
            )
            yield NavSelectionList[int](
                *[Selection(literal(c.label), c.id, c.id in self.selected) for c in self.codes],
                id="edit-codes",
            )
            with Horizontal(id="edit-buttons"):
                yield Button("Apply", variant="primary", id="edit-apply")
                yield Button("Cancel", id="edit-cancel")

    def action_apply(self) -> None:
        self.dismiss(list(self.query_one(SelectionList).selected))

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#edit-apply")
    def _apply(self) -> None:
        self.action_apply()

    @on(Button.Pressed, "#edit-cancel")
    def _cancel(self) -> None:
        self.action_cancel()
