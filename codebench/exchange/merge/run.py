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
* attributes and segmentation of a transcript both files have: target wins;
* the study design and the analysis (assignments, samples, rounds, framework
  summaries, code relations, saved queries, speakers' attributes, codings
  flagged for review) are the lead's: the target's rows are kept, and a
  source adds only what the target lacks (:mod:`~codebench.exchange.merge.study`).

Merging only adds: a coding, memo or transcript removed in a source but
still in the target stays (removals the source's log records are counted in
the report); a source's ``transcript.remove`` events are copied like any
other, with no transcript. A source whose pages fail ``PRAGMA quick_check``
is refused before anything is read from it.
Each source is one transaction, so a refused source changes nothing, and
merging the same file again changes nothing. Source files are attached
read-only and never modified.

The work is split by what it touches: :mod:`~codebench.exchange.merge.match`
matches the small tables and builds the row-id maps,
:mod:`~codebench.exchange.merge.copy` copies what hangs off them (codings and
events in bulk, by :mod:`codebench.store.merge_sql`), and
:mod:`~codebench.exchange.merge.report` holds the report. For speed, SQLite's
per-row foreign-key checks are off during a merge: every reference written
comes from the maps, whose target ids are checked once per source instead.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from codebench.errors import CodebenchError
from codebench.exchange.merge.copy import (
    STATUS_RANK,
    copy_codings,
    copy_events,
    merge_memos,
    merge_statuses,
)
from codebench.exchange.merge.match import (
    MergeContext,
    check_maps,
    copy_versions,
    match_coders,
    match_codes,
    match_transcripts,
    merge_attributes,
    merge_codebook_versions,
    merge_settings,
    tree_order,
)
from codebench.exchange.merge.report import KINDS, MergeRefused, MergeReport, SourceReport
from codebench.exchange.merge.study import merge_study
from codebench.fileio import private_tempdir
from codebench.store import bulk, failures, merge_sql
from codebench.store import events as event_sql
from codebench.store.connection import APPLICATION_ID, integrity_problem, open_database
from codebench.store.migrations import known_names

if TYPE_CHECKING:
    import sqlite_utils

    from codebench.project import Project

__all__ = [
    "KINDS",
    "STATUS_RANK",
    "MergeRefused",
    "MergeReport",
    "SourceReport",
    "merge",
    "tree_order",
]


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

        with private_tempdir("merge") as folder:
            copy = Path(folder) / "dry-run.db"
            bulk.backup_to(target.db, copy)
            scratch = Project.open(copy)
            try:
                with bulk.large_cache(scratch.db), bulk.foreign_keys_unenforced(scratch.db):
                    for path in sources:
                        report.sources.append(
                            _merge_one(scratch, Path(path), label_target=target.path)
                        )
            finally:
                scratch.close()
        return report
    with (
        bulk.large_cache(target.db),
        bulk.deferred_checkpoint(target.db),
        bulk.foreign_keys_unenforced(target.db),
    ):
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
                _merge_source(MergeContext(db, path, label_target, report))
        except MergeRefused as refusal:
            fresh = SourceReport(path=path, refused=str(refusal))
            return fresh
        except sqlite3.DatabaseError as error:
            return SourceReport(
                path=path, refused=f"{path}: cannot merge ({error}); nothing merged"
            )
    return report


def _merge_source(ctx: MergeContext) -> None:
    """The steps of merging the attached source into ``main``, inside the caller's transaction."""
    match_transcripts(ctx)  # first: it may refuse the file
    merge_settings(ctx)
    match_coders(ctx)
    match_codes(ctx)
    merge_attributes(ctx)
    check_maps(ctx)  # stands in for per-row foreign-key checks, which are off
    copy_versions(ctx)
    merge_codebook_versions(ctx)  # before the codings, which carry them
    copy_codings(ctx)
    merge_statuses(ctx)
    merge_memos(ctx)
    merge_study(ctx)
    copy_events(ctx)
    if ctx.report.changed:
        event_sql.log(
            ctx.db,
            "project.merge",
            {
                "source": ctx.src_name,
                "added": {k: v for k, v in ctx.report.added.items() if v},
                "updated": {k: v for k, v in ctx.report.updated.items() if v},
            },
        )


def _attach(
    db: sqlite_utils.Database, path: Path, report: SourceReport, stack: contextlib.ExitStack
) -> None:
    """Attach ``path`` read-only (an upgraded temporary copy if its schema is older); detach on exit."""
    if not path.exists():
        raise MergeRefused(f"{path}: no such file")
    if path.is_dir():
        raise MergeRefused(f"{path}: is a folder, not a project file")
    with path.open("rb") as handle:
        if handle.read(16) != b"SQLite format 3\x00":
            raise MergeRefused(f"{path}: not a codebench project (not an SQLite file)")
    try:
        merge_sql.attach_readonly(db, path)
    except sqlite3.DatabaseError as error:
        # The file reads and starts as SQLite does, so SQLite failing to open it
        # means its pages are damaged (its schema, say), not that it is locked away.
        raise MergeRefused(
            failures.damaged(path, str(error), outcome="nothing was merged from it")
        ) from None
    stack.callback(merge_sql.detach, db)
    try:
        app_id = merge_sql.application_id(db)
        applied = merge_sql.applied_migrations(db)
    except sqlite3.DatabaseError as error:
        raise MergeRefused(f"{path}: cannot read ({error})") from None
    if app_id != APPLICATION_ID or applied is None:
        raise MergeRefused(f"{path}: not a codebench project")
    try:
        problem = integrity_problem(db, bulk.SOURCE)
    except sqlite3.DatabaseError as error:
        raise MergeRefused(f"{path}: cannot read ({error})") from None
    if problem is not None:
        raise MergeRefused(failures.damaged(path, problem, outcome="nothing was merged from it"))
    known = known_names()
    unknown = [name for name in applied if name not in known]
    if unknown:
        raise MergeRefused(
            f"{path}: written by a newer codebench (schema step {unknown[-1]!r}); upgrade codebench to merge it"
        )
    if applied == known:
        return
    # An older schema: upgrade a temporary copy; the source file itself stays as it is.
    merge_sql.detach(db)
    folder = stack.enter_context(private_tempdir("merge"))
    copy = Path(folder) / path.name
    bulk.copy_readonly_file(path, copy)
    open_database(copy).close()
    merge_sql.attach_readonly(db, copy)
    stack.callback(merge_sql.detach, db)  # runs before the temporary folder is removed
    report.notes.append(
        f"{path.name} has an older schema; merged from an upgraded temporary copy (the file is untouched)"
    )
