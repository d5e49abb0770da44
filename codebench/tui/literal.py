"""Names and text from the project, drawn exactly as written.

Code names, transcript text, speaker, coder, attribute and file names come
from files anyone could have written. Textual reads a plain ``str`` given
to ``Static``, ``DataTable``, ``Tree``, ``OptionList``, ``Select`` or a
border title as markup (``[link=…]``, or a crash on ``[/]``), and passes
escape sequences through to the terminal. :func:`literal` turns a value
into a :class:`rich.text.Text` that is never markup, with control
characters made visible (:func:`codebench.safety.visible_controls`, one
character for one, so a ``Text``'s styled spans stay where they were).
Call it where a string becomes a renderable.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

from codebench.safety import visible_controls


def literal(value: Any, style: str = "") -> Text:
    """``value`` (a ``str``, a ``Text`` or anything printable) as literal, safe text."""
    if isinstance(value, Text):
        plain = value.plain
        safe = visible_controls(plain)
        if safe is plain:
            return value
        out = value.copy()
        out.plain = safe  # same length: the spans still fit
        return out
    return Text(visible_controls(value if isinstance(value, str) else str(value)), style=style)
