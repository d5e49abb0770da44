"""REFI-QDA projects (``.qdpx``) out of and into a codebench project.

The REFI layer (:mod:`codebench.exchange.refi`) reads and writes the files
as plain data; this module maps that data to the store and back:

=========================  ==============================================
REFI-QDA                   codebench
=========================  ==============================================
``User``                   coder (GUID = the coder's GUID)
``Code`` tree              codes (see :mod:`.codebook` for number,
                           guidance and archived flag)
``TextSource``             transcript (GUID = the transcript's GUID; the
                           text exactly as stored)
``PlainTextSelection`` +   codings: one selection per coder and span, one
``Coding``                 ``Coding`` per code; GUIDs derived from
                           (coder, code, transcript, start, end)
``Case`` + ``Variable``    transcript attributes (one case per transcript)
``Note``                   memo (on a source, code, coding or a segment's
                           span; free memos on the project)
=========================  ==============================================

Exports are deterministic: every GUID is either the object's own or derived
with :func:`~codebench.exchange.refi.refi_guid`, so exporting twice gives
the same file. Imports run in one transaction (a failure, or ``dry_run``,
leaves the project unchanged) and are idempotent: transcripts are matched by
the hash of their text, codes by GUID then name path, coders by GUID then
name, memos by GUID, and codings by their natural key.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from codebench.exchange.qdpx.codebook import InterchangeError, refi_codes, refi_errors
from codebench.exchange.qdpx.design_note import NOTE_NAME as DESIGN_NOTE_NAME
from codebench.exchange.qdpx.import_writes import ProjectImporter, SourcePlan
from codebench.exchange.refi.collector import collector_paused
from codebench.exchange.refi.ids import REFI_NAMESPACE
from codebench.fileio import remove_stale_temporaries
from codebench.ids import guid_from_key
from codebench.ingest.segmentation import Segmenter
from codebench.safety import safe_text
from codebench.store import memos as memo_sql
from codebench.store import refi_sql
from codebench.store import transcripts as transcript_sql
from codebench.wording import plural

if TYPE_CHECKING:
    import sqlite_utils

    from codebench.exchange.refi import ArchiveLimits, RefiProject, RefiSelection
    from codebench.models import Coder
    from codebench.project import Project
    from codebench.pseudonyms.apply import Pseudonymiser

__all__ = ["ExportSummary", "ImportReport", "build_refi_project", "export_qdpx", "import_qdpx"]


@lru_cache(maxsize=4096)
def _when(value: str | None) -> datetime | None:
    """A stored timestamp as a datetime (None if absent or unreadable); cached,
    because an export parses one per coding and codings share their times."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


# =============================================================================== export


@dataclass
class ExportSummary:
    """What an export wrote."""

    path: Path
    users: int
    codes: int
    transcripts: int
    codings: int
    memos: int
    cases: int

    def lines(self) -> list[str]:
        return [
            (
                f"Wrote {self.path}: {plural(self.transcripts, 'transcript')}, "
                f"{plural(self.codes, 'code')}, {plural(self.codings, 'coding')} by "
                f"{plural(self.users, 'coder')}, {plural(self.memos, 'memo')}, "
                f"{plural(self.cases, 'case')} with attributes"
            )
        ]


