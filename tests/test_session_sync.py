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
