"""The hub's schema, roles and row-level security, as versioned migrations (all hub DDL lives here).

Everything lives in the schema ``codebench`` of the hub database, owned by
whoever ran ``codebench server init`` (the database administrator, or a role
they made for it): coders are never owners, so they cannot DROP, ALTER or
TRUNCATE anything. Two NOLOGIN group roles carry the grants, and each person
is a login role that is a member of one of them (``codebench_lead``,
``codebench_coder``); :mod:`codebench.team.members` creates those.

Every shared table has

- ``seq``: a number from one hub-wide sequence, stamped by a trigger on every
  insert and update. Clients pull "what changed after the last seq I saw".
  A statement-level trigger first takes one transaction-level advisory
  lock, so writing transactions take their numbers one after another and
  commit before the next one starts numbering: a reader never sees seq 101
  while seq 100 is still to commit, and no change is skipped. A pull takes
  its snapshot while holding the same lock for a moment and notes the
  sequence's value then, so the next pull starts past every row already
  committed, seen or not. Laptop clocks play no part.
- ``deleted``: a tombstone. Rows are never removed, only marked, so a removal
  travels to every copy like any other change.
- for rows a coder writes (codings, memos, statuses): ``owner``, the login
  role that wrote it (default ``current_user``). Policies let a role write
  only rows it owns, for its own coder, and read others' only after the lead
  released the transcript for review.

Row-level security is ENABLEd and FORCEd on every table. The client refuses a
hub whose schema version is newer than it knows (:func:`check_version`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from codebench.team.connect import HubError

if TYPE_CHECKING:
    import psycopg

SCHEMA = "codebench"
LEAD_GROUP = "codebench_lead"
CODER_GROUP = "codebench_coder"
#: The advisory lock every writing transaction takes before it numbers its changes.
CHANGE_LOCK = 7317_0017

#: Tables a lead writes (a coder only reads them), and tables a coder writes.
LEAD_TABLES = ("coders", "codes", "transcripts", "assignments", "releases")
CODER_TABLES = ("codings", "memos", "statuses")
SHARED_TABLES = LEAD_TABLES + CODER_TABLES

#: Columns of each shared table as a record carries them, key columns first.
COLUMNS: dict[str, tuple[str, ...]] = {
    "coders": ("guid", "name", "kind"),
    "codes": (
        "guid",
        "parent_guid",
        "position",
        "number",
        "name",
        "description",
        "inclusion",
        "exclusion",
        "example",
        "colour",
        "shortcut",
        "archived",
        "merged_into",
    ),
    "transcripts": (
        "guid",
        "name",
        "text",
        "sha256",
        "source_name",
        "source_format",
        "language",
        "unit",
        "imported_at",
        "segments",
        "attributes",
    ),
    "assignments": (
        "coder_guid",
        "transcript_guid",
        "range_key",
        "first_segment",
        "last_segment",
        "assigned_by",
        "assigned_at",
    ),
    "releases": ("transcript_guid", "round"),
    "codings": (
        "coder_guid",
        "code_guid",
        "transcript_guid",
        "start_char",
        "end_char",
        "created_at",
        "codebook_version",
    ),
    "memos": (
        "guid",
        "author_guid",
        "transcript_guid",
        "segment_ordinal",
        "code_guid",
        "coding_key",
        "text",
        "created_at",
        "updated_at",
    ),
    "statuses": ("coder_guid", "transcript_guid", "status", "updated_at"),
    # Version 2: the lead's reliability rounds, each with its sample (as JSON: name, seed,
    # fraction, stratify, draw, drawn_by GUID, drawn_at) and coders (GUIDs).
    "rounds": (
        "round_number",
        "name",
        "sample",
        "coder_guids",
        "codebook_version",
        "opened_by",
        "opened_at",
        "closed_by",
        "closed_at",
    ),
    # Version 3: the study tables and closed rounds' frozen reports.
    "round_reports": ("round_number", "options", "report", "frozen_at"),
    "speaker_attributes": ("transcript_guid", "speaker", "key", "value"),
    "code_relations": ("from_guid", "to_guid", "kind", "note", "created_by", "created_at"),
    "framework_cells": (
        "transcript_guid",
        "speaker",
        "code_guid",
        "summary",
        "updated_by",
        "updated_at",
    ),
    "saved_queries": ("author_guid", "name", "expression", "scope", "created_at", "updated_at"),
    # The codebook versions step: each version's snapshot (JSON text, as the project keeps it),
    # its times, and the edits that made it (JSON text: the ``code.*`` events, each
    # ``[guid, at, coder GUID, action, payload]``).
    "codebook_versions": ("version_number", "snapshot", "created_at", "updated_at", "edits"),
}
#: How many leading columns of :data:`COLUMNS` make the primary key.
KEY_LENGTH = {
    "coders": 1,
    "codes": 1,
    "transcripts": 1,
    "assignments": 3,
    "releases": 1,
    "codings": 5,
    "memos": 1,
    "statuses": 2,
    "rounds": 1,
    "round_reports": 1,
    "speaker_attributes": 3,
    "code_relations": 3,
    "framework_cells": 3,
    "saved_queries": 2,
    "codebook_versions": 1,
}
#: Version 3's tables: the lead writes the first four, each member their own saved queries.
V3_LEAD_TABLES = ("round_reports", "speaker_attributes", "code_relations", "framework_cells")

_V1 = f"""
CREATE TABLE {SCHEMA}.members (
    role_name text PRIMARY KEY,
    coder_name text NOT NULL UNIQUE CHECK (length(btrim(coder_name)) > 0),
    is_lead boolean NOT NULL DEFAULT false,
    added_at timestamptz NOT NULL DEFAULT now()
);
CREATE SEQUENCE {SCHEMA}.change_seq;

