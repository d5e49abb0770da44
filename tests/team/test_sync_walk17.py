"""Sync defects an outside walk found (issue 17): a held lock, a merged team copy, the wording."""

from __future__ import annotations

import time
from pathlib import Path

from click.testing import CliRunner

from codebench.cli.app import cli
from codebench.exchange.merge.run import merge
from codebench.project import Project
from codebench.team.hub_schema import CHANGE_LOCK
from codebench.team.sync import SyncResult, describe, sync


def test_a_sync_waits_a_bounded_time_on_a_held_change_lock_then_says_the_hub_is_busy(
    team, monkeypatch
) -> None:
    with Project.open(team.alice) as alice:
        alice.add_codings("alice", "01", "int1", [(0, 10)])
    monkeypatch.setenv("CODEBENCH_HUB_WAIT", "1")
    with team.hub.connect_as("bob") as bob:  # a member holding the lock on purpose, with psql
        bob.execute("SELECT pg_advisory_lock(%s)", [CHANGE_LOCK])
        started = time.monotonic()
        result = CliRunner().invoke(cli, ["sync", str(team.alice)])
        took = time.monotonic() - started
        assert result.exit_code != 0 and "Traceback" not in result.output
        (line,) = result.output.strip().splitlines()
        assert "the hub is busy: another sync holds its change lock (waited 1 s); try again" in line
        assert took < 20, took
        bob.execute("SELECT pg_advisory_unlock(%s)", [CHANGE_LOCK])
    with Project.open(team.alice) as alice:  # nothing was lost: it goes up now
        assert sync(alice).pushed["codings"] == 1


def test_a_merge_does_not_copy_a_team_copys_sync_identity_and_says_so(team, tmp_path: Path) -> None:
    merged = Project.init(tmp_path / "merged.db")
    try:
        report = merge(merged, [team.alice])
        assert [
            k for (k,) in merged.db.execute("SELECT key FROM meta WHERE key LIKE 'team.%'")
        ] == []
        (source,) = report.sources
        assert not any("team." in c for c in source.conflicts)
        assert any("is a team copy: its sync settings (team.*" in n for n in source.notes)
        assert any("note:" in line and "team copy" in line for line in source.lines())
    finally:
        merged.close()


def test_sync_lines_word_each_count_and_put_each_note_on_its_own_line() -> None:
    result = SyncResult(
        pushed={"codings": 1, "memos": 1, "statuses": 1},
        removed={"codings": 2},
        pulled={"rounds": 1, "saved_queries": 1, "speaker_attributes": 3},
        held_back={"codings": 1},
        notes=["recoded 1 coding from 01 a to 02 b: merged by the lead.", "int1: note two."],
    )
    first, *notes = describe(result).splitlines()
    assert first.startswith(
        "pushed 1 coding, 1 memo, 1 status; removed 2 codings; "
        "pulled 1 round, 1 saved query, 3 participant attributes; held back 1 coding ("
    )
    assert notes == result.notes


def test_a_real_sync_says_1_coding_and_1_memo(team) -> None:
    with Project.open(team.alice) as alice:
        alice.add_codings("alice", "01", "int1", [(0, 10)])
        alice.add_memo("alice", "One thought.", transcript="int1")
        assert describe(sync(alice)) == "pushed 1 coding, 1 memo"


def test_the_leads_pull_after_a_release_brings_nothing_it_holds_and_removals_count_apart(
    team,
) -> None:
    import json

    from codebench.team.lead import release

    with Project.open(team.alice) as alice:
        alice.add_codings("alice", "01", "int1", [(0, 10), (20, 30), (40, 50)])
        sync(alice)
    assert sync(team.lead).pulled["codings"] == 3
    assert release(team.lead, ["int1"]) == ["int1"]
    after = sync(team.lead)
    assert after.pulled.get("codings", 0) == 0, describe(after)  # it held them all along
    assert len(team.lead.codings(coders=["alice"])) == 3
    with Project.open(team.alice) as alice:
        alice.remove_codings("alice", "01", "int1", [(20, 30)])
        assert sync(alice).removed["codings"] == 1
    result = CliRunner().invoke(cli, ["sync", str(team.lead.path), "--json"])
    assert result.exit_code == 0, result.output
    moved = json.loads(result.output)
    assert moved["removed_here"] == {"codings": 1}
    assert moved["pulled"].get("codings", 0) == 0
    with Project.open(team.bob) as bob:  # a coder's pull of the release: alice's two live codings
        line = describe(sync(bob))
        assert "pulled " in line and "2 codings" in line and "removed here" not in line, line
    with Project.open(team.alice) as alice:
        alice.remove_codings("alice", "01", "int1", [(40, 50)])
        sync(alice)
    with Project.open(team.bob) as bob:
        line = describe(sync(bob))
        assert line == "removed here 1 coding (removed on the hub)", line
