"""Segmenting the texts of a REFI-QDA import, with spaCy loaded while the file is read.

Sentence segmentation needs spaCy, and importing it takes about a second:
a sixth of the import of a 200-transcript, 200,000-coding project. Nothing
in reading the file needs it, so :class:`SourceSegmenter` forks a helper
process at the start of the import that loads the pipeline while the
parent parses the XML; when the new texts are known, the helper segments
them with the same public functions of :mod:`codebench.ingest` and sends
the segments back. The result is exactly what segmenting in-process gives.

The helper is used only where it saves time: sentence units, spaCy not yet
imported, a file big enough to take longer to read than spaCy to load
(smaller ones load it in-process, where it stays for the next import), and
ingest's :func:`~codebench.ingest.segment.worker_count` above 1 (``fork``
available, not inside a pool worker; ``CODEBENCH_WORKERS=1`` keeps
everything in one process, as it does for ingest). Whenever the helper
fails (it died, a result could not be sent), the texts are segmented
in-process, so errors such as an unknown language surface from there.
"""

from __future__ import annotations

import multiprocessing
import signal
import sys
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Self

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess

    from codebench.ingest.segment import SegmentSpan

__all__ = ["HELPER_MIN_BYTES", "SourceSegmenter", "segment_texts"]

#: Files smaller than this are read in less time than spaCy takes to load
#: (about a second; a 200,000-coding ``.qdpx`` is 8.5 MB and takes three).
HELPER_MIN_BYTES = 4 << 20
#: Seconds to wait for the helper to finish after it was told to stop.
_JOIN_SECONDS = 5.0


def segment_texts(texts: list[str], unit: str, language: str) -> list[list[SegmentSpan]]:
    """Segments of each text, kept exactly as given (see :func:`~codebench.ingest.plain.source_layout`)."""
    from codebench.ingest.plain import source_layout
    from codebench.ingest.segment import segment_layouts

    return segment_layouts([source_layout(text) for text in texts], unit, language)


def _helper_useful(unit: str, file_size: int) -> bool:
    from codebench.ingest.segment import worker_count

    if unit != "sentence" or "spacy" in sys.modules:
        return False  # nothing slow left to load
    if file_size < HELPER_MIN_BYTES:
        return False  # read before spaCy would be loaded: load it here, once per session
    # ingest's policy: 1 without fork, inside a pool worker, or as CODEBENCH_WORKERS says.
    return worker_count() > 1


def _serve(conn: Connection, unit: str, language: str) -> None:
    """The helper: load the pipeline, then segment the texts it is sent (once).

    It reports nothing itself: whatever goes wrong, the parent notices the
    missing reply and segments in-process, where errors surface as usual.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    from codebench.ingest.segment import pipeline

    try:
        try:
            pipeline(language)
        except Exception:  # noqa: BLE001, S110 - see the docstring
            pass
        texts = conn.recv()
        if texts is not None:
            conn.send(("ok", segment_texts(texts, unit, language)))
    except Exception:  # noqa: BLE001, S110 - see the docstring
        pass
    finally:
        conn.close()


class SourceSegmenter:
    """Segments an import's new texts, through a helper process when that saves time.

    Use as a context manager around the whole import, so the helper is
    started before the file is read and never outlives the import.
    """

    def __init__(self, unit: str, language: str, file_size: int) -> None:
        self.unit, self.language, self.file_size = unit, language, file_size
        self._conn: Connection | None = None
        self._process: BaseProcess | None = None

    def __enter__(self) -> Self:
        if _helper_useful(self.unit, self.file_size):
            context = multiprocessing.get_context("fork")
            self._conn, child = context.Pipe()
            self._process = context.Process(
                target=_serve, args=(child, self.unit, self.language), name="codebench-segment"
            )
            self._process.start()
            child.close()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def segment(self, texts: list[str]) -> list[list[SegmentSpan]]:
        """Segments of each text, in order (called once per import)."""
        if not texts:
            return []
        result = self._from_helper(texts)
        return result if result is not None else segment_texts(texts, self.unit, self.language)

    def _from_helper(self, texts: list[str]) -> list[list[SegmentSpan]] | None:
        conn, self._conn = self._conn, None
        if conn is None:
            return None
        try:
            conn.send(texts)
            status, value = conn.recv()
        except Exception:  # noqa: BLE001 - it died or could not reply: segment in-process
            return None
        finally:
            conn.close()
        return value if status == "ok" else None  # type: ignore[no-any-return]

    def close(self) -> None:
        """Let the helper finish if it was used; stop it if not (the import failed, or
        had nothing new to segment)."""
        unused = self._conn is not None
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        process, self._process = self._process, None
        if process is None:
            return
        if unused:
            process.terminate()
        process.join(_JOIN_SECONDS)
        if process.is_alive():
            process.kill()
            process.join()
        process.close()
