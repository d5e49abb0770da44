"""Merge step for the study design and the analysis: lead-owned rows, added only where the target lacks them.

Assignments, samples, rounds, framework summaries, code relations, saved
queries, speakers' attributes and codings flagged for review belong to the
lead's project: a coder's file can add what the lead's lacks (matched by
natural key through GUIDs, :mod:`codebench.exchange.study_records`), never
change what it has. A difference is reported as a conflict and the target's
row kept, so merging the same file twice changes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from codebench.exchange import study_records
from codebench.exchange.merge.report import MergeRefused
from codebench.store import bulk

if TYPE_CHECKING:
    from codebench.exchange.merge.match import MergeContext


def merge_study(ctx: MergeContext) -> None:
    """Add the source's study records the target lacks (inside the source's transaction)."""

    def by_guid(table: str, ids: dict[int, int]) -> dict[str, int]:
        rows = bulk.fetch_rows(ctx.db, table, bulk.SOURCE, columns="id, guid")
        return {r["guid"]: ids[r["id"]] for r in rows if r["id"] in ids}

    transcripts = {
        s: t
        for s, t in ctx.transcripts.items()
        if s not in ctx.refused_transcripts and s not in ctx.remapped
    }
    refs = study_records.Refs(
        coders=by_guid("coders", ctx.coders),
        codes=by_guid("codes", ctx.codes),
        transcripts=by_guid("transcripts", transcripts),
        strict=False,
        names={
            **{
                r["guid"]: r["name"]
                for r in bulk.fetch_rows(ctx.db, "transcripts", bulk.SOURCE, columns="guid, name")
            },
            **{
                r["guid"]: " ".join(filter(None, (r["number"], r["name"])))
                for r in bulk.fetch_rows(ctx.db, "codes", bulk.SOURCE, columns="guid, number, name")
            },
        },
    )
    records = {
        kind: [(0, r) for r in rows]
        for kind, rows in study_records.export_records(ctx.db, bulk.SOURCE).items()
    }

    def fail(_number: int, message: str) -> Exception:
        return MergeRefused(f"{ctx.path}: {message}; nothing merged")

    outcome = study_records.add_records(ctx.db, records, refs, source=ctx.src_name, fail=fail)
    for kind, name in study_records.REPORT_NAMES.items():
        ctx.report.added[name] += outcome.added.get(kind, 0)
        ctx.report.unchanged[name] += outcome.unchanged.get(kind, 0)
    ctx.report.conflicts.extend(outcome.conflicts)
