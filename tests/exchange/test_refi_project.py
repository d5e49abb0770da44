"""REFI-QDA projects and codebooks in and out of the store, asserting on database state.

The real exports are read in place from ``../shared/refi-qda`` (beside the
repository); tests that need them are skipped only if that folder is absent.
Assertions check counts and structure, never print the (real) text.
"""

from __future__ import annotations

import io
import sqlite3
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from codebench.cli import cli
from codebench.codebook.format import default_codebook_path, load_codebook
from codebench.exchange.qdpx.codebook import (
    InterchangeError,
    code_description,
    export_qdc,
    import_qdc,
    parse_code,
    refi_codes,
)
from codebench.exchange.qdpx.project import build_refi_project, export_qdpx, import_qdpx
from codebench.exchange.refi import (
    RefiCode,
    RefiCodebook,
    project_to_qde,
    read_codebook,
    write_codebook,
)
from codebench.ingest.plain import plain_layout, source_layout
from codebench.models import Code
from codebench.project import Project

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "transcripts"
REFERENCE = REPO.parent / "shared" / "refi-qda"
SCHEMAS = (
    Path(__file__).resolve().parents[1] / "data" / "refi-qda-xsd"
)  # copied XSDs, see SOURCE.md
ENTITY_QDE = (
    b'<?xml version="1.0"?><!DOCTYPE Project [<!ENTITY a "aaaa">]>'
    b'<Project xmlns="urn:QDA-XML:project:1.0" name="&a;"/>'
)
SAMPLE_FILES = ("01-riverside-ceo.txt", "02-riverside-nurse.vtt", "07-learnwell-manager.md")


@pytest.fixture(scope="module")
def reference() -> Path:
    if not REFERENCE.is_dir():
        pytest.skip(
            f"the real REFI-QDA exports of other tools are not here ({REFERENCE}): they live in "
            "../shared/refi-qda beside the repository (see SOURCES.md there), never in the repository"
        )
    return REFERENCE


def build_sample(path: Path) -> Project:
    """Three sample interviews, two coders' codings (whole segments and a sub-span),
    attributes, and memos on a transcript, a segment, a code, a coding and the project."""
    project = Project.init(path, load_codebook(default_codebook_path()))
    report = project.import_files(
        [SAMPLES / name for name in SAMPLE_FILES], attributes=SAMPLES / "attributes.csv"
    )
    assert report.ok, report.failed
    first, second, third = project.transcripts()
    project.code_segments("alice", first, [1, 2, 3], "04", allow_noncodable=True)  # 1: interviewer
    project.code_segments("alice", first, [2], "04.1")
    project.code_segments("bob", first, [2, 5], "04")
    project.code_segments("bob", second, [0, 4], "13", allow_noncodable=True)  # 0: interviewer
    seg = project.segments(third)[3]
    project.add_codings("alice", "02", third, [(seg.start, seg.start + 12)])  # a sub-segment span
    project.add_memo("alice", "Whole interview feels rehearsed.", transcript=first)
    project.add_memo("bob", "Ambiguous between 04 and 05.", segment=project.segments(first)[5])
    project.add_memo("alice", "Watch for overlap with 05.1.", code="04")
    coding = project.codings(transcript=first, coders=["bob"])[0]
    project.add_memo("bob", "Coded on tone, not content.", coding=coding)
    project.add_memo("alice", "Team meeting: recode round 2 next week.")
    return project


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Project:
    project = build_sample(tmp_path_factory.mktemp("sample") / "project.db")
    yield project
    project.close()


def state(db_path: Path) -> dict[str, list[tuple]]:
    """Every row of every table (read through a separate connection)."""
    conn = sqlite3.connect(db_path)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}
    finally:
        conn.close()


def on_boundary(text: str, position: int) -> bool:
    """Our own word-boundary check: not between two word characters."""
    if position <= 0 or position >= len(text):
        return True
    return not (text[position - 1].isalnum() and text[position].isalnum())


