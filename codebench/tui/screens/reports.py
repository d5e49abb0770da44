"""The reports screen: theme frequencies with a bar chart, codes by attribute, co-occurrence.

Three tabs over one computation: the selected coders' codings are mapped
onto segments once (in a worker thread, see
:func:`codebench.reports.build_units`) and every table on the screen reads
from that. ``e`` exports the table on the active tab in a chosen format
through :mod:`codebench.reports.writers` (atomic writes), also in a worker;
when the project has a pseudonymisation key, the export can apply it (a table
of codes by attribute names its organisations).
All figures come from the headless core; this screen only lays them out.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Label, Select, Static, TabbedContent, TabPane

from codebench.errors import CodebenchError
from codebench.tui.literal import literal
from codebench.tui.modals.export import ExportModal
from codebench.tui.widgets.footer import BindingsFooter
from codebench.tui.widgets.lists import NavDataTable, NavSelect
from codebench.tui.workers import deliver
from codebench.wording import plural

if TYPE_CHECKING:
    from codebench.analysis.explain import CellSpec
    from codebench.models import Coder
    from codebench.project import Project
    from codebench.pseudonyms.key import Key
    from codebench.reports.tables import Column, Table

#: Tabs, in order: (id, title).
TABS = (
    ("frequencies", "Frequencies"),
    ("by-attribute", "By attribute"),
    ("crossed", "Crossed"),
    ("cooccurrence", "Co-occurrence"),
)
#: Coder-scope choices that are not a coder's name.
DEFAULT_SCOPE = "(default)"
ALL_SCOPE = "all"
CONSENSUS_SCOPE = "consensus"


class ReportsScreen(Screen[None]):
    """Frequencies (with a bar chart), codes by attribute, co-occurrence; export what is shown."""

    DEFAULT_CSS = """
    ReportsScreen { layout: vertical; }
    ReportsScreen #reports-controls { height: 3; padding: 0 1; background: $boost; }
    ReportsScreen #reports-controls Label { padding: 1 1 0 0; }
    ReportsScreen #reports-scope { width: 32; }
    ReportsScreen #reports-tabs { height: 1fr; }
    ReportsScreen TabPane { padding: 0; }
    ReportsScreen #frequency-table { height: 1fr; }
    ReportsScreen #frequency-chart-box { height: 1fr; border-top: solid $primary-darken-2; }
    ReportsScreen #frequency-chart { padding: 0 1; }
    ReportsScreen .tab-controls { height: 3; padding: 0 1; }
    ReportsScreen .tab-controls Label { padding: 1 1 0 0; }
    ReportsScreen #attribute-select, ReportsScreen #normalise-select { width: 32; }
    ReportsScreen #cross-first, ReportsScreen #cross-second { width: 1fr; max-width: 30; }
    ReportsScreen #attribute-table, ReportsScreen #cooccurrence-table { height: 1fr; }
    ReportsScreen #crossed-table { height: 1fr; }
    ReportsScreen #crossed-groups-box { height: auto; max-height: 3; padding: 0 1; }
    ReportsScreen #reports-status-box {
        height: auto; max-height: 4; scrollbar-size-vertical: 1; scrollbar-gutter: stable;
    }
    ReportsScreen #reports-status { height: auto; padding: 0 1; color: $text-muted; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back", tooltip="Leave the reports", id="reports.close"),
        Binding(
            "1",
            "tab('frequencies')",
            "Frequencies",
            tooltip="Theme frequencies and bar chart",
            id="reports.frequencies",
        ),
        Binding(
            "2",
            "tab('by-attribute')",
            "By attribute",
            tooltip="Codes by a transcript attribute",
            id="reports.by_attribute",
        ),
        Binding(
            "3",
            "tab('crossed')",
            "Crossed",
            tooltip="Codes by two attributes crossed, with each group's n",
            id="reports.crossed",
        ),
        Binding(
            "4",
            "tab('cooccurrence')",
            "Co-occurrence",
            tooltip="Codes applied to the same segments",
            id="reports.cooccurrence",
        ),
        Binding(
            "e", "export", "Export", tooltip="Write the shown table to a file", id="reports.export"
        ),
        Binding(
            "s",
            "toggle_rollup",
            "Sub-codes",
            tooltip="Count sub-codes into their parents, or not",
            id="reports.rollup",
        ),
        Binding(
            "r",
            "refresh",
            "Refresh",
            tooltip="Recompute from the latest codings",
            id="reports.refresh",
        ),
    ]

    def __init__(self, project: Project, coder: Coder) -> None:
        super().__init__()
        self.project = project
        self.coder = coder
        self.rollup = True
        # Blind by default, as the coding screen and the codebook editor are: a coder
        # sees counts (and, through Enter, passages) of their own codings until they
        # choose other coders in the Coders list, the lead's view.
        self.scope: str = coder.name if coder.kind == "human" else DEFAULT_SCOPE
        self.attribute: str | None = None
        self.attribute_keys: list[str] = []
        """The transcripts' attribute keys, read once on mount (what the selectors offer)."""
        self.normalise: str | None = "jaccard"
        self.crossing: list[str] = []
        """The two attributes the crossed tab crosses (fewer when the transcripts have fewer)."""
        self.units: Any = None
        self.reports: dict[str, Any] = {}
        self.shown: dict[str, Table] = {}
        self.cooccurrence_codes: list[str] = []
        """The co-occurrence square's codes, in its column order (``c0`` first)."""
        """The table each tab shows, by tab id (a cell's row and column are looked up in it)."""

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        with Horizontal(id="reports-controls"):
            yield Label("Coders")
            yield NavSelect(
                self._scope_options(), value=self.scope, allow_blank=False, id="reports-scope"
            )
        with TabbedContent(id="reports-tabs"):
            with TabPane("Frequencies", id="frequencies"):
                yield NavDataTable(id="frequency-table", zebra_stripes=True, cursor_type="row")
                with VerticalScroll(id="frequency-chart-box"):
                    yield Static(id="frequency-chart")
            with TabPane("By attribute", id="by-attribute"):
                with Horizontal(classes="tab-controls"):
                    yield Label("Attribute")
                    yield NavSelect([], id="attribute-select", prompt="(no attributes)")
                yield NavDataTable(id="attribute-table", zebra_stripes=True, cursor_type="cell")
            with TabPane("Crossed", id="crossed"):
                with Horizontal(classes="tab-controls"):
                    yield Label("By")
                    yield NavSelect([], id="cross-first", prompt="(no attributes)")
                    yield Label("×")
                    yield NavSelect([], id="cross-second", prompt="(none)")
                yield NavDataTable(id="crossed-table", zebra_stripes=True, cursor_type="cell")
                with VerticalScroll(id="crossed-groups-box"):
                    yield Static(id="crossed-groups")
            with TabPane("Co-occurrence", id="cooccurrence"):
                with Horizontal(classes="tab-controls"):
                    yield Label("Normalise")
                    yield NavSelect(
                        [
                            ("counts only", "none"),
                            ("Jaccard", "jaccard"),
                            ("c-coefficient", "c"),
                            ("overlap", "overlap"),
                        ],
                        value="jaccard",
                        allow_blank=False,
                        id="normalise-select",
                    )
                yield NavDataTable(id="cooccurrence-table", zebra_stripes=True, cursor_type="cell")
        # The notes say whose codings are counted and how: never cut, scrolled when long.
        with VerticalScroll(id="reports-status-box"):
            yield Static("Computing…", id="reports-status")
        yield BindingsFooter(first=("reports.close", "app.help"))

    def on_mount(self) -> None:
        from codebench.reports import attribute_keys

        keys = self.attribute_keys = attribute_keys(self.project)
        select = self.query_one("#attribute-select", Select)
        select.set_options([(literal(k), k) for k in keys])
        if keys:
            self.attribute = "role" if "role" in keys else keys[0]
            select.value = self.attribute
        options = [(literal(k), k) for k in keys]
        first, second = (
            self.query_one("#cross-first", Select),
            self.query_one("#cross-second", Select),
        )
        first.set_options(options)
        second.set_options(options)
        if keys:  # "(no attributes)" as the blank choice only when there are none
            select.prompt = first.prompt = "(none)"
        if len(keys) >= 2:
            rest = [k for k in keys if k != self.attribute]
            self.crossing = [str(self.attribute), "stage" if "stage" in rest else rest[0]]
            first.value, second.value = self.crossing
        # The table first, so Enter lists a cell's passages (tab reaches the coders' list).
        self.query_one("#frequency-table", DataTable).focus()
        self.compute()

    def _scope_options(self) -> list[tuple[str | Text, str]]:
        coders = self.project.coders()
        options: list[tuple[str | Text, str]] = [
            ("default: consensus, else all", DEFAULT_SCOPE),
            ("all coders (pooled)", ALL_SCOPE),
        ]
        if any(c.kind == "consensus" for c in coders):
            options.append(("consensus", CONSENSUS_SCOPE))
        for c in coders:
            if c.kind == "human":
                shown = f"{c.name} (you)" if c.id == self.coder.id else c.name
                options.append((literal(shown), c.name))
        return options

    # ------------------------------------------------------------------ computing
    def compute(self) -> None:
        """Read the codings again and recompute every tab."""
        self.query_one("#reports-status", Static).update("Computing…")
        self.refresh_reports(reread=True)

    def recompute_views(self) -> None:
        """Recompute the tables from the codings already read (attribute, normalisation or roll-up changed)."""
        self.refresh_reports(reread=False)

    @work(thread=True, exclusive=True, group="reports")
    def refresh_reports(self, reread: bool) -> None:
        """Map codings onto segments for the chosen coders (if asked, or not yet done) and compute the tabs' reports."""
        from textual.worker import get_current_worker

        from codebench.reports import build_units, select_coders

        worker = get_current_worker()
        try:
            units = self.units
            if reread or units is None:
                names = None if self.scope == DEFAULT_SCOPE else [self.scope]
                units = build_units(
                    self.project, select_coders(self.project, names), speakers=True, words=True
                )
            reports = self._reports(units)
        except CodebenchError as error:
            if not worker.is_cancelled:
                deliver(self._failed, str(error))
            return
        if not worker.is_cancelled:  # a newer request replaced this one
            deliver(self._show, units, reports)

    def _reports(self, units: Any) -> dict[str, Any]:
        from codebench.reports import by_attribute, cooccurrence
        from codebench.reports.frequencies import frequencies_from

        found: dict[str, Any] = {"frequencies": frequencies_from(units)}
        if self.attribute:
            found["by-attribute"] = by_attribute(
                self.project, self.attribute, units=units, rollup=self.rollup
            )
        if len(self.crossing) == 2 and self.crossing[0] != self.crossing[1]:
            from codebench.reports.crossed import crossed

            found["crossed"] = crossed(self.project, self.crossing, units=units, rollup=self.rollup)
        found["cooccurrence"] = cooccurrence(self.project, units=units, normalise=self.normalise)
        return found

    def _failed(self, message: str) -> None:
        self.query_one("#reports-status", Static).update(literal(message))
        self.notify(message, severity="error")

    def _show(self, units: Any, reports: dict[str, Any]) -> None:
        from codebench.reports.render_rich import frequency_bars
        from codebench.reports.tables import data_tables, reading_tables

        self.units = units
        self.reports = reports
        view = {"rollup": self.rollup}
        freq = reports["frequencies"]
        self.shown = {}
        self._fill("frequencies", "#frequency-table", reading_tables(freq, **view)[0])
        self.query_one("#frequency-chart", Static).update(frequency_bars(freq, rollup=self.rollup))
        if "by-attribute" in reports:
            self._fill(
                "by-attribute", "#attribute-table", reading_tables(reports["by-attribute"])[0]
            )
        else:
            self.query_one("#attribute-table", DataTable).clear(columns=True)
        legend = self.query_one("#crossed-groups", Static)
        if "crossed" in reports:
            groups, counts = reading_tables(reports["crossed"])[:2]
            self._fill("crossed", "#crossed-table", counts)
            legend.update(literal(_group_legend(groups)))
        else:
            self.query_one("#crossed-table", DataTable).clear(columns=True)
            legend.update(self._not_shown("crossed"))
        tables = data_tables(reports["cooccurrence"])
        self.cooccurrence_codes = [str(r.get("code") or r.get("name")) for r in tables[-1].rows]
        self._fill("cooccurrence", "#cooccurrence-table", _used_only(tables[-1]))
        self._update_status()

    def _fill(self, tab: str, selector: str, table: Table) -> None:
        from codebench.reports.render_rich import display_cells

        self.shown[tab] = table
        grid = self.query_one(selector, DataTable)
        grid.clear(columns=True)
        columns = table.display_columns()
        for column in columns:
            grid.add_column(literal(column.short or column.label), key=column.key)
        cells = [
            [literal(cell) for cell in display_cells(table, row, columns)] for row in table.rows
        ]
        for row_cells in cells:
            grid.add_row(*row_cells)
        grid.fixed_columns = _fixed_columns(table, columns, cells, self.app.size.width)

    def _update_status(self) -> None:
        tab = self.query_one(TabbedContent).active or "frequencies"
        report = self.reports.get(tab)
        notes = list(report.notes) if report is not None else [self._not_shown(tab)]
        roll = "sub-codes counted into parents" if self.rollup else "each code on its own"
        self.query_one("#reports-status", Static).update(
            literal(f"{roll} (s) · enter: a cell's passages · e exports\n" + " ".join(notes))
        )

    def _not_shown(self, tab: str) -> str:
        """Why ``tab`` shows no table, and what to pick: only "none yet" when there are none."""
        keys = self.attribute_keys
        if not keys:
            return "Pick an attribute (transcripts have none yet)."
        if tab != "crossed":
            return "Pick an attribute."
        if len(keys) < 2:
            return f"Crossing needs two attributes; transcripts have one ({keys[0]})."
        if len(self.crossing) == 2:  # both picked, and the same one
            return "Pick two different attributes to cross."
        return "Pick two attributes to cross."

    # ------------------------------------------------------------------ controls
    @on(Select.Changed, "#reports-scope")
    def _scope_changed(self, event: Select.Changed) -> None:
        if event.value is not Select.NULL and event.value != self.scope:
            self.scope = str(event.value)
            self.units = None
            self.compute()

    @on(Select.Changed, "#attribute-select")
    def _attribute_changed(self, event: Select.Changed) -> None:
        # A cleared selector clears the table too, so it never shows another attribute.
        # The selector's value now, not the event's: refilling its options on mount
        # sends a blank first.
        value = event.select.value
        attribute = None if value is Select.NULL else str(value)
        if attribute != self.attribute:
            self.attribute = attribute
            self.recompute_views()

    @on(Select.Changed, "#cross-first")
    @on(Select.Changed, "#cross-second")
    def _crossing_changed(self, event: Select.Changed) -> None:
        first = self.query_one("#cross-first", Select).value
        second = self.query_one("#cross-second", Select).value
        # A cleared selector clears the table too, so it never shows another crossing.
        crossing = [str(v) for v in (first, second) if v is not Select.NULL]
        if crossing != self.crossing:
            self.crossing = crossing
            self.recompute_views()

    @on(Select.Changed, "#normalise-select")
    def _normalise_changed(self, event: Select.Changed) -> None:
        value = None if event.value is Select.NULL or event.value == "none" else str(event.value)
        if value != self.normalise:
            self.normalise = value
            self.recompute_views()

    @on(TabbedContent.TabActivated)
    def _tab_changed(self, event: TabbedContent.TabActivated) -> None:
        """Focus moves with the tab to its table (unless it is on the tabs or the coders).

        Left in the hidden pane, Textual hands focus to the next widget there
        and the tabs switch back to that pane: the tab would not change.
        """
        focused = self.focused
        pane = event.tabbed_content.get_pane(event.pane.id or "")
        in_a_pane = focused is not None and any(isinstance(a, TabPane) for a in focused.ancestors)
        if in_a_pane and focused is not None and pane not in focused.ancestors:
            _focus_first_cell(pane.query_one(DataTable))
        if self.reports:
            self._update_status()

    def action_tab(self, tab: str) -> None:
        """Show ``tab`` with its table focused, so Enter opens a cell's passages at once."""
        tabs = self.query_one(TabbedContent)
        tabs.active = tab
        _focus_first_cell(tabs.get_pane(tab).query_one(DataTable))

    def action_toggle_rollup(self) -> None:
        self.rollup = not self.rollup
        self.recompute_views()

    def action_refresh(self) -> None:
        self.compute()

    def action_close(self) -> None:
        self.dismiss(None)

    # ------------------------------------------------------------------ a cell's passages
    @on(DataTable.RowSelected, "#frequency-table")
    def _frequency_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.open_cell("frequencies", event.cursor_row, "")

    @on(DataTable.CellSelected)
    def _cell_selected(self, event: DataTable.CellSelected) -> None:
        event.stop()
        tab = {
            "attribute-table": "by-attribute",
            "crossed-table": "crossed",
            "cooccurrence-table": "cooccurrence",
        }.get(event.data_table.id or "")
        if tab is not None:
            self.open_cell(tab, event.coordinate.row, str(event.cell_key.column_key.value))

    def cell_question(self, tab: str, row: int, column: str) -> CellQuestion | None:
        """What ``codebench explain`` would be asked for the cell (``None``: not a cell with passages)."""
        from codebench.analysis.explain import CellSpec
        from codebench.analysis.scope import ScopeSpec

        table = self.shown.get(tab)
        report = self.reports.get(tab)
        if table is None or report is None or not 0 <= row < len(table.rows):
            return None
        line = table.rows[row]
        code = str(line.get("code") or line.get("name") or "")
        if not code:
            return None
        coders = () if self.scope == DEFAULT_SCOPE else (self.scope,)
        scope = ScopeSpec(coders=coders)
        whole_row = CellQuestion(CellSpec("frequencies", scope, rollup=self.rollup), code, None)
        if tab == "frequencies" or column in ("code", "name", "total"):
            shown = self.shown["frequencies"]
            counts = next(
                (r for r in shown.rows if str(r.get("code") or r.get("name")) == code), {}
            )
            whole_row.counted = (counts.get("segments"), counts.get("transcripts"))
            return whole_row
        index = int(column[1:]) if column[1:].isdigit() else -1
        if tab == "by-attribute" and column.startswith("g") and index < len(report.groups):
            spec = CellSpec("by-attribute", scope, (report.attribute,), rollup=self.rollup)
            cell = report.rows[row].cells[index] if row < len(report.rows) else None
            question = CellQuestion(spec, code, report.groups[index].value)
            question.counted = (cell.segments, cell.transcripts) if cell else (None, None)
            return question
        if tab == "crossed" and column.startswith("g") and index < len(report.groups):
            attributes = tuple(d.name for d in report.dimensions)
            spec = CellSpec("crossed", scope, attributes, report.cases, self.rollup)
            crossed_cell = report.rows[row].cells[index] if row < len(report.rows) else None
            question = CellQuestion(spec, code, f"G{index + 1}")
            if crossed_cell is not None:
                question.counted = (crossed_cell.segments, crossed_cell.transcripts)
            return question
        if (
            tab == "cooccurrence"
            and column.startswith("c")
            and index < len(self.cooccurrence_codes)
        ):
            spec = CellSpec("cooccurrence", scope, rollup=False)
            return CellQuestion(spec, code, self.cooccurrence_codes[index])
        return None

    def open_cell(self, tab: str, row: int, column: str) -> None:
        """List the passages behind a cell (the one ``codebench explain`` lists), in a worker."""
        question = self.cell_question(tab, row, column)
        if question is None:
            self.notify("This column is not a count of passages", timeout=3)
            return
        grid = self.query_one(TabbedContent).get_pane(tab).query_one(DataTable)
        try:
            question.shown = str(grid.get_cell_at(grid.cursor_coordinate))
        except Exception:  # noqa: BLE001 - a table refilled under the cursor
            question.shown = ""
        self.explain_cell(question)

    @work(thread=True, exclusive=True, group="reports-explain")
    def explain_cell(self, question: CellQuestion) -> None:
        """Ask the library for the cell's passages, then show them."""
        from codebench.analysis.explain import explain

        try:
            found = explain(self.project, question.spec, question.row, question.column)
        except CodebenchError as error:
            deliver(self._failed, str(error))
            return
        deliver(self._show_passages, question, found)

    def _show_passages(self, question: CellQuestion, found: Any) -> None:
        from codebench.tui.modals.passages import PassagesModal, passage_counts

        quotes = list(found.quotes)
        passages, segments, transcripts = passage_counts(quotes)
        heading = Text(found.notes[0], style="bold")
        heading.append(
            f"\n{passages} passage{'' if passages == 1 else 's'} · {segments} segment"
            f"{'' if segments == 1 else 's'} · {transcripts} transcript"
            f"{'' if transcripts == 1 else 's'}",
        )
        heading.append(f"\n{question.why(segments, transcripts)}", style="dim")

        def chosen(quote: Any) -> None:
            if quote is not None:
                self.app.open_transcript(quote.transcript, at=quote.first_segment)  # type: ignore[attr-defined]

        self.app.push_screen(PassagesModal(heading, quotes), chosen)

    # ------------------------------------------------------------------ export
    def action_export(self) -> None:
        from codebench.reports.writers import formats_for

        tab = self.query_one(TabbedContent).active or "frequencies"
        report = self.reports.get(tab)
        if report is None:
            self.notify("Nothing to export yet", severity="warning")
            return
        kind = f"by-{report.attribute}" if tab == "by-attribute" else tab
        folder = self.project.path.parent if self.project.path.name != ":memory:" else Path.cwd()

        from codebench.pseudonyms.key import default_key_path

        key_path = default_key_path(self.project.path)

        def chosen(result: tuple[str, Path, bool] | None) -> None:
            if result is None:
                return
            fmt, path, pseudonymise = result
            if not pseudonymise:
                self.export(report, fmt, path)
                return
            from codebench.tui.keyfile import open_key

            def opened(key: Key, _secret: str | None) -> None:
                self.export(report, fmt, path, key)

            def failed(problem: str) -> None:
                self.notify(f"Not exported: {problem}", severity="error", timeout=8)

            open_key(self.app, key_path, opened, failed)

        offer = key_path if key_path.is_file() else None
        self.app.push_screen(ExportModal(kind, formats_for(report), folder, offer), chosen)

    @work(thread=True, group="reports-export")
    def export(self, report: Any, fmt: str, path: Path, key: Key | None = None) -> None:
        """Write ``report`` to ``path`` (atomically) and say so; with ``key``, pseudonymised
        first, as ``codebench report --pseudonymise`` does (one mapping of the report's data)."""
        from codebench.reports.writers import notes_beside, write

        try:
            if key is not None:
                from codebench.pseudonyms.apply import project_pseudonymiser

                report = project_pseudonymiser(self.project, key).value(report)
            write(report, path, fmt, rollup=self.rollup)
        except (CodebenchError, OSError) as error:
            self.app.call_from_thread(self.app.notify, f"Export failed: {error}", severity="error")
            return
        # The full path: a relative one says nothing about where the file went.
        beside = notes_beside(report, path, fmt)
        said = f"Wrote {path.absolute()}" + (f" and its notes, {beside.name}" if beside else "")
        self.app.call_from_thread(self.app.notify, said, title="Exported")


