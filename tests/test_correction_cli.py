"""``edit-transcript`` with a scripted $EDITOR and ``--from``; ``review-codings``."""

from __future__ import annotations

import os
import sqlite3
import stat
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from codebench.cli import cli
from codebench.project import Project

REPO = Path(__file__).resolve().parents[1]

INTERVIEW = (
    "Interviewer: How did the spin-out go?\n"
    "Ann Lee: It was hard. We lost teh two managers. But staff morale rose!\n"
)


def run(db: Path, *args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, ["-p", str(db), *args], env=env, catch_exceptions=False)


def rows(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def fake_editor(tmp_path: Path, body: str) -> str:
    """An executable that edits the file it is given as ``body`` (a Python snippet on ``text``) says."""
    script = tmp_path / "editor.py"
    script.write_text(
        "import sys, pathlib\n"
        f"sys.path.insert(0, {str(REPO)!r})\n"  # this checkout's codebench, if the edit uses it
        "p = pathlib.Path(sys.argv[1])\n"
        "text = p.read_text(encoding='utf-8')\n" + body + "\n",
        encoding="utf-8",
    )
    wrapper = tmp_path / "editor.sh"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{script}" "$@"\n', encoding="utf-8")
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    return str(wrapper)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "study.db"
    assert run(path, "init").exit_code == 0
    source = tmp_path / "int1.txt"
    source.write_text(INTERVIEW, encoding="utf-8")
    assert run(path, "import", str(source)).exit_code == 0
    with Project.open(path) as project:
        text = project.text("int1")
        at = text.index("teh two")
        project.add_codings("alice", "03", "int1", [(at, at + 7)])
        at = text.index("staff")
        project.add_codings("bob", "04", "int1", [(at, at + 5)])
    return path


def coded(db: Path) -> list[str]:
    with Project.open(db) as project:
        text = project.text("int1")
        return [text[c.start : c.end] for c in project.codings(transcript="int1")]


def test_the_editor_corrects_the_text_and_says_what_needs_review(db: Path, tmp_path: Path) -> None:
    editor = fake_editor(
        tmp_path,
        "p.write_text(text.replace('teh', 'the').replace(' staff', ''), encoding='utf-8')",
    )
    result = run(
        db, "edit-transcript", "int1", "--coder", "alice", env={"EDITOR": editor, "VISUAL": ""}
    )
    assert result.exit_code == 0, result.output
    assert "version 2, 2 edits" in result.output
    assert "0 clamped, 1 orphaned" in result.output
    assert "1 coding needs review:" in result.output and "'staff' was deleted" in result.output
    assert coded(db)[0] == "the two"
    assert rows(db, "SELECT version, reason FROM transcript_versions ORDER BY version") == [
        (1, "imported"),
        (2, ""),
    ]
    listed = run(db, "review-codings", "int1")
    assert "orphaned" in listed.output
    done = run(db, "review-codings", "int1", "--done")
    assert "marked 1 coding reviewed" in done.output
    assert run(db, "review-codings").output.strip() == "no codings need review"


def test_visual_wins_over_editor(db: Path, tmp_path: Path) -> None:
    editor = fake_editor(tmp_path, "p.write_text(text.replace('teh', 'the'), encoding='utf-8')")
    result = run(
        db, "edit-transcript", "int1", "--coder", "alice", env={"VISUAL": editor, "EDITOR": "false"}
    )
    assert result.exit_code == 0, result.output
    assert coded(db)[0] == "the two"


def test_no_change_writes_nothing(db: Path, tmp_path: Path) -> None:
    editor = fake_editor(tmp_path, "pass")
    before = rows(db, "SELECT count(*) FROM events")
    result = run(
        db, "edit-transcript", "int1", "--coder", "alice", env={"EDITOR": editor, "VISUAL": ""}
    )
    assert result.exit_code == 0
    assert "no change to the text; nothing written" in result.output
    assert rows(db, "SELECT count(*) FROM events") == before
    assert rows(db, "SELECT count(*) FROM transcript_versions") == [(0,)]


@pytest.mark.parametrize(
    ("editor", "message"),
    [
        ("false", "exited with status 1; nothing written"),
        ("/nonexistent/editor", "cannot run the editor"),
        ("'unclosed", "cannot be read"),
    ],
)
def test_an_editor_failure_is_one_line_and_writes_nothing(
    db: Path, editor: str, message: str
) -> None:
    before = rows(db, "SELECT text FROM transcripts")
    result = run(
        db, "edit-transcript", "int1", "--coder", "alice", env={"EDITOR": editor, "VISUAL": ""}
    )
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    assert rows(db, "SELECT text FROM transcripts") == before


def test_from_file_is_non_interactive_and_untrusted(db: Path, tmp_path: Path) -> None:
    fixed = tmp_path / "fixed.txt"
    with Project.open(db) as project:
        text = project.text("int1")
    # CRLF line ends and a control character, as a Windows editor might leave them.
    fixed.write_bytes(
        text.replace("teh", "the").replace("\n", "\r\n").replace("hard", "ha\x07rd").encode()
    )
    result = run(
        db, "edit-transcript", "int1", "--coder", "alice", "--from", str(fixed), "--reason", "typo"
    )
    assert result.exit_code == 0, result.output
    with Project.open(db) as project:
        stored = project.text("int1")
    assert "\r" not in stored and "\x07" not in stored and "the two" in stored
    assert rows(db, "SELECT reason FROM transcript_versions WHERE version = 2") == [("typo",)]
    missing = run(
        db, "edit-transcript", "int1", "--coder", "alice", "--from", str(tmp_path / "nope.txt")
    )
    assert missing.exit_code == 2 and "does not exist" in missing.output
    unknown = run(db, "edit-transcript", "nope", "--coder", "alice", "--from", str(fixed))
    assert unknown.exit_code == 1 and "no transcript 'nope'" in unknown.output


def test_emptying_a_segment_is_refused_naming_it(db: Path, tmp_path: Path) -> None:
    fixed = tmp_path / "fixed.txt"
    with Project.open(db) as project:
        fixed.write_text(project.text("int1").replace("It was hard. ", ""), encoding="utf-8")
    result = run(db, "edit-transcript", "int1", "--coder", "alice", "--from", str(fixed))
    assert result.exit_code == 1
    assert "empty segment 1 ('It was hard.')" in result.output
    assert rows(db, "SELECT count(*) FROM transcript_versions") == [(0,)]
    assert os.path.exists(db)


def test_a_text_changed_while_editing_is_refused_and_the_edit_kept(
    db: Path, tmp_path: Path
) -> None:
    # The "editor" fixes a word, and meanwhile someone else corrects the text.
    editor = fake_editor(
        tmp_path,
        "p.write_text(text.replace('teh', 'the'), encoding='utf-8')\n"
        "from codebench.project import Project\n"
        "from codebench.coding.correction import correct_text\n"
        f"with Project.open({str(db)!r}) as other:\n"
        "    correct_text(other, 'int1', other.text('int1').replace('hard', 'tough'), 'bob')\n",
    )
    result = run(
        db, "edit-transcript", "int1", "--coder", "alice", env={"EDITOR": editor, "VISUAL": ""}
    )
    assert result.exit_code == 1
    assert "changed elsewhere while you edited it; nothing written" in result.output
    kept = result.output.split("your edit is kept in ")[1].split(" (--from")[0]
    assert "the two" in Path(kept).read_text(encoding="utf-8")
    Path(kept).unlink()
    with Project.open(db) as project:
        text = project.text("int1")
    assert "tough" in text and "teh" in text  # bob's fix stands, alice's was not applied over it
