"""The study design and the analysis as records keyed by GUIDs: what a JSONL dump and a merge carry.

Speakers' attributes, assignments, reliability samples (the draw: seed,
strata, units), rounds (with their coders), framework summaries, code
relations, saved queries and codings flagged for review live in their own
tables, whose rows point at coders, codes and transcripts by local row id.
Here each becomes a record naming them by GUID (a round names its sample by
name, a flagged coding is named by its coder, code, transcript and span), so
the JSONL export writes them, the JSONL import rebuilds them, and a merge
copies them from a coder's file, all with one set of rules:

* every kind has a natural key (a sample's name, a round's number, a
  framework cell's transcript, speaker and code, …);
* a record whose key the target already holds is left as the target has it
  (the lead owns the design); a different value is reported as a conflict,
  an equal one counted unchanged, so merging twice changes nothing;
* a record the target lacks is added.

A reference to an unknown GUID is an error naming the file and line when
importing a dump (:class:`Refs` with ``strict``), and skips the record in a
merge (its transcript was left out, as the merge's other steps do).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from codebench.store import bulk

#: Record kinds in file order (after ``status``, before ``event``), with the table each fills.
KINDS: dict[str, str] = {
    "speaker_attribute": "speaker_attributes",
    "assignment": "assignments",
    "sample": "samples",
    "round": "rounds",
    "round_report": "round_reports",
    "framework_cell": "framework_cells",
    "code_relation": "code_relations",
    "saved_query": "saved_queries",
    "coding_review": "coding_reviews",
}

#: How a merge report names each kind.
REPORT_NAMES: dict[str, str] = {
    "speaker_attribute": "speakers",
    "assignment": "assignments",
    "sample": "samples",
    "round": "rounds",
    "round_report": "frozen round reports",
    "framework_cell": "framework",
    "code_relation": "relations",
    "saved_query": "queries",
    "coding_review": "reviews",
}

_S, _I, _N, _F = str, int, type(None), float

#: Allowed fields per kind and their JSON types (for :mod:`codebench.exchange.jsonl`'s parser).
FIELDS: dict[str, dict[str, tuple[type, ...]]] = {
    "speaker_attribute": {"transcript": (_S,), "speaker": (_S,), "key": (_S,), "value": (_S,)},
    "assignment": {
        "coder": (_S,),
        "transcript": (_S,),
        "first_segment": (_I, _N),
        "last_segment": (_I, _N),
        "assigned_by": (_S, _N),
        "assigned_at": (_S,),
    },
    "sample": {
        "name": (_S,),
        "seed": (_I,),
        "fraction": (_F, _I),
        "stratify": (_S, _N),
        "draw": (_S,),
        "drawn_by": (_S, _N),
        "drawn_at": (_S,),
    },
    "round": {
        "number": (_I,),
        "name": (_S,),
        "sample": (_S,),
        "codebook_version": (_I,),
        "opened_by": (_S, _N),
        "opened_at": (_S,),
        "closed_by": (_S, _N),
        "closed_at": (_S, _N),
        "coders": (list,),
    },
    "round_report": {"round": (_I,), "options": (_S,), "report": (_S,), "frozen_at": (_S,)},
    "framework_cell": {
        "transcript": (_S,),
        "speaker": (_S,),
        "code": (_S,),
        "summary": (_S,),
        "updated_by": (_S, _N),
        "updated_at": (_S,),
    },
    "code_relation": {
        "from_code": (_S,),
        "to_code": (_S,),
        "kind": (_S,),
        "note": (_S,),
        "created_by": (_S, _N),
        "created_at": (_S,),
    },
    "saved_query": {
        "name": (_S,),
        "expression": (_S,),
        "scope": (_S,),
        "created_at": (_S,),
        "updated_at": (_S,),
    },
    "coding_review": {
        "coder": (_S,),
        "code": (_S,),
        "transcript": (_S,),
        "start": (_I,),
        "end": (_I,),
        "reason": (_S,),
        "version": (_I,),
        "was": (_S,),
        "flagged_at": (_S,),
    },
}

#: Reasons a coding is flagged for review (the table's CHECK).
REVIEW_REASONS = ("clamped", "orphaned")


class RecordProblem(Exception):
    """A record cannot be loaded; the message says why (the caller adds file and line)."""


class _Skip(Exception):
    """A record refers to something this merge left out: skip it."""


@dataclass
class Refs:
    """GUID → row id here, per table, and what to do with an unknown GUID."""

    coders: Mapping[str, int]
    codes: Mapping[str, int]
    transcripts: Mapping[str, int]
    #: A dump: an unknown GUID is an error. A merge: the record is skipped.
    strict: bool
    #: GUID → how conflict lines name it (a transcript's name, a code's number and name).
    names: Mapping[str, str] = field(default_factory=dict)

    def name(self, guid: str) -> str:
        return self.names.get(guid, guid)

    def get(self, what: str, guid: str | None) -> int | None:
        if guid is None:
            return None
        table = {"coder": self.coders, "code": self.codes, "transcript": self.transcripts}[what]
        if guid in table:
            return table[guid]
        if self.strict:
            raise RecordProblem(f"unknown {what} {guid!r} (no {what} record with that GUID)")
        raise _Skip

    def need(self, what: str, guid: str) -> int:
        found = self.get(what, guid)
        assert found is not None
        return found


@dataclass
class Outcome:
    """Per kind: records added, records equal to the target's, and conflicts (one line each)."""

    added: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    conflicts: list[str] = field(default_factory=list)


