"""Assignments: the library, the CLI (asserting on the database), and their composition."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from codebench.cli import cli
from codebench.design.assignments import (
    assign,
    assignments,
    design_map,
    parse_segments,
    progress,
    unassign,
)
from codebench.errors import CodebenchError
from codebench.project import Project

# The interview's segments (tests/conftest.py): 0 and 5 are interviewer turns (not codable),
# 1-4 and 6-7 are codable.


@pytest.fixture
def two(project: Project, write_interview) -> Project:
    report = project.import_files(
        [write_interview("t1", tag="t1"), write_interview("t2", tag="t2")]
    )
    assert report.ok, report.failed
    return project


def rows(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT k.name, t.name, a.first_segment, a.last_segment, b.name FROM assignments a"
            " JOIN coders k ON k.id = a.coder_id JOIN transcripts t ON t.id = a.transcript_id"
            " LEFT JOIN coders b ON b.id = a.assigned_by ORDER BY 1, 2, 3"
        ).fetchall()
    finally:
        conn.close()


def test_parse_segments() -> None:
    assert parse_segments("1-40, 45,50-60") == [(1, 40), (45, 45), (50, 60)]
    for bad in ("", "a-b", "5-2", "1-"):
        with pytest.raises(CodebenchError):
            parse_segments(bad)


def test_assign_whole_and_ranges_accumulate_and_unassign_splits(two: Project) -> None:
    p = two
    assign(p, "bob", ["t1"], by="lead")
    assign(p, "carol", ["t1", "t2"], segments=[(1, 2)])
    assign(p, "carol", ["t2"], segments=[(3, 4), (7, 7)])
    assert rows(p.path) == [
        ("bob", "t1", None, None, "lead"),
        ("carol", "t1", 1, 2, None),
        ("carol", "t2", 1, 4, None),
        ("carol", "t2", 7, 7, None),
    ]
    # A range on top of the whole transcript changes nothing.
    assign(p, "bob", ["t1"], segments=[(1, 1)])
    assert design_map(p)[(p.coder("bob").id, p.transcript("t1").id)] is None
    # Unassigning part of a whole transcript leaves the rest, as ranges.
    assert unassign(p, "bob", ["t1"], segments=[(2, 3)]) == 1
    assert [r for r in rows(p.path) if r[0] == "bob"] == [
        ("bob", "t1", 0, 1, None),
        ("bob", "t1", 4, 7, None),
    ]
    assert unassign(p, "carol", ["t1"]) == 1
    assert [(a.coder.name, a.transcript.name, a.segments) for a in assignments(p)] == [
        ("bob", "t1", "0-1, 4-7"),
        ("carol", "t2", "1-4, 7"),
    ]
    events = [e for e in p.events() if e.action == "assignment.set"]
    assert len(events) == 6
    assert events[-1].payload["before"] == "1-2" and events[-1].payload["after"] == "none"


def test_assign_refuses_ranges_past_the_end_and_the_consensus_coder(two: Project) -> None:
    with pytest.raises(CodebenchError, match="runs past the end"):
        assign(two, "bob", ["t1"], segments=[(5, 99)])
    two.coder("consensus", create=True, kind="consensus")
    with pytest.raises(CodebenchError, match="consensus"):
        assign(two, "consensus", ["t1"])
    assert rows(two.path) == []


def test_progress_counts_assigned_codable_segments_coded(two: Project) -> None:
    p = two
    assign(p, "bob", ["t1"])
    assign(p, "carol", ["t1"], segments=[(0, 3)])  # 0 is not codable: 1-3 are
    p.code_segments("bob", "t1", [1, 2], "02")
    p.code_segments("carol", "t1", [3, 6], "02")  # 6 is outside carol's assignment
    p.set_status("bob", "t1", "done")
    got = {(x.assignment.coder.name, x.coded, x.codable, x.status, x.done) for x in progress(p)}
    assert got == {("bob", 2, 6, "done", True), ("carol", 1, 3, "not-started", False)}


def run(db: Path, *args: str, ok: bool = True):
    result = CliRunner().invoke(cli, ["-p", str(db), *args], catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def test_cli_assign_assignments_unassign(two: Project) -> None:
    db = two.path
    two.close()
    run(db, "assign", "--coder", "bob", "t1", "t2", "--by", "lead", "--new-coder")
    run(db, "assign", "--coder", "carol", "t1", "--segments", "1-3", "--new-coder")
    assert rows(db) == [
        ("bob", "t1", None, None, "lead"),
        ("bob", "t2", None, None, "lead"),
        ("carol", "t1", 1, 3, None),
    ]
    out = json.loads(run(db, "assignments", "--format", "json").output)
    assert [
        (r["coder"], r["transcript"], r["segments"], r["coded"], r["codable"], r["done"])
        for r in out
    ] == [
        ("bob", "t1", "all", 0, 6, False),
        ("bob", "t2", "all", 0, 6, False),
        ("carol", "t1", "1-3", 0, 3, False),
    ]
    table = run(db, "assignments", "--coder", "carol").output
    assert "carol" in table and "1-3" in table and "bob" not in table
    run(db, "unassign", "--coder", "bob", "t2")
    assert [r[:2] for r in rows(db)] == [("bob", "t1"), ("carol", "t1")]
    bad = run(db, "assign", "--coder", "bob", "t1", "--segments", "x", ok=False)
    assert bad.exit_code != 0 and "Traceback" not in bad.output
    assert "not a segment number" in bad.output
    missing = run(db, "assign", "--coder", "bob", "nope", ok=False)
    assert missing.exit_code != 0 and "no transcript" in missing.output


def test_removing_a_transcript_removes_its_assignments(two: Project) -> None:
    assign(two, "bob", ["t1", "t2"])
    two.remove_transcript("t1")
    assert [r[1] for r in rows(two.path)] == ["t2"]


def test_the_consensus_name_is_refused_before_any_consensus_coder_exists(two: Project) -> None:
    """``assign --coder consensus`` must not make a human coder called "consensus"."""
    with pytest.raises(CodebenchError, match="consensus coding"):
        assign(two, "Consensus", ["t1"])
    assert rows(two.path) == []
    assert "consensus" not in [c.name.casefold() for c in two.coders()]
