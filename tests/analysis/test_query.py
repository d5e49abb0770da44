"""Coding queries on the hand-checked study (see conftest.py for every coding)."""

from __future__ import annotations

import pytest

from codebench.analysis.grammar import QueryError
from codebench.analysis.query import run_query
from codebench.analysis.scope import ScopeError, ScopeSpec
from codebench.analysis.tables import passages_table, query_counts
from codebench.project import Project


def found(project: Project, query: str, **scope: list[str]) -> list[tuple[str, int, int]]:
    result = run_query(project, query, ScopeSpec.of(**scope))
    return [(p.transcript, p.first_segment, p.last_segment) for p in result.passages]


def test_the_boolean_question(study: Project) -> None:
    assert found(study, "04.2 & 10 & !16") == [("a", 3, 3), ("b", 1, 1), ("c", 1, 1)]
    # Segment a2 carries 10 and 16 but not 04.2; a3 carries 04.2 and 10 but not 16.
    assert found(study, "(04.2 | 16) & 10") == [("a", 2, 3), ("b", 1, 1), ("c", 1, 1)]
    assert found(study, "10 & 16") == [("a", 2, 2)]


def test_passages_carry_text_speakers_codes_and_coders(study: Project) -> None:
    result = run_query(study, "10")
    first = result.passages[0]
    assert (first.transcript, first.first_segment, first.last_segment) == ("a", 1, 3)
    assert first.text == "The contract was tough. Competition was fierce. Pensions worried staff."
    assert first.speakers == ["Dee Fox"]
    assert first.codes == ["10 Commissioning, contracts and procurement"]
    assert first.coders == ["alice", "bob"]
    assert first.attributes == {"role": "commissioner", "stage": "planning"}
    assert [(p.transcript, p.coders) for p in result.passages] == [
        ("a", ["alice", "bob"]),
        ("b", ["alice"]),
        ("c", ["bob"]),
    ]
    assert result.segments == 6 and result.transcripts_matched == 3
    assert result.notes[0] == "3 passages (6 segments) in 3 of 3 transcripts."
    # Only the codes not under "!" are listed.
    both = run_query(study, "04.2 & !16").passages[0]
    assert both.codes == ["04.2 Disadvantages and tensions of the mutual ethos"]


def test_descendants(study: Project) -> None:
    assert found(study, "13") == []
    assert found(study, "13.*") == [("a", 5, 6)]
    assert found(study, "12 | 13.*") == [("a", 5, 6), ("b", 5, 5)]
    passage = run_query(study, "13.*").passages[0]
    assert passage.codes == ["13.1 Service innovation", "13.2 Process innovation"]
    assert passage.coders == ["alice", "bob"]


def test_not_is_codable_segments_only(study: Project) -> None:
    # Interviewer turns (ordinals 0 and 4) are never "not coded".
    assert found(study, "!10") == [("a", 5, 6), ("b", 3, 3), ("b", 5, 6), ("c", 2, 3)]
    assert found(study, "!!10") == found(study, "10")


def test_near(study: Project) -> None:
    assert found(study, "10 near:1 08") == [("a", 2, 3)]
    assert found(study, "08 near:1 10") == [("a", 2, 3)]
    # Within 2: a1–a3 and c1–c3 (the segments between are part of the passage).
    assert found(study, "10 near:2 08") == [("a", 1, 3), ("c", 1, 3)]
    assert found(study, "10 near:0 08") == found(study, "10 & 08") == [("a", 3, 3)]


def test_followed_by(study: Project) -> None:
    assert found(study, "10 followed-by:1 08") == [("a", 2, 3)]
    assert found(study, "08 followed-by:2 10") == []
    # a3 then a6 (three segments later, across the interviewer's a4); c1 then c3.
    assert found(study, "10 followed-by:3 08") == [("a", 1, 6), ("c", 1, 3)]
    # A segment that is both ends pairs with an earlier or later one, never with itself.
    assert found(study, "08 followed-by:3 08") == [("a", 3, 6)]
    assert found(study, "08 followed-by:2 08") == []


def test_within_turn_and_paragraph(study: Project) -> None:
    assert found(study, "10 within:turn 08") == [("a", 1, 3), ("c", 1, 3)]
    assert found(study, "13.1 within:turn 08") == [("a", 5, 6)]
    assert found(study, "10 within:turn 13.*") == []
    assert found(study, "10 within:paragraph 08") == [("a", 1, 3), ("c", 1, 3)]


def test_codes_by_name_fragment_guid_and_spelling(study: Project) -> None:
    assert found(study, "Competition") == [("a", 2, 2)]
    assert found(study, '"Disadvantages and tensions"') == found(study, "04.2")
    assert found(study, "4.2") == found(study, "04.2")
    guid = study.code("10").guid
    assert found(study, guid) == found(study, "10")


def test_unknown_and_ambiguous_codes_say_where(study: Project) -> None:
    with pytest.raises(QueryError, match=r"^10 & zzz: no code 'zzz' in the codebook at column 6$"):
        run_query(study, "10 & zzz")
    with pytest.raises(
        QueryError, match=r"^innovation: code 'innovation' at column 1 is ambiguous: "
    ):
        run_query(study, "innovation")


