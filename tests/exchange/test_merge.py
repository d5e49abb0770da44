"""Team merge: coders' project files brought together by GUIDs and text hashes.

Every test asserts on database state: the rows in the target after a merge,
and that refused or dry-run merges leave every table exactly as it was.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from codebench.cli import cli
from codebench.codebook import edits as codebook_edits
from codebench.codebook.format import default_codebook_path, load_codebook
from codebench.exchange.merge.run import MergeReport, merge
from codebench.project import Project
from codebench.store import bulk
from codebench.store.connection import open_database
from codebench.store.migrations import migrate


def snapshot(project: Project) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every content table, sorted (ids included)."""
    return {table: bulk.table_digest(project.db, table) for table in bulk.CONTENT_TABLES}


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def make_coder_file(tmp_path: Path, files):
    """A coder's own project: the default codebook, both interviews, and their codings."""

    def make(name: str, codings: list[tuple[str, str, int]], status: str | None = "done") -> Path:
        path = tmp_path / f"{name}.db"
        with Project.init(path, load_codebook(default_codebook_path())) as p:
            report = p.import_files(files)
            assert report.ok, report.failed
            for transcript, code, ordinal in codings:
                p.code_segments(name, transcript, [ordinal], code)
            if status:
                for transcript in ("int1", "int2"):
                    p.set_status(name, transcript, status)
        return path

    return make


@pytest.fixture
def alice(make_coder_file) -> Path:
    return make_coder_file("alice", [("int1", "04", 1), ("int1", "08", 3), ("int2", "05.2", 1)])


@pytest.fixture
def bob(make_coder_file) -> Path:
    # Same span and code as alice on int1 segment 1, plus codings of his own.
    return make_coder_file("bob", [("int1", "04", 1), ("int1", "11", 6), ("int2", "17", 4)])


@pytest.fixture
def team(tmp_path: Path):
    """An empty target project (no codebook: everything comes from the coders' files)."""
    p = Project.init(tmp_path / "team.db")
    yield p
    p.close()


def codings_by_coder(project: Project) -> dict[str, set[tuple[str, str, int, int]]]:
    out: dict[str, set[tuple[str, str, int, int]]] = {}
    for row in project.db.execute(
        "SELECT k.name, c.guid, t.name, g.start_char, g.end_char FROM codings g JOIN coders k ON k.id = g.coder_id"
        " JOIN codes c ON c.id = g.code_id JOIN transcripts t ON t.id = g.transcript_id"
    ):
        out.setdefault(row[0], set()).add(tuple(row[1:]))
    return out


# --------------------------------------------------------------------- the ordinary case


def test_two_coders_files_merge_with_both_coding_sets_and_distinct_coders(team, alice, bob) -> None:
    with Project.open(alice) as a, Project.open(bob) as b:
        expected = {"alice": codings_by_coder(a)["alice"], "bob": codings_by_coder(b)["bob"]}
        source_codes = {g for p in (a, b) for g in bulk.guid_ids(p.db, "codes")}
        a_codes = {c.guid for c in a.codes(include_archived=True)}

    report = merge(team, [alice, bob])

    assert report.ok and report.changed
    assert codings_by_coder(team) == expected
    assert sorted(k.name for k in team.coders()) == ["alice", "bob"]
    # Codes by GUID: both files started from the same codebook, so no duplicates.
    assert {c.guid for c in team.codes(include_archived=True)} == a_codes == source_codes
    assert len(team.transcripts()) == 2
    # The same span coded by both coders stays two codings, one per coder.
    shared = team.db.execute(
        "SELECT count(DISTINCT coder_id) FROM codings GROUP BY code_id, transcript_id, start_char, end_char"
        " ORDER BY 1 DESC LIMIT 1"
    ).fetchone()[0]
    assert shared == 2
    statuses = {
        (team.coder(k).name, t.name): team.status(k, t)
        for k in ("alice", "bob")
        for t in team.transcripts()
    }
    assert set(statuses.values()) == {"done"}
    # Segments came with the transcripts, in order.
    assert [s.ordinal for s in team.segments("int1")] == list(range(len(team.segments("int1"))))
    assert report.sources[0].added["codings"] == 3 and report.sources[1].added["codings"] == 3
    # Transcripts and codes from bob's file were already there from alice's.
    assert report.sources[1].added["transcripts"] == 0 and report.sources[1].added["codes"] == 0


