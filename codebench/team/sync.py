"""Publish, clone, sync, release and progress: a local project and the hub, kept in step.

**Push** compares the records the role owns (a coder: their codings, memos
and statuses; the lead: also the coders, codebook, transcripts with their
segments and attributes, and assignments) with what ``sync_pushed`` says was
pushed last, and sends the difference in one hub transaction: changed
records are merged, vanished ones become tombstones. Codings, which run to
millions, are not compared whole: a change log kept by triggers names the
codings written since the last push (:func:`coding_changes`); memos and
statuses have one too (:func:`row_changes`). Only after the
hub committed does the project note the push, in one local transaction; a
push cut short anywhere (kill -9, a dropped network) is simply sent again,
and the hub ignores what it already holds.

**Pull** reads, in one repeatable-read snapshot, every row the role may see
whose server sequence number is past the last one pulled, plus every row of
transcripts released since, and applies them in one local transaction with
the new last sequence number. Rows the role owns are never pulled over its
own copy. Ordering is by server sequence numbers only; no clock is compared.

A coder's sync pulls, then pushes: a code the lead merged or a transcript
the lead corrected is applied to the copy first (codings recoded or
remapped, and reported), so what goes up is already in the lead's terms.
The lead pushes, then pulls.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codebench.codebook.versions import EDIT_ACTIONS
from codebench.errors import CodebenchError
from codebench.ids import now
from codebench.store import codebook_versions as version_sql
from codebench.store import codes as code_sql
from codebench.store import ownership, sync_sql
from codebench.store import settings as settings_sql
from codebench.store.migrations import ensure_change_counters
from codebench.store.rounds import delete_round
from codebench.store.transcripts import delete_transcript, segment_id_at
from codebench.team import hub_sql
from codebench.team.connect import HubError, HubOffline, connect, load_psycopg, redact, translated
from codebench.team.hub_schema import check_version
from codebench.wording import plural

if TYPE_CHECKING:
    import psycopg

    from codebench.project import Project

URL = "team.url"
ROLE = "team.role"
LOGIN = "team.login"
CODER = "team.coder"
OWNED = "team.owned"
LAST_SEQ = "team.last_seq"
LAST_SYNC = "team.last_sync"
#: Per pushed table, the write counters of the tables its records read, as of the last push.
NOTED = "team.noted"
#: A coder's copy: per lead's table, the write counters as of the last look for local edits,
#: and the keys of the rows this copy changed since it pulled them (held back, never sent).
PULLED_NOTED = "team.pulled_noted"
LOCAL_EDITS = "team.local_edits"

#: Tables a coder pushes, and the lead's in the order they are pushed.
CODER_KINDS = ("codings", "memos", "statuses")
#: The lead's study tables (hub version 3): participants' attributes, code relations,
#: framework cells, and closed rounds' frozen reports.
STUDY_KINDS = ("speaker_attributes", "code_relations", "framework_cells", "round_reports")
#: What each person pushes of their own whatever their role (only they read it back).
OWN_KINDS = ("saved_queries",)
CODER_PUSHES = (*CODER_KINDS, *OWN_KINDS)
LEAD_KINDS = (
    "coders",
    "codes",
    "codebook_versions",
    "transcripts",
    "assignments",
    "rounds",
    *STUDY_KINDS,
    *CODER_KINDS,
    *OWN_KINDS,
)
PULL_ORDER = (
    "coders",
    "codes",
    "codebook_versions",
    "transcripts",
    "assignments",
    "rounds",
    *STUDY_KINDS,
    "releases",
    *CODER_KINDS,
    *OWN_KINDS,
)
#: What the lead owns, so never pulls over its own copy.
LEAD_OWNS = {
    "coders",
    "codes",
    "codebook_versions",
    "transcripts",
    "assignments",
    "rounds",
    *STUDY_KINDS,
}
#: Tables a coder reads on a transcript only once the lead released it.
RELEASED_KINDS = (*CODER_KINDS, "framework_cells")
#: The local tables each pushed table's records are read from (their write counters decide
#: whether a sync must read it again).
DEPENDS = {
    "coders": ("coders",),
    "codes": ("codes",),
    # Every change to what the codebook says writes a code (and notes the version with it).
    "codebook_versions": ("codes",),
    "transcripts": ("transcripts", "segments", "attributes"),
    "assignments": ("assignments",),
    "rounds": ("rounds", "round_coders", "samples"),
    "codings": ("codings",),
    # A memo on a coding names the coding's key: a coding moved is a memo changed.
    "memos": ("memos", "segments", "codings"),
    "statuses": ("coder_status",),
    "speaker_attributes": ("speaker_attributes", "transcripts"),
    "code_relations": ("code_relations", "codes", "coders"),
    "framework_cells": ("framework_cells", "transcripts", "codes", "coders"),
    "round_reports": ("round_reports", "rounds"),
    "saved_queries": ("saved_queries", "coders"),
}
#: Names for what moved, as :func:`describe` prints them: ``(one, many)``.
NOUNS = {
    "coders": ("coder", "coders"),
    "codes": ("code", "codes"),
    "codebook_versions": ("codebook version", "codebook versions"),
    "transcripts": ("transcript", "transcripts"),
    "assignments": ("assignment", "assignments"),
    "rounds": ("round", "rounds"),
    "releases": ("release", "releases"),
    "codings": ("coding", "codings"),
    "memos": ("memo", "memos"),
    "statuses": ("status", "statuses"),
    "speaker_attributes": ("participant attribute", "participant attributes"),
    "code_relations": ("code relation", "code relations"),
    "framework_cells": ("framework cell", "framework cells"),
    "round_reports": ("round report", "round reports"),
    "saved_queries": ("saved query", "saved queries"),
}

#: The lead's tables a coder's copy may edit but never sends: per table, what one such
#: edit is called and whose the table is, as a sync reports them held back.
EDITS = {
    "codes": ("codebook edit", "the lead owns the codebook"),
    "transcripts": ("transcript edit", "the lead owns transcripts, segments and attributes"),
    "assignments": ("assignment edit", "the lead assigns"),
    "rounds": ("round edit", "the lead runs rounds and samples"),
    "speaker_attributes": ("participant attribute edit", "the lead owns participant attributes"),
    "code_relations": ("code relation edit", "the lead owns code relations"),
    "framework_cells": ("framework cell edit", "the lead owns framework cells"),
    "round_reports": ("round report edit", "the lead closes rounds"),
}


class SyncOffline(HubError):
    """The hub could not be reached; the changes wait in the project."""

    def __init__(self, message: str, waiting: int) -> None:
        super().__init__(message)
        self.waiting = waiting


@dataclass
class TableChanges:
    """What one table sends: records to merge, keys to tombstone, and the digests to note."""

    upserts: list[tuple[Any, ...]] = field(default_factory=list)
    removals: list[tuple[Any, ...]] = field(default_factory=list)
    sent: dict[str, str] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)
    #: The write counters of the tables read, taken before reading (``None``: not counted).
    counters: dict[str, int] | None = None
    #: Codings only: the local ids of ``upserts``, in order; the change-log entry read up to;
    #: and whether the codings were compared whole (with the hub) rather than by the log.
    row_ids: list[int] = field(default_factory=list)
    log_upto: int = 0
    whole: bool = False
    #: Codings only: how many go straight from the file, read as they are sent rather than
    #: as ``upserts`` (the lead's codings into a hub that holds none of them: a first publish).
    streamed: int = 0
    #: Memos and statuses: the keys of records held back (they stay in the change log).
    held: list[str] = field(default_factory=list)
    #: Codings: removals held back, and the transcripts whose log entries stay for them.
    held_removals: list[tuple[Any, ...]] = field(default_factory=list)
    held_transcripts: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.upserts) + len(self.removals) + self.streamed


@dataclass
class SyncResult:
    """What one sync moved, per table."""

    pushed: dict[str, int] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)
    pulled: dict[str, int] = field(default_factory=dict)
    #: Rows the hub removed (tombstones pulled), removed from this copy too.
    removed_here: dict[str, int] = field(default_factory=dict)
    held_back: dict[str, int] = field(default_factory=dict)
    #: Others' rows removed from this copy because the lead withdrew their release.
    withdrawn: dict[str, int] = field(default_factory=dict)
    #: This copy's own edits of the lead's rows that a pull replaced with the lead's.
    replaced: dict[str, int] = field(default_factory=dict)
    last_seq: int = 0
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "pushed": self.pushed,
            "removed": self.removed,
            "pulled": self.pulled,
            "removed_here": self.removed_here,
            "held_back": self.held_back,
            "withdrawn": self.withdrawn,
            "replaced": self.replaced,
            "last_seq": self.last_seq,
            "notes": self.notes,
        }


def listing(counts: dict[str, int]) -> str:
    """``3 codes, 1 assignment``: the counts of what moved, each in words."""
    return ", ".join(plural(n, *NOUNS.get(k, (k, k))) for k, n in counts.items() if n)


def describe(result: SyncResult) -> str:
    """What moved on the first line ("pushed 14 codings, 2 memos; pulled 3 assignments", or
    "nothing to sync: up to date"), then each note (a recode, a correction) on its own line."""

    parts = []
    if any(result.pushed.values()):
        parts.append("pushed " + listing(result.pushed))
    if any(result.removed.values()):
        parts.append("removed " + listing(result.removed))
    if any(result.pulled.values()):
        parts.append("pulled " + listing(result.pulled))
    if any(result.removed_here.values()):
        parts.append("removed here " + listing(result.removed_here) + " (removed on the hub)")
    work = {k: n for k, n in result.held_back.items() if k not in EDITS}
    if any(work.values()):
        parts.append(
            "held back "
            + listing(work)
            + " (on a code made in this copy, or a transcript not on the hub: codes are the"
            " lead's, so these stay here until the lead adds the code or you recode them)"
        )
    edits = {k: n for k, n in result.held_back.items() if k in EDITS and n}
    if edits:
        parts.append(
            "held back "
            + ", ".join(f"{plural(n, EDITS[k][0])} ({EDITS[k][1]})" for k, n in edits.items())
            + ": made in this copy, never sent; kept here until the lead's own change to"
            " the same row replaces them"
        )
    if any(result.replaced.values()):
        parts.append(
            "the lead's changes replaced "
            + ", ".join(
                plural(n, EDITS[k][0]) for k, n in result.replaced.items() if n and k in EDITS
            )
            + " made in this copy"
        )
    if any(result.withdrawn.values()):
        parts.append(
            "removed from this copy "
            + ", ".join(
                plural(result.withdrawn[k], *NOUNS[k]) for k in NOUNS if result.withdrawn.get(k)
            )
            + " of others (the lead withdrew their release: blind again)"
        )
    line = "; ".join(parts) or "nothing to sync: up to date"
    return "\n".join([line, *result.notes])


# ----------------------------------------------------------------- the outbox


def record_key(table: str, record: Sequence[Any]) -> tuple[Any, ...]:
    return tuple(record[: hub_sql.KEY_LENGTH[table]])


def key_text(key: Sequence[Any]) -> str:
    return "\x1f".join("" if v is None else str(v) for v in key)


def digest(table: str, record: Sequence[Any]) -> str:
    """A fingerprint of a record's content beyond its key: short content as it is, long hashed."""
    payload = repr(tuple(record[hub_sql.KEY_LENGTH[table] :]))
    if len(payload) <= 64:
        return payload
    return hashlib.sha1(payload.encode("utf-8")).hexdigest()


