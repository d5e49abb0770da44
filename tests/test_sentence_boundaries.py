"""Sentence boundaries on real transcript punctuation (see codebench.ingest.boundaries)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codebench.ingest.boundaries import repair_sentences
from codebench.ingest.layout import layout_turns
from codebench.ingest.segmentation import segment_layouts, segment_texts, sentence_offsets
from codebench.ingest.turns import Turn
from codebench.project import Project

# (what the participant said, the sentence segments it must give)
CASES = [
    # an opening quotation mark or bracket belongs to the sentence it opens
    (
        "They wanted us to hand over a contract. “Fair and open” was the phrase they kept using.",
        [
            "They wanted us to hand over a contract.",
            "“Fair and open” was the phrase they kept using.",
        ],
    ),
    (
        'They wanted us to hand over a contract. "Fair and open" was the phrase they kept using.',
        [
            "They wanted us to hand over a contract.",
            '"Fair and open" was the phrase they kept using.',
        ],
    ),
    (
        "They called it ‘the deal’. ‘Fair’ was never the word.",
        ["They called it ‘the deal’.", "‘Fair’ was never the word."],
    ),
    (
        "He said 'no.' 'Fine,' she said. Then we left.",
        ["He said 'no.'", "'Fine,' she said.", "Then we left."],
    ),
    ("Was it worth it? “Yes.” Then what?", ["Was it worth it?", "“Yes.”", "Then what?"]),
    ("We said “no”. “Why?” they asked.", ["We said “no”.", "“Why?” they asked."]),
    # a closing mark stays with the sentence it closes
    ('The board said "no." That was that.', ['The board said "no."', "That was that."]),
    ("The board said “no.” That was that.", ["The board said “no.”", "That was that."]),
    (
        "It got better. (We laughed about it later.) Then the cuts came.",
        ["It got better.", "(We laughed about it later.)", "Then the cuts came."],
    ),
    (
        "(Laughs.) Yes. [inaudible] We did. [Pause.] Okay.",
        ["(Laughs.)", "Yes.", "[inaudible] We did.", "[Pause.]", "Okay."],
    ),
    (
        "So, “Fair and open” — that was the slogan. (Laughs.) Mr. Grant loved it.",
        ["So, “Fair and open” — that was the slogan.", "(Laughs.)", "Mr. Grant loved it."],
    ),
    # reported speech and asides run on into lower case
    (
        "She asked me, “Why now?” and I had no answer.",
        ["She asked me, “Why now?” and I had no answer."],
    ),
    ('I said "Really?" and he laughed.', ['I said "Really?" and he laughed.']),
    (
        "It was hard (laughs.) and then it got easier.",
        ["It was hard (laughs.) and then it got easier."],
    ),
    # titles never end a sentence
    (
        "I went to see Mr. Patel and Dr. Okafor. Mrs. Khan came too.",
        ["I went to see Mr. Patel and Dr. Okafor.", "Mrs. Khan came too."],
    ),
    ("Prof. Reid chaired it. St. Luke's hosted.", ["Prof. Reid chaired it.", "St. Luke's hosted."]),
    ("Ms. Lee and Cllr. Brown were there.", ["Ms. Lee and Cllr. Brown were there."]),
    # numbers, times and money
    (
        "We met at 3.30pm on the Tuesday. It overran to 5.15pm.",
        ["We met at 3.30pm on the Tuesday.", "It overran to 5.15pm."],
    ),
    (
        "Our budget went up 1.5 per cent. Not much.",
        ["Our budget went up 1.5 per cent.", "Not much."],
    ),
    ("Around 10 a.m. we got the call.", ["Around 10 a.m. we got the call."]),
    (
        "The deficit was £3.5m. That was the worst year.",
        ["The deficit was £3.5m.", "That was the worst year."],
    ),
    (
        "Approx. 40 staff moved across. Most stayed.",
        ["Approx. 40 staff moved across.", "Most stayed."],
    ),
    ("No. 10 of them stayed.", ["No.", "10 of them stayed."]),  # "No." is an answer here
    # a list number opens its item
    (
        "1. We started with the budget. 2. Then the staff.",
        ["1. We started with the budget.", "2. Then the staff."],
    ),
    # ellipses are pauses, not full stops; four dots are
    ("It was... well, it was hard.", ["It was... well, it was hard."]),
    ("I just thought … you know … why us?", ["I just thought … you know … why us?"]),
    ("I don't know... I mean... Yes.", ["I don't know... I mean... Yes."]),
    ("We waited and waited…. Then it came.", ["We waited and waited….", "Then it came."]),
    # dashes
    (
        "It was – how do I put it – a shock. We weren't ready.",
        ["It was – how do I put it – a shock.", "We weren't ready."],
    ),
    ("We had — what — six weeks? Maybe less.", ["We had — what — six weeks?", "Maybe less."]),
    (
        "It was mid-2019 - a mess - and nobody knew.",
        ["It was mid-2019 - a mess - and nobody knew."],
    ),
    # abbreviations
    (
        "We cut transport, meals, etc. and then the day centres.",
        ["We cut transport, meals, etc. and then the day centres."],
    ),
    (
        "We did it, e.g. with the nurses. It worked.",
        ["We did it, e.g. with the nurses.", "It worked."],
    ),
    ("It's the parents'. They decide.", ["It's the parents'.", "They decide."]),
]


def _sentences(said: str) -> list[str]:
    layout = layout_turns([Turn("Interviewer", ["Go on."]), Turn("Ann Lee", [said])])
    (segments,) = segment_layouts([layout], "sentence")
    return [layout.text[s.start : s.end] for s in segments if s.speaker == "Ann Lee"]


@pytest.mark.parametrize(("said", "expected"), CASES, ids=[said[:40] for said, _ in CASES])
def test_sentence_segments_on_transcript_punctuation(said: str, expected: list[str]) -> None:
    assert _sentences(said) == expected


def test_other_languages_quotes_open_by_position() -> None:
    text = "Herr Dr. Meier kam. „Fair“ war das Wort. »Offen« auch."
    (spans,) = sentence_offsets([text], "de")
    assert [text[s:e] for s, e in spans] == [
        "Herr Dr. Meier kam.",
        "„Fair“ war das Wort.",
        "»Offen« auch.",
    ]


def test_a_closing_mark_left_at_a_sentence_start_goes_back() -> None:
    """What a trained pipeline may give: the split before the closing quote."""
    text = "We said “Stop.” Then we left."
    split = text.index("”")
    assert repair_sentences(text, [(0, split), (split, len(text))]) == [
        (0, split + 1),
        (split + 2, len(text)),
    ]
    # a sentence that is only marks joins its neighbour
    assert repair_sentences("“ Yes.", [(0, 1), (2, 6)]) == [(0, 6)]


def test_refi_sources_and_imported_files_get_the_same_boundaries(
    tmp_path: Path, project: Project
) -> None:
    said, expected = CASES[0]
    (segments,) = segment_texts([said])
    assert [said[s.start : s.end] for s in segments] == expected
    path = tmp_path / "quotes.txt"
    path.write_text(f"Interviewer: Go on.\nAnn Lee: {said}\n", encoding="utf-8")
    assert project.import_files([path]).ok
    texts = [s.text for s in project.segments("quotes") if s.speaker == "Ann Lee"]
    assert texts == expected


WORD = st.sampled_from(["we", "It", "Mr.", "Dr", "3.30pm", "1.", "£3.5m.", "etc.", "no", "Fair"])
MARK = st.sampled_from(["", "", ".", "?", "!", "...", "…", ",", " —", '"', "'", "“", "”", "(", ")"])
TEXT = st.lists(st.tuples(MARK, WORD, MARK), min_size=1, max_size=25).map(
    lambda parts: " ".join(a + w + b for a, w, b in parts)
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT)
def test_repaired_sentences_stay_ordered_disjoint_trimmed_and_complete(text: str) -> None:
    (spans,) = sentence_offsets([text])
    previous_end = 0
    covered = [False] * len(text)
    for start, end in spans:
        assert previous_end <= start < end <= len(text)
        assert text[start:end] == text[start:end].strip()
        previous_end = end
        for i in range(start, end):
            covered[i] = True
    assert all(covered[i] for i, ch in enumerate(text) if not ch.isspace()), (text, spans)
