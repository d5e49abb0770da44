"""Undo and redo over every action a coder takes, in exact reverse order, per coder, across restarts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from codebench.codebook import edits
from codebench.coding.correction import correct_segment, correct_text
from codebench.coding.history import History, redo, undo
from codebench.errors import CodebenchError
from codebench.project import Project


def state(project: Project) -> dict[str, Any]:
    """Everything an action may change, read from the database (ids replaced by GUIDs)."""
    db = project.db
    return {
        "text": db.execute("SELECT name, text, sha256 FROM transcripts ORDER BY name").fetchall(),
        "segments": db.execute(
            "SELECT transcript_id, ordinal, start_char, end_char FROM segments ORDER BY id"
        ).fetchall(),
        "codings": sorted(
            db.execute(
                "SELECT k.name, c.guid, t.name, g.start_char, g.end_char FROM codings g"
                " JOIN coders k ON k.id = g.coder_id JOIN codes c ON c.id = g.code_id"
                " JOIN transcripts t ON t.id = g.transcript_id"
            ).fetchall()
        ),
        "memos": sorted(
            db.execute(
                "SELECT m.guid, m.text, k.name, m.transcript_id, s.ordinal, c.guid,"
                " g.start_char, g.end_char FROM memos m LEFT JOIN coders k ON k.id = m.author_id"
                " LEFT JOIN segments s ON s.id = m.segment_id LEFT JOIN codes c ON c.id = m.code_id"
                " LEFT JOIN codings g ON g.id = m.coding_id"
            ).fetchall(),
            key=repr,
        ),
        "status": sorted(
            db.execute(
                "SELECT k.name, t.name, s.status FROM coder_status s"
                " JOIN coders k ON k.id = s.coder_id JOIN transcripts t ON t.id = s.transcript_id"
            ).fetchall()
        ),
        "codes": sorted(
            db.execute(
                "SELECT c.guid, c.name, c.number, c.description, p.guid, c.position, c.archived"
                " FROM codes c LEFT JOIN codes p ON p.id = c.parent_id"
            ).fetchall(),
            key=repr,
        ),
    }


def seg(project: Project, ordinal: int) -> tuple[int, int]:
    s = project.segment("int1", ordinal)
    return s.start, s.end


def memo_id(project: Project, text: str) -> int:
    return next(m.id for m in project.memos() if m.text == text)


#: One coder's day, every kind of action; each step takes the project.
STEPS: list[tuple[str, Callable[[Project], object]]] = [
    ("code a segment", lambda p: p.code_segments("alice", "int1", [1], "04")),
    (
        "code a word span",
        lambda p: p.add_codings("alice", "05", "int1", [(seg(p, 2)[0], seg(p, 2)[0] + 6)]),
    ),
    (
        "memo on a segment",
        lambda p: p.add_memo("alice", "first thought", segment=p.segment("int1", 1)),
    ),
    (
        "memo on a coding",
        lambda p: p.add_memo(
            "alice", "why 04", coding=p.codings(coders=["alice"], codes=["04"])[0]
        ),
    ),
    (
        "edit a memo",
        lambda p: p.update_memo("alice", memo_id(p, "first thought"), "second thought"),
    ),
    (
        "correct a segment's text",
        lambda p: correct_segment(p, "int1", 2, "We lost our two managers.", "alice"),
    ),
    ("status done", lambda p: p.set_status("alice", "int1", "done")),
    ("add a code", lambda p: edits.add_code(p, "alice", "Morale", parent="04")),
    (
        "rename a code",
        lambda p: edits.edit_code(
            p, "alice", "Morale", name="Staff morale", description="how staff feel"
        ),
    ),
    ("move a code", lambda p: edits.move_code(p, "alice", "Staff morale", None)),
    ("archive a code", lambda p: edits.archive_code(p, "alice", "06")),
    ("delete a memo", lambda p: p.update_memo("alice", memo_id(p, "second thought"), "")),
    (
        "remove a coding with a memo on it",
        lambda p: p.uncode_segments("alice", "int1", [1], "04"),
    ),
    ("restore a code", lambda p: edits.restore_code(p, "alice", "06")),
    ("status back", lambda p: p.set_status("alice", "int1", "in-progress")),
    ("code 14 for a merge", lambda p: p.code_segments("alice", "int1", [3, 4], "14")),
    ("code 07 where 14 is", lambda p: p.code_segments("alice", "int1", [3], "07")),
    (
        "memo on a coding to be merged",
        lambda p: p.add_memo(
            "alice", "14 here", coding=p.codings(coders=["alice"], codes=["14"])[-1]
        ),
    ),
    (
        "memo on a duplicate to be dropped",
        lambda p: p.add_memo(
            "alice", "14 twice", coding=p.codings(coders=["alice"], codes=["14"])[0]
        ),
    ),
    ("memo on the code", lambda p: p.add_memo("alice", "about 14", code="14")),
    ("merge 14 (with sub-codes) into 07", lambda p: edits.merge_codes(p, "alice", "14", "07")),
    ("code two segments", lambda p: p.code_segments("alice", "int1", [2, 4], "13.2")),
    (
        "correct the whole text",
        lambda p: correct_text(
            p, "int1", p.text("int1").replace("council", "city council"), "alice"
        ),
    ),
]


def test_a_mixed_day_undoes_and_redoes_in_exact_reverse_order_across_a_restart(
    interview: Project,
) -> None:
    project = interview
    path = project.path
    project.code_segments("bob", "int1", [1], "05")  # another coder: never undone
    project.code_segments("bob", "int1", [6], "14")  # moved by alice's merge, and back by its undo
    snapshots = [state(project)]
    for _, step in STEPS:
        step(project)
        snapshots.append(state(project))
    assert len({repr(s) for s in snapshots}) == len(snapshots), "every step changes something"

    history = History.load(project, "alice")
    half = len(STEPS) // 2
    for index in range(len(STEPS), half, -1):
        undone = undo(project, "alice", history)
        assert undone is not None
        assert state(project) == snapshots[index - 1], f"undo of {STEPS[index - 1][0]}"
    project.close()

    # A restart: the history is rebuilt from the log alone.
    with Project.open(path) as reopened:
        for index in range(half, 0, -1):
            assert undo(reopened, "alice") is not None
            assert state(reopened) == snapshots[index - 1], f"undo of {STEPS[index - 1][0]}"
        assert undo(reopened, "alice") is None  # bob's codings stay
        assert {k for k, *_ in state(reopened)["codings"]} == {"bob"}
        history = History.load(reopened, "alice")
        for index in range(1, len(STEPS) + 1):
            assert redo(reopened, "alice", history) is not None
            assert state(reopened) == snapshots[index], f"redo of {STEPS[index - 1][0]}"
        assert redo(reopened, "alice", history) is None


def test_undo_is_per_coder(interview: Project) -> None:
    interview.code_segments("alice", "int1", [1], "04")
    interview.add_memo("bob", "bob's note", segment=interview.segment("int1", 2))
    interview.set_status("bob", "int1", "done")
    before_bob = state(interview)
    undone = undo(interview, "alice")
    assert undone is not None and undone.action == "coding.add"
    after = state(interview)
    assert after["memos"] == before_bob["memos"] and after["status"] == before_bob["status"]
    assert not [c for c in after["codings"] if c[0] == "alice"]


def test_the_status_a_first_coding_sets_goes_with_it(interview: Project) -> None:
    """The workbench's automatic 'in progress' is not an action of its own to undo."""
    from codebench.coding.session import CodingSession

    coder = interview.coder("alice", create=True)
    session = CodingSession(interview, coder, interview.transcript("int1"))
    session.apply([interview.code("04")], [1])
    assert interview.status("alice", "int1") == "in-progress"
    outcome = session.undo()
    assert "undid add 04" in outcome.message
    assert not interview.codings(coders=["alice"])
    assert interview.status("alice", "int1") == session.status == "not-started"
    session.redo()
    assert interview.status("alice", "int1") == session.status == "in-progress"