def records_of(project: Project, table: str, role: str, owned: list[str]) -> list[tuple[Any, ...]]:
    db = project.db
    readers: dict[str, Callable[[], list[tuple[Any, ...]]]] = {
        "coders": lambda: sync_sql.coder_records(db),
        "codes": lambda: sync_sql.code_records(db),
        "codebook_versions": lambda: version_sql.version_records(db, EDIT_ACTIONS),
        "transcripts": lambda: sync_sql.transcript_records(db),
        "assignments": lambda: sync_sql.assignment_records(db),
        "rounds": lambda: sync_sql.round_records(db),
        "codings": lambda: sync_sql.coding_records(db, owned),
        "memos": lambda: sync_sql.memo_records(db, owned, authorless=role == "lead"),
        "statuses": lambda: sync_sql.status_records(db, owned),
        "speaker_attributes": lambda: sync_sql.speaker_attribute_records(db),
        "code_relations": lambda: sync_sql.code_relation_records(db),
        "framework_cells": lambda: sync_sql.framework_cell_records(db),
        "round_reports": lambda: sync_sql.round_report_records(db),
        "saved_queries": lambda: _own_records(project),
    }
    return readers[table]()


def _own_records(project: Project) -> list[tuple[Any, ...]]:
    """This copy's saved queries, as its person's (none until the copy knows who that is)."""
    mine = sync_sql.coder_guids_named(project.db, [project.setting(CODER) or ""])
    return sync_sql.saved_query_records(project.db, mine[0]) if mine else []


