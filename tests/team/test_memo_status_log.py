"""Memos and statuses go by a change log, as codings do: no record per row is kept of what
was pushed, and every edit, delete and re-add still reaches the hub; a memo whose coding
moves goes up with its new anchor; a lost note or a missed write is made good by comparing
with the hub once; kill -9 mid-push converges on the next sync.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from codebench.coding.history import undo
from codebench.project import Project
from codebench.team.sync import NOTED, sync, waiting

from .test_kill import _hub_time, _kill_mid_sync, _sync_process


def hub_memos(hub, *, live: bool = True) -> list[tuple]:
    with hub.admin() as admin:
        where = " WHERE NOT deleted" if live else ""
        return sorted(
            tuple(r)
            for r in admin.execute(
                f"SELECT guid, text, segment_ordinal, coding_key FROM codebench.memos{where}"
            )
        )


def local_memos(project: Project) -> list[tuple]:
    return sorted(
        tuple(r)
        for r in project.db.execute(
            "SELECT m.guid, m.text, s.ordinal, CASE WHEN k.id IS NULL THEN NULL ELSE"
            " kc.guid || ':' || kd.guid || ':' || k.start_char || ':' || k.end_char END"
            " FROM memos m LEFT JOIN segments s ON s.id = m.segment_id"
            " LEFT JOIN codings k ON k.id = m.coding_id LEFT JOIN coders kc ON kc.id = k.coder_id"
            " LEFT JOIN codes kd ON kd.id = k.code_id"
        )
    )


def hub_statuses(hub) -> list[tuple]:
    with hub.admin() as admin:
        return sorted(
            tuple(r)
            for r in admin.execute(
                "SELECT c.name, s.status FROM codebench.statuses s JOIN codebench.coders c"
                " ON c.guid = s.coder_guid WHERE NOT s.deleted"
            )
        )


def _records_kept(project: Project) -> int:
    row = project.db.execute(
        "SELECT count(*) FROM sync_pushed WHERE kind IN ('memos', 'statuses')"
    ).fetchone()
    return int(row[0])


def _log_size(project: Project) -> int:
    return int(project.db.execute("SELECT count(*) FROM sync_row_log").fetchone()[0])


def test_edits_deletes_and_re_adds_of_memos_and_statuses_reach_the_hub(team) -> None:
    with Project.open(team.alice) as alice:
        for n in range(5):
            alice.add_memo("alice", f"note {n}", transcript="int1")
        alice.set_status("alice", "int1", "in-progress")
        first = sync(alice)
        assert first.pushed["memos"] == 5 and first.pushed["statuses"] == 1
        assert _records_kept(alice) == 0 and _log_size(alice) == 0 and waiting(alice) == 0
        assert hub_memos(team.hub) == local_memos(alice)
        memos = {m.text: m for m in alice.memos()}
        alice.update_memo("alice", memos["note 0"].id, "note 0, thought again")
        alice.update_memo("alice", memos["note 1"].id, "")  # emptied: deleted
        alice.update_memo("alice", memos["note 2"].id, "")
        undo(alice, "alice")  # note 2 comes back with its GUID: a re-add
        alice.set_status("alice", "int1", "done")
        result = sync(alice)
        # the edit, and the re-added memo (restored with a new time of change)
        assert result.pushed == {"codings": 0, "memos": 2, "statuses": 1, "saved_queries": 0}
        assert result.removed["memos"] == 1
        assert "note 2" in [m[1] for m in hub_memos(team.hub)]
        assert hub_memos(team.hub) == local_memos(alice)
        assert len(hub_memos(team.hub, live=False)) == 5  # note 1 is a tombstone
        assert hub_statuses(team.hub) == [("alice", "done")]
        assert _log_size(alice) == 0 and waiting(alice) == 0
        # a status cleared is a tombstone; set again, it comes back to life
        with alice.transaction():
            alice.db.execute("DELETE FROM coder_status")
        assert sync(alice).removed["statuses"] == 1 and hub_statuses(team.hub) == []
        alice.set_status("alice", "int1", "in-progress")
        assert sync(alice).pushed["statuses"] == 1
        assert hub_statuses(team.hub) == [("alice", "in-progress")]
    sync(team.lead)
    assert local_memos(team.lead) == hub_memos(team.hub)
    assert team.lead.status("alice", "int1") == "in-progress"


def test_a_memo_whose_coding_moves_goes_up_with_its_new_anchor(team) -> None:
    with Project.open(team.alice) as alice:
        alice.add_codings("alice", "01", "int1", [(0, 10)])
        coding = alice.codings(coders=["alice"])[0]
        alice.add_memo("alice", "On this coding.", coding=coding)
        sync(alice)
        with alice.transaction():  # as a correction's remap moves it
            alice.db.execute("UPDATE codings SET end_char = 12 WHERE id = ?", [coding.id])
        assert waiting(alice) == 3  # the coding (new key, old key gone) and its memo
        result = sync(alice)
        assert result.pushed["memos"] == 1
        (memo,) = hub_memos(team.hub)
        assert str(memo[3]).endswith(":0:12")
        assert hub_memos(team.hub) == local_memos(alice)


def test_a_lost_note_or_a_missed_write_is_made_good_by_comparing_with_the_hub(team) -> None:
    with Project.open(team.alice) as alice:
        alice.add_memo("alice", "kept", transcript="int1")
        alice.add_memo("alice", "to go", transcript="int1")
        sync(alice)
        gone = next(m for m in alice.memos() if m.text == "to go")
        with alice.transaction():  # a delete no trigger saw, and the log not trusted
            alice.db.execute("DROP TRIGGER sync_log_memos_del")
            alice.db.execute("DELETE FROM memos WHERE id = ?", [gone.id])
        assert _log_size(alice) == 0
        result = sync(alice)
        assert result.removed["memos"] == 1 and not result.pushed.get("memos")
        assert hub_memos(team.hub) == local_memos(alice)
        # as if a kill came after the hub committed and before the copy noted it: the whole
        # comparison sends nothing twice
        with alice.transaction():
            alice.db.execute("INSERT INTO sync_row_log (kind, key) SELECT 'memos', guid FROM memos")
            alice.db.execute("UPDATE meta SET value = '{}' WHERE key = ?", [NOTED])
        again = sync(alice)
        assert not again.pushed.get("memos") and not again.removed.get("memos")
        assert _log_size(alice) == 0


def test_a_memo_of_another_person_here_is_never_tombstoned(team) -> None:
    """Memos pulled from a released transcript are others'; the log leaves them alone."""
    with Project.open(team.bob) as bob:
        bob.add_memo("bob", "bob's", transcript="int1")
        sync(bob)
    from codebench.team.lead import release

    release(team.lead, ["int1"])
    with Project.open(team.alice) as alice:
        sync(alice)
        assert [m.text for m in alice.memos()] == ["bob's"]
        with alice.transaction():  # even if a write of it were logged here
            alice.db.execute("INSERT INTO sync_row_log (kind, key) SELECT 'memos', guid FROM memos")
        result = sync(alice)
        assert not any(result.removed.values())
    assert [m[1] for m in hub_memos(team.hub)] == ["bob's"]


