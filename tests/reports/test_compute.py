"""Each report against figures computed by hand from the small project (see conftest.py).

Segments coded per code, pooling alice and bob (a segment counts once):

    03   int1/1                      04.1 int1/3          05.2 int2/1, int2/2 (part: "meets monthly.")
    08   int1/2, int1/3, int2/1      11   int1/6, int3/2  12   int1/5, int1/6 (bob's 5–6 coding), int2/3
    13.1 int1/5                      14.3 int2/4

Words: It was hard. (3) | We lost two managers. (4) | But staff morale rose. (4) | We started a new clinic. (5)
| The council still decides. (4) | Staff elect the board. (4) | meets monthly. (2) | Innovation is slow here. (4)
| Risk is managed carefully. (4) | We still report to the council. (6).
"""

from __future__ import annotations

import pytest

from codebench.errors import CodebenchError, NotFound
from codebench.project import Project
from codebench.reports import (
    build_units,
    by_attribute,
    code_matrix,
    codebook_document,
    coding_progress,
    cooccurrence,
    frequencies,
    full_report,
    quotes,
    select_coders,
)
from codebench.reports.frequencies import CodeCounts
from codebench.store import aggregates


def rows_by_number(report) -> dict:
    return {row.code.number: row for row in report.rows}


# ---------------------------------------------------------------------- coder selection
def test_default_pools_every_human_coder(small: Project) -> None:
    selection = select_coders(small)
    assert [c.name for c in selection.coders] == ["alice", "bob"]
    assert selection.label == "alice + bob"
    assert "a segment, transcript or speaker counts once" in selection.note


def test_default_is_the_consensus_coder_only_when_it_is_complete(small: Project) -> None:
    """Issue 12, point 8: one adjudication no longer switches every report to a partial consensus.

    This test once expected the consensus coder as soon as it had any coding;
    the issue says that was wrong (code 01 dropped from 31 segments to 1).
    """
    consensus = small.coder("agreed", create=True, kind="consensus")
    small.code_segments(consensus, "int1", [2, 3], "08")
    partial = select_coders(small)
    assert [c.name for c in partial.coders] == ["alice", "bob"]
    assert "is not used: it is marked done on 0 of the 3 transcripts" in partial.note
    assert "--coder consensus" in partial.note
    pooled = rows_by_number(frequencies(small))["08"]
    assert pooled.own.segments == 3  # alice + bob, not the consensus's 2
    assert [c.name for c in select_coders(small, ["consensus"]).coders] == ["agreed"]
    for t in ("int1", "int2", "int3"):
        small.set_status(consensus, t, "done")
    selection = select_coders(small)
    assert [c.name for c in selection.coders] == ["agreed"]
    assert selection.note == "Counts use the consensus coding of agreed."
    row = rows_by_number(frequencies(small))["08"]
    # One of the three transcripts the consensus finished (it was one of one when only its
    # codings put a transcript in scope).
    assert row.own == CodeCounts(
        segments=2, codings=2, transcripts=1, percent=33.3, words=8, speakers=1
    )


def test_coder_values_all_consensus_and_names(small: Project) -> None:
    assert [c.name for c in select_coders(small, ["all"]).coders] == ["alice", "bob"]
    assert [c.name for c in select_coders(small, ["BOB", "alice"]).coders] == ["bob", "alice"]
    with pytest.raises(NotFound, match="no consensus coder"):
        select_coders(small, ["consensus"])
    with pytest.raises(NotFound, match="no coder named 'carol'"):
        select_coders(small, ["carol"])


# ---------------------------------------------------------------------- frequencies
def test_frequencies_pooled_by_hand(small: Project) -> None:
    report = frequencies(small)
    assert report.transcripts_in_scope == 3
    rows = rows_by_number(report)
    expected_own = {
        "03": CodeCounts(1, 1, 1, 33.3, 3, 1),
        "04": CodeCounts(0, 0, 0, 0.0, 0, 0),
        "04.1": CodeCounts(1, 2, 1, 33.3, 4, 1),
        "05.2": CodeCounts(2, 2, 1, 33.3, 6, 1),
        "08": CodeCounts(3, 4, 2, 66.7, 12, 2),
        "11": CodeCounts(2, 2, 2, 66.7, 10, 2),
        "12": CodeCounts(3, 3, 2, 66.7, 13, 2),
        "13.1": CodeCounts(1, 1, 1, 33.3, 5, 1),
        "14.3": CodeCounts(1, 1, 1, 33.3, 4, 1),
        "01": CodeCounts(0, 0, 0, 0.0, 0, 0),
    }
    for number, counts in expected_own.items():
        assert rows[number].own == counts, number
    # Parents with their sub-codes folded in.
    assert rows["04"].total == CodeCounts(1, 2, 1, 33.3, 4, 1)
    assert rows["05"].total == CodeCounts(2, 2, 1, 33.3, 6, 1)
    assert rows["13"].total == CodeCounts(1, 1, 1, 33.3, 5, 1)
    assert rows["14"].total == CodeCounts(1, 1, 1, 33.3, 4, 1)
    assert rows["08"].total == rows["08"].own
    assert len(report.rows) == len(small.codes())
    assert report.unplaced == 0


