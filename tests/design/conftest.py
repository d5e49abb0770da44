"""The small study the design tests share: nine transcripts, three coders who each lead three.

alice leads i1-i3, bob i4-i6, carol i7-i9 (``study``). ``bob_sample`` adds
the reliability sample several walks start from: bob double-codes a 25 %
sample drawn with seed 1 (i1, alice's, and i8, carol's), drawn by "lead".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from codebench.project import Project
from tests.design.test_rounds import LEADS, NINE, run


@pytest.fixture
def study(project: Project, write_interview) -> Path:
    """The project file with the nine transcripts imported and each coder's three assigned."""
    assert project.import_files([write_interview(t, tag=t) for t in NINE]).ok
    db = project.path
    project.close()
    for coder, transcripts in LEADS.items():
        run(db, "assign", "--coder", coder, *transcripts, "--by", "lead", "--new-coder")
    return db


@pytest.fixture
def bob_sample(study: Path) -> Path:
    """``study`` with bob's 25 % double-coding sample (seed 1: i1 and i8) drawn and assigned."""
    run(
        study,
        "sample",
        "--fraction",
        "0.25",
        "--seed",
        "1",
        "--coders",
        "bob",
        "--by",
        "lead",
        "--new-coder",
    )
    return study