def export_records(db: Any, schema: str = "main") -> dict[str, list[dict[str, Any]]]:
    """Every study record of ``schema``, per kind in :data:`KINDS` order."""
    out = {kind: bulk.study_rows(db, kind, schema) for kind in KINDS}
    for record in out["round"]:
        record["coders"] = json.loads(record["coders"] or "[]")
    return out


def check_record(kind: str, record: Any) -> dict[str, Any]:
    """A record read from a file other than a JSONL dump (a REFI-QDA design note): its
    fields and their types, checked as the dump's parser checks them; strings made safe."""
    from codebench.safety import safe_text

    fields = FIELDS[kind]
    if type(record) is not dict or set(record) != set(fields):
        raise RecordProblem(f"a {kind} must have exactly the fields {', '.join(fields)}")
    out = {}
    for key, value in record.items():
        if type(value) not in fields[key]:
            raise RecordProblem(f"{kind} field {key!r} has the wrong type")
        out[key] = safe_text(value) if isinstance(value, str) else value
    return out


def _json_object(text: str, what: str) -> None:
    try:
        value = json.loads(text)
    except ValueError:
        raise RecordProblem(f"{what} is not JSON text") from None
    if type(value) is not dict:
        raise RecordProblem(f"{what} must be a JSON object")


def _nonblank(value: str, what: str) -> str:
    if not value.strip():
        raise RecordProblem(f"{what} is empty")
    return value


# Per kind: the record as the table's row (column → value), its natural key columns and the
# columns compared with a row already here (the rest are who and when).


def _speaker_attribute(r: dict[str, Any], refs: Refs) -> dict[str, Any]:
    if not r["speaker"]:
        raise RecordProblem("a speaker attribute needs a speaker")
    return {
        "transcript_id": refs.need("transcript", r["transcript"]),
        "speaker": r["speaker"],
        "key": _nonblank(r["key"], "a speaker attribute's key"),
        "value": r["value"],
    }


def _assignment(r: dict[str, Any], refs: Refs) -> dict[str, Any]:
    first, last = r["first_segment"], r["last_segment"]
    if (first is None) != (last is None):
        raise RecordProblem("an assignment needs both first_segment and last_segment, or neither")
    if first is not None and not 0 <= first <= last:
        raise RecordProblem(f"assignment segments {first}–{last} are reversed or negative")
    return {
        "coder_id": refs.need("coder", r["coder"]),
        "transcript_id": refs.need("transcript", r["transcript"]),
        "first_segment": first,
        "last_segment": last,
        "assigned_by": refs.get("coder", r["assigned_by"]),
        "assigned_at": r["assigned_at"],
    }


