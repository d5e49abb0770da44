"""Importing transcript files: prepare each file (parse and segment), store each.

Each file is one unit of work: it is parsed, segmented and stored in its own
transaction, so a bad file never leaves half a transcript behind and never
stops the good files. Re-importing an identical transcript is a no-op (same
canonical text, same sha256).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from codebench.errors import CodebenchError, ImportFailed
from codebench.ids import now, stable_guid
from codebench.ingest.prepare import Failed, Options, Prepared, Unchanged, iter_prepared
from codebench.ingest.readers import FORMATS
from codebench.ingest.segmentation import UNITS
from codebench.store import events as event_sql
from codebench.store import transcripts as transcript_sql

if TYPE_CHECKING:
    from codebench.project import Project


@dataclass
class ImportReport:
    """What an import did, file by file."""

    imported: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    attributes_set: int = 0
    attributes_skipped: list[str] = field(default_factory=list)
    segments: int = 0
    words: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed


def collect_files(paths: Iterable[Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Expand folders into importable files; report missing paths."""
    files: list[Path] = []
    problems: list[tuple[str, str]] = []
    for path in paths:
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in FORMATS
                and not p.name.startswith((".", "~$"))
            )
            if not found:
                problems.append(
                    (
                        str(path),
                        f"{path}: no transcript files (.txt, .md, .docx, .vtt, .srt, .rtf) in this folder",
                    )
                )
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            problems.append((str(path), f"{path}: no such file or folder"))
    return files, problems


def import_paths(
    project: Project,
    paths: list[Path],
    *,
    unit: str = "sentence",
    language: str = "en",
    model: str | None = None,
    attributes: Path | None = None,
    interviewers: tuple[str, ...] = (),
    interviewer_codable: bool = False,
    progress: Callable[[str], None] | None = None,
) -> ImportReport:
    """Import files and folders into ``project``; never raises for a bad file."""
    if unit not in UNITS:
        raise CodebenchError(f"unknown unit {unit!r} (use {', '.join(UNITS)})")
    report = ImportReport()
    files, problems = collect_files(paths)
    report.failed.extend(problems)
    existing = {t.sha256: t.name for t in project.transcripts()}
    options = Options(unit, language, model, interviewers, interviewer_codable)
    stored: set[str] = set()
    # Files arrive prepared, in order, while later ones are still being
    # prepared (in worker processes for large imports); each is stored at once.
    for outcome in iter_prepared(files, options, frozenset(existing)):
        if isinstance(outcome, Failed):
            report.failed.append((str(outcome.path), outcome.message))
        elif isinstance(outcome, Unchanged):
            report.unchanged.append(existing[outcome.sha256])
        elif outcome.sha256 in stored:
            report.unchanged.append(outcome.name)  # the same interview twice in one import
        else:
            try:
                if _store(project, outcome, unit, language):
                    stored.add(outcome.sha256)
                    report.imported.append(outcome.name)
                    report.segments += len(outcome.segments)
                    report.words += outcome.words
                else:  # another process imported the same text meanwhile
                    report.unchanged.append(outcome.name)
            except CodebenchError as error:
                report.failed.append((str(outcome.path), str(error)))
        if progress:
            progress(outcome.path.name)
    if attributes is not None:
        try:
            report.attributes_set, report.attributes_skipped = import_attributes(
                project, attributes
            )
        except CodebenchError as error:
            report.failed.append((str(attributes), str(error)))
    return report


def _store(project: Project, p: Prepared, unit: str, language: str) -> bool:
    """Store one prepared file; ``False`` if the same text is already there.

    The checks run inside the write transaction: another process importing
    the same files may have stored this one since the import began.
    """
    db = project.db
    with project.transaction():
        if transcript_sql.find_transcript(db, "sha256", p.sha256) is not None:
            return False
        clash = transcript_sql.find_transcript(db, "name", p.name)
        if clash is not None:
            raise ImportFailed(
                f"{p.path.name}: a different transcript named {p.name!r} is already in the project (rename the file to import it)"
            )
        transcript_id = transcript_sql.insert_transcript(
            db,
            {
                "guid": stable_guid("transcript", p.sha256),
                "name": p.name,
                "text": p.text,
                "sha256": p.sha256,
                "source_name": p.path.name,
                "source_format": p.fmt,
                "language": language,
                "unit": unit,
                "imported_at": now(),
            },
        )
        transcript_sql.insert_segments(db, transcript_id, p.segments)
        event_sql.log(
            db,
            "transcript.import",
            {
                "name": p.name,
                "sha256": p.sha256,
                "source": p.path.name,
                "format": p.fmt,
                "unit": unit,
                "segments": len(p.segments),
            },
            transcript_id=transcript_id,
        )
    return True


def import_attributes(project: Project, path: Path) -> tuple[int, list[str]]:
    """Attach attributes from a CSV whose first column (or ``transcript``) names transcripts.

    The whole file is one transaction. Rows naming transcripts that are not
    in the project are skipped and returned (an attributes sheet often lists
    more interviews than one import brings in); a row with no transcript
    name aborts the file with its line number, and nothing is written.
    """
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as error:
        raise ImportFailed(f"{path}: cannot read ({error.strerror})") from None
    with handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames:
            raise ImportFailed(f"{path}: empty attributes file")
        fields = [f.strip() for f in reader.fieldnames]
        key = next(
            (f for f in fields if f.casefold() in {"transcript", "name", "file", "document"}),
            fields[0],
        )
        rows = []
        skipped: list[str] = []
        for line, row in enumerate(reader, start=2):
            row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
            ref = row.get(key, "")
            if not ref:
                raise ImportFailed(f"{path}:{line}: no transcript named in column {key!r}")
            try:
                transcript = project.transcript(ref)
            except CodebenchError:
                skipped.append(ref)
                continue
            rows.append((transcript, {k: v for k, v in row.items() if k != key and k and v}))
    with project.transaction():
        for transcript, values in rows:
            transcript_sql.set_attributes(project.db, transcript.id, values)
        event_sql.log(project.db, "attributes.import", {"file": path.name, "rows": len(rows)})
    return len(rows), skipped
