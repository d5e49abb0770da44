"""The reader accepts the deviations seen in real exports (built here in tmp_path)."""

from __future__ import annotations

import codecs
import io
import zipfile
from pathlib import Path

import pytest

from codebench.exchange.refi import (
    UTF16,
    RefiError,
    read_codebook,
    read_project,
    walk_codes,
)

CODE = "AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE"
CHILD = "{12345678-9ABC-DEF0-1234-56789ABCDEF0}"
SOURCE = "{0F0F0F0F-1111-2222-3333-444444444444}"
USER = "99999999-8888-7777-6666-555555555555"


def qde(
    namespace: str | None, *, plain_text_path: str, name_attr: str = "", extra: str = ""
) -> str:
    xmlns = f' xmlns="{namespace}"' if namespace is not None else ""
    return (
        f'<Project{xmlns} name="liberal">'
        f'<Users><User guid="{USER}" name="U"/></Users>'
        f'<CodeBook><Codes><Code guid="{CODE}" name="Parent" isCodable="false" color="#abc">'
        f'<Code guid="{CHILD}" name="Child" isCodable="true"/></Code></Codes></CodeBook>'
        f'<Sources><TextSource guid="{SOURCE}"{name_attr} plainTextPath="{plain_text_path}">'
        '<PlainTextSelection guid="{ABABABAB-0000-0000-0000-000000000001}" startPosition="6" endPosition="11">'
        f'<Coding guid="CDCDCDCD-0000-0000-0000-000000000001"><CodeRef targetGUID="{CHILD.lower()}"/></Coding>'
        "</PlainTextSelection></TextSource></Sources>"
        f"<Sets/>{extra}</Project>"
    )


