"""Agreement on the study design (issue 12): missingness from assignments, each pair on what both rated.

The expected figures are computed independently (the ``krippendorff``
package, scikit-learn) on matrices written out from the codings and the
design, with NaN where a coder was not given a unit.
"""

from __future__ import annotations

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from codebench.agreement.reliability_data import extract_units
from codebench.agreement.report import agreement_report
from codebench.design.assignments import assign
from codebench.project import Project

WORDS = ["apples", "boats", "clouds", "drums", "eagles", "forests", "gardens", "hills"]
LONG = 164  # codable segments of the long interview: ordinals 1..164
EVERY_4TH = list(range(1, LONG + 1, 4))  # 41 segments


@pytest.fixture
def long_study(project: Project, write_transcript, write_interview) -> Project:
    """A 164-segment interview ``long`` and two short ones (``s1``, ``s2``, 6 codable segments each)."""
    text = "Interviewer: Tell me.\n" + "".join(
        f"Ann Lee: We talked about {WORDS[i % 8]} in meeting {i}.\n" for i in range(LONG)
    )
    paths = [write_transcript("long.txt", text), write_interview("s1", tag="s1")]
    paths.append(write_interview("s2", tag="s2"))
    assert project.import_files(paths).ok
    assert sum(s.codable for s in project.segments("long")) == LONG
    return project


def code_long(p: Project) -> dict[str, set[int]]:
    """alice and bob code 02 on most of ``long``; carol only on (some of) her every-4th segments."""
    applied = {
        "alice": {o for o in range(1, LONG + 1) if o % 3 == 0},
        "bob": {o for o in range(1, LONG + 1) if o % 3 == 0 and o % 7} | {2, 4},
        # carol codes 02 where alice did among her segments, one more, and a segment she was
        # never given (it must be ignored once assignments exist).
        "carol": {o for o in EVERY_4TH if o % 3 == 0} | {5, 162},
    }
    for coder, ordinals in applied.items():
        p.code_segments(coder, "long", sorted(ordinals), "02")
        p.set_status(coder, "long", "done")
    return applied


def test_a_coder_given_every_4th_segment_rated_41_not_164(long_study: Project) -> None:
    p = long_study
    applied = code_long(p)
    # Without assignments: today's rule, and the report says so.
    before = extract_units(p, codes=["02"], coders=["alice", "bob", "carol"])
    assert before.design == "statuses"
    assert any("done statuses" in n for n in before.notes)
    assert [int(x) for x in (~np.isnan(before.data[0])).sum(axis=1)] == [LONG, LONG, LONG]

    assign(p, "alice", ["long"])
    assign(p, "bob", ["long"])
    assign(p, "carol", ["long"], segments=[(o, o) for o in EVERY_4TH])
    units = extract_units(p, codes=["02"], coders=["alice", "bob", "carol"])
    assert units.design == "assignments"
    assert any("from the assignments" in n for n in units.notes)
    rated = (~np.isnan(units.data[0])).sum(axis=1)
    assert [int(x) for x in rated] == [LONG, LONG, 41]
    assert units.missing_by_coder() == [0, 0, LONG - 41]

    expected = np.array(
        [[float(o in applied[k]) for o in range(1, LONG + 1)] for k in ("alice", "bob", "carol")]
    )
    expected[2, [o - 1 for o in range(1, LONG + 1) if o not in EVERY_4TH]] = np.nan
    np.testing.assert_array_equal(units.data[0], expected)  # segment 162 is not carol's: missing

    report = agreement_report(p, codes=["02"], coders=["alice", "bob", "carol"], bootstrap=0)
    entry = report["codes"][0]
    assert entry["rated_by_coder"] == {"alice": LONG, "bob": LONG, "carol": 41}
    assert entry["krippendorff_alpha"]["value"] == pytest.approx(
        krippendorff.alpha(reliability_data=expected, level_of_measurement="nominal"), abs=1e-12
    )
    assert report["settings"]["design"] == "assignments"
    assert any("from the assignments" in n for n in report["notes"])


def test_only_the_assigned_transcripts_marked_done_count(long_study: Project) -> None:
    p = long_study
    code_long(p)
    for coder in ("alice", "bob"):
        assign(p, coder, ["long", "s1"])
        p.code_segments(coder, "s1", [1], "02")
    p.set_status("alice", "s1", "done")  # bob has not finished s1
    assign(p, "carol", ["long"], segments=[(1, 80)])
    units = extract_units(p, codes=["02"], coders=["alice", "bob", "carol"])
    assert [t.name for t in units.transcripts] == ["long"]
    assert [(t.name, why) for t, why in units.excluded] == [
        ("s1", "not marked done by bob (not-started, has codings)")
    ]
    # With --include-unfinished every assigned segment counts, done or not.
    unfinished = extract_units(
        p, codes=["02"], coders=["alice", "bob", "carol"], include_unfinished=True
    )
    assert [t.name for t in unfinished.transcripts] == ["long", "s1"]
    assert unfinished.missing_by_coder() == [0, 0, LONG - 80 + 6]
    assert any("done or not" in n for n in unfinished.notes)


