"""Segments marked not codable (interviewer turns) are refused on every coding path, as in the workbench."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from codebench.cli import cli
from codebench.coding.actions import require_codable
from codebench.errors import NotCodable
from codebench.project import Project

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "transcripts"


def test_the_library_refuses_an_interviewer_segment_and_changes_nothing(interview: Project) -> None:
    with pytest.raises(NotCodable, match=r"segment 0 of transcript 'int1' is not codable"):
        interview.code_segments("alice", "int1", [1, 0], "04")  # one bad ordinal refuses all
    assert interview.codings() == [] and interview.coders() == []
    assert interview.code_segments("alice", "int1", [0], "04", allow_noncodable=True)


def test_the_rule_is_one_function_for_every_path(interview: Project) -> None:
    segments = interview.segments("int1")
    require_codable(segments[1], "int1")
    with pytest.raises(NotCodable, match="Interviewer's turn"):
        require_codable(segments[0], interview.transcript("int1"))
    require_codable(segments[0], "int1", allow_noncodable=True)


def test_code_segment_refuses_an_interviewer_turn_unless_told(interview: Project) -> None:
    db = interview.path
    interview.close()
    args = ["-p", str(db), "code-segment", "--coder", "alice", "int1", "5", "04"]
    refused = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert refused.exit_code == 1 and refused.output.count("\n") == 1, refused.output
    assert "segment 5 of transcript 'int1' is not codable" in refused.output
    assert "--allow-noncodable" in refused.output
    with Project.open(db) as project:
        assert project.codings() == []
    allowed = CliRunner().invoke(cli, [*args, "--allow-noncodable"], catch_exceptions=False)
    assert allowed.exit_code == 0, allowed.output
    with Project.open(db) as project:
        assert len(project.codings()) == 1


#: Commands whose examples name a segment: ``codebench CMD [--opt VALUE]… TRANSCRIPT SEGMENT …``.
SEGMENT_COMMANDS = ("code-segment", "uncode-segment", "adjudicate")

#: Options of those commands that take no value.
FLAGS = frozenset({"--new-coder", "--allow-noncodable"})


def segment_examples(text: str) -> list[tuple[str, int]]:
    """``(transcript, ordinal)`` of every example of :data:`SEGMENT_COMMANDS` and of
    ``project.code_segments`` in ``text``."""
    found: list[tuple[str, int]] = []
    for line in text.splitlines():
        if not any(f"codebench {command} " in line for command in SEGMENT_COMMANDS):
            continue
        words = shlex.split(line.split("#")[0])
        if len(words) < 2 or words[0] != "codebench" or words[1] not in SEGMENT_COMMANDS:
            continue
        positional, rest = [], iter(words[2:])
        for word in rest:
            if word in FLAGS:
                continue
            if word.startswith("--"):
                next(rest, None)  # the option's value
            else:
                positional.append(word)
        found.append((positional[0], int(positional[1])))
    pattern = r'transcript\("([^"]+)"\).*?code_segments\([^\[]*\[([\d, ]+)\]'
    for name, ordinals in re.findall(pattern, text, re.DOTALL):
        found += [(name, int(o)) for o in ordinals.split(",")]
    return found


def test_the_readme_and_help_examples_code_participants_segments(project: Project) -> None:
    readme = segment_examples((REPO / "README.md").read_text(encoding="utf-8"))
    helps = [
        example
        for name in SEGMENT_COMMANDS
        for example in segment_examples(cli.commands[name].help or "")
    ]
    assert len(readme) >= 3 and len(helps) >= 4, (readme, helps)
    examples = readme + helps
    assert project.import_files([SAMPLES / f"{name}.txt" for name, _ in set(examples)]).ok
    for name, ordinal in examples:
        segment = project.segment(name, ordinal)
        assert segment.codable, (name, ordinal, segment.speaker, segment.text)
