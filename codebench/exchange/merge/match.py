"""Merge steps for the small tables: match the source's rows to the target's and build the id maps.

Transcripts (by text hash), coders (by GUID, then name), codes (by GUID,
then name under the same parent), settings and attributes. Each step fills
the :class:`MergeContext`'s maps from source row ids to target row ids,
which :mod:`codebench.exchange.merge.copy` then uses to copy the big tables
in bulk. Rules and their reasons are in :mod:`codebench.exchange.merge.run`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codebench.coding.correction import VersionChain, chain_from
from codebench.exchange.merge.report import MergeRefused, SourceReport
from codebench.nesting import MAX_CODE_DEPTH, first_row_too_deep
from codebench.store import bulk, merge_sql
from codebench.store import codebook_versions as codebook_sql
from codebench.store import codes as code_sql
from codebench.store import versions as version_sql
from codebench.wording import noun, plural

if TYPE_CHECKING:
    import sqlite_utils

#: Settings that belong to one laptop's front end, never merged.
_LOCAL_SETTINGS = ("tui.",)
#: A team copy's sync identity (its hub, login, coder, what it pushed): never merged, or the
#: merged file would sync as that copy's person.
_TEAM_SETTINGS = "team."

#: A code's fields a merge compares and copies: what an edit may change, and its archived flag.
_CODE_FIELDS = (*code_sql.EDITABLE, "archived")


@dataclass
class MergeContext:
    """One source file being merged into the target: the report it fills and the id maps built on the way."""

    db: sqlite_utils.Database
    #: The source file as named by the user (reports and refusals quote it).
    path: Path
    target_path: Path
    report: SourceReport
    #: Source row id → target row id.
    coders: dict[int, int] = field(default_factory=dict)
    codes: dict[int, int] = field(default_factory=dict)
    transcripts: dict[int, int] = field(default_factory=dict)
    #: Source transcript id → its name (for report lines).
    transcript_names: dict[int, str] = field(default_factory=dict)
    #: Source transcript id → how its offsets reach the target's text, which is a
    #: later (corrected) version of the source's.
    remapped: dict[int, VersionChain] = field(default_factory=dict)
    #: Source transcripts whose text is no version the target knows: their codings,
    #: memos, statuses, attributes and events are not merged.
    refused_transcripts: set[int] = field(default_factory=set)
    #: Source transcript id → the new transcript here (their versions follow once coders are matched).
    added_transcripts: dict[int, int] = field(default_factory=dict)

    @property
    def src_name(self) -> str:
        return self.path.name

    @property
    def tgt_name(self) -> str:
        return self.target_path.name


# --------------------------------------------------------------------- transcripts


def match_transcripts(ctx: MergeContext) -> None:
    """Match transcripts by text hash and add the new ones with their segments.

    A source transcript whose text is an older version of one here (it was
    corrected here since) is matched to it, and its codings are carried
    through the corrections. One named as (or with the GUID of) one here but
    with text that is no kept version of it is left out with its codings,
    memos, statuses and events (they index another text), and the rest of the
    file is merged.
    """
    report = ctx.report
    outside = merge_sql.spans_outside_text(ctx.db)
    if outside:
        table, name, low, high, length = outside[0]
        raise MergeRefused(
            f"{ctx.path}: {table} of transcript {name!r} reach {low}–{high}, outside its text "
            f"(0–{length}); refused (the file was not written by codebench as it is)"
        )
    columns = "id, guid, name, sha256"
    source = bulk.fetch_rows(ctx.db, "transcripts", bulk.SOURCE, columns=columns, order_by="name")
    target = bulk.fetch_rows(ctx.db, "transcripts", columns=columns)
    by_sha = {t["sha256"]: t for t in target}
    by_name = {t["name"]: t for t in target}
    by_guid = {t["guid"]: t for t in target}
    to_add = []
    for s in source:
        ctx.transcript_names[s["id"]] = s["name"]
        here = by_sha.get(s["sha256"])
        if here is not None:
            ctx.transcripts[s["id"]] = here["id"]
            if here["name"] != s["name"]:
                report.conflicts.append(
                    f"transcript {here['name']!r} is named {s['name']!r} in {ctx.src_name} (same text); kept {here['name']!r}"
                )
            if here["guid"] != s["guid"]:
                report.notes.append(
                    f"transcript {here['name']!r} has another GUID in {ctx.src_name} (same text); matched by text"
                )
            continue
        chain = chain_from(ctx.db, s["sha256"])
        if chain is not None:
            ctx.transcripts[s["id"]] = chain.transcript_id
            ctx.remapped[s["id"]] = chain
            here_name = next(t["name"] for t in target if t["id"] == chain.transcript_id)
            report.notes.append(
                f"transcript {s['name']!r} in {ctx.src_name} is version {chain.version} of "
                f"{here_name!r} here (corrected since, now version {chain.current}); its codings "
                "were carried through the corrections"
            )
            continue
        clash = by_name.get(s["name"]) or by_guid.get(s["guid"])
        if clash is not None:
            ctx.refused_transcripts.add(s["id"])
            newer = version_sql.source_has_version(ctx.db, bulk.SOURCE, s["id"], clash["sha256"])
            why = (
                f"it was corrected in {ctx.src_name} after this text; merge the other way round,"
                " or make the same correction here first"
                if newer
                else "neither text is a kept version of the other"
            )
            report.conflicts.append(
                f"transcript {s['name']!r} in {ctx.src_name} has different text from "
                f"{clash['name']!r} here (sha256 {s['sha256'][:12]}… vs {clash['sha256'][:12]}…): {why}."
                " Its codings, memos, statuses and events were not merged (they index another text);"
                " the rest of the file was"
            )
            continue
        to_add.append(s)
    _compare_segmentation(ctx, source)
    report.unchanged["transcripts"] += len(source) - len(to_add)
    for s in to_add:
        new_id = merge_sql.copy_transcript(ctx.db, s["id"])
        ctx.transcripts[s["id"]] = new_id
        ctx.added_transcripts[s["id"]] = new_id
        report.added["segments"] += merge_sql.copy_segments(ctx.db, s["id"], new_id)
        report.added["transcripts"] += 1
        report.added_names.setdefault("transcripts", []).append(s["name"])


def _compare_segmentation(ctx: MergeContext, source: list[dict[str, Any]]) -> None:
    """Count the segments of matched transcripts as unchanged, or report that they are segmented differently.

    Reads both sides' segment bounds in one query each (not two per transcript).
    """
    # A corrected transcript's segments moved with its text: not comparable.
    matched = [s for s in source if s["id"] in ctx.transcripts and s["id"] not in ctx.remapped]
    mine_all = merge_sql.segment_bounds(ctx.db, [ctx.transcripts[s["id"]] for s in matched])
    theirs_all = merge_sql.segment_bounds(ctx.db, [s["id"] for s in matched], bulk.SOURCE)
    segments_here = 0
    for s in matched:
        mine = mine_all[ctx.transcripts[s["id"]]]
        theirs = theirs_all[s["id"]]
        if mine == theirs:
            segments_here += len(mine)
        else:
            ctx.report.conflicts.append(
                f"transcript {s['name']!r} is segmented differently in {ctx.src_name} ({plural(len(theirs), 'segment')}, "
                f"{len(mine)} here); kept this file's segments (codings are character spans, unaffected)"
            )
    ctx.report.unchanged["segments"] += segments_here


# --------------------------------------------------------------------- settings


def merge_settings(ctx: MergeContext) -> None:
    """Add settings the target lacks; a different value is reported and the target's kept."""
    target = {r["key"]: r["value"] for r in bulk.fetch_rows(ctx.db, "meta")}
    skipped_team = False
    for s in bulk.fetch_rows(ctx.db, "meta", bulk.SOURCE, order_by="key"):
        if s["key"].startswith(_LOCAL_SETTINGS):
            continue
        if s["key"].startswith(_TEAM_SETTINGS):
            skipped_team = True
            continue
        value = target.get(s["key"])
        if value is None:
            bulk.insert_row(ctx.db, "meta", {"key": s["key"], "value": s["value"]})
            ctx.report.added["settings"] += 1
        elif value == s["value"]:
            ctx.report.unchanged["settings"] += 1
        else:
            ctx.report.conflicts.append(
                f"setting {s['key']!r}: {_short(value)} here, {_short(s['value'])} in {ctx.src_name}; kept this file's"
            )
    if skipped_team:
        ctx.report.notes.append(
            f"{ctx.src_name} is a team copy: its sync settings (team.*: hub, login, coder) were "
            "not merged, so this file does not sync as that copy"
        )


