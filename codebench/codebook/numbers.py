"""Code numbers as people type them: ``4`` for ``04``, ``13.`` for "the codes under 13".

Codebooks number their top-level codes with two digits (``04``, ``13.2``)
and coders drop the leading zero. Every place that turns typed text into a
code number (the CLI's code lookup, the pickers' ranking) asks this module,
so ``4``, ``4.1`` and ``13.`` mean the same thing everywhere.
"""

from __future__ import annotations

import re

_NUMBER = re.compile(r"^\d+(\.\d*)*$")


def is_number(text: str) -> bool:
    """Whether ``text`` (stripped) is typed as a code number: digits and dots, ``13.`` included."""
    return bool(_NUMBER.match(text.strip()))


def pad_number(text: str) -> str:
    """``4`` → ``04``, ``4.1`` → ``04.1``: a one-digit first part gets its leading zero.

    Anything else is returned unchanged (``13.2``, ``04``, ``A1``).
    """
    head, dot, tail = text.partition(".")
    if len(head) == 1 and head.isdigit():
        head = "0" + head
    return f"{head}{dot}{tail}"


def number_spellings(text: str) -> tuple[str, ...]:
    """The numbers a codebook may store for what was typed, most literal first.

    ``4`` → ``("4", "04")``; ``4.`` → ``("4.", "4", "04")`` (a trailing dot
    is rarely part of a stored number); ``13.2`` → ``("13.2",)``. Text that
    is not a number comes back as itself, so a lookup may try these first
    and then names.
    """
    typed = text.strip()
    bare = typed[:-1] if typed.endswith(".") and len(typed) > 1 else typed
    spellings: list[str] = []
    for spelling in (typed, bare, pad_number(bare)):
        if spelling and spelling not in spellings:
            spellings.append(spelling)
    return tuple(spellings)


def wants_children(text: str) -> bool:
    """Whether a typed number asks for the codes below it (``13.``), not the code itself."""
    typed = text.strip()
    return is_number(typed) and typed.endswith(".")
