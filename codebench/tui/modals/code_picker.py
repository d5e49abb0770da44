"""The code picker: type a number or part of a name, Enter applies the codes to the selection.

The one picker the coding screen opens (apply, remove, jump to a code, memo
on a coding); the codebook editor's "move/merge into which code" is
:class:`~codebench.tui.modals.target_code.TargetCodeModal`. Both rank with
:func:`codebench.codebook.ranking.rank_codes`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.events import Key
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from codebench.codebook.numbers import is_number
from codebench.codebook.ranking import rank_codes
from codebench.models import Code
from codebench.tui.literal import literal
from codebench.tui.widgets.code_options import code_prompt
from codebench.tui.widgets.lists import NavOptionList


class CodePickerModal(ModalScreen[list[Code] | None]):
    """Choose one or several codes; dismisses with the chosen codes or ``None``.

    Typing filters (``04``, ``13.2``, ``innov``); recently used codes come
    first. Space (after a number, or with an empty query) or Tab marks the
    highlighted code so several can be applied at once; Enter applies the
    marked codes, or the highlighted one if none is marked.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "apply", "Apply", id="picker.apply"),
        Binding("tab", "mark", "Mark several (also space after a number)", id="picker.toggle"),
        Binding("down,ctrl+n", "move(1)", "Down", show=False, id="picker.down"),
        Binding("up,ctrl+p", "move(-1)", "Up", show=False, id="picker.up"),
        Binding("escape", "cancel", "Cancel", id="picker.cancel"),
    ]

    def __init__(
        self,
        codes: Sequence[Code],
        *,
        recent: Sequence[Code] = (),
        title: str = "Apply code",
        colours: dict[int, str | None] | None = None,
        multi: bool = True,
    ) -> None:
        super().__init__()
        self.codes = list(codes)
        self.recent = list(recent)
        self.title_text = title
        self.colours = colours or {}
        self.multi = multi
        self.marked: list[Code] = []
        self._shown_query: str | None = None
        self._chosen_already = False
        self.matches: list[Code] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Static(literal(self.title_text), id="picker-title")
            yield Input(placeholder="number or name: 04, 13.2, innov …", id="picker-input")
            yield NavOptionList(id="picker-options")
            # A long definition scrolls (it was cut at six lines).
            with VerticalScroll(id="picker-detail-box"):
                yield Static(id="picker-detail")
            hint = "↑↓ choose · enter apply · esc cancel"
            if self.multi:
                hint = "↑↓ choose · tab/space mark several · enter apply · esc cancel"
            yield Static(hint, id="picker-hint")

    def on_mount(self) -> None:
        self._refresh_options("")
        field = self.query_one(Input)
        field.focus()

    def on_key(self, event: Key) -> None:
        """Keys typed before the input took focus (fast typists: ``c04⏎``) still reach it."""
        field = self.query_one(Input)
        if not field.has_focus and event.is_printable and event.character:
            field.insert_text_at_cursor(event.character)
            field.focus()
            event.stop()

    @on(Input.Changed, "#picker-input")
    def _query_changed(self, event: Input.Changed) -> None:
        value = event.value
        typed = value[:-1]
        if self.multi and value.endswith(" ") and (not typed or is_number(typed)):
            # Space after a number (or on its own) marks the highlighted code.
            event.input.value = typed
            self._sync()
            self.action_mark()
            return
        self._sync()

    @on(Input.Submitted, "#picker-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.call_later(self.action_apply)

    def _sync(self) -> None:
        """Bring the options up to date with the input (typeahead edits it synchronously)."""
        value = self.query_one(Input).value
        if value != self._shown_query:
            self._refresh_options(value)

    def _refresh_options(self, query: str) -> None:
        self._shown_query = query
        self.matches = rank_codes(self.codes, query, self.recent)
        options = self.query_one(OptionList)
        options.clear_options()
        recent_ids = {c.id for c in self.recent}
        options.add_options(
            Option(
                code_prompt(
                    code,
                    swatch=self.colours.get(code.id) or "#888888",
                    marked=code in self.marked,
                    recent=code.id in recent_ids and not query,
                ),
                id=str(code.id),
            )
            for code in self.matches
        )
        if self.matches:
            options.highlighted = 0
        self._show_detail()

    @on(OptionList.OptionHighlighted)
    def _highlighted(self) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        code = self.highlighted
        detail = self.query_one("#picker-detail", Static)
        if code is None:
            detail.update("[dim]no code matches[/]")
            return
        text = Text()
        text.append(code.label + "\n", style="bold")
        text.append((code.description or "").strip())
        if code.inclusion:
            text.append("\nUse when: ", style="bold")
            text.append(code.inclusion.strip())
        detail.update(literal(text))

    @property
    def highlighted(self) -> Code | None:
        index = self.query_one(OptionList).highlighted
        if index is None or not 0 <= index < len(self.matches):
            return None
        return self.matches[index]

    def action_move(self, step: int) -> None:
        self._sync()
        options = self.query_one(OptionList)
        if step > 0:
            options.action_cursor_down()
        else:
            options.action_cursor_up()

    def action_mark(self) -> None:
        """Mark (or unmark) the highlighted code, to apply several at once."""
        self._sync()
        code = self.highlighted
        if code is None or not self.multi:
            return
        if code in self.marked:
            self.marked.remove(code)
        else:
            self.marked.append(code)
        self.query_one(Input).value = ""
        self._refresh_options("")

    def action_apply(self) -> None:
        if self._chosen_already:
            return
        self._sync()
        chosen = list(self.marked)
        typed = bool(self.query_one(Input).value.strip())
        if (
            self.highlighted is not None
            and (not chosen or typed)
            and self.highlighted not in chosen
        ):
            chosen.append(self.highlighted)
        self._chosen_already = True
        self.dismiss(chosen or None)

    @on(OptionList.OptionSelected)
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        if self._chosen_already:
            return
        self._chosen_already = True
        code = self.matches[event.option_index]
        chosen = list(self.marked)
        if code not in chosen:
            chosen.append(code)
        self.dismiss(chosen)

    def action_cancel(self) -> None:
        if not self._chosen_already:
            self._chosen_already = True
            self.dismiss(None)