def merge_codebook_versions(ctx: MergeContext) -> None:
    """Take the source's later codebook versions when it continues this file's history.

    Copies of one team project hold the lead's versions, so a merge of them
    must file their codings under the same versions. A file with no codings
    yet takes the source's versions whole; a file whose versions the source
    shares (the same meaning at each number) takes the source's later ones.
    Otherwise the two histories differ: this file's are kept and said so
    (the source's codings then carry at most this file's newest version).
    """

    def rows(schema: str) -> dict[int, tuple[int, str, str, str]]:
        return {v[0]: v for v in merge_sql.codebook_versions_in(ctx.db, schema)}

    here, there = rows("main"), rows(bulk.SOURCE)
    fresh = set(here) <= {1} and not bulk.count_rows(ctx.db, "codings")
    if fresh:
        taken = sorted(there) if there and here != there else []
    elif all(codebook_sql.same_meaning(here[n][1], there[n][1]) for n in here.keys() & there):
        taken = sorted(n for n in there if n not in here)
    else:
        ctx.report.conflicts.append(
            f"codebook versions differ from {ctx.src_name}'s; kept this file's (codings from "
            f"there carry at most version {max(here, default=1)} here)"
        )
        return
    if not taken:
        return
    codebook_sql.take_versions(ctx.db, [there[n] for n in taken], replace=fresh)
    span = str(taken[0]) if len(taken) == 1 else f"{taken[0]}–{taken[-1]}"
    ctx.report.notes.append(
        f"codebook {noun(len(taken), 'version')} {span} taken from {ctx.src_name} "
        "(its codings carry them)"
    )


