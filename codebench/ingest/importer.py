"""Importing transcript files: prepare each file (parse and segment), store each.

Each file is one unit of work: it is parsed, segmented and stored in its own
transaction, so a bad file never leaves half a transcript behind and never
stops the good files. Re-importing an identical transcript is a no-op (same
canonical text, same sha256).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from codebench.csvfile import iter_dicts, read_csv
from codebench.errors import CodebenchError, ImportFailed
from codebench.ids import now, stable_guid
from codebench.ingest.decode import check_encoding_name
from codebench.ingest.prepare import Failed, Options, Prepared, Unchanged, iter_prepared
from codebench.ingest.readers import FORMATS
from codebench.ingest.segmentation import UNITS
from codebench.safety import safe_file_name
from codebench.store import events as event_sql
from codebench.store import transcripts as transcript_sql

if TYPE_CHECKING:
    from codebench.project import Project


@dataclass
class ImportReport:
    """What an import did, file by file."""

    imported: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    #: ``(name listed in unchanged, file, transcript)`` for an unchanged file whose text is a
    #: transcript of another name (one already in the project, or one stored by this import).
    same_text: list[tuple[str, str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    #: One-line reasons for files deliberately left out (links out of a folder).
    skipped: list[str] = field(default_factory=list)
    #: ``(file, how it was decoded)`` for every file that was not UTF-8.
    encodings: list[tuple[str, str]] = field(default_factory=list)
    attributes_set: int = 0
    attributes_skipped: list[str] = field(default_factory=list)
    segments: int = 0
    words: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed


@dataclass
class Collected:
    """The files an import will read, and what was found but not taken."""

    files: list[Path] = field(default_factory=list)
    #: ``(path, one-line message)`` for paths that could not be searched.
    failed: list[tuple[str, str]] = field(default_factory=list)
    #: One-line reasons for entries deliberately not followed.
    skipped: list[str] = field(default_factory=list)


def collect_files(paths: Iterable[Path]) -> Collected:
    """Expand folders into importable files; report missing paths and unreadable folders.

    Inside a folder, symbolic links are followed only to files inside that
    same folder: a link out of it (``passwd.txt -> /etc/passwd``) or to
    another folder is skipped with its reason, so importing a folder never
    reads what the folder does not hold. A path named directly is the
    user's choice and is read, link or not.
    """
    collected = Collected()
    for path in paths:
        shown = safe_file_name(path)
        if path.is_dir():
            found: list[Path] = []
            _walk_folder(path, found, collected)
            if not found:
                collected.failed.append(
                    (
                        str(path),
                        f"{shown}: no transcript files (.txt, .md, .docx, .vtt, .srt, .rtf) in this folder",
                    )
                )
            collected.files.extend(sorted(found))
        elif path.is_file():
            collected.files.append(path)
        else:
            collected.failed.append((str(path), f"{shown}: no such file or folder"))
    return collected


def _importable(name: str) -> bool:
    return Path(name).suffix.lower() in FORMATS and not name.startswith((".", "~$"))


def _walk_folder(root: Path, found: list[Path], collected: Collected) -> None:
    """Every importable file under ``root``, without following links out of it."""
    real_root = os.path.realpath(root)
    folders = [root]
    while folders:
        folder = folders.pop()
        try:
            with os.scandir(folder) as scan:
                entries = list(scan)
        except OSError as error:
            message = (
                f"{safe_file_name(folder)}: cannot read this folder ({error.strerror}); "
                "the files in it were not imported"
            )
            collected.failed.append((str(folder), message))
            continue
        for entry in entries:
            path = Path(entry.path)
            try:
                if entry.is_symlink():
                    _follow_link(path, real_root, found, collected)
                elif entry.is_dir(follow_symlinks=False):
                    folders.append(path)
                elif entry.is_file(follow_symlinks=False) and _importable(entry.name):
                    found.append(path)
            except OSError as error:
                collected.failed.append(
                    (str(path), f"{safe_file_name(path)}: cannot read ({error.strerror})")
                )


def _follow_link(link: Path, real_root: str, found: list[Path], collected: Collected) -> None:
    target = os.path.realpath(link)
    shown = safe_file_name(link)
    if os.path.isdir(target):
        collected.skipped.append(f"{shown}: a symbolic link to a folder; not followed")
    elif not _importable(link.name):
        return  # not a transcript, whatever it points to
    elif not os.path.exists(target):
        collected.skipped.append(f"{shown}: a symbolic link to nothing (broken); skipped")
    elif os.path.commonpath([real_root, target]) != real_root:
        collected.skipped.append(
            f"{shown}: a symbolic link to {safe_file_name(target)}, outside the folder; "
            "not followed (name the file itself to import it)"
        )
    else:
        found.append(link)


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
    encoding: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> ImportReport:
    """Import files and folders into ``project``; never raises for a bad file.

    ``encoding`` forces the text encoding of every file (transcripts and the
    attributes CSV) that has no byte-order mark. The attributes file is read
    and checked before any transcript is stored: if it is bad, nothing is
    imported.
    """
    if unit not in UNITS:
        raise CodebenchError(f"unknown unit {unit!r} (use {', '.join(UNITS)})")
    if encoding is not None:
        encoding = check_encoding_name(encoding)
    report = ImportReport()
    sheet = None
    if attributes is not None:
        try:
            sheet = read_attribute_sheet(attributes, encoding)
        except CodebenchError as error:
            report.failed.append((str(attributes), f"{error} (nothing was imported)"))
            return report
        if sheet.encoding_note:
            report.encodings.append((safe_file_name(attributes.name), sheet.encoding_note))
    collected = collect_files(paths)
    report.failed.extend(collected.failed)
    report.skipped.extend(collected.skipped)
    existing = {t.sha256: t.name for t in project.transcripts()}
    options = Options(unit, language, model, interviewers, interviewer_codable, encoding)
    stored: dict[str, str] = {}  # sha256 → the name it was stored under in this import
    # Files arrive prepared, in order, while later ones are still being
    # prepared (in worker processes for large imports); each is stored at once.
    for outcome in iter_prepared(collected.files, options, frozenset(existing)):
        if not isinstance(outcome, Failed) and outcome.encoding_note:
            report.encodings.append((safe_file_name(outcome.path.name), outcome.encoding_note))
        if isinstance(outcome, Failed):
            report.failed.append((str(outcome.path), outcome.message))
        elif isinstance(outcome, Unchanged):
            name = existing[outcome.sha256]
            report.unchanged.append(name)
            if name != outcome.path.stem:
                report.same_text.append((name, safe_file_name(outcome.path.name), name))
        elif outcome.sha256 in stored:
            report.unchanged.append(outcome.name)  # the same interview twice in one import
            report.same_text.append(
                (outcome.name, safe_file_name(outcome.path.name), stored[outcome.sha256])
            )
        else:
            try:
                if _store(project, outcome, unit, language):
                    stored[outcome.sha256] = outcome.name
                    report.imported.append(outcome.name)
                    report.segments += len(outcome.segments)
                    report.words += outcome.words
                else:  # another process imported the same text meanwhile
                    report.unchanged.append(outcome.name)
            except CodebenchError as error:
                report.failed.append((str(outcome.path), str(error)))
        if progress:
            progress(outcome.path.name)
    if sheet is not None:
        try:
            report.attributes_set, report.attributes_skipped = apply_attributes(project, sheet)
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
                f"{safe_file_name(p.path.name)}: a different transcript named {p.name!r} is "
                "already in the project (rename the file to import it)"
            )
        transcript_id = transcript_sql.insert_transcript(
            db,
            {
                "guid": stable_guid("transcript", p.sha256),
                "name": p.name,
                "text": p.text,
                "sha256": p.sha256,
                "source_name": safe_file_name(p.path.name),
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
                "source": safe_file_name(p.path.name),
                "format": p.fmt,
                "unit": unit,
                "segments": len(p.segments),
            },
            transcript_id=transcript_id,
        )
    return True


@dataclass(frozen=True)
class AttributeSheet:
    """An attributes CSV, read and checked: which transcript each row names, and its values."""

    path: Path
    #: ``(line, transcript name, {attribute: value})``; empty values left out.
    rows: list[tuple[int, str, dict[str, str]]]
    encoding_note: str | None = None


def read_attribute_sheet(path: Path, encoding: str | None = None) -> AttributeSheet:
    """Read an attributes CSV whose ``transcript`` column (or first column) names transcripts.

    The column named ``transcript`` (or ``name``, ``file``, ``document``,
    else the first) names the transcript; every other non-empty cell is an
    attribute. A row with no transcript name is an error naming its line.
    Nothing here needs the project, so the file can be checked before any
    transcript is imported.
    """
    table = read_csv(path, encoding=encoding)
    shown = safe_file_name(path)
    fields = [name.strip() for name in table.header]
    if not any(fields):
        raise ImportFailed(f"{shown}: empty attributes file (no column names on line 1)")
    key = next(
        (f for f in fields if f.casefold() in {"transcript", "name", "file", "document"}),
        fields[0],
    )
    rows: list[tuple[int, str, dict[str, str]]] = []
    first_line: dict[str, int] = {}
    for line, row in iter_dicts(table):
        ref = row.get(key, "")
        if not ref:
            raise ImportFailed(f"{shown}:{line}: no transcript named in column {key!r}")
        earlier = first_line.setdefault(ref.casefold(), line)
        if earlier != line:
            raise ImportFailed(
                f"{shown}:{line}: transcript {ref!r} is already on line {earlier} "
                "(one row per transcript, or which values would count?)"
            )
        rows.append((line, ref, {k: v for k, v in row.items() if k != key and k and v}))
    return AttributeSheet(path, rows, table.decoded.note)


def apply_attributes(project: Project, sheet: AttributeSheet) -> tuple[int, list[str]]:
    """Attach a checked sheet's attributes in one transaction.

    Rows naming transcripts that are not in the project are skipped and
    returned (an attributes sheet often lists more interviews than one
    import brings in).
    """
    planned = []
    skipped: list[str] = []
    for _line, ref, values in sheet.rows:
        try:
            transcript = project.transcript(ref)
        except CodebenchError:
            skipped.append(ref)
            continue
        planned.append((transcript, values))
    with project.transaction():
        for transcript, values in planned:
            transcript_sql.set_attributes(project.db, transcript.id, values)
        event_sql.log(
            project.db,
            "attributes.import",
            {"file": safe_file_name(sheet.path.name), "rows": len(planned)},
        )
    return len(planned), skipped


def import_attributes(
    project: Project, path: Path, encoding: str | None = None
) -> tuple[int, list[str]]:
    """Read, check and attach an attributes CSV (see :func:`read_attribute_sheet`)."""
    return apply_attributes(project, read_attribute_sheet(path, encoding))
