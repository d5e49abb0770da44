"""Small questions a screen asks: one line of text (or a masked passphrase), or one of a list.

The pseudonymisation review asks for a label, for the key's passphrase and
for the transcript a decision is limited to; the modals know nothing of
keys, they return what was typed or chosen (``None`` when cancelled).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static

from codebench.tui.literal import literal
from codebench.tui.widgets.lists import NavOptionList

_CSS = """
{name} {{ align: center middle; background: $background 60%; }}
{name} > Vertical {{
    width: 76; max-width: 100%; height: auto; max-height: 100%;
    border: thick $accent; background: $surface; padding: 0 1;
}}
{name} .ask-title {{ text-style: bold; margin-bottom: 1; }}
{name} .ask-problem {{ color: $error; text-style: bold; }}
{name} .ask-hint {{ color: $text-muted; }}
{name} NavOptionList {{ height: auto; max-height: 12; }}
"""


class AskModal(ModalScreen[str | None]):
    """One line of text; Enter returns it (stripped), Escape returns ``None``.

    ``password`` masks what is typed (a passphrase never shows on screen);
    ``problem`` says in red why the question is asked again.
    """

    DEFAULT_CSS = _CSS.format(name="AskModal")
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="ask.cancel")]

    def __init__(
        self,
        title: str,
        value: str = "",
        *,
        hint: str = "Enter accepts · esc cancels",
        password: bool = False,
        problem: str | None = None,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.initial = value
        self.hint = hint
        self.password = password
        self.problem = problem

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(literal(self.title_text), classes="ask-title")
            if self.problem:
                yield Static(literal(self.problem), classes="ask-problem")
            yield Input(self.initial, password=self.password, id="ask-value")
            yield Static(literal(self.hint), classes="ask-hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        value = event.value if self.password else event.value.strip()
        if not value:
            self.notify("Type something first, or esc to cancel", severity="warning")
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ChoiceModal(ModalScreen[str | None]):
    """Pick one of ``choices`` (j/k, Enter); returns it, or its entry in ``values`` when
    given (what is shown need not be what is meant); Escape returns ``None``."""

    DEFAULT_CSS = _CSS.format(name="ChoiceModal")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="choice.cancel")
    ]

    def __init__(
        self, title: str, choices: Sequence[str], values: Sequence[str] | None = None
    ) -> None:
        super().__init__()
        self.title_text = title
        self.choices = list(choices)
        self.values = list(values) if values is not None else self.choices

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(literal(self.title_text), classes="ask-title")
            yield NavOptionList(*(literal(c) for c in self.choices), id="choice-options")
            yield Static("Enter chooses · esc cancels", classes="ask-hint")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.values[event.option_index])

    def action_cancel(self) -> None:
        self.dismiss(None)
