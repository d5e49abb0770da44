"""A release the lead withdraws (or a round the lead removes) takes back what it let into copies.

Each coder's next sync removes others' codings, memos, statuses, framework
cells and round reports that the release had let in, says so, and leaves the
coder's own work (here and on the hub) untouched.
"""

from __future__ import annotations

import json

from click.testing import CliRunner

from codebench.cli.app import cli
from codebench.design.rounds import close_round, rounds, start_round
from codebench.design.sample import draw_sample
from codebench.ids import now
from codebench.project import Project
from codebench.store import participants as participant_sql
from codebench.store.rounds import round_report
from codebench.team.lead import release
from codebench.team.sync import sync

from .test_sync import hub_codings, local_codings


def _work(team) -> None:
    """alice and bob each code int1 (alice with a memo and a status); everyone syncs."""
    with Project.open(team.alice) as alice:
        alice.add_codings("alice", "01", "int1", [(0, 10), (20, 30)])
        alice.add_memo("alice", "Tense about the contract.", transcript="int1")
        alice.set_status("alice", "int1", "in-progress")
        sync(alice)
    with Project.open(team.bob) as bob:
        bob.add_codings("bob", "02", "int1", [(5, 15)])
        sync(bob)
    sync(team.lead)


def _cli(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_withdrawing_a_release_removes_others_work_from_a_coders_copy(team) -> None:
    _work(team)
    release(team.lead, ["int1"])
    with Project.open(team.bob) as bob:
        sync(bob)
        assert len(local_codings(bob, "alice")) == 2
        assert [m.text for m in bob.memos()] == ["Tense about the contract."]
        assert bob.status("alice", "int1") == "in-progress"
        mine = local_codings(bob, "bob")
    out = _cli("team", "release", str(team.lead.path), "int1", "--withdraw")
    assert out.exit_code == 0, out.output
    assert "withdrew the release of 1 transcript: int1" in out.output
    out = _cli("sync", str(team.bob), "--json")
    assert out.exit_code == 0, out.output
    moved = json.loads(out.output)
    assert moved["withdrawn"] == {"codings": 2, "memos": 1, "statuses": 1}
    assert not any(moved["removed"].values())  # nothing of anyone's goes from the hub
    with Project.open(team.bob) as bob:
        assert local_codings(bob, "alice") == []
        assert bob.memos() == []
        assert bob.status("alice", "int1") == "not-started"
        assert local_codings(bob, "bob") == mine  # the coder's own work stays
    # the hub still holds both coders' work, and the lead's copy too
    assert len(hub_codings(team.hub, "alice")) == 2 and len(hub_codings(team.hub, "bob")) == 1
    sync(team.lead)
    assert len(local_codings(team.lead, "alice")) == 2
    # a second sync has nothing more to remove, and a release again brings it all back
    with Project.open(team.bob) as bob:
        assert not any(sync(bob).withdrawn.values())
    release(team.lead, ["int1"])
    with Project.open(team.bob) as bob:
        sync(bob)
        assert len(local_codings(bob, "alice")) == 2


def test_the_sync_summary_says_what_a_withdrawal_removed(team) -> None:
    _work(team)
    release(team.lead, ["int1"])
    with Project.open(team.bob) as bob:
        sync(bob)
    release(team.lead, ["int1"], withdraw=True)
    out = _cli("sync", str(team.bob))
    assert out.exit_code == 0, out.output
    assert "removed from this copy 2 codings, 1 memo, 1 status of others" in out.output
    assert "withdrew their release" in out.output


def _closed_round(team) -> None:
    lead = team.lead
    draw_sample(lead, 1.0, ["alice", "bob"], seed=3, name="s1", by="lee")
    start_round(lead, "pilot", sample="s1", by="lee")
    close_round(lead, 1, by="lee", frozen=({"level": "segment"}, {"alpha": 0.61}))
    sync(lead)


def test_withdrawing_a_rounds_release_removes_its_frozen_report(team) -> None:
    _work(team)
    _closed_round(team)
    lead = team.lead
    speaker = str(lead.db.execute("SELECT speaker FROM segments WHERE codable = 1").fetchone()[0])
    with lead.transaction():  # a framework cell summarises codings: it goes with the release
        participant_sql.set_framework_summary(
            lead.db, lead.transcript("int1").id, speaker, lead.code("01").id, "s", None, now()
        )
    sync(lead)
    release(team.lead, round_ref="1")
    with Project.open(team.alice) as alice:
        sync(alice)
        assert round_report(alice.db, rounds(alice)[0].id) is not None
        assert len(local_codings(alice, "bob")) == 1
        assert len(participant_sql.framework_cells(alice.db)) == 1
    release(team.lead, round_ref="1", withdraw=True)
    with Project.open(team.alice) as alice:
        result = sync(alice)
        assert result.withdrawn == {"codings": 1, "framework_cells": 1, "round_reports": 1}
        assert participant_sql.framework_cells(alice.db) == []
        assert result.held_back == {}  # what a withdrawal removed is no edit of the coder's
        assert round_report(alice.db, rounds(alice)[0].id) is None
        assert [r.name for r in rounds(alice)] == ["pilot"]  # the round itself stays
        assert local_codings(alice, "bob") == []
        assert len(local_codings(alice, "alice")) == 2


def test_a_round_the_lead_removes_takes_its_release_back(team) -> None:
    _work(team)
    _closed_round(team)
    release(team.lead, round_ref="1")
    with Project.open(team.alice) as alice:
        sync(alice)
        assert len(local_codings(alice, "bob")) == 1
    out = _cli("-p", str(team.lead.path), "round", "delete", "1")
    assert out.exit_code == 0, out.output
    lead_sync = sync(team.lead)
    assert lead_sync.removed["rounds"] == 1 and lead_sync.removed["releases"] == 1
    with team.hub.connect_as("alice") as conn:  # blind again, as the database decides
        assert conn.execute(
            "SELECT count(*) FROM codebench.codings WHERE coder_guid <> ALL(%s)",
            [[g for (g,) in conn.execute("SELECT guid FROM codebench.coders WHERE name='alice'")]],
        ).fetchone() == (0,)
    with Project.open(team.alice) as alice:
        result = sync(alice)
        assert result.withdrawn.get("codings") == 1
        assert local_codings(alice, "bob") == [] and rounds(alice) == []
        assert len(local_codings(alice, "alice")) == 2


def test_a_coders_own_memo_on_a_withdrawn_coding_keeps_it(team) -> None:
    """A memo the coder wrote on another's coding (in review) is the coder's: it and its
    anchor stay, and the memo is not removed from the hub."""
    _work(team)
    release(team.lead, ["int1"])
    with Project.open(team.bob) as bob:
        sync(bob)
        theirs = bob.codings(coders=["alice"])[0]
        bob.add_memo("bob", "I read this differently.", coding=theirs)
        sync(bob)
    release(team.lead, ["int1"], withdraw=True)
    with Project.open(team.bob) as bob:
        result = sync(bob)
        assert result.withdrawn == {"codings": 1, "memos": 1, "statuses": 1}
        assert [m.text for m in bob.memos()] == ["I read this differently."]
        assert len(local_codings(bob, "alice")) == 1  # the memo's anchor
        assert not any(result.removed.values())
    with team.hub.admin() as admin:
        assert admin.execute(
            "SELECT count(*) FROM codebench.memos WHERE NOT deleted"
        ).fetchone() == (2,)
