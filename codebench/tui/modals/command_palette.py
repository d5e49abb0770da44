"""Textual's command palette (``ctrl+p``), paging only once its list has been laid out.

Opened and paged at once (``ctrl+p`` then PageUp, as a fast typist does),
Textual's palette looked the highlighted command up in a line index its
list had not built yet and the app died with ``KeyError: 0``. This palette
sends its page keys through :func:`codebench.tui.widgets.lists.page_options`,
the guard every option list of the workbench uses.

Opened and closed at once (``ctrl+p`` then Enter, before the first search
has run), the palette's search worker then looked up a command list that had
already been removed and the worker's ``NoMatches`` took the app down. The
search here stops quietly once the palette is gone.
"""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.binding import Binding, BindingType
from textual.command import CommandList, CommandPalette
from textual.css.query import NoMatches

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

    @work(exclusive=True, group=CommandPalette._GATHER_COMMANDS_GROUP)
    async def _gather_commands(self, search_value: str) -> None:
        """Textual's search for ``search_value``; nothing once the palette has closed."""
        try:
            await CommandPalette._gather_commands.__wrapped__(self, search_value)  # type: ignore[attr-defined]
        except NoMatches:
            if self.is_attached and self.is_current:
                raise  # the palette is still open: a real fault
