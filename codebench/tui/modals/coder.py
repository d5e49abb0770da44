"""First run on a project: who is coding?"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static

from codebench.tui.literal import literal
from codebench.tui.widgets.lists import NavOptionList


class CoderModal(ModalScreen[str | None]):
    """Ask for the coder's name (or pick a known coder); ``None`` if the user gives up."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Quit", id="coder.cancel")]

    def __init__(self, known: list[str]) -> None:
        super().__init__()
        self.known = known

    def compose(self) -> ComposeResult:
        with Vertical(id="coder"):
            yield Static("Who is coding?", id="coder-title")
            yield Static(
                "Your name labels your codings. You see only your own codings "
                "(blind coding) unless you choose to show others'.",
                id="coder-help",
            )
            yield Input(placeholder="your name, then Enter", id="coder-name")
            if self.known:
                yield Static("or choose a coder already in this project:", id="coder-known-title")
                yield NavOptionList(*(literal(name) for name in self.known), id="coder-known")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        name = event.value.strip()
        if name:
            self.dismiss(name)
        else:
            self.notify("Type your name first", severity="warning")

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.known[event.option_index])

    def action_cancel(self) -> None:
        self.dismiss(None)
