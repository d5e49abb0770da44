"""The codings' change log: a first publish notes no record per coding, and every later
change of a published coding (edit, delete, re-add, a transcript deleted) still reaches the
hub; a publish killed with SIGKILL converges on the next one; publishing twice changes nothing.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from codebench.project import Project
from codebench.store import sync_sql
from codebench.team.copies import publish
from codebench.team.sync import sync, waiting

from .test_kill import _wait_for_backend_gone, _wait_for_hub
from .test_sync import hub_codings, local_codings, max_seq

REPO = Path(__file__).resolve().parents[2]


def _code_a_lot(project: Project, coder: str, count: int, seed: int) -> None:
    """``count`` distinct codings of ``coder`` on int1, through the ordinary coding action."""
    rng = random.Random(seed)
    length = len(project.text("int1"))
    codes = [c.number for c in project.codes() if c.number]
    by_code: dict[str, set[tuple[int, int]]] = {}
    made = 0
    while made < count:
        code = rng.choice(codes)
        start = rng.randrange(0, length - 2)
        span = (start, rng.randrange(start + 1, min(length, start + 60)))
        if span not in by_code.setdefault(code, set()):
            by_code[code].add(span)
            made += 1
    for code, spans in by_code.items():
        project.add_codings(coder, code, "int1", sorted(spans))


def _log_size(project: Project) -> int:
    row = project.db.execute("SELECT count(*) FROM sync_coding_log").fetchone()
    return int(row[0])


def _pushed_codings(project: Project) -> int:
    row = project.db.execute("SELECT count(*) FROM sync_pushed WHERE kind = 'codings'").fetchone()
    return int(row[0])


@pytest.fixture
def published(hub, interview: Project) -> Project:
    hub.add("lee", "lead")
    interview.coder("lee", create=True)
    _code_a_lot(interview, "lee", 300, seed=17)
    publish(interview, hub.url("lee"))
    return interview


def test_a_first_publish_notes_one_mark_not_a_record_per_coding(hub, published) -> None:
    lead = published
    assert hub_codings(hub, "lee") == local_codings(lead, "lee")
    assert len(local_codings(lead, "lee")) == 300
    assert _pushed_codings(lead) == 0 and _log_size(lead) == 0
    assert waiting(lead) == 0


def test_edits_deletes_and_re_adds_of_published_codings_all_reach_the_hub(hub, published) -> None:
    lead = published
    codings = lead.codings(coders=["lee"])
    edited, deleted, readded = codings[0], codings[1], codings[2]
    with lead.transaction():  # an edit of an old row (as a correction's remap does)
        lead.db.execute("UPDATE codings SET end_char = end_char + 1 WHERE id = ?", [edited.id])
    lead.remove_codings(
        "lee", lead.code_by_id(deleted.code_id), "int1", [(deleted.start, deleted.end)]
    )
    lead.remove_codings(
        "lee", lead.code_by_id(readded.code_id), "int1", [(readded.start, readded.end)]
    )
    lead.add_codings(
        "lee", lead.code_by_id(readded.code_id), "int1", [(readded.start, readded.end)]
    )
    assert waiting(lead) == 4  # the edit (its row, its old key), the delete, the re-add
    result = sync(lead)
    # On the hub: the edit's new key added, its old key and the deleted one tombstoned; the
    # re-added coding is sent, and equals the live row there (no tombstone in between).
    assert result.pushed["codings"] == 1 and result.removed["codings"] == 2
    assert hub_codings(hub, "lee") == local_codings(lead, "lee")
    gone = (lead.code_by_id(deleted.code_id).guid, deleted.start, deleted.end)
    assert ("lee", *gone) not in hub_codings(hub, "lee")
    assert ("lee", *gone) in hub_codings(hub, "lee", live=False)  # a tombstone
    assert _log_size(lead) == 0 and waiting(lead) == 0
    # A deleted and re-added coding went up live, once.
    back = (lead.code_by_id(readded.code_id).guid, readded.start, readded.end)
    assert hub_codings(hub, "lee").count(("lee", *back)) == 1


def test_publishing_twice_changes_nothing(hub, published) -> None:
    lead = published
    seq, rows = max_seq(hub), hub_codings(hub, live=False)
    again = publish(lead, hub.url("lee"))
    assert not any(again.pushed.values()) and not any(again.removed.values())
    assert hub_codings(hub, live=False) == rows and max_seq(hub) == seq


def test_a_lost_note_after_the_hub_committed_is_made_good_by_comparing_with_the_hub(
    hub, published
) -> None:
    lead = published
    lead.add_codings("lee", "01", "int1", [(1, 3)])
    first = lead.codings(coders=["lee"])[0]
    lead.remove_codings("lee", lead.code_by_id(first.code_id), "int1", [(first.start, first.end)])
    log = lead.db.execute("SELECT * FROM sync_coding_log").fetchall()
    sync(lead)
    seq = max_seq(hub)
    # As if the kill came after the hub committed, before the copy forgot its log and noted
    # the push: the log is back and the copy trusts it no more (a trigger "was missing").
    with lead.transaction():
        lead.db.conn.executemany(
            "INSERT INTO sync_coding_log VALUES (?, ?, ?, ?, ?, ?, ?)", [tuple(r) for r in log]
        )
        lead.db.execute("DROP TRIGGER sync_log_codings_ins")
    again = sync(lead)
    assert not any(again.pushed.values()) and not any(again.removed.values())
    assert max_seq(hub) == seq and hub_codings(hub, "lee") == local_codings(lead, "lee")
    assert _log_size(lead) == 0


def test_a_deleted_transcript_tombstones_its_codings_on_the_hub(hub, published) -> None:
    from codebench.store.transcripts import delete_transcript

    lead = published
    with lead.transaction():
        delete_transcript(lead.db, lead.transcript("int1").id)
    sync(lead)
    assert local_codings(lead, "lee") == [] and hub_codings(hub, "lee") == []
    assert len(hub_codings(hub, "lee", live=False)) == 300


def test_the_leads_sync_reads_only_the_codings_written_since(
    hub, published, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from codebench.design.assignments import assign
    from codebench.team.copies import clone

    lead = published
    hub.add("alice")
    lead.coder("alice", create=True)
    assign(lead, "alice", ["int1"])
    sync(lead)
    clone(hub.url("alice"), tmp_path / "alice.db", coder="alice")
    with Project.open(tmp_path / "alice.db") as alice:
        alice.add_codings("alice", "01", "int1", [(0, 10), (20, 30)])
        assert _log_size(alice) == 2
        sync(alice)
        assert _log_size(alice) == 0
    whole: list[int] = []
    real = sync_sql.coding_rows
    monkeypatch.setattr(
        sync_sql, "coding_rows", lambda db, owned: whole.append(1) or real(db, owned)
    )
    assert sync(lead).pulled == {"codings": 2}
    assert _log_size(lead) == 0  # others' codings pulled are not the lead's to push
    lead.add_codings("lee", "02", "int1", [(2, 9)])
    result = sync(lead)
    assert result.pushed["codings"] == 1 and whole == []  # not one comparison of all 300
    assert hub_codings(hub, "lee") == local_codings(lead, "lee")


def test_a_coder_the_lead_adds_later_has_all_their_codings_pushed(hub, published) -> None:
    lead = published
    lead.coder("consensus", create=True)
    lead.add_codings("consensus", "03", "int1", [(0, 5), (6, 12)])
    assert sync(lead).pushed["codings"] == 2
    assert hub_codings(hub, "consensus") == local_codings(lead, "consensus")


@pytest.mark.slow
def test_kill_9_mid_publish_leaves_the_hub_as_before_and_the_next_publish_converges(
    hub, interview: Project
) -> None:
    hub.add("lee", "lead")
    interview.coder("lee", create=True)
    _code_a_lot(interview, "lee", 3000, seed=23)
    path = Path(interview.path)
    interview.close()
    rng = random.Random(4)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    login = hub.login("lee")
    for _ in range(3):
        process = subprocess.Popen(
            [sys.executable, "-m", "codebench", "team", "publish", str(path), hub.url("lee")],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for_hub(process, hub, login)
        time.sleep(rng.uniform(0, 0.3))
        if process.poll() is not None:
            break  # it finished first: the hub has all of it (checked below)
        process.kill()
        process.wait()
        _wait_for_backend_gone(hub, login)
        assert len(hub_codings(hub, "lee")) in (0, 3000)  # none of the push or all of it
    with Project.open(path) as lead:
        publish(lead, hub.url("lee"))
        assert hub_codings(hub, "lee") == local_codings(lead, "lee")
        assert len(hub_codings(hub, "lee", live=False)) == 3000
        assert waiting(lead) == 0


def test_a_delete_the_log_missed_is_found_by_comparing_with_the_hub(hub, published) -> None:
    lead = published
    gone = lead.codings(coders=["lee"])[7]
    with lead.transaction():  # a write no trigger saw (a later step rebuilt the table, say)
        lead.db.execute("DROP TRIGGER sync_log_codings_del")
        lead.db.execute("DELETE FROM codings WHERE id = ?", [gone.id])
    assert _log_size(lead) == 0
    result = sync(lead)
    assert result.removed["codings"] == 1 and not any(result.pushed.values())
    assert hub_codings(hub, "lee") == local_codings(lead, "lee")
    assert len(local_codings(lead, "lee")) == 299


@pytest.mark.parametrize("whole", [False, True], ids=["by the log", "compared whole"])
def test_a_held_back_coding_goes_up_once_its_code_is_on_the_hub(team, whole: bool) -> None:
    from .conftest import code_made_in_copy

    with Project.open(team.alice) as alice:
        code_made_in_copy(alice, "My own idea")
        alice.add_codings("alice", "My own idea", "int1", [(0, 10)])
        # the code itself is a codebook edit the lead never received
        assert sync(alice).held_back == {"codings": 1, "codes": 1}
        if whole:  # the next push cannot trust the log: it compares with the hub
            with alice.transaction():
                alice.db.execute("DROP TRIGGER sync_log_codings_ins")
            assert sync(alice).held_back == {"codings": 1, "codes": 1}
        guid = alice.code("My own idea").guid
    assert hub_codings(team.hub, "alice") == []
    with team.hub.admin() as admin:  # the lead adopts that very code
        admin.execute(
            "INSERT INTO codebench.codes (guid, name) VALUES (%s, %s)", [guid, "My own idea"]
        )
    with Project.open(team.alice) as alice:
        result = sync(alice)
        assert result.held_back == {} and result.pushed["codings"] == 1
        assert result.replaced == {"codes": 1}  # the lead's row for the code is the one now
        assert hub_codings(team.hub, "alice") == local_codings(alice, "alice")
        assert waiting(alice) == 0
