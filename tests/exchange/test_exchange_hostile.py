"""Hostile or broken codebooks and REFI-QDA files: refused in one line, or imported and reported.

Each test here failed on the code before the hardening it covers: alias bombs
ran for minutes, deep nesting ended in ``RecursionError`` tracebacks, a
truncated ``.qdpx`` was parsed as XML, duplicate GUIDs passed without a word
(and sent one source's codings onto another's text), a ``.qdc`` of 10,000
flat codes imported in quadratic time.
"""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from codebench.cli import cli
from codebench.codebook.format import load_codebook, parse_codebook
from codebench.errors import CodebenchError, CodebookError
from codebench.exchange.qdpx.codebook import import_qdc
from codebench.exchange.qdpx.project import import_qdpx
from codebench.exchange.refi import RefiError, read_codebook, read_project
from codebench.nesting import MAX_CODE_DEPTH
from codebench.project import Project
from codebench.store import bulk

NS = "urn:QDA-XML:project:1.0"


def one_line(error: BaseException, name: str) -> str:
    message = str(error)
    assert "\n" not in message, message
    assert name in message, message
    return message


def guid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


# --------------------------------------------------------------------- YAML and JSON codebooks


def test_a_yaml_alias_bomb_is_refused_before_it_expands(tmp_path: Path) -> None:
    # 1 KB that expands to 2**24 codes (minutes and 600 MB before).
    lines = ["a0: &a0 {name: x}"]
    lines += [f"a{i}: &a{i} {{name: x, children: [*a{i - 1}, *a{i - 1}]}}" for i in range(1, 25)]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join([*lines, "codes:", "  - *a24", ""]), encoding="utf-8")
    with pytest.raises(CodebookError) as info:
        load_codebook(path)
    message = one_line(info.value, "bomb.yaml")
    assert "line 1" in message and "anchor" in message


def test_a_yaml_anchor_is_named_by_its_line(tmp_path: Path) -> None:
    path = tmp_path / "alias.yaml"
    path.write_text("defaults:\n  - &d {name: shared}\ncodes:\n  - *d\n", encoding="utf-8")
    with pytest.raises(CodebookError, match=r"alias.yaml: line 2: YAML anchor &d refused"):
        load_codebook(path)


def test_a_self_referencing_yaml_alias_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "self.yaml"
    path.write_text("codes: &c\n  - name: a\n    children: *c\n", encoding="utf-8")
    with pytest.raises(CodebookError) as info:  # was a RecursionError traceback
        load_codebook(path)
    assert "anchor" in one_line(info.value, "self.yaml")


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("flow.yaml", "codes: " + "[" * 5000 + "]" * 5000 + "\n"),
        ("deep.json", '{"codes": ' + "[" * 100_000 + "]" * 100_000 + "}"),
        ("shallow.json", '{"codes": ' + "[" * 200 + "]" * 200 + "}"),
    ],
    ids=["yaml-5000", "json-100000", "json-200"],
)
def test_deeply_nested_codebook_documents_are_refused(tmp_path: Path, name, text) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CodebookError) as info:
        load_codebook(path)
    assert "nested deeper than a codebook may be" in one_line(info.value, name)


def nested_yaml(levels: int) -> str:
    lines, indent = ["codes:"], "  "
    for i in range(levels):
        lines += [f"{indent}- name: c{i}"]
        if i < levels - 1:
            lines += [f"{indent}  children:"]
        indent += "    "
    return "\n".join(lines) + "\n"


