"""Issue 12, points 12 and 14: adjudication among three coders, with reasons, and the consensus's done status."""

from __future__ import annotations

import pytest

from codebench.agreement.consensus import (
    DECIDE,
    adjudicate,
    give_reason,
    list_disagreements,
    result_of,
    seed_consensus,
    sync_done,
)
from codebench.agreement.report import agreement_report
from codebench.design.assignments import assign
from codebench.errors import CodebenchError
from codebench.models import Coder
from codebench.project import Project
from codebench.reports.scope import select_coders


@pytest.fixture
def trio(project: Project, write_interview) -> Project:
    """alice and bob rate all of t1; cara was assigned segments 1-4 only (tests/conftest.py ordinals).

    Segment 1: everyone 08 (agreed). Segment 2: alice 04.1 + 08, bob 04.2, cara 04.1.
    Segment 3: cara 02 alone. Segment 6: alice 10 (cara does not rate 6). Segment 7: bob 10.
    """
    p = project
    p.import_files([write_interview("t1")])
    assign(p, "cara", ["t1"], segments=[(1, 4)])
    for k in ("alice", "bob", "cara"):
        p.code_segments(k, "t1", [1], "08")
    p.code_segments("alice", "t1", [2], "08")
    p.code_segments("alice", "t1", [2], "04.1")
    p.code_segments("bob", "t1", [2], "04.2")
    p.code_segments("cara", "t1", [2], "04.1")
    p.code_segments("cara", "t1", [3], "02")
    p.code_segments("alice", "t1", [6], "10")
    p.code_segments("bob", "t1", [7], "10")
    for k in ("alice", "bob", "cara"):
        p.set_status(k, "t1", "done")
    p.coder("pat", create=True)
    return p


CODERS = ["alice", "bob", "cara"]


def consensus_codes(p: Project, ordinal: int) -> set[str]:
    seg = p.segment("t1", ordinal)
    return {
        p.code_by_id(c.code_id).number
        for c in p.codings(transcript="t1", coders=["consensus"])
        if c.start < seg.end and c.end > seg.start
    }


def consensus_status(p: Project) -> str | None:
    return p.statuses().get((p.coder("consensus").id, p.transcript("t1").id))


def test_raters_come_from_the_design_and_a_disagreement_is_some_but_not_all(trio: Project) -> None:
    items = list_disagreements(trio, CODERS)
    found = [
        (d.code.number, d.ordinal, [k.name for k in d.applied_by], [k.name for k in d.raters])
        for d in items
    ]
    assert found == [
        ("02", 3, ["cara"], CODERS),
        ("04.1", 2, ["alice", "cara"], CODERS),
        ("04.2", 2, ["bob"], CODERS),
        ("08", 2, ["alice"], CODERS),
        # cara was not assigned 6 or 7: those segments have two raters.
        ("10", 6, ["alice"], ["alice", "bob"]),
        ("10", 7, ["bob"], ["alice", "bob"]),
    ]
    seg2 = items[1]
    assert [sorted(c.number for c in codes) for codes in seg2.rater_codes] == [
        ["04.1", "08"],
        ["04.2"],
        ["04.1"],
    ]
    assert sorted(c.number for c in seg2.disputed) == ["04.1", "04.2", "08"]
    # Segment 1 (all three applied 08) is not a disagreement.
    assert all(d.ordinal != 1 for d in items)


@pytest.mark.parametrize(
    ("choice", "accept", "expected"),
    [
        ("accept", "cara", {"04.1"}),
        ("accept", "alice", {"04.1", "08"}),
        ("accept_b", None, {"04.2"}),  # the second compared coder, as in the pairwise names
        ("all", None, {"04.1", "04.2", "08"}),
        ("both", None, {"04.1", "04.2", "08"}),
        ("agreed", None, set()),
        ("neither", None, set()),
        # 04.1 by two of three (> half); 04.2 and 08 by one of three.
        ("majority", None, {"04.1"}),
    ],
)
def test_each_choice_among_three_raters(
    trio: Project, choice: str, accept: str | None, expected: set[str]
) -> None:
    d = next(x for x in list_disagreements(trio, CODERS, "04.2"))
    decision = adjudicate(trio, "pat", d, d.code, choice, accept=accept, reason="  per memo 3  ")
    assert consensus_codes(trio, 2) == expected
    event = trio.events(actions=(DECIDE,))[-1]
    assert event.payload["coders"] == CODERS and event.payload["reason"] == "per memo 3"
    assert {
        k: sorted(trio.code(g).number for g in v)
        for k, v in event.payload["codes_by_coder"].items()
    } == {
        "alice": ["04.1", "08"],
        "bob": ["04.2"],
        "cara": ["04.1"],
    }
    assert decision.reason == "per memo 3"
    # One decision settles the whole segment, for every disputed code.
    again = [x for x in list_disagreements(trio, CODERS) if x.ordinal == 2]
    assert len(again) == 3 and all(x.decided and x.decision.reason == "per memo 3" for x in again)


