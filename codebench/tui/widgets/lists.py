"""Every list and table of the workbench moves the same way: ``j``/``k``, ``g``/``G`` and the arrows.

Textual's list widgets answer only to the arrow keys, and each spells "to
the top" differently (``scroll_top``, ``first``, ``scroll_home``), so the
keys live here once, as subclasses that every screen and modal uses instead
of the originals. The bindings belong to the widget, so they act only when
the list has focus: ``g`` on the coding screen still jumps to a code while
the transcript has focus. Each binding has an id (``list.down`` …) that a
keymap can remap.

The option lists also refuse to page before they are laid out: Textual's
page keys look the highlighted option up in a line index that is built
only once the list has a size, so PageUp on a list whose options arrived
in the same moment raised ``KeyError`` (the command palette, opened and
paged at once, did).

And the table repaints once it has measured new rows: Textual's table
measures them when idle and keeps lines it drew before, so a table refilled
with rows of the same overall size (the project screen, when progress
arrives) could go on showing cells cut to the width of their headers.
"""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, OptionList, Select, SelectionList, Tree
from textual.widgets._select import SelectCurrent, SelectOverlay
from textual.widgets.selection_list import SelectionType
from textual.widgets.tree import TreeDataType

#: The binding ids, in the order the help screen lists them.
LIST_BINDING_IDS = ("list.down", "list.up", "list.first", "list.last")


def list_bindings(first: str, last: str) -> list[BindingType]:
    """``j``/``k`` for down/up, ``g``/``G`` for ``first``/``last`` (each widget's own action names)."""
    return [
        Binding("j", "cursor_down", "Down", show=False, id="list.down"),
        Binding("k", "cursor_up", "Up", show=False, id="list.up"),
        Binding("g", first, "First", show=False, id="list.first"),
        Binding("G", last, "Last", show=False, id="list.last"),
    ]


def page_options(options: OptionList, direction: int) -> None:
    """Page ``options`` up (-1) or down (1), or, if it has no size yet, once it has one.

    The page keys of :class:`OptionList` (and of the command palette's list)
    need the list laid out; until then the move waits for the next refresh,
    and is dropped if the list still has no size (hidden, or closed).
    """

    def page() -> None:
        if not options.is_attached or not options.scrollable_content_region:
            return
        if direction < 0:
            OptionList.action_page_up(options)
        else:
            OptionList.action_page_down(options)

    if options.scrollable_content_region:
        page()
    elif options.is_attached:
        options.call_after_refresh(page)


class NavDataTable(DataTable):
    """A :class:`DataTable` that also moves with ``j``/``k``/``g``/``G``, and repaints when measured."""

    BINDINGS: ClassVar[list[BindingType]] = list_bindings("scroll_top", "scroll_bottom")

    async def _on_idle(self, event: events.Idle) -> None:
        """Before Textual's own idle handler measures new rows: make the drawn lines stale.

        Textual calls each class's idle handler, this one first. Its render
        caches are keyed on a counter that measuring does not advance, so
        lines drawn before the measure (with the header's widths) would be
        drawn again as they were.
        """
        measuring = getattr(self, "_require_update_dimensions", False) or getattr(
            self, "_updated_cells", None
        )
        if measuring:
            self._update_count += 1
            self.refresh()


class NavOptionList(OptionList):
    """An :class:`OptionList` that also moves with ``j``/``k``/``g``/``G`` and pages safely."""

    BINDINGS: ClassVar[list[BindingType]] = list_bindings("first", "last")

    def action_page_up(self) -> None:
        page_options(self, -1)

    def action_page_down(self) -> None:
        page_options(self, 1)


class _SafeSelectOverlay(SelectOverlay):
    """A drop-down's list of choices that pages only once laid out (PageUp as it opens raised ``KeyError``)."""

    def action_page_up(self) -> None:
        page_options(self, -1)

    def action_page_down(self) -> None:
        page_options(self, 1)


class NavSelect(Select[SelectionType]):
    """A :class:`Select` whose drop-down pages safely (see :class:`_SafeSelectOverlay`)."""

    def compose(self) -> ComposeResult:
        yield SelectCurrent(self.prompt)
        yield _SafeSelectOverlay(type_to_search=self._type_to_search).data_bind(
            compact=Select.compact
        )


class NavSelectionList(SelectionList[SelectionType]):
    """A :class:`SelectionList` (space ticks) that also moves with ``j``/``k``/``g``/``G``."""

    BINDINGS: ClassVar[list[BindingType]] = list_bindings("first", "last")

    def action_page_up(self) -> None:
        page_options(self, -1)

    def action_page_down(self) -> None:
        page_options(self, 1)


class NavTree(Tree[TreeDataType]):
    """A :class:`Tree` that also moves with ``j``/``k``/``g``/``G``."""

    BINDINGS: ClassVar[list[BindingType]] = list_bindings("scroll_home", "scroll_end")
