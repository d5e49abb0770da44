"""A first publish's bulk load of codings (hub version 5): the indexes are dropped and built
again inside the publish's transaction, through two functions owned by the hub's owner.

Every refusal is proven by connecting as the role with plain psycopg: a coder may not call
them; a lead may not load a coding for a coder another member codes as, may not load into a
table that holds anything, may not hand the function a staging table of their own, and may
not read what the staging table holds. The hub's indexes and policies are as before after a
load, a load cut short, or a load refused; and a hub owned by an administrator who is not a
superuser (so is held to the policies the table FORCEs) loads the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from codebench.project import Project
from codebench.team import localserver
from codebench.team.connect import connect
from codebench.team.copies import clone, publish
from codebench.team.hub_schema import FIRST_CODINGS, migrate
from codebench.team.members import add_member
from codebench.team.sync import sync, waiting

from .conftest import Hub
from .pgdriver import load_psycopg
from .test_sync import hub_codings, local_codings

psycopg = load_psycopg()

STAGE = f"pg_temp.{FIRST_CODINGS}"
COLS = "coder_guid, code_guid, transcript_guid, start_char, end_char, created_at, codebook_version"


def _shape(conn: Any) -> tuple[list[tuple[str, str]], bool, bool, list[str]]:
    """The codings table's indexes, row-level security flags and policies, as the catalogue says."""
    indexes = conn.execute(
        "SELECT indexname, indexdef FROM pg_indexes"
        " WHERE schemaname = 'codebench' AND tablename = 'codings' ORDER BY indexname"
    ).fetchall()
    flags = conn.execute(
        "SELECT relrowsecurity, relforcerowsecurity FROM pg_class"
        " WHERE oid = 'codebench.codings'::regclass"
    ).fetchone()
    policies = [
        r[0]
        for r in conn.execute(
            "SELECT policyname FROM pg_policies WHERE schemaname = 'codebench'"
            " AND tablename = 'codings' ORDER BY policyname"
        )
    ]
    return [tuple(r) for r in indexes], bool(flags[0]), bool(flags[1]), policies


def _guid_of(hub: Hub, coder: str) -> str:
    with hub.admin() as admin:
        row = admin.execute("SELECT guid FROM codebench.coders WHERE name = %s", [coder]).fetchone()
    assert row is not None
    return str(row[0])


@pytest.fixture
def lead_and_alice(hub: Hub, interview: Project) -> Hub:
    """A hub with lee (lead) and alice (coder), the codebook and int1 published, no codings."""
    hub.add("lee", "lead")
    hub.add("alice")
    interview.coder("alice", create=True)
    publish(interview, hub.url("lee"))
    with hub.admin() as admin:
        assert admin.execute("SELECT count(*) FROM codebench.codings").fetchone() == (0,)
    return hub


