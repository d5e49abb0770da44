"""The codebook editor's "which code?" for moving a code under another or merging it into one.

One code at a time, and (for a move) the top level as a choice of its own;
the ranking is the code picker's (:func:`codebench.codebook.ranking.rank_codes`),
so ``4``, ``13.2`` and ``innov`` find the same codes in both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from codebench.codebook.ranking import rank_codes
from codebench.models import Code
from codebench.tui.literal import literal
from codebench.tui.widgets.code_options import code_prompt
from codebench.tui.widgets.lists import NavOptionList


@dataclass(frozen=True)
class PickedCode:
    """The choice made in :class:`TargetCodeModal`; ``code=None`` means the top level."""

    code: Code | None


class TargetCodeModal(ModalScreen[PickedCode | None]):
    """Pick the code to move under or merge into; dismisses with it, or ``None`` if cancelled."""

    DEFAULT_CSS = """
    TargetCodeModal { align: center middle; }
    TargetCodeModal > #target {
        width: 80; max-width: 95%; height: auto; max-height: 90%;
        border: thick $accent; background: $surface; padding: 0 1;
    }
    TargetCodeModal #target-title { text-style: bold; padding-bottom: 1; }
    TargetCodeModal OptionList { height: auto; max-height: 24; }
    TargetCodeModal #target-hint { color: $text-muted; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="codebook.target.cancel"),
        Binding("down", "cursor(1)", "Next", show=False, id="codebook.target.down"),
        Binding("up", "cursor(-1)", "Previous", show=False, id="codebook.target.up"),
    ]

    TOP = "top"
    """The option id of "the top level"."""

    def __init__(
        self,
        title: str,
        codes: Sequence[Code],
        *,
        depths: dict[int, int],
        allow_top_level: bool = False,
    ) -> None:
        super().__init__()
        self._title = title
        self.codes = list(codes)
        """The codes offered (the caller leaves out the ones that cannot be a target)."""
        self._by_id = {c.id: c for c in self.codes}
        self._depths = depths
        self._allow_top = allow_top_level
        self._chosen = False

    def compose(self) -> ComposeResult:
        with Vertical(id="target"):
            yield Static(literal(self._title), id="target-title")
            yield Input(placeholder="Type a number (13.2) or part of a name", id="target-query")
            yield NavOptionList(id="target-choices")
            yield Static("↑↓ choose · enter pick · esc cancel", id="target-hint")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one("#target-query", Input).focus()

    @on(Input.Changed, "#target-query")
    def _query_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def _fill(self, query: str) -> None:
        """The codebook as a tree when nothing is typed, else the ranked matches."""
        query = query.strip()
        options: list[Option] = []
        top = Option(Text("⤒ Top level", style="italic"), id=self.TOP)
        if not query:
            if self._allow_top:
                options.append(top)
            options.extend(
                Option(code_prompt(c, depth=self._depths.get(c.id, 0)), id=str(c.id))
                for c in self.codes
            )
        else:
            if self._allow_top and "top level".startswith(query.casefold()):
                options.append(top)
            options.extend(
                Option(code_prompt(c), id=str(c.id)) for c in rank_codes(self.codes, query)
            )
        choices = self.query_one("#target-choices", OptionList)
        choices.set_options(options)
        choices.highlighted = 0 if options else None

    def action_cursor(self, step: int) -> None:
        choices = self.query_one("#target-choices", OptionList)
        if choices.option_count:
            current = choices.highlighted if choices.highlighted is not None else -1
            choices.highlighted = max(0, min(choices.option_count - 1, current + step))

    @on(Input.Submitted, "#target-query")
    def _submit(self) -> None:
        option = self.query_one("#target-choices", OptionList).highlighted_option
        if option is not None:
            self._pick(option.id)

    @on(OptionList.OptionSelected, "#target-choices")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self._pick(event.option.id)

    def _pick(self, option_id: str | None) -> None:
        if self._chosen or option_id is None:
            return
        self._chosen = True
        self.dismiss(PickedCode(None if option_id == self.TOP else self._by_id[int(option_id)]))

    def action_cancel(self) -> None:
        if not self._chosen:
            self._chosen = True
            self.dismiss(None)
