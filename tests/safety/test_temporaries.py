"""Temporaries of a killed export are recognised and removed by a later run; live ones are kept."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from codebench.fileio import write_atomic

REPO = Path(__file__).resolve().parents[2]


def _dead_pid() -> int:
    """The id of a process that has exited."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.fixture
def sleeper():
    """A live process (its id is in use while the test runs)."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield child.pid
    child.kill()
    child.wait()


def test_a_killed_export_leaves_a_recognisable_temporary_that_the_next_run_removes(
    tmp_path: Path,
) -> None:
    target = tmp_path / "report.csv"
    script = textwrap.dedent(
        f"""
        import time
        from codebench.fileio import write_atomic_with
        def writer(handle):
            handle.write(b"x" * 1000)
            handle.flush()
            time.sleep(60)
        write_atomic_with({str(target)!r}, writer)
        """
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script], env={**os.environ, "PYTHONPATH": str(REPO)}
    )
    try:
        for _ in range(600):
            leftovers = [p for p in tmp_path.iterdir() if p.name != "report.csv"]
            if leftovers and leftovers[0].stat().st_size:
                break
            time.sleep(0.05)
        else:
            pytest.fail("the writer never started")
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    (leftover,) = leftovers
    assert leftover.name.startswith(f".report.csv.codebench-tmp-{child.pid}-")
    assert leftover.exists()  # kill -9: nothing could clean up
    write_atomic(target, "a,b\n")
    assert target.read_text() == "a,b\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.csv"]


def test_stale_temporaries_of_every_naming_go_and_others_stay(tmp_path: Path, sleeper: int) -> None:
    dead = _dead_pid()
    old = time.time() - 7 * 3600
    stale = [
        tmp_path / f".out.xlsx.codebench-tmp-{dead}-abcd1234",  # this version, process gone
        tmp_path / f".out.xlsx.{dead}.tmp",  # the REFI-QDA writer's naming
        tmp_path / ".out.xlsx.k2j4h5g6.tmp",  # mkstemp naming of earlier versions (old)
    ]
    kept = [
        tmp_path / f".out.xlsx.codebench-tmp-{sleeper}-efgh5678",  # a live writer
        tmp_path / ".out.xlsx.q1w2e3r4.tmp",  # earlier naming, recent: may be in flight
        tmp_path / f".other.xlsx.codebench-tmp-{dead}-abcd1234",  # another file's
        tmp_path / ".out.xlsx.notes",
    ]
    for path in stale + kept:
        path.write_bytes(b"partial")
    os.utime(stale[2], (old, old))
    write_atomic(tmp_path / "out.xlsx", b"done")
    assert [p.exists() for p in stale] == [False, False, False]
    assert [p.exists() for p in kept] == [True, True, True, True]


def test_a_qdpx_export_removes_its_killed_predecessors(coded_project, tmp_path: Path) -> None:
    from codebench.exchange.qdpx.project import export_qdpx

    target = tmp_path / "study.qdpx"
    leftover = tmp_path / f".study.qdpx.{_dead_pid()}.tmp"
    leftover.write_bytes(b"PK partial")
    export_qdpx(coded_project, target)
    assert target.exists()
    assert not leftover.exists()


def test_stale_working_folders_of_killed_runs_are_removed(
    coded_project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sleeper: int
) -> None:
    from codebench.exchange.merge.run import merge

    base = tmp_path / "tmp"
    base.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(base))
    dead = base / f"codebench-merge-{_dead_pid()}-x1y2z3"
    live = base / f"codebench-merge-{sleeper}-a1b2c3"
    unrelated = base / "something-else"
    for folder in (dead, live, unrelated):
        folder.mkdir()
        (folder / "copy.db").write_bytes(b"big")
    source = tmp_path / "source.db"
    coded_project.db.conn.execute("VACUUM INTO ?", [str(source)])
    report = merge(coded_project, [source], dry_run=True)
    assert report.ok
    assert not dead.exists()
    assert live.exists() and unrelated.exists()
    assert [p.name for p in base.iterdir() if p.name.startswith("codebench-")] == [live.name]


@pytest.fixture
def coded_project(interview):
    interview.code_segments("alice", "int1", [1], "08")
    return interview
