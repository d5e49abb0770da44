"""The scope of a search or a query, as the CLI's options take it: one field per option.

The fields are the CLI's ``--where`` (repeatable: conditions separated by
``;``, since a value may hold a comma), ``--transcripts`` (comma-separated,
as on the command line), ``--coder``/``--coders`` (comma-separated; ``all``
and ``consensus`` as on the command line) with the ``--consensus`` box,
``--speaker`` (repeatable: ``;`` between names), ``--round N``, and the
text search's ``--in-code QUERY`` and ``--lemma`` box. What is typed goes
to :meth:`codebench.analysis.scope.ScopeSpec.of` unparsed, so the workbench
and the CLI read a scope the same way; the screen checks it against the
project (and refuses another coder's codings while the viewer codes blind).
Enter applies (space ticks a box), ctrl+r empties every field, escape
cancels (the modal dismisses with ``None``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.style import Style
from textual.widgets import Checkbox, Input, Label, Static

from codebench.analysis.scope import ScopeSpec
from codebench.tui.literal import literal

#: Separates repeated ``--where`` conditions and ``--speaker`` names typed in one field.
REPEAT = ";"
#: The ``--coder`` value the ``--consensus`` box stands for (as the CLI adds it).
CONSENSUS = "consensus"


@dataclass(frozen=True)
class ChosenScope:
    """A scope as typed in the modal: the spec, and the text search's ``--in-code`` and ``--lemma``."""

    spec: ScopeSpec
    in_code: str | None = None
    #: Every inflection of each searched word (the CLI's ``search --lemma``).
    lemma: bool = False

    def describe(self) -> str:
        """One line naming what is in force (``everything`` for no scope)."""
        parts = [*self.spec.where]
        if self.spec.transcripts:
            parts.append("transcripts " + ",".join(self.spec.transcripts))
        if self.spec.speakers:
            parts.append("speaker " + "; ".join(self.spec.speakers))
        if self.spec.coders:
            parts.append("coders " + ",".join(self.spec.coders))
        if self.spec.round:
            parts.append(f"round {self.spec.round[0]}")
        if self.in_code:
            parts.append(f"in code {self.in_code}")
        if self.lemma:
            parts.append("lemma")
        return " · ".join(parts) if parts else "everything"


def _repeated(text: str) -> list[str]:
    return [part.strip() for part in text.split(REPEAT) if part.strip()]


class BoxOption(Checkbox):
    """A one-line tick box: space ticks it, Enter is left to the modal (it applies, as in a field)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "screen.apply", "Apply the scope", show=False),
        Binding("space", "toggle_button", "Tick or untick", show=False),
    ]

    @property
    def _button(self) -> Content:
        """The box with a tick when ticked and a blank when not (the toggle's own box shows
        the same X either way, told apart by colour alone)."""
        button_style = self.get_visual_style("toggle--button")
        side_style = Style(foreground=button_style.background, background=self.background_colors[1])
        return Content.assemble(
            (self.BUTTON_LEFT, side_style),
            ("✓" if self.value else " ", button_style),
            (self.BUTTON_RIGHT, side_style),
        )


class ScopeModal(ModalScreen["ChosenScope | None"]):
    """Type a scope (the CLI's scope options); dismiss with it, or ``None`` when cancelled."""

    DEFAULT_CSS = """
    ScopeModal { align: center middle; background: $background 60%; }
    ScopeModal > Vertical {
        width: 76; max-width: 100%; height: auto; max-height: 100%;
        border: thick $accent; background: $surface; padding: 0 1;
    }
    ScopeModal #scope-title { text-style: bold; }
    ScopeModal Label { color: $text-muted; margin-top: 0; }
    ScopeModal Input, ScopeModal Input:focus { height: 1; border: none; padding: 0 1; }
    ScopeModal Input { background: $boost; }
    ScopeModal Input:focus { background: $primary 30%; }
    ScopeModal #scope-boxes { height: 1; margin-top: 1; }
    ScopeModal BoxOption, ScopeModal BoxOption:focus {
        border: none !important; height: 1; padding: 0 1; width: 1fr; background: $boost;
    }
    ScopeModal BoxOption:focus { background: $primary 30%; }
    ScopeModal #scope-hint { color: $text-muted; margin-top: 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "apply", "Apply", show=False, id="scope.apply"),
        Binding("escape", "cancel", "Cancel", id="scope.cancel"),
        Binding("ctrl+r", "clear", "Empty every field", id="scope.clear"),
    ]

    def __init__(self, current: ChosenScope) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        spec = self.current.spec
        with Vertical():
            yield Static("Scope of the search or query", id="scope-title")
            yield Label("--where KEY=VALUE or KEY!=VALUE (several: separate with ;)")
            yield Input(
                f"{REPEAT} ".join(spec.where), placeholder="(every transcript)", id="scope-where"
            )
            yield Label("--transcripts A,B")
            yield Input(",".join(spec.transcripts), placeholder="(all)", id="scope-transcripts")
            named = [c for c in spec.coders if c.casefold() != CONSENSUS]
            yield Label("--coder NAME or --coders A,B (all: every coder; blind: o first)")
            yield Input(",".join(named), placeholder="(as the screen shows)", id="scope-coders")
            yield Label("--speaker NAME (several: separate with ;)")
            yield Input(
                f"{REPEAT} ".join(spec.speakers), placeholder="(every speaker)", id="scope-speaker"
            )
            yield Label("--round N (a reliability round)")
            yield Input(spec.round[0] if spec.round else "", placeholder="(none)", id="scope-round")
            yield Label("--in-code QUERY (text search only: hits inside passages it matches)")
            yield Input(self.current.in_code or "", placeholder="(anywhere)", id="scope-in-code")
            with Horizontal(id="scope-boxes"):
                yield BoxOption(
                    "--consensus",
                    len(named) < len(spec.coders),
                    id="scope-consensus",
                )
                yield BoxOption("--lemma (every inflection)", self.current.lemma, id="scope-lemma")
            yield Static(
                literal("Enter applies · tab next · space ticks · ctrl+r empties · esc cancels"),
                id="scope-hint",
            )

    def on_mount(self) -> None:
        self.query_one("#scope-where", Input).focus()

    def chosen(self) -> ChosenScope:
        """What the fields hold, as a scope."""

        def value(name: str) -> str:
            return self.query_one(f"#scope-{name}", Input).value.strip()

        def ticked(name: str) -> bool:
            return self.query_one(f"#scope-{name}", Checkbox).value

        spec = ScopeSpec.of(
            where=_repeated(value("where")),
            transcripts=[value("transcripts")],
            # As the CLI's --coder, --coders and --consensus together.
            coders=[value("coders"), *([CONSENSUS] if ticked("consensus") else [])],
            speakers=_repeated(value("speaker")),
            round=value("round") or None,
        )
        return ChosenScope(spec, value("in-code") or None, lemma=ticked("lemma"))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_apply()

    def action_apply(self) -> None:
        self.dismiss(self.chosen())

    def action_clear(self) -> None:
        for field in self.query(Input):
            field.value = ""
        for box in self.query(Checkbox):
            box.value = False

    def action_cancel(self) -> None:
        self.dismiss(None)
