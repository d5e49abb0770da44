"""The query language: precedence, every operator, and errors that say where."""

from __future__ import annotations

import pytest

from codebench.analysis.grammar import (
    MAX_DEPTH,
    MAX_QUERY,
    And,
    CodeRef,
    FollowedBy,
    Near,
    Not,
    Or,
    QueryError,
    Within,
    leaves,
    parse,
    positive_leaves,
)


def ref(text: str, column: int, descendants: bool = False) -> CodeRef:
    return CodeRef(text, descendants, column)


def test_precedence_not_then_proximity_then_and_then_or() -> None:
    # 01 | 02 & !03 near:2 04  ==  01 | (02 & ((!03) near:2 04))
    assert parse("01 | 02 & !03 near:2 04") == Or(
        ref("01", 1), And(ref("02", 6), Near(Not(ref("03", 12)), ref("04", 22), 2))
    )


def test_parentheses_group() -> None:
    assert parse("(12 | 13.*) & !16") == And(
        Or(ref("12", 2), ref("13", 7, descendants=True)), Not(ref("16", 16))
    )


def test_left_to_right() -> None:
    assert parse("1 & 2 & 3") == And(And(ref("1", 1), ref("2", 5)), ref("3", 9))
    assert parse("1 near:1 2 followed-by:3 3") == FollowedBy(
        Near(ref("1", 1), ref("2", 10), 1), ref("3", 26), 3
    )


def test_every_proximity_operator() -> None:
    assert parse("12 near:2 17") == Near(ref("12", 1), ref("17", 11), 2)
    assert parse("08 within:turn 07") == Within(ref("08", 1), ref("07", 16), "turn")
    assert parse("08 WITHIN:Paragraph 07") == Within(ref("08", 1), ref("07", 21), "paragraph")
    assert parse("09 followed-by:3 10") == FollowedBy(ref("09", 1), ref("10", 18), 3)


def test_codes_as_names_guids_and_quotes() -> None:
    assert parse('Competition & "Disadvantages and tensions"') == And(
        ref("Competition", 1), CodeRef("Disadvantages and tensions", False, 15)
    )
    assert parse('"say ""no"""') == CodeRef('say "no"', False, 1)
    guid = "3f2b8c1e-0000-4000-8000-000000000001"
    assert parse(guid) == ref(guid, 1)
    # No spaces needed around operators.
    assert parse("04.2&10&!16") == And(And(ref("04.2", 1), ref("10", 6)), Not(ref("16", 10)))


def test_leaves_and_positive_leaves() -> None:
    tree = parse("04.2 & 10 & !(16 | 17)")
    assert [leaf.text for leaf in leaves(tree)] == ["04.2", "10", "16", "17"]
    assert [leaf.text for leaf in positive_leaves(tree)] == ["04.2", "10"]
    assert [leaf.text for leaf in positive_leaves(parse("!!12"))] == ["12"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("04.2 & & 10", "04.2 & & 10: expected a code at column 8"),
        ("04.2 &", "04.2 &: expected a code at column 7 (found the end)"),
        ("(12 | 13", "(12 | 13: unclosed '(' (column 1): expected ')' at column 9 (found the end)"),
        ("12 & (13 | (14 & 15)", "unclosed '(' (column 6): expected ')' at column 21"),
        ("12 )", "unmatched ')' at column 4"),
        (
            "12 13",
            "12 13: expected an operator between codes (&, |, near:N, followed-by:N or "
            "within:turn) at column 4 (found '13')",
        ),
        ("12 !13", "12 !13: expected an operator before '!' (as in 12 & !13) at column 4"),
        ("12 near: 13", "near: needs a number of segments (like near:2) at column 4"),
        ("12 near:x 13", "needs a number of segments"),
        ("12 followed-by:0 13", "followed-by: needs at least 1 at column 4"),
        ("12 near:99999999 13", "too far"),
        ("12 within:sentence 13", "within: takes turn or paragraph (like within:turn) at column 4"),
        ('"unclosed', "unclosed quote at column 1"),
        ('""', "empty quoted name at column 1"),
        (".*", "'.*' needs a code before it at column 1"),
        (
            "1*3",
            "1*3: '*' only ends a code, once, as in 13.* (the code and its descendants) at column 2",
        ),
        (
            "13.*.*",
            "13.*.*: '*' only ends a code, once, as in 13.* (the code and its descendants) at column 4",
        ),
        ("10 & 13.*.*", "at column 9"),
        ("   ", "the query is empty"),
    ],
)
def test_errors_say_where(query: str, message: str) -> None:
    with pytest.raises(QueryError) as error:
        parse(query)
    said = str(error.value)
    assert message in said
    assert said.count(" at column ") <= 1  # one place, said once
    assert "\n" not in said


def test_hostile_queries_are_one_clean_error() -> None:
    with pytest.raises(QueryError, match="at most"):
        parse("1 & " * MAX_QUERY)
    with pytest.raises(QueryError, match="nested too deeply"):
        parse("(" * (MAX_DEPTH + 5) + "1" + ")" * (MAX_DEPTH + 5))
    with pytest.raises(QueryError, match="nested too deeply"):
        parse("!" * (MAX_DEPTH + 5) + "1")
    # Markup and control characters are a code name like any other (resolved, and refused, later).
    assert parse("[bold]x[/bold]") == ref("[bold]x[/bold]", 1)
    assert parse('"\x1b]0;title\x07"') == CodeRef("\x1b]0;title\x07", False, 1)