def snapshot(project: Project) -> dict[str, object]:
    """Codes, coders, transcripts, codings, memos and segments keyed by GUIDs (no ids)."""
    codes = project.codes(include_archived=True)
    code_guid = {c.id: c.guid for c in codes}
    coders = {k.id: k for k in project.coders()}
    transcripts = {t.id: t for t in project.transcripts()}
    segments = {
        s.id: (transcripts[t.id].guid, s.start, s.end)
        for t in transcripts.values()
        for s in project.segments(t)
    }
    codings = {c.id: c for c in project.codings()}

    def coding_key(coding_id: int | None) -> tuple | None:
        if coding_id is None:
            return None
        c = codings[coding_id]
        return (
            coders[c.coder_id].guid,
            code_guid[c.code_id],
            transcripts[c.transcript_id].guid,
            c.start,
            c.end,
        )

    return {
        "codes": [
            (
                c.guid,
                c.number,
                c.name,
                code_guid.get(c.parent_id),
                c.description,
                c.inclusion,
                c.exclusion,
                c.example,
                c.colour,
                c.archived,
            )
            for c in codes
        ],
        "coders": sorted((k.guid, k.name, k.kind) for k in coders.values()),
        "transcripts": sorted(
            (
                t.guid,
                t.name,
                t.sha256,
                t.imported_at,
                project.text(t),
                tuple(sorted(t.attributes.items())),
            )
            for t in transcripts.values()
        ),
        "segments": sorted(
            (transcripts[t.id].guid, s.ordinal, s.start, s.end, s.speaker, s.codable)
            for t in transcripts.values()
            for s in project.segments(t)
        ),
        "codings": sorted(coding_key(c.id) + (c.created_at,) for c in codings.values()),
        "memos": sorted(
            (
                m.guid,
                m.text,
                coders[m.author_id].guid if m.author_id else None,
                transcripts[m.transcript_id].guid if m.transcript_id else None,
                segments.get(m.segment_id),
                code_guid.get(m.code_id),
                coding_key(m.coding_id),
                m.created_at,
            )
            for m in project.memos()
        ),
    }


# ----------------------------------------------------------------------------- real exports


@pytest.fixture(scope="module")
def oltas(reference: Path, tmp_path_factory: pytest.TempPathFactory):
    project = Project.open(tmp_path_factory.mktemp("oltas") / "oltas.db", create=True)
    report = import_qdpx(project, reference / "oltas0517.qdpx")
    yield project, report
    project.close()


def test_nvivo_export_imports_with_codings_on_word_boundaries(oltas):
    project, report = oltas
    assert len(project.coders()) == 2
    codes = project.codes(include_archived=True)
    assert len(codes) == 152
    parents = {c.parent_id for c in codes if c.parent_id is not None}
    assert len(parents) == 32  # nested as in NVivo
    transcripts = project.transcripts()
    assert len(transcripts) == 2
    codings = project.codings()
    assert len(codings) == 303
    texts = {t.id: project.text(t) for t in transcripts}
    landed = sum(
        1
        for c in codings
        if on_boundary(texts[c.transcript_id], c.start)
        and on_boundary(texts[c.transcript_id], c.end)
    )
    assert landed >= 300
    assert report.offset_convention == "utf16"
    assert "300 of 303 selections land on word boundaries" in report.offsets
    # NVivo stamps every Coding with one user; the selections say who coded: 297 and 6.
    assert sorted(len(project.codings(coders=[k])) for k in project.coders()) == [6, 297]


def test_nvivo_text_is_stored_as_the_source_gives_it(oltas, reference):
    from codebench.exchange.refi import read_project

    project, _report = oltas
    refi = read_project(reference / "oltas0517.qdpx")
    stored = {t.guid: project.text(t) for t in project.transcripts()}
    for source in refi.sources:
        assert stored[source.guid] == source.normalized_text  # CRLF → LF, BOM gone, nothing else
        assert "\r" not in stored[source.guid]
    for transcript in project.transcripts():
        previous_end = 0
        text = stored[transcript.guid]
        for segment in project.segments(transcript):
            assert previous_end <= segment.start < segment.end <= len(text)
            previous_end = segment.end


def test_nvivo_reimport_is_idempotent(oltas, reference):
    project, _report = oltas
    before = state(project.path)
    again = import_qdpx(project, reference / "oltas0517.qdpx")
    assert (
        again.codings_added,
        again.codes_added,
        again.codes_updated,
        len(again.transcripts_added),
    ) == (0, 0, 0, 0)
    assert again.codings_existing == 303
    after = state(project.path)
    assert len(after["events"]) == len(before["events"]) + 1  # only the project.import record
    assert {k: v for k, v in after.items() if k != "events"} == {
        k: v for k, v in before.items() if k != "events"
    }


