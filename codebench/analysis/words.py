"""Word frequencies and n-grams: the words people use, overall or per code, attribute or speaker.

Words are runs of Unicode letters and digits, case folded; numbers alone
and one-letter words are not ranked, nor are numbers spelled out
(:data:`NUMBER_WORDS`, on the default stop list) (nor do they start or end an n-gram). Only codable segments count (what
participants said, not the interviewer's questions). Single words on the
stop list are left out, and an n-gram is left out when it starts or ends
with one ("of the ethos" is not a phrase worth ranking; "ethos of the
trust" is). The stop list is the built-in English one
(:data:`DEFAULT_STOP_WORDS`) edited per project (:func:`edit_stop_words`,
kept as a project setting).

Groups (``by``): ``code`` (the segments each code covers, by the reports'
rule and rolled up to parents), ``attribute:KEY``, ``speaker`` or
``transcript``; none ranks the whole scope. ``in_code`` (a query) keeps
the segments it matches first. The same scopes as queries apply.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from codebench.analysis import grammar
from codebench.analysis.scope import (
    Scope,
    ScopeError,
    ScopeSpec,
    resolve_scope,
    speaker_segments,
)
from codebench.analysis.tables import NO_SPEAKER, NONE, attribute_key
from codebench.reports.tables import Column, Table
from codebench.wording import plural

if TYPE_CHECKING:
    from codebench.models import Code
    from codebench.project import Project

_WORD = re.compile(r"[^\W_]+")
#: The project setting holding the stop-list edits: ``{"add": [...], "remove": [...]}``.
SETTING = "analysis.stop_words"
GROUPINGS = ("code", "attribute:KEY", "speaker", "transcript")
MAX_NGRAM = 5

DEFAULT_STOP_WORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "aren",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "cannot",
        "could",
        "couldn",
        "did",
        "didn",
        "do",
        "does",
        "doesn",
        "doing",
        "don",
        "down",
        "during",
        "each",
        "even",
        "few",
        "for",
        "from",
        "further",
        "get",
        "got",
        "had",
        "hadn",
        "has",
        "hasn",
        "have",
        "haven",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "however",
        "i",
        "if",
        "in",
        "into",
        "is",
        "isn",
        "it",
        "its",
        "itself",
        "just",
        "know",
        "like",
        "ll",
        "me",
        "more",
        "most",
        "much",
        "must",
        "mustn",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "one",
        "only",
        "or",
        "other",
        "ought",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "really",
        "re",
        "same",
        "say",
        "said",
        "shan",
        "she",
        "should",
        "shouldn",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "thing",
        "things",
        "think",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "us",
        "ve",
        "very",
        "was",
        "wasn",
        "way",
        "we",
        "well",
        "were",
        "weren",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "won",
        "would",
        "wouldn",
        "yeah",
        "yes",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "um",
        "uh",
        "erm",
        "er",
        "okay",
        "ok",
    ]
)
#: Numbers spelled out ("two hundred", "six per cent") are figures, not themes:
#: on the built-in list so they do not crowd the ranking (a project can
#: remove any of them with ``stop-words --remove``).
NUMBER_WORDS = frozenset(
    [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
        "thirty",
        "forty",
        "fifty",
        "sixty",
        "seventy",
        "eighty",
        "ninety",
        "hundred",
        "hundreds",
        "thousand",
        "thousands",
        "million",
        "millions",
        "billion",
        "billions",
        "per",
        "cent",
        "percent",
    ]
)
DEFAULT_STOP_WORDS = DEFAULT_STOP_WORDS | NUMBER_WORDS


@dataclass(frozen=True)
class Term:
    group: str
    rank: int
    term: str
    #: Times the term occurs, and segments it occurs in.
    count: int
    segments: int


@dataclass(frozen=True)
class WordFrequencies:
    by: str | None
    ngram: int
    top: int
    #: Groups in order, each with the segments it holds.
    groups: list[tuple[str, int]]
    terms: list[Term]
    scope_notes: list[str]
    stop_words: int
    #: Whether words were counted by lemma (every inflection as one word).
    lemma: bool = False
    kind: str = "words"

    @property
    def notes(self) -> list[str]:
        what = "words" if self.ngram == 1 else f"{self.ngram}-word phrases"
        segments = sum(n for _, n in self.groups) if self.by in (None, "transcript") else None
        notes = [
            f"The {self.top} most frequent {what}"
            + (f" per {self.by}" if self.by else "")
            + (f" in {plural(segments, 'codable segment')}" if segments is not None else "")
            + f"; {plural(self.stop_words, 'stop word')} left out.",
            *(
                ["Counted by lemma: every inflection under its lemma (commissioned → commission)."]
                if self.lemma
                else []
            ),
            *self.scope_notes,
        ]
        return notes


def stop_words(project: Project) -> set[str]:
    """The project's stop list: the built-in one with the project's edits."""
    edits = _edits(project)
    return (set(DEFAULT_STOP_WORDS) | set(edits["add"])) - set(edits["remove"])


def edit_stop_words(
    project: Project, add: Sequence[str] = (), remove: Sequence[str] = (), *, reset: bool = False
) -> set[str]:
    """Add words to and remove words from the project's stop list; returns the new list."""
    edits: dict[str, list[str]] = {"add": [], "remove": []} if reset else _edits(project)
    for word in add:
        w = one_word(word)
        edits["remove"] = [x for x in edits["remove"] if x != w]
        if w not in DEFAULT_STOP_WORDS and w not in edits["add"]:
            edits["add"].append(w)
    for word in remove:
        w = one_word(word)
        edits["add"] = [x for x in edits["add"] if x != w]
        if w in DEFAULT_STOP_WORDS and w not in edits["remove"]:
            edits["remove"].append(w)
    project.set_setting(SETTING, json.dumps({k: sorted(v) for k, v in edits.items()}))
    return stop_words(project)


