"""The codebook editor: browse the code tree with full definitions; add, edit, move, merge, archive.

Every edit goes through :mod:`codebench.codebook.edits` (one transaction and
one event each); this screen only gathers input and shows results. It
dismisses with ``True`` when the codebook changed, so the screen below can
reload its code tree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from rich.console import Group
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Static, Tree
from textual.widgets.tree import TreeNode

from codebench.codebook import edits
from codebench.codebook.size import size_phrase
from codebench.coding.memos import own_memo_on, write_memo_on
from codebench.errors import CodebenchError
from codebench.models import Code, Coder
from codebench.tui.freshness import WATCH_EVERY, FileWatch
from codebench.tui.literal import literal
from codebench.tui.modals.code_form import CodeForm, CodeFormModal, Placement
from codebench.tui.modals.confirm import ConfirmModal
from codebench.tui.modals.memo import MemoModal
from codebench.tui.modals.target_code import PickedCode, TargetCodeModal
from codebench.tui.widgets.footer import BindingsFooter
from codebench.tui.widgets.lists import NavTree

if TYPE_CHECKING:
    from codebench.project import Project

T = TypeVar("T")

GUIDANCE = (
    ("description", "Definition"),
    ("inclusion", "Use when"),
    ("exclusion", "Do not use when"),
    ("example", "Example"),
)


class CodebookScreen(Screen[bool]):
    """Browse and edit the project's codebook."""

    DEFAULT_CSS = """
    CodebookScreen { layout: vertical; }
    CodebookScreen #codebook-title { height: 1; padding: 0 1; background: $boost; text-style: bold; }
    CodebookScreen #codebook-body { height: 1fr; }
    CodebookScreen #codebook-tree { width: 1fr; min-width: 30; border-right: vkey $primary-darken-2; }
    CodebookScreen #codebook-detail { width: 1fr; padding: 0 1 0 2; }
    CodebookScreen #codebook-definition { height: auto; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "a",
            "add",
            "Add",
            tooltip="Add a code under, beside or above the highlighted one",
            id="codebook.add",
        ),
        Binding(
            "r",
            "edit",
            "Edit",
            tooltip="Rename the code or edit its definition and guidance",
            id="codebook.edit",
        ),
        Binding(
            "M",
            "move",
            "Move",
            tooltip="Move the code (and its sub-codes) under another code",
            id="codebook.move",
        ),
        Binding(
            "m",
            "merge",
            "Merge into…",
            tooltip="Recode this code's codings as another code, then archive it",
            id="codebook.merge",
        ),
        Binding(
            "n",
            "memo",
            "Memo",
            tooltip="Write your memo on the code (empty text deletes it)",
            id="codebook.memo",
        ),
        Binding(
            "A",
            "archive",
            "Archive/restore",
            tooltip="Hide the code from the picker (its codings stay)",
            id="codebook.archive",
        ),
        Binding(
            "H",
            "toggle_archived",
            "Show archived",
            tooltip="Show or hide archived codes",
            id="codebook.toggle_archived",
        ),
        Binding(
            "o",
            "toggle_everyone",
            "Everyone's / mine",
            tooltip="Count everyone's codings (the lead view) or only yours (blind, the default)",
            id="codebook.everyone",
        ),
        Binding(
            "escape,q", "back", "Back", tooltip="Close the codebook editor", id="codebook.back"
        ),
    ]

    show_archived: reactive[bool] = reactive(False, init=False)
    everyone: reactive[bool] = reactive(False, init=False)
    """Counts cover every coder (the lead view); by default only the coder's own, as
    blind coding asks: other coders' totals would tell a coder how much others found."""
    """Whether archived codes appear (dimmed) in the tree."""

    def __init__(self, project: Project, coder: Coder) -> None:
        super().__init__()
        self.project = project
        self.coder = coder
        self.changed = False
        """Set once any edit succeeds; the screen's result."""
        self._code_nodes: dict[int, TreeNode[Code]] = {}
        self._collapsed: set[int] = set()
        self._counts: dict[int, int] = {}
        self._mine: dict[int, int] = {}
        self._codes: list[Code] = []

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield Static("Codebook", id="codebook-title")
        with Horizontal(id="codebook-body"):
            tree: NavTree[Code] = NavTree("Codebook", id="codebook-tree")
            tree.show_root = False
            tree.auto_expand = False
            yield tree
            with VerticalScroll(id="codebook-detail"):
                yield Static(id="codebook-definition")
        yield BindingsFooter(first=("codebook.back", "app.help"))

    def on_mount(self) -> None:
        self.reload()
        self.query_one(Tree).focus()
        self._watch = FileWatch(self.project)
        self.set_interval(WATCH_EVERY, self._look, name="codebook-watch")

    def _look(self) -> None:
        """Another window or the CLI changed the project: read the codebook and counts again."""
        if self.is_current and self._watch.changed():
            self.reload(self.highlighted)

    def watch_show_archived(self) -> None:
        self.reload(self.highlighted)

    def watch_everyone(self) -> None:
        self.reload(self.highlighted)

    # ------------------------------------------------------------------ state
    @property
    def highlighted(self) -> Code | None:
        """The code under the tree cursor."""
        node = self.query_one(Tree).cursor_node
        return node.data if node is not None else None

    def reload(self, select: Code | int | None = None) -> None:
        """Re-read the codebook and counts, rebuild the tree, put the cursor on ``select``."""
        tree: Tree[Code] = self.query_one(Tree)
        select_id = select.id if isinstance(select, Code) else select
        self._codes = self.project.codes(include_archived=self.show_archived)
        self._mine = edits.coding_counts(self.project, coder=self.coder)
        self._counts = edits.coding_counts(self.project) if self.everyone else {}
        colours = _inherited_colours(self._codes)
        tree.clear()
        self._code_nodes = {}
        for code in self._codes:
            parent = self._code_nodes.get(code.parent_id) if code.parent_id is not None else None
            node = (parent or tree.root).add(
                literal(self._label(code, colours.get(code.id))),
                data=code,
                expand=code.id not in self._collapsed,
            )
            self._code_nodes[code.id] = node
        for node in self._code_nodes.values():
            node.allow_expand = bool(node.children)
        tree.get_node_at_line(0)  # builds the tree lines so nodes know their line
        target = self._code_nodes.get(select_id) if select_id is not None else None
        if target is not None:
            for ancestor in _ancestors(target):
                ancestor.expand()
            tree.get_node_at_line(0)
            tree.move_cursor(target)
        elif self._code_nodes:
            tree.move_cursor_to_line(0)
        active = size_phrase(c for c in self._codes if not c.archived)
        archived = "archived shown (H hides)" if self.show_archived else "archived hidden (H shows)"
        counted = (
            "everyone's codings (o: yours)" if self.everyone else "your codings (o: everyone's)"
        )
        self.query_one("#codebook-title", Static).update(
            f"Codebook · {active} · {counted} · {archived}"
        )
        self._show(self.highlighted)

    def _label(self, code: Code, colour: str | None) -> Text:
        label = Text()
        label.append("■ ", style=colour or "dim")
        if code.number:
            label.append(code.number + " ", style="bold")
        label.append(code.name)
        count = (self._counts if self.everyone else self._mine).get(code.id, 0)
        if count:
            label.append(f"  {count}", style="dim")
        if code.archived:
            label.append("  archived", style="italic")
            label.stylize("dim")
        return label

    def _show(self, code: Code | None) -> None:
        """Fill the side panel with everything a coder needs to apply ``code`` well."""
        panel = self.query_one("#codebook-definition", Static)
        if code is None:
            panel.update(Text("The codebook is empty: press a to add a code.", style="italic"))
            return
        parts: list[Text] = []
        title = Text(code.label, style="bold")
        if code.archived:
            title.append("  (archived)", style="italic dim")
        parts.append(title)
        path = self.project.code_path(code)
        if len(path) > 1:
            parts.append(Text(" › ".join(c.label for c in path[:-1]), style="dim"))
        children = (
            [n for n in self._code_nodes[code.id].children] if code.id in self._code_nodes else []
        )
        mine = self._mine.get(code.id, 0)
        stats = Text(f"Codings: {mine} yours", style="cyan")
        if self.everyone:
            stats.append(f" · {self._counts.get(code.id, 0)} in all")
        if children:
            stats.append(f" · {len(children)} sub-code{'s' if len(children) != 1 else ''}")
        parts.append(stats)
        if code.colour:
            parts.append(Text.assemble(("■ ", code.colour), (code.colour, "dim")))
        for field, heading in GUIDANCE:
            value = getattr(code, field)
            parts.append(Text(""))
            parts.append(Text(heading, style="bold underline"))
            parts.append(Text(value) if value else Text("—", style="dim"))
        parts.append(Text(""))
        parts.append(Text(f"GUID {code.guid}", style="dim"))
        panel.update(Group(*(literal(part) for part in parts)))

    @on(Tree.NodeHighlighted, "#codebook-tree")
    def _highlighted(self, event: Tree.NodeHighlighted[Code]) -> None:
        self._show(event.node.data)

    @on(Tree.NodeCollapsed, "#codebook-tree")
    def _collapsed_node(self, event: Tree.NodeCollapsed[Code]) -> None:
        if event.node.data is not None:
            self._collapsed.add(event.node.data.id)

    @on(Tree.NodeExpanded, "#codebook-tree")
    def _expanded_node(self, event: Tree.NodeExpanded[Code]) -> None:
        if event.node.data is not None:
            self._collapsed.discard(event.node.data.id)

    # ------------------------------------------------------------------ helpers
    def _run(self, what: str, work: Callable[[], T]) -> T | None:
        """Call ``work()``; a :class:`CodebenchError` becomes an error notification."""
        try:
            result = work()
        except CodebenchError as error:
            self.notify(str(error), title=f"Could not {what}", severity="error")
            return None
        self.changed = True
        return result

    def _require(self) -> Code | None:
        code = self.highlighted
        if code is None:
            self.notify("No code highlighted.", severity="warning")
        return code

    def _depths(self) -> dict[int, int]:
        depth: dict[int, int] = {}
        for code in self._codes:
            depth[code.id] = depth.get(code.parent_id, -1) + 1 if code.parent_id is not None else 0
        return depth

    def _candidates(self, code: Code) -> list[Code]:
        """Active codes other than ``code`` and the codes below it."""
        below = {c.id for c in edits.descendants(self.project, code)} | {code.id}
        return [c for c in self.project.codes() if c.id not in below]

    # ------------------------------------------------------------------ actions
    def action_add(
        self, placement: Placement = "child", values: dict[str, str] | None = None
    ) -> None:
        anchor = self.highlighted
        if anchor is not None and anchor.archived:
            anchor = None
        parents: dict[Placement, Code | None] = {
            "child": anchor,
            "sibling": self.project.code_by_id(anchor.parent_id)
            if anchor and anchor.parent_id
            else None,
            "top": None,
        }
        suggestions: dict[Placement, str | None] = {
            place: edits.suggest_number(self.project, parent) for place, parent in parents.items()
        }
        title = f"New code (near {anchor.label})" if anchor else "New code"

        def done(form: CodeForm | None) -> None:
            if form is None:
                return
            parent = parents[form.placement]
            fields: dict[str, Any] = dict(form.values)
            code = self._run(
                "add the code",
                lambda: edits.add_code(
                    self.project, self.coder, fields.pop("name"), parent=parent, **fields
                ),
            )
            if isinstance(code, Code):
                self.reload(code)
                self.notify(f"Added {code.label}")
            else:
                self.action_add(form.placement, form.values)  # reopen with what was typed

        self.app.push_screen(
            CodeFormModal(
                title, values, anchor=anchor, suggestions=suggestions, placement=placement
            ),
            done,
        )

    def action_memo(self) -> None:
        """The coder's memo on the highlighted code (an analytic note, listed on the memo screen)."""
        code = self._require()
        if code is None:
            return
        try:
            existing = own_memo_on(self.project, self.coder, code=code)
        except CodebenchError as error:
            self.notify(str(error), title="Could not read the memo", severity="error")
            return
        self.app.push_screen(
            MemoModal(f"Memo on {code.label}", existing.text if existing else ""),
            lambda text: self._save_memo(code, text),
        )

    def _save_memo(self, code: Code, text: str | None) -> None:
        if text is None:
            return
        verb = self._run(
            "save the memo", lambda: write_memo_on(self.project, self.coder, text, code=code)
        )
        if verb:
            self.notify(f"{verb} on {code.label}", timeout=2)

    def action_edit(self, values: dict[str, str] | None = None) -> None:
        code = self._require()
        if code is None:
            return
        current = {
            "name": code.name,
            "number": code.number or "",
            "colour": code.colour or "",
            **{field: getattr(code, field) for field, _ in GUIDANCE},
        }

        def done(form: CodeForm | None) -> None:
            if form is None:
                return
            changed: dict[str, Any] = {k: v for k, v in form.values.items() if v != current.get(k)}
            if not changed:
                return
            edited = self._run(
                "save the code", lambda: edits.edit_code(self.project, self.coder, code, **changed)
            )
            if isinstance(edited, Code):
                self.reload(edited)
                self.notify(f"Saved {edited.label}")
            else:
                self.action_edit(form.values)

        self.app.push_screen(CodeFormModal(f"Edit {code.label}", values or current), done)

    def action_move(self) -> None:
        code = self._require()
        if code is None:
            return

        def done(picked: PickedCode | None) -> None:
            if picked is None:
                return
            moved = self._run(
                "move the code",
                lambda: edits.move_code(self.project, self.coder, code, picked.code),
            )
            if isinstance(moved, Code):
                self.reload(moved)
                where = f"under {picked.code.label}" if picked.code else "to the top level"
                self.notify(f"Moved {moved.label} {where}")

        self.app.push_screen(
            TargetCodeModal(
                f"Move {code.label} under…",
                self._candidates(code),
                depths=self._depths(),
                allow_top_level=True,
            ),
            done,
        )

    def action_merge(self) -> None:
        code = self._require()
        if code is None:
            return
        if code.archived:
            self.notify(f"{code.label} is archived (restore it before merging)", severity="error")
            return

        def picked(choice: PickedCode | None) -> None:
            if choice is None or choice.code is None:
                return
            try:
                preview = edits.merge_preview(self.project, code, choice.code)
            except CodebenchError as error:
                self.notify(str(error), title="Could not merge", severity="error")
                return
            self.app.push_screen(
                ConfirmModal(_merge_question(preview), yes="Merge"),
                lambda ok: confirmed(ok, choice.code),
            )

        def confirmed(ok: bool | None, target: Code | None) -> None:
            if not ok or target is None:
                return
            moved = self._run(
                "merge", lambda: edits.merge_codes(self.project, self.coder, code, target)
            )
            if isinstance(moved, int):
                self.reload(target)
                self.notify(
                    f"Merged {code.label} into {target.label}: {moved} coding{'s' if moved != 1 else ''} recoded"
                )

        self.app.push_screen(
            TargetCodeModal(
                f"Merge {code.label} into…", self._candidates(code), depths=self._depths()
            ),
            picked,
        )

    def action_archive(self) -> None:
        code = self._require()
        if code is None:
            return
        if code.archived:
            restored = self._run(
                "restore the code", lambda: edits.restore_code(self.project, self.coder, code)
            )
            if isinstance(restored, Code):
                self.reload(restored)
                self.notify(f"Restored {restored.label}")
            return
        archived = self._run(
            "archive the code", lambda: edits.archive_code(self.project, self.coder, code)
        )
        if isinstance(archived, Code):
            self.reload(archived if self.show_archived else _neighbour(self._codes, archived))
            self.notify(
                f"Archived {archived.label}; its codings are kept (H shows archived codes, A restores)"
            )

    def action_toggle_archived(self) -> None:
        self.show_archived = not self.show_archived

    def action_toggle_everyone(self) -> None:
        self.everyone = not self.everyone

    def action_back(self) -> None:
        self.dismiss(self.changed)