def _load(conn: Any, rows: list[tuple[Any, ...]]) -> int:
    """What codebench's first publish sends, sent by hand as the connecting role."""
    with conn.transaction():
        conn.execute("SELECT codebench.begin_first_codings()")
        with conn.cursor().copy(f"COPY {STAGE} ({COLS}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        found = conn.execute("SELECT codebench.finish_first_codings()").fetchone()
    return int(found[0])


def _a_row(hub: Hub, coder: str, start: int = 0) -> tuple[Any, ...]:
    with hub.admin() as admin:
        code = admin.execute("SELECT guid FROM codebench.codes LIMIT 1").fetchone()[0]
        transcript = admin.execute("SELECT guid FROM codebench.transcripts LIMIT 1").fetchone()[0]
    return (_guid_of(hub, coder), code, transcript, start, start + 5, "2025-01-01T00:00:00Z", 1)


def test_a_first_publish_leaves_the_indexes_and_policies_as_they_were(
    hub: Hub, interview: Project
) -> None:
    with hub.admin() as admin:
        before = _shape(admin)
    hub.add("lee", "lead")
    interview.coder("lee", create=True)
    interview.add_codings("lee", "01", "int1", [(0, 5), (3, 9), (10, 20)])
    interview.add_codings("lee", "02", "int1", [(0, 5)])
    result = publish(interview, hub.url("lee"))
    assert result.pushed["codings"] == 4
    assert hub_codings(hub, "lee") == local_codings(interview, "lee")
    with hub.admin() as admin:
        assert _shape(admin) == before
        owners = admin.execute("SELECT DISTINCT owner FROM codebench.codings").fetchall()
        assert owners == [(hub.login("lee"),)]  # the lead's own rows, as a plain insert makes
        seqs = admin.execute("SELECT count(DISTINCT seq) FROM codebench.codings").fetchone()
        assert seqs == (4,)
        # The rebuilt primary key is a primary key: a duplicate is refused.
        with pytest.raises(psycopg.errors.UniqueViolation):
            admin.execute(
                f"INSERT INTO codebench.codings ({COLS})"
                f" SELECT {COLS} FROM codebench.codings LIMIT 1"
            )
    # The next sync merges as before (the table is no longer empty): one new coding.
    interview.add_codings("lee", "03", "int1", [(30, 40)])
    assert sync(interview).pushed["codings"] == 1
    assert hub_codings(hub, "lee") == local_codings(interview, "lee")
    assert waiting(interview) == 0


def test_a_first_publish_keeps_each_codings_codebook_version(hub: Hub, interview: Project) -> None:
    """The bulk load carries ``codebook_version`` as an ordinary push does (hub version 4)."""
    from codebench.codebook.edits import EditReason, edit_code
    from codebench.store.codebook_versions import codings_by_version

    hub.add("lee", "lead")
    interview.coder("lee", create=True)
    interview.add_codings("lee", "01", "int1", [(0, 5), (3, 9)])
    edit_code(interview, "lee", "01", why=EditReason(reason="narrower"), description="Narrower.")
    interview.add_codings("lee", "02", "int1", [(0, 5), (10, 20), (30, 40)])
    assert codings_by_version(interview.db) == {1: 2, 2: 3}
    assert publish(interview, hub.url("lee")).pushed["codings"] == 5
    with hub.admin() as admin:
        on_hub = dict(
            admin.execute(
                "SELECT codebook_version, count(*) FROM codebench.codings GROUP BY 1"
            ).fetchall()
        )
    assert on_hub == {1: 2, 2: 3}


def test_a_coder_may_not_call_the_load_functions(lead_and_alice: Hub) -> None:
    hub = lead_and_alice
    with hub.connect_as("alice") as alice:
        for function in ("begin_first_codings", "finish_first_codings"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                alice.execute(f"SELECT codebench.{function}()")


def test_a_lead_may_not_load_a_coding_for_a_coder_another_member_codes_as(
    lead_and_alice: Hub,
) -> None:
    hub = lead_and_alice
    with hub.admin() as admin:
        before = _shape(admin)
    with hub.connect_as("lee") as lee, pytest.raises(psycopg.errors.InsufficientPrivilege):
        _load(lee, [_a_row(hub, "alice")])
    with hub.admin() as admin:
        assert admin.execute("SELECT count(*) FROM codebench.codings").fetchone() == (0,)
        assert _shape(admin) == before
    # The same coding the ordinary way is refused by the policies alike.
    with hub.connect_as("lee") as lee, pytest.raises(psycopg.errors.InsufficientPrivilege):
        lee.execute(
            f"INSERT INTO codebench.codings ({COLS}) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            _a_row(hub, "alice"),
        )


def test_a_lead_may_load_the_consensus_coder_and_not_name_another_owner(
    lead_and_alice: Hub, interview: Project
) -> None:
    hub = lead_and_alice
    interview.coder("consensus", kind="consensus", create=True)
    sync(interview)  # the consensus coder (no member codes as it) reaches the hub
    with hub.connect_as("lee") as lee:
        assert _load(lee, [_a_row(hub, "consensus", 0), _a_row(hub, "consensus", 7)]) == 2
    with hub.admin() as admin:
        owners = admin.execute("SELECT owner, count(*) FROM codebench.codings GROUP BY 1")
        assert owners.fetchall() == [(hub.login("lee"), 2)]


def test_the_load_refuses_a_table_that_holds_anything(lead_and_alice: Hub) -> None:
    hub = lead_and_alice
    with hub.connect_as("alice") as alice:  # alice's own coding: the lead sees it
        alice.execute(
            f"INSERT INTO codebench.codings ({COLS}) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            _a_row(hub, "alice"),
        )
        alice.execute("UPDATE codebench.codings SET deleted = true")  # even a tombstone
    with hub.admin() as admin:
        before = _shape(admin)
        admin.execute("INSERT INTO codebench.coders (guid, name) VALUES ('g-x', 'x')")
    with (
        hub.connect_as("lee") as lee,
        pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState, match="not empty"),
    ):
        _load(lee, [("g-x", "c", "t", 0, 5, "now", 1)])
    with hub.admin() as admin:
        assert admin.execute("SELECT count(*) FROM codebench.codings").fetchone() == (1,)
        assert _shape(admin) == before


def test_a_lead_may_not_hand_the_load_a_staging_table_of_their_own(lead_and_alice: Hub) -> None:
    hub = lead_and_alice
    with hub.connect_as("lee") as lee:
        with lee.transaction():  # their own table under the name, then straight to finish
            lee.execute(
                f"CREATE TEMP TABLE {FIRST_CODINGS} (coder_guid text, code_guid text,"
                " transcript_guid text, start_char integer, end_char integer, created_at text,"
                " codebook_version integer)"
                " ON COMMIT DROP"
            )
            lee.execute(
                f"INSERT INTO {STAGE} VALUES (%s, %s, %s, %s, %s, %s, %s)", _a_row(hub, "alice")
            )
            with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState), lee.transaction():
                lee.execute("SELECT codebench.finish_first_codings()")
        with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState), lee.transaction():
            lee.execute("SELECT codebench.finish_first_codings()")  # nothing begun at all
        with lee.transaction():  # the staging table is the owner's: the lead only inserts
            lee.execute("SELECT codebench.begin_first_codings()")
            for statement in (
                f"SELECT * FROM {STAGE}",
                f"DROP TABLE {STAGE}",
                f"CREATE TRIGGER t BEFORE INSERT ON {STAGE}"
                " FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger()",
            ):
                with pytest.raises(psycopg.errors.InsufficientPrivilege), lee.transaction():
                    lee.execute(statement)
    with hub.admin() as admin:
        assert admin.execute("SELECT count(*) FROM codebench.codings").fetchone() == (0,)


