"""Finding codes from what a coder types: a number (``04``, ``13.2``) or part of a name.

The one ranking behind every code picker of the TUI (applying codes, the
codebook editor's move and merge targets); pure functions over :class:`Code`
lists so they are tested without a terminal. What counts as a typed number
(``4`` for ``04``) is :mod:`codebench.codebook.numbers`'s to say.
"""

from __future__ import annotations

from collections.abc import Sequence

from codebench.codebook.numbers import is_number, number_spellings, wants_children
from codebench.models import Code


def _subsequence(needle: str, hay: str) -> int | None:
    """Gaps (lower is better) if ``needle``'s characters appear in order in ``hay``."""
    position, gaps = -1, 0
    for char in needle:
        found = hay.find(char, position + 1)
        if found < 0:
            return None
        gaps += found - position - 1
        position = found
    return gaps


def _text_score(query: str, code: Code) -> float | None:
    name = code.name.casefold()
    words = query.split()
    if all(word in name for word in words):
        first = name.find(words[0])
        at_word = first == 0 or not name[first - 1].isalnum()
        return (0 if at_word else 10) + first / 100
    haystack = f"{name} {code.description.casefold()}"
    if all(word in haystack for word in words):
        return 40.0
    gaps = _subsequence(query.replace(" ", ""), name)
    if gaps is not None and gaps <= 3 * len(query):
        return 60 + gaps / 10
    return None


def rank_codes(codes: Sequence[Code], query: str, recent: Sequence[Code] = ()) -> list[Code]:
    """Codes matching ``query``, best first; recently used codes first among equals.

    An empty query lists the recent codes, then the rest in codebook order.
    A number matches exactly (``4`` finds ``04``), then as a prefix (``13``
    finds ``13``, ``13.1`` …); with a trailing dot only the codes below it
    (``13.`` finds ``13.1`` …, not ``13``). Text matches names by words, then
    descriptions, then loosely (letters in order: ``innov`` ≈ ``inovation``).
    Archived codes are never offered.
    """
    active = [c for c in codes if not c.archived]
    order = {c.id: i for i, c in enumerate(active)}
    recency = {c.id: i for i, c in enumerate(recent)}
    text = query.strip().casefold()

    def tie(code: Code) -> tuple[int, int]:
        return (recency.get(code.id, len(recency)), order[code.id])

    if not text:
        return sorted(active, key=tie)
    scored: list[tuple[float, tuple[int, int], Code]] = []
    if is_number(text):
        spellings = number_spellings(text)
        children = wants_children(text)
        exact = set() if children else set(spellings)
        prefixes = (
            tuple(s if s.endswith(".") else s + "." for s in spellings) if children else spellings
        )
        for code in active:
            number = code.number or ""
            if number in exact:
                scored.append((0, tie(code), code))
            elif number and number.startswith(prefixes):
                scored.append((1 + number.count("."), tie(code), code))
        return [c for _, _, c in sorted(scored, key=lambda item: (item[0], order[item[2].id]))]
    for code in active:
        score = _text_score(text, code)
        label_hit = code.number and text.startswith(code.number.casefold() + " ")
        if label_hit:
            score = -1
        if score is not None:
            scored.append((score, tie(code), code))
    return [c for _, _, c in sorted(scored, key=lambda item: (item[0] // 10, item[1], item[0]))]
