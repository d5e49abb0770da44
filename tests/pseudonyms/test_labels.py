"""One labelling function for detection and review: no collisions, speakers name their
organisation's label, a changed label takes its variants along, proposals are not decisions."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from codebench.project import Project
from codebench.pseudonyms.detect import Candidate, detect, speaker_roles
from codebench.pseudonyms.key import Entry, Key, KeyFileError, load_key, save_key
from codebench.pseudonyms.labels import propose
from codebench.pseudonyms.review import Review


def _shared_labels(key: Key) -> list[str]:
    """Labels that two entries with different real strings share."""
    owners: dict[str, set[str]] = {}
    for e in key.entries:
        if e.label and not e.keep:
            owners.setdefault(e.label, set()).add(e.real.casefold())
    return [label for label, reals in owners.items() if len(reals) > 1]


def _walk_accepting_every_proposal(project: Project, key: Key) -> Review:
    review = Review.start(key, detect(project), by="lead", roles=speaker_roles(project))
    while review.current is not None:
        review.replace()
    return review


def _assert_speakers_name_their_organisation(project: Project, key: Key) -> None:
    roles = speaker_roles(project)
    mapping = key.mapping()
    checked = 0
    for speaker, (_role, organisation) in roles.items():
        assert organisation is not None
        entry = key.entry_for(speaker)
        assert entry is not None and entry.label
        organisation_label = mapping[organisation]
        assert organisation_label is not None
        assert entry.label.endswith(", " + organisation_label[1:])
        checked += 1
    assert checked == len(roles) >= 8


def test_review_proposes_what_detection_writes_and_no_two_things_share_a_label(
    demo: Project,
) -> None:
    found = detect(demo)
    detected, _ = propose(Key([]), found, roles=speaker_roles(demo))
    reviewed = _walk_accepting_every_proposal(demo, Key([])).key
    assert _shared_labels(detected) == [] and _shared_labels(reviewed) == []
    assert reviewed.mapping() == detected.mapping()
    # The walk's organisations: Riverside, Learnwell and ActiveLife each their own label.
    short = [detected.mapping()[name] for name in ("Riverside", "Learnwell", "ActiveLife")]
    assert len(set(short)) == 3
    for name, full in [
        ("Riverside", "Riverside Community Health CIC"),
        ("Radley", "Radley Care Partnership"),
    ]:
        assert detected.mapping()[name] == detected.mapping()[full]
    _assert_speakers_name_their_organisation(demo, detected)
    _assert_speakers_name_their_organisation(demo, reviewed)


def test_a_review_after_detection_walks_the_proposals_and_keeps_them_apart(
    demo: Project,
) -> None:
    detected, added = propose(Key([]), detect(demo), roles=speaker_roles(demo))
    review = Review.start(detected, detect(demo), by="lead", roles=speaker_roles(demo))
    assert len(review.candidates) == added  # nothing was decided by detecting
    reviewed = _walk_accepting_every_proposal(demo, detected).key
    assert _shared_labels(reviewed) == []
    assert all(e.decided_by == "lead" and e.decided_at and not e.proposed for e in reviewed.entries)


def test_a_label_another_string_has_is_refused() -> None:
    found = [
        Candidate("Calder Trust", "organisation"),
        Candidate("Brantwood Homes", "organisation"),
    ]
    review = Review.start(Key([]), found, by="lead")
    review.replace("[Org A]")
    with pytest.raises(KeyFileError, match="already the label of 'Calder Trust'"):
        review.replace("[Org A]")
    assert review.current is not None and review.current.text == "Brantwood Homes"
    assert [e.real for e in review.key.entries] == ["Calder Trust"]


def test_an_edited_label_takes_the_first_name_entry_and_speaker_labels_along() -> None:
    """An old key had "Helen" as an entry of its own with Helen Marsh's label, and a speaker
    label naming the organisation's: editing them keeps one person, one label."""
    key = Key(
        [
            Entry("Helen Marsh", "[Person 1]", kind="speaker", first_name=True),
            Entry("Helen", "[Person 1]", kind="speaker"),
            Entry("Helen Marsh's", "[Person 1]", kind="speaker"),
            Entry("Riverside", "[Organisation C]", kind="organisation"),
            Entry("Riverside Community Health CIC", "[Organisation C]", kind="organisation"),
            Entry("Jo Kendrick", "[Nurse, Organisation C]", kind="speaker"),
            Entry("Eastbrook", "[Organisation E]", kind="organisation"),
        ]
    )
    key = key.decide(
        Entry("Helen Marsh", "[Chief Executive, Org A]", kind="speaker", first_name=True)
    )
    assert key.entry_for("Helen") is None  # folded: the entry's first name covers it
    assert key.mapping()["Helen Marsh's"] == "[Chief Executive, Org A]"  # follows
    assert key.mapping()["Helen"] == key.mapping()["Helen Marsh"] == "[Chief Executive, Org A]"
    key = key.decide(Entry("Riverside Community Health CIC", "[Org A]", kind="organisation"))
    assert key.mapping()["Riverside"] == "[Org A]"  # a separate entry on the old label follows
    assert key.mapping()["Jo Kendrick"] == "[Nurse, Org A]"
    assert key.mapping()["Eastbrook"] == "[Organisation E]"


