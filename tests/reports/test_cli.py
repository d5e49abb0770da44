"""`codebench report`: one library call per kind, files by extension, clean errors."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from click.testing import CliRunner

from codebench.cli import cli


def run(path: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["-p", str(path), "report", *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_terminal_table_and_bars(small_path: Path) -> None:
    code, out, _ = run(small_path, "frequencies")
    assert code == 0
    assert "Theme frequencies (alice + bob)" in out
    assert "Coded segments by code" in out and "█" in out


def test_files_by_extension(small_path: Path, tmp_path: Path) -> None:
    from docx import Document
    from openpyxl import load_workbook

    code, _, err = run(
        small_path, "by-attribute", "--attribute", "role", "-o", str(tmp_path / "by-role.xlsx")
    )
    assert code == 0 and "by-role.xlsx (by-attribute, xlsx)" in err
    assert load_workbook(tmp_path / "by-role.xlsx").sheetnames[0] == "By role transcripts"

    assert (
        run(small_path, "cooccurrence", "--normalise", "jaccard", "-o", str(tmp_path / "co.csv"))[0]
        == 0
    )
    with (tmp_path / "co.csv").open(encoding="utf-8-sig") as handle:
        assert next(csv.reader(handle)) == [
            "Code A",
            "Name A",
            "Code B",
            "Name B",
            "Segments with both",
            "jaccard",
        ]

    assert (
        run(small_path, "quotes", "--code", "12", "--context", "-o", str(tmp_path / "q.docx"))[0]
        == 0
    )
    assert any(
        p.text == "Innovation is slow here." for p in Document(tmp_path / "q.docx").paragraphs
    )

    assert run(small_path, "html", "-o", str(tmp_path / "report.html"))[0] == 0
    assert (tmp_path / "report.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")

    assert (
        run(small_path, "frequencies", "--measure", "words", "-o", str(tmp_path / "words.svg"))[0]
        == 0
    )
    assert "Words" in (tmp_path / "words.svg").read_text(encoding="utf-8")


def test_stdout_formats_and_options(small_path: Path) -> None:
    code, out, _ = run(small_path, "frequencies", "--coder", "alice", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["selection"]["label"] == "alice" and data["transcripts_in_scope"] == 2

    code, out, _ = run(small_path, "matrix", "--presence", "--transpose", "--format", "csv-wide")
    rows = list(csv.DictReader(out.splitlines()))
    assert code == 0 and [r["Transcript"] for r in rows] == ["int1", "int2", "int3"]

    code, out, _ = run(small_path, "frequencies", "--no-rollup", "--format", "md")
    assert (
        "| 04 | Ethos - mission - cultures (advantages - disadvantages) | 0 | 0 | 0 | 0.0 | 0 | 0 |"
        in out
    )

    code, out, _ = run(small_path, "html")
    assert code == 0 and out.startswith("<!DOCTYPE html>")

    code, out, _ = run(small_path, "progress", "--format", "csv")
    assert code == 0 and "int3,bob,in-progress,1,2,50.0" in out


def test_errors_are_one_line(small_path: Path, tmp_path: Path) -> None:
    code, _, err = run(small_path, "by-attribute")
    assert (
        code == 1 and "by-attribute needs one --attribute (attributes: organisation, role)" in err
    )
    code, _, err = run(small_path, "frequencies", "--format", "xlsx")
    assert code == 1 and "xlsx output needs a file: add -o FILE" in err
    code, _, err = run(small_path, "frequencies", "-o", str(tmp_path / "x.pdf"))
    assert code == 1 and "cannot tell the format" in err
    code, _, err = run(small_path, "progress", "-o", str(tmp_path / "x.png"))
    assert code == 1 and "a progress report cannot be written as png" in err
    code, _, err = run(small_path, "quotes", "--code", "99")
    assert code == 1 and "no code '99'" in err
    code, _, err = run(small_path, "frequencies", "--coder", "carol")
    assert code == 1 and "no coder named 'carol'" in err
    assert not (tmp_path / "x.pdf").exists() and not (tmp_path / "x.png").exists()


def test_help_has_examples() -> None:
    result = CliRunner().invoke(cli, ["report", "--help"])
    assert result.exit_code == 0
    assert "codebench report by-attribute --attribute role -o by-role.xlsx" in result.output
