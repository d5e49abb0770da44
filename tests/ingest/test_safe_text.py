"""Control characters are made visible, one for one, on every way text enters a project."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

from codebench.exchange.jsonl import export_jsonl, import_jsonl
from codebench.exchange.qdpx.project import import_qdpx
from codebench.project import Project
from codebench.safety import safe_file_name, safe_text

EVERY_CONTROL = "".join(chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)])


def test_safe_text_keeps_tab_and_newline_and_replaces_the_rest_one_for_one() -> None:
    safe = safe_text(EVERY_CONTROL + "\ud800")
    assert len(safe) == len(EVERY_CONTROL) + 1
    assert safe[9] == "\t" and safe[10] == "\n"
    assert safe[0x1B] == "\u241b" and safe[0x0D] == "\u240d" and safe[0x20] == "\u2421"
    assert set(safe[0x21:]) == {"\ufffd"}  # C1 controls and the lone surrogate
    assert not any(0 <= ord(c) < 0x20 and c not in "\t\n" for c in safe)
    safe.encode("utf-8")
    assert safe_text("plain café ✓") == "plain café ✓"


def test_safe_file_name_escapes_undecodable_bytes_and_controls() -> None:
    assert safe_file_name(Path("/x/caf\udce9\x1b.txt")) == "/x/caf\\xe9\u241b.txt"


def test_refi_source_text_is_made_visible_and_selections_still_fit(
    project: Project, tmp_path: Path
) -> None:
    text = "Ann: We \x1b[2Jcleared the \x9b31mscreen and the word pension stays put.\n"
    start = text.index("pension")
    source = "0f0f0f0f-1111-2222-3333-444444444444"
    code = "12345678-9abc-def0-1234-56789abcdef0"
    qde = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<Project xmlns="urn:QDA-XML:project:1.0" name="p">'
        '<Users><User guid="99999999-8888-7777-6666-555555555555" name="U"/></Users>'
        f'<CodeBook><Codes><Code guid="{code}" name="Pensions" isCodable="true"/></Codes></CodeBook>'
        f'<Sources><TextSource guid="{source}" name="int" plainTextPath="internal://{source}.txt">'
        '<PlainTextSelection guid="abababab-0000-0000-0000-000000000001" '
        f'startPosition="{start}" endPosition="{start + 7}" '
        'creatingUser="99999999-8888-7777-6666-555555555555">'
        '<Coding guid="cdcdcdcd-0000-0000-0000-000000000001" '
        'creatingUser="99999999-8888-7777-6666-555555555555">'
        f'<CodeRef targetGUID="{code}"/></Coding>'
        "</PlainTextSelection></TextSource></Sources></Project>"
    )
    archive = tmp_path / "p.qdpx"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("project.qde", qde)
        out.writestr(f"sources/{source}.txt", text.encode())
    import_qdpx(project, archive)
    (transcript,) = project.transcripts()
    stored = project.text(transcript)
    assert stored == safe_text(text)
    assert "\x1b" not in stored and "\x9b" not in stored and "\u241b[2J" in stored
    (coding,) = project.codings()
    assert stored[coding.start : coding.end] == "pension"


def test_jsonl_transcript_text_is_made_visible_with_a_matching_hash(
    interview: Project, tmp_path: Path
) -> None:
    dump = tmp_path / "a.jsonl"
    export_jsonl(interview, dump)
    lines = dump.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        record = json.loads(line)
        if record.get("type") == "transcript":
            # the same length, so every segment's offsets still fit
            record["text"] = record["text"].replace("spin-out", "spin\x1bout")
            record["sha256"] = hashlib.sha256(record["text"].encode()).hexdigest()
            lines[number] = json.dumps(record, ensure_ascii=False)
    dump.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with Project.open(tmp_path / "rebuilt.db", create=True) as rebuilt:
        import_jsonl(dump, rebuilt)
        (transcript,) = rebuilt.transcripts()
        stored = rebuilt.text(transcript)
        assert "spin\u241bout" in stored and "\x1b" not in stored
        assert transcript.sha256 == hashlib.sha256(stored.encode()).hexdigest()
        segment = rebuilt.segments(transcript)[0]
        assert stored[segment.start : segment.end] == "How did the spin\u241bout go?"
