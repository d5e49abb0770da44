"""A mistyped coder name is refused, never silently started as a new coder."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from codebench.cli import cli
from codebench.project import Project


def invoke(db: Path, *args: str):
    return CliRunner().invoke(cli, ["-p", str(db), *args])


def coder_names(db: Path) -> list[str]:
    with Project.open(db, write=False) as p:
        return sorted(c.name for c in p.coders())


@pytest.fixture
def db(interview: Project) -> Path:
    interview.code_segments("alice", interview.transcripts()[0].name, [1], "01")
    path = interview.path
    interview.close()
    return path


def _transcript(db: Path) -> str:
    with Project.open(db, write=False) as p:
        return p.transcripts()[0].name


@pytest.mark.parametrize(
    "args",
    [
        ("assign", "--coder", "alcie", "{t}"),
        ("assign", "--coder", "alice", "{t}", "--by", "laed"),
        ("sample", "--fraction", "1", "--coders", "alice,bbo", "--seed", "1"),
        ("code-segment", "--coder", "alcie", "{t}", "1", "01"),
        ("memo", "--coder", "alcie", "--code", "01", "a note"),
        ("status", "--coder", "alcie", "{t}", "done", "--yes"),
        ("framework", "set", "{t}", "01", "--summary", "x", "--coder", "alcie"),
        ("relations", "add", "01", "02", "--type", "leads to", "--coder", "alcie"),
    ],
)
def test_an_unknown_coder_is_one_line_listing_the_known_ones(db: Path, args: tuple) -> None:
    t = _transcript(db)
    result = invoke(db, *(a.format(t=t) for a in args))
    assert result.exit_code == 1, result.output
    line = result.output.strip()
    assert "\n" not in line and line.startswith("Error: no coder named ")
    assert "(coders: alice); add --new-coder to add one" in line
    assert coder_names(db) == ["alice"]


def test_new_coder_adds_the_coder(db: Path) -> None:
    result = invoke(db, "assign", "--coder", "bob", _transcript(db), "--new-coder")
    assert result.exit_code == 0, result.output
    assert coder_names(db) == ["alice", "bob"]


def test_a_name_differing_only_in_case_is_the_same_coder(db: Path) -> None:
    assert invoke(db, "assign", "--coder", "ALICE", _transcript(db)).exit_code == 0
    assert coder_names(db) == ["alice"]


def test_reading_commands_never_create_a_coder(db: Path) -> None:
    for args in (
        ("assignments", "--coder", "alcie"),
        ("disagreements", "--coders", "alice,alcie"),
        ("agreement", "--coders", "alice,alcie", "--bootstrap", "0"),
    ):
        result = invoke(db, *args)
        assert result.exit_code == 1 and "no coder named 'alcie'" in result.output, args
    assert coder_names(db) == ["alice"]


def test_the_first_coder_of_a_project_needs_no_flag(interview: Project) -> None:
    """With no coder yet there is nothing to mistype."""
    name = interview.transcripts()[0].name
    path = interview.path
    interview.close()
    assert invoke(path, "code-segment", "--coder", "alice", name, "1", "01").exit_code == 0
    assert coder_names(path) == ["alice"]