def test_children_nested_to_the_limit_load_and_one_more_is_refused(tmp_path: Path) -> None:
    ok = tmp_path / "ok.yaml"
    ok.write_text(nested_yaml(MAX_CODE_DEPTH), encoding="utf-8")
    assert len(load_codebook(ok)) == MAX_CODE_DEPTH
    deep = tmp_path / "deep.yaml"
    deep.write_text(nested_yaml(MAX_CODE_DEPTH + 1), encoding="utf-8")
    with pytest.raises(CodebookError, match="nested deeper than a codebook may be"):
        load_codebook(deep)


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_a_long_flat_parent_chain_is_refused_not_a_recursion_error(tmp_path, suffix) -> None:
    codes = [{"number": str(i), "name": f"c{i}"} for i in range(5000)]
    for i in range(1, 5000):
        codes[i]["parent"] = str(i - 1)
    path = tmp_path / f"chain{suffix}"
    path.write_text(json.dumps({"codes": codes}), encoding="utf-8")
    with pytest.raises(CodebookError) as info:
        load_codebook(path)
    message = one_line(info.value, path.name)
    assert f"more than {MAX_CODE_DEPTH} levels deep" in message and "'64 c64'" in message


def test_a_parent_chain_of_exactly_the_limit_loads() -> None:
    codes = [{"number": str(i), "name": f"c{i}"} for i in range(MAX_CODE_DEPTH)]
    for i in range(1, MAX_CODE_DEPTH):
        codes[i]["parent"] = str(i - 1)
    book = parse_codebook({"codes": codes})
    assert max(depth for _c, _p, depth in book.walk()) == MAX_CODE_DEPTH - 1


def test_a_code_whose_parent_is_its_own_child_is_a_cycle_not_lost() -> None:
    # Before, 'A' was hung under its own child and both vanished from the tree.
    data = {
        "codes": [
            {
                "number": "1",
                "name": "A",
                "parent": "1.1",
                "children": [{"number": "1.1", "name": "A1"}],
            },
            {"name": "B"},
        ]
    }
    with pytest.raises(CodebookError, match="'1 A': parent chain forms a cycle"):
        parse_codebook(data, source="book.yaml")


def test_a_reference_cycle_is_still_named() -> None:
    data = {
        "codes": [
            {"number": "1", "name": "A", "parent": "2"},
            {"number": "2", "name": "B", "parent": "1"},
        ]
    }
    with pytest.raises(CodebookError, match="'1 A': parent chain forms a cycle"):
        parse_codebook(data, source="book.yaml")


def test_a_qdpx_given_as_a_yaml_codebook_points_to_import_project(tmp_path: Path) -> None:
    path = tmp_path / "study.yaml"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", "<Project/>")
    with pytest.raises(CodebookError) as info:  # was a UTF-8 decode error
        load_codebook(path)
    assert "import-project" in one_line(info.value, "study.yaml")


def test_codebook_import_of_a_qdpx_points_to_import_project(tmp_path: Path) -> None:
    path = tmp_path / "study.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", f'<Project xmlns="{NS}" name="p"/>')
    target = tmp_path / "p.db"
    result = CliRunner().invoke(cli, ["-p", str(target), "codebook", "import", str(path)])
    assert result.exit_code == 1
    assert "codebench import-project study.qdpx" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
    assert not target.exists()


# --------------------------------------------------------------------- REFI-QDA: deep trees


def nested_codes(levels: int) -> str:
    opening = "".join(
        f'<Code guid="{guid(i)}" name="c{i}" isCodable="true">' for i in range(levels)
    )
    return opening + "</Code>" * levels


def qdc(body: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>{body}</Codes></CodeBook>'
    ).encode()


def qdpx(path: Path, body: str, sources: dict[str, str] | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "project.qde",
            f'<?xml version="1.0" encoding="utf-8"?><Project xmlns="{NS}" name="p">{body}</Project>',
        )
        for name, text in (sources or {}).items():
            archive.writestr(f"sources/{name}", text)
    return path


def test_a_deep_qdc_is_refused_in_one_line(tmp_path: Path, project: Project) -> None:
    path = tmp_path / "deep.qdc"
    path.write_bytes(qdc(nested_codes(3000)))
    with pytest.raises(RefiError) as info:  # was a RecursionError traceback
        read_codebook(path)
    assert f"more than {MAX_CODE_DEPTH} levels deep" in one_line(info.value, "deep.qdc")
    before = bulk.table_counts(project.db)
    with pytest.raises(CodebenchError):
        import_qdc(project, path)
    assert bulk.table_counts(project.db) == before


