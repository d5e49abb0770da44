"""JSONL dumps: a whole project as one JSON object per line, for version control and archiving.

Each line is a record ``{"type": KIND, ...}`` with sorted keys; row ids are
replaced by GUIDs and natural keys (a coding names its coder, code and
transcript by GUID), and records come in a fixed order (below), so two
exports of the same project are byte-identical and ``git diff`` shows what
changed. Kinds, in file order:

``header`` (format and version), ``meta`` (project settings, the stop-list
edits among them), ``coder``, ``code`` (parents before children),
``transcript`` (with its full text), ``attribute``, ``segment``, ``coding``
(with the codebook version it was made under), ``codebook_version`` (each
version's snapshot), ``memo``, ``status``, the study records of
:mod:`codebench.exchange.study_records` (``speaker_attribute``,
``assignment``, ``sample`` with its draw, ``round`` with its coders,
``framework_cell``, ``code_relation``, ``saved_query``, ``coding_review``),
``event`` (log order, payload as a JSON object). A dump from before codebook
versions (codings without ``codebook_version``) imports as version 1; one
from before the study records imports without them.

:func:`import_jsonl` into an empty project rebuilds what the dump holds
exactly (not transcript versions, which have no records yet: an export says
so): exporting the rebuilt project gives the same bytes, events and
timestamps included. Into a
project that already holds data, the dump is rebuilt in a temporary project
and merged (:func:`codebench.exchange.merge.run.merge`). A malformed line stops
the import with an error naming the file and line, and nothing is written.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from codebench.codebook.format import COLOUR
from codebench.errors import CodebenchError
from codebench.exchange import study_records
from codebench.fileio import private_tempdir, write_atomic_with
from codebench.models import CODER_KINDS, STATUSES
from codebench.nesting import MAX_CODE_DEPTH, MAX_DATA_DEPTH, data_deeper_than, first_row_too_deep
from codebench.safety import STORED_UNSAFE, safe_name, safe_text, safe_text_and_sha256
from codebench.store import bulk
from codebench.store.migrations import applied_names, known_names
from codebench.wording import noun, plural

if TYPE_CHECKING:
    from codebench.exchange.merge.run import MergeReport
    from codebench.project import Project
    from codebench.pseudonyms.apply import Pseudonymiser

FORMAT = "codebench-jsonl"
VERSION = 1

#: Record kinds in the order an export writes them (and an import needs them).
KINDS = (
    "meta",
    "coder",
    "code",
    "transcript",
    "attribute",
    "segment",
    "coding",
    "codebook_version",
    "memo",
    "status",
    *study_records.KINDS,
    "event",
)


class JsonlError(CodebenchError):
    """A JSONL dump cannot be imported; the message names the file and line."""


# --------------------------------------------------------------------- export


def iter_records(
    project: Project, pseudonymiser: Pseudonymiser | None = None
) -> Iterator[dict[str, Any]]:
    """Every record of the project, in export order (the header first).

    With ``pseudonymiser``, the records pass through the key on their way
    out (:func:`codebench.pseudonyms.outputs.jsonl_records`): texts, names and
    offsets mapped, the event log left out.
    """
    records = _records(project)
    if pseudonymiser is None:
        return records
    from codebench.pseudonyms.outputs import jsonl_records

    return jsonl_records(records, pseudonymiser)


def _records(project: Project) -> Iterator[dict[str, Any]]:
    db = project.db
    yield {"type": "header", "format": FORMAT, "version": VERSION, "schema": applied_names(db)}
    study = study_records.export_records(db)
    for kind in KINDS:
        if kind in study:
            for record in study[kind]:
                record["type"] = kind
                yield record
            continue
        columns = bulk.KEYED_COLUMNS[kind]
        rows: Iterator[dict[str, Any]] = (
            dict(zip(columns, row)) for row in bulk.keyed_rows(db, kind)
        )
        if kind == "code":
            rows = iter(_codes_in_tree_order(list(rows)))
        elif kind == "codebook_version":
            # A project that never left its first version writes none: the import rebuilds
            # version 1 from the codebook it carries (its only version's snapshot is that).
            found = list(rows)
            rows = iter(found if len(found) > 1 else [])
        shape = _SHAPE.get(kind)
        for row in rows:
            record = shape(row) if shape else row
            record["type"] = kind
            yield record


#: The words an export uses for the rows of each table a dump does not carry yet
#: (:data:`codebench.store.bulk.UNDUMPED_TABLES`).
NOT_CARRIED = {"transcript_versions": "transcript versions"}


def not_carried(project: Project) -> dict[str, int]:
    """What the project holds that a dump leaves out (only the kinds it has rows of).

    An export says so, rather than letting a dump pass for the whole project.
    """
    counts = bulk.undumped_counts(project.db)
    return {NOT_CARRIED[table]: n for table, n in counts.items() if n}


def iter_lines(project: Project, pseudonymiser: Pseudonymiser | None = None) -> Iterator[str]:
    """The export, one JSON text per record, each ending in a newline."""
    for _kind, line in _kinds_and_lines(project, pseudonymiser):
        yield line


def _kinds_and_lines(
    project: Project, pseudonymiser: Pseudonymiser | None = None
) -> Iterator[tuple[str, str]]:
    dumps = json.JSONEncoder(ensure_ascii=False, sort_keys=True, allow_nan=False).encode
    for record in iter_records(project, pseudonymiser):
        yield record["type"], dumps(record) + "\n"


def export_jsonl(
    project: Project,
    out: Path | str | IO[bytes],
    *,
    pseudonymiser: Pseudonymiser | None = None,
) -> Counter[str]:
    """Write the project as JSONL to a path (atomically) or a binary stream; returns record counts."""
    counts: Counter[str] = Counter()

    def write(handle: IO[bytes]) -> None:
        buffer: list[str] = []
        for kind, line in _kinds_and_lines(project, pseudonymiser):
            counts[kind] += 1
            buffer.append(line)
            if len(buffer) >= 2000:
                handle.write("".join(buffer).encode("utf-8"))
                buffer.clear()
        handle.write("".join(buffer).encode("utf-8"))

    with bulk.read_snapshot(project.db):  # one consistent state, even if a coder is writing
        if isinstance(out, (str, Path)):
            write_atomic_with(out, write)
        else:
            write(out)
    counts.pop("header", None)
    return counts


def _codes_in_tree_order(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from codebench.exchange.merge.run import tree_order

    return tree_order(rows, key="guid", parent="parent")


def _shape_code(row: dict[str, Any]) -> dict[str, Any]:
    row["archived"] = bool(row["archived"])
    return row


def _shape_segment(row: dict[str, Any]) -> dict[str, Any]:
    row["codable"] = bool(row["codable"])
    return row


def _shape_memo(row: dict[str, Any]) -> dict[str, Any]:
    out = {
        key: row[key]
        for key in ("guid", "author", "transcript", "code", "text", "created_at", "updated_at")
    }
    out["segment"] = (
        {"transcript": row["segment_transcript"], "ordinal": row["segment_ordinal"]}
        if row["segment_ordinal"] is not None
        else None
    )
    out["coding"] = (
        {
            "coder": row["coding_coder"],
            "code": row["coding_code"],
            "transcript": row["coding_transcript"],
            "start": row["coding_start"],
            "end": row["coding_end"],
        }
        if row["coding_start"] is not None
        else None
    )
    return out


def _shape_event(row: dict[str, Any]) -> dict[str, Any]:
    text = row.pop("payload")
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if isinstance(value, dict) and _canonical(value) == text:
        row["payload"] = value
    else:  # not written by codebench: keep the exact text
        row["payload_text"] = text
    return row


def _canonical(payload: dict[str, Any]) -> str:
    """How :func:`codebench.store.events.log` serialises a payload."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True)