# --------------------------------------------------------------------- coders


def match_coders(ctx: MergeContext) -> None:
    """Match coders by GUID, then by name ignoring case; add the others."""
    source = bulk.fetch_rows(ctx.db, "coders", bulk.SOURCE, order_by="id")
    target = bulk.fetch_rows(ctx.db, "coders")
    by_guid = {k["guid"]: k for k in target}
    by_name = {k["name"].casefold(): k for k in target}
    for s in source:
        here = by_guid.get(s["guid"]) or by_name.get(s["name"].casefold())
        if here is None:
            values = {key: s[key] for key in ("guid", "name", "kind", "created_at")}
            ctx.coders[s["id"]] = bulk.insert_row(ctx.db, "coders", values)
            ctx.report.added["coders"] += 1
            ctx.report.added_names.setdefault("coders", []).append(s["name"])
            continue
        ctx.coders[s["id"]] = here["id"]
        diffs = [
            f"{key} {here[key]!r} here, {s[key]!r} in {ctx.src_name}"
            for key in ("name", "kind")
            if here[key] != s[key]
        ]
        if diffs:
            ctx.report.conflicts.append(
                f"coder {here['name']!r}: {'; '.join(diffs)}; kept this file's"
            )
        else:
            ctx.report.unchanged["coders"] += 1


# --------------------------------------------------------------------- codes


def match_codes(ctx: MergeContext) -> None:
    """Match codes by GUID, then by name under the same parent; add the others under their parents.

    Parents come before children (:func:`tree_order`), so a new child finds
    its parent's target id in the map.
    """
    report = ctx.report
    source = tree_order(bulk.fetch_rows(ctx.db, "codes", bulk.SOURCE))
    deep = first_row_too_deep(source, key="id", parent="parent_id", limit=MAX_CODE_DEPTH)
    if deep is not None:
        raise MergeRefused(
            f"{ctx.path}: code {_label(deep)!r} sits more than {MAX_CODE_DEPTH} levels deep; "
            f"refused (codebench keeps at most {MAX_CODE_DEPTH} levels of codes)"
        )
    target = bulk.fetch_rows(ctx.db, "codes")
    by_guid = {c["guid"]: c for c in target}
    by_id = {c["id"]: c for c in target}
    by_path = {(c["parent_id"], c["name"].casefold()): c for c in target}
    numbers = {c["number"]: c for c in target if c["number"] is not None}
    claimed: dict[int, str] = {}
    for s in source:
        parent = ctx.codes.get(s["parent_id"]) if s["parent_id"] is not None else None
        here = by_guid.get(s["guid"])
        if here is not None:
            ctx.codes[s["id"]] = here["id"]
            claimed[here["id"]] = s["guid"]
            diffs = [
                f"{key} {_short(here[key])} here, {_short(s[key])} in {ctx.src_name}"
                for key in _CODE_FIELDS
                if here[key] != s[key]
            ]
            if here["parent_id"] != parent:
                where_here = (
                    _label(by_id[here["parent_id"]]) if here["parent_id"] in by_id else "top level"
                )
                where_src = _label(by_id[parent]) if parent in by_id else "top level"
                diffs.append(f"under {where_here!r} here, {where_src!r} in {ctx.src_name}")
            if diffs:
                report.conflicts.append(
                    f"code {_label(here)!r}: {'; '.join(diffs)}; kept this file's"
                )
            else:
                report.unchanged["codes"] += 1
            continue
        here = by_path.get((parent, s["name"].casefold()))
        if here is not None:
            if here["id"] in claimed and claimed[here["id"]] != s["guid"]:
                raise MergeRefused(
                    f"code {s['name']!r} (GUID {s['guid']}) in {ctx.path} has the name of a different code in "
                    f"{ctx.tgt_name} ({_label(here)!r}, GUID {here['guid']}); rename one of them and merge again"
                )
            ctx.codes[s["id"]] = here["id"]
            claimed[here["id"]] = s["guid"]
            report.conflicts.append(
                f"code {_label(here)!r} matched by name: GUID {s['guid']} in {ctx.src_name}, {here['guid']} here"
            )
            continue
        values = {key: s[key] for key in ("guid", *_CODE_FIELDS, "created_at")}
        if s["number"] is not None and s["number"] in numbers:
            values["number"] = None
            report.conflicts.append(
                f"code {s['name']!r} added without its number {s['number']}: {_label(numbers[s['number']])!r} has it here"
            )
        values["parent_id"] = parent
        values["position"] = code_sql.next_position(ctx.db, parent)
        new_id = bulk.insert_row(ctx.db, "codes", values)
        row = {**values, "id": new_id}
        ctx.codes[s["id"]] = new_id
        claimed[new_id] = s["guid"]
        by_guid[s["guid"]] = by_id[new_id] = by_path[(parent, s["name"].casefold())] = row
        if values["number"] is not None:
            numbers[values["number"]] = row
        report.added["codes"] += 1
        report.added_names.setdefault("codes", []).append(_label(row))


