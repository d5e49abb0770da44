"""``--pseudonymise`` on every command that has it: bare before an argument, with a key file,
with ``=``; and the outputs that gained it (``codebook export``) or say what they leave out."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from codebench.cli import cli
from codebench.cli.pseudonymise_option import separate_bare_option
from codebench.pseudonyms.key import Entry, Key, save_key

CEO = "01-riverside-ceo"
HELEN = Entry("Helen Marsh", "[Chief Executive, Org A]", kind="speaker", first_name=True)
RIVERSIDE = Entry("Riverside", "[Org A]", kind="organisation", lowercase=True)


def run(db: Path, *args: str, ok: bool = True):
    result = CliRunner().invoke(cli, ["-p", str(db), *args], catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def commands_with_the_option() -> set[tuple[str, ...]]:
    """Every command path whose command takes ``--pseudonymise``, read from the CLI itself."""

    def walk(command: click.Command, path: tuple[str, ...]) -> set[tuple[str, ...]]:
        if isinstance(command, click.Group):
            return {p for name, sub in command.commands.items() for p in walk(sub, (*path, name))}
        return {path} if any(p.name == "pseudonymise" for p in command.params) else set()

    return walk(cli, ())


@pytest.fixture
def keyed(demo_copy: Path) -> Path:
    save_key(Key([HELEN, RIVERSIDE]), demo_copy.with_name("study.pseudonyms.yaml"))
    return demo_copy


def test_the_word_after_a_bare_option_stays_an_argument(tmp_path: Path) -> None:
    existing = tmp_path / "team.key"
    existing.write_text("", encoding="utf-8")
    assert separate_bare_option(["segments", "--pseudonymise", CEO]) == [
        "segments",
        "--pseudonymise=",
        CEO,
    ]
    assert separate_bare_option(["report", "--pseudonymize", "quotes"]) == [
        "report",
        "--pseudonymize=",
        "quotes",
    ]
    # A key file: by its ending, or because it exists.
    assert separate_bare_option(["x", "--pseudonymise", "k.yml"]) == ["x", "--pseudonymise=k.yml"]
    assert separate_bare_option(["x", "--pseudonymise", str(existing)]) == [
        "x",
        f"--pseudonymise={existing}",
    ]
    # Followed by an option, last, written with =, or after --: left as they are.
    for args in (
        ["x", "--pseudonymise", "-o", "out.md"],
        ["x", "--pseudonymise"],
        ["x", "--pseudonymise=04.1"],
        ["x", "--", "--pseudonymise", "word"],
    ):
        assert separate_bare_option(args) == args


def _cases(tmp_path: Path) -> dict[tuple[str, ...], list[str]]:
    """Each command with a bare ``--pseudonymise`` placed before its argument (or an option)."""
    return {
        ("report",): ["report", "--pseudonymise", "quotes", "--code", "01", "--format", "md"],
        ("segments",): ["segments", "--pseudonymise", CEO, "--format", "json"],
        ("transcripts",): ["transcripts", "--pseudonymise", "--format", "json"],
        ("agreement",): ["agreement", "--pseudonymise", "--format", "json"],
        ("disagreements",): ["disagreements", "--pseudonymise", "--format", "json"],
        ("decisions",): ["decisions", "--pseudonymise", "--format", "csv"],
        ("explain",): [
            "explain",
            "--pseudonymise",
            "matrix",
            "--row",
            "01",
            "--column",
            CEO,
            "--format",
            "json",
        ],
        ("framework", "export"): [
            "framework",
            "export",
            "--pseudonymise",
            "--format",
            "json",
            "-o",
            "-",
        ],
        ("round", "trajectory"): ["round", "trajectory", "--pseudonymise", "--format", "json"],
        ("methods-appendix",): [
            "methods-appendix",
            "--pseudonymise",
            "--bootstrap",
            "0",
            "-o",
            "-",
        ],
        ("export", "jsonl"): ["export", "jsonl", "--pseudonymise", "-o", "-"],
        ("export", "qdpx"): ["export", "qdpx", "--pseudonymise", "-o", str(tmp_path / "s.qdpx")],
        ("export", "transcripts"): [
            "export",
            "transcripts",
            "--pseudonymise",
            CEO,
            "-o",
            str(tmp_path / "archive"),
        ],
        ("codebook", "export"): ["codebook", "export", "--pseudonymise", "--format", "json"],
        ("memos",): ["memos", "--coder", "alice", "--lead", "--pseudonymise", "--format", "json"],
    }


def _written(tmp_path: Path, path: tuple[str, ...], output: str) -> str:
    if path == ("export", "qdpx"):
        with zipfile.ZipFile(tmp_path / "s.qdpx") as archive:
            return " ".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    if path == ("export", "transcripts"):
        return " ".join(p.read_text(encoding="utf-8") for p in (tmp_path / "archive").iterdir())
    return output


def test_every_command_with_the_option_takes_it_bare_before_an_argument(
    keyed: Path, tmp_path: Path
) -> None:
    cases = _cases(tmp_path)
    assert set(cases) == commands_with_the_option()  # a new command with the option needs a case
    # A round (on a sample holding the CEO interview) for the round commands.
    run(keyed, "sample", "--fraction", "0.25", "--seed", "1", "--coders", "alice,bob")
    run(keyed, "round", "start", "pilot")
    for path, args in cases.items():
        result = run(keyed, *args)
        text = _written(tmp_path, path, result.stdout).replace("\\[", "[").replace("\\]", "]")
        assert "Helen Marsh" not in text, path
        if path in (("report",), ("segments",), ("export", "qdpx"), ("export", "transcripts")):
            assert "[Chief Executive, Org A]" in text, path


def test_a_word_that_is_no_key_and_no_argument_is_a_clear_error(keyed: Path) -> None:
    result = run(keyed, "transcripts", "--pseudonymise", "mykey", ok=False)
    assert result.exit_code == 2 and "mykey" in result.output and "Traceback" not in result.output


def test_a_key_file_after_the_option_is_still_the_key(keyed: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.yaml"
    save_key(Key([Entry("Helen Marsh", "[H]", first_name=True)]), other)
    rows = json.loads(
        run(keyed, "segments", "--pseudonymise", str(other), CEO, "--format", "json").output
    )
    assert rows[2]["speaker"] == "[H]"


def test_codebook_export_maps_definitions_in_every_format(keyed: Path, tmp_path: Path) -> None:
    from codebench.codebook.edits import edit_code
    from codebench.project import Project

    with Project.open(keyed) as project:
        code = project.codes()[0]
        edit_code(project, "lead", code.guid, description="As Helen Marsh put it at Riverside")
    plain = run(keyed, "codebook", "export", "--format", "json").output
    assert "Helen Marsh put it at Riverside" in plain
    for fmt in ("yaml", "json", "md"):
        out = run(keyed, "codebook", "export", "--format", fmt, "--pseudonymise").output
        assert "Helen" not in out and "Riverside" not in out, fmt
        assert "[Chief Executive, Org A] put it at [Org A]" in out.replace("\\[", "[").replace(
            "\\]", "]"
        ), fmt
    qdc = tmp_path / "book.qdc"
    run(keyed, "codebook", "export", "--pseudonymise", "-o", str(qdc))
    xml = qdc.read_text(encoding="utf-8")
    assert "Helen" not in xml and "[Chief Executive, Org A] put it at [Org A]" in xml


def test_a_pseudonymised_jsonl_says_it_has_no_event_log(keyed: Path, tmp_path: Path) -> None:
    out = tmp_path / "shared.jsonl"
    result = run(keyed, "export", "jsonl", "--pseudonymise", "-o", str(out))
    assert "no event log" in result.stderr and "original text" in result.stderr
    kinds = {json.loads(line)["type"] for line in out.read_text(encoding="utf-8").splitlines()}
    assert "event" not in kinds
    plain = run(keyed, "export", "jsonl", "-o", str(tmp_path / "plain.jsonl"))
    assert "no event log" not in plain.stderr


def test_memos_and_attribute_values_are_mapped_in_every_output_that_carries_them(
    keyed: Path, tmp_path: Path
) -> None:
    """What the team wrote names people too: each output that carries memos or attribute
    values leaves none of the key's strings in them (and the plain output still has them)."""
    from codebench.project import Project

    with Project.open(keyed) as project:
        project.add_memo("alice", "Helen Marsh says Riverside will cope", transcript=CEO)
        project.add_memo("alice", "Ask Helen Marsh about this code", code=project.codes()[0])
        project.set_attributes(CEO, {"contact": "Helen Marsh"})
    qdpx = tmp_path / "s.qdpx"

    def outputs(*flag: str) -> dict[str, str]:
        run(keyed, "export", "qdpx", *flag, "-o", str(qdpx))
        with zipfile.ZipFile(qdpx) as archive:
            xml = " ".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
        return {
            "report memos": run(keyed, "report", "memos", "--format", "md", *flag).stdout,
            "report by-attribute": run(
                keyed, "report", "by-attribute", "--attribute", "contact", "--format", "csv", *flag
            ).stdout,
            "report html": run(keyed, "report", "html", *flag, "-o", "-").stdout,
            "export jsonl": run(keyed, "export", "jsonl", *flag, "-o", "-").stdout,
            "export qdpx": xml,
            "memos": run(keyed, "memos", "--coder", "alice", "--format", "json", *flag).stdout,
            "transcripts": run(keyed, "transcripts", "--format", "json", *flag).stdout,
        }

    for name, text in outputs().items():
        assert "Helen Marsh" in text, name  # there is something to replace in each
    for name, text in outputs("--pseudonymise").items():
        assert "Helen" not in text, name
        assert "[Chief Executive, Org A]" in text.replace("\\[", "[").replace("\\]", "]"), name
