"""Project-wide text search, with keyword-in-context hits.

A pattern is a word (``pension``), a phrase (``pension scheme``: the words
in order, whatever punctuation or spacing lies between), a word or phrase
ending in ``*`` (``pens*``: any word starting so), or alternatives joined
by ``|`` (``TUPE | pension``). Words are Unicode letters and digits; case
and accents are folded (``cafe`` finds "Café") unless asked otherwise.
Those searches go through the full-text index the store keeps
(``segment_fts``, FTS5), whose ``highlight()`` says where each hit lies, so
what is found is exactly what the index matched. ``case_sensitive`` or
``exact_accents`` then keep only the hits whose words match as typed.

With ``regex`` the pattern is a Python regular expression run over the
text of every segment in scope (case folded unless ``case_sensitive``;
accents folded one character for one, so offsets stay true, unless
``exact_accents``). A match does not run across segments.

The same scopes as queries apply (:mod:`codebench.analysis.scope`), and
``in_code`` (a query such as ``12`` or ``10 & !16``) keeps hits in segments
the query matches, so coders in the scope matter only there.

With ``lemma`` every word of a word or phrase pattern (not a ``*`` prefix)
also matches its other inflections, from spaCy's English lemma lookup table
(:mod:`codebench.analysis.lemmas`): ``commissioning`` finds "commission",
"commissioned" and "commissions". The inflections are searched for through
the same index, as alternatives.

Word frequencies are in :mod:`codebench.analysis.words`, search-to-code in
:mod:`codebench.analysis.autocode`.
"""

from __future__ import annotations

import re
import time
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from codebench.analysis import grammar
from codebench.analysis.scope import Scope, ScopeSpec, resolve_scope, speaker_segments
from codebench.errors import CodebenchError
from codebench.store import aggregates
from codebench.store import analysis as analysis_sql
from codebench.wording import plural

if TYPE_CHECKING:
    from codebench.project import Project

#: Longest pattern accepted (a typed search is a line; a longer one is a mistake or an attack).
MAX_PATTERN = 1_000
#: Segments whose hits are read by id; for more, every match is read and the rest skipped.
_FEW = 500
#: Characters of context on each side of a hit.
CONTEXT = 40
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
#: Line breaks and tabs in a context read as spaces (one for one).
_BREAKS = re.compile(r"[\n\r\t\v\f]")


class SearchError(CodebenchError):
    """A search pattern that cannot be searched for."""


@dataclass(slots=True)
class Hit:
    """One match: where it is, what it matched, and the text either side."""

    transcript: str
    ordinal: int
    speaker: str | None
    #: Offsets of the match in the transcript text.
    start: int
    end: int
    text: str
    left: str
    right: str
    #: The transcript's database id (for coding the hit).
    _transcript_id: int = 0


@dataclass(frozen=True)
class SearchResult:
    """What a search found: the matching segments now, their hits when first asked for.

    Finding the segments reads the full-text index alone (a word over a
    whole project is one FTS5 query); where each hit lies and its context
    are read for those segments on first use of :attr:`hits`, so a caller
    that wants counts of segments, or one page, never pays for them all.
    """

    pattern: str
    mode: str
    #: Segments with at least one hit.
    segments: int
    scope_notes: list[str]
    _scope: Scope | None = field(default=None, repr=False)
    #: Ids of the matching segments; reads the hits of some of them (in reading order).
    _segment_ids: list[int] = field(default_factory=list, repr=False)
    _read: Any = field(default=None, repr=False)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)
    kind: str = "search"

    @property
    def scope(self) -> Scope:
        assert self._scope is not None
        return self._scope

    @property
    def hits(self) -> list[Hit]:
        """Every hit, in reading order (read on first use)."""
        if "hits" not in self._cache:
            self._cache["hits"] = self._read(self._segment_ids) if self._read else []
        hits: list[Hit] = self._cache["hits"]
        return hits

    def first(self, segments: int) -> list[Hit]:
        """The hits of the first ``segments`` matching segments only (a page: cheap)."""
        if segments >= len(self._segment_ids):
            return self.hits
        return self._read(self._segment_ids[:segments]) if self._read else []

    @property
    def notes(self) -> list[str]:
        transcripts = len({h.transcript for h in self.hits})
        return [
            f"{plural(len(self.hits), 'hit')} in {plural(self.segments, 'segment')} of "
            f"{plural(transcripts, 'transcript')} ({self.mode}).",
            *self.scope_notes,
        ]


