"""The framework screen: every case × theme cell, its summary edited in a text area.

The matrix comes from :func:`codebench.analysis.framework.framework_matrix`
(cases are transcripts, or participants after ``p``); the table lists each
cell with its passage count and summary, and the panel below shows the
highlighted cell's whole summary and its passages. Enter lists the cell's
passages (what ``codebench explain matrix`` lists, from the same call) and
opens the chosen one in the coding screen; ``e`` edits the summary (saving
empty text clears it) through
:func:`~codebench.analysis.framework.set_summary`: one logged transaction.
``o`` opens the cell's first passage in the coding screen.

Blind by default, as the reports and search screens are: a human coder's
counts and passages are their own codings; ``c`` steps through the lead's
views (the reports' default, every coder pooled, the consensus, another
coder), named in the heading. The summaries are the lead's writing, shared
by every view.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Static

from codebench.analysis.framework import FrameworkCase, FrameworkCell, FrameworkReport
from codebench.errors import CodebenchError
from codebench.reports.types import CodeRef
from codebench.tui.guard import report_errors
from codebench.tui.literal import literal
from codebench.tui.modals.memo import MemoModal
from codebench.tui.screens.reports import ALL_SCOPE, CONSENSUS_SCOPE, DEFAULT_SCOPE
from codebench.tui.widgets.footer import BindingsFooter
from codebench.tui.widgets.lists import NavDataTable
from codebench.tui.workers import deliver
from codebench.wording import plural

if TYPE_CHECKING:
    from codebench.analysis.explain import ExplainedQuotes
    from codebench.models import Coder
    from codebench.project import Project

#: Characters of a summary shown in the table (the rest is in the panel and the editor).
PREVIEW = 80
#: Passages shown in the panel under the table.
SHOWN_PASSAGES = 5


class FrameworkScreen(Screen[None]):
    """List the framework matrix's cells; edit a cell's summary; open its passages."""

    DEFAULT_CSS = """
    FrameworkScreen #framework-heading { height: 1; padding: 0 1; }
    FrameworkScreen #framework-table { height: 1fr; }
    FrameworkScreen #framework-cell { height: 10; border-top: solid $primary-darken-2; padding: 0 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "passages",
            "Passages",
            tooltip="List the cell's passages",
            id="framework.passages",
        ),
        Binding("e", "edit", "Edit", tooltip="Edit the cell's summary", id="framework.edit"),
        Binding("o", "open", "Open", tooltip="Open the cell's first passage", id="framework.open"),
        Binding(
            "p",
            "toggle_cases",
            "Cases",
            tooltip="Transcripts or participants",
            id="framework.cases",
        ),
        Binding(
            "w",
            "toggle_written",
            "All/filled",
            tooltip="Every cell, or those with a summary or a passage",
            id="framework.written",
        ),
        Binding(
            "c",
            "cycle_coders",
            "Coders",
            tooltip="Whose codings: yours, or the lead's views",
            id="framework.coders",
        ),
        Binding("q,escape", "back", "Back", id="framework.back"),
    ]

    def __init__(self, project: Project, coder: Coder) -> None:
        super().__init__()
        self.project = project
        self.coder = coder
        self.cases = "transcripts"
        #: Show only cells with a summary or a passage.
        self.only_filled = True
        #: Whose codings the cells count: a coder's name or a scope word of the reports screen.
        self.scope: str = coder.name if coder.kind == "human" else DEFAULT_SCOPE
        self.report: FrameworkReport | None = None
        self.shown: list[tuple[FrameworkCase, CodeRef, FrameworkCell]] = []

    def compose(self) -> ComposeResult:
        yield Static(id="framework-heading")
        yield NavDataTable(id="framework-table", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="framework-cell"):
            yield Static(id="framework-detail")
        yield BindingsFooter(first=("framework.back", "app.help"))

    def on_mount(self) -> None:
        self.reload()
        self.query_one(DataTable).focus()

    # ------------------------------------------------------------------ data
    def reload(self) -> None:
        from codebench.analysis.framework import framework_matrix

        try:
            self.report = framework_matrix(self.project, self._coders(), cases=self.cases)
        except CodebenchError as error:
            self.app.notify(str(error), severity="error")
            return
        self._fill()

    def _coders(self) -> tuple[str, ...]:
        """The ``--coder`` values of the scope shown (none: the reports' default)."""
        return () if self.scope == DEFAULT_SCOPE else (self.scope,)

    def scopes(self) -> list[str]:
        """The views ``c`` steps through: yours first (when you code), then the lead's."""
        coders = self.project.coders()
        mine = [self.coder.name] if self.coder.kind == "human" else []
        shared = [DEFAULT_SCOPE, ALL_SCOPE]
        if any(c.kind == "consensus" for c in coders):
            shared.append(CONSENSUS_SCOPE)
        others = [c.name for c in coders if c.kind == "human" and c.id != self.coder.id]
        return [*mine, *shared, *others]

    def _scope_label(self) -> str:
        """Whose codings, short enough for the one-line heading at 80 columns."""
        if self.scope == self.coder.name and self.coder.kind == "human":
            return f"blind: {self.scope}"
        return {
            DEFAULT_SCOPE: "default coders",
            ALL_SCOPE: "all coders",
            CONSENSUS_SCOPE: "consensus",
        }.get(self.scope, f"coder: {self.scope}")

    def _fill(self) -> None:
        assert self.report is not None
        table = self.query_one(DataTable)
        before = self.selected()
        self.shown = [
            (case, code, cell)
            for case, code, cell in self.report.each_cell()
            if cell.summary or cell.passages or not self.only_filled
        ]
        table.clear(columns=True)
        table.add_column("Case", key="case")
        table.add_column("Code", key="code")
        table.add_column("#", key="passages")
        table.add_column("Summary", key="summary")
        case_width = max((len(case.name) for case, _, _ in self.shown), default=4)
        code_width = max((len(code.short) for _, code, _ in self.shown), default=4)
        # The summary takes what the other columns leave, so nothing runs off the screen.
        room = max(12, self.app.size.width - case_width - code_width - 14)
        for case, code, cell in self.shown:
            table.add_row(
                literal(case.name),
                literal(code.short),
                str(len(cell.passages)),
                literal(_preview(cell.summary, room)),
                key=_key(case, code),
            )
        if before is not None and _key(before[0], before[1]) in table.rows:
            table.move_cursor(row=table.get_row_index(_key(before[0], before[1])))
        written = sum(1 for line in self.report.cells for cell in line if cell.summary)
        total = len(self.report.rows) * len(self.report.codes)
        heading = Text.assemble(
            (" Framework ", "bold reverse"),
            f" {self.cases} · {written}/{total} summarised · ",
            "filled cells" if self.only_filled else "all cells",
            f" · {self._scope_label()}",
        )
        self.query_one("#framework-heading", Static).update(literal(heading))
        self._show_cell()

    def selected(self) -> tuple[FrameworkCase, CodeRef, FrameworkCell] | None:
        table = self.query_one(DataTable)
        if not self.shown or not table.row_count:
            return None
        row = table.cursor_row
        return self.shown[row] if 0 <= row < len(self.shown) else None

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_cell()

    def _show_cell(self) -> None:
        detail = self.query_one("#framework-detail", Static)
        chosen = self.selected()
        if chosen is None:
            detail.update("No cells yet: code some passages, or w to list every cell.")
            return
        case, code, cell = chosen
        text = Text.assemble((f"{case.name} × {code.label}", "bold"), "\n")
        text.append(
            cell.summary or "(no summary yet: e writes one; Enter lists the passages)",
            style="" if cell.summary else "dim",
        )
        text.append("\n")
        for quote in cell.passages[:SHOWN_PASSAGES]:
            who = f" · {quote.speaker}" if quote.speaker else ""
            text.append(f"\n{quote.location}{who}\n", style="dim")
            text.append(f"  {quote.text}\n")
        more = len(cell.passages) - SHOWN_PASSAGES
        if more > 0:
            text.append(f"\n… and {more} more passage{'s' if more > 1 else ''}", style="dim")
        detail.update(literal(text))

    # ------------------------------------------------------------------ actions
    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_passages()

    def action_passages(self) -> None:
        chosen = self.selected()
        if chosen is None:
            self.app.notify("No cell selected", severity="warning")
            return
        self.explain_cell(chosen[0], chosen[1], len(chosen[2].passages))

    @work(thread=True, exclusive=True, group="framework-explain")
    def explain_cell(self, case: FrameworkCase, code: CodeRef, counted: int) -> None:
        """The cell's passages from the library call behind ``codebench explain matrix``."""
        from codebench.analysis.explain import CellSpec, explain
        from codebench.analysis.scope import ScopeSpec

        spec = CellSpec("matrix", ScopeSpec(coders=self._coders()), cases=self.cases, rollup=False)
        try:
            found = explain(self.project, spec, code.guid, case.name)
        except CodebenchError as error:
            deliver(self._failed, str(error))
            return
        deliver(self._show_passages, found, counted)

    def _failed(self, message: str) -> None:
        self.app.notify(message, severity="error")

    def _show_passages(self, found: ExplainedQuotes, counted: int) -> None:
        from codebench.analysis.passages_merge import merge_overlapping
        from codebench.tui.modals.passages import Listed, PassagesModal, passage_counts

        # The cell's passages as the matrix counts them (overlapping coders' passages one).
        listed = merge_overlapping(self.project, found.quotes)
        passages, segments, _transcripts = passage_counts(listed)
        heading = Text(found.notes[0], style="bold")
        heading.append(
            f"\n{plural(passages, 'passage')} · {plural(segments, 'segment')}"
            f" · the cell shows {counted}"
        )
        if passages != counted:  # the codings changed since the matrix was read: read it again
            heading.append(" (read before the codings changed; the table is re-read)", style="dim")
            self.reload()

        def chosen(quote: Listed | None) -> None:
            if quote is not None:
                self.app.open_transcript(quote.transcript, at=quote.first_segment)  # type: ignore[attr-defined]

        self.app.push_screen(PassagesModal(heading, listed), chosen)

    def action_edit(self) -> None:
        chosen = self.selected()
        if chosen is None:
            self.app.notify("No cell selected", severity="warning")
            return
        case, code, cell = chosen
        quote = cell.passages[0].text if cell.passages else ""
        self.app.push_screen(
            MemoModal(f"Summary: {case.name} × {code.short}", cell.summary, quote),
            lambda text: self._save(case, code, cell, text),
        )

    @report_errors
    def _save(
        self, case: FrameworkCase, code: CodeRef, cell: FrameworkCell, text: str | None
    ) -> None:
        from codebench.analysis.framework import set_summary

        if text is None or text.strip() == cell.summary:
            return
        set_summary(self.project, case.name, code.guid, text, self.coder.name)
        self.app.notify("summary cleared" if not text.strip() else "summary saved", timeout=2)
        self.reload()

    def action_open(self) -> None:
        chosen = self.selected()
        if chosen is None or not chosen[2].passages:
            self.app.notify("This cell has no passage to open", timeout=3)
            return
        first = chosen[2].passages[0]
        self.app.open_transcript(first.transcript, at=first.first_segment)  # type: ignore[attr-defined]

    def action_toggle_cases(self) -> None:
        self.cases = "participants" if self.cases == "transcripts" else "transcripts"
        self.reload()

    def action_toggle_written(self) -> None:
        self.only_filled = not self.only_filled
        self._fill()

    def action_cycle_coders(self) -> None:
        views = self.scopes()
        at = views.index(self.scope) if self.scope in views else -1
        self.scope = views[(at + 1) % len(views)]
        self.app.notify(self._scope_label(), timeout=3)
        self.reload()

    def action_back(self) -> None:
        self.dismiss(None)


def _key(case: FrameworkCase, code: CodeRef) -> str:
    return f"{case.transcript.id}\x1f{case.speaker or ''}\x1f{code.id}"


def _preview(text: str, width: int = PREVIEW) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
