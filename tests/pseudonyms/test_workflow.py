"""The issue's "done when", on the demo: detect, write the key, export, check; the project unchanged."""

from __future__ import annotations

import hashlib
from pathlib import Path

from click.testing import CliRunner

from codebench.cli import cli
from codebench.exchange.jsonl import iter_lines
from codebench.project import Project


def run(db: Path, *args: str, ok: bool = True, env: dict | None = None):
    result = CliRunner().invoke(cli, ["-p", str(db), *args], env=env, catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def _dump(path: Path) -> str:
    with Project.open(path, write=False) as project:
        return hashlib.sha256("".join(iter_lines(project)).encode()).hexdigest()


def test_a_lead_pseudonymises_the_demo_and_the_check_passes(
    demo_copy: Path, tmp_path: Path, monkeypatch
) -> None:
    from codebench.pseudonyms import key as key_module

    monkeypatch.setattr(key_module, "SCRYPT_N", 2**10)
    env = {"CODEBENCH_KEY_PASSPHRASE": "lead's passphrase"}
    before = _dump(demo_copy)
    run(demo_copy, "pseudonymise", "detect", "--write-key", "--coder", "lead")
    run(
        demo_copy,
        "pseudonymise",
        "decide",
        "Helen Marsh",
        "--label",
        "[Chief Executive, Org A]",
        "--first-name",
        "--surname",
        "--kind",
        "speaker",
        "--coder",
        "lead",
    )
    run(demo_copy, "pseudonymise", "encrypt", env=env)
    outputs = [tmp_path / "quotes.docx", tmp_path / "report.html", tmp_path / "study.qdpx"]
    run(demo_copy, "report", "quotes", "--pseudonymise", "-o", str(outputs[0]), env=env)
    run(demo_copy, "report", "html", "--pseudonymise", "-o", str(outputs[1]), env=env)
    run(demo_copy, "export", "qdpx", "--pseudonymise", "-o", str(outputs[2]), env=env)
    passed = run(demo_copy, "pseudonymise", "check", *map(str, outputs), env=env)
    assert "no key string or undecided candidate" in passed.output
    # The same outputs without the key fail, naming what leaked.
    run(demo_copy, "report", "quotes", "-o", str(tmp_path / "plain.docx"))
    failed = run(
        demo_copy, "pseudonymise", "check", str(tmp_path / "plain.docx"), env=env, ok=False
    )
    assert failed.exit_code == 1 and "'Helen Marsh' (key)" in failed.output
    log = run(demo_copy, "pseudonymise", "log", "--format", "csv", env=env).output
    assert "[Chief Executive, Org A]" in log and "Helen" not in log
    assert _dump(demo_copy) == before  # texts, codings, memos, events: untouched
