"""The pseudonymisation review: walk the candidates detection found and decide each one.

The screen drives the headless :class:`~codebench.pseudonyms.review.Review`
that ``codebench pseudonymise review`` drives in a terminal, over the same
key file (:func:`~codebench.pseudonyms.key.load_for_update`, saved with
:func:`~codebench.pseudonyms.key.save_key` after every decision, sealed
again when it was sealed). One candidate at a time, with every occurrence
in context (the candidate highlighted): ``r`` replaces it with the proposed
label, ``e`` with a label typed in, ``n`` keeps it, ``t`` decides for one
transcript only; ``j``/``k`` move to the next or previous candidate
without deciding, ``g``/``G`` to the first or last. Each decision is
stamped in the key with the coder and the time and listed on the screen.

A key that cannot be trusted (malformed, a wrong passphrase, a bad label)
is one line on the screen and nothing is written; a refused label is not
recorded and the walk stays where it was.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from codebench.errors import CodebenchError
from codebench.pseudonyms.key import default_key_path, save_key
from codebench.tui.literal import literal
from codebench.tui.modals.ask import AskModal, ChoiceModal
from codebench.tui.widgets.footer import BindingsFooter
from codebench.tui.workers import deliver
from codebench.wording import plural

if TYPE_CHECKING:
    from codebench.models import Coder
    from codebench.project import Project
    from codebench.pseudonyms.detect import Candidate
    from codebench.pseudonyms.key import Key
    from codebench.pseudonyms.review import Decision, Review

#: Occurrences listed for one candidate (the rest are counted).
SHOWN = 100
#: Decisions of this visit listed under the candidate, latest last.
LOGGED = 3
FOOTER_FIRST = (
    "pseudonyms.replace",
    "pseudonyms.edit",
    "pseudonyms.keep",
    "pseudonyms.transcript",
    "pseudonyms.back",
)


class PseudonymReviewScreen(Screen[None]):
    """Decide, one candidate at a time, what each string detection found becomes."""

    DEFAULT_CSS = """
    PseudonymReviewScreen #pseudo-heading { height: auto; background: $panel; }
    PseudonymReviewScreen #pseudo-key { height: auto; padding: 0 1; color: $text-muted; }
    PseudonymReviewScreen #pseudo-problem { height: auto; padding: 0 1; color: $error; text-style: bold; display: none; }
    PseudonymReviewScreen #pseudo-problem.-shown { display: block; }
    PseudonymReviewScreen #pseudo-candidate { height: auto; padding: 0 1; margin-top: 1; }
    PseudonymReviewScreen #pseudo-occurrences { height: 1fr; padding: 0 1; border-top: solid $primary 40%; }
    PseudonymReviewScreen #pseudo-log { height: auto; max-height: 3; padding: 0 1; color: $text-muted; }
    PseudonymReviewScreen #pseudo-hint { height: auto; padding: 0 1; color: $text-muted; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "replace", "Replace", id="pseudonyms.replace"),
        Binding("e", "edit", "Edit label", id="pseudonyms.edit"),
        Binding("n", "keep", "Keep", id="pseudonyms.keep"),
        Binding("t", "transcript", "This transcript", id="pseudonyms.transcript"),
        Binding("j,down", "next", "Next", id="pseudonyms.next"),
        Binding("k,up", "previous", "Previous", id="pseudonyms.previous"),
        Binding("g", "first", "First", show=False, id="pseudonyms.first"),
        Binding("G", "last", "Last", show=False, id="pseudonyms.last"),
        Binding("a", "toggle_all", "Decided ones too", show=False, id="pseudonyms.all"),
        Binding("q,escape", "back", "Back", id="pseudonyms.back"),
    ]

    def __init__(self, project: Project, coder: Coder, key_path: Path | None = None) -> None:
        super().__init__()
        self.project = project
        self.coder = coder
        self.key_path = Path(key_path) if key_path is not None else default_key_path(project.path)
        self.key: Key | None = None
        self.secret: str | None = None
        """The passphrase the key is sealed with (None: a plain key); it is saved sealed again."""
        self.found: list[Candidate] | None = None
        self.roles: dict[str, tuple[str | None, str | None]] = {}
        self.review: Review | None = None
        self.everything = False
        """Whether candidates the key already decides are walked too (``a``)."""
        self.problem: str | None = None
        self.saved: list[str] = []
        """Every decision saved during this visit, as the terminal review reports it."""

    def compose(self) -> ComposeResult:
        yield Static(id="pseudo-heading")
        yield Static(id="pseudo-key")
        yield Static(id="pseudo-problem")
        yield Static(id="pseudo-candidate")
        with VerticalScroll(id="pseudo-occurrences"):
            yield Static(id="pseudo-context")
        yield Static(id="pseudo-log")
        yield Static(id="pseudo-hint")
        yield BindingsFooter(first=FOOTER_FIRST)

    def on_mount(self) -> None:
        self._redraw()
        self._detect()
        self._open_key()

    # ------------------------------------------------------------------ loading
    @work(thread=True, exclusive=True, group="pseudonym-detect")
    def _detect(self) -> None:
        """Detection reads every transcript: off the UI thread on a large project."""
        from codebench.pseudonyms.detect import detect, speaker_roles

        try:
            found, roles = detect(self.project), speaker_roles(self.project)
        except Exception as error:  # noqa: BLE001 - shown on the screen, never a traceback
            deliver(self._fail, f"cannot detect candidates: {error}")
            return
        deliver(self._detected, found, roles)

    def _detected(
        self, found: list[Candidate], roles: dict[str, tuple[str | None, str | None]]
    ) -> None:
        self.found, self.roles = found, roles
        self._start()

    def _open_key(self) -> None:
        """Read the key (an empty one if there is no file yet); a sealed key asks for its
        passphrase ($CODEBENCH_KEY_PASSPHRASE first) in a masked field, again if it was wrong."""
        from codebench.tui.keyfile import open_key

        open_key(self.app, self.key_path, self._key_opened, self._fail)

    def _key_opened(self, key: Key, secret: str | None) -> None:
        self.key, self.secret = key, secret
        self._start()

    def _start(self) -> None:
        """Begin the walk once both the key and the candidates are here."""
        if self.key is None or self.found is None:
            self._redraw()
            return
        from codebench.pseudonyms.review import Review

        self.review = Review.start(
            self.key,
            self.found,
            by=self.coder.name,
            roles=self.roles,
            undecided_only=not self.everything,
        )
        self._redraw()

    def _fail(self, message: str) -> None:
        self.problem = message
        self._redraw()

    # ------------------------------------------------------------------ drawing
    def _redraw(self) -> None:
        review = self.review
        heading = Text(" Pseudonymise: review candidates ", style="bold reverse")
        if review is not None:
            total = len(review.candidates)
            at = min(review.position + 1, total)
            which = "every candidate" if self.everything else "undecided candidates"
            heading.append(f"  {at} of {total} {which} · {len(self.saved)} decided now")
        self.query_one("#pseudo-heading", Static).update(literal(heading))
        sealed = " (encrypted)" if self.secret else ""
        where = Text(f"key: {self.key_path.resolve()}{sealed}", overflow="fold")
        self.query_one("#pseudo-key", Static).update(literal(where))
        problem = self.query_one("#pseudo-problem", Static)
        problem.set_class(self.problem is not None, "-shown")
        problem.update(literal(Text(self.problem or "", overflow="fold")))
        self.query_one("#pseudo-candidate", Static).update(literal(self._candidate_text()))
        self.query_one("#pseudo-context", Static).update(literal(self._context_text()))
        self.query_one("#pseudo-occurrences", VerticalScroll).scroll_home(animate=False)
        self.query_one("#pseudo-log", Static).update(
            literal(Text("\n".join(f"saved: {line}" for line in self.saved[-LOGGED:])))
        )
        self.query_one("#pseudo-hint", Static).update(literal(self._hint()))

    def _candidate_text(self) -> Text:
        review = self.review
        if self.problem is not None and review is None:
            return Text("Nothing to review (the line above says why); q goes back.")
        if review is None:
            waiting = "Finding candidates…" if self.found is None else "Opening the key…"
            return Text(waiting, style="dim")
        candidate = review.current
        if candidate is None:
            left = len(review.candidates)
            if not left:
                return Text("Every candidate is decided in the key (a: walk the decided ones too).")
            return Text(
                f"End of the {plural(left, 'candidate')}: {len(self.saved)} decided now, saved in the key. "
                "k or g goes back; q leaves."
            )
        out = Text()
        out.append(candidate.text, style="bold")
        places = ", ".join(candidate.transcripts) or "no transcript"
        out.append(f"  {candidate.kind} · {plural(candidate.count, 'occurrence')} in {places}")
        decided = review.decision_on(candidate)
        if decided is not None:
            what = "keep" if decided.keep else decided.label or ""
            by = f" by {decided.decided_by}" if decided.decided_by else ""
            out.append(f"\ndecided{by}: → {what}", style="italic")
        out.append("\nproposed label: ")
        out.append(review.proposed_label() or "", style="bold")
        return out

    def _context_text(self) -> Text:
        review = self.review
        candidate = review.current if review is not None else None
        if candidate is None:
            return Text("")
        out = Text()
        for n, occurrence in enumerate(candidate.occurrences[:SHOWN]):
            if n:
                out.append("\n")
            out.append(f"{occurrence.where}: ", style="dim")
            out.append(f"…{occurrence.before}")
            out.append(occurrence.match, style="bold reverse")
            out.append(f"{occurrence.after}…")
        if candidate.count > SHOWN:
            out.append(f"\n… and {candidate.count - SHOWN} more", style="dim")
        return out

    def _hint(self) -> Text:
        return Text(
            "r replace with the proposed label · e edit the label · n keep · "
            "t for one transcript only · j/k next/previous · g/G first/last · "
            "a decided ones too · q back",
        )

    # ------------------------------------------------------------------ deciding
    def _current(self) -> Candidate | None:
        if self.review is None:
            self.app.notify(self.problem or "Still finding candidates", severity="warning")
            return None
        candidate = self.review.current
        if candidate is None:
            self.app.notify("No candidate here: k or g goes back", severity="warning")
        return candidate

    def _decide(self, act: Callable[[Review], Decision]) -> None:
        """Make one decision and save the key; a refused label or a failed save changes nothing."""
        review = self.review
        assert review is not None
        key, position, made = review.key, review.position, len(review.decisions)
        walk = list(review.candidates)  # a decision drops the forms it covers from the walk
        try:
            decision = act(review)
            save_key(review.key, self.key_path, self.secret)
        except CodebenchError as error:  # a refused label, or the key file cannot be written
            review.key, review.position, review.candidates = key, position, walk
            del review.decisions[made:]
            self.app.notify(f"Not recorded: {error}", severity="error", timeout=8)
            return
        self.key = review.key
        self.problem = None
        self.saved.append(decision.describe())
        self._redraw()

    def action_replace(self) -> None:
        if self._current() is not None:
            self._decide(lambda review: review.replace())

    def action_keep(self) -> None:
        if self._current() is not None:
            self._decide(lambda review: review.keep())

    def action_edit(self) -> None:
        candidate = self._current()
        if candidate is None or self.review is None:
            return

        def answered(label: str | None) -> None:
            if label is not None:
                self._decide(lambda review: review.replace(label))

        self.app.push_screen(
            AskModal(
                f"Label for {candidate.text}",
                self.review.proposed_label() or "[]",
                hint="in brackets, naming no one: [Chief Executive, Org A] · Enter saves · esc cancels",
            ),
            answered,
        )

    def action_transcript(self) -> None:
        """Decide for one transcript only: which one (if several), then a label or ``keep``."""
        candidate = self._current()
        if candidate is None:
            return
        places = candidate.transcripts
        if not places:
            self.app.notify(f"{candidate.text} occurs in no transcript", severity="warning")
            return
        if len(places) == 1:
            self._ask_scoped_label(candidate, places[0])
            return
        self.app.push_screen(
            ChoiceModal(f"Decide {candidate.text} for which transcript?", places),
            lambda where: self._ask_scoped_label(candidate, where) if where else None,
        )

    def _ask_scoped_label(self, candidate: Candidate, where: str) -> None:
        assert self.review is not None

        def answered(label: str | None) -> None:
            if label is None:
                return
            if label.casefold() == "keep":
                self._decide(lambda review: review.keep(transcript=where))
            else:
                self._decide(lambda review: review.replace(label, transcript=where))

        self.app.push_screen(
            AskModal(
                f"{candidate.text} in {where} only",
                self.review.proposed_label() or "[]",
                hint="a label in brackets, or keep · Enter saves · esc cancels",
            ),
            answered,
        )

    # ------------------------------------------------------------------ moving
    def _move(self, position: Callable[[Review], int]) -> None:
        if self.review is None:
            return
        self.review.go(position(self.review))
        self._redraw()

    def action_next(self) -> None:
        self._move(lambda review: review.position + 1)

    def action_previous(self) -> None:
        self._move(lambda review: review.position - 1)

    def action_first(self) -> None:
        self._move(lambda review: 0)

    def action_last(self) -> None:
        self._move(lambda review: len(review.candidates) - 1)

    def action_toggle_all(self) -> None:
        """Walk every candidate (revisiting decided ones), or only the undecided again."""
        self.everything = not self.everything
        self._start()

    def action_back(self) -> None:
        self.dismiss(None)