def build_refi_project(
    project: Project, *, coders: Iterable[str | Coder] | None = None
) -> RefiProject:
    """The project as a :class:`RefiProject`, ready for the REFI writer.

    ``coders`` limits the export to those coders' codings and memos (all
    coders by default). Codes are exported whole, archived ones included, so
    every coding keeps its code.
    """
    from codebench import __version__
    from codebench.exchange.refi import (
        RefiCase,
        RefiNote,
        RefiProject,
        RefiSelection,
        RefiTextSource,
        RefiUser,
        RefiVariable,
        refi_guid,
    )

    db = project.db
    chosen = [project.coder(c) for c in coders] if coders is not None else project.coders()
    users = {k.id: k for k in chosen}
    codes = project.codes(include_archived=True)
    code_guids = {c.id: c.guid for c in codes}
    transcripts = project.transcripts()
    by_tid = {t.id: t for t in transcripts}
    texts = refi_sql.transcript_texts(db)

    sources = []
    for t in transcripts:
        if "\r" in texts[t.id]:
            raise InterchangeError(
                f"transcript {t.name!r}: its text holds a carriage return; REFI-QDA exports need LF line ends"
            )
        sources.append(
            RefiTextSource(
                guid=t.guid, name=safe_text(t.name), text=texts[t.id], created=_when(t.imported_at)
            )
        )

    selections, coding_guid = _coding_selections(
        db, [k.id for k in chosen] if coders is not None else None
    )

    notes, note_refs = [], []
    for memo in memo_sql.list_memos(db):
        if coders is not None and memo.author_id is not None and memo.author_id not in users:
            continue
        targets: list[str] = []
        if memo.coding_id is not None and memo.coding_id in coding_guid:
            targets = [coding_guid[memo.coding_id]]
        elif (
            memo.segment_id is not None
            and (span := refi_sql.segment_span(db, memo.segment_id)) is not None
        ):
            transcript = by_tid[span[0]].guid
            guid = refi_guid("segment", transcript, span[1], span[2])
            selections.setdefault(
                guid, RefiSelection(guid=guid, source_guid=transcript, start=span[1], end=span[2])
            )
            targets = [guid]
        else:
            if memo.transcript_id is not None:
                targets.append(by_tid[memo.transcript_id].guid)
            if memo.code_id is not None:
                targets.append(code_guids[memo.code_id])
        author = users.get(memo.author_id) if memo.author_id is not None else None
        text = safe_text(memo.text)  # a project made before import made controls visible
        first_line = text.strip().split("\n", 1)[0]
        notes.append(
            RefiNote(
                guid=memo.guid,
                name=first_line[:60] + ("…" if len(first_line) > 60 else ""),
                text=text,
                creating_user=author.guid if author else None,
                created=_when(memo.created_at),
                targets=targets,
            )
        )
        if not targets:
            note_refs.append(memo.guid)

    # Coder statuses and assignments ride in one project note (a codebench extension).
    from codebench.exchange.qdpx.design_note import design_note

    design = design_note(db, {k.id: k.guid for k in chosen}, {t.id: t.guid for t in transcripts})
    if design is not None:
        notes.append(design)
        note_refs.append(design.guid)

    keys = sorted({key for t in transcripts for key in t.attributes})
    variables = [RefiVariable(guid=refi_guid("variable", key), name=safe_text(key)) for key in keys]
    cases = [
        RefiCase(
            guid=refi_guid("case", t.guid),
            name=safe_text(t.name),
            variables={key: safe_text(value) for key, value in t.attributes.items()},
            source_guids=[t.guid],
        )
        for t in transcripts
        if t.attributes
    ]
    return RefiProject(
        name=project.path.stem,
        origin=f"codebench {__version__}",
        users=[RefiUser(guid=k.guid, name=safe_text(k.name)) for k in chosen],
        codes=refi_codes(codes),
        variables=variables,
        cases=cases,
        sources=sources,
        selections=list(selections.values()),
        notes=notes,
        note_refs=note_refs,
    )


def _coding_selections(
    db: sqlite_utils.Database, coder_ids: list[int] | None
) -> tuple[dict[str, RefiSelection], dict[int, str]]:
    """One selection per coder and span holding that coder's codings of it, keyed
    by GUID, and each coding row's derived GUID (memos on codings need it)."""
    from codebench.exchange.refi import RefiCoding, RefiSelection

    coding_guid: dict[int, str] = {}
    groups: dict[tuple[str, str, int, int], list[RefiCoding]] = defaultdict(list)
    for row_id, coder, code, transcript, start, end, stamp in refi_sql.export_codings(
        db, coder_ids
    ):
        guid = coding_guid[row_id] = guid_from_key(
            REFI_NAMESPACE, f"coding\x1f{coder}\x1f{code}\x1f{transcript}\x1f{start}\x1f{end}"
        )
        groups[(coder, transcript, start, end)].append(
            RefiCoding(guid=guid, code_guid=code, creating_user=coder, created=_when(stamp))
        )
    selections: dict[str, RefiSelection] = {}
    for (coder, transcript, start, end), codings in groups.items():
        guid = guid_from_key(
            REFI_NAMESPACE, f"selection\x1f{coder}\x1f{transcript}\x1f{start}\x1f{end}"
        )
        if len(codings) == 1:
            created = codings[0].created
        else:
            created = min((c.created for c in codings if c.created is not None), default=None)
        selections[guid] = RefiSelection(
            guid=guid,
            source_guid=transcript,
            start=start,
            end=end,
            creating_user=coder,
            created=created,
            codings=codings,
        )
    return selections, coding_guid


