"""Participants: speakers' own attributes from a CSV, listed, and as a scope (speaker.KEY).

Uses the ``focus`` project (tests/reports/conftest.py): grades int1/Ann Lee
senior, int2/Bob Ray junior, fg1/P1 senior, fg1/P2 junior; int3/Cat Orr none.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from codebench.analysis.query import run_query
from codebench.analysis.scope import ScopeError, ScopeSpec
from codebench.analysis.search import search
from codebench.cli import cli
from codebench.errors import ImportFailed
from codebench.participants import import_speaker_attributes, participants
from codebench.project import Project
from codebench.reports import frequencies
from codebench.reports.crossed import crossed


def grades(project: Project) -> dict[str, str]:
    return {p.name: p.attributes.get("grade", "") for p in participants(project, codable_only=True)}


def test_import_sets_each_participant(focus: Project) -> None:
    assert grades(focus) == {
        "int1/Ann Lee": "senior",
        "int2/Bob Ray": "junior",
        "int3/Cat Orr": "",
        "fg1/P1": "senior",
        "fg1/P2": "junior",  # typed 'p2': matched without regard to case
    }
    interviewers = [p for p in participants(focus) if not p.codable]
    assert {p.speaker for p in interviewers} == {"Interviewer"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name,grade\nint1,senior\n", ":1: needs a 'transcript' and a 'speaker' column"),
        ("transcript,speaker\nint1,Ann Lee\n", ":1: no attribute columns"),
        (
            "transcript,speaker,grade\nint1,Ann Lee,lead\nint9,Ann Lee,lead\n",
            ":3: no transcript 'int9' in the project",
        ),
        (
            "transcript,speaker,grade\nint1,Ann Lee,lead\nfg1,P9,lead\n",
            ":3: transcript 'fg1' has no speaker 'P9' (speakers: Interviewer, P1, P2)",
        ),
        (
            "transcript,speaker,grade\nint1,Ann Lee,lead\nint1,ann lee,x\n",
            ":3: int1/Ann Lee is listed twice (first on line 2)",
        ),
        ("transcript,speaker,grade\nint1,,lead\n", ":2: the row needs a transcript and a speaker"),
        (
            "transcript,speaker,speaker.grade\nint1,Ann Lee,lead\n",
            ":1: column 'speaker.grade': name the attribute without 'speaker.'",
        ),
    ],
)
def test_bad_csv_is_one_line_and_writes_nothing(
    focus: Project, tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "s.csv"
    path.write_text(text, encoding="utf-8")
    events = focus.db.execute("SELECT count(*) FROM events").fetchone()[0]
    with pytest.raises(ImportFailed) as caught:
        import_speaker_attributes(focus, path)
    assert str(caught.value).startswith(f"{path}{message}")
    assert "\n" not in str(caught.value)
    assert grades(focus)["int1/Ann Lee"] == "senior"  # line 2's change was not written
    assert focus.db.execute("SELECT count(*) FROM events").fetchone()[0] == events


def test_empty_cell_unsets_and_import_is_one_event(focus: Project, tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("transcript,speaker,grade,team\nint1,Ann Lee,,red\nfg1,P1,lead,\n", "utf-8")
    done = import_speaker_attributes(focus, path)
    assert (done.participants, done.keys, done.values_set) == (2, ["grade", "team"], 2)
    by_name = {p.name: p.attributes for p in participants(focus)}
    assert by_name["int1/Ann Lee"] == {"team": "red"}
    assert by_name["fg1/P1"] == {"grade": "lead"}
    actions = [r[0] for r in focus.db.execute("SELECT action FROM events ORDER BY id")]
    assert actions.count("speakers.import") == 2  # the fixture's import, then this one


def test_cli_lists_and_imports(focus: Project, tmp_path: Path) -> None:
    focus.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    runner = CliRunner()
    result = runner.invoke(cli, ["-p", str(focus.path), "speakers", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert {(r["transcript"], r["speaker"]): r["attributes"] for r in rows}[("fg1", "P2")] == {
        "grade": "junior"
    }
    result = runner.invoke(cli, ["-p", str(focus.path), "speakers", "--format", "csv"])
    assert result.output.splitlines()[0] == "transcript,speaker,segments,codable,speaker.grade"
    bad = tmp_path / "bad.csv"
    bad.write_text("transcript,speaker,grade\nnope,X,1\n", encoding="utf-8")
    result = runner.invoke(cli, ["-p", str(focus.path), "speakers", "import", str(bad)])
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: {bad}:2: no transcript 'nope' in the project"


def test_where_speaker_attribute_in_queries_and_searches(focus: Project) -> None:
    junior = ScopeSpec.of(where=["speaker.grade=junior"])
    found = run_query(focus, "08", junior)
    assert [(p.transcript, p.first_segment, p.speakers) for p in found.passages] == [
        ("int2", 1, ["Bob Ray"]),
        ("fg1", 3, ["P2"]),
    ]
    hits = search(focus, "staff", ScopeSpec.of(where=["speaker.grade=senior"])).hits
    assert [(h.transcript, h.ordinal, h.speaker) for h in hits] == [
        ("int1", 3, "Ann Lee"),
        ("fg1", 2, "P1"),
    ]
    # != keeps participants with another value; Cat Orr (no grade) is not known to differ.
    hits = search(focus, "council", ScopeSpec.of(where=["speaker.grade!=junior"])).hits
    assert [(h.transcript, h.speaker) for h in hits] == [("int1", "Ann Lee"), ("fg1", "P1")]


def test_where_speaker_attribute_in_reports(focus: Project) -> None:
    from codebench.analysis.scope import report_units, resolve_scope

    scope = resolve_scope(focus, ScopeSpec.of(where=["speaker.grade=senior"]))
    assert [t.name for t in scope.transcripts] == ["fg1", "int1"]
    units = report_units(focus, scope, speakers=True, words=True)
    row = next(r for r in frequencies(focus, units=units).rows if r.code.number == "08")
    # Ann Lee's int1 segments 2 and 3, P1's fg1 segment 1; bob's int2 coding is Bob Ray's.
    assert (row.own.segments, row.own.transcripts, row.own.speakers, row.own.codings) == (
        3,
        2,
        2,
        4,
    )
    report = crossed(focus, ["role"], units=units)
    assert [(g.values, g.transcripts) for g in report.groups] == [
        (("manager",), 1),
        (("staff",), 1),
    ]


def test_where_speaker_attribute_errors(focus: Project) -> None:
    from codebench.analysis.scope import resolve_scope

    with pytest.raises(ScopeError, match="no participant attribute 'team'"):
        resolve_scope(focus, ScopeSpec.of(where=["speaker.team=red"]))
    with pytest.raises(ScopeError, match=r"values of speaker.grade: junior, senior"):
        resolve_scope(focus, ScopeSpec.of(where=["speaker.grade=boss"]))


def test_matrix_by_participant(focus: Project) -> None:
    from codebench.reports import code_matrix
    from codebench.reports.tables import data_tables

    report = code_matrix(focus, cases="participants")
    assert [t.name for t in report.transcripts] == [
        "fg1/P1",
        "fg1/P2",
        "int1/Ann Lee",
        "int2/Bob Ray",
        "int3/Cat Orr",
    ]
    index = [c.number for c in report.codes].index("08")
    assert report.values[index] == [1, 1, 2, 1, 0]
    presence = code_matrix(focus, cases="participants", presence=True)
    assert presence.values[index] == [1, 1, 1, 1, 0]
    table = data_tables(report, transpose=True)[0]
    assert table.columns[0].label == "Participant"
    first = table.rows[0]
    assert (first["transcript"], first["a:speaker.grade"], first["a:role"]) == (
        "fg1/P1",
        "senior",
        "staff",
    )


def test_speaker_scope_limits_the_participants_counted(focus: Project) -> None:
    from codebench.analysis.scope import report_units, resolve_scope
    from codebench.reports import code_matrix

    scope = resolve_scope(focus, ScopeSpec.of(where=["speaker.grade=senior"]))
    units = report_units(focus, scope)
    report = crossed(focus, ["speaker.grade"], cases="participants", units=units)
    # Only Ann Lee and P1 are cases: P2 (junior) speaks in fg1, which is in scope, but is not kept.
    assert [(g.values, g.speakers) for g in report.groups] == [(("senior",), 2)]
    assert (report.total_speakers, report.total_transcripts) == (2, 2)
    matrix = code_matrix(focus, cases="participants", units=units)
    assert [t.name for t in matrix.transcripts] == ["fg1/P1", "int1/Ann Lee"]
