"""The codebook beside the transcript: a tree with per-code counts, and the highlighted code's guidance."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import Static
from textual.widgets.tree import TreeNode

from codebench.models import Code
from codebench.tui.literal import literal
from codebench.tui.widgets.lists import NavTree

if TYPE_CHECKING:
    from codebench.coding.session import CodingSession


#: Columns of the count before each code's name (a wider count pushes the name along).
COUNT_WIDTH = 3


class CodebookTree(NavTree[Code]):
    """Codes in tree order; each label shows a colour swatch and how many segments here carry it.

    The count is the coder's segments in this transcript carrying the code,
    updated after every action (:meth:`update_counts`) without moving the
    highlight.

    Enter or a click on a code posts :class:`~textual.widgets.Tree.NodeSelected`; the coding
    screen applies that code to the selection.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Apply code", id="codebook.apply"),
        Binding("space", "toggle_node", "Expand/collapse", show=False, id="codebook.toggle"),
    ]

    def __init__(self, session: CodingSession, *, id: str | None = None) -> None:
        super().__init__("Codebook", id=id)
        self.session = session
        self.show_root = False
        self.auto_expand = False
        self.guide_depth = 2
        self._code_nodes: dict[int, TreeNode[Code]] = {}
        self.rebuild()

    def rebuild(self) -> None:
        """Re-create the nodes from the session's codes (after codebook edits)."""
        self.clear()
        self._code_nodes = {}
        for code in self.session.codes:
            if code.archived:
                continue
            parent = self._code_nodes.get(code.parent_id) if code.parent_id is not None else None
            node = (parent or self.root).add(literal(self._label(code)), data=code, expand=True)
            self._code_nodes[code.id] = node
        for node in self._code_nodes.values():
            if not node.children:
                node.allow_expand = False

    def _label(self, code: Code) -> Text:
        """Swatch, count, number, name: the count comes before the name, so a long name
        running off the right edge (the tree scrolls sideways) never hides it."""
        colour = self.session.colour(code.id) or "#888888"
        label = Text()
        label.append("■", style=colour)
        count = self.session.counts.get(code.id, 0)
        label.append(f"{count:>{COUNT_WIDTH}} ", style="bold" if count else "dim")
        if code.number:
            label.append(code.number + " ", style="bold")
        label.append(code.name)
        return label

    def update_counts(self, code_ids: list[int] | set[int] | None = None) -> None:
        """Refresh the labels of these codes (all when ``None``)."""
        for code_id in self._code_nodes if code_ids is None else code_ids:
            node = self._code_nodes.get(code_id)
            if node is not None and node.data is not None:
                node.set_label(literal(self._label(node.data)))

    def select_code(self, code_id: int) -> None:
        node = self._code_nodes.get(code_id)
        if node is not None:
            self.move_cursor(node)


class CodeDetail(Static):
    """Definition, inclusion and exclusion guidance and an example of one code.

    It is shown again after every action (its count may have changed), so an
    unchanged panel is not repainted, and a changed one that wraps to as many
    lines as before is repainted without laying the whole screen out again
    (a layout on every keystroke made the screen redraw a dozen widgets).
    """

    _shown: tuple[object, ...] | None = None
    _lines: int | None = None

    def show(self, code: Code | None, count: int = 0, *, with_subcodes: int | None = None) -> None:
        """``count``: segments here carrying the code as applied (the sidebar's number);
        ``with_subcodes``: those carrying it or a sub-code (reports' rolled-up count)."""
        width = self.content_size.width
        key = (code, count, with_subcodes, width)
        if key == self._shown:
            return
        self._shown = key
        if code is None:
            self._lines = None
            self.update("[dim]Highlight a code in the tree to read its definition.[/]")
            return
        text = Text()
        text.append(code.label, style="bold")
        text.append(f"   {count} segment{'s' if count != 1 else ''} here", style="dim")
        if with_subcodes is not None:
            text.append(f", {with_subcodes} with its sub-codes", style="dim")
        text.append("\n")
        for title, body in (
            ("", code.description),
            ("Use when: ", code.inclusion),
            ("Not when: ", code.exclusion),
            ("Example: ", code.example),
        ):
            if body:
                text.append("\n")
                if title:
                    text.append(title, style="bold")
                text.append(body.strip() + "\n", style="italic" if title == "Example: " else "")
        shown = literal(text)
        lines = len(shown.wrap(self.app.console, width)) if width else None
        same_height = lines is not None and lines == self._lines
        self._lines = lines
        self.update(shown, layout=not same_height)
