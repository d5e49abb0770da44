"""Team merge: the bulk copy paths (row-id translation, foreign-key handling) and malformed logs.

The ordinary merge tests (``test_merge.py``) use files whose row ids agree,
so codings are copied through the arithmetic id translation. These tests
give the target other ids, so the JSON-map translation runs too, and check
that both give the same rows as matching by GUID would.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from codebench.codebook import edits as codebook_edits
from codebench.codebook.format import default_codebook_path, load_codebook
from codebench.exchange.merge import match as merge_match
from codebench.exchange.merge.run import merge
from codebench.project import Project
from codebench.store import bulk, merge_sql
from codebench.store import events as event_sql


@pytest.fixture
def alice(tmp_path: Path, files: list[Path]) -> Path:
    """Alice's file: the codebook, int1 then int2, a code of her own, codings of both."""
    path = tmp_path / "alice.db"
    with Project.init(path, load_codebook(default_codebook_path())) as p:
        assert p.import_files(files).ok
        own = codebook_edits.add_code(p, "alice", "Alice's own code", parent="05")
        p.code_segments("alice", "int1", [1, 3], "04")
        p.code_segments("alice", "int2", [1], "05.2")
        p.code_segments("alice", "int2", [3], own.guid, allow_noncodable=True)  # interviewer
    return path


@pytest.fixture
def shuffled_team(tmp_path: Path, files: list[Path]):
    """A target whose row ids differ from alice's: transcripts imported the other way round,
    a code of its own where alice's own code has its id, and a coder of its own."""
    path = tmp_path / "team.db"
    with Project.init(path, load_codebook(default_codebook_path())) as p:
        assert p.import_files([files[1]]).ok
        assert p.import_files([files[0]]).ok
        codebook_edits.add_code(p, "lead", "The lead's code", parent="05")
        p.code_segments("lead", "int1", [1], "04")
    p = Project.open(path)
    yield p
    p.close()


def codings_by_guid(project: Project) -> dict[str, set[tuple[str, str, int, int]]]:
    out: dict[str, set[tuple[str, str, int, int]]] = {}
    for row in project.db.execute(
        "SELECT k.name, c.guid, t.sha256, g.start_char, g.end_char FROM codings g JOIN coders k ON k.id = g.coder_id"
        " JOIN codes c ON c.id = g.code_id JOIN transcripts t ON t.id = g.transcript_id"
    ):
        out.setdefault(row[0], set()).add(tuple(row[1:]))
    return out


def snapshot(project: Project) -> dict[str, list[tuple[Any, ...]]]:
    return {table: bulk.table_digest(project.db, table) for table in bulk.CONTENT_TABLES}


# --------------------------------------------------------------------- id translation


@pytest.mark.parametrize(
    ("mapping", "expected"),
    [
        ({}, None),
        ({7: 3}, (7, 7, -4)),
        ({1: 1, 2: 2, 3: 3}, (1, 3, 0)),
        ({4: 10, 5: 11, 6: 12}, (4, 6, 6)),
        ({1: 1, 3: 3}, None),  # a gap: BETWEEN 1 AND 3 would also take in id 2
        ({1: 2, 2: 1}, None),
        ({1: 1, 2: 2, 3: 5}, None),
    ],
)
def test_id_shift_only_accepts_one_unbroken_run_moved_by_a_constant(mapping, expected) -> None:
    assert merge_sql.id_shift(mapping) == expected


def test_merge_into_a_target_with_other_row_ids_places_every_coding_by_guid(
    shuffled_team, alice
) -> None:
    with Project.open(alice) as a:
        expected = codings_by_guid(a)["alice"]
        source_transcripts = {t.sha256: t.id for t in a.transcripts()}
    target_transcripts = {t.sha256: t.id for t in shuffled_team.transcripts()}
    assert source_transcripts != target_transcripts  # the JSON-map path is exercised

    report = merge(shuffled_team, [alice])

    assert report.ok, report.sources[0].refused
    assert codings_by_guid(shuffled_team)["alice"] == expected
    assert report.sources[0].added["codings"] == len(expected)
    coded = shuffled_team.events(actions=("coding.add",), coder="alice")
    assert coded and {e.transcript_id for e in coded} <= set(target_transcripts.values())


def test_merge_into_a_target_with_other_row_ids_is_idempotent(shuffled_team, alice) -> None:
    merge(shuffled_team, [alice])
    before = snapshot(shuffled_team)

    again = merge(shuffled_team, [alice])

    assert not again.changed
    assert snapshot(shuffled_team) == before


