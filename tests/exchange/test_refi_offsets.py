"""Position conventions, detection and text decoding."""

from __future__ import annotations

import codecs

import pytest

from codebench.exchange.refi import (
    CODEPOINTS,
    CODEPOINTS_LF,
    UTF16,
    PositionMapper,
    RefiError,
    RefiProject,
    RefiSelection,
    RefiTextSource,
    decode_text,
    detect_offset_convention,
    on_word_boundary,
    resolve_offsets,
)


def test_position_mapper_conventions():
    #          raw cp:  a=0 \r=1 \n=2 b=3 😀=4 c=5 (len 6); UTF-16: 😀 is units 4-5, c=6 (len 7)
    mapper = PositionMapper("a\r\nb😀c")
    assert mapper.normalized == "a\nb😀c"
    assert mapper.lengths == {CODEPOINTS: 6, UTF16: 7, CODEPOINTS_LF: 5}
    assert [mapper.to_normalized(p, CODEPOINTS)[0] for p in range(7)] == [0, 1, 2, 2, 3, 4, 5]
    assert [mapper.to_normalized(p, UTF16)[0] for p in range(8)] == [0, 1, 2, 2, 3, 4, 4, 5]
    assert [mapper.to_normalized(p, CODEPOINTS_LF)[0] for p in range(6)] == [0, 1, 2, 3, 4, 5]


def test_position_mapper_clamps_and_flags():
    mapper = PositionMapper("abc")
    assert mapper.to_normalized(-2, CODEPOINTS) == (0, True)
    assert mapper.to_normalized(99, UTF16) == (3, True)
    assert mapper.to_normalized(3, UTF16) == (3, False)
    with pytest.raises(RefiError, match="unknown offset convention"):
        mapper.to_normalized(0, "bytes")


def test_lone_cr_becomes_lf_without_shifting():
    mapper = PositionMapper("a\rb")
    assert mapper.normalized == "a\nb"
    assert mapper.to_normalized(2, CODEPOINTS) == (2, False)


@pytest.mark.parametrize(
    ("position", "expected"),
    [
        (0, True),
        (5, True),
        (6, True),
        (7, True),
        (9, False),
        (11, False),
        (12, True),
        (15, False),
        (18, True),
    ],
)
def test_word_boundaries(position, expected):
    assert on_word_boundary("Hello, naïve wörld", position) is expected


def build(convention: str) -> tuple[RefiProject, str, list[str]]:
    """A CRLF text full of emoji with selections on words, positions written
    in *convention*."""
    lines = [f"Speaker {i}: 🙂🙂 word{i} said 🎉 more{i}" for i in range(15)]
    text = "\r\n".join(lines)
    normalized = text.replace("\r\n", "\n")
    words = [f"word{i}" for i in range(15)] + [f"more{i}" for i in range(15)]
    selections = []
    for n, word in enumerate(words):
        if convention == CODEPOINTS_LF:
            start = normalized.index(word)
        else:
            start = text.index(word)
            if convention == UTF16:
                start = len(text[:start].encode("utf-16-le")) // 2
        selections.append(
            RefiSelection(f"00000000-0000-0000-0000-{n:012d}", "s", start, start + len(word))
        )
    project = RefiProject(
        "p", origin="Some QDA tool", sources=[RefiTextSource("s", "s", text)], selections=selections
    )
    return project, normalized, words


@pytest.mark.parametrize("convention", [CODEPOINTS, UTF16, CODEPOINTS_LF])
def test_detection_finds_the_convention(convention):
    project, normalized, words = build(convention)
    detection = detect_offset_convention(project)
    assert detection.convention == convention
    assert detection.scores[convention] == detection.total == 30
    assert all(score < 30 for name, score in detection.scores.items() if name != convention)
    resolved = resolve_offsets(project)
    assert [normalized[s.start : s.end] for s in resolved.selections] == words
    assert "30 of 30 selections land on word boundaries" in resolved.offset_detection.summary()


def test_forced_convention_keeps_scores():
    project, _normalized, _words = build(UTF16)
    forced = resolve_offsets(project, CODEPOINTS)
    assert forced.offset_convention == CODEPOINTS and forced.offset_detection.forced
    assert forced.offset_detection.scores[UTF16] == 30
    assert "forced" in forced.offset_detection.summary()
    with pytest.raises(RefiError, match="unknown offset convention"):
        resolve_offsets(project, "bytes")


def test_tie_prefers_spec_codepoints():
    project = RefiProject(
        "p",
        sources=[RefiTextSource("s", "s", "plain ascii text")],
        selections=[RefiSelection("x", "s", 6, 11)],
    )
    detection = detect_offset_convention(project)
    assert detection.convention == CODEPOINTS and "tie" in detection.reason


def test_out_of_range_selection_is_clamped_with_warning():
    project = RefiProject(
        "p",
        sources=[RefiTextSource("s", "s", "short")],
        selections=[RefiSelection("x", "s", 2, 50)],
    )
    resolved = resolve_offsets(project, CODEPOINTS)
    assert (resolved.selections[0].start, resolved.selections[0].end) == (2, 5)
    assert resolved.selections[0].raw_end == 50
    assert any("clamped" in warning for warning in resolved.warnings)


@pytest.mark.parametrize(
    ("data", "encoding", "bom"),
    [
        (codecs.BOM_UTF8 + "héllo 😀\r\n".encode(), "utf-8", True),
        ("héllo 😀\r\n".encode(), "utf-8", False),
        (codecs.BOM_UTF16_LE + "héllo 😀\r\n".encode("utf-16-le"), "utf-16-le", True),
        (codecs.BOM_UTF16_BE + "héllo 😀\r\n".encode("utf-16-be"), "utf-16-be", True),
        ("héllo 😀\r\n".encode("utf-16-le"), "utf-16-le", False),
    ],
)
def test_decode_text(data, encoding, bom):
    decoded = decode_text(data)
    assert (decoded.text, decoded.encoding, decoded.has_bom) == ("héllo 😀\r\n", encoding, bom)
    assert decoded.newline == "\r\n" and decoded.problem is None


def test_decode_text_bad_utf8_is_reported_not_fatal():
    decoded = decode_text(b"caf\xe9 ok")
    assert decoded.text == "caf\ufffd ok" and "not valid utf-8" in decoded.problem
