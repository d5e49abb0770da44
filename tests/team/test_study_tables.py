"""Rounds removed, frozen round reports and the study tables through a real hub (schema 3).

Each refusal is proven by connecting as the role with plain psycopg, not through codebench.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from codebench.analysis.saved import delete_query, save_query, saved_queries
from codebench.analysis.scope import ScopeSpec
from codebench.analysis.theme_map import add_relation, remove_relation
from codebench.cli.app import cli
from codebench.design.rounds import close_round, rounds, start_round
from codebench.design.sample import draw_sample
from codebench.ids import now
from codebench.project import Project
from codebench.store import participants as participant_sql
from codebench.store.rounds import round_report
from codebench.team.copies import clone
from codebench.team.lead import release
from codebench.team.sync import sync

psycopg = pytest.importorskip("psycopg")


def _start_round(lead: Project) -> None:
    draw_sample(lead, 1.0, ["alice", "bob"], seed=3, name="s1", by="lee")
    start_round(lead, "pilot", sample="s1", by="lee")


def _hub_rows(hub, table: str, *, live: bool = True) -> int:
    with hub.admin() as admin:
        where = " WHERE NOT deleted" if live else ""
        return int(admin.execute(f"SELECT count(*) FROM codebench.{table}{where}").fetchone()[0])


def test_a_round_the_lead_removes_leaves_every_copy_with_its_sample(team) -> None:
    _start_round(team.lead)
    sync(team.lead)
    with Project.open(team.alice) as alice:
        sync(alice)
        assert [r.name for r in rounds(alice)] == ["pilot"]
        assert alice.db.execute("SELECT count(*) FROM samples").fetchone()[0] == 1
    out = CliRunner().invoke(cli, ["-p", str(team.lead.path), "round", "delete", "1"])
    assert out.exit_code == 0 and "removed" in out.output, out.output
    assert team.lead.db.execute("SELECT count(*) FROM samples").fetchone()[0] == 1  # kept
    assert sync(team.lead).removed["rounds"] == 1
    assert _hub_rows(team.hub, "rounds") == 0 and _hub_rows(team.hub, "rounds", live=False) == 1
    with Project.open(team.alice) as alice:
        assert sync(alice).removed_here.get("rounds") == 1  # a removal taken, not a row
        assert rounds(alice) == []
        # the sample came with the round and no other round draws on it: it went too
        assert alice.db.execute("SELECT count(*) FROM samples").fetchone()[0] == 0
    # a new clone after the removal never sees it either
    fresh = team.alice.with_name("alice2.db")
    clone(team.hub.url("alice"), fresh, coder="alice")
    with Project.open(fresh) as again:
        assert rounds(again) == []
    # and a round started again under the same number comes back to life everywhere
    start_round(team.lead, "second", sample="s1", by="lee")
    sync(team.lead)
    with Project.open(team.alice) as alice:
        sync(alice)
        assert [(r.number, r.name) for r in rounds(alice)] == [(1, "second")]


def test_assignments_the_lead_removes_leave_the_coders_copy(team) -> None:
    from codebench.design.assignments import assignments, unassign

    with Project.open(team.alice) as alice:
        assert [a.transcript.name for a in assignments(alice)] == ["int1"]
    unassign(team.lead, "alice", ["int1"])
    sync(team.lead)
    with Project.open(team.alice) as alice:
        sync(alice)
        assert assignments(alice) == []


def test_a_frozen_round_report_reaches_coders_only_when_the_round_is_released(team) -> None:
    _start_round(team.lead)
    options, report = {"level": "segment"}, {"alpha": 0.61, "codes": ["01"]}
    close_round(team.lead, 1, by="lee", frozen=(options, report))
    frozen = round_report(team.lead.db, rounds(team.lead)[0].id)
    assert frozen is not None
    assert sync(team.lead).pushed["round_reports"] == 1
    with Project.open(team.alice) as alice:
        sync(alice)
        assert rounds(alice)[0].closed_at is not None
        assert round_report(alice.db, rounds(alice)[0].id) is None  # blind until released
    with team.hub.connect_as("alice") as conn:
        assert conn.execute("SELECT count(*) FROM codebench.round_reports").fetchone() == (0,)
    with team.hub.connect_as("lee") as conn:
        assert conn.execute("SELECT count(*) FROM codebench.round_reports").fetchone() == (1,)
    release(team.lead, round_ref="1")
    with Project.open(team.alice) as alice:
        assert sync(alice).pulled.get("round_reports") == 1
        got = round_report(alice.db, rounds(alice)[0].id)
    assert got is not None and got[:2] == frozen[:2]  # the same JSON texts, byte for byte
    assert json.loads(got[1]) == report
    with team.hub.connect_as("alice") as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("UPDATE codebench.round_reports SET report = '{}'")


def _speaker(project: Project) -> str:
    return str(project.db.execute("SELECT speaker FROM segments WHERE codable = 1").fetchone()[0])


def test_the_study_tables_reach_the_coders_and_removals_follow(team) -> None:
    lead = team.lead
    tid = lead.transcript("int1").id
    speaker = _speaker(lead)
    with lead.transaction():
        participant_sql.set_speaker_attributes(lead.db, [(tid, speaker, "role", "manager")])
    add_relation(lead, "01", "02", "leads to", note="often", coder="lee")
    with lead.transaction():
        participant_sql.set_framework_summary(
            lead.db, tid, speaker, lead.code("01").id, "morale rose", None, now()
        )
    pushed = sync(lead).pushed
    assert (pushed["speaker_attributes"], pushed["code_relations"]) == (1, 1)
    assert pushed["framework_cells"] == 1
    with Project.open(team.alice) as alice:
        sync(alice)
        assert participant_sql.speaker_attributes(alice.db) == {
            (alice.transcript("int1").id, speaker): {"role": "manager"}
        }
        assert [(r["kind"], r["note"]) for r in participant_sql.code_relations(alice.db)] == [
            ("leads to", "often")
        ]
        # a framework cell summarises coded passages: blind until the transcript is released
        assert participant_sql.framework_cells(alice.db) == []
    release(lead, ["int1"])
    with Project.open(team.alice) as alice:
        sync(alice)
        assert [c["summary"] for c in participant_sql.framework_cells(alice.db)] == ["morale rose"]
    # removals travel
    remove_relation(lead, "01", "02", "leads to")
    with lead.transaction():
        participant_sql.set_speaker_attributes(lead.db, [(tid, speaker, "role", "")])
        lead.db.execute("DELETE FROM framework_cells")
    removed = sync(lead).removed
    assert (removed["code_relations"], removed["speaker_attributes"]) == (1, 1)
    assert removed["framework_cells"] == 1
    with Project.open(team.alice) as alice:
        sync(alice)
        assert participant_sql.speaker_attributes(alice.db) == {}
        assert participant_sql.code_relations(alice.db) == []
        assert participant_sql.framework_cells(alice.db) == []


def test_a_coder_may_not_write_the_leads_study_tables(team) -> None:
    sync(team.lead)
    with team.hub.admin() as admin:
        t = admin.execute("SELECT guid FROM codebench.transcripts").fetchone()[0]
        a, b = [r[0] for r in admin.execute("SELECT guid FROM codebench.codes LIMIT 2")]
    statements = [
        (
            "INSERT INTO codebench.speaker_attributes (transcript_guid, speaker, key, value)"
            " VALUES (%s, 'Ann', 'role', 'x')",
            [t],
        ),
        (
            "INSERT INTO codebench.code_relations (from_guid, to_guid, kind, created_at)"
            " VALUES (%s, %s, 'causes', 'now')",
            [a, b],
        ),
        (
            "INSERT INTO codebench.framework_cells (transcript_guid, code_guid, summary,"
            " updated_at) VALUES (%s, %s, 's', 'now')",
            [t, a],
        ),
        (
            "INSERT INTO codebench.round_reports (round_number, options, report, frozen_at)"
            " VALUES (1, '{}', '{}', 'now')",
            [],
        ),
    ]
    for sql, params in statements:
        with (
            team.hub.connect_as("alice") as conn,
            pytest.raises(psycopg.errors.InsufficientPrivilege),
        ):
            conn.execute(sql, params)
    for table in ("speaker_attributes", "code_relations", "framework_cells", "round_reports"):
        assert _hub_rows(team.hub, table, live=False) == 0


def test_saved_queries_are_their_persons_own(team, tmp_path: Path) -> None:
    with Project.open(team.alice) as alice:
        save_query(alice, "morale", "01 AND 02", ScopeSpec())
        assert sync(alice).pushed["saved_queries"] == 1
    with team.hub.admin() as admin:
        owner, name = admin.execute("SELECT owner, name FROM codebench.saved_queries").fetchone()
        bob_guid = admin.execute("SELECT guid FROM codebench.coders WHERE name = 'bob'").fetchone()[
            0
        ]
    assert (owner, name) == (team.hub.login("alice"), "morale")
    for other in ("bob", "lee"):  # nobody else reads it, the lead included
        with team.hub.connect_as(other) as conn:
            assert conn.execute("SELECT count(*) FROM codebench.saved_queries").fetchone() == (0,)
    with Project.open(team.bob) as bob:
        sync(bob)
        assert saved_queries(bob) == []
    # alice cannot save a query as bob's, nor name another owner
    with team.hub.connect_as("alice") as conn, pytest.raises(psycopg.Error) as refused:
        conn.execute(
            "INSERT INTO codebench.saved_queries (author_guid, name, expression, created_at,"
            " updated_at) VALUES (%s, 'x', '01', 'now', 'now')",
            [bob_guid],
        )
    assert "row-level security" in str(refused.value)
    with team.hub.connect_as("alice") as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(
            "INSERT INTO codebench.saved_queries (owner, name, expression, created_at,"
            " updated_at) VALUES (%s, 'y', '01', 'now', 'now')",
            [team.hub.login("bob")],
        )
    # a new copy of alice's brings her query back; removing it travels
    again = tmp_path / "alice-again.db"
    clone(team.hub.url("alice"), again, coder="alice")
    with Project.open(again) as copy:
        assert [q.name for q in saved_queries(copy)] == ["morale"]
        assert sync(copy).pushed.get("saved_queries", 0) == 0  # what came down is not pushed again
        delete_query(copy, "morale")
        assert sync(copy).removed["saved_queries"] == 1
    assert _hub_rows(team.hub, "saved_queries") == 0