def test_atlas_qde_imports_codes_and_users_and_reports_non_text_sources(reference, tmp_path):
    project = Project.open(tmp_path / "atlas.db", create=True)
    with project:
        report = import_qdpx(project, reference / "Project.qde")
        assert len(project.codes()) == 14
        assert sorted(k.name for k in project.coders()) == [
            "ATLAS.ti",
            "Friedrich Markgraf",
            "Sebastian Petrausch",
        ]
        assert project.transcripts() == []  # a bare .qde carries no texts
        skipped = " ".join(report.skipped)
        for kind in ("PDFSource", "PictureSource", "AudioSource", "VideoSource"):
            assert kind in skipped
        assert "text sources have no text" in skipped
        assert "codings on text sources without text not imported" in skipped
        colours = [c.colour for c in project.codes() if c.colour]
        assert len(colours) == 13


def test_qc_export_attributes_codings_to_its_only_user(reference, tmp_path):
    with Project.open(tmp_path / "qc.db", create=True) as project:
        report = import_qdpx(project, reference / "demo.qdpx")
        assert [k.name for k in project.coders()] == ["cp"]
        assert len(project.transcripts()) == 2
        assert report.codings_added == len(project.codings()) > 150


# ----------------------------------------------------------------------------- round trip


def test_round_trip_restores_codes_transcripts_codings_coders_and_memos(sample, tmp_path):
    exported = tmp_path / "out.qdpx"
    summary = export_qdpx(sample, exported)
    assert summary.codings == len(sample.codings())
    (tmp_path / "copy").mkdir()
    copy = Project.open(tmp_path / "copy" / "project.db", create=True)
    with copy:
        report = import_qdpx(copy, exported)
        assert report.offset_convention == "codepoints"
        assert not report.skipped and not report.warnings
        assert snapshot(copy) == snapshot(sample)
        # ... so exporting the copy gives the very same archive, byte for byte.
        again = tmp_path / "again.qdpx"
        export_qdpx(copy, again)
    assert again.read_bytes() == exported.read_bytes()


def test_round_trip_keeps_code_numbers_guidance_and_archived_flag_exactly():
    codes = [
        Code(
            1,
            "a8a1f2c4-0000-4000-8000-000000000001",
            "Ethos",
            number="04",
            description="Values.",
            inclusion="Talk of values.",
            exclusion="Money.",
            example="We care.",
        ),
        Code(2, "a8a1f2c4-0000-4000-8000-000000000002", "2020 elections"),
        Code(3, "a8a1f2c4-0000-4000-8000-000000000003", "Old node", number="A1", archived=True),
        Code(
            4,
            "a8a1f2c4-0000-4000-8000-000000000004",
            "Only example",
            example="Example: nested\n\nlines",
        ),
        Code(5, "a8a1f2c4-0000-4000-8000-000000000005", "Plain", description="Just a description."),
    ]
    for code, refi in zip(codes, refi_codes(codes)):
        fields = parse_code(refi)
        assert refi.name == code.label
        back = (
            fields.number,
            fields.name,
            fields.description,
            fields.inclusion,
            fields.exclusion,
            fields.example,
            fields.archived,
        )
        assert back == (
            code.number,
            code.name,
            code.description,
            code.inclusion,
            code.exclusion,
            code.example,
            code.archived,
        )
    assert code_description(codes[4]) == "Just a description."  # nothing to restore: no trailer
    foreign = parse_code(
        RefiCode(guid=codes[1].guid, name="2020 elections", description="From NVivo")
    )
    assert (foreign.native, foreign.number, foreign.name) == (False, None, "2020 elections")


# ----------------------------------------------------------------------------- schema and stability


def test_exports_validate_against_the_official_schemas(sample, tmp_path):
    xmlschema = pytest.importorskip("xmlschema")
    project_schema = xmlschema.XMLSchema(str(SCHEMAS / "Project-mrt2019.xsd"))
    codebook_schema = xmlschema.XMLSchema(str(SCHEMAS / "Codebook-mrt2019.xsd"))
    path = tmp_path / "sample.qdpx"
    export_qdpx(sample, path)
    with zipfile.ZipFile(path) as archive:
        qde = archive.read("project.qde")
        assert sorted(n for n in archive.namelist() if n.startswith("sources/")) == sorted(
            f"sources/{t.guid}.txt" for t in sample.transcripts()
        )
    project_schema.validate(io.BytesIO(qde))
    codebook_schema.validate(io.BytesIO(export_qdc(sample)))
    refi = build_refi_project(sample)
    assert (
        refi.cases and refi.notes and refi.variables
    )  # attributes and memos are in what was validated
    assert any(not s.codings for s in refi.selections)  # the segment memo's selection
    project_schema.validate(io.BytesIO(project_to_qde(refi)))


