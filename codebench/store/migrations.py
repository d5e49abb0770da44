"""The project schema, as an ordered list of migrations (all DDL lives here).

Each migration runs in its own transaction through sqlite-utils'
:class:`~sqlite_utils.migrations.Migrations`. Before any pending migration
runs on a file that already holds data, a backup copy is written beside it
(``NAME.backup-<schema>-<time>.db``) so a failed or unwanted upgrade never
costs the user their coding. A file whose applied migrations we do not know
came from a newer codebench and is refused rather than guessed at.
"""

from __future__ import annotations

import datetime as _dt
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from codebench.errors import ProjectError
from codebench.store._sqlite import load_sqlite_utils

if TYPE_CHECKING:
    import sqlite_utils

Migrations = load_sqlite_utils().migrations.Migrations

MIGRATION_SET = "codebench"
migrations = Migrations(MIGRATION_SET)


@migrations(name="0001_core")
def _core(db: sqlite_utils.Database) -> None:
    """Tables for every concept of the data model."""
    db.executescript(
        """
        CREATE TABLE meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        CREATE TABLE coders (
            id INTEGER PRIMARY KEY,
            guid TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL DEFAULT 'human' CHECK (kind IN ('human', 'consensus')),
            created_at TEXT NOT NULL
        );
        CREATE TABLE codes (
            id INTEGER PRIMARY KEY,
            guid TEXT NOT NULL UNIQUE,
            parent_id INTEGER REFERENCES codes(id),
            position INTEGER NOT NULL DEFAULT 0,
            number TEXT,
            name TEXT NOT NULL CHECK (length(trim(name)) > 0),
            description TEXT NOT NULL DEFAULT '',
            inclusion TEXT NOT NULL DEFAULT '',
            exclusion TEXT NOT NULL DEFAULT '',
            example TEXT NOT NULL DEFAULT '',
            colour TEXT,
            shortcut TEXT,
            archived INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL
        );
        CREATE TABLE transcripts (
            id INTEGER PRIMARY KEY,
            guid TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL UNIQUE,
            text TEXT NOT NULL,
            sha256 TEXT NOT NULL UNIQUE,
            source_name TEXT NOT NULL,
            source_format TEXT NOT NULL,
            language TEXT NOT NULL DEFAULT 'en',
            unit TEXT NOT NULL DEFAULT 'sentence',
            imported_at TEXT NOT NULL
        );
        CREATE TABLE attributes (
            transcript_id INTEGER NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (transcript_id, key)
        );
        CREATE TABLE segments (
            id INTEGER PRIMARY KEY,
            transcript_id INTEGER NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE,
            ordinal INTEGER NOT NULL,
            start_char INTEGER NOT NULL,
            end_char INTEGER NOT NULL,
            speaker TEXT,
            codable INTEGER NOT NULL DEFAULT 1,
            turn INTEGER NOT NULL,
            paragraph INTEGER NOT NULL,
            timestamp REAL,
            UNIQUE (transcript_id, ordinal),
            CHECK (start_char < end_char)
        );
        CREATE TABLE codings (
            id INTEGER PRIMARY KEY,
            coder_id INTEGER NOT NULL REFERENCES coders(id),
            code_id INTEGER NOT NULL REFERENCES codes(id),
            transcript_id INTEGER NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE,
            start_char INTEGER NOT NULL,
            end_char INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            UNIQUE (coder_id, code_id, transcript_id, start_char, end_char),
            CHECK (start_char < end_char)
        );
        CREATE TABLE memos (
            id INTEGER PRIMARY KEY,
            guid TEXT NOT NULL UNIQUE,
            author_id INTEGER REFERENCES coders(id),
            transcript_id INTEGER REFERENCES transcripts(id) ON DELETE CASCADE,
            segment_id INTEGER REFERENCES segments(id) ON DELETE CASCADE,
            code_id INTEGER REFERENCES codes(id),
            coding_id INTEGER REFERENCES codings(id) ON DELETE CASCADE,
            text TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE coder_status (
            coder_id INTEGER NOT NULL REFERENCES coders(id),
            transcript_id INTEGER NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE,
            status TEXT NOT NULL CHECK (status IN ('not-started', 'in-progress', 'done')),
            updated_at TEXT NOT NULL,
            PRIMARY KEY (coder_id, transcript_id)
        );
        CREATE TABLE events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            guid TEXT NOT NULL UNIQUE,
            at TEXT NOT NULL,
            coder_id INTEGER REFERENCES coders(id),
            transcript_id INTEGER REFERENCES transcripts(id) ON DELETE SET NULL,
            action TEXT NOT NULL,
            payload TEXT NOT NULL DEFAULT '{}'
        );
        """
    )