@pytest.fixture
def owned_hub(
    pg_server: localserver.LocalServer, hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Hub, str]]:
    """A second database of the test's cluster made and migrated by an administrator who is
    not a superuser (as at a university), with lee its lead; yields it and its admin URL."""
    admin_role, database = f"{hub.database}_dba", f"{hub.database}_owned"
    password = "dba-secret-1"
    with psycopg.connect(
        pg_server.admin_url("postgres"), passfile=str(pg_server.passfile), autocommit=True
    ) as conn:
        conn.execute(f"CREATE ROLE \"{admin_role}\" LOGIN PASSWORD '{password}'")
        conn.execute(f'CREATE DATABASE "{database}" OWNER "{admin_role}"')
    with hub.passfile.open("a", encoding="utf-8") as out:
        out.write(f"127.0.0.1:{pg_server.port}:{database}:{admin_role}:{password}\n")
    url = f"postgresql://{admin_role}@127.0.0.1:{pg_server.port}/{database}"
    owned = Hub(pg_server, database, hub.passfile)
    try:
        with connect(url, passfile=hub.passfile) as conn:
            migrate(conn, url)
        added = add_member(
            owned.admin_url, "lee", role="lead", login=owned.login("lee"), passfile=hub.passfile
        )
        assert added.password is not None
        owned.passwords["lee"] = added.password
        with hub.passfile.open("a", encoding="utf-8") as out:
            out.write(
                f"127.0.0.1:{pg_server.port}:{database}:{owned.login('lee')}:{added.password}\n"
            )
        yield owned, url
    finally:
        with psycopg.connect(
            pg_server.admin_url("postgres"), passfile=str(pg_server.passfile), autocommit=True
        ) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                [database],
            )
            conn.execute(f'DROP DATABASE IF EXISTS "{database}"')
            conn.execute(f'DROP ROLE IF EXISTS "{owned.login("lee")}"')
            conn.execute(f'DROP ROLE IF EXISTS "{admin_role}"')