def test_scope_where(study: Project) -> None:
    assert found(study, "04.2 & 10 & !16", where=["role=commissioner"]) == [
        ("a", 3, 3),
        ("b", 1, 1),
    ]
    assert found(study, "04.2 & 10 & !16", where=["role=commissioner", "stage!=planning"]) == [
        ("b", 1, 1)
    ]
    assert found(study, "10", where=["ROLE=Manager"]) == [("c", 1, 1)]


def test_scope_transcripts_coders_and_speakers(study: Project) -> None:
    assert found(study, "10", transcripts=["b,c"]) == [("b", 1, 2), ("c", 1, 1)]
    assert found(study, "04.2 & 10", coders=["alice"]) == [("a", 3, 3), ("b", 1, 1)]
    assert found(study, "04.2 & 10", coders=["bob"]) == [("c", 1, 1)]
    assert found(study, "04.2 & 10", coders=["alice,bob"]) == found(study, "04.2 & 10")
    assert found(study, "!10", speakers=["gil ng"]) == [("b", 5, 6)]
    assert found(study, "10", speakers=["Dee Fox"]) == [("a", 1, 3)]


@pytest.mark.parametrize(
    ("scope", "message"),
    [
        ({"where": ["colour=red"]}, "no attribute 'colour' (attributes: role, stage)"),
        (
            {"where": ["role=boss"]},
            "no transcript has role='boss' (values of role: commissioner, manager)",
        ),
        ({"where": ["role"]}, "write KEY=VALUE or KEY!=VALUE"),
        ({"transcripts": ["a,zz"]}, "no transcript 'zz' (transcripts: a, b, c)"),
        ({"coders": ["carol"]}, "no coder named 'carol' (coders: alice, bob)"),
        (
            {"speakers": ["nobody"]},
            "no speaker 'nobody' in the transcripts in scope (speakers: Dee Fox",
        ),
    ],
)
def test_unknown_scope_names_the_choices(study: Project, scope: dict, message: str) -> None:
    with pytest.raises(Exception) as error:
        run_query(study, "10", ScopeSpec.of(**scope))
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_counts(study: Project) -> None:
    result = run_query(study, "10")
    by_transcript = query_counts(result, "transcript")
    assert [(r["transcript"], r["passages"], r["segments"]) for r in by_transcript.rows] == [
        ("a", 1, 3),
        ("b", 1, 2),
        ("c", 1, 1),
    ]
    by_stage = query_counts(result, "attribute:stage")
    assert [
        (r["value"], r["n"], r["with"], r["passages"], r["segments"]) for r in by_stage.rows
    ] == [
        ("delivery", 2, 2, 2, 3),
        ("planning", 1, 1, 1, 3),
    ]
    spread = run_query(study, "10 followed-by:3 08")
    by_speaker = query_counts(spread, "speaker")
    assert [
        (r["transcript"], r["speaker"], r["passages"], r["segments"]) for r in by_speaker.rows
    ] == [
        ("a", "Dee Fox", 1, 5),
        ("a", "Interviewer", 1, 1),
        ("c", "Hal Ito", 1, 3),
    ]
    # Transcripts in scope without a passage are rows too.
    scoped = run_query(study, "13.*", ScopeSpec.of(where=["role=commissioner"]))
    assert [(r["transcript"], r["passages"]) for r in query_counts(scoped, "transcript").rows] == [
        ("a", 1),
        ("b", 0),
    ]
    with pytest.raises(ScopeError, match=r"no attribute 'colour' \(attributes: role, stage\)"):
        query_counts(result, "attribute:colour")
    with pytest.raises(ScopeError, match="use transcript, speaker, attribute:KEY"):
        query_counts(result, "code")


def test_passages_table(study: Project) -> None:
    table = passages_table(run_query(study, "10 followed-by:3 08"))
    assert [(r["transcript"], r["segments"], r["speaker"]) for r in table.rows] == [
        ("a", "1\u20136", "Dee Fox, Interviewer"),
        ("c", "1\u20133", "Hal Ito"),
    ]


def test_segments_follow_the_reports_rule(study: Project) -> None:
    """A code's segments in a query are the segments the reports count for it."""
    from codebench.reports import build_units, select_coders

    units = build_units(study, select_coders(study))
    per_code = units.segments_per_code()
    for code in study.codes():
        result = run_query(study, code.guid)
        assert result.segments == per_code[units.column_of(code.id)], code.label


def test_a_coding_across_segments_codes_each(study: Project) -> None:
    # bob's one 13.2 coding runs over a5 and a6.
    assert found(study, "13.2", coders=["bob"]) == [("a", 5, 6)]
    text = study.text("a")
    start = text.index("tough")
    study.add_codings("alice", "15", "a", [(start, text.index("fierce"))])
    assert found(study, "15") == [("a", 1, 2)]


def test_hostile_code_names_are_matched_literally(study: Project) -> None:
    from codebench.codebook.edits import add_code

    add_code(study, "alice", "[red]x[/red] \x1b[31m")
    result = run_query(study, '"[red]x"')
    # Stored (and so reported) with the control character made visible.
    assert result.references[0].codes[0].endswith("[red]x[/red] \u241b[31m")
    assert result.passages == []
