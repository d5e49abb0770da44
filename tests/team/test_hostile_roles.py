"""What the database refuses a coder who connects with a plain driver (psycopg), not codebench.

Each test sets up real work through codebench (the lead publishes, alice
codes and syncs), then connects as a role and tries what a hostile or
curious coder would. Every refusal is the server's: row-level security,
grants and ownership.
"""

from __future__ import annotations

import pytest

from codebench.project import Project
from codebench.team.lead import release
from codebench.team.sync import sync

from .pgdriver import load_psycopg

psycopg = load_psycopg()


def _alice_codes(team, spans=((0, 10), (20, 30))) -> None:
    with Project.open(team.alice) as alice:
        alice.add_codings("alice", "01", "int1", list(spans))
        sync(alice)


def _guid(team, coder: str) -> str:
    return team.lead.coder(coder).guid


def test_a_coder_reads_only_their_own_codings_until_release(team) -> None:
    _alice_codes(team)
    with Project.open(team.alice) as alice:
        alice.add_memo("alice", "alice's private note", transcript="int1")
        sync(alice)
    with team.hub.admin() as admin:  # the memo is there to be hidden
        assert admin.execute("SELECT count(*) FROM codebench.memos").fetchone() == (1,)
    with team.hub.connect_as("bob") as bob:
        assert bob.execute("SELECT count(*) FROM codebench.codings").fetchone() == (0,)
        assert bob.execute("SELECT count(*) FROM codebench.memos").fetchone() == (0,)
        # not even by naming alice's rows exactly
        found = bob.execute(
            "SELECT * FROM codebench.codings WHERE coder_guid = %s", [_guid(team, "alice")]
        ).fetchall()
        assert found == []
        # nor her assignments
        assert bob.execute(
            "SELECT count(*) FROM codebench.assignments WHERE coder_guid = %s",
            [_guid(team, "alice")],
        ).fetchone() == (0,)
    with team.hub.connect_as("alice") as alice:
        assert alice.execute("SELECT count(*) FROM codebench.codings").fetchone() == (2,)
        assert alice.execute("SELECT count(*) FROM codebench.memos").fetchone() == (1,)
    with team.hub.connect_as("lee") as lee:
        assert lee.execute("SELECT count(*) FROM codebench.codings").fetchone() == (2,)
    release(team.lead, ["int1"])
    with team.hub.connect_as("bob") as bob:
        assert bob.execute("SELECT count(*) FROM codebench.codings").fetchone() == (2,)


def test_a_coder_cannot_write_rows_for_another_coder(team) -> None:
    t = team.lead.transcript("int1").guid
    code = team.lead.code("01").guid
    with team.hub.connect_as("bob") as bob:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            bob.execute(
                "INSERT INTO codebench.codings (coder_guid, code_guid, transcript_guid,"
                " start_char, end_char, created_at) VALUES (%s, %s, %s, 0, 5, 'x')",
                [_guid(team, "alice"), code, t],
            )
        # own coder, but claiming alice's login as owner: nobody may name the owner column
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
            bob.execute(
                "INSERT INTO codebench.codings (owner, coder_guid, code_guid, transcript_guid,"
                " start_char, end_char, created_at) VALUES (%s, %s, %s, %s, 0, 5, 'x')",
                [team.hub.login("alice"), _guid(team, "bob"), code, t],
            )
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            bob.execute(
                "INSERT INTO codebench.statuses (coder_guid, transcript_guid, status, updated_at)"
                " VALUES (%s, %s, 'done', 'x')",
                [_guid(team, "alice"), t],
            )
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            bob.execute(
                "INSERT INTO codebench.memos (guid, author_guid, transcript_guid, text,"
                " created_at, updated_at) VALUES ('m1', %s, %s, 'forged', 'x', 'x')",
                [_guid(team, "alice"), t],
            )
        # bob's own row is accepted: the refusals above are about ownership, not the statement
        bob.execute(
            "INSERT INTO codebench.codings (coder_guid, code_guid, transcript_guid,"
            " start_char, end_char, created_at) VALUES (%s, %s, %s, 0, 5, 'x')",
            [_guid(team, "bob"), code, t],
        )


