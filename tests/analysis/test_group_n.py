"""One rule for a group's n: a query's counts by attribute and the reports count the same groups.

The rule (``GROUP_N_RULE``): the transcripts in scope that the coders
counted have coded or marked in progress or done. On the hand-checked study
(tests/analysis/conftest.py) alice and bob coded a, b and c; here a fourth
interview, d (role manager), is added uncoded. By hand, for query ``10``:

- commissioner: a and b, both coded: n 2, both with a passage;
- manager: c (coded) and d (nobody's): n 1, then 2 once bob marks d in progress;
- a search reads text, coded or not: its manager group is c and d, n 2.
"""

from __future__ import annotations

from pathlib import Path

from codebench.analysis.query import run_query
from codebench.analysis.scope import ScopeSpec
from codebench.analysis.search import search
from codebench.analysis.tables import query_counts, search_counts
from codebench.project import Project
from codebench.reports import by_attribute


def sizes(table) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {r["value"]: r["n"] for r in table.rows}


def test_query_counts_groups_as_the_reports_do(study: Project, write_transcript) -> None:
    path = write_transcript("d.txt", "Interviewer: Hello.\nIvy Po: Staff were moved.\n")
    assert study.import_files([path]).ok
    study.set_attributes("d", {"role": "manager", "stage": "delivery"})
    counts = query_counts(run_query(study, "10"), "attribute:role")
    assert [(r["value"], r["n"], r["with"]) for r in counts.rows] == [
        ("commissioner", 2, 2),
        ("manager", 1, 1),
    ]
    assert counts.columns[1].label == "n (started or coded)"
    assert any("started or coded by these coders (as the reports" in n for n in counts.notes)
    report = by_attribute(study, "role")
    assert {g.value: g.transcripts for g in report.groups} == sizes(counts)
    study.set_status("bob", "d", "in-progress")
    counts = query_counts(run_query(study, "10"), "attribute:role")
    assert sizes(counts) == {"commissioner": 2, "manager": 2}
    assert {g.value: g.transcripts for g in by_attribute(study, "role").groups} == sizes(counts)
    # alice alone has not started d: her manager group is c only, in both
    alone = query_counts(run_query(study, "10", ScopeSpec.of(coders=["alice"])), "attribute:role")
    assert sizes(alone) == {"commissioner": 2, "manager": 1}
    assert {g.value: g.transcripts for g in by_attribute(study, "role", ["alice"]).groups} == (
        sizes(alone)
    )
    hits = search_counts(search(study, "staff", ScopeSpec()), "attribute:role")
    assert sizes(hits) == {"commissioner": 2, "manager": 2}
    assert hits.columns[1].label == "n (all in scope)"


def test_on_the_demo_both_give_the_same_n(tmp_path: Path) -> None:
    from codebench.demo.build import build_demo

    build_demo(tmp_path / "demo.db")
    with Project.open(tmp_path / "demo.db", write=False) as demo:
        for key in ("role", "stage"):
            counts = query_counts(run_query(demo, "04.2 | 10"), f"attribute:{key}")
            groups = {g.value: g.transcripts for g in by_attribute(demo, key).groups}
            assert sizes(counts) == groups, key
        # nine interviews, four of them coded: two of the four senior managers
        assert sizes(query_counts(run_query(demo, "10"), "attribute:role"))["senior manager"] == 2


def test_a_transcript_without_the_attribute_is_named_as_the_reports_name_it(
    study: Project, write_transcript
) -> None:
    path = write_transcript("e.txt", "Interviewer: Hello.\nIvy Po: Staff were moved.\n")
    assert study.import_files([path]).ok
    study.set_status("bob", "e", "in-progress")
    counts = query_counts(run_query(study, "10"), "attribute:role")
    values = {g.value for g in by_attribute(study, "role").groups}
    assert "(not set)" in values
    assert set(sizes(counts)) == values