def export_qdpx(
    project: Project,
    path: Path | str,
    *,
    coders: Iterable[str | Coder] | None = None,
    pseudonymiser: Pseudonymiser | None = None,
) -> ExportSummary:
    """Write the project as a REFI-QDA ``.qdpx`` at ``path`` (atomically; schema-valid).

    With ``pseudonymiser``, the whole project passes through the key before it
    is written (:func:`codebench.pseudonyms.outputs.refi_project`): texts and
    names replaced, selections moved onto the new texts.
    """
    # Hundreds of thousands of objects, none in cycles (see refi.collector),
    # all freed by the time the collector runs again.
    with collector_paused():
        return _export(project, Path(path), coders, pseudonymiser)


def _export(
    project: Project,
    path: Path,
    coders: Iterable[str | Coder] | None,
    pseudonymiser: Pseudonymiser | None = None,
) -> ExportSummary:
    from codebench.exchange.refi import write_project

    refi = build_refi_project(project, coders=coders)
    if pseudonymiser is not None:
        from codebench.pseudonyms.outputs import refi_project

        refi = refi_project(refi, pseudonymiser)
    remove_stale_temporaries(path)  # of earlier exports that were killed
    with refi_errors():
        write_project(refi, path)
    return ExportSummary(
        path=path,
        users=len(refi.users),
        codes=sum(1 for _ in refi.iter_codes()),
        transcripts=len(refi.sources),
        codings=sum(len(s.codings) for s in refi.selections),
        # The design note (statuses, assignments) is codebench's own record, not a memo.
        memos=sum(1 for note in refi.notes if note.name != DESIGN_NOTE_NAME),
        cases=len(refi.cases),
    )


# =============================================================================== import


