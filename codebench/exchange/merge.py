"""Team merge: bring coders' project files together into one, by GUIDs and text hashes.

Coders often code on their own laptops in their own project files; a lead
merges them. :func:`merge` copies codes, transcripts (with attributes and
segments), coders, codings, memos, statuses and events from each source file
into the target. Nothing is matched by row id:

* codes by GUID (two coders who start from the same codebook share GUIDs),
  then by name under the same parent;
* transcripts by the sha256 of their text. A transcript whose *name* is in
  the target with *different text* refuses the whole source file, because
  its codings would land at shifted offsets;
* coders by GUID, then by name (ignoring case);
* codings by (coder, code, transcript, start, end); memos and events by GUID.

Conflicts are resolved by simple, documented rules and reported:

* a code both files have but with different name, number, guidance, colour,
  shortcut, parent or archived flag: the target's values are kept and the
  difference is reported (``code 04 …: name 'A' here, 'B' in alice.db``);
* a code only in the source is added under its parent (found by GUID);
* a coder status: the more recent ``updated_at`` wins; on a tie the more
  advanced status (done > in-progress > not-started);
* a memo: the more recent ``updated_at`` wins;
* attributes and segmentation of a transcript both files have: target wins.

Merging only adds: a coding or memo removed in a source but still in the
target stays (removals the source's log records are counted in the report).
Each source is one transaction, so a refused source changes nothing, and
merging the same file again changes nothing. Source files are attached
read-only and never modified.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codebench.errors import CodebenchError
from codebench.store import bulk
from codebench.store import codes as code_sql
from codebench.store import events as event_sql
from codebench.store.connection import APPLICATION_ID, open_database
from codebench.store.migrations import known_names

if TYPE_CHECKING:
    import sqlite_utils

    from codebench.project import Project

#: What a merge counts, in report order.
KINDS = ("settings", "coders", "codes", "transcripts", "attributes", "segments", "codings", "memos", "statuses", "events")

#: Status order for ties: a later entry is more advanced.
STATUS_RANK = {"not-started": 0, "in-progress": 1, "done": 2}

#: How many added names a report line lists before "and N more".
_SHOW = 8

#: Settings that belong to one laptop's front end, never merged.
_LOCAL_SETTINGS = ("tui.",)

_CODE_FIELDS = ("name", "number", "description", "inclusion", "exclusion", "example", "colour", "shortcut", "archived")


class MergeRefused(CodebenchError):
    """A source file cannot be merged (its message says why); the target is unchanged."""


@dataclass
class SourceReport:
    """What merging one source file added, kept, and found in conflict."""

    path: Path
    added: Counter[str] = field(default_factory=Counter)
    #: Memos and statuses whose newer value was taken from the source.
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    #: Differences resolved in the target's favour (or by a rule), one line each.
    conflicts: list[str] = field(default_factory=list)
    #: Names of what was added, per kind (codes, coders, transcripts).
    added_names: dict[str, list[str]] = field(default_factory=dict)
    #: Other things worth knowing (a status taken from the source, an upgraded copy used, …).
    notes: list[str] = field(default_factory=list)
    #: Why the source was refused (nothing merged), or ``None``.
    refused: str | None = None

    @property
    def changed(self) -> bool:
        return self.refused is None and bool(+self.added or +self.updated)

    def lines(self) -> list[str]:
        """The report as plain text lines (the CLI prints these)."""
        if self.refused is not None:
            return [f"{self.path}: REFUSED, nothing merged", f"  {self.refused}"]
        out = [f"{self.path}:"]
        for kind in KINDS:
            parts = []
            if self.added[kind]:
                parts.append(f"{self.added[kind]} added")
            if self.updated[kind]:
                parts.append(f"{self.updated[kind]} updated")
            if self.unchanged[kind]:
                parts.append(f"{self.unchanged[kind]} unchanged")
            if parts:
                out.append(f"  {kind:<12} {', '.join(parts)}")
        if not +self.added and not +self.updated:
            out.append("  nothing new")
        for kind, names in self.added_names.items():
            shown = ", ".join(names[:_SHOW])
            more = f" and {len(names) - _SHOW} more" if len(names) > _SHOW else ""
            out.append(f"  {kind} added: {shown}{more}")
        out += [f"  conflict: {line}" for line in self.conflicts]
        out += [f"  note: {line}" for line in self.notes]
        return out


@dataclass
class MergeReport:
    """The outcome of :func:`merge`: one :class:`SourceReport` per source, in order."""

    target: Path
    dry_run: bool = False
    sources: list[SourceReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no source was refused."""
        return all(s.refused is None for s in self.sources)

    @property
    def changed(self) -> bool:
        return any(s.changed for s in self.sources)

    def totals(self) -> Counter[str]:
        """Records added over all sources."""
        total: Counter[str] = Counter()
        for source in self.sources:
            if source.refused is None:
                total.update(source.added)
        return total

    def lines(self) -> list[str]:
        head = f"{'Dry run: would merge' if self.dry_run else 'Merged'} into {self.target}"
        out = [head]
        for source in self.sources:
            out += source.lines()
        refused = sum(1 for s in self.sources if s.refused is not None)
        totals = self.totals()
        summary = ", ".join(f"{totals[k]} {k}" for k in KINDS if totals[k]) or "nothing"
        verb = "would add" if self.dry_run else "added"
        out.append(f"{len(self.sources) - refused} merged, {refused} refused; {verb} {summary}")
        return out


