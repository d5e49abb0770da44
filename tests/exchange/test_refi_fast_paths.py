"""The fast paths of REFI-QDA import and export give exactly what the plain ones gave.

Each shortcut taken for speed (string-built XML, a leaner expat tree
builder, scoring agreeing texts once, cached timestamps, a helper process
for segmentation) is checked here against the straightforward computation
it replaced.
"""

from __future__ import annotations

import gc
import io
import os
import signal
import sys
import weakref
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from xml.sax.saxutils import XMLGenerator

import defusedxml.ElementTree as SafeET
import pytest

from codebench.exchange.qdpx.import_writes import StampCache, stamp
from codebench.exchange.refi import (
    CONVENTIONS,
    RefiCoding,
    RefiError,
    RefiProject,
    RefiSelection,
    RefiTextSource,
    apply_offset_convention,
    detect_offset_convention,
    refi_guid,
)
from codebench.exchange.refi.collector import collector_paused
from codebench.exchange.refi.offsets import _mappers, _score
from codebench.exchange.refi.xmlout import XmlEmitter
from codebench.exchange.refi.xmlparse import parse_xml
from codebench.ingest import segmentation, workers
from codebench.ingest.segmentation import Segmenter, segment_texts
from codebench.wording import plural

NASTY = [
    "",
    "plain",
    'double "quoted"',
    "single 'quoted'",
    "both \"double\" and 'single'",
    "tags <b> & ampersands &amp; ]]>",
    "line\nbreaks\r\nand\ttabs\r",
    "emoji 😀 and accents é",
    "lone surrogate \udc80",
]


class _ReferenceEmitter:
    """The emitter the writer used before: XMLGenerator, element by element."""

    def __init__(self, stream: io.BytesIO) -> None:
        self._gen = XMLGenerator(stream, encoding="utf-8", short_empty_elements=True)
        self._has_children: list[bool] = []

    def _indent(self) -> None:
        if self._has_children:
            self._has_children[-1] = True
            self._gen.ignorableWhitespace("\n" + "  " * len(self._has_children))

    def start(self, tag: str, attrs: dict[str, str | None]) -> None:
        self._indent()
        self._gen.startElement(tag, {k: v for k, v in attrs.items() if v is not None})
        self._has_children.append(False)

    def end(self, tag: str) -> None:
        if self._has_children.pop():
            self._gen.ignorableWhitespace("\n" + "  " * len(self._has_children))
        self._gen.endElement(tag)

    def leaf(self, tag: str, attrs: dict[str, str | None]) -> None:
        self.start(tag, attrs)
        self.end(tag)

    def with_leaves(self, tag: str, attrs: dict[str, str | None], leaves: list) -> None:
        self.start(tag, attrs)
        for name, values in leaves:
            self.leaf(name, values)
        self.end(tag)

    def text(self, tag: str, content: str) -> None:
        self._indent()
        self._gen.startElement(tag, {})
        self._gen.characters(content.replace("\r\n", "\n").replace("\r", "\n"))
        self._gen.endElement(tag)

    def start_document(self) -> None:
        self._gen.startDocument()

    def end_document(self) -> None:
        self._gen.ignorableWhitespace("\n")
        self._gen.endDocument()


def _document(out: XmlEmitter | _ReferenceEmitter) -> None:
    out.start_document()
    out.start("Root", {"name": NASTY[4], "skipped": None})
    for index, value in enumerate(NASTY):
        out.leaf("Leaf", {"value": value, "index": str(index), "none": None})
        out.text("Text", value)
        out.with_leaves(
            "Coding", {"guid": value, "user": None}, [("CodeRef", {"targetGUID": value})]
        )
        out.with_leaves("Bare", {"a": value}, [])
        out.start("Nested", {})
        out.start("Inner", {"v": value})
        out.text("Description", value)
        out.end("Inner")
        out.start("Empty", {})
        out.end("Empty")
        out.end("Nested")
    out.end("Root")
    out.end_document()


def test_emitter_writes_what_xmlgenerator_wrote():
    fast, reference = io.BytesIO(), io.BytesIO()
    _document(XmlEmitter(fast))
    _document(_ReferenceEmitter(reference))
    assert fast.getvalue() == reference.getvalue()


def test_emitter_with_leaves_at_the_root():
    fast, reference = io.BytesIO(), io.BytesIO()
    for out in (XmlEmitter(fast), _ReferenceEmitter(reference)):
        out.start_document()
        out.with_leaves("Root", {"a": "1"}, [("Leaf", {"b": "2"})])
        out.end_document()
    assert fast.getvalue() == reference.getvalue()


