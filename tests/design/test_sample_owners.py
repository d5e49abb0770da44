"""A reliability sample never gives a coder a transcript they already have (issue 12 walk).

alice leads i1-i3, bob i4-i6, carol i7-i9 (the ``study`` fixture).  A sample is
for second ratings: bob drawing his own i4 would rate it once and nobody twice.
"""

from __future__ import annotations

import json
from pathlib import Path

from codebench.design.assignments import design_map
from codebench.design.sample import samples
from codebench.project import Project
from tests.design.test_rounds import LEADS, fails, run


def held(db: Path) -> dict[str, set[str]]:
    """Each coder's assigned transcripts, read back from the store."""
    with Project.open(db) as p:
        names = {c.id: c.name for c in p.coders()}
        transcripts = {t.id: t.name for t in p.transcripts()}
        out: dict[str, set[str]] = {}
        for k, t in design_map(p):
            out.setdefault(names[k], set()).add(transcripts[t])
        return out


def test_a_coder_is_not_given_their_own_transcripts(study: Path) -> None:
    db = study
    out = " ".join(
        run(db, "sample", "--fresh", "--fraction", "1", "--coders", "bob", "--seed", "1").split()
    )
    # bob's own three are left out of the population; the other six are drawn and given to him.
    assert "6 of 6 transcripts" in out
    assert "they would have only one coder: i4, i5, i6" in out
    with Project.open(db) as p:
        (s,) = [x for x in samples(p) if x.name == "sample-1"]
    assert sorted(s.transcripts) == sorted(LEADS["alice"] + LEADS["carol"])
    assert held(db)["bob"] == set(LEADS["alice"] + LEADS["bob"] + LEADS["carol"])
    # Nothing is left that bob has not already got: refused, nothing recorded.
    msg = " ".join(fails(db, "sample", "--fresh", "--fraction", "1", "--coders", "bob").split())
    assert "every transcript left would have only one coder with bob" in msg
    with Project.open(db) as p:
        assert len(samples(p)) == 1


def test_a_drawn_transcript_goes_to_the_listed_coders_who_do_not_have_it(study: Path) -> None:
    db = study
    out = " ".join(
        run(db, "sample", "--fraction", "1", "--coders", "bob,carol", "--seed", "1").split()
    )
    assert "i4 is already bob's: given to carol" in out
    assert "i7 is already carol's: given to bob" in out
    assert "i1 is already" not in out
    body = json.loads(run(db, "samples", "--format", "json"))[0]
    assert {(x["transcript"], x["coder"]) for x in body["skipped"]} == {
        *((t, "bob") for t in LEADS["bob"]),
        *((t, "carol") for t in LEADS["carol"]),
    }
    after = held(db)
    assert after["alice"] == set(LEADS["alice"])  # not listed: untouched
    assert after["bob"] == after["carol"] == {t for ts in LEADS.values() for t in ts}


def test_a_transcript_already_double_coded_can_be_drawn(study: Path) -> None:
    """Fully crossed: bob and carol already have i4; the sample only marks it for the round."""
    db = study
    run(db, "assign", "--coder", "carol", *LEADS["bob"])
    out = " ".join(
        run(db, "sample", "--fraction", "1", "--coders", "bob,carol", "--seed", "1").split()
    )
    assert "i4 is already bob's and carol's: nothing new assigned" in out
    assert "only one coder" not in out
