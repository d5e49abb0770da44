"""A report table wider than the terminal is paged by columns, never cut at the edge.

A crossed table of five groups and its All column at 80 columns used to lose
its last column's figures at the right edge ("5 (10" for "5 (100%)").
"""

from __future__ import annotations

import io

from rich.console import Console

from codebench.reports.render_rich import column_pages, rich_table
from codebench.reports.tables import Column, Table, code_columns


def _wide(groups: int) -> Table:
    columns = [*code_columns()]
    columns += [Column(f"g{i}", f"G{i + 1} n=1*") for i in range(groups)]
    columns.append(Column("all", "All n=5"))
    rows = [
        {
            "code": f"0{r}",
            "name": "Organisational background and services",
            "_depth": 0,
            **{f"g{i}": "1 (100%)" for i in range(groups)},
            "all": "5 (100%)",
        }
        for r in range(1, 4)
    ]
    return Table("crossed", "Codes by role × stage", columns, rows, keys=2, indent="name")


def _shown(table: Table, width: int) -> list[str]:
    console = Console(width=width, file=io.StringIO(), record=True, color_system=None)
    console.print(rich_table(table))
    return console.export_text().splitlines()


def test_a_wide_table_is_paged_and_every_figure_is_whole() -> None:
    lines = _shown(_wide(5), 80)
    assert all(len(line) <= 80 for line in lines)
    text = "\n".join(lines)
    assert "part 1 of 2" in text and "part 2 of 2" in text
    for heading in [f"G{i} n=1*" for i in range(1, 6)] + ["All n=5"]:
        assert heading in text, heading
    assert text.count("1 (100%)") == 5 * 3 and text.count("5 (100%)") == 3
    headers = [line for line in lines if line.lstrip().startswith("Code  Name")]
    assert len(headers) == 2  # the row's code and name start every page


def test_a_table_that_fits_is_one_page() -> None:
    table = _wide(2)
    assert column_pages(table, 100) == [table.display_columns()]
    lines = _shown(table, 100)
    assert "part 1" not in "\n".join(lines)
    assert len([line for line in lines if line.lstrip().startswith("Code  Name")]) == 1


def test_pages_keep_every_column_once_in_order() -> None:
    table = _wide(12)
    pages = column_pages(table, 80)
    assert len(pages) >= 2
    rest = [c.key for page in pages for c in page if c.key not in ("code", "name")]
    assert rest == [c.key for c in table.display_columns() if c.key not in ("code", "name")]
    assert all([c.key for c in page[:2]] == ["code", "name"] for page in pages)
