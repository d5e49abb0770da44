"""Writing .qdc/.qdpx: schema validity, round trip, determinism, strictness."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import xmlschema

from codebench.exchange.refi import (
    CODEPOINTS,
    RefiCase,
    RefiCode,
    RefiCodebook,
    RefiCoding,
    RefiError,
    RefiNote,
    RefiProject,
    RefiSelection,
    RefiSet,
    RefiTextSource,
    RefiUser,
    RefiVariable,
    project_to_qde,
    project_to_qdpx,
    read_codebook,
    read_project,
    refi_guid,
    write_codebook,
    write_project,
)

REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "refi-qda"
SCHEMAS = (
    Path(__file__).resolve().parents[1] / "data" / "refi-qda-xsd"
)  # copied XSDs, see SOURCE.md
needs_reference = pytest.mark.skipif(
    not REFERENCE.is_dir(),
    reason=f"the real REFI-QDA exports of other tools live in ../shared/refi-qda ({REFERENCE}), "
    "beside the repository (see SOURCES.md there); they are absent",
)

WHEN = datetime(2024, 5, 17, 9, 30, tzinfo=UTC)
ANA = "0b5e1a52-8f0e-4c8e-9c0a-1d2f3a4b5c6d"
BERT = "a1b2c3d4-e5f6-4711-8899-aabbccddeeff"
TEXT_1 = (
    "Entrevista con José: ¿Qué tal el café? Très bien, merci ☕.\n"
    "Then the 🎉 party started; naïve coördination everywhere.\n"
    "Última línea."
)
TEXT_2 = "Ζωή και χαρά 😀 στην Αθήνα.\nΔεύτερη γραμμή με 👩‍👩‍👧 οικογένεια."


def span(text: str, fragment: str) -> tuple[int, int]:
    start = text.index(fragment)
    return start, start + len(fragment)


def sample_project() -> RefiProject:
    """Nested codes, 2 users, 2 non-ASCII sources (astral emoji), selections
    with codings, notes on a source/code/selection/coding/project, cases with
    variables, a set."""
    dread = RefiCode(refi_guid("code", "dread"), "Dread", colour="#102030")
    codes = [
        RefiCode(
            refi_guid("code", "emotions"),
            "Emotions",
            is_codable=False,
            colour="#FFAA00",
            description="Feelings voiced by participants.\nTop-level category.",
            children=[
                RefiCode(refi_guid("code", "joy"), "Joy « joie »", colour="#00FF00"),
                RefiCode(refi_guid("code", "fear"), "Fear", children=[dread]),
            ],
        ),
        RefiCode(refi_guid("code", "food"), "Food & drink <café>", description="Anything eaten ☕"),
    ]
    s1, s2 = refi_guid("source", 1), refi_guid("source", 2)
    joy, fear, food = codes[0].children[0].guid, codes[0].children[1].guid, codes[1].guid

    def selection(source: str, text: str, fragment: str, coder: str, code: str) -> RefiSelection:
        start, end = span(text, fragment)
        return RefiSelection(
            guid=refi_guid("selection", coder, code, source, start, end),
            source_guid=source,
            start=start,
            end=end,
            name=fragment[:20],
            creating_user=coder,
            created=WHEN,
            codings=[
                RefiCoding(
                    refi_guid("coding", coder, code, source, start, end),
                    code,
                    creating_user=coder,
                    created=WHEN,
                )
            ],
        )

    selections = [
        selection(s1, TEXT_1, "José", ANA, joy),
        selection(s1, TEXT_1, "café? Très bien, merci ☕", BERT, food),
        selection(s1, TEXT_1, "🎉 party", ANA, joy),
        selection(s1, TEXT_1, "Última línea.", BERT, dread.guid),
        selection(s2, TEXT_2, "χαρά 😀", ANA, joy),
        selection(s2, TEXT_2, "👩‍👩‍👧 οικογένεια", BERT, fear),
    ]
    sources = [
        RefiTextSource(
            s1,
            "Interview José (ES/FR)",
            TEXT_1,
            creating_user=ANA,
            created=WHEN,
            description="First interview",
            variables={"site": "Lyon"},
            codings=[RefiCoding(refi_guid("whole", s1), food, creating_user=ANA)],
        ),
        RefiTextSource(s2, "Συνέντευξη 2", TEXT_2, creating_user=BERT, created=WHEN),
    ]
    notes = [
        RefiNote(
            refi_guid("note", "source"),
            "About José",
            "Very open participant.\nFollow up.",
            creating_user=ANA,
            created=WHEN,
            targets=[s1],
        ),
        RefiNote(
            refi_guid("note", "code"),
            "Joy definition",
            "Use for explicit joy 😀.",
            creating_user=BERT,
            targets=[joy],
        ),
        RefiNote(
            refi_guid("note", "selection"),
            "Party",
            "Irony?",
            creating_user=ANA,
            targets=[selections[2].guid],
        ),
        RefiNote(
            refi_guid("note", "coding"),
            "Doubt",
            "Is this really food?",
            creating_user=BERT,
            targets=[selections[1].codings[0].guid],
        ),
        RefiNote(
            refi_guid("note", "project"), "Project log", "Started May 2024.", creating_user=ANA
        ),
    ]
    variables = [
        RefiVariable(refi_guid("variable", "age"), "age", "Integer", "Age in years"),
        RefiVariable(refi_guid("variable", "role"), "role", "Text"),
        RefiVariable(refi_guid("variable", "consent"), "consent", "Boolean"),
        RefiVariable(refi_guid("variable", "site"), "site", "Text"),
    ]
    cases = [
        RefiCase(
            refi_guid("case", "jose"),
            "José",
            "Participant 1",
            variables={"age": "34", "role": "infirmière", "consent": "true"},
            source_guids=[s1],
        ),
        RefiCase(
            refi_guid("case", "eleni"),
            "Ελένη",
            variables={"age": "51", "role": "teacher"},
            source_guids=[s2],
        ),
    ]
    return RefiProject(
        name="Codebench sample — ünïcödé",
        origin="codebench tests",
        users=[RefiUser(ANA, "Ana Martínez", "AM"), RefiUser(BERT, "Bertrand Lefèvre")],
        codes=codes,
        variables=variables,
        cases=cases,
        sources=sources,
        selections=selections,
        notes=notes,
        sets=[
            RefiSet(
                refi_guid("set", "feelings"),
                "Feelings",
                code_guids=[joy, fear],
                source_guids=[s1],
            )
        ],
        description="A sample for the REFI writer tests.",
        note_refs=[notes[4].guid],
        creating_user=ANA,
        created=WHEN,
    )


@pytest.fixture(scope="module")
def project_schema():
    return xmlschema.XMLSchema(str(SCHEMAS / "Project-mrt2019.xsd"))


@pytest.fixture(scope="module")
def codebook_schema():
    return xmlschema.XMLSchema(str(SCHEMAS / "Codebook-mrt2019.xsd"))


# -- schema validity ------------------------------------------------------------------------


def test_project_export_is_schema_valid(tmp_path, project_schema):
    path = tmp_path / "sample.qdpx"
    write_project(sample_project(), path)
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        project_schema.validate(io.BytesIO(archive.read("project.qde")))
    assert names[0] == "project.qde"
    assert sorted(names[1:]) == sorted(f"sources/{refi_guid('source', n)}.txt" for n in (1, 2))


def test_codebook_export_is_schema_valid(codebook_schema):
    project = sample_project()
    codebook = RefiCodebook(
        project.codes,
        "codebench tests",
        sets=[
            RefiSet(
                refi_guid("set", "x"),
                "Fear & joy",
                "two codes",
                code_guids=[project.codes[0].children[0].guid, project.codes[0].children[1].guid],
            )
        ],
    )
    data = write_codebook(codebook)
    codebook_schema.validate(io.BytesIO(data))
    assert read_codebook(data) == codebook


def test_codebook_without_sets_has_no_empty_sets_element(codebook_schema):
    data = write_codebook(RefiCodebook(sample_project().codes))
    codebook_schema.validate(io.BytesIO(data))
    assert b"<Sets" not in data


def test_minimal_project_is_schema_valid(project_schema):
    data = project_to_qde(RefiProject(name="empty"))
    project_schema.validate(io.BytesIO(data))
    assert b"<Sets" not in data and b"<Users" not in data and b"<CodeBook" not in data


# -- round trip and determinism ----------------------------------------------------------------


def test_round_trip_gives_equal_model(tmp_path):
    original = sample_project()
    path = tmp_path / "rt.qdpx"
    write_project(original, path)
    again = read_project(path)
    assert again.users == original.users
    assert again.codes == original.codes
    assert [s.text for s in again.sources] == [TEXT_1, TEXT_2]
    assert again.sources == original.sources
    assert again.selections == original.selections
    assert again.notes == original.notes
    assert again.cases == original.cases
    assert again.variables == original.variables
    assert again == original
    assert again.offset_convention == CODEPOINTS
    assert again.skipped == [] and again.warnings == []
    for selection in again.selections:  # spans still cover the same words
        text = again.source_map()[selection.source_guid].text
        assert text[selection.start : selection.end].startswith(selection.name)


def test_source_files_are_utf8_lf_without_bom(tmp_path):
    project = sample_project()
    crlf = replace(project.sources[0], text=TEXT_1.replace("\n", "\r\n"))
    data = project_to_qdpx(replace(project, sources=[crlf, project.sources[1]]))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        raw = archive.read(f"sources/{crlf.guid}.txt")
        qde = archive.read("project.qde").decode("utf-8")
    assert raw == TEXT_1.encode("utf-8")
    assert f'plainTextPath="internal://{crlf.guid}.txt"' in qde


def test_export_is_deterministic(tmp_path):
    first, second = tmp_path / "a.qdpx", tmp_path / "b.qdpx"
    write_project(sample_project(), first)
    write_project(sample_project(), second)
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    # Selection order in the model does not matter: the writer sorts by position.
    shuffled = replace(sample_project(), selections=list(reversed(sample_project().selections)))
    assert project_to_qdpx(shuffled) == first.read_bytes()


def test_foreign_origin_is_replaced_by_codebench():
    data = project_to_qde(replace(sample_project(), origin="NVivo for Windows 12.6"))
    assert b'origin="codebench"' in data


def test_undeclared_variables_are_declared_as_text(project_schema):
    project = replace(sample_project(), variables=[])
    data = project_to_qde(project)
    project_schema.validate(io.BytesIO(data))
    again = read_project(data)
    assert {v.name: v.type for v in again.variables} == {
        "site": "Text",
        "age": "Text",
        "role": "Text",
        "consent": "Text",
    }
    assert again.source_attributes(refi_guid("source", 1)) == {
        "age": "34",
        "role": "infirmière",
        "consent": "true",
        "site": "Lyon",
    }


def test_notes_land_on_their_targets():
    project = read_project(project_to_qdpx(sample_project()))
    kinds = {note.name: [project.target_kind(t) for t in note.targets] for note in project.notes}
    assert kinds == {
        "About José": ["source"],
        "Joy definition": ["code"],
        "Party": ["selection"],
        "Doubt": ["coding"],
        "Project log": [],
    }
    assert project.note_refs == [refi_guid("note", "project")]


# -- strictness -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: replace(p, users=[RefiUser("not-a-guid", "x")]), "is not a GUID"),
        (lambda p: replace(p, users=p.users + [RefiUser(ANA, "again")]), "already used"),
        (
            lambda p: replace(p, selections=[replace(p.selections[0], end=10_000)]),
            "outside its text",
        ),
        (
            lambda p: replace(
                p, selections=[replace(p.selections[0], creating_user=refi_guid("u"))]
            ),
            "not in the project's users",
        ),
        (
            lambda p: replace(
                p,
                selections=[
                    replace(p.selections[0], codings=[RefiCoding(refi_guid("c"), p.codes[0].guid)])
                ],
            ),
            "is not codable",
        ),
        (
            lambda p: replace(
                p,
                selections=[
                    replace(
                        p.selections[0], codings=[RefiCoding(refi_guid("c"), refi_guid("nope"))]
                    )
                ],
            ),
            "not in the codebook",
        ),
        (
            lambda p: replace(p, codes=[replace(p.codes[0], colour="red")] + p.codes[1:]),
            "is not #RRGGBB",
        ),
        (lambda p: replace(p, name="bad \x01 name"), r"U\+0001"),
        (
            lambda p: replace(p, notes=[RefiNote(refi_guid("n"), targets=[p.cases[0].guid])]),
            "is a case",
        ),
        (
            lambda p: replace(p, cases=[replace(p.cases[0], variables={"age": "thirty"})]),
            "not a valid Integer",
        ),
        (
            lambda p: replace(p, sources=[replace(p.sources[0], text=None)], selections=[]),
            "has no text",
        ),
    ],
)
def test_writer_refuses_invalid_models(change, message):
    with pytest.raises(RefiError, match=message):
        project_to_qdpx(change(sample_project()))


def test_empty_codebook_is_refused():
    with pytest.raises(RefiError, match="at least one"):
        write_codebook(RefiCodebook([]))


def test_failed_export_leaves_no_file(tmp_path):
    path = tmp_path / "out.qdpx"
    with pytest.raises(RefiError):
        write_project(replace(sample_project(), name="\x00"), path)
    assert list(tmp_path.iterdir()) == []


def test_stable_guid_is_deterministic_and_distinct():
    assert refi_guid("coding", ANA, "c", "t", 1, 5) == refi_guid("coding", ANA, "c", "t", 1, 5)
    assert refi_guid("a", "bc") != refi_guid("ab", "c")
    with pytest.raises(ValueError):
        refi_guid()
