"""A small project with known codings, for reports checked against hand-computed figures.

Three interviews (sentence segments; interviewer turns not codable):

- int1 (role manager): 1 It was hard. | 2 We lost two managers. | 3 But staff morale rose.
  | 5 We started a new clinic. | 6 The council still decides.  (0 and 4: interviewer)
- int2 (role staff): 1 Staff elect the board. | 2 The board meets monthly.
  | 3 Innovation is slow here. | 4 Risk is managed carefully.  (0: interviewer)
- int3 (role manager): 1 Nothing much. | 2 We still report to the council.  (0: interviewer)

alice codes int1: 1→03, 2→08, 3→08, 3→04.1, 5→13.1, 5→12, 6→11; int2: 1→05.2,
"meets monthly" in 2→05.2, 3→12, 4→14.3; done with int1 and int2.
bob codes int1: 2→08, 3→04.1, 5–6 (one coding)→12; int2: 1→08; int3: 2→11;
done with int1 and int2, int3 in progress.
Memos: alice on her 12 coding of int1/5; bob on segment int2/3.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from codebench.project import Project

INT1 = (
    "Interviewer: How did the spin-out go?\n"
    "Ann Lee: It was hard. We lost two managers. But staff morale rose.\n"
    "Interviewer: What about new ideas?\n"
    "Ann Lee: We started a new clinic. The council still decides.\n"
)
INT2 = (
    "Interviewer: Tell me about the board.\n"
    "Bob Ray: Staff elect the board. The board meets monthly.\n"
    "Bob Ray: Innovation is slow here. Risk is managed carefully.\n"
)
INT3 = "Interviewer: What changed?\nCat Orr: Nothing much. We still report to the council.\n"


def build_small(project: Project, write_transcript) -> Project:
    paths = [
        write_transcript("int1.txt", INT1),
        write_transcript("int2.txt", INT2),
        write_transcript("int3.txt", INT3),
    ]
    report = project.import_files(paths)
    assert report.ok, report.failed
    project.set_attributes("int1", {"role": "manager", "organisation": "Riverside"})
    project.set_attributes("int2", {"role": "staff", "organisation": "Riverside"})
    project.set_attributes("int3", {"role": "manager", "organisation": "Westmoor"})
    for ordinal, code in (
        (1, "03"),
        (2, "08"),
        (3, "08"),
        (3, "04.1"),
        (5, "13.1"),
        (5, "12"),
        (6, "11"),
    ):
        project.code_segments("alice", "int1", [ordinal], code)
    for ordinal, code in ((1, "05.2"), (3, "12"), (4, "14.3")):
        project.code_segments("alice", "int2", [ordinal], code)
    text2 = project.text("int2")
    start = text2.index("meets monthly")
    project.add_codings("alice", "05.2", "int2", [(start, start + len("meets monthly."))])
    for ordinal, code in ((2, "08"), (3, "04.1")):
        project.code_segments("bob", "int1", [ordinal], code)
    seg = project.segments("int1")
    project.add_codings("bob", "12", "int1", [(seg[5].start, seg[6].end)])
    project.code_segments("bob", "int2", [1], "08")
    project.code_segments("bob", "int3", [2], "11")
    for coder, name in (("alice", "int1"), ("alice", "int2"), ("bob", "int1"), ("bob", "int2")):
        project.set_status(coder, name, "done")
    project.set_status("bob", "int3", "in-progress")
    coding = next(iter(project.codings(transcript="int1", coders=["alice"], codes=["12"])))
    project.add_memo("alice", "New clinic = service innovation", coding=coding)
    project.add_memo("bob", "Contrast with int1", segment=project.segment("int2", 3))
    return project


@pytest.fixture
def small(project: Project, write_transcript) -> Project:
    """The small hand-checked project (see the module docstring)."""
    return build_small(project, write_transcript)


@pytest.fixture
def small_path(small: Project) -> Path:
    """The small project's file, with everything committed."""
    small.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return small.path


FG1 = (
    "Interviewer: What is it like?\n"
    "P1: It is busy. We lost staff.\n"
    "P2: Morale rose.\n"
    "P1: The council decides.\n"
)
GRADES = (
    "transcript,speaker,grade\n"
    "int1,Ann Lee,senior\n"
    "int2,Bob Ray,junior\n"
    "fg1,P1,senior\n"
    "fg1,p2,junior\n"
)


@pytest.fixture
def focus(project: Project, write_transcript, tmp_path: Path) -> Project:
    """The small project plus a focus group, fg1, and participants' grades.

    fg1 (staff, Westmoor): 0 Interviewer | 1 P1 'It is busy.' | 2 P1 'We lost
    staff.' | 3 P2 'Morale rose.' | 4 P1 'The council decides.'; alice codes
    1→08, 3→08, 4→11 and is done with it. Grades (speakers import):
    int1/Ann Lee senior, int2/Bob Ray junior, fg1/P1 senior, fg1/P2 junior;
    int3/Cat Orr none.
    """
    from codebench.participants import import_speaker_attributes

    build_small(project, write_transcript)
    report = project.import_files([write_transcript("fg1.txt", FG1)])
    assert report.ok, report.failed
    project.set_attributes("fg1", {"role": "staff", "organisation": "Westmoor"})
    for ordinal, code in ((1, "08"), (3, "08"), (4, "11")):
        project.code_segments("alice", "fg1", [ordinal], code)
    project.set_status("alice", "fg1", "done")
    csv = tmp_path / "grades.csv"
    csv.write_text(GRADES, encoding="utf-8")
    import_speaker_attributes(project, csv)
    return project
