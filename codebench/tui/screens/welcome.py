"""The first sixty seconds: one screen of the keys a new coder needs, shown once.

The workbench opens straight onto the transcripts; a new coder otherwise
learns the keys from the footer, which a narrow terminal cuts short. This
overlay shows on the first open of the workbench by each coder of a project
(remembered in the project's settings, :data:`WELCOMED` + the coder's id),
goes away with any key or click, and is there again from the help screen
(``?`` then ``w``). ``$CODEBENCH_NO_WELCOME`` (any value) or
``CodebenchApp(welcome=False)`` keep it away, as the test harness does.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from codebench.tui.literal import literal

#: Setting key prefix: ``tui.welcomed.<coder guid>`` is set once the coder has seen it.
WELCOMED = "tui.welcomed."
#: Set (to anything) to never show the overlay by itself.
NO_WELCOME_ENV = "CODEBENCH_NO_WELCOME"

KEYS = (
    ("j k  ↓ ↑", "move between segments  (shift+↓ ↑ selects several)"),
    ("c  Enter", "code the selection: type 04 or part of a name, Enter"),
    ("x", "remove a code"),
    ("u  ctrl+r", "undo, redo: everything is saved as you go"),
    ("v  l h  c", "code only some words: v, move the end with l / h, c"),
    ("]", "the next segment you have not coded"),
    ("/  n N", "search, then next / previous match"),
    ("s  d", "show or hide the codebook, its definitions"),
    ("o", "show or hide other coders' codings (blind by default)"),
    ("D", "mark the transcript done"),
    ("q  esc", "back (leave word mode, a selection, the screen)"),
    ("?", "every key; this page again with w"),
)


def welcome_text(coder: str, *, in_transcript: bool = False) -> Text:
    """The overlay's text (one screen: fits 80x24); ``in_transcript`` when it opens over a
    transcript (the workbench was started on one) rather than over the list."""
    text = Text()
    text.append("Your first 60 seconds in codebench\n\n", style="bold")
    text.append("You code as ")
    text.append_text(literal(coder, style="bold"))
    where = (
        "This is the transcript you opened; q goes back to the list."
        if in_transcript
        else "Enter on a transcript opens it."
    )
    text.append(f". {where} Only your own codings are shown.\n\n")
    for keys, what in KEYS:
        text.append(f"  {keys:<11}", style="bold")
        text.append(f"{what}\n")
    text.append("\nPress any key to start.", style="italic")
    return text


class WelcomeScreen(ModalScreen[None]):
    """The first-run overlay; any key or click dismisses it (the key does nothing else)."""

    def __init__(self, coder: str, *, in_transcript: bool = False) -> None:
        super().__init__()
        self.coder = coder
        self.in_transcript = in_transcript

    def compose(self) -> ComposeResult:
        with Vertical(id="welcome"):
            yield Static(
                welcome_text(self.coder, in_transcript=self.in_transcript), id="welcome-text"
            )

    async def on_event(self, event: events.Event) -> None:
        """Any key closes the overlay before a binding could act on it."""
        if isinstance(event, events.Key):
            event.stop()
            event.prevent_default()
            if self.is_current:
                self.dismiss(None)
            return
        await super().on_event(event)

    def on_click(self, event: events.Click) -> None:
        event.stop()
        if self.is_current:
            self.dismiss(None)