@migrations(name="0002_indexes_and_guards")
def _indexes_and_guards(db: sqlite_utils.Database) -> None:
    """Indexes for the per-code, per-coder and per-transcript queries; integrity triggers."""
    db.executescript(
        """
        CREATE UNIQUE INDEX codes_sibling_name ON codes (coalesce(parent_id, 0), name);
        CREATE UNIQUE INDEX codes_number ON codes (number) WHERE number IS NOT NULL;
        CREATE INDEX codes_parent ON codes (parent_id, position);
        CREATE INDEX segments_span ON segments (transcript_id, start_char);
        CREATE INDEX codings_code ON codings (code_id, transcript_id);
        CREATE INDEX codings_transcript_coder ON codings (transcript_id, coder_id, start_char);
        CREATE INDEX codings_coder ON codings (coder_id, code_id);
        CREATE INDEX memos_transcript ON memos (transcript_id);
        CREATE INDEX memos_coding ON memos (coding_id);
        CREATE INDEX events_coder ON events (coder_id, id);
        CREATE INDEX attributes_key ON attributes (key, value);

        -- Offsets index the stored text, so it must never change.
        CREATE TRIGGER transcripts_text_immutable
        BEFORE UPDATE OF text, sha256 ON transcripts
        BEGIN
            SELECT RAISE(ABORT, 'transcript text is immutable');
        END;
        -- The event log is append-only.
        CREATE TRIGGER events_no_update BEFORE UPDATE ON events
        BEGIN
            SELECT RAISE(ABORT, 'the event log is append-only');
        END;
        CREATE TRIGGER events_no_delete BEFORE DELETE ON events
        BEGIN
            SELECT RAISE(ABORT, 'the event log is append-only');
        END;
        """
    )


@migrations(name="0003_drop_redundant_coder_index")
def _drop_redundant_coder_index(db: sqlite_utils.Database) -> None:
    """Drop ``codings_coder``: the UNIQUE (coder, code, transcript, span) index
    already serves every lookup by coder and code, and each extra index is
    written on every coding (about an eighth of a large merge's time)."""
    db.executescript("DROP INDEX IF EXISTS codings_coder;")


@migrations(name="0004_events_outlive_transcripts")
def _events_outlive_transcripts(db: sqlite_utils.Database) -> None:
    """Let a transcript be removed: its events stay, their ``transcript_id`` set to NULL.

    ``events.transcript_id`` is ``ON DELETE SET NULL``, which SQLite carries
    out as an UPDATE, and ``events_no_update`` refused every UPDATE, so no
    transcript with an event could ever be deleted. The trigger now allows
    exactly that one change (a transcript id becoming NULL, every other
    column as it was); any other update is still refused.
    """
    db.executescript(
        """
        DROP TRIGGER events_no_update;
        CREATE TRIGGER events_no_update BEFORE UPDATE ON events
        WHEN NOT (
            NEW.transcript_id IS NULL AND OLD.transcript_id IS NOT NULL
            AND NEW.id IS OLD.id AND NEW.guid IS OLD.guid AND NEW.at IS OLD.at
            AND NEW.coder_id IS OLD.coder_id AND NEW.action IS OLD.action
            AND NEW.payload IS OLD.payload
        )
        BEGIN
            SELECT RAISE(ABORT, 'the event log is append-only');
        END;
        """
    )


@migrations(name="0005_assignments")
def _assignments(db: sqlite_utils.Database) -> None:
    """Who was given what to code: the study design agreement is computed on.

    One row is a coder given a transcript, or a range of its segments
    (ordinals ``first_segment``..``last_segment``, inclusive; both NULL for
    the whole transcript). Several rows may give one coder several ranges of
    one transcript. ``assigned_by`` is the lead who made the assignment.

    ``samples`` records each reliability sample drawn for double coding: its
    seed, fraction and stratifying attribute, and in ``draw`` (JSON) the
    strata, the units drawn and the coders they were assigned to, so the draw
    can be reported and reproduced.
    """
    db.executescript(
        """
        CREATE TABLE assignments (
            id INTEGER PRIMARY KEY,
            coder_id INTEGER NOT NULL REFERENCES coders(id),
            transcript_id INTEGER NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE,
            first_segment INTEGER,
            last_segment INTEGER,
            assigned_by INTEGER REFERENCES coders(id),
            assigned_at TEXT NOT NULL,
            CHECK ((first_segment IS NULL) = (last_segment IS NULL)),
            CHECK (first_segment IS NULL OR first_segment <= last_segment)
        );
        CREATE UNIQUE INDEX assignments_range ON assignments
            (transcript_id, coder_id, coalesce(first_segment, -1), coalesce(last_segment, -1));
        CREATE TABLE samples (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            seed INTEGER NOT NULL,
            fraction REAL NOT NULL CHECK (fraction > 0 AND fraction <= 1),
            stratify TEXT,
            draw TEXT NOT NULL,
            drawn_by INTEGER REFERENCES coders(id),
            drawn_at TEXT NOT NULL
        );
        """
    )


