"""`report quotes` merges coders' overlapping passages, in every format (tests/reports/conftest.py).

On the small project, code 12 in int1 is alice's segment 5 and bob's one
coding of segments 5–6: they overlap, so the report lists one passage,
int1 segments 5–6, "We started a new clinic. The council still decides.",
coded by alice and bob (as `explain`, the framework matrix and a coding
query count it), then alice's int2 segment 3: two passages, not three.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from codebench.cli import cli

MERGED = "We started a new clinic. The council still decides."
ALONE = "We started a new clinic."


def run(path: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["-p", str(path), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def text_of(path: Path, fmt: str) -> str:
    """Everything a reader sees in the file, as one string."""
    if fmt == "xlsx":
        from openpyxl import load_workbook

        book = load_workbook(path)
        return "\n".join(
            str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
        )
    if fmt == "docx":
        from docx import Document

        document = Document(path)
        cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
        return "\n".join([*(p.text for p in document.paragraphs), *cells])
    return path.read_text(encoding="utf-8-sig")


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "md", "html", "docx", "json"])
def test_one_passage_names_both_coders_in_every_format(
    small_path: Path, tmp_path: Path, fmt: str
) -> None:
    target = tmp_path / f"quotes.{fmt}"
    run(small_path, "report", "quotes", "--code", "12", "-o", str(target))
    text = text_of(target, fmt)
    assert text.count(ALONE) == 1  # only inside the merged passage, never on its own
    assert MERGED in text
    assert "Innovation is slow here." in text
    if fmt == "json":
        listed = json.loads(text)["quotes"]
        assert [(q["location"], q["coders"]) for q in listed] == [
            ("int1, segments 5\u20136", ["alice", "bob"]),
            ("int2, segment 3", ["alice"]),
        ]
    else:
        assert "alice, bob" in text


def test_the_terminal_and_the_whole_report_merge_too(small_path: Path, tmp_path: Path) -> None:
    out = run(small_path, "report", "quotes", "--code", "12")
    assert "2 passages" in out and "coded by alice, bob" in out
    run(small_path, "report", "html", "--code", "12", "-o", str(tmp_path / "all.html"))
    page = (tmp_path / "all.html").read_text(encoding="utf-8")
    assert page.count(ALONE) == 1 and MERGED in page
