"""Parent and child codes: compared as applied, rolled up to any level, or a child implying
its parent; every report says which (issue 12, point 5)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from codebench.agreement.reliability_data import extract_units
from codebench.agreement.report import build_report
from codebench.cli import cli
from codebench.codebook.edits import add_code
from codebench.errors import CodebenchError
from codebench.project import Project


@pytest.fixture
def deep(project: Project, write_transcript) -> Project:
    """04 > 04.1 > 04.1.1 (three levels); alice and bob code the first three segments of one transcript."""
    path = write_transcript("t1.txt", "One. Two. Three. Four.\n")
    assert project.import_files([path]).ok
    add_code(project, "lead", "Deep", parent="04.1", number="04.1.1")
    project.code_segments("alice", "t1", [0], "04.1.1", allow_noncodable=True)
    project.code_segments("bob", "t1", [0], "04.1", allow_noncodable=True)
    project.code_segments("bob", "t1", [1], "04", allow_noncodable=True)
    project.code_segments("alice", "t1", [2], "04.1", allow_noncodable=True)
    for k in ("alice", "bob"):
        project.set_status(k, "t1", "done")
    return project


def rows(units, number: str) -> list[list[float]]:
    k = [c.number for c in units.codes].index(number)
    return units.data[k].tolist()


def test_level_two_rolls_deeper_codes_up_to_their_level_two_ancestor(deep: Project) -> None:
    units = extract_units(deep, level=2, codes=["04", "04.1", "04.1.1"])
    assert [c.number for c in units.codes] == ["04", "04.1"]  # 04.1.1 counts as 04.1
    assert rows(units, "04.1")[0][:3] == [1, 0, 1]  # alice: 04.1.1 on 1, 04.1 on 3
    assert rows(units, "04.1")[1][:3] == [1, 0, 0]  # bob: 04.1 on 1
    assert rows(units, "04")[1][:3] == [0, 1, 0]  # bob's own 04 coding stays 04
    everything = extract_units(deep, level=2)
    numbers = [c.number for c in everything.codes]
    assert "04.1" in numbers and "04.1.1" not in numbers and "01" in numbers
    # Level 3 keeps the three levels apart, as applied.
    assert "04.1.1" in [c.number for c in extract_units(deep, level=3).codes]
    with pytest.raises(CodebenchError, match="--level"):
        extract_units(deep, level=0)


def test_child_implies_parent_counts_a_coding_for_every_ancestor(deep: Project) -> None:
    units = extract_units(deep, codes=["04", "04.1", "04.1.1"], child_implies_parent=True)
    assert rows(units, "04.1.1")[0][:3] == [1, 0, 0]
    assert rows(units, "04.1")[0][:3] == [1, 0, 1]  # alice's 04.1.1 implies 04.1
    assert rows(units, "04")[0][:3] == [1, 0, 1]  # ... and 04
    assert rows(units, "04")[1][:3] == [1, 1, 0]  # bob: 04.1 implies 04; his own 04
    plain = extract_units(deep, codes=["04", "04.1", "04.1.1"])
    assert rows(plain, "04")[0][:3] == [0, 0, 0]  # as applied: alice never applied 04 itself


def test_every_report_says_how_codes_are_compared(deep: Project) -> None:
    plain = build_report(extract_units(deep, codes=["04", "04.1"]), bootstrap=0)
    assert plain["settings"]["hierarchy"].startswith("Codes: compared as applied")
    rolled = build_report(extract_units(deep, level=2), bootstrap=0)
    assert "rolled up to level 2" in rolled["settings"]["hierarchy"]
    implied = build_report(
        extract_units(deep, codes=["04", "04.1"], child_implies_parent=True), bootstrap=0
    )
    assert implied["settings"]["child_implies_parent"] is True
    assert "implies its parent" in implied["settings"]["hierarchy"]


def test_cli_level_and_child_implies_parent(deep: Project) -> None:
    def run(*args: str):
        return CliRunner().invoke(cli, ["-p", str(Path(deep.path)), "agreement", *args])

    out = run("--level", "2", "--bootstrap", "0", "--format", "json")
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["settings"]["level"] == 2
    for fmt in ("table", "md"):
        text = run("--child-implies-parent", "--bootstrap", "0", "--format", fmt)
        assert text.exit_code == 0, text.output
        assert "implies its parent" in " ".join(text.output.split()), fmt
    bad = run("--level", "0")
    assert bad.exit_code != 0 and "Traceback" not in bad.output