def test_merging_into_a_coders_own_file_adds_the_other_coder(alice, bob) -> None:
    with Project.open(alice) as a:
        before = len(a.codings())
        report = merge(a, [bob])
        assert report.ok
        assert len(a.codings()) == before + 3
        assert report.sources[0].added["transcripts"] == 0
        assert report.sources[0].unchanged["transcripts"] == 2
        assert report.sources[0].unchanged["segments"] > 0
        assert {k.name for k in a.coders()} == {"alice", "bob"}


def test_merge_twice_changes_nothing(team, alice, bob) -> None:
    merge(team, [alice, bob])
    first = snapshot(team)

    again = merge(team, [alice, bob])

    assert snapshot(team) == first
    assert not again.changed
    assert all(not +s.added and not +s.updated for s in again.sources)
    assert again.sources[0].unchanged["codings"] == 3


def test_merging_a_file_into_itself_changes_nothing(alice) -> None:
    with Project.open(alice) as a:
        before = snapshot(a)
        report = merge(a, [alice])
        assert report.ok and not report.changed
        assert snapshot(a) == before


def test_merging_a_copy_of_the_target_changes_nothing(alice, tmp_path: Path) -> None:
    copy = tmp_path / "copy.db"
    with Project.open(alice) as a:
        bulk.backup_to(a.db, copy)
        before = snapshot(a)
        report = merge(a, [copy])
        assert snapshot(a) == before and not report.changed


def test_source_files_are_never_modified(team, alice, bob) -> None:
    hashes = {p: file_hash(p) for p in (alice, bob)}
    merge(team, [alice, bob])
    merge(team, [alice, bob], dry_run=True)
    assert {p: file_hash(p) for p in (alice, bob)} == hashes
    assert not Path(f"{alice}-wal").exists() or Path(f"{alice}-wal").stat().st_size == 0


# --------------------------------------------------------------------- events


def test_events_are_copied_once_by_guid(team, alice, bob) -> None:
    with Project.open(alice) as a, Project.open(bob) as b:
        source_guids = {e.guid for e in a.events()} | {e.guid for e in b.events()}

    merge(team, [alice, bob])
    merge(team, [bob, alice])
    with Project.open(alice) as a:  # and back: team's copy of alice's events are hers already
        merge(a, [team.path])
        guids = [e.guid for e in a.events()]
        assert len(guids) == len(set(guids))

    guids = [e.guid for e in team.events()]
    assert len(guids) == len(set(guids))
    assert source_guids <= set(guids)
    merges = [e for e in team.events() if e.action == "project.merge"]
    assert [e.payload["source"] for e in merges] == [
        "alice.db",
        "bob.db",
    ]  # only merges that changed something


def test_merged_events_keep_their_coder_and_transcript(team, alice) -> None:
    merge(team, [alice])
    coded = [e for e in team.events(actions=("coding.add",))]
    assert coded and all(e.coder_id == team.coder("alice").id for e in coded)
    assert {e.transcript_id for e in coded} == {t.id for t in team.transcripts()}


# --------------------------------------------------------------------- conflicts


