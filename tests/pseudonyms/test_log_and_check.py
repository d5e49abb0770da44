"""The anonymisation log, the leak check, and the transcript export for archiving."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from codebench.cli import cli
from codebench.project import Project
from codebench.pseudonyms.check import CheckError, check_files, file_texts, watch_list
from codebench.pseudonyms.detect import Candidate
from codebench.pseudonyms.key import Entry, Key, save_key
from codebench.pseudonyms.log import anonymisation_log

KEY = [
    Entry(
        "Helen Marsh",
        "[Chief Executive]",
        kind="speaker",
        first_name=True,
        decided_by="lead",
        decided_at="2026-12-01T10:00:00+00:00",
    ),
    Entry("Riverside", "[Org A]", kind="organisation", lowercase=True, decided_by="lead"),
    Entry("Jo", "[Nurse]", kind="speaker", transcripts=("02-riverside-nurse",), decided_by="sam"),
]


def run(db: Path, *args: str, ok: bool = True):
    result = CliRunner().invoke(cli, ["-p", str(db), *args], catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def keyed(demo_copy: Path) -> Path:
    save_key(Key(list(KEY)), demo_copy.with_name("study.pseudonyms.yaml"))
    return demo_copy


def test_the_log_has_one_row_per_replacement_with_who_and_when(keyed: Path) -> None:
    with Project.open(keyed, write=False) as project:
        rows = anonymisation_log(project, Key(list(KEY)), originals=True)
        text = project.text("01-riverside-ceo")
        segments = {s.ordinal: s for s in project.segments("01-riverside-ceo")}
    first = [r for r in rows if r.transcript == "01-riverside-ceo" and r.source == "text"]
    assert first[0].original == "Riverside" and first[0].label == "[Org A]"
    for row in first:
        assert text[row.start : row.end] == row.original
        if row.segment is not None:
            seg = segments[row.segment]
            assert seg.start <= row.start < seg.end
    helen = [r for r in rows if r.original == "Helen Marsh"]
    assert helen and helen[0].decided_by == "lead" and helen[0].decided_at.startswith("2026-12-01")
    jo = [r for r in rows if r.original == "Jo"]
    assert {r.transcript for r in jo} == {"02-riverside-nurse"}
    assert all(r.scope == "this transcript" for r in jo)


def test_the_log_command_leaves_real_strings_out_unless_asked(keyed: Path, tmp_path: Path) -> None:
    run(keyed, "pseudonymise", "log", "-o", str(tmp_path / "log.csv"))
    text = (tmp_path / "log.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and {r["Replaced by"] for r in rows} >= {"[Org A]", "[Chief Executive]"}
    assert "Helen" not in text and "Original" not in rows[0]
    run(keyed, "pseudonymise", "log", "--with-originals", "-o", str(tmp_path / "full.xlsx"))
    assert (tmp_path / "full.xlsx").stat().st_size > 0
    # The transcripts' names name the organisation too (01-riverside-ceo): pseudonymised.
    assert "riverside" not in text.casefold()
    assert {r["Transcript"] for r in rows} >= {"01-[Org A]-ceo", "02-[Org A]-nurse"}


def test_the_log_of_a_detected_key_passes_the_leak_check(demo_copy: Path, tmp_path: Path) -> None:
    run(demo_copy, "pseudonymise", "detect", "--write-key")
    log = tmp_path / "log.csv"
    run(demo_copy, "pseudonymise", "log", "-o", str(log))
    rows = list(csv.DictReader(io.StringIO(log.read_text(encoding="utf-8-sig"))))
    assert rows and all(r["Decided by"] == "nobody (proposed, not reviewed)" for r in rows)
    assert all(r["Decided at"] == "" for r in rows)
    result = run(demo_copy, "pseudonymise", "check", str(log))
    assert "no key string or undecided candidate found" in result.output
    full = tmp_path / "full.csv"
    run(demo_copy, "pseudonymise", "log", "--with-originals", "-o", str(full))
    assert run(demo_copy, "pseudonymise", "check", str(full), ok=False).exit_code == 1


def test_check_fails_on_a_plain_export_and_passes_on_the_pseudonymised_ones(
    keyed: Path, tmp_path: Path
) -> None:
    plain = tmp_path / "plain.docx"
    run(keyed, "report", "quotes", "--code", "01", "-o", str(plain))
    outputs = []
    for name in ("q.docx", "q.md", "r.html", "q.xlsx", "q.json", "q.csv"):
        kind = "html" if name == "r.html" else "quotes"
        out = tmp_path / name
        run(keyed, "report", kind, "--pseudonymise", "-o", str(out))
        outputs.append(out)
    run(keyed, "export", "qdpx", "--pseudonymise", "-o", str(tmp_path / "p.qdpx"))
    run(keyed, "export", "jsonl", "--pseudonymise", "-o", str(tmp_path / "p.jsonl"))
    run(keyed, "export", "transcripts", "-o", str(tmp_path / "archive"), "--pseudonymise")
    run(
        keyed,
        "export",
        "transcripts",
        "-o",
        str(tmp_path / "archive"),
        "--pseudonymise",
        "--format",
        "docx",
    )
    outputs += [
        tmp_path / "p.qdpx",
        tmp_path / "p.jsonl",
        *sorted((tmp_path / "archive").iterdir()),
    ]
    assert len(outputs) == 8 + 18
    files = [str(p) for p in outputs]
    passed = run(keyed, "pseudonymise", "check", "--no-candidates", *files)
    assert "no key string" in passed.output

    failed = run(keyed, "pseudonymise", "check", "--no-candidates", str(plain), ok=False)
    assert failed.exit_code == 1
    lines = failed.output.strip().splitlines()
    assert any("'Helen Marsh' (key)" in line for line in lines)
    assert all(line.startswith(str(plain)) for line in lines)
    # Candidates the key does not decide on count too: this key leaves most undecided.
    undecided = run(keyed, "pseudonymise", "check", str(outputs[0]), ok=False)
    assert "(candidate)" in undecided.output and "Westmoor" in undecided.output


def test_transcript_files_hold_the_mapped_text(keyed: Path, tmp_path: Path) -> None:
    run(
        keyed,
        "export",
        "transcripts",
        "01-riverside-ceo",
        "-o",
        str(tmp_path / "a"),
        "--pseudonymise",
    )
    (written,) = list((tmp_path / "a").iterdir())
    assert written.name == "01-[Org A]-ceo.txt"
    text = written.read_text(encoding="utf-8")
    assert text.startswith("Interviewer: Thanks for making the time")
    assert "[Chief Executive]: Of course." in text and "Helen" not in text


def _leaks(tmp_path: Path, name: str, data: bytes, watch: dict[str, str]) -> list[str]:
    path = tmp_path / name
    path.write_bytes(data)
    return [leak.found for leak in check_files([path], watch)]


def test_each_format_is_read_as_its_reader_shows_it(tmp_path: Path) -> None:
    watch = watch_list(Key([Entry("Helen Marsh", "[CEO]")]), [Candidate("Leeds", "place")])
    assert watch == {
        "Helen Marsh": "key",
        "HELEN MARSH": "key",
        "Leeds": "candidate",
        "LEEDS": "candidate",
    }
    assert _leaks(tmp_path, "a.html", b"<p>&#72;elen Marsh</p>", watch) == ["Helen Marsh"]
    assert _leaks(tmp_path, "a.json", json.dumps({"x": ["Helen Marsh"]}).encode(), watch) == [
        "Helen Marsh"
    ]
    assert _leaks(tmp_path, "a.txt", b"Leeds and Leedsford", watch) == ["Leeds"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("project.qde", '<Project name="x"><User name="HELEN MARSH"/></Project>')
        archive.writestr("sources/a.txt", "nothing here")
    assert _leaks(tmp_path, "a.qdpx", buffer.getvalue(), watch) == ["HELEN MARSH"]
    with pytest.raises(CheckError, match=r"cannot check \.pdf files"):
        file_texts(tmp_path / "x.pdf")
    (tmp_path / "bad.docx").write_bytes(b"not a zip")
    with pytest.raises(CheckError, match="cannot be read as docx"):
        file_texts(tmp_path / "bad.docx")


def test_check_without_the_project_uses_the_key_alone(tmp_path: Path) -> None:
    key = tmp_path / "k.yaml"
    save_key(Key([Entry("Helen Marsh", "[CEO]")]), key)
    sent = tmp_path / "sent.md"
    sent.write_text("Quote from [CEO].\n\nAnd from HELEN MARSH.\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        ["-p", str(tmp_path / "absent.db"), "pseudonymise", "check", str(sent), "--key", str(key)],
    )
    assert result.exit_code == 1
    assert f"{sent}: line 3: 'HELEN MARSH' (key)" in result.output


def test_the_log_lists_replacements_in_memos_and_attribute_values(keyed: Path) -> None:
    with Project.open(keyed) as project:
        memo_text = "Riverside asked us to call back"
        memo = project.add_memo("alice", memo_text, transcript="01-riverside-ceo")
        rows = anonymisation_log(project, Key(list(KEY)), originals=True)
        attributes = project.transcript("01-riverside-ceo").attributes
    in_memo = [r for r in rows if r.source == f"memo {memo} by alice"]
    assert [(r.transcript, r.original, r.label) for r in in_memo] == [
        ("01-riverside-ceo", "Riverside", "[Org A]")
    ]
    assert memo_text[in_memo[0].start : in_memo[0].end] == "Riverside"
    value = attributes["organisation"]  # "Riverside Community Health CIC"
    in_value = [r for r in rows if r.source == "attribute organisation"]
    assert in_value and all(value[r.start : r.end] == r.original for r in in_value)
    assert {r.transcript for r in in_value} >= {"01-riverside-ceo", "02-riverside-nurse"}


def test_check_reads_word_and_spreadsheet_properties(tmp_path: Path) -> None:
    import docx
    from openpyxl import Workbook

    watch = watch_list(Key(list(KEY)))
    for field in ("author", "title", "subject", "keywords", "comments", "last_modified_by"):
        document = docx.Document()
        document.add_paragraph("Nothing to see here.")
        setattr(document.core_properties, field, "Notes by Helen Marsh")
        path = tmp_path / f"{field}.docx"
        document.save(str(path))
        leaks = check_files([path], watch)
        assert [leak.found for leak in leaks] == ["Helen Marsh"], field
        assert leaks[0].where.startswith("document properties, line"), field
    for field in ("creator", "title", "subject", "keywords", "description", "lastModifiedBy"):
        book = Workbook()
        book.active.append(["Nothing to see here."])
        setattr(book.properties, field, "Helen Marsh")
        path = tmp_path / f"{field}.xlsx"
        book.save(str(path))
        assert [leak.found for leak in check_files([path], watch)] == ["Helen Marsh"], field


def test_our_documents_and_workbooks_name_no_person_and_no_other_tool(
    keyed: Path, tmp_path: Path
) -> None:
    import docx
    from openpyxl import load_workbook

    out = tmp_path / "q.docx"
    run(keyed, "report", "quotes", "-o", str(out))
    run(
        keyed,
        "export",
        "transcripts",
        "01-riverside-ceo",
        "-o",
        str(tmp_path / "t"),
        "--format",
        "docx",
    )
    run(keyed, "report", "frequencies", "-o", str(tmp_path / "f.xlsx"))
    for path in [out, *sorted((tmp_path / "t").glob("*.docx"))]:
        properties = docx.Document(str(path)).core_properties
        assert properties.author == properties.last_modified_by == "codebench", path
        assert "docx" not in (properties.comments or ""), path
    book = load_workbook(tmp_path / "f.xlsx")
    assert book.properties.creator == "codebench"