def search(
    project: Project,
    pattern: str,
    scope: ScopeSpec | Scope | None = None,
    *,
    regex: bool = False,
    case_sensitive: bool = False,
    exact_accents: bool = False,
    in_code: str | None = None,
    context: int = CONTEXT,
    lemma: bool = False,
    codable_only: bool = False,
) -> SearchResult:
    """Find ``pattern`` in the transcripts in ``scope`` (see the module docstring).

    ``codable_only`` leaves out segments marked not codable: the interviewer's
    turns, which a search otherwise finds like any other text (a question
    that says "pension" is a hit unless asked not to be).
    """
    if len(pattern) > MAX_PATTERN:
        raise SearchError(
            f"the pattern is {plural(len(pattern), 'character')} long (at most {MAX_PATTERN:,})"
        )
    if not pattern.strip():
        raise SearchError("the pattern is empty: give a word, a phrase or --regex PATTERN")
    resolved = scope if isinstance(scope, Scope) else resolve_scope(project, scope)
    width = max(0, context)
    found: list[_Found] | None = None
    if regex and lemma:
        raise SearchError("--lemma matches words: it cannot be used with --regex")
    if regex:
        found = _regex_hits(project, pattern, resolved, case_sensitive, exact_accents)
        mode = "regular expression" + ("" if case_sensitive else ", case folded")
    else:
        match, alternatives = fts_expression(pattern, lemma=lemma)
        if case_sensitive or exact_accents:
            found = _index_hits(project, match, alternatives, None, case_sensitive, exact_accents)
            if not resolved.everything:
                inside = set(resolved.transcript_ids)
                found = [f for f in found if f[1] in inside]
        mode = (
            "words, "
            + (
                "case and accents as typed"
                if case_sensitive and exact_accents
                else "accents as typed"
                if exact_accents
                else "case as typed"
                if case_sensitive
                else "case and accents folded"
            )
            + (", every inflection" if lemma else "")
        )
    if found is not None:
        ids = list(dict.fromkeys(f[0] for f in found))
    else:
        ids = analysis_sql.fts_segment_ids(project.db, match, resolved.transcript_filter)
    spoken_ids = speaker_segments(project, resolved)
    if spoken_ids is not None:
        spoken = set(spoken_ids)
        ids = [i for i in ids if i in spoken]
    if codable_only:
        segments = analysis_sql.segment_arrays(project.db, resolved.transcript_filter)
        codable = set(segments.id[segments.codable].tolist())
        ids = [i for i in ids if i in codable]
        mode += ", codable turns only"
    if in_code is not None:
        from codebench.analysis.query import Evaluation

        evaluation = Evaluation(project, in_code, grammar.parse(in_code), resolved)
        inside = set(evaluation.seg.id[evaluation.mask(evaluation.tree)].tolist())
        ids = [i for i in ids if i in inside]
        mode += f", inside {in_code}"

    def read(segment_ids: list[int]) -> list[Hit]:
        if found is not None:
            wanted = set(segment_ids)
            chosen = [f for f in found if f[0] in wanted]
        else:
            chosen = _index_hits(project, match, alternatives, segment_ids, False, False)
        return _with_context(project, resolved, chosen, width)

    return SearchResult(
        pattern=pattern,
        mode=mode,
        segments=len(ids),
        scope_notes=resolved.notes[1:] if in_code is None else resolved.notes,
        _scope=resolved,
        _segment_ids=ids,
        _read=read,
    )


#: A hit before its context is read: segment id, transcript id, ordinal, speaker, start, end.
_Found = tuple[int, int, int, str | None, int, int]


