"""The stored coding → segment mapping (migration 0014) stays exact on every write path."""

from __future__ import annotations

import contextlib
import random
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codebench.codebook.format import default_codebook_path, load_codebook
from codebench.coding.correction import correct_text
from codebench.coding.history import redo, undo
from codebench.errors import CodebenchError
from codebench.project import Project
from codebench.store import migrations
from codebench.store.coding_segments import recomputed_mapping, stored_mapping


def assert_exact(project: Project) -> None:
    assert stored_mapping(project.db) == recomputed_mapping(project.db)


def _build(folder: Path) -> Project:
    project = Project.init(folder / "p.db", load_codebook(default_codebook_path()))
    for name in ("a", "b"):
        path = folder / f"{name}.txt"
        path.write_text(
            "".join(
                f"Ann Lee: Sentence {name}{i} has words. Another one {i} here.\n" for i in range(6)
            ),
            encoding="utf-8",
        )
        assert project.import_files([path]).ok
    return project


def test_migration_fills_the_table_for_an_existing_project(tmp_path: Path) -> None:
    project = _build(tmp_path)
    try:
        text = project.text("a")
        project.add_codings("alice", "03", "a", [(0, len(text) // 2), (5, 9)])
        project.code_segments("bob", "b", [1, 2], "04")
        expected = stored_mapping(project.db)
        assert expected and expected == recomputed_mapping(project.db)
        # Spanning coding: one row per overlapped segment, overlaps summing to its length.
        spanning = [r for r in expected if r[0] == expected[0][0]]
        assert len(spanning) > 1
        project.db.execute("DROP TABLE coding_segments")
        project.db.execute("DROP INDEX segments_extent")
        for name in list(project.db.triggers_dict):
            if name.startswith("coding_segments_"):
                project.db.execute(f"DROP TRIGGER {name}")
        project.db.execute("DELETE FROM _sqlite_migrations WHERE name = '0014_coding_segments'")
        project.db.conn.commit()
        migrations.migrate(project.db, tmp_path / "p.db")
        assert stored_mapping(project.db) == expected
    finally:
        project.close()


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(seed=st.integers(0, 10_000), steps=st.integers(4, 14))
def test_random_writes_keep_the_mapping_equal_to_a_recomputation(seed: int, steps: int) -> None:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as folder:
        project = _build(Path(folder))
        try:
            for _ in range(steps):
                op = rng.choice(
                    ["code", "code", "span", "uncode", "undo", "redo", "correct", "merge", "remove"]
                )
                coder = rng.choice(["alice", "bob"])
                name = rng.choice([t.name for t in project.transcripts()] or ["a"])
                # A refused operation writes nothing; the check below still holds.
                with contextlib.suppress(CodebenchError):
                    _step(project, op, coder, name, rng)
                assert_exact(project)
        finally:
            project.close()


def _step(project: Project, op: str, coder: str, name: str, rng: random.Random) -> None:
    from codebench.codebook.edits import merge_codes

    if not project.transcripts():
        return
    segments = [s.ordinal for s in project.segments(name) if s.codable]
    code = rng.choice(["03", "04", "05", "06"])
    if op == "code" and segments:
        project.code_segments(coder, name, rng.sample(segments, min(2, len(segments))), code)
    elif op == "span":
        length = len(project.text(name))
        a = rng.randrange(0, length - 1)
        project.add_codings(coder, code, name, [(a, min(length, a + rng.randint(1, 90)))])
    elif op == "uncode" and segments:
        project.uncode_segments(coder, name, rng.sample(segments, 1), code)
    elif op == "undo":
        undo(project, coder)
    elif op == "redo":
        redo(project, coder)
    elif op == "correct":
        text = project.text(name)
        a = rng.randrange(0, len(text))
        b = min(len(text), a + rng.randint(0, 10))
        correct_text(project, name, text[:a] + rng.choice(["", "zz ", "Q"]) + text[b:], coder)
    elif op == "merge":
        merge_codes(project, coder, project.code("05"), project.code("06"))
    elif op == "remove" and len(project.transcripts()) > 1:
        project.remove_transcript(name)


def test_jsonl_import_and_merge_keep_the_mapping_exact(tmp_path: Path) -> None:
    from codebench.exchange.jsonl import export_jsonl, import_jsonl
    from codebench.exchange.merge.run import merge

    source = _build(tmp_path)
    try:
        text = source.text("a")
        source.add_codings("alice", "03", "a", [(3, len(text) - 3)])
        source.code_segments("bob", "b", [1, 2, 3], "04")
        export_jsonl(source, tmp_path / "dump.jsonl")
        rows = len(stored_mapping(source.db))
    finally:
        source.close()
    loaded = Project.init(tmp_path / "loaded.db", load_codebook(default_codebook_path()))
    try:
        import_jsonl(tmp_path / "dump.jsonl", loaded)
        assert len(stored_mapping(loaded.db)) == rows > 0
        assert_exact(loaded)
    finally:
        loaded.close()
    target = Project.init(tmp_path / "target.db", load_codebook(default_codebook_path()))
    try:
        merge(target, [tmp_path / "p.db"])
        assert len(stored_mapping(target.db)) == rows
        assert_exact(target)
    finally:
        target.close()