def test_majority_tie_does_not_carry_the_code(trio: Project) -> None:
    """Segment 6 has two raters (alice applied 10, bob did not): one of two is not more than half."""
    adjudicate(trio, "pat", ("t1", 6), "10", "majority", coders=CODERS)
    assert consensus_codes(trio, 6) == set()
    # Four raters, a code applied by two: a tie, not kept; by three: kept.
    four = [Coder(i, f"g{i}", n) for i, n in enumerate([*CODERS, "dan"])]
    assert result_of("majority", four, [{1}, {1}, set(), set()]) == set()
    assert result_of("majority", four, [{1}, {1}, {1}, set()]) == {1}


def test_refusals_are_clear(trio: Project) -> None:
    with pytest.raises(CodebenchError, match="agree on 08"):
        adjudicate(trio, "pat", ("t1", 1), "08", "all", coders=CODERS)
    with pytest.raises(CodebenchError, match="accept needs the coder"):
        adjudicate(trio, "pat", ("t1", 2), "04.2", "accept", coders=CODERS)
    with pytest.raises(CodebenchError, match="cara did not rate"):
        adjudicate(trio, "pat", ("t1", 6), "10", "accept", coders=CODERS, accept="cara")
    # accept_a/accept_b name the first/second of the compared coders, as a and b do on screen.
    with pytest.raises(CodebenchError, match="cara did not rate"):
        adjudicate(trio, "pat", ("t1", 6), "10", "accept_a", coders=["cara", "alice", "bob"])
    with pytest.raises(CodebenchError, match="two or more coders"):
        list_disagreements(trio, ["alice"])
    assert trio.events(actions=(DECIDE,)) == []
    adjudicate(trio, "pat", ("t1", 7), "10", "all", coders=CODERS)
    with pytest.raises(CodebenchError, match="segment 6 of t1 is not decided yet"):
        give_reason(trio, "pat", list_disagreements(trio, CODERS, "10")[0], "why")


def test_a_reason_given_after_deciding_is_kept_with_the_decision(trio: Project) -> None:
    d = list_disagreements(trio, CODERS, "10")[0]
    adjudicate(trio, "pat", d, d.code, "agreed")
    give_reason(trio, "pat", d, "10 needs an explicit commissioner")
    again = list_disagreements(trio, CODERS, "10")[0]
    assert again.decision.choice == "agreed"
    assert again.decision.reason == "10 needs an explicit commissioner"
    assert consensus_codes(trio, 6) == set()


def test_the_consensus_is_done_once_every_disagreement_is_decided(trio: Project) -> None:
    for d in list_disagreements(trio, CODERS):
        if not d.decided and d.ordinal != 7:
            adjudicate(trio, "pat", d, d.code, "majority")
    assert consensus_status(trio) is None  # segment 7 is still open
    assert "not used" in select_coders(trio).note
    adjudicate(trio, "pat", ("t1", 7), "10", "all", coders=CODERS)
    assert consensus_status(trio) == "done"
    # The agreed code of segment 1 was copied in before the consensus was marked done.
    assert consensus_codes(trio, 1) == {"08"}
    assert [c.name for c in select_coders(trio).coders] == ["consensus"]
    # Replacing a decision keeps the transcript decided.
    adjudicate(trio, "pat", ("t1", 7), "10", "agreed", coders=CODERS)
    assert consensus_status(trio) == "done"
    # A new disagreement (bob now codes 02 at 4) takes the mark back at the next check ...
    trio.code_segments("bob", "t1", [4], "02")
    changes = sync_done(
        trio, trio.coder("pat"), [trio.coder(k) for k in CODERS], trio.coder("consensus")
    )
    assert [(t.name, s) for t, s in changes] == [("t1", "in-progress")]
    assert consensus_status(trio) == "in-progress"
    assert "not used" in select_coders(trio).note
    # ... and deciding it marks the transcript done again.
    adjudicate(trio, "pat", ("t1", 4), "02", "accept", coders=CODERS, accept="bob")
    assert consensus_status(trio) == "done"


