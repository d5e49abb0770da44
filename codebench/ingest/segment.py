"""Sentence segmentation with spaCy, and the segment rows built from it.

The default pipeline is ``spacy.blank(lang)`` with the rule-based
``sentencizer``: it needs no model download and is fast. A trained pipeline
is used only when the user names one that is installed. spaCy is imported
here and nowhere on the CLI's start-up path, because importing it costs
about half a second.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar

from codebench.errors import CodebenchError
from codebench.ingest.layout import Layout

UNITS = ("sentence", "turn", "paragraph")

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
        if not spacy.util.is_package(model) and not os.path.isdir(model):
            raise CodebenchError(
                f"spaCy pipeline {model!r} is not installed (codebench never downloads models)"
            )
        nlp = spacy.load(model, exclude=["ner", "lemmatizer", "textcat"])
        if not (nlp.has_pipe("parser") or nlp.has_pipe("senter") or nlp.has_pipe("sentencizer")):
            nlp.add_pipe("sentencizer")
        return nlp
    try:
        nlp = spacy.blank(lang)
    except (ImportError, KeyError, OSError) as error:
        raise CodebenchError(f"spaCy has no language {lang!r} ({error})") from None
    nlp.add_pipe("sentencizer")
    return nlp


#: Below this many characters a worker pool costs more than it saves.
PARALLEL_MIN_CHARS = 1_500_000


def sentence_offsets(
    texts: Sequence[str], lang: str = "en", model: str | None = None, batch_size: int = 512
) -> list[list[tuple[int, int]]]:
    """Sentence ``(start, end)`` offsets for each text, batched through ``nlp.pipe``."""
    return list(iter_sentence_offsets(texts, lang, model, batch_size))


def iter_sentence_offsets(
    texts: Sequence[str], lang: str = "en", model: str | None = None, batch_size: int = 512
) -> Iterator[list[tuple[int, int]]]:
    """Sentence offsets for each text, in order, as soon as each is ready.

    Large batches are split across a fork pool whose workers return only
    offsets: spaCy's own ``n_process`` ships whole Docs back and is many
    times slower than one process, while offsets are cheap to send. Results
    arrive chunk by chunk, so the caller can store finished transcripts
    while the workers split the rest.
    """
    workers = worker_count()
    if workers > 1 and sum(map(len, texts)) >= PARALLEL_MIN_CHARS:
        pipeline(lang, model)  # load once in the parent; forked workers inherit it
        chunk = -(-len(texts) // (workers * 8))
        pieces = [
            (list(texts[i : i + chunk]), lang, model, batch_size)
            for i in range(0, len(texts), chunk)
        ]
        for part in forked_imap(_offsets_chunk, pieces):
            yield from part
        return
    yield from _offsets_one_process(texts, lang, model, batch_size)


def _offsets_chunk(args: tuple[list[str], str, str | None, int]) -> list[list[tuple[int, int]]]:
    return _offsets_one_process(*args)


def forked_imap(function: Callable[[T], R], items: Iterable[T], chunksize: int = 1) -> Iterator[R]:
    """``function`` over ``items`` in a fork pool of :func:`worker_count` processes, results in order.

    Forked workers inherit what the parent has loaded (the spaCy pipeline
    above all), so only items and results cross between processes. The
    pool is closed when the caller stops iterating.
    """
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(worker_count()) as pool:
        yield from pool.imap(function, items, chunksize)


def worker_count() -> int:
    """Processes to split work across (``CODEBENCH_WORKERS`` overrides).

    1 where fork is unavailable, and inside a pool's worker: a worker is a
    daemon process, which may not start workers of its own.
    """
    import multiprocessing

    if (
        "fork" not in multiprocessing.get_all_start_methods()
        or multiprocessing.current_process().daemon
    ):
        return 1
    setting = os.environ.get("CODEBENCH_WORKERS")
    if setting and setting.isdigit():
        return max(1, int(setting))
    return min(os.cpu_count() or 1, 4)


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
        out.append(spans)
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
