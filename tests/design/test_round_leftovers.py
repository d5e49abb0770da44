"""Reliability studies, read as a methods reviewer would (issue 12 leftovers).

* A project with no rounds: its appendix describes the design it has (the
  transcripts two or more coders rated), never "the round's units".
* A round closed before reports were frozen (before migration 0016) has no
  frozen report: its figures are recomputed now, and every output says so
  and gives the close date.
* ``round close`` states the bootstrap it spends, and the replicates and seed
  of a frozen report are what the appendix reports for that round.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from codebench.codebook import edits
from codebench.project import Project
from tests.design.test_rounds import PLAN_1, code_sample, drawn, run

#: Wording that only fits a project with rounds.
ROUND_ONLY = (
    "round's units",
    "A round's units",
    "after the round opened",
    "in any round",
    "in every round",
    "Codebook changes between rounds",
)


def _flat(path: Path) -> str:
    return " ".join(path.read_text().split())


def _section(text: str, title: str) -> str:
    """The text of one ``## title`` section of a Markdown appendix."""
    return text.split(f"## {title}", 1)[1].split("\n## ", 1)[0]


def test_no_rounds_appendix_says_nothing_that_assumes_rounds(study: Path, tmp_path: Path) -> None:
    db = study
    first = drawn(db, "--seed", "3", "--name", "s1")
    code_sample(db, PLAN_1, first)  # 04.1 and 04.2 confused on segments 3 and 4: below 0.8
    run(db, "adjudicate", "--coder", "lead", first[0], "3", "04.1", "accept_a", "--coders",
        "alice,bob", "--reason", "ethos, not morale", "--new-coder")  # fmt: skip
    with Project.open(db) as p:
        edits.edit_code(
            p, "lead", "04.1", description="sharper", why=edits.EditReason("after the meeting")
        )
    out = tmp_path / "m.md"
    run(db, "methods-appendix", "--bootstrap", "0", "-o", str(out))
    text = out.read_text()
    flat = _flat(out)
    for wording in ROUND_ONLY:
        assert wording not in flat, wording
    below = _section(text, "Codes below alpha 0.800 and what was done")
    rows = [line for line in below.splitlines() if line.startswith("| 04")]
    assert len(rows) == 2  # 04.1 and 04.2, each in the one design
    (row_041,) = [r for r in rows if r.startswith("| 04.1")]
    # The decision on first[0] segment 3 counts, with its reason, as a decision of 04.1.
    assert "1 segment decided in the compared transcripts, 1 with a written reason" in row_041
    assert "after the meeting" in row_041  # the edit that names it, whenever it was made
    assert "1 decision in the compared transcripts, 1 with a written reason" in flat
    # No interval was computed, so no title or rule promises one.
    assert "Krippendorff's alpha per code and n (no rounds were recorded)" in flat
    assert "no interval (--bootstrap 0)" in flat
    # The version the codings were made under is a number, and the change between versions
    # (there are no rounds to date them by) is listed with its reason.
    changes = " ".join(_section(text, "Codebook changes between versions").split())
    assert "| 1 to 2 | 04.1" in changes and "after the meeting" in changes


def _closed_round(db: Path, *args: str) -> str:
    first = drawn(db, "--seed", "3", "--name", "s1")
    code_sample(db, PLAN_1, first)
    run(db, "round", "start", "pilot", "--by", "lead")
    return run(db, "round", "close", "1", "--by", "lead", *args)


def test_a_round_closed_before_reports_were_frozen_says_its_figures_are_recomputed(
    study: Path, tmp_path: Path
) -> None:
    db = study
    _closed_round(db, "--bootstrap", "0")
    run(db, "methods-appendix", "--bootstrap", "0", "-o", str(tmp_path / "frozen.md"))
    assert "(figures as frozen at the close)" in _flat(tmp_path / "frozen.md")
    # A project from before migration 0016: the round closed, and no report was stored.
    with sqlite3.connect(db) as raw:
        assert raw.execute("DELETE FROM round_reports").rowcount == 1
    report = json.loads(
        run(db, "agreement", "--round", "1", "--bootstrap", "0", "--format", "json")
    )
    date = report["round"]["closed_at"][:10]
    assert "frozen" not in report["round"]
    first = report["notes"][0]
    assert first.startswith(f"Figures recomputed now from today's codings, not as round 1 (pilot) "
                            f"closed on {date}: the round was closed before codebench froze "
                            "round reports")  # fmt: skip
    table = " ".join(run(db, "agreement", "--round", "1", "--bootstrap", "0").split())
    assert "closed before codebench froze round reports" in table
    trajectory = " ".join(run(db, "round", "trajectory", "--bootstrap", "0").split())
    assert f"recomputed now (closed {date}; no frozen report)" in trajectory
    as_json = json.loads(run(db, "round", "trajectory", "--bootstrap", "0", "--format", "json"))
    assert as_json["schema"] == "codebench.trajectory/2"
    (only,) = as_json["rounds"]
    assert only["recomputed"] == first  # the report's own note, carried into the trajectory
    run(db, "methods-appendix", "--bootstrap", "0", "-o", str(tmp_path / "old.md"))
    old = _flat(tmp_path / "old.md")
    assert (
        f"to {date} (figures recomputed now: the round was closed before reports were frozen)"
        in old
    )
    assert "figures as frozen" not in old
    # --recompute on a round that has a frozen report is the other honest case.
    assert "(--recompute)" not in first


