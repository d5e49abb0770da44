"""A small study run end to end through the CLI: assign, sample, code blind, agreement on the design."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from codebench.cli import cli
from codebench.project import Project

NINE = [f"i{n}" for n in range(1, 10)]
ROLE = {t: ("manager" if n < 4 else "staff") for n, t in enumerate(NINE)}
LEADS = {"alice": NINE[0:3], "bob": NINE[3:6], "carol": NINE[6:9]}


def run(db: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["-p", str(db), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_assign_sample_code_and_compare_on_the_design(project: Project, write_interview) -> None:
    assert project.import_files([write_interview(t, tag=t) for t in NINE]).ok
    for t in NINE:
        project.set_attributes(t, {"role": ROLE[t]})
    db = project.path
    project.close()
    for coder, transcripts in LEADS.items():
        run(db, "assign", "--coder", coder, *transcripts, "--by", "lead", "--new-coder")
    drawn = json.loads(
        run(
            db,
            "sample",
            "--fraction",
            "0.25",
            "--stratify",
            "role",
            "--seed",
            "3",
            "--coders",
            "dave",
            "--by",
            "lead",
            "--new-coder",
            "--format",
            "json",
        )
    )[0]
    sample = [t for s in drawn["strata"] for t in s["drawn"]]
    assert drawn["population"] == 9 and len(sample) == 2  # 1 of 4 managers, 1 of 5 staff
    with Project.open(db) as p:
        for coder, transcripts in {**LEADS, "dave": sample}.items():
            for t in transcripts:
                # Everyone codes segments 1-3 with 02; dave also 4 (one disagreement per transcript).
                p.code_segments(coder, t, [1, 2, 3, 4] if coder == "dave" else [1, 2, 3], "02")
                p.set_status(coder, t, "done")
    progress = json.loads(run(db, "assignments", "--coder", "dave", "--format", "json"))
    assert all(r["done"] and r["coded"] == 4 and r["codable"] == 6 for r in progress)

    report = json.loads(
        run(db, "agreement", "--codes", "02", "--bootstrap", "0", "--format", "json")
    )
    assert report["settings"]["design"] == "assignments"
    assert report["transcripts"]["compared"] == sorted(sample)
    pairs = {tuple(r["coders"]): r for r in report["per_pair"]}
    owner = {t: k for k, ts in LEADS.items() for t in ts}
    for (a, b), row in pairs.items():
        shared = [t for t in sample if {owner[t], "dave"} == {a, b}]
        assert row["units"] == 6 * len(shared), (a, b)
    # Coders who never shared a transcript: no units together, an undefined kappa with a reason.
    entry = report["codes"][0]
    ab = next(k for k in entry["cohen_kappa"] if k["coders"] == ["alice", "bob"])
    assert ab["value"] is None and ab["reason"] and ab["n"] == 0
    assert entry["headline"]["key"] == "krippendorff_alpha"  # four coders, missing ratings
    assert entry["pairable_units"] == 6 * len(sample)
    table = run(db, "agreement", "--codes", "02", "--bootstrap", "0")
    assert "Missing ratings come from the assignments" in " ".join(table.split())
