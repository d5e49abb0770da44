"""The review screen: agreement table → a code's disagreements → adjudication, for two coders or more.

The table lists every code with alpha, kappa and how many of its
disagreements are decided.  Enter opens a code (the filter by code): the
list of its disagreements (where, who applied the code, the decision and
its reason), and for the highlighted one every rater's codes on the segment
(coders who did not rate it by the design say so), the segment's whole text
with its neighbours, and the code's definition.  One key settles the
highlighted code, and the segment's codes no earlier decision settled, into
the consensus coder (a code already decided keeps its decision): ``1``-``9`` accept that coder's codes (``a``/``b``
the first two), ``o`` all, ``n`` only the agreed codes, ``m`` the majority's,
``e`` edit (pick the codes); ``r`` writes a reason (before deciding: kept for
the decision; after: added to it).  All the work goes through
:mod:`codebench.agreement.consensus` (one transaction and one
``consensus.decide`` event per decision, naming this screen's coder as the
decider); progress is read back from those events, so it survives restarts.

``f`` filters by reliability round (:mod:`codebench.design.rounds`):
every unit, then each round in turn, whose sample's transcripts and coders
the table (``agreement --round N``) and the disagreements keep to.
``within`` limits the disagreements to some segments programmatically
(``{transcript id: ordinals or None}``), named by ``within_label``.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations
from typing import TYPE_CHECKING, Any, ClassVar

from rich.console import Group
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import ContentSwitcher, DataTable, Static

from codebench.errors import CodebenchError
from codebench.tui.literal import literal
from codebench.tui.modals.edit_codes import EditCodesModal
from codebench.tui.modals.reason import ReasonModal
from codebench.tui.widgets.footer import BindingsFooter
from codebench.tui.widgets.lists import NavDataTable
from codebench.tui.workers import deliver
from codebench.wording import plural

if TYPE_CHECKING:
    from codebench.agreement.consensus import Disagreement, Within
    from codebench.design.rounds import Round
    from codebench.models import Code, Coder
    from codebench.project import Project

GUIDANCE = (
    ("description", "Definition"),
    ("inclusion", "Use when"),
    ("exclusion", "Do not use when"),
    ("example", "Example"),
)
#: The footer's keys, in order: at 80 columns the table's first five show (back, help,
#: review code, round, coders) and the disagreements' first seven (back, help, move,
#: accept, reason, round, edit); the rest follow as they fit (every key is on ``?``).
FOOTER_FIRST = (
    "review.back",
    "app.help",
    "review.open",
    "review.next",
    "review.accept_1",
    "review.reason",
    "review.round",
    "review.edit",
    "review.pair",
)
#: Keys hidden in the binding but shown in the footer: one stands for the nine accepts.
FOOTER_ALSO = ("review.accept_1", "review.pair")
FOOTER_KEYS = {"review.accept_1": "1-9", "review.next": "j/k"}
FOOTER_LABELS = {"review.accept_1": "Accept", "review.next": "Move"}
#: Keys that accept the codes of the compared coder with that number.
ACCEPT_KEYS = "123456789"
HINTS = "1-9 accept coder · o all · n agreed · m majority · e edit · r reason · u next"


def _accept_bindings() -> list[BindingType]:
    return [
        Binding(
            key,
            f"accept({int(key) - 1})",
            f"Accept coder {key}",
            show=False,
            tooltip=f"Consensus takes the codes of coder {key} (numbered in the raters' panel)",
            id=f"review.accept_{key}",
        )
        for key in ACCEPT_KEYS
    ]


class ReviewScreen(Screen[None]):
    """Agreement per code, and adjudication of the disagreements into the consensus coder."""

    DEFAULT_CSS = """
    ReviewScreen { layout: vertical; }
    ReviewScreen #review-title { height: auto; padding: 0 1; background: $boost; }
    ReviewScreen #review-status { height: auto; padding: 0 1; color: $text-muted; }
    ReviewScreen #review-legend { height: auto; padding: 0 1; }
    ReviewScreen #review-switcher { height: 1fr; }
    ReviewScreen #review-table { height: 1fr; }
    ReviewScreen #review-detail { height: 1fr; }
    ReviewScreen #review-header { height: auto; padding: 0 1; background: $panel; }
    ReviewScreen #review-items { height: auto; max-height: 35%; }
    ReviewScreen #review-body { height: 1fr; min-height: 5; }
    ReviewScreen #review-raters { width: 1fr; min-width: 20; padding: 0 1; border-right: vkey $primary-darken-2; }
    ReviewScreen #review-text { width: 2fr; padding: 0 1; border-right: vkey $primary-darken-2; }
    ReviewScreen #review-definition { width: 2fr; padding: 0 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority: the table's own Enter and j/k (hidden) would keep these out of the footer.
        Binding(
            "enter",
            "open_code",
            "Review code",
            priority=True,
            tooltip="Show this code's disagreements",
            id="review.open",
        ),
        Binding(
            "a",
            "accept(0)",
            "Accept 1st",
            show=False,
            tooltip="Consensus takes the first coder's codes on this segment",
            id="review.accept_a",
        ),
        Binding(
            "b",
            "accept(1)",
            "Accept 2nd",
            show=False,
            tooltip="Consensus takes the second coder's codes on this segment",
            id="review.accept_b",
        ),
        *_accept_bindings(),
        Binding(
            "o",
            "decide('all')",
            "All",
            tooltip="Consensus takes every code any rater applied",
            id="review.both",
        ),
        Binding(
            "n",
            "decide('agreed')",
            "Agreed",
            tooltip="Consensus keeps only the codes every rater applied",
            id="review.neither",
        ),
        Binding(
            "m",
            "decide('majority')",
            "Majority",
            tooltip="Consensus takes the codes more than half of the raters applied (a tie does not)",
            id="review.majority",
        ),
        Binding(
            "e",
            "edit",
            "Edit",
            tooltip="Pick the consensus codes for this segment",
            id="review.edit",
        ),
        Binding(
            "r",
            "reason",
            "Reason",
            tooltip="Write why (kept for the next decision here, or added to the one made)",
            id="review.reason",
        ),
        Binding(
            "j",
            "move(1)",
            "Next",
            priority=True,
            tooltip="Next disagreement of this code",
            id="review.next",
        ),
        Binding(
            "k",
            "move(-1)",
            "Previous",
            show=False,  # the footer shows j as "j/k"
            priority=True,
            tooltip="Previous disagreement of this code",
            id="review.prev",
        ),
        # Priority: the list of disagreements would otherwise take the arrows to scroll sideways.
        Binding(
            "right",
            "move(1)",
            "Next",
            show=False,
            priority=True,
            tooltip="Next disagreement of this code",
            id="review.next_arrow",
        ),
        Binding(
            "left",
            "move(-1)",
            "Previous",
            show=False,
            priority=True,
            tooltip="Previous disagreement of this code",
            id="review.prev_arrow",
        ),
        Binding(
            "u",
            "next_undecided",
            "Next undecided",
            show=False,
            tooltip="Jump to the next undecided disagreement",
            id="review.undecided",
        ),
        Binding(
            "p",
            "next_pair",
            "Coders",
            show=False,
            tooltip="Compare the next set of coders (all of them, then each pair)",
            id="review.pair",
        ),
        Binding(
            "f",
            "next_round",
            "Round",
            tooltip="Filter by reliability round: every unit, then each round's sample and coders",
            id="review.round",
        ),
        Binding(
            "R",
            "reload",
            "Reload",
            show=False,
            tooltip="Recompute agreement and disagreements",
            id="review.reload",
        ),
        Binding(
            "escape,q",
            "back",
            "Back",
            tooltip="Back to the table / close the review",
            id="review.back",
        ),
    ]

    DETAIL_ACTIONS = frozenset({"decide", "accept", "edit", "reason", "move", "next_undecided"})

    def __init__(
        self,
        project: Project,
        coder: Coder,
        *,
        coders: Sequence[str] | None = None,
        consensus_name: str = "consensus",
        within: Within | None = None,
        within_label: str | None = None,
    ) -> None:
        super().__init__()
        self.project = project
        self.coder = coder
        self.consensus_name = consensus_name
        self.within = within
        self.within_label = within_label
        self.asked = list(coders) if coders else None
        #: The round the screen keeps to (``None``: every unit), and the project's rounds.
        self.round: Round | None = None
        self.rounds = self._rounds()
        self.sets = self._sets(coders)
        self.set_index = 0
        self.report: dict[str, Any] | None = None
        self.items: list[Disagreement] = []
        self.current_code: Code | None = None
        self.position = 0
        self.error: str | None = None
        self.seeded = False
        #: Reasons written before deciding, by segment ``(transcript id, start, end)``.
        self.pending: dict[tuple[int, int, int], str] = {}
        self._segments: dict[int, dict[int, str]] = {}

    def _sets(self, coders: Sequence[str] | None) -> list[tuple[Coder, ...]]:
        """Every compared coder together, then (with three or more) each pair."""
        from codebench.agreement.consensus import adjudication_coders

        try:
            people = adjudication_coders(self.project, list(coders) if coders else None)
        except CodebenchError:
            return []
        pairs = list(combinations(people, 2)) if len(people) > 2 else []
        return [tuple(people), *pairs]

    def _rounds(self) -> list[Round]:
        from codebench.design.rounds import rounds

        try:
            return rounds(self.project)
        except CodebenchError:
            return []

    def action_next_round(self) -> None:
        """Keep to the next round (every unit after the last): its sample, its coders."""
        from codebench.design.rounds import round_transcripts

        self.rounds = self._rounds()
        if not self.rounds:
            self.app.notify("No reliability rounds yet (codebench round start).")
            return
        order: list[Round | None] = [None, *self.rounds]
        index = next((i for i, r in enumerate(order) if r is not None and r == self.round), 0)
        chosen = order[(index + 1) % len(order)]
        try:
            within = (
                None
                if chosen is None
                else {t.id: None for t in round_transcripts(self.project, chosen)}
            )
        except CodebenchError as error:
            self.app.notify(str(error), title="Cannot filter by round", severity="error")
            return
        self.round = chosen
        self.within = within
        self.within_label = chosen.label if chosen is not None else None
        names = self.asked or (None if chosen is None else [c.name for c in chosen.coders])
        self.sets = self._sets(names)
        self.set_index = 0
        if self.in_detail:
            self.action_back()
        self._title()
        self.action_reload()

    @property
    def compared(self) -> tuple[Coder, ...] | None:
        """The coders compared now."""
        return self.sets[self.set_index] if self.sets else None

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield Static(id="review-title")
        yield Static("Computing agreement…", id="review-status")
        with ContentSwitcher(initial="review-tab", id="review-switcher"):
            with Vertical(id="review-tab"):
                yield NavDataTable(id="review-table", cursor_type="row", zebra_stripes=True)
                yield Static(id="review-legend")
            with Vertical(id="review-detail"):
                yield Static(id="review-header")
                yield NavDataTable(id="review-items", cursor_type="row", zebra_stripes=True)
                with Horizontal(id="review-body"):
                    with VerticalScroll(id="review-raters"):
                        yield Static(id="review-coders")
                    with VerticalScroll(id="review-text"):
                        yield Static(id="review-segment")
                    with VerticalScroll(id="review-definition"):
                        yield Static(id="review-code")
        yield BindingsFooter(
            first=FOOTER_FIRST, also=FOOTER_ALSO, keys=FOOTER_KEYS, labels=FOOTER_LABELS
        )

    def on_mount(self) -> None:
        self._title()
        if self.compared is None:
            self.query_one("#review-status", Static).update(
                "Review needs two human coders who have coded transcripts."
            )
            return
        self.load()

    def _title(self) -> None:
        who = " · ".join(f"{i + 1} {k.name}" for i, k in enumerate(self.compared or ()))
        title = Text.assemble(
            (" Review ", "bold reverse"),
            f"  {who or 'no coders'}  ·  consensus: {self.consensus_name}  ·  decider: ",
            (self.coder.name, "bold"),
        )
        if self.within_label:
            title.append(f"  ·  {self.within_label}", style="bold")
        self.query_one("#review-title", Static).update(literal(title))

    @property
    def in_detail(self) -> bool:
        return self.query_one(ContentSwitcher).current == "review-detail"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.DETAIL_ACTIONS:
            return self.in_detail
        if action == "open_code":
            return not self.in_detail
        return True

    # ------------------------------------------------------------------ loading
    @work(thread=True, exclusive=True, group="review-load")
    def load(self) -> None:
        """Agreement (no bootstrap) and every disagreement of the coders, off the UI thread.

        Also takes back a consensus "done" that adjudication set on a
        transcript where a new disagreement has appeared since.
        """
        from codebench.agreement.consensus import consensus_coder, list_disagreements, sync_done
        from codebench.agreement.report import agreement_report
        from codebench.project import Project

        compared = self.compared
        assert compared is not None
        names = [k.name for k in compared]
        try:
            with Project.open(self.project.path) as reader:
                try:
                    gold = consensus_coder(reader, self.consensus_name, create=False)
                except CodebenchError:
                    gold = None
                if gold is not None:
                    sync_done(
                        reader,
                        reader.coder(self.coder.name, create=True),
                        [reader.coder(n) for n in names],
                        gold,
                        mark=False,
                    )
                report = agreement_report(
                    reader,
                    coders=names,
                    bootstrap=0,
                    round=self.round.number if self.round is not None else None,
                )
                items = list_disagreements(
                    reader, names, consensus_name=self.consensus_name, within=self.within
                )
        except Exception as error:  # noqa: BLE001 - shown to the user
            deliver(self._failed, str(error))
            return
        deliver(self._loaded, report, items)

    def _failed(self, message: str) -> None:
        self.error = message
        self.query_one("#review-status", Static).update(
            literal(Text(f"Cannot compute agreement: {message}", style="red"))
        )

    def _loaded(self, report: dict[str, Any], items: list[Disagreement]) -> None:
        self.report = report
        self.items = items
        self.error = None
        self._fill_table()
        self._status()
        if self.in_detail and self.current_code is not None:
            self.position = min(self.position, max(0, len(self.code_items()) - 1))
            self._fill_items()
            self._show()

    def _status(self) -> None:
        decided = sum(1 for d in self.items if d.decided)
        segments = len({(d.transcript.id, d.ordinal) for d in self.items})
        report = self.report or {}
        units = report.get("units", {}).get("total", 0)
        transcripts = len(report.get("transcripts", {}).get("compared", []))
        design = report.get("settings", {}).get("design")
        rule = (
            "raters from the assignments" if design == "assignments" else "from the done statuses"
        )
        scope = f" · {self.within_label}" if self.within_label else ""
        self.query_one("#review-status", Static).update(
            f"{plural(units, 'segment')} in {plural(transcripts, 'transcript')} ({rule}){scope} · "
            f"{plural(len(self.items), 'disagreement')} on {plural(segments, 'segment')}, "
            f"{decided} decided · "
            "Enter reviews a code"
        )

    def _fill_table(self) -> None:
        # The agreement report's labels, bands and colours; imported lazily like the rest of agreement.
        from codebench.agreement.coefficient_registry import ALPHA, KAPPA, headline_of
        from codebench.agreement.render_rich import band_heading, band_style

        table = self.query_one("#review-table", DataTable)
        keep = table.cursor_row if table.row_count else 0
        table.clear(columns=True)
        kappa_label = headline_of(len((self.report or {}).get("coders", [])) or 2).label
        for label, key in (
            ("Code", "code"),
            ("n", "units"),
            (ALPHA.label, ALPHA.key),
            (band_heading(ALPHA), f"{ALPHA.key}-band"),
            (kappa_label, KAPPA.key),
            (band_heading(KAPPA), f"{KAPPA.key}-band"),
            ("Disagreements", "n"),
            ("Decided", "decided"),
        ):
            table.add_column(label, key=key)
        by_code: dict[int, tuple[int, int]] = {}
        for d in self.items:
            done, total = by_code.get(d.code.id, (0, 0))
            by_code[d.code.id] = (done + int(d.decided), total + 1)
        codes = {c.number or c.name: c for c in self.project.codes()}
        for entry in (self.report or {}).get("codes", []):
            code = codes.get(entry["number"] or entry["name"])
            if code is None:
                continue
            done, total = by_code.get(code.id, (0, 0))
            style = "" if total else "dim"
            # n: the units alpha stands on; a coefficient on other units shows its own.
            n = entry[ALPHA.key].get("n", entry["pairable_units"])
            cells: list[Text] = [literal(code.label, style=style), Text(str(n), style=style)]
            for coefficient in (ALPHA, KAPPA):
                value = entry[coefficient.key]["value"]
                own = entry[coefficient.key].get("n")
                scale = coefficient.scale
                band = entry["bands"][scale.key] if scale is not None else None
                shown = "–" if value is None else f"{value:.3f}"
                if value is not None and own is not None and own != n:
                    shown += f" (n={own})"
                cells.append(
                    Text(
                        shown,
                        style=band_style(scale, band, "dim") if coefficient is ALPHA else style,
                    )
                )
                cells.append(Text(band or "undefined", style=band_style(scale, band, "dim")))
            table.add_row(
                *cells,
                Text(str(total), style=style),
                Text(
                    f"{done}/{total}" if total else "–",
                    style="green" if total and done == total else style,
                ),
                key=str(code.id),
            )
        if table.row_count:
            table.move_cursor(row=min(keep, table.row_count - 1))
        self._legend()

    def _legend(self) -> None:
        """Name each band column's scale under the table (the same words as the CLI's legend)."""
        from codebench.agreement.coefficient_registry import legend

        self.query_one("#review-legend", Static).update(Text("\n".join(legend()), style="dim"))

    # ------------------------------------------------------------------ navigation
    def code_items(self) -> list[Disagreement]:
        if self.current_code is None:
            return []
        return [d for d in self.items if d.code.id == self.current_code.id]

    @property
    def current(self) -> Disagreement | None:
        items = self.code_items()
        return items[self.position] if 0 <= self.position < len(items) else None

    def open_code(self, code_id: int) -> None:
        """Show the disagreements of the code (first undecided one first)."""
        code = self.project.code_by_id(code_id)
        items = [d for d in self.items if d.code.id == code_id]
        if not items:
            self.app.notify(
                f"{code.label}: the coders agree on every segment.", title="No disagreements"
            )
            return
        self.current_code = code
        undecided = [i for i, d in enumerate(items) if not d.decided]
        self.position = undecided[0] if undecided else 0
        self.query_one(ContentSwitcher).current = "review-detail"
        self.refresh_bindings()
        self._fill_items()
        self.query_one("#review-items", DataTable).focus()
        self._show()

    def action_open_code(self) -> None:
        table = self.query_one("#review-table", DataTable)
        if not table.row_count:
            return
        row_key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        if row_key.value is not None:
            self.open_code(int(row_key.value))

    @on(DataTable.RowSelected, "#review-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.open_code(int(event.row_key.value))

    @on(DataTable.RowHighlighted, "#review-items")
    def _item_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """The list's cursor (j/k/g/G/arrows) is the disagreement shown."""
        event.stop()
        if event.cursor_row != self.position and 0 <= event.cursor_row < len(self.code_items()):
            self.position = event.cursor_row
            self._show()

    def action_move(self, step: int) -> None:
        items = self.code_items()
        if not items:
            return
        self._go((self.position + step) % len(items))

    def _go(self, position: int) -> None:
        """Show the disagreement at ``position`` and put the list's cursor on it."""
        self.position = position
        table = self.query_one("#review-items", DataTable)
        if 0 <= position < table.row_count and table.cursor_row != position:
            table.move_cursor(row=position)
        self._show()

    def action_next_undecided(self) -> None:
        items = self.code_items()
        order = list(range(self.position + 1, len(items))) + list(range(self.position + 1))
        for i in order:
            if not items[i].decided:
                self._go(i)
                return
        self.app.notify("Every disagreement of this code is decided.")

    def action_back(self) -> None:
        if self.in_detail:
            self.query_one(ContentSwitcher).current = "review-tab"
            self.current_code = None
            self.refresh_bindings()
            self._fill_table()
            self.query_one("#review-table", DataTable).focus()
        else:
            self.dismiss(None)

    def action_next_pair(self) -> None:
        if len(self.sets) < 2:
            self.app.notify("Only two coders to compare.")
            return
        self.set_index = (self.set_index + 1) % len(self.sets)
        self._title()
        self.action_reload()

    def action_reload(self) -> None:
        if self.compared is not None:
            self.query_one("#review-status", Static).update("Computing agreement…")
            self.load()

    # ------------------------------------------------------------------ display
    def _fill_items(self) -> None:
        """The list of the open code's disagreements: where, who applied it, the decision, the reason."""
        table = self.query_one("#review-items", DataTable)
        table.clear(columns=True)
        for label, key in (
            ("#", "n"),
            ("Where", "where"),
            ("Applied by", "by"),
            ("Decision", "decision"),
            ("Reason", "reason"),
        ):
            table.add_column(label, key=key)
        for i, d in enumerate(self.code_items()):
            decision = d.decision
            pending = self.pending.get(self._segment_key(d), "")
            table.add_row(
                Text(str(i + 1)),
                literal(f"{d.transcript.name} #{d.ordinal}"),
                literal(", ".join(k.name for k in d.applied_by)),
                Text(f"{decision.text} ({decision.decider})", style="green")
                if decision
                else Text("undecided", style="yellow"),
                literal(decision.reason if decision else (f"(ready) {pending}" if pending else "")),
            )
        if table.row_count:
            table.move_cursor(row=min(self.position, table.row_count - 1))

    @staticmethod
    def _segment_key(d: Disagreement) -> tuple[int, int, int]:
        return (d.transcript.id, d.start, d.end)

    def _show(self) -> None:
        d = self.current
        if d is None:
            return
        items = self.code_items()
        decided = sum(1 for x in items if x.decided)
        header = Text()
        header.append(d.code.label, style="bold")
        header.append(
            f"   disagreement {self.position + 1} of {len(items)} · decided {decided}/{len(items)}"
        )
        header.append(
            f" · all codes {sum(1 for x in self.items if x.decided)}/{len(self.items)}\n",
            style="dim",
        )
        if d.decision is not None:
            header.append(f"Decided: {d.decision.text} ({d.decision.decider})", style="green")
            if d.decision.reason:
                header.append(f" · reason: {d.decision.reason}")
        else:
            header.append("Undecided", style="yellow")
            pending = self.pending.get(self._segment_key(d))
            if pending:
                header.append(f" · reason ready: {pending}")
        header.append(f"\n{HINTS}", style="dim")
        self.query_one("#review-header", Static).update(literal(header))
        self.query_one("#review-coders", Static).update(literal(self._raters_panel(d)))
        self.query_one("#review-segment", Static).update(self._segment_panel(d))
        self.query_one("#review-code", Static).update(literal(self._definition_panel(d)))

    def _raters_panel(self, d: Disagreement) -> Text:
        """Each compared coder, numbered for the accept keys, with their codes on the segment.

        A code some but not all raters applied is marked ``+``; the open code is reversed.
        """
        text = Text()
        disputed = {c.id for c in d.disputed}
        for i, coder in enumerate(d.compared or d.raters):
            rated = any(k.id == coder.id for k in d.raters)
            text.append(f"{i + 1} {coder.name}", style="bold")
            if not rated:
                text.append("  not rated here\n", style="dim italic")
                continue
            text.append("\n")
            mine = d.codes_of(coder)
            if not mine:
                text.append("  (no codes)\n", style="dim italic")
            for c in mine:
                style = (
                    "bold reverse" if c.id == d.code.id else ("bold" if c.id in disputed else "")
                )
                text.append(("+ " if c.id in disputed else "  ") + c.label + "\n", style=style)
        return text

    def _segment_panel(self, d: Disagreement) -> Group:
        parts: list[Any] = []
        head = Text(f"{d.transcript.name} · segment {d.ordinal}", style="bold")
        if d.speaker:
            head.append(f" · {d.speaker}", style="italic")
        parts.append(head)
        if d.transcript.id not in self._segments:
            try:
                self._segments[d.transcript.id] = {
                    s.ordinal: s.text for s in self.project.segments(d.transcript)
                }
            except CodebenchError:
                self._segments[d.transcript.id] = {}
        texts = self._segments[d.transcript.id]
        if d.ordinal - 1 in texts:
            parts.append(Text(texts[d.ordinal - 1], style="dim"))
        parts.append(Text(d.text, style="bold"))
        if d.ordinal + 1 in texts:
            parts.append(Text(texts[d.ordinal + 1], style="dim"))
        return Group(*(literal(part) for part in parts))

    def _definition_panel(self, d: Disagreement) -> Text:
        text = Text()
        code = self.project.code_by_id(d.code.id)
        text.append(code.label + "\n", style="bold")
        for attr, heading in GUIDANCE:
            value = getattr(code, attr)
            if value:
                text.append(f"{heading}: ", style="italic dim")
                text.append(value.strip() + "\n")
        others = [c for c in d.disputed if c.id != d.code.id]
        if others:
            text.append("\nAlso in dispute here:\n", style="bold")
            for c in sorted(others, key=lambda c: c.label):
                full = self.project.code_by_id(c.id)
                text.append(f"{c.label}: ", style="bold")
                text.append((full.description.strip()[:240] or "(no definition)") + "\n")
        return text

    # ------------------------------------------------------------------ deciding
    def action_decide(self, choice: str) -> None:
        d = self.current
        if d is not None:
            self._decide(d, choice)

    def action_accept(self, index: int) -> None:
        d = self.current
        if d is None:
            return
        compared = d.compared or d.raters
        if index >= len(compared):
            self.app.notify(f"There is no coder {index + 1}.", severity="warning")
            return
        self._decide(d, "accept", accept=compared[index])

    def action_edit(self) -> None:
        d = self.current
        if d is None:
            return
        if d.decision is not None:
            from codebench.agreement.consensus import consensus_codes_now

            selected = consensus_codes_now(self.project, d, self.consensus_name)
        else:
            sets = [{c.id for c in codes} for codes in d.rater_codes]
            selected = set.intersection(*sets) if sets else set()
        title = f"Consensus codes for {d.transcript.name} segment {d.ordinal}"

        def picked(codes: list[int] | None) -> None:
            if codes is not None:
                self._decide(d, "edit", codes)

        self.app.push_screen(EditCodesModal(self.project.codes(), selected, title), picked)

    def action_reason(self) -> None:
        """Write the reason: kept for this segment's next decision, or added to its decision."""
        d = self.current
        if d is None:
            return
        key = self._segment_key(d)
        start = d.decision.reason if d.decision is not None else self.pending.get(key, "")
        when = "this decision" if d.decision is not None else "the decision you make next here"
        title = f"Reason for {when}: {d.transcript.name} segment {d.ordinal}"

        def written(text: str | None) -> None:
            if text is None:
                return
            reason = " ".join(text.split())
            target = self.current
            if target is None or self._segment_key(target) != key:
                target = d
            if target.decision is None:
                if reason:
                    self.pending[key] = reason
                else:
                    self.pending.pop(key, None)
                self._fill_items()
                self._show()
                return
            self._give_reason(target, reason)

        self.app.push_screen(ReasonModal(title, start, quote=d.text), written)

    def _give_reason(self, d: Disagreement, reason: str) -> None:
        from codebench.agreement.consensus import give_reason

        try:
            decision = give_reason(self.project, self.coder, d, reason, self.consensus_name)
        except Exception as error:  # noqa: BLE001 - e.g. a locked database; never a traceback
            self.app.notify(str(error), title="Reason not saved", severity="error")
            return
        self._settled(d, decision)
        self.app.notify("Reason saved." if reason else "Reason removed.", timeout=2)
        self._fill_items()
        self._show()

    def _settled(self, d: Disagreement, decision: Any) -> None:
        """Every listed disagreement on ``d``'s segment that ``decision`` covers now carries it."""
        from dataclasses import replace

        key = self._segment_key(d)
        self.items = [
            replace(x, decision=decision)
            if self._segment_key(x) == key and x.code.guid in decision.scope
            else x
            for x in self.items
        ]

    def _decide(
        self,
        d: Disagreement,
        choice: str,
        codes: list[int] | None = None,
        accept: Coder | None = None,
    ) -> None:
        from codebench.agreement.consensus import adjudicate, seed_consensus

        key = self._segment_key(d)
        try:
            if not self.seeded:  # the agreed codes first, so the consensus is whole where decided
                seed_consensus(
                    self.project,
                    self.coder,
                    list(d.compared or d.raters),
                    consensus_name=self.consensus_name,
                )
                self.seeded = True
            decision = adjudicate(
                self.project,
                self.coder,
                d,
                d.code,
                choice,
                self.consensus_name,
                codes=codes,
                accept=accept,
                reason=self.pending.get(key),
            )
        except CodebenchError as error:
            self.app.notify(str(error), title="Not decided", severity="error")
            return
        except Exception as error:  # noqa: BLE001 - e.g. a locked database; never a traceback
            self.app.notify(
                f"Could not save the decision: {error}", title="Not decided", severity="error"
            )
            return
        self.pending.pop(key, None)
        self._settled(d, decision)
        self.app.notify(f"Segment {d.ordinal} of {d.transcript.name}: {decision.text}.", timeout=2)
        self._status()
        items = self.code_items()
        following = [i for i in range(self.position + 1, len(items)) if not items[i].decided]
        self._fill_items()
        if following:
            self._go(following[0])
        else:
            if all(x.decided for x in items):
                self.app.notify(
                    (
                        "The one disagreement"
                        if len(items) == 1
                        else f"All {plural(len(items), 'disagreement')}"
                    )
                    + f" of {d.code.label} {'is' if len(items) == 1 else 'are'} decided.",
                    title="Code done",
                )
            self._show()
