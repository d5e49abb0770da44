"""Codebook edits in the core: add, edit, move, merge, archive, restore."""

from __future__ import annotations

from pathlib import Path

import pytest

from codebench.codebook import edits as edits
from codebench.codebook.format import default_codebook_path, load_codebook
from codebench.errors import CodebookError
from codebench.ids import stable_guid
from codebench.project import Project

TRANSCRIPT = (
    "Interviewer: Thanks for coming. What do you do?\n\n"
    "Ann: We run the community nursing service. We spun out in 2023. It was hard work.\n"
)


@pytest.fixture
def project(tmp_path: Path) -> Project:
    p = Project.init(tmp_path / "p.db", load_codebook(default_codebook_path()))
    source = tmp_path / "ann.txt"
    source.write_text(TRANSCRIPT, encoding="utf-8")
    p.import_files([source])
    yield p
    p.close()


def _events(project: Project, action: str) -> list:
    return project.events(actions=(action,))


def _count(project: Project, code: str) -> int:
    return len(project.codings(codes=[code]))


# ------------------------------------------------------------------ add


def test_add_child_gets_next_number_stable_guid_and_event(project: Project) -> None:
    code = edits.add_code(
        project,
        "alice",
        "  Digital   innovation ",
        parent="13",
        description="Apps and online tools",
    )
    assert (code.number, code.name, code.description) == (
        "13.5",
        "Digital innovation",
        "Apps and online tools",
    )
    assert code.parent_id == project.code("13").id
    assert code.position == 4
    assert code.guid == stable_guid("code", "Types of innovation", "Digital innovation")
    [event] = _events(project, "code.add")
    assert event.payload["guid"] == code.guid
    assert event.payload["parent"] == project.code("13").guid
    assert event.payload["after"]["name"] == "Digital innovation"
    assert event.coder_id == project.coder("alice").id


def test_add_top_level_and_without_number(project: Project) -> None:
    top = edits.add_code(project, "alice", "Workforce")
    assert (top.number, top.parent_id, top.position) == ("22", None, 21)
    bare = edits.add_code(project, "alice", "Loose ends", number="")
    assert bare.number is None
    assert edits.suggest_number(project, "12") == "12.1"
    assert edits.suggest_number(project, bare) is None


def test_add_refuses_duplicates_and_bad_values(project: Project) -> None:
    with pytest.raises(CodebookError, match="already a code named 'Service innovation'"):
        edits.add_code(project, "alice", "service INNOVATION", parent="13")
    with pytest.raises(CodebookError, match=r"number '04\.1' is already used"):
        edits.add_code(project, "alice", "Something", number="04.1")
    with pytest.raises(CodebookError, match="needs a name"):
        edits.add_code(project, "alice", "   ")
    with pytest.raises(CodebookError, match="#RRGGBB"):
        edits.add_code(project, "alice", "Pink", colour="pink")
    assert not _events(project, "code.add")
    assert len(project.codes()) == 35


def test_add_same_name_elsewhere_is_fine_and_guid_taken_falls_back(project: Project) -> None:
    first = edits.add_code(project, "alice", "Other", parent="13")
    edits.archive_code(project, "alice", first)
    edits.edit_code(project, "alice", first, name="Other (old)")
    second = edits.add_code(project, "alice", "Other", parent="13")
    assert second.guid != first.guid  # the derived GUID belongs to the renamed code
    elsewhere = edits.add_code(project, "alice", "Other", parent="14")
    assert elsewhere.parent_id == project.code("14").id


# ------------------------------------------------------------------ edit


def test_edit_renames_keeps_guid_and_logs_before_after(project: Project) -> None:
    code = project.code("13.2")
    edited = edits.edit_code(
        project, "alice", code, name="Process and pathway innovation", inclusion="New pathways"
    )
    assert edited.guid == code.guid
    assert project.code("13.2").name == "Process and pathway innovation"
    [event] = _events(project, "code.edit")
    assert event.payload == {
        "guid": code.guid,
        "before": {"name": code.name, "inclusion": code.inclusion},
        "after": {"name": "Process and pathway innovation", "inclusion": "New pathways"},
        # The version the edit left the codebook at (no codings yet: still the first).
        "codebook_version": 1,
    }


def test_edit_without_changes_writes_no_event(project: Project) -> None:
    code = project.code("04")
    edits.edit_code(project, "alice", code, name=code.name, description=code.description)
    assert not _events(project, "code.edit")


