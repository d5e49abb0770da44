"""Correcting a transcript's text: codings stay on their words, review flags, versions, undo and redo.

The property test makes random edits (insert, delete, replace at random
places) over randomly coded transcripts and checks, against the text itself,
that every coding the edit did not touch covers exactly the same words, that
nothing is dropped, that segments stay ordered, and that undo gives back the
very same rows.
"""

from __future__ import annotations

import itertools
import re
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from codebench.codebook.format import default_codebook_path, load_codebook
from codebench.coding.correction import (
    correct_range,
    correct_segment,
    correct_text,
    mark_reviewed,
    needing_review,
    versions,
)
from codebench.coding.history import History, redo, undo
from codebench.coding.textdiff import OffsetMap, diff_texts
from codebench.errors import CodebenchError
from codebench.project import Project

_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")


def dump(project: Project, *, stamps: bool = True) -> dict[str, Any]:
    """Every row a correction may change, ids replaced by natural keys (undo must restore it all)."""
    db = project.db
    reviews = "r.reason, r.version, r.was" + (", r.flagged_at" if stamps else "")
    return {
        "transcripts": db.execute(
            "SELECT id, text, sha256 FROM transcripts ORDER BY id"
        ).fetchall(),
        "segments": db.execute(
            "SELECT id, transcript_id, ordinal, start_char, end_char FROM segments ORDER BY id"
        ).fetchall(),
        "codings": sorted(
            db.execute(
                "SELECT coder_id, code_id, transcript_id, start_char, end_char, created_at FROM codings"
            ).fetchall()
        ),
        "reviews": sorted(
            db.execute(
                f"SELECT c.coder_id, c.code_id, c.start_char, c.end_char, {reviews}"
                " FROM coding_reviews r JOIN codings c ON c.id = r.coding_id"
            ).fetchall()
        ),
        "versions": db.execute(
            "SELECT transcript_id, version, text, sha256, made_by, reason, edits"
            " FROM transcript_versions ORDER BY transcript_id, version"
        ).fetchall(),
        "fts": db.execute(
            "SELECT rowid, body, transcript_id, ordinal, start_char, speaker FROM segment_fts ORDER BY rowid"
        ).fetchall(),
        "memos": sorted(db.execute("SELECT guid, coding_id IS NOT NULL FROM memos").fetchall()),
    }


def coded_text(project: Project) -> dict[int, str]:
    """Coding id → the text it covers now."""
    text = project.text("int")
    return {c.id: text[c.start : c.end] for c in project.codings(transcript="int")}


def window(old: str, start: int, end: int) -> tuple[int, int]:
    """The edited range widened by one token each side: where a diff may place the same change."""
    spans = [(m.start(), m.end()) for m in _TOKEN.finditer(old)]
    first = next((i for i, (_, e) in enumerate(spans) if e >= start), len(spans) - 1)
    last = next((i for i, (s, e) in enumerate(spans) if e >= end), len(spans) - 1)
    return spans[max(first - 1, 0)][0], spans[min(last + 1, len(spans) - 1)][1]


def build(folder: Path, words: int, sentences: list[int]) -> Project:
    """A project with one transcript of unique words, a sentence per entry of ``sentences``."""
    project = Project.init(folder / "p.db", load_codebook(default_codebook_path()))
    counter = iter(range(10_000))
    lines = []
    for count in sentences:
        lines.append(" ".join(f"w{next(counter)}" for _ in range(count)) + ".")
    path = folder / "int.txt"
    path.write_text("Ann: " + " ".join(lines) + "\n", encoding="utf-8")
    report = project.import_files([path])
    assert report.ok
    return project


edit_kind = st.sampled_from(["insert", "delete", "replace"])
fresh_text = st.text(alphabet="QZ -", min_size=1, max_size=6)


