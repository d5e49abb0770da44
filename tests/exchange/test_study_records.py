"""The study design and the analysis survive a JSONL dump and a merge (issues 12 and 13).

On the demo after a small round workflow, export → import-jsonl into a fresh
project gives the same bytes of every design and analysis output; a merge of
a coder's file adds only what the lead's lacks, reports differences, and is
idempotent; a malformed study record is one line naming the file and line,
and nothing is written.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from codebench.cli import cli
from codebench.exchange.jsonl import JsonlError, import_jsonl
from codebench.exchange.merge.run import merge
from codebench.project import Project
from codebench.store import bulk

CEO, NURSE, COMMISSIONER = "01-riverside-ceo", "02-riverside-nurse", "03-westmoor-commissioner"


def run(db: Path, *args: str) -> bytes:
    result = CliRunner().invoke(cli, ["-p", str(db), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo after a lead assigned, drew a sample, opened and closed a round, adjudicated
    with a reason, wrote a framework summary, a relation, a speaker's attribute, a saved query
    and a stop word."""
    from codebench.demo.build import build_demo

    folder = tmp_path_factory.mktemp("lead")
    db = folder / "study.db"
    build_demo(db)
    run(db, "assign", "--coder", "alice", CEO, NURSE, "--by", "lead", "--new-coder")
    run(db, "assign", "--coder", "bob", COMMISSIONER, "--segments", "1-40")
    run(db, "sample", "--fraction", "0.5", "--coders", "alice,bob", "--seed", "7", "--name", "s1")
    run(db, "round", "start", "pilot", "--by", "lead")
    first = json.loads(run(db, "disagreements", "--round", "1", "--format", "json"))[0]
    run(
        db,
        "adjudicate",
        "--coder",
        "lead",
        first["transcript"],
        str(first["segment"]),
        first["code"].split()[0],
        "accept_a",
        "--reason",
        "fits the definition",
    )
    run(db, "round", "close", "1", "--by", "lead")
    run(db, "framework", "set", CEO, "04.2", "--summary", "Ethos strained", "--coder", "lead")
    run(db, "relations", "add", "04.2", "16", "--type", "leads to", "--coder", "lead")
    speakers = folder / "speakers.csv"
    speakers.write_text("transcript,speaker,gender\n01-riverside-ceo,Helen Marsh,f\n")
    run(db, "speakers", "import", str(speakers))
    run(db, "query", "04.2 & 10", "--save", "ethos-and-contracts")
    run(db, "stop-words", "--add", "innit")
    return db


#: Every output the brief names, each as the lead would run it (seeded where it draws).
OUTPUTS = [
    ("agreement", "--round", "1", "--format", "json", "--seed", "1"),
    ("methods-appendix", "-o", "-", "--seed", "1"),
    ("framework", "show"),
    ("relations", "--format", "json"),
    ("speakers", "--format", "json"),
    ("assignments", "--format", "json"),
    ("samples", "--format", "json"),
    ("round", "list"),
    ("decisions", "--format", "csv"),
    ("queries",),
    ("stop-words",),
]


def test_export_then_import_gives_the_same_outputs_byte_for_byte(
    study: Path, tmp_path: Path
) -> None:
    dump = tmp_path / "study.jsonl"
    run(study, "export", "jsonl", "-o", str(dump))
    text = dump.read_text(encoding="utf-8")
    for kind in ("assignment", "sample", "round", "framework_cell", "code_relation"):
        assert f'"type": "{kind}"' in text, kind
    (tmp_path / "copy").mkdir()
    restored = tmp_path / "copy" / study.name  # the same file name: outputs quote it
    said = CliRunner().invoke(cli, ["-p", str(restored), "import-jsonl", str(dump)])
    assert said.exit_code == 0 and "Rebuilt" in said.output, said.output
    assert run(restored, "export", "jsonl") == dump.read_bytes()
    for args in OUTPUTS:
        assert run(restored, *args) == run(study, *args), args
    # The round still holds its draw: seed, strata and units.
    sample = json.loads(run(restored, "samples", "--format", "json"))[0]
    assert sample["seed"] == 7 and sample["strata"] and sample["drawn"] >= 1


