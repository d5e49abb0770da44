"""The reports screen's "export": a format and a file name for the table on the active tab."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select

from codebench.tui.literal import literal
from codebench.tui.widgets.lists import NavSelect

#: File extension for each export format.
EXTENSION = {
    "csv": "csv",
    "csv-wide": "csv",
    "xlsx": "xlsx",
    "md": "md",
    "html": "html",
    "docx": "docx",
    "json": "json",
    "png": "png",
    "svg": "svg",
    "table": "txt",
}


class ExportModal(ModalScreen["tuple[str, Path, bool] | None"]):
    """Choose a format and a file for the shown table; returns ``(format, path, pseudonymise)``
    or ``None``. With ``key`` (the project's pseudonymisation key, when it has one), a
    checkbox offers to apply it: a table can name people (an attribute's values)."""

    DEFAULT_CSS = """
    ExportModal { align: center middle; }
    ExportModal > #export-box { width: 70; max-width: 95%; height: auto; border: thick $accent; background: $surface; padding: 1 2; }
    ExportModal #export-title { text-style: bold; margin-bottom: 1; }
    ExportModal Select, ExportModal Input { margin-bottom: 1; }
    ExportModal #export-buttons { height: 3; align-horizontal: right; }
    ExportModal Checkbox { margin-bottom: 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "cancel",
            "Cancel",
            tooltip="Close without exporting",
            id="reports.export.cancel",
        ),
    ]

    def __init__(
        self, kind: str, formats: tuple[str, ...], folder: Path, key: Path | None = None
    ) -> None:
        super().__init__()
        self.kind = kind
        self.formats = [f for f in formats if f != "table"]
        self.folder = folder
        self.key = key

    def compose(self) -> ComposeResult:
        first = "xlsx" if "xlsx" in self.formats else self.formats[0]
        with Vertical(id="export-box"):
            yield Label(f"Export the {self.kind} table", id="export-title")
            yield NavSelect(
                [(f, f) for f in self.formats], value=first, allow_blank=False, id="export-format"
            )
            yield Input(str(self.folder / f"{self.kind}.{EXTENSION[first]}"), id="export-path")
            if self.key is not None:
                yield Checkbox(
                    literal(f"Pseudonymise with the key {self.key.name}"),
                    id="export-pseudonymise",
                )
            with Horizontal(id="export-buttons"):
                yield Button("Export", variant="primary", id="export-go")
                yield Button("Cancel", id="export-cancel")

    @on(Select.Changed, "#export-format")
    def _format_changed(self, event: Select.Changed) -> None:
        path_input = self.query_one("#export-path", Input)
        current = Path(path_input.value or f"{self.kind}.txt")
        path_input.value = str(current.with_suffix("." + EXTENSION[str(event.value)]))

    @on(Input.Submitted, "#export-path")
    @on(Button.Pressed, "#export-go")
    def _go(self) -> None:
        fmt = str(self.query_one("#export-format", Select).value)
        path = self.query_one("#export-path", Input).value.strip()
        if not path:
            self.notify("Give a file name", severity="warning")
            return
        pseudonymise = self.key is not None and self.query_one(Checkbox).value
        self.dismiss((fmt, Path(path).expanduser(), pseudonymise))

    @on(Button.Pressed, "#export-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
