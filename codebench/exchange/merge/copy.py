"""Merge steps for the rows that hang off the matched ones: codings, statuses, memos, events.

They run after :mod:`codebench.exchange.merge.match` has built the id maps.
Codings and events, the big tables, are copied in bulk by
:mod:`codebench.store.merge_sql` (one ``INSERT … SELECT`` each); statuses and
memos are few and resolved row by row by the rules in
:mod:`codebench.exchange.merge.run`.
"""

from __future__ import annotations

import json
from typing import Any

from codebench.coding.correction import flag_for_review
from codebench.exchange.merge.match import MergeContext
from codebench.store import bulk, merge_sql
from codebench.store import codings as coding_sql
from codebench.wording import plural

#: Status order for ties: a later entry is more advanced.
STATUS_RANK = {"not-started": 0, "in-progress": 1, "done": 2}

_STATUS_COLUMNS = ("coder_id", "transcript_id", "status", "updated_at")


# --------------------------------------------------------------------- codings


def copy_codings(ctx: MergeContext) -> None:
    """Add the source's codings the target lacks; report codings the source's log removed but the target keeps."""
    removals = merge_sql.new_source_events(ctx.db, ["coding.remove"])
    total = bulk.count_rows(ctx.db, "codings", bulk.SOURCE)
    same_text = {s: t for s, t in ctx.transcripts.items() if s not in ctx.remapped}
    added = merge_sql.copy_codings(ctx.db, ctx.coders, ctx.codes, same_text)
    added += _copy_remapped_codings(ctx)
    left_out = merge_sql.count_codings_of(ctx.db, sorted(ctx.refused_transcripts))
    ctx.report.added["codings"] += added
    ctx.report.unchanged["codings"] += total - added - left_out
    kept = _removed_in_source_but_kept(ctx, removals)
    if kept:
        ctx.report.conflicts.append(
            f"{plural(kept, 'coding')} that {ctx.src_name}'s log records as removed "
            f"{'is' if kept == 1 else 'are'} still here "
            f"(merge only adds; remove {'it' if kept == 1 else 'them'} here if that is intended)"
        )
    transcripts = _transcripts_removed_in_source_but_kept(ctx)
    if transcripts:
        ctx.report.conflicts.append(
            f"{plural(len(transcripts), 'transcript')} that {ctx.src_name}'s log records as removed "
            f"{'is' if len(transcripts) == 1 else 'are'} "
            f"still here: {', '.join(transcripts)} (merge only adds; "
            f"`codebench remove-transcript` removes {'it' if len(transcripts) == 1 else 'them'} "
            "here if that is intended)"
        )


def _copy_remapped_codings(ctx: MergeContext) -> int:
    """Copy the codings of source transcripts that are older versions of one here, carried through
    the corrections made here since; those that lost their words are flagged for review."""
    added = 0
    for source_id, chain in ctx.remapped.items():
        text = merge_sql.source_text(ctx.db, source_id)
        for coder, code, start, end, created in merge_sql.source_codings(ctx.db, source_id):
            if coder not in ctx.coders or code not in ctx.codes:
                continue
            new_start, new_end, fate = chain.span(start, end)
            coding_id = coding_sql.insert_coding(
                ctx.db,
                ctx.coders[coder],
                ctx.codes[code],
                chain.transcript_id,
                new_start,
                new_end,
                created,
            )
            if coding_id is None:
                continue
            added += 1
            flag_for_review(ctx.db, coding_id, fate, chain.current, text[start:end])
    return added


def _transcripts_removed_in_source_but_kept(ctx: MergeContext) -> list[str]:
    """Names (here) of transcripts a new ``transcript.remove`` event of the source names by
    text hash, that the source no longer holds and the target still does."""
    events = merge_sql.new_source_events(ctx.db, ["transcript.remove"])
    if not events:
        return []
    in_source = {
        r["sha256"] for r in bulk.fetch_rows(ctx.db, "transcripts", bulk.SOURCE, columns="sha256")
    }
    here = {
        r["sha256"]: r["name"]
        for r in bulk.fetch_rows(ctx.db, "transcripts", columns="sha256, name")
    }
    names: list[str] = []
    for event in events:
        try:
            sha = json.loads(event["payload"]).get("sha256")
        except (ValueError, AttributeError, TypeError):
            continue
        kept = isinstance(sha, str) and sha not in in_source and sha in here
        if kept and here[sha] not in names:
            names.append(here[sha])
    return names


