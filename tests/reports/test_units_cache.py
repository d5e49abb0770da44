"""The stored report units: every report from them equals a fresh build, across every kind of write.

A seeded random walk of writes (codings added, deleted, moved and recoded,
segments edited, attributes changed, codes merged, some by codebench and
some by raw SQL) runs on the small project; after each, every report for
several coder selections is computed twice, from the stored units and from
a fresh build, and the two must be identical. The store must also be used
(no codings read on a second report) and never trusted across a write.
"""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from codebench import reports
from codebench.analysis.explain import CellSpec, explain
from codebench.codebook.edits import merge_codes
from codebench.project import Project
from codebench.reports import coded_units
from codebench.reports.crossed import crossed
from codebench.reports.writers import to_json
from codebench.store import aggregates, units_cache
from codebench.store.migrations import ensure_change_counters, units_stamp_statements

SELECTIONS = (["alice"], ["bob"], ["alice", "bob"], None)


def without_store(function, monkeypatch: pytest.MonkeyPatch):
    with monkeypatch.context() as m:
        m.setattr(units_cache, "version", lambda db: None)
        return function()


def every_report(project: Project, names: list[str] | None) -> list[str]:
    """Every report over ``names``' codings, as JSON text (what an export would write)."""
    sel = reports.select_coders(project, names)
    out = [
        to_json(reports.frequencies(project, sel)),
        to_json(reports.by_attribute(project, "role", sel)),
        to_json(crossed(project, ["role", "organisation"], sel)),
        to_json(crossed(project, ["role", "organisation"], sel, cases="participants")),
        to_json(reports.cooccurrence(project, sel, normalise="jaccard")),
        to_json(reports.code_matrix(project, sel)),
    ]
    units = coded_units.build_units(project, sel, speakers=True, words=True)
    out.append(
        repr(
            (
                units.rows.tolist(),
                units.coded.tolist(),
                units.full.tolist(),
                units.codings.tolist(),
                units.unplaced,
                sorted(zip(*(p.tolist() for p in units.pieces))),
                units.participants()[1],
                units.words_per_code(True).tolist(),
                units.speakers_per_code(True).tolist(),
            )
        )
    )
    scope = ",".join(names) if names else None
    for code in ("08", "12", "05.2"):
        spec = CellSpec("frequencies") if scope is None else _scoped_spec(scope)
        try:
            out.append(to_json(explain(project, spec, code)))
        except Exception as error:  # noqa: BLE001 - a code merged away: the error text is compared too
            out.append(f"error: {error}")
    return out


def _scoped_spec(coders: str) -> CellSpec:
    from codebench.analysis.scope import ScopeSpec

    return CellSpec("frequencies", scope=ScopeSpec(coders=tuple(coders.split(","))))


