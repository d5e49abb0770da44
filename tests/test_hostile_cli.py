"""Attacks from issue 10 re-run end to end through the CLI, and the holes they found.

Each test drives ``codebench`` as a user would, on a file built to break it,
and asserts on one ``Error:`` line (or the clean outcome), the exit status
and what the project holds afterwards.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from codebench.cli import cli
from codebench.codebook.format import default_codebook_path, load_codebook
from codebench.project import Project

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "transcripts"
CEO = "01-riverside-ceo"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with the codebook and one interview, its WAL folded into the file."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    with Project.init(path, load_codebook(default_codebook_path())) as project:
        assert project.import_files([SAMPLES / f"{CEO}.txt"]).ok
        project.code_segments("alice", CEO, [3], "04")
        project.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def db(template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "study.db"
    shutil.copy(template, path)
    return path


def invoke(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def one_error_line(result: Result) -> str:
    """The single ``Error:`` line of a refused command (no traceback, nothing else)."""
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    return lines[0]


# ------------------------------------------------------------ item 4: the backstop
def _chain_of_codes(path: Path, levels: int) -> None:
    """Codes nested ``levels`` deep, written straight into the file (no reader checks them)."""
    connection = sqlite3.connect(path)
    parent = None
    with connection:
        for level in range(levels):
            parent = connection.execute(
                "INSERT INTO codes (guid, parent_id, name, created_at) VALUES (?, ?, ?, ?)",
                (f"{level:08d}-2222-4222-8222-222222222222", parent, f"deep{level}", "2026"),
            ).lastrowid
    connection.close()


@pytest.mark.parametrize(
    "command",
    [
        ["codebook", "show"],
        ["codebook", "export", "-o", "{tmp}/book.yaml"],
        ["export", "qdpx", "-o", "{tmp}/out.qdpx"],
    ],
    ids=["codebook-show", "codebook-export", "export-qdpx"],
)
def test_a_code_tree_past_the_recursion_limit_is_one_line_naming_the_project(
    db: Path, tmp_path: Path, command: list[str]
) -> None:
    _chain_of_codes(db, 3000)
    args = [part.replace("{tmp}", str(tmp_path)) for part in command]
    line = one_error_line(invoke("-p", str(db), *args))
    assert str(db) in line and "nested too deeply" in line
    assert "out.qdpx" not in line and "book.yaml" not in line  # outputs are not blamed
    assert not (tmp_path / "out.qdpx").exists() and not (tmp_path / "book.yaml").exists()
    assert not [p for p in tmp_path.iterdir() if "codebench-tmp" in p.name]


# ------------------------------------------------ item 13: the codings CSV reader
ROW = "alice,01-riverside-ceo,3,01"
HEADER = "coder,transcript,segment,code,memo\n"


def _memos(db: Path) -> list[str]:
    connection = sqlite3.connect(db)
    try:
        return [text for (text,) in connection.execute("SELECT text FROM memos ORDER BY id")]
    finally:
        connection.close()


def test_a_codings_csv_saved_by_excel_in_its_code_page_is_decoded_and_says_so(
    db: Path, tmp_path: Path
) -> None:
    path = tmp_path / "codings.csv"
    path.write_bytes((HEADER + ROW + ",Café – naïve\n").encode("cp1252"))
    result = invoke("-p", str(db), "import-codings", str(path), "--new-coder")
    assert result.exit_code == 0, result.output
    assert "codings.csv: read as cp1252 (detected" in result.output
    assert _memos(db)[-1] == "Café – naïve"


def test_import_codings_encoding_forces_one_and_an_unknown_one_is_refused(
    db: Path, tmp_path: Path
) -> None:
    path = tmp_path / "codings.csv"
    path.write_bytes((HEADER + ROW + ",Zaříjí\n").encode("cp1250"))
    result = invoke("-p", str(db), "import-codings", str(path), "--encoding", "cp1250")
    assert result.exit_code == 0, result.output
    assert "read as cp1250 (--encoding)" in result.output
    assert _memos(db)[-1] == "Zaříjí"
    line = one_error_line(invoke("-p", str(db), "import-codings", str(path), "--encoding", "nope"))
    assert "unknown text encoding 'nope'" in line


def test_a_utf16_codings_csv_with_a_byte_order_mark_is_read(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "codings.csv"
    path.write_bytes((HEADER + ROW + ",memo\n").encode("utf-16"))
    result = invoke("-p", str(db), "import-codings", str(path))
    assert result.exit_code == 0, result.output
    assert "1 coding added" in result.output


def test_codings_csv_cells_have_the_shared_readers_limit(db: Path, tmp_path: Path) -> None:
    """Cells over the csv module's own 128 KiB limit import; over 1 MiB, one line naming it."""
    path = tmp_path / "codings.csv"
    path.write_text(HEADER + ROW + "," + "x" * 200_000 + "\n", encoding="utf-8")
    result = invoke("-p", str(db), "import-codings", str(path))
    assert result.exit_code == 0, result.output
    assert len(_memos(db)[-1]) == 200_000
    path.write_text(HEADER + ROW + "," + "y" * (1024 * 1024 + 1) + "\n", encoding="utf-8")
    line = one_error_line(invoke("-p", str(db), "import-codings", str(path)))
    assert "codings.csv:2: a cell is longer than 1,048,576 characters" in line