def test_a_pseudonymised_dump_keeps_names_out_of_the_study_records(
    study: Path, tmp_path: Path
) -> None:
    from codebench.exchange.jsonl import iter_lines
    from codebench.pseudonyms.apply import Pseudonymiser
    from codebench.pseudonyms.key import Entry, Key

    key = Key([Entry("Helen Marsh", "[Chief Executive]", kind="speaker", first_name=True)])
    with Project.open(study, write=False) as p:
        lines = list(iter_lines(p, Pseudonymiser(key, p.text)))
    study_lines = [line for line in lines if '"speaker_attribute"' in line]
    assert study_lines and all("Helen" not in line for line in lines)
    assert "[Chief Executive]" in study_lines[0]


def _lead_and_coder(study: Path, tmp_path: Path) -> tuple[Path, Path]:
    lead, coder = tmp_path / "lead.db", tmp_path / "bob.db"
    shutil.copy(study, lead)
    shutil.copy(study, coder)
    return lead, coder


def _study_digest(db: Path) -> dict[str, list]:
    with Project.open(db, write=False) as p:
        return {
            t: sorted(map(repr, p.db.conn.execute(f"SELECT * FROM {t}"))) for t in bulk.STUDY_TABLES
        }


def test_merge_keeps_the_leads_design_adds_what_it_lacks_and_is_idempotent(
    study: Path, tmp_path: Path
) -> None:
    lead, coder = _lead_and_coder(study, tmp_path)
    run(coder, "relations", "add", "10", "16", "--type", "contradicts", "--coder", "bob")
    run(coder, "framework", "set", CEO, "04.2", "--summary", "Bob's reading", "--coder", "bob")
    run(coder, "framework", "set", NURSE, "08", "--summary", "Morale up", "--coder", "bob")
    run(coder, "query", "16", "--save", "competition")
    before = _study_digest(lead)
    with Project.open(lead) as target:
        report = merge(target, [coder])
    source = report.sources[0]
    assert source.refused is None
    assert source.added["relations"] == 1 and source.added["framework"] == 1
    assert source.added["queries"] == 1 and source.unchanged["rounds"] == 1
    assert source.added["rounds"] == source.added["samples"] == source.added["assignments"] == 0
    assert (
        "framework summary of 01-riverside-ceo under 04.2 Disadvantages and tensions of the "
        "mutual ethos: differs in bob.db; kept this file's"
    ) in source.conflicts
    with Project.open(lead, write=False) as p:
        summaries = dict(p.db.conn.execute("SELECT summary, updated_at FROM framework_cells"))
    assert "Ethos strained" in summaries and "Bob's reading" not in summaries
    after = _study_digest(lead)
    assert len(after["code_relations"]) == len(before["code_relations"]) + 1
    with Project.open(lead) as target:
        again = merge(target, [coder])
    assert not again.sources[0].added["relations"] and not +again.sources[0].added
    assert _study_digest(lead) == after


def test_merge_brings_a_round_the_target_lacks(study: Path, tmp_path: Path) -> None:
    """A coder's file with the design into a lead's copy without it: every design row arrives."""
    lead = tmp_path / "lead.db"
    with Project.open(study, write=False) as p:
        dump = tmp_path / "bare.jsonl"
        from codebench.exchange.jsonl import export_jsonl

        export_jsonl(p, dump)
    kept = [
        line
        for line in dump.read_text(encoding="utf-8").splitlines(keepends=True)
        if json.loads(line)["type"]
        not in {"assignment", "sample", "round", "round_report", "framework_cell"}
    ]
    dump.write_text("".join(kept), encoding="utf-8")
    with Project.open(lead, create=True) as target:
        import_jsonl(dump, target)
        report = merge(target, [study])
    source = report.sources[0]
    assert source.added["rounds"] == 1 and source.added["samples"] == 1
    assert source.added["assignments"] > 0 and source.added["framework"] == 1
    # The closed round's frozen figures come with it: the lead's report reads them, not a recount.
    assert source.added["frozen round reports"] == 1
    for args in [("round", "list"), ("samples", "--format", "json")]:
        assert run(lead, *args) == run(study, *args)