def test_a_qdc_at_the_depth_limit_imports(tmp_path: Path, project: Project) -> None:
    path = tmp_path / "ok.qdc"
    path.write_bytes(qdc(nested_codes(MAX_CODE_DEPTH)))
    assert import_qdc(project, path).added == MAX_CODE_DEPTH


def test_deep_codes_in_a_qdpx_are_refused_and_nothing_is_written(
    tmp_path: Path, project: Project
) -> None:
    path = qdpx(tmp_path / "deep.qdpx", f"<CodeBook><Codes>{nested_codes(3000)}</Codes></CodeBook>")
    before = bulk.table_counts(project.db)
    with pytest.raises(CodebenchError) as info:
        import_qdpx(project, path)
    assert "levels deep" in one_line(info.value, "deep.qdpx")
    assert bulk.table_counts(project.db) == before
    result = CliRunner().invoke(cli, ["-p", str(project.path), "import-project", str(path)])
    assert result.exit_code == 1 and "Traceback" not in result.output


# --------------------------------------------------------------------- REFI-QDA: damaged archives


def test_a_truncated_qdpx_is_a_damaged_archive(tmp_path: Path) -> None:
    whole = qdpx(tmp_path / "whole.qdpx", "<Description>" + "x" * 5000 + "</Description>")
    data = whole.read_bytes()
    for cut in (len(data) // 2, len(data) - 10):
        path = tmp_path / "cut.qdpx"
        path.write_bytes(data[:cut])
        with pytest.raises(RefiError) as info:  # was "not well-formed XML (invalid token)"
            read_project(path)
        assert "damaged archive" in one_line(info.value, "cut.qdpx")
        with pytest.raises(RefiError, match="damaged archive"):
            read_codebook(path)


def test_a_corrupted_member_is_a_damaged_archive(tmp_path: Path) -> None:
    path = tmp_path / "bad.qdpx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", f'<Project xmlns="{NS}" name="p"/>' * 500)
    data = bytearray(path.read_bytes())
    data[60:64] = bytes(b ^ 0xFF for b in data[60:64])  # inside the deflated stream
    path.write_bytes(bytes(data))
    with pytest.raises(RefiError) as info:  # was a zlib.error traceback
        read_project(path)
    assert "damaged archive" in one_line(info.value, "bad.qdpx")


# --------------------------------------------------------------------- REFI-QDA: duplicate GUIDs


def test_duplicate_code_guids_in_a_qdc_are_reported_and_the_first_keeps_the_guid(
    tmp_path: Path, project: Project
) -> None:
    path = tmp_path / "dup.qdc"
    path.write_bytes(
        qdc(
            f'<Code guid="{guid(1)}" name="Joy"/>'
            f'<Code guid="{guid(1)}" name="Fear"><Code guid="{guid(2)}" name="Dread"/></Code>'
        )
    )
    book = read_codebook(path)
    assert [c.name for c in book.codes] == ["Joy", "Fear"]
    assert book.codes[0].guid == guid(1) and book.codes[1].guid != guid(1)
    (warning,) = book.warnings
    assert f"code 'Fear' has the GUID {guid(1)} of code 'Joy', which keeps it" in warning
    result = import_qdc(project, path)
    assert result.added == 3 and result.warnings == [warning]
    assert project.code(guid(1)).name == "Joy"
    assert project.code_path(project.code(guid(2)))[0].name == "Fear"
    result = CliRunner().invoke(cli, ["-p", str(project.path), "codebook", "import", str(path)])
    assert result.exit_code == 0 and "which keeps it" in result.output