def test_control_characters_in_a_codings_csv_are_stored_visible(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "codings.csv"
    path.write_text(
        HEADER + "\x1b]0;pwned\x07eve,01-riverside-ceo,3,01,memo \x1b[31mred\n", encoding="utf-8"
    )
    result = invoke("-p", str(db), "import-codings", str(path), "--new-coder")
    assert result.exit_code == 0, result.output
    connection = sqlite3.connect(db)
    names = [name for (name,) in connection.execute("SELECT name FROM coders")]
    connection.close()
    assert "␛]0;pwned␇eve" in names
    assert _memos(db)[-1] == "memo ␛[31mred"


# ------------------------------------------- item 13: two processes at once
def test_a_dump_loaded_into_a_project_another_process_just_filled_is_merged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, template: Path
) -> None:
    """Both imports saw an empty project; the one that got the lock second merges."""
    from codebench.exchange import jsonl
    from codebench.store import bulk

    dump = tmp_path / "dump.jsonl"
    with Project.open(template, write=False) as source:
        jsonl.export_jsonl(source, dump)
    target = tmp_path / "new.db"
    with Project.open(target, create=True) as project:
        real = bulk.table_counts
        calls = {"n": 0}

        def racing(db):  # type: ignore[no-untyped-def]
            calls["n"] += 1
            if calls["n"] == 1:  # the check before the lock: the other process is not done yet
                with Project.open(target) as other:
                    jsonl.import_jsonl(dump, other)
                return {}
            return real(db)

        monkeypatch.setattr(bulk, "table_counts", racing)
        result = jsonl.import_jsonl(dump, project)
        monkeypatch.setattr(bulk, "table_counts", real)
        assert result.merge is not None and result.merge.ok
        assert project.db.execute("SELECT count(*) FROM codings").fetchone()[0] == 1


