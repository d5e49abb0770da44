"""The methods appendix says what a reviewer asks even when nothing went wrong (issue 12 walk).

bob double-codes a 25 % sample (seed 1: i1, alice's, and i8, carol's); all
three agree on 04.1 everywhere, so no code is below the threshold. The
appendix must still report the adjudication (none), who coded each sampled
transcript as primary or second coder, how many units had two raters, and
no interval when --bootstrap 0. Coding on after a definition changed makes
the round's codings span two codebook versions, and every report says so.
"""

from __future__ import annotations

import json
from pathlib import Path

from codebench.codebook import edits
from codebench.project import Project
from tests.design.test_rounds import CODABLE, run


def _round(db: Path) -> None:
    """Code the sample (seed 1: i1 and i8) and open round one."""
    with Project.open(db) as p:
        for coder, t in (("alice", "i1"), ("bob", "i1"), ("bob", "i8"), ("carol", "i8")):
            p.code_segments(coder, t, [1, 2], "04.1")
            p.set_status(coder, t, "done")
    run(db, "round", "start", "one")


def test_an_all_passing_round_still_reports_its_design(bob_sample: Path, tmp_path: Path) -> None:
    db = bob_sample
    _round(db)
    out = tmp_path / "methods.md"
    run(db, "methods-appendix", "--bootstrap", "0", "-o", str(out))
    text = " ".join(out.read_text().split())
    assert "0 decisions in the round's units, 0 with a written reason" in text
    # Each sampled transcript: its own coder and the second coder the sample gave it to.
    assert "i1: alice (primary), bob (second); i8: carol (primary), bob (second)" in text
    assert "Double coders" not in text
    # 2 transcripts x 6 codable segments, each rated by its lead and bob only.
    assert f"{2 * len(CODABLE)} with 2 raters" in text
    assert "no interval (--bootstrap 0)" in text and "percentile bootstrap; seed" not in text
    assert "Codes below alpha 0.800: none" in text
    assert "and what was done" not in text  # no empty table


def test_mixed_codebook_versions_are_reported(bob_sample: Path, tmp_path: Path) -> None:
    db = bob_sample
    _round(db)
    with Project.open(db) as p:
        edits.edit_code(p, "lead", "04.1", description="sharper, after round one's meeting")
        p.code_segments("bob", "i8", [3], "04.1")  # coded under version 2
    note = "mixed codebook versions: 8 codings under v1, 1 coding under v2"
    rounds = json.loads(run(db, "round", "list", "--format", "json"))
    assert rounds[0]["codings_by_codebook_version"] == {"1": 8, "2": 1}
    assert note in " ".join(run(db, "round", "list").split())
    assert note in " ".join(run(db, "round", "trajectory", "--bootstrap", "0").split())
    out = tmp_path / "methods.md"
    run(db, "methods-appendix", "--bootstrap", "0", "-o", str(out))
    assert note in " ".join(out.read_text().split())
