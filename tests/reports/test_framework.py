"""The framework matrix: summaries stored per case × theme, passages read from the coding.

On the ``focus`` project (tests/reports/conftest.py), all coders pooled:
int1 × 08 has bob's segment 2 and alice's segments 2–3 (her codings of 2
and 3 join, consecutive): they overlap, so one passage 2–3 coded by both, as
a query counts it; int1 × 12 has alice's segment 5 and bob's 5–6: one passage
5–6. In fg1 alice coded 08 on segments 1 (P1) and 3 (P2): not consecutive, so
two passages, one per participant.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from codebench.analysis.framework import framework_matrix, render_framework, set_summary
from codebench.cli import cli
from codebench.errors import CodebenchError, NotFound
from codebench.project import Project


def cell(report, case: str, code: str):
    i = [r.name for r in report.rows].index(case)
    j = [c.number for c in report.codes].index(code)
    return report.cells[i][j]


def spans(c) -> list[tuple[int, int]]:
    return [(q.first_segment, q.last_segment) for q in c.passages]


def test_transcript_cases(focus: Project) -> None:
    set_summary(focus, "int1", "12", "New clinic read as innovation", "alice")
    report = framework_matrix(focus, codes=["08", "12"])
    assert [r.name for r in report.rows] == ["fg1", "int1", "int2", "int3"]
    assert [c.number for c in report.codes] == ["08", "12"]
    c = cell(report, "int1", "12")
    assert (c.summary, c.updated_by) == ("New clinic read as innovation", "alice")
    assert spans(c) == [(5, 6)]
    assert c.passages[0].coders == ["alice", "bob"]
    assert spans(cell(report, "int1", "08")) == [(2, 3)]
    assert spans(cell(report, "fg1", "08")) == [(1, 1), (3, 3)]
    assert cell(report, "int3", "08").passages == [] and cell(report, "int3", "08").summary == ""
    assert "1 of 8 cells summarised" in report.notes[1]


def test_a_cells_passages_are_the_querys(focus: Project) -> None:
    """Each cell holds as many passages, on the same segments, as ``query CODE`` finds there."""
    from codebench.analysis.query import run_query
    from codebench.analysis.scope import ScopeSpec

    report = framework_matrix(focus, ["all"], codes=["08", "12"])
    for number in ("08", "12"):
        found = run_query(focus, number, ScopeSpec(coders=("all",))).passages
        for case in report.rows:
            expected = [
                (p.first_segment, p.last_segment) for p in found if p.transcript == case.name
            ]
            assert spans(cell(report, case.name, number)) == expected, (case.name, number)


def test_an_interviewer_is_not_a_case(focus: Project) -> None:
    focus.db.execute("UPDATE segments SET codable = 0 WHERE speaker = 'P2'")
    with pytest.raises(CodebenchError, match=r"^fg1/P2: none of P2's turns are codable"):
        set_summary(focus, "fg1/P2", "08", "x")
    set_summary(focus, "fg1/P1", "08", "x")  # a participant who speaks still is
    assert focus.db.execute("SELECT count(*) FROM framework_cells").fetchone()[0] == 1


def test_participant_cases_and_events(focus: Project) -> None:
    set_summary(focus, "fg1/p1", "08", "Busy; lost staff")
    report = framework_matrix(focus, cases="participants", codes=["08"])
    assert [r.name for r in report.rows] == [
        "fg1/P1",
        "fg1/P2",
        "int1/Ann Lee",
        "int2/Bob Ray",
        "int3/Cat Orr",
    ]
    assert spans(cell(report, "fg1/P1", "08")) == [(1, 1)]
    assert spans(cell(report, "fg1/P2", "08")) == [(3, 3)]
    assert cell(report, "fg1/P1", "08").summary == "Busy; lost staff"
    assert cell(report, "fg1/P2", "08").summary == ""  # a participant's cell, not the transcript's
    assert framework_matrix(focus, codes=["08"]).cells[0][0].summary == ""
    set_summary(focus, "fg1/P1", "08", "Busy")
    set_summary(focus, "fg1/P1", "08", "")
    payloads = [
        json.loads(r[0])
        for r in focus.db.execute(
            "SELECT payload FROM events WHERE action = 'framework.set' ORDER BY id"
        )
    ]
    assert [(p["before"], p["after"]) for p in payloads] == [
        (None, "Busy; lost staff"),
        ("Busy; lost staff", "Busy"),
        ("Busy", None),
    ]
    assert focus.db.execute("SELECT count(*) FROM framework_cells").fetchone()[0] == 0


def test_unknown_case_or_code(focus: Project) -> None:
    with pytest.raises(NotFound, match="no transcript 'int9'"):
        set_summary(focus, "int9", "08", "x")
    with pytest.raises(NotFound, match=r"transcript 'fg1' has no speaker 'P7' \(speakers: "):
        set_summary(focus, "fg1/P7", "08", "x")
    with pytest.raises(NotFound):
        set_summary(focus, "int1", "99", "x")
    assert focus.db.execute("SELECT count(*) FROM framework_cells").fetchone()[0] == 0


def test_removing_a_transcript_removes_its_cells(focus: Project) -> None:
    set_summary(focus, "int3", "11", "Council still decides")
    set_summary(focus, "int1", "11", "Council")
    focus.remove_transcript("int3", force=True)
    rows = focus.db.execute("SELECT summary FROM framework_cells").fetchall()
    assert [r[0] for r in rows] == ["Council"]


def test_exports(focus: Project, tmp_path: Path) -> None:
    from docx import Document
    from openpyxl import load_workbook

    set_summary(focus, "int1", "08", "=1+1 staff losses")
    report = framework_matrix(focus, codes=["08", "12"])
    (tmp_path / "f.xlsx").write_bytes(render_framework(report, "xlsx"))  # type: ignore[arg-type]
    book = load_workbook(tmp_path / "f.xlsx")
    assert book.sheetnames[:3] == ["Framework", "Framework passages", "Framework cells"]
    sheet = book["Framework"]
    header = [c.value for c in sheet[1]]
    assert header[0] == "Case" and header[1].startswith("08 ") and header[2].startswith("12 ")
    int1 = next(c for c in sheet.iter_rows(values_only=True) if c[0] == "int1")
    assert int1[1] == "'=1+1 staff losses\n[1 passage, segments 2–3]"  # never a formula
    passages = list(book["Framework passages"].iter_rows(values_only=True))
    assert ("int1", "08") in {(r[0], r[1]) for r in passages[1:]}
    # 08: int1 1, fg1 2, int2 1 (bob's segment 1); 12: int1 1, int2 1 (alice's segment 3)
    assert len(passages) - 1 == (1 + 2 + 1) + (1 + 1)
    md = render_framework(report, "md")
    assert isinstance(md, str) and "## int1" in md and "\\=1+1 staff losses" in md
    (tmp_path / "f.docx").write_bytes(render_framework(report, "docx"))  # type: ignore[arg-type]
    text = {c.text for t in Document(tmp_path / "f.docx").tables for r in t.rows for c in r.cells}
    assert "=1+1 staff losses" in text


def test_cli(focus: Project, tmp_path: Path) -> None:
    focus.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(cli, ["-p", str(focus.path), "framework", *args])

    result = run("set", "fg1/P2", "08", "--summary", "Morale rose", "--coder", "alice")
    assert result.exit_code == 0, result.output
    assert "Wrote the summary of fg1/P2 under 08" in result.output
    result = run("show", "--by-participant", "--case", "fg1/P2", "--code", "08", "--passages")
    assert result.exit_code == 0, result.output
    assert "Morale rose" in result.output and "fg1, segment 3" in result.output
    result = run("export", "--by-participant", "--code", "08", "-o", str(tmp_path / "f.csv"))
    assert result.exit_code == 0, result.output
    lines = (tmp_path / "f.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "Case,Code,Theme,Summary,Passages,Segments,Written by,Written at"
    assert lines[2].startswith("fg1/P2,08,") and ",Morale rose,1,3,alice," in lines[2]
    result = run("export", "-o", str(tmp_path / "f.png"))
    assert result.exit_code != 0 and "cannot be written as png" in result.output
    result = run("set", "nope", "08", "--summary", "x")
    assert result.exit_code == 1 and result.output.startswith("Error: no transcript 'nope'")


def test_undo_and_redo_a_summary(focus: Project) -> None:
    from codebench.coding.history import redo, undo

    set_summary(focus, "fg1/P1", "08", "Busy", "alice")
    set_summary(focus, "fg1/P1", "08", "Busy; lost staff", "alice")

    def summary() -> str:
        return cell(
            framework_matrix(focus, cases="participants", codes=["08"]), "fg1/P1", "08"
        ).summary

    assert undo(focus, "alice") is not None and summary() == "Busy"
    assert undo(focus, "alice") is not None and summary() == ""
    assert redo(focus, "alice") is not None and summary() == "Busy"
    focus.remove_transcript("fg1", force=True)
    event = undo(focus, "alice")  # fg1's summaries went with it: the next undo is an older action
    assert event is not None and event.action != "framework.set"