def merge(target: Project, sources: Sequence[Path | str], *, dry_run: bool = False) -> MergeReport:
    """Merge each source project file into ``target`` (one transaction per source).

    A refused source (not a codebench project, written by a newer codebench,
    or holding a transcript whose name matches but whose text differs) is
    reported and changes nothing; the other sources are still merged. With
    ``dry_run`` the merge runs on a temporary copy of the target, so the
    report is exactly what a real merge would do, and the target is untouched.
    """
    if target.db.conn.in_transaction:
        raise CodebenchError("merge cannot run inside another transaction")
    report = MergeReport(target=target.path, dry_run=dry_run)
    if dry_run:
        from codebench.project import Project

        with tempfile.TemporaryDirectory(prefix="codebench-merge-") as folder:
            copy = Path(folder) / "dry-run.db"
            bulk.backup_to(target.db, copy)
            scratch = Project.open(copy)
            try:
                with bulk.large_cache(scratch.db):
                    for path in sources:
                        report.sources.append(_merge_one(scratch, Path(path), label_target=target.path))
            finally:
                scratch.close()
        return report
    with bulk.large_cache(target.db), bulk.deferred_checkpoint(target.db):
        for path in sources:
            report.sources.append(_merge_one(target, Path(path), label_target=target.path))
    return report


# --------------------------------------------------------------------- one source


def _merge_one(target: Project, path: Path, *, label_target: Path) -> SourceReport:
    report = SourceReport(path=path)
    db = target.db
    with contextlib.ExitStack() as stack:
        try:
            _attach(db, path, report, stack)
        except MergeRefused as refusal:
            report.refused = str(refusal)
            return report
        try:
            with target.transaction():
                _Merger(db, path, label_target, report).run()
        except MergeRefused as refusal:
            fresh = SourceReport(path=path, refused=str(refusal))
            return fresh
        except sqlite3.DatabaseError as error:
            return SourceReport(path=path, refused=f"{path}: cannot merge ({error}); nothing merged")
    return report


def _attach(db: sqlite_utils.Database, path: Path, report: SourceReport, stack: contextlib.ExitStack) -> None:
    """Attach ``path`` read-only (an upgraded temporary copy if its schema is older); detach on exit."""
    if not path.exists():
        raise MergeRefused(f"{path}: no such file")
    if path.is_dir():
        raise MergeRefused(f"{path}: is a folder, not a project file")
    with path.open("rb") as handle:
        if handle.read(16) != b"SQLite format 3\x00":
            raise MergeRefused(f"{path}: not a codebench project (not an SQLite file)")
    try:
        bulk.attach_readonly(db, path)
    except sqlite3.DatabaseError as error:
        raise MergeRefused(f"{path}: cannot open read-only ({error})") from None
    stack.callback(bulk.detach, db)
    try:
        app_id = bulk.application_id(db)
        applied = bulk.applied_migrations(db)
    except sqlite3.DatabaseError as error:
        raise MergeRefused(f"{path}: cannot read ({error})") from None
    if app_id != APPLICATION_ID or applied is None:
        raise MergeRefused(f"{path}: not a codebench project")
    known = known_names()
    unknown = [name for name in applied if name not in known]
    if unknown:
        raise MergeRefused(f"{path}: written by a newer codebench (schema step {unknown[-1]!r}); upgrade codebench to merge it")
    if applied == known:
        return
    # An older schema: upgrade a temporary copy; the source file itself stays as it is.
    bulk.detach(db)
    folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="codebench-merge-"))
    copy = Path(folder) / path.name
    bulk.copy_readonly_file(path, copy)
    open_database(copy).close()
    bulk.attach_readonly(db, copy)
    stack.callback(bulk.detach, db)  # runs before the temporary folder is removed
    report.notes.append(f"{path.name} has an older schema; merged from an upgraded temporary copy (the file is untouched)")


