"""Finding many strings in a text at once: longest match first, whole words only.

Detection (where a candidate occurs), the key (what a real string becomes)
and the leak check (what survived in a file) all ask the same question of a
text: where do these strings occur? One matcher answers it for all three,
so a string the check would flag is exactly a string the replacement would
have replaced.

The strings are compiled into one regular expression shaped as a trie
(``Riverside(?: Community Health(?: CIC)?)?``), so the longest string at a
position wins without trying every alternative, and it is wrapped in
"not after / not before a word character", so a match never starts or ends
inside a word (``Pat`` is not found in ``Patrick``; ``Riverside's`` is a
match for ``Riverside`` followed by its possessive, which stays).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from codebench.pseudonyms.words import is_common, lower_case_word


@dataclass(frozen=True)
class Hit:
    """One occurrence of a string: ``text[start:end] == term``."""

    start: int
    end: int
    term: str


class Matcher:
    """Every occurrence of a set of strings in a text, leftmost, longest, whole words."""

    def __init__(self, terms: Iterable[str]) -> None:
        self.terms = frozenset(t for t in terms if t)
        #: The compiled expression (None when there is nothing to find).
        self.pattern = _compile(self.terms)

    def __bool__(self) -> bool:
        return bool(self.terms)

    def hits(self, text: str) -> Iterator[Hit]:
        """The occurrences, in text order, none overlapping (the longest at each start)."""
        if self.pattern is None:
            return
        for match in self.pattern.finditer(text):
            yield Hit(match.start(), match.end(), match.group())


def _compile(terms: frozenset[str]) -> re.Pattern[str] | None:
    if not terms:
        return None
    trie: dict[str, dict] = {}
    for term in terms:
        node = trie
        for char in term:
            node = node.setdefault(char, {})
        node[""] = {}
    return re.compile(r"(?<!\w)" + _alternatives(trie) + r"(?!\w)")


def _alternatives(node: dict[str, dict]) -> str:
    """The trie below ``node`` as a pattern; a shorter string is tried only after the longer ones."""
    ends = "" in node
    branches = [re.escape(char) + _alternatives(child) for char, child in node.items() if char]
    if not branches:
        return ""
    if len(branches) == 1 and not ends:
        return branches[0]
    body = "(?:" + "|".join(branches) + ")"
    return body + "?" if ends else body


def variants(real: str, *, lowercase: bool = False) -> list[str]:
    """The forms of ``real`` that count as it: as written, UPPER CASE and Title Case;
    with ``lowercase``, lower case too unless that is an everyday word (``mark``,
    ``general``). Lower case is asked for, not assumed: ``price`` is a word even
    when ``Price`` is a name; ``riverside`` in a file name is the organisation.

    Possessives need no form of their own: the ``'s`` after a match is kept
    (``Riverside's`` becomes ``[Org A]'s``).
    """
    forms = [real, real.upper(), _title(real)]
    lower = real.lower()
    if lowercase and not all(lower_case_word(word) for word in lower.split()):
        forms.append(lower)
    return list(dict.fromkeys(f for f in forms if f.strip()))


def _title(text: str) -> str:
    """Each word's first letter upper case and the rest lower (``JOANNE PRICE`` → ``Joanne Price``)."""
    return " ".join(word[:1].upper() + word[1:].lower() for word in text.split(" "))


def first_name(real: str) -> str | None:
    """The first word of a person's name of two or more words (``Helen`` of ``Helen Marsh``)."""
    words = real.split()
    if len(words) < 2 or is_common(words[0]):
        return None
    return words[0]


def surname(real: str) -> str | None:
    """The last word of a person's name of two or more words (``Marsh`` of ``Helen Marsh``)."""
    words = real.split()
    if len(words) < 2 or is_common(words[-1]):
        return None
    return words[-1]
