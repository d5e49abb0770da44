"""Pseudonymised outputs: reports, segments, JSONL and .qdpx, with the project left as it was."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from codebench.agreement.report import agreement_report
from codebench.cli import cli
from codebench.exchange.jsonl import iter_lines
from codebench.project import Project
from codebench.pseudonyms.apply import Pseudonymiser, span_text
from codebench.pseudonyms.key import Entry, Key, save_key

ENTRIES = [
    Entry("Helen Marsh", "[Chief Executive, Org A]", kind="speaker", first_name=True),
    Entry("Jo Kendrick", "[Nurse, Org A]", kind="speaker", first_name=True),
    Entry("Riverside Community Health", "[Org A]", kind="organisation", lowercase=True),
    Entry("Riverside", "[Org A]", kind="organisation", lowercase=True),
    Entry("Westmoor", "[County]", kind="place", lowercase=True),
    Entry("Eastfield", "[Area 1]", kind="place"),
    Entry("NHS", keep=True),
]
#: What must not survive (the key's real strings in the forms a reader would spot).
REAL = (
    "Helen",
    "Marsh",
    "Jo Kendrick",
    "Riverside",
    "riverside",
    "Westmoor",
    "westmoor",
    "Eastfield",
)


def run(db: Path, *args: str, ok: bool = True):
    result = CliRunner().invoke(cli, ["-p", str(db), *args], catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def keyed(demo_copy: Path) -> Path:
    """The demo copy with its key beside it (study.pseudonyms.yaml)."""
    save_key(Key(list(ENTRIES)), demo_copy.with_name("study.pseudonyms.yaml"))
    return demo_copy


def _fingerprint(path: Path) -> tuple[str, str]:
    """The project's whole content (its JSONL dump) and its agreement figures."""
    with Project.open(path, write=False) as project:
        dump = hashlib.sha256("".join(iter_lines(project)).encode()).hexdigest()
        figures = json.dumps(agreement_report(project, seed=7), sort_keys=True, default=str)
    return dump, hashlib.sha256(figures.encode()).hexdigest()


def _survivors(text: str) -> list[str]:
    return [r for r in REAL if r in text]


@pytest.mark.parametrize("fmt", ["md", "html", "json", "csv"])
def test_quotes_in_every_text_format(keyed: Path, tmp_path: Path, fmt: str) -> None:
    plain = tmp_path / f"plain.{fmt}"
    out = tmp_path / f"quotes.{fmt}"
    run(keyed, "report", "quotes", "--code", "01", "-o", str(plain))
    run(keyed, "report", "quotes", "--code", "01", "--context", "--pseudonymise", "-o", str(out))
    assert _survivors(plain.read_text(encoding="utf-8"))  # there was something to replace
    text = out.read_text(encoding="utf-8").replace("\\[", "[").replace("\\]", "]")  # md escapes
    assert _survivors(text) == []
    assert "Chief Executive, Org A" in text and "[Org A]" in text
    assert "NHS" in text  # a keep decision


def test_quotes_docx_and_the_whole_html_report(keyed: Path, tmp_path: Path) -> None:
    import docx

    run(keyed, "report", "quotes", "--pseudonymise", "-o", str(tmp_path / "q.docx"))
    body = "\n".join(p.text for p in docx.Document(str(tmp_path / "q.docx")).paragraphs)
    assert "[Org A]" in body and _survivors(body) == []
    run(keyed, "report", "html", "--pseudonymise", "-o", str(tmp_path / "r.html"))
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "[Org A]" in html and _survivors(html) == []


def test_a_key_elsewhere_and_a_bad_key(keyed: Path, tmp_path: Path) -> None:
    other = tmp_path / "keys" / "k.yaml"
    other.parent.mkdir()
    save_key(Key([Entry("Helen Marsh", "[H]", first_name=True)]), other)
    out = run(keyed, "segments", "01-riverside-ceo", "--format", "json", f"--pseudonymise={other}")
    rows = json.loads(out.output)
    assert rows[2]["speaker"] == "[H]"
    assert "Riverside" in out.output  # only what that key names
    other.write_text("format: [\n", encoding="utf-8")
    bad = run(
        keyed, "report", "quotes", f"--pseudonymise={other}", "-o", str(tmp_path / "x.md"), ok=False
    )
    assert bad.exit_code == 1 and "malformed YAML" in bad.output
    assert not (tmp_path / "x.md").exists()


