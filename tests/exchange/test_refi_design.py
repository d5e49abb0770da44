"""Done statuses and assignments survive a REFI-QDA export and import (issue 12, point 9)."""

from __future__ import annotations

import io
import json
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from codebench.agreement.report import agreement_report
from codebench.codebook.format import default_codebook_path, load_codebook
from codebench.design.assignments import assign, assignments
from codebench.exchange.qdpx.design_note import NOTE_NAME
from codebench.exchange.qdpx.project import build_refi_project, export_qdpx, import_qdpx
from codebench.exchange.refi import project_to_qde, write_project
from codebench.project import Project

SCHEMAS = Path(__file__).resolve().parents[1] / "data" / "refi-qda-xsd"


@pytest.fixture
def coded(project: Project, write_interview) -> Project:
    assert project.import_files([write_interview(t, tag=t) for t in ("t1", "t2")]).ok
    for t in ("t1", "t2"):
        project.code_segments("alice", t, [1, 2, 3], "02")
        project.code_segments("bob", t, [2, 3, 4], "02")
        project.set_status("alice", t, "done")
    project.set_status("bob", "t1", "done")
    project.set_status("bob", "t2", "in-progress")
    assign(project, "alice", ["t1", "t2"])
    assign(project, "bob", ["t1"], segments=[(1, 3), (6, 7)])
    assign(project, "bob", ["t2"])
    return project


def statuses(p: Project) -> dict[tuple[str, str], str]:
    names = {c.id: c.name for c in p.coders()}
    ts = {t.id: t.name for t in p.transcripts()}
    return {(names[k], ts[t]): s for (k, t), s in p.statuses().items()}


def test_statuses_and_assignments_round_trip(coded: Project, tmp_path: Path) -> None:
    path = tmp_path / "study.qdpx"
    export_qdpx(coded, path)
    fresh = Project.init(tmp_path / "copy.db", load_codebook(default_codebook_path()))
    report = import_qdpx(fresh, path)
    assert report.statuses_set == 4 and report.assignments_set == 4
    assert any("4 coder statuses, 4 assignments" in line for line in report.lines())
    assert statuses(fresh) == statuses(coded)
    assert [(a.coder.name, a.transcript.name, a.segments) for a in assignments(fresh)] == [
        (a.coder.name, a.transcript.name, a.segments) for a in assignments(coded)
    ]
    # The note is not imported as a memo.
    assert fresh.memos() == []
    # Agreement on the imported project: the same figures, not rows of "undefined".
    before = agreement_report(coded, codes=["02"], bootstrap=0)
    after = agreement_report(fresh, codes=["02"], bootstrap=0)
    assert after["codes"][0]["krippendorff_alpha"]["value"] is not None
    assert after["codes"] == before["codes"]
    assert after["transcripts"] == before["transcripts"]
    # Importing again changes nothing.
    again = import_qdpx(fresh, path)
    assert again.statuses_set == 0
    fresh.close()


def test_the_note_is_schema_valid_and_readable_elsewhere(coded: Project, tmp_path: Path) -> None:
    xmlschema = pytest.importorskip("xmlschema")
    refi = build_refi_project(coded)
    note = next(n for n in refi.notes if n.name == NOTE_NAME)
    assert note.guid in refi.note_refs  # a note on the project as a whole
    body = json.loads(note.text)
    assert body["schema"] == "codebench.design/1"
    assert {"user", "source", "status"} <= set(body["statuses"][0])
    xmlschema.XMLSchema(str(SCHEMAS / "Project-mrt2019.xsd")).validate(
        io.BytesIO(project_to_qde(refi))
    )
    # One coder's export carries only that coder's statuses.
    alone = next(
        n for n in build_refi_project(coded, coders=["alice"]).notes if n.name == NOTE_NAME
    )
    users = {s["user"] for s in json.loads(alone.text)["statuses"]}
    assert users == {coded.coder("alice").guid}


def test_a_hostile_design_note_is_checked_entry_by_entry(coded: Project, tmp_path: Path) -> None:
    refi = build_refi_project(coded)
    note = next(n for n in refi.notes if n.name == NOTE_NAME)
    body = json.loads(note.text)
    body["statuses"].append(
        {"user": "nobody", "source": body["statuses"][0]["source"], "status": "done"}
    )
    body["statuses"].append({"user": body["statuses"][0]["user"], "source": "x", "status": "done"})
    body["statuses"].append({**body["statuses"][0], "status": "'; DROP TABLE coders"})
    body["assignments"].append({**body["assignments"][0], "segments": [[5, 2]]})
    body["assignments"].append({**body["assignments"][0], "segments": [[0, 9999]]})
    body["assignments"].append("not an object")
    notes = [replace(n, text=json.dumps(body)) if n.name == NOTE_NAME else n for n in refi.notes]
    path = tmp_path / "hostile.qdpx"
    write_project(replace(refi, notes=notes), path)
    fresh = Project.init(tmp_path / "copy.db", load_codebook(default_codebook_path()))
    report = import_qdpx(fresh, path)
    assert report.statuses_set == 4 and report.assignments_set == 4
    assert any("6 coder status or assignment" in line for line in report.skipped)
    conn = sqlite3.connect(fresh.path)
    assert conn.execute("SELECT count(*) FROM coders").fetchone()[0] >= 2
    conn.close()
    fresh.close()
    # A note with the name but not the schema is an ordinary memo.
    plain = [replace(n, text="just a memo") if n.name == NOTE_NAME else n for n in refi.notes]
    other = tmp_path / "plain.qdpx"
    write_project(replace(refi, notes=plain), other)
    with Project.init(tmp_path / "third.db", load_codebook(default_codebook_path())) as third:
        result = import_qdpx(third, other)
        assert result.memos_added == 1 and result.statuses_set == 0


def test_the_export_summary_counts_memos_not_the_design_note(
    coded: Project, tmp_path: Path
) -> None:
    """The note carrying statuses and assignments is not one of the project's memos."""
    coded.add_memo("alice", "A memo of alice's.", transcript="t1")
    summary = export_qdpx(coded, tmp_path / "study.qdpx")
    assert summary.memos == len(coded.memos()) == 1
    assert "1 memo," in summary.lines()[0]