def test_a_hub_owned_by_an_administrator_who_is_not_a_superuser_loads_alike(
    owned_hub: tuple[Hub, str], interview: Project, tmp_path: Path
) -> None:
    hub, admin_url = owned_hub
    with psycopg.connect(admin_url, passfile=str(hub.passfile), autocommit=True) as dba:
        assert dba.execute(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
        ).fetchone() == (False,)
        owner = dba.execute(
            "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = 'codebench.codings'::regclass"
        ).fetchone()
        assert owner == (dba.info.user,)
        before = _shape(dba)
    interview.coder("lee", create=True)
    interview.add_codings("lee", "01", "int1", [(0, 5), (3, 9)])
    assert publish(interview, hub.url("lee")).pushed["codings"] == 2
    with psycopg.connect(admin_url, passfile=str(hub.passfile), autocommit=True) as dba:
        assert _shape(dba) == before  # FORCE ROW LEVEL SECURITY is back on
        # Held to the policies again, the owner (no lead) sees none of the lead's codings.
        assert dba.execute("SELECT count(*) FROM codebench.codings").fetchone() == (0,)
    with hub.connect_as("lee") as lee:
        assert lee.execute("SELECT count(*) FROM codebench.codings").fetchone() == (2,)
    # A later push merges into the loaded table as usual.
    interview.add_codings("lee", "02", "int1", [(1, 2)])
    assert sync(interview).pushed["codings"] == 1
    copy = tmp_path / "again.db"
    clone(hub.url("lee"), copy, coder="lee")
    with Project.open(copy) as again:
        assert len(again.codings(coders=["lee"])) == 3


def test_codings_with_unusual_values_reach_the_hub_exactly_as_in_the_file(
    hub: Hub, interview: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first publish builds each coding's COPY line in SQLite; a value COPY would read as an
    escape (a crafted file's), goes as a record instead."""
    from codebench.store import sync_sql

    monkeypatch.setattr(sync_sql, "COPY_CHUNK", 3)  # plain chunks, and chunks with one odd row
    hub.add("lee", "lead")
    interview.coder("lee", create=True)
    interview.add_codings("lee", "01", "int1", [(i, i + 4) for i in range(0, 40, 2)])
    odd = [
        "tab\there",
        "line\nbreak",
        "back\\slash \\N",
        "carriage\rreturn",
        "\\.",
        "ünïcode — ✓",
    ]
    with interview.transaction():
        ids = [r[0] for r in interview.db.execute("SELECT id FROM codings ORDER BY id")]
        for coding_id, value in zip(ids[1::3], odd, strict=False):
            interview.db.execute(
                "UPDATE codings SET created_at = ? WHERE id = ?", [value, coding_id]
            )
    local = sorted(
        tuple(r[1:]) for r in sync_sql.coding_rows(interview.db, [interview.coder("lee").guid])
    )
    assert publish(interview, hub.url("lee")).pushed["codings"] == len(ids) == 20
    with hub.admin() as admin:
        on_hub = sorted(tuple(r) for r in admin.execute(f"SELECT {COLS} FROM codebench.codings k"))
    assert on_hub == local
    assert {r[5] for r in on_hub} >= set(odd)


def test_a_publish_that_fails_after_the_load_leaves_the_hub_as_before(
    hub: Hub, interview: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The load's dropped indexes and lifted FORCE are part of the push's one transaction: a
    failure after the load (here, the last statement of the push) rolls all of it back."""
    from codebench.team import hub_sql

    with hub.admin() as admin:
        before = _shape(admin)
    hub.add("lee", "lead")
    interview.coder("lee", create=True)
    interview.add_codings("lee", "01", "int1", [(0, 5), (3, 9), (10, 20)])
    real = hub_sql.log_sync

    def cut(conn: Any, pushed: int, pulled: int) -> None:
        if pushed:  # the load is done, in this transaction
            assert conn.execute("SELECT count(*) FROM codebench.codings").fetchone() == (3,)
            raise OSError("the network went down")
        real(conn, pushed, pulled)

    monkeypatch.setattr(hub_sql, "log_sync", cut)
    with pytest.raises(Exception, match="network went down"):
        publish(interview, hub.url("lee"))
    with hub.admin() as admin:
        assert _shape(admin) == before
        assert admin.execute("SELECT count(*) FROM codebench.codings").fetchone() == (0,)
    monkeypatch.setattr(hub_sql, "log_sync", real)
    assert publish(interview, hub.url("lee")).pushed["codings"] == 3
    assert hub_codings(hub, "lee") == local_codings(interview, "lee")
    with hub.admin() as admin:
        assert _shape(admin) == before
