"""Reviewing candidates one at a time: the headless walk and its terminal front end."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from codebench.cli import cli
from codebench.pseudonyms.detect import Candidate
from codebench.pseudonyms.key import Entry, Key, KeyFileError, load_key
from codebench.pseudonyms.review import Review

FOUND = [
    Candidate("Ann Lee", "speaker"),
    Candidate("Ann", "speaker"),
    Candidate("Brantwood Housing Association", "organisation"),
    Candidate("Leeds", "place"),
    Candidate("NHS", "name"),
]


def test_a_walk_records_each_decision_in_the_key() -> None:
    review = Review.start(
        Key([Entry("NHS", keep=True)]),
        FOUND,
        by="lead",
        roles={"Ann Lee": ("senior manager", "Brantwood Housing Association")},
    )
    # NHS is decided; organisations come first, so the speakers' labels can name them.
    assert [c.text for c in review.candidates] == [
        "Brantwood Housing Association",
        "Ann Lee",
        "Ann",
        "Leeds",
    ]
    assert review.proposed_label() == "[Organisation A]"
    with pytest.raises(KeyFileError, match="contains the key string"):
        review.replace("[Brantwood Housing Association's office]")
    assert review.current is not None  # nothing recorded
    assert review.current.text == "Brantwood Housing Association"
    review.replace("[Housing association]")
    # The speaker's label names the organisation by the label the lead just gave it.
    assert review.proposed_label() == "[Senior manager, Housing association]"
    review.replace()
    # "Ann" is Ann Lee's first name, decided with her: the walk no longer asks about it.
    assert review.current is not None and review.current.text == "Leeds"
    review.keep(transcript="int2")
    assert review.current is None and review.remaining == 0
    mapping = review.key.mapping("int2")
    assert mapping["Ann Lee"] == mapping["Ann"] == "[Senior manager, Housing association]"
    assert mapping["Brantwood Housing Association"] == "[Housing association]"
    assert mapping["Leeds"] is None and "Leeds" not in review.key.mapping("int1")
    assert [(d.real, d.action, d.by) for d in review.decisions] == [
        ("Brantwood Housing Association", "replace", "lead"),
        ("Ann Lee", "replace", "lead"),
        ("Leeds", "keep", "lead"),
    ]
    assert all(e.decided_at for e in review.key.entries if e.real != "NHS")


def test_the_review_command_saves_after_every_decision(demo_copy: Path) -> None:
    answers = "r\ne\n[Person X]\nk\nq\n"
    result = CliRunner().invoke(
        cli,
        ["-p", str(demo_copy), "pseudonymise", "review", "--coder", "lead"],
        input=answers,
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "«ActiveLife Leisure Trust»" in result.output
    key = load_key(demo_copy.with_name("study.pseudonyms.yaml"))
    labels = {e.real: (e.label, e.keep, e.decided_by) for e in key.entries}
    assert labels["ActiveLife Leisure Trust"] == ("[Organisation A]", False, "lead")
    assert labels["Learnwell Adult Learning Mutual"] == ("[Person X]", False, "lead")
    assert labels["Riverside Community Health CIC"] == (None, True, "lead")
    assert key.mapping()["ActiveLife"] == "[Organisation A]"  # its short name, with it
    assert "3 decisions saved" in result.output


def test_names_an_entry_already_covers_are_not_asked_again() -> None:
    """A speaker entry with ``first_name`` covers "Ann": the walk does not offer "Ann" (a "keep"
    answer there would contradict the entry, and the entry would win)."""
    key = Key([Entry("Ann Lee", label="[Manager]", first_name=True)])
    review = Review.start(key, FOUND)
    assert [c.text for c in review.candidates] == [
        "Brantwood Housing Association",
        "Leeds",
        "NHS",
    ]


def test_a_decision_for_one_transcript_leaves_the_project_proposal_as_it_was() -> None:
    """Deciding a name for one transcript first must not turn its project-wide proposal into a
    bare ``[Speaker]``: the proposal is made as if the name were undecided."""
    from codebench.pseudonyms.detect import Document, candidates

    docs = [
        Document("a", "Helen Marsh: We began in Leeds.", speakers=("Helen Marsh",)),
        Document("b", "Q: And Helen Marsh?", speakers=("Q",)),
    ]
    found = candidates(docs)
    review = Review.start(Key([]), found, by="lead")
    before = review.proposed_label()
    assert review.current is not None and review.current.text == "Helen Marsh"
    review.replace("[Their boss]", transcript="b")
    review.back()
    assert review.proposed_label() == before != "[Speaker]"