def outbox(
    project: Project, conn: psycopg.Connection[Any] | None = None
) -> dict[str, TableChanges]:
    """Per table, what the project holds that the hub does not have yet (by the last push).

    A table whose write counters are those noted at the last push is not
    read at all: nothing was written to it since, so nothing is to be sent.
    Codings go by their change log (:func:`coding_changes`); ``conn``, the
    hub, is needed only when the log cannot be trusted (without it, every
    coding is counted as waiting).
    """
    role = setting_of(project, ROLE)
    owned = json.loads(project.setting(OWNED) or "[]")
    kinds = LEAD_KINDS if role == "lead" else CODER_PUSHES
    counted = sync_sql.counters(project.db)
    noted = _noted(project)
    rows_upto = sync_sql.row_log_mark(project.db)  # read first, as the codings' mark
    changes: dict[str, TableChanges] = {}
    for table in kinds:
        snapshot = _snapshot(counted, table)
        if table == "codings":
            changes[table] = coding_changes(
                project, owned, noted, snapshot, conn, stream=role == "lead"
            )
            continue
        if table in ROW_LOGGED:
            changes[table] = row_changes(
                project, table, (role, owned), noted, snapshot, conn, rows_upto
            )
            continue
        if snapshot is not None and noted.get(table) == snapshot:
            changes[table] = TableChanges(counters=snapshot)
            continue
        before = sync_sql.pushed(project.db, table)
        current: dict[str, tuple[tuple[Any, ...], str]] = {}
        for record in records_of(project, table, role, owned):
            current[key_text(record_key(table, record))] = (record, digest(table, record))
        change = TableChanges()
        for key, (record, fingerprint) in current.items():
            if before.get(key) != fingerprint:
                change.upserts.append(record)
                change.sent[key] = fingerprint
        gone = [k for k in before if k not in current]
        change.removed = gone
        change.removals = [tuple(_key_from_text(table, k)) for k in gone]
        change.counters = snapshot
        changes[table] = change
    return changes


#: ``team.noted``'s entry for codings when their change log holds every write since the
#: last push (the hub has every owned coding not named in the log); memos and statuses too.
LOGGED = {"log": 1}
#: Tables pushed by the memos' and statuses' change log (``sync_row_log``), as codings are
#: by theirs: a push reads only the rows the log names.
ROW_LOGGED = ("memos", "statuses")


def row_changes(
    project: Project,
    table: str,
    whose: tuple[str, list[str]],
    noted: dict[str, dict[str, int]],
    snapshot: dict[str, int] | None,
    conn: psycopg.Connection[Any] | None,
    upto: int,
) -> TableChanges:
    """The owned memos or statuses to send: those the change log names up to ``upto``, or
    (log not trusted) all that differ from the hub's, and the hub's that went here.

    The log holds each row's hub key; a key whose row is no longer here (or
    no longer this copy's) becomes a tombstone, a key whose row is here is
    sent as it is now. Nothing per record is kept of what was pushed.
    """
    role, owned = whose
    change = TableChanges(counters=snapshot, log_upto=upto)
    if snapshot is not None and noted.get(table) == LOGGED:
        keys = sync_sql.logged_keys(project.db, table, upto) if upto else set()
        if not keys:
            return change
        current = {
            key_text(record_key(table, r)): r for r in records_of(project, table, role, owned)
        }
        change.upserts = [current[k] for k in sorted(keys) if k in current]
        gone = [k for k in sorted(keys) if k not in current]
    else:
        change.whole = True
        current = {
            key_text(record_key(table, r)): r for r in records_of(project, table, role, owned)
        }
        authorless = role == "lead" and table == "memos"
        hub = (
            {}
            if conn is None
            else {
                key_text(record_key(table, r)): r
                for r in hub_sql.live_rows(conn, table, owned, authorless=authorless)
            }
        )
        change.upserts = [
            r for k, r in current.items() if k not in hub or not _same(table, r, hub[k])
        ]
        gone = [k for k in hub if k not in current]
    if table == "memos" and gone:  # another person's memo here is not this copy's to remove
        here = sync_sql.memo_guids_here(project.db, gone)
        gone = [k for k in gone if k not in here]
    change.removed = gone
    change.removals = [tuple(_key_from_text(table, k)) for k in gone]
    return change


def _same(table: str, mine: Sequence[Any], theirs: Sequence[Any]) -> bool:
    """Whether a local record says what the hub's does (columns the hub keeps as first sent
    aside)."""
    return all(
        a == b
        for column, a, b in zip(hub_sql.COLUMNS[table], mine, theirs, strict=True)
        if column not in hub_sql.KEPT_COLUMNS
    )


def coding_changes(
    project: Project,
    owned: list[str],
    noted: dict[str, dict[str, int]],
    snapshot: dict[str, int] | None,
    conn: psycopg.Connection[Any] | None,
    *,
    stream: bool = False,
) -> TableChanges:
    """The owned codings to send: those the change log names, or (log not trusted) all
    that differ from the hub's.

    ``stream`` (a lead, whose codings are never held back): when the hub holds
    none of them, all go, counted now and read from the file as they are sent
    (:data:`TableChanges.streamed`) rather than made into records here.

    No record per coding is kept of what was pushed: after a push the hub
    committed, the log is forgotten up to the entry read (a high-water mark),
    so a first publish of a million codings notes one number, not a million
    digests, and a later sync reads only the codings written since. A log
    that cannot be trusted (a first push, a trigger that was missing) is
    replaced by comparing the copy's codings with the hub's once: exact
    whatever happened before, and cheap on an empty hub.
    """
    db = project.db
    upto = sync_sql.coding_log_mark(db)  # read first: an entry after it waits for the next push
    change = TableChanges(counters=snapshot, log_upto=upto)
    if snapshot is not None and noted.get("codings") == LOGGED:
        rows = sync_sql.logged_coding_rows(db, upto) if upto else []
        change.removals = sync_sql.logged_coding_removals(db, upto) if upto else []
    else:
        change.whole = True
        # A coding's record beyond its key is when it was made, which the hub keeps as first
        # sent: a coding the hub holds live under its key is the same coding.
        hub = set() if conn is None else {r[:5] for r in hub_sql.live_codings(conn, owned)}
        if stream and conn is not None and not hub:
            change.streamed = sync_sql.count_codings(db, owned)
            return change
        rows = sync_sql.coding_rows(db, owned)
        if hub:
            mine = {tuple(r[1:6]) for r in rows}
            rows = [r for r in rows if tuple(r[1:6]) not in hub]
            change.removals = [key for key in hub if key not in mine]
    change.upserts = [tuple(r[1:]) for r in rows]
    change.row_ids = [int(r[0]) for r in rows]
    return change