@migrations(name="0007_analysis")
def _analysis(db: sqlite_utils.Database) -> None:
    """Saved coding queries, and a full-text index of every segment's text.

    ``segment_fts`` (FTS5, Unicode words with case and accents folded) holds
    each segment's text with the columns a hit is reported by, so a search
    reads the index alone. The store's two segment writers index what they
    insert (:func:`codebench.store.analysis.index_transcript`: the text is
    read once per transcript; a trigger would read it once per segment and
    make imports several times slower); triggers drop a deleted segment
    (transcript removal) and re-index a changed one. Segments already in the
    project are indexed here.
    """
    db.executescript(
        """
        CREATE TABLE saved_queries (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE CHECK (length(trim(name)) > 0),
            expression TEXT NOT NULL,
            scope TEXT NOT NULL DEFAULT '{}',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE VIRTUAL TABLE segment_fts USING fts5(
            body,
            transcript_id UNINDEXED,
            ordinal UNINDEXED,
            start_char UNINDEXED,
            speaker UNINDEXED,
            tokenize = 'unicode61 remove_diacritics 2'
        );
        INSERT INTO segment_fts (rowid, body, transcript_id, ordinal, start_char, speaker)
            SELECT s.id, substr(t.text, s.start_char + 1, s.end_char - s.start_char),
                   s.transcript_id, s.ordinal, s.start_char, s.speaker
            FROM segments s JOIN transcripts t ON t.id = s.transcript_id;
        CREATE TRIGGER segments_fts_delete AFTER DELETE ON segments
        BEGIN
            DELETE FROM segment_fts WHERE rowid = OLD.id;
        END;
        CREATE TRIGGER segments_fts_update
        AFTER UPDATE OF transcript_id, ordinal, start_char, end_char, speaker ON segments
        BEGIN
            DELETE FROM segment_fts WHERE rowid = OLD.id;
            INSERT INTO segment_fts (rowid, body, transcript_id, ordinal, start_char, speaker)
                SELECT NEW.id, substr(t.text, NEW.start_char + 1, NEW.end_char - NEW.start_char),
                       NEW.transcript_id, NEW.ordinal, NEW.start_char, NEW.speaker
                FROM transcripts t WHERE t.id = NEW.transcript_id;
        END;
        """
    )


@migrations(name="0008_rounds")
def _rounds(db: sqlite_utils.Database) -> None:
    """Codebook versions, the version each coding was made under, and reliability rounds.

    ``codebook_versions`` holds each version's snapshot of the codebook (JSON,
    :mod:`codebench.store.codebook_versions` says when a version begins) and
    ``last_coding_id``, the largest coding id when the snapshot was written,
    so "were codings made under this version since?" reads a row-id range.
    Existing codings were made under version 1, the codebook as it stands now.

    ``rounds`` is one reliability round: a number, a name, the sample whose
    transcripts are its units, the codebook version current when it opened,
    who opened and closed it and when; ``round_coders`` its coders.
    """
    db.executescript(
        """
        CREATE TABLE codebook_versions (
            number INTEGER PRIMARY KEY CHECK (number >= 1),
            snapshot TEXT NOT NULL,
            last_coding_id INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        ALTER TABLE codings ADD COLUMN codebook_version INTEGER NOT NULL DEFAULT 1;
        CREATE TABLE rounds (
            id INTEGER PRIMARY KEY,
            number INTEGER NOT NULL UNIQUE CHECK (number >= 1),
            name TEXT NOT NULL UNIQUE CHECK (length(trim(name)) > 0),
            sample_id INTEGER NOT NULL REFERENCES samples(id),
            codebook_version INTEGER NOT NULL,
            opened_by INTEGER REFERENCES coders(id),
            opened_at TEXT NOT NULL,
            closed_by INTEGER REFERENCES coders(id),
            closed_at TEXT
        );
        CREATE TABLE round_coders (
            round_id INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
            coder_id INTEGER NOT NULL REFERENCES coders(id),
            PRIMARY KEY (round_id, coder_id)
        );
        """
    )
    from codebench.store.codebook_versions import snapshot, write_version

    write_version(db, 1, snapshot(db))
    db.execute("UPDATE codebook_versions SET last_coding_id = 0 WHERE number = 1")


@migrations(name="0010_text_versions")
def _text_versions(db: sqlite_utils.Database) -> None:
    """Correctable transcript text: every text a transcript has had, and codings to review.

    ``transcript_versions`` keeps each text a corrected transcript has had
    (version 1 is the imported text, recorded at the first correction; the
    newest equals ``transcripts.text``), who made it, when and why, the
    edits from the version before (JSON, see
    :mod:`codebench.coding.textdiff`) and ``after_event``, the newest event
    id when the text became current (offsets an older event recorded are
    carried through the versions made after it). ``coding_reviews`` flags the
    codings a correction clamped or orphaned, with the text they had.

    The text may change only to a text kept as a version of that transcript,
    so no offset ever indexes a text the project has lost. Segment offsets
    change only in a correction, which re-indexes its transcript itself, so
    the full-text trigger no longer re-reads the whole text per segment.
    """
    db.executescript(
        """
        CREATE TABLE transcript_versions (
            id INTEGER PRIMARY KEY,
            transcript_id INTEGER NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE,
            version INTEGER NOT NULL CHECK (version >= 1),
            text TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            made_by INTEGER REFERENCES coders(id),
            made_at TEXT NOT NULL,
            reason TEXT NOT NULL DEFAULT '',
            edits TEXT,
            after_event INTEGER NOT NULL DEFAULT 0,
            UNIQUE (transcript_id, version)
        );
        CREATE INDEX transcript_versions_sha ON transcript_versions (sha256);
        CREATE TABLE coding_reviews (
            coding_id INTEGER PRIMARY KEY REFERENCES codings(id) ON DELETE CASCADE,
            reason TEXT NOT NULL CHECK (reason IN ('clamped', 'orphaned')),
            version INTEGER NOT NULL,
            was TEXT NOT NULL,
            flagged_at TEXT NOT NULL
        );
        DROP TRIGGER transcripts_text_immutable;
        CREATE TRIGGER transcripts_text_versioned
        BEFORE UPDATE OF text, sha256 ON transcripts
        WHEN NOT EXISTS (
            SELECT 1 FROM transcript_versions v
            WHERE v.transcript_id = OLD.id AND v.sha256 = NEW.sha256 AND v.text = NEW.text
        )
        BEGIN
            SELECT RAISE(ABORT, 'transcript text changes only by a correction, which keeps each version');
        END;
        DROP TRIGGER segments_fts_update;
        CREATE TRIGGER segments_fts_update
        AFTER UPDATE OF transcript_id, ordinal, speaker ON segments
        BEGIN
            DELETE FROM segment_fts WHERE rowid = OLD.id;
            INSERT INTO segment_fts (rowid, body, transcript_id, ordinal, start_char, speaker)
                SELECT NEW.id, substr(t.text, NEW.start_char + 1, NEW.end_char - NEW.start_char),
                       NEW.transcript_id, NEW.ordinal, NEW.start_char, NEW.speaker
                FROM transcripts t WHERE t.id = NEW.transcript_id;
        END;
        """
    )


