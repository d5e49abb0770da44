"""What the CLI prints from the hostile project: no raw escape sequences, markup shown as typed,
formula-safe CSV, JSON with the data intact; error messages safe too."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from codebench.cli import cli

from .conftest import CODER_A, CODER_B, CONTROLS, FORMULA, PLAIN, TRANSCRIPT, raw_controls

#: Wide enough that rich never folds a cell, so texts can be searched whole.
WIDE = {"COLUMNS": "400", "LINES": "50"}


def _run(path: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner(env=WIDE).invoke(cli, ["-p", str(path), *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("segments", TRANSCRIPT),
        ("transcripts",),
        ("coders",),
        ("codebook", "show", "--full"),
        ("report", "frequencies"),
        ("report", "quotes", "--context"),
        ("report", "codebook"),
        ("report", "progress"),
        ("report", "matrix"),
        ("disagreements", "--coders", f"{CODER_A},{CODER_B}"),
        ("agreement", "--bootstrap", "0"),
    ],
    ids=lambda a: " ".join(a)[:30],
)
def test_terminal_output_has_no_raw_control_characters(hostile_path: Path, args) -> None:
    code, out, err = _run(hostile_path, *args)
    assert code == 0, err
    assert raw_controls(out) == []
    assert raw_controls(err) == []


def test_markup_in_names_and_text_prints_as_typed(hostile_path: Path) -> None:
    _, segments, _ = _run(hostile_path, "segments", PLAIN)
    assert PLAIN in segments  # the table title
    _, table, _ = _run(hostile_path, "disagreements", "--coders", f"{CODER_A},{CODER_B}")
    assert table.count("-bob [b]B[/b]") >= 2  # title and column header
    _, tree, _ = _run(hostile_path, "codebook", "show", "--full")
    assert "[bold red]loud[/]" in tree
    _, report, _ = _run(hostile_path, "report", "frequencies")
    assert "[bold red]loud[/]" in report
    # The agreement report's tables: code names, coder pairs, transcripts as typed.
    _, agreement, _ = _run(hostile_path, "agreement", "--bootstrap", "0")
    assert "[bold red]loud[/]" in agreement
    assert "-bob [b]B[/b]" in agreement and PLAIN in agreement


def test_segments_csv_is_formula_safe(hostile_path: Path) -> None:
    code, out, _ = _run(hostile_path, "segments", TRANSCRIPT, "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    texts = [row["text"] for row in rows]
    assert texts[0] == "'" + FORMULA + " said Ann."
    assert texts[1] == "'+1 for the board."
    assert texts[2] == "'-2+3 is what they pay."
    assert texts[3].startswith("'@SUM(A1:A2) here ␛]0;pwned")
    assert texts[4] == "'\tTabbed start."
    assert texts[5] == "'␍Carriage start."
    assert all(row["speaker"].startswith("'@Ann") for row in rows)
    assert rows[0]["ordinal"] == "0"  # numbers are not prefixed


@pytest.mark.parametrize("command", [("transcripts",), ("coders",)])
def test_listing_csv_is_formula_safe(hostile_path: Path, command) -> None:
    code, out, _ = _run(hostile_path, *command, "--format", "csv")
    assert code == 0
    cells = [cell for row in csv.reader(io.StringIO(out)) for cell in row]
    assert not [c for c in cells if c[:1] in "=+-@\t\r"]
    assert raw_controls(out) == []


def test_json_listing_keeps_the_text_and_escapes_it(hostile_path: Path) -> None:
    code, out, _ = _run(hostile_path, "segments", TRANSCRIPT, "--format", "json")
    assert code == 0
    assert raw_controls(out) == []
    rows = json.loads(out)
    assert rows[3]["text"] == "@SUM(A1:A2) here " + CONTROLS


def test_file_names_in_import_messages_are_safe(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "ok\x1b]0;pwned\x07.txt").write_text("Ann: Hello there.\n", encoding="utf-8")
    assert CliRunner().invoke(cli, ["-p", str(tmp_path / "p.db"), "init"]).exit_code == 0
    result = CliRunner().invoke(cli, ["-p", str(tmp_path / "p.db"), "import", str(folder)])
    assert result.exit_code == 0, result.output
    assert raw_controls(result.stdout) == []
    assert "imported" in result.stdout


def test_error_messages_are_one_safe_line(tmp_path: Path) -> None:
    bad = tmp_path / "codebook\x1b]0;pwned\x07\nline two.yaml"
    bad.write_text("codes: [unclosed\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["codebook", "show", "--file", str(bad)])
    assert result.exit_code == 1
    assert raw_controls(result.stderr) == []
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ")
    assert "␛]0;pwned" in lines[0]