def test_a_new_project_created_by_two_processes_at_once_opens_in_both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second to create the tables finds them made: it waits and carries on."""
    from codebench.store import migrations

    target = tmp_path / "new.db"
    first = migrations.migrations._migrations[0]
    real = first.fn

    def racing(db):  # type: ignore[no-untyped-def]
        monkeypatch.setattr(first, "fn", real)
        with Project.open(target, create=True):  # the other process, a moment earlier
            pass
        real(db)

    monkeypatch.setattr(first, "fn", racing)
    with Project.open(target, create=True) as project:
        assert not migrations.pending_names(project.db)


# ---------------------------------------- item 19: a message that contradicted itself
def test_init_takes_a_qdc_codebook_and_a_refused_one_leaves_no_project(
    db: Path, tmp_path: Path
) -> None:
    """``init --codebook book.qdc`` used to say "REFI-QDA codebooks are imported from a
    file named .qdc" about a file named .qdc."""
    book = tmp_path / "book.qdc"
    assert invoke("-p", str(db), "codebook", "export", "-o", str(book)).exit_code == 0
    new = tmp_path / "new.db"
    result = invoke("-p", str(new), "init", "--codebook", str(book))
    assert result.exit_code == 0, result.output
    with Project.open(new, write=False) as project:
        assert len(project.codes()) == 35
    line = one_error_line(invoke("-p", str(new), "init", "--codebook", str(book)))
    assert "already has a codebook" in line
    deep = tmp_path / "deep.qdc"
    nested = "".join(
        f'<Code guid="{n:08d}-0000-4000-8000-000000000000" name="c{n}" isCodable="true">'
        for n in range(70)
    )
    deep.write_text(
        '<?xml version="1.0" encoding="utf-8"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0">'
        f"<Codes>{nested}{'</Code>' * 70}</Codes></CodeBook>",
        encoding="utf-8",
    )
    other = tmp_path / "other.db"
    line = one_error_line(invoke("-p", str(other), "init", "--codebook", str(deep)))
    assert "deep.qdc" in line and "64 levels" in line
    assert not list(tmp_path.glob("other.db*"))


# ------------------------------------------- beyond the list: CSVs that lost data silently
def _transcript_count(db: Path) -> int:
    connection = sqlite3.connect(db)
    try:
        return int(connection.execute("SELECT count(*) FROM transcripts").fetchone()[0])
    finally:
        connection.close()


def test_a_quote_never_closed_in_a_codings_csv_is_refused_not_swallowing_the_rest(
    db: Path, tmp_path: Path
) -> None:
    """The csv module's lenient mode made rows 3 and 4 part of row 2's memo: "1 rows"."""
    path = tmp_path / "codings.csv"
    path.write_text(
        HEADER + ROW + ',"oops\n' + "alice,01-riverside-ceo,4,01,\nalice,01-riverside-ceo,5,01,\n",
        encoding="utf-8",
    )
    before = _memos(db)
    line = one_error_line(invoke("-p", str(db), "import-codings", str(path)))
    assert "codings.csv:2: a quoted cell is never closed" in line
    assert _memos(db) == before


@pytest.mark.parametrize(
    ("sheet", "message"),
    [
        ('name,role\nnew,x\nother,"never closed\n', "attr.csv:3: a quoted cell is never closed"),
        ("name,role,Role\nnew,a,b\n", "attr.csv:1: column role appears more than once"),
        ("name,role\nnew,a\nNEW,b\n", "attr.csv:3: transcript 'NEW' is already on line 2"),
    ],
    ids=["unclosed-quote", "repeated-column", "repeated-transcript"],
)
def test_an_ambiguous_attributes_csv_is_refused_before_any_transcript_is_stored(
    db: Path, tmp_path: Path, sheet: str, message: str
) -> None:
    (tmp_path / "new.txt").write_text("Ann: new text here.\n", encoding="utf-8")
    (tmp_path / "attr.csv").write_text(sheet, encoding="utf-8")
    result = invoke(
        "-p",
        str(db),
        "import",
        str(tmp_path / "new.txt"),
        "--attributes",
        str(tmp_path / "attr.csv"),
    )
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert _transcript_count(db) == 1


def test_an_attributes_csv_with_bom_and_crlf_is_read(db: Path, tmp_path: Path) -> None:
    (tmp_path / "new.txt").write_text("Ann: new text here.\n", encoding="utf-8")
    (tmp_path / "attr.csv").write_bytes(b"\xef\xbb\xbfname,role\r\nnew,=cmd\r\n")
    result = invoke(
        "-p",
        str(db),
        "import",
        str(tmp_path / "new.txt"),
        "--attributes",
        str(tmp_path / "attr.csv"),
    )
    assert result.exit_code == 0, result.output
    with Project.open(db, write=False) as project:
        assert project.transcript("new").attributes == {"role": "=cmd"}


