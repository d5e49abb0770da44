"""Publish, clone and sync against a real hub: what moves, what does not, and what is refused."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from codebench.cli.app import cli
from codebench.project import Project
from codebench.store.settings import set_meta
from codebench.team import localserver
from codebench.team.connect import HubError
from codebench.team.copies import clone, publish
from codebench.team.hub_schema import MIGRATIONS, SCHEMA_VERSION, migrate
from codebench.team.sync import NOTED, SyncOffline, describe, sync, waiting

from .pgdriver import load_psycopg

psycopg = load_psycopg()


def hub_codings(hub, coder: str | None = None, *, live: bool = True) -> list[tuple]:
    """The hub's codings as the superuser sees them (every row, RLS bypassed)."""
    sql = (
        "SELECT c.name, k.code_guid, k.start_char, k.end_char FROM codebench.codings k"
        " JOIN codebench.coders c ON c.guid = k.coder_guid WHERE (NOT k.deleted OR NOT %s)"
    )
    params: list = [live]
    if coder is not None:
        sql += " AND c.name = %s"
        params.append(coder)
    with hub.admin() as admin:
        return sorted(tuple(r) for r in admin.execute(sql, params))


def local_codings(project: Project, coder: str | None = None) -> list[tuple]:
    return sorted(_row(project, c) for c in project.codings(coders=[coder] if coder else None))


def _row(project: Project, coding) -> tuple:
    names = {c.id: c.name for c in project.coders()}
    return (
        names[coding.coder_id],
        project.code_by_id(coding.code_id).guid,
        coding.start,
        coding.end,
    )


def max_seq(hub) -> int:
    """The newest server sequence number on any row (numbers drawn and not kept leave gaps)."""
    tables = ("coders", "codes", "transcripts", "assignments", "codings", "memos", "statuses")
    union = " UNION ALL ".join(f"SELECT max(seq) AS s FROM codebench.{t}" for t in tables)
    with hub.admin() as admin:
        return int(admin.execute(f"SELECT max(s) FROM ({union}) x").fetchone()[0])


def test_a_coders_work_reaches_the_hub_and_the_lead_but_not_the_other_coder(team) -> None:
    with Project.open(team.alice) as alice:
        alice.add_codings("alice", "01", "int1", [(0, 10), (20, 30)])
        alice.add_memo("alice", "Tense about the contract.", transcript="int1")
        alice.set_status("alice", "int1", "in-progress")
        result = sync(alice)
        assert result.pushed == {"codings": 2, "memos": 1, "statuses": 1, "saved_queries": 0}
        expected = local_codings(alice, "alice")
    assert hub_codings(team.hub, "alice") == expected
    lead_result = sync(team.lead)
    assert lead_result.pulled == {"codings": 2, "memos": 1, "statuses": 1}
    assert local_codings(team.lead, "alice") == expected
    assert [m.text for m in team.lead.memos()] == ["Tense about the contract."]
    assert team.lead.status("alice", "int1") == "in-progress"
    with Project.open(team.bob) as bob:
        sync(bob)
        assert bob.codings() == [] and bob.memos() == []


def test_pushing_the_same_changes_twice_changes_nothing(team) -> None:
    with Project.open(team.alice) as alice:
        alice.add_codings("alice", "01", "int1", [(0, 10), (20, 30)])
        sync(alice)
        seq, rows = max_seq(team.hub), hub_codings(team.hub, live=False)
        # As if the push's local note was lost (a kill after the hub committed): all goes again.
        # (What was pushed and the noted write counters are written in one transaction.)
        with alice.transaction():
            alice.db.execute("DELETE FROM sync_pushed")
            set_meta(alice.db, NOTED, "{}")
        assert waiting(alice) == 2
        again = sync(alice)
        # Compared with the hub (the log is not trusted now): nothing differs, nothing goes.
        assert not any(again.pushed.values()) and not any(again.removed.values())
    assert hub_codings(team.hub, live=False) == rows
    assert max_seq(team.hub) == seq  # no row was touched: pullers see nothing new


def test_removals_propagate_to_the_hub_and_the_leads_copy(team) -> None:
    with Project.open(team.alice) as alice:
        alice.add_codings("alice", "01", "int1", [(0, 10), (20, 30)])
        sync(alice)
    sync(team.lead)
    assert len(local_codings(team.lead, "alice")) == 2
    with Project.open(team.alice) as alice:
        alice.remove_codings("alice", "01", "int1", [(0, 10)])
        assert sync(alice).removed["codings"] == 1
        kept = local_codings(alice, "alice")
    assert hub_codings(team.hub, "alice") == kept
    assert len(hub_codings(team.hub, "alice", live=False)) == 2  # the tombstone stays
    sync(team.lead)
    assert local_codings(team.lead, "alice") == kept
    # and coding it again brings the row back to life
    with Project.open(team.alice) as alice:
        alice.add_codings("alice", "01", "int1", [(0, 10)])
        sync(alice)
    assert len(hub_codings(team.hub, "alice")) == 2


