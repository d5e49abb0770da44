"""The memo screen: every memo the coder may see, filtered, opened where it sits, edited.

Memos are listed by :func:`codebench.coding.memos.memo_entries`: the coder's
own (blind, as codings are), or everyone's after ``o`` (the lead view;
others' memos can be read, not edited). ``A``, ``C`` and ``T`` narrow the
list to one author, one code or one transcript (chosen from those the
memos have, each with its count); they combine with each other and with
``/``, whose every word must appear in the memo's author, place
(transcript, segment, code) or text. The heading names each filter in
force with its count; ``x`` clears them all.
Enter opens the segment behind a memo in the coding screen; ``e`` edits
the memo (saving empty text deletes it), ``a`` writes a memo on the
project. Every change is one logged action that ``u`` in the workbench
undoes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static

from codebench.coding.memos import MemoEntry, memo_entries
from codebench.errors import CodebenchError
from codebench.tui.freshness import WATCH_EVERY, FileWatch
from codebench.tui.guard import report_errors
from codebench.tui.literal import literal
from codebench.tui.modals.ask import ChoiceModal
from codebench.tui.modals.memo import MemoModal
from codebench.tui.widgets.footer import BindingsFooter
from codebench.tui.widgets.lists import NavDataTable

if TYPE_CHECKING:
    from codebench.models import Coder
    from codebench.project import Project

#: Characters of a memo's text shown in the list (the rest is in the editor).
PREVIEW = 200


class MemoScreen(Screen[None]):
    """List, filter, open and edit memos."""

    DEFAULT_CSS = """
    MemoScreen #memo-heading { height: auto; padding: 0 1; }
    MemoScreen #memo-filter { display: none; }
    MemoScreen #memo-filter.-shown { display: block; }
    MemoScreen #memo-table { height: 1fr; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", id="memos.open"),
        Binding("e", "edit", "Edit", id="memos.edit"),
        Binding("a", "add", "Memo on the project", id="memos.add"),
        Binding("slash", "filter", "Filter", id="memos.filter"),
        Binding("A", "filter_author", "By author", id="memos.author"),
        Binding("C", "filter_code", "By code", id="memos.code"),
        Binding("T", "filter_transcript", "By transcript", id="memos.transcript"),
        Binding("x", "clear_filters", "Clear filters", show=False, id="memos.clear"),
        Binding("o", "toggle_everyone", "Everyone's / mine", id="memos.everyone"),
        Binding("q,escape", "back", "Back", id="memos.back"),
    ]

    def __init__(self, project: Project, coder: Coder) -> None:
        super().__init__()
        self.project = project
        self.coder = coder
        self.lead = False
        self.filter_text = ""
        self.facets: dict[str, str] = {}
        """The author, code and transcript filters in force: facet name → the value kept."""
        self.entries: list[MemoEntry] = []
        self.shown: list[MemoEntry] = []

    def compose(self) -> ComposeResult:
        yield Static(id="memo-heading")
        yield Input(
            placeholder="filter: words in author, place or text; Enter applies", id="memo-filter"
        )
        yield NavDataTable(id="memo-table", cursor_type="row", zebra_stripes=True)
        yield BindingsFooter(first=("memos.back", "app.help"))

    def on_mount(self) -> None:
        self.reload()
        self.query_one(DataTable).focus()
        self._watch = FileWatch(self.project)
        self.set_interval(WATCH_EVERY, self._look, name="memo-watch")

    def on_screen_resume(self) -> None:
        self.reload()

    def _look(self) -> None:
        if self.is_current and self._watch.changed():
            self.reload()

    # ------------------------------------------------------------------ data
    def reload(self) -> None:
        try:
            self.entries = memo_entries(self.project, self.coder, lead=self.lead)
        except CodebenchError as error:
            self.app.notify(str(error), severity="error")
            return
        self._fill()

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        selected = self.selected()
        words = self.filter_text.casefold().split()
        self.shown = [
            e
            for e in self.entries
            if all(_facet(e, name) == value for name, value in self.facets.items())
            and all(
                w in f"{e.author} {e.target} {_code_words(e)} {e.text}".casefold() for w in words
            )
        ]
        table.clear(columns=True)
        table.add_column("On", key="on")
        table.add_column("Author", key="author")
        table.add_column("Memo", key="memo")
        for entry in self.shown:
            table.add_row(
                literal(entry.target),
                literal(entry.author),
                literal(_preview(entry.text)),
                key=str(entry.id),
            )
        if selected is not None and str(selected.id) in table.rows:
            table.move_cursor(row=table.get_row_index(str(selected.id)))
        whose = (
            "everyone's memos (lead view; o: only yours)"
            if self.lead
            else "your memos (o: everyone's)"
        )
        heading = Text.assemble(
            (" Memos ", "bold reverse"),
            f"  {len(self.shown)} of {len(self.entries)} · {whose}",
        )
        for name, value in self.facets.items():
            count = sum(1 for e in self.entries if _facet(e, name) == value)
            heading.append(f" · {name} {value} ({count})", style="bold")
        if self.filter_text:
            heading.append(f" · filter “{self.filter_text}”", style="bold")
        if self.facets or self.filter_text:
            heading.append(" · x clears")
        self.query_one("#memo-heading", Static).update(literal(heading))

    def selected(self) -> MemoEntry | None:
        table = self.query_one(DataTable)
        if not self.shown or not table.row_count:
            return None
        row = table.cursor_row
        return self.shown[row] if 0 <= row < len(self.shown) else None

    # ------------------------------------------------------------------ actions
    def action_filter(self) -> None:
        field = self.query_one("#memo-filter", Input)
        field.add_class("-shown")
        field.value = self.filter_text
        field.focus()

    @on(Input.Submitted, "#memo-filter")
    def _filtered(self, event: Input.Submitted) -> None:
        event.stop()
        self.filter_text = event.value.strip()
        self.query_one("#memo-filter", Input).remove_class("-shown")
        self.query_one(DataTable).focus()
        self._fill()

    def action_filter_author(self) -> None:
        self._choose_facet("author")

    def action_filter_code(self) -> None:
        self._choose_facet("code")

    def action_filter_transcript(self) -> None:
        self._choose_facet("transcript")

    def _choose_facet(self, name: str) -> None:
        """Pick the one value of ``name`` to keep, among the memos' own, each with its count."""
        counts: dict[str, int] = {}
        for entry in self.entries:
            value = _facet(entry, name)
            if value:
                counts[value] = counts.get(value, 0) + 1
        if not counts:
            self.app.notify(f"No memo here has a {name}", severity="warning")
            return
        values = sorted(counts, key=str.casefold)
        labels = [f"{v} ({counts[v]})" for v in values]
        if name in self.facets:
            values.insert(0, "")
            labels.insert(0, f"any {name}")

        def chosen(value: str | None) -> None:
            if value is None:
                return
            if value:
                self.facets[name] = value
            else:
                self.facets.pop(name, None)
            self._fill()

        self.app.push_screen(ChoiceModal(f"Memos by which {name}?", labels, values), chosen)

    def action_clear_filters(self) -> None:
        self.facets.clear()
        self.filter_text = ""
        self._fill()

    def action_toggle_everyone(self) -> None:
        self.lead = not self.lead
        if not self.lead:
            self.facets.pop("author", None)  # only your own memos are left to choose from
        self.reload()

    def action_open(self) -> None:
        """Open the coding screen at the segment behind the memo (a transcript memo: at its start)."""
        entry = self.selected()
        if entry is None:
            self.app.notify("No memo selected", severity="warning")
            return
        if entry.transcript is None:
            self.app.notify(f"This memo is on {entry.target}: nothing to open", timeout=3)
            return
        self.app.open_transcript(entry.transcript, at=entry.segment)  # type: ignore[attr-defined]

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_edit(self) -> None:
        entry = self.selected()
        if entry is None:
            self.app.notify("No memo selected", severity="warning")
            return
        if entry.author != self.coder.name:
            self.app.notify(
                f"This is {entry.author}'s memo: only its author edits it", severity="warning"
            )
            return
        self.app.push_screen(
            MemoModal(f"Memo on {entry.target}", entry.text),
            lambda text: self._save(entry, text),
        )

    @report_errors
    def _save(self, entry: MemoEntry, text: str | None) -> None:
        if text is None or text == entry.text:
            return
        self.project.update_memo(self.coder, entry.id, text)
        self.app.notify("memo deleted" if not text.strip() else "memo saved", timeout=2)
        self.reload()

    def action_add(self) -> None:
        self.app.push_screen(MemoModal("Memo on the project"), self._add)

    @report_errors
    def _add(self, text: str | None) -> None:
        if text is None or not text.strip():
            return
        self.project.add_memo(self.coder, text)
        self.app.notify("memo on the project saved", timeout=2)
        self.reload()

    def action_back(self) -> None:
        field = self.query_one("#memo-filter", Input)
        if field.has_class("-shown"):
            field.remove_class("-shown")
            self.query_one(DataTable).focus()
        elif self.filter_text or self.facets:
            self.action_clear_filters()
        else:
            self.dismiss(None)


def _facet(entry: MemoEntry, name: str) -> str:
    """The memo's author, code (as labelled) or transcript: what the filters choose among."""
    if name == "author":
        return entry.author
    if name == "code":
        return entry.code.label if entry.code is not None else ""
    return entry.transcript or ""


def _code_words(entry: MemoEntry) -> str:
    return entry.code.label if entry.code is not None else ""


def _preview(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= PREVIEW else text[: PREVIEW - 1] + "…"
