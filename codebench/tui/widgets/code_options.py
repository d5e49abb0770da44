"""How a code reads as a row of a picker list (the code picker, the move/merge target picker)."""

from __future__ import annotations

from rich.text import Text

from codebench.models import Code
from codebench.tui.literal import literal


def code_prompt(
    code: Code,
    *,
    swatch: str | None = None,
    marked: bool | None = None,
    depth: int = 0,
    recent: bool = False,
) -> Text:
    """``✓ ■ 04 Ethos ↺``: the parts a picker asks for, in one order everywhere.

    ``marked`` adds the tick column (``None``: the picker marks nothing),
    ``swatch`` the code's colour, ``depth`` an indent per level of the tree,
    ``recent`` the "used lately" sign.
    """
    label = Text()
    if marked is not None:
        label.append("✓ " if marked else "  ", style="bold green")
    if depth:
        label.append("  " * depth)
    if swatch is not None:
        label.append("■ ", style=swatch)
    if code.number:
        label.append(code.number, style="bold")
        label.append(" " + code.name)
    else:
        label.append(code.name)
    if recent:
        label.append(" ↺", style="dim")
    return literal(label)
