"""Issue 12, point 8: after one adjudication, `codebench report` still counts the human coders, and says why."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from codebench.cli import cli
from codebench.project import Project


def run(db: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["-p", str(db), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_one_adjudication_does_not_switch_reports_to_the_consensus(
    small: Project, tmp_path: Path
) -> None:
    for coder in ("alice", "bob"):
        for t in ("int1", "int2", "int3"):
            small.set_status(coder, t, "done")
    db = small.path
    small.close()
    import json

    first = json.loads(run(db, "disagreements", "--coders", "alice,bob", "--format", "json"))[0]
    code = first["code"].split()[0]
    run(
        db,
        "adjudicate",
        "--coder",
        "pat",
        "--new-coder",
        first["transcript"],
        str(first["segment"]),
        code,
        "accept_a",
    )
    screen = " ".join(run(db, "report", "frequencies").split())
    assert "Counts pool 2 coders (alice, bob)" in screen
    assert "consensus coding (consensus) is not used" in screen
    target = tmp_path / "freq.md"
    run(db, "report", "frequencies", "-o", str(target))
    assert "consensus coding (consensus) is not used" in " ".join(target.read_text().split())
    asked = " ".join(run(db, "report", "frequencies", "--coder", "consensus").split())
    assert "Counts use the consensus coding of consensus." in asked
