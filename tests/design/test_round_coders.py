"""A coder outside a round is refused, not compared as if they had rated nothing (issue 12 walk).

The round's sample is i1 (alice's) and i8 (carol's), double-coded by bob, so the
round's coders are alice, bob and carol.  "lead" drew the sample and "dave"
leads i2 only: neither has anything to rate in the round.
"""

from __future__ import annotations

from pathlib import Path

from tests.design.test_rounds import fails, run


def _round(db: Path) -> None:
    """dave leads i2 only: nothing of his is in the sample."""
    run(db, "assign", "--coder", "dave", "i2", "--by", "lead", "--new-coder")


def test_agreement_and_disagreements_refuse_a_coder_outside_the_round(bob_sample: Path) -> None:
    db = bob_sample
    _round(db)
    run(db, "round", "start", "one")
    for command in ("agreement", "disagreements"):
        out = " ".join(fails(db, command, "--round", "1", "--coders", "alice,lead").split())
        assert "lead is not a coder of round 1 (one) (its coders: alice, bob, carol)" in out
    # The round's own coders (any case) are accepted.
    assert "Disagreements in round 1" in run(
        db, "disagreements", "--round", "1", "--coders", "Alice,bob"
    )


def test_round_start_refuses_a_coder_with_nothing_in_the_sample(bob_sample: Path) -> None:
    db = bob_sample
    _round(db)
    out = " ".join(fails(db, "round", "start", "one", "--coders", "bob,dave").split())
    assert "dave has no assignment in sample" in out
    assert "(coders with one: alice, bob, carol)" in out
    assert "round 1" in run(db, "round", "start", "one", "--coders", "alice,bob").casefold()
