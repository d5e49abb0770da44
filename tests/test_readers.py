"""Each reader and speaker convention, on small files written here."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from codebench.errors import ImportFailed
from codebench.ingest.decode import decode_bytes
from codebench.ingest.prepare import parse_file
from codebench.ingest.readers import read_turns


def turns_of(name: str, data: bytes | str) -> list[tuple[str | None, str]]:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    turns, _fmt = read_turns(Path(name), raw)
    return [(t.speaker, " | ".join(t.paragraphs)) for t in turns]


def test_name_prefix_with_continuation_paragraphs() -> None:
    text = "Interviewer: Hello?\nHelen Marsh: First para.\nstill first.\n\nSecond para.\nInterviewer: Thanks.\n"
    assert turns_of("a.txt", text) == [
        ("Interviewer", "Hello?"),
        ("Helen Marsh", "First para. still first. | Second para."),
        ("Interviewer", "Thanks."),
    ]


def test_uppercase_names_and_qa() -> None:
    assert turns_of("b.txt", "INTERVIEWER: Why?\nJOANNE PRICE: Pensions.\n")[1] == (
        "JOANNE PRICE",
        "Pensions.",
    )
    assert turns_of("c.txt", "Q: Why?\nA: Because.\nQ: And?\nA: That is all.\n") == [
        ("Q", "Why?"),
        ("A", "Because."),
        ("Q", "And?"),
        ("A", "That is all."),
    ]


def test_a_sentence_with_a_colon_is_not_a_speaker() -> None:
    text = "Interviewer: Why?\nAnn: The reason is simple: money.\nYes: we did try.\nInterviewer: Ok.\nAnn: Right.\n"
    assert turns_of("d.txt", text)[1] == ("Ann", "The reason is simple: money. Yes: we did try.")


def test_otter_style_headers() -> None:
    text = "Speaker 1  0:02\nHello there.\n\nMark Ellison  0:15\nWe run six centres.\nAnd pools.\n\nSpeaker 1  1:02:11\nThanks.\n"
    turns, _ = read_turns(Path("o.txt"), text.encode())
    assert [(t.speaker, t.timestamp) for t in turns] == [
        ("Speaker 1", 2.0),
        ("Mark Ellison", 15.0),
        ("Speaker 1", 3731.0),
    ]
    assert turns[1].paragraphs == ["We run six centres. And pools."]


def test_bracketed_timestamps() -> None:
    text = "[00:00:05] Interviewer: Hi.\n[00:01:23] Dev Mistry: Hello. I teach.\n[00:02:00] Interviewer: Ok.\n"
    turns, _ = read_turns(Path("t.txt"), text.encode())
    assert [(t.speaker, t.timestamp) for t in turns] == [
        ("Interviewer", 5.0),
        ("Dev Mistry", 83.0),
        ("Interviewer", 120.0),
    ]


def test_markdown_bold_labels_and_heading() -> None:
    text = "# Interview 7: Title\n\n**Interviewer:** Hi.\n\n**Sunita Rao:** Hello.\n\nMore.\n\n**Interviewer:** Bye.\n"
    turns, _ = read_turns(Path("m.md"), text.encode())
    assert [(t.speaker, t.paragraphs) for t in turns] == [
        (None, ["Interview 7: Title"]),
        ("Interviewer", ["Hi."]),
        ("Sunita Rao", ["Hello.", "More."]),
        ("Interviewer", ["Bye."]),
    ]
    assert turns[0].codable is False


def test_vtt_voice_tags_names_and_continued_cues() -> None:
    text = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nInterviewer: How are you?\n\n"
        "00:00:04.500 --> 00:00:09.000\nJo Kendrick: Busy. We cover the east.\n\n"
        "00:00:09.000 --> 00:00:12.250\nAnd the north too.\n\n"
        "00:00:13.000 --> 00:00:15.000\n<v Interviewer>Thanks.</v>\n"
    )
    turns, fmt = read_turns(Path("v.vtt"), text.encode())
    assert fmt == "vtt"
    assert [(t.speaker, t.paragraphs, t.timestamp) for t in turns] == [
        ("Interviewer", ["How are you?"], 1.0),
        ("Jo Kendrick", ["Busy. We cover the east. And the north too."], 4.5),
        ("Interviewer", ["Thanks."], 13.0),
    ]


def test_srt_cues() -> None:
    text = "1\n00:00:01,000 --> 00:00:03,000\nInterviewer: Why stay in-house?\n\n2\n00:00:03,500 --> 00:00:06,000\nRuth: Risk.\n\n3\n00:00:06,000 --> 00:00:08,000\nAnd pensions.\n"
    assert turns_of("s.srt", text) == [
        ("Interviewer", "Why stay in-house?"),
        ("Ruth", "Risk. And pensions."),
    ]


def test_docx_bold_speaker_names() -> None:
    import docx

    document = docx.Document()
    for speaker, words in (
        ("Interviewer:", " Could you explain?"),
        ("Simon Ashworth:", " Block contracts."),
    ):
        para = document.add_paragraph()
        para.add_run(speaker).bold = True
        para.add_run(words)
    document.add_paragraph("A second paragraph.")
    buffer = io.BytesIO()
    document.save(buffer)
    assert turns_of("d.docx", buffer.getvalue()) == [
        ("Interviewer", "Could you explain?"),
        ("Simon Ashworth", "Block contracts. | A second paragraph."),
    ]


def test_rtf() -> None:
    rtf = r"{\rtf1\ansi{\fonttbl\f0 Arial;}\f0 Interviewer: Hello?\par Ann: Yes.\par Interviewer: Ok.\par Ann: Bye.\par}"
    assert turns_of("r.rtf", rtf)[1] == ("Ann", "Yes.")


@pytest.mark.parametrize(
    "data",
    [
        "Interviewer: Café?\r\nAnn: Oui.\r\n".encode(),
        b"\xef\xbb\xbf" + "Interviewer: Café?\nAnn: Oui.\n".encode(),
        "Interviewer: Café?\nAnn: Oui.\n".encode("utf-16"),
        "Interviewer: Café?\rAnn: Oui.\r".encode("cp1252"),
    ],
    ids=["utf8-crlf", "utf8-bom", "utf16", "cp1252-cr"],
)
def test_encodings_and_line_endings(data: bytes) -> None:
    assert turns_of("e.txt", data) == [("Interviewer", "Café?"), ("Ann", "Oui.")]


def test_decode_rejects_binary_empty_and_huge() -> None:
    with pytest.raises(ImportFailed, match="binary"):
        decode_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20, "x.txt")
    with pytest.raises(ImportFailed, match="empty"):
        decode_bytes(b"   \n\n", "x.txt")
    with pytest.raises(ImportFailed, match="too large"):
        decode_bytes(b"a" * (50 * 1024 * 1024), "big.txt")


def test_unsupported_and_corrupt_files(tmp_path: Path) -> None:
    pdf = tmp_path / "x.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    with pytest.raises(ImportFailed, match=r"unsupported file type '\.pdf'"):
        parse_file(pdf)
    bad_docx = tmp_path / "bad.docx"
    bad_docx.write_bytes(b"not a zip at all")
    with pytest.raises(ImportFailed, match=r"not a valid \.docx"):
        parse_file(bad_docx)
    bad_vtt = tmp_path / "bad.vtt"
    bad_vtt.write_text("this is not a subtitle file\n")
    with pytest.raises(ImportFailed, match=r"bad\.vtt"):
        parse_file(bad_vtt)


def test_canonical_layout_and_codable_flags(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text("Interviewer: Why?\nAnn: Because. Really.\n\nMore.\n")
    parsed = parse_file(path)
    assert parsed.layout.text == "Interviewer: Why?\n\nAnn: Because. Really.\nMore."
    assert [(p.speaker, p.codable) for p in parsed.layout.paragraphs] == [
        ("Interviewer", False),
        ("Ann", True),
        ("Ann", True),
    ]
