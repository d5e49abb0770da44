"""The CLI, driven as a user would, asserting on the database afterwards."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from codebench.cli import cli
from codebench.project import Project

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "transcripts"


def run(db: Path, *args: str, ok: bool = True, env: dict | None = None):
    result = CliRunner().invoke(cli, ["-p", str(db), *args], env=env, catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def count(db: Path, sql: str) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "study.db"
    run(path, "init")
    return path


def test_init_loads_the_codebook(db: Path) -> None:
    assert count(db, "SELECT count(*) FROM codes WHERE parent_id IS NULL") == 21


def test_import_samples_then_segments_show_speakers(db: Path) -> None:
    result = run(db, "import", str(SAMPLES), "--attributes", str(SAMPLES / "attributes.csv"))
    assert "9 imported, 0 unchanged, 0 failed" in result.output
    assert count(db, "SELECT count(*) FROM transcripts") == 9
    assert count(db, "SELECT count(DISTINCT transcript_id) FROM attributes WHERE key = 'role'") == 9
    rows = json.loads(run(db, "segments", "02-riverside-nurse", "--format", "json").output)
    speakers = {r["speaker"] for r in rows}
    assert speakers == {"Interviewer", "Jo Kendrick"}
    assert all(not r["codable"] for r in rows if r["speaker"] == "Interviewer")
    # the file name resolves to the same transcript
    by_file = json.loads(run(db, "segments", "02-riverside-nurse.vtt", "--format", "json").output)
    assert by_file == rows
    # re-importing is a no-op
    again = run(db, "import", str(SAMPLES))
    assert "0 imported, 9 unchanged" in again.output
    assert count(db, "SELECT count(*) FROM transcripts") == 9


def test_every_sample_has_two_or_more_speakers_and_many_sentences(db: Path) -> None:
    run(db, "import", str(SAMPLES))
    listing = json.loads(run(db, "transcripts", "--format", "json").output)
    assert len(listing) == 9
    for item in listing:
        rows = json.loads(run(db, "segments", item["name"], "--format", "json").output)
        speakers = {r["speaker"] for r in rows if r["speaker"]}
        assert len(speakers) == 2, (item["name"], speakers)
        assert sum(r["codable"] for r in rows) > 80, item["name"]
        assert all(r["text"] and not r["text"][0].isspace() for r in rows)


def test_bad_files_fail_individually(db: Path, tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "good.txt").write_text("Interviewer: Hi?\nAnn Lee: Hello there.\n")
    (folder / "empty.txt").write_text("")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 10)
    (folder / "broken.docx").write_bytes(b"PK\x03\x04 broken")
    result = run(db, "import", str(folder), ok=False)
    assert result.exit_code == 1
    assert "imported  good" in result.output
    for name in ("empty.txt", "binary.txt", "broken.docx"):
        assert name in result.output
    assert count(db, "SELECT count(*) FROM transcripts") == 1
    assert (
        count(
            db,
            "SELECT count(*) FROM segments WHERE transcript_id NOT IN (SELECT id FROM transcripts)",
        )
        == 0
    )


def test_unsupported_file_and_missing_path(db: Path, tmp_path: Path) -> None:
    odd = tmp_path / "notes.pdf"
    odd.write_bytes(b"%PDF")
    result = run(db, "import", str(odd), str(tmp_path / "missing.txt"), ok=False)
    assert result.exit_code == 1
    assert "unsupported file type '.pdf'" in result.output and "no such file" in result.output


def test_code_uncode_segment_and_status(db: Path, tmp_path: Path) -> None:
    run(db, "import", str(SAMPLES / "01-riverside-ceo.txt"))
    run(db, "code-segment", "--coder", "alice", "01-riverside-ceo", "3", "04.1")
    run(db, "code-segment", "--coder", "alice", "01-riverside-ceo", "3", "innovation strategy")
    run(db, "code-segment", "--coder", "alice", "01-riverside-ceo", "3", "04.1")  # idempotent
    assert count(db, "SELECT count(*) FROM codings") == 2
    rows = json.loads(run(db, "segments", "01-riverside-ceo", "--format", "json").output)
    assert rows[3]["codes"] == {"alice": ["04.1", "12"]}
    run(db, "uncode-segment", "--coder", "alice", "01-riverside-ceo", "3", "12")
    assert count(db, "SELECT count(*) FROM codings") == 1
    bad = run(db, "code-segment", "--coder", "alice", "01-riverside-ceo", "9999", "04", ok=False)
    assert bad.exit_code == 1 and "no segment 9999" in bad.output
    unknown = run(
        db, "code-segment", "--coder", "alice", "01-riverside-ceo", "3", "zebra", ok=False
    )
    assert "no code 'zebra'" in unknown.output
    assert run(db, "status", "--coder", "alice", "01-riverside-ceo").output.strip() == "not-started"
    # Marking done with codable segments uncoded needs --yes (issue 11: it was one careless step).
    refused = run(db, "status", "--coder", "alice", "01-riverside-ceo", "done", ok=False)
    assert refused.exit_code == 1
    assert "still uncoded by alice" in refused.output and "--yes" in refused.output
    assert run(db, "status", "--coder", "alice", "01-riverside-ceo").output.strip() == "not-started"
    run(db, "status", "--coder", "alice", "01-riverside-ceo", "done", "--yes")
    assert run(db, "status", "--coder", "alice", "01-riverside-ceo").output.strip() == "done"
    coders = json.loads(run(db, "coders", "--format", "json").output)
    assert coders == [
        {
            "name": "alice",
            "kind": "human",
            "codings": 1,
            "transcripts_done": 1,
            "transcripts_in_progress": 0,
        }
    ]
    assert (
        count(
            db,
            "SELECT count(*) FROM events WHERE action IN ('coding.add', 'coding.remove', 'status.set')",
        )
        == 4
    )


def test_import_codings_csv_is_atomic_and_idempotent(db: Path, tmp_path: Path) -> None:
    run(db, "import", str(SAMPLES / "01-riverside-ceo.txt"))
    good = tmp_path / "good.csv"
    good.write_text(
        "coder,transcript,segment,code,memo\nalice,01-riverside-ceo,3,01,\nbob,01-riverside-ceo,3,02,unsure\nalice,01-riverside-ceo.txt,4,01,\n"
    )
    result = run(db, "import-codings", str(good), "--new-coder")
    assert "3 codings added, 1 memo added" in result.output
    assert (
        run(db, "import-codings", str(good))
        .output.strip()
        .endswith("0 codings added, 0 memos added")
    )
    assert (
        count(db, "SELECT count(*) FROM codings") == 3
        and count(db, "SELECT count(*) FROM memos") == 1
    )
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "coder,transcript,segment,code\ncarol,01-riverside-ceo,5,01\ncarol,01-riverside-ceo,6,99\n"
    )
    failed = run(db, "import-codings", str(bad), "--new-coder", ok=False)
    assert failed.exit_code == 1 and f"{bad}:3" in failed.output and "no code '99'" in failed.output
    assert count(db, "SELECT count(*) FROM codings") == 3
    assert count(db, "SELECT count(*) FROM coders WHERE name = 'carol'") == 0


def test_project_from_environment(tmp_path: Path) -> None:
    path = tmp_path / "env.db"
    result = CliRunner().invoke(cli, ["init", "--empty"], env={"CODEBENCH_PROJECT": str(path)})
    assert result.exit_code == 0 and path.exists()


def test_missing_project_is_one_line_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["-p", str(tmp_path / "none.db"), "transcripts"])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "Error:" in result.output


def test_codebook_show_and_export(db: Path, tmp_path: Path) -> None:
    shown = run(db, "codebook", "show").output
    assert "04 Ethos - mission - cultures" in shown and "13.1" in shown
    out = tmp_path / "cb.md"
    run(db, "codebook", "export", "-o", str(out))
    assert out.read_text().startswith("# ")
    as_json = json.loads(run(db, "codebook", "export", "--format", "json").output)
    assert len(as_json["codes"]) == 21
    yml = tmp_path / "cb.yaml"
    run(db, "codebook", "export", "-o", str(yml))
    other = tmp_path / "other.db"
    run(other, "init", "--codebook", str(yml))
    assert Project.open(other).codes()[3].guid == Project.open(db).codes()[3].guid


def test_python_m_and_help_are_fast() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "codebench", "--help"], capture_output=True, text=True, check=True
    )
    assert "codebench" in out.stdout and "import" in out.stdout
    check = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from codebench.cli import cli\n"
            "try:\n    cli(['--help'])\nexcept SystemExit: pass\n"
            "print(sorted(m for m in ('spacy', 'textual', 'numpy', 'openpyxl', 'docx') if m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert check.stdout.strip().endswith("[]")


def test_every_command_has_help_with_an_example() -> None:
    import click

    def walk(group: click.Group, prefix: str = ""):
        for name, command in group.commands.items():
            if isinstance(command, click.Group):
                yield from walk(command, f"{prefix}{name} ")
            else:
                yield f"{prefix}{name}", command

    for name, command in walk(cli):
        assert command.help and "Example" in command.help, name


def test_a_group_without_its_subcommand_prints_its_help_on_many_lines(tmp_path: Path) -> None:
    """`codebench team` (or round, codebook, ...) shows the group's help as click
    lays it out; the one-line error rule is for mistakes, not for help."""
    import click

    def groups(group: click.Group, prefix: tuple[str, ...] = ()):
        for name, command in group.commands.items():
            if isinstance(command, click.Group):
                if not command.invoke_without_command:  # e.g. `speakers` lists them
                    yield (*prefix, name), command
                yield from groups(command, (*prefix, name))

    found = list(groups(cli))
    assert len(found) >= 3
    for words, group in found:
        result = CliRunner().invoke(cli, ["-p", str(tmp_path / "p.db"), *words])
        assert "\u240a" not in result.output, words
        lines = result.output.splitlines()
        assert len(lines) > 5, (words, result.output)
        assert lines[0].startswith("Usage: "), words
        assert "Commands:" in result.output, words
        for sub in group.commands:
            assert sub in result.output, (words, sub)


def test_status_done_warns_with_the_count_of_uncoded_segments(db: Path) -> None:
    run(db, "import", str(SAMPLES / "01-riverside-ceo.txt"))
    with Project.open(db) as project:
        codable = [s.ordinal for s in project.segments("01-riverside-ceo") if s.codable]
        project.code_segments("alice", "01-riverside-ceo", codable[:3], "04")
    left = len(codable) - 3
    refused = run(db, "status", "--coder", "alice", "01-riverside-ceo", "done", ok=False)
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert f"{left} of {len(codable)} codable segments are still uncoded by alice" in refused.output
    done = run(db, "status", "--coder", "alice", "01-riverside-ceo", "done", "--yes")
    assert f"warning: {left} of {len(codable)}" in done.output
    with Project.open(db) as project:
        assert project.status("alice", "01-riverside-ceo") == "done"
        project.code_segments("alice", "01-riverside-ceo", codable[3:], "04")
        project.set_status("alice", "01-riverside-ceo", "in-progress")
    quiet = run(db, "status", "--coder", "alice", "01-riverside-ceo", "done")
    assert "warning" not in quiet.output


def test_reimporting_with_segmentation_options_says_they_were_not_applied(
    db: Path, tmp_path: Path
) -> None:
    """``import --unit turn`` on a file already imported changes nothing, and says so."""
    interview = tmp_path / "b.txt"
    interview.write_text("Interviewer: Hi?\nAnn: Hello there. We grew.\n", encoding="utf-8")
    run(db, "import", str(interview))
    quiet = run(db, "import", str(interview)).output
    assert "unchanged b (already imported)" in quiet and "note:" not in quiet
    again = run(db, "import", str(interview), "--unit", "turn", "--interviewer-codable").output
    assert "note: --unit, --interviewer-codable applied only to newly imported files" in again
    assert count(db, "SELECT count(*) FROM segments") == 3  # still sentences