def test_an_edited_memo_replaces_the_old_text_everywhere(team) -> None:
    with Project.open(team.alice) as alice:
        memo_id = alice.add_memo("alice", "first thoughts", transcript="int1")
        sync(alice)
        alice.update_memo("alice", memo_id, "second thoughts")
        assert sync(alice).pushed["memos"] == 1
    sync(team.lead)
    assert [m.text for m in team.lead.memos()] == ["second thoughts"]


def test_the_leads_new_assignments_and_codes_reach_the_coders(team) -> None:
    from codebench.codebook.edits import add_code
    from codebench.design.assignments import assign, assignments

    code = add_code(team.lead, "lee", "Emergent theme", number="")
    team.lead.coder("carol", create=True)
    assign(team.lead, "carol", ["int1"])
    result = sync(team.lead)
    assert result.pushed["codes"] == 1 and result.pushed["assignments"] == 1
    with Project.open(team.alice) as alice:
        pulled = sync(alice).pulled
        assert pulled.get("codes") == 1
        assert alice.code("Emergent theme").guid == code.guid
        # carol's assignment is not alice's to see
        assert [a.coder.name for a in assignments(alice)] == ["alice"]


def test_the_project_never_holds_a_password(team) -> None:
    password = team.hub.passwords["lee"]
    url = team.hub.url("lee").replace("@", f":{password}@", 1)
    publish(team.lead, url)  # same hub: accepted, and the URL kept is the one without it
    assert team.lead.setting("team.url") == team.hub.url("lee")
    team.lead.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for path in Path(team.lead.path).parent.glob(Path(team.lead.path).name + "*"):
        assert password.encode() not in path.read_bytes()
    for copy in (team.alice, team.bob):
        assert team.hub.passwords["alice"].encode() not in copy.read_bytes()
        assert team.hub.passwords["bob"].encode() not in copy.read_bytes()


def test_offline_work_waits_and_goes_up_when_the_server_is_back(team, pg_server) -> None:
    with Project.open(team.alice) as alice:
        alice.add_codings("alice", "01", "int1", [(0, 10), (20, 30)])
    localserver.stop(pg_server.folder)
    try:
        with Project.open(team.alice) as alice:
            with pytest.raises(SyncOffline, match="offline — 2 changes waiting"):
                sync(alice)
            assert waiting(alice) == 2
        runner = CliRunner()
        out = runner.invoke(cli, ["sync", str(team.alice)])
        assert out.exit_code == 1 and "offline — 2 changes waiting" in out.output
        out = runner.invoke(cli, ["sync", str(team.alice), "--json"])
        assert out.exit_code == 1 and json.loads(out.output)["waiting"] == 2
        with Project.open(team.alice) as alice:
            alice.add_codings("alice", "01", "int1", [(40, 50)])  # work goes on offline
    finally:
        localserver.start(pg_server.folder, port=pg_server.port, durable=False)
    with Project.open(team.alice) as alice:
        assert sync(alice).pushed["codings"] == 3
        assert waiting(alice) == 0
        assert hub_codings(team.hub, "alice") == local_codings(alice, "alice")


