"""Issue 12 walk, defect 10: a report's CSV says whose codings it counts, beside it.

The XLSX has a Notes sheet and the documents print the notes; a CSV has no
room for them that every reader of CSV skips, so they go to ``<name>.notes.txt``
beside the file, and to standard error when the CSV goes to standard output.
The CSV itself stays plain CSV (its first line is the header).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from codebench.cli import cli
from codebench.project import Project
from codebench.reports import writers
from codebench.reports.frequencies import frequencies

KINDS = {
    "frequencies": [],
    "by-attribute": ["--attribute", "role"],
    "crossed": ["--by", "role"],
    "matrix": [],
    "cooccurrence": [],
    "quotes": ["--code", "12"],
    "codebook": [],
    "progress": [],
    "memos": [],
}
#: The reports that count codings (the others list memos or progress, and say whose).
COUNTING = ("frequencies", "by-attribute", "crossed", "matrix", "cooccurrence", "quotes")


def run(path: Path, *args: str) -> tuple[str, str]:
    result = CliRunner().invoke(cli, ["-p", str(path), "report", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout, result.stderr


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("fmt", ["csv", "csv-wide"])
def test_every_report_csv_has_its_notes_beside_it(
    small_path: Path, tmp_path: Path, kind: str, fmt: str
) -> None:
    target = tmp_path / f"{kind}.csv"
    _out, said = run(small_path, kind, *KINDS[kind], "--format", fmt, "-o", str(target))
    beside = tmp_path / f"{kind}.notes.txt"
    assert f"its notes (whose codings, the rules) in {beside}" in said
    lines = beside.read_text("utf-8").splitlines()
    assert lines[0] == f"Notes for {kind}.csv:" and len(lines) > 1
    # What the XLSX Notes sheet says, the CSV's notes say too.
    run(small_path, kind, *KINDS[kind], "-o", str(tmp_path / f"{kind}.xlsx"))
    sheet = load_workbook(tmp_path / f"{kind}.xlsx")["Notes"]
    noted = [flat(str(row[0])) for row in sheet.iter_rows(values_only=True) if row[0]]
    assert noted and set(noted) <= set(lines[1:])
    if kind in COUNTING:
        assert any("pool 2 coders (alice, bob)" in line for line in lines)
    # The CSV is still plain CSV: the header first, no note among its rows.
    with target.open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] and not any(line in {cell for row in rows for cell in row} for line in lines)
    # To standard output: the same CSV, and the same notes on standard error.
    out, err = run(small_path, kind, *KINDS[kind], "--format", fmt)
    assert out == target.read_text("utf-8-sig")
    assert err.splitlines() == lines[1:]


def test_the_notes_name_a_chosen_coder_and_follow_the_writer(
    small: Project, tmp_path: Path
) -> None:
    """Through the library (the reports screen writes this way): the notes say whose codings."""
    report = frequencies(small, ["alice"])
    target = tmp_path / "alice-only.csv"
    writers.write(report, target)
    notes = (tmp_path / "alice-only.notes.txt").read_text("utf-8")
    assert "alice" in notes and "pool 2 coders" not in notes
    # Every other text format shows the same notes in the document itself.
    first = report.notes[0]
    for fmt in ("md", "html", "table"):
        shown = writers.render(report, fmt)
        assert isinstance(shown, str)
        assert flat(first).split(":")[0] in flat(shown), fmt
    assert first in writers.render(report, "json")


def test_a_device_target_gets_no_notes_file(small: Project) -> None:
    """``-o /dev/null``: nothing to put beside it, and no error."""
    report = frequencies(small)
    writers.write(report, "/dev/null", "csv")
    assert not Path("/dev/null.notes.txt").exists()


def test_listings_keep_their_csv_alone(small_path: Path) -> None:
    """A query's CSV on standard output has no notes on standard error (its rows say it all)."""
    result = CliRunner().invoke(cli, ["-p", str(small_path), "query", "12", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert next(csv.reader(io.StringIO(result.stdout)))
