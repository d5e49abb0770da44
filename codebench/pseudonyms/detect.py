"""Candidates: the strings in a project's transcripts that may identify someone.

Proposals come from several plain rules, each cheap and explainable:

- **speakers**: the names on speaker turns (not role labels such as
  ``Interviewer`` or ``Q``), with their first names and surnames, since
  people are called by either;
- **listed**: names the user passes in;
- **capitalised sequences** that do not start a sentence and are not
  everyday words (:mod:`codebench.pseudonyms.words`); a sequence ending in an
  organisation word (``Council``, ``Trust``, ``CIC``…) is an
  **organisation**, and its first word (``Riverside``) too, since people
  shorten names; one ending in a place word (``Road``, ``Street``…) or
  following ``in``/``at``/``from``… is a **place**; the rest are **names**;
- **patterns**: e-mail addresses, UK phone numbers and postcodes, and dates
  (a date near "born" or "birth" is a **date of birth**);
- **named entities**, only when a trained spaCy pipeline is installed
  (none is ever downloaded).

Every proposal is then looked up in every transcript with the one matcher
the key uses (:class:`~codebench.pseudonyms.matcher.Matcher`), so a
candidate's occurrences are exactly what a replacement would replace,
sentence starts included.

What the team wrote leaves the project too (memos go into reports and
exports, attribute values into tables and cases), so memos and attribute
values are read like transcripts: their occurrences say where they are
(``source``), with offsets into that memo's or value's own text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from codebench.pseudonyms.matcher import Matcher, first_name, surname, variants
from codebench.pseudonyms.words import is_common, is_role_label, word_set
from codebench.safety import one_line

if TYPE_CHECKING:
    from codebench.project import Project

#: Kinds, in the order a string proposed by several rules takes its kind from.
KINDS = (
    "listed",
    "speaker",
    "organisation",
    "place",
    "entity",
    "name",
    "email",
    "phone",
    "postcode",
    "date-of-birth",
    "date",
)
#: Kinds that are names (of people, organisations, places), as opposed to patterns.
NAME_KINDS = frozenset(KINDS[:6])

ORG_WORDS = word_set(
    """council trust cic ltd limited plc llp partnership homes mutual association fund
    foundation university college school academy hospital surgery practice clinic centre
    center group society authority board company services healthcare health care church
    club bank agency network alliance federation union charity cooperative co-operative
    housing commission institute"""
)
PLACE_WORDS = word_set(
    """road street lane avenue close way drive park estate square green hill place crescent
    terrace gardens row walk court rise grove district county borough city town village
    ward"""
)
_PLACE_BEFORE = re.compile(r"(?:\b(?:in|at|from|near|around|across|to|into)\s+(?:the\s+)?)$")
_CONNECTORS = frozenset({"of", "and", "&", "for", "the", "upon", "on"})
_TOKEN = re.compile(r"[^\W_][\w'’-]*|&")
_SENTENCE_END = re.compile(r"(?:^|[.!?:;…]|\n)[\s\"'“‘(\[-]*$")
CONTEXT = 40

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?<![\w+])(?:\+44[ -]?(?:\(0\)[ -]?)?|0)\d(?:[ -]?\d){8,9}(?!\w)")
POSTCODE = re.compile(r"\b(?:[A-Z]{1,2}\d[A-Z\d]?|GIR) ?\d[A-Z]{2}\b")
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
DATE = re.compile(
    r"\b(?:\d{1,2}[/.]\d{1,2}[/.](?:\d{4}|\d{2})"
    r"|\d{4}-\d{2}-\d{2}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?(?: of)? {_MONTH},? \d{{4}}"
    rf"|{_MONTH} \d{{1,2}}(?:st|nd|rd|th)?,? \d{{4}})\b"
)
_BIRTH = re.compile(r"\b(?:born|birth|dob|d\.o\.b\.?|birthday)\b", re.IGNORECASE)
PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("email", EMAIL),
    ("phone", PHONE),
    ("postcode", POSTCODE),
    ("date", DATE),
)
#: spaCy entity labels taken, and the kind each becomes.
ENTITY_KINDS = {
    "PERSON": "entity",
    "ORG": "organisation",
    "GPE": "place",
    "LOC": "place",
    "FAC": "place",
}


@dataclass(frozen=True)
class Occurrence:
    """Where a candidate occurs: ``text[start:end]`` of a transcript, with its context."""

    transcript: str
    start: int
    end: int
    match: str
    before: str
    after: str
    #: Empty for the transcript's own text; else which memo or attribute value the
    #: offsets index (``memo 12 by alice``, ``attribute organisation``).
    source: str = ""

    @property
    def context(self) -> str:
        """``…the wards at «the General», and I've…`` on one line."""
        return f"…{self.before}«{self.match}»{self.after}…"

    @property
    def where(self) -> str:
        """``01-riverside-ceo``, ``01-riverside-ceo (memo 12 by alice)``, ``memo 3 by bob``."""
        if not self.source:
            return self.transcript
        return f"{self.transcript} ({self.source})" if self.transcript else self.source


