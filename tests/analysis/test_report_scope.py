"""Scopes on every report: the tables computed from coded units, quotes, codebook, progress, html."""

from __future__ import annotations

import csv
import io

from click.testing import CliRunner

from codebench import reports
from codebench.analysis.scope import ScopeSpec, report_units, resolve_scope
from codebench.cli import cli
from codebench.project import Project


def row_for(report, number: str):
    return next(r for r in report.rows if r.code.number == number)


def test_frequencies_in_a_scope(study: Project) -> None:
    everything = reports.frequencies(study)
    counts = row_for(everything, "10").counts(True)
    assert (counts.segments, counts.codings, counts.transcripts) == (6, 7, 3)

    scope = resolve_scope(study, ScopeSpec.of(where=["role=commissioner"]))
    scoped = reports.frequencies(study, units=report_units(study, scope, speakers=True, words=True))
    counts = row_for(scoped, "10").counts(True)
    # a1, a2, a3, b1, b2 (alice), and bob's a1: the manager's c1 is out of scope.
    assert (counts.segments, counts.codings, counts.transcripts) == (5, 6, 2)
    assert counts.percent == 100.0
    assert any("Scope: role=commissioner (2 transcripts)." in n for n in scoped.notes)


def test_report_cli_scopes(study: Project) -> None:
    study.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def run(*args: str):
        return CliRunner().invoke(
            cli, ["-p", str(study.path), "report", *args], catch_exceptions=False
        )

    result = run(
        "by-attribute", "--attribute", "stage", "--where", "role=commissioner", "--format", "csv"
    )
    assert result.exit_code == 0
    rows = [r for r in csv.DictReader(io.StringIO(result.stdout)) if r["Code"] == "10"]
    assert [(r["Value"], r["Transcripts in group"], r["Coded segments"]) for r in rows] == [
        ("delivery", "1", "2"),
        ("planning", "1", "3"),
    ]
    result = run("matrix", "--transcripts", "a,c", "--format", "csv-wide")
    assert result.exit_code == 0 and ",b," not in result.stdout.splitlines()[0] + ","
    # 10's passages (conftest): alice a 1-3, b 1-2; bob a 1, c 1: commissioners are a and b.
    result = run("quotes", "--code", "10", "--where", "role=commissioner", "--format", "csv")
    assert result.exit_code == 0
    quoted = list(csv.DictReader(io.StringIO(result.stdout)))
    assert sorted({r["Transcript"] for r in quoted}) == ["a", "b"]
    result = run("memos", "--where", "role=commissioner")
    assert result.exit_code == 1 and "report memos takes no --where" in result.stderr
    result = run("frequencies", "--where", "role=boss")
    assert result.exit_code == 1 and "values of role: commissioner, manager" in result.stderr


#: A value for each scope option on the conftest project, and the message of a refusal.
SCOPE_VALUES = {
    "--where": "role=commissioner",
    "--transcripts": "a",
    "--coder": "alice",
    "--speaker": "Hal Ito",
    "--round": "1",  # the project has no rounds: a report that takes it says "no round"
}


def report_kinds() -> dict[str, list[str]]:
    """Every report the CLI offers: each command taking a KIND of report, with its kinds."""
    import click

    found = {}
    for name, command in cli.commands.items():
        for param in command.params:
            if param.name == "kind" and isinstance(param.type, click.Choice):
                found[name] = list(param.type.choices)
    return found


def test_every_report_takes_every_scope_or_refuses_it_in_one_line(study: Project) -> None:
    """A new report (or kind) fails here until it takes the scopes or says why not."""
    from codebench.reports.compute import REFUSED

    study.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    kinds = report_kinds()
    assert set(kinds) == {"report", "explain"}
    needs = {"by-attribute": ["--by", "role"], "crossed": ["--by", "role", "--by", "stage"]}
    for command, names in kinds.items():
        for kind in names:
            extra = [*needs.get(kind, []), *(["--row", "10"] if command == "explain" else [])]
            if command == "explain" and kind in ("by-attribute", "crossed", "matrix"):
                extra += [
                    "--column",
                    {"matrix": "a"}.get(kind, "commissioner" if kind == "by-attribute" else "G1"),
                ]
            if command == "explain" and kind == "cooccurrence":
                extra += ["--column", "10"]
            base = CliRunner().invoke(
                cli, ["-p", str(study.path), command, kind, *extra, "--format", "json"]
            )
            assert base.exit_code == 0, (command, kind, base.output)
            for option, value in SCOPE_VALUES.items():
                args = [
                    "-p",
                    str(study.path),
                    command,
                    kind,
                    *extra,
                    option,
                    value,
                    "--format",
                    "json",
                ]
                result = CliRunner().invoke(cli, args)
                label = f"{command} {kind} {option}"
                if command == "report" and option in REFUSED.get(kind, ((), ""))[0]:
                    assert result.exit_code == 1, label
                    assert f"report {kind} takes no {option}" in result.stderr, label
                    assert len(result.stderr.strip().splitlines()) == 1, label
                elif option == "--round":
                    assert result.exit_code == 1 and "no round '1'" in result.stderr, label
                else:
                    assert result.exit_code == 0, (label, result.output)
                    assert result.stdout != base.stdout, label  # the scope changed something