@migrations(name="0011_participants_framework")
def _participants_framework(db: sqlite_utils.Database) -> None:
    """Participants' own attributes, and the framework matrix's written summaries.

    A participant is a speaker within one transcript (``Participant`` in two
    focus groups is two people), so ``speaker_attributes`` is keyed by the
    transcript and the speaker's name as the segments spell it.

    ``framework_cells`` holds the lead's summary of one case under one
    theme: the case is a transcript (``speaker`` is ``''``) or a participant
    in it. The passages a cell links to are not stored: they are the case's
    coded passages of the code, read when the matrix is shown, so they
    follow the coding as it changes.
    """
    db.executescript(
        """
        CREATE TABLE speaker_attributes (
            transcript_id INTEGER NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE,
            speaker TEXT NOT NULL CHECK (length(speaker) > 0),
            key TEXT NOT NULL CHECK (length(trim(key)) > 0),
            value TEXT NOT NULL,
            PRIMARY KEY (transcript_id, speaker, key)
        );
        CREATE TABLE framework_cells (
            id INTEGER PRIMARY KEY,
            transcript_id INTEGER NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE,
            speaker TEXT NOT NULL DEFAULT '',
            code_id INTEGER NOT NULL REFERENCES codes(id),
            summary TEXT NOT NULL,
            updated_by INTEGER REFERENCES coders(id),
            updated_at TEXT NOT NULL,
            UNIQUE (transcript_id, speaker, code_id)
        );
        CREATE INDEX framework_cells_code ON framework_cells (code_id);
        """
    )


@migrations(name="0012_sync")
def _sync(db: sqlite_utils.Database) -> None:
    """What a team copy last pushed to the hub: one row per record, with a digest of its content.

    ``codebench sync`` compares the project's current rows with these to find
    what to push: a record whose digest changed goes up again, a key no
    longer in the project goes up as a removal. The table is rewritten only
    after the hub committed the push, so a push cut short is simply repeated
    (the hub ignores what it already has). The hub's URL (never a password),
    the role and the last server sequence number pulled are settings in ``meta``.
    """
    db.executescript(
        """
        CREATE TABLE sync_pushed (
            kind TEXT NOT NULL,
            key TEXT NOT NULL,
            digest TEXT NOT NULL,
            PRIMARY KEY (kind, key)
        ) WITHOUT ROWID;
        """
    )


@migrations(name="0013_code_relations")
def _code_relations(db: sqlite_utils.Database) -> None:
    """The lead's typed links between two codes ("leads to", "contradicts").

    Directed from ``from_code`` to ``to_code``, drawn in theme maps beside
    co-occurrence. A step of its own: ``0011_participants_framework`` had
    already been applied to projects when the table was added, and an
    applied step never runs again. For a while that first step created this
    table too, so projects migrated then have it: ``IF NOT EXISTS``.
    """
    db.executescript(
        """
        CREATE TABLE IF NOT EXISTS code_relations (
            id INTEGER PRIMARY KEY,
            from_code INTEGER NOT NULL REFERENCES codes(id),
            to_code INTEGER NOT NULL REFERENCES codes(id),
            kind TEXT NOT NULL CHECK (length(trim(kind)) > 0),
            note TEXT NOT NULL DEFAULT '',
            created_by INTEGER REFERENCES coders(id),
            created_at TEXT NOT NULL,
            UNIQUE (from_code, to_code, kind),
            CHECK (from_code != to_code)
        );
        CREATE INDEX IF NOT EXISTS code_relations_to ON code_relations (to_code);
        """
    )