# ------------------------------------------- beyond the list: JSONL numbers and keys
@pytest.fixture
def dump_lines(template: Path, tmp_path: Path) -> list[str]:
    from codebench.exchange.jsonl import export_jsonl

    dump = tmp_path / "dump.jsonl"
    with Project.open(template, write=False) as source:
        export_jsonl(source, dump)
    return dump.read_text(encoding="utf-8").splitlines()


def _first_coding(lines: list[str]) -> int:
    return next(i for i, line in enumerate(lines) if '"type": "coding"' in line)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda line: line[:-1] + ', "start": 0}', 'the key "start" appears twice in one object'),
        (
            lambda line: line.replace('"start": ', '"start": 1' + "0" * 5000 + ', "x": ', 1),
            "a number with more than 4300 digits",
        ),
        (lambda line: line.replace('"start": ', '"start": NaN, "x": ', 1), "NaN is not"),
    ],
    ids=["repeated-key", "huge-number", "nan"],
)
def test_a_jsonl_record_with_a_repeated_key_or_a_huge_number_is_one_line(
    dump_lines: list[str], tmp_path: Path, edit, message: str
) -> None:
    """A repeated key used to be settled silently (the last won); Python's message for a huge
    number told the user to call ``sys.set_int_max_str_digits()``."""
    index = _first_coding(dump_lines)
    lines = dump_lines[:]
    lines[index] = edit(lines[index])
    path = tmp_path / "edited.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    line = one_error_line(invoke("-p", str(tmp_path / "new.db"), "import-jsonl", str(path)))
    assert f"edited.jsonl:{index + 1}: not valid JSON" in line and message in line
    assert "sys." not in line


# ------------------------------------------- beyond the list: outputs that cannot be written
@pytest.mark.parametrize(
    "command",
    [
        ["report", "frequencies", "-o", "{out}/freq.csv"],
        ["report", "quotes", "-o", "{out}/quotes.docx"],
        ["export", "jsonl", "-o", "{out}/dump.jsonl"],
        ["export", "qdpx", "-o", "{out}/project.qdpx"],
        ["codebook", "export", "-o", "{out}/book.yaml"],
    ],
    ids=["report-csv", "report-docx", "jsonl", "qdpx", "codebook"],
)
def test_an_output_that_cannot_be_written_is_one_line_naming_it(
    db: Path, tmp_path: Path, command: list[str]
) -> None:
    """Writing under a path that is a file used to end in a PermissionError /
    NotADirectoryError traceback (the REFI-QDA writer named only the file's name)."""
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder", encoding="utf-8")
    args = [part.replace("{out}", str(blocker)) for part in command]
    line = one_error_line(invoke("-p", str(db), *args))
    assert f"{blocker}/" in line and "cannot write it" in line
    assert blocker.read_text(encoding="utf-8") == "a file, not a folder"


@pytest.mark.parametrize(
    "command",
    [
        ["report", "frequencies", "-o", "{out}/freq.csv"],
        ["export", "jsonl", "-o", "{out}/dump.jsonl"],
        ["codebook", "export", "-o", "{out}/book.yaml"],
    ],
    ids=["report-csv", "jsonl", "codebook"],
)
def test_an_output_into_a_missing_folder_names_it_and_makes_no_folders(
    db: Path, tmp_path: Path, command: list[str]
) -> None:
    """A mistyped folder used to be created, with every missing parent, without a word."""
    missing = tmp_path / "reprots" / "2026"
    args = [part.replace("{out}", str(missing)) for part in command]
    line = one_error_line(invoke("-p", str(db), *args))
    assert f"no folder {missing}" in line and "nothing was written" in line
    assert not (tmp_path / "reprots").exists()