class _Merger:
    """The steps of merging the attached source into ``main``, inside one transaction."""

    def __init__(self, db: sqlite_utils.Database, path: Path, target_path: Path, report: SourceReport) -> None:
        self.db = db
        self.path = path
        self.src_name = path.name
        self.tgt_name = target_path.name
        self.report = report
        self.coders: dict[int, int] = {}
        self.codes: dict[int, int] = {}
        self.transcripts: dict[int, int] = {}
        self.transcript_names: dict[int, str] = {}

    def run(self) -> None:
        self.merge_transcripts()  # first: it may refuse the file
        self.merge_settings()
        self.merge_coders()
        self.merge_codes()
        self.merge_attributes()
        self.merge_codings()
        self.merge_statuses()
        self.merge_memos()
        self.merge_events()
        if self.report.changed:
            event_sql.log(
                self.db,
                "project.merge",
                {
                    "source": self.src_name,
                    "added": {k: v for k, v in self.report.added.items() if v},
                    "updated": {k: v for k, v in self.report.updated.items() if v},
                },
            )

    # ---------------------------------------------------------------- transcripts
    def merge_transcripts(self) -> None:
        columns = "id, guid, name, sha256"
        source = bulk.fetch_rows(self.db, "transcripts", bulk.SOURCE, columns=columns, order_by="name")
        target = bulk.fetch_rows(self.db, "transcripts", columns=columns)
        by_sha = {t["sha256"]: t for t in target}
        by_name = {t["name"]: t for t in target}
        by_guid = {t["guid"]: t for t in target}
        refusals, to_add = [], []
        for s in source:
            self.transcript_names[s["id"]] = s["name"]
            here = by_sha.get(s["sha256"])
            if here is not None:
                self.transcripts[s["id"]] = here["id"]
                if here["name"] != s["name"]:
                    self.report.conflicts.append(
                        f"transcript {here['name']!r} is named {s['name']!r} in {self.src_name} (same text); kept {here['name']!r}"
                    )
                if here["guid"] != s["guid"]:
                    self.report.notes.append(f"transcript {here['name']!r} has another GUID in {self.src_name} (same text); matched by text")
                continue
            clash = by_name.get(s["name"]) or by_guid.get(s["guid"])
            if clash is not None:
                refusals.append(
                    f"transcript {s['name']!r} in {self.path} has different text from {clash['name']!r} in "
                    f"{self.tgt_name} (sha256 {s['sha256'][:12]}… vs {clash['sha256'][:12]}…)"
                )
                continue
            to_add.append(s)
        if refusals:
            raise MergeRefused(
                "; ".join(refusals)
                + ". Codings index the text, so they would land at shifted offsets. Import the same file in both"
                " projects (or rename one transcript) and merge again."
            )
        segments_here = 0
        for s in source:
            if s["id"] in self.transcripts:
                t_id = self.transcripts[s["id"]]
                mine = bulk.segment_bounds(self.db, t_id)
                theirs = bulk.segment_bounds(self.db, s["id"], bulk.SOURCE)
                if mine == theirs:
                    segments_here += len(mine)
                else:
                    self.report.conflicts.append(
                        f"transcript {s['name']!r} is segmented differently in {self.src_name} ({len(theirs)} segments, "
                        f"{len(mine)} here); kept this file's segments (codings are character spans, unaffected)"
                    )
        self.report.unchanged["transcripts"] += len(source) - len(to_add)
        self.report.unchanged["segments"] += segments_here
        for s in to_add:
            new_id = bulk.copy_transcript(self.db, s["id"])
            self.transcripts[s["id"]] = new_id
            self.report.added["segments"] += bulk.copy_segments(self.db, s["id"], new_id)
            self.report.added["transcripts"] += 1
            self.report.added_names.setdefault("transcripts", []).append(s["name"])

    # ---------------------------------------------------------------- settings
    def merge_settings(self) -> None:
        target = {r["key"]: r["value"] for r in bulk.fetch_rows(self.db, "meta")}
        for s in bulk.fetch_rows(self.db, "meta", bulk.SOURCE, order_by="key"):
            if s["key"].startswith(_LOCAL_SETTINGS):
                continue
            value = target.get(s["key"])
            if value is None:
                bulk.insert_row(self.db, "meta", {"key": s["key"], "value": s["value"]})
                self.report.added["settings"] += 1
            elif value == s["value"]:
                self.report.unchanged["settings"] += 1
            else:
                self.report.conflicts.append(
                    f"setting {s['key']!r}: {_short(value)} here, {_short(s['value'])} in {self.src_name}; kept this file's"
                )

    # ---------------------------------------------------------------- coders
    def merge_coders(self) -> None:
        source = bulk.fetch_rows(self.db, "coders", bulk.SOURCE, order_by="id")
        target = bulk.fetch_rows(self.db, "coders")
        by_guid = {k["guid"]: k for k in target}
        by_name = {k["name"].casefold(): k for k in target}
        for s in source:
            here = by_guid.get(s["guid"]) or by_name.get(s["name"].casefold())
            if here is None:
                values = {key: s[key] for key in ("guid", "name", "kind", "created_at")}
                self.coders[s["id"]] = bulk.insert_row(self.db, "coders", values)
                self.report.added["coders"] += 1
                self.report.added_names.setdefault("coders", []).append(s["name"])
                continue
            self.coders[s["id"]] = here["id"]
            diffs = [f"{key} {here[key]!r} here, {s[key]!r} in {self.src_name}" for key in ("name", "kind") if here[key] != s[key]]
            if diffs:
                self.report.conflicts.append(f"coder {here['name']!r}: {'; '.join(diffs)}; kept this file's")
            else:
                self.report.unchanged["coders"] += 1

    # ---------------------------------------------------------------- codes
    def merge_codes(self) -> None:
        source = tree_order(bulk.fetch_rows(self.db, "codes", bulk.SOURCE))
        target = bulk.fetch_rows(self.db, "codes")
        by_guid = {c["guid"]: c for c in target}
        by_id = {c["id"]: c for c in target}
        by_path = {(c["parent_id"], c["name"].casefold()): c for c in target}
        numbers = {c["number"]: c for c in target if c["number"] is not None}
        claimed: dict[int, str] = {}
        for s in source:
            parent = self.codes.get(s["parent_id"]) if s["parent_id"] is not None else None
            here = by_guid.get(s["guid"])
            if here is not None:
                self.codes[s["id"]] = here["id"]
                claimed[here["id"]] = s["guid"]
                diffs = [
                    f"{key} {_short(here[key])} here, {_short(s[key])} in {self.src_name}"
                    for key in _CODE_FIELDS
                    if here[key] != s[key]
                ]
                if here["parent_id"] != parent:
                    where_here = _label(by_id[here["parent_id"]]) if here["parent_id"] in by_id else "top level"
                    where_src = _label(by_id[parent]) if parent in by_id else "top level"
                    diffs.append(f"under {where_here!r} here, {where_src!r} in {self.src_name}")
                if diffs:
                    self.report.conflicts.append(f"code {_label(here)!r}: {'; '.join(diffs)}; kept this file's")
                else:
                    self.report.unchanged["codes"] += 1
                continue
            here = by_path.get((parent, s["name"].casefold()))
            if here is not None:
                if here["id"] in claimed and claimed[here["id"]] != s["guid"]:
                    raise MergeRefused(
                        f"code {s['name']!r} (GUID {s['guid']}) in {self.path} has the name of a different code in "
                        f"{self.tgt_name} ({_label(here)!r}, GUID {here['guid']}); rename one of them and merge again"
                    )
                self.codes[s["id"]] = here["id"]
                claimed[here["id"]] = s["guid"]
                self.report.conflicts.append(
                    f"code {_label(here)!r} matched by name: GUID {s['guid']} in {self.src_name}, {here['guid']} here"
                )
                continue
            values = {key: s[key] for key in ("guid", *_CODE_FIELDS, "created_at")}
            if s["number"] is not None and s["number"] in numbers:
                values["number"] = None
                self.report.conflicts.append(
                    f"code {s['name']!r} added without its number {s['number']}: {_label(numbers[s['number']])!r} has it here"
                )
            values["parent_id"] = parent
            values["position"] = code_sql.next_position(self.db, parent)
            new_id = bulk.insert_row(self.db, "codes", values)
            row = {**values, "id": new_id}
            self.codes[s["id"]] = new_id
            claimed[new_id] = s["guid"]
            by_guid[s["guid"]] = by_id[new_id] = by_path[(parent, s["name"].casefold())] = row
            if values["number"] is not None:
                numbers[values["number"]] = row
            self.report.added["codes"] += 1
            self.report.added_names.setdefault("codes", []).append(_label(row))

    # ---------------------------------------------------------------- attributes
    def merge_attributes(self) -> None:
        target = {(a["transcript_id"], a["key"]): a["value"] for a in bulk.fetch_rows(self.db, "attributes")}
        rows = []
        for a in bulk.fetch_rows(self.db, "attributes", bulk.SOURCE, order_by="transcript_id, key"):
            t_id = self.transcripts[a["transcript_id"]]
            value = target.get((t_id, a["key"]))
            if value is None:
                rows.append((t_id, a["key"], a["value"]))
            elif value == a["value"]:
                self.report.unchanged["attributes"] += 1
            else:
                name = self.transcript_names[a["transcript_id"]]
                self.report.conflicts.append(
                    f"transcript {name!r} attribute {a['key']!r}: {value!r} here, {a['value']!r} in {self.src_name}; kept this file's"
                )
        self.report.added["attributes"] += bulk.insert_many(self.db, "attributes", ("transcript_id", "key", "value"), rows)

    # ---------------------------------------------------------------- codings
    def merge_codings(self) -> None:
        self.removals = bulk.new_source_events(self.db, ["coding.remove"])
        total = bulk.count_rows(self.db, "codings", bulk.SOURCE)
        added = bulk.copy_codings(self.db, self.coders, self.codes, self.transcripts)
        self.report.added["codings"] += added
        self.report.unchanged["codings"] += total - added
        kept = self._removed_in_source_but_kept()
        if kept:
            self.report.conflicts.append(
                f"{kept} coding(s) that {self.src_name}'s log records as removed are still here "
                "(merge only adds; remove them here if that is intended)"
            )

    def _removed_in_source_but_kept(self) -> int:
        if not self.removals:
            return 0
        codes = {r["guid"]: r["id"] for r in bulk.fetch_rows(self.db, "codes", bulk.SOURCE, columns="id, guid")}
        transcripts = {r["guid"]: r["id"] for r in bulk.fetch_rows(self.db, "transcripts", bulk.SOURCE, columns="id, guid")}
        kept: set[tuple[int, ...]] = set()
        for event in self.removals:
            try:
                records = json.loads(event["payload"]).get("codings", [])
            except (ValueError, AttributeError):
                continue
            coder = event["coder_id"]
            for record in records:
                code = codes.get(record.get("code"))
                transcript = transcripts.get(record.get("transcript"))
                if coder not in self.coders or code is None or transcript is None:
                    continue
                key = (coder, code, transcript, record.get("start"), record.get("end"))
                mapped = (self.coders[coder], self.codes[code], self.transcripts[transcript], key[3], key[4])
                if not bulk.coding_exists(self.db, key, bulk.SOURCE) and bulk.coding_exists(self.db, mapped):
                    kept.add(mapped)
        return len(kept)

    # ---------------------------------------------------------------- statuses
    def merge_statuses(self) -> None:
        target = {(r["coder_id"], r["transcript_id"]): r for r in bulk.fetch_rows(self.db, "coder_status")}
        names = {r["id"]: r["name"] for r in bulk.fetch_rows(self.db, "coders", columns="id, name")}
        for s in bulk.fetch_rows(self.db, "coder_status", bulk.SOURCE, order_by="coder_id, transcript_id"):
            key = (self.coders[s["coder_id"]], self.transcripts[s["transcript_id"]])
            here = target.get(key)
            values = {"status": s["status"], "updated_at": s["updated_at"]}
            if here is None:
                bulk.insert_row(self.db, "coder_status", {"coder_id": key[0], "transcript_id": key[1], **values})
                self.report.added["statuses"] += 1
            elif here["status"] == s["status"]:
                self.report.unchanged["statuses"] += 1
            elif _status_wins(s, here):
                bulk.update_row(self.db, "coder_status", {"coder_id": key[0], "transcript_id": key[1]}, values)
                self.report.updated["statuses"] += 1
                self.report.notes.append(
                    f"status of {names[key[0]]} on {self.transcript_names[s['transcript_id']]!r}: "
                    f"{here['status']} → {s['status']} (newer in {self.src_name})"
                )
            else:
                self.report.conflicts.append(
                    f"status of {names[key[0]]} on {self.transcript_names[s['transcript_id']]!r}: {here['status']} here, "
                    f"{s['status']} in {self.src_name} (older); kept {here['status']}"
                )

    # ---------------------------------------------------------------- memos
    def merge_memos(self) -> None:
        target = {m["guid"]: m for m in bulk.fetch_rows(self.db, "memos")}
        for s in bulk.fetch_rows(self.db, "memos", bulk.SOURCE, order_by="id"):
            here = target.get(s["guid"])
            if here is None:
                bulk.insert_row(self.db, "memos", self._memo_values(s))
                self.report.added["memos"] += 1
            elif here["text"] == s["text"]:
                self.report.unchanged["memos"] += 1
            elif s["updated_at"] > here["updated_at"]:
                bulk.update_row(self.db, "memos", {"guid": s["guid"]}, {"text": s["text"], "updated_at": s["updated_at"]})
                self.report.updated["memos"] += 1
            else:
                self.report.conflicts.append(
                    f"memo {s['guid']}: edited here more recently than in {self.src_name}; kept this file's text"
                )

    def _memo_values(self, s: dict[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {key: s[key] for key in ("guid", "text", "created_at", "updated_at")}
        values["author_id"] = self.coders.get(s["author_id"]) if s["author_id"] is not None else None
        values["transcript_id"] = self.transcripts.get(s["transcript_id"]) if s["transcript_id"] is not None else None
        values["code_id"] = self.codes.get(s["code_id"]) if s["code_id"] is not None else None
        values["segment_id"] = None
        if s["segment_id"] is not None:
            key = bulk.segment_key(self.db, s["segment_id"], bulk.SOURCE)
            if key is not None:
                values["segment_id"] = bulk.segment_id(self.db, self.transcripts[key[0]], key[1])
            if values["segment_id"] is None:
                self.report.notes.append(f"memo {s['guid']}: its segment is not in {self.tgt_name}; kept on the transcript")
        values["coding_id"] = None
        if s["coding_id"] is not None:
            key5 = bulk.coding_key(self.db, s["coding_id"], bulk.SOURCE)
            if key5 is not None:
                mapped = (self.coders[key5[0]], self.codes[key5[1]], self.transcripts[key5[2]], key5[3], key5[4])
                values["coding_id"] = bulk.coding_id(self.db, mapped)
        return values

    # ---------------------------------------------------------------- events
    def merge_events(self) -> None:
        total = bulk.count_rows(self.db, "events", bulk.SOURCE)
        added = bulk.copy_events(self.db, self.coders, self.transcripts)
        self.report.added["events"] += added
        self.report.unchanged["events"] += total - added


# --------------------------------------------------------------------- helpers


def tree_order(rows: list[dict[str, Any]], *, key: str = "id", parent: str = "parent_id") -> list[dict[str, Any]]:
    """Code rows with parents before children, siblings by (position, GUID); orphans last."""
    ordered = sorted(rows, key=lambda r: (r["position"], r["guid"]))
    children: dict[Any, list[dict[str, Any]]] = {}
    for row in ordered:
        children.setdefault(row[parent], []).append(row)
    out: list[dict[str, Any]] = []
    seen: set[Any] = set()

    def visit(node: Any) -> None:
        for row in children.get(node, []):
            if row[key] not in seen:
                seen.add(row[key])
                out.append(row)
                visit(row[key])

    visit(None)
    for row in ordered:  # parents missing or in a cycle: still listed, deterministically
        if row[key] not in seen:
            seen.add(row[key])
            out.append(row)
            visit(row[key])
    return out


def _status_wins(source: dict[str, Any], target: dict[str, Any]) -> bool:
    """The source's status replaces the target's if it is newer, or as new and more advanced."""
    return (source["updated_at"], STATUS_RANK.get(source["status"], -1)) > (
        target["updated_at"],
        STATUS_RANK.get(target["status"], -1),
    )


def _label(code: dict[str, Any]) -> str:
    return f"{code['number']} {code['name']}" if code.get("number") else str(code["name"])


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 2] + "…'"