def _merge_question(preview: edits.MergePreview) -> str:
    src, dst = preview.source.label, preview.target.label
    lines = [f"Merge {src} into {dst}?", ""]
    lines.append(
        f"{preview.codings} coding{'s' if preview.codings != 1 else ''} of {src} will be recoded as {dst}."
    )
    if preview.duplicates:
        lines.append(
            f"{preview.duplicates} of them {dst} already has (same coder and span); those are dropped, not doubled."
        )
    if preview.children:
        lines.append(
            f"{preview.children} sub-code{'s' if preview.children != 1 else ''} of {src} will move under {dst}."
        )
    lines.append(f"{src} is then archived (its history is kept).")
    return "\n".join(lines)


def _inherited_colours(codes: list[Code]) -> dict[int, str | None]:
    """Each code's colour, or its nearest ancestor's (codes are in tree order)."""
    colours: dict[int, str | None] = {}
    for code in codes:
        colours[code.id] = code.colour or (
            colours.get(code.parent_id) if code.parent_id is not None else None
        )
    return colours


def _ancestors(node: TreeNode[Code]) -> list[TreeNode[Code]]:
    found = []
    parent = node.parent
    while parent is not None:
        found.append(parent)
        parent = parent.parent
    return found


def _neighbour(codes: list[Code], gone: Code) -> int | None:
    """The code to highlight once ``gone`` disappears from the tree: the next one shown, else the previous."""
    ids = [c.id for c in codes]
    if gone.id not in ids:
        return None
    index = ids.index(gone.id)
    below = {gone.id}
    for code in codes[index + 1 :]:
        if code.parent_id in below:
            below.add(code.id)
            continue
        return code.id
    return ids[index - 1] if index > 0 else None
