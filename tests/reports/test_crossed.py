"""Crossed tables and participants, against figures counted by hand on the small project.

The small project (tests/reports/conftest.py) plus a focus group, fg1
(staff, Westmoor): 0 Interviewer | 1 P1 'It is busy.' | 2 P1 'We lost staff.'
| 3 P2 'Morale rose.' | 4 P1 'The council decides.'; alice codes 1→08, 3→08,
4→11 and is done with it. Participants' grades: int1/Ann Lee senior,
int2/Bob Ray junior, fg1/P1 senior, fg1/P2 junior; int3/Cat Orr none.

Code 08 (all coders pooled): int1 segments 2, 3 (Ann Lee); int2 segment 1
(Bob Ray); fg1 segments 1 (P1) and 3 (P2). Code 11: int1 6 (Ann Lee), int3 2
(Cat Orr), fg1 4 (P1).
"""

from __future__ import annotations

from pathlib import Path

from codebench.project import Project
from codebench.reports import crossed


def row(report, number: str):
    return next(r for r in report.rows if r.code.number == number)


def test_role_by_organisation_transcripts(focus: Project) -> None:
    report = crossed(focus, ["role", "organisation"])
    assert [g.values for g in report.groups] == [
        ("manager", "Riverside"),
        ("manager", "Westmoor"),
        ("staff", "Riverside"),
        ("staff", "Westmoor"),
    ]
    assert [(g.transcripts, g.speakers, g.small) for g in report.groups] == [
        (1, 1, True),
        (1, 1, True),
        (1, 1, True),
        (1, 2, True),
    ]
    r = row(report, "08")
    assert [(c.cases, c.column_percent, c.segments, c.speakers) for c in r.cells] == [
        (1, 100.0, 2, 1),
        (0, 0.0, 0, 0),
        (1, 100.0, 1, 1),
        (1, 100.0, 2, 2),
    ]
    assert [c.row_percent for c in r.cells] == [33.3, 0.0, 33.3, 33.3]
    assert (r.total.cases, r.total.column_percent, r.total.segments, r.total.speakers) == (
        3,
        75.0,
        5,
        4,
    )


def test_participants_by_grade(focus: Project) -> None:
    report = crossed(focus, ["speaker.grade"], cases="participants", min_group=2)
    assert [g.values for g in report.groups] == [("junior",), ("senior",), ("(not set)",)]
    assert [(g.speakers, g.transcripts, g.small) for g in report.groups] == [
        (2, 2, False),
        (2, 2, False),
        (1, 1, True),
    ]
    r = row(report, "08")
    assert [
        (c.cases, c.column_percent, c.row_percent, c.segments, c.transcripts) for c in r.cells
    ] == [
        (2, 100.0, 50.0, 2, 2),
        (2, 100.0, 50.0, 3, 2),
        (0, 0.0, 0.0, 0, 0),
    ]
    assert (r.total.cases, r.total.column_percent) == (4, 80.0)
    r = row(report, "11")
    assert [(c.cases, c.row_percent) for c in r.cells] == [(0, 0.0), (2, 66.7), (1, 33.3)]
    assert (r.total.cases, r.total.column_percent) == (3, 60.0)


def test_totals_are_the_sum_of_groups_for_transcript_cases(focus: Project) -> None:
    # Each transcript is in one group, so counts add up across the groups.
    report = crossed(focus, ["role"])
    for r in report.rows:
        assert r.total.cases == sum(c.cases for c in r.cells)
        assert r.total.segments == sum(c.segments for c in r.cells)


def test_min_group_moves_the_flag(focus: Project) -> None:
    report = crossed(focus, ["role"], min_group=2)
    assert [(g.values, g.transcripts, g.small) for g in report.groups] == [
        (("manager",), 2, False),
        (("staff",), 2, False),
    ]
    report = crossed(focus, ["role"], min_group=3)
    assert all(g.small for g in report.groups)
    assert any("manager (n=2); staff (n=2)" in n for n in report.notes)


def test_small_groups_flagged_in_every_format(focus: Project, tmp_path: Path) -> None:
    from docx import Document
    from openpyxl import load_workbook

    from codebench.reports import writers

    report = crossed(focus, ["speaker.grade"], cases="participants", min_group=2)
    for fmt in ("table", "csv", "csv-wide", "md", "html", "json"):
        text = writers.render(report, fmt)
        assert isinstance(text, str)
        assert "(not set)" in text, fmt
        assert "small" in text or '"small": true' in text, fmt
        assert "junior (n=2, small)" not in text, fmt
    assert "(not set) (n=1, small)" in writers.render(report, "md")
    writers.write(report, tmp_path / "x.xlsx")
    book = load_workbook(tmp_path / "x.xlsx")
    header = [c.value for c in book["Crossed cases"][1]]
    assert header[3:] == ["junior (n=2)", "senior (n=2)", "(not set) (n=1, small)", "All (n=5)"]
    assert [c.value for c in book["Crossed column %"][2]][3:] == [0, 0, 0, 0]  # 03: nobody
    writers.write(report, tmp_path / "x.docx")
    cells = {c.text for t in Document(tmp_path / "x.docx").tables for r in t.rows for c in r.cells}
    assert "(not set) (n=1, small)" in cells


def test_cli_crossed(focus: Project, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from codebench.cli import cli

    focus.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def run(*args: str):
        return CliRunner().invoke(cli, ["-p", str(focus.path), "report", "crossed", *args])

    result = run("--by", "role", "--by", "organisation", "-o", str(tmp_path / "c.csv"))
    assert result.exit_code == 0, result.output
    text = (tmp_path / "c.csv").read_text(encoding="utf-8-sig")
    assert ",manager × Riverside,manager,Riverside,1,1,small,1,100.0,33.3,2,1,1" in text
    result = run("--by", "speaker.grade")
    assert result.exit_code != 0
    assert "add --cases participants" in result.output and "Traceback" not in result.output
    result = run("--by", "grade", "--by-participant")
    assert result.exit_code != 0 and "write --by speaker.grade" in result.output
    result = run("--by", "speaker.grade", "--by-participant", "--where", "role=staff")
    assert result.exit_code == 0, result.output
    assert "G1 n=2" in result.output  # Bob Ray and P2, junior, both staff
    result = run("--by", "role", "--min-group", "0")
    assert result.exit_code == 2


def test_many_groups_read_as_several_tables(focus: Project, monkeypatch) -> None:
    from codebench.reports import tables
    from codebench.reports.tables import data_tables, reading_tables

    report = crossed(focus, ["speaker.grade", "organisation"], cases="participants")
    # junior × Riverside (Bob Ray), junior × Westmoor (P2), senior × Riverside (Ann Lee),
    # senior × Westmoor (P1), (not set) × Westmoor (Cat Orr)
    assert len(report.groups) == 5
    monkeypatch.setattr(tables, "CROSSED_READING_GROUPS", 2)
    first = [t for t in reading_tables(report) if t.name in ("crossed 1", "crossed 2", "crossed 3")]
    assert [t.name for t in first] == ["crossed 1", "crossed 2", "crossed 3"]
    assert [[c.key for c in t.columns[3:]] for t in first] == [
        ["g0", "g1"],
        ["g2", "g3"],
        ["g4", "total"],
    ]
    assert "groups G1–G2" in first[0].title and ", group G5 (" in first[2].title
    wide = data_tables(report)[0]
    assert len(wide.columns) == 3 + 5 + 1  # spreadsheets keep every group side by side