def test_guids_are_identical_across_exports(sample, tmp_path):
    first, second = tmp_path / "1.qdpx", tmp_path / "2.qdpx"
    export_qdpx(sample, first)
    export_qdpx(sample, second)
    assert first.read_bytes() == second.read_bytes()
    a, b = build_refi_project(sample), build_refi_project(sample)
    guids = lambda p: sorted(
        [u.guid for u in p.users]
        + [c.guid for c, _p, _d in p.iter_codes()]
        + [s.guid for s in p.sources]
        + [s.guid for s in p.selections]
        + [c.guid for s in p.selections for c in s.codings]
        + [n.guid for n in p.notes]
        + [c.guid for c in p.cases]
        + [v.guid for v in p.variables]
    )
    assert guids(a) == guids(b)
    assert {u.guid for u in a.users} == {k.guid for k in sample.coders()}
    assert {s.guid for s in a.sources} == {t.guid for t in sample.transcripts()}
    assert {c.guid for c, _p, _d in a.iter_codes()} == {
        c.guid for c in sample.codes(include_archived=True)
    }


def test_the_export_fast_path_derives_the_layers_refi_guid():
    # The export's hot loop joins the key itself and calls guid_from_key: same GUIDs.
    from codebench.exchange.refi import REFI_NAMESPACE, refi_guid
    from codebench.ids import guid_from_key

    for parts in [("coding", "a", "b", "c", 0, 12), ("selection", "é ✓ 😀", 3), ("x",)]:
        key = "\x1f".join(map(str, parts))
        assert guid_from_key(REFI_NAMESPACE, key) == refi_guid(*parts)


def test_export_for_one_coder(sample, tmp_path):
    refi = build_refi_project(sample, coders=["bob"])
    assert [u.name for u in refi.users] == ["bob"]
    bob = sample.coder("bob")
    assert sum(len(s.codings) for s in refi.selections) == len(sample.codings(coders=[bob]))
    assert all(s.creating_user in (None, bob.guid) for s in refi.selections)
    assert {n.creating_user for n in refi.notes} == {bob.guid}


