"""Marks of other coders' codings never read as the current coder's, and never as each other's."""

from __future__ import annotations

import itertools

from codebench.coding.prefixes import CONSENSUS_MARK, coder_prefixes, legend
from codebench.models import Coder

_ids = itertools.count(1)


def coder(name: str, kind: str = "human") -> Coder:
    return Coder(id=next(_ids), guid=name, name=name, kind=kind)


def test_consensus_is_never_c_while_carol_codes() -> None:
    carol, bob, consensus = coder("carol"), coder("bob"), coder("consensus", "consensus")
    marks = coder_prefixes([carol, bob, consensus], carol)
    assert marks == {bob.id: "b", consensus.id: CONSENSUS_MARK}
    assert legend([carol, bob, consensus], marks) == "b: bob · =: consensus"


def test_a_name_sharing_the_current_coders_start_gets_a_longer_mark() -> None:
    carol, cath, cara = coder("carol"), coder("cath"), coder("cara")
    marks = coder_prefixes([carol, cath, cara], carol)
    assert marks[cath.id] == "cat"
    assert marks[cara.id] == "cara"
    assert len(set(marks.values())) == 2


def test_marks_are_unique_among_others_and_never_a_start_of_mine() -> None:
    names = ["bob", "bill", "bo", "dana", "dan", "d", "alice", "al", "Carol", "c"]
    coders = [coder(n) for n in names]
    for current in coders:
        marks = coder_prefixes(coders, current)
        assert current.id not in marks
        assert len(set(marks.values())) == len(marks), marks
        for mark in marks.values():
            assert not current.name.casefold().startswith(mark), (current.name, mark)


def test_a_name_that_starts_mine_gets_a_number() -> None:
    carol, car = coder("carol"), coder("car")
    assert coder_prefixes([carol, car], carol) == {car.id: "car2"}