def test_a_coder_who_finished_one_transcript_does_not_shrink_the_other_pairs(
    long_study: Project,
) -> None:
    """Issue 12, point 2: carol finished only ``long``; alice and bob keep all three transcripts."""
    p = long_study
    for t in ("long", "s1", "s2"):
        for coder, ordinals in (("alice", [1, 2, 3, 6]), ("bob", [1, 3, 4, 6])):
            p.code_segments(coder, t, ordinals, "02")
            p.set_status(coder, t, "done")
    p.code_segments("carol", "long", [1, 2, 7], "02")
    p.set_status("carol", "long", "done")

    pair_only = agreement_report(p, codes=["02"], coders=["alice", "bob"], bootstrap=0)
    everyone = agreement_report(p, codes=["02"], coders=["alice", "bob", "carol"], bootstrap=0)
    total = LONG + 6 + 6
    assert pair_only["units"]["total"] == everyone["units"]["total"] == total
    assert everyone["transcripts"]["compared"] == ["long", "s1", "s2"]
    pairs = {tuple(r["coders"]): r for r in everyone["per_pair"]}
    assert pairs[("alice", "bob")]["units"] == pair_only["per_pair"][0]["units"] == total
    assert pairs[("alice", "carol")]["units"] == pairs[("bob", "carol")]["units"] == LONG
    assert pairs[("alice", "bob")]["cohen_kappa"] == pair_only["per_pair"][0]["cohen_kappa"]
    ab = next(k for k in everyone["codes"][0]["cohen_kappa"] if k["coders"] == ["alice", "bob"])
    assert ab["value"] == pair_only["codes"][0]["kappa"]["value"]
    # The pair's kappa, independently: every unit of the three transcripts.
    rows = {
        k: [float(o in ordinals) for t in ("long", "s1", "s2") for o in codable(p, t)]
        for k, ordinals in (("alice", {1, 2, 3, 6}), ("bob", {1, 3, 4, 6}))
    }
    assert ab["value"] == pytest.approx(cohen_kappa_score(rows["alice"], rows["bob"]), abs=1e-12)


def codable(p: Project, t: str) -> list[int]:
    return [s.ordinal for s in p.segments(t) if s.codable]


def test_with_missing_ratings_the_headline_is_alpha_with_its_n(long_study: Project) -> None:
    """Issue 12, point 3: Fleiss' kappa on the 4 complete units is 1.00; alpha uses all 164."""
    p = long_study
    alice = {1, 2} | {o for o in range(5, LONG + 1) if o % 3 == 0}
    bob = {1, 2} | {o for o in range(5, LONG + 1) if o % 3 == 0 and o % 5}
    for coder, ordinals in (("alice", alice), ("bob", bob), ("carol", {1, 2})):
        p.code_segments(coder, "long", sorted(ordinals), "02")
        p.set_status(coder, "long", "done")
    assign(p, "alice", ["long"])
    assign(p, "bob", ["long"])
    assign(p, "carol", ["long"], segments=[(1, 4)])
    report = agreement_report(p, codes=["02"], bootstrap=0)
    entry = report["codes"][0]
    assert entry["complete_units"] == 4 and entry["pairable_units"] == LONG
    assert entry["kappa"]["statistic"] == "fleiss"
    assert entry["kappa"]["value"] == pytest.approx(1.0) and entry["kappa"]["n"] == 4
    matrix = np.array([[float(o in s) for o in range(1, LONG + 1)] for s in (alice, bob, {1, 2})])
    matrix[2, 4:] = np.nan
    alpha = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")
    assert alpha < 0.95
    assert entry["krippendorff_alpha"]["value"] == pytest.approx(alpha, abs=1e-12)
    assert entry["krippendorff_alpha"]["n"] == LONG
    assert entry["headline"]["key"] == "krippendorff_alpha"
    assert entry["headline"]["n"] == LONG
    assert entry["headline"]["value"] == pytest.approx(alpha, abs=1e-12)
    pairs = {tuple(k["coders"]): k["n"] for k in entry["cohen_kappa"]}
    assert pairs == {("alice", "bob"): LONG, ("alice", "carol"): 4, ("bob", "carol"): 4}
    # The "too few units" warnings use each coefficient's own n.
    assert any("Fleiss' kappa uses only the 4 units" in d for d in entry["diagnostics"])
    assert any("alice and carol uses only the 4" in d for d in entry["diagnostics"])
    assert not any("were rated by two or more coders" in d for d in entry["diagnostics"])

    from codebench.agreement.output import render

    table = render(report, "table")
    assert "headline α" in table and "n=4" in table
    markdown = render(report, "md")
    assert "(n = 4)" in markdown and f"α (n = {LONG})" in markdown
    csv_text = render(report, "csv")
    assert "kappa_n" in csv_text and "headline" in csv_text

    # Complete data with three coders: the headline stays the kappa.
    assign(p, "carol", ["long"])
    complete = agreement_report(p, codes=["02"], bootstrap=0)["codes"][0]
    assert complete["headline"]["key"] == "kappa" and complete["headline"]["label"] == "Fleiss' κ"


