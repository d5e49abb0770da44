"""The store side of a REFI-QDA project import: every write, in the caller's transaction.

:func:`codebench.exchange.qdpx.project.import_qdpx` reads the file, plans
which texts are new and segments them (slow, so outside the write lock),
then opens one transaction and hands over to :class:`ProjectImporter`, which
maps users, codes, text sources, selections, case variables and notes onto
coders, codes, transcripts, codings, attributes and memos, logging events
as the rest of codebench does. Nothing here commits: a raised error rolls
the whole import back.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from codebench.coding.correction import VersionChain, chain_from, flag_for_review
from codebench.exchange.qdpx.codebook import InterchangeError, merge_codes
from codebench.exchange.qdpx.design_note import STATUSES as STATUS_VALUES
from codebench.exchange.qdpx.design_note import parse_design_note
from codebench.ids import now
from codebench.ids import stable_guid as codebench_guid
from codebench.safety import safe_text
from codebench.store import assignments as assignment_sql
from codebench.store import coders as coder_sql
from codebench.store import codings as coding_sql
from codebench.store import events as event_sql
from codebench.store import memos as memo_sql
from codebench.store import refi_sql
from codebench.store import transcripts as transcript_sql
from codebench.wording import plural

if TYPE_CHECKING:
    from codebench.exchange.qdpx.project import ImportReport
    from codebench.exchange.refi import RefiProject, RefiTextSource
    from codebench.ingest.segmentation import SegmentSpan
    from codebench.project import Project

__all__ = ["SOURCE_FORMAT", "UNATTRIBUTED", "CodingTarget", "ProjectImporter", "SourcePlan"]

#: Coder that codings with no creating user are attributed to (when the file has several users).
UNATTRIBUTED = "imported"
#: ``source_format`` of transcripts that came from a REFI-QDA project.
SOURCE_FORMAT = "refi-qda"


def stamp(value: datetime | None) -> str | None:
    """A datetime as codebench stores it (ISO 8601, milliseconds)."""
    return value.isoformat(timespec="milliseconds") if value is not None else None


class StampCache:
    """:func:`stamp`, formatted once per datetime *object*.

    The reader hands out one object per distinct timestamp string, and an
    import formats one per coding, so most calls are repeats. Objects are
    matched by identity, not equality (equal instants in different time
    zones format differently), and kept referenced so an id is never reused.
    """

    def __init__(self) -> None:
        self._done: dict[int, tuple[datetime, str | None]] = {}

    def __call__(self, value: datetime | None) -> str | None:
        if value is None:
            return None
        hit = self._done.get(id(value))
        if hit is not None and hit[0] is value:
            return hit[1]
        text = stamp(value)
        self._done[id(value)] = (value, text)
        return text


@dataclass
class SourcePlan:
    """One text source to import: its normalised text, hash and (if new) segments."""

    source: RefiTextSource
    text: str
    sha256: str
    segments: list[SegmentSpan] | None = None


@dataclass
class CodingTarget:
    """Where a REFI selection or coding landed: transcript, span and coding keys."""

    transcript_id: int
    start: int
    end: int
    keys: list[tuple[int, int]] = field(default_factory=list)  # (coder_id, code_id)


class ProjectImporter:
    """One import's writes, all inside the caller's transaction."""

    def __init__(
        self,
        project: Project,
        refi: RefiProject,
        report: ImportReport,
        label: str,
        unit: str,
        language: str,
    ) -> None:
        self.project, self.db, self.refi, self.report = project, project.db, refi, report
        self.label, self.unit, self.language = label, unit, language
        self.users: dict[str, int] = {}
        self.codes: dict[str, int] = {}
        self.transcripts: dict[str, int] = {}
        self.new_transcripts: set[int] = set()
        #: Where selections and codings landed, for notes (filled only when the file has notes).
        self.selections: dict[str, CodingTarget] = {}
        self.coding_keys: dict[str, tuple[int, int, int, int, int]] = {}
        #: Source GUID → how its offsets reach the text here, when the file holds an
        #: older version of a transcript corrected here since.
        self.chains: dict[str, VersionChain] = {}
        #: Codings carried into a corrected text that lost their words: key → (fate, version, was).
        self.review: dict[tuple[int, int, int, int, int], tuple[str, int, str]] = {}
        self._fallback: int | None = None

    def run(self, plans: list[SourcePlan], fresh: dict[str, SourcePlan]) -> None:
        self.import_users()
        merged = merge_codes(self.project, self.refi.codes)
        self.codes = merged.ids
        self.report.codes_added, self.report.codes_updated = merged.added, merged.updated
        self.report.warnings += merged.warnings
        if merged.added or merged.updated:
            event_sql.log(
                self.db,
                "codebook.import",
                {
                    "file": self.label,
                    "format": "qdpx",
                    "added": merged.added,
                    "updated": merged.updated,
                },
            )
        self.import_transcripts(plans, fresh)
        self.import_codings()
        self.import_memos()
        self.import_design()
        r = self.report
        event_sql.log(
            self.db,
            "project.import",
            {
                "file": self.label,
                "origin": self.refi.origin,
                "offsets": r.offset_convention,
                "coders": len(r.coders_added),
                "codes": r.codes_added,
                "transcripts": len(r.transcripts_added),
                "codings": r.codings_added,
                "memos": r.memos_added,
            },
        )

    # -- coders ------------------------------------------------------------------------
    def import_users(self) -> None:
        for user in self.refi.users:
            name = (user.name or "").strip() or (user.id or "").strip() or f"user-{user.guid[:8]}"
            coder = refi_sql.coder_by_guid(self.db, user.guid) or coder_sql.coder_by_name(
                self.db, name
            )
            if coder is not None:
                if coder.id not in self.users.values():
                    self.report.coders_matched += 1
                self.users[user.guid] = coder.id
                continue
            kind = "consensus" if name.casefold() == "consensus" else "human"
            coder_id = coder_sql.insert_coder(self.db, name, kind, user.guid)
            event_sql.log(
                self.db,
                "coder.add",
                {"name": name, "kind": kind, "source": self.label},
                coder_id=coder_id,
            )
            self.users[user.guid] = coder_id
            self.report.coders_added.append(name)

    def coder_for(self, *users: str | None) -> int:
        """The first known user among ``users``; else the only user; else :data:`UNATTRIBUTED`."""
        for user in users:
            if user is not None and user in self.users:
                return self.users[user]
        if len(self.users) == 1:
            return next(iter(self.users.values()))
        if self._fallback is None:
            coder = coder_sql.coder_by_name(self.db, UNATTRIBUTED)
            if coder is None:
                guid = codebench_guid("coder", UNATTRIBUTED)
                self._fallback = coder_sql.insert_coder(self.db, UNATTRIBUTED, "human", guid)
                event_sql.log(
                    self.db,
                    "coder.add",
                    {"name": UNATTRIBUTED, "kind": "human", "source": self.label},
                    coder_id=self._fallback,
                )
                self.report.coders_added.append(UNATTRIBUTED)
            else:
                self._fallback = coder.id
        return self._fallback

    # -- transcripts --------------------------------------------------------------------------------
    def import_transcripts(self, plans: list[SourcePlan], fresh: dict[str, SourcePlan]) -> None:
        imported_names: set[str] = set()
        for plan in plans:
            source = plan.source
            existing = transcript_sql.find_transcript(self.db, "sha256", plan.sha256)
            if existing is not None:
                self.transcripts[source.guid] = existing.id
                if existing.id not in self.new_transcripts:
                    self.report.transcripts_reused.append(existing.name)
                continue
            chain = chain_from(self.db, plan.sha256)
            if chain is not None:
                here = transcript_sql.find_transcript(self.db, "id", chain.transcript_id)
                self.transcripts[source.guid] = chain.transcript_id
                self.chains[source.guid] = chain
                self.report.warnings.append(
                    f"text source {source.name!r} is version {chain.version} of transcript "
                    f"{here.name if here else source.name!r} here (corrected since, now version "
                    f"{chain.current}); its codings were carried through the corrections"
                )
                continue
            segments = fresh[plan.sha256].segments or []
            guid, name = source.guid, source.name
            clash = transcript_sql.find_transcript(self.db, "guid", guid)
            if clash is not None and clash.id not in self.new_transcripts:
                raise InterchangeError(
                    f"{self.label}: text source {name!r} has the GUID of transcript {clash.name!r} but a different text; "
                    "refused, because its codings would land at shifted offsets"
                )
            if clash is not None:
                guid = codebench_guid("transcript", plan.sha256)
            clash = transcript_sql.find_transcript(self.db, "name", name)
            if clash is not None and clash.id not in self.new_transcripts:
                raise InterchangeError(
                    f"{self.label}: a different transcript named {name!r} is already in the project (its text differs); "
                    "refused, because codings would land at shifted offsets (import into a new project instead)"
                )
            if clash is not None:
                base, n = name, 2
                while name in imported_names or transcript_sql.find_transcript(
                    self.db, "name", name
                ):
                    name, n = f"{base} ({n})", n + 1
                self.report.warnings.append(
                    f"two text sources are named {base!r}; the second was imported as {name!r}"
                )
            transcript_id = transcript_sql.insert_transcript(
                self.db,
                {
                    "guid": guid,
                    "name": name,
                    "text": plan.text,
                    "sha256": plan.sha256,
                    "source_name": self.label,
                    "source_format": SOURCE_FORMAT,
                    "language": self.language,
                    "unit": self.unit,
                    "imported_at": stamp(source.created) or now(),
                },
            )
            transcript_sql.insert_segments(
                self.db,
                transcript_id,
                (
                    (
                        s.ordinal,
                        s.start,
                        s.end,
                        s.speaker,
                        int(s.codable),
                        s.turn,
                        s.paragraph,
                        s.timestamp,
                    )
                    for s in segments
                ),
            )
            event_sql.log(
                self.db,
                "transcript.import",
                {
                    "name": name,
                    "sha256": plan.sha256,
                    "source": self.label,
                    "format": SOURCE_FORMAT,
                    "unit": self.unit,
                    "segments": len(segments),
                },
                transcript_id=transcript_id,
            )
            imported_names.add(name)
            self.new_transcripts.add(transcript_id)
            self.transcripts[source.guid] = transcript_id
            self.report.transcripts_added.append(name)
            self.report.segments += len(segments)
        for source in self.refi.sources:
            target = self.transcripts.get(source.guid)
            values = {
                k: v
                for k, v in self.refi.source_attributes(source.guid).items()
                if k.strip() and v != ""
            }
            if target is not None and values:
                transcript_sql.set_attributes(self.db, target, values)
                self.report.attributes_set += len(values)

    # -- codings --------------------------------------------------------------------------------------
    def import_codings(self) -> None:
        """Codings of every selection (and of whole sources), new ones inserted in one batch."""
        planned = self._plan_codings()
        guid_of = {c.id: c.guid for c in self.project.codes(include_archived=True)}
        transcript_guid = {t.id: t.guid for t in self.project.transcripts()}
        batch: list[tuple[int, int, int, int, int, str | None]] = []
        for (coder_id, transcript_id), spans in planned.items():
            present = (
                set()
                if transcript_id in self.new_transcripts
                else refi_sql.coding_keys(self.db, transcript_id)
            )
            rows = [
                (coder_id, code_id, transcript_id, start, end, created)
                for (code_id, start, end), created in spans.items()
                if (coder_id, code_id, start, end) not in present
            ]
            self.report.codings_existing += len(spans) - len(rows)
            if not rows:
                continue
            batch += rows
            records = [
                {
                    "code": guid_of[code_id],
                    "transcript": transcript_guid[transcript_id],
                    "start": start,
                    "end": end,
                }
                for _k, code_id, _t, start, end, _c in rows
            ]
            event_sql.log(
                self.db,
                "coding.add",
                {"codings": records, "source": self.label},
                coder_id=coder_id,
                transcript_id=transcript_id,
            )
        if batch:
            self.report.codings_added += refi_sql.insert_codings(self.db, batch)
        for (coder_id, code_id, transcript_id, start, end), (
            fate,
            version,
            was,
        ) in self.review.items():
            found = coding_sql.find_coding(self.db, coder_id, code_id, transcript_id, start, end)
            if found is not None:
                flag_for_review(self.db, found.id, fate, version, was)

    def _plan_codings(self) -> dict[tuple[int, int], dict[tuple[int, int, int], str | None]]:
        """``{(coder, transcript): {(code, start, end): created}}``, first coding of a
        key winning; records where each selection and coding landed (for notes)."""
        from codebench.exchange.refi import RefiSelection

        planned: dict[tuple[int, int], dict[tuple[int, int, int], str | None]] = defaultdict(dict)
        lengths = {s.guid: len(s.normalized_text or "") for s in self.refi.sources}
        whole = [
            RefiSelection(
                guid=f"source:{s.guid}",
                source_guid=s.guid,
                start=0,
                end=lengths[s.guid],
                codings=s.codings,
            )
            for s in self.refi.sources
            if s.codings
        ]
        stamps = StampCache()
        codes, coding_keys = self.codes, self.coding_keys
        # Where selections and codings landed matters only to notes attached to them
        # (and to selection descriptions, which become memos the same way).
        track = bool(self.refi.notes) or any(s.description.strip() for s in self.refi.selections)
        coders: dict[tuple[str | None, str | None], int] = {}  # coder_for, once per pair
        no_text = empty = 0
        for selection in [*self.refi.selections, *whole]:
            transcript_id = self.transcripts.get(selection.source_guid)
            if transcript_id is None:
                no_text += len(selection.codings)
                continue
            start, end = selection.start, selection.end
            chain = self.chains.get(selection.source_guid)
            fate, was = "", ""
            if chain is not None and start < end:
                was = self._source_text(selection.source_guid)[start:end]
                start, end, fate = chain.span(start, end)
            target = CodingTarget(transcript_id, start, end) if track else None
            if target is not None:
                self.selections[selection.guid] = target
            if start >= end:
                empty += len(selection.codings)
                continue
            for coding in selection.codings:
                users = (selection.creating_user, coding.creating_user)
                coder_id = coders.get(users)
                if coder_id is None:
                    coder_id = coders[users] = self.coder_for(*users)
                code_id = codes[coding.code_guid]
                if target is not None:
                    target.keys.append((coder_id, code_id))
                    coding_keys[coding.guid] = (coder_id, code_id, transcript_id, start, end)
                spans = planned[(coder_id, transcript_id)]
                if (code_id, start, end) not in spans:
                    spans[(code_id, start, end)] = stamps(coding.created)
                if chain is not None and fate:
                    key = (coder_id, code_id, transcript_id, start, end)
                    self.review.setdefault(key, (fate, chain.current, was))
        if no_text:
            self.report.skipped.append(
                f"{plural(no_text, 'coding')} on text sources without text not imported"
            )
        if empty:
            self.report.skipped.append(
                f"{plural(empty, 'coding')} of empty selections (start = end) not imported"
            )
        return planned

    def _source_text(self, guid: str) -> str:
        source = next((s for s in self.refi.sources if s.guid == guid), None)
        return safe_text(source.normalized_text or "") if source is not None else ""

    # -- memos -----------------------------------------------------------------------------------------
    def import_memos(self) -> None:
        loose = several = blank = 0
        segments: dict[int, dict[tuple[int, int], int]] = {}
        for note in self.refi.notes:
            if parse_design_note(note) is not None:
                continue  # statuses and assignments, not a memo (see import_design)
            if refi_sql.memo_by_guid(self.db, note.guid) is not None:
                self.report.memos_existing += 1
                continue
            text = note.text if note.text.strip() else note.name
            if not text.strip():
                blank += 1
                continue
            values: dict[str, Any] = {
                "guid": note.guid,
                "author_id": self.users.get(note.creating_user or ""),
                "text": text,
            }
            created = stamp(note.created)
            if created:
                values.update(created_at=created, updated_at=created)
            attached, how = self._attachment(note.targets, segments)
            loose += how == "loose"
            several += how == "several"
            self._add_memo({**values, **attached})
        self._import_descriptions(segments)
        if loose:
            self.report.warnings.append(
                f"{plural(loose, 'note')} on selections without codings "
                f"{'was' if loose == 1 else 'were'} attached to their transcript"
            )
        if several:
            self.report.warnings.append(
                f"{plural(several, 'note')} attached to several objects "
                f"{'was' if several == 1 else 'were'} attached to the first only"
            )
        if blank:
            self.report.skipped.append(f"{plural(blank, 'empty note')} not imported")

    def import_design(self) -> None:
        """Coder statuses and assignments from codebench's design note (see :mod:`.design_note`).

        The note comes from a file, so every entry is checked: unknown users or
        sources, unknown statuses and malformed ranges are skipped and counted.
        """
        bodies = [b for b in map(parse_design_note, self.refi.notes) if b is not None]
        if not bodies:
            return
        counts = transcript_sql.segment_counts(self.db)
        bad = 0
        for body in bodies:
            for item in body.get("statuses") or []:
                where = self._design_target(item)
                status = item.get("status") if isinstance(item, dict) else None
                if where is None or status not in STATUS_VALUES:
                    bad += 1
                    continue
                coder_id, transcript_id = where
                previous = coder_sql.get_status(self.db, coder_id, transcript_id)
                if previous == status:
                    continue
                coder_sql.set_status(self.db, coder_id, transcript_id, status)
                event_sql.log(
                    self.db,
                    "status.set",
                    {"transcript": item["source"], "status": status, "previous": previous},
                    coder_id=coder_id,
                    transcript_id=transcript_id,
                )
                self.report.statuses_set += 1
            for item in body.get("assignments") or []:
                where = self._design_target(item)
                ok, ranges = _ranges(
                    item.get("segments", "bad") if isinstance(item, dict) else "bad"
                )
                if where is None or not ok:
                    bad += 1
                    continue
                coder_id, transcript_id = where
                n = counts.get(transcript_id, (0, 0))[0]
                if ranges is not None and any(last >= n for _first, last in ranges):
                    bad += 1
                    continue
                assignment_sql.replace_assignment(self.db, coder_id, transcript_id, ranges, None)
                self.report.assignments_set += 1
        if bad:
            self.report.skipped.append(
                f"{plural(bad, 'coder status or assignment entry', 'coder status or assignment entries')} naming an unknown user or source, "
                "or malformed, not imported"
            )
        for body in bodies:
            self._import_study(body.get("study"))

    def _import_study(self, study: Any) -> None:
        """The design note's study records (speakers' attributes, samples, rounds, framework,
        relations, saved queries, flagged codings): added where this project lacks them, by
        the merge's rules. A malformed record refuses the whole file (nothing is written);
        one naming a user, code or source the file did not bring is skipped."""
        from codebench.exchange import study_records

        if study is None:
            return

        def refuse(_number: int, message: str) -> Exception:
            return InterchangeError(
                f"{self.label}: codebench design note: {message}; nothing imported"
            )

        if not isinstance(study, dict) or not set(study) <= set(study_records.KINDS):
            raise refuse(0, "its study part is not a set of known record kinds")
        records: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        for kind, items in study.items():
            if not isinstance(items, list):
                raise refuse(0, f"its {kind} records are not a list")
            try:
                records[kind] = [(0, study_records.check_record(kind, r)) for r in items]
            except study_records.RecordProblem as problem:
                raise refuse(0, str(problem)) from None
        refs = study_records.Refs(self.users, self.codes, self.transcripts, strict=False)
        outcome = study_records.add_records(self.db, records, refs, source=self.label, fail=refuse)
        self.report.warnings += outcome.conflicts
        self.report.study_added += sum(outcome.added.values())

    def _design_target(self, item: Any) -> tuple[int, int] | None:
        """``(coder id, transcript id)`` an entry of the design note names, if both were imported."""
        if not isinstance(item, dict):
            return None
        user, source = item.get("user"), item.get("source")
        if not isinstance(user, str) or not isinstance(source, str):
            return None
        if user not in self.users or source not in self.transcripts:
            return None
        return self.users[user], self.transcripts[source]

    def _add_memo(self, values: dict[str, Any]) -> None:
        memo_sql.insert_memo(self.db, values)
        event_sql.log(
            self.db,
            "memo.add",
            # The same GUID-keyed payload as Project.add_memo writes.
            self.project._memo_payload(values),
            coder_id=values["author_id"],
            transcript_id=values.get("transcript_id"),
        )
        self.report.memos_added += 1

    def _import_descriptions(self, segments: dict[int, dict[tuple[int, int], int]]) -> None:
        """Descriptions of selections (how some tools store a comment on a coded
        passage, a coding memo) and of text sources become memos on the coding or
        transcript they describe. Their GUIDs derive from the described object's,
        so importing the file again finds them instead of adding them twice."""
        from codebench.exchange.refi import refi_guid

        items = [
            (
                s.guid,
                [c.guid for c in s.codings] or [s.guid],
                s.description,
                s.creating_user,
                s.created,
            )
            for s in self.refi.selections
            if s.description.strip()
        ]
        items += [
            (s.guid, [s.guid], s.description, s.creating_user, s.created)
            for s in self.refi.sources
            if s.description.strip()
        ]
        added = lost = 0
        for guid, targets, text, user, created in items:
            if guid not in self.selections and guid not in self.transcripts:
                lost += 1  # on a source that was not imported
                continue
            memo_guid = refi_guid("description", guid)
            if refi_sql.memo_by_guid(self.db, memo_guid) is not None:
                self.report.memos_existing += 1
                continue
            values: dict[str, Any] = {
                "guid": memo_guid,
                "author_id": self.users.get(user or ""),
                "text": text,
            }
            if stamp(created):
                values.update(created_at=stamp(created), updated_at=stamp(created))
            attached, _how = self._attachment(targets, segments)
            self._add_memo({**values, **attached})
            added += 1
        if added:
            self.report.warnings.append(
                f"{plural(added, 'description')} of selections or text sources "
                f"{'was' if added == 1 else 'were'} imported as memos "
                "on the codings or transcripts they describe"
            )
        if lost:
            self.report.skipped.append(
                f"{plural(lost, 'description')} of selections or text sources that were not imported"
            )

    def _attachment(
        self, targets: list[str], segments: dict[int, dict[tuple[int, int], int]]
    ) -> tuple[dict[str, Any], str]:
        """Memo columns for a note's targets (coding > selection > source > code), and
        ``"several"`` when some targets were left out or ``"loose"`` when a selection
        without codings that is no segment left only its transcript to attach to."""
        codings = [self.coding_keys[t] for t in targets if t in self.coding_keys]
        selections = [self.selections[t] for t in targets if t in self.selections]
        sources = [self.transcripts[t] for t in targets if t in self.transcripts]
        codes = [self.codes[t] for t in targets if t in self.codes]
        how = (
            "several" if len(codings) + len(selections) + len(sources) > 1 or len(codes) > 1 else ""
        )
        if codings:
            coder_id, code_id, transcript_id, start, end = codings[0]
            coding = refi_sql.coding_id(self.db, coder_id, code_id, transcript_id, start, end)
            return {"coding_id": coding, "transcript_id": transcript_id, "code_id": code_id}, how
        if selections:
            target = selections[0]
            if target.transcript_id not in segments:
                segments[target.transcript_id] = refi_sql.segment_ids_by_span(
                    self.db, target.transcript_id
                )
            spans = segments[target.transcript_id]
            segment_id = spans.get((target.start, target.end))
            if segment_id is not None:
                return {"segment_id": segment_id, "transcript_id": target.transcript_id}, how
            if target.keys:
                coder_id, code_id = target.keys[0]
                coding = refi_sql.coding_id(
                    self.db, coder_id, code_id, target.transcript_id, target.start, target.end
                )
                return {
                    "coding_id": coding,
                    "transcript_id": target.transcript_id,
                    "code_id": code_id,
                }, how
            return {"transcript_id": target.transcript_id}, how or "loose"
        out: dict[str, Any] = {}
        if sources:
            out["transcript_id"] = sources[0]
        if codes:
            out["code_id"] = codes[0]
        return out, how


def _ranges(value: Any) -> tuple[bool, list[tuple[int, int]] | None]:
    """A design note's ``segments``: ``(True, None)`` whole transcript, ``(True, ranges)``, or ``(False, None)``."""
    if value is None:
        return True, None
    if not isinstance(value, list) or not value:
        return False, None
    out: list[tuple[int, int]] = []
    for pair in value:
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or not all(isinstance(x, int) and not isinstance(x, bool) for x in pair)
            or not 0 <= pair[0] <= pair[1]
        ):
            return False, None
        out.append((pair[0], pair[1]))
    return True, out