def test_segments_map_text_speakers_and_offsets(keyed: Path) -> None:
    rows = json.loads(
        run(keyed, "segments", "01-riverside-ceo", "--format", "json", "--pseudonymise").output
    )
    with Project.open(keyed, write=False) as project:
        p = Pseudonymiser(Key(list(ENTRIES)), project.text)
        mapped = p.transcript_map("01-riverside-ceo")
    assert rows[2]["speaker"] == "[Chief Executive, Org A]"
    for row in rows:
        assert mapped.text[row["start"] : row["end"]] == row["text"]
        assert _survivors(row["text"] + row["speaker"]) == []


def _coded_spans(project: Project) -> dict[tuple[str, str, str], list[str]]:
    """Each coding's text, by (coder, code GUID, transcript position)."""
    names = {c.id: c.name for c in project.coders()}
    guids = {c.id: c.guid for c in project.codes(include_archived=True)}
    order = {t.id: i for i, t in enumerate(project.transcripts())}
    texts = {t.id: project.text(t) for t in project.transcripts()}
    out: dict[tuple[str, str, str], list[str]] = {}
    for c in project.codings():
        key = (names[c.coder_id], guids[c.code_id], str(order[c.transcript_id]))
        out.setdefault(key, []).append(texts[c.transcript_id][c.start : c.end])
    return {k: sorted(v) for k, v in out.items()}


def _expected(project: Project) -> dict[tuple[str, str, str], list[str]]:
    """The same, mapped: what a correct pseudonymised export must hold."""
    p = Pseudonymiser(Key(list(ENTRIES)), project.text)
    names = {c.id: c.name for c in project.coders()}
    guids = {c.id: c.guid for c in project.codes(include_archived=True)}
    transcripts = {t.id: t for t in project.transcripts()}
    order = {t.id: i for i, t in enumerate(project.transcripts())}
    out: dict[tuple[str, str, str], list[str]] = {}
    for c in project.codings():
        mapped = p.transcript_map(transcripts[c.transcript_id].name)
        key = (names[c.coder_id], guids[c.code_id], str(order[c.transcript_id]))
        out.setdefault(key, []).append(span_text(mapped, c.start, c.end))
    return {k: sorted(v) for k, v in out.items()}


def test_jsonl_and_qdpx_reopen_with_every_coding_on_the_same_words(
    keyed: Path, tmp_path: Path
) -> None:
    before = _fingerprint(keyed)
    run(keyed, "export", "jsonl", "--pseudonymise", "-o", str(tmp_path / "p.jsonl"))
    run(keyed, "export", "qdpx", "--pseudonymise", "-o", str(tmp_path / "p.qdpx"))
    run(keyed, "report", "quotes", "--pseudonymise", "-o", str(tmp_path / "q.docx"))
    dump = (tmp_path / "p.jsonl").read_text(encoding="utf-8")
    assert _survivors(dump) == [] and '"type": "event"' not in dump
    with zipfile.ZipFile(tmp_path / "p.qdpx") as archive:
        inside = "".join(archive.read(n).decode("utf-8") for n in archive.namelist())
    assert _survivors(inside) == []

    with Project.open(keyed, write=False) as original:
        expected = _expected(original)
        transcripts = len(original.transcripts())
    run(tmp_path / "from-jsonl.db", "import-jsonl", str(tmp_path / "p.jsonl"))
    run(tmp_path / "from-qdpx.db", "import-project", str(tmp_path / "p.qdpx"))
    for rebuilt in ("from-jsonl.db", "from-qdpx.db"):
        with Project.open(tmp_path / rebuilt, write=False) as project:
            assert len(project.transcripts()) == transcripts
            assert _coded_spans(project) == expected, rebuilt
            assert any(t.name == "01-[Org A]-ceo" for t in project.transcripts())
    # The project itself: text, codings and agreement figures exactly as they were.
    assert _fingerprint(keyed) == before


