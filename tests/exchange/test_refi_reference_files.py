"""Reading real REFI-QDA exports (NVivo, ATLAS.ti, qc) from the shared folder.

The files are read in place from ``/work/shared/refi-qda`` (never copied into
the repository: one holds real research data).  Assertions check structure
and counts only, never print the text.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import xmlschema

from codebench.exchange.refi import (
    CODEPOINTS,
    UTF16,
    RefiError,
    on_word_boundary,
    project_to_qde,
    project_to_qdpx,
    read_codebook,
    read_project,
    walk_codes,
)

REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "refi-qda"
SCHEMAS = (
    Path(__file__).resolve().parents[1] / "data" / "refi-qda-xsd"
)  # copied XSDs, see SOURCE.md

pytestmark = pytest.mark.skipif(
    not REFERENCE.is_dir(),
    reason=(
        f"the real REFI-QDA exports of other tools are not here ({REFERENCE}): they live in "
        "../shared/refi-qda beside the repository (see SOURCES.md there), never in the repository"
    ),
)


@pytest.fixture(scope="module")
def oltas():
    return read_project(REFERENCE / "oltas0517.qdpx")


@pytest.fixture(scope="module")
def atlas():
    return read_project(REFERENCE / "Project.qde")


@pytest.fixture(scope="module")
def project_schema():
    return xmlschema.XMLSchema(str(SCHEMAS / "Project-mrt2019.xsd"))


# -- NVivo 12.6 (oltas0517.qdpx) ------------------------------------------------------


def test_oltas_structure(oltas):
    assert oltas.origin == "NVivo for Windows 12.6"
    assert len(oltas.users) == 2
    all_codes = list(walk_codes(oltas.codes))
    assert len(all_codes) == 152
    assert sum(1 for code, _p, _d in all_codes if code.is_codable) == 151
    assert sum(1 for code, _p, _d in all_codes if code.children) == 32
    assert max(depth for _c, _p, depth in all_codes) >= 2
    assert sum(1 for code, _p, _d in all_codes if code.description) == 82
    assert len(oltas.sources) == 2
    assert len(oltas.selections) == 303
    assert all(len(sel.codings) == 1 for sel in oltas.selections)
    code_guids = {code.guid for code, _p, _d in all_codes}
    assert all(sel.codings[0].code_guid in code_guids for sel in oltas.selections)
    user_guids = {user.guid for user in oltas.users}
    assert {sel.creating_user for sel in oltas.selections} == user_guids


def test_oltas_parent_child_nesting(oltas):
    parents = {code.guid: parent for code, parent, _d in walk_codes(oltas.codes)}
    by_name = {code.name: code for code, _p, _d in walk_codes(oltas.codes)}
    covid = by_name["COVID"]
    assert parents[covid.guid] == by_name["1. Oltás típusa"].guid


def test_oltas_text_storage(oltas):
    for source in oltas.sources:
        assert source.has_bom and source.encoding == "utf-8"
        assert source.newline == "\r\n"
        assert not source.text.startswith("\ufeff")
        assert any(ord(ch) > 0xFFFF for ch in source.text)


def test_oltas_offsets_detected_as_utf16(oltas):
    detection = oltas.offset_detection
    assert detection.convention == UTF16 and not detection.forced
    assert detection.total == 303
    assert detection.scores[UTF16] >= 300
    assert detection.scores[CODEPOINTS] < 100
    assert "300 of 303" in detection.summary()
    texts = {source.guid: source.normalized_text for source in oltas.sources}
    on_boundaries = sum(
        on_word_boundary(texts[sel.source_guid], sel.start)
        and on_word_boundary(texts[sel.source_guid], sel.end)
        for sel in oltas.selections
    )
    assert on_boundaries >= 300
    assert all(0 <= sel.start < sel.end <= len(texts[sel.source_guid]) for sel in oltas.selections)
    assert all(sel.raw_start is not None for sel in oltas.selections)


def test_oltas_forced_codepoints_is_worse():
    forced = read_project(REFERENCE / "oltas0517.qdpx", offsets=CODEPOINTS)
    assert forced.offset_convention == CODEPOINTS
    assert forced.offset_detection.forced
    assert forced.offset_detection.scores[CODEPOINTS] < 100


def test_oltas_export_is_schema_valid_and_round_trips(oltas, project_schema):
    project_schema.validate(io.BytesIO(project_to_qde(oltas)))
    again = read_project(project_to_qdpx(oltas))
    assert again.offset_convention == CODEPOINTS
    key = lambda sel: (sel.source_guid, sel.start, sel.end, sel.guid)
    assert sorted(again.selections, key=key) == sorted(oltas.selections, key=key)
    assert [s.text for s in again.sources] == [s.normalized_text for s in oltas.sources]
    assert again.codes == oltas.codes and again.users == oltas.users


# -- ATLAS.ti 8.4 (Project.qde, bare XML) ---------------------------------------------


def test_atlas_codes_users_and_normalised_guids(atlas):
    assert len(atlas.users) == 3
    codes = list(walk_codes(atlas.codes))
    assert len(codes) == 14
    assert sum(1 for code, _p, _d in codes if code.colour) == 13
    assert sum(1 for code, _p, _d in codes if code.description) == 7
    assert all(code.guid == code.guid.lower() for code, _p, _d in codes)
    assert {code.name for code, _p, _d in codes} >= {"Coke::diet Coke", '"rushed"'}
    assert len(atlas.notes) == 2


def test_atlas_non_text_sources_are_reported_with_counts(atlas):
    skipped = "\n".join(atlas.skipped)
    assert "2 PDFSources" in skipped and "4 PDFSelections" in skipped
    assert "1 PictureSource " in skipped and "1 PictureSelection" in skipped
    assert "1 AudioSource " in skipped
    assert "2 VideoSources" in skipped and "2 VideoSelections" in skipped
    assert "1 Link " in skipped and "1 Graph " in skipped
    assert "6 text sources have no text" in skipped and "bare .qde" in skipped


def test_atlas_text_sources_without_text(atlas):
    assert len(atlas.sources) == 6
    assert all(source.text is None for source in atlas.sources)
    assert len(atlas.selections) == 6
    assert sum(len(sel.codings) for sel in atlas.selections) == 7
    # No text: positions stay as written, and the caller is told.
    assert all(sel.start == sel.raw_start for sel in atlas.selections)
    assert any("without text" in warning for warning in atlas.warnings)


def test_atlas_cannot_be_exported_without_texts(atlas):
    with pytest.raises(RefiError, match="has no text"):
        project_to_qdpx(atlas)


def test_atlas_codebook_only():
    codebook = read_codebook(REFERENCE / "Project.qde")
    assert len(list(walk_codes(codebook.codes))) == 14
    assert {s.name for s in codebook.sets} >= {"Feelings", "negative feelings"}


# -- qc 1.3.2 (demo.qdpx, deviant) and NVivo Mac 15 -------------------------------------


def test_qc_demo_parses():
    project = read_project(REFERENCE / "demo.qdpx")
    assert len(project.users) == 1
    assert len(list(walk_codes(project.codes))) == 262
    assert [s.name for s in project.sources] == ["board_2017.txt", "admin-1.txt"]
    assert all(s.text for s in project.sources)
    assert len(project.selections) == 158
    assert sum(len(sel.codings) for sel in project.selections) == 205
    assert all(sel.creating_user is None for sel in project.selections)
    texts = {s.guid: s.normalized_text for s in project.sources}
    for sel in project.selections:  # "line:N" selections are whole lines
        text = texts[sel.source_guid]
        line = int(sel.name.split(":")[1])
        assert sel.start == sum(len(row) + 1 for row in text.split("\n")[:line])
        assert text[sel.end - 1] == "\n"


def test_nvivo_mac_parses():
    project = read_project(REFERENCE / "nvivo_project.qdpx")
    assert project.origin == "NVivo for Mac 15.0.0"
    assert [user.id for user in project.users] == ["CP", "C"]
    assert len(list(walk_codes(project.codes))) == 262
    assert [source.text for source in project.sources] == ["\n", "\n"]
    assert project.selections == []