def test_two_windows_of_one_coder_undo_in_the_order_the_coder_acted(interview: Project) -> None:
    """Window A codes, window B (another connection) writes a memo; A's undo takes the memo first."""
    a = History.load(interview, interview.coder("alice", create=True))
    interview.code_segments("alice", "int1", [1], "04")
    with Project.open(interview.path) as other:
        b = History.load(other, "alice")
        other.add_memo("alice", "from window b", segment=other.segment("int1", 2))
        assert [e.action for e in b.done] == ["coding.add"]  # the memo came after B looked
    first = undo(interview, "alice", a)
    assert first is not None and first.action == "memo.add"
    assert interview.memos() == [] and interview.codings(coders=["alice"])
    with Project.open(interview.path) as other:
        b = History.load(other, "alice")
        second = undo(other, "alice", b)
        assert second is not None and second.action == "coding.add"
    assert interview.codings(coders=["alice"]) == []


def test_undoing_a_code_someone_has_used_since_is_refused_cleanly(interview: Project) -> None:
    edits.add_code(interview, "alice", "Morale")
    interview.code_segments("bob", "int1", [1], "Morale")
    before = state(interview)
    with pytest.raises(CodebenchError, match="cannot undo adding"):
        undo(interview, "alice")
    assert state(interview) == before


def test_a_merge_logged_before_undo_covered_merges_is_final_and_says_so(
    interview: Project,
) -> None:
    from codebench.store import events as event_sql

    interview.code_segments("alice", "int1", [1], "06")
    k = interview.coder("alice")
    with interview.transaction():  # the payload merges had before (no duplicate_codings)
        event_sql.log(
            interview.db,
            "code.merge",
            {"source": interview.code("06").guid, "target": interview.code("05").guid},
            coder_id=k.id,
        )
    before = state(interview)
    with pytest.raises(CodebenchError, match="final"):
        undo(interview, "alice")
    assert state(interview) == before


def test_an_edit_undone_keeps_what_another_coder_changed_since(interview: Project) -> None:
    edits.edit_code(interview, "alice", "04", name="Money", description="cash")
    edits.edit_code(interview, "bob", "Money", description="funding")
    undo(interview, "alice")
    code = interview.code("04")
    assert code.name != "Money" and code.description == "funding"


def test_old_memo_deletions_without_their_target_are_passed_over(
    tmp_path: Path, interview: Project
) -> None:
    """A deletion logged before deletions kept the target cannot be restored: undo skips it."""
    from codebench.store import events as event_sql

    interview.code_segments("alice", "int1", [1], "04")
    k = interview.coder("alice")
    with interview.transaction():
        event_sql.log(interview.db, "memo.delete", {"guid": "x", "previous": "gone"}, coder_id=k.id)
    undone = undo(interview, "alice")
    assert undone is not None and undone.action == "coding.add"


def test_an_older_logs_automatic_in_progress_goes_with_its_coding(interview: Project) -> None:
    """Before the ``auto`` mark, the workbench logged its "in progress" as a plain status change."""
    interview.code_segments("alice", "int1", [1], "04")
    interview.set_status("alice", "int1", "in-progress")  # as the workbench did, unmarked
    undone = undo(interview, "alice")
    assert undone is not None and undone.action == "coding.add"
    assert interview.status("alice", "int1") == "not-started"
    assert undo(interview, "alice") is None
