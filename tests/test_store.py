"""The project store: pragmas, identity, migrations with backup, integrity guards."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from codebench.errors import ProjectError
from codebench.project import Project
from codebench.store import migrations
from codebench.store.connection import APPLICATION_ID, open_database


def test_new_project_has_pragmas_and_identity(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    db = open_database(path, create=True)
    conn = db.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(migrations.known_names())
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {
        "codes",
        "transcripts",
        "segments",
        "coders",
        "codings",
        "memos",
        "coder_status",
        "events",
        "attributes",
    } <= tables
    db.close()


def test_missing_project_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="no project here"):
        Project.open(tmp_path / "nope.db")


def test_refuses_non_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("just some notes, not a database " * 10)
    with pytest.raises(ProjectError, match="not an SQLite file"):
        Project.open(path)
    assert path.read_text().startswith("just some notes")


def test_refuses_other_applications_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE things (x)")
    conn.commit()
    conn.close()
    with pytest.raises(ProjectError, match="another application"):
        Project.open(path)
    conn = sqlite3.connect(path)
    assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["things"]
    conn.close()


def test_refuses_project_from_newer_version(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    Project.init(path).close()
    conn = sqlite3.connect(path)
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('codebench', '9999_future', 'x')"
    )
    conn.commit()
    conn.close()
    with pytest.raises(ProjectError, match="newer codebench"):
        Project.open(path)


def test_backup_written_before_migrating(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = open_database(path, create=True, migrate=False)
    migrations.migrate(db, path, stop_before="0002_indexes_and_guards")
    db.execute("INSERT INTO meta (key, value) VALUES ('marker', 'kept')")
    db.close()
    assert migrations.known_names()[-1] != "0001_core"

    project = Project.open(path)  # runs the pending migration
    backups = list(tmp_path.glob("old.backup-v1-*.db"))
    assert len(backups) == 1
    old = sqlite3.connect(backups[0])
    names = [r[0] for r in old.execute("SELECT name FROM _sqlite_migrations ORDER BY id")]
    assert names == ["0001_core"]
    assert old.execute("SELECT value FROM meta WHERE key='marker'").fetchone()[0] == "kept"
    old.close()
    assert migrations.applied_names(project.db) == migrations.known_names()
    project.close()
    # Opening an up-to-date project writes no further backup.
    Project.open(path).close()
    assert len(list(tmp_path.glob("old.backup-*"))) == 1


def test_event_log_is_append_only(interview: Project) -> None:
    db = interview.db
    assert db.execute("SELECT count(*) FROM events").fetchone()[0] > 0
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("UPDATE events SET action = 'x'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("DELETE FROM events")


def test_transcript_text_changes_only_to_a_kept_version(interview: Project) -> None:
    with pytest.raises(sqlite3.DatabaseError, match="correction"):
        interview.db.execute("UPDATE transcripts SET text = 'changed'")


def test_codings_are_unique_and_indexed(interview: Project) -> None:
    t = interview.transcript("int1")
    first = interview.code_segments("alice", t, [1], "03")
    again = interview.code_segments("alice", t, [1], "03")
    assert len(first) == 1 and again == []
    assert interview.db.execute("SELECT count(*) FROM codings").fetchone()[0] == 1
    for where in (
        "code_id = 1 AND transcript_id = 1",
        "coder_id = 1 AND code_id = 1",
        "transcript_id = 1 AND coder_id = 1",
    ):
        plan = " ".join(
            r[3]
            for r in interview.db.execute(f"EXPLAIN QUERY PLAN SELECT * FROM codings WHERE {where}")
        )
        assert "USING INDEX" in plan, (where, plan)


def test_foreign_keys_enforced(interview: Project) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        interview.db.execute(
            "INSERT INTO codings (coder_id, code_id, transcript_id, start_char, end_char, created_at) VALUES (999, 1, 1, 0, 5, 'x')"
        )


def test_two_connections_write_without_lost_updates(tmp_path: Path, write_transcript) -> None:
    from codebench.codebook.format import default_codebook_path, load_codebook

    path = tmp_path / "shared.db"
    a = Project.init(path, load_codebook(default_codebook_path()))
    a.import_files(
        [write_transcript("t.txt", "Ann: One. Two. Three. Four. Five. Six.\nBob: Seven. Eight.\n")]
    )
    b = Project.open(path)
    for i in range(6):
        (a if i % 2 else b).code_segments("alice" if i % 2 else "bob", "t", [i], "01")
    assert len(a.codings()) == 6 and len(b.codings()) == 6
    a.close()
    b.close()


def test_opening_a_second_handle_keeps_this_process_locks(tmp_path: Path) -> None:
    """POSIX locks are per process: a stray open()/close() of the file would drop them.

    Without its shared lock on the database file, another process that opens
    and closes the project believes it is the last user and deletes the WAL
    under our feet, and our later commits vanish.
    """
    import subprocess
    import sys

    path = tmp_path / "locks.db"
    first = Project.init(path)
    first.set_setting("before", "1")
    second = Project.open(path)  # a second handle in the same process
    touch = f"import sqlite3; c = sqlite3.connect({str(path)!r}); c.execute('SELECT count(*) FROM meta').fetchone(); c.close()"
    subprocess.run([sys.executable, "-c", touch], check=True)
    first.set_setting("after", "2")
    read = f"import sqlite3; c = sqlite3.connect({str(path)!r}); print(dict(c.execute('SELECT key, value FROM meta')))"
    seen = subprocess.run(
        [sys.executable, "-c", read], capture_output=True, text=True, check=True
    ).stdout
    assert "'after': '2'" in seen
    second.close()
    first.close()
