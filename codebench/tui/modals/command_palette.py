"""Textual's command palette (``ctrl+p``), paging only once its list has been laid out.

Opened and paged at once (``ctrl+p`` then PageUp, as a fast typist does),
Textual's palette looked the highlighted command up in a line index its
list had not built yet and the app died with ``KeyError: 0``. This palette
sends its page keys through :func:`codebench.tui.widgets.lists.page_options`,
the guard every option list of the workbench uses.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.command import CommandList, CommandPalette

from codebench.tui.widgets.lists import page_options


class CommandPaletteModal(CommandPalette):
    """The workbench's command palette: Textual's, with page keys that cannot crash."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("pagedown", "page(1)", "Next page", show=False),
        Binding("pageup", "page(-1)", "Previous page", show=False),
    ]

    def action_page(self, direction: int) -> None:
        """Page the list of commands up (-1) or down (1)."""
        page_options(self.query_one(CommandList), direction)