def _snapshot(counted: dict[str, int], table: str) -> dict[str, int] | None:
    if not counted:
        return None
    return {name: counted.get(name, 0) for name in DEPENDS[table]}


def _noted(project: Project) -> dict[str, dict[str, int]]:
    noted: dict[str, dict[str, int]] = json.loads(project.setting(NOTED) or "{}")
    return noted


def _note(project: Project, changes: dict[str, TableChanges], held_back: dict[str, int]) -> None:
    """Note each table's counters as pushed (in the caller's transaction), except held-back ones."""
    noted = _noted(project)
    for table, change in changes.items():
        if table == "codings" or table in ROW_LOGGED:  # held-back rows stay in the log
            if change.counters is not None:
                noted[table] = LOGGED
            continue
        if change.counters is not None and not held_back.get(table):
            noted[table] = change.counters
        else:
            noted.pop(table, None)
    settings_sql.set_meta(project.db, NOTED, json.dumps(noted, sort_keys=True))


def _key_from_text(table: str, text: str) -> list[Any]:
    parts: list[Any] = text.split("\x1f")
    if table == "codings":
        parts[3], parts[4] = int(parts[3]), int(parts[4])
    if table == "round_reports":
        parts[0] = int(parts[0])
    return parts


def waiting(project: Project) -> int:
    """How many changes the next push would send."""
    return sum(c.count for c in outbox(project).values())


# ----------------------------------------------------------------- settings


def setting_of(project: Project, key: str) -> str:
    value = project.setting(key)
    if value is None:
        raise CodebenchError(
            f"{project.path}: not a team copy (run codebench team publish or team clone first)"
        )
    return value


def team_url(project: Project) -> str:
    return setting_of(project, URL)


# ----------------------------------------------------------------- sync


def sync(project: Project, *, passfile: Path | None = None) -> SyncResult:
    """Push this copy's changes, then pull what the role may see. Raises :class:`SyncOffline`."""
    url = team_url(project)
    try:
        with connect(url, passfile=passfile) as conn, translated(redact(url)):
            return _sync_on(project, conn, url)
    except HubOffline as error:
        # Nothing reached the hub (or it rolled back); nothing was noted here.
        count = waiting(project)
        raise SyncOffline(f"offline — {plural(count, 'change')} waiting ({error})", count) from None


def _sync_on(project: Project, conn: psycopg.Connection[Any], url: str) -> SyncResult:
    where = redact(url)
    check_version(conn, where)
    login, is_lead, coder_name = hub_sql.whoami(conn)
    role = setting_of(project, ROLE)
    if (role == "lead") != is_lead or login != project.setting(LOGIN):
        raise HubError(
            f"{where}: this copy belongs to {project.setting(LOGIN)!r} ({role}), "
            f"but the connection is {login!r}; connect as that role"
        )
    owned = owned_coders(project, conn, login, is_lead, coder_name)
    with project.transaction():
        missing = ensure_change_counters(project.db)
        changed = owned != json.loads(project.setting(OWNED) or "[]")
        if coder_name is not None and project.setting(CODER) != coder_name:
            settings_sql.set_meta(project.db, CODER, coder_name)  # whose saved queries these are
            changed = True
        if owned != json.loads(project.setting(OWNED) or "[]"):
            settings_sql.set_meta(project.db, OWNED, json.dumps(owned))
        others = [g for g, _n, _k in sync_sql.coder_records(project.db) if g not in set(owned)]
        if json.dumps(others) != (project.setting(ownership.OTHERS) or "[]"):
            settings_sql.set_meta(project.db, ownership.OTHERS, json.dumps(others))
        if missing or changed:
            added = sync_sql.set_owned_coders(project.db, owned)
            if missing:  # writes may have gone uncounted and unlogged: read all
                settings_sql.set_meta(project.db, NOTED, "{}")
                if project.setting(PULLED_NOTED) is not None:
                    settings_sql.set_meta(project.db, PULLED_NOTED, "{}")
            else:  # other rows are ours now: read every table again; log the new coders' codings
                kept = {k: v for k, v in _noted(project).items() if k == "codings"}
                settings_sql.set_meta(project.db, NOTED, json.dumps(kept))
                sync_sql.log_codings_of(project.db, coder_ids=added)
        if not is_lead and project.setting(PULLED_NOTED) is None:
            # A copy made before local edits were looked for: what it holds now is the baseline.
            note_baseline(project)
    result = SyncResult()
    if is_lead:
        _push(project, conn, outbox(project, conn), result, is_lead)
        pull(project, conn, result, owned, is_lead, cloning=False)
    else:
        # A coder pulls first: the lead's merges and corrections are applied to this copy
        # (its codings recoded, remapped) before its work goes up, so no coding reaches the
        # hub against a code or a text the lead has already changed.
        pull(project, conn, result, owned, is_lead, cloning=False)
        _push(project, conn, outbox(project, conn), result, is_lead)
        with project.transaction():
            for table, keys in local_edits(project, store=True).items():
                result.held_back[table] = len(keys)
    return result


def owned_coders(
    project: Project, conn: psycopg.Connection[Any], login: str, is_lead: bool, coder: str | None
) -> list[str]:
    """GUIDs of the coders whose rows this role writes."""
    if not is_lead:
        return sync_sql.coder_guids_named(project.db, [coder] if coder else [])
    others = {name.casefold() for role, name, _ in hub_sql.members(conn) if role != login}
    return [g for g, name, _ in sync_sql.coder_records(project.db) if name.casefold() not in others]


