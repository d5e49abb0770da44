"""Removing a transcript: the library call, the command, and what undo and merge make of it."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from codebench.cli import cli
from codebench.coding.actions import History, undo
from codebench.errors import CodebenchError
from codebench.exchange.merge.run import merge
from codebench.project import Project

CONTENT = ("segments", "codings", "memos", "attributes", "coder_status")


@pytest.fixture
def two(interview: Project, write_transcript) -> Project:
    """``int1`` and ``int2``, both coded by alice; int2 also by bob, with memos, attributes, statuses."""
    p = interview
    path = write_transcript("int2.txt", "Interviewer: And money?\nBo Chan: Tight. Very tight.\n")
    assert p.import_files([path]).ok
    p.code_segments("alice", "int1", [1, 2], "04")
    p.code_segments("alice", "int2", [1], "04")
    p.code_segments("bob", "int2", [1, 2], "05")
    p.add_memo("bob", "tone?", segment=p.segment("int2", 1))
    p.add_memo("alice", "on the coding", coding=p.codings(transcript="int2", coders=["alice"])[0])
    p.set_attributes("int2", {"role": "CFO"})
    p.set_status("bob", "int2", "done")
    return p


def rows_of(project: Project, transcript_id: int) -> dict[str, int]:
    return {
        table: project.db.execute(
            f"SELECT count(*) FROM {table} WHERE transcript_id = ?", [transcript_id]
        ).fetchone()[0]
        for table in CONTENT
    }


def test_other_coders_codings_refuse_the_removal_and_nothing_changes(two: Project) -> None:
    t = two.transcript("int2")
    before = rows_of(two, t.id)
    events = len(two.events())
    with pytest.raises(CodebenchError, match=r"codings by bob \(2\).*--force"):
        two.remove_transcript("int2", coder="alice")
    with pytest.raises(CodebenchError, match=r"codings by alice \(1\), bob \(2\)"):
        two.remove_transcript("int2")
    assert rows_of(two, t.id) == before and len(two.events()) == events
    assert two.transcript("int2").id == t.id


def test_forced_removal_takes_everything_in_one_logged_action(two: Project) -> None:
    t = two.transcript("int2")
    events_before = two.events()
    removal = two.remove_transcript("int2", coder="alice", force=True)
    assert removal.codings == {"alice": 1, "bob": 2} and removal.memos == 2
    assert rows_of(two, t.id) == dict.fromkeys(CONTENT, 0)
    assert [x.name for x in two.transcripts()] == ["int1"]
    events = two.events()
    # The log only grew: earlier events stay, no longer pointing at the transcript.
    assert [e.guid for e in events[:-1]] == [e.guid for e in events_before]
    assert all(e.transcript_id != t.id for e in events)
    last = events[-1]
    assert last.action == "transcript.remove" and last.coder_id == two.coder("alice").id
    assert last.payload["transcript"] == t.guid and last.payload["codings"] == removal.codings
    assert last.payload["forced"] is True
    # int1 is untouched, and the file imports again, without codings.
    assert len(two.codings(transcript="int1")) == 2


def test_the_event_log_stays_append_only(two: Project) -> None:
    two.remove_transcript("int2", force=True)
    db = two.db
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("UPDATE events SET payload = '{}'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("UPDATE events SET transcript_id = 1 WHERE transcript_id IS NULL")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("DELETE FROM events")


def test_undo_after_a_removal_reverts_the_coders_last_action_still_there(two: Project) -> None:
    """alice's last action was on int2; once int2 is gone, undo reverts her int1 action."""
    two.remove_transcript("int2", coder="alice", force=True)
    history = History.load(two, "alice")
    assert [r["transcript"] for e in history.done for r in e.payload["codings"]] == [
        two.transcript("int1").guid
    ] * 2
    reverted = undo(two, "alice")
    assert reverted is not None and two.codings(transcript="int1") == []


def invoke(db: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-p", str(db), *args], catch_exceptions=False)


def test_cli_remove_transcript(two: Project) -> None:
    db = two.path
    two.close()
    refused = invoke(db, "remove-transcript", "--coder", "alice", "int2")
    assert refused.exit_code == 1 and refused.output.count("\n") == 1
    assert "codings by bob (2)" in refused.output and "--force" in refused.output
    done = invoke(db, "remove-transcript", "--coder", "alice", "int2", "--force")
    assert done.exit_code == 0, done.output
    assert done.output.startswith("removed int2: 3 segments, 3 codings (alice 1, bob 2), 2 memos")
    mine = invoke(db, "remove-transcript", "--coder", "alice", "int1")  # only alice coded it
    assert mine.exit_code == 0, mine.output
    gone = invoke(db, "remove-transcript", "int1")
    assert gone.exit_code == 1 and "no transcript 'int1'" in gone.output


def test_merge_keeps_a_transcript_a_source_removed_and_says_so(
    two: Project, tmp_path: Path
) -> None:
    two.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    source = tmp_path / "alice.db"
    shutil.copy(two.path, source)
    with Project.open(source) as alice:
        alice.remove_transcript("int2", force=True)
        alice.code_segments("alice", "int1", [3], "04")
    report = merge(two, [source])
    (one,) = report.sources
    assert one.refused is None and report.ok
    assert [t.name for t in two.transcripts()] == ["int1", "int2"]
    assert any("removed is still here: int2" in line for line in one.conflicts), one.conflicts
    assert len(two.codings(transcript="int1", coders=["alice"])) == 3
    copied = [e for e in two.events() if e.action == "transcript.remove"]
    assert len(copied) == 1 and copied[0].transcript_id is None
    # The other way round: merging brings the transcript back to the file that removed it.
    with Project.open(source) as alice:
        assert merge(alice, [two.path]).ok
        assert [t.name for t in alice.transcripts()] == ["int1", "int2"]
