"""The demo answers the issue's first question: commissioners on 04.2 and 10, not 16.

The bundled codings of the commissioner's interview (03-westmoor-commissioner,
transcripts/codings/*.csv), by hand: alice codes 04.2 and 10 on segments
17–20 (the council's financial logic against its values logic) and on 117
(the council treating the mutual as in-house when it suits it); bob codes 10
on 17–20 and 04.2 on 18–20, and both on 117. Pooled, 04.2 & 10 holds 17–20,
58–61 and 117; 58–61 (treating every provider equally) is coded 16 as well,
so ``04.2 & 10 & !16`` leaves two passages: 17–20 and 117, both coders'.
03 is in progress for both (transcripts/codings/done.csv), not done, so
agreement figures (done transcripts only) are those of the other four coded
interviews, while every table counts 03 in its group's n (started or coded).
"""

from __future__ import annotations

from pathlib import Path

from codebench.analysis.query import run_query
from codebench.analysis.scope import ScopeSpec
from codebench.project import Project

COMMISSIONER = "03-westmoor-commissioner"


def test_question_one_has_a_sensible_answer(tmp_path: Path) -> None:
    from codebench.demo.build import build_demo

    build_demo(tmp_path / "demo.db")
    with Project.open(tmp_path / "demo.db", write=False) as demo:
        spec = ScopeSpec.of(where=["role=commissioner"])
        found = run_query(demo, "04.2 & 10 & !16", spec).passages
        assert [(p.transcript, p.first_segment, p.last_segment, p.coders) for p in found] == [
            (COMMISSIONER, 17, 20, ["alice", "bob"]),
            (COMMISSIONER, 117, 117, ["alice", "bob"]),
        ]
        assert found[1].text.startswith("There's still a risk that the council treats them")
        both = run_query(demo, "04.2 & 10", spec).passages
        assert [(p.first_segment, p.last_segment) for p in both] == [(17, 20), (58, 61), (117, 117)]
        assert {t.name for t in demo.transcripts() if demo.status("alice", t.name) == "done"} == {
            "01-riverside-ceo",
            "02-riverside-nurse",
            "04-riverside-service-user",
            "05-activelife-director",
        }
        assert demo.status("bob", COMMISSIONER) == "in-progress"
