"""The project file refuses cleanly: damaged, read-only, locked, full, missing or empty.

Each test drives the CLI as a user would and asserts on three things: one
``Error:`` line naming the file, a non-zero exit, and the project (its bytes,
or its rows) exactly as it was.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from codebench.cli import cli
from codebench.codebook.format import default_codebook_path, load_codebook
from codebench.errors import ProjectError
from codebench.exchange.merge.run import merge
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


def invoke(*args: str, env: dict[str, str | None] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def one_error_line(result: Result) -> str:
    """The single ``Error:`` line of a refused command (no traceback, nothing else)."""
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    return lines[0]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def count(path: Path, sql: str) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute(sql).fetchone()[0])
    finally:
        conn.close()


# --------------------------------------------------------------------- damaged pages


def damage(path: Path) -> None:
    """Overwrite three pages in the middle of the file, as a failing disk or a bad copy would."""
    page = count(path, "PRAGMA page_size")
    pages = path.stat().st_size // page
    with path.open("r+b") as handle:
        handle.seek((pages // 2 - 1) * page)
        handle.write(b"\xff" * page * 3)
    conn = sqlite3.connect(path)
    try:  # the damage is real: SQLite's own check sees it
        verdict = conn.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError:
        verdict = "raised"
    finally:
        conn.close()
    assert verdict != "ok"


def test_a_damaged_project_is_refused_for_writing_and_left_byte_for_byte(db: Path) -> None:
    damage(db)
    before = digest(db)
    for args in (
        ["code-segment", "--coder", "bob", CEO, "4", "04"],
        ["import", str(SAMPLES / "05-activelife-director.txt")],
        ["status", "--coder", "bob", CEO, "done"],
    ):
        line = one_error_line(invoke("-p", str(db), *args))
        assert str(db) in line and "damaged" in line and ".recover" in line, line
    with pytest.raises(ProjectError, match="damaged"):
        Project.open(db)
    assert digest(db) == before
    assert not Path(f"{db}-wal").exists() or Path(f"{db}-wal").stat().st_size == 0


def test_a_damaged_merge_source_is_refused_and_the_good_one_beside_it_merged(
    db: Path, template: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.db"
    shutil.copy(template, bad)
    damage(bad)
    good = tmp_path / "good.db"
    shutil.copy(template, good)
    with Project.open(good) as project:
        project.code_segments("carol", CEO, [5], "04")
    bad_bytes = digest(bad)
    with Project.open(db) as target:
        report = merge(target, [bad, good])
        refused, merged = report.sources
        assert refused.refused and "damaged" in refused.refused and ".recover" in refused.refused
        assert merged.refused is None
        assert [c.name for c in target.coders()] == ["alice", "carol"]
    assert digest(bad) == bad_bytes


# --------------------------------------------------------------------- read-only


def run_without_write_permission(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI in a process that file permissions apply to.

    Root ignores permission bits; dropping the capabilities that let it do
    so (from the bounding set, so the child never regains them) makes a
    0444 file or a 0555 folder read-only to it as to anyone else.
    """
    command = [sys.executable, "-m", "codebench", *args]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: permission bits cannot apply")
        command = [setpriv, "--bounding-set", "-dac_override,-dac_read_search", *command]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        command, check=False, capture_output=True, text=True, env=env, timeout=120
    )


def error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


@pytest.fixture
def read_only_file(db: Path) -> Iterator[Path]:
    db.chmod(0o444)
    yield db
    db.chmod(0o644)


@pytest.fixture
def read_only_folder(db: Path) -> Iterator[Path]:
    db.parent.chmod(0o555)
    yield db
    db.parent.chmod(0o755)


@pytest.mark.parametrize("where", ["read_only_file", "read_only_folder"])
def test_a_read_only_project_reads_and_refuses_writes_in_one_line(
    where: str, request: pytest.FixtureRequest
) -> None:
    db: Path = request.getfixturevalue(where)
    before = digest(db)
    listing = run_without_write_permission("-p", str(db), "transcripts", "--format", "csv")
    assert listing.returncode == 0, listing.stderr
    assert CEO in listing.stdout
    shown = run_without_write_permission("-p", str(db), "segments", CEO, "--format", "json")
    assert shown.returncode == 0 and '"alice"' in shown.stdout, shown.stderr
    refused = run_without_write_permission(
        "-p", str(db), "code-segment", "--coder", "bob", CEO, "4", "04"
    )
    line = error_line(refused)
    assert f"{db} is read-only" in line, line
    assert digest(db) == before
    assert sorted(p.name for p in db.parent.iterdir() if p.name.startswith(db.name)) in (
        [db.name],
        [db.name, f"{db.name}-shm", f"{db.name}-wal"],
    )


# --------------------------------------------------------------------- locked, full


