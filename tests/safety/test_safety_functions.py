"""The output-safety rules themselves (codebench/safety.py)."""

from __future__ import annotations

import json

import pytest

from codebench.models import Code
from codebench.safety import (
    html_text,
    json_safe,
    one_line,
    spreadsheet_cell,
    style_colour,
    visible_controls,
    xml_safe,
)


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://x","y")',
        "+1",
        "-2+3",
        "@SUM(A1)",
        "\tx",
        "\rx",
        "  =1+1",
        "\u00a0@x",
        "\uff1d1+1",
        "\uff0bx",
        "\uff0dx",
        "\uff20x",
    ],
)
def test_formula_starts_get_an_apostrophe(text: str) -> None:
    cell = spreadsheet_cell(text)
    assert cell.startswith("'")
    assert cell[1:] == visible_controls(text)


@pytest.mark.parametrize("value", [0, -2, 3.5, -0.25, True, None])
def test_numbers_and_none_stay_typed(value: object) -> None:
    assert spreadsheet_cell(value) is value


@pytest.mark.parametrize("text", ["plain", "a=b", "1+1", "email@x", "", "–"])
def test_other_text_is_left_alone(text: str) -> None:
    assert spreadsheet_cell(text) == text


def test_spreadsheet_cell_limit_truncates_visibly() -> None:
    cell = spreadsheet_cell("x" * 40_000, limit=32_767)
    assert len(cell) == 32_767
    assert cell.endswith("[truncated]")


def test_visible_controls_is_one_for_one() -> None:
    text = "a\x1b]0;t\x07b\x00\x7f\x9b\u202e\u2066\r\tc\nd\ud800\uffff"
    shown = visible_controls(text)
    assert len(shown) == len(text)
    assert shown == "a␛]0;t␇b␀␡\ufffd\ufffd\ufffd␍\tc\nd\ufffd\ufffd"
    clean = "nothing to see\tat all\n"
    assert visible_controls(clean) is clean


def test_one_line_also_shows_newlines_and_tabs() -> None:
    assert one_line("a\nb\tc\x1b") == "a␊b␉c␛"


def test_xml_and_html_text_have_no_characters_xml_forbids() -> None:
    import xml.etree.ElementTree as ET

    text = "".join(chr(c) for c in range(0x20)) + "\x7f\x9b<&>\"'\ud800\ufffe"
    ET.fromstring(f"<a>{html_text(text)}</a>")  # parses
    assert all(ord(c) >= 0x20 or c in "\t\n" for c in xml_safe(text))


def test_json_safe_keeps_the_data_and_escapes_c1_and_bidi() -> None:
    data = {"t": "x\x9b\u202e\x1by", "n": -1}
    encoded = json.dumps(data, ensure_ascii=False)
    safe = json_safe(encoded)
    assert "\x9b" not in safe and "\u202e" not in safe
    assert json.loads(safe) == data


def test_colours_other_than_rrggbb_are_dropped_from_codes() -> None:
    assert style_colour("#4E79A7") == "#4E79A7"
    for bad in ("link https://evil.example", "blink", "red", "#12345", "#1234567", ""):
        assert style_colour(bad) is None
        assert Code(id=1, guid="g", name="n", colour=bad).colour is None
    assert Code(id=1, guid="g", name="n", colour="#abcdef").colour == "#abcdef"
