"""Hostile and broken archives: every one must be refused with a clear RefiError."""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

import pytest

from codebench.exchange.refi import ArchiveLimits, RefiError, read_codebook, read_project

GOOD_QDE = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<Project xmlns="urn:QDA-XML:project:1.0" name="p">'
    '<Sources><TextSource guid="11111111-2222-3333-4444-555555555555" name="t" '
    'plainTextPath="internal://11111111-2222-3333-4444-555555555555.txt"/></Sources>'
    "</Project>"
)

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE Project [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Project xmlns="urn:QDA-XML:project:1.0" name="&lol9;"/>
"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE Project [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<Project xmlns="urn:QDA-XML:project:1.0" name="&x;"/>
"""


def make_qdpx(path: Path, members: list[tuple[str, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(
                zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)),
                data,
                compress_type=zipfile.ZIP_DEFLATED,
            )
    return path


def refused(path: Path, pattern: str, **kwargs: object) -> str:
    with pytest.raises(RefiError, match=pattern) as info:
        read_project(path, **kwargs)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(path.name), message  # names the file
    return message


def test_entity_bomb_in_project_qde(tmp_path):
    path = make_qdpx(tmp_path / "bomb.qdpx", [("project.qde", BILLION_LAUGHS.encode())])
    refused(path, "DTD")


def test_entity_bomb_in_bare_qde(tmp_path):
    path = tmp_path / "bomb.qde"
    path.write_text(BILLION_LAUGHS, encoding="utf-8")
    refused(path, "DTD")


def test_external_entity(tmp_path):
    path = make_qdpx(tmp_path / "xxe.qdpx", [("project.qde", EXTERNAL_ENTITY.encode())])
    message = refused(path, "refused")
    assert "passwd" not in message or "DTD" in message


def test_external_entity_in_codebook(tmp_path):
    path = tmp_path / "xxe.qdc"
    path.write_text(EXTERNAL_ENTITY.replace("Project", "CodeBook"), encoding="utf-8")
    with pytest.raises(RefiError, match="DTD"):
        read_codebook(path)


@pytest.mark.parametrize(
    ("member", "why"),
    [
        ("../evil.txt", "path traversal"),
        ("sources/../../evil.txt", "path traversal"),
        ("..\\evil.txt", "path traversal"),
        ("/etc/evil.txt", "absolute path"),
        ("C:/Windows/evil.txt", "drive letter"),
    ],
)
def test_member_escaping_the_archive(tmp_path, member, why):
    path = make_qdpx(tmp_path / "escape.qdpx", [("project.qde", GOOD_QDE.encode()), (member, b"x")])
    message = refused(path, why)
    assert repr(member) in message


def test_huge_member_over_cap(tmp_path):
    big = random.Random(0).randbytes(2 << 20)  # 2 MiB, incompressible
    path = make_qdpx(
        tmp_path / "huge.qdpx",
        [
            ("project.qde", GOOD_QDE.encode()),
            ("sources/11111111-2222-3333-4444-555555555555.txt", big),
        ],
    )
    refused(
        path, "exceeds the limit of 1048576 bytes", limits=ArchiveLimits(max_total_bytes=1 << 20)
    )
    assert read_project(path).sources[0].text is not None  # fine under the default cap


def test_zip_bomb_ratio(tmp_path):
    path = make_qdpx(
        tmp_path / "ratio.qdpx",
        [
            ("project.qde", GOOD_QDE.encode()),
            ("sources/11111111-2222-3333-4444-555555555555.txt", b"\0" * (8 << 20)),
        ],
    )
    refused(path, "compression ratio")


def test_too_many_members(tmp_path):
    members = [("project.qde", GOOD_QDE.encode())] + [(f"sources/{i}.txt", b"x") for i in range(20)]
    path = make_qdpx(tmp_path / "many.qdpx", members)
    refused(path, "21 members, more than the limit of 10", limits=ArchiveLimits(max_members=10))


def test_missing_project_qde(tmp_path):
    path = make_qdpx(tmp_path / "noproject.qdpx", [("sources/a.txt", b"hello")])
    refused(path, "no project.qde")


def test_project_qde_in_a_subfolder_is_not_enough(tmp_path):
    path = make_qdpx(tmp_path / "nested.qdpx", [("inner/project.qde", GOOD_QDE.encode())])
    refused(path, "no project.qde")


def test_wrong_namespace(tmp_path):
    qde = GOOD_QDE.replace("urn:QDA-XML:project:1.0", "urn:something:else")
    path = make_qdpx(tmp_path / "ns.qdpx", [("project.qde", qde.encode())])
    refused(path, "unsupported namespace 'urn:something:else'")


def test_wrong_root_element(tmp_path):
    path = make_qdpx(tmp_path / "root.qdpx", [("project.qde", b"<Banana/>")])
    refused(path, "root element is <Banana>")


def test_not_xml(tmp_path):
    path = make_qdpx(tmp_path / "junk.qdpx", [("project.qde", b"\x00\x01 not xml")])
    refused(path, "not well-formed XML")


def test_truncated_zip(tmp_path):
    whole = make_qdpx(tmp_path / "whole.qdpx", [("project.qde", GOOD_QDE.encode() * 50)])
    path = tmp_path / "cut.qdpx"
    path.write_bytes(b"PK\x03\x04" + whole.read_bytes()[4:200])
    with pytest.raises(RefiError) as info:
        read_project(path)
    assert str(info.value).startswith("cut.qdpx")


def test_missing_file(tmp_path):
    with pytest.raises(RefiError, match="no such file"):
        read_project(tmp_path / "nothere.qdpx")


def test_bytes_input_is_checked_too():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("project.qde", GOOD_QDE)
        archive.writestr("../evil.txt", b"x")
    with pytest.raises(RefiError, match="path traversal"):
        read_project(buffer.getvalue(), label="upload.qdpx")