# --------------------------------------------------------------------- hostile records


@pytest.fixture(scope="module")
def dump_lines(study: Path, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    from codebench.exchange.jsonl import export_jsonl

    dump = tmp_path_factory.mktemp("dump") / "study.jsonl"
    with Project.open(study, write=False) as p:
        export_jsonl(p, dump)
    return dump.read_text(encoding="utf-8").splitlines(keepends=True)


BAD = [
    ("speaker_attribute", {"transcript": "no-such-guid"}, "unknown transcript 'no-such-guid'"),
    ("speaker_attribute", {"key": "  "}, "a speaker attribute's key is empty"),
    ("assignment", {"first_segment": 3}, "needs both first_segment and last_segment"),
    ("assignment", {"coder": "ghost"}, "unknown coder 'ghost'"),
    ("sample", {"fraction": 2.0}, "sample fraction 2.0 is not in (0, 1]"),
    ("sample", {"draw": "{not json"}, "a sample's draw is not JSON text"),
    ("sample", {"seed": "7"}, "sample field 'seed' must be int"),
    ("round", {"sample": "nope"}, "round 1: unknown sample 'nope'"),
    ("round", {"coders": [1]}, "a round's coders must be a list of coder GUIDs"),
    ("round", {"number": 0}, "round number 0 (rounds start at 1)"),
    ("framework_cell", {"code": "ghost"}, "unknown code 'ghost'"),
    ("code_relation", {"to_code": None}, "code_relation field 'to_code' must be str"),
    ("saved_query", {"scope": "[]"}, "a saved query's scope must be a JSON object"),
]


@pytest.mark.parametrize(("kind", "change", "message"), BAD)
def test_a_malformed_study_record_is_one_line_naming_the_line_and_nothing_is_written(
    dump_lines: list[str], tmp_path: Path, kind: str, change: dict, message: str
) -> None:
    lines = list(dump_lines)
    number = next(i for i, line in enumerate(lines) if json.loads(line)["type"] == kind)
    record = json.loads(lines[number])
    record.update(change)
    lines[number] = json.dumps(record) + "\n"
    bad = tmp_path / "bad.jsonl"
    bad.write_text("".join(lines), encoding="utf-8")
    target = tmp_path / "fresh.db"
    with Project.open(target, create=True) as p, pytest.raises(JsonlError) as caught:
        import_jsonl(bad, p)
    assert str(caught.value).startswith(f"{bad}:{number + 1}: "), str(caught.value)
    assert message in str(caught.value)
    with Project.open(target, write=False) as p:
        assert not any(bulk.table_counts(p.db).values())
    said = CliRunner().invoke(cli, ["-p", str(target), "import-jsonl", str(bad)])
    assert said.exit_code == 1 and "Traceback" not in said.output
    assert said.output.startswith(f"Error: {bad}:{number + 1}: ")


def test_a_study_record_repeated_is_refused(dump_lines: list[str], tmp_path: Path) -> None:
    lines = list(dump_lines)
    number = next(i for i, line in enumerate(lines) if json.loads(line)["type"] == "sample")
    lines.insert(number + 1, lines[number])
    bad = tmp_path / "twice.jsonl"
    bad.write_text("".join(lines), encoding="utf-8")
    with Project.open(tmp_path / "fresh.db", create=True) as p, pytest.raises(JsonlError) as caught:
        import_jsonl(bad, p)
    assert f"{bad}:{number + 2}: sample 's1' appears twice" == str(caught.value)


# --------------------------------------------------------------------- REFI-QDA


def test_refi_qda_carries_the_study_in_codebench_design_note(study: Path, tmp_path: Path) -> None:
    archive = tmp_path / "study.qdpx"
    run(study, "export", "qdpx", "-o", str(archive))
    copy = tmp_path / "copy" / study.name
    copy.parent.mkdir()
    said = CliRunner().invoke(cli, ["-p", str(copy), "import-project", str(archive)])
    assert said.exit_code == 0, said.output
    assert "study: " in said.output
    for args in [
        ("relations", "--format", "json"),
        ("speakers", "--format", "json"),
        ("framework", "show"),
        ("samples", "--format", "json"),
        ("round", "list"),
        ("queries",),
        ("agreement", "--round", "1", "--format", "json", "--seed", "1"),
    ]:
        assert run(copy, *args) == run(study, *args), args


@pytest.mark.parametrize(
    ("kind", "change", "message"),
    [
        ("sample", {"fraction": 5}, "sample fraction 5 is not in (0, 1]"),
        ("code_relation", {"kind": 3}, "code_relation field 'kind' has the wrong type"),
        ("round", {"extra": 1}, "a round must have exactly the fields"),
    ],
)
def test_a_malformed_study_record_in_a_design_note_refuses_the_file(
    study: Path, tmp_path: Path, kind: str, change: dict, message: str
) -> None:
    from dataclasses import replace

    from codebench.exchange.qdpx.design_note import NOTE_NAME
    from codebench.exchange.qdpx.project import build_refi_project
    from codebench.exchange.refi import write_project

    with Project.open(study, write=False) as p:
        refi = build_refi_project(p)
    note = next(n for n in refi.notes if n.name == NOTE_NAME)
    body = json.loads(note.text)
    body["study"][kind][0].update(change)
    notes = [replace(n, text=json.dumps(body)) if n.name == NOTE_NAME else n for n in refi.notes]
    path = tmp_path / "hostile.qdpx"
    write_project(replace(refi, notes=notes), path)
    target = tmp_path / "fresh.db"
    said = CliRunner().invoke(cli, ["-p", str(target), "import-project", str(path)])
    assert said.exit_code == 1, said.output
    line = said.output.strip()
    assert "\n" not in line and line.startswith("Error: ") and "hostile.qdpx" in line
    assert message in line and "nothing imported" in line
    if target.exists():
        with Project.open(target, write=False) as p:
            assert not p.transcripts() and not p.coders()


def _with_review(dump_lines: list[str], reason: str) -> list[str]:
    """The dump with one coding flagged for review (the demo has none), placed before the events."""
    lines = list(dump_lines)
    coding = next(json.loads(line) for line in lines if json.loads(line)["type"] == "coding")
    review = {
        "type": "coding_review",
        **{k: coding[k] for k in ("coder", "code", "transcript", "start", "end")},
        "reason": reason,
        "version": 2,
        "was": "the words it had",
        "flagged_at": "2026-01-01T00:00:00.000+00:00",
    }
    at = next(i for i, line in enumerate(lines) if json.loads(line)["type"] == "event")
    lines.insert(at, json.dumps(review, ensure_ascii=False, sort_keys=True) + "\n")
    return lines


def test_a_flagged_coding_round_trips_and_a_bad_reason_is_refused(
    dump_lines: list[str], tmp_path: Path
) -> None:
    good = tmp_path / "good.jsonl"
    good.write_text("".join(_with_review(dump_lines, "orphaned")), encoding="utf-8")
    with Project.open(tmp_path / "good.db", create=True) as p:
        import_jsonl(good, p)
        assert bulk.study_rows(p.db, "coding_review")[0]["was"] == "the words it had"
    assert run(tmp_path / "good.db", "export", "jsonl") == good.read_bytes()
    lines = _with_review(dump_lines, "bogus")
    bad = tmp_path / "bad.jsonl"
    bad.write_text("".join(lines), encoding="utf-8")
    number = next(i for i, line in enumerate(lines) if '"coding_review"' in line) + 1
    with Project.open(tmp_path / "bad.db", create=True) as p, pytest.raises(JsonlError) as caught:
        import_jsonl(bad, p)
    assert str(caught.value) == (
        f"{bad}:{number}: unknown review reason 'bogus' (use clamped, orphaned)"
    )
