"""One line at the bottom of the coding screen: who, what, how far, and what just happened."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from codebench.tui.literal import literal


class StatusBar(Static):
    """Coder, transcript, progress, position, mode flags and the last action.

    One line whose size the stylesheet fixes, so an update repaints this
    line only (``layout=False``) instead of laying the whole screen out
    again on every keystroke; an unchanged line is not repainted at all.
    """

    _shown: tuple[object, ...] | None = None

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
        key = (coder, transcript, coded, codable, status, position, last, others, visual)
        if key == self._shown:
            return
        self._shown = key
        percent = round(100 * coded / codable) if codable else 0
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f" {coder} ", style="bold reverse")
        text.append(f" {transcript} ", style="bold")
        text.append(f"│ {coded}/{codable} coded ({percent}%) │ ")
        if status == "done":
            # Not colour alone: the tick and capitals read without colour too.
            text.append(" ✓ DONE ", style="bold white on #2E7D32")
        else:
            text.append(status.replace("-", " "))
        text.append(f" │ {position} ")
        if visual:
            text.append(" WORDS: l/h end, L/H start, c code, esc ", style="bold black on #EDC948")
            text.append(" ")
        if others:
            text.append(" OTHERS' CODINGS SHOWN (o hides) ", style="bold white on #B03A2E")
            text.append(" ")
        if last:
            text.append(f"│ {last}", style="italic")
        self.update(literal(text), layout=False)