@dataclass
class Candidate:
    """A string to decide on, with every occurrence of it in the project."""

    text: str
    kind: str
    occurrences: list[Occurrence] = field(default_factory=list)
    #: Every rule that proposed it.
    rules: set[str] = field(default_factory=set)

    @property
    def count(self) -> int:
        return len(self.occurrences)

    @property
    def transcripts(self) -> list[str]:
        """The transcripts it occurs in (its text, or a memo or attribute value of one)."""
        return list(dict.fromkeys(o.transcript for o in self.occurrences if o.transcript))


@dataclass(frozen=True)
class Document:
    """A text to propose candidates from: a transcript's name, text, sentence starts, speakers;
    or a memo or an attribute value (``source`` says which; ``name`` is its transcript's)."""

    name: str
    text: str
    sentence_starts: frozenset[int] = frozenset()
    speakers: tuple[str, ...] = ()
    source: str = ""
    #: Whether the text's first word starts a sentence (not an attribute value: "Helen Marsh").
    opens_sentence: bool = True


# ------------------------------------------------------------------ proposals


def propose(doc: Document) -> list[tuple[str, str]]:
    """Every (string, kind) the rules propose for one text, in text order."""
    found: list[tuple[str, str]] = []
    for speaker in doc.speakers:
        if is_role_label(speaker):
            continue
        shown = _title(speaker) if speaker.isupper() else speaker
        found.append((shown, "speaker"))
        found.extend((part, "speaker") for part in (first_name(shown), surname(shown)) if part)
    found.extend(_capitalised(doc))
    for kind, pattern in PATTERNS:
        for match in pattern.finditer(doc.text):
            if kind == "date" and _BIRTH.search(
                doc.text, max(0, match.start() - 20), match.start()
            ):
                found.append((match.group(), "date-of-birth"))
            else:
                found.append((match.group(), kind))
    found.extend(_entities(doc.text))
    return found


def _capitalised(doc: Document) -> list[tuple[str, str]]:
    """Capitalised sequences, classified (see the module docstring)."""
    text = doc.text
    tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(tokens):
        if not _capital(tokens[i][2]):
            i += 1
            continue
        j = i
        while j + 1 < len(tokens) and _joined(text, tokens[j], tokens[j + 1]):
            nxt = tokens[j + 1]
            if _capital(nxt[2]):
                j += 1
            elif (
                nxt[2] in _CONNECTORS
                and j + 2 < len(tokens)
                and _joined(text, nxt, tokens[j + 2])
                and _capital(tokens[j + 2][2])
            ):
                j += 2
            else:
                break
        out.extend(_classify(doc, tokens[i : j + 1]))
        i = j + 1
    return out


def _kind_word(word: str) -> bool:
    return word.lower() in ORG_WORDS or word.lower() in PLACE_WORDS


def _capital(word: str) -> bool:
    return word[:1].isupper()