# ----------------------------------------------------------------------------- CLI, failures, dry run


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_cli_export_and_import_project(sample, tmp_path):
    out = tmp_path / "cli.qdpx"
    result = invoke("-p", str(sample.path), "export", "qdpx", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "3 transcripts" in result.output
    target = tmp_path / "target.db"
    result = invoke("-p", str(target), "import-project", str(out))
    assert result.exit_code == 0, result.output
    assert "land on word boundaries" in result.output
    with Project.open(target) as copy:
        assert len(copy.codings()) == len(sample.codings())


@pytest.mark.parametrize(
    "members, message",
    [
        (
            [
                ("project.qde", b'<Project xmlns="urn:QDA-XML:project:1.0" name="p"/>'),
                ("../evil.txt", b"x"),
            ],
            "path traversal",
        ),
        ([("project.qde", ENTITY_QDE)], "DTD"),
        ([("notes.txt", b"no project here")], "qde"),
        ([("project.qde", b'<Project xmlns="urn:example:other" name="p"/>')], "namespace"),
    ],
)
def test_hostile_archive_via_cli_is_one_line_error_and_changes_nothing(
    project, tmp_path, members, message
):
    evil = tmp_path / "evil.qdpx"
    with zipfile.ZipFile(evil, "w") as archive:
        for name, data in members:
            archive.writestr(name, data)
    before = state(project.path)
    result = CliRunner().invoke(cli, ["-p", str(project.path), "import-project", str(evil)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0], result.output
    assert state(project.path) == before


def test_hostile_archive_into_a_new_project_leaves_no_file(tmp_path):
    evil = tmp_path / "evil.qdpx"
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("../../evil.txt", b"x")
    target = tmp_path / "new.db"
    result = CliRunner().invoke(cli, ["-p", str(target), "import-project", str(evil)])
    assert result.exit_code == 1
    assert not target.exists()


def test_failure_half_way_leaves_the_project_unchanged(interview, tmp_path):
    """A text source named like a transcript already present, but with other text, is
    refused after coders and codes were written: the transaction rolls all of it back."""
    from codebench.exchange.refi import RefiProject, RefiTextSource, RefiUser, write_project

    refi = RefiProject(
        name="clash",
        users=[RefiUser(guid="0b0b0b0b-0000-4000-8000-000000000001", name="zed")],
        codes=[RefiCode(guid="0b0b0b0b-0000-4000-8000-000000000002", name="New code")],
        sources=[
            RefiTextSource(
                guid="0b0b0b0b-0000-4000-8000-000000000003", name="int1", text="Other text.\n"
            )
        ],
    )
    path = tmp_path / "clash.qdpx"
    write_project(refi, path)
    before = state(interview.path)
    with pytest.raises(InterchangeError, match="different transcript named 'int1'"):
        import_qdpx(interview, path)
    assert state(interview.path) == before


def test_dry_run_reports_and_changes_nothing(sample, project, tmp_path):
    exported = tmp_path / "sample.qdpx"
    export_qdpx(sample, exported)
    before = state(project.path)
    result = invoke("-p", str(project.path), "import-project", str(exported), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Would import" in result.output and "Dry run: nothing was changed." in result.output
    assert state(project.path) == before
    dry = import_qdpx(project, exported, dry_run=True)
    assert state(project.path) == before
    real = import_qdpx(project, exported)
    assert replace(dry, dry_run=False) == real
    assert len(real.transcripts_added) == 3 and real.codings_added == len(sample.codings())


def test_dry_run_into_a_missing_project_creates_nothing(sample, tmp_path):
    exported = tmp_path / "sample.qdpx"
    export_qdpx(sample, exported)
    target = tmp_path / "missing.db"
    result = invoke("-p", str(target), "import-project", str(exported), "--dry-run")
    assert result.exit_code == 0, result.output
    assert not target.exists()


# ----------------------------------------------------------------------------- codebooks (.qdc)


def test_qdc_import_matches_by_guid_then_name_path(project, tmp_path):
    book = read_codebook(export_qdc(project))
    before = {c.guid: c for c in project.codes()}
    ethos = next(c for c in project.codes() if c.number == "04")
    advantages = next(c for c in project.codes() if c.number == "04.1")
    edited: list[RefiCode] = []
    for code in book.codes:
        if code.guid == ethos.guid:
            children = [
                replace(
                    child, guid="c0ffee00-0000-4000-8000-000000000001"
                )  # other GUID, same name path
                if child.guid == advantages.guid
                else child
                for child in code.children
            ]
            children.append(
                RefiCode(
                    guid="c0ffee00-0000-4000-8000-000000000002",
                    name="Ethos drift",
                    colour="#112233",
                )
            )
            code = replace(
                code, name="04 Ethos and culture", children=children
            )  # renamed: same GUID
        edited.append(code)
    path = tmp_path / "shared.qdc"
    path.write_bytes(write_codebook(RefiCodebook(codes=edited)))
    result = invoke("-p", str(project.path), "codebook", "import", str(path))
    assert result.exit_code == 0, result.output
    assert "1 code added, 1 updated" in result.output
    after = {c.guid: c for c in project.codes()}
    assert len(after) == len(before) + 1
    assert after[ethos.guid].name == "Ethos and culture" and after[ethos.guid].number == "04"
    assert after[advantages.guid] == advantages  # matched by name path: kept its GUID, unchanged
    assert "c0ffee00-0000-4000-8000-000000000001" not in after
    drift = after["c0ffee00-0000-4000-8000-000000000002"]
    assert (drift.parent_id, drift.number, drift.colour) == (ethos.id, None, "#112233")


def test_qdc_into_a_new_project_restores_the_codebook(project, tmp_path):
    path = tmp_path / "book.qdc"
    result = invoke(
        "-p", str(project.path), "codebook", "export", "--format", "qdc", "-o", str(path)
    )
    assert result.exit_code == 0, result.output
    target = tmp_path / "fresh.db"
    # `codebook import` refuses a project that does not exist (a mistyped -p): init one first.
    assert invoke("-p", str(target), "init", "--empty").exit_code == 0
    result = invoke("-p", str(target), "codebook", "import", str(path))
    assert result.exit_code == 0, result.output
    with Project.open(target) as fresh:
        strip = lambda codes: [
            (c.guid, c.number, c.name, c.description, c.inclusion, c.exclusion, c.example, c.colour)
            for c in codes
        ]
        assert strip(fresh.codes()) == strip(project.codes())
        assert [fresh.code_path(c)[0].guid for c in fresh.codes()] == [
            project.code_path(c)[0].guid for c in project.codes()
        ]
        again = import_qdc(fresh, path)
        assert (again.added, again.updated, again.matched_by_name, again.warnings) == (0, 0, 0, [])


def test_qdc_from_a_foreign_tool_keeps_what_only_codebench_knows(project, tmp_path):
    """A code that went through NVivo without the trailer keeps its number and guidance."""
    ethos = next(c for c in project.codes() if c.number == "04")
    foreign = RefiCodebook(
        codes=[RefiCode(guid=ethos.guid, name="Ethos", description="Edited in NVivo.")]
    )
    path = tmp_path / "nvivo.qdc"
    path.write_bytes(write_codebook(foreign))
    assert import_qdc(project, path).updated == 1
    code = project.code(ethos.guid)
    assert (code.number, code.name, code.description) == ("04", "Ethos", "Edited in NVivo.")
    assert (code.inclusion, code.example) == (ethos.inclusion, ethos.example)


def test_qdc_refuses_a_bad_file_and_changes_nothing(project, tmp_path):
    path = tmp_path / "bad.qdc"
    path.write_text('<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>', encoding="utf-8")
    before = state(project.path)
    result = CliRunner().invoke(cli, ["-p", str(project.path), "codebook", "import", str(path)])
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1
    assert state(project.path) == before


# ----------------------------------------------------------------------------- plain layouts


def test_plain_layout_keeps_the_text_and_finds_speakers():
    text = "Interviewer:  Why?  \n\n  Ann:   Because we could.   It was time.\r\nAnn: Yes.\n\n\nNo label here.\n"
    text = text.replace("\r\n", "\n")
    layout = source_layout(text)
    assert layout.text == text
    spans = [(text[p.start : p.end], p.speaker, p.codable) for p in layout.paragraphs]
    assert spans == [
        ("Why?", "Interviewer", False),
        ("Because we could.   It was time.", "Ann", True),
        ("Yes.", "Ann", True),
        ("No label here.", "Ann", True),
    ]
    turns = [p.turn for p in layout.paragraphs]
    assert turns == sorted(turns) and turns[0] != turns[1] != turns[2]


def test_plain_layout_without_speakers_uses_blocks_as_turns():
    text = "First line\nsecond line\n\nNew block"
    layout = plain_layout(text)
    assert [(text[p.start : p.end], p.turn, p.codable) for p in layout.paragraphs] == [
        ("First line", 0, True),
        ("second line", 0, True),
        ("New block", 1, True),
    ]


def test_foreign_codes_matched_by_name_path_receive_the_codings(interview, tmp_path):
    """A foreign file whose code has another GUID but the same name: the coding lands on the
    project's code, the event names the project's GUID, and the coder can undo it."""
    from codebench.coding.actions import undo
    from codebench.exchange.refi import (
        RefiCoding,
        RefiProject,
        RefiSelection,
        RefiTextSource,
        RefiUser,
        write_project,
    )

    transcript = interview.transcripts()[0]
    text = interview.text(transcript)
    ethos = interview.code("04")
    user = RefiUser(guid="0d0d0d0d-0000-4000-8000-000000000001", name="Zoe")
    code = RefiCode(guid="0d0d0d0d-0000-4000-8000-000000000002", name=ethos.name)
    start = text.index("We lost")
    refi = RefiProject(
        name="foreign",
        origin="SomeTool 1.0",
        users=[user],
        codes=[code],
        sources=[RefiTextSource(guid="0d0d0d0d-0000-4000-8000-000000000003", name="x", text=text)],
        selections=[
            RefiSelection(
                guid="0d0d0d0d-0000-4000-8000-000000000004",
                source_guid="0d0d0d0d-0000-4000-8000-000000000003",
                start=start,
                end=start + len("We lost two managers."),
                creating_user=user.guid,
                codings=[
                    RefiCoding(guid="0d0d0d0d-0000-4000-8000-000000000005", code_guid=code.guid)
                ],
            )
        ],
    )
    path = tmp_path / "foreign.qdpx"
    write_project(refi, path)
    report = import_qdpx(interview, path)
    assert report.transcripts_reused == [transcript.name] and report.codes_added == 0
    (coding,) = interview.codings(coders=["Zoe"])
    assert (coding.code_id, coding.transcript_id) == (ethos.id, transcript.id)
    assert text[coding.start : coding.end] == "We lost two managers."
    event = interview.events(coder="Zoe", actions=("coding.add",))[-1]
    assert event.payload["codings"][0]["code"] == ethos.guid
    assert undo(interview, "Zoe") is not None
    assert interview.codings(coders=["Zoe"]) == []
