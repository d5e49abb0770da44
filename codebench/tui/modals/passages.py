"""The passages behind one number: every table cell of the workbench opens its quotes here.

The list is what :func:`codebench.analysis.explain.explain` returns for the
cell (the library call behind ``codebench explain``), so the workbench and
the CLI list the same passages. Each passage is shown whole, wrapped to the
box (transcript, segment range, speaker, then its text); ``j``/``k`` move,
Enter opens the highlighted passage in the coding screen at its first
segment (the modal dismisses with it), escape closes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Protocol

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from codebench.tui.literal import literal
from codebench.tui.widgets.lists import NavOptionList


class Listed(Protocol):
    """What the list shows of a passage: a report's quote, or a search's or query's passage."""

    @property
    def transcript(self) -> str: ...
    @property
    def first_segment(self) -> int: ...
    @property
    def last_segment(self) -> int: ...
    @property
    def speaker(self) -> str | None: ...
    @property
    def coders(self) -> list[str]: ...
    @property
    def text(self) -> str: ...
    @property
    def location(self) -> str: ...


def passage_prompt(quote: Listed) -> Text:
    """One passage as listed: where it is and who speaks (dim), then its text."""
    who = f" · {quote.speaker}" if quote.speaker else ""
    coders = f" · {', '.join(quote.coders)}" if quote.coders else ""
    text = Text(f"{quote.location}{who}{coders}\n", style="dim")
    text.append(" ".join(quote.text.split()))
    return text


def passage_counts(quotes: Sequence[Listed]) -> tuple[int, int, int]:
    """(passages, distinct segments, distinct transcripts) of a list of passages.

    A cell may count segments or transcripts, not passages (a passage is a
    run of segments, and one transcript holds several), so the modal says
    all three and which one the cell counts.
    """
    segments = {
        (q.transcript, ordinal)
        for q in quotes
        for ordinal in range(max(q.first_segment, 0), q.last_segment + 1)
    }
    return len(quotes), len(segments), len({q.transcript for q in quotes})


class PassagesModal(ModalScreen["Listed | None"]):
    """List a cell's passages; dismiss with the one to open, or ``None``."""

    DEFAULT_CSS = """
    PassagesModal { align: center middle; }
    PassagesModal > #passages-box {
        width: 100%; max-width: 120; height: 100%; max-height: 50;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    PassagesModal #passages-heading { height: auto; max-height: 6; }
    PassagesModal #passages-list { height: 1fr; }
    PassagesModal #passages-hint { height: 1; color: $text-muted; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="passages.close"),
    ]

    def __init__(self, heading: str | Text, quotes: Sequence[Listed]) -> None:
        super().__init__()
        self.heading = heading
        self.quotes = list(quotes)

    def compose(self) -> ComposeResult:
        with Vertical(id="passages-box"):
            yield Static(literal(self.heading), id="passages-heading")
            options = [Option(literal(passage_prompt(q))) for q in self.quotes]
            yield NavOptionList(*options, id="passages-list")
            yield Static(
                "j/k move · enter opens in the coding screen · esc closes", id="passages-hint"
            )

    def on_mount(self) -> None:
        listing = self.query_one(OptionList)
        if self.quotes:
            listing.highlighted = 0
        listing.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.quotes[event.option_index])

    def action_close(self) -> None:
        self.dismiss(None)
