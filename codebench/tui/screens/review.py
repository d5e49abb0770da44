"""The review screen: agreement table → a code's disagreements → adjudication.

The table lists every code with alpha, kappa and how many of its
disagreements are decided.  Enter opens a code: its disagreements one at a
time, side by side (coder A's codes on the segment, the segment text, coder
B's codes) with the code's definition beside them.  One key settles the
segment into the consensus coder: ``a`` accept A, ``b`` accept B, ``o`` both,
``n`` neither, ``e`` edit (pick the codes).  All the work goes through
:mod:`codebench.agreement.consensus` (one transaction and one
``consensus.decide`` event per decision, naming this screen's coder as the
decider); progress is read back from those events, so it survives restarts.
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
from textual.widgets import ContentSwitcher, DataTable, Footer, Static

from codebench.errors import CodebenchError
from codebench.tui.literal import literal
from codebench.tui.modals.edit_codes import EditCodesModal
from codebench.tui.widgets.lists import NavDataTable
from codebench.tui.workers import deliver

if TYPE_CHECKING:
    from codebench.agreement.consensus import Disagreement
    from codebench.models import Code, Coder
    from codebench.project import Project

CHOICE_TEXT = {
    "accept_a": "accepted {a}",
    "accept_b": "accepted {b}",
    "both": "kept both",
    "neither": "kept neither",
    "edit": "edited",
}
GUIDANCE = (
    ("description", "Definition"),
    ("inclusion", "Use when"),
    ("exclusion", "Do not use when"),
    ("example", "Example"),
)


class ReviewScreen(Screen[None]):
    """Agreement per code, and adjudication of the disagreements into the consensus coder."""

    DEFAULT_CSS = """
    ReviewScreen { layout: vertical; }
    ReviewScreen #review-title { height: 1; padding: 0 1; background: $boost; }
    ReviewScreen #review-status { height: auto; padding: 0 1; color: $text-muted; }
    ReviewScreen #review-legend { height: auto; padding: 0 1; }
    ReviewScreen #review-switcher { height: 1fr; }
    ReviewScreen #review-table { height: 1fr; }
    ReviewScreen #review-detail { height: 1fr; }
    ReviewScreen #review-header { height: auto; padding: 0 1; background: $panel; }
    ReviewScreen #review-body { height: 1fr; }
    ReviewScreen .review-coder { width: 1fr; min-width: 18; padding: 0 1; border-right: vkey $primary-darken-2; }
    ReviewScreen #review-text { width: 2fr; padding: 0 1; border-right: vkey $primary-darken-2; }
    ReviewScreen #review-definition { width: 2fr; padding: 0 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "open_code",
            "Review code",
            tooltip="Show this code's disagreements",
            id="review.open",
        ),
        Binding(
            "a",
            "decide('accept_a')",
            "Accept A",
            tooltip="Consensus takes coder A's codes on this segment",
            id="review.accept_a",
        ),
        Binding(
            "b",
            "decide('accept_b')",
            "Accept B",
            tooltip="Consensus takes coder B's codes on this segment",
            id="review.accept_b",
        ),
        Binding(
            "o",
            "decide('both')",
            "Both",
            tooltip="Consensus takes every code either coder applied",
            id="review.both",
        ),
        Binding(
            "n",
            "decide('neither')",
            "Neither",
            tooltip="Consensus keeps only the codes both applied",
            id="review.neither",
        ),
        Binding(
            "e",
            "edit",
            "Edit",
            tooltip="Pick the consensus codes for this segment",
            id="review.edit",
        ),
        Binding(
            "j,right", "move(1)", "Next", tooltip="Next disagreement of this code", id="review.next"
        ),
        Binding(
            "k,left",
            "move(-1)",
            "Previous",
            tooltip="Previous disagreement of this code",
            id="review.prev",
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
            "Coder pair",
            show=False,
            tooltip="Compare the next pair of coders",
            id="review.pair",
        ),
        Binding(
            "r",
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

    DETAIL_ACTIONS = frozenset({"decide", "edit", "move", "next_undecided"})

    def __init__(
        self,
        project: Project,
        coder: Coder,
        *,
        coders: Sequence[str] | None = None,
        consensus_name: str = "consensus",
    ) -> None:
        super().__init__()
        self.project = project
        self.coder = coder
        self.consensus_name = consensus_name
        self.pairs = self._pairs(coders)
        self.pair_index = 0
        self.report: dict[str, Any] | None = None
        self.items: list[Disagreement] = []
        self.current_code: Code | None = None
        self.position = 0
        self.seeded = False
        self.error: str | None = None
        self._segments: dict[int, dict[int, str]] = {}

    def _pairs(self, coders: Sequence[str] | None) -> list[tuple[Coder, Coder]]:
        from codebench.agreement.reliability_data import resolve_coders

        try:
            people = resolve_coders(self.project, list(coders) if coders else None)
        except CodebenchError:
            return []
        return list(combinations(people, 2))

    @property
    def pair(self) -> tuple[Coder, Coder] | None:
        return self.pairs[self.pair_index] if self.pairs else None

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield Static(id="review-title")
        yield Static("Computing agreement…", id="review-status")
        yield Static(id="review-legend")
        with ContentSwitcher(initial="review-table", id="review-switcher"):
            yield NavDataTable(id="review-table", cursor_type="row", zebra_stripes=True)
            with Vertical(id="review-detail"):
                yield Static(id="review-header")
                with Horizontal(id="review-body"):
                    with VerticalScroll(id="review-coder-a", classes="review-coder"):
                        yield Static(id="review-a")
                    with VerticalScroll(id="review-text"):
                        yield Static(id="review-segment")
                    with VerticalScroll(id="review-coder-b", classes="review-coder"):
                        yield Static(id="review-b")
                    with VerticalScroll(id="review-definition"):
                        yield Static(id="review-code")
        yield Footer()

    def on_mount(self) -> None:
        self._title()
        if self.pair is None:
            self.query_one("#review-status", Static).update(
                "Review needs two human coders who have coded transcripts."
            )
            return
        self.load()

    def _title(self) -> None:
        pair = (
            f"{self.pair[0].name} (A) vs {self.pair[1].name} (B)" if self.pair else "no coder pair"
        )
        self.query_one("#review-title", Static).update(
            literal(
                Text.assemble(
                    (" Review ", "bold reverse"),
                    f"  {pair}  ·  consensus: {self.consensus_name}  ·  decider: ",
                    (self.coder.name, "bold"),
                )
            )
        )

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
        """Agreement (no bootstrap) and every disagreement of the pair, off the UI thread."""
        from codebench.agreement.consensus import list_disagreements
        from codebench.agreement.report import agreement_report
        from codebench.project import Project

        pair = self.pair
        assert pair is not None
        try:
            with Project.open(self.project.path) as reader:
                report = agreement_report(reader, coders=[pair[0].name, pair[1].name], bootstrap=0)
                items = list_disagreements(
                    reader, [pair[0].name, pair[1].name], consensus_name=self.consensus_name
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
            self._show()

    def _status(self) -> None:
        decided = sum(1 for d in self.items if d.decided)
        report = self.report or {}
        pairs = report.get("per_pair") or [{}]
        units = pairs[0].get("units", report.get("units", {}).get("total", 0))  # both rated
        transcripts = len(report.get("transcripts", {}).get("compared", []))
        design = report.get("settings", {}).get("design")
        rule = "from the assignments" if design == "assignments" else "from the done statuses"
        self.query_one("#review-status", Static).update(
            f"{units} segments both coders rated in {transcripts} transcript(s) ({rule}) · "
            f"{len(self.items)} disagreements, {decided} decided · Enter reviews a code"
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

    def action_move(self, step: int) -> None:
        items = self.code_items()
        if not items:
            return
        self.position = (self.position + step) % len(items)
        self._show()

    def action_next_undecided(self) -> None:
        items = self.code_items()
        order = list(range(self.position + 1, len(items))) + list(range(self.position + 1))
        for i in order:
            if not items[i].decided:
                self.position = i
                self._show()
                return
        self.app.notify("Every disagreement of this code is decided.")

    def action_back(self) -> None:
        if self.in_detail:
            self.query_one(ContentSwitcher).current = "review-table"
            self.current_code = None
            self.refresh_bindings()
            self._fill_table()
            self.query_one("#review-table", DataTable).focus()
        else:
            self.dismiss(None)

    def action_next_pair(self) -> None:
        if len(self.pairs) < 2:
            self.app.notify("Only one pair of coders to compare.")
            return
        self.pair_index = (self.pair_index + 1) % len(self.pairs)
        self._title()
        self.action_reload()

    def action_reload(self) -> None:
        if self.pair is not None:
            self.query_one("#review-status", Static).update("Computing agreement…")
            self.load()

    # ------------------------------------------------------------------ display
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
            what = CHOICE_TEXT[d.decision.choice].format(a=d.coder_a.name, b=d.coder_b.name)
            header.append(f"Decided: {what} ({d.decision.decider})", style="green")
        else:
            header.append("Undecided", style="yellow")
        header.append(
            "   a accept A · b accept B · o both · n neither · e edit · j/k next/previous",
            style="dim",
        )
        self.query_one("#review-header", Static).update(literal(header))
        self.query_one("#review-a", Static).update(
            literal(self._coder_panel(d.coder_a, d.codes_a, d.codes_b, d, "A"))
        )
        self.query_one("#review-b", Static).update(
            literal(self._coder_panel(d.coder_b, d.codes_b, d.codes_a, d, "B"))
        )
        self.query_one("#review-segment", Static).update(self._segment_panel(d))
        self.query_one("#review-code", Static).update(literal(self._definition_panel(d)))

    def _coder_panel(
        self, coder: Coder, mine: Sequence[Code], theirs: Sequence[Code], d: Disagreement, side: str
    ) -> Text:
        text = Text()
        text.append(f"{side}: {coder.name}\n", style="bold")
        if not mine:
            text.append("(no codes)\n", style="dim italic")
        other = {c.id for c in theirs}
        for c in mine:
            style = "bold reverse" if c.id == d.code.id else ("" if c.id in other else "bold")
            mark = "  " if c.id in other else "+ "
            text.append(mark + c.label + "\n", style=style)
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
        others = [
            c
            for c in {*d.codes_a, *d.codes_b}
            if c.id != d.code.id and (c in d.codes_a) != (c in d.codes_b)
        ]
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

    def action_edit(self) -> None:
        d = self.current
        if d is None:
            return
        if d.decision is not None:
            selected = {
                c.id
                for c in self.project.codes(include_archived=True)
                if c.guid in d.decision.result
            }
        else:
            selected = {c.id for c in d.codes_a} & {c.id for c in d.codes_b}
        title = f"Consensus codes for {d.transcript.name} segment {d.ordinal}"

        def picked(codes: list[int] | None) -> None:
            if codes is not None:
                self._decide(d, "edit", codes)

        self.app.push_screen(EditCodesModal(self.project.codes(), selected, title), picked)

    def _decide(self, d: Disagreement, choice: str, codes: list[int] | None = None) -> None:
        from dataclasses import replace

        from codebench.agreement.consensus import adjudicate, seed_consensus

        assert self.pair is not None
        try:
            if not self.seeded:
                seed_consensus(
                    self.project, self.coder, list(self.pair), consensus_name=self.consensus_name
                )
                self.seeded = True
            decision = adjudicate(
                self.project, self.coder, d, d.code, choice, self.consensus_name, codes=codes
            )
        except CodebenchError as error:
            self.app.notify(str(error), title="Not decided", severity="error")
            return
        except Exception as error:  # noqa: BLE001 - e.g. a locked database; never a traceback
            self.app.notify(
                f"Could not save the decision: {error}", title="Not decided", severity="error"
            )
            return
        # Every disagreement on this segment whose code the decision covered is now decided.
        self.items = [
            replace(x, decision=decision)
            if (x.transcript.id, x.start, x.end) == (d.transcript.id, d.start, d.end)
            and x.code.guid in decision.scope
            else x
            for x in self.items
        ]
        what = CHOICE_TEXT[choice].format(a=d.coder_a.name, b=d.coder_b.name)
        self.app.notify(f"Segment {d.ordinal} of {d.transcript.name}: {what}.", timeout=2)
        self._status()
        items = self.code_items()
        following = [i for i in range(self.position + 1, len(items)) if not items[i].decided]
        if following:
            self.position = following[0]
        elif all(x.decided for x in items):
            self.app.notify(
                f"All {len(items)} disagreements of {d.code.label} are decided.", title="Code done"
            )
        self._show()
