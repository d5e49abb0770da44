"""Every report kind in every format, on the hostile project: no live formula, no raw control
character, no crash; numbers stay numbers."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
import zipfile
from typing import Any

import pytest

from codebench.project import Project
from codebench.reports import writers
from codebench.reports.compute import KINDS
from codebench.reports.compute import compute_report as build
from codebench.reports.render_xlsx import tables_xlsx
from codebench.reports.tables import Column, Table

from .conftest import CONTROLS, FORMULA, raw_controls

ATTRIBUTE = "=role" + CONTROLS
#: What makes a spreadsheet read a cell as a formula (OWASP), with the full-width forms.
FORMULA_TRIGGERS = "=+-@\t\r\uff1d\uff0b\uff0d\uff20"


def _report(project: Project, kind: str) -> Any:
    return build(
        project,
        kind,
        coders=None,
        attributes={"by-attribute": [ATTRIBUTE], "crossed": [ATTRIBUTE, "sector"]}.get(kind, []),
        presence=False,
        normalise="jaccard" if kind == "cooccurrence" else None,
        codes=[],
        context=True,
        subcodes=True,
        rollup=True,
    )


def _formula_like(text: str) -> bool:
    stripped = text.lstrip(" \u00a0\u3000")
    return bool(stripped) and stripped[0] in FORMULA_TRIGGERS


@pytest.fixture(scope="module")
def attempts(hostile_template) -> dict[tuple[str, str], bytes | str | Exception]:
    """Every (kind, format) the hostile project can be written in, rendered once (or the error)."""
    out: dict[tuple[str, str], bytes | str | Exception] = {}
    with Project.open(hostile_template) as project:
        for kind in KINDS:
            report = _report(project, kind)
            for fmt in writers.formats_for(report):
                try:
                    out[kind, fmt] = writers.render(report, fmt, rollup=True, measure="segments")
                except Exception as error:  # noqa: BLE001 - reported by the test below
                    out[kind, fmt] = error
    return out


@pytest.fixture(scope="module")
def rendered(attempts) -> dict[tuple[str, str], bytes | str]:
    return {key: data for key, data in attempts.items() if not isinstance(data, Exception)}


def test_every_kind_renders_in_every_format(attempts) -> None:
    crashed = {
        key: repr(error)[:80] for key, error in attempts.items() if isinstance(error, Exception)
    }
    assert crashed == {}
    assert {kind for kind, _ in attempts} == set(KINDS)
    assert ("quotes", "docx") in attempts and ("frequencies", "png") in attempts


def test_text_formats_carry_no_raw_control_characters(rendered) -> None:
    bad = {
        key: raw_controls(data)
        for key, data in rendered.items()
        if isinstance(data, str) and raw_controls(data)
    }
    assert bad == {}


def test_the_hostile_text_is_in_the_outputs_made_visible(rendered) -> None:
    quotes = rendered.get(("quotes", "md"))
    assert isinstance(quotes, str)
    assert "␛\\]0;pwned" in quotes or "␛]0;pwned" in quotes
    assert "HYPERLINK" in quotes


def test_csv_cells_never_start_a_formula(rendered) -> None:
    found: list[tuple[str, str, str]] = []
    for (kind, fmt), data in rendered.items():
        if fmt not in ("csv", "csv-wide"):
            continue
        assert isinstance(data, str)
        for row in csv.reader(io.StringIO(data)):
            found += [(kind, fmt, cell) for cell in row if _formula_like(cell)]
    assert found == []
    quotes = rendered["quotes", "csv"]
    assert isinstance(quotes, str)
    cells = [cell for row in csv.reader(io.StringIO(quotes)) for cell in row]
    assert any(cell.startswith("'" + FORMULA) for cell in cells)


def test_xlsx_cells_are_strings_or_numbers_never_formulas(rendered) -> None:
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    formulas, unsafe, numbers = [], [], 0
    for (kind, fmt), data in rendered.items():
        if fmt != "xlsx":
            continue
        assert isinstance(data, bytes)
        book = load_workbook(io.BytesIO(data))
        for sheet in book.worksheets:
            assert not raw_controls(sheet.title)
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.data_type == "f":
                        formulas.append((kind, sheet.title, cell.coordinate, cell.value))
                    if isinstance(cell.value, str) and (
                        _formula_like(cell.value) or raw_controls(cell.value)
                    ):
                        unsafe.append((kind, sheet.title, cell.coordinate, cell.value))
                    if cell.data_type == "n" and isinstance(cell.value, (int, float)):
                        numbers += 1
    assert formulas == []
    assert unsafe == []
    assert numbers > 20  # counts and percentages are still numbers


def test_xlsx_prefixes_formula_text_and_keeps_negative_numbers() -> None:
    from openpyxl import load_workbook

    table = Table(
        "t\x1b",
        "T",
        [Column("a", "=label"), Column("n", "n", "int"), Column("f", "f", "float")],
        [
            {"a": FORMULA, "n": -2, "f": -0.5},
            {"a": "#N/A", "n": 3, "f": 1.25},
            {"a": "\t@x\x00", "n": 0, "f": 0.0},
        ],
    )
    sheet = load_workbook(io.BytesIO(tables_xlsx([table], notes=["+note"]))).worksheets[0]
    values = [[(c.value, c.data_type) for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == ("'=label", "s")
    assert values[1] == [("'" + FORMULA, "s"), (-2, "n"), (-0.5, "n")]
    assert values[2][0] == ("#N/A", "s")  # text, not an error value
    assert values[3][0] == ("'\t@x␀", "s")


def test_docx_opens_and_holds_no_control_characters(rendered) -> None:
    from docx import Document

    documents = [(kind, data) for (kind, fmt), data in rendered.items() if fmt == "docx"]
    assert len(documents) == len(KINDS)
    for kind, data in documents:
        assert isinstance(data, bytes)
        Document(io.BytesIO(data))
        xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode("utf-8")
        assert not raw_controls(xml), kind
        assert "␛" in xml, kind


def test_svg_and_html_are_well_formed_where_xml(rendered) -> None:
    for (_kind, fmt), data in rendered.items():
        if fmt == "svg":
            assert isinstance(data, str)
            ET.fromstring(data.encode("utf-8"))  # matplotlib's SVG parses: no control characters
    html = rendered["html", "html"]
    assert isinstance(html, str)
    assert "[link=http://evil.example]" in html  # shown as typed
    assert "<link" not in html.split("</style>", 1)[1]


def test_json_keeps_the_data(rendered) -> None:
    import json

    def strings(value: Any) -> list[str]:
        if isinstance(value, dict):
            return [s for v in value.values() for s in strings(v)]
        if isinstance(value, list):
            return [s for v in value for s in strings(v)]
        return [value] if isinstance(value, str) else []

    raw = rendered["quotes", "json"]
    assert isinstance(raw, str)
    assert "\x9b" not in raw and "\u202e" not in raw  # written as \u escapes
    found = strings(json.loads(raw))
    assert any(CONTROLS in s for s in found)  # the real text, only escaped in the file