# -- parsing -------------------------------------------------------------------------

NAMESPACED = (
    b'<?xml version="1.0" encoding="utf-8"?>\n'
    b'<Project xmlns="urn:QDA-XML:project:1.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    b'xsi:schemaLocation="urn:QDA-XML:project:1.0 Project.xsd" name="a &amp; b">\n'
    b"  <!-- a comment --><?pi data?>\n"
    b'  <Sources><TextSource guid="x" xml:lang="en" name="s">'
    b"<Description>one<b/>two</Description>tail</TextSource></Sources>\n"
    b"</Project>\n"
)


def _same_tree(a, b) -> None:
    assert (a.tag, a.attrib, a.text, a.tail, len(a)) == (b.tag, b.attrib, b.text, b.tail, len(b))
    for x, y in zip(a, b, strict=True):
        _same_tree(x, y)


@pytest.mark.parametrize(
    "data",
    [NAMESPACED, NAMESPACED.decode().replace("utf-8", "utf-16").encode("utf-16")],
    ids=["utf-8", "utf-16"],
)
def test_parser_builds_the_tree_defusedxml_built(data):
    _same_tree(parse_xml(data, "f"), SafeET.fromstring(data, forbid_dtd=True))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>', "DTD"),
        (b"<a>&undeclared;</a>", "not well-formed XML (undefined entity: line 1, column 3)"),
        (b"<a><b></a>", "not well-formed XML (mismatched tag: line 1, column 8)"),
        (b"", "not well-formed XML (no element found: line 1, column 0)"),
    ],
)
def test_parser_refuses_what_it_refused(data, message):
    with pytest.raises(RefiError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_xml(data, "f")


def test_parsed_tree_is_freed_without_the_cyclic_collector():
    """The parser's handlers point back at it: the cycle must be broken, or a
    200,000-coding tree would stay in memory until a collection."""
    with collector_paused():
        root = parse_xml(NAMESPACED, "f")
        alive = weakref.ref(root)
        del root
        assert alive() is None
    assert gc.isenabled()


# -- offsets -----------------------------------------------------------------------------

PLAIN = "Alpha beta gamma. Delta epsilon zeta.\nEta theta."
CRLF = "Alpha beta.\r\nGamma delta.\r\nEpsilon."
EMOJI = "Joy 😀 here. More 🎉 fun there."


def _offsets_project() -> RefiProject:
    sources = [
        RefiTextSource(guid=refi_guid("s", n), name=f"s{n}", text=text)
        for n, text in enumerate((PLAIN, CRLF, EMOJI))
    ]
    selections = []
    for source in sources:
        length = len(source.text)
        for start, end in [(0, 5), (6, 10), (3, 8), (0, length), (5, 3), (-2, 4), (2, length + 3)]:
            guid = refi_guid("sel", source.guid, start, end)
            selections.append(
                RefiSelection(guid, source.guid, start, end, raw_start=start, raw_end=end)
            )
    selections.append(RefiSelection(refi_guid("sel", "none"), refi_guid("missing"), 1, 2))
    return RefiProject(name="p", sources=sources, selections=selections)


def test_scores_are_those_of_every_convention_scored_in_full():
    project = _offsets_project()
    mappers = _mappers(project)
    measurable = [s for s in project.selections if s.source_guid in mappers]
    detection = detect_offset_convention(project)
    assert detection.total == len(measurable)
    for convention in CONVENTIONS:
        assert detection.scores[convention] == _score(measurable, mappers, convention)


def test_unknown_convention_is_still_refused_when_scoring():
    with pytest.raises(RefiError, match="unknown offset convention"):
        detect_offset_convention(_offsets_project(), ("codepoints", "bytes"))


@pytest.mark.parametrize("convention", CONVENTIONS)
def test_applying_a_convention_converts_as_the_mapper_does(convention):
    project = _offsets_project()
    mappers = _mappers(project)
    converted = apply_offset_convention(project, convention)
    clamped = swapped = 0
    for before, after in zip(project.selections, converted.selections, strict=True):
        mapper = mappers.get(before.source_guid)
        if mapper is None:
            assert (after.start, after.end) == (before.start, before.end)
            continue
        start, clamp_start = mapper.to_normalized(before.start, convention)
        end, clamp_end = mapper.to_normalized(before.end, convention)
        clamped += clamp_start or clamp_end
        swapped += start > end
        assert (after.start, after.end) == (min(start, end), max(start, end))
        assert (after.raw_start, after.raw_end) == (before.start, before.end)
    assert clamped and swapped
    assert converted.warnings == [
        f"{plural(clamped, 'selection')} reached past "
        + ("its text and was" if clamped == 1 else "their text and were")
        + " clamped to it",
        f"{plural(swapped, 'selection')} had start after end; the ends were swapped",
        "1 selection is on sources without text; positions left as written",
    ]


# -- timestamps ------------------------------------------------------------------------------


def test_stamp_cache_formats_equal_instants_in_their_own_zone():
    utc = datetime(2024, 5, 17, 9, 30, tzinfo=UTC)
    paris = utc.astimezone(timezone(timedelta(hours=2)))
    assert utc == paris
    stamps = StampCache()
    assert stamps(utc) == stamp(utc) == "2024-05-17T09:30:00.000+00:00"
    assert stamps(paris) == stamp(paris) == "2024-05-17T11:30:00.000+02:00"
    assert stamps(utc) == stamp(utc)
    assert stamps(None) is None


def test_codings_sharing_a_time_share_one_datetime():
    """What makes StampCache pay: the reader hands out one object per timestamp."""
    from codebench.exchange.refi.xmlparse import parse_datetime

    assert parse_datetime("2024-05-17T09:30:00Z") is parse_datetime("2024-05-17T09:30:00Z")
    coding = RefiCoding("g", "c", created=parse_datetime("2024-05-17T09:30:00Z"))
    assert replace(coding).created is coding.created


# -- segmentation helper -------------------------------------------------------------------------

TEXTS = [
    "Pat: We started in 2019. It was hard.\nInterviewer: Why?\nPat: Money. And people.",
    "One line only, no speakers. Two sentences here.",
]


_real_segment_texts = segmentation.segment_texts


@contextmanager
def _forced_helper(monkeypatch, work=None):
    """A segmenter whose worker processes load spaCy while the (pretend) file is read."""
    monkeypatch.setattr(segmentation, "worth_preloading", lambda unit, size: True)
    monkeypatch.setenv("CODEBENCH_WORKERS", "2")
    if work is not None:
        monkeypatch.setattr(segmentation, "segment_texts", work)
    with Segmenter("sentence", "en", input_bytes=0) as segmenter:
        yield segmenter


def test_helper_segments_exactly_as_in_process(monkeypatch):
    with _forced_helper(monkeypatch) as segmenter:
        assert segmenter._pool.running
        assert segmenter.segment_texts(TEXTS) == segment_texts(TEXTS, "sentence", "en")
    assert not segmenter._pool.running


def _dies_in_a_worker(texts, unit="sentence", language="en", model=None):
    if workers._in_worker:
        os._exit(1)
    return _real_segment_texts(texts, unit, language, model)


def test_a_helper_that_dies_leaves_the_work_to_the_parent(monkeypatch):
    with _forced_helper(monkeypatch, work=_dies_in_a_worker) as segmenter:
        assert segmenter._pool.running
        assert segmenter.segment_texts(TEXTS) == _real_segment_texts(TEXTS, "sentence", "en")
        assert not segmenter._pool.running  # the broken pool is shut down, not reused


def test_an_unused_helper_is_stopped(monkeypatch):
    with _forced_helper(monkeypatch) as segmenter:
        processes = list(segmenter._pool._executor._processes.values())
        assert processes and all(process.is_alive() for process in processes)
    # ended at once, not left to finish loading spaCy and exit on its own
    assert [process.exitcode for process in processes] == [-signal.SIGTERM] * len(processes)


def test_helper_only_for_big_files_and_sentence_units(monkeypatch):
    monkeypatch.delitem(sys.modules, "spacy", raising=False)  # as in a fresh process
    monkeypatch.setenv("CODEBENCH_WORKERS", "2")
    assert segmentation.worth_preloading("sentence", segmentation.PRELOAD_MIN_BYTES)
    assert not segmentation.worth_preloading("turn", segmentation.PRELOAD_MIN_BYTES)
    assert not segmentation.worth_preloading("sentence", segmentation.PRELOAD_MIN_BYTES - 1)
    monkeypatch.setenv("CODEBENCH_WORKERS", "1")
    assert not segmentation.worth_preloading("sentence", segmentation.PRELOAD_MIN_BYTES)
