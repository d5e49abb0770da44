"""Typed code numbers and the one ranking every code picker uses (pure functions, no terminal)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from codebench.codebook.numbers import is_number, number_spellings, pad_number, wants_children
from codebench.codebook.ranking import rank_codes
from codebench.project import Project

TRANSCRIPT = "Interviewer: What do you do?\n\nAnn: We run the community nursing service.\n"


@pytest.fixture
def project(text_project: Callable[[str, str], Project]) -> Project:
    return text_project("ann.txt", TRANSCRIPT)


@pytest.mark.parametrize(
    ("typed", "number", "spellings", "children"),
    [
        ("4", True, ("4", "04"), False),
        (" 4 ", True, ("4", "04"), False),
        ("4.1", True, ("4.1", "04.1"), False),
        ("4.", True, ("4.", "4", "04"), True),
        ("13", True, ("13",), False),
        ("13.", True, ("13.", "13"), True),
        ("13.2", True, ("13.2",), False),
        ("04", True, ("04",), False),
        ("A1", False, ("A1",), False),
        ("innov", False, ("innov",), False),
        ("", False, (), False),
    ],
)
def test_typed_numbers(
    typed: str, number: bool, spellings: tuple[str, ...], children: bool
) -> None:
    assert is_number(typed) is number
    assert number_spellings(typed) == spellings
    assert wants_children(typed) is children


def test_pad_number_only_pads_a_one_digit_head() -> None:
    assert [pad_number(t) for t in ("4", "4.1", "13", "13.2", "04", "A1", "4a")] == [
        "04",
        "04.1",
        "13",
        "13.2",
        "04",
        "A1",
        "4a",
    ]


def test_rank_codes_by_number_then_name(project: Project) -> None:
    codes = project.codes()
    assert rank_codes(codes, "4")[0].number == "04"
    assert rank_codes(codes, "04")[0].number == "04"
    assert rank_codes(codes, "13.2")[0].number == "13.2"
    assert [c.number for c in rank_codes(codes, "13")][:2] == ["13", "13.1"]
    assert rank_codes(codes, "innov")[0].number == "12"
    assert rank_codes(codes, "zzzz") == []


def test_a_trailing_dot_lists_the_codes_under_a_number(project: Project) -> None:
    """``13.`` asks for a sub-code of 13: the ranking used to put 13 itself first."""
    codes = project.codes()
    assert [c.number for c in rank_codes(codes, "13.")] == ["13.1", "13.2", "13.3", "13.4"]
    assert [c.number for c in rank_codes(codes, "4.")] == [
        c.number for c in codes if (c.number or "").startswith("04.")
    ]


def test_archived_codes_are_never_offered(project: Project) -> None:
    project.db.execute("UPDATE codes SET archived = 1 WHERE number = '04'")
    codes = project.codes(include_archived=True)
    assert "04" not in {c.number for c in rank_codes(codes, "4")}
    assert "04" not in {c.number for c in rank_codes(codes, "")}


@pytest.mark.parametrize(("typed", "number"), [("4", "04"), ("4.1", "04.1"), ("4.", "04")])
def test_the_cli_lookup_reads_numbers_as_the_pickers_do(
    project: Project, typed: str, number: str
) -> None:
    assert project.code(typed).number == number