def test_a_key_from_before_proposals_were_marked_is_read_as_proposals(tmp_path: Path) -> None:
    path = tmp_path / "old.yaml"
    path.write_text(
        "format: codebench-pseudonyms\nversion: 1\nentries:\n"
        "- real: Helen Marsh\n  label: '[Person 1]'\n  decided_by: lead\n"
        "  decided_at: '2026-12-01T10:00:00+00:00'\n"
        "  note: 'proposed by detection: edit the label, or set keep: true'\n"
        "- real: Leeds\n  keep: true\n  decided_by: lead\n",
        encoding="utf-8",
    )
    key = load_key(path)
    helen, leeds = key.entries
    assert helen.proposed and helen.decided_by is None and helen.decided_at is None
    assert not leeds.proposed and leeds.decided_by == "lead"
    found = [Candidate("Helen Marsh", "speaker"), Candidate("Leeds", "place")]
    assert [c.text for c in Review.start(key, found).candidates] == ["Helen Marsh"]
    save_key(key, path)
    assert "proposed: true" in path.read_text(encoding="utf-8")
    assert Counter(e.proposed for e in load_key(path).entries) == Counter([True, False])


def test_deciding_a_proposal_keeps_its_first_name_and_stamps_the_decision(
    demo_copy: Path,
) -> None:
    from click.testing import CliRunner

    from codebench.cli import cli

    def run(*args: str) -> None:
        result = CliRunner().invoke(cli, ["-p", str(demo_copy), *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output

    run("pseudonymise", "detect", "--write-key")
    label = "[Chief Executive, Org A]"
    run("pseudonymise", "decide", "Helen Marsh", "--label", label, "--coder", "lead")
    key = load_key(demo_copy.with_name("study.pseudonyms.yaml"))
    helen = key.entry_for("Helen Marsh")
    assert helen is not None and not helen.proposed and helen.decided_by == "lead"
    assert key.mapping()["Helen"] == key.mapping()["Helen Marsh"] == label
    assert _shared_labels(key) == []


def test_walking_decided_forms_again_accepts_the_label_that_covers_them() -> None:
    found = [Candidate("Riverside", "organisation"), Candidate("Riverside Trust", "organisation")]
    key, _ = propose(Key([]), found)
    review = Review.start(key, found, by="lead", undecided_only=False)
    assert [c.text for c in review.candidates] == ["Riverside Trust", "Riverside"]
    review.skip()
    assert review.proposed_label() == "[Organisation A]"
    review.replace()  # the short name: its organisation's label, no entry of its own
    assert review.current is None
    assert [e.real for e in review.key.entries] == ["Riverside Trust"]
    assert review.key.mapping()["Riverside"] == "[Organisation A]"