def _removed_in_source_but_kept(ctx: MergeContext, removals: list[dict[str, Any]]) -> int:
    """Codings that new ``coding.remove`` events of the source name, absent there but present here.

    Records that cannot be read (not an object, unknown GUIDs, a coder not in
    the source) are skipped: the count only informs the report.
    """
    if not removals:
        return 0
    codes = {
        r["guid"]: r["id"]
        for r in bulk.fetch_rows(ctx.db, "codes", bulk.SOURCE, columns="id, guid")
    }
    transcripts = {
        r["guid"]: r["id"]
        for r in bulk.fetch_rows(ctx.db, "transcripts", bulk.SOURCE, columns="id, guid")
    }
    pairs: list[tuple[tuple[Any, ...], tuple[Any, ...]]] = []
    for event in removals:
        coder = event["coder_id"]
        if coder not in ctx.coders:
            continue
        for record in _removed_records(event["payload"]):
            code = codes.get(_key(record.get("code")))
            transcript = transcripts.get(_key(record.get("transcript")))
            start, end = record.get("start"), record.get("end")
            if code is None or transcript is None or not _scalar(start) or not _scalar(end):
                continue
            if transcript not in ctx.transcripts or transcript in ctx.remapped:
                continue  # left out, or its offsets index an older text
            source = (coder, code, transcript, start, end)
            target = (ctx.coders[coder], ctx.codes[code], ctx.transcripts[transcript], start, end)
            pairs.append((source, target))
    return merge_sql.removed_but_kept(ctx.db, pairs)


def _removed_records(payload: str) -> list[dict[str, Any]]:
    """The ``codings`` objects of a ``coding.remove`` payload; anything malformed reads as none."""
    try:
        records = json.loads(payload).get("codings", [])
    except (ValueError, AttributeError, TypeError, RecursionError):  # RecursionError: too deep
        return []
    if not isinstance(records, list):
        return []
    return [record for record in records if isinstance(record, dict)]


def _key(value: Any) -> Any:
    """``value`` if it can be a dictionary key (a GUID string), else ``None``."""
    return value if isinstance(value, str) else None


def _scalar(value: Any) -> bool:
    """Whether a payload offset can be compared with a stored one (JSON arrays and objects cannot)."""
    return value is None or isinstance(value, (str, int, float))


# --------------------------------------------------------------------- statuses


def merge_statuses(ctx: MergeContext) -> None:
    """Add statuses the target lacks; where both have one, the newer (then the more advanced) wins."""
    report = ctx.report
    target = {
        (r["coder_id"], r["transcript_id"]): r for r in bulk.fetch_rows(ctx.db, "coder_status")
    }
    names = {r["id"]: r["name"] for r in bulk.fetch_rows(ctx.db, "coders", columns="id, name")}
    new_rows = []
    for s in bulk.fetch_rows(
        ctx.db, "coder_status", bulk.SOURCE, order_by="coder_id, transcript_id"
    ):
        if s["transcript_id"] not in ctx.transcripts:
            continue  # a transcript left out (another text)
        key = (ctx.coders[s["coder_id"]], ctx.transcripts[s["transcript_id"]])
        here = target.get(key)
        values = {"status": s["status"], "updated_at": s["updated_at"]}
        if here is None:
            new_rows.append((*key, s["status"], s["updated_at"]))
        elif here["status"] == s["status"]:
            report.unchanged["statuses"] += 1
        elif _status_wins(s, here):
            bulk.update_row(
                ctx.db, "coder_status", {"coder_id": key[0], "transcript_id": key[1]}, values
            )
            report.updated["statuses"] += 1
            report.notes.append(
                f"status of {names[key[0]]} on {ctx.transcript_names[s['transcript_id']]!r}: "
                f"{here['status']} → {s['status']} (newer in {ctx.src_name})"
            )
        else:
            report.conflicts.append(
                f"status of {names[key[0]]} on {ctx.transcript_names[s['transcript_id']]!r}: {here['status']} here, "
                f"{s['status']} in {ctx.src_name} (older); kept {here['status']}"
            )
    # Source keys are unique, so the new rows never collide with the updated ones: insert them in one go.
    report.added["statuses"] += bulk.insert_many(ctx.db, "coder_status", _STATUS_COLUMNS, new_rows)


def _status_wins(source: dict[str, Any], target: dict[str, Any]) -> bool:
    """The source's status replaces the target's if it is newer, or as new and more advanced."""
    return (source["updated_at"], STATUS_RANK.get(source["status"], -1)) > (
        target["updated_at"],
        STATUS_RANK.get(target["status"], -1),
    )


# --------------------------------------------------------------------- memos