class CellQuestion:
    """A table cell as ``codebench explain`` takes it: the report's spec, a row (code) and a column."""

    def __init__(self, spec: CellSpec, row: str, column: str | None) -> None:
        self.spec = spec
        self.row = row
        self.column = column
        #: The cell's (segments, transcripts) as the report counted them, where it counts them.
        self.counted: tuple[int | None, int | None] = (None, None)
        #: The cell as the table shows it.
        self.shown = ""

    def why(self, segments: int, transcripts: int) -> str:
        """How the number in the cell relates to the passages listed (they are counted differently)."""
        shown = f"The cell shows {self.shown}" if self.shown else "The cell"
        kind = self.spec.kind
        counted_segments, counted_transcripts = self.counted
        if kind == "cooccurrence":
            return (
                f"{shown}: segments coded with both codes (or a ratio of them); listed are "
                "the row code's passages that share a segment with the column code."
            )
        what = "transcripts" if kind in ("by-attribute", "crossed") else "segments"
        if kind == "crossed" and self.spec.cases == "participants":
            what = "participants"
        agree = (counted_segments is None or counted_segments == segments) and (
            counted_transcripts is None or counted_transcripts == transcripts
        )
        known = [
            plural(n, word)
            for n, word in ((counted_segments, "segment"), (counted_transcripts, "transcript"))
            if n is not None
        ]
        check = (
            "the same segments and transcripts as the table counts"
            if agree
            else "the table counts " + " in ".join(known)
        )
        if kind == "frequencies" and counted_segments is not None:
            # The code's whole row (a frequencies row, or a code, name or total cell
            # elsewhere), whichever of its cells the cursor is on: say what the row counts.
            shown = f"{self.row} is on " + " in ".join(known) + " (its frequencies row)"
            return f"{shown}; a passage is a run of coded segments. Listed: {check}."
        return (
            f"{shown}: it counts {what} with the code; a passage is a run of coded segments. "
            f"Listed: {check}."
        )