def _push(
    project: Project,
    conn: psycopg.Connection[Any],
    changes: dict[str, TableChanges],
    result: SyncResult,
    is_lead: bool,
) -> None:
    """One hub transaction for every table, then one local transaction noting what went."""
    total = sum(c.count for c in changes.values())
    if total == 0:
        with conn.transaction():
            hub_sql.log_sync(conn, 0, 0)
        with project.transaction():
            _note_codings(project, changes)
            _note_rows(project, changes)
            _note(project, changes, result.held_back)
        return
    held: list[int] = []
    owned: list[str] = json.loads(project.setting(OWNED) or "[]")
    with conn.transaction():
        hub_sql.lock_changes(conn)
        if not is_lead:
            held = _hold_back(conn, changes, result, sync_sql.transcript_shas(project.db))
        for table, change in changes.items():
            sees_all = is_lead and table not in OWN_KINDS  # a lead reads only its own queries
            pushed = hub_sql.upsert(conn, table, change.upserts, sees_all=sees_all)
            if change.streamed:
                pushed += hub_sql.upsert(
                    conn,
                    table,
                    [],
                    sees_all=sees_all,
                    copy_text=sync_sql.coding_copy_text(project.db, owned),
                )
            removed = hub_sql.tombstone(conn, table, change.removals, of=owned, authorless=is_lead)
            result.pushed[table] = result.pushed.get(table, 0) + pushed
            result.removed[table] = result.removed.get(table, 0) + removed
        if is_lead and "rounds" in changes:  # a round removed takes its release with it
            gone = [str(key[0]) for key in changes["rounds"].removals]
            result.removed["releases"] = hub_sql.withdraw_rounds(conn, gone)
        hub_sql.log_sync(conn, total, 0)
    with project.transaction():
        for table, change in changes.items():
            if table != "codings" and table not in ROW_LOGGED:
                sync_sql.record_pushed(project.db, table, change.sent, change.removed)
        _note_codings(project, changes, held)
        _note_rows(project, changes)
        _note(project, changes, result.held_back)


def _note_codings(
    project: Project, changes: dict[str, TableChanges], held: Sequence[int] = ()
) -> None:
    """The hub has the codings read: forget the change log up to the entry read (the
    high-water mark), except codings held back, which stay in it until they can go."""
    change = changes.get("codings")
    if change is None or change.counters is None:
        return
    sync_sql.forget_coding_log(
        project.db, change.log_upto, held, transcripts=change.held_transcripts
    )
    if change.whole:
        # Compared whole: a held-back coding may never have been logged; log it now. What the
        # per-record snapshot said of codings (before the log) is of no more use.
        sync_sql.log_codings_of(project.db, held)
        sync_sql.log_coding_keys(project.db, change.held_removals)
        sync_sql.forget_pushed(project.db, "codings")


def _note_rows(project: Project, changes: dict[str, TableChanges]) -> None:
    """The hub has the memos and statuses read: forget their log up to the entry read,
    except rows held back, which stay in it until they can go."""
    for table in ROW_LOGGED:
        change = changes.get(table)
        if change is None or change.counters is None:
            continue
        sync_sql.forget_row_log(project.db, table, change.log_upto, change.held)
        if change.whole:
            # Compared whole: a held-back row may never have been logged; log it now. The
            # per-record snapshot of before the log is of no more use.
            sync_sql.log_keys(project.db, table, change.held)
            sync_sql.forget_pushed(project.db, table)


def _hold_back(
    conn: psycopg.Connection[Any],
    changes: dict[str, TableChanges],
    result: SyncResult,
    texts: dict[str, str] | None = None,
) -> list[int]:
    """Keep back a coder's records that point at a code or transcript the hub does not have,
    and codings and memos on a transcript whose text here is not the hub's.

    ``texts``: ``{transcript GUID: sha256}`` of this copy. A text corrected in
    a coder's copy is the coder's alone (the lead owns transcripts), so
    offsets into it mean nothing on the hub: those codings (their removals
    too) and memos wait in the log until the texts agree again (the coder
    undoes the correction, or the lead's correction arrives and remaps them).
    Returns the local ids of the codings held back."""
    codes = hub_sql.hub_guids(conn, "codes")
    hub_texts = hub_sql.transcript_shas(conn)
    transcripts = set(hub_texts)
    apart = {g for g, sha in (texts or {}).items() if g in hub_texts and hub_texts[g] != sha}
    position = {"codings": (1, 2), "memos": (4, 2), "statuses": (None, 1)}
    if apart and "codings" in changes:
        coded = changes["codings"]
        coded.held_removals = [r for r in coded.removals if r[2] in apart]
        coded.removals = [r for r in coded.removals if r[2] not in apart]
        coded.held_transcripts = sorted(apart)
    on_apart: dict[str, int] = {}
    held_ids: list[int] = []
    for table, (code_at, transcript_at) in position.items():
        change = changes.get(table)
        if change is None:
            continue
        kept, kept_ids, held = [], [], 0
        for i, record in enumerate(change.upserts):
            bad_code = (
                code_at is not None and record[code_at] is not None and record[code_at] not in codes
            )
            bad_transcript = (
                record[transcript_at] is not None and record[transcript_at] not in transcripts
            )
            if table != "statuses" and record[transcript_at] in apart:
                on_apart[table] = on_apart.get(table, 0) + 1
                bad_transcript = True
            if bad_code or bad_transcript:
                held += 1
                change.sent.pop(key_text(record_key(table, record)), None)
                if table == "codings":
                    held_ids.append(change.row_ids[i])
                else:
                    change.held.append(key_text(record_key(table, record)))
            else:
                kept.append(record)
                if table == "codings":
                    kept_ids.append(change.row_ids[i])
        change.upserts = kept
        if table == "codings":
            change.row_ids = kept_ids
        if held:
            result.held_back[table] = held
    moved = len(changes["codings"].held_removals) if "codings" in changes else 0
    if on_apart or moved:
        what = ", ".join(plural(n, *NOUNS[t]) for t, n in on_apart.items())
        result.notes.append(
            f"({what or plural(moved, 'coding removal')} held back on"
            f" {plural(len(apart), 'transcript')} whose text this copy changed: the lead owns"
            " the text; they go up once the texts agree again: undo the correction here, or"
            " the lead makes it)"
        )
    return held_ids


# ----------------------------------------------------------------- a coder's edits of the lead's rows


def _pulled_kind(table: str) -> str:
    """The ``sync_pushed`` kind under which a coder's copy keeps what it pulled of ``table``."""
    return f"pulled.{table}"


def _digests(project: Project, table: str) -> dict[str, str]:
    return {
        key_text(record_key(table, r)): digest(table, r)
        for r in records_of(project, table, "coder", [])
    }


def note_baseline(project: Project) -> None:
    """Note every row of the lead's tables in a coder's copy as pulled (a clone, or a copy made
    before local edits were looked for), in the caller's transaction."""
    counted = sync_sql.counters(project.db)
    noted: dict[str, dict[str, int]] = {}
    for table in EDITS:
        sync_sql.forget_pushed(project.db, _pulled_kind(table))
        sync_sql.record_pushed(project.db, _pulled_kind(table), _digests(project, table), [])
        snapshot = _snapshot(counted, table)
        if snapshot is not None:
            noted[table] = snapshot
    settings_sql.set_meta(project.db, PULLED_NOTED, json.dumps(noted, sort_keys=True))
    settings_sql.set_meta(project.db, LOCAL_EDITS, "{}")


