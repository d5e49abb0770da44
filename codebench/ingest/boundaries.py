"""Sentence boundaries repaired after the sentencizer: quotation marks, titles, lists, ellipses.

spaCy's rule-based sentencizer starts a sentence at the first word after a
terminal mark, so every mark in between stays with the sentence before;
its tokenizer decides what a terminal mark is. On real transcripts that goes
wrong in a few recurring ways, repaired here over one paragraph's sentence
offsets in one linear walk (a few character tests per boundary), whatever
pipeline produced them:

* **Quotation marks and brackets.** ``…a contract. “`` / ``Fair and open”
  was…`` becomes ``…a contract.`` / ``“Fair and open” was…``. A run of
  quotes or opening brackets that ends a sentence, stands apart from its
  words and touches the next sentence's first word opens that sentence; a
  run of quotes or closing brackets that starts a sentence, touches the
  previous one and stands apart from its own words closes the previous one.
  A quote's direction is read from the word it touches, so straight quotes
  and every language's curly ones („…“, »…«) are treated alike. A
  "sentence" of nothing but quotes or brackets joins its neighbour.
* **Titles.** ``Mr.``, ``Mrs.``, ``Ms.``, ``Dr.``, ``Prof.``, ``St.``,
  ``Cllr.`` and the others in :data:`TITLES` never end a sentence (they come
  before a name; "Church St." at a sentence's end is the price).
* **Numbered lists.** A sentence that is only a list number (``1.``,
  ``(2)``, ``3)``) opens the next one: ``1. We started…`` is one segment.
* **Lower case continues.** A sentence followed by one that begins in lower
  case is continued when it ended in an ellipsis (``…``, ``...``), an
  abbreviation (``etc.``, ``e.g.``, ``a.m.``; see :data:`ABBREVIATIONS`) or
  a terminal mark inside closing quotes or brackets (``“Why?” and I
  said…``). After a plain full stop, lower case still starts a sentence.
  An ellipsis followed by a capital does not end a sentence either (the
  sentencizer never splits there): in speech it is a pause or a trail-off
  ("I don't know... I mean..."), more often than a full stop.
* **Abbreviations before numbers.** ``approx. 10``, ``p. 4``, ``fig. 2``
  continue (:data:`NUMBER_ABBREVIATIONS`); ``No. 10`` does not, because in an
  interview "No." is an answer far more often than an abbreviation.
* **A one-letter unit after a number** (``£3.5m. That…``) ends a sentence
  before a capitalised word: the English tokenizer reads ``m.`` as an
  abbreviation, as it does initials (``J. Smith``, left alone).

Decimal numbers and times (``1.5``, ``3.30pm``, ``2:1``) are single tokens, so
no pipeline splits inside them. Every repair moves or removes a boundary
between existing sentences or cuts at a full stop, so the spans stay
ordered, disjoint, trimmed and cover the same characters.
"""

from __future__ import annotations

import re

Span = tuple[int, int]

_QUOTES = "\"'`“”‘’„‚«»‹›「」『』"
#: Marks that can open a sentence (a quote opens the word it touches).
_OPENERS = frozenset(_QUOTES + "([{")
#: Marks that can close a sentence (a quote closes the word it touches).
_CLOSERS = frozenset(_QUOTES + ")]}")
_TERMINALS = frozenset(".?!…")
_STRIP_OPENERS = _QUOTES + "([{"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Titles before a name: never the end of a sentence (compared case-insensitively).
TITLES = _words(
    "mr mrs ms mx messrs dr prof st sgt rev revd fr cllr capt col gen lt maj cpl hon "
    "rt insp supt det gov sen rep pres"
)
#: Abbreviations that a sentence beginning in lower case continues; any dotted
#: abbreviation (``e.g.``, ``a.m.``, ``U.S.``) counts too.
ABBREVIATIONS = _words("etc approx vs v cf incl excl esp ca viz al dept govt misc ref nb")
#: Abbreviations that a number continues (``approx. 10``, ``p. 4``).
NUMBER_ABBREVIATIONS = _words(
    "approx ca nos fig figs p pp para paras vol ch sec ref tel ext vs v art"
)

_LIST_MARKER = re.compile(r"[(\[]?\d{1,3}[.)\]]")
_DOTTED = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]")
#: A full stop after a digit and one letter, then a space (the literal ``.``
#: first keeps the search fast: about 1 ms per MB).
_UNIT_END = re.compile(r"\.(?<=\d[^\W\d_]\.)\s")