def zipped(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize(
    "namespace",
    ["urn:QDA-XML:project:1.0", "urn:QDA-XML:project:1:0", "urn:QDA-XML:project:0:4", None],
)
def test_namespaces_seen_in_the_wild(tmp_path, namespace):
    path = zipped(
        tmp_path / "ns.qdpx",
        {
            "project.qde": qde(namespace, plain_text_path="internal://t.txt").encode(),
            "sources/t.txt": b"Hello world, again",
        },
    )
    project = read_project(path)
    assert [code.name for code, _p, _d in walk_codes(project.codes)] == ["Parent", "Child"]
    selection = project.selections[0]
    assert project.sources[0].text[selection.start : selection.end] == "world"


def test_guids_braces_case_folders_paths_names(tmp_path):
    """Upper-case and braced GUIDs, ``Sources/``, no ``internal://``, no
    TextSource name, no creatingUser, empty ``<Sets/>``, ``PROJECT.QDE``."""
    path = zipped(
        tmp_path / "deviant.qdpx",
        {
            "PROJECT.QDE": qde(
                "urn:QDA-XML:project:1.0", plain_text_path="Interview 1.txt"
            ).encode(),
            "Sources/Interview 1.txt": "Hello world ✓".encode(),
        },
    )
    project = read_project(path)
    parent = project.codes[0]
    assert parent.guid == CODE.lower() and parent.colour == "#AABBCC" and not parent.is_codable
    assert parent.children[0].guid == CHILD.strip("{}").lower()
    source = project.sources[0]
    assert source.guid == SOURCE.strip("{}").lower()
    assert source.name == "Interview 1.txt"
    selection = project.selections[0]
    assert selection.guid == "ababab" + "ab-0000-0000-0000-000000000001"
    assert selection.creating_user is None and selection.codings[0].creating_user is None
    assert selection.codings[0].code_guid == parent.children[0].guid
    assert project.sets == [] and project.warnings == []


def test_utf16_bom_crlf_and_emoji_positions_are_detected(tmp_path):
    lines = [f"Line {i}: 😀 joy and 🎉 fun, word{i} here" for i in range(12)]
    text = "\r\n".join(lines) + "\r\n"
    selections = []
    for i in range(12):
        word = f"word{i}"
        cp = text.index(word)
        u16_start = len(text[:cp].encode("utf-16-le")) // 2
        selections.append(
            f'<PlainTextSelection guid="00000000-0000-0000-0000-{i:012d}" '
            f'startPosition="{u16_start}" endPosition="{u16_start + len(word)}"/>'
        )
    project_xml = (
        '<Project xmlns="urn:QDA-XML:project:1.0" name="u16"><Sources>'
        f'<TextSource guid="{SOURCE}" name="s" plainTextPath="internal://s.txt">'
        + "".join(selections)
        + "</TextSource></Sources></Project>"
    )
    path = zipped(
        tmp_path / "u16.qdpx",
        {
            "project.qde": project_xml.encode(),
            "sources/s.txt": codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
        },
    )
    project = read_project(path)
    source = project.sources[0]
    assert source.encoding == "utf-16-le" and source.has_bom and source.newline == "\r\n"
    assert source.text == text
    assert project.offset_convention == UTF16
    assert project.offset_detection.scores[UTF16] == 12
    normalized = source.normalized_text
    assert [normalized[s.start : s.end] for s in project.selections] == [
        f"word{i}" for i in range(12)
    ]


def test_utf8_bom_is_stripped(tmp_path):
    path = zipped(
        tmp_path / "bom.qdpx",
        {
            "project.qde": qde(
                "urn:QDA-XML:project:1.0", plain_text_path="internal://t.txt"
            ).encode(),
            "sources/t.txt": codecs.BOM_UTF8 + b"Hello world",
        },
    )
    source = read_project(path).sources[0]
    assert source.text == "Hello world" and source.has_bom and source.encoding == "utf-8"


def test_bare_qde_has_no_texts_and_says_so(tmp_path):
    path = tmp_path / "bare.qde"
    path.write_text(qde("urn:QDA-XML:project:1.0", plain_text_path="internal://t.txt"), "utf-8")
    project = read_project(path)
    assert project.sources[0].text is None
    assert any("bare .qde" in line for line in project.skipped)
    assert project.selections[0].start == 6  # left as written


def test_inline_plain_text_content(tmp_path):
    xml = (
        '<Project xmlns="urn:QDA-XML:project:1.0" name="inline"><Sources>'
        f'<TextSource guid="{SOURCE}" name="s"><PlainTextContent>Hello world</PlainTextContent>'
        '<PlainTextSelection guid="00000000-0000-0000-0000-000000000001" startPosition="6" endPosition="11"/>'
        "</TextSource></Sources></Project>"
    )
    project = read_project(xml.encode(), label="inline.qde")
    source = project.sources[0]
    assert source.text == "Hello world"
    assert source.text[project.selections[0].start : project.selections[0].end] == "world"


def test_missing_source_file_and_unknown_code_are_reported(tmp_path):
    xml = qde("urn:QDA-XML:project:1.0", plain_text_path="internal://absent.txt").replace(
        f'targetGUID="{CHILD.lower()}"', 'targetGUID="00000000-0000-0000-0000-0000000000ff"'
    )
    path = zipped(tmp_path / "absent.qdpx", {"project.qde": xml.encode()})
    project = read_project(path)
    assert any("not found in the archive" in line for line in project.skipped)
    assert any("missing from the codebook" in line for line in project.warnings)
    assert project.selections[0].codings == []


def test_undeclared_user_is_added(tmp_path):
    other = "12121212-3434-5656-7878-909090909090"
    xml = qde("urn:QDA-XML:project:1.0", plain_text_path="internal://t.txt").replace(
        '<Coding guid="CDCDCDCD-0000-0000-0000-000000000001">',
        f'<Coding guid="CDCDCDCD-0000-0000-0000-000000000001" creatingUser="{other}">',
    )
    project = read_project(
        zipped(tmp_path / "u.qdpx", {"project.qde": xml.encode(), "sources/t.txt": b"Hello world"})
    )
    assert [user.guid for user in project.users] == [USER, other]
    assert any("not declared" in line for line in project.warnings)


def test_file_object_input(tmp_path):
    path = zipped(
        tmp_path / "f.qdpx",
        {
            "project.qde": qde(None, plain_text_path="t.txt").encode(),
            "sources/t.txt": b"Hello world",
        },
    )
    with open(path, "rb") as handle:
        assert read_project(handle).sources[0].text == "Hello world"


def test_codebook_with_empty_sets_and_variants(tmp_path):
    path = tmp_path / "taguette.qdc"
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?>'
        '<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="Taguette 1.4.1"><Codes>'
        f'<Code guid="{CHILD}" name="tag" isCodable="true" color="#ff0000"><Description>d</Description></Code>'
        "</Codes><Sets/></CodeBook>",
        encoding="utf-8",
    )
    codebook = read_codebook(path)
    assert codebook.origin == "Taguette 1.4.1" and codebook.sets == []
    code = codebook.codes[0]
    assert (code.guid, code.colour, code.description) == (CHILD.strip("{}").lower(), "#FF0000", "d")


def test_codebook_wrong_namespace():
    data = b'<CodeBook xmlns="urn:other"><Codes/></CodeBook>'
    with pytest.raises(RefiError, match="unsupported namespace"):
        read_codebook(io.BytesIO(data), label="x.qdc")
