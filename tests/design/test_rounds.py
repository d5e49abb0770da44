"""Reliability rounds end to end (issue 12, "Done when"): two rounds on fresh samples, the appendix.

Nine transcripts, three coders who each lead three; a 25 % sample double
(triple) coded blind; round 1; an adjudication; two definitions edited with
their reasons; round 2 on a fresh sample; the methods appendix. Every alpha is
checked against the independent ``krippendorff`` package on exactly the
round's units, built here from the coding plan (not read back from codebench).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import krippendorff
import numpy as np
import pytest
from click.testing import CliRunner

from codebench.cli import cli
from codebench.project import Project
from codebench.store import codebook_versions as version_sql
from codebench.store.codebook_versions import codings_by_version

NINE = [f"i{n}" for n in range(1, 10)]
LEADS = {"alice": NINE[0:3], "bob": NINE[3:6], "carol": NINE[6:9]}
CODERS = ("alice", "bob", "carol")
#: The six codable segments of the test interview (0 and 5 are the interviewer's).
CODABLE = (1, 2, 3, 4, 6, 7)
#: Round 1: who applies 04.1 / 04.2 where (the two codes get confused on segments 3 and 4).
PLAN_1 = {
    "alice": {"04.1": [1, 2, 3], "04.2": [6]},
    "bob": {"04.1": [1, 2], "04.2": [3, 6]},
    "carol": {"04.1": [1, 4], "04.2": [3, 6, 7]},
}
#: Round 2, after the definitions were sharpened: closer, one disagreement left.
PLAN_2 = {
    "alice": {"04.1": [1, 2], "04.2": [6]},
    "bob": {"04.1": [1, 2], "04.2": [6]},
    "carol": {"04.1": [1, 2, 3], "04.2": [6]},
}


def run(db: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["-p", str(db), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def fails(db: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["-p", str(db), *args])
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output
    return result.output


def expected_alpha(
    plan: dict[str, dict[str, list[int]]], code: str, transcripts: list[str]
) -> float:
    """Alpha of ``code`` over every codable segment of ``transcripts``, by the independent package."""
    matrix = [
        [1.0 if o in plan[k].get(code, []) else 0.0 for _t in transcripts for o in CODABLE]
        for k in CODERS
    ]
    return float(
        krippendorff.alpha(reliability_data=np.array(matrix), level_of_measurement="nominal")
    )


def code_sample(db: Path, plan: dict[str, dict[str, list[int]]], transcripts: list[str]) -> None:
    with Project.open(db) as p:
        for coder in CODERS:
            for t in transcripts:
                for code, ordinals in plan[coder].items():
                    p.code_segments(coder, t, ordinals, code)
                p.set_status(coder, t, "done")


def drawn(db: Path, *args: str) -> list[str]:
    body = json.loads(
        run(
            db,
            "sample",
            "--fraction",
            "0.25",
            "--coders",
            ",".join(CODERS),
            "--by",
            "lead",
            "--format",
            "json",
            *args,
        )
    )[0]
    return [t for s in body["strata"] for t in s["drawn"]]


def test_two_rounds_on_fresh_samples_and_the_methods_appendix(study: Path, tmp_path: Path) -> None:
    db = study
    first = drawn(db, "--seed", "3", "--name", "s1")
    assert len(first) == 2  # round(0.25 x 9) = 2
    code_sample(db, PLAN_1, first)
    assert "Round 1 (pilot)" in run(db, "round", "start", "pilot", "--by", "lead", "--new-coder")
    assert "round 1 (pilot) is still open" in " ".join(fails(db, "round", "start", "x").split())

    one = json.loads(
        run(
            db,
            "agreement",
            "--round",
            "1",
            "--codes",
            "04.1,04.2",
            "--bootstrap",
            "0",
            "--format",
            "json",
        )
    )
    assert one["round"]["number"] == 1 and one["round"]["sample"] == "s1"
    assert one["transcripts"]["compared"] == sorted(first)
    assert [c["name"] for c in one["coders"]] == list(CODERS)
    assert one["units"]["total"] == len(CODABLE) * len(first)  # the sample's units, no more
    for entry in one["codes"]:
        code = entry["number"]
        assert entry["krippendorff_alpha"]["n"] == len(CODABLE) * len(first)
        assert entry["krippendorff_alpha"]["value"] == pytest.approx(
            expected_alpha(PLAN_1, code, first), abs=1e-12
        )
    assert any("round 1 (pilot)" in n.lower() for n in one["notes"])
    assert (
        "round 1 (pilot)"
        in run(db, "agreement", "--round", "pilot", "--codes", "04.1", "--bootstrap", "0").lower()
    )
    md = run(
        db, "agreement", "--round", "1", "--codes", "04.1", "--bootstrap", "0", "--format", "md"
    )
    assert md.splitlines()[0].endswith("round 1 (pilot)")
    # The round report lists the round's disagreements with their text: by PLAN_1, 04.1
    # differs on segments 2, 3 and 4 and 04.2 on 3 and 7, in each sampled transcript.
    assert one["disagreements"]["total"] == (3 + 2) * len(first)
    d41 = [d for d in one["disagreements"]["listed"] if d["number"] == "04.1"]
    assert sorted({d["segment"] for d in d41}) == [2, 3, 4]
    assert len(d41) == 3 * len(first)
    seg3 = next(d for d in d41 if d["segment"] == 3)
    assert seg3["text"] == "But staff morale rose!"
    assert seg3["applied_by"] == ["alice"] and seg3["not_applied_by"] == ["bob", "carol"]
    assert "| But staff morale rose! |" in md
    csv = run(
        db, "agreement", "--round", "1", "--codes", "04.1", "--bootstrap", "0", "--format", "csv"
    )
    assert "round 1 (pilot)" in csv.splitlines()[1]
    # The round's disagreements are in its sample only.
    listed = json.loads(
        run(db, "disagreements", "--round", "1", "--coders", "alice,carol", "--format", "json")
    )
    assert listed and {r["transcript"] for r in listed} <= set(first)

    # Adjudicate one, close the round, then edit two definitions with their reasons.
    run(
        db,
        "adjudicate",
        "--coder",
        "lead",
        first[0],
        "3",
        "04.1",
        "accept_b",
        "--coders",
        "alice,bob",
    )
    run(
        db,
        "adjudicate",
        "--coder",
        "lead",
        first[0],
        "3",
        "04.1",
        "accept_a",
        "--coders",
        "alice,bob",
    )  # re-decided: still one segment
    with Project.open(db) as p:
        # The written reason a decision carries (``reason`` in its payload; the review screen
        # and ``adjudicate`` record it): the latest decision of the segment above gets one.
        from codebench.store import events as event_sql

        [last] = p.events(actions=("consensus.decide",))[-1:]
        with p.transaction():
            event_sql.log(
                p.db,
                "consensus.decide",
                {**last.payload, "reason": "ethos, not morale"},
                coder_id=last.coder_id,
                transcript_id=last.transcript_id,
            )
    run(db, "round", "close", "1", "--by", "lead", "--new-coder")
    run(
        db,
        "codebook",
        "edit",
        "04.1",
        "--coder",
        "lead",
        "--definition",
        "Advantages members name for the member-owned form only",
        "--reason",
        "confused with 04.2 on morale in round 1",
        "--confusion",
        "04.1,04.2",
        "--round",
        "1",
    )
    run(
        db,
        "codebook",
        "edit",
        "04.2",
        "--coder",
        "lead",
        "--definition",
        "Tensions the mutual form itself causes",
        "--reason",
        "exclusion of general morale",
        "--confusion",
        "04.2,04.1",
        "--round",
        "1",
    )
    with Project.open(db) as p:
        before = codings_by_version(p.db)
    assert set(before) == {1}  # everything so far was coded under version 1

    second = drawn(db, "--seed", "4", "--name", "s2", "--fresh")
    assert len(second) == 2 and not set(second) & set(first)
    code_sample(db, PLAN_2, second)
    with Project.open(db) as p:
        ids = [p.transcript(t).id for t in second]
        assert set(codings_by_version(p.db, ids)) == {2}  # made after the edits: version 2
        assert set(codings_by_version(p.db, [p.transcript(t).id for t in first])) == {1}
    run(db, "round", "start", "second", "--by", "lead", "--new-coder")
    rounds = json.loads(run(db, "round", "list", "--format", "json"))
    assert [(r["number"], r["codebook_version"]) for r in rounds] == [(1, 1), (2, 2)]

    two = json.loads(
        run(
            db,
            "agreement",
            "--round",
            "2",
            "--codes",
            "04.1,04.2",
            "--bootstrap",
            "0",
            "--format",
            "json",
        )
    )
    assert two["transcripts"]["compared"] == sorted(second)
    assert two["units"]["total"] == len(CODABLE) * len(second)
    alphas = {e["number"]: e["krippendorff_alpha"]["value"] for e in two["codes"]}
    assert alphas["04.1"] == pytest.approx(expected_alpha(PLAN_2, "04.1", second), abs=1e-12)
    assert alphas["04.2"] == pytest.approx(1.0)  # every coder applied 04.2 exactly on segment 6

    path = tmp_path / "trajectory.json"
    run(db, "round", "trajectory", "--codes", "04.1,04.2", "--bootstrap", "0", "-o", str(path))
    trajectory = json.loads(path.read_text(encoding="utf-8"))
    by_code = {c["number"]: {r["round"]: r for r in c["rounds"]} for c in trajectory["codes"]}
    assert by_code["04.1"][1]["value"] == pytest.approx(expected_alpha(PLAN_1, "04.1", first))
    assert by_code["04.1"][2]["value"] == pytest.approx(alphas["04.1"])
    assert by_code["04.1"][1]["n"] == by_code["04.1"][2]["n"] == 12
    assert trajectory["schema"] == "codebench.trajectory/2"  # /2 added recomputed and interval
    # Other codes than round 1 froze: its figures are recomputed, and the JSON says so.
    first_round, second_round = trajectory["rounds"]
    assert first_round["recomputed"].startswith("Figures recomputed now from today's codings")
    assert second_round["recomputed"] is None
    assert [r["interval"]["bootstrap"] for r in trajectory["rounds"]] == [0, 0]
    # Under the default options round 1 is served as frozen, with its close's own bootstrap.
    run(db, "round", "trajectory", "--bootstrap", "0", "-o", str(path))
    frozen, live = json.loads(path.read_text(encoding="utf-8"))["rounds"]
    assert frozen["as_closed"] and frozen["recomputed"] is None
    assert (frozen["interval"]["bootstrap"], live["interval"]["bootstrap"]) == (1000, 0)

    out = tmp_path / "methods.md"
    run(db, "methods-appendix", "--bootstrap", "50", "--seed", "1", "-o", str(out))
    text = out.read_text(encoding="utf-8")
    assert "confused with 04.2 on morale in round 1" in text
    assert "exclusion of general morale" in text
    assert "s1" in text and "s2" in text and "seed" in text.lower()
    assert "| 1 to 2 |" in text  # the diff between the rounds' codebook versions
    assert "Tensions the mutual form itself causes" in text
    assert f"{expected_alpha(PLAN_1, '04.1', first):.3f}" in text
    assert "n = 12" in text
    assert "1 segment decided in the round's units, 1 with a written reason" in text
    assert "13.4 Outreach" not in text  # a code nobody applied has no row, only the note
    assert "no coder applied in any round" in text
    run(db, "methods-appendix", "--bootstrap", "0", "-o", str(tmp_path / "methods.docx"))
    assert (tmp_path / "methods.docx").read_bytes()[:2] == b"PK"


def test_a_round_refuses_a_repeated_sample_and_a_lone_coder(study: Path) -> None:
    db = study
    first = drawn(db, "--seed", "3", "--name", "s1")
    run(db, "round", "start", "pilot")
    run(db, "round", "close", "pilot")
    assert "no sample for this round" in fails(db, "round", "start", "again")
    drawn(db, "--seed", "3", "--name", "s-again")  # not fresh: the same draw
    out = " ".join(fails(db, "round", "start", "again").split())
    assert "repeats 2 transcripts" in out and "inflates alpha" in out
    assert "a round needs at least two coders" in " ".join(
        fails(db, "round", "start", "solo", "--coders", "alice", "--allow-repeat").split()
    )
    assert set(first)  # drawn
    assert "no round '7'" in fails(db, "agreement", "--round", "7")


def test_versions_open_on_the_first_edit_after_coding(project: Project, write_interview) -> None:
    from codebench.codebook import edits, versions

    assert project.import_files([write_interview("a")]).ok
    edits.edit_code(project, "lead", "04.1", description="before any coding")
    assert versions.current(project) == 1  # no codings yet: still the first version
    project.code_segments("alice", "a", [1], "04.1")
    edits.edit_code(project, "lead", "04.1", colour="#112233")
    edits.edit_code(project, "lead", "04.1", number="04.9")
    assert versions.current(project) == 1  # a colour or a number says nothing new
    assert [
        c["number"]
        for c in versions.versions(project)[0].codes
        if c["name"].startswith("Advantages")
    ] == ["04.9"]  # the snapshot follows the number
    edits.edit_code(project, "lead", "04.9", number="04.1")
    edits.edit_code(project, "lead", "04.1", description="after coding")
    edits.edit_code(project, "lead", "04.2", name="Tensions")  # the same meeting's batch
    assert versions.current(project) == 2
    project.code_segments("alice", "a", [2], "04.2")
    assert codings_by_version(project.db) == {1: 1, 2: 1}
    # Undoing the removal of a version-1 coding restores it as made under version 1.
    from codebench.coding.history import undo

    project.uncode_segments("alice", "a", [1], "04.1")
    assert undo(project, "alice") is not None
    assert codings_by_version(project.db) == {1: 1, 2: 1}
    changes = {c.label: c for c in versions.diff(project, 1, 2)}
    assert changes["04.1 Advantages of the mutual ethos"].fields == (
        ("description", "before any coding", "after coding"),
    )
    assert changes["04.2 Disadvantages and tensions of the mutual ethos"].kind == "changed"


def test_jsonl_carries_codebook_versions(project: Project, write_interview, tmp_path: Path) -> None:
    from codebench.codebook import edits, versions
    from codebench.exchange.jsonl import export_jsonl, import_jsonl

    assert project.import_files([write_interview("a")]).ok
    project.code_segments("alice", "a", [1], "04.1")
    edits.edit_code(project, "lead", "04.1", description="sharper")
    project.code_segments("alice", "a", [2], "04.1")
    first = tmp_path / "a.jsonl"
    export_jsonl(project, first)
    records = [json.loads(line) for line in first.read_text(encoding="utf-8").splitlines()]
    assert sorted(r["codebook_version"] for r in records if r["type"] == "coding") == [1, 2]
    assert [r["number"] for r in records if r["type"] == "codebook_version"] == [1, 2]

    rebuilt = Project.init(tmp_path / "b.db")
    try:
        import_jsonl(first, rebuilt)
        assert codings_by_version(rebuilt.db) == {1: 1, 2: 1}
        assert [v.codes for v in versions.versions(rebuilt)] == [
            v.codes for v in versions.versions(project)
        ]
        again = tmp_path / "b.jsonl"
        export_jsonl(rebuilt, again)
        assert again.read_bytes() == first.read_bytes()
        # Codings under version 2 exist: the next definition change opens version 3.
        edits.edit_code(rebuilt, "lead", "04.1", description="sharper still")
        assert versions.current(rebuilt) == 3
    finally:
        rebuilt.close()

    # A dump from before codebook versions: its codings were made under version 1.
    old = tmp_path / "old.jsonl"
    lines = []
    for r in records:
        if r["type"] == "codebook_version":
            continue
        if r["type"] == "coding":
            r = {k: v for k, v in r.items() if k != "codebook_version"}
        lines.append(json.dumps(r, sort_keys=True, ensure_ascii=False))
    old.write_text("\n".join(lines) + "\n", encoding="utf-8")
    legacy = Project.init(tmp_path / "c.db")
    try:
        import_jsonl(old, legacy)
        assert codings_by_version(legacy.db) == {1: 2}
        assert versions.current(legacy) == 1
    finally:
        legacy.close()


def test_edit_and_round_mistakes_are_one_line_errors(study: Path) -> None:
    db = study
    assert "nothing to change" in fails(db, "codebook", "edit", "04.1", "--coder", "lead")
    assert "--confusion needs two codes" in fails(
        db,
        "codebook",
        "edit",
        "04.1",
        "--coder",
        "lead",
        "--definition",
        "x",
        "--confusion",
        "04.1",
    )
    assert "names '04.1 Advantages of the mutual ethos' twice" in " ".join(
        fails(
            db,
            "codebook",
            "edit",
            "04.1",
            "--coder",
            "lead",
            "--definition",
            "x",
            "--confusion",
            "04.1,04.1",
        ).split()
    )
    assert "--round 9: no such round" in fails(
        db, "codebook", "edit", "04.1", "--coder", "lead", "--definition", "x", "--round", "9"
    )
    with Project.open(db) as p:
        assert p.code("04.1").description != "x"  # nothing half-written
        assert not p.events(actions=("code.edit",))
    assert "a round needs a name" in fails(db, "round", "start", " ")
    assert "no round '1'" in fails(db, "round", "close", "1")
    assert "no sample 'nope'" in fails(db, "round", "start", "r", "--sample", "nope")
    # No rounds and nothing double-coded: the whole project, every alpha undefined, said so.
    assert "no reliability rounds were recorded" in " ".join(run(db, "round", "trajectory").split())
    out = db.parent / "x.pdf"
    assert "cannot tell the format" in fails(db, "methods-appendix", "-o", str(out))
    assert not out.exists()


def test_a_merge_keeps_each_codings_codebook_version(
    project: Project, write_interview, tmp_path: Path
) -> None:
    import sqlite3

    from codebench.codebook import edits
    from codebench.exchange.merge.run import merge

    assert project.import_files([write_interview("a")]).ok
    project.code_segments("alice", "a", [1], "04.1")
    edits.edit_code(project, "lead", "04.1", description="sharper")  # opens version 2
    lead_copy = tmp_path / "lead.db"
    dest = sqlite3.connect(lead_copy)
    project.db.conn.backup(dest)  # the lead's project, as it was when the coder's copy was made
    dest.close()
    project.code_segments("alice", "a", [2], "04.1")  # the coder codes under version 2
    with Project.open(lead_copy) as lead:
        merge(lead, [project.path])
        assert codings_by_version(lead.db) == {1: 1, 2: 1}
    empty = Project.init(tmp_path / "empty.db")
    try:
        report = merge(empty, [project.path])
        # A file with no codings yet takes the source's versions whole (copies of one team
        # project merged into a new file keep the lead's versions), and says so.
        assert codings_by_version(empty.db) == {1: 1, 2: 1}
        assert [v[1:] for v in version_sql.version_rows(empty.db)] == [
            v[1:] for v in version_sql.version_rows(project.db)
        ]
        assert any("codebook versions 1–2 taken from" in n for n in report.sources[0].notes)
    finally:
        empty.close()
    other = Project.init(tmp_path / "other.db", project.codebook())
    try:  # a file with its own history: its versions are kept, the difference said
        assert other.import_files([write_interview("a")]).ok
        other.code_segments("bob", "a", [3], "04.1")
        edits.edit_code(other, "bob", "04.1", description="another meaning")
        report = merge(other, [project.path])
        assert any("codebook versions differ" in c for c in report.sources[0].conflicts)
        assert json.loads(version_sql.version_rows(other.db)[1][1]) != json.loads(
            version_sql.version_rows(project.db)[1][1]
        )
    finally:
        other.close()


def test_a_round_with_one_double_coder_compares_each_pair_on_its_own_units(study: Path) -> None:
    """The common design: bob double-codes a sample of the others' transcripts.

    Each sampled transcript is rated by its lead and bob only; the third coder's
    ratings there are missing (never assigned), not "absent". Alpha is checked
    against the package on the 3 x units matrix with those cells missing.
    """
    db = study
    body = json.loads(
        run(
            db, "sample", "--fraction", "0.25", "--seed", "1", "--coders", "bob", "--format", "json"
        )
    )[0]
    sample = [t for s in body["strata"] for t in s["drawn"]]
    # bob's own are not in the population; alice's and carol's: each rated by its lead and bob
    assert body["single_coder"] == LEADS["bob"]
    assert sample == ["i1", "i8"]
    owner = {t: k for k, ts in LEADS.items() for t in ts}
    plan = {k: {"04.1": [1, 2, 3] if k == "bob" else [1, 2]} for k in CODERS}
    with Project.open(db) as p:
        for t in sample:
            for coder in {owner[t], "bob"}:
                p.code_segments(coder, t, plan[coder]["04.1"], "04.1")
                p.set_status(coder, t, "done")
    run(db, "round", "start", "one")
    report = json.loads(
        run(
            db,
            "agreement",
            "--round",
            "1",
            "--codes",
            "04.1",
            "--bootstrap",
            "0",
            "--format",
            "json",
        )
    )
    coders = [c["name"] for c in report["coders"]]
    assert coders == ["alice", "bob", "carol"]
    compared = sorted(sample)
    assert report["transcripts"]["compared"] == compared
    matrix = [
        [
            (1.0 if o in plan[k]["04.1"] else 0.0) if k in {owner[t], "bob"} else np.nan
            for t in compared
            for o in CODABLE
        ]
        for k in coders
    ]
    expected = krippendorff.alpha(reliability_data=np.array(matrix), level_of_measurement="nominal")
    entry = report["codes"][0]
    assert entry["krippendorff_alpha"]["value"] == pytest.approx(expected, abs=1e-12)
    assert entry["krippendorff_alpha"]["n"] == len(CODABLE) * len(compared)
    assert entry["headline"]["key"] == "krippendorff_alpha"  # missing ratings: alpha leads


def test_jsonl_refuses_bad_codebook_versions(
    project: Project, write_interview, tmp_path: Path
) -> None:
    from codebench.codebook import edits
    from codebench.exchange.jsonl import JsonlError, export_jsonl, import_jsonl

    assert project.import_files([write_interview("a")]).ok
    project.code_segments("alice", "a", [1], "04.1")
    edits.edit_code(project, "lead", "04.1", description="sharper")
    project.code_segments("alice", "a", [2], "04.1")
    good = tmp_path / "a.jsonl"
    export_jsonl(project, good)
    lines = good.read_text(encoding="utf-8").splitlines()

    def broken(name: str, change) -> Path:
        out = []
        for line in lines:
            record = json.loads(line)
            record = change(record) or record
            out.append(json.dumps(record, sort_keys=True))
        path = tmp_path / name
        path.write_text("\n".join(out) + "\n", encoding="utf-8")
        return path

    cases = {
        "snapshot.jsonl": (
            lambda r: {**r, "snapshot": [1]} if r["type"] == "codebook_version" else None,
            "snapshot must be a list of codes",
        ),
        "zero.jsonl": (
            lambda r: {**r, "codebook_version": 0} if r["type"] == "coding" else None,
            "versions start at 1",
        ),
        "missing.jsonl": (
            lambda r: {**r, "codebook_version": 7} if r["type"] == "coding" else None,
            "carry codebook version 7, which the dump does not hold",
        ),
    }
    for name, (change, message) in cases.items():
        target = Project.init(tmp_path / f"{name}.db")
        try:
            with pytest.raises(JsonlError, match=message):
                import_jsonl(broken(name, change), target)
            assert not target.codes() and not target.transcripts()  # nothing half-written
        finally:
            target.close()


def test_round_scope_on_reports_and_queries_counts_its_sample_and_its_coders(study: Path) -> None:
    """``--round N``: the round's sample transcripts, coded by the round's coders (issue 13 §1).

    Hand count for code 04.1 (one coding per coded segment): the sample is i1
    (alice's) and i8 (carol's), each double-coded by bob. In i1 alice codes 1, 2
    and bob 1, 2, 3; in i8 bob codes 1, 2, 3 and carol 1, 2. Outside the round:
    alice codes i2 (not sampled) on 1-4, and dave (no assignment, so not a
    round coder) codes i1 on 4, 6, 7. Round 1: segments {1, 2, 3} in each of
    i1 and i8 = 6, codings 2 + 3 + 3 + 2 = 10, transcripts 2. Without the round:
    i1 {1, 2, 3, 4, 6, 7} + i8 {1, 2, 3} + i2 {1, 2, 3, 4} = 13 segments,
    17 codings, 3 transcripts. Round 1 with --coders bob: 6 segments, 6 codings.
    """
    db = study
    body = json.loads(
        run(
            db, "sample", "--fraction", "0.25", "--seed", "1", "--coders", "bob", "--format", "json"
        )
    )[0]
    assert [t for s in body["strata"] for t in s["drawn"]] == ["i1", "i8"]
    plan = {
        ("alice", "i1"): [1, 2],
        ("bob", "i1"): [1, 2, 3],
        ("bob", "i8"): [1, 2, 3],
        ("carol", "i8"): [1, 2],
        ("alice", "i2"): [1, 2, 3, 4],
        ("dave", "i1"): [4, 6, 7],
    }
    with Project.open(db) as p:
        p.coder("dave", create=True)
        for (coder, t), ordinals in plan.items():
            p.code_segments(coder, t, ordinals, "04.1")
    run(db, "round", "start", "one")

    def counts(*args: str) -> tuple[int, int, int]:
        out = run(db, "report", "frequencies", "--format", "csv", *args)
        values: dict[str, int] = {}
        for r in csv.DictReader(io.StringIO(out)):
            if r["Code"] == "04.1":
                values.setdefault(r["Measure"], int(float(r["Value"])))
        return values["segments"], values["codings"], values["transcripts"]

    assert counts() == (13, 17, 3)
    assert counts("--round", "1") == (6, 10, 2)
    assert counts("--round", "one", "--coder", "bob") == (6, 6, 2)
    header = run(db, "report", "matrix", "--round", "1", "--format", "csv-wide").splitlines()[0]
    assert "i1" in header and "i8" in header and "i2" not in header
    notes = run(db, "report", "frequencies", "--round", "1", "--format", "json")
    assert "Round 1 (one)" in notes
    # The query language takes the same scope: passages of 04.1 in round 1.
    # The query language takes the same scope: dave's 4, 6, 7 and alice's i2 are out.
    found = run(db, "query", "04.1", "--round", "1", "--format", "csv")
    rows = [
        (r["Transcript"], r["Segments"], r["Coders"]) for r in csv.DictReader(io.StringIO(found))
    ]
    assert rows == [("i1", "1–3", "alice, bob"), ("i8", "1–3", "bob, carol")]
    assert "dave is not a coder of round 1" in fails(
        db, "report", "frequencies", "--round", "1", "--coder", "dave"
    )
    assert "no round '7'" in fails(db, "report", "frequencies", "--round", "7")
    # Every report takes the round: the quotes of 04.1 in round 1 are i1's and i8's only,
    # and a study file's `round` key is the command's --round (the same bytes).
    # (A report's CSV on standard output has its notes on standard error: read the CSV alone.)
    quoted = (
        CliRunner()
        .invoke(
            cli,
            [
                "-p",
                str(db),
                "report",
                "quotes",
                "--code",
                "04.1",
                "--round",
                "1",
                "--format",
                "csv",
            ],
        )
        .stdout
    )
    assert {r["Transcript"] for r in csv.DictReader(io.StringIO(quoted))} == {"i1", "i8"}
    folder = db.parent / "round-study"
    folder.mkdir()
    (folder / "study.toml").write_text(
        '[[output]]\nkind = "report"\nreport = "frequencies"\nround = 1\nfile = "f.csv"\n'
        '[[output]]\nkind = "report"\nreport = "quotes"\ncodes = ["04.1"]\nround = "one"\n'
        'coders = ["bob"]\nfile = "q.csv"\n'
        '[[output]]\nkind = "query"\nexpression = "04.1"\nround = 1\nfile = "q.csv.md"\n',
        encoding="utf-8",
    )
    run(db, "build", str(folder / "study.toml"))
    built = (folder / "out" / "f.csv").read_text("utf-8-sig")
    printed = CliRunner().invoke(
        cli, ["-p", str(db), "report", "frequencies", "--round", "1", "--format", "csv"]
    )
    assert built == printed.stdout
    # Its notes (whose codings, the round) are beside it, as on standard error.
    notes = (folder / "out" / "f.notes.txt").read_text("utf-8").splitlines()
    assert notes[0] == "Notes for f.csv:" and notes[1:] == printed.stderr.splitlines()
    assert "Counts pool 3 coders (alice, bob, carol)" in notes[1]
    assert "i2" not in (folder / "out" / "q.csv").read_text("utf-8-sig")
    assert {
        r["Coders"]
        for r in csv.DictReader(io.StringIO((folder / "out" / "q.csv").read_text("utf-8-sig")))
    } == {"bob"}
    assert "i2" not in (folder / "out" / "q.csv.md").read_text("utf-8")


# ---------------------------------------------------------------------- frozen at the close


def _alphas(report: dict) -> dict[str, float | None]:
    return {e["number"]: e["krippendorff_alpha"]["value"] for e in report["codes"]}


def test_closed_round_keeps_its_figures_and_recompute_sees_new_codings(
    study: Path, tmp_path: Path
) -> None:
    db = study
    first = drawn(db, "--seed", "3", "--name", "s1")
    code_sample(db, PLAN_1, first)
    run(db, "round", "start", "pilot", "--by", "lead")
    out = run(db, "round", "close", "1", "--by", "lead")
    assert "frozen" in out
    closed = json.loads(run(db, "agreement", "--round", "1", "--format", "json"))
    at_close = _alphas(closed)
    assert at_close["04.1"] == pytest.approx(expected_alpha(PLAN_1, "04.1", first), abs=1e-12)
    trajectory = json.loads(run(db, "round", "trajectory", "--format", "json"))
    run(db, "methods-appendix", "--seed", "5", "-o", str(tmp_path / "before.md"))

    # After the close: bob codes 04.1 on every codable segment of the sample, and the lead
    # adjudicates a segment.
    with Project.open(db) as p:
        for t in first:
            p.code_segments("bob", t, [1, 2, 3, 4, 6, 7], "04.1")
    run(
        db,
        "adjudicate",
        "--coder",
        "lead",
        first[0],
        "3",
        "04.1",
        "accept_a",
        "--coders",
        "alice,carol",
    )

    again = json.loads(run(db, "agreement", "--round", "1", "--format", "json"))
    assert _alphas(again) == at_close
    assert again["round"]["frozen"]["closed_at"] == again["round"]["closed_at"]
    date = again["round"]["closed_at"][:10]
    assert again["notes"][0].startswith(f"Figures as closed on {date}")
    table = " ".join(run(db, "agreement", "--round", "1", "--bootstrap", "0").split())
    assert f"as closed on {date}" in table
    assert (
        json.loads(run(db, "round", "trajectory", "--format", "json"))["codes"]
        == trajectory["codes"]
    )
    run(db, "methods-appendix", "--seed", "5", "-o", str(tmp_path / "after.md"))
    before = (tmp_path / "before.md").read_text()
    after = (tmp_path / "after.md").read_text()
    figures = [line for line in before.splitlines() if "04.1" in line and "], n = " in line]
    assert figures and all(line in after for line in figures)

    fresh = json.loads(
        run(
            db,
            "agreement",
            "--round",
            "1",
            "--codes",
            "04.1,04.2",
            "--recompute",
            "--bootstrap",
            "0",
            "--format",
            "json",
        )
    )
    plan = {k: {c: list(v) for c, v in PLAN_1[k].items()} for k in CODERS}
    plan["bob"]["04.1"] = [1, 2, 3, 4, 6, 7]
    assert _alphas(fresh)["04.1"] == pytest.approx(expected_alpha(plan, "04.1", first), abs=1e-12)
    assert _alphas(fresh)["04.1"] != at_close["04.1"]
    assert "frozen" not in fresh["round"]
    # Other options than the round was closed with are computed, not served frozen.
    other = json.loads(
        run(
            db,
            "agreement",
            "--round",
            "1",
            "--min-overlap",
            "0",
            "--bootstrap",
            "0",
            "--format",
            "json",
        )
    )
    assert "frozen" not in other["round"]
    assert "not as round 1 (pilot) closed on" in other["notes"][0]


def test_no_rounds_the_appendix_and_trajectory_report_the_whole_project(
    study: Path, tmp_path: Path
) -> None:
    """No round recorded: one design (the double-coded units), said so, not refused."""
    db = study
    first = drawn(db, "--seed", "3", "--name", "s1")
    code_sample(db, PLAN_1, first)
    whole = json.loads(run(db, "agreement", "--bootstrap", "0", "--format", "json"))
    data = json.loads(run(db, "round", "trajectory", "--bootstrap", "0", "--format", "json"))
    assert data["no_rounds"] is True
    assert [r["number"] for r in data["rounds"]] == [0]
    assert data["rounds"][0]["units"] == whole["units"]["total"]
    by_code = {c["number"]: c["rounds"][0] for c in data["codes"]}
    for entry in whole["codes"]:
        assert by_code[entry["number"]]["value"] == entry["krippendorff_alpha"]["value"]
        assert by_code[entry["number"]]["n"] == entry["krippendorff_alpha"]["n"]
    assert by_code["04.1"]["value"] == pytest.approx(
        expected_alpha(PLAN_1, "04.1", first), abs=1e-12
    )
    table = " ".join(run(db, "round", "trajectory", "--bootstrap", "0").split())
    assert "no reliability rounds were recorded" in table
    run(db, "methods-appendix", "--seed", "5", "--bootstrap", "50", "-o", str(tmp_path / "m.md"))
    text = (tmp_path / "m.md").read_text()
    flat = " ".join(text.split())
    assert "no rounds were recorded" in flat
    assert "alice" in flat and "bob" in flat and "carol" in flat  # coders and assignments
    assert f"{by_code['04.1']['value']:.3f} \\[" in text  # coefficient with its CI (md escapes [)
    assert f"n = {by_code['04.1']['n']}" in text
    assert "Overlap rule" in text


def test_round_delete_removes_the_round_and_keeps_its_sample_and_codings(study: Path) -> None:
    db = study
    first = drawn(db, "--seed", "3", "--name", "s1")
    run(db, "round", "start", "pilot")
    code_sample(db, PLAN_1, first)
    run(db, "round", "close", "pilot")
    with Project.open(db) as p:
        codings = len(p.codings())
        assert p.db.execute("SELECT count(*) FROM round_reports").fetchone() == (1,)
    out = run(db, "round", "delete", "pilot")
    assert "removed" in out and "s1" in out
    with Project.open(db) as p:
        assert p.db.execute("SELECT count(*) FROM rounds").fetchone() == (0,)
        assert p.db.execute("SELECT count(*) FROM round_reports").fetchone() == (0,)
        assert p.db.execute("SELECT count(*) FROM round_coders").fetchone() == (0,)
        assert p.db.execute("SELECT count(*) FROM samples").fetchone() == (1,)
        assert len(p.codings()) == codings > 0
    assert "no round 'pilot'" in fails(db, "round", "delete", "pilot")
    run(db, "round", "start", "again")  # the sample is fresh again: no round drew on it
