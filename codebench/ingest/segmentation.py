"""The segmentation service: laid-out transcripts into sentence, turn or paragraph segments.

Transcript import (:mod:`codebench.ingest.prepare`) and REFI-QDA project
import (:mod:`codebench.exchange.qdpx.project`) both segment through here.
The service owns:

* **the pipeline**: ``spacy.blank(lang)`` with the rule-based
  ``sentencizer`` by default (no model download, fast); a trained pipeline
  only when the user names one that is installed; never a download. spaCy
  is imported here and nowhere on the CLI's start-up path, because importing
  it takes about a second;
* **the sentence boundaries**: whatever the pipeline finds is repaired by
  :func:`codebench.ingest.boundaries.repair_sentences` (quotation marks,
  titles, list numbers, ellipses), so every sentence segment gets the same
  rules;
* **the worker processes** (:mod:`codebench.ingest.workers`,
  ``CODEBENCH_WORKERS``): a :class:`Segmenter` runs work in a fork pool
  whose workers have the pipeline loaded. Ingest prepares whole files there
  (:meth:`Segmenter.map`); one large batch of paragraphs is split across it
  (:func:`iter_sentence_offsets`); and a caller that must first read a large
  file (REFI import) lets the workers load spaCy meanwhile
  (``input_bytes``, :meth:`Segmenter.segment_texts`). Whenever the pool fails
  the work is done in-process, with the same result.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any, Self, TypeVar

from codebench.errors import CodebenchError
from codebench.ingest.boundaries import repair_sentences
from codebench.ingest.layout import Layout
from codebench.ingest.workers import WorkerPool, worker_count

__all__ = [
    "PARALLEL_MIN_CHARS",
    "PRELOAD_MIN_BYTES",
    "UNITS",
    "SegmentSpan",
    "Segmenter",
    "iter_segment_layouts",
    "iter_sentence_offsets",
    "pipeline",
    "segment_layouts",
    "segment_texts",
    "sentence_offsets",
    "worker_count",
    "worth_preloading",
]

UNITS = ("sentence", "turn", "paragraph")

#: Below this many characters a worker pool costs more than it saves.
PARALLEL_MIN_CHARS = 1_500_000
#: Inputs smaller than this are read in less time than spaCy takes to load
#: (about a second; a 200,000-coding ``.qdpx`` is 8.5 MB and takes three).
PRELOAD_MIN_BYTES = 4 << 20

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class SegmentSpan:
    """A segment before it is stored: offsets into the canonical text."""

    ordinal: int
    start: int
    end: int
    speaker: str | None
    codable: bool
    turn: int
    paragraph: int
    timestamp: float | None


@lru_cache(maxsize=4)
def pipeline(lang: str = "en", model: str | None = None) -> Any:
    """The spaCy pipeline for ``lang`` (or the installed trained ``model``)."""
    import spacy

    if model:
        import os

        if not spacy.util.is_package(model) and not os.path.isdir(model):
            raise CodebenchError(
                f"spaCy pipeline {model!r} is not installed (codebench never downloads models)"
            )
        try:
            nlp = spacy.load(model, exclude=["ner", "lemmatizer", "textcat"])
        except (OSError, ValueError, ImportError, KeyError) as error:
            detail = " ".join(str(error).split())[:160]
            raise CodebenchError(f"spaCy pipeline {model!r} cannot be loaded ({detail})") from None
        if not (nlp.has_pipe("parser") or nlp.has_pipe("senter") or nlp.has_pipe("sentencizer")):
            nlp.add_pipe("sentencizer")
        return nlp
    try:
        nlp = spacy.blank(lang)
    except (ImportError, KeyError, OSError) as error:
        raise CodebenchError(f"spaCy has no language {lang!r} ({error})") from None
    nlp.add_pipe("sentencizer")
    return nlp


def worth_preloading(unit: str, input_bytes: int) -> bool:
    """Whether workers should load spaCy while the caller reads ``input_bytes`` of input.

    Only for sentence units, with spaCy not yet imported (otherwise nothing
    slow is left to load), an input that takes longer to read than spaCy to
    load (smaller ones load it in-process, where it stays for the next
    import), and worker processes allowed (:func:`worker_count` above 1).
    """
    if unit != "sentence" or "spacy" in sys.modules:
        return False
    return input_bytes >= PRELOAD_MIN_BYTES and worker_count() > 1


def _load_pipeline(unit: str, language: str, model: str | None) -> None:
    if unit == "sentence":
        pipeline(language, model)


class Segmenter:
    """The segmentation of one import: its settings and the worker processes it may use.

    Use as a context manager around the whole import, so workers started
    early (``input_bytes``) are up before the input is read and none outlives
    the import.
    """

    def __init__(
        self,
        unit: str = "sentence",
        language: str = "en",
        model: str | None = None,
        *,
        input_bytes: int = 0,
    ) -> None:
        if unit not in UNITS:
            raise CodebenchError(f"unknown unit {unit!r} (use {', '.join(UNITS)})")
        self.unit, self.language, self.model = unit, language, model
        self._preload = worth_preloading(unit, input_bytes)
        count = worker_count()
        # Preloading workers leave one core to the parent, which is reading its
        # input meanwhile (on two cores: one worker, as many processes as cores).
        workers = max(1, count - 1) if self._preload else count if count > 1 else 0
        self._pool = WorkerPool(workers, partial(_load_pipeline, unit, language, model))

    def __enter__(self) -> Self:
        if self._preload:
            self._pool.start()  # the workers load spaCy while the caller reads its input
        return self

    def __exit__(self, exc_type: object, *exc_info: object) -> None:
        self._pool.close(stop=exc_type is not None)

    def map(
        self, function: Callable[[T], R], items: Iterable[T], chunksize: int = 1
    ) -> Iterator[R]:
        """``function`` over ``items`` in workers that have the pipeline, results in order.

        The pipeline is loaded here first unless preloading workers already
        load it: forked workers then inherit it, and a bad language or model
        fails here, once. ``function`` must be picklable by name.
        """
        if not self._pool.running:
            _load_pipeline(self.unit, self.language, self.model)
        return self._pool.map(function, items, chunksize)

    def segment_texts(self, texts: list[str]) -> list[list[SegmentSpan]]:
        """Segments of each text, kept exactly as given (see :func:`segment_texts`).

        In the preloading workers when they were started, else in-process
        (where a large batch still goes to a pool, see
        :func:`iter_sentence_offsets`).
        """
        if not texts:
            return []
        if not self._pool.running:
            return segment_texts(texts, self.unit, self.language, self.model)
        chunk = -(-len(texts) // (self._pool.workers * 4))
        pieces = [texts[i : i + chunk] for i in range(0, len(texts), chunk)]
        work = partial(segment_texts, unit=self.unit, language=self.language, model=self.model)
        return [spans for part in self._pool.map(work, pieces) for spans in part]


def segment_texts(
    texts: list[str], unit: str = "sentence", language: str = "en", model: str | None = None
) -> list[list[SegmentSpan]]:
    """Segments of texts that must be stored exactly as given (REFI-QDA sources).

    Each text is laid out by :func:`~codebench.ingest.plain.source_layout`.
    """
    from codebench.ingest.plain import source_layout

    return segment_layouts([source_layout(text) for text in texts], unit, language, model)


def sentence_offsets(
    texts: Sequence[str], lang: str = "en", model: str | None = None, batch_size: int = 512
) -> list[list[tuple[int, int]]]:
    """Sentence ``(start, end)`` offsets for each text, batched through ``nlp.pipe``."""
    return list(iter_sentence_offsets(texts, lang, model, batch_size))


def iter_sentence_offsets(
    texts: Sequence[str], lang: str = "en", model: str | None = None, batch_size: int = 512
) -> Iterator[list[tuple[int, int]]]:
    """Sentence offsets for each text, in order, as soon as each is ready.

    Large batches are split across the worker pool, whose workers return
    only offsets: spaCy's own ``n_process`` ships whole Docs back and is many
    times slower than one process, while offsets are cheap to send. Results
    arrive chunk by chunk, so the caller can store finished transcripts
    while the workers split the rest.
    """
    workers = worker_count()
    if workers > 1 and sum(map(len, texts)) >= PARALLEL_MIN_CHARS:
        chunk = -(-len(texts) // (workers * 8))
        pieces = [
            (list(texts[i : i + chunk]), lang, model, batch_size)
            for i in range(0, len(texts), chunk)
        ]
        with Segmenter("sentence", lang, model) as segmenter:
            for part in segmenter.map(_offsets_chunk, pieces):
                yield from part
        return
    yield from _offsets_one_process(texts, lang, model, batch_size)


def _offsets_chunk(args: tuple[list[str], str, str | None, int]) -> list[list[tuple[int, int]]]:
    return _offsets_one_process(*args)


def _offsets_one_process(
    texts: Sequence[str], lang: str, model: str | None, batch_size: int
) -> list[list[tuple[int, int]]]:
    nlp = pipeline(lang, model)
    out: list[list[tuple[int, int]]] = []
    for text, doc in zip(texts, nlp.pipe(texts, batch_size=batch_size)):
        spans = []
        # ``start_char``/``end_char`` are read from the Doc's C arrays; only
        # ``Span.text`` would rebuild strings, so it is never asked for.
        for sentence in doc.sents:
            start, end = sentence.start_char, sentence.end_char
            # spaCy can leave whitespace tokens at a sentence's edges; trim to the words
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            if start < end:
                spans.append((start, end))
        out.append(repair_sentences(text, spans))
    return out


def segment_layouts(
    layouts: Sequence[Layout], unit: str = "sentence", lang: str = "en", model: str | None = None
) -> list[list[SegmentSpan]]:
    """Segments for several transcripts at once (one spaCy stream for all)."""
    return list(iter_segment_layouts(layouts, unit, lang, model))


def iter_segment_layouts(
    layouts: Sequence[Layout], unit: str = "sentence", lang: str = "en", model: str | None = None
) -> Iterator[list[SegmentSpan]]:
    """Each transcript's segments, in order, as soon as its sentences are split."""
    if unit not in UNITS:
        raise CodebenchError(f"unknown unit {unit!r} (use {', '.join(UNITS)})")
    sentences: Iterator[list[tuple[int, int]]] = iter(())
    if unit == "sentence":
        texts = [layout.text[p.start : p.end] for layout in layouts for p in layout.paragraphs]
        sentences = iter_sentence_offsets(texts, lang, model)
    for layout in layouts:
        spans: list[SegmentSpan] = []
        if unit == "turn":
            groups: dict[int, list] = {}
            for p in layout.paragraphs:
                groups.setdefault(p.turn, []).append(p)
            for paragraphs in groups.values():
                first, last = paragraphs[0], paragraphs[-1]
                spans.append(_span(len(spans), first.start, last.end, first, first.timestamp))
        else:
            for p in layout.paragraphs:
                if unit == "paragraph":
                    spans.append(_span(len(spans), p.start, p.end, p, p.timestamp))
                    continue
                for start, end in next(sentences):
                    absolute = p.start + start
                    spans.append(
                        _span(len(spans), absolute, p.start + end, p, _time_at(p, absolute))
                    )
        yield spans


def _span(ordinal: int, start: int, end: int, p: Any, timestamp: float | None) -> SegmentSpan:
    return SegmentSpan(ordinal, start, end, p.speaker, p.codable, p.turn, p.paragraph, timestamp)


def _time_at(p: Any, offset: int) -> float | None:
    """The start time of the subtitle cue in which ``offset`` falls."""
    if not p.cue_times:
        return p.timestamp
    current = p.timestamp
    for cue_offset, seconds in p.cue_times:
        if cue_offset <= offset:
            current = seconds
        else:
            break
    return current