def test_a_project_locked_past_the_busy_timeout_is_one_line(db: Path) -> None:
    hold_the_write_lock = (
        "import sqlite3, sys, time\n"
        "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "c.execute('BEGIN IMMEDIATE')\n"
        "print('locked', flush=True)\n"
        "time.sleep(60)\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", hold_the_write_lock, str(db)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        result = invoke(
            "-p",
            str(db),
            "code-segment",
            "--coder",
            "alice",
            CEO,
            "4",
            "04",
            env={"CODEBENCH_BUSY_TIMEOUT_MS": "300"},
        )
    finally:
        holder.kill()
        holder.wait()
    line = one_error_line(result)
    assert str(db) in line and "locked by another program" in line and "0.3 s" in line, line
    assert count(db, "SELECT count(*) FROM codings") == 1


def test_a_full_disk_is_one_line_and_nothing_half_written(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Simulated with SQLite's own limit: ``max_page_count`` at the file's current size
    makes SQLite fail the first write needing a new page with SQLITE_FULL, the error
    a full disk gives."""
    connect = sqlite3.connect

    def capped(target: object, *args: object, **kwargs: object) -> sqlite3.Connection:
        conn = connect(target, *args, **kwargs)  # type: ignore[arg-type]
        if str(target) == str(db):
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            conn.execute(f"PRAGMA max_page_count = {pages}")
        return conn

    monkeypatch.setattr(sqlite3, "connect", capped)
    result = invoke("-p", str(db), "import", str(SAMPLES / "05-activelife-director.txt"))
    monkeypatch.undo()
    assert result.exit_code == 1, result.output
    assert "disk is full" in result.output and "Traceback" not in result.output, result.output
    assert count(db, "SELECT count(*) FROM transcripts") == 1
    assert (
        count(
            db,
            "SELECT count(*) FROM segments WHERE transcript_id NOT IN (SELECT id FROM transcripts)",
        )
        == 0
    )


@pytest.mark.parametrize(
    ("sqlite_says", "we_say"),
    [
        ("database is locked", "locked by another program"),
        ("database or disk is full", "the disk is full"),
        ("disk I/O error", "disk I/O error; nothing was saved"),
        ("attempt to write a readonly database", "is read-only"),
        ("unable to open database file", "cannot open the project file"),
        ("database disk image is malformed", "damaged"),
    ],
)
def test_every_failure_of_the_file_is_one_line_naming_it(
    db: Path, monkeypatch: pytest.MonkeyPatch, sqlite_says: str, we_say: str
) -> None:
    """The CLI's handler, fed the error SQLite raises mid-command (disk I/O errors and
    the like cannot be provoked on demand)."""

    def fail(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError(sqlite_says)

    monkeypatch.setattr(Project, "code_segments", fail)
    line = one_error_line(invoke("-p", str(db), "code-segment", "--coder", "bob", CEO, "4", "04"))
    assert str(db) in line and we_say in line, line


def test_a_bug_s_sqlite_error_keeps_its_traceback(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("no such column: nonsense")

    monkeypatch.setattr(Project, "code_segments", fail)
    with pytest.raises(sqlite3.OperationalError, match="no such column"):
        invoke("-p", str(db), "code-segment", "--coder", "bob", CEO, "4", "04")


# --------------------------------------------------------------------- missing, empty


def test_bare_codebench_without_a_project_is_one_line_and_points_at_the_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    env: dict[str, str | None] = {"CODEBENCH_PROJECT": None}
    line = one_error_line(invoke(env=env))
    assert "codebench.db: no project here" in line and "codebench-demo.db" not in line
    assert invoke("-p", "codebench-demo.db", "init", "--empty").exit_code == 0
    line = one_error_line(invoke(env=env))
    assert "-p codebench-demo.db" in line, line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["codebench-demo.db"]


@pytest.mark.parametrize(
    "args",
    [
        ["import", str(SAMPLES / f"{CEO}.txt")],
        ["codebook", "import", str(default_codebook_path())],
        ["transcripts"],
        ["code-segment", "--coder", "alice", CEO, "3", "04"],
    ],
)
def test_a_mistyped_project_path_is_refused_and_creates_nothing(
    args: list[str], tmp_path: Path
) -> None:
    typo = tmp_path / "stduy.db"
    line = one_error_line(invoke("-p", str(typo), *args))
    assert f"{typo}: no project here" in line
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "args", [["transcripts"], ["import", str(SAMPLES / f"{CEO}.txt")], ["codebook", "show"]]
)
def test_an_empty_file_is_not_silently_made_a_project(args: list[str], tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    line = one_error_line(invoke("-p", str(empty), *args))
    assert f"{empty}: empty file" in line
    assert empty.stat().st_size == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.db"]


def test_init_on_an_empty_file_makes_the_project_there(tmp_path: Path) -> None:
    empty = tmp_path / "new.db"
    empty.touch()
    assert invoke("-p", str(empty), "init").exit_code == 0
    assert count(empty, "SELECT count(*) FROM codes WHERE parent_id IS NULL") == 21


# --------------------------------------------------------------------- concurrent imports


@pytest.mark.parametrize("their_name", ["second.txt", "copy/second-copy.txt"])
def test_a_file_imported_meanwhile_by_another_process_is_unchanged_not_a_crash(
    db: Path, write_transcript, their_name: str
) -> None:
    """Two people import the same interview at once (under the same or another file name):
    the second to store it finds it there, inside its write transaction."""
    text = "Interviewer: Why?\nBo Chan: Money. And people.\n"
    first = write_transcript("first.txt", "Interviewer: Hello?\nAnn Lee: Hi there. All good.\n")
    second = write_transcript("second.txt", text)
    theirs = second.parent / their_name
    theirs.parent.mkdir(exist_ok=True)
    theirs.write_text(text, encoding="utf-8")

    def other_process_imports_it(name: str) -> None:
        if name == first.name:  # after this import looked, before it stores `second`
            with Project.open(db) as other:
                assert other.import_files([theirs]).imported == [theirs.stem]

    with Project.open(db) as project:
        report = project.import_files([first, second], progress=other_process_imports_it)
    assert report.imported == ["first"] and report.unchanged == ["second"] and report.ok
    assert count(db, "SELECT count(*) FROM transcripts") == 3