#: The segments a coding overlaps, for the coding ``NEW`` (a trigger's row). Segments of a
#: transcript never overlap one another, so the first candidate is the last segment that starts
#: at or before the coding (found in the ``segments_span`` index) and the scan stops at its end.
@migrations(name="0016_round_reports")
def _round_reports(db: sqlite_utils.Database) -> None:
    """A closed round's report, frozen when it closed.

    ``report`` is the round's agreement report (JSON) and ``options`` the
    options it was computed with (JSON), so later codings and adjudications
    do not silently change a closed round's figures in the trajectory and the
    methods appendix; ``codebench agreement --round N --recompute`` computes
    them afresh.
    """
    db.executescript(
        """
        CREATE TABLE round_reports (
            round_id INTEGER PRIMARY KEY REFERENCES rounds(id) ON DELETE CASCADE,
            options TEXT NOT NULL,
            report TEXT NOT NULL,
            frozen_at TEXT NOT NULL
        );
        """
    )


@migrations(name="0018_code_merged_into")
def _code_merged_into(db: sqlite_utils.Database) -> None:
    """Which code an archived code was merged into (``NULL``: not merged, or merged and undone).

    A team copy needs to know a merge from a plain archive: a coder's
    codings on a merged code are recoded to the target when the lead's merge
    reaches their copy, while codings on an archived code are kept.
    """
    db.executescript(
        """
        ALTER TABLE codes ADD COLUMN merged_into_id INTEGER REFERENCES codes(id);
        """
    )


@migrations(name="0019_change_counters")
def _change_counters(db: sqlite_utils.Database) -> None:
    """Count writes in every project, and keep the built report units keyed by those counts.

    The counters (one per table, bumped by triggers in the writing
    statement; see :func:`ensure_change_counters`) were only a team copy's.
    Every project carries them now, so "has anything changed since?" is one
    exact question for a sync and for reports. ``units_cache`` holds the
    codings mapped onto segments, per coder, as packed arrays
    (:mod:`codebench.store.units_cache`), under the version (the counters
    and SQLite's schema version) they were built from; an entry whose
    version is not the current one is never read.
    """
    for statement in _counter_statements():
        db.execute(statement)
    db.executescript(
        """
        CREATE TABLE units_cache (
            name TEXT PRIMARY KEY,
            version TEXT NOT NULL,
            data BLOB NOT NULL
        );
        """
    )


@migrations(name="0020_units_stamps")
def _units_stamps(db: sqlite_utils.Database) -> None:
    """Count codings writes per (coder, transcript), so one coding refreshes one stored slice.

    A stored coder's units (:mod:`codebench.store.units_cache`) keep, per
    transcript, the count they were built at; after a write only the
    (coder, transcript) pairs whose count moved are read and placed again,
    and every other coder's units stay as stored. The triggers bump the
    count inside the writing statement (codebench's or a user's own SQL),
    for the old and the new row of an update, so the count and the write
    commit together. Counts only grow and rows are never deleted, so a count
    seen twice means nothing of that pair was written in between.
    """
    for statement in units_stamp_statements():
        db.execute(statement)


def known_names() -> list[str]:
    """Names of every migration this version of codebench knows, in order."""
    return [m.name for m in migrations._migrations]


def applied_names(db: sqlite_utils.Database) -> list[str]:
    """Names of migrations already applied to ``db``."""
    return [m.name for m in migrations.applied(db)]


def pending_names(db: sqlite_utils.Database) -> list[str]:
    """Names of known migrations not yet applied to ``db``."""
    return [m.name for m in migrations.pending(db)]


def schema_version(db: sqlite_utils.Database) -> int:
    """The number of known migrations applied (0 for a new file)."""
    return len(applied_names(db))


def refuse_newer(db: sqlite_utils.Database, path: Path | str) -> list[str]:
    """Raise :class:`ProjectError` if a newer codebench wrote ``db``; else return the applied steps."""
    applied = applied_names(db)
    unknown = [name for name in applied if name not in known_names()]
    if unknown:
        raise ProjectError(
            f"{path}: written by a newer codebench (schema step {unknown[-1]!r} is unknown); "
            "upgrade codebench to open it"
        )
    return applied


def migrate(
    db: sqlite_utils.Database, path: Path | str, *, stop_before: str | None = None
) -> Path | None:
    """Apply pending migrations, backing the file up first. Returns the backup path, if any."""
    applied = refuse_newer(db, path)
    pending = migrations.pending(db)
    if stop_before is not None:
        names = [m.name for m in pending]
        pending = pending[: names.index(stop_before)] if stop_before in names else pending
    if not pending:
        return None
    backup = None
    if applied and str(path) != ":memory:":
        backup = _backup(db, Path(path), len(applied))
    _apply_racing(db, stop_before)
    db.conn.execute(f"PRAGMA user_version = {schema_version(db)}")
    return backup


def _apply_racing(db: sqlite_utils.Database, stop_before: str | None) -> None:
    """Apply the pending migrations, tolerating another process applying them at the same time.

    Two commands started at once on a new file (two imports into one new
    project) both find it empty and both create its tables; the second then
    fails on "table ... already exists". That failure means the other process
    is doing the same work, so this one waits a moment and carries on with
    whatever is still pending, for as long as the busy timeout allows.
    """
    import time

    from codebench.store.failures import busy_timeout_ms

    deadline = time.monotonic() + busy_timeout_ms() / 1000
    while True:
        try:
            migrations.apply(db, stop_before=stop_before)
            return
        except sqlite3.OperationalError as error:
            if "already exists" not in str(error) or time.monotonic() > deadline:
                raise
            if db.conn.in_transaction:
                db.conn.rollback()
            time.sleep(0.05)