def _joined(text: str, left: tuple[int, int, str], right: tuple[int, int, str]) -> bool:
    return text[left[1] : right[0]] == " "


def _classify(doc: Document, run: list[tuple[int, int, str]]) -> list[tuple[str, str]]:
    """One capitalised run → the candidates in it (split at ``and``; trimmed of common words)."""
    words = [(s, e, _trim_word(w)) for s, e, w in run]
    words = [(s, s + len(w), w) for s, _e, w in words if w]
    parts: list[list[tuple[int, int, str]]] = [[]]
    for word in words:
        if word[2] in ("and", "&") and (not parts[-1] or parts[-1][-1][2].lower() not in ORG_WORDS):
            parts.append([])
        else:
            parts[-1].append(word)
    out = []
    for part in parts:
        while part and (is_common(part[0][2]) or part[0][2] in _CONNECTORS):
            part = part[1:]
        while part and (
            part[-1][2] in _CONNECTORS
            or (is_common(part[-1][2]) and (len(part) == 1 or not _kind_word(part[-1][2])))
        ):
            part = part[:-1]
        if not part or all(is_common(w) or w in _CONNECTORS for _s, _e, w in part):
            continue
        start, end = part[0][0], part[-1][1]
        string = doc.text[start:end]
        last = part[-1][2].lower()
        at_start = _sentence_start(doc, start)
        if last in ORG_WORDS and len(part) > 1:
            out.append((string, "organisation"))
            head = part[0][2]
            if not is_common(head) and head.lower() not in ORG_WORDS | PLACE_WORDS:
                out.append((head, "organisation"))
        elif last in PLACE_WORDS and len(part) > 1:
            out.append((string, "place"))
        elif at_start:
            continue  # a capital at a sentence start is no evidence of a name
        elif len(part[0][2]) < 2:
            continue
        elif _PLACE_BEFORE.search(doc.text, max(0, start - 12), start):
            out.append((string, "place"))
        else:
            out.append((string, "name"))
    return out


def _trim_word(word: str) -> str:
    """``Riverside's`` → ``Riverside``; ``NHS-funded`` → ``NHS``."""
    for suffix in ("'s", "’s", "'", "’"):
        if word.endswith(suffix):
            word = word[: -len(suffix)]
            break
    head, dash, tail = word.partition("-")
    if dash and tail[:1].islower():
        return head
    return word


def _sentence_start(doc: Document, start: int) -> bool:
    if start in doc.sentence_starts:
        return True
    if start == 0 and not doc.opens_sentence:
        return False
    return bool(_SENTENCE_END.search(doc.text, max(0, start - 6), start))


def _title(text: str) -> str:
    return " ".join(word[:1].upper() + word[1:].lower() for word in text.split(" "))


# ------------------------------------------------------------------ named entities

#: Set by tests to a fake; otherwise :func:`installed_pipeline` looks for a trained one.
_pipeline_loader: Callable[[], Any] | None = None


def installed_pipeline() -> Any:
    """A trained spaCy pipeline if one is installed, else None (never downloads one)."""
    if _pipeline_loader is not None:
        return _pipeline_loader()
    try:
        import spacy.util
    except ImportError:
        return None
    names = sorted(spacy.util.get_installed_models())
    if not names:
        return None
    import spacy

    return spacy.load(names[0])


_NO_PIPELINE = object()
_loaded: Any = _NO_PIPELINE


def _entities(text: str) -> list[tuple[str, str]]:
    global _loaded
    if _loaded is _NO_PIPELINE:
        _loaded = installed_pipeline()
    if _loaded is None:
        return []
    out = []
    for ent in _loaded(text).ents:
        kind = ENTITY_KINDS.get(ent.label_)
        string = ent.text.strip()
        if kind and string and not all(is_common(w) for w in string.split()):
            out.append((string, kind))
    return out


def reset_pipeline() -> None:
    """Forget the pipeline looked up (tests swap :data:`_pipeline_loader`)."""
    global _loaded
    _loaded = _NO_PIPELINE


# ------------------------------------------------------------------ candidates


