"""The search screen (F8): a text search or a coding query over the whole project, and coding its hits.

Type in the box and press Enter. In **text** mode the words go to
:func:`codebench.analysis.search.search` (words, phrases, ``pens*``,
``a | b``; ``r`` switches to a regular expression, ``i`` keeps case as
typed, ``e`` keeps accents as typed); in **query** mode (``m``, or a line
starting with ``=``) the line is a coding query for
:func:`codebench.analysis.query.run_query` (``04.2 & 10 & !16``). A
mistake is one line under the box, with the column the parser names.

Hits are listed keyword-in-context; Enter opens one in the coding screen at
its segment, ``t`` switches the list to a count table (by transcript, by
speaker, by each attribute). ``c`` codes the hits: pick a code, review the
batch passage by passage (:class:`~codebench.tui.modals.autocode_review.AutocodeReviewModal`),
and it is applied by :func:`codebench.analysis.autocode.apply_autocode` as
one logged action of the current coder, which ``u`` undoes. ``l`` lists
the saved queries and runs the one chosen; ``s`` saves the query shown
(with its scope) as ``codebench query --save`` does.

``w`` sets the scope (:class:`~codebench.tui.modals.scope.ScopeModal`): the
CLI's ``--where``, ``--transcripts``, ``--coder``/``--coders``/``--consensus``,
``--speaker``, ``--round`` and, for a text search, ``--in-code`` and
``--lemma``, read by the same library calls. The header line always says
which scope is in force; a scope the project cannot meet (an unknown coder,
say) is one line under it. In the count tables (``t``) Enter lists the passages behind
the row's count (:class:`~codebench.tui.modals.passages.PassagesModal`) and
opens the one chosen in the coding screen.

Blind coding: a query counts only the current coder's codings and a hit's
"codes" column shows only theirs, until ``o`` shows everyone's (as ``o``
does in the coding screen). So ``--coder`` names whose codings count only
once ``o`` is on; blind, naming anyone but the viewer is refused.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Input, OptionList, Static
from textual.widgets.option_list import Option

from codebench.analysis.autocode import SPREADS
from codebench.analysis.scope import ScopeSpec
from codebench.errors import CodebenchError
from codebench.tui.guard import report_errors
from codebench.tui.literal import literal
from codebench.tui.modals.scope import ChosenScope
from codebench.tui.widgets.footer import BindingsFooter
from codebench.tui.widgets.lists import NavDataTable, NavOptionList
from codebench.tui.widgets.wrap import cut, place_cut
from codebench.wording import plural

if TYPE_CHECKING:
    from codebench.analysis.autocode import AutocodeBatch
    from codebench.analysis.query import QueryResult
    from codebench.analysis.saved import SavedQuery
    from codebench.analysis.search import SearchResult
    from codebench.models import Code, Coder
    from codebench.project import Project
    from codebench.reports.tables import Table

#: Keys the footer shows first (it is cut off at the right on a narrow terminal).
FOOTER_FIRST = (
    "search.back",
    "app.help",
    "search.type",
    "search.mode",
    "search.scope",
    "search.code",
    "search.counts",
)
#: Hits listed at most (the counts cover every hit).
MAX_SHOWN = 2_000


@dataclass(frozen=True)
class Behind:
    """A hit or a passage behind a count, as the passages list shows it."""

    transcript: str
    first_segment: int
    last_segment: int
    speaker: str | None
    coders: list[str]
    text: str

    @property
    def location(self) -> str:
        from codebench.reports.quotes import passage_location

        return passage_location(self.transcript, self.first_segment, self.last_segment)


@dataclass(frozen=True)
class HitRow:
    """One line of the hit list: where it is, its context, the codes the viewer may see there."""

    transcript: str
    ordinal: int
    last: int
    speaker: str
    left: str
    hit: str
    right: str
    codes: str


class SearchScreen(Screen[None]):
    """Search the project's text or query its codings; open, count and code the hits."""

    DEFAULT_CSS = """
    SearchScreen #search-input { height: 3; }
    SearchScreen #search-status { height: auto; max-height: 5; padding: 0 1; }
    SearchScreen #search-table { height: 1fr; }
    SearchScreen #search-counts { height: 1fr; display: none; }
    SearchScreen #search-detail-box { height: 6; border-top: solid $primary-darken-2; padding: 0 1; }
    SearchScreen #search-saved { height: auto; max-height: 12; display: none; border: solid $primary; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "slash", "focus_input", "Type", tooltip="Type a search or a query", id="search.type"
        ),
        Binding(
            "m",
            "toggle_mode",
            "Text/query",
            tooltip="Text search or coding query",
            id="search.mode",
        ),
        Binding(
            "t",
            "counts",
            "Counts",
            tooltip="Hits, or counts by transcript, speaker, attribute",
            id="search.counts",
        ),
        Binding(
            "c",
            "code_hits",
            "Code hits",
            tooltip="Code the hits as a reviewed batch",
            id="search.code",
        ),
        Binding(
            "w",
            "scope",
            "Scope",
            tooltip="Where, transcripts, coders, speaker, round, in code, lemma",
            id="search.scope",
        ),
        Binding("l", "saved", "Saved queries: list, run one", show=False, id="search.saved"),
        Binding("s", "save_query", "Save the query shown", show=False, id="search.save"),
        Binding("r", "toggle_regex", "Words or regular expression", show=False, id="search.regex"),
        Binding("i", "toggle_case", "Fold case or keep it as typed", show=False, id="search.case"),
        Binding(
            "e",
            "toggle_accents",
            "Fold accents or keep them as typed",
            show=False,
            id="search.accents",
        ),
        Binding(
            "p", "spread", "Code the hit, its segment or its turn", show=False, id="search.spread"
        ),
        Binding("u", "undo", "Undo your last action", show=False, id="search.undo"),
        Binding(
            "o", "toggle_others", "Show or hide other coders' codes", show=False, id="search.others"
        ),
        Binding("q,escape", "back", "Back", id="search.back"),
    ]

    def __init__(self, project: Project, coder: Coder) -> None:
        super().__init__()
        self.project = project
        self.coder = coder
        self.mode = "text"
        self.regex = False
        self.case_sensitive = False
        self.exact_accents = False
        self.spread = "segment"
        #: Others' codings shown (the lead's view); blind by default.
        self.others = False
        self.result: SearchResult | QueryResult | None = None
        self.rows: list[HitRow] = []
        self.error = ""
        #: The saved query being shown (its name is in the header while its line is unchanged).
        self.saved: SavedQuery | None = None
        #: The scope in force (``w``); the viewer's coders are added when blind.
        self.chosen = ChosenScope(ScopeSpec())
        #: Which table shows: ``hits`` or a ``--count-by`` value.
        self.showing = "hits"
        #: Characters of context either side of a hit (a shorter side is not cut).
        self.context = 0
        #: The count table shown (its rows are the count table's rows, in order).
        self.counted: Table | None = None

    def compose(self) -> ComposeResult:
        yield Input(
            placeholder="search words (Enter) · =04 & 10 for a coding query", id="search-input"
        )
        yield Static(id="search-status")
        yield NavDataTable(id="search-table", cursor_type="row", zebra_stripes=True)
        yield NavDataTable(id="search-counts", cursor_type="row", zebra_stripes=True)
        yield NavOptionList(id="search-saved")
        with VerticalScroll(id="search-detail-box"):
            yield Static(id="search-detail")
        yield BindingsFooter(first=FOOTER_FIRST, labels={"search.mode": "Mode"})

    def on_mount(self) -> None:
        self._status()
        self._show_hit()
        self.query_one(Input).focus()

    # ------------------------------------------------------------------ running
    @on(Input.Submitted, "#search-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.run_line(event.value)

    def run_line(self, line: str) -> None:
        """Run ``line`` in the current mode (``=`` first: a query)."""
        text = line.strip()
        mode = self.mode
        if text.startswith("="):
            mode, text = "query", text[1:].strip()
        if self.saved is not None and (mode, text) != ("query", self.saved.expression):
            self.saved = None  # a new line: no longer the saved query (its scope stays, shown)
        self.error = ""
        self._run(mode, text)

    @work(thread=True, exclusive=True, group="search")
    def _run(self, mode: str, text: str) -> None:
        try:
            result, rows = self._compute(mode, text)
        except CodebenchError as error:
            self.app.call_from_thread(self._failed, str(error))
            return
        except sqlite3.Error as error:
            self.app.call_from_thread(self._failed, f"database error: {error}")
            return
        self.app.call_from_thread(self._show, result, rows)

    def scope_spec(self) -> ScopeSpec:
        """The scope in force with the viewer's coders when blind (the scope's own coders otherwise).

        Blind, the scope's ``--coder`` may name only the viewer: another
        coder's codings (``bob``, ``all``, ``consensus``) are refused with a
        line saying to show everyone's (``o``) first, as the coding screen
        and the framework matrix keep them out of a blind view until asked.
        """
        if self.others:
            return self.chosen.spec
        if self.chosen.spec.coders:
            from codebench.reports.scope import select_coders

            named = select_coders(self.project, list(self.chosen.spec.coders))
            if any(c.id != self.coder.id for c in named.coders):
                raise CodebenchError(
                    f"blind: --coder {','.join(self.chosen.spec.coders)} counts others' "
                    "codings (o shows everyone's first)"
                )
        return self.chosen.spec.merged(ScopeSpec(coders=(self.coder.name,)))

    def _compute(self, mode: str, text: str) -> tuple[SearchResult | QueryResult, list[HitRow]]:
        scope = self.scope_spec()
        if mode == "query":
            from codebench.analysis.query import run_query

            query = run_query(self.project, text, scope)
            return query, [
                HitRow(
                    p.transcript,
                    p.first_segment,
                    p.last_segment,
                    ", ".join(p.speakers),
                    "",
                    p.text,
                    "",
                    ", ".join(c.split(" ", 1)[0] for c in p.codes),
                )
                for p in query.passages[:MAX_SHOWN]
            ]
        from codebench.analysis.search import CONTEXT, search

        # Enough context to fill a wide terminal's line (the list cuts it to fit).
        context = self.context = max(CONTEXT, self.app.size.width // 2)
        found = search(
            self.project,
            text,
            scope,
            regex=self.regex,
            case_sensitive=self.case_sensitive,
            exact_accents=self.exact_accents,
            in_code=self.chosen.in_code,
            context=context,
            lemma=self.chosen.lemma,
        )
        hits = found.hits[:MAX_SHOWN]
        # Others shown with --coder given: the codes column keeps to the coders counted.
        counted = (
            list(found._scope.selection.coders)
            if self.others and self.chosen.spec.coders and found._scope is not None
            else None
        )
        codes = self._codes_at({(h.transcript, h.ordinal) for h in hits}, counted)
        return found, [
            HitRow(
                h.transcript,
                h.ordinal,
                h.ordinal,
                h.speaker or "",
                h.left,
                h.text,
                h.right,
                codes.get((h.transcript, h.ordinal), ""),
            )
            for h in hits
        ]

    def _codes_at(
        self, places: set[tuple[str, int]], counted: list[Coder] | None = None
    ) -> dict[tuple[str, int], str]:
        """The codes on each (transcript, segment) the viewer may see: theirs, or everyone's after ``o``.

        ``counted`` (others shown, with ``--coder`` in the scope) keeps to those coders.
        """
        from codebench.coding.prefixes import coder_prefixes

        marks = coder_prefixes(self.project.coders(), self.coder) if self.others else {}
        labels = {c.id: c.number or c.name for c in self.project.codes(include_archived=True)}
        out: dict[tuple[str, int], str] = {}
        for name in sorted({t for t, _ in places}):
            segments = self.project.segments(name)
            codings = self.project.codings(
                transcript=name, coders=(counted or None) if self.others else [self.coder]
            )
            for t, ordinal in places:
                if t != name or not 0 <= ordinal < len(segments):
                    continue
                seg = segments[ordinal]
                found = [
                    (f"{marks[c.coder_id]}:" if c.coder_id in marks else "") + labels[c.code_id]
                    for c in codings
                    if c.start < seg.end and c.end > seg.start and c.code_id in labels
                ]
                out[(t, ordinal)] = ", ".join(dict.fromkeys(sorted(found)))
        return out

    def _failed(self, message: str) -> None:
        # The hits of the previous search go with it: left listed under the error, `c`
        # would code them while the box shows a different (failed) search.
        self.error = message
        self.result = None
        self.rows = []
        self._fill_hits()
        if self.showing != "hits":
            self._fill_counts()
        self._status()

    def _show(self, result: SearchResult | QueryResult, rows: list[HitRow]) -> None:
        self.result = result
        self.rows = rows
        self._fill_hits()
        if self.showing != "hits":
            self._fill_counts()
        self._status()
        target = self.query_one("#search-table" if self.showing == "hits" else "#search-counts")
        target.focus()

    # ------------------------------------------------------------------ drawing
    def _status(self) -> None:
        typed = self.query_one(Input).value.lstrip().startswith("=")
        mode = (
            "query"
            if self.mode == "query" or typed
            else "text, "
            + ("regex" if self.regex else "words")
            + (", case as typed" if self.case_sensitive else "")
            + (", accents as typed" if self.exact_accents else "")
        )
        coders = self.chosen.spec.coders
        who = (
            f"blind: {self.coder.name}'s codings"
            if not self.others
            else f"others shown: codings of {','.join(coders)}"
            if coders
            else "everyone's codings"
        )
        spread = "" if mode == "query" else f" · coding spreads to the {self.spread}"
        text = Text.assemble((f" {mode} ", "bold reverse"), f" {who}{spread}")
        if self.saved is not None:
            text.append(f" · saved query {self.saved.name}")
        text.append("\nscope: ", style="bold")
        text.append(self.chosen.describe())
        if (self.chosen.in_code or self.chosen.lemma) and mode == "query":
            text.append(" (in code, lemma: text search only)", style="dim")
        text.append(" (w: change)", style="dim")
        if self.showing != "hits":
            text.append(f" · counts by {self.showing.removeprefix('attribute:')} (t: next)")
        if self.error:
            text.append("\n")
            text.append(self.error, style="bold red")
        elif self.result is not None:
            text.append("\n")
            text.append(self.result.notes[0])
            if len(self.rows) == MAX_SHOWN:
                text.append(f" (first {MAX_SHOWN:,} listed)", style="dim")
        self.query_one("#search-status", Static).update(literal(text))

    def _fill_hits(self) -> None:
        table = self.query_one("#search-table", DataTable)
        keep = table.cursor_row if table.row_count else 0
        table.clear(columns=True)
        where_width = min(
            max(24, self.app.size.width // 6), max((len(_where(r)) for r in self.rows), default=5)
        )
        code_width = min(12, max((len(r.codes) for r in self.rows), default=5))
        # Each column has a cell of padding each side, and a scroll bar may take two more.
        room = max(20, self.app.size.width - where_width - max(5, code_width) - 2 * 3 - 3)
        table.add_column("Where", key="where", width=where_width)
        table.add_column("Context", key="context", width=room)
        table.add_column("Codes", key="codes", width=max(5, code_width))
        for n, row in enumerate(self.rows):
            table.add_row(
                literal(_where_cut(row, where_width)),
                literal(kwic(row, room)),
                literal(cut(row.codes, max(5, code_width))),
                key=str(n),
            )
        if self.rows:
            # The same line again after coding, undoing or a toggle (or the last, if fewer).
            table.move_cursor(row=min(keep, len(self.rows) - 1))
        self._show_hit()

    def _fill_counts(self) -> None:
        table = self.query_one("#search-counts", DataTable)
        table.clear(columns=True)
        self.counted = None
        if self.result is None:
            return
        counted = self.counted = self._count_table(self.showing)
        columns = counted.display_columns()
        labels = [_two_lines(column.label) for column in columns]
        # Two header lines only when a label needs them: a second, empty one read as a blank row.
        table.header_height = 2 if any("\n" in label for label in labels) else 1
        for column, label in zip(columns, labels, strict=True):
            table.add_column(literal(label), key=column.key)
        # The first column (a name or a value) gives way so the counts fit the width.
        first = max(12, self.app.size.width // 3)
        for row in counted.rows:
            table.add_row(
                *(
                    literal(cut(str(row.get(c.key, "")), first if i == 0 else 40))
                    for i, c in enumerate(columns)
                )
            )

    def _count_table(self, by: str) -> Table:
        from codebench.analysis.search import SearchResult
        from codebench.analysis.tables import query_counts, search_counts

        assert self.result is not None
        if isinstance(self.result, SearchResult):
            return search_counts(self.result, by)
        return query_counts(self.result, by)

    def selected(self) -> HitRow | None:
        table = self.query_one("#search-table", DataTable)
        if not self.rows or not table.row_count:
            return None
        row = table.cursor_row
        return self.rows[row] if 0 <= row < len(self.rows) else None

    @on(DataTable.RowHighlighted, "#search-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_hit()

    def _show_hit(self) -> None:
        detail = self.query_one("#search-detail", Static)
        row = self.selected()
        if row is None:
            detail.update(
                literal(
                    "Type words and Enter (m: a coding query such as 04.2 & 10 & !16; "
                    "l: saved queries). Enter on a hit opens it, c codes the hits, t counts."
                )
            )
            return
        head = _where(row) + (f" · {row.speaker}" if row.speaker else "")
        text = Text.assemble((head, "bold"), f"  codes: {row.codes or '—'}\n")
        # Runs of white space read as one, but none is added: "pension," stays joined.
        text.append(_SPACES.sub(" ", row.left).lstrip())
        text.append(
            _SPACES.sub(" ", row.hit), style="bold reverse" if row.left or row.right else ""
        )
        text.append(_SPACES.sub(" ", row.right).rstrip())
        detail.update(literal(text))

    # ------------------------------------------------------------------ actions
    def action_focus_input(self) -> None:
        self.query_one(Input).focus()

    def _toggle(self, name: str) -> None:
        setattr(self, name, not getattr(self, name))
        self._status()
        self._again()

    def _again(self) -> None:
        line = self.query_one(Input).value
        if line.strip():
            self.run_line(line)

    def action_toggle_mode(self) -> None:
        self.mode = "query" if self.mode == "text" else "text"
        self.query_one(Input).placeholder = (
            "coding query, e.g. 04.2 & 10 & !16 (Enter)"
            if self.mode == "query"
            else "search words (Enter) · m: query mode"
        )
        self.error = ""
        self._status()
        self._again()

    def action_toggle_regex(self) -> None:
        self._toggle("regex")

    def action_toggle_case(self) -> None:
        self._toggle("case_sensitive")

    def action_toggle_accents(self) -> None:
        self._toggle("exact_accents")

    def action_toggle_others(self) -> None:
        self._toggle("others")
        self.app.notify(
            "showing other coders' codings" if self.others else "blind: only your codings",
            timeout=3,
        )

    def action_spread(self) -> None:
        self.spread = SPREADS[(SPREADS.index(self.spread) + 1) % len(SPREADS)]
        self._status()

    @report_errors
    def action_counts(self) -> None:
        """Cycle the list: hits → by transcript → by speaker → by each attribute → hits."""
        views = ["hits", "transcript", "speaker"]
        if self.result is not None and self.result._scope is not None:
            keys = sorted({k for t in self.result._scope.transcripts for k in t.attributes})
            views += [f"attribute:{k}" for k in keys]
        self.showing = (
            views[(views.index(self.showing) + 1) % len(views)] if self.showing in views else "hits"
        )
        hits = self.query_one("#search-table", DataTable)
        counts = self.query_one("#search-counts", DataTable)
        hits.display = self.showing == "hits"
        counts.display = self.showing != "hits"
        if self.showing != "hits":
            self._fill_counts()
            counts.focus()
        else:
            hits.focus()
        self._status()

    @on(DataTable.RowSelected, "#search-table")
    def _open(self, event: DataTable.RowSelected) -> None:
        event.stop()
        row = self.selected()
        if row is not None:
            self.app.open_transcript(row.transcript, at=row.ordinal)  # type: ignore[attr-defined]

    @on(DataTable.RowSelected, "#search-counts")
    @report_errors
    def _open_count(self, event: DataTable.RowSelected) -> None:
        """List the hits or passages behind the row's count; the one chosen opens in the coding screen."""
        from codebench.analysis.search import SearchResult
        from codebench.analysis.tables import behind_count
        from codebench.tui.modals.passages import PassagesModal, passage_counts

        event.stop()
        if self.result is None or self.counted is None:
            return
        row = event.cursor_row
        if not 0 <= row < len(self.counted.rows):
            return
        counted_row = self.counted.rows[row]
        members = behind_count(self.result, self.showing, counted_row)
        behind: list[Behind]
        if isinstance(self.result, SearchResult):
            hits = self.result.hits
            behind = [
                Behind(
                    hits[i].transcript,
                    hits[i].ordinal,
                    hits[i].ordinal,
                    hits[i].speaker,
                    [],
                    _in_context(hits[i].left, hits[i].text, hits[i].right, self.context),
                )
                for i in members
            ]
            what = "hit"
        else:
            found = self.result.passages
            behind = [
                Behind(
                    found[i].transcript,
                    found[i].first_segment,
                    found[i].last_segment,
                    ", ".join(found[i].speakers) or None,
                    list(found[i].coders),
                    found[i].text,
                )
                for i in members
            ]
            what = "passage"
        if not behind:
            self.app.notify(f"No {what}s behind this count", timeout=3)
            return
        keys = self.counted.columns[: self.counted.keys]
        label = ", ".join(f"{c.label} {counted_row.get(c.key, '')}" for c in keys)
        n, segments, transcripts = passage_counts(behind)
        heading = Text(f"The {n} {what}{'' if n == 1 else 's'} behind {label}", style="bold")
        heading.append(
            f"\n{segments} segment{'' if segments == 1 else 's'} · {transcripts} transcript"
            f"{'' if transcripts == 1 else 's'} · {self.result.notes[0]}",
            style="dim",
        )

        def chosen(passage: object) -> None:
            if isinstance(passage, Behind):
                self.app.open_transcript(passage.transcript, at=passage.first_segment)  # type: ignore[attr-defined]

        self.app.push_screen(PassagesModal(heading, behind), chosen)

    def action_code_hits(self) -> None:
        if self.result is None or not self.rows:
            self.app.notify("Nothing to code: search first", timeout=3)
            return
        from codebench.tui.modals.code_picker import CodePickerModal

        self.app.push_screen(
            CodePickerModal(self.project.codes(), title="Code the hits with", multi=False),
            self._picked,
        )

    @report_errors
    def _picked(self, codes: list[Code] | None) -> None:
        if not codes:
            return
        from codebench.analysis.autocode import plan_autocode, plan_query_code
        from codebench.analysis.search import SearchResult
        from codebench.tui.modals.autocode_review import AutocodeReviewModal

        assert self.result is not None
        if isinstance(self.result, SearchResult):
            batch = plan_autocode(self.project, self.result, codes[0], self.spread)
        else:
            batch = plan_query_code(self.project, self.result, codes[0])
        if not batch.proposals:
            self.app.notify(" ".join(batch.notes), timeout=4)
            return
        self.app.push_screen(
            AutocodeReviewModal(batch, self.coder.name),
            lambda rejected: self._apply(batch, rejected),
        )

    @report_errors
    def _apply(self, batch: AutocodeBatch, rejected: set[int] | None) -> None:
        if rejected is None:
            self.app.notify("Nothing coded", timeout=2)
            return
        from codebench.analysis.autocode import apply_autocode

        history = self.app.history  # type: ignore[attr-defined]
        history.catch_up(self.project)
        added = apply_autocode(self.project, batch, self.coder, reject=rejected)
        history.catch_up(self.project)
        accepted = len(batch.proposals) - len(rejected)
        self.app.notify(
            f"coded {len(added)} of {plural(accepted, 'passage')} with {batch.code} (u undoes)",
            timeout=4,
        )
        self._again()

    @report_errors
    def action_undo(self) -> None:
        from codebench.coding.history import describe, undo

        event = undo(self.project, self.coder, self.app.history)  # type: ignore[attr-defined]
        self.app.notify(f"undone: {describe(event)}" if event else "nothing to undo", timeout=3)
        if event is not None:
            self._again()

    @report_errors
    def action_saved(self) -> None:
        from codebench.analysis.saved import saved_queries

        listing = self.query_one("#search-saved", OptionList)
        if listing.display:
            listing.display = False
            self.query_one("#search-table").focus()
            return
        saved = saved_queries(self.project)
        if not saved:
            self.app.notify("No saved queries yet (codebench query --save NAME)", timeout=4)
            return
        listing.clear_options()
        listing.add_options(
            [Option(literal(f"{q.name}: {q.expression}"), id=q.name) for q in saved]
        )
        listing.highlighted = 0
        listing.display = True
        listing.focus()

    def action_scope(self) -> None:
        from codebench.tui.modals.scope import ScopeModal

        self.app.push_screen(ScopeModal(self.chosen), self._scope_chosen)

    def _scope_chosen(self, chosen: ChosenScope | None) -> None:
        if chosen is None:
            return
        self.chosen = chosen
        self.error = ""
        if self.query_one(Input).value.strip():
            self._again()  # a scope the project cannot meet fails the run: one line
        else:
            self._check_scope()
        self._status()

    def _check_scope(self) -> None:
        """Check the scope against the project now (nothing typed yet to run it with)."""
        from codebench.analysis import grammar
        from codebench.analysis.scope import resolve_scope

        try:
            resolve_scope(self.project, self.scope_spec())
            if self.chosen.in_code:
                grammar.parse(self.chosen.in_code)
        except CodebenchError as error:
            self.error = str(error)

    @report_errors
    def action_save_query(self) -> None:
        """Save the coding query shown, with its scope (not the viewer's blind coder), by name."""
        from codebench.analysis.query import QueryResult
        from codebench.tui.modals.ask import AskModal

        if not isinstance(self.result, QueryResult):
            self.app.notify(
                "Run a coding query first (m, or a line starting with =): only queries are saved",
                timeout=4,
            )
            return
        expression = self.result.expression
        self.app.push_screen(
            AskModal(f"Save the query {expression} as", self.saved.name if self.saved else ""),
            lambda name: self._save(name, expression),
        )

    @report_errors
    def _save(self, name: str | None, expression: str) -> None:
        from codebench.analysis.saved import save_query, saved_query

        if not name:
            return
        replaced = save_query(self.project, name, expression, self.chosen.spec)
        self.saved = saved_query(self.project, name)
        self.app.notify(
            f"{'Replaced' if replaced else 'Saved'} query {self.saved.name}: {expression}",
            timeout=4,
        )
        self._status()

    @on(OptionList.OptionSelected, "#search-saved")
    @report_errors
    def _saved_chosen(self, event: OptionList.OptionSelected) -> None:
        from codebench.analysis.saved import saved_query

        event.stop()
        listing = self.query_one("#search-saved", OptionList)
        listing.display = False
        self.saved = saved_query(self.project, str(event.option.id))
        # Its scope is the scope in force now, shown in the header (w changes it).
        self.chosen = ChosenScope(self.saved.scope, self.chosen.in_code, self.chosen.lemma)
        self.mode = "query"
        self.query_one(Input).value = self.saved.expression
        self.run_line(self.saved.expression)

    def action_back(self) -> None:
        listing = self.query_one("#search-saved", OptionList)
        if listing.display:
            listing.display = False
            self.query_one("#search-table").focus()
            return
        if self.query_one(Input).has_focus and self.rows:
            self.query_one("#search-table" if self.showing == "hits" else "#search-counts").focus()
            return
        self.dismiss(None)


