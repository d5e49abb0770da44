"""A coding session re-reads the file when another connection changed it (``PRAGMA data_version``)."""

from __future__ import annotations

from codebench.codebook import edits
from codebench.coding.session import CodingSession
from codebench.project import Project


def test_sync_picks_up_another_connections_codings_memos_status_and_codes(
    interview: Project,
) -> None:
    coder = interview.coder("alice", create=True)
    session = CodingSession(interview, coder, interview.transcript("int1"))
    assert session.sync() is False  # nothing changed: one pragma, nothing re-read
    session.apply([interview.code("04")], [1])
    assert session.sync() is False  # its own commits are already in memory
    with Project.open(interview.path) as other:
        other.code_segments("alice", "int1", [2], "05")
        other.add_memo("alice", "from elsewhere", segment=other.segment("int1", 2))
        other.set_status("alice", "int1", "done")
        edits.add_code(other, "alice", "Morale")
    assert session.progress()[0] == 1
    assert session.sync() is True
    assert session.progress()[0] == 2
    assert session.status == "done"
    assert session.own_memo(2) is not None
    assert "Morale" in [c.name for c in session.codes]
    assert [e.action for e in session.history.done][-1] == "code.add"
    assert session.sync() is False


def test_a_team_copys_bookkeeping_commit_is_not_re_read_but_any_work_is(
    interview: Project, monkeypatch
) -> None:
    """On a team copy (writes counted), a commit by another connection that wrote none of the
    counted tables nor an event (a background sync noting a push) leaves the session as it is;
    a coding, memo, status or code written elsewhere, before or after the session's own work,
    is re-read as ever."""
    from codebench.store.migrations import ensure_change_counters
    from codebench.store.settings import set_meta

    with interview.transaction():
        ensure_change_counters(interview.db)
    coder = interview.coder("alice", create=True)
    session = CodingSession(interview, coder, interview.transcript("int1"))
    reloads: list[int] = []
    real = session.reload
    monkeypatch.setattr(session, "reload", lambda: (reloads.append(1), real())[1])

    def bookkeeping(value: str) -> None:
        with Project.open(interview.path) as other, other.transaction():
            set_meta(other.db, "team.noted", value)
            other.db.execute(
                "INSERT OR REPLACE INTO sync_pushed (kind, key, digest) VALUES ('codings', ?, ?)",
                [value, value],
            )

    bookkeeping("1")
    assert session.sync() is False and reloads == []
    session.apply([interview.code("04")], [1])  # its own work, then the sync notes it
    bookkeeping("2")
    assert session.sync() is False and reloads == []
    with Project.open(interview.path) as other:
        other.code_segments("alice", "int1", [2], "05")
    assert session.sync() is True and session.progress()[0] == 2
    # another window's work after the session's own, then a bookkeeping commit: re-read
    session.apply([interview.code("04")], [3])
    with Project.open(interview.path) as other:
        other.set_status("alice", "int1", "done")
    bookkeeping("3")
    assert session.sync() is True and session.status == "done"
    assert len(reloads) == 2
    # a solo project (no counters) re-reads on every outside commit, as before
    with interview.transaction():
        interview.db.execute("DROP TABLE sync_counters")
    solo = CodingSession(interview, coder, interview.transcript("int1"))
    bookkeeping("4")
    assert solo.sync() is True
