"""Done counts only a coder's assigned segments (issue 12 walk).

carol was assigned segments 0-60 of a transcript and coded all 52 codable
ones there, yet ``status done`` refused her with "84 of 136 uncoded". Here
the test interview's codable segments are 1, 2, 3, 4, 6 and 7 (0 and 5 are
the interviewer's); carol is assigned 0-3, so 1, 2 and 3 are hers to code.
"""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from codebench.cli import cli
from codebench.coding.listing import progress
from codebench.coding.session import CodingSession
from codebench.project import Project


def invoke(db: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["-p", str(db), *args])
    assert "Traceback" not in result.output
    return result.exit_code, " ".join(result.output.split())


def test_done_counts_only_the_assigned_segments(project: Project, write_interview) -> None:
    assert project.import_files([write_interview("t1")]).ok
    db = project.path
    project.close()
    assert invoke(db, "assign", "--coder", "carol", "t1", "--segments", "0-3")[0] == 0
    with Project.open(db) as p:
        p.code_segments("carol", "t1", [1, 2], "04.1")
        session = CodingSession(p, p.coder("carol"), p.transcript("t1"))
        warning = session.done_warning()
        assert warning is not None and "1 of 3 assigned codable segment is still uncoded" in warning
    code, out = invoke(db, "status", "--coder", "carol", "t1", "done")
    assert code != 0
    assert "1 of 3 assigned codable segment is still uncoded by carol in t1" in out
    with Project.open(db) as p:
        assert p.status("carol", "t1") != "done"
        p.code_segments("carol", "t1", [3], "04.2")  # segments 4, 6, 7 are not hers: left uncoded
        assert CodingSession(p, p.coder("carol"), p.transcript("t1")).done_warning() is None
        # Progress (project screen, progress report) counts the same segments.
        assert progress(p, "carol")[p.transcript("t1").id] == (3, 3)
    code, out = invoke(db, "status", "--coder", "carol", "t1", "done")
    assert code == 0, out
    assert "warning" not in out
    with Project.open(db) as p:
        assert p.status("carol", "t1") == "done"


def test_a_whole_transcript_still_counts_every_codable_segment(
    project: Project, write_interview
) -> None:
    assert project.import_files([write_interview("t1")]).ok
    db = project.path
    project.close()
    invoke(db, "assign", "--coder", "dave", "t1")
    with Project.open(db) as p:
        p.code_segments("dave", "t1", [1, 2, 3], "04.1")
    code, out = invoke(db, "status", "--coder", "dave", "t1", "done")
    assert code != 0 and "3 of 6 codable segments are still uncoded by dave in t1" in out