def local_edits(project: Project, *, store: bool = False) -> dict[str, list[str]]:
    """Per lead's table, the keys of the rows a coder's copy changed, added or removed since it
    pulled them: never pushed (the database would refuse them), so reported as held back.

    A table whose write counters are those of the last look is not read
    again. ``store``: note this look (in the caller's transaction).
    """
    counted = sync_sql.counters(project.db)
    noted: dict[str, dict[str, int]] = json.loads(project.setting(PULLED_NOTED) or "{}")
    known: dict[str, list[str]] = json.loads(project.setting(LOCAL_EDITS) or "{}")
    found: dict[str, list[str]] = {}
    for table in EDITS:
        snapshot = _snapshot(counted, table)
        if snapshot is not None and noted.get(table) == snapshot:
            if known.get(table):
                found[table] = known[table]
            continue
        base = sync_sql.pushed(project.db, _pulled_kind(table))
        now_ = _digests(project, table)
        changed = {k for k, d in now_.items() if base.get(k) != d} | (set(base) - set(now_))
        if changed:
            found[table] = sorted(changed)
        if snapshot is not None:
            noted[table] = snapshot
    if store:  # written only when it changed: a background sync commits nothing needless
        for key, value in ((PULLED_NOTED, noted), (LOCAL_EDITS, found)):
            text = json.dumps(value, sort_keys=True)
            if project.setting(key) != text:
                settings_sql.set_meta(project.db, key, text)
    return found


def _rebaseline(
    project: Project,
    rows: dict[str, list[tuple[int, bool, tuple[Any, ...]]]],
    before: dict[str, int],
    edits: dict[str, list[str]],
    result: SyncResult,
) -> None:
    """After a pull into a coder's copy: the lead's rows it wrote are the new baseline.

    A local edit the lead's own change to the same row replaced is counted
    in ``result.replaced`` (said, never silent); every other local edit keeps
    its old baseline, so it is still found (and held back) next time.
    """
    after = sync_sql.counters(project.db)
    noted: dict[str, dict[str, int]] = json.loads(project.setting(PULLED_NOTED) or "{}")
    kept: dict[str, list[str]] = {}
    for table in EDITS:
        pulled = {key_text(record_key(table, r[2])) for r in rows.get(table, [])}
        mine = set(edits.get(table, []))
        if mine & pulled:
            result.replaced[table] = len(mine & pulled)
        still = mine - pulled
        if still:
            kept[table] = sorted(still)
        if _snapshot(before, table) == _snapshot(after, table) and not pulled:
            snapshot = _snapshot(after, table)
            if snapshot is not None:
                noted[table] = snapshot
            continue
        base = sync_sql.pushed(project.db, _pulled_kind(table))
        fresh = {k: d for k, d in _digests(project, table).items() if k not in still}
        fresh.update({k: base[k] for k in still if k in base})
        sync_sql.forget_pushed(project.db, _pulled_kind(table))
        sync_sql.record_pushed(project.db, _pulled_kind(table), fresh, [])
        snapshot = _snapshot(after, table)
        if snapshot is not None:
            noted[table] = snapshot
    settings_sql.set_meta(project.db, PULLED_NOTED, json.dumps(noted, sort_keys=True))
    settings_sql.set_meta(project.db, LOCAL_EDITS, json.dumps(kept, sort_keys=True))


def _forget_withdrawn(
    project: Project,
    withdrawn: Sequence[str],
    rounds_gone: Sequence[int],
    owned: Sequence[str],
    edits: dict[str, list[str]],
    result: SyncResult,
) -> None:
    """Remove from a coder's copy what withdrawn releases had let in, and count it."""
    removed = sync_sql.forget_unreleased(
        project.db, withdrawn, owned, keep_cells=edits.get("framework_cells", [])
    )
    reports = sync_sql.forget_round_reports(project.db, rounds_gone)
    if reports:
        removed["round_reports"] = reports
    for table, n in removed.items():
        result.withdrawn[table] = result.withdrawn.get(table, 0) + n


def pull(
    project: Project,
    conn: psycopg.Connection[Any],
    result: SyncResult,
    owned: list[str],
    is_lead: bool,
    *,
    cloning: bool,
) -> int:
    """Pull what the role may see; returns how many codings here a merge or correction moved."""
    psycopg = load_psycopg()
    last = int(project.setting(LAST_SEQ) or 0)
    # Hold the change lock (no writer mid-transaction) while the snapshot is taken and the
    # sequence read: then the snapshot holds exactly the changes numbered up to ``horizon``,
    # and the next pull starts there, past rows this role cannot see (they would otherwise
    # be scanned again by every pull).
    hub_sql.hold_changes(conn)
    conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    conn.read_only = True
    try:
        with conn.transaction():
            try:
                horizon = hub_sql.sequence_now(conn)
            finally:
                hub_sql.release_changes(conn)
            skip = set() if cloning or not is_lead else LEAD_OWNS
            not_of = [] if cloning else owned
            rows = {
                table: []
                if table in skip
                else hub_sql.changes_since(conn, table, last, not_of=not_of)
                for table in PULL_ORDER
            }
            released = [r[2][0] for r in rows["releases"] if not r[1]]
            # A release the lead withdrew (or a round removed): what it let in must go.
            withdrawn = [] if is_lead or cloning else [r[2][0] for r in rows["releases"] if r[1]]
            rounds_gone: list[int] = []
            if withdrawn:
                live = hub_sql.released_rounds(conn)
                rounds_gone = sorted(
                    {int(r[2][1]) for r in rows["releases"] if r[1] and str(r[2][1]).isdigit()}
                    - {int(n) for n in live if n.isdigit()}
                )
            if "round_reports" not in skip:  # a released round's report was frozen before
                rounds_ = sorted({str(r[2][1]) for r in rows["releases"] if not r[1] and r[2][1]})
                extra = hub_sql.reports_of_rounds(conn, rounds_)
                seen = {record_key("round_reports", r[2]) for r in rows["round_reports"]}
                rows["round_reports"] += [
                    r for r in extra if record_key("round_reports", r[2]) not in seen
                ]
            for table in RELEASED_KINDS:
                if table in skip or (is_lead and not cloning):  # the lead saw them all along
                    continue
                extra = hub_sql.rows_of_transcripts(conn, table, released)
                if extra:
                    seen = {record_key(table, r[2]) for r in rows[table]}
                    rows[table] += [r for r in extra if record_key(table, r[2]) not in seen]
    finally:
        conn.isolation_level = None
        conn.read_only = None
    newest = max([last, horizon, *(r[0] for table_rows in rows.values() for r in table_rows)])
    if newest == last and not any(rows.values()) and not cloning:
        # Nothing new on the hub: the copy is left untouched, so a background sync every few
        # seconds does not make the workbench's screens read the file again.
        result.last_seq = newest
        return 0
    lead = _lead_name(conn) if rows["transcripts"] else None
    mine = set(owned)
    watch = not is_lead and not cloning and project.setting(PULLED_NOTED) is not None
    with project.transaction():
        edits = local_edits(project) if watch else {}
        counted = sync_sql.counters(project.db)
        applied = _apply(
            project,
            rows,
            skip,
            mine,
            cloning=cloning,
            lead=lead,
            notes=result.notes,
            removed=result.removed_here,
        )
        recoded = applied.pop("remapped", 0)
        recoded += 0 if "codes" in skip else _code_conflicts(project, rows["codes"], mine, result)
        if withdrawn:
            _forget_withdrawn(project, withdrawn, rounds_gone, owned, edits, result)
        if watch:
            _rebaseline(project, rows, counted, edits, result)
        if not recoded and not cloning:
            _renote(project, counted, sync_sql.counters(project.db))
        settings_sql.set_meta(project.db, LAST_SEQ, str(newest))
        settings_sql.set_meta(project.db, LAST_SYNC, now())
    result.pulled = applied
    result.last_seq = newest
    return recoded