def test_two_coders_syncing_at_once_each_land_exactly_once(team) -> None:
    for path, coder in ((team.alice, "alice"), (team.bob, "bob")):
        with Project.open(path) as copy:
            copy.add_codings(coder, "01", "int1", [(i, i + 3) for i in range(0, 150)])
    errors: list[BaseException] = []

    def run(path: Path) -> None:
        try:
            with Project.open(path) as copy:
                sync(copy)
        except Exception as error:  # noqa: BLE001  (any failure is reported by the assertion below)
            errors.append(error)

    threads = [threading.Thread(target=run, args=(p,)) for p in (team.alice, team.bob)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(hub_codings(team.hub, "alice")) == 150
    assert len(hub_codings(team.hub, "bob")) == 150
    sync(team.lead)
    assert len(local_codings(team.lead, "alice")) == 150
    assert len(local_codings(team.lead, "bob")) == 150


def test_clone_and_publish_refuse_the_wrong_person(team, tmp_path: Path) -> None:
    with pytest.raises(HubError, match="codes as 'bob', not 'alice'"):
        clone(team.hub.url("bob"), tmp_path / "x.db", coder="alice")
    assert not (tmp_path / "x.db").exists()
    assert not list(tmp_path.glob("x.db*"))
    with pytest.raises(Exception, match="already exists"):
        clone(team.hub.url("alice"), team.alice)
    other = Project.init(tmp_path / "other.db")
    with pytest.raises(HubError, match="is not a lead"):
        publish(other, team.hub.url("alice"))
    other.close()


def test_a_newer_hub_schema_is_refused_naming_both_versions(team) -> None:
    with team.hub.admin() as admin:
        admin.execute("INSERT INTO codebench.hub_schema (version) VALUES (99)")
    with (
        Project.open(team.alice) as alice,
        pytest.raises(
            HubError,
            match=rf"version 99, newer than this codebench knows \(version {SCHEMA_VERSION}\)",
        ),
    ):
        sync(alice)
    out = CliRunner().invoke(cli, ["server", "init", team.hub.admin_url])
    assert out.exit_code == 1 and "version 99" in out.output
    assert f"version {SCHEMA_VERSION}" in out.output


def test_server_init_upgrades_a_version_1_hub(hub, monkeypatch: pytest.MonkeyPatch) -> None:
    with hub.admin() as admin:
        admin.execute("DROP SCHEMA codebench CASCADE")
    with psycopg.connect(hub.admin_url, passfile=str(hub.server.passfile)) as conn:
        monkeypatch.setattr("codebench.team.hub_schema.MIGRATIONS", MIGRATIONS[:1])
        assert migrate(conn, "hub") == (None, SCHEMA_VERSION)
        monkeypatch.setattr("codebench.team.hub_schema.MIGRATIONS", MIGRATIONS)
        assert migrate(conn, "hub") == (1, SCHEMA_VERSION)
    with hub.admin() as admin:
        versions = [r[0] for r in admin.execute("SELECT version FROM codebench.hub_schema")]
        columns = admin.execute(
            "SELECT count(*) FROM information_schema.columns"
            " WHERE table_schema = 'codebench' AND table_name = 'codes'"
            " AND column_name = 'merged_into'"
        ).fetchone()[0]
    assert sorted(versions) == list(range(1, SCHEMA_VERSION + 1)) and columns == 1


def test_server_init_is_idempotent(team) -> None:
    runner = CliRunner()
    before = max_seq(team.hub), hub_codings(team.hub, live=False)
    out = runner.invoke(cli, ["server", "init", team.hub.admin_url])
    assert out.exit_code == 0, out.output
    assert f"already at version {SCHEMA_VERSION}" in out.output
    assert (max_seq(team.hub), hub_codings(team.hub, live=False)) == before


def test_add_coder_without_createrole_prints_the_sql_for_the_dba(team) -> None:
    out = CliRunner().invoke(cli, ["server", "add-coder", team.hub.url("lee"), "dave"])
    assert out.exit_code == 1
    assert "A database administrator runs" in out.output
    assert 'CREATE ROLE "dave" LOGIN PASSWORD \'SCRAM-SHA-256$4096:' in out.output
    assert "INSERT INTO" in out.output
    password = out.output.rsplit(": ", 1)[1].strip()
    assert password and password not in out.output.split("The password")[0]
    with team.hub.admin() as admin:
        assert admin.execute("SELECT 1 FROM pg_roles WHERE rolname = 'dave'").fetchone() is None


def test_team_status_shows_progress_and_last_sync_per_coder(team) -> None:
    with Project.open(team.alice) as alice:
        alice.add_codings("alice", "01", "int1", [(0, 10)])
        alice.set_status("alice", "int1", "in-progress")
        sync(alice)
    out = CliRunner().invoke(cli, ["team", "status", str(team.lead.path), "--format", "json"])
    assert out.exit_code == 0, out.output
    rows = {r["coder"]: r for r in json.loads(out.output)}
    assert rows["alice"]["codings"] == 1 and rows["alice"]["status"] == "in-progress"
    assert rows["bob"]["codings"] == 0 and rows["bob"]["status"] == "not-started"
    assert rows["alice"]["last sync"] != "never"
    assert rows["bob"]["last sync"] != "never"  # bob's clone counts as his first sync


def test_a_server_refusal_is_one_line_not_a_traceback(team) -> None:
    out = CliRunner().invoke(cli, ["server", "init", team.hub.url("alice")])
    assert out.exit_code == 1
    assert "refused by the server" in out.output and "Traceback" not in out.output
    assert team.hub.passwords["alice"] not in out.output
    assert len(out.output.strip().splitlines()) == 1


def test_the_lead_is_told_that_members_codings_in_the_leads_file_stay_local(team) -> None:
    from codebench.store import sync_sql

    lead = team.lead  # a pilot merged in earlier: a merge copies codings, logging no action
    with lead.transaction():
        ids = (lead.coder("alice").id, lead.code("01").id, lead.transcript("int1").id)
        sync_sql.apply_coding(lead.db, *ids, 0, 10, "2026-01-01T00:00:00", deleted=False)
    result = publish(team.lead, team.hub.url("lee"))
    assert "1 coding here belongs to coders who are members" in describe(result)
    assert hub_codings(team.hub, "alice") == []  # alice's rows are alice's to push


def test_memo_anchors_and_attributes_arrive_on_the_right_rows(team) -> None:
    team.lead.set_attributes("int1", {"role": "chief executive"})
    sync(team.lead)
    with Project.open(team.alice) as alice:
        sync(alice)
        assert alice.transcript("int1").attributes == {"role": "chief executive"}
        segment = alice.segment("int1", 3)
        [coding_id] = alice.code_segments("alice", "int1", [3], "02")
        coding = next(c for c in alice.codings() if c.id == coding_id)
        alice.add_memo("alice", "on the segment", transcript="int1", segment=segment)
        alice.add_memo("alice", "on the coding", transcript="int1", coding=coding)
        alice.add_memo("alice", "on the code", code="02")
        sync(alice)
    sync(team.lead)
    memos = {m.text: m for m in team.lead.memos()}
    lead_segment = team.lead.segment("int1", 3)
    assert memos["on the segment"].segment_id == lead_segment.id
    [lead_coding] = team.lead.codings(coders=["alice"])
    assert (lead_coding.start, lead_coding.end) == (lead_segment.start, lead_segment.end)
    assert memos["on the coding"].coding_id == lead_coding.id
    assert memos["on the code"].code_id == team.lead.code("02").id
    assert {m.author_id for m in memos.values()} == {team.lead.coder("alice").id}


def test_a_members_name_matches_the_projects_coder_whatever_the_case(team, tmp_path: Path) -> None:
    from codebench.design.assignments import assign

    team.hub.add("Carol")
    team.lead.coder("carol", create=True)
    assign(team.lead, "carol", ["int1"])
    sync(team.lead)
    clone(team.hub.url("Carol"), tmp_path / "carol.db", coder="CAROL")
    with Project.open(tmp_path / "carol.db") as carol:
        carol.add_codings("carol", "01", "int1", [(0, 10)])
        assert sync(carol).pushed["codings"] == 1
    assert len(hub_codings(team.hub, "carol")) == 1


def test_a_pull_larger_than_a_page_arrives_whole(team, monkeypatch: pytest.MonkeyPatch) -> None:
    from codebench.team import hub_sql

    monkeypatch.setattr(hub_sql, "PAGE", 3)
    with Project.open(team.alice) as alice:
        alice.add_codings("alice", "01", "int1", [(i, i + 2) for i in range(10)])
        sync(alice)
        expected = local_codings(alice, "alice")
    assert sync(team.lead).pulled["codings"] == 10
    assert local_codings(team.lead, "alice") == expected


def test_a_pull_moves_past_rows_the_role_cannot_see(team) -> None:
    team.lead.coder("lee", create=True)
    team.lead.add_codings("lee", "01", "int1", [(i, i + 2) for i in range(20)])
    assert sync(team.lead).pushed["codings"] == 20
    with Project.open(team.alice) as alice:
        result = sync(alice)
        assert alice.codings(coders=["lee"]) == []  # blind: the lead's codings stay unseen
        assert result.last_seq == max_seq(team.hub)  # but the next pull starts after them
        assert int(alice.setting("team.last_seq")) == max_seq(team.hub)


def test_a_sync_reads_only_the_tables_written_since_the_last_push(
    team, monkeypatch: pytest.MonkeyPatch
) -> None:
    from codebench.team import sync as sync_module

    read: list[str] = []
    real = sync_module.records_of

    def counting(project, table, role, owned):
        read.append(table)
        return real(project, table, role, owned)

    monkeypatch.setattr(sync_module, "records_of", counting)
    team.lead.coder("lee", create=True)
    sync(team.lead)
    read.clear()
    assert describe(sync(team.lead)) == "nothing to sync: up to date"
    assert read == []  # nothing written since: no table read
    with Project.open(team.alice) as alice:
        alice.add_codings("alice", "01", "int1", [(0, 10)])
        sync(alice)
    read.clear()
    assert sync(team.lead).pulled == {"codings": 1}  # the pull wrote alice's row, not the lead's
    assert read == []
    team.lead.set_status("lee", "int1", "in-progress")
    team.lead.add_codings("lee", "02", "int1", [(0, 10)])
    read.clear()
    result = sync(team.lead)
    # Codings, memos and statuses go by their change logs: only the status written is read
    # (no memo is on the new coding, so none is logged).
    assert sorted(read) == ["statuses"]
    assert result.pushed["codings"] == 1 and result.pushed["statuses"] == 1
    # A write the counters missed (a trigger lost): every table is read again, nothing lost.
    with team.lead.transaction():
        team.lead.db.execute("DROP TRIGGER sync_count_codings_ins")
        team.lead.add_codings("lee", "02", "int1", [(20, 30)])
    read.clear()
    assert sync(team.lead).pushed["codings"] == 1
    assert set(read) == set(sync_module.LEAD_KINDS) - {"codings"}
