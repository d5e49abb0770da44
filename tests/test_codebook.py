"""The codebook format: the bundled 21-node codebook, validation, export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from codebench.codebook.format import (
    default_codebook_path,
    dump_json,
    dump_markdown,
    dump_yaml,
    load_codebook,
    parse_codebook,
)
from codebench.errors import CodebookError

TOP_LEVEL = [
    ("01", "Organisational background and services"),
    ("02", "Drivers and motivations for spinning out"),
    ("03", "Spin-out process and transition"),
    ("04", "Ethos - mission - cultures (advantages - disadvantages)"),
    ("05", "Governance, ownership and legal form"),
    ("06", "Leadership and management capability"),
    ("07", "Autonomy, freedom and bureaucracy"),
    ("08", "Staff engagement, voice and morale"),
    ("09", "Service user involvement and co-production"),
    ("10", "Commissioning, contracts and procurement"),
    ("11", "Relationship with the parent body and local authority"),
    ("12", "Innovation strategy and culture"),
    ("13", "Types of innovation"),
    ("14", "Barriers to innovation and risk"),
    ("15", "Partnerships and collaboration"),
    ("16", "Competition and markets"),
    ("17", "Finance, funding and investment"),
    ("18", "Performance, efficiency and productivity"),
    ("19", "Outcomes for service users and social value"),
    ("20", "External support and networks"),
    ("21", "Future plans, growth and sustainability"),
]


def test_default_codebook_has_the_21_nodes_in_order() -> None:
    book = load_codebook(default_codebook_path())
    assert [(c.number, c.name) for c in book.codes] == TOP_LEVEL
    children = {c.number: [k.name for k in c.children] for c in book.codes}
    assert len(children["04"]) >= 2 and len(children["13"]) >= 4
    assert any("Service" in n for n in children["13"]) and any(
        "Process" in n for n in children["13"]
    )
    for code, _parent, _depth in book.walk():
        for field in ("description", "inclusion", "exclusion", "example"):
            assert getattr(code, field).strip(), (code.label(), field)
        # exclusion guidance names a neighbouring node by number
        assert any(ch.isdigit() for ch in code.exclusion), code.label()


def test_guids_are_stable_and_distinct() -> None:
    a = load_codebook(default_codebook_path())
    b = load_codebook(default_codebook_path())
    guids = [c.guid for c, _, _ in a.walk()]
    assert guids == [c.guid for c, _, _ in b.walk()]
    assert len(set(guids)) == len(guids)


def _codes(*entries: dict) -> dict:
    return {"codes": list(entries)}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            _codes({"number": "01", "name": "A"}, {"number": "01", "name": "B"}),
            "duplicate code number '01'",
        ),
        (_codes({"name": "A"}, {"name": "a"}), "duplicate code name 'a' at the top level"),
        (
            _codes({"name": "A", "children": [{"name": "X"}, {"name": "X"}]}),
            "duplicate code name 'X' under 'A'",
        ),
        (_codes({"name": "A"}, {"name": "B", "parent": "Nope"}), "unknown parent 'Nope'"),
        (_codes({"name": "A", "parent": "B"}, {"name": "B", "parent": "A"}), "cycle"),
        (_codes({"number": "01"}), "missing 'name'"),
        (_codes({"name": ["not", "text"]}), "must be text, not list"),
        (_codes({"name": "A", "children": "oops"}), "'children' must be a list"),
        (_codes({"name": "A", "colour": "red"}), "not #RRGGBB"),
        (_codes({"name": "A", "definition": "typo"}), "unknown field 'definition'"),
        ({"codes": []}, "non-empty list"),
        ("just text", "must be a mapping"),
    ],
)
def test_validation_errors_name_the_entry(data: object, message: str) -> None:
    with pytest.raises(CodebookError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_codebook(data, source="book.yaml")


def test_flat_parent_references_build_the_tree() -> None:
    book = parse_codebook(
        _codes({"number": "01", "name": "A"}, {"number": "01.1", "name": "A1", "parent": "01"})
    )
    assert [c.name for c in book.codes] == ["A"]
    assert [c.name for c in book.codes[0].children] == ["A1"]


def test_bad_yaml_file_is_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("codes:\n  - name: [unclosed\n")
    with pytest.raises(CodebookError) as info:
        load_codebook(path)
    assert str(info.value).startswith(f"{path}: not valid YAML")
    assert "\n" not in str(info.value)


def test_yaml_export_round_trips(tmp_path: Path) -> None:
    book = load_codebook(default_codebook_path())
    out = tmp_path / "again.yaml"
    out.write_text(dump_yaml(book), encoding="utf-8")
    again = load_codebook(out)
    assert [(c.number, c.name, c.guid, c.description, c.exclusion) for c, _, _ in again.walk()] == [
        (c.number, c.name, c.guid, c.description, c.exclusion) for c, _, _ in book.walk()
    ]


def test_json_and_markdown_exports() -> None:
    book = load_codebook(default_codebook_path())
    data = json.loads(dump_json(book, counts={book.codes[3].guid: 7}))
    assert data["codes"][3]["number"] == "04" and data["codes"][3]["codings"] == 7
    md = dump_markdown(book)
    assert "## 12 Innovation strategy and culture" in md
    assert "**Do not use when.**" in md


def test_user_codebook_in_same_format_works(tmp_path: Path) -> None:
    path = tmp_path / "mine.yml"
    path.write_text(
        yaml.safe_dump(
            {"name": "Mine", "codes": [{"number": "1", "name": "Only", "description": "d"}]}
        )
    )
    book = load_codebook(path)
    assert book.name == "Mine" and len(book) == 1