def test_agreement_and_disagreements_name_no_one(keyed: Path, tmp_path: Path) -> None:
    run(keyed, "agreement", "--seed", "3", "--format", "md", "-o", str(tmp_path / "plain.md"))
    run(
        keyed,
        "agreement",
        "--seed",
        "3",
        "--format",
        "md",
        "--pseudonymise",
        "-o",
        str(tmp_path / "a.md"),
    )
    assert "riverside" in (tmp_path / "plain.md").read_text(encoding="utf-8")
    text = (tmp_path / "a.md").read_text(encoding="utf-8").replace("\\[", "[").replace("\\]", "]")
    assert _survivors(text) == [] and "01-[Org A]-ceo" in text
    rows = json.loads(run(keyed, "disagreements", "--format", "json", "--pseudonymise").output)
    assert rows and _survivors(json.dumps(rows, ensure_ascii=False)) == []
    assert any(r["speaker"] == "[Chief Executive, Org A]" for r in rows)


def test_the_transcript_list(keyed: Path) -> None:
    rows = json.loads(run(keyed, "transcripts", "--format", "json", "--pseudonymise").output)
    assert rows[0]["name"] == "01-[Org A]-ceo" and rows[0]["source"] == "01-[Org A]-ceo.txt"
    assert rows[0]["attributes"]["organisation"] == "[Org A] CIC"
    assert _survivors(json.dumps(rows)) == []


def test_the_adjudication_log_names_no_one(keyed: Path, tmp_path: Path) -> None:
    first = json.loads(run(keyed, "disagreements", "--format", "json").output)[0]
    reason = f"as {first['speaker']} says"  # a real name in a reason is pseudonymised too
    run(
        keyed,
        "adjudicate",
        "--coder",
        "pat",
        "--new-coder",
        first["transcript"],
        str(first["segment"]),
        first["code"].split()[0],
        "all",
        "--reason",
        reason,
    )
    plain = run(keyed, "decisions", "--format", "csv").output
    assert _survivors(plain)  # the transcript's name and the reason name someone
    out = tmp_path / "log.md"
    run(keyed, "decisions", "--pseudonymise", "-o", str(out))
    text = out.read_text(encoding="utf-8").replace("\\[", "[").replace("\\]", "]")
    assert _survivors(text) == [] and "01-[Org A]-ceo" in text


def test_round_report_trajectory_and_methods_appendix_name_no_one(
    keyed: Path, tmp_path: Path
) -> None:
    # Seed 1 draws the CEO interview (done by both demo coders, and full of names) and one other.
    drawn = run(keyed, "sample", "--fraction", "0.25", "--seed", "1", "--coders", "alice,bob")
    assert "01-riverside-ceo" in drawn.output
    run(keyed, "round", "start", "pilot")
    plain, out = tmp_path / "plain.md", tmp_path / "round.md"
    run(keyed, "agreement", "--round", "1", "--seed", "3", "-o", str(plain))
    run(keyed, "agreement", "--round", "1", "--seed", "3", "--pseudonymise", "-o", str(out))
    assert _survivors(plain.read_text(encoding="utf-8"))  # the round's disagreements have text
    assert _survivors(out.read_text(encoding="utf-8").replace("\\[", "[").replace("\\]", "]")) == []
    for command in (("round", "trajectory"), ("methods-appendix",)):
        target = tmp_path / f"{command[-1]}.md"
        run(keyed, *command, "--bootstrap", "0", "--pseudonymise", "-o", str(target))
        text = target.read_text(encoding="utf-8").replace("\\[", "[").replace("\\]", "]")
        assert _survivors(text) == [], command
        assert "[Org A]" in text
