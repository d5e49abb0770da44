"""Merging files that hold different versions of one transcript (a correction made in one of them)."""

from __future__ import annotations

import shutil
from pathlib import Path

from codebench.codebook.format import default_codebook_path, load_codebook
from codebench.coding.correction import correct_text, needing_review, versions
from codebench.exchange.merge.run import merge
from codebench.project import Project

TEXT = (
    "Interviewer: How did the spin-out go?\n"
    "Ann Lee: It was hard. We lost teh two managers. But staff morale rose!\n"
)


def words(project: Project, coder: str) -> list[str]:
    text = project.text("int1")
    return sorted(text[c.start : c.end] for c in project.codings(coders=[coder]))


def make_alice(tmp_path: Path) -> Path:
    path = tmp_path / "alice.db"
    source = tmp_path / "int1.txt"
    source.write_text(TEXT, encoding="utf-8")
    with Project.init(path, load_codebook(default_codebook_path())) as p:
        p.import_files([source])
        p.code_segments("alice", "int1", [1], "04")
    return path


def test_codings_on_an_older_version_are_carried_into_the_corrected_text(tmp_path: Path) -> None:
    alice = make_alice(tmp_path)
    team_path = tmp_path / "team.db"
    shutil.copy(alice, team_path)
    with Project.open(team_path) as team:
        text = team.text("int1")
        correct_text(team, "int1", text.replace("teh", "the").replace(" staff", ""), "lead")
    # Alice codes on in her own file, on the old text.
    with Project.open(alice) as a:
        text = a.text("int1")
        for phrase in ("two managers", "staff morale", "staff"):
            at = text.index(phrase)
            a.add_codings("alice", "05", "int1", [(at, at + len(phrase))])
        a.add_memo("alice", "why 05", coding=a.codings(coders=["alice"], codes=["05"])[0])

    with Project.open(team_path) as team:
        report = merge(team, [alice])
        assert report.ok
        source = report.sources[0]
        assert any("is version 1 of 'int1' here" in n for n in source.notes), source.notes
        assert not any("segmented differently" in c for c in source.conflicts)
        got = words(team, "alice")
        # The segment, the phrase (untouched), the cut phrase, and the orphan's anchor.
        assert len(got) == 4
        assert "two managers" in got and "It was hard." in got and "morale" in got
        flagged = {(r.reason, r.was) for r in needing_review(team, "int1")}
        assert ("clamped", "staff morale") in flagged and ("orphaned", "staff") in flagged
        memo = next(m for m in team.memos() if m.text == "why 05")
        assert memo.coding_id is not None  # found its coding at the moved place
        again = merge(team, [alice])
        assert not again.sources[0].changed  # idempotent


def test_a_file_corrected_after_this_one_is_left_out_with_a_hint(tmp_path: Path) -> None:
    alice = make_alice(tmp_path)
    team_path = tmp_path / "team.db"
    shutil.copy(alice, team_path)
    with Project.open(alice) as a:
        correct_text(a, "int1", a.text("int1").replace("teh", "the"), "alice")
        a.code_segments("alice", "int1", [2], "05")
    with Project.open(team_path) as team:
        before = team.codings()
        report = merge(team, [alice])
        assert report.ok
        line = next(c for c in report.sources[0].conflicts if "different text" in c)
        assert "corrected in alice.db after this text; merge the other way round" in line
        assert team.codings() == before
        assert "teh" in team.text("int1")


def test_a_refi_project_of_an_older_version_lands_on_the_corrected_text(tmp_path: Path) -> None:
    from codebench.exchange.qdpx.project import export_qdpx, import_qdpx

    alice = make_alice(tmp_path)
    team_path = tmp_path / "team.db"
    shutil.copy(alice, team_path)
    with Project.open(alice) as a:
        text = a.text("int1")
        at = text.index("two managers")
        a.add_codings("alice", "05", "int1", [(at, at + len("two managers"))])
        at = text.index("staff")
        a.add_codings("alice", "06", "int1", [(at, at + len("staff"))])
        export_qdpx(a, tmp_path / "alice.qdpx")
    with Project.open(team_path) as team:
        correct_text(
            team, "int1", team.text("int1").replace("teh", "the").replace(" staff", ""), "lead"
        )
        report = import_qdpx(team, tmp_path / "alice.qdpx")
        assert any("is version 1 of transcript 'int1' here" in w for w in report.warnings)
        got = words(team, "alice")
        assert "two managers" in got and "It was hard." in got
        assert [r.reason for r in needing_review(team, "int1")] == ["orphaned"]
        # Exporting writes the current text.
        export_qdpx(team, tmp_path / "team.qdpx")
        corrected = team.text("int1")
    with Project.init(tmp_path / "fresh.db", load_codebook(default_codebook_path())) as fresh:
        import_qdpx(fresh, tmp_path / "team.qdpx")
        assert fresh.text(fresh.transcripts()[0]) == corrected


def test_versions_travel_with_a_new_transcript_so_an_older_file_merges_later(
    tmp_path: Path,
) -> None:
    alice = make_alice(tmp_path)
    bob = tmp_path / "bob.db"
    shutil.copy(alice, bob)
    with Project.open(bob) as b:
        correct_text(b, "int1", b.text("int1").replace("teh", "the"), "bob")
    with Project.init(tmp_path / "team.db") as team:
        merge(team, [bob])  # the corrected text, with its versions
        assert [v.version for v in versions(team, "int1")] == [1, 2]
        report = merge(team, [alice])  # alice's file still has version 1
        assert any("is version 1 of 'int1' here" in n for n in report.sources[0].notes)
        assert "It was hard." in words(team, "alice")