CREATE FUNCTION {SCHEMA}.lock_changes() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
    PERFORM pg_advisory_xact_lock({CHANGE_LOCK});
    RETURN NULL;
END $$;

CREATE FUNCTION {SCHEMA}.stamp() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
    NEW.seq := nextval('{SCHEMA}.change_seq');
    RETURN NEW;
END $$;

CREATE FUNCTION {SCHEMA}.is_lead() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT pg_catalog.pg_has_role(current_user, '{LEAD_GROUP}', 'MEMBER')
$$;

CREATE TABLE {SCHEMA}.coders (
    guid text COLLATE "C" PRIMARY KEY,
    name text NOT NULL UNIQUE CHECK (length(btrim(name)) > 0),
    kind text NOT NULL DEFAULT 'human' CHECK (kind IN ('human', 'consensus')),
    seq bigint NOT NULL DEFAULT nextval('{SCHEMA}.change_seq'),
    deleted boolean NOT NULL DEFAULT false
);
CREATE TABLE {SCHEMA}.codes (
    guid text COLLATE "C" PRIMARY KEY,
    parent_guid text COLLATE "C",
    position integer NOT NULL DEFAULT 0,
    number text,
    name text NOT NULL CHECK (length(btrim(name)) > 0),
    description text NOT NULL DEFAULT '',
    inclusion text NOT NULL DEFAULT '',
    exclusion text NOT NULL DEFAULT '',
    example text NOT NULL DEFAULT '',
    colour text,
    shortcut text,
    archived boolean NOT NULL DEFAULT false,
    seq bigint NOT NULL DEFAULT nextval('{SCHEMA}.change_seq'),
    deleted boolean NOT NULL DEFAULT false
);
-- GUIDs compare byte by byte (COLLATE "C"): they are ASCII, and the primary keys of
-- the big tables are mostly GUIDs, so this makes every insert's index search cheaper.
-- Segments and attributes travel with their transcript (as JSON arrays and
-- objects): the lead changes them together, and a copy replaces them together.
CREATE TABLE {SCHEMA}.transcripts (
    guid text COLLATE "C" PRIMARY KEY,
    name text NOT NULL UNIQUE,
    text text NOT NULL,
    sha256 text NOT NULL,
    source_name text NOT NULL,
    source_format text NOT NULL,
    language text NOT NULL DEFAULT 'en',
    unit text NOT NULL DEFAULT 'sentence',
    imported_at text NOT NULL,
    segments jsonb NOT NULL DEFAULT '[]',
    attributes jsonb NOT NULL DEFAULT '{{}}',
    seq bigint NOT NULL DEFAULT nextval('{SCHEMA}.change_seq'),
    deleted boolean NOT NULL DEFAULT false
);
-- range_key: '' for the whole transcript, else 'first-last' (segment ordinals).
CREATE TABLE {SCHEMA}.assignments (
    coder_guid text COLLATE "C" NOT NULL,
    transcript_guid text COLLATE "C" NOT NULL,
    range_key text NOT NULL,
    first_segment integer,
    last_segment integer,
    assigned_by text,
    assigned_at text NOT NULL,
    seq bigint NOT NULL DEFAULT nextval('{SCHEMA}.change_seq'),
    deleted boolean NOT NULL DEFAULT false,
    PRIMARY KEY (coder_guid, transcript_guid, range_key)
);
CREATE TABLE {SCHEMA}.releases (
    transcript_guid text COLLATE "C" PRIMARY KEY,
    round text NOT NULL DEFAULT '',
    released_by text NOT NULL DEFAULT current_user,
    released_at timestamptz NOT NULL DEFAULT now(),
    seq bigint NOT NULL DEFAULT nextval('{SCHEMA}.change_seq'),
    deleted boolean NOT NULL DEFAULT false
);
CREATE TABLE {SCHEMA}.codings (
    owner text NOT NULL DEFAULT current_user,
    coder_guid text COLLATE "C" NOT NULL,
    code_guid text COLLATE "C" NOT NULL,
    transcript_guid text COLLATE "C" NOT NULL,
    start_char integer NOT NULL,
    end_char integer NOT NULL CHECK (start_char < end_char),
    created_at text NOT NULL,
    seq bigint NOT NULL DEFAULT nextval('{SCHEMA}.change_seq'),
    deleted boolean NOT NULL DEFAULT false,
    PRIMARY KEY (coder_guid, code_guid, transcript_guid, start_char, end_char)
);
-- A memo's anchor: a transcript, one of its segments (by ordinal), a code, or a
-- coding (coding_key: code GUID, start and end, of the author's coding).
CREATE TABLE {SCHEMA}.memos (
    guid text COLLATE "C" PRIMARY KEY,
    owner text NOT NULL DEFAULT current_user,
    author_guid text COLLATE "C",
    transcript_guid text COLLATE "C",
    segment_ordinal integer,
    code_guid text COLLATE "C",
    coding_key text,
    text text NOT NULL,
    created_at text NOT NULL,
    updated_at text NOT NULL,
    seq bigint NOT NULL DEFAULT nextval('{SCHEMA}.change_seq'),
    deleted boolean NOT NULL DEFAULT false
);
CREATE TABLE {SCHEMA}.statuses (
    owner text NOT NULL DEFAULT current_user,
    coder_guid text COLLATE "C" NOT NULL,
    transcript_guid text COLLATE "C" NOT NULL,
    status text NOT NULL CHECK (status IN ('not-started', 'in-progress', 'done')),
    updated_at text NOT NULL,
    seq bigint NOT NULL DEFAULT nextval('{SCHEMA}.change_seq'),
    deleted boolean NOT NULL DEFAULT false,
    PRIMARY KEY (coder_guid, transcript_guid)
);
-- Each sync, for the lead's progress view ("last sync of each coder").
CREATE TABLE {SCHEMA}.sync_log (
    id bigserial PRIMARY KEY,
    role_name text NOT NULL DEFAULT current_user,
    at timestamptz NOT NULL DEFAULT now(),
    pushed integer NOT NULL DEFAULT 0,
    pulled integer NOT NULL DEFAULT 0
);
CREATE INDEX sync_log_role ON {SCHEMA}.sync_log (role_name, at);
"""


# Policy fragments. Each subquery is uncorrelated, so PostgreSQL runs it once per
# statement (an InitPlan or a hashed SubPlan) rather than once per row: a
# publish of a million codings checks each row against a small hashed set.
_LEAD = f"(SELECT {SCHEMA}.is_lead())"


def _members_coders(match: str, who: str) -> str:
    """GUIDs of the coders that members code as, ``match`` (``=``, ``<>``) the role ``who``."""
    return (
        f"(SELECT c.guid FROM {SCHEMA}.coders c JOIN {SCHEMA}.members m"
        f" ON lower(m.coder_name) = lower(c.name) WHERE m.role_name {match} {who})"
    )


#: GUIDs of the coders the current role codes as, and of those other members code as
#: (coder names match without regard to case, as they do in a project).
_MINE = _members_coders("=", "current_user")
_OTHERS = _members_coders("<>", "current_user")
_RELEASED = f"(SELECT r.transcript_guid FROM {SCHEMA}.releases r WHERE NOT r.deleted)"


def _may_write_for(column: str) -> str:
    """The current role may write rows for this coder: its own coder, or (a lead) a coder no
    other member codes as (the consensus coder), or no coder at all (an authorless memo)."""
    return f"({column} IN {_MINE} OR ({_LEAD} AND ({column} IS NULL OR {column} NOT IN {_OTHERS})))"


#: Columns of version 1's tables added by a later version (version 1 neither creates nor
#: grants them): a code's merge target; a coding's codebook version.
_LATER = {"merged_into", "codebook_version"}


def _change_tracking(table: str) -> str:
    """A shared table's ``seq`` index and the triggers that lock and stamp its changes.

    Every shared table, whichever hub version added it, is tracked alike.
    """
    t = f"{SCHEMA}.{table}"
    return f"""
CREATE INDEX {table}_seq ON {t} (seq);
CREATE TRIGGER {table}_lock BEFORE INSERT OR UPDATE ON {t}
    FOR EACH STATEMENT EXECUTE FUNCTION {SCHEMA}.lock_changes();
CREATE TRIGGER {table}_stamp BEFORE UPDATE ON {t}
    FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.stamp();
"""


def _v1_per_table() -> str:
    """Triggers, the seq index, and row-level security for every table of version 1."""
    parts: list[str] = []
    for table in SHARED_TABLES:
        parts.append(_change_tracking(table))
    # members and hub_schema hold no one's work and only the administrator
    # writes them (the groups are granted SELECT alone), so they need no policies.
    for table in ("sync_log", *SHARED_TABLES):
        parts.append(
            f"ALTER TABLE {SCHEMA}.{table} ENABLE ROW LEVEL SECURITY;\n"
            f"ALTER TABLE {SCHEMA}.{table} FORCE ROW LEVEL SECURITY;\n"
        )
    lead = _LEAD
    # Everyone on the team reads the codebook, transcripts, coders, releases, members.
    for table in ("coders", "codes", "transcripts", "releases"):
        parts.append(f"CREATE POLICY {table}_read ON {SCHEMA}.{table} FOR SELECT USING (true);\n")
    for table in LEAD_TABLES:
        parts.append(
            f"CREATE POLICY {table}_lead ON {SCHEMA}.{table} FOR ALL "
            f"USING ({lead}) WITH CHECK ({lead});\n"
        )
    parts.append(
        f"CREATE POLICY assignments_read ON {SCHEMA}.assignments FOR SELECT "
        f"USING (coder_guid IN {_MINE});\n"
    )
    for table, who, where in (
        ("codings", "coder_guid", "transcript_guid"),
        ("memos", "author_guid", "transcript_guid"),
        ("statuses", "coder_guid", "transcript_guid"),
    ):
        t = f"{SCHEMA}.{table}"
        parts.append(
            f"""
CREATE POLICY {table}_read ON {t} FOR SELECT USING (
    owner = current_user OR {lead} OR {where} IN {_RELEASED});
CREATE POLICY {table}_add ON {t} FOR INSERT
    WITH CHECK (owner = current_user AND {_may_write_for(who)});
CREATE POLICY {table}_change ON {t} FOR UPDATE USING (owner = current_user)
    WITH CHECK (owner = current_user AND {_may_write_for(who)});
"""
        )
    parts.append(
        f"""
CREATE POLICY sync_log_read ON {SCHEMA}.sync_log FOR SELECT
    USING (role_name = current_user OR {lead});
CREATE POLICY sync_log_add ON {SCHEMA}.sync_log FOR INSERT
    WITH CHECK (role_name = current_user);
"""
    )
    groups = f"{LEAD_GROUP}, {CODER_GROUP}"
    parts.append(
        f"""
REVOKE ALL ON SCHEMA {SCHEMA} FROM PUBLIC;
GRANT USAGE ON SCHEMA {SCHEMA} TO {groups};
GRANT SELECT ON ALL TABLES IN SCHEMA {SCHEMA} TO {groups};
GRANT USAGE ON SEQUENCE {SCHEMA}.change_seq, {SCHEMA}.sync_log_id_seq TO {groups};
GRANT SELECT ON SEQUENCE {SCHEMA}.change_seq TO {groups};
GRANT INSERT (pushed, pulled) ON {SCHEMA}.sync_log TO {groups};
"""
    )
    # Column grants: nobody names ``seq`` (the default and the update trigger set it)
    # or ``owner`` (always the current role), so neither can be forged.
    for table in SHARED_TABLES:
        cols = ", ".join((*(c for c in COLUMNS[table] if c not in _LATER), "deleted"))
        who = groups if table in CODER_TABLES else LEAD_GROUP
        parts.append(f"GRANT INSERT ({cols}), UPDATE ({cols}) ON {SCHEMA}.{table} TO {who};\n")
    return "".join(parts)


#: Version 2: which code an archived code was merged into, so a coder's copy recodes
#: their codings on it as the lead's merge says (``NULL``: archived, not merged).
#: Also the lead's reliability rounds, which every member reads (a round names its
#: sample and coders; the codings stay blind until the lead releases the round).
_V2 = f"""
ALTER TABLE {SCHEMA}.codes ADD COLUMN merged_into text COLLATE "C";
GRANT INSERT (merged_into), UPDATE (merged_into) ON {SCHEMA}.codes TO {LEAD_GROUP};
CREATE TABLE {SCHEMA}.rounds (
    round_number integer PRIMARY KEY CHECK (round_number >= 1),
    name text NOT NULL,
    sample jsonb NOT NULL,
    coder_guids jsonb NOT NULL DEFAULT '[]',
    codebook_version integer NOT NULL,
    opened_by text COLLATE "C",
    opened_at text NOT NULL,
    closed_by text COLLATE "C",
    closed_at text,
    seq bigint NOT NULL DEFAULT nextval('{SCHEMA}.change_seq'),
    deleted boolean NOT NULL DEFAULT false
);
CREATE INDEX rounds_seq ON {SCHEMA}.rounds (seq);
CREATE TRIGGER rounds_lock BEFORE INSERT OR UPDATE ON {SCHEMA}.rounds
    FOR EACH STATEMENT EXECUTE FUNCTION {SCHEMA}.lock_changes();
CREATE TRIGGER rounds_stamp BEFORE UPDATE ON {SCHEMA}.rounds
    FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.stamp();
ALTER TABLE {SCHEMA}.rounds ENABLE ROW LEVEL SECURITY;
ALTER TABLE {SCHEMA}.rounds FORCE ROW LEVEL SECURITY;
CREATE POLICY rounds_read ON {SCHEMA}.rounds FOR SELECT USING (true);
CREATE POLICY rounds_lead ON {SCHEMA}.rounds FOR ALL USING ({_LEAD}) WITH CHECK ({_LEAD});
GRANT SELECT ON {SCHEMA}.rounds TO {LEAD_GROUP}, {CODER_GROUP};
GRANT INSERT ({", ".join(COLUMNS["rounds"])}, deleted), UPDATE ({", ".join(COLUMNS["rounds"])}, deleted)
    ON {SCHEMA}.rounds TO {LEAD_GROUP};
"""


def _v3() -> str:
    """Version 3: frozen round reports and the study tables, each with its owner and policies.

    The lead writes round reports, participants' (speakers') attributes, code
    relations and framework cells; every member reads the attributes and
    relations (they describe the data and the codebook), but a round's report
    and a transcript's framework cells only once the lead released that round
    or transcript (both summarise coders' codings, so they would break
    blindness). A saved query belongs to the member who saved it: only they
    read or write it, the lead included (it travels with that person's copies).
    """
    groups = f"{LEAD_GROUP}, {CODER_GROUP}"
    parts = [
        f"""
CREATE TABLE {SCHEMA}.round_reports (
    round_number integer PRIMARY KEY,
    options text NOT NULL,
    report text NOT NULL,
    frozen_at text NOT NULL,
    seq bigint NOT NULL DEFAULT nextval('{SCHEMA}.change_seq'),
    deleted boolean NOT NULL DEFAULT false
);
CREATE TABLE {SCHEMA}.speaker_attributes (
    transcript_guid text COLLATE "C" NOT NULL,
    speaker text NOT NULL CHECK (length(speaker) > 0),
    key text NOT NULL CHECK (length(btrim(key)) > 0),
    value text NOT NULL,
    seq bigint NOT NULL DEFAULT nextval('{SCHEMA}.change_seq'),
    deleted boolean NOT NULL DEFAULT false,
    PRIMARY KEY (transcript_guid, speaker, key)
);
CREATE TABLE {SCHEMA}.code_relations (
    from_guid text COLLATE "C" NOT NULL,
    to_guid text COLLATE "C" NOT NULL,
    kind text NOT NULL CHECK (length(btrim(kind)) > 0),
    note text NOT NULL DEFAULT '',
    created_by text COLLATE "C",
    created_at text NOT NULL,
    seq bigint NOT NULL DEFAULT nextval('{SCHEMA}.change_seq'),
    deleted boolean NOT NULL DEFAULT false,
    PRIMARY KEY (from_guid, to_guid, kind),
    CHECK (from_guid <> to_guid)
);
CREATE TABLE {SCHEMA}.framework_cells (
    transcript_guid text COLLATE "C" NOT NULL,
    speaker text NOT NULL DEFAULT '',
    code_guid text COLLATE "C" NOT NULL,
    summary text NOT NULL,
    updated_by text COLLATE "C",
    updated_at text NOT NULL,
    seq bigint NOT NULL DEFAULT nextval('{SCHEMA}.change_seq'),
    deleted boolean NOT NULL DEFAULT false,
    PRIMARY KEY (transcript_guid, speaker, code_guid)
);
CREATE TABLE {SCHEMA}.saved_queries (
    owner text NOT NULL DEFAULT current_user,
    author_guid text COLLATE "C",
    name text NOT NULL CHECK (length(btrim(name)) > 0),
    expression text NOT NULL,
    scope text NOT NULL DEFAULT '{{}}',
    created_at text NOT NULL,
    updated_at text NOT NULL,
    seq bigint NOT NULL DEFAULT nextval('{SCHEMA}.change_seq'),
    deleted boolean NOT NULL DEFAULT false,
    PRIMARY KEY (owner, name)
);
CREATE UNIQUE INDEX saved_queries_author ON {SCHEMA}.saved_queries (author_guid, name);
"""
    ]
    for table in (*V3_LEAD_TABLES, "saved_queries"):
        t = f"{SCHEMA}.{table}"
        parts.append(
            _change_tracking(table)
            + f"""ALTER TABLE {t} ENABLE ROW LEVEL SECURITY;
ALTER TABLE {t} FORCE ROW LEVEL SECURITY;
GRANT SELECT ON {t} TO {groups};
"""
        )
        cols = ", ".join((*COLUMNS[table], "deleted"))
        who = groups if table == "saved_queries" else LEAD_GROUP
        parts.append(f"GRANT INSERT ({cols}), UPDATE ({cols}) ON {t} TO {who};\n")
        if table != "saved_queries":
            parts.append(
                f"CREATE POLICY {table}_lead ON {t} FOR ALL USING ({_LEAD}) WITH CHECK ({_LEAD});\n"
            )
    released_rounds = f"(SELECT r.round FROM {SCHEMA}.releases r WHERE NOT r.deleted)"
    parts.append(
        f"""
CREATE POLICY speaker_attributes_read ON {SCHEMA}.speaker_attributes FOR SELECT USING (true);
CREATE POLICY code_relations_read ON {SCHEMA}.code_relations FOR SELECT USING (true);
CREATE POLICY round_reports_read ON {SCHEMA}.round_reports FOR SELECT
    USING (round_number::text IN {released_rounds});
CREATE POLICY framework_cells_read ON {SCHEMA}.framework_cells FOR SELECT
    USING (transcript_guid IN {_RELEASED});
CREATE POLICY saved_queries_read ON {SCHEMA}.saved_queries FOR SELECT
    USING (owner = current_user);
CREATE POLICY saved_queries_add ON {SCHEMA}.saved_queries FOR INSERT
    WITH CHECK (owner = current_user AND {_may_write_for("author_guid")});
CREATE POLICY saved_queries_change ON {SCHEMA}.saved_queries FOR UPDATE
    USING (owner = current_user)
    WITH CHECK (owner = current_user AND {_may_write_for("author_guid")});
"""
    )
    return "".join(parts)


def _codebook_versions() -> str:
    """The codebook's versions travel, and each coding carries the version it was made under.

    A coding's ``codebook_version`` is written by its coder like the rest of
    the coding (rows from before this step were made under version 1). The
    lead writes ``codebook_versions`` (number, snapshot, times, and the edits
    with their reasons) and every member reads it: it describes the codebook,
    which everyone reads. So every copy, and a merge of the copies, files the
    same codings under the same versions, and a methods appendix made from
    any of them names the same edits.
    """
    groups = f"{LEAD_GROUP}, {CODER_GROUP}"
    t = f"{SCHEMA}.codebook_versions"
    cols = ", ".join((*COLUMNS["codebook_versions"], "deleted"))
    return (
        f"""
ALTER TABLE {SCHEMA}.codings ADD COLUMN codebook_version integer NOT NULL DEFAULT 1
    CHECK (codebook_version >= 1);
GRANT INSERT (codebook_version), UPDATE (codebook_version) ON {SCHEMA}.codings TO {groups};
CREATE TABLE {t} (
    version_number integer PRIMARY KEY CHECK (version_number >= 1),
    snapshot text NOT NULL,
    created_at text NOT NULL,
    updated_at text NOT NULL,
    edits text NOT NULL DEFAULT '[]',
    seq bigint NOT NULL DEFAULT nextval('{SCHEMA}.change_seq'),
    deleted boolean NOT NULL DEFAULT false
);
"""
        + _change_tracking("codebook_versions")
        + f"""ALTER TABLE {t} ENABLE ROW LEVEL SECURITY;
ALTER TABLE {t} FORCE ROW LEVEL SECURITY;
GRANT SELECT ON {t} TO {groups};
GRANT INSERT ({cols}), UPDATE ({cols}) ON {t} TO {LEAD_GROUP};
CREATE POLICY codebook_versions_read ON {t} FOR SELECT USING (true);
CREATE POLICY codebook_versions_lead ON {t} FOR ALL USING ({_LEAD}) WITH CHECK ({_LEAD});
"""
    )


#: The temporary table a first publish stages its codings in (made by
#: ``begin_first_codings``, owned by the hub's owner; the lead may only insert into it).
FIRST_CODINGS = "codebench_first_codings"


def _first_publish_load() -> str:
    """Version 5: a lead's first publish of codings loads them as a bulk load.

    Inserting a million rows one by one into the indexed codings table was
    most of a first publish (each row's primary-key entry lands at a random
    place in an index bigger than the server's buffers). Into an empty table
    the standard practice is to drop the indexes, load, and build them once,
    sorted; that needs the table's owner, so two functions owned by the hub's
    owner (SECURITY DEFINER) do it, executable by leads alone:

    - ``begin_first_codings()`` makes a temporary table for this transaction,
      owned by the hub's owner, that the calling lead may only insert into
      (with built-in column types, so the load runs no function of the lead's);
    - ``finish_first_codings()`` refuses unless codings is empty, the caller is
      a lead and every staged row is one the codings policies would let that
      lead insert (its own coder or the consensus coder, never a coder another
      member codes as); then drops the table's indexes, inserts the rows with
      the caller as their owner, builds the indexes again and returns the count.

    All of it is in the caller's transaction: a publish killed midway leaves
    the table, its indexes and its policies as they were. The functions take
    the hub's change lock, so no other writer runs meanwhile; the table is
    locked against readers only for the load (a pull waits for the change lock
    anyway). Row-level security is lifted for the table's owner inside the
    function only (``NO FORCE``, restored before it returns), so the emptiness
    check sees every row and the rows may carry the caller as their owner.
    """
    t = f"{SCHEMA}.codings"
    stage = f"pg_temp.{FIRST_CODINGS}"
    lead_only = (
        f"IF NOT pg_has_role(session_user, '{LEAD_GROUP}', 'MEMBER') THEN\n"
        "        RAISE EXCEPTION 'permission denied: only a lead loads a first publish'\n"
        "            USING ERRCODE = 'insufficient_privilege';\n"
        "    END IF;"
    )
    mine = _members_coders("=", "who")
    others = _members_coders("<>", "who")
    return f"""
CREATE FUNCTION {SCHEMA}.begin_first_codings() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    {lead_only}
    PERFORM pg_advisory_xact_lock({CHANGE_LOCK});
    CREATE TEMP TABLE {FIRST_CODINGS} (
        coder_guid text, code_guid text, transcript_guid text,
        start_char integer, end_char integer, created_at text, codebook_version integer
    ) ON COMMIT DROP;
    EXECUTE format('GRANT INSERT ON {stage} TO %I', session_user);
END $$;

CREATE FUNCTION {SCHEMA}.finish_first_codings() RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    who text := session_user;
    forced boolean;
    rebuild text[] := '{{}}';
    drops text[] := '{{}}';
    statement text;
    loaded bigint;
BEGIN
    {lead_only}
    PERFORM pg_advisory_xact_lock({CHANGE_LOCK});
    IF to_regclass('{stage}') IS NULL OR (SELECT c.relowner FROM pg_class c
            WHERE c.oid = to_regclass('{stage}')) <> (SELECT r.oid FROM pg_roles r
            WHERE r.rolname = current_user) THEN
        RAISE EXCEPTION 'no first publish begun in this transaction (begin_first_codings)'
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    SELECT c.relforcerowsecurity INTO forced FROM pg_class c WHERE c.oid = '{t}'::regclass;
    ALTER TABLE {t} NO FORCE ROW LEVEL SECURITY;
    IF EXISTS (SELECT FROM {t}) THEN
        RAISE EXCEPTION 'codings on the hub are not empty: not a first publish'
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    -- What the codings policies ask of a lead's new row, asked of every staged row at once.
    IF EXISTS (SELECT FROM {stage} s WHERE s.coder_guid NOT IN {mine}
               AND s.coder_guid IN {others}) THEN
        RAISE EXCEPTION 'new row violates row-level security policy for table "codings"'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- The indexes, primary key included, kept as their definitions (none if another
    -- table's foreign key hangs on one of them: then the rows go into the indexed table).
    IF NOT EXISTS (SELECT FROM pg_constraint k WHERE k.confrelid = '{t}'::regclass) THEN
        SELECT coalesce(array_agg(CASE WHEN k.oid IS NULL THEN pg_get_indexdef(i.indexrelid)
                    ELSE format('ALTER TABLE {t} ADD CONSTRAINT %I %s', k.conname,
                                pg_get_constraintdef(k.oid)) END), '{{}}'),
               coalesce(array_agg(CASE WHEN k.oid IS NULL
                    THEN format('DROP INDEX {SCHEMA}.%I', x.relname)
                    ELSE format('ALTER TABLE {t} DROP CONSTRAINT %I', k.conname) END), '{{}}')
          INTO rebuild, drops
          FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid
          LEFT JOIN pg_constraint k ON k.conindid = i.indexrelid AND k.conrelid = i.indrelid
               AND k.contype IN ('p', 'u', 'x')
         WHERE i.indrelid = '{t}'::regclass;
        FOREACH statement IN ARRAY drops LOOP
            EXECUTE statement;
        END LOOP;
    END IF;
    INSERT INTO {t} (owner, coder_guid, code_guid, transcript_guid, start_char, end_char,
                     created_at, codebook_version)
        SELECT who, s.coder_guid, s.code_guid, s.transcript_guid, s.start_char, s.end_char,
               s.created_at, s.codebook_version
        FROM {stage} s;
    GET DIAGNOSTICS loaded = ROW_COUNT;
    FOREACH statement IN ARRAY rebuild LOOP
        EXECUTE statement;
    END LOOP;
    IF forced THEN
        ALTER TABLE {t} FORCE ROW LEVEL SECURITY;
    END IF;
    RETURN loaded;
END $$;

REVOKE ALL ON FUNCTION {SCHEMA}.begin_first_codings() FROM PUBLIC;
REVOKE ALL ON FUNCTION {SCHEMA}.finish_first_codings() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION {SCHEMA}.begin_first_codings() TO {LEAD_GROUP};
GRANT EXECUTE ON FUNCTION {SCHEMA}.finish_first_codings() TO {LEAD_GROUP};
"""


#: ``(version, SQL)`` in order; a new version is appended, never edited in place.
MIGRATIONS: list[tuple[int, str]] = [
    (1, _V1 + _v1_per_table()),
    (2, _V2),
    (3, _v3()),
    (4, _codebook_versions()),
    (5, _first_publish_load()),
]
#: The newest hub schema this codebench knows.
SCHEMA_VERSION = MIGRATIONS[-1][0]

_GROUPS_SQL = f"""
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{LEAD_GROUP}') THEN
        CREATE ROLE {LEAD_GROUP} NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{CODER_GROUP}') THEN
        CREATE ROLE {CODER_GROUP} NOLOGIN;
    END IF;
END $$;
"""


def groups_sql() -> str:
    """The SQL that creates the two group roles (printed for a DBA when we may not)."""
    return _GROUPS_SQL.strip()


def hub_version(conn: psycopg.Connection[Any]) -> int | None:
    """The hub's schema version; ``None`` if the database holds no hub."""
    row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", [f"{SCHEMA}.hub_schema"]).fetchone()
    if not row or not row[0]:
        return None
    found = conn.execute(f"SELECT max(version) FROM {SCHEMA}.hub_schema").fetchone()
    return int(found[0]) if found and found[0] is not None else 0


def check_version(conn: psycopg.Connection[Any], where: str) -> int:
    """The hub's schema version, refusing one newer than this codebench or none at all."""
    version = hub_version(conn)
    if version is None:
        raise HubError(f"{where}: no codebench hub here; run: codebench server init URL")
    if version > SCHEMA_VERSION:
        raise HubError(
            f"{where}: the hub's schema is version {version}, newer than this codebench knows "
            f"(version {SCHEMA_VERSION}); upgrade codebench"
        )
    if version < SCHEMA_VERSION:
        raise HubError(
            f"{where}: the hub's schema is version {version}, older than this codebench's "
            f"(version {SCHEMA_VERSION}); the administrator runs: codebench server init URL"
        )
    return version


def migrate(conn: psycopg.Connection[Any], where: str) -> tuple[int | None, int]:
    """Create or upgrade the hub schema in one transaction; returns ``(before, after)`` versions.

    Idempotent: a hub at :data:`SCHEMA_VERSION` is left as it is. Needs the
    right to create roles only when the two group roles do not exist yet.
    """
    psycopg = __import__("psycopg")
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", [CHANGE_LOCK])
        before = hub_version(conn)
        if before is not None and before > SCHEMA_VERSION:
            raise HubError(
                f"{where}: the hub's schema is version {before}, newer than this codebench "
                f"knows (version {SCHEMA_VERSION}); upgrade codebench"
            )
        try:
            conn.execute(_GROUPS_SQL)
        except psycopg.errors.InsufficientPrivilege:
            raise HubError(
                f"{where}: you may not create roles; a database administrator runs this "
                f"once, then you run server init again: {' '.join(groups_sql().split())}"
            ) from None
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {SCHEMA}.hub_schema ("
            " version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        current = before or 0
        for version, sql in MIGRATIONS:
            if version <= current:
                continue
            conn.execute(sql)
            conn.execute(f"INSERT INTO {SCHEMA}.hub_schema (version) VALUES (%s)", [version])
        conn.execute(f"GRANT SELECT ON {SCHEMA}.hub_schema TO {LEAD_GROUP}, {CODER_GROUP}")
        database = conn.execute("SELECT current_database()").fetchone()
        if database:
            from psycopg import sql as pgsql

            conn.execute(
                pgsql.SQL("REVOKE CONNECT ON DATABASE {} FROM PUBLIC").format(
                    pgsql.Identifier(str(database[0]))
                )
            )
    return before, SCHEMA_VERSION
