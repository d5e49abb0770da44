"""The codebook editor's form for adding or editing a code: number, name, guidance, colour.

It returns what was typed (:class:`CodeForm`) through ``dismiss()`` and holds
no project: the codebook screen checks and saves it, and reopens the form
with the same values if the core refuses them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Static, TextArea

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