@dataclass
class ImportReport:
    """What :func:`import_qdpx` did (or, with ``dry_run``, would do)."""

    file: str
    origin: str | None = None
    dry_run: bool = False
    #: The offset detection line: "offsets detected as utf16: 300 of 303 selections land on word boundaries ...".
    offsets: str = ""
    offset_convention: str | None = None
    coders_added: list[str] = field(default_factory=list)
    coders_matched: int = 0
    codes_added: int = 0
    codes_updated: int = 0
    transcripts_added: list[str] = field(default_factory=list)
    transcripts_reused: list[str] = field(default_factory=list)
    segments: int = 0
    codings_added: int = 0
    codings_existing: int = 0
    memos_added: int = 0
    memos_existing: int = 0
    attributes_set: int = 0
    #: Coder statuses and assignments set from codebench's design note.
    statuses_set: int = 0
    assignments_set: int = 0
    #: Study records (speakers' attributes, samples, rounds, framework, relations, …) added.
    study_added: int = 0
    #: Everything in the file that was not imported, with counts.
    skipped: list[str] = field(default_factory=list)
    #: Repairs and decisions worth knowing about.
    warnings: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The report as lines for a terminal."""
        verb = "Would import" if self.dry_run else "Imported"
        out = [
            f"{verb} {self.file}" + (f" (from {self.origin})" if self.origin else "") + ":",
            f"  coders: {len(self.coders_added)} added, {self.coders_matched} matched",
            f"  codes: {self.codes_added} added, {self.codes_updated} updated",
            (
                f"  transcripts: {len(self.transcripts_added)} added ({plural(self.segments, 'segment')}), "
                f"{len(self.transcripts_reused)} already present"
            ),
            f"  codings: {self.codings_added} added, {self.codings_existing} already present",
            f"  memos: {self.memos_added} added, {self.memos_existing} already present",
            f"  attributes: {plural(self.attributes_set, 'value')} set",
        ]
        if self.statuses_set or self.assignments_set:
            out.append(
                f"  design: {plural(self.statuses_set, 'coder status', 'coder statuses')}, "
                f"{plural(self.assignments_set, 'assignment')} set"
            )
        if self.study_added:
            out.append(
                f"  study: {plural(self.study_added, 'record')} added (speakers' attributes, samples, "
                "rounds, framework summaries, relations, saved queries)"
            )
        if self.offsets:
            out.append(f"  {self.offsets}")
        out += [f"  skipped: {line}" for line in self.skipped]
        out += [f"  warning: {line}" for line in self.warnings]
        if self.dry_run:
            out.append("Dry run: nothing was changed.")
        return out


class _DryRun(Exception):
    """Raised inside the import transaction to roll it back."""


def import_qdpx(
    project: Project,
    path: Path | str,
    *,
    offsets: str = "auto",
    dry_run: bool = False,
    unit: str = "sentence",
    language: str = "en",
    limits: ArchiveLimits | None = None,
) -> ImportReport:
    """Import a ``.qdpx`` archive (or a bare ``.qde``) into ``project``.

    ``offsets`` is ``"auto"`` (detected, see :mod:`codebench.exchange.refi.offsets`),
    ``"codepoints"``, ``"utf16"`` or ``"codepoints-lf"``. One transaction:
    any error leaves the project unchanged, and ``dry_run=True`` rolls back
    after doing everything, so the report says what would change.
    """
    path = Path(path)
    size = path.stat().st_size if path.is_file() else 0
    # The segmenter checks ``unit`` and, for a large file, has worker processes
    # load spaCy while the file is read. The file's million objects live until
    # the end and form no cycles (see refi.collector): the collector waits
    # until they are freed.
    segmenter = Segmenter(unit, language, input_bytes=size)
    with collector_paused(), segmenter:
        return _import(project, path, offsets, dry_run, segmenter, limits)


def _import(
    project: Project,
    path: Path,
    offsets: str,
    dry_run: bool,
    segmenter: Segmenter,
    limits: ArchiveLimits | None,
) -> ImportReport:
    refi, report = _read(path, offsets, dry_run, limits)
    plans, fresh = _plan_sources(project, refi, report)
    # Segmenting is slow, so it happens before the write transaction.
    segments = segmenter.segment_texts([plan.text for plan in fresh.values()])
    for plan, spans in zip(fresh.values(), segments):
        plan.segments = spans
    unit, language = segmenter.unit, segmenter.language
    try:
        with project.transaction():
            ProjectImporter(project, refi, report, path.name, unit, language).run(plans, fresh)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return report


def _read(
    path: Path, offsets: str, dry_run: bool, limits: ArchiveLimits | None
) -> tuple[RefiProject, ImportReport]:
    """The file as a REFI project, and the report begun with what reading found."""
    from codebench.exchange.refi import read_project

    with refi_errors():
        refi = read_project(path, offsets=offsets, limits=limits)
    report = ImportReport(
        file=path.name,
        origin=refi.origin,
        dry_run=dry_run,
        offsets=refi.offset_detection.summary() if refi.offset_detection else "",
        offset_convention=refi.offset_convention,
        skipped=[*refi.skipped, *_unmapped(refi)],
        warnings=list(refi.warnings),
    )
    return refi, report


def _unmapped(refi: RefiProject) -> list[str]:
    """What the file holds that has no place in a codebench project, for the
    report (the reader lists what it could not read; this, what it read but an
    import drops)."""
    lines = []
    unlinked = [case for case in refi.cases if not case.source_guids]
    if unlinked:
        values = sum(len(case.variables) for case in unlinked)
        lines.append(
            f"{plural(len(unlinked), 'case')} linked to no text source, such as "
            f"{unlinked[0].name!r}: their {plural(values, 'variable value')} "
            f"{'was' if values == 1 else 'were'} not imported (codebench keeps case "
            "variables as the attributes of the transcripts a case holds)"
        )
    links = sum(len(case.code_guids) + len(case.selection_guids) for case in refi.cases)
    if links:
        lines.append(
            f"{plural(links, 'case member')} that "
            f"{'is a code or a selection' if links == 1 else 'are codes or selections'} not imported"
        )
    if refi.sets:
        lines.append(f"{plural(len(refi.sets), 'set')} not imported (codebench has no sets)")
    if refi.description.strip():
        lines.append("the project's description was not imported")
    return lines


def _plan_sources(
    project: Project, refi: RefiProject, report: ImportReport
) -> tuple[list[SourcePlan], dict[str, SourcePlan]]:
    """Every text source to import, and those whose text is new to the project (by hash)."""
    plans: list[SourcePlan] = []
    for source in refi.sources:
        text = source.normalized_text
        if text is None:
            continue  # reported by the reader
        text = safe_text(text)  # controls made visible one for one, so selections still fit
        if not text.strip():
            report.skipped.append(f"text source {source.name!r} is empty; not imported")
            continue
        plans.append(SourcePlan(source, text, hashlib.sha256(text.encode("utf-8")).hexdigest()))
    fresh: dict[str, SourcePlan] = {}
    for plan in plans:
        if (
            plan.sha256 not in fresh
            and transcript_sql.find_transcript(project.db, "sha256", plan.sha256) is None
        ):
            fresh[plan.sha256] = plan
    return plans, fresh
