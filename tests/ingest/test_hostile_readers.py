"""Each reader on hostile and odd files: refused in one line naming the file, or read faithfully."""

from __future__ import annotations

import io
import os
import re
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from codebench.errors import ImportFailed
from codebench.ingest import decode, prepare
from codebench.ingest.decode import decode_bytes
from codebench.ingest.prepare import Options, parse_file, prepare_file
from codebench.ingest.readers import check_docx_archive, read_transcript

CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def text_of(name: str, data: bytes, encoding: str | None = None) -> str:
    """The canonical text codebench would store for a file called ``name`` holding ``data``."""
    transcript = read_transcript(Path(name), data, encoding=encoding)
    return "\n".join(
        f"{t.speaker}: {' | '.join(t.paragraphs)}" if t.speaker else " | ".join(t.paragraphs)
        for t in transcript.turns
    )


def refused(name: str, data: bytes, pattern: str) -> str:
    with pytest.raises(ImportFailed, match=pattern) as info:
        read_transcript(Path(name), data)
    message = str(info.value)
    assert "\n" not in message and message.startswith(name), message
    return message


# --- 3. control characters, in every reader, after decoding ---------------------------


def test_controls_in_plain_text_are_made_visible_one_for_one() -> None:
    data = "Interviewer: Hi.\nAnn: Look \x1b[31mred\x1b[0m\r over\x07 here.\x9b2J\n".encode()
    text = text_of("a.txt", data)
    assert not CONTROLS.search(text)
    assert "Look \u241b[31mred\u241b[0m" in text  # ESC shown as the ESC symbol
    assert "\ufffd2J" in text  # a C1 control (CSI) has no picture


def test_controls_in_docx_runs_are_made_visible(hostile) -> None:
    data = hostile.docx_bytes(
        ("Interviewer:", " Hello?"), ("Ann Lee:", " Yes \x9b31m and \x85 more.")
    )
    text = text_of("d.docx", data)
    assert not CONTROLS.search(text)
    assert "Yes \ufffd31m and \ufffd more." in text


def test_controls_after_rtf_conversion_are_made_visible() -> None:
    # \u27 and \'1b both become ESC only once the RTF is converted
    rtf = rb"{\rtf1\ansi Interviewer: Hi.\par Ann Lee: A \u27?[2J and \'1b[31m text.\par}"
    text = text_of("r.rtf", rtf)
    assert not CONTROLS.search(text)
    assert "A \u241b[2J and \u241b[31m text." in text


@pytest.mark.parametrize("fmt", ["vtt", "srt"])
def test_controls_in_subtitle_cues_are_made_visible(fmt: str) -> None:
    cue = "Interviewer: Hi \x1b]0;pwned\x07 there."
    if fmt == "vtt":
        data = f"WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n{cue}\n".encode()
    else:
        data = f"1\n00:00:01,000 --> 00:00:04,000\n{cue}\n".encode()
    text = text_of(f"s.{fmt}", data)
    assert not CONTROLS.search(text)
    assert "Hi \u241b]0;pwned\u2407 there." in text


# --- 4. zip-bomb .docx ---------------------------------------------------------------


def test_docx_members_that_unzip_past_the_limit_are_refused_before_parsing(hostile) -> None:
    data = hostile.rewrite_member(
        hostile.docx_bytes(("Ann:", " Hi.")),
        "word/document.xml",
        lambda body: body.replace(b"</w:body>", b"<!--" + b" " * 8_000_000 + b"--></w:body>"),
    )
    assert len(data) < 200_000  # 8 MB of spaces compress to almost nothing
    with pytest.raises(ImportFailed, match=r"^b\.docx: unzips to more than 1 MiB"):
        check_docx_archive(data, "b.docx", limit=1024 * 1024)
    check_docx_archive(data, "b.docx", limit=16 * 1024 * 1024)  # under the limit: fine


def test_docx_declaring_a_huge_member_is_refused(hostile) -> None:
    data = hostile.declare_size(
        hostile.docx_bytes(("Ann:", " Hi.")), "word/document.xml", 3_000_000_000
    )
    declared = zipfile.ZipFile(io.BytesIO(data)).getinfo("word/document.xml").file_size
    assert declared == 3_000_000_000
    refused("bomb.docx", data, "unzips to more than 100 MiB")