def test_same_transcript_name_with_different_text_is_left_out_and_the_rest_merged(
    team, alice, files, tmp_path: Path
) -> None:
    merge(team, [alice])
    before = codings_by_coder(team)
    other = tmp_path / "other"
    other.mkdir()
    changed = other / "int1.txt"
    changed.write_text(
        files[0].read_text(encoding="utf-8").replace("two managers", "three managers"),
        encoding="utf-8",
    )
    carol = tmp_path / "carol.db"
    with Project.init(carol, load_codebook(default_codebook_path())) as c:
        c.import_files([changed, files[1]])
        c.code_segments("carol", "int1", [1], "04")
        c.add_memo("carol", "on int1", transcript="int1")
        c.set_status("carol", "int1", "done")
        c.code_segments("carol", "int2", [1], "04")
    text_before = team.text("int1")

    report = merge(team, [carol])

    assert report.ok
    line = next(c for c in report.sources[0].conflicts if "different text" in c)
    assert "int1" in line and "carol.db" in line and "not merged" in line
    assert team.text("int1") == text_before
    after = codings_by_coder(team)
    # carol's int1 coding indexes another text: left out; her int2 coding is merged.
    assert {t for _, t, _, _ in after["carol"]} == {"int2"}
    assert {k: v for k, v in after.items() if k != "carol"} == before
    assert not [m for m in team.memos() if m.text == "on int1"]
    assert team.status("carol", "int1") == "not-started"
    assert not team.db.execute(
        "SELECT count(*) FROM events e JOIN coders k ON k.id = e.coder_id"
        " WHERE k.name = 'carol' AND e.transcript_id = ?",
        [team.transcript("int1").id],
    ).fetchone()[0]


def test_a_refused_source_does_not_stop_the_others(team, alice, bob, files, tmp_path: Path) -> None:
    carol = tmp_path / "carol.db"
    carol.write_text("not a project", encoding="utf-8")

    report = merge(team, [alice, carol, bob])

    assert [s.refused is None for s in report.sources] == [True, False, True]
    assert set(codings_by_coder(team)) == {"alice", "bob"}


def test_code_renamed_in_one_file_is_reported_and_resolved_by_guid(team, alice, bob) -> None:
    with Project.open(bob) as b:
        code = b.code("04")
        codebook_edits.edit_code(b, "bob", code, name="Ethos and culture")
        guid = code.guid
    merge(team, [alice])
    old_name = team.code(guid).name

    report = merge(team, [bob])

    assert report.ok
    assert team.code(guid).name == old_name  # the target's values win
    conflicts = report.sources[0].conflicts
    line = next(c for c in conflicts if "Ethos and culture" in c)
    assert old_name in line and "bob.db" in line
    # Bob's codings of the renamed code land on the same code, by GUID.
    assert ("bob" in codings_by_coder(team)) and any(
        g == guid for g, *_ in codings_by_coder(team)["bob"]
    )
    assert sum(1 for c in team.codes(include_archived=True) if c.guid == guid) == 1


def test_code_added_in_one_file_is_added_under_its_parent(team, alice, bob) -> None:
    with Project.open(bob) as b:
        new = codebook_edits.add_code(b, "bob", "Staff ownership stakes", parent="05")
        b.code_segments("bob", "int2", [1], new.guid)
        parent_guid = b.code("05").guid
    merge(team, [alice])

    report = merge(team, [bob])

    added = team.code(new.guid)
    assert added.name == "Staff ownership stakes"
    assert team.code_by_id(added.parent_id).guid == parent_guid
    assert report.sources[0].added["codes"] == 1
    assert "Staff ownership stakes" in " ".join(report.sources[0].lines())
    assert any(g == new.guid for g, *_ in codings_by_coder(team)["bob"])


def test_code_with_the_same_name_but_another_guid_is_matched_by_name(
    team, alice, tmp_path: Path, files
) -> None:
    # dave built his codebook by hand: same names, but his own GUIDs.
    book = load_codebook(default_codebook_path())
    for spec in book.codes:
        spec.guid = spec.guid[:-4] + "dddd"
    dave = tmp_path / "dave.db"
    with Project.init(dave, book) as d:
        d.import_files(files)
        d.code_segments("dave", "int1", [1], "01")
    merge(team, [alice])
    n_codes = len(team.codes(include_archived=True))

    report = merge(team, [dave])

    assert report.ok
    assert len(team.codes(include_archived=True)) == n_codes
    assert any("matched by name" in c for c in report.sources[0].conflicts)
    assert {c[0] for c in codings_by_coder(team)["dave"]} == {team.code("01").guid}