def test_frequencies_for_one_coder(small: Project) -> None:
    report = frequencies(small, ["alice"])
    assert report.transcripts_in_scope == 2  # alice has not started int3
    rows = rows_by_number(report)
    assert rows["08"].own == CodeCounts(2, 2, 1, 50.0, 8, 1)
    assert rows["12"].own == CodeCounts(2, 2, 2, 100.0, 9, 2)
    assert rows["11"].own == CodeCounts(1, 1, 1, 50.0, 4, 1)
    report = frequencies(small, ["bob"])
    assert rows_by_number(report)["12"].own == CodeCounts(2, 1, 1, 33.3, 9, 1)


def test_a_parent_counts_a_segment_once_across_sub_codes(small: Project) -> None:
    small.code_segments("alice", "int1", [3], "04.2")  # 04.1 and 04.2 both on int1/3
    small.code_segments("alice", "int1", [2], "04.2")
    row = rows_by_number(frequencies(small))["04"]
    assert row.own.segments == 0
    assert row.total == CodeCounts(
        segments=2, codings=4, transcripts=1, percent=33.3, words=8, speakers=1
    )


def test_overlapping_partial_codings_count_each_word_once(small: Project) -> None:
    text = small.text("int1")
    start = text.index("We lost two")
    small.add_codings("alice", "07", "int1", [(start, start + len("We lost two"))])
    small.add_codings("bob", "07", "int1", [(start + 3, start + len("We lost two managers"))])
    row = rows_by_number(frequencies(small))["07"]
    assert row.own == CodeCounts(
        segments=1, codings=2, transcripts=1, percent=33.3, words=4, speakers=1
    )


def test_a_coding_between_segments_counts_as_a_coding_only(small: Project) -> None:
    text = small.text("int3")
    gap = text.index("\n")  # the line break after the interviewer's question
    small.add_codings("bob", "07", "int3", [(gap, gap + 1)])
    report = frequencies(small)
    row = rows_by_number(report)["07"]
    assert (row.own.segments, row.own.codings, row.own.transcripts, row.own.words) == (0, 1, 1, 0)
    assert report.unplaced == 1


def test_every_packing_layout_reads_the_same_codings(small: Project) -> None:
    ids = select_coders(small).ids
    packing = aggregates.coding_packing(small.db)
    assert packing.layout == "one"
    layouts = [
        aggregates.coding_columns(
            small.db,
            ids,
            packing=aggregates.Packing(layout, packing.offset_bits, packing.code_bits),
        )
        for layout in aggregates.LAYOUTS
    ]
    first = layouts[0]
    assert len(first) == 16
    for other in layouts[1:]:
        for name in ("transcript_id", "start", "end", "code_id"):
            assert getattr(first, name).tolist() == getattr(other, name).tolist()


