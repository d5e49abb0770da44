"""Modals of the codebook editor: the code form, the fuzzy code picker, a yes/no confirmation.

Each returns a typed result through ``dismiss()`` (``None`` when cancelled);
the caller passes a callback to ``push_screen``. They hold no project: the
screen does the work, so these stay reusable and easy to test.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.fuzzy import Matcher
from textual.screen import ModalScreen
from textual.widgets import (
    Button,
    Input,
    Label,
    OptionList,
    RadioButton,
    RadioSet,
    Static,
    TextArea,
)
from textual.widgets.option_list import Option

from codebench.models import Code
from codebench.safety import visible_controls as _v
from codebench.tui.literal import literal

Placement = Literal["child", "sibling", "top"]
PLACEMENTS: tuple[Placement, ...] = ("child", "sibling", "top")
TEXT_FIELDS = (
    ("description", "Definition"),
    ("inclusion", "Use when (inclusion)"),
    ("exclusion", "Do not use when (exclusion)"),
    ("example", "Example"),
)


@dataclass(frozen=True)
class CodeForm:
    """What the user entered in :class:`CodeFormModal`."""

    values: dict[str, str]
    """``name``, ``number``, ``description``, ``inclusion``, ``exclusion``, ``example``, ``colour``."""
    placement: Placement = "child"
    """Where a new code goes relative to the highlighted one (ignored when editing)."""


@dataclass(frozen=True)
class PickedCode:
    """The choice made in :class:`CodePickerModal`; ``code=None`` means the top level."""

    code: Code | None


class CodeFormModal(ModalScreen[CodeForm | None]):
    """Add or edit a code: number, name, guidance texts and colour.

    For a new code, ``anchor`` is the highlighted code and ``suggestions``
    maps each placement (child / sibling / top) to the number suggested there;
    the number follows the placement unless the user has typed another.
    """

    DEFAULT_CSS = """
    CodeFormModal { align: center middle; }
    CodeFormModal > #form {
        width: 90; max-width: 95%; height: 90%; max-height: 46;
        border: thick $accent; background: $surface; padding: 0 1;
    }
    CodeFormModal #form-title { text-style: bold; }
    CodeFormModal #fields { height: 1fr; }
    CodeFormModal Label { color: $text-muted; margin-top: 1; }
    CodeFormModal TextArea { height: 4; }
    CodeFormModal RadioSet { width: 100%; }
    CodeFormModal #form-error { color: $error; height: auto; }
    CodeFormModal #form-buttons { height: auto; }
    CodeFormModal #form-hint { width: 1fr; color: $text-muted; padding-top: 1; }
    CodeFormModal Button { margin-left: 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="codebook.form.save"),
        Binding("escape", "cancel", "Cancel", id="codebook.form.cancel"),
    ]

    def __init__(
        self,
        title: str,
        values: dict[str, str] | None = None,
        *,
        anchor: Code | None = None,
        suggestions: dict[Placement, str | None] | None = None,
        placement: Placement = "child",
    ) -> None:
        super().__init__()
        self._title = title
        self._values = {k: v for k, v in (values or {}).items() if v is not None}
        self._anchor = anchor
        self._suggestions = suggestions
        self._placement: Placement = placement if anchor is not None else "top"

    @property
    def adding(self) -> bool:
        return self._suggestions is not None

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Static(literal(self._title), id="form-title")
            with VerticalScroll(id="fields"):
                if self.adding:
                    yield Label("Place")
                    with RadioSet(id="placement", compact=True):
                        label = self._anchor.label if self._anchor else ""
                        yield RadioButton(
                            literal(f"Under {label}"),
                            value=self._placement == "child",
                            id="place-child",
                            disabled=self._anchor is None,
                        )
                        yield RadioButton(
                            literal(f"Beside {label}"),
                            value=self._placement == "sibling",
                            id="place-sibling",
                            disabled=self._anchor is None,
                        )
                        yield RadioButton(
                            "At the top level", value=self._placement == "top", id="place-top"
                        )
                yield Label("Name")
                yield Input(
                    _v(self._values.get("name", "")),
                    id="name",
                    placeholder="What the code captures",
                    compact=True,
                )
                yield Label("Number (blank for none)")
                number = self._values.get("number")
                if number is None and self._suggestions is not None:
                    number = self._suggestions.get(self._placement) or ""
                yield Input(_v(number or ""), id="number", placeholder="e.g. 13.5", compact=True)
                for field, title in TEXT_FIELDS:
                    yield Label(title)
                    yield TextArea(
                        _v(self._values.get(field, "")), id=field, soft_wrap=True, compact=True
                    )
                yield Label("Colour (#RRGGBB, optional)")
                yield Input(
                    _v(self._values.get("colour", "")),
                    id="colour",
                    placeholder="#4DC9B0",
                    compact=True,
                )
            yield Static("", id="form-error")
            with Horizontal(id="form-buttons"):
                yield Static("ctrl+s save · tab next field · esc cancel", id="form-hint")
                yield Button("Save", variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    @on(RadioSet.Changed, "#placement")
    def _placement_changed(self, event: RadioSet.Changed) -> None:
        previous, self._placement = self._placement, PLACEMENTS[event.index]
        if self._suggestions is None:
            return
        number = self.query_one("#number", Input)
        if number.value.strip() in ("", self._suggestions.get(previous) or ""):
            number.value = (
                self._suggestions.get(self._placement) or ""
            )  # not typed over: follow the placement

    @on(Input.Submitted)
    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        values = {
            name: self.query_one(f"#{name}", Input).value for name in ("name", "number", "colour")
        }
        for field, _title in TEXT_FIELDS:
            values[field] = self.query_one(f"#{field}", TextArea).text
        if not values["name"].strip():
            self.query_one("#form-error", Static).update("A code needs a name.")
            self.query_one("#name", Input).focus()
            return
        self.dismiss(CodeForm(values, self._placement))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class CodePickerModal(ModalScreen[PickedCode | None]):
    """Pick a code by typing part of its number or name (fuzzy), Enter to choose."""

    DEFAULT_CSS = """
    CodePickerModal { align: center middle; }
    CodePickerModal > #picker {
        width: 80; max-width: 95%; height: auto; max-height: 90%;
        border: thick $accent; background: $surface; padding: 0 1;
    }
    CodePickerModal #picker-title { text-style: bold; padding-bottom: 1; }
    CodePickerModal OptionList { height: auto; max-height: 24; }
    CodePickerModal #picker-hint { color: $text-muted; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="codebook.picker.cancel"),
        Binding("down", "cursor(1)", "Next", show=False, id="codebook.picker.down"),
        Binding("up", "cursor(-1)", "Previous", show=False, id="codebook.picker.up"),
    ]

    TOP = "top"

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
        self._codes = list(codes)
        self._by_id = {c.id: c for c in self._codes}
        self._depths = depths
        self._allow_top = allow_top_level

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Static(literal(self._title), id="picker-title")
            yield Input(placeholder="Type a number (13.2) or part of a name", id="query")
            yield OptionList(id="choices")
            yield Static("↑↓ choose · enter pick · esc cancel", id="picker-hint")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one("#query", Input).focus()

    @on(Input.Changed, "#query")
    def _query_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def _fill(self, query: str) -> None:
        choices = self.query_one("#choices", OptionList)
        options: list[Option] = []
        query = query.strip()
        if not query:
            if self._allow_top:
                options.append(Option(Text("⤒ Top level", style="italic"), id=self.TOP))
            for code in self._codes:
                options.append(
                    Option(
                        literal("  " * self._depths.get(code.id, 0) + code.label), id=str(code.id)
                    )
                )
        else:
            if self._allow_top and "top level".startswith(query.casefold()):
                options.append(Option(Text("⤒ Top level", style="italic"), id=self.TOP))
            for code in rank_codes(query, self._codes):
                options.append(Option(literal(code.label), id=str(code.id)))
        choices.set_options(options)
        choices.highlighted = 0 if options else None

    def action_cursor(self, step: int) -> None:
        choices = self.query_one("#choices", OptionList)
        if choices.option_count:
            current = choices.highlighted if choices.highlighted is not None else -1
            choices.highlighted = max(0, min(choices.option_count - 1, current + step))

    @on(Input.Submitted, "#query")
    def _submit(self) -> None:
        option = self.query_one("#choices", OptionList).highlighted_option
        if option is not None:
            self._pick(option.id)

    @on(OptionList.OptionSelected, "#choices")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self._pick(event.option.id)

    def _pick(self, option_id: str | None) -> None:
        if option_id == self.TOP:
            self.dismiss(PickedCode(None))
        elif option_id is not None:
            self.dismiss(PickedCode(self._by_id[int(option_id)]))

    def action_cancel(self) -> None:
        self.dismiss(None)


def rank_codes(query: str, codes: Sequence[Code]) -> list[Code]:
    """Codes matching ``query``, best first: number prefixes, then name substrings, then fuzzy."""
    folded = query.casefold()
    padded = (
        "0" + folded if folded[:1].isdigit() and (len(folded) == 1 or folded[1] == ".") else folded
    )
    matcher = Matcher(query)
    scored: list[tuple[float, int, Code]] = []
    for order, code in enumerate(codes):
        number = (code.number or "").casefold()
        if number and (number == folded or number == padded):
            score = 4.0
        elif number and number.startswith((folded, padded)):
            score = 3.0
        elif folded in code.name.casefold():
            score = 2.0
        else:
            fuzzy = matcher.match(code.label)  # unbounded; squeeze below the exact tiers
            score = fuzzy / (fuzzy + 1.0)
        if score > 0:
            scored.append((score, order, code))
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [code for _score, _order, code in scored]


class ConfirmModal(ModalScreen[bool]):
    """A yes/no question; ``y`` confirms, ``n`` or escape declines."""

    DEFAULT_CSS = """
    ConfirmModal { align: center middle; }
    ConfirmModal > #confirm {
        width: 70; max-width: 95%; height: auto;
        border: thick $warning; background: $surface; padding: 1 2;
    }
    ConfirmModal #confirm-message { height: auto; padding-bottom: 1; }
    ConfirmModal #confirm-buttons { height: auto; align-horizontal: right; }
    ConfirmModal Button { margin-left: 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, message: str, *, yes: str = "Yes", no: str = "Cancel") -> None:
        super().__init__()
        self._message = message
        self._yes = yes
        self._no = no

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm"):
            yield Static(literal(self._message), id="confirm-message")
            with Horizontal(id="confirm-buttons"):
                yield Button(f"{self._yes} (y)", variant="warning", id="yes")
                yield Button(f"{self._no} (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