def test_a_consensus_a_person_marked_done_is_not_taken_back(trio: Project) -> None:
    seed_consensus(trio, "pat", CODERS)
    trio.set_status("consensus", "t1", "done")  # by hand, with disagreements open
    assert (
        sync_done(trio, trio.coder("pat"), [trio.coder(k) for k in CODERS], trio.coder("consensus"))
        == []
    )
    assert consensus_status(trio) == "done"


def test_agreement_still_reports_the_coders_after_adjudication(trio: Project) -> None:
    before = agreement_report(trio, bootstrap=0)
    for d in list_disagreements(trio, CODERS):
        if not d.decided:
            adjudicate(trio, "pat", d, d.code, "majority")
    assert consensus_status(trio) == "done"
    after = agreement_report(trio, bootstrap=0)
    assert [c["name"] for c in after["coders"]] == CODERS
    assert after["codes"] == before["codes"]
    # Asked for, the consensus is compared with each coder.
    against = agreement_report(trio, bootstrap=0, against_consensus=True)
    assert [c["coders"][0]["name"] for c in against["comparisons"]] == CODERS


def test_within_limits_the_disagreements_to_a_sample(trio: Project) -> None:
    t1 = trio.transcript("t1").id
    assert [
        (d.code.number, d.ordinal) for d in list_disagreements(trio, CODERS, within={t1: {6, 7}})
    ] == [
        ("10", 6),
        ("10", 7),
    ]
    assert len(list_disagreements(trio, CODERS, within={t1: None})) == 6
    assert list_disagreements(trio, CODERS, within={}) == []


def cli(db, *args: str, ok: bool = True):
    from click.testing import CliRunner

    from codebench.cli import cli as main

    result = CliRunner().invoke(main, ["-p", str(db), *args])
    assert (result.exit_code == 0) == ok, result.output
    return result


def test_the_log_before_any_adjudication_is_empty_not_an_error(trio: Project, tmp_path) -> None:
    import csv

    db = trio.path
    trio.close()
    said = cli(db, "decisions").output
    assert said.startswith("No decisions yet")
    rows = list(csv.reader(cli(db, "decisions", "--format", "csv").output.splitlines()))
    assert len(rows) == 1  # the header alone
    # A consensus coder named otherwise must exist: a typo is not an empty log.
    assert (
        "no consensus coder 'gold'"
        in cli(db, "decisions", "--consensus-name", "gold", ok=False).output
    )


def test_cli_choice_names_match_the_library() -> None:
    from codebench.agreement.consensus import CHOICE_NAMES
    from codebench.cli.agreement_cmds import CHOICE_NAMES as SPELT_OUT

    assert SPELT_OUT == CHOICE_NAMES