def _sample(r: dict[str, Any], refs: Refs) -> dict[str, Any]:
    if not 0 < r["fraction"] <= 1:
        raise RecordProblem(f"sample fraction {r['fraction']} is not in (0, 1]")
    _json_object(r["draw"], "a sample's draw")
    return {
        "name": _nonblank(r["name"], "a sample's name"),
        "seed": r["seed"],
        "fraction": float(r["fraction"]),
        "stratify": r["stratify"],
        "draw": r["draw"],
        "drawn_by": refs.get("coder", r["drawn_by"]),
        "drawn_at": r["drawn_at"],
    }


def _framework_cell(r: dict[str, Any], refs: Refs) -> dict[str, Any]:
    return {
        "transcript_id": refs.need("transcript", r["transcript"]),
        "speaker": r["speaker"],
        "code_id": refs.need("code", r["code"]),
        "summary": r["summary"],
        "updated_by": refs.get("coder", r["updated_by"]),
        "updated_at": r["updated_at"],
    }


def _code_relation(r: dict[str, Any], refs: Refs) -> dict[str, Any]:
    row = {
        "from_code": refs.need("code", r["from_code"]),
        "to_code": refs.need("code", r["to_code"]),
        "kind": _nonblank(r["kind"], "a code relation's kind"),
        "note": r["note"],
        "created_by": refs.get("coder", r["created_by"]),
        "created_at": r["created_at"],
    }
    if row["from_code"] == row["to_code"]:
        raise RecordProblem("a code relation must join two different codes")
    return row


def _saved_query(r: dict[str, Any], refs: Refs) -> dict[str, Any]:
    _json_object(r["scope"], "a saved query's scope")
    return {
        "name": _nonblank(r["name"], "a saved query's name"),
        "expression": r["expression"],
        "scope": r["scope"],
        "created_at": r["created_at"],
        "updated_at": r["updated_at"],
    }


@dataclass(frozen=True)
class _Kind:
    to_row: Callable[[dict[str, Any], Refs], dict[str, Any]]
    key: tuple[str, ...]
    compared: tuple[str, ...]
    label: Callable[[dict[str, Any], Refs], str]


_SIMPLE: dict[str, _Kind] = {
    "speaker_attribute": _Kind(
        _speaker_attribute,
        ("transcript_id", "speaker", "key"),
        ("value",),
        lambda r, n: f"{n.name(r['transcript'])} speaker {r['speaker']!r} attribute {r['key']!r}",
    ),
    "assignment": _Kind(
        _assignment,
        ("coder_id", "transcript_id", "first_segment", "last_segment"),
        (),
        lambda r, n: f"assignment of {n.name(r['transcript'])}",
    ),
    "sample": _Kind(
        _sample,
        ("name",),
        ("seed", "fraction", "stratify", "draw"),
        lambda r, n: f"sample {r['name']!r}",
    ),
    "framework_cell": _Kind(
        _framework_cell,
        ("transcript_id", "speaker", "code_id"),
        ("summary",),
        lambda r, n: (
            f"framework summary of {n.name(r['transcript'])}"
            + (f"/{r['speaker']}" if r["speaker"] else "")
            + f" under {n.name(r['code'])}"
        ),
    ),
    "code_relation": _Kind(
        _code_relation,
        ("from_code", "to_code", "kind"),
        ("note",),
        lambda r, n: f"code relation {n.name(r['from_code'])} {r['kind']!r} {n.name(r['to_code'])}",
    ),
    "saved_query": _Kind(
        _saved_query,
        ("name",),
        ("expression", "scope"),
        lambda r, n: f"saved query {r['name']!r}",
    ),
}