def test_edit_validates(project: Project) -> None:
    with pytest.raises(CodebookError, match="needs a name"):
        edits.edit_code(project, "alice", "04", name="")
    with pytest.raises(CodebookError, match="already a code named"):
        edits.edit_code(project, "alice", "13.1", name="Process innovation")
    with pytest.raises(CodebookError, match="number '05' is already used"):
        edits.edit_code(project, "alice", "04", number="05")
    with pytest.raises(CodebookError, match="cannot edit guid"):
        edits.edit_code(project, "alice", "04", guid="x")
    assert edits.edit_code(project, "alice", "04", colour="ff0000").colour == "#FF0000"
    assert edits.edit_code(project, "alice", "04.1", number="").number is None


# ------------------------------------------------------------------ move


def test_move_reparents_and_renumbers_positions(project: Project) -> None:
    code = project.code("13.2")
    moved = edits.move_code(project, "alice", code, project.code("12"))
    assert moved.parent_id == project.code("12").id and moved.position == 0
    assert [c.number for c in project.codes() if c.parent_id == project.code("13").id] == [
        "13.1",
        "13.3",
        "13.4",
    ]
    assert [c.position for c in project.codes() if c.parent_id == project.code("13").id] == [
        0,
        1,
        2,
    ]
    [event] = _events(project, "code.move")
    assert event.payload["before"] == {"parent": project.code("13").guid, "position": 1}
    assert event.payload["after"] == {"parent": project.code("12").guid, "position": 0}


def test_move_to_top_level_at_position_and_reorder(project: Project) -> None:
    edits.move_code(project, "alice", "13.4", None, position=0)
    assert project.codes()[0].number == "13.4"
    edits.move_code(project, "alice", "13.1", "13", position=2)
    children = [c.number for c in project.codes() if c.parent_id == project.code("13").id]
    assert children == ["13.2", "13.3", "13.1"]


def test_move_carries_subtree(project: Project) -> None:
    edits.move_code(project, "alice", "05", "04")
    assert project.code("05.2").parent_id == project.code("05").id
    assert [c.number for c in project.code_path(project.code("05.2"))] == ["04", "05", "05.2"]


def test_move_refuses_cycles_and_name_clashes(project: Project) -> None:
    with pytest.raises(CodebookError, match="below itself"):
        edits.move_code(project, "alice", "13", "13")
    with pytest.raises(CodebookError, match="below itself"):
        edits.move_code(project, "alice", "13", "13.2")
    edits.add_code(project, "alice", "Service innovation", parent="12")
    with pytest.raises(CodebookError, match="already a code named 'Service innovation'"):
        edits.move_code(project, "alice", "13.1", "12")
    assert not _events(project, "code.move")


# ------------------------------------------------------------------ merge


def test_merge_recodes_drops_duplicates_and_archives_source(project: Project) -> None:
    t = project.transcripts()[0]
    project.code_segments("alice", t, [2, 3], "13.2")
    project.code_segments("bob", t, [3], "13.2")
    project.code_segments("alice", t, [3, 4], "13.3")  # (alice, seg 3) is a duplicate after merging
    memo_id = project.add_memo(
        "alice", "why process?", coding=project.codings(coders=["alice"], codes=["13.2"])[1]
    )
    preview = edits.merge_preview(project, "13.2", "13.3")
    assert (preview.codings, preview.duplicates, preview.moved, preview.children) == (3, 1, 2, 0)

    moved = edits.merge_codes(project, "alice", "13.2", "13.3")

    assert moved == 2
    assert _count(project, "13.2") == 0
    assert {
        (project.coder("alice").id, 2),
        (project.coder("alice").id, 3),
        (project.coder("alice").id, 4),
        (project.coder("bob").id, 3),
    } == {
        (c.coder_id, next(s.ordinal for s in project.segments(t) if s.start == c.start))
        for c in project.codings(codes=["13.3"])
    }
    assert project.code("13.2").archived
    assert "13.2" not in [c.number for c in project.codes()]
    memo = next(m for m in project.memos() if m.id == memo_id)
    assert memo.code_id == project.code("13.3").id
    assert memo.coding_id in {c.id for c in project.codings(codes=["13.3"])}
    [event] = _events(project, "code.merge")
    assert event.payload["source"] == project.code("13.2").guid
    assert event.payload["target"] == project.code("13.3").guid
    assert (event.payload["moved"], event.payload["duplicates"]) == (2, 1)
    assert len(event.payload["codings"]) == 3
    assert {c["coder"] for c in event.payload["codings"]} == {
        project.coder("alice").guid,
        project.coder("bob").guid,
    }