def _shape_version(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "snapshot": json.loads(row["snapshot"])}


_SHAPE = {
    "codebook_version": _shape_version,
    "code": _shape_code,
    "segment": _shape_segment,
    "memo": _shape_memo,
    "event": _shape_event,
}


# --------------------------------------------------------------------- import


@dataclass
class JsonlImport:
    """What :func:`import_jsonl` read and did."""

    path: Path
    counts: Counter[str] = field(default_factory=Counter)
    dry_run: bool = False
    #: Set when the project already held data and the dump was merged into it.
    merge: MergeReport | None = None

    @property
    def ok(self) -> bool:
        return self.merge is None or self.merge.ok

    def lines(self) -> list[str]:
        if self.merge is not None:
            return self.merge.lines()
        verb = "Dry run: would rebuild" if self.dry_run else "Rebuilt"
        summary = ", ".join(f"{self.counts[k]} {k}" for k in KINDS if self.counts[k]) or "nothing"
        return [f"{verb} the project from {self.path}: {summary}"]


def import_jsonl(path: Path | str, project: Project, *, dry_run: bool = False) -> JsonlImport:
    """Load a JSONL dump into ``project``.

    An empty project is rebuilt exactly (one transaction). A project with
    data gets the dump merged into it, by the rules of
    :func:`codebench.exchange.merge.run.merge`. With ``dry_run`` nothing is
    written; the result says what would be.
    """
    source = Path(path)
    if project.db.conn.in_transaction:
        raise CodebenchError("import cannot run inside another transaction")
    records = read_jsonl(source)
    result = JsonlImport(path=source, counts=records.counts(), dry_run=dry_run)
    if not any(bulk.table_counts(project.db).values()):
        try:
            with bulk.large_cache(project.db), project.transaction():
                # Asked again under the write lock: another process may have filled
                # the project meanwhile (two imports of one dump at once), and then
                # this one merges instead of failing on its rows.
                if not any(bulk.table_counts(project.db).values()):
                    _Loader(project, records).load()
                    if dry_run:
                        raise _DryRun
                    return result
        except _DryRun:
            return result
    from codebench.exchange.merge.run import merge
    from codebench.project import Project

    with private_tempdir("jsonl") as folder:
        scratch_path = Path(folder) / (source.stem + ".db")
        with (
            Project.open(scratch_path, create=True) as scratch,
            bulk.large_cache(scratch.db),
            scratch.transaction(),
        ):
            _Loader(scratch, records).load()
        result.merge = merge(project, [scratch_path], dry_run=dry_run)
    for report in result.merge.sources:
        report.path = source
    return result


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