def test_json_and_arithmetic_translation_copy_the_same_rows(tmp_path: Path, alice) -> None:
    """The same maps, once as given (arithmetic) and once with a gap forced in (JSON): same codings."""
    results = []
    for force_json in (False, True):
        target = tmp_path / f"t{int(force_json)}.db"
        with Project.open(alice) as a:
            bulk.backup_to(a.db, target)
        with Project.open(target) as t:
            ids = {k.name: k.id for k in t.coders()}
            merge_sql.attach_readonly(t.db, alice)
            try:
                with t.transaction():
                    bulk.insert_row(
                        t.db,
                        "coders",
                        {
                            "guid": "g-copy",
                            "name": "copy",
                            "kind": "human",
                            "created_at": "2025-01-01",
                        },
                    )
                    copy_id = t.coder("copy").id
                    codes = {c: c for c in range(1, 100)}
                    transcripts = {1: 1, 2: 2}
                    if force_json:
                        transcripts[99] = 99  # no such transcript: makes the map non-contiguous
                    added = merge_sql.copy_codings(
                        t.db, {ids["alice"]: copy_id}, codes, transcripts
                    )
            finally:
                merge_sql.detach(t.db)
            results.append((added, codings_by_guid(t)["copy"]))
    assert results[0] == results[1] and results[0][0] == 4


# --------------------------------------------------------------------- foreign keys


def test_foreign_key_enforcement_is_back_on_after_every_kind_of_merge(
    tmp_path: Path, alice
) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"not a database")
    with Project.init(tmp_path / "team.db") as team:
        merge(team, [alice, bad])
        merge(team, [alice], dry_run=True)
        assert team.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_a_map_leading_to_a_missing_row_refuses_the_source(
    tmp_path: Path, alice, monkeypatch
) -> None:
    """The check that stands in for per-row foreign-key checks catches a wrong map before anything is written."""
    real = merge_match.match_coders

    def broken(ctx: merge_match.MergeContext) -> None:
        real(ctx)
        ctx.coders = {k: v + 1000 for k, v in ctx.coders.items()}

    monkeypatch.setattr("codebench.exchange.merge.run.match_coders", broken)
    with Project.init(tmp_path / "team.db") as team:
        report = merge(team, [alice])
        assert not report.ok and "FOREIGN KEY" in (report.sources[0].refused or "")
        assert bulk.table_counts(team.db) == {t: 0 for t in bulk.CONTENT_TABLES}


def test_check_ids_exist(tmp_path: Path, alice) -> None:
    with Project.open(alice) as a:
        ids = [t.id for t in a.transcripts()]
        merge_sql.check_ids_exist(a.db, "transcripts", ids + ids)
        merge_sql.check_ids_exist(a.db, "transcripts", [])
        with pytest.raises(sqlite3.IntegrityError):
            merge_sql.check_ids_exist(a.db, "transcripts", [*ids, 999])


# --------------------------------------------------------------------- malformed logs


def test_malformed_removal_events_do_not_stop_a_merge(tmp_path: Path, alice) -> None:
    """Regression: a ``coding.remove`` payload whose records are not objects used to raise AttributeError
    out of merge (or an unsupported-type error, refusing the file)."""
    with Project.open(alice) as a:
        code, transcript = a.code("04").guid, a.transcript("int1").guid
        [kept] = [c for c in a.codings(transcript="int1") if c.start == a.segments("int1")[3].start]
        removed_record = {
            "code": code,
            "transcript": transcript,
            "start": kept.start,
            "end": kept.end,
        }
        with a.transaction():
            coder = a.coder("alice").id
            for payload in (
                {"codings": [1, "x", None]},
                {"codings": "not a list"},
                {
                    "codings": [
                        {"code": ["unhashable"], "transcript": transcript, "start": 1, "end": 2}
                    ]
                },
                {
                    "codings": [
                        {"code": code, "transcript": transcript, "start": [1], "end": {"a": 2}}
                    ]
                },
            ):
                event_sql.log(a.db, "coding.remove", payload, coder_id=coder)
    with Project.init(tmp_path / "team.db") as team:
        assert merge(team, [alice]).ok
        with Project.open(alice) as a:  # now a real removal in alice's file, after the first merge
            a.remove_codings("alice", "04", "int1", [(kept.start, kept.end)])
            assert removed_record["start"] == kept.start

        report = merge(team, [alice])

        assert report.ok
        assert any("1 coding that" in c and "removed" in c for c in report.sources[0].conflicts)