def add_records(
    db: Any,
    records: Mapping[str, list[tuple[int, dict[str, Any]]]],
    refs: Refs,
    *,
    source: str,
    fail: Callable[[int, str], Exception],
) -> Outcome:
    """Add the records the project lacks (inside the caller's transaction); see the module's rules.

    ``records`` holds ``(line number, record)`` pairs per kind; ``fail``
    turns a problem on a line into the caller's error. ``source`` names the
    other file in conflict lines.
    """
    outcome = Outcome()

    def load(kind: str, number: int, record: dict[str, Any], to_row: Any) -> dict[str, Any] | None:
        try:
            return to_row(record, refs)
        except RecordProblem as problem:
            raise fail(number, str(problem)) from None
        except _Skip:
            return None

    for kind in ("speaker_attribute", "assignment", "sample", "framework_cell", "code_relation"):
        _add_simple(db, kind, records.get(kind, []), load, outcome, source, fail, refs)
    _add_rounds(db, records.get("round", []), refs, load, outcome, source, fail)
    _add_round_reports(db, records.get("round_report", []), refs, outcome, source, fail)
    _add_simple(
        db, "saved_query", records.get("saved_query", []), load, outcome, source, fail, refs
    )
    _add_reviews(db, records.get("coding_review", []), refs, load, outcome, fail)
    return outcome


def _add_simple(
    db: Any,
    kind: str,
    items: list[tuple[int, dict[str, Any]]],
    load: Any,
    outcome: Outcome,
    source: str,
    fail: Callable[[int, str], Exception],
    refs: Refs,
) -> None:
    spec = _SIMPLE[kind]
    table = KINDS[kind]
    here = {
        row[: len(spec.key)]: row[len(spec.key) :]
        for row in bulk.study_table_rows(db, table, (*spec.key, *spec.compared))
    }
    added = unchanged = 0
    for number, record in items:
        row = load(kind, number, record, spec.to_row)
        if row is None:
            continue
        key = tuple(row[c] for c in spec.key)
        values = tuple(row[c] for c in spec.compared)
        if key in here:
            label = spec.label(record, refs)
            if refs.strict:
                raise fail(number, f"{label} appears twice")
            if here[key] == values:
                unchanged += 1
            else:
                outcome.conflicts.append(f"{label}: differs in {source}; kept this file's")
            continue
        bulk.insert_row(db, table, row)
        here[key] = values
        added += 1
    outcome.added[kind] = added
    outcome.unchanged[kind] = unchanged


def _add_rounds(
    db: Any,
    items: list[tuple[int, dict[str, Any]]],
    refs: Refs,
    load: Any,
    outcome: Outcome,
    source: str,
    fail: Callable[[int, str], Exception],
) -> None:
    samples = dict(bulk.study_table_rows(db, "samples", ("name", "id")))
    sample_names = {i: n for n, i in samples.items()}
    here = {
        number: (name, sample_names.get(sample_id))
        for number, name, sample_id in bulk.study_table_rows(
            db, "rounds", ("number", "name", "sample_id")
        )
    }
    names = {name for name, _s in here.values()}
    added = unchanged = 0
    for number, record in items:
        row = load("round", number, record, _round_row)
        if row is None:
            continue
        if record["sample"] not in samples:
            raise fail(number, f"round {record['number']}: unknown sample {record['sample']!r}")
        coders = [refs.get("coder", guid) for guid in record["coders"]]
        label = f"round {record['number']}"
        if record["number"] in here:
            if refs.strict:
                raise fail(number, f"{label} appears twice")
            if here[record["number"]] == (record["name"], record["sample"]):
                unchanged += 1
            else:
                outcome.conflicts.append(
                    f"{label} is {record['name']!r} on sample {record['sample']!r} in {source}, "
                    f"{here[record['number']][0]!r} here; kept this file's"
                )
            continue
        if record["name"] in names:
            if refs.strict:
                raise fail(number, f"round name {record['name']!r} appears twice")
            outcome.conflicts.append(
                f"{label} {record['name']!r} in {source}: another round here has that name; "
                "not added"
            )
            continue
        row["sample_id"] = samples[record["sample"]]
        round_id = bulk.insert_row(db, "rounds", row)
        for coder_id in dict.fromkeys(coders):
            bulk.insert_row(db, "round_coders", {"round_id": round_id, "coder_id": coder_id})
        here[record["number"]] = (record["name"], record["sample"])
        names.add(record["name"])
        added += 1
    outcome.added["round"] = added
    outcome.unchanged["round"] = unchanged