def test_merge_moves_children_under_target(project: Project) -> None:
    t = project.transcripts()[0]
    project.code_segments("alice", t, [2], "05.1")
    edits.merge_codes(project, "alice", "05", "04")
    kids = [c.number for c in project.codes() if c.parent_id == project.code("04").id]
    assert kids == ["04.1", "04.2", "05.1", "05.2", "05.3"]
    assert _count(project, "05.1") == 1  # children keep their own codings
    assert project.code("05").archived and not project.code("05.1").archived


def test_merge_refusals(project: Project) -> None:
    with pytest.raises(CodebookError, match="into itself"):
        edits.merge_codes(project, "alice", "04", "04")
    with pytest.raises(CodebookError, match="own sub-code"):
        edits.merge_codes(project, "alice", "04", "04.1")
    edits.add_code(project, "alice", "Employee ownership and membership", parent="04")
    with pytest.raises(CodebookError, match="already has a sub-code"):
        edits.merge_codes(project, "alice", "05", "04")
    edits.archive_code(project, "alice", "06")
    with pytest.raises(CodebookError, match="archived"):
        edits.merge_codes(project, "alice", "07", "06")
    assert not _events(project, "code.merge")
    assert not project.code("05").archived


def test_merge_child_into_parent(project: Project) -> None:
    t = project.transcripts()[0]
    project.code_segments("alice", t, [2], "04.1")
    assert edits.merge_codes(project, "alice", "04.1", "04") == 1
    assert _count(project, "04") == 1


# ------------------------------------------------------------------ archive / restore


def test_archive_hides_subtree_keeps_codings_and_restore_brings_back(project: Project) -> None:
    t = project.transcripts()[0]
    project.code_segments("alice", t, [2, 3], "04.1")
    edits.archive_code(project, "alice", "04")
    active = [c.number for c in project.codes()]
    assert "04" not in active and "04.1" not in active and "04.2" not in active
    assert _count(project, "04.1") == 2
    with pytest.raises(Exception, match="archived"):
        project.code_segments("alice", t, [4], "04.1")
    with pytest.raises(CodebookError, match="parent"):
        edits.restore_code(project, "alice", "04.1")
    with pytest.raises(CodebookError, match="already archived"):
        edits.archive_code(project, "alice", "04")
    [event] = _events(project, "code.archive")
    assert event.payload["guid"] == project.code("04").guid
    assert len(event.payload["codes"]) == 3

    edits.restore_code(project, "alice", "04")
    assert {"04", "04.1", "04.2"} <= {c.number for c in project.codes()}
    [event] = _events(project, "code.restore")
    assert event.payload["after"] == {"archived": False}
    with pytest.raises(CodebookError, match="not archived"):
        edits.restore_code(project, "alice", "04")


def test_add_and_move_refuse_archived_parents(project: Project) -> None:
    edits.archive_code(project, "alice", "06")
    with pytest.raises(CodebookError, match="archived"):
        edits.add_code(project, "alice", "Sub", parent="06")
    with pytest.raises(CodebookError, match="archived"):
        edits.move_code(project, "alice", "07", "06")


def test_counts(project: Project) -> None:
    t = project.transcripts()[0]
    project.code_segments("alice", t, [2, 3], "04")
    project.code_segments("bob", t, [2], "04")
    code_id = project.code("04").id
    assert edits.coding_counts(project)[code_id] == 3
    assert edits.coding_counts(project, coder="bob")[code_id] == 1
    assert [c.number for c in edits.descendants(project, "05")] == ["05.1", "05.2", "05.3"]


def test_merge_is_one_transaction(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """A crash half-way through a merge (after recoding, before archiving) leaves nothing behind."""
    t = project.transcripts()[0]
    project.code_segments("alice", t, [2, 3], "05")
    before = project.codes(include_archived=True)

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(edits.code_sql, "set_archived", boom)
    with pytest.raises(RuntimeError):
        edits.merge_codes(project, "alice", "05", "04")
    assert project.codes(include_archived=True) == before
    assert _count(project, "05") == 2 and _count(project, "04") == 0
    assert not _events(project, "code.merge")
    assert project.db.conn.in_transaction is False


def test_move_to_where_it_already_is_records_nothing(project: Project) -> None:
    edits.move_code(project, "alice", "13.4", "13")
    edits.move_code(project, "alice", "13.1", "13", position=0)
    assert not _events(project, "code.move")
    assert [c.number for c in project.codes() if c.parent_id == project.code("13").id] == [
        "13.1",
        "13.2",
        "13.3",
        "13.4",
    ]