#: The most phrases a --lemma pattern may expand to (each word's inflections multiply).
MAX_LEMMA_PHRASES = 256


def fts_expression(
    pattern: str, *, lemma: bool = False
) -> tuple[str, list[tuple[list[str], bool]]]:
    """The FTS5 query for ``pattern`` and its alternatives as (words, last word is a prefix).

    With ``lemma`` each alternative becomes one per combination of its words'
    inflections (a ``*`` prefix word is kept as typed).
    """
    alternatives = []
    for part in pattern.split("|"):
        part = part.strip()
        if not part:
            continue
        prefix = part.endswith("*")
        words = _WORD.findall(part)
        if not words:
            continue
        alternatives.append((words, prefix))
    if not alternatives:
        raise SearchError(
            f"{pattern!r} has no words to search for (letters or digits; or use --regex)"
        )
    if lemma:
        alternatives = _inflected(alternatives)
    terms = []
    for words, prefix in alternatives:
        phrase = '"' + " ".join(w.replace('"', '""') for w in words) + '"'
        terms.append(phrase + ("*" if prefix else ""))
    return " OR ".join(terms), alternatives


def _inflected(alternatives: list[tuple[list[str], bool]]) -> list[tuple[list[str], bool]]:
    """Each alternative once per combination of its words' inflections (duplicates dropped)."""
    import itertools

    from codebench.analysis.lemmas import inflections

    out: dict[tuple[tuple[str, ...], bool], None] = {}
    for words, prefix in alternatives:
        choices = [
            [w] if prefix and i == len(words) - 1 else inflections(w) for i, w in enumerate(words)
        ]
        count = 1
        for c in choices:
            count *= len(c)
        if count + len(out) > MAX_LEMMA_PHRASES:
            raise SearchError(
                f"with --lemma, {' '.join(words)!r} has {plural(count, 'combination')} of inflections"
                f" (at most {MAX_LEMMA_PHRASES}): search for fewer words"
            )
        for combination in itertools.product(*choices):
            out[(combination, prefix)] = None
    return [(list(words), prefix) for words, prefix in out]


def _index_hits(
    project: Project,
    match: str,
    alternatives: list[tuple[list[str], bool]],
    segment_ids: list[int] | None,
    case_sensitive: bool,
    exact_accents: bool,
) -> list[_Found]:
    """Every hit of the FTS5 query ``match`` (in ``segment_ids``), where ``highlight()`` puts it."""
    wanted = None
    if segment_ids is not None and len(segment_ids) > _FEW:
        wanted, segment_ids = set(segment_ids), None  # one pass over the matches, then keep
    rows = analysis_sql.fts_hits(project.db, match, segment_ids)
    check = case_sensitive or exact_accents
    out: list[_Found] = []
    opening, closing = analysis_sql.HIT_OPEN, analysis_sql.HIT_CLOSE
    for seg_id, tid, ordinal, base, speaker, marked in zip(
        rows.segment_id, rows.transcript_id, rows.ordinal, rows.start, rows.speaker, rows.marked
    ):
        if wanted is not None and seg_id not in wanted:
            continue
        at = marked.find(opening)
        removed = 0
        while at >= 0:
            end = marked.find(closing, at)
            if end < 0:
                break
            lo = at - removed
            hi = end - removed - 1
            removed += 2
            if not check or _as_typed(
                marked[at + 1 : end], alternatives, case_sensitive, exact_accents
            ):
                out.append((seg_id, tid, ordinal, speaker, base + lo, base + hi))
            at = marked.find(opening, end)
    return out


def _as_typed(
    found: str,
    alternatives: list[tuple[list[str], bool]],
    case_sensitive: bool,
    exact_accents: bool,
) -> bool:
    """Whether the words ``found`` match one alternative with case or accents as typed."""

    def norm(word: str) -> str:
        word = word if exact_accents else strip_accents(word)
        return word if case_sensitive else word.casefold()

    words = [norm(w) for w in _WORD.findall(found)]
    for typed, prefix in alternatives:
        wanted = [norm(w) for w in typed]
        if len(words) != len(wanted):
            continue
        if words[:-1] == wanted[:-1] and (
            words[-1].startswith(wanted[-1]) if prefix else words[-1] == wanted[-1]
        ):
            return True
    return False