def _group_legend(groups: Table) -> Text:
    """The crossed table's groups on one wrapped line: number, values, n, small flag."""
    text = Text()
    for row in groups.rows:
        values = " × ".join(str(row[c.key]) for c in groups.columns if c.key.startswith("a"))
        small = " small" if row.get("small") else ""
        text.append(f"{row['group']} ", style="bold")
        text.append(f"{values} (n={row.get('transcripts')}{small})  ")
    return text


def _used_only(table: Table) -> Table:
    """A co-occurrence square reduced to the codes that were applied at all."""
    from codebench.reports.tables import Table as Grid

    keep = [i for i, row in enumerate(table.rows) if row.get(f"c{i}")]
    head = [c for c in table.columns if not (c.key[:1] == "c" and c.key[1:].isdigit())]
    columns = head + [table.columns[len(head) + i] for i in keep]
    rows = [table.rows[i] for i in keep]
    return Grid(table.name, table.title, columns, rows, table.keys, table.notes, table.indent)


def _fixed_columns(table: Table, columns: list[Column], cells: list[list[Text]], width: int) -> int:
    """How many of the row's key columns stay in view when the table scrolls right.

    The first (the code) always does; the next (its name) too while the kept
    columns take at most two fifths of the width, so the counts keep room.
    """
    keys = {c.key for c in table.columns[: table.keys]}
    fixed = 0
    taken = 0
    for i, column in enumerate(columns):
        if column.key not in keys:
            break
        label = column.short or column.label
        # A cell of padding each side, as the table draws it.
        taken += 2 + max([len(label), *(row[i].cell_len for row in cells)])
        if fixed and taken > width * 2 // 5:
            break
        fixed += 1
    return fixed


def _focus_first_cell(grid: DataTable) -> None:
    """Focus ``grid`` with its cursor on its first count cell when it still stands on the code.

    Enter on a table's code column lists the code's passages as its
    frequencies row; a table reached by its tab should answer with one of its
    own cells (a crossed group, a co-occurring code) at the first Enter.
    """
    grid.focus()
    if grid.cursor_type != "cell" or grid.cursor_coordinate.column != 0:
        return
    for index, key in enumerate(grid.columns):
        name = str(key.value)
        if name[:1] in ("g", "c") and name[1:].isdigit():
            grid.move_cursor(column=index)
            return