def test_status_newer_wins_and_memo_newer_wins(team, alice) -> None:
    merge(team, [alice])
    memo_guid = None
    with Project.open(alice) as a:
        a.set_status("alice", "int1", "in-progress")  # alice reopened it: newer
        memo_id = a.add_memo("alice", "first thoughts", transcript="int1")
        memo_guid = a.memos()[0].guid
    merge(team, [alice])
    with Project.open(alice) as a:
        a.update_memo("alice", memo_id, "second thoughts")

    report = merge(team, [alice])

    assert team.status("alice", "int1") == "in-progress"
    assert team.status("alice", "int2") == "done"
    memos = team.memos()
    assert [(m.guid, m.text) for m in memos] == [(memo_guid, "second thoughts")]
    assert report.sources[0].updated["memos"] == 1


def test_a_memo_whose_text_differs_says_which_text_won(team, alice) -> None:
    with Project.open(alice) as a:
        memo_id = a.add_memo("alice", "first thoughts", transcript="int1")
        guid = a.memos()[0].guid
    merge(team, [alice])
    with Project.open(alice) as a:
        a.update_memo("alice", memo_id, "second thoughts")  # newer in alice.db
    report = merge(team, [alice]).sources[0]
    assert any(
        f"memo {guid}: its text differs here and in alice.db; took alice.db's" in note
        for note in report.notes
    ), report.lines()
    with Project.open(alice) as a:  # the same edit time, another text: kept, and said so
        a.db.execute("UPDATE memos SET text = 'third thoughts'")
        a.db.conn.commit()
    report = merge(team, [alice]).sources[0]
    assert [m.text for m in team.memos()] == ["second thoughts"]
    assert any("edited at the same time here and in alice.db" in c for c in report.conflicts)


def test_a_duplicate_memo_under_another_guid_is_named_not_added(team, alice, tmp_path) -> None:
    with Project.open(alice) as a:
        a.add_memo("alice", "Ask about the board vote.", transcript="int1")
        first = a.memos()[0].guid
    carol = tmp_path / "carol.db"
    bulk.copy_readonly_file(alice, carol)
    with Project.open(carol) as c:  # the same note written again: a new GUID
        c.add_memo("alice", "Ask about the board vote.", transcript="int1")
        second = next(m.guid for m in c.memos() if m.guid != first)
    merge(team, [alice])
    report = merge(team, [carol]).sources[0]
    assert [m.guid for m in team.memos()] == [first]
    assert any(
        f"memo {second} in carol.db duplicates memo {first} here" in note for note in report.notes
    ), report.lines()
    assert merge(team, [carol]).sources[0].added["memos"] == 0  # and again: still nothing


def test_a_source_with_codes_nested_too_deep_is_refused(team, tmp_path) -> None:
    path = tmp_path / "deep.db"
    with Project.init(path) as deep:
        parent = None
        for i in range(70):
            cursor = deep.db.execute(
                "INSERT INTO codes (guid, name, parent_id, position, created_at)"
                " VALUES (?, ?, ?, 0, '2024-01-01')",
                [f"00000000-0000-4000-8000-{i:012d}", f"c{i}", parent],
            )
            parent = cursor.lastrowid
        deep.db.conn.commit()
    before = snapshot(team)
    report = merge(team, [path]).sources[0]
    assert report.refused is not None and "'c64' sits more than 64 levels deep" in report.refused
    assert snapshot(team) == before


def test_older_status_in_source_is_reported_and_kept(team, alice) -> None:
    merge(team, [alice])
    team.set_status("alice", "int1", "in-progress")  # the lead reopened it after the merge
    report = merge(team, [alice])
    assert team.status("alice", "int1") == "in-progress"
    assert any("status of alice" in c for c in report.sources[0].conflicts)


def test_memos_on_segments_and_codings_keep_their_anchors(team, alice) -> None:
    with Project.open(alice) as a:
        seg = a.segments("int2")[1]
        coding = a.codings(transcript="int2")[0]
        a.add_memo("alice", "about this sentence", segment=seg)
        a.add_memo("alice", "why this code", coding=coding)
        a.add_memo("alice", "on the code", code="08")
    merge(team, [alice])
    by_text = {m.text: m for m in team.memos()}
    seg_memo = by_text["about this sentence"]
    assert seg_memo.segment_id == team.segments("int2")[1].id
    coding_memo = by_text["why this code"]
    target_coding = team.codings(transcript="int2")[0]
    assert coding_memo.coding_id == target_coding.id
    assert by_text["on the code"].code_id == team.code("08").id