def repair_sentences(text: str, spans: list[Span]) -> list[Span]:
    """``spans`` (sentences of ``text``, trimmed, in order) with the boundaries repaired.

    See the module docstring for the rules. Most boundaries (a full stop or
    question mark, a space, a capital) cost a few character tests; only the
    rare ones go on to the fuller checks.
    """
    if _UNIT_END.search(text):
        spans = _split_unit_ends(text, spans)
    if len(spans) < 2:
        return spans
    out: list[Span] = []
    start, end = spans[0]
    for next_start, next_end in spans[1:]:
        if end == next_start:  # the split fell between a mark and a word
            end, next_start = _move_marks(text, start, end, next_start, next_end)
        if (
            end <= start
            or next_start >= next_end
            or (text[end - 1] == "." and _word_before_stop(text, start, end) in TITLES)
            or (
                (end - start <= 5 or next_end - next_start <= 3 or not text[next_start].isupper())
                and _continues(text, start, end, next_start, next_end)
            )
        ):
            end = next_end  # one sentence
            continue
        out.append((start, end))
        start, end = next_start, next_end
    out.append((start, end))
    return out


def _move_marks(text: str, start: int, end: int, next_start: int, next_end: int) -> Span:
    """The boundary ``(end, next_start)`` with a stray opening or closing run moved across."""
    k = end
    while k > start and text[k - 1] in _OPENERS:
        k -= 1
    if k < end and (k == start or text[k - 1].isspace()):
        new_end = k
        while new_end > start and text[new_end - 1].isspace():
            new_end -= 1
        return new_end, k
    j = next_start
    while j < next_end and text[j] in _CLOSERS:
        j += 1
    if j > next_start and (j == next_end or text[j].isspace()):
        new_start = j
        while new_start < next_end and text[new_start].isspace():
            new_start += 1
        return j, new_start
    return end, next_start


def _word_before_stop(text: str, start: int, end: int) -> str:
    """The word before the full stop at ``end - 1``, lower-cased; ``""`` if it is long.

    Only short words can be titles or abbreviations, so the search for the
    word's start looks back a few characters only.
    """
    low = max(start, end - 9)
    space = text.rfind(" ", low, end - 1)
    if space < 0:
        if low > start:
            return ""
        space = start - 1
    return text[space + 1 : end - 1].lstrip(_STRIP_OPENERS).lower()


def _only_marks(text: str, start: int, end: int) -> bool:
    """Whether ``start:end`` is a few quotes or brackets and nothing else (never a sentence)."""
    return end - start <= 3 and all(c in _OPENERS or c in _CLOSERS for c in text[start:end])


def _continues(text: str, start: int, end: int, next_start: int, next_end: int) -> bool:
    """Whether the sentence ``start:end`` runs on into the one at ``next_start`` (titles aside)."""
    if _only_marks(text, start, end) or _only_marks(text, next_start, next_end):
        return True
    last = text[end - 1]
    first = text[next_start]
    if last in ".)]" and end - start <= 5 and _LIST_MARKER.fullmatch(text, start, end):
        return True
    if last == ".":
        word = _word_before_stop(text, start, end)
        if first.isdigit() and word in NUMBER_ABBREVIATIONS:
            return True
        if first.islower() and (word in ABBREVIATIONS or _DOTTED.fullmatch(word)):
            return True
    if not first.islower():
        return False
    k = end
    while k > start and text[k - 1] in _CLOSERS:
        k -= 1
    if k == start:
        return False
    if k < end and text[k - 1] in _TERMINALS:
        return True  # “Why?” and I said… / (laughs.) and then…
    return text[k - 1] == "…" or text.startswith("...", k - 3, k)


def _split_unit_ends(text: str, spans: list[Span]) -> list[Span]:
    """Cut sentences at ``3.5m. That…`` (digit, one letter, full stop, a capitalised word)."""
    cuts = [m.start() + 1 for m in _UNIT_END.finditer(text) if _capital_follows(text, m.end())]
    if not cuts:
        return spans
    out: list[Span] = []
    index = 0
    for start, end in spans:
        while index < len(cuts) and cuts[index] <= start:
            index += 1
        while index < len(cuts) and cuts[index] < end:
            cut = cuts[index]
            resume = cut
            while resume < end and text[resume].isspace():
                resume += 1
            out.append((start, cut))
            start = resume
            index += 1
        out.append((start, end))
    return out


def _capital_follows(text: str, position: int) -> bool:
    while position < len(text) and (text[position].isspace() or text[position] in _OPENERS):
        position += 1
    return position < len(text) and text[position].isupper()
