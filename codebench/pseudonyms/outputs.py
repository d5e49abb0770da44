"""The key applied to the two whole-project exports, at the one place each is complete.

A JSONL dump and a REFI-QDA project both carry the transcripts' full texts
and offsets into them (segments, codings, memos on codings, selections).
Each is mapped as a whole here, after the exporter has gathered it and
before it is written, so the texts, names, attribute values, memos and code
texts are pseudonymised and every offset is moved onto the pseudonymised
text: the exported project opens with each coding on the same words.

What the JSONL export leaves out when pseudonymised: the event log (who
did what, when, with the original text and offsets in its payloads) — an
audit trail for the team, not for sharing. It is replaced by nothing; a
dump without events imports as a project without history.

The exchange modules call these functions; nothing here imports them.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable, Iterator
from typing import Any

from codebench.pseudonyms.apply import Pseudonymiser, TextMap

#: JSONL record fields that are identifiers or values, never text to map.
_JSONL_KEEP = frozenset(
    {
        "type",
        "guid",
        "parent",
        "transcript",
        "segment_transcript",
        "coding_transcript",
        "code",
        "coder",
        "author",
        "coding_coder",
        "coding_code",
        "sha256",
        "colour",
        "shortcut",
        "created_at",
        "updated_at",
        "imported_at",
        "at",
        "status",
        "kind",
        "language",
        "unit",
        "source_format",
        "format",
        "schema",
        # the study records' references (GUIDs) and times
        "from_code",
        "to_code",
        "assigned_by",
        "assigned_at",
        "drawn_by",
        "drawn_at",
        "opened_by",
        "opened_at",
        "closed_by",
        "closed_at",
        "updated_by",
        "created_by",
        "flagged_at",
        "reason",
    }
)


def jsonl_records(
    records: Iterable[dict[str, Any]], pseudonymiser: Pseudonymiser
) -> Iterator[dict[str, Any]]:
    """JSONL records (in export order: transcripts before what points into them), pseudonymised."""
    maps: dict[str, tuple[str, TextMap]] = {}  # transcript GUID -> (name, map)
    for record in records:
        kind = record.get("type")
        if kind == "event":
            continue
        if kind == "header":
            yield record
            continue
        if kind == "transcript":
            name = record["name"]
            mapped = pseudonymiser.map_text(record["text"], name)
            maps[record["guid"]] = (name, mapped)
            out = _strings(record, pseudonymiser, name, skip=frozenset({"text"}))
            out["text"] = mapped.text
            out["sha256"] = hashlib.sha256(mapped.text.encode("utf-8")).hexdigest()
            yield out
            continue
        if kind == "codebook_version":  # each code of the snapshot, as a code record is mapped
            out = dict(record)
            out["snapshot"] = [
                _strings(code, pseudonymiser, None, skip=frozenset({"guid", "parent", "number"}))
                for code in record["snapshot"]
            ]
            yield out
            continue
        scope = maps.get(record.get("transcript") or "")
        out = _strings(record, pseudonymiser, scope[0] if scope else None)
        if kind in ("segment", "coding", "coding_review") and scope is not None:
            out["start"], out["end"] = scope[1].span(record["start"], record["end"])
        if kind == "memo" and isinstance(record.get("coding"), dict):
            coding = dict(record["coding"])
            target = maps.get(coding.get("transcript") or "")
            if target is not None:
                coding["start"], coding["end"] = target[1].span(coding["start"], coding["end"])
            out["coding"] = coding
        yield out


def _strings(
    record: dict[str, Any],
    pseudonymiser: Pseudonymiser,
    transcript: str | None,
    skip: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    out = {}
    for key, value in record.items():
        if key in _JSONL_KEEP or key in skip or not isinstance(value, str):
            out[key] = value
        else:
            out[key] = pseudonymiser.text(value, transcript)
    return out


def refi_project(refi: Any, pseudonymiser: Pseudonymiser) -> Any:
    """A :class:`~codebench.exchange.refi.RefiProject` with its sources, selections,
    notes, cases and codes pseudonymised (selections moved onto the new texts)."""
    maps: dict[str, TextMap] = {}
    names: dict[str, str] = {}
    sources = []
    for source in refi.sources:
        names[source.guid] = source.name
        if source.text is None:
            sources.append(
                dataclasses.replace(source, name=pseudonymiser.text(source.name, source.name))
            )
            continue
        mapped = maps[source.guid] = pseudonymiser.map_text(source.text, source.name)
        sources.append(
            dataclasses.replace(
                source, name=pseudonymiser.text(source.name, source.name), text=mapped.text
            )
        )
    selections = []
    for selection in refi.selections:
        source_map = maps.get(selection.source_guid)
        if source_map is None:
            selections.append(selection)
            continue
        start, end = source_map.span(selection.start, selection.end)
        selections.append(_moved(selection, start, end))
    return dataclasses.replace(
        refi,
        name=pseudonymiser.text(refi.name),
        sources=sources,
        selections=selections,
        notes=[_texts(n, pseudonymiser, ("name", "text", "description")) for n in refi.notes],
        cases=[
            dataclasses.replace(
                case,
                name=pseudonymiser.text(case.name, case.name),
                description=pseudonymiser.text(case.description, case.name),
                variables={k: pseudonymiser.text(v, case.name) for k, v in case.variables.items()},
            )
            for case in refi.cases
        ],
        codes=refi_codes(refi.codes, pseudonymiser),
    )


def _moved(selection: Any, start: int, end: int) -> Any:
    """A copy of a (frozen) selection with new offsets; a plain copy when the class allows it,
    since :func:`dataclasses.replace` would be most of the cost of a large export."""
    if not hasattr(selection, "__dict__"):
        return dataclasses.replace(selection, start=start, end=end)
    moved = object.__new__(type(selection))
    moved.__dict__.update(selection.__dict__, start=start, end=end)
    return moved


def _texts(item: Any, pseudonymiser: Pseudonymiser, fields: tuple[str, ...]) -> Any:
    return dataclasses.replace(item, **{f: pseudonymiser.text(getattr(item, f)) for f in fields})


def refi_codes(codes: Iterable[Any], pseudonymiser: Pseudonymiser) -> list[Any]:
    """REFI-QDA codes (a ``.qdpx`` project's or a ``.qdc`` codebook's) with their names and
    descriptions pseudonymised: definitions and examples may quote an interview."""
    return [_code(c, pseudonymiser) for c in codes]


def _code(code: Any, pseudonymiser: Pseudonymiser) -> Any:
    return dataclasses.replace(
        code,
        name=pseudonymiser.text(code.name),
        description=pseudonymiser.text(code.description),
        children=[_code(c, pseudonymiser) for c in code.children],
    )
