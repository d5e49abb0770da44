"""The project screen: transcripts with their attributes, this coder's status and progress."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.events import Key
from textual.screen import Screen
from textual.widgets import DataTable, Static

from codebench.errors import CodebenchError
from codebench.tui.freshness import WATCH_EVERY, FileWatch
from codebench.tui.literal import literal
from codebench.tui.widgets.footer import BindingsFooter
from codebench.tui.widgets.lists import NavDataTable
from codebench.tui.workers import deliver
from codebench.wording import plural

if TYPE_CHECKING:
    from codebench.models import Coder
    from codebench.project import Project

#: Attributes shown first, when transcripts have them; others follow by name.
PREFERRED_ATTRIBUTES = ("role", "organisation", "sector", "stage")
STATUS_STYLE = {"done": "bold green", "in-progress": "yellow", "not-started": "dim"}
#: The footer's keys, in order: the app's screens (hidden on other screens' footers) are shown
#: here under short names, so all of them fit at 80 columns (``q`` quits too, as esc does
#: without a filter; the filter line says esc clears it).
FOOTER_FIRST = (
    "project.clear",
    "app.help",
    "app.codebook",
    "app.review",
    "app.reports",
    "app.memos",
    "app.pseudonymise",
    "app.framework",
)
FOOTER_LABELS = {
    "project.clear": "Quit",
    "app.codebook": "Codebook",
    "app.review": "Review",
    "app.pseudonymise": "Names",
    "app.framework": "Matrix",
}


class ProjectScreen(Screen[None]):
    """Pick a transcript to code. Typing filters the list; Enter opens the highlighted one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open transcript", id="project.open"),
        Binding("escape", "clear_or_quit", "Clear filter / quit", id="project.clear"),
        Binding("q", "app.quit", "Quit", show=False, id="project.quit"),
        Binding("backspace", "backspace", "Delete filter text", show=False, id="project.backspace"),
    ]

    def __init__(self, project: Project, coder: Coder) -> None:
        super().__init__()
        self.project = project
        self.coder = coder
        self.filter_text = ""
        self.filtering = False
        """Whether a filter is being typed (then every letter goes to it)."""
        self.rows: list[dict[str, Any]] = []
        self.progress: dict[int, tuple[int, int]] = {}
        self.attribute_keys: list[str] = []
        self.shown_keys: list[int] = []
        """Indexes into :attr:`attribute_keys` of the attributes the table has room for."""
        self.assigned: dict[int, str] = {}
        self._team_shown = ""
        """The team sync's line as last shown (see :meth:`refresh_team_line`)."""
        """``{transcript id: segments}`` of this coder's assignments; empty: none, show every transcript."""

    def compose(self) -> ComposeResult:
        yield Static(id="project-title")
        yield Static(id="project-filter")
        yield NavDataTable(id="transcripts", cursor_type="row", zebra_stripes=True)
        yield Static(id="project-detail")
        yield BindingsFooter(
            first=FOOTER_FIRST,
            also=("app.codebook", "app.memos", "app.pseudonymise", "app.framework"),
            labels=FOOTER_LABELS,
            compact=True,
            show_command_palette=False,
        )

    def on_mount(self) -> None:
        self.query_one("#project-title", Static).update(
            literal(
                Text.assemble(
                    (" codebench ", "bold reverse"),
                    f"  {self.project.path.name}  ·  coder ",
                    (self.coder.name, "bold"),
                    "  ·  Enter opens a transcript, type to filter, ? for help",
                )
            )
        )
        self.reload()
        self._watch = FileWatch(self.project)
        self.set_interval(WATCH_EVERY, self._look, name="project-watch")

    def _look(self) -> None:
        """Another window, the CLI or the team sync changed the project: read the list again."""
        if self.is_current and self._watch.changed():
            self.reload()
        self.refresh_team_line()

    def _team_line(self) -> str:
        line = getattr(self.app, "team_line", None)
        return line() if callable(line) else ""

    def refresh_team_line(self) -> None:
        """Show the team sync's line ("synced 12 s ago") when it changed."""
        if self._team_line() != self._team_shown and not self.filtering:
            self._show_prompt()

    def on_screen_resume(self) -> None:
        if self.rows:
            self.reload()

    # ------------------------------------------------------------------ data
    def reload(self) -> None:
        """Read transcripts, counts and statuses (cheap); progress comes from a worker."""
        try:
            from codebench.design.assignments import assignments

            transcripts = self.project.transcripts()
            counts = self.project.segment_counts()
            statuses = self.project.statuses()
            mine = assignments(self.project, coder=self.coder)
        except (CodebenchError, Exception) as error:  # noqa: BLE001 - shown to the user, never a traceback
            self.app.notify(f"Cannot read the project: {error}", severity="error")
            return
        # A coder with assignments sees only the transcripts given to them (the study design).
        self.assigned = {a.transcript.id: a.segments for a in mine}
        if self.assigned:
            transcripts = [t for t in transcripts if t.id in self.assigned]
        keys = sorted({k for t in transcripts for k in t.attributes})
        self.attribute_keys = [k for k in PREFERRED_ATTRIBUTES if k in keys] + [
            k for k in keys if k not in PREFERRED_ATTRIBUTES
        ]
        self.rows = [
            {
                "transcript": t,
                "segments": counts.get(t.id, (0, 0))[0],
                "codable": counts.get(t.id, (0, 0))[1],
                "status": statuses.get((self.coder.id, t.id), "not-started"),
            }
            for t in transcripts
        ]
        self._fill()
        self._load_progress()

    @work(thread=True, exclusive=True, group="progress")
    def _load_progress(self) -> None:
        """Per-transcript progress scans the codings table; on a big project it runs off the UI thread.

        It reads through the app's own connection (opened with
        ``check_same_thread=False``). Opening a second connection in this
        process is avoided on purpose: ``open_database`` reads the file header
        with a plain file handle, and closing that handle drops the POSIX locks
        SQLite holds for the app's connection, which lets another process
        delete the WAL under us.
        """
        from codebench.coding.listing import progress

        try:
            figures = progress(self.project, self.coder.name)
        except Exception as error:  # noqa: BLE001 - reported in the UI
            self.app.call_from_thread(
                self.app.notify, f"Cannot compute progress: {error}", severity="warning"
            )
            return
        deliver(self._progress_ready, figures)

    def _progress_ready(self, figures: dict[int, tuple[int, int]]) -> None:
        self.progress = figures
        self._fill()

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        selected = self.selected_name()
        table.clear(columns=True)
        words = self.filter_text.casefold().split()
        lines: list[tuple[str, list[Text]]] = []
        for row in self.rows:
            t = row["transcript"]
            haystack = " ".join([t.name, *t.attributes.values(), row["status"]]).casefold()
            if not all(w in haystack for w in words):
                continue
            coded, codable = self.progress.get(t.id, (None, row["codable"]))
            coded_text = (
                "…" if coded is None else (f"{round(100 * coded / codable)}%" if codable else "–")
            )
            assigned = [Text(self.assigned[t.id])] if self.assigned else []
            cells = [
                literal(t.name),
                Text(f"{row['segments']}", justify="right"),
                _status_cell(row["status"], coded, codable),
                *assigned,
                Text(coded_text, justify="right"),
            ]
            lines.append(
                (t.name, cells + [literal(t.attributes.get(k, "")) for k in self.attribute_keys])
            )
        headers = [
            "Transcript",
            "Segments",
            "Status",
            *(["Assigned"] if self.assigned else []),
            "Coded",
        ]
        self.shown_keys = _fitting(
            headers,
            [k.replace("_", " ").capitalize() for k in self.attribute_keys],
            [cells for _, cells in lines],
            self.app.size.width,
        )
        for header in headers:
            table.add_column(header, key=header.casefold())
        for index in self.shown_keys:
            key = self.attribute_keys[index]
            table.add_column(literal(key.replace("_", " ").capitalize()), key=f"attr:{key}")
        kept = len(headers)
        for name, cells in lines:
            table.add_row(*cells[:kept], *(cells[kept + i] for i in self.shown_keys), key=name)
        if selected is not None and selected in table.rows:
            table.move_cursor(row=table.get_row_index(selected))
        self._show_prompt()

    def _show_prompt(self) -> None:
        """The line above the list: the filter being typed, or the count and the team sync."""
        prompt = self.query_one("#project-filter", Static)
        shown = self.query_one(DataTable).row_count
        self._team_shown = self._team_line()
        if self.filtering:
            prompt.update(
                literal(
                    Text.assemble(
                        " Filter: ",
                        (self.filter_text, "bold"),
                        "▏",
                        (f"   {shown} of {len(self.rows)} · esc clears", "dim"),
                    )
                )
            )
        else:
            mine = f" assigned to {self.coder.name}" if self.assigned else ""
            line = Text(
                f" {plural(len(self.rows), 'transcript')}{mine} · type to filter", style="dim"
            )
            if self._team_shown:
                line.append(f" · {self._team_shown}", style="bold")
            prompt.update(literal(line))

    def _show_detail(self) -> None:
        """The highlighted transcript's attributes that the table has no room for, wrapped."""
        detail = self.query_one("#project-detail", Static)
        hidden = [k for i, k in enumerate(self.attribute_keys) if i not in self.shown_keys]
        name = self.selected_name()
        row = next((r for r in self.rows if r["transcript"].name == name), None)
        if not hidden or row is None:
            detail.display = False
            return
        values = row["transcript"].attributes
        text = Text.assemble(" ", (name or "", "bold"), ": ", style="dim")
        text.append(" · ".join(f"{k.replace('_', ' ')} {values.get(k) or '–'}" for k in hidden))
        detail.update(literal(text))
        detail.display = True

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_detail()

    def on_resize(self) -> None:
        if self.rows:
            self._fill()

    def selected_name(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        try:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        except Exception:  # noqa: BLE001 - empty or shrinking table
            return None
        return str(key.value) if key.value is not None else None

    # ------------------------------------------------------------------ actions
    def action_open(self) -> None:
        name = self.selected_name()
        if name is None:
            self.app.notify("No transcript matches the filter", severity="warning")
            return
        self.app.open_transcript(name)  # type: ignore[attr-defined]

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    async def action_clear_or_quit(self) -> None:
        if self.filtering:
            self.filter_text = ""
            self.filtering = False
            self._fill()
        else:
            await self.app.action_quit()  # a team copy syncs once more first

    def action_backspace(self) -> None:
        if self.filter_text:
            self.filter_text = self.filter_text[:-1]
            self._fill()

    def on_key(self, event: Key) -> None:
        """Printable keys that no binding claims go to the filter.

        While no filter is being typed, bound keys act (``j``/``k``/``g``/``G``
        move in the list, ``q`` quits). Once one is (any other letter, or
        ``/`` to start with a bound one), the list's keys are letters of the
        filter too: ``org`` needs its ``g``. Escape clears the filter.
        """
        if not (event.is_printable and event.character):
            return
        bound = self.active_bindings.get(event.key)
        if (
            bound is not None
            and bound.enabled
            and not (self.filtering and isinstance(bound.node, DataTable))
        ):
            return
        event.stop()
        if self.filtering or event.character != "/":
            self.filter_text += event.character
        self.filtering = True
        self._fill()


def _fitting(headers: list[str], extra: list[str], rows: list[list[Text]], width: int) -> list[int]:
    """Which of the ``extra`` columns (after ``headers``) fit in ``width`` with every cell whole.

    A column takes its widest cell or header plus the table's padding of
    one each side; the columns that do not fit are left out of the table
    (the detail line under it names their values for the highlighted row).
    """

    def room(index: int, header: str) -> int:
        widest = max((rows_cell.cell_len for rows_cell in (r[index] for r in rows)), default=0)
        return max(widest, len(header)) + 2

    used = sum(room(i, h) for i, h in enumerate(headers)) + 2  # the scroll bar
    kept: list[int] = []
    for offset, header in enumerate(extra):
        need = room(len(headers) + offset, header)
        if used + need <= width:
            kept.append(offset)
            used += need
    return kept


def _status_cell(status: str, coded: int | None, codable: int) -> Text:
    """The status word; done is marked with a tick, and flagged when segments were left uncoded."""
    if status != "done":
        return Text(status.replace("-", " "), style=STATUS_STYLE.get(status, ""))
    cell = Text("✓ done", style=STATUS_STYLE["done"])
    if coded is not None and codable and coded < codable:
        cell.append(f" ({codable - coded} uncoded)", style="bold yellow")
    return cell