#: A regular expression may run this long over the whole search before it is stopped:
#: a pattern with nested repeats can take exponential time on one segment, and the
#: workbench must never hang on one.
REGEX_SECONDS = 10.0


_MATCHES_EMPTY = (
    "the regular expression {pattern!r} matches empty text (as ^, \\b or x* do), "
    "so its hits would hold nothing: make it match at least one character (x+, \\bword\\b)"
)


def _regex_hits(
    project: Project, pattern: str, scope: Scope, case_sensitive: bool, exact_accents: bool
) -> list[_Found]:
    # The ``regex`` package rather than ``re``: it takes a time limit and matches without
    # holding the interpreter lock (``concurrent``), so a slow pattern is stopped and
    # the workbench's screen stays live meanwhile.
    import regex

    flags = 0 if case_sensitive else regex.IGNORECASE
    try:
        compiled = regex.compile(pattern if exact_accents else fold_accents(pattern), flags)
    except (regex.error, OverflowError, RecursionError, ValueError) as error:
        raise SearchError(f"not a valid regular expression: {error}") from None
    if compiled.search("") is not None:
        raise SearchError(_MATCHES_EMPTY.format(pattern=pattern))
    rows = analysis_sql.segment_texts(project.db, scope.transcript_filter)
    out: list[_Found] = []
    deadline = time.monotonic() + REGEX_SECONDS
    try:
        for seg_id, tid, ordinal, base, speaker, body in zip(
            rows.segment_id, rows.transcript_id, rows.ordinal, rows.start, rows.speaker, rows.marked
        ):
            text = body if exact_accents else fold_accents(body)
            left = max(0.001, deadline - time.monotonic())
            for m in compiled.finditer(text, concurrent=True, timeout=left):
                if m.end() == m.start():
                    # ``\b``, ``x*``, a lookahead: a hit of no text is nothing to show or code,
                    # and dropping them would pass for "no hits".
                    raise SearchError(_MATCHES_EMPTY.format(pattern=pattern))
                out.append((seg_id, tid, ordinal, speaker, base + m.start(), base + m.end()))
    except TimeoutError:
        raise SearchError(
            f"the regular expression was stopped after {REGEX_SECONDS:g} s "
            "(nested repeats such as (a+)+ can take for ever): simplify it"
        ) from None
    return out


def _with_context(project: Project, scope: Scope, found: list[_Found], width: int) -> list[Hit]:
    names = {t.id: t.name for t in scope.transcripts}
    texts = aggregates.transcript_texts(project.db, sorted({f[1] for f in found}))
    hits = []
    for _seg, tid, ordinal, speaker, lo, hi in found:
        text = texts.get(tid, "")
        hits.append(
            Hit(
                transcript=names.get(tid, str(tid)),
                ordinal=ordinal,
                speaker=speaker,
                start=lo,
                end=hi,
                text=text[lo:hi],
                left=_flat(text[max(0, lo - width) : lo]),
                right=_flat(text[hi : hi + width]),
                _transcript_id=tid,
            )
        )
    return hits


def _flat(text: str) -> str:
    """``text`` on one line: line breaks and tabs become spaces, one for one."""
    if "\n" in text or "\r" in text or "\t" in text or "\v" in text or "\f" in text:
        return _BREAKS.sub(" ", text)
    return text


def strip_accents(text: str) -> str:
    """``text`` without combining marks (``Café`` → ``Cafe``); may change the length."""
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def fold_accents(text: str) -> str:
    """``text`` with each accented letter replaced by its base letter, one for one (lengths kept)."""
    if text.isascii():
        return text
    return "".join(_fold_char(c) for c in text)


def _fold_char(c: str) -> str:
    if c.isascii():
        return c
    base = strip_accents(c)
    return base if len(base) == 1 else c
