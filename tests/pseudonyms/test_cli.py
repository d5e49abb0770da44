"""The pseudonymise commands, driven as a user would."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from codebench.cli import cli


def run(db: Path, *args: str, ok: bool = True, env: dict | None = None, input: str | None = None):
    result = CliRunner().invoke(
        cli, ["-p", str(db), *args], env=env, input=input, catch_exceptions=False
    )
    if ok:
        assert result.exit_code == 0, result.output
    return result


def test_detect_lists_candidates_with_their_occurrences(demo_copy: Path) -> None:
    rows = json.loads(run(demo_copy, "pseudonymise", "detect", "--format", "json").output)
    by_text = {r["candidate"]: r for r in rows}
    assert by_text["Helen Marsh"]["kind"] == "speaker"
    assert by_text["Helen Marsh"]["transcripts"] == ["01-riverside-ceo"]
    assert "«Helen Marsh»" in by_text["Helen Marsh"]["example"]
    occurrences = json.loads(
        run(
            demo_copy,
            "pseudonymise",
            "detect",
            "--occurrences",
            "--format",
            "json",
            "--name",
            "district nursing",
        ).output
    )
    listed = [o for o in occurrences if o["candidate"] == "district nursing"]
    assert listed and all(o["kind"] == "listed" for o in listed)
    assert {o["transcript"] for o in listed} >= {"01-riverside-ceo"}