def _backup(db: sqlite_utils.Database, path: Path, version: int) -> Path:
    """Copy the whole database (WAL included) to a sibling file with SQLite's backup API."""
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.stem}.backup-v{version}-{stamp}{path.suffix or '.db'}")
    counter = 1
    while target.exists():
        target = path.with_name(
            f"{path.stem}.backup-v{version}-{stamp}-{counter}{path.suffix or '.db'}"
        )
        counter += 1
    dest = sqlite3.connect(str(target))
    try:
        db.conn.backup(dest)
    finally:
        dest.close()
    return target


#: Tables whose writes a team copy counts (see :func:`ensure_change_counters`).
COUNTED_TABLES = (
    "coders",
    "codes",
    "transcripts",
    "segments",
    "attributes",
    "assignments",
    "samples",
    "rounds",
    "round_coders",
    "codings",
    "memos",
    "coder_status",
    "speaker_attributes",
    "code_relations",
    "framework_cells",
    "round_reports",
    "saved_queries",
)


_OWNED = "(SELECT coder_id FROM sync_owned)"
_OLD_KEY = (
    "(SELECT guid FROM coders WHERE id = OLD.coder_id), (SELECT guid FROM codes WHERE id ="
    " OLD.code_id), (SELECT guid FROM transcripts WHERE id = OLD.transcript_id),"
    " OLD.start_char, OLD.end_char"
)
_KEY_COLUMNS = "coder_guid, code_guid, transcript_guid, start_char, end_char"
#: The triggers of a team copy's coding change log (see :func:`ensure_change_counters`).
_CODING_LOG = {
    "sync_log_codings_ins": (
        "CREATE TRIGGER IF NOT EXISTS sync_log_codings_ins AFTER INSERT ON codings"
        f" WHEN NEW.coder_id IN {_OWNED}"
        " BEGIN INSERT INTO sync_coding_log (coding_id) VALUES (NEW.id); END"
    ),
    "sync_log_codings_upd": (
        "CREATE TRIGGER IF NOT EXISTS sync_log_codings_upd AFTER UPDATE ON codings"
        f" WHEN NEW.coder_id IN {_OWNED} OR OLD.coder_id IN {_OWNED}"
        f" BEGIN INSERT INTO sync_coding_log (coding_id, {_KEY_COLUMNS})"
        f" SELECT NEW.id, {_OLD_KEY}; END"
    ),
    # A delete cascading from its transcript finds the transcript gone (its GUID NULL): the
    # transcript's own trigger below has logged those keys already.
    "sync_log_codings_del": (
        "CREATE TRIGGER IF NOT EXISTS sync_log_codings_del AFTER DELETE ON codings"
        f" WHEN OLD.coder_id IN {_OWNED}"
        f" BEGIN INSERT INTO sync_coding_log ({_KEY_COLUMNS})"
        " SELECT cr.guid, cd.guid, t.guid, OLD.start_char, OLD.end_char"
        " FROM coders cr, codes cd, transcripts t WHERE cr.id = OLD.coder_id"
        " AND cd.id = OLD.code_id AND t.id = OLD.transcript_id; END"
    ),
    "sync_log_transcripts_del": (
        "CREATE TRIGGER IF NOT EXISTS sync_log_transcripts_del BEFORE DELETE ON transcripts"
        f" BEGIN INSERT INTO sync_coding_log ({_KEY_COLUMNS})"
        " SELECT cr.guid, cd.guid, OLD.guid, k.start_char, k.end_char FROM codings k"
        " JOIN coders cr ON cr.id = k.coder_id JOIN codes cd ON cd.id = k.code_id"
        f" WHERE k.transcript_id = OLD.id AND k.coder_id IN {_OWNED}; END"
    ),
}