# --------------------------------------------------------------------- attributes


def merge_attributes(ctx: MergeContext) -> None:
    """Add attributes the target's transcripts lack; a different value is reported and the target's kept."""
    target = {
        (a["transcript_id"], a["key"]): a["value"] for a in bulk.fetch_rows(ctx.db, "attributes")
    }
    rows = []
    for a in bulk.fetch_rows(ctx.db, "attributes", bulk.SOURCE, order_by="transcript_id, key"):
        if a["transcript_id"] not in ctx.transcripts:
            continue  # a transcript left out (another text)
        t_id = ctx.transcripts[a["transcript_id"]]
        value = target.get((t_id, a["key"]))
        if value is None:
            rows.append((t_id, a["key"], a["value"]))
        elif value == a["value"]:
            ctx.report.unchanged["attributes"] += 1
        else:
            name = ctx.transcript_names[a["transcript_id"]]
            ctx.report.conflicts.append(
                f"transcript {name!r} attribute {a['key']!r}: {value!r} here, {a['value']!r} in {ctx.src_name}; kept this file's"
            )
    ctx.report.added["attributes"] += bulk.insert_many(
        ctx.db, "attributes", ("transcript_id", "key", "value"), rows
    )


# --------------------------------------------------------------------- integrity


def copy_versions(ctx: MergeContext) -> None:
    """Bring the kept versions of each transcript added from the source, so a later merge of a
    file holding one of its earlier texts can be carried onto it."""
    for source_id, target_id in ctx.added_transcripts.items():
        merge_sql.copy_versions(ctx.db, source_id, target_id, ctx.coders)


def check_maps(ctx: MergeContext) -> None:
    """Check that every target id the maps lead to exists (raises :class:`sqlite3.IntegrityError` if not).

    The merge runs with per-row foreign-key checks off (see
    :func:`codebench.exchange.merge.run.merge`); every reference it writes comes
    from these maps, so this one check covers them all.
    """
    merge_sql.check_ids_exist(ctx.db, "coders", ctx.coders.values())
    merge_sql.check_ids_exist(ctx.db, "codes", ctx.codes.values())
    merge_sql.check_ids_exist(ctx.db, "transcripts", ctx.transcripts.values())


# --------------------------------------------------------------------- helpers


def tree_order(
    rows: list[dict[str, Any]], *, key: str = "id", parent: str = "parent_id"
) -> list[dict[str, Any]]:
    """Code rows with parents before children, siblings by (position, GUID); orphans last."""
    ordered = sorted(rows, key=lambda r: (r["position"], r["guid"]))
    children: dict[Any, list[dict[str, Any]]] = {}
    for row in ordered:
        children.setdefault(row[parent], []).append(row)
    out: list[dict[str, Any]] = []
    seen: set[Any] = set()

    def visit(node: Any) -> None:
        """Append the rows below ``node`` depth-first (iteratively: a source file
        or dump may hold a tree deeper than the recursion limit)."""
        stack = list(reversed(children.get(node, [])))
        while stack:
            row = stack.pop()
            if row[key] not in seen:
                seen.add(row[key])
                out.append(row)
                stack.extend(reversed(children.get(row[key], [])))

    visit(None)
    for row in ordered:  # parents missing or in a cycle: still listed, deterministically
        if row[key] not in seen:
            seen.add(row[key])
            out.append(row)
            visit(row[key])
    return out


def _label(code: dict[str, Any]) -> str:
    return f"{code['number']} {code['name']}" if code.get("number") else str(code["name"])


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 2] + "…'"