def compare(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    for names in SELECTIONS:
        stored = every_report(project, names)
        again = every_report(project, names)  # now surely from the store
        fresh = without_store(lambda names=names: every_report(project, names), monkeypatch)
        assert stored == fresh, names
        assert again == fresh, names


KINDS = ("add", "delete", "move", "recode", "segment", "attribute", "merge", "speaker")


def random_write(project: Project, rng: random.Random, kind: str) -> None:
    """One write of ``kind``, its target chosen at random."""
    db = project.db
    transcripts = project.transcripts()
    t = rng.choice(transcripts)
    codes = [c for c in project.codes() if not c.archived]
    ids = [r[0] for r in db.execute("SELECT id FROM codings")]
    with project.transaction():
        if kind == "add":
            text = project.text(t.name)
            a = rng.randrange(len(text) - 1)
            b = rng.randrange(a + 1, min(len(text), a + 80) + 1)
            project.add_codings(
                rng.choice(["alice", "bob"]), rng.choice(codes).number or "", t.name, [(a, b)]
            )
        elif kind == "delete" and ids:
            db.execute("DELETE FROM memos WHERE coding_id = ?", [i := rng.choice(ids)])
            db.execute("DELETE FROM codings WHERE id = ?", [i])
        elif kind == "move" and ids:
            i = rng.choice(ids)
            db.execute(
                "UPDATE OR IGNORE codings SET start_char = max(0, start_char - ?), end_char = end_char + ? WHERE id = ?",
                [rng.randrange(0, 12), rng.randrange(0, 12), i],
            )
            db.execute(
                "UPDATE codings SET end_char = (SELECT length(text) FROM transcripts t WHERE t.id = codings.transcript_id)"
                " WHERE end_char > (SELECT length(text) FROM transcripts t WHERE t.id = codings.transcript_id)"
            )
        elif kind == "recode" and ids:
            db.execute(
                "UPDATE OR IGNORE codings SET code_id = ? WHERE id = ?",
                [rng.choice(codes).id, rng.choice(ids)],
            )
        elif kind == "segment":
            seg = rng.choice(project.segments(t.name))
            if rng.random() < 0.5:
                db.execute("UPDATE segments SET codable = 1 - codable WHERE id = ?", [seg.id])
            elif seg.end - seg.start > 3:
                db.execute("UPDATE segments SET end_char = end_char - 2 WHERE id = ?", [seg.id])
        elif kind == "attribute":
            project.set_attributes(t.name, {"role": rng.choice(["manager", "staff", "nurse"])})
        elif kind == "merge" and len(codes) > 2:
            source, target = rng.sample([c for c in codes if c.parent_id is not None] or codes, 2)
            merge_codes(project, "alice", source, target)
        elif kind == "speaker":
            seg = rng.choice(project.segments(t.name))
            db.execute(
                "UPDATE segments SET speaker = ? WHERE id = ?",
                [rng.choice(["Ann Lee", "Zed", None]), seg.id],
            )


def test_stored_units_equal_a_fresh_build_across_random_writes(
    small: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(13)
    kinds = [*KINDS, *KINDS]
    rng.shuffle(kinds)
    compare(small, monkeypatch)
    for kind in kinds:
        random_write(small, rng, kind)
        compare(small, monkeypatch)


def test_a_second_report_reads_no_codings_and_a_write_changes_it(
    small: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = to_json(reports.frequencies(small))
    assert small.db.execute("SELECT count(*) FROM units_cache").fetchone()[0] >= 3
    reads: list[object] = []
    real = aggregates.coding_columns
    monkeypatch.setattr(
        aggregates, "coding_columns", lambda *a, **k: reads.append(a) or real(*a, **k)
    )
    assert to_json(reports.frequencies(small)) == before
    assert reads == []  # from the store
    # A user's own SQL, outside codebench: counted by the triggers all the same.
    small.db.execute(
        "INSERT INTO codings (coder_id, code_id, transcript_id, start_char, end_char, created_at)"
        " SELECT coder_id, (SELECT id FROM codes WHERE number = '03'), transcript_id, start_char, end_char, created_at"
        " FROM codings WHERE code_id = (SELECT id FROM codes WHERE number = '11')"
    )
    after = to_json(reports.frequencies(small))
    assert after != before and reads  # read again
    assert after == without_store(lambda: to_json(reports.frequencies(small)), monkeypatch)


def test_a_lost_trigger_means_nothing_stored_is_trusted(
    small: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    sel = reports.select_coders(small, ["alice"])

    def count() -> int:
        return int(coded_units.build_units(small, sel).codings_per_code().sum())

    before = count()
    for lost, span in (("units_stamp_codings_ins", (0, 5)), ("sync_count_segments_upd", (40, 45))):
        small.db.execute(f"DROP TRIGGER {lost}")
        assert units_cache.version(small.db) is None  # writes are not all counted: no store at all
        small.add_codings("alice", "03", "int3", [span])
        small.db.execute("UPDATE segments SET codable = 0 WHERE transcript_id = 1")
        assert count() == without_store(count, monkeypatch) > before
        before = count()
        ensure_change_counters(small.db)
        for statement in units_stamp_statements():
            small.db.execute(statement)  # remade: the schema version moved, old entries never match
        assert units_cache.version(small.db) is not None
        assert count() == before


def test_damaged_entries_are_rebuilt(small: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    fresh = without_store(lambda: every_report(small, ["alice", "bob"]), monkeypatch)
    every_report(small, ["alice", "bob"])
    version = units_cache.version(small.db)
    rows = small.db.execute("SELECT name, data FROM units_cache").fetchall()
    for name, data in rows:  # cut, garbled and foreign blobs, under the current version
        bad = {"segments": data[: len(data) // 2], "speakers": b"CBU1" + b"\xff" * 12}.get(
            name, b"x" + data[1:]
        )
        small.db.execute("UPDATE units_cache SET data = ? WHERE name = ?", [bad, name])
    assert units_cache.version(small.db) == version
    assert every_report(small, ["alice", "bob"]) == fresh


def test_a_file_that_cannot_be_written_reports_without_storing(
    small: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = to_json(reports.frequencies(small))
    small.db.execute("DELETE FROM units_cache")
    path = Path(small.db.execute("PRAGMA database_list").fetchone()[2])
    real = sqlite3.connect

    def read_only(target: str, *args: object, **kwargs: object) -> sqlite3.Connection:
        """What SQLite gives a user who may read the file but not write it."""
        return real(target.replace("mode=rw", "mode=ro"), *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(units_cache.sqlite3, "connect", read_only)
    assert to_json(reports.frequencies(small)) == expected
    assert to_json(reports.frequencies(small)) == expected
    assert small.db.execute("SELECT count(*) FROM units_cache").fetchone()[0] == 0
    assert not units_cache.store(small.db, {"x": b"1"}, units_cache.version(small.db) or "")
    assert path.exists()


def test_nothing_is_stored_inside_an_open_transaction(small: Project) -> None:
    small.db.execute("DELETE FROM units_cache")
    with small.transaction():
        small.add_codings("alice", "03", "int3", [(0, 5)])
        inside = to_json(reports.frequencies(small))
        assert small.db.execute("SELECT count(*) FROM units_cache").fetchone()[0] == 0
    assert to_json(reports.frequencies(small)) == inside
    assert small.db.execute("SELECT count(*) FROM units_cache").fetchone()[0] >= 3


def stamps_now(project: Project) -> dict[tuple[int, int], int]:
    return {(c, t): n for c, t, n in project.db.execute("SELECT * FROM units_stamps")}


def coder_write(project: Project, rng: random.Random, coder: str, transcript: str) -> None:
    """One write to ``coder``'s codings of ``transcript`` (codebench's or raw SQL), chosen at random."""
    db = project.db
    cid, tid = project.coder(coder).id, project.transcript(transcript).id
    mine = [
        r[0]
        for r in db.execute(
            "SELECT id FROM codings WHERE coder_id = ? AND transcript_id = ?", [cid, tid]
        )
    ]
    codes = [c for c in project.codes() if not c.archived]
    kind = rng.choice(["add", "add", "delete", "move", "recode", "hand over"]) if mine else "add"
    with project.transaction():
        if kind == "add":
            text = project.text(transcript)
            a = rng.randrange(len(text) - 1)
            b = rng.randrange(a + 1, min(len(text), a + 60) + 1)
            project.add_codings(coder, rng.choice(codes).number or "", transcript, [(a, b)])
        elif kind == "delete":
            db.execute("DELETE FROM memos WHERE coding_id = ?", [i := rng.choice(mine)])
            db.execute("DELETE FROM codings WHERE id = ?", [i])
        elif kind == "move":
            db.execute(
                "UPDATE OR IGNORE codings SET start_char = max(0, start_char - ?) WHERE id = ?",
                [rng.randrange(1, 15), rng.choice(mine)],
            )
        elif kind == "recode":
            db.execute(
                "UPDATE OR IGNORE codings SET code_id = ? WHERE id = ?",
                [rng.choice(codes).id, rng.choice(mine)],
            )
        else:  # to another coder: both coders' units of this transcript change
            other = rng.choice([c for c in ("alice", "bob", "carol") if c != coder])
            db.execute(
                "UPDATE OR IGNORE codings SET coder_id = ? WHERE id = ?",
                [project.coder(other).id, rng.choice(mine)],
            )


def test_a_coders_writes_refresh_only_their_transcripts_and_leave_other_coders_stored(
    small: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(coded_units, "_PATCH_SHARE", 1)  # three transcripts: patch up to all
    small.code_segments("carol", "int2", [2], "12")
    small.code_segments("carol", "int3", [1], "03")
    selections = (["alice"], ["carol"], ["bob", "carol"], None)
    names = [t.name for t in small.transcripts()]
    reads: list[tuple[list[int], object]] = []
    real = aggregates.coding_columns

    def counted(db: object, coder_ids: list[int], **kwargs: object) -> object:
        reads.append((list(coder_ids), kwargs.get("transcript_ids")))
        return real(db, coder_ids, **kwargs)  # type: ignore[arg-type]

    rng = random.Random(2026)
    patched = 0
    for _ in range(14):
        to_json(reports.frequencies(small))  # every coder stored, current
        entries = dict(small.db.execute("SELECT name, data FROM units_cache"))
        before = stamps_now(small)
        coder = rng.choice(["alice", "bob", "carol"])
        for transcript in rng.sample(names, rng.choice([1, 1, 2])):
            coder_write(small, rng, coder, transcript)
        moved = {k for k, n in stamps_now(small).items() if before.get(k) != n}
        written = {small.coder(coder).id, *(c for c, _ in moved)}
        assert {c for c, _ in moved} <= written
        with monkeypatch.context() as m:
            m.setattr(aggregates, "coding_columns", counted)
            reads.clear()
            stored = to_json(reports.frequencies(small))
        # Only the pairs written are read again, each coder's in one read of those transcripts.
        expected = {
            c: sorted(t for c2, t in moved if c2 == c) for c in sorted({c for c, _ in moved})
        }
        assert {ids[0]: sorted(tids or []) for ids, tids in reads} == expected
        assert all(len(ids) == 1 and tids for ids, tids in reads)
        patched += len(reads)
        after = dict(small.db.execute("SELECT name, data FROM units_cache"))
        for name, data in entries.items():  # other coders' entries and the segments: as they were
            if name not in {f"coder:{c}" for c in expected}:
                assert after[name] == data, name
        assert stored == without_store(lambda: to_json(reports.frequencies(small)), monkeypatch)
        for sel in selections:
            first = every_report(small, sel)
            assert first == every_report(small, sel)
            assert first == without_store(lambda sel=sel: every_report(small, sel), monkeypatch)
    assert patched >= 10


def scoped_reports(project: Project, spec: object) -> list[str]:
    """Every report over the scope ``spec`` (as the CLI computes them), as JSON text."""
    from codebench.analysis.scope import report_units, resolve_scope

    scope = resolve_scope(project, spec)  # type: ignore[arg-type]
    units = report_units(project, scope, speakers=True, words=True)
    return [
        to_json(reports.frequencies(project, units=units)),
        to_json(reports.by_attribute(project, "role", units=units)),
        to_json(crossed(project, ["role", "organisation"], units=units)),
        to_json(crossed(project, ["role", "organisation"], units=units, cases="participants")),
        to_json(reports.cooccurrence(project, units=units, normalise="jaccard")),
        to_json(reports.code_matrix(project, units=units)),
        repr(
            (
                [t.name for t in units.transcripts],
                units.rows.tolist(),
                units.coded.tolist(),
                units.full.tolist(),
                units.codings.tolist(),
                units.unplaced,
                sorted(zip(*(p.tolist() for p in units.pieces))),
                units.words_per_code(True).tolist(),
                units.speakers_per_code(True).tolist(),
                units.in_scope().tolist(),
            )
        ),
    ]


def test_transcript_and_attribute_scopes_are_sliced_from_the_stored_units(
    small: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    from codebench.analysis.scope import ScopeSpec

    specs = [
        ScopeSpec(transcripts=("int3", "int1")),
        ScopeSpec(transcripts=("int2",), coders=("alice",)),
        ScopeSpec(where=("role=manager",)),
        ScopeSpec(where=("organisation=Westmoor",), coders=("bob",)),
    ]
    # A coding past every segment (unplaced) in int3, counted only where int3 is in scope.
    text3 = small.text("int3")
    small.db.execute(
        "UPDATE segments SET end_char = end_char - 3 WHERE id = (SELECT max(id) FROM segments WHERE transcript_id = 3)"
    )
    small.add_codings("alice", "08", "int3", [(len(text3) - 2, len(text3))])
    reads: list[object] = []
    real = aggregates.coding_columns
    for spec in specs:
        fresh = without_store(lambda spec=spec: scoped_reports(small, spec), monkeypatch)
        scoped_reports(small, spec)
        with monkeypatch.context() as m:
            m.setattr(
                aggregates, "coding_columns", lambda *a, **k: reads.append(a) or real(*a, **k)
            )
            assert scoped_reports(small, spec) == fresh, spec
        assert reads == []  # from the store
    small.add_codings("bob", "03", "int1", [(0, 4)])  # one pair written: the rest stays stored
    for spec in specs:
        fresh = without_store(lambda spec=spec: scoped_reports(small, spec), monkeypatch)
        assert scoped_reports(small, spec) == fresh, spec


def test_a_row_replaced_by_raw_sql_is_counted_for_its_own_coder_and_transcript(
    small: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``REPLACE`` deletes the row it replaces without delete triggers: its pair is counted before.

    (A user's own ``sqlite3`` session, where recursive triggers are off.)
    """
    db = small.db
    bob, alice = small.coder("bob").id, small.coder("alice").id
    for names in (["bob"], ["alice"]):
        every_report(small, names)  # both stored
    path = db.execute("PRAGMA database_list").fetchone()[2]
    own = sqlite3.connect(path)
    assert own.execute("PRAGMA recursive_triggers").fetchone()[0] == 0
    victim = own.execute(
        "SELECT id FROM codings WHERE coder_id = ? AND transcript_id = 3", [bob]
    ).fetchone()[0]
    own.execute(
        "INSERT OR REPLACE INTO codings (id, coder_id, code_id, transcript_id, start_char, end_char,"
        " created_at) SELECT ?, ?, code_id, 1, 0, 9, created_at FROM codings WHERE id = ?",
        [victim, alice, victim],
    )
    mover = own.execute(
        "SELECT id FROM codings WHERE coder_id = ? AND transcript_id = 2", [alice]
    ).fetchone()[0]
    target = own.execute(
        "SELECT id FROM codings WHERE coder_id = ? AND transcript_id = 1", [bob]
    ).fetchone()[0]
    own.execute("DELETE FROM memos WHERE coding_id IN (?, ?)", [mover, target])
    own.execute("UPDATE OR REPLACE codings SET id = ? WHERE id = ?", [target, mover])
    own.commit()
    own.close()
    for names in (["bob"], ["alice"], None):
        fresh = without_store(lambda names=names: every_report(small, names), monkeypatch)
        assert every_report(small, names) == fresh, names