def test_duplicate_source_guids_keep_each_sources_codings_on_its_own_text(
    tmp_path: Path, project: Project
) -> None:
    # Before, both sources' selections pointed at the second transcript.
    code = f'<CodeBook><Codes><Code guid="{guid(9)}" name="Topic"/></Codes></CodeBook>'
    sources = "".join(
        f'<TextSource guid="{guid(1)}" name="{name}" plainTextPath="internal://{name}.txt">'
        f'<PlainTextSelection guid="{guid(10 + i)}" startPosition="0" endPosition="5">'
        f'<Coding guid="{guid(20 + i)}"><CodeRef targetGUID="{guid(9)}"/></Coding>'
        "</PlainTextSelection></TextSource>"
        for i, name in enumerate(("first", "second"))
    )
    path = qdpx(
        tmp_path / "dup.qdpx",
        f"{code}<Sources>{sources}</Sources>",
        {"first.txt": "Alpha text here.", "second.txt": "Omega text here."},
    )
    report = import_qdpx(project, path)
    assert any(f"text source 'second' has the GUID {guid(1)}" in w for w in report.warnings)
    texts = {
        project.transcript(c.transcript_id).name: project.text(c.transcript_id)[c.start : c.end]
        for c in project.codings()
    }
    assert texts == {"first": "Alpha", "second": "Omega"}


def test_duplicate_note_guids_import_both_notes(tmp_path: Path, project: Project) -> None:
    notes = "".join(
        f'<Note guid="{guid(1)}" name="n{i}"><PlainTextContent>Note {i}</PlainTextContent></Note>'
        for i in (1, 2)
    )
    report = import_qdpx(project, qdpx(tmp_path / "notes.qdpx", f"<Notes>{notes}</Notes>"))
    # Before, the second was counted as "already present" and its text lost.
    assert report.memos_added == 2 and report.memos_existing == 0
    assert sorted(m.text for m in project.memos()) == ["Note 1", "Note 2"]
    assert any("note 'n2' has the GUID" in w for w in report.warnings)


# --------------------------------------------------------------------- REFI-QDA: what the report says


def test_selection_and_source_descriptions_become_memos(tmp_path: Path, project: Project) -> None:
    body = (
        f'<Users><User guid="{guid(5)}" name="ann"/></Users>'
        f'<CodeBook><Codes><Code guid="{guid(9)}" name="Topic"/></Codes></CodeBook>'
        f'<Sources><TextSource guid="{guid(1)}" name="t" plainTextPath="internal://t.txt">'
        "<Description>Interview done by phone.</Description>"
        f'<PlainTextSelection guid="{guid(2)}" startPosition="0" endPosition="5" creatingUser="{guid(5)}">'
        "<Description>Ironic tone here.</Description>"
        f'<Coding guid="{guid(3)}" creatingUser="{guid(5)}"><CodeRef targetGUID="{guid(9)}"/></Coding>'
        "</PlainTextSelection></TextSource></Sources>"
    )
    path = qdpx(tmp_path / "d.qdpx", body, {"t.txt": "Alpha text here."})
    report = import_qdpx(project, path)
    assert report.memos_added == 2
    assert any("2 descriptions" in w for w in report.warnings)
    memos = {m.text: m for m in project.memos()}
    (coding,) = project.codings()
    assert memos["Ironic tone here."].coding_id == coding.id
    assert memos["Ironic tone here."].author_id == project.coder("ann").id
    assert memos["Interview done by phone."].transcript_id == coding.transcript_id
    again = import_qdpx(project, path)  # idempotent: the memo GUIDs derive from the objects
    assert again.memos_added == 0 and again.memos_existing == 2


def test_unlinked_cases_sets_and_categories_are_reported(tmp_path: Path, project: Project) -> None:
    body = (
        "<CodeBook><Codes>"
        f'<Code guid="{guid(9)}" name="Feelings" isCodable="false">'
        f'<Code guid="{guid(8)}" name="Joy"/></Code></Codes></CodeBook>'
        f'<Variables><Variable guid="{guid(7)}" name="age" typeOfVariable="Integer"/></Variables>'
        f'<Cases><Case guid="{guid(6)}" name="Ann"><VariableValue><VariableRef targetGUID="{guid(7)}"/>'
        "<IntegerValue>41</IntegerValue></VariableValue></Case></Cases>"
        f'<Sets><Set guid="{guid(5)}" name="Mood"><MemberCode targetGUID="{guid(8)}"/></Set></Sets>'
    )
    report = import_qdpx(project, qdpx(tmp_path / "c.qdpx", body))
    lines = "\n".join(report.lines())
    assert "1 case linked to no text source, such as 'Ann': their 1 variable value was" in lines
    assert "1 set not imported" in lines
    assert "1 non-codable code (categories such as 'Feelings') was" in lines