@dataclass
class _Records:
    """A parsed dump: per kind, ``(line number, record)`` pairs in file order."""

    path: Path
    by_kind: dict[str, list[tuple[int, dict[str, Any]]]] = field(
        default_factory=lambda: {k: [] for k in KINDS}
    )

    def counts(self) -> Counter[str]:
        return Counter({kind: len(items) for kind, items in self.by_kind.items()})


#: Allowed keys per kind: key → accepted types (``None`` allowed when listed).
_S, _I, _N, _B = str, int, type(None), bool
_FIELDS: dict[str, dict[str, tuple[type, ...]]] = {
    "meta": {"key": (_S,), "value": (_S,)},
    "coder": {"guid": (_S,), "name": (_S,), "kind": (_S,), "created_at": (_S,)},
    "code": {
        "guid": (_S,),
        "parent": (_S, _N),
        "position": (_I,),
        "number": (_S, _N),
        "name": (_S,),
        "description": (_S,),
        "inclusion": (_S,),
        "exclusion": (_S,),
        "example": (_S,),
        "colour": (_S, _N),
        "shortcut": (_S, _N),
        "archived": (_B,),
        "created_at": (_S,),
    },
    "transcript": {
        "guid": (_S,),
        "name": (_S,),
        "text": (_S,),
        "sha256": (_S,),
        "source_name": (_S,),
        "source_format": (_S,),
        "language": (_S,),
        "unit": (_S,),
        "imported_at": (_S,),
    },
    "attribute": {"transcript": (_S,), "key": (_S,), "value": (_S,)},
    "segment": {
        "transcript": (_S,),
        "ordinal": (_I,),
        "start": (_I,),
        "end": (_I,),
        "speaker": (_S, _N),
        "codable": (_B,),
        "turn": (_I,),
        "paragraph": (_I,),
        "timestamp": (float, _I, _N),
    },
    "coding": {
        "transcript": (_S,),
        "start": (_I,),
        "end": (_I,),
        "code": (_S,),
        "coder": (_S,),
        "created_at": (_S,),
        "codebook_version": (_I,),
    },
    "codebook_version": {
        "number": (_I,),
        "snapshot": (list,),
        "created_at": (_S,),
        "updated_at": (_S,),
    },
    "memo": {
        "guid": (_S,),
        "author": (_S, _N),
        "transcript": (_S, _N),
        "segment": (dict, _N),
        "code": (_S, _N),
        "coding": (dict, _N),
        "text": (_S,),
        "created_at": (_S,),
        "updated_at": (_S,),
    },
    "status": {"coder": (_S,), "transcript": (_S,), "status": (_S,), "updated_at": (_S,)},
    **study_records.FIELDS,
    "event": {
        "guid": (_S,),
        "at": (_S,),
        "coder": (_S, _N),
        "transcript": (_S, _N),
        "action": (_S,),
        "payload": (dict,),
        "payload_text": (_S,),
    },
}


