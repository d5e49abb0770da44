"""Transcripts written out as files (plain text or Word), for an archive or a reader.

Each transcript's canonical text (speaker turns as imported) becomes one
file named after the transcript, in a folder. With a pseudonymiser, the
text and the file name pass through the key first, so an archive copy
never holds a real name, and every replacement is marked by its brackets.
Files are written atomically, one by one; a name that would clash with
another (two transcripts whose names differ only in what was replaced) is
refused before anything is written.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from codebench.errors import CodebenchError
from codebench.fileio import write_atomic
from codebench.safety import safe_file_name, xml_safe

if TYPE_CHECKING:
    from codebench.project import Project
    from codebench.pseudonyms.apply import Pseudonymiser

FORMATS = ("txt", "docx")


@dataclass(frozen=True)
class WrittenTranscript:
    transcript: str
    path: Path


def export_transcripts(
    project: Project,
    folder: Path | str,
    names: Sequence[str] = (),
    *,
    fmt: str = "txt",
    pseudonymiser: Pseudonymiser | None = None,
) -> list[WrittenTranscript]:
    """Write ``names`` (default: every transcript) into ``folder`` as ``fmt`` files."""
    if fmt not in FORMATS:
        raise CodebenchError(f"unknown transcript format {fmt!r} (use {', '.join(FORMATS)})")
    folder = Path(folder)
    chosen = [project.transcript(n) for n in names] if names else project.transcripts()
    planned: list[tuple[str, str, Path]] = []
    taken: dict[str, str] = {}
    for transcript in chosen:
        text = project.text(transcript)
        shown = transcript.name
        if pseudonymiser is not None:
            text = pseudonymiser.transcript_map(transcript.name, text).text
            shown = pseudonymiser.text(transcript.name, transcript.name)
        file_name = f"{_file_stem(shown)}.{fmt}"
        if file_name.casefold() in taken:
            raise CodebenchError(
                f"transcripts {taken[file_name.casefold()]!r} and {transcript.name!r} would both "
                f"be written as {file_name!r}"
            )
        taken[file_name.casefold()] = transcript.name
        planned.append((shown, text, folder / file_name))
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for (shown, text, path), transcript in zip(planned, chosen):
        write_atomic(path, text if fmt == "txt" else _docx(shown, text))
        written.append(WrittenTranscript(transcript.name, path))
    return written


def _file_stem(name: str) -> str:
    """A transcript name as one file name: no folder separators, no leading dot."""
    stem = safe_file_name(name).replace("/", "_").replace("\\", "_").replace(":", "_")
    return stem.lstrip(".") or "transcript"


def _docx(title: str, text: str) -> bytes:
    """A Word document: the transcript's name as its heading, one paragraph per line."""
    from codebench.reports.docx_body import new_document
    from codebench.reports.reproducible import office_bytes

    document = new_document()
    document.add_heading(xml_safe(title), level=1)
    for line in text.split("\n"):
        if line.strip():
            document.add_paragraph(xml_safe(line))
    out = io.BytesIO()
    document.save(out)
    return office_bytes(out.getvalue())