def test_cli_adjudicates_three_coders_with_reasons_and_writes_the_log(
    trio: Project, tmp_path
) -> None:
    import csv

    from openpyxl import load_workbook

    db = trio.path
    trio.close()
    three = ["--coders", "alice,bob,cara"]
    out = cli(
        db,
        "adjudicate",
        "--coder",
        "pat",
        *three,
        "t1",
        "2",
        "04.1",
        "majority",
        "--reason",
        "two of three; 04.2 needs a named manager",
    ).output
    assert "segment 2 now has 04.1" in out and "kept the majority's codes by pat" in out
    out = cli(
        db, "adjudicate", "--coder", "pat", *three, "t1", "3", "02", "accept", "--accept", "cara"
    ).output
    assert "segment 3 now has 02" in out
    refused = cli(db, "adjudicate", "--coder", "pat", *three, "t1", "3", "02", "accept", ok=False)
    assert "accept needs the coder" in refused.output and "Traceback" not in refused.output
    cli(db, "adjudicate", "--coder", "pat", *three, "t1", "6", "10", "agreed")
    out = cli(
        db,
        "adjudicate",
        "--coder",
        "pat",
        *three,
        "t1",
        "7",
        "10",
        "both",
        "--reason",
        '=HYPERLINK("x")',
    ).output
    assert "consensus marked done there" in out
    listed = cli(db, "disagreements", *three, "--format", "json").output
    import json

    rows = json.loads(listed)
    assert all(r["decided"] for r in rows)
    assert {r["reason"] for r in rows if r["segment"] == 2} == {
        "two of three; 04.2 needs a named manager"
    }
    table = " ".join(cli(db, "disagreements", *three).output.split())
    assert "Disagreements among alice, bob, cara" in table and "manager" in table
    # The log, in every table format, through the report writers (formula-safe CSV).
    target = tmp_path / "log.csv"
    cli(db, "decisions", "-o", str(target))
    with target.open(encoding="utf-8-sig") as handle:
        log = list(csv.DictReader(handle))
    assert [(r["Segment"], r["Decision"], r["Decided by"]) for r in log] == [
        ("2", "kept the majority's codes", "pat"),
        ("3", "accepted cara", "pat"),
        ("6", "kept only agreed codes", "pat"),
        ("7", "kept every code (all)", "pat"),
    ]
    assert log[0]["Raters' codes"] == "alice: 04.1, 08; bob: 04.2; cara: 04.1"
    assert log[0]["Consensus codes"] == "04.1" and log[1]["Reason"] == ""
    assert log[3]["Reason"].startswith("'=")  # never a live formula
    cli(db, "decisions", "-o", str(tmp_path / "log.xlsx"))
    sheet = load_workbook(tmp_path / "log.xlsx").active
    assert "two of three" in " ".join(str(c.value) for row in sheet.iter_rows() for c in row)
    md = cli(db, "decisions", "--format", "md").output
    assert "Adjudication log" in md and "two of three" in md
    # Re-deciding replaces: the current log has one row per segment, the history both.
    cli(db, "adjudicate", "--coder", "pat", *three, "t1", "6", "10", "accept", "--accept", "alice")
    assert (
        len(list(csv.DictReader(cli(db, "decisions", "--format", "csv").output.splitlines()))) == 4
    )
    history = list(
        csv.DictReader(cli(db, "decisions", "--history", "--format", "csv").output.splitlines())
    )
    assert [r["Current"] for r in history if r["Segment"] == "6"] == ["replaced", "yes"]


def test_cli_round_scopes_disagreements_and_the_log(
    project: Project, write_interview, tmp_path
) -> None:
    import csv
    import json

    from codebench.design.rounds import start_round
    from codebench.design.sample import draw_sample

    p = project
    assert p.import_files([write_interview(t, tag=t) for t in ("t1", "t2", "t3")]).ok
    for k in CODERS:
        assign(p, k, ["t1", "t2", "t3"])
    (inside,) = draw_sample(p, 0.34, CODERS, seed=7, name="s1").transcripts
    outside = next(t for t in ("t1", "t2", "t3") if t != inside)
    for t in (inside, outside):
        p.code_segments("alice", t, [2], "08")
        p.code_segments("bob", t, [2], "08")
        p.code_segments("cara", t, [3], "08")
        for k in CODERS:
            p.set_status(k, t, "done")
    start_round(p, "pilot", sample="s1", by="lead")
    db = p.path
    p.close()
    rows = json.loads(cli(db, "disagreements", "--round", "1", "--format", "json").output)
    # Every round coder is compared (not the first two), on the round's sample only.
    assert {r["transcript"] for r in rows} == {inside}
    assert [(r["segment"], r["applied_by"]) for r in rows] == [(2, "alice, bob"), (3, "cara")]
    for t in (inside, outside):
        cli(
            db,
            "adjudicate",
            "--coder",
            "pat",
            "--new-coder",
            t,
            "2",
            "08",
            "majority",
            "--reason",
            f"in {t}",
        )
    log = list(
        csv.DictReader(cli(db, "decisions", "--round", "1", "--format", "csv").output.splitlines())
    )
    assert [(r["Transcript"], r["Reason"]) for r in log] == [(inside, f"in {inside}")]
    assert (
        len(list(csv.DictReader(cli(db, "decisions", "--format", "csv").output.splitlines()))) == 2
    )
    md = cli(db, "decisions", "--round", "pilot", "--format", "md").output
    assert "Adjudication log, round 1 (pilot)" in md
    # The appendix counts each segment's current decision once: not the reason added afterwards.
    with Project.open(db) as again:
        d = next(x for x in list_disagreements(again, CODERS) if x.transcript.name == inside)
        give_reason(again, "pat", d, "two of three applied 08")
    appendix = tmp_path / "methods.md"
    cli(db, "methods-appendix", "--bootstrap", "0", "-o", str(appendix))
    assert "1 decision in the round's units, 1 with a written reason" in appendix.read_text()
    # Agreement after adjudication still compares the three coders, not the consensus.
    report = json.loads(cli(db, "agreement", "--format", "json", "--bootstrap", "0").output)
    assert [c["name"] for c in report["coders"]] == list(CODERS)


