"""A small project for queries and search, with results computed by hand.

Three interviews (sentence segments; interviewer turns, ordinal 0 and 4, not codable):

- a (role commissioner, stage planning), Dee Fox:
  1 The contract was tough. | 2 Competition was fierce. | 3 Pensions worried staff.
  | 5 We built a new service. | 6 Staff felt heard.
- b (role commissioner, stage delivery), Eve Hart then Gil Ng:
  1 The ethos creates tension. | 2 Commissioners want savings. | 3 The TUPE transfer was hard.
  | 5 Innovation is slow. | 6 Risk is high.
- c (role manager, stage delivery), Hal Ito:
  1 We grew. | 2 The pension scheme changed. | 3 Café staff were pleased.

alice: a 1→10, 2→10, 2→16, 3→08, 3→04.2, 3→10, 5→13.1, 6→08;
       b 1→04.2, 1→10, 2→10, 3→03, 5→12, 6→14.3;  c 2→17.
bob:   a 1→10, 5–6 (one coding)→13.2;  c 1→04.2, 1→10, 3→08.
"""

from __future__ import annotations

import pytest

from codebench.project import Project

A = (
    "Interviewer: Tell me about contracts.\n"
    "Dee Fox: The contract was tough. Competition was fierce. Pensions worried staff.\n"
    "Interviewer: And then?\n"
    "Dee Fox: We built a new service. Staff felt heard.\n"
)
B = (
    "Interviewer: How is it going?\n"
    "Eve Hart: The ethos creates tension. Commissioners want savings. The TUPE transfer was hard.\n"
    "Interviewer: Anything else?\n"
    "Gil Ng: Innovation is slow. Risk is high.\n"
)
C = "Interviewer: Hello there.\nHal Ito: We grew. The pension scheme changed. Café staff were pleased.\n"

ALICE = {
    "a": [
        (1, "10"),
        (2, "10"),
        (2, "16"),
        (3, "08"),
        (3, "04.2"),
        (3, "10"),
        (5, "13.1"),
        (6, "08"),
    ],
    "b": [(1, "04.2"), (1, "10"), (2, "10"), (3, "03"), (5, "12"), (6, "14.3")],
    "c": [(2, "17")],
}
BOB = {"a": [(1, "10")], "c": [(1, "04.2"), (1, "10"), (3, "08")]}


def build_study(project: Project, write_transcript) -> Project:
    paths = [write_transcript(f"{name}.txt", text) for name, text in (("a", A), ("b", B), ("c", C))]
    report = project.import_files(paths)
    assert report.ok, report.failed
    project.set_attributes("a", {"role": "commissioner", "stage": "planning"})
    project.set_attributes("b", {"role": "commissioner", "stage": "delivery"})
    project.set_attributes("c", {"role": "manager", "stage": "delivery"})
    for coder, plan in (("alice", ALICE), ("bob", BOB)):
        for transcript, items in plan.items():
            for ordinal, code in items:
                project.code_segments(coder, transcript, [ordinal], code)
    seg = project.segments("a")
    project.add_codings("bob", "13.2", "a", [(seg[5].start, seg[6].end)])
    return project


@pytest.fixture
def study(project: Project, write_transcript) -> Project:
    """The hand-checked project of the module docstring."""
    return build_study(project, write_transcript)
