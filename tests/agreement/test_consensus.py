"""Adjudication: disagreements, decisions written to the consensus coder, the event log, progress."""

from __future__ import annotations

import pytest
from sklearn.metrics import cohen_kappa_score

from codebench.agreement.consensus import (
    DECIDE,
    adjudicate,
    consensus_coder,
    list_disagreements,
    progress,
    seed_consensus,
)
from codebench.agreement.report import agreement_report
from codebench.errors import CodebenchError, NotFound
from codebench.project import Project

# The segments of the interview (tests/conftest.py) that a coder can code.
CODABLE = [1, 2, 3, 4, 6, 7]


@pytest.fixture
def study(project: Project, write_interview) -> Project:
    project.import_files([write_interview("t1")])
    p = project
    # alice and bob agree on 08 at 1; confuse 04.1/04.2 at 2; differ on 10 at 6 and 7; agree on 02 at 4.
    p.code_segments("alice", "t1", [1, 2], "08")
    p.code_segments("bob", "t1", [1], "08")
    p.code_segments("alice", "t1", [2], "04.1")
    p.code_segments("bob", "t1", [2], "04.2")
    p.code_segments("alice", "t1", [6], "10")
    p.code_segments("bob", "t1", [7], "10")
    p.code_segments("alice", "t1", [4], "02")
    p.code_segments("bob", "t1", [4], "02")
    for k in ("alice", "bob"):
        p.set_status(k, "t1", "done")
    p.coder("pat", create=True)  # the adjudicator, who codes nothing
    return p


def consensus_codes(p: Project, ordinal: int, name: str = "consensus") -> set[str]:
    seg = p.segment("t1", ordinal)
    out = set()
    for c in p.codings(transcript="t1", coders=[name]):
        if c.start < seg.end and c.end > seg.start:
            out.add(p.code_by_id(c.code_id).number)
    return out


def test_disagreements_list_who_applied_what(study: Project) -> None:
    items = list_disagreements(study, ["alice", "bob"])
    found = [(d.code.number, d.ordinal, [k.name for k in d.applied_by]) for d in items]
    assert found == [
        ("04.1", 2, ["alice"]),
        ("04.2", 2, ["bob"]),
        ("08", 2, ["alice"]),
        ("10", 6, ["alice"]),
        ("10", 7, ["bob"]),
    ]
    d = items[0]
    assert d.text == "We lost two managers." and d.speaker == "Ann Lee"
    assert [k.name for k in d.raters] == ["alice", "bob"]
    assert [{c.number for c in codes} for codes in d.rater_codes] == [{"04.1", "08"}, {"04.2"}]
    assert not any(x.decided for x in items)
    only = list_disagreements(study, ["alice", "bob"], "10")
    assert [x.ordinal for x in only] == [6, 7]
    # The default pair is the two human coders who coded (pat only adjudicates).
    assert [[k.name for k in x.raters] for x in list_disagreements(study)][:1] == [["alice", "bob"]]


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("accept_a", {"04.1", "08"}),
        ("accept_b", {"04.2"}),
        ("both", {"04.1", "04.2", "08"}),
        ("neither", set()),
    ],
)
def test_each_choice_writes_the_right_codes(
    study: Project, choice: str, expected: set[str]
) -> None:
    d = list_disagreements(study, ["alice", "bob"], "04.1")[0]
    decision = adjudicate(study, "pat", d, d.code, choice)
    assert consensus_codes(study, 2) == expected
    gold = study.coder("consensus")
    assert gold.kind == "consensus"
    # Whole-segment codings, on this segment only.
    seg = study.segment("t1", 2)
    assert {(c.start, c.end) for c in study.codings(coders=["consensus"])} <= {(seg.start, seg.end)}
    # The event names the decider and what was decided.
    events = study.events(actions=(DECIDE,))
    assert len(events) == 1
    event = events[0]
    assert event.coder_id == study.coder("pat").id
    canonical = {"accept_a": "accept", "accept_b": "accept", "both": "all", "neither": "agreed"}
    assert event.payload["decider"] == "pat" and event.payload["choice"] == canonical[choice]
    assert event.payload["accepted"] == {"accept_a": "alice", "accept_b": "bob"}.get(choice)
    assert event.payload["reason"] == ""
    assert event.payload["coders"] == ["alice", "bob"] and event.payload["segment"] == 2
    assert {study.code(g).number for g in event.payload["result"]} == expected
    assert {study.code(g).number for g in decision.scope} == {"04.1", "04.2", "08"}
    # One decision settles every disagreement on the segment (04.1, 04.2 and 08 at 2).
    items = list_disagreements(study, ["alice", "bob"])
    assert [(x.code.number, x.ordinal) for x in items if x.decided] == [
        ("04.1", 2),
        ("04.2", 2),
        ("08", 2),
    ]
    assert progress(items)[study.code("10").id] == (0, 2)