def test_a_coder_named_like_a_column_does_not_overwrite_it(trio: Project) -> None:
    import json

    trio.code_segments("text", "t1", [6], "10")
    trio.set_status("text", "t1", "done")
    db = trio.path
    trio.close()
    rows = json.loads(
        cli(
            db, "disagreements", "--coders", "alice,bob,text", "--code", "10", "--format", "json"
        ).output
    )
    assert rows[0]["text"] == "The council still tells us what to do."
    assert rows[0]["coder text"] == "10"


def test_two_decisions_on_one_segment_both_hold(trio: Project) -> None:
    """Issue 12 walk, defect 4: a second decision on a segment, on another code, kept the first.

    Segment 2: alice 04.1 + 08, bob 04.2, cara 04.1. The majority's decision, opened on
    04.1, settles all three codes ({04.1}); accepting bob's codes opened on 04.2 then settles
    04.2 only. Before, it replaced the first decision: the consensus lost 04.1, every row
    showed "accepted bob" with its reason, and the log and the appendix counted one decision.
    """
    from codebench.agreement.adjudication_log import decision_log
    from codebench.agreement.methods import methods_appendix

    first = adjudicate(trio, "pat", ("t1", 2), "04.1", "majority", coders=CODERS, reason="A")
    assert {trio.code(g).number for g in first.scope} == {"04.1", "04.2", "08"}
    second = adjudicate(
        trio, "pat", ("t1", 2), "04.2", "accept", coders=CODERS, accept="bob", reason="B"
    )
    assert {trio.code(g).number for g in second.scope} == {"04.2"}
    assert {trio.code(g).number for g in second.kept} == {"04.1", "08"}
    # The consensus's codes are the union of each code's own decision.
    assert consensus_codes(trio, 2) == {"04.1", "04.2"}
    assert {trio.code(g).number for g in second.result} == {"04.1", "04.2"}
    rows = {d.code.number: d.decision for d in list_disagreements(trio, CODERS) if d.ordinal == 2}
    assert {n: (x.choice, x.reason) for n, x in rows.items() if x is not None} == {
        "04.1": ("majority", "A"),
        "04.2": ("accept", "B"),
        "08": ("majority", "A"),
    }
    # A reason added to 08's decision repeats the majority's decision for the codes it still
    # holds for, never for 04.2.
    d08 = next(d for d in list_disagreements(trio, CODERS, "08") if d.ordinal == 2)
    give_reason(trio, "pat", d08, "A, said better")
    rows = {d.code.number: d.decision for d in list_disagreements(trio, CODERS) if d.ordinal == 2}
    assert rows["04.2"] is not None and rows["04.2"].reason == "B"
    assert rows["04.1"] is not None and rows["04.1"].reason == "A, said better"
    assert consensus_codes(trio, 2) == {"04.1", "04.2"}
    # The log keeps both decisions in force; the first one's original event is replaced.
    log = decision_log(trio)
    assert [(r.segment, r.number, r.reason) for r in log] == [
        (2, "04.2", "B"),
        (2, "04.1", "A, said better"),
    ]
    assert [r.current for r in decision_log(trio, history=True)] == [False, True, True]
    # The methods appendix counts two decisions, both with a reason.
    appendix = methods_appendix(trio, bootstrap=0, seed=1)
    text = " ".join(str(v) for t in appendix.tables for row in t.rows for v in row.values())
    assert "2 decisions" in text and "2 with a written reason" in text
    # Deciding a code again replaces its decision, and only its.
    adjudicate(trio, "pat", ("t1", 2), "04.1", "accept", coders=CODERS, accept="bob")
    assert consensus_codes(trio, 2) == {"04.2"}