def one_word(word: str) -> str:
    """The word as the stop list holds it (case folded); a phrase is refused."""
    found = _WORD.findall(word.casefold())
    if len(found) != 1:
        raise ScopeError(f"{word!r} is not one word (letters and digits)")
    return found[0]


def _edits(project: Project) -> dict[str, list[str]]:
    raw = project.setting(SETTING)
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        data = {}
    return {
        key: [w for w in data.get(key, []) if isinstance(w, str)]
        if isinstance(data.get(key), list)
        else []
        for key in ("add", "remove")
    }


def word_frequencies(
    project: Project,
    scope: ScopeSpec | Scope | None = None,
    *,
    by: str | None = None,
    in_code: str | None = None,
    ngram: int = 1,
    top: int = 20,
    lemma: bool = False,
) -> WordFrequencies:
    """The ``top`` words (or ``ngram``-word phrases) per group (see the module docstring).

    With ``lemma`` each word counts as its lemma (:mod:`codebench.analysis.lemmas`),
    after the stop list has been applied to the word as written.
    """
    import numpy as np

    from codebench.analysis.query import Evaluation, place
    from codebench.store import analysis as analysis_sql

    if not 1 <= ngram <= MAX_NGRAM:
        raise ScopeError(f"--ngram {ngram}: use 1 to {MAX_NGRAM}")
    if top < 1:
        raise ScopeError("--top needs at least 1")
    resolved = scope if isinstance(scope, Scope) else resolve_scope(project, scope)
    if by is not None and by not in ("code", "speaker", "transcript"):
        if not by.startswith("attribute:"):
            raise ScopeError(f"--by {by!r}: use {', '.join(GROUPINGS)}")
        key = attribute_key(by.partition(":")[2], resolved.transcripts)
    db = project.db
    seg = analysis_sql.segment_arrays(db, resolved.transcript_filter)
    keep = seg.codable.copy()
    spoken = speaker_segments(project, resolved)
    if spoken is not None:
        keep &= np.isin(seg.id, np.array(spoken, dtype=np.int64))
    if in_code is not None:
        evaluation = Evaluation(project, in_code, grammar.parse(in_code), resolved)
        keep &= evaluation.mask(evaluation.tree)
    kept = set(seg.id[keep].tolist())

    # The groups of each kept segment.
    transcripts = {t.id: t for t in resolved.transcripts}
    group_of: dict[int, list[str]] = {}
    order: list[str] = []
    if by == "code":
        codes = project.codes(include_archived=True)
        cod = analysis_sql.coding_arrays(
            db, resolved.selection.ids, [c.id for c in codes], resolved.transcript_filter
        )
        cell_seg, cell_coding = place(seg, cod)
        by_id = {c.id: c for c in codes}
        ancestors: dict[int, list[str]] = {}
        for c in codes:
            chain: list[str] = []
            current: Code | None = c
            while current is not None:
                chain.append(current.label)
                current = by_id.get(current.parent_id) if current.parent_id is not None else None
            ancestors[c.id] = chain
        ids = seg.id[cell_seg].tolist()
        for segment_id, code_id in zip(ids, cod.code_id[cell_coding].tolist()):
            if segment_id in kept:
                labels = group_of.setdefault(segment_id, [])
                labels.extend(x for x in ancestors[code_id] if x not in labels)
        order = [c.label for c in codes]
    texts = analysis_sql.segment_texts(db, resolved.transcript_filter)
    stops = stop_words(project)
    as_lemma: Callable[[str], str] | None = None
    if lemma:
        from codebench.analysis import lemmas

        as_lemma = lemmas.lemma
    counts: dict[str, Counter[str]] = {}
    present: dict[str, Counter[str]] = {}
    sizes: Counter[str] = Counter()
    for segment_id, tid, speaker, body in zip(
        texts.segment_id, texts.transcript_id, texts.speaker, texts.marked
    ):
        if segment_id not in kept:
            continue
        t = transcripts.get(tid)
        if by is None:
            groups = [""]
        elif by == "code":
            groups = group_of.get(segment_id, [])
        elif by == "speaker":
            groups = [f"{t.name if t else tid}: {speaker or NO_SPEAKER}"]
        elif by == "transcript":
            groups = [t.name if t else str(tid)]
        else:
            groups = [t.attributes.get(key, NONE) if t else NONE]
        if not groups:
            continue
        terms = _terms(body, ngram, stops, as_lemma)
        for group in groups:
            sizes[group] += 1
            counts.setdefault(group, Counter()).update(terms)
            present.setdefault(group, Counter()).update(set(terms))
    if by != "code":
        order = sorted(sizes, key=lambda g: (g == NONE, g.casefold()))
    ranked: list[Term] = []
    for group in order:
        if group not in counts:
            continue
        best = sorted(counts[group].items(), key=lambda kv: (-kv[1], kv[0]))[:top]
        ranked += [
            Term(group, i + 1, term, n, present[group][term]) for i, (term, n) in enumerate(best)
        ]
    return WordFrequencies(
        by=by,
        ngram=ngram,
        top=top,
        groups=[(g, sizes[g]) for g in order if g in sizes],
        terms=ranked,
        scope_notes=resolved.notes[1:] if by != "code" and in_code is None else resolved.notes,
        stop_words=len(stops),
        lemma=lemma,
    )


