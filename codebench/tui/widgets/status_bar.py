"""One line at the bottom of the coding screen: who, what, how far, and what just happened."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class StatusBar(Static):
    """Coder, transcript, progress, position, mode flags and the last action."""

    def show(
        self,
        *,
        coder: str,
        transcript: str,
        coded: int,
        codable: int,
        status: str,
        position: str,
        last: str,
        others: bool,
        visual: bool,
    ) -> None:
        percent = round(100 * coded / codable) if codable else 0
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f" {coder} ", style="bold reverse")
        text.append(f" {transcript} ", style="bold")
        text.append(f"│ {coded}/{codable} coded ({percent}%) │ {status.replace('-', ' ')} │ {position} ")
        if visual:
            text.append(" WORDS: l/h end, L/H start, c code, esc ", style="bold black on #EDC948")
            text.append(" ")
        if others:
            text.append(" OTHERS' CODINGS SHOWN (o hides) ", style="bold white on #B03A2E")
            text.append(" ")
        if last:
            text.append(f"│ {last}", style="italic")
        self.update(text)