@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    sentences=st.lists(st.integers(min_value=2, max_value=7), min_size=2, max_size=5),
    data=st.data(),
)
def test_random_edits_keep_untouched_codings_on_their_words(
    sentences: list[int], data: st.DataObject
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        project = build(Path(folder), sum(sentences), sentences)
        try:
            _run_random_edits(project, data)
        finally:
            project.close()


def _run_random_edits(project: Project, data: st.DataObject) -> None:
    text = project.text("int")
    words = [m.span() for m in re.finditer(r"w\d+", text)]
    segments = project.segments("int")
    # Codings on random word runs by two coders with two codes, plus whole segments.
    for coder in ("alice", "bob"):
        for code in ("03", "04"):
            runs = data.draw(
                st.lists(
                    st.tuples(st.integers(0, len(words) - 1), st.integers(0, 3)),
                    max_size=6,
                )
            )
            spans = {(words[i][0], words[min(i + n, len(words) - 1)][1]) for i, n in runs}
            if spans:
                project.add_codings(coder, code, "int", sorted(spans))
        ordinals = data.draw(st.lists(st.sampled_from([s.ordinal for s in segments]), max_size=2))
        if ordinals:
            project.code_segments(coder, "int", sorted(set(ordinals)), "05")
    start_state = dump(project)
    applied = 0
    for _ in range(data.draw(st.integers(1, 3))):
        old = project.text("int")
        kind = data.draw(edit_kind)
        a = data.draw(st.integers(0, len(old)))
        b = a if kind == "insert" else data.draw(st.integers(a, min(len(old), a + 12)))
        piece = "" if kind == "delete" else data.draw(fresh_text)
        new = old[:a] + piece + old[b:]
        before = coded_text(project)
        spans_before = {c.id: (c.start, c.end) for c in project.codings(transcript="int")}
        flags_before = {r.coding_id for r in needing_review(project, "int")}
        state = dump(project)
        try:
            result = correct_text(project, "int", new, "alice")
        except CodebenchError as error:
            assert "empty" in str(error)
            assert dump(project) == state  # refused: nothing written
            continue
        if new == old:
            assert not result.changed
            continue
        applied += 1
        assert project.text("int") == new
        after = coded_text(project)
        lo, hi = window(old, a, b)
        flagged = {r.coding_id for r in needing_review(project, "int")}
        untouched = 0
        for cid, words_before in before.items():
            start, end = spans_before[cid]
            if end <= lo or start >= hi:
                untouched += 1
                assert after[cid] == words_before, (old, new, cid)
                assert cid not in flagged - flags_before
        event(f"untouched codings checked: {min(untouched, 5)}+")
        # Nothing dropped: a coding is gone only when merged into an identical one.
        assert len(before) - len(after) == result.merged
        ordered = project.segments("int")
        for left, right in itertools.pairwise(ordered):
            assert left.start < left.end <= right.start
        spans = [(c.start, c.end) for c in project.codings(transcript="int")]
        assert all(0 <= s < e <= len(new) for s, e in spans)
        # The search index holds what a full re-index would (only stale rows are rewritten).
        indexed = project.db.execute(
            "SELECT rowid, body, transcript_id, ordinal, start_char, speaker FROM segment_fts"
        ).fetchall()
        assert sorted(indexed) == sorted(
            (g.id, g.text, g.transcript_id, g.ordinal, g.start, g.speaker) for g in ordered
        )
    end_state = dump(project, stamps=False)
    for _ in range(applied):
        assert undo(project, "alice") is not None
    event(f"corrections applied: {applied}")
    if applied:
        assert dump(project) == start_state
    for _ in range(applied):
        assert redo(project, "alice") is not None
    assert dump(project, stamps=False) == end_state


# ---------------------------------------------------------------------------- worked cases


def span_of(project: Project, word: str, transcript: str = "int1") -> tuple[int, int]:
    text = project.text(transcript)
    at = text.index(word)
    return at, at + len(word)


def words_of(project: Project, coder: str, transcript: str = "int1") -> list[str]:
    text = project.text(transcript)
    return [text[c.start : c.end] for c in project.codings(transcript=transcript, coders=[coder])]


def test_a_replaced_word_keeps_its_codings_and_search_finds_the_new_text(
    interview: Project,
) -> None:
    interview.add_codings("alice", "03", "int1", [span_of(interview, "two managers")])
    interview.add_codings("bob", "04", "int1", [span_of(interview, "staff morale rose")])
    interview.code_segments("carol", "int1", [6], "05")
    text = interview.text("int1")
    result = correct_text(interview, "int1", text.replace("two managers", "too managers"), "alice")
    assert result.changed and result.edits == 1 and result.review == []
    assert words_of(interview, "alice") == ["too managers"]
    assert words_of(interview, "bob") == ["staff morale rose"]
    assert words_of(interview, "carol") == ["The council still tells us what to do."]
    from codebench.store.analysis import fts_segment_ids

    assert fts_segment_ids(interview.db, "too") and not fts_segment_ids(interview.db, "two")
    kept = versions(interview, "int1")
    assert [(v.version, v.reason) for v in kept] == [(1, "imported"), (2, "")]
    assert kept[0].sha256 != kept[1].sha256 == interview.transcript("int1").sha256


def test_deleted_and_cut_codings_are_flagged_never_dropped(interview: Project) -> None:
    interview.add_codings("alice", "03", "int1", [span_of(interview, "staff morale")])
    interview.add_codings("alice", "04", "int1", [span_of(interview, "lost two")])
    text = interview.text("int1")
    new = text.replace(" staff morale", "").replace("lost two", "lost")
    result = correct_text(interview, "int1", new, "alice", reason="typos")
    reasons = sorted((r.reason, r.was) for r in result.review)
    assert reasons == [("clamped", "lost two"), ("orphaned", "staff morale")]
    assert len(interview.codings()) == 2
    assert sorted(words_of(interview, "alice"))[1] == "lost"
    listed = needing_review(interview, "int1")
    assert {r.coding_id for r in listed} == {r.coding_id for r in result.review}
    assert "orphaned" in listed[-1].describe() or "orphaned" in listed[0].describe()
    assert mark_reviewed(interview, [r.coding_id for r in listed]) == 2
    assert needing_review(interview) == []


def test_codings_landing_on_one_span_merge_and_undo_brings_both_back(
    interview: Project,
) -> None:
    a, b = span_of(interview, "two managers")
    interview.add_codings("alice", "03", "int1", [(a, b), (a, b + 1)])  # "two managers" and "...s."
    coding = max(interview.codings(), key=lambda c: c.id)
    interview.add_memo("alice", "on the longer one", coding=coding)
    before = dump(interview)
    text = interview.text("int1")
    result = correct_text(interview, "int1", text[:b] + text[b + 1 :], "alice")
    assert result.merged == 1 and len(interview.codings()) == 1
    assert [m.coding_id for m in interview.memos()] == [interview.codings()[0].id]
    undo(interview, "alice")
    assert dump(interview) == before


def test_a_correction_that_would_empty_a_segment_is_refused(interview: Project) -> None:
    before = dump(interview)
    text = interview.text("int1")
    with pytest.raises(CodebenchError, match=r"empty segment 1 .*nothing written"):
        correct_text(interview, "int1", text.replace("It was hard. ", ""), "alice")
    with pytest.raises(CodebenchError, match="cannot be emptied"):
        correct_segment(interview, "int1", 1, "  ", "alice")
    with pytest.raises(CodebenchError, match="empty text"):
        correct_text(interview, "int1", "\n", "alice")
    assert dump(interview) == before


def test_identical_text_to_another_transcript_is_refused(
    interview: Project, write_transcript
) -> None:
    interview.import_files([write_transcript("int2.txt", "Ann Lee: Short one.\n")])
    other = interview.text("int2")
    with pytest.raises(CodebenchError, match="identical to transcript 'int2'"):
        correct_text(interview, "int1", other, "alice")


def test_segment_edit_keeps_whole_segment_codings_whole(interview: Project) -> None:
    interview.code_segments("alice", "int1", [2, 3], "03")
    interview.add_codings("bob", "04", "int1", [span_of(interview, "managers")])
    result = correct_segment(
        interview, "int1", 2, "Then we lost two good managers, sadly.", "alice"
    )
    assert result.changed and result.review == []
    segs = interview.segments("int1")
    assert segs[2].text == "Then we lost two good managers, sadly."
    assert segs[3].text == "But staff morale rose!"
    assert segs[1].end <= segs[2].start and segs[2].end <= segs[3].start
    assert words_of(interview, "alice") == [segs[2].text, segs[3].text]
    assert words_of(interview, "bob") == ["managers"]


def test_correct_range_replaces_exactly_the_range(interview: Project) -> None:
    a, b = span_of(interview, "hard")
    correct_range(interview, "int1", a, b, "tough", "alice")
    assert "It was tough." in interview.text("int1")
    with pytest.raises(CodebenchError, match="outside"):
        correct_range(interview, "int1", 0, 10_000, "x", "alice")


def test_undo_and_redo_survive_a_restart(interview: Project) -> None:
    interview.add_codings("alice", "03", "int1", [span_of(interview, "staff morale")])
    original = dump(interview)
    text = interview.text("int1")
    correct_text(interview, "int1", text.replace("staff", "the staff's"), "alice")
    corrected = dump(interview, stamps=False)
    path = interview.path
    interview.close()
    with Project.open(path) as again:
        assert undo(again, "alice", History.load(again, "alice")) is not None
        assert dump(again) == original
    with Project.open(path) as again:
        assert redo(again, "alice", History.load(again, "alice")) is not None
        assert dump(again, stamps=False) == corrected
        # "the " is typed before the coding (outside it), "'s" inside it.
        assert words_of(again, "alice") == ["staff's morale"]


def test_an_older_coding_is_undone_at_its_moved_place(interview: Project) -> None:
    interview.add_codings("bob", "04", "int1", [span_of(interview, "council")])
    text = interview.text("int1")
    correct_text(interview, "int1", "Prologue.\n" + text, "alice")
    assert words_of(interview, "bob") == ["council"]
    assert undo(interview, "bob") is not None  # bob's coding, logged before the correction
    assert interview.codings(coders=["bob"]) == []
    assert redo(interview, "bob") is not None
    assert words_of(interview, "bob") == ["council"]


def test_undo_is_refused_once_another_coder_coded_the_new_text(interview: Project) -> None:
    text = interview.text("int1")
    correct_text(interview, "int1", text.replace("hard", "very hard"), "alice")
    interview.add_codings("bob", "04", "int1", [span_of(interview, "very hard")])
    with pytest.raises(CodebenchError, match="another coder"):
        undo(interview, "alice")
    assert "very hard" in interview.text("int1")


def test_text_changes_only_through_a_kept_version(interview: Project) -> None:
    with pytest.raises(sqlite3.DatabaseError, match="correction"):
        interview.db.execute("UPDATE transcripts SET text = 'x', sha256 = 'y'")


def test_offset_map_rules_by_hand() -> None:
    old, new = "We lost teh two managers.", "We lost the two good managers."
    edits = diff_texts(old, new)
    # "teh" → "the" is one word replaced; " good" is inserted after "two".
    assert [(old[e.old_start : e.old_end], new[e.new_start : e.new_end]) for e in edits] == [
        ("teh", "the"),
        ("", " good"),
    ]
    m = OffsetMap(edits, new)
    assert m.span(8, 11) == (8, 11, "edited")  # the replaced word itself: not clamped
    assert m.span(3, 7) == (3, 7, "exact")  # "lost"
    assert m.span(16, 24)[:2] == (21, 29)  # "managers" moved by 5
    assert m.span(12, 15) == (12, 15, "exact")  # "two": " good" typed after it stays out
    assert m.span(12, 24) == (12, 29, "edited")  # "two managers" takes it in
    assert m.span(9, 15) == (8, 15, "clamped")  # began inside the replaced word: snapped to it


def test_a_memo_deleted_before_a_correction_comes_back_on_its_moved_coding(
    interview: Project,
) -> None:
    interview.add_codings("bob", "04", "int1", [span_of(interview, "council")])
    coding = interview.codings(coders=["bob"])[0]
    memo = interview.add_memo("bob", "the council again", coding=coding)
    interview.update_memo("bob", memo, "")  # deleted
    correct_text(interview, "int1", "Prologue.\n" + interview.text("int1"), "alice")
    assert undo(interview, "bob") is not None  # the deletion
    restored = next(m for m in interview.memos() if m.text == "the council again")
    assert restored.coding_id == interview.codings(coders=["bob"])[0].id