def candidates(documents: Sequence[Document], names: Iterable[str] = ()) -> list[Candidate]:
    """The candidates of ``documents``, each with all its occurrences, most frequent first."""
    rank = {kind: i for i, kind in enumerate(KINDS)}
    chosen: dict[str, Candidate] = {}

    def offer(string: str, kind: str) -> None:
        string = string.strip()
        if not string:
            return
        key = string.casefold()
        current = chosen.get(key)
        if current is None:
            chosen[key] = Candidate(string, kind, rules={kind})
            return
        current.rules.add(kind)
        if rank[kind] < rank[current.kind]:
            current.kind = kind

    for name in names:
        offer(name, "listed")
    for doc in documents:
        for string, kind in propose(doc):
            offer(string, kind)
    by_variant: dict[str, Candidate] = {}
    for candidate in chosen.values():
        for form in variants(candidate.text):
            by_variant.setdefault(form, candidate)
    matcher = Matcher(by_variant)
    for doc in documents:
        for hit in matcher.hits(doc.text):
            by_variant[hit.term].occurrences.append(_occurrence(doc, hit.start, hit.end))
    found = [c for c in chosen.values() if c.occurrences or c.kind == "listed"]
    found.sort(key=lambda c: (rank[c.kind], -c.count, c.text.casefold()))
    return found


def _occurrence(doc: Document, start: int, end: int) -> Occurrence:
    return Occurrence(
        transcript=doc.name,
        start=start,
        end=end,
        match=one_line(doc.text[start:end]),
        before=one_line(doc.text[max(0, start - CONTEXT) : start]).lstrip(),
        after=one_line(doc.text[end : end + CONTEXT]).rstrip(),
        source=doc.source,
    )


def project_documents(project: Project) -> list[Document]:
    """Each transcript of ``project`` as a :class:`Document` (sentence starts from its segments)."""
    docs = []
    for transcript in project.transcripts():
        segments = project.segments(transcript)
        docs.append(
            Document(
                name=transcript.name,
                text=project.text(transcript),
                sentence_starts=frozenset(s.start for s in segments),
                speakers=tuple(dict.fromkeys(s.speaker for s in segments if s.speaker)),
            )
        )
    return docs


def written_documents(project: Project) -> list[Document]:
    """Every memo (everyone's: all of them leave the project in reports and exports) and
    every transcript attribute value, as :class:`Document` s that say where they are."""
    names = {t.id: t.name for t in project.transcripts()}
    authors = {c.id: c.name for c in project.coders()}
    docs = []
    for transcript in project.transcripts():
        for attribute, value in sorted(transcript.attributes.items()):
            if value and value.strip():
                docs.append(
                    Document(
                        name=transcript.name,
                        text=value,
                        source=f"attribute {attribute}",
                        opens_sentence=False,
                    )
                )
    for memo in project.memos():
        author = authors.get(memo.author_id or -1)
        docs.append(
            Document(
                name=names.get(memo.transcript_id or -1, ""),
                text=memo.text,
                source=f"memo {memo.id}" + (f" by {author}" if author else ""),
            )
        )
    return docs


def speaker_roles(project: Project) -> dict[str, tuple[str | None, str | None]]:
    """Each speaker (as detection shows them) → the ``role`` and ``organisation`` attributes
    of the first transcript they speak in, for labels that say who without naming."""
    out: dict[str, tuple[str | None, str | None]] = {}
    for doc, transcript in zip(project_documents(project), project.transcripts()):
        for speaker in doc.speakers:
            if is_role_label(speaker):
                continue
            shown = _title(speaker) if speaker.isupper() else speaker
            attributes = transcript.attributes
            out.setdefault(shown, (attributes.get("role"), attributes.get("organisation")))
    return out


def detect(project: Project, names: Iterable[str] = ()) -> list[Candidate]:
    """The candidates in every transcript, memo and attribute value of ``project``
    (see the module docstring)."""
    return candidates(project_documents(project) + written_documents(project), names)
