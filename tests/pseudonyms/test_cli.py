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


def test_write_key_then_decide_then_encrypt(demo_copy: Path, monkeypatch) -> None:
    from codebench.pseudonyms import key as key_module
    from codebench.pseudonyms.key import load_key

    monkeypatch.setattr(key_module, "SCRYPT_N", 2**10)
    key_path = demo_copy.with_name("study.pseudonyms.yaml")
    run(demo_copy, "pseudonymise", "detect", "--write-key", "--coder", "lead")
    key = load_key(key_path)
    helen = key.entry_for("Helen Marsh")
    # A speaker's label says who they are from their transcript's attributes, naming no one.
    # Detection proposes; nobody has decided yet, whoever ran it.
    assert helen is not None and helen.proposed and helen.decided_by is None
    assert helen.decided_at is None
    assert helen.label == key.mapping()["Riverside"].replace("[", "[Senior manager, ")
    assert helen.first_name and key.mapping()["Helen"] == helen.label
    run(
        demo_copy,
        "pseudonymise",
        "decide",
        "Helen Marsh",
        "--label",
        "[Chief Executive, Org A]",
        "--first-name",
        "--coder",
        "lead",
    )
    run(demo_copy, "pseudonymise", "decide", "Ideas Fund", "--keep")
    key = load_key(key_path)
    assert key.mapping()["Helen"] == "[Chief Executive, Org A]"
    assert key.mapping()["Ideas Fund"] is None
    before = key_path.read_bytes()
    bad = run(demo_copy, "pseudonymise", "decide", "Bob", "--label", "[Helen's friend]", ok=False)
    assert bad.exit_code == 1 and "contains the key string 'Helen'" in bad.output
    assert len(bad.output.strip().splitlines()) == 1
    assert key_path.read_bytes() == before  # nothing written
    env = {"CODEBENCH_KEY_PASSPHRASE": "s3cret"}
    run(demo_copy, "pseudonymise", "encrypt", env=env)
    assert b"Helen" not in key_path.read_bytes()
    run(demo_copy, "pseudonymise", "decide", "NHS", "--keep", env=env)
    assert load_key(key_path, "s3cret").mapping()["NHS"] is None
    wrong = run(
        demo_copy,
        "pseudonymise",
        "decide",
        "CQC",
        "--keep",
        env={"CODEBENCH_KEY_PASSPHRASE": "nope"},
        ok=False,
    )
    assert wrong.exit_code == 1 and "wrong passphrase" in wrong.output
    assert "CQC" not in str(load_key(key_path, "s3cret").entries)