# --- 5. binary and control bytes past the sampled prefix ------------------------------


def test_a_nul_after_five_kilobytes_is_refused() -> None:
    data = b"Interviewer: Hi.\nAnn: " + b"We talked a lot. " * 320 + b"\x00 and then more.\n"
    at = data.index(b"\x00")
    assert at > 5000
    refused("n.txt", data, rf"binary file, not text \(a NUL byte at byte {at:,}\)")


def test_a_nul_in_utf16_text_is_refused() -> None:
    data = ("Interviewer: Hi.\nAnn: " + "Words. " * 800 + "\x00.\n").encode("utf-16")
    refused("n.txt", data, "a NUL character")


def test_controls_past_the_old_sample_are_counted_over_the_whole_text() -> None:
    clean = "Interviewer: Hi.\nAnn: " + "We talked a lot. " * 1500
    junk = "\x01\x02\x03\x04\x05" * 200  # binary-looking, all past the first 20,000 characters
    refused("j.txt", (clean + junk + "\n").encode(), "more than 1% control characters")


def test_few_controls_past_the_prefix_are_stored_visible_not_raw() -> None:
    clean = "Interviewer: Hi.\nAnn: " + "We talked a lot. " * 400
    text = text_of("c.txt", (clean + "Then \x1b[2J it cleared.\n").encode())
    assert "Then \u241b[2J it cleared." in text and not CONTROLS.search(text)


# --- 6. encodings decided with evidence ----------------------------------------------


@pytest.mark.parametrize(
    ("script", "encoding"),
    [("russian", "cp1251"), ("russian", "koi8-r"), ("greek", "cp1253"), ("french", "cp1252")],
)
def test_legacy_code_pages_are_detected_not_read_as_windows_1252(
    hostile, script: str, encoding: str
) -> None:
    original = getattr(hostile, script)
    decoded = decode_bytes(original.encode(encoding), "x.txt")
    assert decoded.text == original
    assert decoded.encoding == encoding and decoded.evidence == "detected"
    assert decoded.note is not None and decoded.note.startswith(encoding)


def test_utf8_is_not_noted_and_a_bom_is_named(hostile) -> None:
    assert decode_bytes(hostile.russian.encode(), "x.txt").note is None
    assert decode_bytes(hostile.russian.encode("utf-16"), "x.txt").note == (
        "utf-16 (byte-order mark)"
    )


def test_a_forced_encoding_wins_over_detection_and_fails_cleanly(hostile) -> None:
    koi8 = hostile.russian.encode("koi8-r")
    forced = decode_bytes(koi8, "x.txt", encoding="cp1251")
    assert forced.encoding == "cp1251" and forced.evidence == "--encoding"
    assert forced.text == koi8.decode("cp1251") != hostile.russian
    with pytest.raises(ImportFailed, match=r"^x\.txt: cannot decode as ascii \(byte 0\)"):
        decode_bytes(koi8, "x.txt", encoding="ascii")


def test_rtf_code_page_escapes_follow_ansicpg(hostile) -> None:
    """A guard, not a regression test: the converter honoured ``\\ansicpg`` before, and
    passing a default code page to it must not override the document's own."""
    escaped = "".join(
        f"\\'{b:02x}" if b > 127 else chr(b) for b in "Ольга Петрова".encode("cp1251")
    )
    rtf = (r"{\rtf1\ansi\ansicpg1251 Interviewer: Hi.\par " + escaped + r": Yes.\par}").encode()
    assert "Ольга Петрова" in text_of("r.rtf", rtf)


# --- 8. one bad file must be one clean error ------------------------------------------


@pytest.mark.parametrize(
    ("escape", "expected"),
    [(r"\u99999999?", "\ufffd"), (r"\u-99999999?", "\ufffd"), (r"\u-10240?", "\ufffd")],
    ids=["too-large", "too-small", "lone-surrogate"],
)
def test_broken_rtf_unicode_escapes_become_replacement_characters(
    escape: str, expected: str
) -> None:
    rtf = (r"{\rtf1\ansi Interviewer: Hi.\par Ann Lee: a " + escape + r" b.\par}").encode()
    text = text_of("r.rtf", rtf)
    assert f"a {expected} b." in text
    text.encode("utf-8")  # storable