def _renote(project: Project, before: dict[str, int], after: dict[str, int]) -> None:
    """A pull wrote only others' rows: a table up to date before it is up to date after it."""
    noted = _noted(project)
    for table, snapshot in list(noted.items()):
        if table in DEPENDS and snapshot == _snapshot(before, table):
            noted[table] = _snapshot(after, table) or snapshot
    settings_sql.set_meta(project.db, NOTED, json.dumps(noted, sort_keys=True))


def _lead_name(conn: psycopg.Connection[Any]) -> str | None:
    """The coder name of the hub's (first) lead: a correction pulled is theirs."""
    return next((name for _role, name, is_lead in hub_sql.members(conn) if is_lead), None)


def _code_conflicts(
    project: Project,
    rows: list[tuple[int, bool, tuple[Any, ...]]],
    mine: set[str],
    result: SyncResult,
) -> int:
    """The lead archived or merged codes this copy's coders coded on: recode or keep, and say so.

    A merged code's codings become codings of its target (as the lead's own
    merge did, duplicates dropped); an archived code's codings are kept, and
    reported. Returns how many codings were recoded (they must be pushed).
    """
    db = project.db
    coders = sync_sql.id_map(db, "coders")
    ours = [coders[g] for g in mine if g in coders]
    codes = sync_sql.id_map(db, "codes")
    recoded = 0
    for _seq, deleted, record in rows:
        guid, archived = record[0], bool(record[11])
        target = record[12] if len(record) > 12 else None
        if deleted or not archived:
            continue
        sync_sql.set_merged_into(db, guid, target if target in codes else None)
        source = codes.get(guid)
        if source is None or not ours:
            continue
        on_it = sync_sql.codings_on_code(db, source, ours)
        if not on_it:
            continue
        was = project.code_by_id(source).label
        if target in codes:
            moved, dropped = code_sql.merge_codings(db, source, codes[target], coder_ids=ours)
            into = project.code_by_id(codes[target]).label
            extra = (
                f" ({plural(dropped, 'coding')} already coded there, so dropped)" if dropped else ""
            )
            result.notes.append(
                f"recoded {plural(moved + dropped, 'coding')} from {was} to {into}: "
                f"merged by the lead{extra}."
            )
            recoded += moved + dropped
        else:
            result.notes.append(
                f"kept {plural(on_it, 'coding')} on {was}: archived by the lead "
                "(recode or remove them)."
            )
    return recoded


def _apply(
    project: Project,
    rows: dict[str, list[tuple[int, bool, tuple[Any, ...]]]],
    skip: set[str],
    mine: set[str],
    *,
    cloning: bool,
    lead: str | None = None,
    notes: list[str] | None = None,
    removed: dict[str, int] | None = None,
) -> dict[str, int]:
    """Apply pulled rows in dependency order (inside the caller's transaction).

    ``lead``: the lead's coder name (a correction pulled is recorded as theirs);
    ``notes`` receives what a correction or re-segmentation did to this copy;
    ``removed`` counts the removals taken (tombstones), which the returned
    counts of rows pulled leave out.
    """
    db = project.db
    notes = notes if notes is not None else []
    at = now()
    counts: dict[str, int] = {}

    gone = removed if removed is not None else {}

    def count(table: str, deleted: bool = False) -> None:
        into = gone if deleted else counts
        into[table] = into.get(table, 0) + 1

    if "coders" not in skip:
        for _seq, deleted, record in rows["coders"]:
            if not deleted:
                sync_sql.apply_coder(db, record, at)
                count("coders")
    if "codes" not in skip:
        _apply_codes(project, rows["codes"], at, count)
    if "codebook_versions" not in skip:  # the lead's versions: codings here carry them
        coder_ids = sync_sql.id_map(db, "coders")
        for _seq, deleted, record in rows["codebook_versions"]:
            if not deleted:
                version_sql.apply_version(db, record, coder_ids)
                count("codebook_versions")
    if "transcripts" not in skip:
        transcripts = sync_sql.id_map(db, "transcripts")
        for _seq, deleted, record in rows["transcripts"]:
            if deleted:
                if record[0] in transcripts:
                    delete_transcript(db, transcripts[record[0]])
                    count("transcripts", True)
            else:
                counts["remapped"] = counts.get("remapped", 0) + _apply_transcript(
                    project, record, lead, notes
                )
                count("transcripts")
    coders = sync_sql.id_map(db, "coders")
    codes = sync_sql.id_map(db, "codes")
    transcripts = sync_sql.id_map(db, "transcripts")
    if "assignments" not in skip:
        for _seq, deleted, r in rows["assignments"]:
            c, t = coders.get(r[0]), transcripts.get(r[1])
            if c is None or t is None:
                continue
            sync_sql.apply_assignment(
                db, c, t, r[3], r[4], coders.get(r[5]) if r[5] else None, r[6], deleted=deleted
            )
            count("assignments", deleted)
    if "rounds" not in skip:
        for _seq, deleted, r in rows["rounds"]:
            if not deleted:
                sync_sql.apply_round(db, r)
                count("rounds")
            elif delete_round(
                db, int(r[0]), sample_too=True
            ):  # the lead removed it: so does every copy
                count("rounds", True)
    _apply_study(db, rows, skip, coders, codes, transcripts, count)
    counts["releases"] = sum(1 for r in rows["releases"] if not r[1])
    for _seq, deleted, r in rows["codings"]:
        if r[0] in mine and not cloning:
            continue
        c, k, t = coders.get(r[0]), codes.get(r[1]), transcripts.get(r[2])
        if c is None or k is None or t is None:
            continue
        version = int(r[6]) if len(r) > 6 and r[6] is not None else 1
        if sync_sql.apply_coding(
            db, c, k, t, int(r[3]), int(r[4]), r[5], version=version, deleted=deleted
        ):
            count("codings", deleted)
    for _seq, deleted, r in rows["memos"]:
        if r[1] in mine and not cloning:
            continue
        sync_sql.apply_memo(
            db, _memo_values(project, r, coders, codes, transcripts), deleted=deleted
        )
        count("memos", deleted)
    for _seq, deleted, r in rows["statuses"]:
        if r[0] in mine and not cloning:
            continue
        c, t = coders.get(r[0]), transcripts.get(r[1])
        if c is None or t is None:
            continue
        sync_sql.apply_status(db, c, t, r[2], r[3], deleted=deleted)
        count("statuses", deleted)
    for _seq, deleted, r in rows["saved_queries"]:
        if r[0] in mine and not cloning:
            continue
        sync_sql.apply_saved_query(db, r, deleted=deleted)
        count("saved_queries", deleted)
    return {k: v for k, v in counts.items() if v}