def _terms(
    text: str, n: int, stops: set[str], as_lemma: Callable[[str], str] | None = None
) -> list[str]:
    words = _WORD.findall(text.casefold())

    def counts(word: str) -> bool:
        return len(word) > 1 and not word.isdigit() and word not in stops

    shown = [as_lemma(w) for w in words] if as_lemma is not None else words
    if n == 1:
        return [s for w, s in zip(words, shown) if counts(w)]
    return [
        " ".join(shown[i : i + n])
        for i in range(len(words) - n + 1)
        if counts(words[i]) and counts(words[i + n - 1])
    ]


def words_table(result: WordFrequencies) -> Table:
    """The ranking as one table (a group column when grouped)."""
    columns = [
        Column("rank", "Rank", "int"),
        Column("term", "Word" if result.ngram == 1 else "Phrase"),
        Column("count", "Count", "int"),
        Column("segments", "Segments", "int"),
    ]
    if result.by is not None:
        columns.insert(0, Column("group", result.by.partition(":")[2] or result.by.capitalize()))
    return Table(
        name="words",
        title="Word frequencies" + (f" by {result.by}" if result.by else ""),
        columns=columns,
        rows=[
            {
                "group": t.group,
                "rank": t.rank,
                "term": t.term,
                "count": t.count,
                "segments": t.segments,
            }
            for t in result.terms
        ],
        keys=2 if result.by else 1,
        notes=result.notes,
    )


def chart_bytes(result: WordFrequencies, fmt: str) -> bytes:
    """A ranked bar chart (PNG or SVG): one panel per group, most frequent at the top."""

    from codebench.reports.render_charts import DEFAULT_COLOUR, _label, _pyplot, figure_bytes

    plt = _pyplot()
    groups = [g for g, _ in result.groups if any(t.group == g for t in result.terms)] or [""]
    rows = max(1, max((sum(1 for t in result.terms if t.group == g) for g in groups), default=1))
    figure, panels = plt.subplots(
        len(groups), 1, figsize=(7, (0.25 * rows + 0.9) * len(groups)), squeeze=False
    )
    for axes, group in zip(panels[:, 0], groups):
        terms = [t for t in result.terms if t.group == group]
        positions = list(range(len(terms)))
        axes.barh(positions, [t.count for t in terms], color=DEFAULT_COLOUR)
        axes.set_yticks(positions, labels=[_label(t.term) for t in terms], fontsize=8)
        axes.invert_yaxis()
        axes.set_title(_label(group or "Word frequencies"), fontsize=9, loc="left")
        for spine in ("top", "right"):
            axes.spines[spine].set_visible(False)
        for y, t in zip(positions, terms):
            axes.text(t.count, y, f" {t.count:,}", va="center", fontsize=7)
    figure.tight_layout()
    return figure_bytes(plt, figure, fmt)


#: The formats :func:`render_words` writes.
WORD_FORMATS = ("csv", "xlsx", "md", "html", "docx", "json", "png", "svg")


def render_words(result: WordFrequencies, fmt: str) -> str | bytes:
    """The ranking in ``fmt`` (one of :data:`WORD_FORMATS`): a chart, JSON, or the table.

    `codebench words -o` and `codebench build` both write through here.
    """
    if fmt in ("png", "svg"):
        data = chart_bytes(result, fmt)
        return data.decode("utf-8") if fmt == "svg" else data
    if fmt == "json":
        from codebench.analysis.tables import as_json
        from codebench.safety import json_safe

        return json_safe(json.dumps(as_json(result), ensure_ascii=False, indent=2)) + "\n"
    from codebench.reports import writers

    table = words_table(result)
    return writers.render_tables([table], fmt, title=table.title)