_MEMO_OURS = "({row}.author_id IS NULL OR {row}.author_id IN " + _OWNED + ")"
_STATUS_KEY = (
    "(SELECT guid FROM coders WHERE id = {row}.coder_id) || char(31) ||"
    " (SELECT guid FROM transcripts WHERE id = {row}.transcript_id)"
)
#: The triggers of a team copy's memo and status change log (``sync_row_log``: the hub key,
#: as ``sync.key_text`` writes it, of each memo or status written or gone). A memo's record
#: also names its segment's ordinal and its coding's key, so a coding or segment that moves
#: logs the memos on it. Memos with no author are logged too (the lead pushes them).
_ROW_LOG = {
    "sync_log_memos_ins": (
        "CREATE TRIGGER IF NOT EXISTS sync_log_memos_ins AFTER INSERT ON memos"
        f" WHEN {_MEMO_OURS.format(row='NEW')}"
        " BEGIN INSERT INTO sync_row_log (kind, key) VALUES ('memos', NEW.guid); END"
    ),
    "sync_log_memos_upd": (
        "CREATE TRIGGER IF NOT EXISTS sync_log_memos_upd AFTER UPDATE ON memos"
        f" WHEN {_MEMO_OURS.format(row='NEW')} OR {_MEMO_OURS.format(row='OLD')}"
        " BEGIN INSERT INTO sync_row_log (kind, key) VALUES ('memos', NEW.guid);"
        " INSERT INTO sync_row_log (kind, key) SELECT 'memos', OLD.guid"
        " WHERE OLD.guid IS NOT NEW.guid; END"
    ),
    "sync_log_memos_del": (
        "CREATE TRIGGER IF NOT EXISTS sync_log_memos_del AFTER DELETE ON memos"
        f" WHEN {_MEMO_OURS.format(row='OLD')}"
        " BEGIN INSERT INTO sync_row_log (kind, key) VALUES ('memos', OLD.guid); END"
    ),
    "sync_log_memos_coding": (
        "CREATE TRIGGER IF NOT EXISTS sync_log_memos_coding AFTER UPDATE ON codings"
        " WHEN NEW.start_char IS NOT OLD.start_char OR NEW.end_char IS NOT OLD.end_char"
        " OR NEW.code_id IS NOT OLD.code_id OR NEW.coder_id IS NOT OLD.coder_id"
        " BEGIN INSERT INTO sync_row_log (kind, key) SELECT 'memos', guid FROM memos"
        f" WHERE coding_id = NEW.id AND {_MEMO_OURS.format(row='memos')}; END"
    ),
    "sync_log_memos_segment": (
        "CREATE TRIGGER IF NOT EXISTS sync_log_memos_segment AFTER UPDATE ON segments"
        " WHEN NEW.ordinal IS NOT OLD.ordinal"
        " BEGIN INSERT INTO sync_row_log (kind, key) SELECT 'memos', guid FROM memos"
        f" WHERE segment_id = NEW.id AND {_MEMO_OURS.format(row='memos')}; END"
    ),
    "sync_log_statuses_ins": (
        "CREATE TRIGGER IF NOT EXISTS sync_log_statuses_ins AFTER INSERT ON coder_status"
        f" WHEN NEW.coder_id IN {_OWNED}"
        " BEGIN INSERT INTO sync_row_log (kind, key) SELECT 'statuses', k FROM"
        f" (SELECT {_STATUS_KEY.format(row='NEW')} AS k) WHERE k IS NOT NULL; END"
    ),
    "sync_log_statuses_upd": (
        "CREATE TRIGGER IF NOT EXISTS sync_log_statuses_upd AFTER UPDATE ON coder_status"
        f" WHEN NEW.coder_id IN {_OWNED} OR OLD.coder_id IN {_OWNED}"
        " BEGIN INSERT INTO sync_row_log (kind, key) SELECT 'statuses', k FROM"
        f" (SELECT {_STATUS_KEY.format(row='NEW')} AS k UNION"
        f" SELECT {_STATUS_KEY.format(row='OLD')}) WHERE k IS NOT NULL; END"
    ),
    # A delete cascading from its transcript finds the transcript gone: the transcript's own
    # trigger below has logged those keys already.
    "sync_log_statuses_del": (
        "CREATE TRIGGER IF NOT EXISTS sync_log_statuses_del AFTER DELETE ON coder_status"
        f" WHEN OLD.coder_id IN {_OWNED}"
        " BEGIN INSERT INTO sync_row_log (kind, key) SELECT 'statuses', k FROM"
        f" (SELECT {_STATUS_KEY.format(row='OLD')} AS k) WHERE k IS NOT NULL; END"
    ),
    "sync_log_statuses_transcript": (
        "CREATE TRIGGER IF NOT EXISTS sync_log_statuses_transcript BEFORE DELETE ON transcripts"
        " BEGIN INSERT INTO sync_row_log (kind, key) SELECT 'statuses',"
        " cr.guid || char(31) || OLD.guid FROM coder_status s JOIN coders cr"
        f" ON cr.id = s.coder_id WHERE s.transcript_id = OLD.id AND s.coder_id IN {_OWNED}; END"
    ),
}


def _counter_statements() -> list[str]:
    """The ``sync_counters`` table and a trigger per write to each of :data:`COUNTED_TABLES`.

    Each trigger bumps its table's counter inside the writing statement, so
    the count commits or rolls back with the write itself, whoever made it
    (codebench or a user's own SQL).
    """
    statements = [
        "CREATE TABLE IF NOT EXISTS sync_counters"
        " (name TEXT PRIMARY KEY, n INTEGER NOT NULL DEFAULT 0)"
    ]
    for table in COUNTED_TABLES:
        statements.append(f"INSERT OR IGNORE INTO sync_counters (name) VALUES ('{table}')")
        for op, event in (("ins", "INSERT"), ("upd", "UPDATE"), ("del", "DELETE")):
            statements.append(
                f"CREATE TRIGGER IF NOT EXISTS sync_count_{table}_{op} AFTER {event} ON {table}"
                f" BEGIN UPDATE sync_counters SET n = n + 1 WHERE name = '{table}'; END"
            )
    return statements