def _memo_work(path: Path, rng: random.Random) -> None:
    with Project.open(path) as alice:
        for _ in range(60):
            alice.add_memo("alice", f"memo {rng.random():.6f}", transcript="int1")
        mine = alice.memos()
        for memo in rng.sample(mine, min(10, len(mine))):
            alice.update_memo("alice", memo.id, "")
        for memo in rng.sample(alice.memos(), 5):
            alice.update_memo("alice", memo.id, memo.text + " (edited)")
        alice.set_status("alice", "int1", rng.choice(["in-progress", "done"]))


@pytest.mark.slow
def test_kill_9_mid_push_of_memos_and_statuses_converges(team) -> None:
    rng = random.Random(2017)
    login = team.hub.login("alice")
    _memo_work(team.alice, rng)
    spread = 1.2 * _hub_time(team.alice, team.hub, login)
    for _ in range(4):
        before = hub_memos(team.hub)
        _memo_work(team.alice, rng)
        with Project.open(team.alice) as alice:
            after = local_memos(alice)
        _kill_mid_sync(_sync_process(team.alice), team.hub, login, rng, spread)
        assert hub_memos(team.hub) in (before, after)  # all of the push or none of it
    with Project.open(team.alice) as alice:
        sync(alice)
        assert waiting(alice) == 0
        final = local_memos(alice)
        status = alice.status("alice", "int1")
    assert hub_memos(team.hub) == final
    assert hub_statuses(team.hub) == [("alice", status)]
    sync(team.lead)
    assert local_memos(team.lead) == final
