"""The memo workspace: memos on every kind of target, listed with filters, blind by default, exported."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from codebench.cli import cli
from codebench.coding.history import undo
from codebench.coding.memos import add_memo, memo_entries
from codebench.errors import CodebenchError
from codebench.project import Project
from codebench.reports import memo_report
from codebench.reports.writers import render


@pytest.fixture
def memos(interview: Project) -> Project:
    p = interview
    p.code_segments("alice", "int1", [2], "04")
    p.add_memo("alice", "on the segment", segment=p.segment("int1", 1))
    p.add_memo("alice", "why 04 | here", coding=p.codings(coders=["alice"])[0])
    add_memo(p, "alice", "The interview as a whole", transcript="int1")
    add_memo(p, "alice", "Funding means renewals", code="04")
    add_memo(p, "alice", "Saturation soon?")
    add_memo(p, "bob", "bob's private note", transcript="int1")
    return p


def test_every_kind_of_memo_is_listed_with_its_place(memos: Project) -> None:
    entries = memo_entries(memos, "alice")
    by_text = {e.text: e for e in entries}
    assert set(by_text) == {
        "on the segment",
        "why 04 | here",
        "The interview as a whole",
        "Funding means renewals",
        "Saturation soon?",
    }
    assert by_text["on the segment"].kind == "segment" and by_text["on the segment"].segment == 1
    coding = by_text["why 04 | here"]
    assert (coding.kind, coding.segment, coding.transcript) == ("coding", 2, "int1")
    assert coding.target == "04 at segment 2 of int1"
    assert by_text["The interview as a whole"].target == "transcript int1"
    assert by_text["Funding means renewals"].kind == "code"
    assert by_text["Saturation soon?"].target == "the project"


def test_memos_are_blind_unless_the_lead_view_is_asked_for(memos: Project) -> None:
    assert "bob's private note" not in [e.text for e in memo_entries(memos, "alice")]
    with pytest.raises(CodebenchError, match="blind"):
        memo_entries(memos, "alice", author="bob")
    lead = memo_entries(memos, "alice", lead=True, author="bob")
    assert [e.text for e in lead] == ["bob's private note"]
    assert len(memo_entries(memos, "alice", lead=True)) == 6


def test_filters_by_code_transcript_and_text(memos: Project) -> None:
    on_04 = {e.text for e in memo_entries(memos, "alice", code="04")}
    assert on_04 == {"why 04 | here", "Funding means renewals"}
    in_int1 = {e.text for e in memo_entries(memos, "alice", transcript="int1")}
    assert in_int1 == {"on the segment", "why 04 | here", "The interview as a whole"}
    assert [e.text for e in memo_entries(memos, "alice", text="SATURATION")] == ["Saturation soon?"]


def test_a_project_memo_is_undone_and_redone_like_any_other(memos: Project) -> None:
    undone = undo(memos, "alice")
    assert undone is not None and undone.action == "memo.add"
    assert "Saturation soon?" not in [m.text for m in memos.memos()]


def test_memos_export_to_markdown_and_word(memos: Project) -> None:
    report = memo_report(memos, ["alice"])
    text = render(report, "md")
    assert isinstance(text, str)
    assert "# Memos (alice)" in text
    assert "## 04 at segment 2 of int1 · alice" in text
    assert r"why 04 \| here" in text  # user text is literal Markdown
    assert "bob's private note" not in text
    from docx import Document

    data = render(report, "docx")
    assert isinstance(data, bytes)
    paragraphs = [p.text for p in Document(io.BytesIO(data)).paragraphs]
    assert "Funding means renewals" in paragraphs
    assert "04 at segment 2 of int1 · alice" in paragraphs  # the heading naming its place
    everyone = render(memo_report(memos), "md")
    assert "bob's private note" in everyone


def test_the_cli_lists_writes_and_reports_memos(memos: Project, tmp_path: Path) -> None:
    path = str(memos.path)
    runner = CliRunner()
    added = runner.invoke(
        cli,
        ["-p", path, "memo", "--coder", "carol", "--new-coder", "--code", "05", "Governance note"],
    )
    assert added.exit_code == 0, added.output
    listed = runner.invoke(cli, ["-p", path, "memos", "--coder", "carol", "--format", "csv"])
    assert listed.exit_code == 0, listed.output
    assert "Governance note" in listed.output and "alice" not in listed.output
    refused = runner.invoke(cli, ["-p", path, "memos", "--coder", "carol", "--author", "alice"])
    assert (
        refused.exit_code == 1 and "--lead" in refused.output and "Traceback" not in refused.output
    )
    lead = runner.invoke(
        cli,
        [
            "-p",
            path,
            "memos",
            "--coder",
            "carol",
            "--lead",
            "--text",
            "renewals",
            "--format",
            "csv",
        ],
    )
    assert "Funding means renewals" in lead.output
    out = tmp_path / "memos.md"
    written = runner.invoke(
        cli, ["-p", path, "report", "memos", "--coder", "alice", "-o", str(out)]
    )
    assert written.exit_code == 0, written.output
    assert "Saturation soon?" in out.read_text(encoding="utf-8")


def test_listing_memos_never_creates_a_coder(memos: Project) -> None:
    """A read (a mistyped ``--coder``) is refused by name, and adds no coder to the project."""
    before = [c.name for c in memos.coders()]
    result = CliRunner().invoke(cli, ["-p", str(memos.path), "memos", "--coder", "zed"])
    assert result.exit_code == 1 and "no coder named 'zed'" in result.output
    assert [c.name for c in memos.coders()] == before
