"""One line at the bottom of the coding screen: who, what, how far, and what just happened."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

from codebench.tui.literal import literal

#: Below this many columns the transcript's name (also in the transcript's frame) is left out.
NAME_FROM = 120

#: Columns kept for the last action's message before the other fields are shortened.
LAST_ROOM = 8

#: The shortest form :func:`_fields` has (each step shortens one more field).
SHORTEST = 4


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
        flags: list[tuple[str, str]] = []
        if visual:
            flags.append((" WORDS: l/h end, L/H start, c code, esc ", "bold black on #EDC948"))
        if others:
            flags.append((" OTHERS' CODINGS SHOWN (o hides) ", "bold white on #B03A2E"))
        room = width - sum(len(flag) for flag, _ in flags)
        room -= min(len(last) + 2, LAST_ROOM) if last else 0
        for short in range(SHORTEST + 1):
            fields = _fields(
                short,
                coder=coder,
                transcript=transcript if width >= NAME_FROM else "",
                team=team,
                progress=(coded, codable, percent),
                status=status,
                position=position,
            )
            if sum(len(part) for part, _ in fields) <= room:
                break
        text = Text(no_wrap=True, overflow="ellipsis")
        for part, style in flags + fields:
            text.append(part, style=style)
        if last:
            text.append(f"│ {last}", style="italic")
        self.update(literal(text), layout=False)

    def on_resize(self) -> None:
        if self._fields is not None:
            self.show(**self._fields)


def _fields(
    short: int,
    *,
    coder: str,
    transcript: str,
    team: str,
    progress: tuple[int, int, int],
    status: str,
    position: str,
) -> list[tuple[str, str]]:
    """The bar's fields (text, style) at shortening step ``short`` (0 = in full).

    Each step shortens the next least important field, so on a narrow
    terminal the bar loses words, never whole fields: first "coded" after the
    count, then the transcript's segment range, then "DONE" after its tick,
    and last the offline line's words ("offline: 3 waiting"). A field is
    never cut in the middle.
    """
    coded, codable, percent = progress
    fields: list[tuple[str, str]] = [(f" {coder} ", "bold reverse")]
    if transcript:
        fields.append((f" {transcript} ", "bold"))
    if team:
        # Right after who is coding: offline or an error must not be cut off at 80 columns.
        shown = team
        if short >= 4 and team.startswith("offline — "):
            shown = "offline: " + team.removeprefix("offline — ").replace(" changes", "").replace(
                " change", ""
            )
        fields.append((f"│ {shown} ", "bold" if team.startswith("offline") else ""))
    word = "" if short >= 1 else " coded"
    fields.append((f"│ {coded}/{codable}{word} ({percent}%) │ ", ""))
    if status == "done":
        # Not colour alone: the tick and capitals read without colour too.
        fields.append((" ✓ " if short >= 3 else " ✓ DONE ", "bold white on #2E7D32"))
    else:
        fields.append((status.replace("-", " "), ""))
    if short >= 2:
        position = position.split(" (", 1)[0] + (
            " · " + position.split(" · ", 1)[1] if " · " in position else ""
        )
    fields.append((f" │ {position} ", ""))
    return fields
