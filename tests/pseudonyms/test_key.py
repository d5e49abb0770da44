"""The key file: its forms, its scopes, its encryption, and the files it refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from codebench.pseudonyms import key as key_module
from codebench.pseudonyms.detect import Candidate
from codebench.pseudonyms.key import (
    Entry,
    Key,
    KeyFileError,
    default_key_path,
    load_key,
    save_key,
)
from codebench.pseudonyms.labels import propose


def _key(*entries: Entry) -> Key:
    key = Key(list(entries))
    key.validate()
    return key


def test_forms_cover_case_first_name_and_listed_variants() -> None:
    entry = Entry("Joanne Price", "[Union Rep]", first_name=True, variants=("Jo P",))
    assert set(entry.forms()) == {
        "Joanne Price",
        "JOANNE PRICE",
        "Joanne",
        "JOANNE",
        "Jo P",
        "JO P",
    }
    assert "riverside" not in Entry("Riverside", "[Org A]").forms()
    assert "riverside" in Entry("Riverside", "[Org A]", lowercase=True).forms()
    # An everyday word never gets its lower-case form.
    assert "general" not in Entry("General", "[Hospital]", lowercase=True).forms()


def test_a_transcript_entry_wins_there_and_only_there() -> None:
    key = _key(
        Entry("Jo", "[Person 1]"),
        Entry("Jo", "[Nurse]", transcripts=("02-riverside-nurse",)),
        Entry("NHS", keep=True),
    )
    assert key.mapping()["Jo"] == "[Person 1]"
    assert key.mapping("01-riverside-ceo")["Jo"] == "[Person 1]"
    assert key.mapping("02-riverside-nurse")["Jo"] == "[Nurse]"
    assert key.mapping()["NHS"] is None


def test_a_key_round_trips_through_yaml(tmp_path: Path) -> None:
    path = tmp_path / "study.pseudonyms.yaml"
    key = _key(
        Entry(
            "Helen Marsh",
            "[Chief Executive, Org A]",
            kind="speaker",
            first_name=True,
            decided_by="lead",
            decided_at="2026-01-01T00:00:00+00:00",
        ),
        Entry("NHS", keep=True),
    )
    save_key(key, path)
    again = load_key(path)
    assert again.entries == key.entries
    assert not again.encrypted
    assert "Helen Marsh" in path.read_text(encoding="utf-8")


def test_an_encrypted_key_needs_its_passphrase(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(key_module, "SCRYPT_N", 2**10)  # fast in tests; the file records n
    path = tmp_path / "k.yaml"
    key = _key(Entry("Helen Marsh", "[CEO]"))
    save_key(key, path, passphrase="correct horse")
    sealed = path.read_text(encoding="utf-8")
    assert "Helen" not in sealed and "codebench-pseudonyms-encrypted" in sealed
    opened = load_key(path, "correct horse")
    assert opened.entries == key.entries and opened.encrypted
    assert load_key(path, lambda: "correct horse").entries == key.entries
    with pytest.raises(KeyFileError, match="wrong passphrase"):
        load_key(path, "wrong")
    with pytest.raises(KeyFileError, match="is encrypted: give its passphrase"):
        load_key(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("format: codebench-pseudonyms\nentries: [\n", "malformed YAML at line"),
        ("- just a list\n", "not a codebench key file"),
        (
            "format: codebench-pseudonyms\nversion: 1\nentries:\n- real: Ann\n",
            "give either a label",
        ),
        (
            "format: codebench-pseudonyms\nversion: 1\nentries:\n- real: Ann\n  label: Person\n",
            "must be marked in brackets",
        ),
        (
            "format: codebench-pseudonyms\nversion: 1\nentries:\n- real: Ann Lee\n  label: '[Ann]'\n"
            "  first_name: true\n",
            "contains the key string 'Ann'",
        ),
        (
            "format: codebench-pseudonyms\nversion: 1\nentries:\n- real: Ann\n  label: '[A]'\n"
            "- real: ann\n  label: '[B]'\n",
            "decided twice",
        ),
        (
            "format: codebench-pseudonyms\nversion: 1\nentries:\n- real: Ann\n  label: '[A]'\n"
            "  colour: red\n",
            "unknown field 'colour'",
        ),
        (
            "format: codebench-pseudonyms-encrypted\nversion: 1\nsalt: '!!'\n",
            "damaged encrypted key",
        ),
    ],
)
def test_bad_key_files_are_one_line_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(KeyFileError, match=message) as caught:
        load_key(path, "pass")
    assert "\n" not in str(caught.value) and str(path) in str(caught.value)


def test_a_bad_decision_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "k.yaml"
    save_key(_key(Entry("Ann Lee", "[Person 1]")), path)
    before = path.read_bytes()
    bad = Key([Entry("Ann Lee", "[Person 1]"), Entry("Bo", "[friend of Ann Lee]")])
    with pytest.raises(KeyFileError):
        save_key(bad, path)
    assert path.read_bytes() == before


def test_default_key_is_beside_the_project_not_in_it(tmp_path: Path) -> None:
    assert default_key_path(tmp_path / "study.db") == tmp_path / "study.pseudonyms.yaml"


def test_a_short_name_is_folded_into_its_organisations_entry_not_given_its_label() -> None:
    found = [
        Candidate("Riverside", "organisation"),
        Candidate("Helen Marsh", "speaker"),
        Candidate("Helen", "speaker"),
        Candidate("Riverside Community Health", "organisation"),
        Candidate("Leeds", "place"),
    ]
    key, added = propose(Key([Entry("Leeds", keep=True)]), found)
    labels = {e.real: e.label for e in key.entries}
    assert added == 2
    assert labels["Riverside Community Health"] == "[Organisation A]" and "Riverside" not in labels
    assert key.entry_for("Riverside Community Health").variants == ("Riverside",)  # type: ignore[union-attr]
    assert key.mapping()["Riverside"] == "[Organisation A]"
    assert labels["Helen Marsh"] == "[Person 1]" and "Helen" not in labels
    assert key.mapping()["Helen"] == "[Person 1]"
    assert key.mapping()["Leeds"] is None  # an existing decision is kept
    # Proposals are nobody's decisions: marked proposed, with no author and no time.
    new = [e for e in key.entries if e.real != "Leeds"]
    assert all(e.proposed and e.decided_by is None and e.decided_at is None for e in new)


def test_proposals_skip_labels_the_key_already_uses() -> None:
    """A lead typed ``[Organisation A]`` for one organisation: the next proposal is B, not A."""
    found = [
        Candidate("Brantwood Housing Association", "organisation"),
        Candidate("Calder Trust", "organisation"),
    ]
    key = Key([Entry("Calder Trust", "[Organisation A]", kind="organisation")])
    key, _ = propose(key, found)
    labels = [e.label for e in key.entries]
    assert sorted(labels) == ["[Organisation A]", "[Organisation B]"]


def test_an_unquoted_bracketed_label_is_read_as_meant(tmp_path: Path) -> None:
    path = tmp_path / "k.yaml"
    path.write_text(
        "format: codebench-pseudonyms\nversion: 1\nentries:\n"
        "- real: Helen Marsh\n  label: [Chief Executive, Org A]\n",
        encoding="utf-8",
    )
    assert load_key(path).mapping()["Helen Marsh"] == "[Chief Executive, Org A]"


def test_speakers_labels_come_from_their_role_and_organisation() -> None:
    found = [
        Candidate("Ann Lee", "speaker"),
        Candidate("Bo Chan", "speaker"),
        Candidate("Cy Dunn", "speaker"),
        Candidate("Brantwood Housing Association", "organisation"),
    ]
    roles = {
        "Ann Lee": ("senior manager", "Brantwood Housing Association Ltd"),
        "Bo Chan": ("senior manager", "Brantwood Housing Association Ltd"),
        "Cy Dunn": ("Cy Dunn's carer", None),  # a role naming a key string: numbered instead
    }
    key, _ = propose(Key(), found, roles=roles)
    labels = {e.real: e.label for e in key.entries}
    assert labels["Brantwood Housing Association"] == "[Organisation A]"
    assert labels["Ann Lee"] == "[Senior manager, Organisation A]"
    assert labels["Bo Chan"] == "[Senior manager 2, Organisation A]"
    assert labels["Cy Dunn"] == "[Person 1]"
