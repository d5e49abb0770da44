"""Scopes on the reports computed from coded units: frequencies, by-attribute, matrix, co-occurrence."""

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
    result = run("quotes", "--code", "10", "--where", "role=commissioner")
    assert result.exit_code == 1 and "apply to frequencies, by-attribute" in result.stderr
    result = run("frequencies", "--where", "role=boss")
    assert result.exit_code == 1 and "values of role: commissioner, manager" in result.stderr
