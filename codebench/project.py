"""The project: the one object every front end (CLI, TUI, notebooks) talks to.

``Project.open(path)`` gives a handle on one SQLite project file. Its methods
are the units of work users perform: each runs in one transaction and
appends to the event log, so a crash loses at most the action in flight.
Lookups accept what users type (a code number like ``04`` or ``13.2``, a
name, a file name) and raise :class:`~codebench.errors.NotFound` with a
helpful message otherwise.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

if TYPE_CHECKING:
    import sqlite_utils

from codebench.codebook.format import Codebook, CodeSpec
from codebench.codebook.numbers import number_spellings
from codebench.errors import CodebenchError, CodebookError, NotFound
from codebench.ids import new_guid, stable_guid
from codebench.models import (
    STATUSES,
    Code,
    Coder,
    Coding,
    Event,
    Memo,
    Segment,
    Transcript,
    TranscriptRemoval,
)
from codebench.safety import safe_file_name, safe_name, safe_text
from codebench.store import codebook_versions
from codebench.store import coders as coder_sql
from codebench.store import codes as code_sql
from codebench.store import codings as coding_sql
from codebench.store import events as event_sql
from codebench.store import memos as memo_sql
from codebench.store import settings as settings_sql
from codebench.store import transcripts as transcript_sql
from codebench.store.connection import data_version, open_database, write_transaction

DEFAULT_PROJECT = "codebench.db"
CONSENSUS = "consensus"


def default_project_path() -> Path:
    """``$CODEBENCH_PROJECT`` or ``./codebench.db``."""
    return Path(os.environ.get("CODEBENCH_PROJECT") or DEFAULT_PROJECT)


class Project:
    """A codebench project file and the operations on it."""

    def __init__(self, db: sqlite_utils.Database, path: Path) -> None:
        self.db = db
        self.path = path
        #: Whether ``coder(name, create=True)`` may add a human coder when the project already
        #: has some. The CLI turns it off unless ``--new-coder`` is given, so a mistyped name
        #: is refused instead of silently becoming a coder; the library and the workbench
        #: (which asks for the name) leave it on.
        self.new_coders = True

    # ------------------------------------------------------------------ lifecycle
    @classmethod
    def open(
        cls, path: Path | str | None = None, *, create: bool = False, write: bool = True
    ) -> Project:
        """Open the project at ``path`` (default: ``$CODEBENCH_PROJECT`` or ``./codebench.db``).

        ``create`` makes a new project where there is none (a missing or empty
        file); otherwise such a path is refused. ``write=False`` is for
        callers that only read: a read-only file or folder then opens
        read-only instead of being refused, and the integrity check that
        guards writing is skipped. See :func:`codebench.store.connection.open_database`.
        """
        target = Path(path) if path is not None else default_project_path()
        return cls(open_database(target, create=create, write=write), target)

    @classmethod
    def init(cls, path: Path | str | None = None, codebook: Codebook | None = None) -> Project:
        """Create a new project file, optionally loading a codebook into it."""
        target = Path(path) if path is not None else default_project_path()
        if target.exists() and target.stat().st_size > 0:
            project = cls.open(target, create=True)
            if codebook is not None and project.codes(include_archived=True):
                project.close()
                raise CodebookError(
                    f"{target}: project already has a codebook (use `codebench codebook import`)"
                )
        else:
            project = cls.open(target, create=True)
        if codebook is not None:
            project.load_codebook(codebook)
        return project

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def data_version(self) -> int:
        """A number that changes whenever another connection (a second window, the CLI) commits.

        Screens compare it with the value they last saw to know when to
        re-read what they show; this handle's own commits do not change it.
        """
        return data_version(self.db)

    def transaction(self) -> contextlib.AbstractContextManager[Any]:
        """One unit of work (``BEGIN IMMEDIATE`` … ``COMMIT``)."""
        return write_transaction(self.db)

    # ------------------------------------------------------------------ settings
    def setting(self, key: str) -> str | None:
        return settings_sql.get_meta(self.db, key)

    def set_setting(self, key: str, value: str) -> None:
        with self.transaction():
            settings_sql.set_meta(self.db, key, value)

    # ------------------------------------------------------------------ coders
    def coders(self) -> list[Coder]:
        return coder_sql.list_coders(self.db)

    def coder(self, name: str | Coder, *, create: bool = False, kind: str = "human") -> Coder:
        """The coder called ``name`` (case-insensitive), created on request."""
        if isinstance(name, Coder):
            return name
        name = safe_name(name.strip())  # typed, or from a file: stored with controls visible
        if not name:
            raise CodebenchError("a coder needs a name")
        found = coder_sql.coder_by_name(self.db, name)
        if found:
            return found
        if not create:
            known = ", ".join(c.name for c in self.coders()) or "none yet"
            raise NotFound(f"no coder named {name!r} (coders: {known})")
        if kind == "human":
            self.check_new_coder(name)
        with self.transaction():
            coder_id = coder_sql.insert_coder(
                self.db, name, kind, stable_guid("coder", name.casefold())
            )
            event_sql.log(self.db, "coder.add", {"name": name, "kind": kind}, coder_id=coder_id)
        found = coder_sql.coder_by_id(self.db, coder_id)
        assert found is not None
        return found

    def check_new_coder(self, name: str) -> None:
        """Refuse adding the human coder ``name`` unless new coders are allowed (a typo, else).

        Also for a preview that adds nothing yet but must refuse what applying would.
        """
        if self.new_coders or coder_sql.coder_by_name(self.db, safe_name(name.strip())):
            return
        humans = [c.name for c in self.coders() if c.kind == "human"]
        if humans:  # with none yet, there is nothing to mistype
            raise NotFound(
                f"no coder named {safe_name(name.strip())!r} (coders: {', '.join(humans)}); "
                "add --new-coder to add one"
            )

    # ------------------------------------------------------------------ codebook
    def codes(self, *, include_archived: bool = False) -> list[Code]:
        """Codes in tree order."""
        return code_sql.list_codes(self.db, include_archived=include_archived)

    def code_by_id(self, code_id: int) -> Code:
        found = code_sql.get_code(self.db, code_id)
        if found is None:
            raise NotFound(f"no code with id {code_id}")
        return found

    def code(self, ref: str | int | Code) -> Code:
        """Resolve a code from a number (``04``, ``4``, ``13.2``), GUID, name or label."""
        if isinstance(ref, Code):
            return ref
        if isinstance(ref, int):
            return self.code_by_id(ref)
        text = ref.strip()
        if not text:
            raise NotFound("no code given (the code is empty)")
        stored = safe_name(text)  # the form names are stored in (controls made visible)
        if stored != text:
            try:
                return self._find_code(text)
            except NotFound:
                return self._find_code(stored)
        return self._find_code(text)

    def _find_code(self, text: str) -> Code:
        codes = self.codes(include_archived=True)
        active = [c for c in codes if not c.archived]
        folded = text.casefold()
        for pool in (active, codes):
            for candidate in number_spellings(text):
                hit = [c for c in pool if c.number == candidate]
                if hit:
                    return hit[0]
            hit = [c for c in pool if c.guid == folded.strip("{}")]
            if hit:
                return hit[0]
            hit = [c for c in pool if c.name.casefold() == folded or c.label.casefold() == folded]
            if len(hit) == 1:
                return hit[0]
        partial = [c for c in active if folded in c.name.casefold()]
        if len(partial) == 1:
            return partial[0]
        if partial:
            options = "; ".join(c.label for c in partial[:6])
            raise NotFound(f"code {text!r} is ambiguous: {options}")
        raise NotFound(f"no code {text!r} in the codebook")

    def code_path(self, code: Code) -> list[Code]:
        """The code and its ancestors, root first."""
        by_id = {c.id: c for c in self.codes(include_archived=True)}
        path = [code]
        while path[0].parent_id is not None and path[0].parent_id in by_id:
            path.insert(0, by_id[path[0].parent_id])
        return path

    def load_codebook(self, book: Codebook, *, actor: str | None = None) -> dict[str, int]:
        """Add a codebook's codes; codes already present (by GUID) are updated in place.

        Returns counts of codes added and updated. One transaction: a bad
        codebook leaves the project unchanged.
        """
        coder_id = self.coder(actor, create=True).id if actor else None
        added = updated = 0
        with self.transaction():

            def visit(nodes: list[CodeSpec], parent_id: int | None) -> None:
                nonlocal added, updated
                for position, spec in enumerate(nodes):
                    values = {
                        "name": spec.name,
                        "number": spec.number,
                        "description": spec.description,
                        "inclusion": spec.inclusion,
                        "exclusion": spec.exclusion,
                        "example": spec.example,
                        "colour": spec.colour,
                        "shortcut": spec.shortcut,
                        "parent_id": parent_id,
                        "position": position,
                    }
                    existing = code_sql.code_by_guid(self.db, spec.guid)
                    if existing is None:
                        code_id = code_sql.insert_code(self.db, {"guid": spec.guid, **values})
                        added += 1
                    else:
                        code_id = existing.id
                        code_sql.update_code(self.db, code_id, values)
                        updated += 1
                    visit(spec.children, code_id)

            try:
                with codebook_versions.batched(self.db):
                    visit(book.codes, None)
            except Exception as error:
                if "UNIQUE" in str(error):
                    raise CodebookError(
                        f"codebook clashes with codes already in the project ({error})"
                    ) from None
                raise
            if settings_sql.get_meta(self.db, "codebook.name") is None:
                settings_sql.set_meta(self.db, "codebook.name", book.name)
                settings_sql.set_meta(self.db, "codebook.description", book.description)
            event_sql.log(
                self.db,
                "codebook.load",
                {"name": book.name, "added": added, "updated": updated},
                coder_id=coder_id,
            )
        return {"added": added, "updated": updated}

    def codebook(self, *, include_archived: bool = False) -> Codebook:
        """The project's codebook as a :class:`Codebook` (for export)."""
        codes = self.codes(include_archived=include_archived)
        specs: dict[int, CodeSpec] = {}
        roots: list[CodeSpec] = []
        for code in codes:
            spec = CodeSpec(
                name=code.name,
                number=code.number,
                guid=code.guid,
                description=code.description,
                inclusion=code.inclusion,
                exclusion=code.exclusion,
                example=code.example,
                colour=code.colour,
                shortcut=code.shortcut,
            )
            specs[code.id] = spec
            parent = specs.get(code.parent_id) if code.parent_id is not None else None
            (parent.children if parent else roots).append(spec)
        return Codebook(
            name=self.setting("codebook.name") or "Codebook",
            description=self.setting("codebook.description") or "",
            codes=roots,
        )

    # ------------------------------------------------------------------ transcripts
    def transcripts(self) -> list[Transcript]:
        return transcript_sql.list_transcripts(self.db)

    def transcript(self, ref: str | int | Transcript) -> Transcript:
        """Resolve a transcript by name, file name, or path."""
        if isinstance(ref, Transcript):
            return ref
        if isinstance(ref, int):
            found = transcript_sql.find_transcript(self.db, "id", ref)
        else:
            # As typed, then as names are stored (control characters made visible).
            found = None
            for text in dict.fromkeys([ref.strip(), safe_file_name(ref.strip())]):
                found = (
                    transcript_sql.find_transcript(self.db, "name", text)
                    or transcript_sql.find_transcript(self.db, "source_name", Path(text).name)
                    or transcript_sql.find_transcript(self.db, "name", Path(text).stem)
                )
                if found is None:
                    folded = text.casefold()
                    matches = [t for t in self.transcripts() if t.name.casefold() == folded]
                    found = matches[0] if matches else None
                if found is not None:
                    break
        if found is None:
            raise NotFound(f"no transcript {ref!r} (see `codebench transcripts`)")
        return found

    def text(self, transcript: str | int | Transcript) -> str:
        return transcript_sql.transcript_text(self.db, self.transcript(transcript).id)

    def segments(self, transcript: str | int | Transcript) -> list[Segment]:
        return transcript_sql.list_segments(self.db, self.transcript(transcript).id)

    def segment(self, transcript: str | int | Transcript, ordinal: int) -> Segment:
        segs = self.segments(transcript)
        if not 0 <= ordinal < len(segs):
            raise NotFound(
                f"transcript {self.transcript(transcript).name!r} has no segment {ordinal} (0–{len(segs) - 1})"
            )
        return segs[ordinal]

    def import_files(self, paths: Sequence[Path | str], **options: Any) -> Any:
        """Import transcript files or folders; see :func:`codebench.ingest.importer.import_paths`."""
        from codebench.ingest.importer import import_paths

        return import_paths(self, [Path(p) for p in paths], **options)

    def set_attributes(self, transcript: str | int | Transcript, values: dict[str, str]) -> None:
        t = self.transcript(transcript)
        with self.transaction():
            transcript_sql.set_attributes(self.db, t.id, values)
            event_sql.log(
                self.db,
                "attributes.set",
                {"transcript": t.name, "values": values},
                transcript_id=t.id,
            )

    def remove_transcript(
        self,
        transcript: str | int | Transcript,
        *,
        coder: str | Coder | None = None,
        force: bool = False,
    ) -> TranscriptRemoval:
        """Remove a transcript with its segments, attributes, codings, memos and statuses.

        One action: one transaction and one ``transcript.remove`` event by
        ``coder`` (the event log keeps the transcript's earlier events, with
        no transcript). Refused, changing nothing, when coders other than
        ``coder`` have coded it (any coder, when ``coder`` is not given),
        unless ``force``: their work goes with it. A removal cannot be
        undone; the file can be imported again (with none of the codings).
        """
        t = self.transcript(transcript)
        with self.transaction():
            k = self.coder(coder, create=True) if coder is not None else None
            counts = transcript_sql.coding_counts_by_coder(self.db, t.id)
            others = {n: c for n, c in counts.items() if k is None or n != k.name}
            if others and not force:
                listing = ", ".join(f"{name} ({n})" for name, n in others.items())
                raise CodebenchError(
                    f"transcript {t.name!r} has codings by {listing}; "
                    "use --force to remove it with their codings"
                )
            deleted = transcript_sql.delete_transcript(self.db, t.id)
            removal = TranscriptRemoval(
                name=t.name, codings=counts, memos=deleted["memos"], segments=deleted["segments"]
            )
            event_sql.log(
                self.db,
                "transcript.remove",
                {
                    "transcript": t.guid,
                    "name": t.name,
                    "sha256": t.sha256,
                    "source": t.source_name,
                    "codings": counts,
                    "memos": removal.memos,
                    "segments": removal.segments,
                    "forced": bool(others),
                },
                coder_id=k.id if k is not None else None,
            )
        return removal

    def segment_counts(self) -> dict[int, tuple[int, int]]:
        return transcript_sql.segment_counts(self.db)

    # ------------------------------------------------------------------ codings
    def codings(
        self,
        *,
        transcript: str | int | Transcript | None = None,
        coders: Iterable[str | Coder] | None = None,
        codes: Iterable[str | int | Code] | None = None,
    ) -> list[Coding]:
        return coding_sql.list_codings(
            self.db,
            transcript_id=self.transcript(transcript).id if transcript is not None else None,
            coder_ids=[self.coder(c).id for c in coders] if coders is not None else None,
            code_ids=[self.code(c).id for c in codes] if codes is not None else None,
        )

    def add_codings(
        self,
        coder: str | Coder,
        code: str | int | Code,
        transcript: str | int | Transcript,
        spans: Sequence[tuple[int, int]],
    ) -> list[int]:
        """Apply ``code`` to each span; one action (one transaction, one event). Returns new ids."""
        return self._change_codings(
            "coding.add", coder, [(code, transcript, s, e) for s, e in spans]
        )

    def remove_codings(
        self,
        coder: str | Coder,
        code: str | int | Code,
        transcript: str | int | Transcript,
        spans: Sequence[tuple[int, int]],
    ) -> int:
        """Remove ``code`` from each span (exact spans); one action. Returns how many were removed."""
        return len(
            self._change_codings(
                "coding.remove", coder, [(code, transcript, s, e) for s, e in spans]
            )
        )

    def code_segments(
        self,
        coder: str | Coder,
        transcript: str | int | Transcript,
        ordinals: Sequence[int],
        code: str | int | Code,
        *,
        allow_noncodable: bool = False,
    ) -> list[int]:
        """Apply ``code`` to whole segments (by ordinal).

        Segments marked not codable (interviewer turns) are refused, as the
        workbench refuses them, unless ``allow_noncodable``; one refused
        segment refuses the whole call.
        """
        from codebench.coding.actions import require_codable

        t = self.transcript(transcript)
        segs = self.segments(t)
        spans = []
        for ordinal in ordinals:
            if not 0 <= ordinal < len(segs):
                raise NotFound(
                    f"transcript {t.name!r} has no segment {ordinal} (0–{len(segs) - 1})"
                )
            require_codable(segs[ordinal], t, allow_noncodable=allow_noncodable)
            spans.append((segs[ordinal].start, segs[ordinal].end))
        return self.add_codings(coder, code, t, spans)

    def uncode_segments(
        self,
        coder: str | Coder,
        transcript: str | int | Transcript,
        ordinals: Sequence[int],
        code: str | int | Code,
    ) -> int:
        """Remove ``code`` from whole segments: every coding of it by this coder overlapping them."""
        t = self.transcript(transcript)
        c = self.code(code)
        k = self.coder(coder)
        segs = self.segments(t)
        spans: set[tuple[int, int]] = set()
        for ordinal in ordinals:
            if not 0 <= ordinal < len(segs):
                raise NotFound(
                    f"transcript {t.name!r} has no segment {ordinal} (0–{len(segs) - 1})"
                )
            seg = segs[ordinal]
            for coding in coding_sql.list_codings(
                self.db,
                transcript_id=t.id,
                coder_ids=[k.id],
                code_ids=[c.id],
                overlapping=(seg.start, seg.end),
            ):
                spans.add((coding.start, coding.end))
        return self.remove_codings(k, c, t, sorted(spans))

    def _change_codings(
        self,
        action: str,
        coder: str | Coder,
        changes: Sequence[tuple[Any, Any, int, int]],
        *,
        log: bool = True,
    ) -> list[int]:
        from codebench.coding.actions import apply_changes

        return apply_changes(self, action, coder, changes, log=log)

    # ------------------------------------------------------------------ status
    def status(self, coder: str | Coder, transcript: str | int | Transcript) -> str:
        return coder_sql.get_status(self.db, self.coder(coder).id, self.transcript(transcript).id)

    def set_status(
        self,
        coder: str | Coder,
        transcript: str | int | Transcript,
        status: str,
        *,
        auto: bool = False,
    ) -> None:
        """Set a coder's status on a transcript (one ``status.set`` event, undoable).

        ``auto`` marks the change a first coding makes on its own (not
        started → in progress): undo passes over it, as it is no action of
        the coder's.
        """
        if status not in STATUSES:
            raise CodebenchError(f"unknown status {status!r} (use {', '.join(STATUSES)})")
        k = self.coder(coder, create=True)
        t = self.transcript(transcript)
        with self.transaction():
            previous = coder_sql.get_status(self.db, k.id, t.id)
            coder_sql.set_status(self.db, k.id, t.id, status)
            event_sql.log(
                self.db,
                "status.set",
                {
                    "transcript": t.guid,
                    "status": status,
                    "previous": previous,
                    **({"auto": True} if auto else {}),
                },
                coder_id=k.id,
                transcript_id=t.id,
            )

    def statuses(self) -> dict[tuple[int, int], str]:
        return coder_sql.statuses(self.db)

    # ------------------------------------------------------------------ memos
    def memos(
        self, *, transcript: str | int | Transcript | None = None, author: str | Coder | None = None
    ) -> list[Memo]:
        return memo_sql.list_memos(
            self.db,
            transcript_id=self.transcript(transcript).id if transcript is not None else None,
            author_id=self.coder(author).id if author is not None else None,
        )

    def add_memo(
        self,
        author: str | Coder,
        text: str,
        *,
        transcript: str | int | Transcript | None = None,
        segment: Segment | None = None,
        code: str | int | Code | None = None,
        coding: Coding | None = None,
    ) -> int:
        """Attach a memo to a transcript, a segment, a code or a coding."""
        if not text.strip():
            raise CodebenchError("a memo needs some text")
        k = self.coder(author, create=True)
        text = safe_text(text)  # typed or pasted: stored with controls visible
        values: dict[str, Any] = {"guid": new_guid(), "author_id": k.id, "text": text}
        if coding is not None:
            values.update(
                coding_id=coding.id, transcript_id=coding.transcript_id, code_id=coding.code_id
            )
        if segment is not None:
            values.update(segment_id=segment.id, transcript_id=segment.transcript_id)
        if transcript is not None:
            values["transcript_id"] = self.transcript(transcript).id
        if code is not None:
            values["code_id"] = self.code(code).id
        with self.transaction():
            memo_id = memo_sql.insert_memo(self.db, values)
            event_sql.log(
                self.db,
                "memo.add",
                self._memo_payload(values),
                coder_id=k.id,
                transcript_id=values.get("transcript_id"),
            )
        return memo_id

    def _memo_payload(self, values: dict[str, Any]) -> dict[str, Any]:
        """A memo's target by GUIDs and natural keys: row ids mean nothing in another file."""
        payload: dict[str, Any] = {"guid": values["guid"], "text": values["text"]}
        if values.get("transcript_id") is not None:
            payload["transcript"] = self.transcript(int(values["transcript_id"])).guid
        if values.get("segment_id") is not None:
            payload["segment"] = transcript_sql.segment_ordinal(self.db, int(values["segment_id"]))
        if values.get("code_id") is not None:
            payload["code"] = self.code_by_id(int(values["code_id"])).guid
        if values.get("coding_id") is not None:
            coding = coding_sql.get_coding(self.db, int(values["coding_id"]))
            if coding is not None:
                coder = coder_sql.coder_by_id(self.db, coding.coder_id)
                payload["coding"] = {
                    "coder": coder.guid if coder else None,
                    "code": self.code_by_id(coding.code_id).guid,
                    "start": coding.start,
                    "end": coding.end,
                }
        return payload

    def update_memo(self, author: str | Coder, memo_id: int, text: str) -> None:
        k = self.coder(author, create=True)
        memo = memo_sql.get_memo(self.db, memo_id)
        if memo is None:
            raise NotFound(f"no memo {memo_id}")
        owner = coder_sql.coder_by_id(self.db, memo.author_id) if memo.author_id else None
        author_guid = owner.guid if owner is not None else None
        with self.transaction():
            text = safe_text(text)
            if text.strip():
                memo_sql.update_memo(self.db, memo_id, text)
                event_sql.log(
                    self.db,
                    "memo.edit",
                    {"guid": memo.guid, "text": text, "previous": memo.text},
                    coder_id=k.id,
                    transcript_id=memo.transcript_id,
                )
            else:
                # What undo needs to put it back: its target by GUIDs, text and author.
                kept = {
                    **self._memo_payload(
                        {
                            "guid": memo.guid,
                            "text": memo.text,
                            "transcript_id": memo.transcript_id,
                            "segment_id": memo.segment_id,
                            "code_id": memo.code_id,
                            "coding_id": memo.coding_id,
                        }
                    ),
                    "author": author_guid,
                    "created_at": memo.created_at,
                }
                memo_sql.delete_memo(self.db, memo_id)
                event_sql.log(
                    self.db,
                    "memo.delete",
                    {"guid": memo.guid, "previous": memo.text, "memo": kept},
                    coder_id=k.id,
                    transcript_id=memo.transcript_id,
                )

    # ------------------------------------------------------------------ events
    def events(
        self, *, coder: str | Coder | None = None, actions: tuple[str, ...] = (), after_id: int = 0
    ) -> list[Event]:
        return event_sql.list_events(
            self.db,
            coder_id=self.coder(coder).id if coder is not None else None,
            actions=actions,
            after_id=after_id,
        )