#: Runs of white space (line breaks too) read as one space in a one-line context.
_SPACES = re.compile(r"\s+")


def _span(row: HitRow) -> str:
    return str(row.ordinal) if row.last == row.ordinal else f"{row.ordinal}–{row.last}"


def _where(row: HitRow) -> str:
    return f"{row.transcript} {_span(row)}"


def _where_cut(row: HitRow, width: int) -> str:
    """:func:`_where` in ``width`` cells: a long transcript name is ellipsised, never the segment."""
    return place_cut(row.transcript, _span(row), width)


def _in_context(left: str, hit: str, right: str, width: int) -> str:
    """A hit in its context, the hit in brackets; a context cut at ``width`` ends in an ellipsis."""
    return f"{'…' if len(left) >= width else ''}{left}[{hit}]{right}{'…' if len(right) >= width else ''}"


def _two_lines(label: str) -> str:
    """A long column label on two lines, broken at the space nearest its middle (narrower columns)."""
    if len(label) <= 10 or " " not in label:
        return label
    spaces = [i for i, c in enumerate(label) if c == " "]
    at = min(spaces, key=lambda i: abs(i - len(label) / 2))
    return label[:at] + "\n" + label[at + 1 :]


def kwic(row: HitRow, width: int) -> Text:
    """Keyword in context in ``width`` cells: the left context cut from the left, the hit in reverse.

    The hit sits a third of the way in, so hits line up down the list; a
    hit longer than the room is ellipsised, never clipped.
    """
    hit = _SPACES.sub(" ", row.hit)
    if not row.left and not row.right:
        return Text(cut(hit, width))
    left = _SPACES.sub(" ", row.left)
    right = _SPACES.sub(" ", row.right)
    room = width // 3
    if len(left) > room:
        left = "…" + left[len(left) - room + 1 :]
    left = left.rjust(room)
    hit = cut(hit, max(1, width - len(left)))
    rest = width - len(left) - len(hit)
    if len(right) > rest:
        right = right[: rest - 1] + "…" if rest >= 1 else ""
    right = right.ljust(max(0, rest))
    return Text.assemble(left, (hit, "bold reverse"), right)
