"""Attacks from issue 10 re-run end to end through the CLI, and the holes they found.

Each test drives ``codebench`` as a user would, on a file built to break it,
and asserts on one ``Error:`` line (or the clean outcome), the exit status
and what the project holds afterwards.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from codebench.cli import cli
from codebench.codebook.format import default_codebook_path, load_codebook
from codebench.project import Project

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "transcripts"
CEO = "01-riverside-ceo"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with the codebook and one interview, its WAL folded into the file."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    with Project.init(path, load_codebook(default_codebook_path())) as project:
        assert project.import_files([SAMPLES / f"{CEO}.txt"]).ok
        project.code_segments("alice", CEO, [3], "04")
        project.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def db(template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "study.db"
    shutil.copy(template, path)
    return path


def invoke(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def one_error_line(result: Result) -> str:
    """The single ``Error:`` line of a refused command (no traceback, nothing else)."""
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    return lines[0]


# ------------------------------------------------------------ item 4: the backstop
def _chain_of_codes(path: Path, levels: int) -> None:
    """Codes nested ``levels`` deep, written straight into the file (no reader checks them)."""
    connection = sqlite3.connect(path)
    parent = None
    with connection:
        for level in range(levels):
            parent = connection.execute(
                "INSERT INTO codes (guid, parent_id, name, created_at) VALUES (?, ?, ?, ?)",
                (f"{level:08d}-2222-4222-8222-222222222222", parent, f"deep{level}", "2026"),
            ).lastrowid
    connection.close()


@pytest.mark.parametrize(
    "command",
    [
        ["codebook", "show"],
        ["codebook", "export", "-o", "{tmp}/book.yaml"],
        ["export", "qdpx", "-o", "{tmp}/out.qdpx"],
    ],
    ids=["codebook-show", "codebook-export", "export-qdpx"],
)
def test_a_code_tree_past_the_recursion_limit_is_one_line_naming_the_project(
    db: Path, tmp_path: Path, command: list[str]
) -> None:
    _chain_of_codes(db, 3000)
    args = [part.replace("{tmp}", str(tmp_path)) for part in command]
    line = one_error_line(invoke("-p", str(db), *args))
    assert str(db) in line and "nested too deeply" in line
    assert "out.qdpx" not in line and "book.yaml" not in line  # outputs are not blamed
    assert not (tmp_path / "out.qdpx").exists() and not (tmp_path / "book.yaml").exists()
    assert not [p for p in tmp_path.iterdir() if "codebench-tmp" in p.name]
