"""Segmentation properties: ordered, non-overlapping, exact slices, full coverage."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codebench.ingest.layout import layout_turns
from codebench.ingest.segmentation import segment_layouts
from codebench.ingest.turns import Turn

WORD = st.text(
    alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzÉéß’'-0123456789"), min_size=1, max_size=8
)
PUNCT = st.sampled_from(["", "", ".", "?", "!", ",", "...", ";", " —"])
SENTENCE = st.lists(st.tuples(WORD, PUNCT), min_size=1, max_size=12).map(
    lambda ws: " ".join(w + p for w, p in ws)
)
PARAGRAPH = st.lists(SENTENCE, min_size=1, max_size=4).map(lambda ss: "  ".join(ss))
SPEAKER = st.sampled_from(["Interviewer", "Ann Lee", "Q", "A", None, "Speaker 2"])
TURN = st.builds(
    lambda s, ps: Turn(speaker=s, paragraphs=ps),
    SPEAKER,
    st.lists(PARAGRAPH, min_size=1, max_size=3),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TURN, min_size=1, max_size=6), st.sampled_from(["sentence", "turn", "paragraph"]))
def test_segments_are_ordered_disjoint_exact_and_cover_codable_text(
    turns: list[Turn], unit: str
) -> None:
    layout = layout_turns(turns)
    (segments,) = segment_layouts([layout], unit)
    text = layout.text
    previous_end = 0
    for index, seg in enumerate(segments):
        assert seg.ordinal == index
        assert previous_end <= seg.start < seg.end <= len(text)
        previous_end = seg.end
        # each segment's text is its slice of the stored transcript, trimmed
        assert text[seg.start : seg.end] == text[seg.start : seg.end].strip()
    covered = [False] * len(text)
    for seg in segments:
        for i in range(seg.start, seg.end):
            covered[i] = True
    for para in layout.paragraphs:
        for i in range(para.start, para.end):
            if not text[i].isspace():
                assert covered[i], (unit, text[para.start : para.end], i)
    # every segment stays within one turn and carries that turn's speaker and codable flag
    for seg in segments:
        owners = [p for p in layout.paragraphs if p.turn == seg.turn]
        assert owners[0].start <= seg.start and seg.end <= owners[-1].end
        assert seg.speaker == owners[0].speaker and seg.codable == owners[0].codable


def test_sentence_units_split_sentences() -> None:
    layout = layout_turns([Turn("Ann", ["It was hard. We lost two managers! Did it help? Yes."])])
    (segments,) = segment_layouts([layout], "sentence")
    assert [layout.text[s.start : s.end] for s in segments] == [
        "It was hard.",
        "We lost two managers!",
        "Did it help?",
        "Yes.",
    ]


def test_turn_and_paragraph_units() -> None:
    layout = layout_turns([Turn("Interviewer", ["Why?"]), Turn("Ann", ["One. Two.", "Three."])])
    (turns,) = segment_layouts([layout], "turn")
    (paras,) = segment_layouts([layout], "paragraph")
    assert [layout.text[s.start : s.end] for s in turns] == ["Why?", "One. Two.\nThree."]
    assert [layout.text[s.start : s.end] for s in paras] == ["Why?", "One. Two.", "Three."]
    assert [s.codable for s in turns] == [False, True]


def test_subtitle_cue_times_reach_sentences() -> None:
    turn = Turn(
        "Jo",
        [
            "First bit. Still first.",
        ],
        timestamp=4.0,
        cue_times=[(0, 4.0)],
    )
    turn.paragraphs[0] += " Second cue."
    turn.cue_times.append((len("First bit. Still first.") + 1, 9.5))
    layout = layout_turns([turn])
    (segments,) = segment_layouts([layout], "sentence")
    assert [(layout.text[s.start : s.end], s.timestamp) for s in segments] == [
        ("First bit.", 4.0),
        ("Still first.", 4.0),
        ("Second cue.", 9.5),
    ]
