"""Large imports run in a fork pool; they must store exactly what one process stores."""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

import pytest

from codebench.codebook.format import default_codebook_path, load_codebook
from codebench.ingest import prepare, segmentation, workers
from codebench.ingest.workers import WorkerPool
from codebench.project import Project

SAMPLES = Path(__file__).resolve().parents[1] / "transcripts"


def _snapshot(project: Project) -> dict[str, tuple[str, str, list[tuple]]]:
    """Every transcript's text, format and segments, by name."""
    out = {}
    for t in project.transcripts():
        segments = [
            (s.ordinal, s.start, s.end, s.speaker, s.codable, s.timestamp)
            for s in project.segments(t.name)
        ]
        out[t.name] = (t.sha256, t.source_format, segments)
    return out


def _import(
    folder: Path, db: Path, *, workers: str, monkeypatch: pytest.MonkeyPatch
) -> tuple[Project, object]:
    monkeypatch.setenv("CODEBENCH_WORKERS", workers)
    project = Project.init(db, load_codebook(default_codebook_path()))
    return project, project.import_files([folder])


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The samples plus one bad file and one copy of a sample under another name."""
    target = tmp_path / "in"
    shutil.copytree(SAMPLES, target)
    (target / "attributes.csv").unlink()
    (target / "broken.txt").write_bytes(b"\x00\x01\x02 binary \xff\xfe" * 50)
    shutil.copy(
        target / min(p.name for p in target.glob("*.txt") if p.name != "broken.txt"),
        target / "zz-copy.txt",
    )
    return target


def test_pool_stores_the_same_as_one_process(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    one, serial = _import(folder, tmp_path / "one.db", workers="1", monkeypatch=monkeypatch)
    monkeypatch.setattr(prepare, "PARALLEL_MIN_CHARS", 0)  # pool even for the small samples
    many, pooled = _import(folder, tmp_path / "many.db", workers="2", monkeypatch=monkeypatch)
    assert pooled.imported == serial.imported and len(pooled.imported) >= 8
    assert pooled.unchanged == serial.unchanged == ["zz-copy"]
    assert (
        [p for p, _ in pooled.failed]
        == [p for p, _ in serial.failed]
        == [str(folder / "broken.txt")]
    )
    assert pooled.segments == serial.segments > 500
    assert pooled.words == serial.words
    assert _snapshot(many) == _snapshot(one)


def test_pool_reimport_is_a_no_op(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(prepare, "PARALLEL_MIN_CHARS", 0)
    project, first = _import(folder, tmp_path / "p.db", workers="2", monkeypatch=monkeypatch)
    events = len(project.events())
    again = project.import_files([folder])
    # the copy is reported under the name its text is stored as
    assert again.imported == [] and again.failed == first.failed
    assert len(again.unchanged) == len(first.imported) + 1 and set(again.unchanged) == set(
        first.imported
    )
    assert len(project.events()) == events


def test_one_large_text_splits_its_sentences_in_the_pool(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A single file bypasses the file pool; its paragraphs go to the sentence pool instead."""
    text = "".join(
        f"Ann: Sentence {i} is here. And another one follows it!\n\nBob: Why {i}? Because.\n"
        for i in range(300)
    )
    path = tmp_path / "long.txt"
    path.write_text(text, encoding="utf-8")
    one, _ = _import(path, tmp_path / "one.db", workers="1", monkeypatch=monkeypatch)
    monkeypatch.setattr(segmentation, "PARALLEL_MIN_CHARS", 0)
    many, _ = _import(path, tmp_path / "many.db", workers="2", monkeypatch=monkeypatch)
    assert _snapshot(many) == _snapshot(one)
    assert len(_snapshot(one)["long"][2]) == 300 * 4


_real_prepare_file = prepare.prepare_file


def _dies_in_a_worker(
    path: Path, options: prepare.Options, known: frozenset[str] = frozenset()
) -> prepare.Outcome:
    """``prepare_file``, except that a worker process running it dies on the spot."""
    if workers._in_worker:
        os._exit(1)
    return _real_prepare_file(path, options, known)


def test_a_pool_whose_worker_dies_finishes_the_import_in_process(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    one, serial = _import(folder, tmp_path / "one.db", workers="1", monkeypatch=monkeypatch)
    monkeypatch.setattr(prepare, "PARALLEL_MIN_CHARS", 0)
    monkeypatch.setattr(prepare, "prepare_file", _dies_in_a_worker)
    many, pooled = _import(folder, tmp_path / "many.db", workers="2", monkeypatch=monkeypatch)
    assert pooled.imported == serial.imported and pooled.failed == serial.failed
    assert _snapshot(many) == _snapshot(one)


def _where_and_how_many(_: object) -> tuple[int, int]:
    return os.getpid(), workers.worker_count()


def test_workers_do_not_start_pools_of_their_own(monkeypatch: pytest.MonkeyPatch) -> None:
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(1) as pool:
        assert pool.apply(workers.worker_count) == 1
    monkeypatch.setenv("CODEBENCH_WORKERS", "2")
    assert workers.worker_count() == 2
    with WorkerPool(2) as service_pool:
        answers = list(service_pool.map(_where_and_how_many, range(4)))
    assert all(pid != os.getpid() and count == 1 for pid, count in answers), answers


def test_a_pool_left_early_stops_its_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODEBENCH_WORKERS", "2")
    with WorkerPool(2) as pool:
        pool.start()
        assert pool.running
        processes = list(pool._executor._processes.values())  # type: ignore[union-attr]
        assert len(processes) == 2
    assert not pool.running
    assert [p.exitcode for p in processes] == [-signal.SIGTERM] * 2