def _coding_log_statements() -> list[str]:
    """A team copy's coding change log: the coders it pushes for, the log, and its triggers."""
    return [
        # The coders whose codings this copy pushes (their local ids), kept by sync.
        "CREATE TABLE IF NOT EXISTS sync_owned (coder_id INTEGER PRIMARY KEY)",
        # The change log of those codings since the last push: a coding written (``coding_id``:
        # push its current state) and/or a hub key that went (the GUID columns: a delete, or
        # the key before an update). Entries are numbered in order (``id``); a push that the
        # hub committed forgets the entries up to the number it read.
        "CREATE TABLE IF NOT EXISTS sync_coding_log (id INTEGER PRIMARY KEY,"
        " coding_id INTEGER, coder_guid TEXT, code_guid TEXT, transcript_guid TEXT,"
        " start_char INTEGER, end_char INTEGER)",
        *(_CODING_LOG[name] for name in sorted(_CODING_LOG)),
        # Memos and statuses the same way, by their hub keys (one log for both kinds).
        "CREATE TABLE IF NOT EXISTS sync_row_log (id INTEGER PRIMARY KEY,"
        " kind TEXT NOT NULL, key TEXT NOT NULL)",
        *(_ROW_LOG[name] for name in sorted(_ROW_LOG)),
    ]


def counter_triggers() -> set[str]:
    """Names of every counting trigger :func:`_counter_statements` creates."""
    return {f"sync_count_{t}_{op}" for t in COUNTED_TABLES for op in ("ins", "upd", "del")}


def ensure_change_counters(db: sqlite_utils.Database) -> bool:
    """Count and log every write a team copy syncs; returns whether any trigger was missing.

    Step ``0019_change_counters`` gives every project the counters (reports
    key their stored units on them, see :mod:`codebench.store.units_cache`);
    a sync compares a table's counter with the one noted at its last push and
    skips reading a table nobody wrote since. Codings, the one table that
    grows to millions, are not compared whole on a team copy: triggers made
    here (only here) log each write to the codings of the coders in
    ``sync_owned`` (``sync_coding_log``), and a push sends only what the log
    names. If any trigger is missing (a later step rebuilt its table, someone
    dropped one, or the copy predates the log) it is made again and the
    caller must forget every noted counter and compare the codings with the
    hub once: a write may have gone uncounted. (Making a trigger changes
    SQLite's schema version, so the stored report units are rebuilt too.)
    """
    have = {
        r[0]
        for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'"
            " AND (name LIKE 'sync_count_%' OR name LIKE 'sync_log_%')"
        )
    }
    if counter_triggers() | set(_CODING_LOG) | set(_ROW_LOG) <= have:
        return False
    for statement in [*_counter_statements(), *_coding_log_statements()]:
        db.execute(statement)
    return True


#: The triggers that keep ``units_stamps`` (step ``0020_units_stamps``), by name.
UNITS_STAMP_TRIGGERS = (
    "units_stamp_codings_ins",
    "units_stamp_codings_upd",
    "units_stamp_codings_del",
    "units_stamp_codings_ins_replaced",
    "units_stamp_codings_upd_replaced",
)


def units_stamp_statements() -> list[str]:
    """The per-(coder, transcript) codings write counts and the triggers that bump them.

    ``INSERT OR REPLACE`` with an existing id, or ``UPDATE OR REPLACE`` onto
    one, deletes that row without running delete triggers (unless the
    connection turned recursive triggers on), so two ``BEFORE`` triggers
    count the pair of the row about to be replaced. (A row replaced for its
    (coder, code, transcript, span) key is of the new row's pair, counted anyway.)
    """

    def bump(row: str) -> str:
        return (
            f"INSERT INTO units_stamps (coder_id, transcript_id, n) VALUES ({row}.coder_id,"
            f" {row}.transcript_id, 1) ON CONFLICT (coder_id, transcript_id) DO UPDATE SET n = n + 1;"
        )

    replaced = (
        "INSERT INTO units_stamps (coder_id, transcript_id, n) SELECT coder_id, transcript_id, 1"
        " FROM codings WHERE id = NEW.id ON CONFLICT (coder_id, transcript_id) DO UPDATE SET n = n + 1;"
    )
    return [
        "CREATE TABLE IF NOT EXISTS units_stamps (coder_id INTEGER NOT NULL,"
        " transcript_id INTEGER NOT NULL, n INTEGER NOT NULL,"
        " PRIMARY KEY (coder_id, transcript_id)) WITHOUT ROWID",
        "CREATE TRIGGER IF NOT EXISTS units_stamp_codings_ins AFTER INSERT ON codings"
        f" BEGIN {bump('NEW')} END",
        "CREATE TRIGGER IF NOT EXISTS units_stamp_codings_upd AFTER UPDATE ON codings"
        f" BEGIN {bump('OLD')} {bump('NEW')} END",
        "CREATE TRIGGER IF NOT EXISTS units_stamp_codings_del AFTER DELETE ON codings"
        f" BEGIN {bump('OLD')} END",
        "CREATE TRIGGER IF NOT EXISTS units_stamp_codings_ins_replaced BEFORE INSERT ON codings"
        f" WHEN EXISTS (SELECT 1 FROM codings WHERE id = NEW.id) BEGIN {replaced} END",
        "CREATE TRIGGER IF NOT EXISTS units_stamp_codings_upd_replaced BEFORE UPDATE OF id"
        " ON codings WHEN NEW.id IS NOT OLD.id AND EXISTS (SELECT 1 FROM codings WHERE id = NEW.id)"
        f" BEGIN {replaced} END",
    ]
