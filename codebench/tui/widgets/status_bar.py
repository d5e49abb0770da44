"""One line at the bottom of the coding screen: who, what, how far, and what just happened."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

from codebench.tui.literal import literal

#: Below this many columns the transcript's name (also in the transcript's frame) is left out.
NAME_FROM = 120


class StatusBar(Static):
    """Mode flags, coder, the team sync, transcript, progress, position and the last action.

    One line whose size the stylesheet fixes, so an update repaints this
    line only (``layout=False``) instead of laying the whole screen out
    again on every keystroke; an unchanged line is not repainted at all.
    The line is cut off at the right on a narrow terminal, so what must not
    be missed comes first: the word-mode and others' codings flags; the
    transcript's name, which the transcript's frame shows too, is left out
    below :data:`NAME_FROM` columns to keep room for the last message.
    """

    _shown: tuple[object, ...] | None = None
    _fields: dict[str, Any] | None = None

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
        team: str = "",
    ) -> None:
        """``team``: how the team copy's sync stands ("synced 12 s ago"), empty for a solo project."""
        width = self.size.width or self.app.size.width
        key = (
            coder,
            transcript,
            coded,
            codable,
            status,
            position,
            last,
            others,
            visual,
            team,
            width,
        )
        if key == self._shown:
            return
        self._shown = key
        self._fields = {
            "coder": coder,
            "transcript": transcript,
            "coded": coded,
            "codable": codable,
            "status": status,
            "position": position,
            "last": last,
            "others": others,
            "visual": visual,
            "team": team,
        }
        percent = round(100 * coded / codable) if codable else 0
        text = Text(no_wrap=True, overflow="ellipsis")
        if visual:
            text.append(" WORDS: l/h end, L/H start, c code, esc ", style="bold black on #EDC948")
        if others:
            text.append(" OTHERS' CODINGS SHOWN (o hides) ", style="bold white on #B03A2E")
        text.append(f" {coder} ", style="bold reverse")
        if width >= NAME_FROM:
            text.append(f" {transcript} ", style="bold")
        if team:
            # Right after who is coding: offline or an error must not be cut off at 80 columns.
            text.append(f"│ {team} ", style="bold" if team.startswith("offline") else "")
        text.append(f"│ {coded}/{codable} coded ({percent}%) │ ")
        if status == "done":
            # Not colour alone: the tick and capitals read without colour too.
            text.append(" ✓ DONE ", style="bold white on #2E7D32")
        else:
            text.append(status.replace("-", " "))
        text.append(f" │ {position} ")
        if last:
            text.append(f"│ {last}", style="italic")
        self.update(literal(text), layout=False)

    def on_resize(self) -> None:
        if self._fields is not None:
            self.show(**self._fields)