def test_a_named_pipe_as_the_project_is_refused_at_once(tmp_path: Path) -> None:
    import os

    pipe = tmp_path / "fifo"
    os.mkfifo(pipe)
    line = one_error_line(invoke("-p", str(pipe), "report", "frequencies"))
    assert line == f"Error: {pipe}: not a regular file (a pipe or a device), not a project file"


def test_a_rename_that_fails_keeps_the_old_file_and_names_the_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from codebench.errors import OutputFailed
    from codebench.fileio import write_atomic

    target = tmp_path / "out.csv"
    target.write_text("old", encoding="utf-8")

    def refuse(_src: object, _dst: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(
        OutputFailed, match=r"out\.csv: cannot write it \(Operation not permitted\)"
    ):
        write_atomic(target, "new")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="needs named pipes")
def test_an_output_to_a_named_pipe_writes_to_it_and_never_replaces_it(
    db: Path, tmp_path: Path
) -> None:
    """``-o PIPE`` (or ``/dev/null``) used to get a temporary renamed over it: the pipe
    (or the device) became a plain file. Tested on a pipe, never on a real device."""
    import os
    import stat
    import threading

    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_bytes()), daemon=True)
    reader.start()
    result = invoke("-p", str(db), "report", "frequencies", "--format", "csv", "-o", str(pipe))
    if not received:  # unblock the reader if nothing was written to the pipe
        with open(pipe, "wb"):
            pass
    reader.join(timeout=10)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(pipe.stat().st_mode)
    assert received and b"Code,Name" in received[0]
    assert not [p for p in tmp_path.iterdir() if "codebench-tmp" in p.name]


# ------------------------------------ item 3, beyond transcripts: every name stored visible
def _names(db: Path, sql: str) -> list[str]:
    connection = sqlite3.connect(db)
    try:
        return [row[0] for row in connection.execute(sql)]
    finally:
        connection.close()


def test_controls_in_a_jsonl_dump_are_stored_visible(dump_lines: list[str], tmp_path: Path) -> None:
    import json

    lines = []
    for line in dump_lines:
        record = json.loads(line)
        if record["type"] in ("code", "coder"):
            record["name"] = "\x1b]0;t\x07" + record["name"]
        lines.append(json.dumps(record))
    path = tmp_path / "ctrl.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    new = tmp_path / "new.db"
    result = invoke("-p", str(new), "import-jsonl", str(path))
    assert result.exit_code == 0, result.output
    for name in _names(new, "SELECT name FROM codes") + _names(new, "SELECT name FROM coders"):
        assert name.startswith("␛]0;t␇"), name


def test_controls_in_a_yaml_codebook_and_in_a_typed_coder_name_are_stored_visible(
    db: Path, tmp_path: Path
) -> None:
    book = tmp_path / "book.yaml"
    book.write_text(
        'codes:\n  - name: "\\e]0;t\\aX"\n    description: "a\\x9bb"\n', encoding="utf-8"
    )
    new = tmp_path / "new.db"
    assert invoke("-p", str(new), "init", "--codebook", str(book)).exit_code == 0
    assert _names(new, "SELECT name || '|' || description FROM codes") == ["␛]0;t␇X|a\ufffdb"]
    result = invoke(
        "-p", str(db), "code-segment", "--coder", "eve\x1b[2J", CEO, "3", "01", "--new-coder"
    )
    assert result.exit_code == 0, result.output
    assert "eve␛[2J" in _names(db, "SELECT name FROM coders")