def test_units_read_without_a_side_connection_match(
    small: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    import contextlib

    expected = frequencies(small)

    @contextlib.contextmanager
    def no_reader(db):
        yield None

    monkeypatch.setattr(aggregates, "side_reader", no_reader)
    assert frequencies(small) == expected


def test_word_starts_follow_str_split() -> None:
    from codebench.reports.facts import word_starts

    texts = ["It's  a\u00a0test\u3000of\twords.", "naïve café—ok", ""]
    starts, offsets = word_starts(texts)
    expected = []
    for text, base in zip(texts, offsets):
        position = 0
        for word in text.split():
            position = text.index(word, position)
            expected.append(int(base) + position)
            position += len(word)
    assert starts.tolist() == expected
    assert offsets.tolist() == [
        0,
        len(texts[0]) + 1,
        len(texts[0]) + len(texts[1]) + 2,
        len(texts[0]) + len(texts[1]) + 3,
    ]


# ---------------------------------------------------------------------- by attribute
def test_by_role_by_hand(small: Project) -> None:
    report = by_attribute(small, "ROLE")
    assert report.attribute == "role"
    assert [(g.value, g.transcripts) for g in report.groups] == [("manager", 2), ("staff", 1)]
    rows = rows_by_number(report)

    def cells(number: str) -> list[tuple]:
        return [(c.transcripts, c.percent, c.segments, c.codings) for c in rows[number].cells]

    assert cells("08") == [(1, 50.0, 2, 3), (1, 100.0, 1, 1)]
    assert cells("11") == [(2, 100.0, 2, 2), (0, 0.0, 0, 0)]
    assert cells("12") == [(1, 50.0, 2, 2), (1, 100.0, 1, 1)]
    assert cells("04") == [(1, 50.0, 1, 2), (0, 0.0, 0, 0)]  # rolled up from 04.1
    assert cells("05.2") == [(0, 0.0, 0, 0), (1, 100.0, 2, 2)]
    assert cells("04") != [
        (c.transcripts, c.percent, c.segments, c.codings)
        for c in rows_by_number(by_attribute(small, "role", rollup=False))["04"].cells
    ]


def test_by_attribute_missing_values_and_unknown_attribute(small: Project) -> None:
    small.set_attributes("int1", {"stage": "new"})
    report = by_attribute(small, "stage")
    assert [(g.value, g.transcripts) for g in report.groups] == [("new", 1), ("(not set)", 2)]
    with pytest.raises(NotFound, match="attributes: organisation, role, stage"):
        by_attribute(small, "sector")


# ---------------------------------------------------------------------- matrix
def test_matrix_counts_and_presence(small: Project) -> None:
    report = code_matrix(small)
    assert [t.name for t in report.transcripts] == ["int1", "int2", "int3"]
    values = {c.number: v for c, v in zip(report.codes, report.values)}
    assert values["08"] == [2, 1, 0]
    assert values["12"] == [2, 1, 0]
    assert values["11"] == [1, 0, 1]
    assert values["05"] == [0, 2, 0]
    assert values["01"] == [0, 0, 0]
    presence = {
        c.number: v
        for c, v in zip(
            code_matrix(small, presence=True).codes, code_matrix(small, presence=True).values
        )
    }
    assert presence["08"] == [1, 1, 0]
    assert presence["05.2"] == [0, 1, 0]
    assert presence["11"] == [1, 0, 1]


def test_matrix_columns_are_the_transcripts_in_scope(small: Project) -> None:
    report = code_matrix(small, ["alice"])
    assert [t.name for t in report.transcripts] == ["int1", "int2"]


# ---------------------------------------------------------------------- co-occurrence
def test_cooccurrence_by_hand(small: Project) -> None:
    report = cooccurrence(small, normalise="jaccard")
    index = {c.number: i for i, c in enumerate(report.codes)}

    def count(a: str, b: str) -> int:
        return report.counts[index[a]][index[b]]

    def value(a: str, b: str) -> float | None:
        return report.values[index[a]][index[b]]

    assert [count(n, n) for n in ("03", "08", "04.1", "13.1", "12", "11", "05.2", "14.3")] == [
        1,
        3,
        1,
        1,
        3,
        2,
        2,
        1,
    ]
    assert count("08", "04.1") == count("04.1", "08") == 1
    assert count("13.1", "12") == count("12", "11") == count("05.2", "08") == 1
    assert count("03", "08") == count("12", "08") == 0
    assert sum(map(sum, report.counts)) == 14 + 2 * 4  # diagonal + each pair twice
    assert value("08", "04.1") == 0.3333
    assert value("12", "11") == 0.25
    assert value("05.2", "08") == 0.25
    assert value("12", "12") == 1.0
    assert value("01", "01") is None
    assert [(a.number, b.number, n) for a, b, n, _ in report.pairs()] == [
        ("04.1", "08", 1),
        ("05.2", "08", 1),
        ("11", "12", 1),
        ("12", "13.1", 1),
    ]
    c = cooccurrence(small, normalise="c")
    assert c.values == report.values
    overlap = cooccurrence(small, normalise="overlap")
    assert overlap.values[index["12"]][index["11"]] == 0.5
    assert overlap.values[index["08"]][index["04.1"]] == 1.0
    with pytest.raises(CodebenchError, match="unknown normalisation"):
        cooccurrence(small, normalise="cosine")


# ---------------------------------------------------------------------- quotes
def test_quotes_for_code_12_with_context(small: Project) -> None:
    report = quotes(small, ["12"], context=True)
    assert [c.number for c in report.codes] == ["12"]
    got = [
        (q.transcript, q.first_segment, q.last_segment, q.coders, q.speaker, q.text)
        for q in report.quotes
    ]
    # alice's int1/5 and bob's int1/5–6 overlap: one passage naming both
    assert got == [
        (
            "int1",
            5,
            6,
            ["alice", "bob"],
            "Ann Lee",
            "We started a new clinic. The council still decides.",
        ),
        ("int2", 3, 3, ["alice"], "Bob Ray", "Innovation is slow here."),
    ]
    first, second = report.quotes
    assert first.before == "Interviewer: What about new ideas?"
    assert first.after is None  # segment 6 ends the transcript
    assert (second.before, second.after) == (
        "The board meets monthly.",
        "Risk is managed carefully.",
    )
    assert [(m.author, m.text) for m in first.memos] == [
        ("alice", "New clinic = service innovation")
    ]
    assert [(m.author, m.text) for m in second.memos] == [("bob", "Contrast with int1")]
    assert first.attributes == {"organisation": "Riverside", "role": "manager"}
    assert first.location == "int1, segments 5\u20136"
    unmerged = quotes(small, ["12"], merge=False).quotes
    assert [(q.first_segment, q.last_segment, q.coders) for q in unmerged[:2]] == [
        (5, 5, ["alice"]),
        (5, 6, ["bob"]),
    ]


def test_quotes_merge_consecutive_segments_and_list_shared_passages_once(small: Project) -> None:
    small.code_segments("bob", "int2", [3], "12")  # the same passage alice coded
    report = quotes(small, ["08", "12"])
    got = [
        (q.code.number, q.transcript, q.first_segment, q.last_segment, q.coders)
        for q in report.quotes
    ]
    assert got == [
        # alice's 2 and 3 make one passage, which bob's 2 overlaps
        ("08", "int1", 2, 3, ["alice", "bob"]),
        ("08", "int2", 1, 1, ["bob"]),
        ("12", "int1", 5, 6, ["alice", "bob"]),
        ("12", "int2", 3, 3, ["alice", "bob"]),
    ]
    assert report.quotes[0].text == "We lost two managers. But staff morale rose."
    assert report.quotes[0].before is None  # no context unless asked


def test_quotes_include_sub_codes_unless_told_not_to(small: Project) -> None:
    report = quotes(small, ["13"])
    assert [c.number for c in report.codes] == ["13", "13.1", "13.2", "13.3", "13.4"]
    assert [(q.code.number, q.transcript, q.first_segment) for q in report.quotes] == [
        ("13.1", "int1", 5)
    ]
    assert quotes(small, ["13"], subcodes=False).quotes == []
    partial = quotes(small, ["05.2"], ["alice"]).quotes
    assert [(q.first_segment, q.last_segment, q.text) for q in partial] == [
        (1, 2, "Staff elect the board. The board meets monthly.")
    ]


# ---------------------------------------------------------------------- codebook, progress, whole report
def test_codebook_document_counts(small: Project) -> None:
    report = codebook_document(small)
    entries = {e.code.number: e for e in report.entries}
    assert report.name == "Public service mutuals interview study"
    assert entries["12"].description.startswith(small.code("12").description[:40])
    assert (
        entries["12"].own.segments,
        entries["12"].own.codings,
        entries["12"].own.transcripts,
    ) == (3, 3, 2)
    assert (entries["13"].own.segments, entries["13"].total.segments) == (0, 1)
    assert len(report.entries) == len(small.codes())


def test_progress_by_hand(small: Project) -> None:
    report = coding_progress(small)
    assert [c.name for c in report.coders] == ["alice", "bob"]
    got = {
        r.transcript: [(c.status, c.coded, c.codable, c.percent) for c in r.cells]
        for r in report.rows
    }
    assert got == {
        "int1": [("done", 5, 5, 100.0), ("done", 4, 5, 80.0)],
        "int2": [("done", 4, 4, 100.0), ("done", 1, 4, 25.0)],
        "int3": [("not-started", 0, 2, 0.0), ("in-progress", 1, 2, 50.0)],
    }


def test_full_report_parts(small: Project) -> None:
    report = full_report(small, quote_codes=["12"], generated="2025-01-01")
    assert [g.attribute for g in report.by_attribute] == ["organisation", "role"]
    assert report.matrix is not None and report.quotes is not None
    assert [p.kind for p in report.parts()] == [
        "frequencies",
        "by-attribute",
        "by-attribute",
        "cooccurrence",
        "matrix",
        "progress",
        "quotes",
    ]
    assert report.cooccurrence.normalise == "jaccard"
    assert report.frequencies == frequencies(small)


def test_empty_project_reports_zeros(project: Project) -> None:
    report = frequencies(project)
    assert report.selection.coders == ()
    assert all(row.own == CodeCounts(0, 0, 0, None, 0, 0) for row in report.rows)
    assert cooccurrence(project).counts[0][0] == 0
    units = build_units(project, select_coders(project))
    assert units.coded.shape == (0, len(project.codes(include_archived=True)))