def test_an_rtf_surrogate_pair_is_joined() -> None:
    rtf = rb"{\rtf1\ansi Interviewer: Hi.\par Ann Lee: a \u-10179?\u-8704? b.\par}"
    assert "a \U0001f600 b." in text_of("r.rtf", rtf)


def test_rtf_escapes_invalid_in_the_code_page_are_one_line() -> None:
    rtf = rb"{\rtf1\ansi\ansicpg932 Interviewer: Hi.\par Ann Lee: \'81\'20 b.\par}"
    refused("r.rtf", rtf, "RTF escapes are not valid")


def test_a_paragraph_too_long_for_sentence_splitting_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    paragraph = " ".join(["word"] * 250_000)
    path.write_text(f"Interviewer: Hi.\nAnn: {paragraph}\nInterviewer: Thanks.\nAnn: Bye.\n")
    outcome = prepare_file(path, Options())
    assert isinstance(outcome, prepare.Failed)
    assert outcome.message.startswith(
        f"long.txt: paragraph 2 is {len(paragraph):,} characters long"
    ), outcome.message
    assert isinstance(prepare_file(path, Options(unit="paragraph")), prepare.Prepared)


def test_an_unexpected_error_in_one_file_is_that_files_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "x.txt"
    path.write_text("Interviewer: Hi.\nAnn: Yes.\n")

    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("boom")

    monkeypatch.setattr(prepare, "iter_segment_layouts", broken)
    outcome = prepare_file(path, Options())
    assert isinstance(outcome, prepare.Failed)
    assert outcome.message == "x.txt: cannot be imported (ValueError: boom)"


def test_a_file_name_that_is_not_utf8_is_shown_and_stored_escaped(tmp_path: Path) -> None:
    path = Path(os.fsdecode(os.fsencode(tmp_path) + b"/caf\xe9.txt"))
    path.write_bytes(b"Interviewer: Hi.\nAnn: Yes.\n")
    parsed = parse_file(path)
    assert parsed.name == "caf\\xe9"
    parsed.name.encode("utf-8")


# --- 9. entities ------------------------------------------------------------------------


def test_docx_with_a_doctype_entity_is_refused_not_truncated(hostile) -> None:
    def add_entity(body: bytes) -> bytes:
        xml = body.decode()
        end = xml.index("?>") + 2
        xml = xml[:end] + '<!DOCTYPE w:document [<!ENTITY org "Riverside Trust">]>' + xml[end:]
        return xml.replace("ENTITY_HERE", "&org;").encode()

    data = hostile.rewrite_member(
        hostile.docx_bytes(
            ("Interviewer:", " Hi."), ("Ann Lee:", " We joined ENTITY_HERE in May.")
        ),
        "word/document.xml",
        add_entity,
    )
    refused("e.docx", data, "declares a DOCTYPE")


def test_vtt_character_references_are_unescaped_after_tags() -> None:
    data = (
        b"WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Tom &amp; Jerry>Fish &amp; chips, "
        b"&lt;b&gt;not bold&lt;/b&gt; and <b>bold</b> too.</v>\n"
    )
    transcript = read_transcript(Path("v.vtt"), data)
    assert transcript.turns[0].speaker == "Tom & Jerry"
    assert transcript.turns[0].paragraphs == ["Fish & chips, <b>not bold</b> and bold too."]


# --- 15. size is checked before reading ------------------------------------------------


def test_a_huge_file_is_refused_without_being_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(64 * 1024 * 1024)  # sparse: no disk, but 64 MiB if read
    tracemalloc.start()
    try:
        with pytest.raises(ImportFailed, match=r"huge\.txt: file too large \(67 MB"):
            parse_file(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * 1024 * 1024


def test_read_limited_refuses_what_is_not_a_regular_file(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    with pytest.raises(ImportFailed, match="not a regular file"):
        decode.read_limited(fifo, "pipe.txt")  # would block for ever without O_NONBLOCK
