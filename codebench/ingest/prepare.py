"""Turning transcript files into what the store needs, in worker processes when it pays.

Preparing a file (read, decode, parse speakers, lay out, hash, split into
segments) needs no database, so a large import prepares its files in a fork
pool while the parent stores the finished ones: parsing overlaps sentence
splitting as well as storing. Workers send back only the canonical text and
plain segment tuples, which are cheap to pickle. Small imports prepare their
files in this process, one at a time, so progress still moves file by file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from codebench.errors import CodebenchError, ImportFailed
from codebench.ingest.decode import read_limited
from codebench.ingest.layout import Layout, layout_turns
from codebench.ingest.readers import read_transcript
from codebench.ingest.segmentation import (
    PARALLEL_MIN_CHARS,
    Segmenter,
    iter_segment_layouts,
    worker_count,
)
from codebench.safety import safe_file_name
from codebench.wording import plural

#: One stored segment: ``(ordinal, start, end, speaker, codable, turn, paragraph, timestamp)``.
SegmentRow = tuple[int, int, int, str | None, int, int, int, float | None]

#: The longest paragraph sentence splitting takes (spaCy's ``nlp.max_length``
#: default); a longer one is refused by name rather than failing inside spaCy.
MAX_SENTENCE_PARAGRAPH = 1_000_000


@dataclass(frozen=True)
class Options:
    """How files are read and segmented (the same for every file of one import)."""

    unit: str = "sentence"
    language: str = "en"
    model: str | None = None
    interviewers: tuple[str, ...] = ()
    interviewer_codable: bool = False
    #: A text encoding to use for files without a byte-order mark (``--encoding``).
    encoding: str | None = None


@dataclass(frozen=True)
class Parsed:
    """One file read into its canonical layout, not yet segmented."""

    path: Path
    name: str
    fmt: str
    layout: Layout
    sha256: str
    #: How the file was decoded when it was not UTF-8 (e.g. ``cp1251 (detected; ...)``).
    encoding_note: str | None = None


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
    encoding_note: str | None = None


@dataclass(frozen=True)
class Unchanged:
    """A file whose canonical text is already in the project (not segmented again)."""

    path: Path
    sha256: str
    encoding_note: str | None = None


@dataclass(frozen=True)
class Failed:
    """A file that cannot be imported, with its one-line reason."""

    path: Path
    message: str


Outcome = Prepared | Unchanged | Failed


def parse_file(
    path: Path,
    interviewers: tuple[str, ...] = (),
    interviewer_codable: bool = False,
    encoding: str | None = None,
) -> Parsed:
    """Read one file into its canonical layout (no database access)."""
    shown = safe_file_name(path)
    data = read_limited(path, shown)
    if not data.strip():
        raise ImportFailed(f"{safe_file_name(path.name)}: empty file")
    transcript = read_transcript(path, data, interviewers, encoding)
    layout = layout_turns(transcript.turns, interviewers, interviewer_codable)
    if not layout.text.strip():
        raise ImportFailed(f"{safe_file_name(path.name)}: no transcript text found")
    return Parsed(
        path,
        safe_file_name(path.stem),
        transcript.fmt,
        layout,
        hashlib.sha256(layout.text.encode("utf-8")).hexdigest(),
        transcript.decoded.note if transcript.decoded else None,
    )


def prepare_file(path: Path, options: Options, known: frozenset[str] = frozenset()) -> Outcome:
    """Parse and segment one file; files whose text hash is in ``known`` are not segmented.

    Never raises: a file that cannot be imported, for whatever reason, is a
    :class:`Failed` with a one-line message, so the files after it still go
    on (in a worker pool an exception would otherwise end the whole import).
    """
    try:
        return _prepare(path, options, known)
    except ImportFailed as error:
        return Failed(path, str(error))
    except CodebenchError as error:  # a user's choice that does not work (a --lang, a model)
        return Failed(path, f"{safe_file_name(path.name)}: {error}")
    except Exception as error:  # noqa: BLE001 - a defect, but only this file's
        return Failed(
            path,
            f"{safe_file_name(path.name)}: cannot be imported ({type(error).__name__}: "
            f"{safe_file_name(str(error))[:200]})",
        )


def _prepare(path: Path, options: Options, known: frozenset[str]) -> Outcome:
    parsed = parse_file(path, options.interviewers, options.interviewer_codable, options.encoding)
    if parsed.sha256 in known:
        return Unchanged(path, parsed.sha256, parsed.encoding_note)
    if options.unit == "sentence":
        _check_paragraph_lengths(parsed)
    (segments,) = iter_segment_layouts(
        [parsed.layout], options.unit, options.language, options.model
    )
    rows: list[SegmentRow] = [
        (s.ordinal, s.start, s.end, s.speaker, int(s.codable), s.turn, s.paragraph, s.timestamp)
        for s in segments
    ]
    text = parsed.layout.text
    return Prepared(
        path,
        parsed.name,
        parsed.fmt,
        text,
        parsed.sha256,
        rows,
        len(text.split()),
        parsed.encoding_note,
    )


def _check_paragraph_lengths(parsed: Parsed) -> None:
    for number, paragraph in enumerate(parsed.layout.paragraphs, start=1):
        length = paragraph.end - paragraph.start
        if length > MAX_SENTENCE_PARAGRAPH:
            raise ImportFailed(
                f"{safe_file_name(parsed.path.name)}: paragraph {number} is {plural(length, 'character')} long; "
                f"sentence splitting takes at most {MAX_SENTENCE_PARAGRAPH:,} "
                "(break it into paragraphs, or import with --unit paragraph or --unit turn)"
            )


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
        with contextlib.suppress(OSError):  # reported as a failed file when it is prepared
            total += os.stat(path).st_size
    return total
