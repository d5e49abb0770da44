"""Publishing a lead's project to the hub, and cloning a new local copy from it.

Both end in the machinery of :mod:`codebench.team.sync`: a publish is the
first sync of a lead's copy; a clone is a first pull into a new file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from codebench.errors import CodebenchError
from codebench.project import Project
from codebench.store import settings as settings_sql
from codebench.store import sync_sql
from codebench.store.migrations import ensure_change_counters
from codebench.team import hub_sql
from codebench.team.connect import HubError, connect, redact, translated
from codebench.team.hub_schema import check_version
from codebench.team.sync import (
    CODER,
    CODER_PUSHES,
    LAST_SEQ,
    LEAD_KINDS,
    LOGGED,
    LOGIN,
    NOTED,
    OWNED,
    ROLE,
    ROW_LOGGED,
    URL,
    SyncResult,
    digest,
    key_text,
    note_baseline,
    owned_coders,
    pull,
    record_key,
    records_of,
    sync,
)
from codebench.wording import plural


def publish(project: Project, url: str, *, passfile: Path | None = None) -> SyncResult:
    """Put the lead's project on the hub (the first sync of a lead's copy); idempotent."""
    stored = project.setting(URL)
    clean = redact(url)
    if stored is not None and stored != clean:
        raise CodebenchError(f"{project.path}: already a team copy of {stored}")
    with connect(url, passfile=passfile) as conn, translated(clean):
        check_version(conn, clean)
        login, is_lead, _coder = hub_sql.whoami(conn)
        if not is_lead:
            raise HubError(
                f"{clean}: {login!r} is not a lead on this hub; publishing needs a lead "
                "(codebench server add-coder URL NAME --role lead)"
            )
    if stored is None:
        with project.transaction():
            for key, value in ((URL, clean), (ROLE, "lead"), (LOGIN, login), (LAST_SEQ, "0")):
                settings_sql.set_meta(project.db, key, value)
    result = sync(project, passfile=passfile)
    owned = set(json.loads(project.setting(OWNED) or "[]"))
    others = [g for g, _name, _kind in sync_sql.coder_records(project.db) if g not in owned]
    kept = len(sync_sql.coding_records(project.db, others)) if others else 0
    if kept:
        result.notes.append(
            f"({plural(kept, 'coding')} here {'belongs' if kept == 1 else 'belong'} to coders "
            "who are members of the hub: only they push their own work, so "
            f"{'it stays' if kept == 1 else 'these stay'} in this copy alone)"
        )
    return result


def clone(
    url: str, path: Path, *, coder: str | None = None, passfile: Path | None = None
) -> SyncResult:
    """Make a new local project at ``path`` holding what the connecting role may see.

    Built in a temporary file beside ``path`` and moved into place at the
    end, so a failed clone leaves nothing behind.
    """
    if path.exists() and path.stat().st_size > 0:
        raise CodebenchError(f"{path}: already exists; clone into a new file")
    clean = redact(url)
    building = path.with_name(path.name + ".cloning")
    for extra in ("", "-wal", "-shm"):
        Path(str(building) + extra).unlink(missing_ok=True)
    try:
        with connect(url, passfile=passfile) as conn, translated(clean):
            check_version(conn, clean)
            login, is_lead, coder_name = hub_sql.whoami(conn)
            if coder_name is None:
                raise HubError(
                    f"{clean}: {login!r} is not a member of this hub (codebench server add-coder)"
                )
            if coder is not None and coder.strip().casefold() != coder_name.casefold():
                raise HubError(f"{clean}: {login!r} codes as {coder_name!r}, not {coder!r}")
            project = Project.init(building)
            try:
                with project.transaction():
                    for key, value in (
                        (URL, clean),
                        (ROLE, "lead" if is_lead else "coder"),
                        (LOGIN, login),
                        (CODER, coder_name),
                        (LAST_SEQ, "0"),
                    ):
                        settings_sql.set_meta(project.db, key, value)
                result = SyncResult()
                pull(project, conn, result, [], is_lead, cloning=True)
                with conn.transaction():
                    hub_sql.log_sync(conn, 0, sum(result.pulled.values()))
                owned = owned_coders(project, conn, login, is_lead, coder_name)
                if not is_lead and not owned:
                    raise HubError(
                        f"{clean}: the lead has not published a coder named {coder_name!r} yet "
                        "(they add the coder to the project, assign, and publish)"
                    )
                with project.transaction():
                    settings_sql.set_meta(project.db, OWNED, json.dumps(owned))
                    # What came down is what the hub holds: nothing of it is to be pushed.
                    # Codings: the change log starts now, empty and trusted.
                    ensure_change_counters(project.db)
                    sync_sql.set_owned_coders(project.db, owned)
                    logged = {t: LOGGED for t in ("codings", *ROW_LOGGED)}
                    settings_sql.set_meta(project.db, NOTED, json.dumps(logged))
                    for table in LEAD_KINDS if is_lead else CODER_PUSHES:
                        if table in logged:
                            continue
                        sent = {
                            key_text(record_key(table, r)): digest(table, r)
                            for r in records_of(
                                project, table, "lead" if is_lead else "coder", owned
                            )
                        }
                        sync_sql.record_pushed(project.db, table, sent, [])
                    if not is_lead:  # the lead's rows as pulled: a local edit is found against them
                        note_baseline(project)
            finally:
                project.close()
        os.replace(building, path)
    finally:
        for extra in ("", "-wal", "-shm"):
            Path(str(building) + extra).unlink(missing_ok=True)
    return result