def test_edit_redecide_and_errors(study: Project) -> None:
    d = list_disagreements(study, ["alice", "bob"], "10")[0]
    adjudicate(study, "pat", d, d.code, "edit", codes=["10", "07"])
    assert consensus_codes(study, 6) == {"07", "10"}
    # Deciding a code again replaces the earlier decision for that code only: 07, which the
    # edit settled, keeps the edit's verdict.
    again = adjudicate(study, "pat", ("t1", 6), "10", "accept_b", coders=["alice", "bob"])
    assert consensus_codes(study, 6) == {"07"}
    assert {study.code(g).number for g in again.kept} == {"07"}
    decided = [x for x in list_disagreements(study, ["alice", "bob"], "10") if x.decided]
    assert [(x.ordinal, x.decision.choice, x.decision.accepted) for x in decided] == [
        (6, "accept", "bob")
    ]
    with pytest.raises(CodebenchError, match="agree on"):
        adjudicate(study, "pat", ("t1", 4), "02", "accept_a", coders=["alice", "bob"])
    with pytest.raises(CodebenchError, match="unknown choice"):
        adjudicate(study, "pat", d, d.code, "maybe")
    with pytest.raises(CodebenchError, match="edit needs"):
        adjudicate(study, "pat", d, d.code, "edit")
    with pytest.raises(CodebenchError, match="not codable"):
        adjudicate(study, "pat", ("t1", 0), "10", "accept_a", coders=["alice", "bob"])
    with pytest.raises(CodebenchError, match="human coder"):
        consensus_coder(study, "alice")


def test_progress_persists_across_reopening(study: Project) -> None:
    path = study.path
    d = list_disagreements(study, ["alice", "bob"], "10")[1]
    adjudicate(study, "pat", d, d.code, "accept_a")  # alice did not code segment 7
    study.close()
    with Project.open(path) as again:
        items = list_disagreements(again, ["alice", "bob"], "10")
        assert [(x.ordinal, x.decided) for x in items] == [(6, False), (7, True)]
        assert items[1].decision.decider == "pat" and items[1].decision.choice == "accept"
        assert items[1].decision.accepted == "alice"
        assert consensus_codes(again, 7) == set()


def test_seed_copies_agreements_but_never_overrides_decisions(study: Project) -> None:
    d = list_disagreements(study, ["alice", "bob"], "08")[0]  # segment 2
    adjudicate(study, "pat", d, d.code, "accept_b")  # consensus at 2: {04.2}
    # Agreed codes: 08 at 1, 02 at 4 (segment 2 is decided, so nothing is added there).
    added = seed_consensus(study, "pat", ["alice", "bob"])
    assert added == 2
    assert consensus_codes(study, 1) == {"08"} and consensus_codes(study, 4) == {"02"}
    assert consensus_codes(study, 2) == {"04.2"}
    assert seed_consensus(study, "pat", ["alice", "bob"]) == 0  # idempotent
    assert len(study.events(actions=("consensus.seed",))) == 1


def test_agreement_with_the_consensus_coder(study: Project) -> None:
    with pytest.raises(NotFound, match="no consensus coder"):
        agreement_report(study, against_consensus=True, bootstrap=0)
    seed_consensus(study, "pat", ["alice", "bob"])
    for d in list_disagreements(study, ["alice", "bob"]):
        if not d.decided:
            adjudicate(study, "pat", d, d.code, "accept_a")
    report = agreement_report(
        study, against_consensus=True, bootstrap=0, codes=["08", "10", "04.1", "04.2"]
    )
    assert report["mode"] == "against-consensus"
    by_coder = {c["coders"][0]["name"]: c for c in report["comparisons"]}
    assert set(by_coder) == {"alice", "bob"}
    # Alice was accepted everywhere: perfect agreement with the consensus where kappa is defined.
    for entry in by_coder["alice"]["codes"]:
        assert entry["kappa"]["value"] in (1.0, None)
        assert entry["percent_agreement"]["value"] == 1.0

    # Bob vs consensus equals bob vs alice, computed independently.
    def vec(coder: str, code: str) -> list[int]:
        ordinals = {
            o
            for c in study.codings(transcript="t1", coders=[coder], codes=[code])
            for o in CODABLE
            if study.segment("t1", o).start == c.start
        }
        return [int(o in ordinals) for o in CODABLE]

    bob_10 = next(c for c in by_coder["bob"]["codes"] if c["number"] == "10")
    assert bob_10["kappa"]["value"] == pytest.approx(
        cohen_kappa_score(vec("bob", "10"), vec("alice", "10")), abs=1e-12
    )
    assert by_coder["bob"]["transcripts"]["compared"] == ["t1"]