def test_progress_codebook_and_html_count_only_the_scope(study: Project) -> None:
    """Hand counts from the conftest listing."""
    study.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def run(*args: str) -> str:
        result = CliRunner().invoke(cli, ["-p", str(study.path), "report", *args])
        assert result.exit_code == 0, result.output
        return result.stdout

    import json

    progress = json.loads(
        run("progress", "--where", "stage=delivery", "--coder", "bob", "--format", "json")
    )
    assert [r["transcript"] for r in progress["rows"]] == ["b", "c"]
    assert [c["name"] for c in progress["coders"]] == ["bob"]
    # bob codes c 1 and 3 of c's three codable segments; nothing in b.
    assert [(c["coded"], c["codable"]) for r in progress["rows"] for c in r["cells"]] == [
        (0, 5),
        (2, 3),
    ]
    # Hal Ito (all of c): 10 only on c 1 (bob's), so one segment in one transcript.
    book = json.loads(run("codebook", "--speaker", "Hal Ito", "--format", "json"))
    text = json.dumps(book)
    assert "Speakers: Hal Ito." in text
    page = run("html", "--transcripts", "c", "--code", "10", "--format", "html")
    assert "Scope: transcripts c (1 transcript)." in page
    assert "Dee Fox" not in page and "Eve Hart" not in page


def test_explain_merges_two_coders_overlapping_passages(study: Project) -> None:
    """Pooled, 10 is alice's a 1-3 and bob's a 1 (one passage, both coders), b 1-2, c 1."""
    from codebench.analysis.explain import CellSpec, explain

    found = explain(study, CellSpec("frequencies"), "10", None)
    assert [(q.location, q.coders) for q in found.quotes] == [
        ("a, segments 1–3", ["alice", "bob"]),
        ("b, segments 1–2", ["alice"]),
        ("c, segment 1", ["bob"]),
    ]
    merged = found.quotes[0]
    assert merged.text.startswith("The contract was tough.")
    assert merged.text.endswith("Pensions worried staff.")
    assert found.notes[0] == "The 3 passages behind 10 (frequencies)."
    # One coder alone: nothing to merge.
    alone = explain(study, CellSpec("frequencies", ScopeSpec.of(coders=["bob"])), "10", None)
    assert [(q.location, q.coders) for q in alone.quotes] == [
        ("a, segment 1", ["bob"]),
        ("c, segment 1", ["bob"]),
    ]


def test_help_and_docs_list_the_scopes_each_report_takes() -> None:
    """`report --help` is generated from REFUSED; docs/analysis.md's table must say the same."""
    import re
    from pathlib import Path

    from codebench.reports.compute import KINDS, REFUSED, kinds_taking

    docs = (Path(__file__).resolve().parents[2] / "docs" / "analysis.md").read_text("utf-8")
    table = dict(re.findall(r"^\| `([a-z-]+)` \| (`--[^|]*) \|", docs, flags=re.MULTILINE))
    refused = {kind: options for kind, (options, _why) in REFUSED.items() if options}
    assert {k: tuple(re.findall(r"`(--[a-z]+)`", v)) for k, v in table.items()} == refused
    result = CliRunner().invoke(cli, ["report", "--help"], terminal_width=200)
    for option in ("--where", "--transcripts", "--speaker", "--round"):
        others = [k for k in KINDS if k not in kinds_taking(option)]
        line = next(line for line in result.output.splitlines() if line.strip().startswith(option))
        assert f"Every report but {', '.join(others)}:" in line, line