# --------------------------------------------------------------------- .qdc import is linear


def _vm_steps(project: Project, path: Path) -> int:
    """SQLite virtual-machine steps (in thousands) an import takes: a measure of
    work that does not depend on the machine's speed."""
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0

    conn: sqlite3.Connection = project.db.conn
    conn.set_progress_handler(count, 1000)
    try:
        import_qdc(project, path)
    finally:
        conn.set_progress_handler(None, 0)
    return steps


def test_qdc_import_work_grows_linearly_with_flat_codes(tmp_path: Path) -> None:
    counts = {}
    for n in (500, 1000):
        path = tmp_path / f"flat{n}.qdc"
        path.write_bytes(qdc("".join(f'<Code guid="{guid(i)}" name="c{i}"/>' for i in range(n))))
        with Project.init(tmp_path / f"p{n}.db") as target:
            counts[n] = _vm_steps(target, path)
            assert len(target.codes()) == n
            counts[f"again{n}"] = _vm_steps(target, path)  # every code matched and unchanged
    # Quadratic work (each code reading all its siblings) gave ratios near 4.
    assert counts[1000] < 2.6 * counts[500], counts
    assert counts["again1000"] < 2.6 * counts["again500"], counts


# --------------------------------------------------------------------- edits keep trees shallow


def test_codebook_edits_cannot_nest_codes_deeper_than_imports_accept(project: Project) -> None:
    from codebench.codebook import edits

    parent = None
    for i in range(MAX_CODE_DEPTH):
        parent = edits.add_code(project, "ann", f"level {i + 1}", parent=parent)
    with pytest.raises(CodebookError, match="65 levels deep"):
        edits.add_code(project, "ann", "one too deep", parent=parent)
    top = edits.add_code(project, "ann", "Another branch")
    edits.add_code(project, "ann", "its child", parent=top)
    with pytest.raises(CodebookError, match="66 levels deep"):  # the child would sit at 66
        edits.move_code(project, "ann", top, parent)
    assert project.code("Another branch").parent_id is None


def test_the_code_index_stays_what_the_database_holds(project: Project) -> None:
    """merge_codes looks codes up in memory: after inserts, renames, moves and
    renumbering through the index, it must answer as a fresh read would."""
    from codebench.exchange.qdpx.code_index import CodeIndex

    index = CodeIndex(project.db)
    top = index.insert({"guid": guid(1), "name": "New top", "parent_id": None})
    child = index.insert({"guid": guid(2), "name": "Child", "parent_id": top, "archived": True})
    ethos = index.by_number("04")
    assert ethos is not None
    index.update(ethos.id, {"parent_id": top, "position": index.next_position(top)})
    index.update(child, {"name": "Renamed child", "number": "99"})
    index.update(ethos.id, {"number": None})
    last = max(project.codes(), key=lambda c: (c.parent_id is None, c.position))
    index.update(last.id, {"parent_id": top, "position": index.next_position(top)})
    fresh = CodeIndex(project.db)
    codes = project.codes(include_archived=True)
    assert {c.id: index.get(c.id) for c in codes} == {c.id: fresh.get(c.id) for c in codes}
    for parent in {None, *(c.id for c in codes)}:
        assert index.next_position(parent) == fresh.next_position(parent)
    for c in codes:
        assert index.child_named(c.parent_id, c.name.upper()) == fresh.child_named(
            c.parent_id, c.name
        )
        assert index.by_guid(c.guid) == c
        if c.number:
            assert index.by_number(c.number) == c
    assert index.by_number("04") is None and index.by_number("99") == index.get(child)
