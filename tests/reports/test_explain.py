"""`explain`: the passages behind one cell, on the ``focus`` project (tests/reports/conftest.py).

Passages (all coders pooled) of 08: int1 bob 2 and alice 2–3 (Ann Lee), which
overlap, so one passage 2–3 of both; int2 bob 1 (Bob Ray); fg1 alice 1 (P1) and
3 (P2). Of 12: int1 alice 5 and bob 5–6 (one passage, 5–6); int2 alice 3. Of
04.1: int1 segment 3, alice and bob alike (one passage).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from codebench.analysis.explain import CellSpec, explain
from codebench.analysis.scope import ScopeError, ScopeSpec
from codebench.cli import cli
from codebench.errors import CodebenchError
from codebench.project import Project


def where(report) -> list[tuple[str, int, int]]:
    return [(q.transcript, q.first_segment, q.last_segment) for q in report.quotes]


def test_by_attribute_cell(focus: Project) -> None:
    found = explain(focus, CellSpec("by-attribute", attributes=("role",)), "08", "manager")
    assert where(found) == [("int1", 2, 3)]
    assert found.quotes[0].coders == ["alice", "bob"]
    assert found.notes[0] == "The 1 passage behind 08 × manager (codes by role)."
    found = explain(focus, CellSpec("by-attribute", attributes=("role",)), "08", "STAFF")
    assert where(found) == [("fg1", 1, 1), ("fg1", 3, 3), ("int2", 1, 1)]


def test_crossed_participant_cell(focus: Project) -> None:
    spec = CellSpec("crossed", attributes=("speaker.grade",), cases="participants")
    assert where(explain(focus, spec, "08", "junior")) == [("fg1", 3, 3), ("int2", 1, 1)]
    assert where(explain(focus, spec, "08", "G1")) == [("fg1", 3, 3), ("int2", 1, 1)]
    assert where(explain(focus, spec, "11", "(not set)")) == [("int3", 2, 2)]
    with pytest.raises(ScopeError, match="groups G1 to G3"):
        explain(focus, spec, "08", "G9")
    with pytest.raises(ScopeError, match=r"columns: junior, senior, \(not set\)"):
        explain(focus, spec, "08", "boss")


def test_crossed_two_attributes(focus: Project) -> None:
    spec = CellSpec("crossed", attributes=("role", "organisation"))
    found = explain(focus, spec, "08", "staff, westmoor")
    assert where(found) == [("fg1", 1, 1), ("fg1", 3, 3)]
    assert "08 × staff × Westmoor" in found.notes[0]


def test_matrix_cooccurrence_frequencies(focus: Project) -> None:
    spec = CellSpec("matrix", cases="participants")
    assert where(explain(focus, spec, "08", "fg1/P1")) == [("fg1", 1, 1)]
    assert where(explain(focus, CellSpec("matrix"), "12", "int1")) == [("int1", 5, 6)]
    found = explain(focus, CellSpec("cooccurrence"), "04.1", "08")
    assert where(found) == [("int1", 3, 3)] and found.quotes[0].coders == ["alice", "bob"]
    assert len(explain(focus, CellSpec("frequencies"), "12").quotes) == 2
    staff = CellSpec("frequencies", ScopeSpec.of(where=["role=staff"]))
    assert where(explain(focus, staff, "12")) == [("int2", 3, 3)]
    senior = CellSpec("frequencies", ScopeSpec.of(where=["speaker.grade=senior"]))
    assert where(explain(focus, senior, "08")) == [("fg1", 1, 1), ("int1", 2, 3)]
    with pytest.raises(CodebenchError, match="leave out --column"):
        explain(focus, CellSpec("frequencies"), "12", "int1")
    with pytest.raises(CodebenchError, match="name the column"):
        explain(focus, CellSpec("matrix"), "12")


def test_a_participant_column_without_participant_cases_says_to_add_them(
    focus: Project,
) -> None:
    # fg1/P1 is a column of the matrix by participant only; the error says so.
    with pytest.raises(ScopeError) as raised:
        explain(focus, CellSpec("matrix"), "08", "fg1/P1")
    message = str(raised.value)
    assert "no such column in the matrix table (columns: " in message
    assert "looks like a participant (TRANSCRIPT/SPEAKER): add --by-participant" in message
    # The other way round: a bare transcript, with participants as the columns.
    with pytest.raises(ScopeError) as raised:
        explain(focus, CellSpec("matrix", cases="participants"), "08", "fg1")
    assert "leave out --by-participant" in str(raised.value)
    assert "fg1/P1" in str(raised.value)  # the participant columns are listed
    # A column that is simply unknown gets no such advice.
    with pytest.raises(ScopeError) as raised:
        explain(focus, CellSpec("matrix"), "08", "int9")
    assert "by-participant" not in str(raised.value)
    # Nor does another table's column that happens to hold the separator.
    with pytest.raises(ScopeError) as raised:
        explain(focus, CellSpec("by-attribute", attributes=("role",)), "08", "a/b")
    assert "by-participant" not in str(raised.value)


def test_cli_names_the_missing_switch(focus: Project) -> None:
    focus.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    args = ["--project", str(focus.path), "explain", "matrix", "--row", "08", "--column"]
    result = CliRunner().invoke(cli, [*args, "fg1/P1"])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "add --by-participant" in result.output
    fixed = CliRunner().invoke(cli, [*args, "fg1/P1", "--by-participant"])
    assert fixed.exit_code == 0, fixed.output
    assert "fg1" in fixed.output


def test_rollup_includes_sub_codes(focus: Project) -> None:
    # 13.1 (alice, int1 segment 5) counts in 13's row only when rolled up.
    assert where(explain(focus, CellSpec("matrix"), "13", "int1")) == [("int1", 5, 5)]
    assert explain(focus, CellSpec("matrix", rollup=False), "13", "int1").quotes == []


def test_cli_explain_and_quotes_sheet(focus: Project, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    focus.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    runner = CliRunner()
    args = ["-p", str(focus.path)]
    result = runner.invoke(
        cli, [*args, "explain", "crossed", "--by", "speaker.grade", "--by-participant",
              "--row", "08", "--column", "junior", "--format", "csv"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Morale rose." in result.output and "Staff elect the board." in result.output
    assert "We lost two managers." not in result.output
    result = runner.invoke(cli, [*args, "explain", "matrix", "--row", "08", "--column", "int9"])
    assert result.exit_code == 1 and "columns: fg1, int1, int2, int3" in result.output
    out = tmp_path / "by-role.xlsx"
    result = runner.invoke(
        cli,
        [*args, "report", "by-attribute", "--attribute", "role", "--with-quotes", "-o", str(out)],
    )
    assert result.exit_code == 0, result.output
    sheet = load_workbook(out)["Quotes by cell"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Code", "Name", "Column", "Where")
    eights = [(r[2], r[3]) for r in rows[1:] if r[0] == "08"]
    assert eights == [
        ("manager", "int1, segments 2–3"),
        ("staff", "fg1, segment 1"),
        ("staff", "fg1, segment 3"),
        ("staff", "int2, segment 1"),
    ]
    result = runner.invoke(cli, [*args, "report", "frequencies", "--with-quotes"])
    assert result.exit_code == 1 and "xlsx" in result.output


def test_quotes_sheet_by_participant(focus: Project, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    focus.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    out = tmp_path / "grades.xlsx"
    result = CliRunner().invoke(
        cli,
        ["-p", str(focus.path), "report", "by-attribute", "--by", "speaker.grade",
         "--by-participant", "--with-quotes", "-o", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = list(load_workbook(out)["Quotes by cell"].iter_rows(values_only=True))
    eights = [(r[2], r[3]) for r in rows[1:] if r[0] == "08"]
    assert eights == [
        ("junior", "fg1, segment 3"),
        ("junior", "int2, segment 1"),
        ("senior", "fg1, segment 1"),
        ("senior", "int1, segments 2–3"),
    ]


def test_a_value_holding_a_comma_is_its_own_column(focus: Project) -> None:
    """A value with a comma in it ("Riverside, CIC") is found as typed, not split as a cross."""
    focus.set_attributes("int1", {"role": "manager", "organisation": "Riverside, CIC"})
    spec = CellSpec("by-attribute", attributes=("organisation",))
    found = explain(focus, spec, "08", "Riverside, CIC")
    assert where(found) == [("int1", 2, 3)]
    assert where(explain(focus, spec, "08", "riverside")) == [("int2", 1, 1)]
    crossed = CellSpec("crossed", attributes=("role", "organisation"))
    assert where(explain(focus, crossed, "08", "staff, westmoor")) == [("fg1", 1, 1), ("fg1", 3, 3)]