def test_round_close_states_its_bootstrap_and_the_appendix_reports_each_rounds(
    study: Path, tmp_path: Path
) -> None:
    db = study
    out = " ".join(_closed_round(db, "--bootstrap", "20", "--seed", "9").split())
    assert "frozen as of now with 20 bootstrap replicates, seed 9" in out
    with sqlite3.connect(db) as raw:
        (options,) = raw.execute("SELECT options FROM round_reports").fetchone()
    assert json.loads(options)["bootstrap"] == 20 and json.loads(options)["seed"] == 9
    frozen = json.loads(run(db, "agreement", "--round", "1", "--format", "json"))
    assert frozen["round"]["frozen"]["seed"] == 9 and frozen["settings"]["seed"] == 9
    # Round 2, open, on a fresh sample: the appendix's own bootstrap (30, seed 5) applies to it;
    # round 1 keeps the 20 replicates and seed 9 of its close.
    second = drawn(db, "--seed", "4", "--name", "s2", "--fresh")
    code_sample(db, PLAN_1, second)
    run(db, "round", "start", "after", "--by", "lead")
    run(db, "methods-appendix", "--bootstrap", "30", "--seed", "5", "-o", str(tmp_path / "m.md"))
    rule = _section((tmp_path / "m.md").read_text(), "Rules")
    (interval,) = [line for line in rule.splitlines() if line.startswith("| Interval")]
    assert "round 1 (pilot): 95% percentile bootstrap; bootstrap: 20 replicates" in interval
    assert "seed 9 (frozen at the close)" in interval
    assert "round 2 (after): 95% percentile bootstrap; bootstrap: 30 replicates" in interval
    assert interval.rstrip(" |").endswith("seed 5")


def test_round_close_with_no_bootstrap_is_reported_as_such(study: Path, tmp_path: Path) -> None:
    db = study
    out = " ".join(_closed_round(db, "--bootstrap", "0").split())
    assert "frozen as of now with no interval (--bootstrap 0)" in out
    run(db, "methods-appendix", "--bootstrap", "50", "-o", str(tmp_path / "m.md"))
    flat = _flat(tmp_path / "m.md")
    assert "no interval (the round was closed with --bootstrap 0)" in flat
    assert "50 replicates" not in flat
    assert "Krippendorff's alpha per code and round and n" in flat


def test_the_terminal_report_prints_every_note_wrapped_at_80_columns(study: Path) -> None:
    """The round report's notes (what its figures stand on) under the tables, at 80 columns."""
    from codebench.agreement.render_rich import report_text

    db = study
    _closed_round(db, "--bootstrap", "0")
    report = json.loads(run(db, "agreement", "--round", "1", "--format", "json"))
    report["notes"].append("A name from the data: \x1b[31mred\x1b[0m " + "x" * 120)
    for width in (80, 160):  # a wide terminal still wraps prose at 80
        text = report_text(report, width=width)
        notes = text.split("\nNotes\n", 1)[1].split("\n\n", 1)[0]
        assert all(len(line) <= 80 for line in notes.splitlines())
        items = [" ".join(i.split()) for i in notes.split("• ")[1:]]
        assert len(items) == len(report["notes"])
        for note, shown in zip(report["notes"][:-1], items):
            assert " ".join(note.split()) == shown  # the whole note, only re-wrapped
        assert "\x1b" not in text and "red" in items[-1]
    # The first note says the figures are the frozen ones, and when the round closed.
    assert items[0].startswith("Figures as closed on ")
    # The plain table output (as a user sees it) carries the notes too.
    shown = " ".join(run(db, "agreement", "--round", "1").split())
    assert all(" ".join(n.split()) in shown for n in report["notes"][:-1])
