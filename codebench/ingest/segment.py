"""Sentence segmentation with spaCy, and the segment rows built from it.

The default pipeline is ``spacy.blank(lang)`` with the rule-based
``sentencizer``: it needs no model download and is fast. A trained pipeline
is used only when the user names one that is installed. spaCy is imported
here and nowhere on the CLI's start-up path, because importing it costs
about half a second.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from codebench.errors import CodebenchError
from codebench.ingest.layout import Layout

UNITS = ("sentence", "turn", "paragraph")


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
            raise CodebenchError(f"spaCy pipeline {model!r} is not installed (codebench never downloads models)")
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


def sentence_offsets(texts: Sequence[str], lang: str = "en", model: str | None = None, batch_size: int = 512) -> list[list[tuple[int, int]]]:
    """Sentence ``(start, end)`` offsets for each text, batched through ``nlp.pipe``."""
    nlp = pipeline(lang, model)
    out: list[list[tuple[int, int]]] = []
    for doc in nlp.pipe(texts, batch_size=batch_size):
        spans = []
        for sent in doc.sents:
            start, end = sent.start_char, sent.end_char
            while start < end and doc.text[start].isspace():
                start += 1
            while end > start and doc.text[end - 1].isspace():
                end -= 1
            if start < end:
                spans.append((start, end))
        out.append(spans)
    return out


def segment_layouts(
    layouts: Sequence[Layout], unit: str = "sentence", lang: str = "en", model: str | None = None
) -> list[list[SegmentSpan]]:
    """Segments for several transcripts at once (one spaCy stream for all)."""
    if unit not in UNITS:
        raise CodebenchError(f"unknown unit {unit!r} (use {', '.join(UNITS)})")
    sentences: Iterable[list[tuple[int, int]]] = iter(())
    if unit == "sentence":
        texts = [layout.text[p.start : p.end] for layout in layouts for p in layout.paragraphs]
        sentences = iter(sentence_offsets(texts, lang, model))
    result: list[list[SegmentSpan]] = []
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
                    spans.append(_span(len(spans), absolute, p.start + end, p, _time_at(p, absolute)))
        result.append(spans)
    return result


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