def test_removed_codings_are_reported_not_removed(team, alice) -> None:
    merge(team, [alice])
    with Project.open(alice) as a:
        a.uncode_segments("alice", "int1", [1], "04")
    report = merge(team, [alice])
    assert len(codings_by_coder(team)["alice"]) == 3
    assert any("removed" in c for c in report.sources[0].conflicts)


def test_attribute_differences_keep_the_target_value(team, alice, bob) -> None:
    with Project.open(alice) as a:
        a.set_attributes("int1", {"sector": "health", "role": "ceo"})
    with Project.open(bob) as b:
        b.set_attributes("int1", {"sector": "leisure", "stage": "early"})
    merge(team, [alice])
    report = merge(team, [bob])
    assert team.transcript("int1").attributes == {
        "sector": "health",
        "role": "ceo",
        "stage": "early",
    }
    assert any("'sector'" in c and "leisure" in c for c in report.sources[0].conflicts)


# --------------------------------------------------------------------- dry run and refusals


def test_dry_run_leaves_the_target_unchanged_and_reports_what_would_change(
    team, alice, bob
) -> None:
    merge(team, [alice])
    before = snapshot(team)

    dry = merge(team, [bob], dry_run=True)

    assert snapshot(team) == before
    assert dry.dry_run and dry.sources[0].added["codings"] == 3
    real = merge(team, [bob])
    assert real.sources[0].added == dry.sources[0].added


def test_dry_run_over_several_sources_counts_each_addition_once(team, alice, bob) -> None:
    dry = merge(team, [alice, bob], dry_run=True)
    assert dry.sources[0].added["codes"] > 0 and dry.sources[1].added["codes"] == 0
    assert bulk.table_counts(team.db) == {t: 0 for t in bulk.CONTENT_TABLES}


@pytest.mark.parametrize("content", [b"", b"not a database at all, just text"])
def test_non_projects_are_refused(team, tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(content)
    report = merge(team, [bad, tmp_path / "missing.db"])
    assert not report.ok
    assert all(s.refused for s in report.sources)
    assert bulk.table_counts(team.db) == {t: 0 for t in bulk.CONTENT_TABLES}


def test_a_source_with_an_older_schema_is_merged_from_an_upgraded_copy(
    team, tmp_path: Path
) -> None:
    old = tmp_path / "old.db"
    db = open_database(old, create=True, migrate=False)
    migrate(db, old, stop_before="0002_indexes_and_guards")
    db.execute(
        "INSERT INTO coders (guid, name, kind, created_at) VALUES ('g-1', 'erin', 'human', '2024-01-01')"
    )
    db.close()
    before = file_hash(old)

    report = merge(team, [old])

    assert report.ok, report.sources[0].refused
    assert [k.name for k in team.coders()] == ["erin"]
    assert any("older schema" in n for n in report.sources[0].notes)
    assert file_hash(old) == before


# --------------------------------------------------------------------- CLI


def test_cli_merge_prints_the_report_and_dry_run_writes_nothing(tmp_path: Path, alice, bob) -> None:
    runner = CliRunner()
    target = tmp_path / "lead.db"
    dry = runner.invoke(cli, ["merge", str(target), str(alice), str(bob), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Dry run" in dry.output and "codings" in dry.output
    assert not target.exists()

    real = runner.invoke(cli, ["merge", str(target), str(alice), str(bob)])
    assert real.exit_code == 0, real.output
    with Project.open(target) as p:
        assert set(codings_by_coder(p)) == {"alice", "bob"}

    again = runner.invoke(cli, ["merge", str(target), str(alice)])
    assert "nothing new" in again.output


def test_cli_merge_exits_non_zero_on_a_refused_source(tmp_path: Path, alice) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("hello", encoding="utf-8")
    result = CliRunner().invoke(cli, ["merge", str(alice), str(bad)])
    assert result.exit_code == 1
    assert "REFUSED" in result.output


def test_report_type() -> None:
    assert MergeReport(target=Path("x")).ok
