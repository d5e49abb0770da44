"""Pooled passages (analysis/passages_merge.py) on the hand-checked study (tests/analysis/conftest.py)."""

from __future__ import annotations

from codebench.analysis.passages_merge import merge_overlapping
from codebench.analysis.query import run_query
from codebench.analysis.scope import ScopeSpec
from codebench.project import Project
from codebench.reports.quotes import quotes


def test_overlapping_and_touching_passages_become_one(study: Project) -> None:
    # 10: alice a1–3 (her a1, a2, a3 join) and bob a1 overlap; alice b1–2; bob c1.
    # 21 (new here): alice a1, bob a2 touch, so one passage a1–2 as a query counts it.
    study.code_segments("alice", "a", [1], "21")
    study.code_segments("bob", "a", [2], "21")
    found = quotes(study, ["10", "21"], ["all"], subcodes=False, merge=False).quotes
    assert len(found) == 6  # one per coder's passage before merging
    merged = merge_overlapping(study, found)
    got = [(q.code.number, q.transcript, q.first_segment, q.last_segment, q.coders) for q in merged]
    assert got == [
        ("10", "a", 1, 3, ["alice", "bob"]),
        ("10", "b", 1, 2, ["alice"]),
        ("10", "c", 1, 1, ["bob"]),
        ("21", "a", 1, 2, ["alice", "bob"]),
    ]
    a = study.segments("a")
    assert merged[3].text == study.text("a")[a[1].start : a[2].end].strip()
    assert merge_overlapping(study, merged) == merged  # merging again changes nothing
    assert quotes(study, ["10", "21"], ["all"], subcodes=False).quotes == merged  # the default
    for code in ("10", "21"):
        passages = run_query(study, code, ScopeSpec(coders=("all",))).passages
        assert [(p.transcript, p.first_segment, p.last_segment) for p in passages] == [
            (q.transcript, q.first_segment, q.last_segment) for q in merged if q.code.number == code
        ]