def _add_round_reports(
    db: Any,
    items: list[tuple[int, dict[str, Any]]],
    refs: Refs,
    outcome: Outcome,
    source: str,
    fail: Callable[[int, str], Exception],
) -> None:
    """A closed round's frozen report, on the round of that number here (after the rounds).

    The report and its options are JSON objects kept as text; anything else is
    refused, so a later ``agreement --round N`` never reads a broken freeze.
    A round here that already holds a frozen report keeps it.
    """
    rounds = dict(bulk.study_table_rows(db, "rounds", ("number", "id")))
    frozen = {rid for (rid,) in bulk.study_table_rows(db, "round_reports", ("round_id",))}
    added = unchanged = 0
    for number, record in items:
        label = f"round {record['round']}'s frozen report"
        for key in ("options", "report"):
            try:
                value = json.loads(record[key])
            except ValueError:
                value = None
            if type(value) is not dict:
                raise fail(number, f"{label}: {key} is not a JSON object")
        if record["round"] not in rounds:
            raise fail(number, f"{label}: no round {record['round']}")
        round_id = rounds[record["round"]]
        if round_id in frozen:
            if refs.strict:
                raise fail(number, f"{label} appears twice")
            unchanged += 1
            continue
        bulk.insert_row(
            db,
            "round_reports",
            {
                "round_id": round_id,
                "options": record["options"],
                "report": record["report"],
                "frozen_at": record["frozen_at"],
            },
        )
        frozen.add(round_id)
        added += 1
    outcome.added["round_report"] = added
    outcome.unchanged["round_report"] = unchanged


def _round_row(r: dict[str, Any], refs: Refs) -> dict[str, Any]:
    if r["number"] < 1:
        raise RecordProblem(f"round number {r['number']} (rounds start at 1)")
    if not all(type(c) is str for c in r["coders"]):
        raise RecordProblem("a round's coders must be a list of coder GUIDs")
    for guid in r["coders"]:
        refs.get("coder", guid)
    if (r["closed_at"] is None) and r["closed_by"] is not None:
        raise RecordProblem("a round closed by someone needs closed_at")
    return {
        "number": r["number"],
        "name": _nonblank(r["name"], "a round's name"),
        "codebook_version": r["codebook_version"],
        "opened_by": refs.get("coder", r["opened_by"]),
        "opened_at": r["opened_at"],
        "closed_by": refs.get("coder", r["closed_by"]),
        "closed_at": r["closed_at"],
    }


def _add_reviews(
    db: Any,
    items: list[tuple[int, dict[str, Any]]],
    refs: Refs,
    load: Any,
    outcome: Outcome,
    fail: Callable[[int, str], Exception],
) -> None:
    here = {row[0] for row in bulk.study_table_rows(db, "coding_reviews", ("coding_id",))}
    added = unchanged = 0
    for number, record in items:
        row = load("coding_review", number, record, _review_row)
        if row is None:
            continue
        key = (
            row.pop("coder_id"),
            row.pop("code_id"),
            row.pop("t_id"),
            record["start"],
            record["end"],
        )
        coding = bulk.coding_id(db, key)
        if coding is None:
            if refs.strict:
                raise fail(number, "a flagged coding is not in the dump")
            continue
        if coding in here:
            if refs.strict:
                raise fail(number, "the same flagged coding appears twice")
            unchanged += 1
            continue
        bulk.insert_row(db, "coding_reviews", {"coding_id": coding, **row})
        here.add(coding)
        added += 1
    outcome.added["coding_review"] = added
    outcome.unchanged["coding_review"] = unchanged


def _review_row(r: dict[str, Any], refs: Refs) -> dict[str, Any]:
    if r["reason"] not in REVIEW_REASONS:
        raise RecordProblem(
            f"unknown review reason {r['reason']!r} (use {', '.join(REVIEW_REASONS)})"
        )
    return {
        "coder_id": refs.need("coder", r["coder"]),
        "code_id": refs.need("code", r["code"]),
        "t_id": refs.need("transcript", r["transcript"]),
        "reason": r["reason"],
        "version": r["version"],
        "was": r["was"],
        "flagged_at": r["flagged_at"],
    }
