"""CLI tables at a narrow terminal: columns are left out (and named), never folded to slivers."""

from __future__ import annotations

from codebench.cli import output


def test_columns_that_do_not_fit_are_left_out_not_folded_to_three_characters() -> None:
    rows = [
        {"name": "01-riverside-ceo", "segments": 190, "organisation": "Riverside Community Health"}
        | {f"attribute{i}": "a fairly long attribute value" for i in range(6)}
    ]
    columns = list(rows[0])
    shown = output._columns_that_fit(rows, columns, ["name"], 80)
    assert shown[:3] == ["name", "segments", "organisation"]
    assert len(shown) < len(columns)
    # What is kept fits: each folded column keeps at least MIN_FOLDED characters.
    need = 1 + sum(
        (len(str(rows[0][c])) if c == "name" else min(len(str(rows[0][c])), output.MIN_FOLDED)) + 3
        for c in shown
    )
    assert need <= 80
    assert output._columns_that_fit(rows, columns, ["name"], 400) == columns


def test_the_cli_says_which_columns_it_left_out(capsys, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    rows = [{"name": "t1", **{f"column{i}": "x" * 20 for i in range(8)}}]
    output.emit(rows, "table", whole=["name"])
    captured = capsys.readouterr()
    assert "left out at this width" in captured.err and "column7" in captured.err
    assert "column7" not in captured.out


def test_nested_cells_read_as_text_not_python() -> None:
    """A segment's codes per coder print as ``alice=01, 05.3; bob=01``, not a Python list."""
    assert output._flat({"alice": ["01", "05.3"], "bob": ["01"]}) == "alice=01, 05.3; bob=01"
    assert output._flat(["a", "b"]) == "a, b"
