"""Turning transcript files into what the store needs, in worker processes when it pays.

Preparing a file (read, decode, parse speakers, lay out, hash, split into
segments) needs no database, so a large import prepares its files in a fork
pool while the parent stores the finished ones: parsing overlaps sentence
splitting as well as storing. Workers send back only the canonical text and
plain segment tuples, which are cheap to pickle. Small imports prepare their
files in this process, one at a time, so progress still moves file by file.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from codebench.errors import ImportFailed
from codebench.ingest.layout import Layout, layout_turns
from codebench.ingest.readers import read_turns
from codebench.ingest.segmentation import (
    PARALLEL_MIN_CHARS,
    Segmenter,
    iter_segment_layouts,
    worker_count,
)

#: One stored segment: ``(ordinal, start, end, speaker, codable, turn, paragraph, timestamp)``.
SegmentRow = tuple[int, int, int, str | None, int, int, int, float | None]


@dataclass(frozen=True)
class Options:
    """How files are read and segmented (the same for every file of one import)."""

    unit: str = "sentence"
    language: str = "en"
    model: str | None = None
    interviewers: tuple[str, ...] = ()
    interviewer_codable: bool = False


@dataclass(frozen=True)
class Parsed:
    """One file read into its canonical layout, not yet segmented."""

    path: Path
    name: str
    fmt: str
    layout: Layout
    sha256: str


@dataclass(frozen=True)
class Prepared:
    """One file ready to store: its canonical text and its segments."""

    path: Path
    name: str
    fmt: str
    text: str
    sha256: str
    segments: list[SegmentRow]
    words: int


@dataclass(frozen=True)
class Unchanged:
    """A file whose canonical text is already in the project (not segmented again)."""

    path: Path
    sha256: str


@dataclass(frozen=True)
class Failed:
    """A file that cannot be imported, with its one-line reason."""

    path: Path
    message: str


Outcome = Prepared | Unchanged | Failed


def parse_file(
    path: Path, interviewers: tuple[str, ...] = (), interviewer_codable: bool = False
) -> Parsed:
    """Read one file into its canonical layout (no database access)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ImportFailed(f"{path}: cannot read ({error.strerror})") from None
    if not data.strip():
        raise ImportFailed(f"{path.name}: empty file")
    turns, fmt = read_turns(path, data, interviewers)
    layout = layout_turns(turns, interviewers, interviewer_codable)
    if not layout.text.strip():
        raise ImportFailed(f"{path.name}: no transcript text found")
    return Parsed(
        path, path.stem, fmt, layout, hashlib.sha256(layout.text.encode("utf-8")).hexdigest()
    )


def prepare_file(path: Path, options: Options, known: frozenset[str] = frozenset()) -> Outcome:
    """Parse and segment one file; files whose text hash is in ``known`` are not segmented."""
    try:
        parsed = parse_file(path, options.interviewers, options.interviewer_codable)
    except ImportFailed as error:
        return Failed(path, str(error))
    if parsed.sha256 in known:
        return Unchanged(path, parsed.sha256)
    (segments,) = iter_segment_layouts(
        [parsed.layout], options.unit, options.language, options.model
    )
    rows: list[SegmentRow] = [
        (s.ordinal, s.start, s.end, s.speaker, int(s.codable), s.turn, s.paragraph, s.timestamp)
        for s in segments
    ]
    text = parsed.layout.text
    return Prepared(path, parsed.name, parsed.fmt, text, parsed.sha256, rows, len(text.split()))


def iter_prepared(
    paths: Sequence[Path], options: Options, known: frozenset[str] = frozenset()
) -> Iterator[Outcome]:
    """Each file's outcome, in the order of ``paths``, as soon as it is ready.

    Large imports run in the segmentation service's worker pool
    (``CODEBENCH_WORKERS`` sets its size); a single large file instead splits
    its own sentences across the pool inside
    :func:`~codebench.ingest.segmentation.iter_sentence_offsets`.
    """
    workers = worker_count()
    if workers > 1 and len(paths) > 1 and _total_bytes(paths) >= PARALLEL_MIN_CHARS:
        chunk = max(1, len(paths) // (workers * 16))
        with Segmenter(options.unit, options.language, options.model) as segmenter:
            work = partial(prepare_file, options=options, known=known)
            yield from segmenter.map(work, paths, chunk)
        return
    for path in paths:
        yield prepare_file(path, options, known)


def _total_bytes(paths: Sequence[Path]) -> int:
    total = 0
    for path in paths:
        try:
            total += os.stat(path).st_size
        except OSError:
            pass  # reported as a failed file when it is prepared
    return total