def read_jsonl(path: Path) -> _Records:
    """Parse and check every line of a dump (nothing is written)."""
    records = _Records(path)
    try:
        handle = path.open("r", encoding="utf-8", newline="\n")
    except OSError as error:
        raise JsonlError(f"{path}: cannot read ({error.strerror})") from None
    seen_header = False
    with handle:
        try:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                record = _parse_line(path, number, line)
                kind = record.pop("type")
                if kind == "header":
                    _check_header(
                        path,
                        number,
                        record,
                        first=not seen_header and not any(records.by_kind.values()),
                    )
                    seen_header = True
                    continue
                records.by_kind[kind].append((number, record))
        except UnicodeDecodeError as error:
            raise JsonlError(
                f"{path}: not UTF-8 text ({error.reason} at byte {error.start})"
            ) from None
    if not seen_header:
        raise JsonlError(f"{path}: not a codebench JSONL dump (no header line)")
    return records


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object whose keys are all different (Python's decoder keeps the last of a repeated one)."""
    record = dict(pairs)
    if len(record) != len(pairs):
        seen: set[str] = set()
        repeated = next(key for key, _ in pairs if key in seen or seen.add(key))  # type: ignore[func-returns-value]
        raise ValueError(f"the key {json.dumps(repeated)[:40]} appears twice in one object")
    return record


#: Strict JSON: ``NaN`` and ``Infinity`` (which Python's decoder accepts) are
#: refused, and so is a key repeated in one object (which it silently settles).
_decode = json.JSONDecoder(parse_constant=_no_constant, object_pairs_hook=_unique_keys).decode

#: Per kind: the exact key set of a well-formed record (``type`` included), for the fast path.
_KEYSETS: dict[str, frozenset[str]] = {
    kind: frozenset({"type", *fields}) for kind, fields in _FIELDS.items()
}
#: A coding from a dump written before codebook versions: version 1.
_KEYSET_OLD_CODING = frozenset(_KEYSETS["coding"] - {"codebook_version"})
_KEYSETS_EVENT = (
    frozenset(_KEYSETS["event"] - {"payload_text"}),
    frozenset(_KEYSETS["event"] - {"payload"}),
)


def _parse_line(path: Path, number: int, line: str) -> dict[str, Any]:
    try:
        record = _decode(line)
    except ValueError as error:
        detail = str(error)
        if "integer string conversion" in detail:  # Python's advice is for programmers
            detail = f"a number with more than {sys.get_int_max_str_digits()} digits"
        raise JsonlError(f"{path}:{number}: not valid JSON ({detail})") from None
    except RecursionError:  # the decoder recurses per level; nothing is left half-built
        raise _too_deep(path, number) from None
    if type(record) is not dict:
        raise JsonlError(f"{path}:{number}: expected a JSON object, got {type(record).__name__}")
    kind = record.get("type")
    if kind == "header":
        return record
    allowed = _FIELDS.get(kind) if isinstance(kind, str) else None
    if allowed is None or not isinstance(kind, str):
        raise JsonlError(
            f"{path}:{number}: unknown record type {kind!r} (expected one of: header, {', '.join(KINDS)})"
        )
    keys = record.keys()
    if kind == "coding" and keys == _KEYSET_OLD_CODING:
        record["codebook_version"] = 1
        keys = record.keys()
    if not (keys == _KEYSETS[kind] or (kind == "event" and keys in _KEYSETS_EVENT)):
        _explain_keys(path, number, kind, record)
    for key, value in record.items():
        # ``type() in`` rather than ``isinstance``: JSON true is a bool, never an int.
        if key != "type" and type(value) not in allowed[key]:
            types = allowed[key]
            expected = " or ".join("null" if t is _N else t.__name__ for t in types)
            raise JsonlError(
                f"{path}:{number}: {kind} field {key!r} must be {expected}, not {_shown(value)}"
            )
        if type(value) is int and not _INT_MIN <= value <= _INT_MAX:
            raise JsonlError(f"{path}:{number}: {kind} field {key!r} is out of range ({value:.3g})")
    if kind not in _LOGGED:
        _make_safe(kind, record)
    if kind == "event":
        _check_payload(path, number, line, record)
    elif kind == "segment" and not math.isfinite(record["timestamp"] or 0):
        raise JsonlError(f"{path}:{number}: segment field 'timestamp' must be a finite number")
    elif kind == "memo":
        _check_memo_anchors(path, number, record)
    return record


#: What :func:`codebench.safety.safe_name` changes in a name: controls, tab and newline.
_NAME_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")

#: Records kept exactly as written: the event log is a record of what happened.
_LOGGED = frozenset({"event"})


def _make_safe(kind: str, record: dict[str, Any]) -> None:
    """Names, memos and values with control characters made visible, as every reader stores them.

    A transcript's text is left for the loader, which makes it safe together
    with its hash (:func:`codebench.safety.safe_text_and_sha256`).
    """
    for key, value in record.items():
        if type(value) is not str:
            continue
        if key == "name":
            if _NAME_UNSAFE.search(value) is not None:
                record[key] = safe_name(value)
        elif STORED_UNSAFE.search(value) is not None:
            if kind == "transcript" and key == "text":
                continue
            record[key] = safe_text(value)


#: SQLite's integer range: a larger JSON number could not be stored.
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1

#: Keys and types of a memo's ``segment`` and ``coding`` anchors.
_ANCHORS: dict[str, dict[str, type]] = {
    "segment": {"transcript": str, "ordinal": int},
    "coding": {"coder": str, "code": str, "transcript": str, "start": int, "end": int},
}


def _shown(value: Any) -> str:
    try:
        return json.dumps(value)[:40]
    except (ValueError, RecursionError):
        return type(value).__name__


def _too_deep(path: Path, number: int) -> JsonlError:
    return JsonlError(
        f"{path}:{number}: nested more than {MAX_DATA_DEPTH} levels deep; refused "
        "(codebench never writes such records)"
    )


def _check_payload(path: Path, number: int, line: str, record: dict[str, Any]) -> None:
    """An event payload is stored and read back by every consumer of the log,
    so it may not nest deeper than :data:`MAX_DATA_DEPTH` (nor may JSON kept
    as ``payload_text``). A line with fewer brackets than that cannot, which
    spares the walk for most events."""
    if line.count("[") + line.count("{") <= MAX_DATA_DEPTH:
        return
    payload = record.get("payload")
    if payload is None:
        try:
            payload = json.loads(record["payload_text"])
        except ValueError:
            return  # not JSON: only ever shown as text
        except RecursionError:
            raise _too_deep(path, number) from None
    if data_deeper_than(payload, MAX_DATA_DEPTH):
        raise _too_deep(path, number)


def _check_memo_anchors(path: Path, number: int, record: dict[str, Any]) -> None:
    for name, fields in _ANCHORS.items():
        anchor = record[name]
        if anchor is None:
            continue
        if set(anchor) != set(fields):
            raise JsonlError(
                f"{path}:{number}: a memo's {name!r} must have exactly the fields "
                f"{', '.join(fields)}"
            )
        for key, kind in fields.items():
            value = anchor[key]
            if type(value) is not kind or (
                isinstance(value, int) and not _INT_MIN <= value <= _INT_MAX
            ):
                raise JsonlError(
                    f"{path}:{number}: memo {name} field {key!r} must be {kind.__name__}, "
                    f"not {_shown(value)}"
                )


def _explain_keys(path: Path, number: int, kind: str, record: dict[str, Any]) -> None:
    where = f"{path}:{number}"
    allowed = _FIELDS[kind]
    unknown = sorted(set(record) - set(allowed) - {"type"})
    if unknown:
        raise JsonlError(
            f"{where}: unexpected {noun(len(unknown), 'field')} for a {kind}: {', '.join(unknown)}"
        )
    if kind == "event" and ("payload" in record) == ("payload_text" in record):
        raise JsonlError(f"{where}: an event needs exactly one of 'payload' and 'payload_text'")
    for key in allowed:
        if key not in record and not (kind == "event" and key in ("payload", "payload_text")):
            raise JsonlError(f"{where}: a {kind} needs a {key!r} field")


def _check_header(path: Path, number: int, record: dict[str, Any], *, first: bool) -> None:
    where = f"{path}:{number}"
    if not first:
        raise JsonlError(f"{where}: the header must be the first record, and only once")
    if record.get("format") != FORMAT:
        raise JsonlError(f"{where}: not a codebench JSONL dump (format {record.get('format')!r})")
    if record.get("version") != VERSION:
        raise JsonlError(
            f"{where}: dump version {record.get('version')!r} is not supported (this codebench reads {VERSION})"
        )
    schema = record.get("schema") or []
    unknown = [name for name in schema if name not in known_names()]
    if unknown:
        raise JsonlError(
            f"{where}: written by a newer codebench (schema step {unknown[-1]!r}); upgrade codebench to import it"
        )


class _Loader:
    """Insert a parsed dump into an empty project (inside the caller's transaction)."""

    def __init__(self, project: Project, records: _Records) -> None:
        self.db = project.db
        self.path = records.path
        self.by_kind = records.by_kind
        self.coders: dict[str, int] = {}
        self.codes: dict[str, int] = {}
        self.transcripts: dict[str, int] = {}

    def fail(self, number: int, message: str) -> JsonlError:
        return JsonlError(f"{self.path}:{number}: {message}")

    def ref(self, table: dict[str, int], guid: str | None, number: int, what: str) -> int | None:
        if guid is None:
            return None
        if guid not in table:
            raise self.fail(number, f"unknown {what} {guid!r} (no {what} record with that GUID)")
        return table[guid]

    def check_span(self, number: int, what: str, start: int, end: int, length: int) -> None:
        """A span must be non-empty and inside its transcript's text (code points)."""
        if not start < end:
            raise self.fail(number, f"{what} span {start}–{end} is empty or reversed")
        if start < 0 or end > length:
            raise self.fail(
                number,
                f"{what} span {start}–{end} lies outside its transcript's text "
                f"({plural(length, 'character')})",
            )

    def check_segment_order(self, items: list[tuple[int, dict[str, Any]]]) -> None:
        """A transcript's segments, taken by ordinal, must be in text order and
        never overlap (what every importer produces, and what views rely on)."""
        by_transcript: dict[str, list[tuple[int, int, int, int]]] = {}
        for n, r in items:
            by_transcript.setdefault(r["transcript"], []).append(
                (r["ordinal"], r["start"], r["end"], n)
            )
        for spans in by_transcript.values():
            spans.sort()
            for (o1, _s1, e1, _n1), (o2, s2, _e2, n2) in pairwise(spans):
                if s2 < e1:
                    raise self.fail(
                        n2,
                        f"segment {o2} starts at {s2}, before segment {o1} ends ({e1}): "
                        "segments must be in text order and not overlap",
                    )

    def load(self) -> None:
        import sqlite3

        try:
            self._load()
        except sqlite3.IntegrityError as error:
            raise JsonlError(
                f"{self.path}: inconsistent dump ({error}); nothing imported"
            ) from None

    def _load(self) -> None:
        db, kinds = self.db, self.by_kind
        _unique(self, kinds["meta"], lambda r: r["key"], "meta key")
        bulk.insert_many(
            db, "meta", ("key", "value"), ((r["key"], r["value"]) for _, r in kinds["meta"])
        )
        _unique(self, kinds["coder"], lambda r: r["name"], "coder name")
        for number, r in kinds["coder"]:
            if r["guid"] in self.coders:
                raise self.fail(number, f"coder GUID {r['guid']!r} appears twice")
            if not r["name"].strip():
                raise self.fail(number, "a coder needs a name")
            if r["kind"] not in CODER_KINDS:
                raise self.fail(
                    number, f"unknown coder kind {r['kind']!r} (use {', '.join(CODER_KINDS)})"
                )
            self.coders[r["guid"]] = bulk.insert_row(
                db, "coders", {k: r[k] for k in ("guid", "name", "kind", "created_at")}
            )
        self._load_codes()
        from codebench.ingest.segmentation import UNITS

        _unique(self, kinds["transcript"], lambda r: r["name"], "transcript name")
        _unique(self, kinds["transcript"], lambda r: r["sha256"], "transcript text (sha256)")
        lengths: dict[str, int] = {}
        for number, r in kinds["transcript"]:
            if not r["name"].strip():
                raise self.fail(number, "a transcript needs a name")
            if r["unit"] not in UNITS:
                raise self.fail(
                    number, f"unknown segment unit {r['unit']!r} (use {', '.join(UNITS)})"
                )
            lengths[r["guid"]] = len(r["text"])
            if hashlib.sha256(r["text"].encode("utf-8")).hexdigest() != r["sha256"]:
                raise self.fail(
                    number, f"transcript {r['name']!r}: its text does not match its sha256"
                )
            r["text"], r["sha256"] = safe_text_and_sha256(r["text"], r["sha256"])
            if r["guid"] in self.transcripts:
                raise self.fail(number, f"transcript GUID {r['guid']!r} appears twice")
            self.transcripts[r["guid"]] = bulk.insert_row(
                db, "transcripts", {k: r[k] for k in _FIELDS["transcript"]}
            )
        _unique(self, kinds["attribute"], lambda r: (r["transcript"], r["key"]), "attribute")
        bulk.insert_many(
            db,
            "attributes",
            ("transcript_id", "key", "value"),
            [
                (self.ref(self.transcripts, r["transcript"], n, "transcript"), r["key"], r["value"])
                for n, r in kinds["attribute"]
            ],
        )
        _unique(self, kinds["segment"], lambda r: (r["transcript"], r["ordinal"]), "segment")
        segment_rows = []
        for n, r in kinds["segment"]:
            tid = self.ref(self.transcripts, r["transcript"], n, "transcript")
            self.check_span(n, "segment", r["start"], r["end"], lengths[r["transcript"]])
            if r["ordinal"] < 0:
                raise self.fail(n, f"segment ordinal {r['ordinal']} is negative")
            segment_rows.append(
                (
                    tid,
                    r["ordinal"],
                    r["start"],
                    r["end"],
                    r["speaker"],
                    int(r["codable"]),
                    r["turn"],
                    r["paragraph"],
                    r["timestamp"],
                )
            )
        self.check_segment_order(kinds["segment"])
        bulk.insert_many(
            db,
            "segments",
            (
                "transcript_id",
                "ordinal",
                "start_char",
                "end_char",
                "speaker",
                "codable",
                "turn",
                "paragraph",
                "timestamp",
            ),
            segment_rows,
        )
        del segment_rows
        self._load_codings(lengths)
        self._load_memos()
        _unique(self, kinds["status"], lambda r: (r["coder"], r["transcript"]), "status")
        status_rows = []
        for n, r in kinds["status"]:
            if r["status"] not in STATUSES:
                raise self.fail(n, f"unknown status {r['status']!r} (use {', '.join(STATUSES)})")
            status_rows.append(
                (
                    self.ref(self.coders, r["coder"], n, "coder"),
                    self.ref(self.transcripts, r["transcript"], n, "transcript"),
                    r["status"],
                    r["updated_at"],
                )
            )
        bulk.insert_many(
            db, "coder_status", ("coder_id", "transcript_id", "status", "updated_at"), status_rows
        )
        study_records.add_records(
            db,
            kinds,
            study_records.Refs(self.coders, self.codes, self.transcripts, strict=True),
            source=str(self.path),
            fail=self.fail,
        )
        _unique(self, kinds["event"], lambda r: r["guid"], "event GUID")
        bulk.insert_many(
            db,
            "events",
            ("guid", "at", "coder_id", "transcript_id", "action", "payload"),
            [
                (
                    r["guid"],
                    r["at"],
                    self.ref(self.coders, r["coder"], n, "coder"),
                    self.ref(self.transcripts, r["transcript"], n, "transcript"),
                    r["action"],
                    _canonical(r["payload"]) if "payload" in r else r["payload_text"],
                )
                for n, r in kinds["event"]
            ],
        )

    def _load_codes(self) -> None:
        items = self.by_kind["code"]
        numbers = {r["guid"]: n for n, r in items}
        if len(numbers) != len(items):
            _unique(self, items, lambda r: r["guid"], "code GUID")
        from codebench.exchange.merge.run import tree_order

        _unique(
            self,
            [(n, r) for n, r in items if r["number"] is not None],
            lambda r: r["number"],
            "code number",
        )
        _unique(self, items, lambda r: (r["parent"], r["name"]), "code name under one parent")
        ordered = tree_order([r for _, r in items], key="guid", parent="parent")
        deep = first_row_too_deep(ordered, key="guid", parent="parent", limit=MAX_CODE_DEPTH)
        if deep is not None:
            raise self.fail(
                numbers[deep["guid"]],
                f"code {deep['name']!r} sits more than {MAX_CODE_DEPTH} levels deep; refused "
                f"(codebench keeps at most {MAX_CODE_DEPTH} levels of codes)",
            )
        for r in ordered:
            n = numbers[r["guid"]]
            parent = r["parent"]
            if parent is not None and parent not in self.codes:
                what = (
                    "a code that comes later in a cycle" if parent in numbers else "an unknown code"
                )
                raise self.fail(n, f"code {r['name']!r}: its parent {parent!r} is {what}")
            if not r["name"].strip():
                raise self.fail(n, "a code needs a name")
            if r["colour"] is not None and not COLOUR.match(r["colour"]):
                raise self.fail(n, f"code {r['name']!r}: colour {r['colour']!r} is not #RRGGBB")
            values = {k: r[k] for k in _FIELDS["code"] if k != "parent"}
            values["archived"] = int(r["archived"])
            values["parent_id"] = self.codes[parent] if parent is not None else None
            self.codes[r["guid"]] = bulk.insert_row(self.db, "codes", values)

    def _load_codings(self, lengths: dict[str, int]) -> None:
        rows, seen = [], set()
        for n, r in self.by_kind["coding"]:
            key = (
                self.ref(self.coders, r["coder"], n, "coder"),
                self.ref(self.codes, r["code"], n, "code"),
                self.ref(self.transcripts, r["transcript"], n, "transcript"),
                r["start"],
                r["end"],
            )
            self.check_span(n, "coding", r["start"], r["end"], lengths[r["transcript"]])
            if key in seen:
                raise self.fail(n, "the same coding appears twice")
            seen.add(key)
            if r["codebook_version"] < 1:
                raise self.fail(
                    n, f"codebook version {r['codebook_version']} (versions start at 1)"
                )
            rows.append((*key, r["created_at"], r["codebook_version"]))
        bulk.insert_many(
            self.db,
            "codings",
            (
                "coder_id",
                "code_id",
                "transcript_id",
                "start_char",
                "end_char",
                "created_at",
                "codebook_version",
            ),
            rows,
        )
        self._load_versions({v for *_k, v in rows})

    def _load_versions(self, used: set[int]) -> None:
        """The dump's codebook versions, replacing the new project's first; or version 1 as loaded.

        A version with codings counts as coded since its snapshot (the next
        change to the codebook opens a new version); a dump without versions
        gets version 1, the codebook it carries.
        """
        from codebench.store import codebook_versions as version_sql

        items = self.by_kind["codebook_version"]
        _unique(self, items, lambda r: r["number"], "codebook version")
        numbers = {r["number"] for _n, r in items}
        for n, r in items:
            if r["number"] < 1:
                raise self.fail(n, f"codebook version {r['number']} (versions start at 1)")
            if not all(type(c) is dict and type(c.get("guid")) is str for c in r["snapshot"]):
                raise self.fail(n, "a codebook version's snapshot must be a list of codes")
        missing = sorted(used - numbers) if items else sorted(used - {1})
        if missing:
            raise self.fail(
                items[0][0] if items else 1,
                f"codings carry codebook version {missing[0]}, which the dump does not hold",
            )
        version_sql.replace_versions(
            self.db,
            [
                (
                    r["number"],
                    [
                        {k: safe_text(v) if isinstance(v, str) else v for k, v in c.items()}
                        for c in r["snapshot"]
                    ],
                    r["created_at"],
                    r["updated_at"],
                )
                for _n, r in items
            ],
            used,
        )

    def _load_memos(self) -> None:
        items = self.by_kind["memo"]
        if not items:
            return
        _unique(self, items, lambda r: r["guid"], "memo GUID")
        segments = bulk.segment_ids(self.db)
        for n, r in items:
            values = {k: r[k] for k in ("guid", "text", "created_at", "updated_at")}
            values["author_id"] = self.ref(self.coders, r["author"], n, "coder")
            values["transcript_id"] = self.ref(self.transcripts, r["transcript"], n, "transcript")
            values["code_id"] = self.ref(self.codes, r["code"], n, "code")
            values["segment_id"] = values["coding_id"] = None
            if r["segment"] is not None:
                seg = r["segment"]
                t_id = self.ref(self.transcripts, seg.get("transcript"), n, "transcript")
                values["segment_id"] = segments.get((t_id, seg.get("ordinal")))  # type: ignore[arg-type]
                if values["segment_id"] is None:
                    raise self.fail(
                        n, f"memo {r['guid']}: no segment {seg.get('ordinal')!r} in that transcript"
                    )
            if r["coding"] is not None:
                c = r["coding"]
                key = (
                    self.ref(self.coders, c.get("coder"), n, "coder"),
                    self.ref(self.codes, c.get("code"), n, "code"),
                    self.ref(self.transcripts, c.get("transcript"), n, "transcript"),
                    c.get("start"),
                    c.get("end"),
                )
                values["coding_id"] = bulk.coding_id(self.db, key)  # type: ignore[arg-type]
                if values["coding_id"] is None:
                    raise self.fail(n, f"memo {r['guid']}: its coding is not in the dump")
            bulk.insert_row(self.db, "memos", values)


def _unique(
    loader: _Loader, items: list[tuple[int, dict[str, Any]]], key: Any, what: str
) -> set[Any]:
    seen: set[Any] = set()
    for number, record in items:
        k = key(record)
        if k in seen:
            raise loader.fail(number, f"{what} {k!r} appears twice")
        seen.add(k)
    return seen


def write_stdout(project: Project, pseudonymiser: Pseudonymiser | None = None) -> Counter[str]:
    """Export to standard output (for ``codebench export jsonl`` without ``-o``)."""
    return export_jsonl(project, sys.stdout.buffer, pseudonymiser=pseudonymiser)