def test_the_overlap_rule_half_a_segment_by_default(long_study: Project) -> None:
    """Issue 12, point 4: a 1-character spill is no disagreement; 5 characters are not a segment."""
    from click.testing import CliRunner

    from codebench.cli import cli

    p = long_study
    s1, s2 = p.segment("long", 1), p.segment("long", 2)
    # alice codes segment 1 and spills one character into segment 2; bob codes segment 1 exactly.
    p.add_codings("alice", "02", "long", [(s1.start, s2.start + 1)])
    p.add_codings("bob", "02", "long", [(s1.start, s1.end)])
    # In a 163-character segment, alice codes 5 characters; bob does not code it.
    sentence = (
        "We talked for a long time about the garden, the budget, the staff rota, the new clinic "
        "and the council's plans for next year, and then we went home to rest at six.\n"
    )
    path = p.path.parent / "wide.txt"
    path.write_text("Interviewer: Go on.\nAnn Lee: " + sentence)
    assert p.import_files([path]).ok
    wide = next(s for s in p.segments("wide") if s.codable)
    assert wide.end - wide.start == 163
    p.add_codings("alice", "02", "wide", [(wide.start, wide.start + 5)])
    for coder in ("alice", "bob"):
        for t in ("long", "wide"):
            p.set_status(coder, t, "done")

    units = extract_units(p, codes=["02"], coders=["alice", "bob"])
    assert units.min_overlap == 0.5
    first = units.data[0, :, :2].tolist()
    assert first == [[1, 0], [1, 0]]  # segment 2 is not coded by alice: no disagreement
    last = units.data[0, :, -1].tolist()
    assert last == [0, 0]  # 5 characters of the wide segment do not count
    from codebench.agreement.consensus import list_disagreements

    assert list_disagreements(p, ["alice", "bob"], "02") == []
    # Any overlap (the old rule) on request: both become disagreements.
    assert (
        extract_units(p, codes=["02"], coders=["alice", "bob"], min_overlap=None).data[0, 0].sum()
        == 3
    )

    # The rule is printed in every format and carried in the JSON.
    def run(*args: str) -> str:
        result = CliRunner().invoke(
            cli, ["-p", str(p.path), "agreement", "--codes", "02", "--bootstrap", "0", *args]
        )
        assert result.exit_code == 0, result.output
        return result.output

    import json

    report = json.loads(run("--format", "json"))
    assert report["settings"]["min_overlap"] == 0.5
    assert "at least 50%" in report["settings"]["overlap_rule"]
    assert any("at least 50%" in n for n in report["notes"])
    assert "coded: ≥ 50% covered" in " ".join(run().split())
    for fmt in ("md", "html", "csv"):
        assert "at least 50%" in run("--format", fmt), fmt
    anything = json.loads(run("--format", "json", "--min-overlap", "0"))
    assert anything["settings"]["min_overlap"] is None
    assert "any of the coder's codings" in anything["settings"]["overlap_rule"]
    assert anything["codes"][0]["disagreements"] == 2


def test_a_coder_without_assignments_keeps_the_done_rule(long_study: Project) -> None:
    """The usual design: alice codes everything (no assignment), bob double-codes a sample."""
    p = long_study
    for t in ("long", "s1", "s2"):
        p.code_segments("alice", t, [1, 2, 3], "02")
        p.set_status("alice", t, "done")
    assign(p, "bob", ["s1"])
    assign(p, "bob", ["long"], segments=[(1, 20)])
    p.code_segments("bob", "s1", [1, 2], "02")
    p.code_segments("bob", "s2", [1], "02")  # not bob's: ignored
    for t in ("long", "s1", "s2"):
        p.set_status("bob", t, "done")
    units = extract_units(p, codes=["02"], coders=["alice", "bob"])
    assert units.design == "assignments"
    assert [t.name for t in units.transcripts] == ["long", "s1"]
    assert [(t.name, why) for t, why in units.excluded] == [
        (
            "s2",
            "fewer than two compared coders rate it by the design (alice); bob: assignments do not include it",
        )
    ]
    rated = (~np.isnan(units.data[0])).sum(axis=1)
    assert [int(x) for x in rated] == [LONG + 6, 20 + 6]
    assert any(
        "without assignments rated every transcript they marked done" in n for n in units.notes
    )