def merge_memos(ctx: MergeContext) -> None:
    """Add memos the target lacks (by GUID); where both have one, the more recently edited text wins.

    Every decision between two different texts is reported, saying which
    won. A source memo with a GUID of its own but the same author, place and
    text as a memo already here is a duplicate: it is not added, and the
    report names both.
    """
    report = ctx.report
    target = {m["guid"]: m for m in bulk.fetch_rows(ctx.db, "memos")}
    same = {_memo_content(m): m["guid"] for m in target.values()}
    left_out = merge_sql.memo_ids_of(ctx.db, sorted(ctx.refused_transcripts))
    for s in bulk.fetch_rows(ctx.db, "memos", bulk.SOURCE, order_by="id"):
        if s["id"] in left_out:
            continue  # on a transcript left out (another text)
        here = target.get(s["guid"])
        if here is None:
            values = _memo_values(ctx, s)
            twin = same.get(_memo_content(values))
            if twin is not None:
                report.notes.append(
                    f"memo {s['guid']} in {ctx.src_name} duplicates memo {twin} here "
                    "(same author, place and text); kept this file's, not added"
                )
                report.unchanged["memos"] += 1
                continue
            bulk.insert_row(ctx.db, "memos", values)
            same[_memo_content(values)] = s["guid"]
            report.added["memos"] += 1
        elif here["text"] == s["text"]:
            report.unchanged["memos"] += 1
        elif s["updated_at"] > here["updated_at"]:
            bulk.update_row(
                ctx.db,
                "memos",
                {"guid": s["guid"]},
                {"text": s["text"], "updated_at": s["updated_at"]},
            )
            report.updated["memos"] += 1
            report.notes.append(
                f"memo {s['guid']}: its text differs here and in {ctx.src_name}; took "
                f"{ctx.src_name}'s, edited more recently ({s['updated_at']}, here {here['updated_at']})"
            )
        elif s["updated_at"] == here["updated_at"]:
            report.conflicts.append(
                f"memo {s['guid']}: edited at the same time here and in {ctx.src_name} into "
                "different texts; kept this file's text"
            )
        else:
            report.conflicts.append(
                f"memo {s['guid']}: edited here more recently than in {ctx.src_name}; kept this file's text"
            )


def _memo_content(m: dict[str, Any]) -> tuple[Any, ...]:
    """What makes two memos the same note: author, where it is attached, text."""
    return (
        m["author_id"],
        m["transcript_id"],
        m["segment_id"],
        m["code_id"],
        m["coding_id"],
        m["text"],
    )


def _memo_values(ctx: MergeContext, s: dict[str, Any]) -> dict[str, Any]:
    """A new memo's row, its anchors (author, transcript, segment, code, coding) translated to target ids."""
    values: dict[str, Any] = {key: s[key] for key in ("guid", "text", "created_at", "updated_at")}
    values["author_id"] = ctx.coders.get(s["author_id"]) if s["author_id"] is not None else None
    values["transcript_id"] = (
        ctx.transcripts.get(s["transcript_id"]) if s["transcript_id"] is not None else None
    )
    values["code_id"] = ctx.codes.get(s["code_id"]) if s["code_id"] is not None else None
    values["segment_id"] = None
    if s["segment_id"] is not None:
        key = merge_sql.segment_key(ctx.db, s["segment_id"], bulk.SOURCE)
        if key is not None:
            values["segment_id"] = merge_sql.segment_id(ctx.db, ctx.transcripts[key[0]], key[1])
        if values["segment_id"] is None:
            ctx.report.notes.append(
                f"memo {s['guid']}: its segment is not in {ctx.tgt_name}; kept on the transcript"
            )
    values["coding_id"] = None
    if s["coding_id"] is not None:
        key5 = merge_sql.coding_key(ctx.db, s["coding_id"], bulk.SOURCE)
        if key5 is not None:
            start, end = key5[3], key5[4]
            chain = ctx.remapped.get(key5[2])
            if chain is not None:
                start, end, _ = chain.span(start, end)
            mapped = (
                ctx.coders[key5[0]],
                ctx.codes[key5[1]],
                ctx.transcripts[key5[2]],
                start,
                end,
            )
            values["coding_id"] = bulk.coding_id(ctx.db, mapped)
    return values


# --------------------------------------------------------------------- events


def copy_events(ctx: MergeContext) -> None:
    """Append the source's events the target lacks (by GUID), in the source's log order."""
    total = bulk.count_rows(ctx.db, "events", bulk.SOURCE)
    # Events of a transcript left out, or of an older version of one here, record
    # offsets into another text: undoing them here would move the wrong words.
    skipped = sorted(ctx.refused_transcripts | set(ctx.remapped))
    added = merge_sql.copy_events(ctx.db, ctx.coders, ctx.transcripts, skip_transcripts=skipped)
    ctx.report.added["events"] += added
    ctx.report.unchanged["events"] += total - added