def test_a_coder_cannot_remove_or_change_another_coders_codings(team) -> None:
    _alice_codes(team)
    with team.hub.connect_as("bob") as bob:
        changed = bob.execute("UPDATE codebench.codings SET deleted = true")
        assert changed.rowcount == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            bob.execute("DELETE FROM codebench.codings")
        # taking rows over by re-pushing alice's keys as his own owner fails too
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            bob.execute(
                "INSERT INTO codebench.codings (coder_guid, code_guid, transcript_guid,"
                " start_char, end_char, created_at)"
                " VALUES (%s, %s, %s, 0, 10, 'x') ON CONFLICT (coder_guid, code_guid,"
                " transcript_guid, start_char, end_char) DO UPDATE SET deleted = true",
                [
                    _guid(team, "alice"),
                    team.lead.code("01").guid,
                    team.lead.transcript("int1").guid,
                ],
            )
    with team.hub.admin() as admin:
        assert admin.execute(
            "SELECT count(*) FROM codebench.codings WHERE NOT deleted"
        ).fetchone() == (2,)


HOSTILE_STATEMENTS = [
    "UPDATE codebench.codes SET name = 'renamed'",
    "INSERT INTO codebench.codes (guid, name) VALUES ('g', 'planted')",
    "UPDATE codebench.transcripts SET name = 'x'",
    "INSERT INTO codebench.assignments (coder_guid, transcript_guid, range_key, assigned_at)"
    " VALUES ('a', 'b', '', 'x')",
    "INSERT INTO codebench.releases (transcript_guid) VALUES ('anything')",
    "INSERT INTO codebench.members (role_name, coder_name) VALUES ('me', 'boss')",
    "UPDATE codebench.hub_schema SET version = 2",
    # Hub schema 2: a coder may not merge codes for everyone, nor define or reopen a round.
    "UPDATE codebench.codes SET merged_into = guid",
    "INSERT INTO codebench.rounds (round_number, name, sample, codebook_version, opened_at)"
    " VALUES (9, 'mine', '{}', 1, 'x')",
    "UPDATE codebench.rounds SET closed_at = NULL",
    "DELETE FROM codebench.rounds",
    "DROP TABLE codebench.codings",
    "ALTER TABLE codebench.codings DISABLE ROW LEVEL SECURITY",
    "ALTER TABLE codebench.codings ADD COLUMN x int",
    "TRUNCATE codebench.codings",
    "DROP POLICY codings_read ON codebench.codings",
    "SELECT setval('codebench.change_seq', 1)",
    "CREATE TABLE codebench.mine (x int)",
    "CREATE OR REPLACE FUNCTION codebench.is_lead() RETURNS boolean LANGUAGE sql AS 'SELECT true'",
]


def test_a_coder_cannot_change_the_codebook_or_the_schema(team) -> None:
    refused = []
    with team.hub.connect_as("bob") as bob:
        for statement in HOSTILE_STATEMENTS:
            try:
                bob.execute(statement)
            except psycopg.errors.InsufficientPrivilege:
                refused.append(statement)
    assert refused == HOSTILE_STATEMENTS
    with team.hub.admin() as admin:
        names = {r[0] for r in admin.execute("SELECT name FROM codebench.codes")}
        assert "renamed" not in names and "planted" not in names
        assert admin.execute("SELECT to_regclass('codebench.codings')").fetchone() != (None,)


def test_a_coder_cannot_connect_to_another_hub_on_the_same_server(team, pg_server) -> None:
    with pytest.raises(psycopg.OperationalError, match="permission denied"):
        psycopg.connect(
            host="127.0.0.1",
            port=pg_server.port,
            dbname="hub_template",
            user=team.hub.login("bob"),
            password=team.hub.passwords["bob"],
        )


def test_sql_in_code_names_and_memo_text_is_stored_as_text(team) -> None:
    from codebench.codebook.edits import add_code

    hostile = "x'); DROP TABLE codebench.codings; --"
    code = add_code(team.lead, "lee", hostile + " code", number="")
    sync(team.lead)
    with Project.open(team.alice) as alice:
        sync(alice)  # the hostile code name comes down as a name
        assert alice.code(hostile + " code").guid == code.guid
        alice.add_memo("alice", hostile, transcript="int1")
        alice.add_codings("alice", hostile + " code", "int1", [(0, 10)])
        sync(alice)
    with team.hub.admin() as admin:
        assert admin.execute("SELECT to_regclass('codebench.codings')").fetchone() != (None,)
        assert [r[0] for r in admin.execute("SELECT text FROM codebench.memos")] == [hostile]
        names = [
            r[0]
            for r in admin.execute("SELECT name FROM codebench.codes WHERE guid = %s", [code.guid])
        ]
        assert names == [hostile + " code"]
        assert admin.execute("SELECT count(*) FROM codebench.codings").fetchone() == (1,)