def test_controls_xml_lets_through_in_a_qdpx_are_stored_visible(db: Path, tmp_path: Path) -> None:
    """XML 1.0 cannot hold C0 controls, but C1 ones and ``&#13;`` get through."""
    import zipfile

    exported = tmp_path / "out.qdpx"
    assert invoke("-p", str(db), "export", "qdpx", "-o", str(exported)).exit_code == 0
    with zipfile.ZipFile(exported) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    qde = members["project.qde"].decode("utf-8")
    qde = qde.replace('name="alice"', 'name="&#x9b;31malice"', 1)
    qde = qde.replace("<Description>", "<Description>&#x85;x&#13;&#10;", 1)
    members["project.qde"] = qde.encode("utf-8")
    hostile = tmp_path / "hostile.qdpx"
    with zipfile.ZipFile(hostile, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    new = tmp_path / "new.db"
    result = invoke("-p", str(new), "import-project", str(hostile))
    assert result.exit_code == 0, result.output
    assert "\ufffd31malice" in _names(new, "SELECT name FROM coders")
    described = [d for d in _names(new, "SELECT description FROM codes") if "x\n" in d]
    assert described and described[0].startswith("\ufffdx\n")


def test_a_project_holding_raw_controls_still_exports_to_refi_qda(db: Path, tmp_path: Path) -> None:
    """A project made before names were made visible at import could not be exported:
    "contains character U+001B, which XML cannot hold"."""
    connection = sqlite3.connect(db)
    with connection:
        connection.execute("UPDATE codes SET name = 'x\x1b[31m' || name WHERE number = '01'")
        connection.execute("UPDATE coders SET name = 'a\x07' || name")
    connection.close()
    out = tmp_path / "out.qdpx"
    result = invoke("-p", str(db), "export", "qdpx", "-o", str(out))
    assert result.exit_code == 0, result.output
    new = tmp_path / "new.db"
    assert invoke("-p", str(new), "import-project", str(out)).exit_code == 0
    assert any(name.startswith("x␛[31m") for name in _names(new, "SELECT name FROM codes"))


def test_a_crlf_codings_csv_keeps_line_breaks_in_a_memo_as_lf(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "codings.csv"
    path.write_bytes(
        b"coder,transcript,segment,code,memo\r\n" + ROW.encode() + b',"two\r\nlines"\r\n'
    )
    result = invoke("-p", str(db), "import-codings", str(path))
    assert result.exit_code == 0, result.output
    assert _memos(db)[-1] == "two\nlines"


# --------------------------------- beyond the list: a .docx whose transcript is a table
def _segments(db: Path, name: str) -> list[tuple[str | None, str]]:
    with Project.open(db, write=False) as project:
        return [(s.speaker, s.text) for s in project.segments(name)]


def test_a_docx_transcript_in_a_table_is_imported_not_silently_dropped(
    db: Path, tmp_path: Path
) -> None:
    """python-docx's paragraphs skip tables: a time | speaker | text table imported as nothing."""
    import docx

    document = docx.Document()
    document.add_paragraph("Interview 7")
    table = document.add_table(rows=0, cols=3)
    for time, speaker, text in [
        ("00:00:01", "Interviewer", "How did it go?"),
        ("00:00:05", "Ann Lee", "It was hard. We lost two managers."),
    ]:
        cells = table.add_row().cells
        cells[0].text, cells[1].text, cells[2].text = time, speaker, text
    inner = table.rows[0].cells[2].add_table(rows=1, cols=2)
    inner.rows[0].cells[0].text, inner.rows[0].cells[1].text = "Ann Lee", "Nested words."
    path = tmp_path / "tabled.docx"
    document.save(str(path))
    result = invoke("-p", str(db), "import", str(path))
    assert result.exit_code == 0, result.output
    assert _segments(db, "tabled") == [
        (None, "Interview 7"),
        ("Interviewer", "How did it go?"),
        ("Ann Lee", "Nested words."),  # the table inside the first row's cell, after that row
        ("Ann Lee", "It was hard."),
        ("Ann Lee", "We lost two managers."),
    ]


def test_a_docx_nesting_tables_past_libxml2s_limit_is_one_plain_line(
    db: Path, tmp_path: Path
) -> None:
    import docx

    document = docx.Document()
    cell = document.add_table(rows=1, cols=1).cell(0, 0)
    for _ in range(300):
        cell = cell.add_table(rows=1, cols=1).cell(0, 0)
    path = tmp_path / "nested.docx"
    document.save(str(path))
    result = invoke("-p", str(db), "import", str(path))
    assert result.exit_code == 1
    assert "nested.docx: its XML nests more than 256 levels deep" in result.output
    assert "XML_PARSE_HUGE" not in result.output and "Traceback" not in result.output


# --------------------------------------------- item 19, beyond the list: "unchanged" of what
def test_a_file_whose_text_is_another_transcript_says_which(db: Path, tmp_path: Path) -> None:
    """``unchanged copy (already imported)`` named a transcript that does not exist."""
    copy = tmp_path / "copy.txt"
    copy.write_bytes((SAMPLES / f"{CEO}.txt").read_bytes())
    twice = tmp_path / "twice.txt"
    twice.write_text("Ann: one text.\n", encoding="utf-8")
    again = tmp_path / "again.txt"
    again.write_text("Ann: one text.\n", encoding="utf-8")
    result = invoke("-p", str(db), "import", str(copy), str(twice), str(again))
    assert result.exit_code == 0, result.output
    assert f"unchanged copy.txt: the same text as transcript {CEO} (not imported again)" in (
        result.output
    )
    assert "unchanged again.txt: the same text as transcript twice" in result.output
    assert "unchanged twice" not in result.output and "unchanged 01" not in result.output


def test_a_negative_bootstrap_seed_is_a_usage_error_not_a_traceback(db: Path) -> None:
    result = CliRunner().invoke(cli, ["-p", str(db), "agreement", "--seed", "-1"])
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--seed'" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_spacy_model_that_cannot_load_is_each_files_plain_failure(
    db: Path, tmp_path: Path
) -> None:
    """A folder given as --spacy-model ended as "cannot be imported (OSError: [E053] ...)",
    the message for a defect; a bad --lang was dressed the same way."""
    path = tmp_path / "new.txt"
    path.write_text("Ann: new text here. And more.\n", encoding="utf-8")
    result = invoke("-p", str(db), "import", str(path), "--spacy-model", str(tmp_path))
    assert result.exit_code == 1
    assert f"new.txt: spaCy pipeline '{tmp_path}' cannot be loaded" in result.output
    result = invoke("-p", str(db), "import", str(path), "--lang", "qq")
    assert "new.txt: spaCy has no language 'qq'" in result.output
    assert "cannot be imported (" not in result.output


def test_a_subtitle_cue_the_parser_cannot_time_is_refused_not_dropped(
    db: Path, tmp_path: Path
) -> None:
    """The subtitle parser skipped a cue with a malformed timing line: its text vanished."""
    path = tmp_path / "cues.srt"
    path.write_text(
        "1\n00:00:01,000 --> 00:00:02,000\nAnn: hello.\n\n"
        "2\n-1:00:00,000 --> 00:00:03,000\nAnn: this would vanish.\n\n"
        "3\n00:00:04,000 --> 00:00:05,000\nAnn: third.\n",
        encoding="utf-8",
    )
    result = invoke("-p", str(db), "import", str(path))
    assert result.exit_code == 1
    assert "cues.srt: 1 of 3 cues could not be read" in result.output
    assert _transcript_count(db) == 1


# ------------------------------------ beyond the list: a merge source edited by hand
def test_a_merge_source_with_codings_outside_their_text_is_refused(
    db: Path, tmp_path: Path, template: Path
) -> None:
    """JSONL imports check every span; a project file given to merge was taken on trust."""
    source = tmp_path / "edited.db"
    shutil.copy(template, source)
    connection = sqlite3.connect(source)
    with connection:
        connection.execute("UPDATE codings SET end_char = end_char + 100000")
    connection.close()
    target = tmp_path / "team.db"
    result = invoke("merge", str(target), str(source))
    assert result.exit_code == 1, result.output
    assert "edited.db: codings of transcript '01-riverside-ceo' reach" in result.output
    assert "outside its text" in result.output
    if target.exists():
        assert _names(target, "SELECT count(*) FROM codings") == [0]


# ------------------------------------ item 3, beyond the list: names stay on one line
@pytest.mark.skipif(__import__("os").name == "nt", reason="newlines in file names")
def test_a_file_name_with_a_newline_cannot_fake_a_line_of_output(db: Path, tmp_path: Path) -> None:
    """``evil\\nError: fake.txt`` printed ``imported  evil`` then a made-up ``Error: fake``."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "evil\nError: fake.txt").write_text("Ann: newline name.\n", encoding="utf-8")
    (folder / "tab\there.txt").write_text("Ann: tab name.\n", encoding="utf-8")
    result = invoke("-p", str(db), "import", str(folder))
    assert result.exit_code == 0, result.output
    assert "imported  evil␊Error: fake" in result.output
    assert not any(line.startswith("Error:") for line in result.output.splitlines())
    names = _names(db, "SELECT name FROM transcripts")
    assert "evil␊Error: fake" in names and "tab␉here" in names


def test_a_coder_name_typed_with_a_newline_is_stored_on_one_line(db: Path) -> None:
    result = invoke(
        "-p", str(db), "code-segment", "--coder", "eve\nError: x", CEO, "3", "01", "--new-coder"
    )
    assert result.exit_code == 0, result.output
    assert "eve␊Error: x" in _names(db, "SELECT name FROM coders")


# ------------------------------- items 15/16, beyond the list: pipes and huge codebooks
@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="needs named pipes")
@pytest.mark.parametrize(
    "command",
    [
        ["codebook", "import", "{fifo}"],
        ["import-codings", "{fifo}"],
        ["import-jsonl", "{fifo}"],
        ["import-project", "{fifo}"],
        ["merge", "{tmp}/team.db", "{fifo}"],
        ["import", "{tmp}/x.txt", "--attributes", "{fifo}"],
    ],
    ids=["codebook", "codings", "jsonl", "project", "merge", "attributes"],
)
def test_a_named_pipe_given_as_an_input_is_refused_not_waited_on(
    db: Path, tmp_path: Path, command: list[str]
) -> None:
    """Opening a FIFO for reading waits for a writer: these commands hung for ever."""
    import os

    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    args = [part.replace("{fifo}", str(fifo)).replace("{tmp}", str(tmp_path)) for part in command]
    result = CliRunner().invoke(cli, ["-p", str(db), *args])
    assert result.exit_code == 2, result.output
    assert "is not a regular file" in result.output


def test_a_huge_codebook_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    from codebench.codebook import format as codebook_format

    book = tmp_path / "huge.yaml"
    with open(book, "wb") as handle:
        handle.truncate(codebook_format.MAX_CODEBOOK_BYTES + 1)  # sparse: no disk used
    line = one_error_line(invoke("-p", str(tmp_path / "new.db"), "init", "--codebook", str(book)))
    assert "huge.yaml" in line and "too large for a codebook file" in line


# ------------------------------- item 16, beyond the list: -o onto the project itself
@pytest.mark.parametrize(
    "command",
    [
        ["export", "jsonl", "-o", "{db}"],
        ["report", "frequencies", "--format", "csv", "-o", "{db}"],
        ["export", "qdpx", "-o", "{other}"],
    ],
    ids=["jsonl-over-project", "report-over-project", "qdpx-over-another-project"],
)
def test_an_output_onto_a_project_file_is_refused(
    db: Path, tmp_path: Path, template: Path, command: list[str]
) -> None:
    """``-p study.db export jsonl -o study.db`` replaced the project with its own dump."""
    other = tmp_path / "other.db"
    shutil.copy(template, other)
    before = {path: path.read_bytes() for path in (db, other)}
    args = [part.replace("{db}", str(db)).replace("{other}", str(other)) for part in command]
    result = CliRunner().invoke(cli, ["-p", str(db), *args])
    assert result.exit_code == 2, result.output
    assert "nothing was written" in result.output
    assert {path: path.read_bytes() for path in (db, other)} == before