def _apply_study(
    db: Any,
    rows: dict[str, list[tuple[int, bool, tuple[Any, ...]]]],
    skip: set[str],
    coders: dict[str, int],
    codes: dict[str, int],
    transcripts: dict[str, int],
    count: Callable[[str, bool], None],
) -> None:
    """The lead's study tables and round reports, removals included (rows on what is not here
    are left out, as codings on an unknown code are)."""
    if "round_reports" not in skip:
        for _seq, deleted, r in rows["round_reports"]:
            if sync_sql.apply_round_report(db, r, deleted=deleted):
                count("round_reports", deleted)
    if "speaker_attributes" not in skip:
        for _seq, deleted, r in rows["speaker_attributes"]:
            t = transcripts.get(r[0])
            if t is not None:
                sync_sql.apply_speaker_attribute(db, t, r, deleted=deleted)
                count("speaker_attributes", deleted)
    if "code_relations" not in skip:
        for _seq, deleted, r in rows["code_relations"]:
            f, t = codes.get(r[0]), codes.get(r[1])
            if f is not None and t is not None:
                by = coders.get(r[4]) if r[4] else None
                sync_sql.apply_code_relation(db, f, t, r, by, deleted=deleted)
                count("code_relations", deleted)
    if "framework_cells" not in skip:
        for _seq, deleted, r in rows["framework_cells"]:
            t, k = transcripts.get(r[0]), codes.get(r[2])
            if t is not None and k is not None:
                by = coders.get(r[4]) if r[4] else None
                sync_sql.apply_framework_cell(db, t, k, r, by, deleted=deleted)
                count("framework_cells", deleted)


def _apply_transcript(
    project: Project, record: tuple[Any, ...], lead: str | None, notes: list[str]
) -> int:
    """A transcript from the hub: new, or the lead corrected its text or changed its segments.

    A corrected text is carried into this copy by the same word-aware remap
    as a correction made here (every coding moves with its words; those that
    lost words are flagged for ``review-codings``), never shifted silently;
    then the copy's segments become the lead's. Returns how many codings moved.
    """
    from codebench.coding.correction import take_correction

    db = project.db
    guid, _name, text, sha256 = record[:4]
    here = sync_sql.transcript_state(db, guid)
    moved = 0
    if here is not None and here[1] != sha256:
        tid = here[0]
        by = project.coder(lead or "lead", create=True)
        done = take_correction(
            project, project.transcript(tid), text, sha256, by, "corrected by the lead"
        )
        flagged = len(done.review)
        notes.append(
            f"{done.transcript}: the lead's correction (version {done.version}) arrived; "
            f"{plural(done.moved, 'coding')} remapped, {flagged} flagged "
            "for review (codebench review-codings)."
        )
        moved = done.moved + done.merged
    sync_sql.apply_transcript(db, record)
    if here is not None:
        segments = record[9] if isinstance(record[9], list) else json.loads(record[9])
        if sync_sql.replace_segments(db, here[0], segments, text):
            moved += 1  # memos may have moved with the segments: push what changed
            if here[1] == sha256:
                notes.append(
                    f"{record[1]}: the lead changed its segments; this copy now has theirs."
                )
    return moved


def _apply_codes(
    project: Project,
    rows: list[tuple[int, bool, tuple[Any, ...]]],
    at: str,
    count: Callable[[str], None],
) -> None:
    """Codes parents first (a child may arrive before its parent in seq order)."""
    db = project.db
    pending = list(rows)
    while pending:
        ids = sync_sql.id_map(db, "codes")
        later = []
        for row in pending:
            _seq, deleted, record = row
            if deleted:
                sync_sql.archive_code(db, record[0])
                count("codes")
            elif record[1] is None or record[1] in ids:
                sync_sql.apply_code(db, record, ids.get(record[1]) if record[1] else None, at)
                count("codes")
            else:
                later.append(row)
        if len(later) == len(pending):  # parents that never arrive: attach at the top
            for _seq, _deleted, record in later:
                sync_sql.apply_code(db, record, None, at)
                count("codes")
            return
        pending = later


def _memo_values(
    project: Project,
    r: tuple[Any, ...],
    coders: dict[str, int],
    codes: dict[str, int],
    transcripts: dict[str, int],
) -> dict[str, Any]:
    guid, author, transcript, ordinal, code, coding_key, text, created_at, updated_at = r
    tid = transcripts.get(transcript) if transcript else None
    coding_id = None
    if coding_key and tid is not None:
        parts = str(coding_key).split(":")
        if len(parts) == 4 and parts[0] in coders and parts[1] in codes:
            coding_id = sync_sql.coding_id_by_key(
                project.db, coders[parts[0]], codes[parts[1]], tid, int(parts[2]), int(parts[3])
            )
    return {
        "guid": guid,
        "author_id": coders.get(author) if author else None,
        "transcript_id": tid,
        "segment_id": segment_id_at(project.db, tid, int(ordinal))
        if tid is not None and ordinal is not None
        else None,
        "code_id": codes.get(code) if code else None,
        "coding_id": coding_id,
        "text": text,
        "created_at": created_at,
        "updated_at": updated_at,
    }
