"""JSONL dumps: deterministic, diff-friendly, and an exact round trip through an empty project."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from codebench.cli import cli
from codebench.codebook import edits as codebook_edits
from codebench.exchange.jsonl import JsonlError, export_jsonl, import_jsonl
from codebench.project import Project
from codebench.store import bulk

TIMED = (
    "[00:00:05] Interviewer: Tell me about the café.\n"
    "[00:00:09] Zoë Brandt: It opened in 2019 — staff own it now. We’re proud 🙂.\n"
    "[00:01:30] Interviewer: Any problems?\n"
    "[00:01:34] Zoë Brandt: Cash flow. Always cash flow.\n"
)


@pytest.fixture
def rich(interview: Project, write_transcript) -> Project:
    """A project using every table: two coders, codebook edits, memos of each kind, statuses, attributes."""
    p = interview
    report = p.import_files([write_transcript("cafe.txt", TIMED)])
    assert report.ok, report.failed
    p.set_attributes("int1", {"sector": "health", "role": "ceo"})
    p.set_attributes("cafe", {"sector": "hospitality"})
    p.code_segments("alice", "int1", [1, 2], "04")
    p.code_segments("bob", "int1", [1], "04")
    p.code_segments("bob", "cafe", [1, 3], "17", allow_noncodable=True)  # 3: an interviewer turn
    p.add_codings("alice", "08", "int1", [(5, 20)])
    p.uncode_segments("bob", "cafe", [3], "17")
    new = codebook_edits.add_code(p, "alice", "Cafés and catering", parent="16", colour="#112233")
    codebook_edits.edit_code(p, "alice", "06", description="Edited guidance.")
    codebook_edits.archive_code(p, "alice", "20")
    p.code_segments("alice", "cafe", [1], new.guid)
    p.set_status("alice", "int1", "done")
    p.set_status("bob", "cafe", "in-progress")
    p.coder("Consensus", create=True, kind="consensus")
    seg = p.segments("cafe")[1]
    coding = p.codings(transcript="cafe", coders=["alice"])[0]
    p.add_memo("alice", "A transcript memo\nover two lines", transcript="int1")
    p.add_memo("bob", "A segment memo", segment=seg)
    p.add_memo("alice", "A code memo", code="04")
    memo_id = p.add_memo("alice", "A coding memo", coding=coding)
    p.update_memo("alice", memo_id, "A coding memo, edited")
    p.set_setting("tui.last_coder", "alice")
    return p


def dump(project: Project, path: Path) -> bytes:
    export_jsonl(project, path)
    return path.read_bytes()


def test_export_import_export_is_byte_identical(rich: Project, tmp_path: Path) -> None:
    first = dump(rich, tmp_path / "a.jsonl")
    with Project.init(tmp_path / "rebuilt.db") as rebuilt:
        result = import_jsonl(tmp_path / "a.jsonl", rebuilt)
        assert result.merge is None and result.counts["coding"] == len(rich.codings())
        second = dump(rebuilt, tmp_path / "b.jsonl")
        # The database says the same, not only the dump.
        assert [(c.guid, c.name, c.archived) for c in rebuilt.codes(include_archived=True)] == [
            (c.guid, c.name, c.archived) for c in rich.codes(include_archived=True)
        ]
        assert [(e.guid, e.at, e.action, e.payload) for e in rebuilt.events()] == [
            (e.guid, e.at, e.action, e.payload) for e in rich.events()
        ]
        assert rebuilt.text("cafe") == rich.text("cafe")
        assert [s.timestamp for s in rebuilt.segments("cafe")] == [
            s.timestamp for s in rich.segments("cafe")
        ]
        assert rebuilt.status("bob", "cafe") == "in-progress"
        assert sorted(m.text for m in rebuilt.memos()) == sorted(m.text for m in rich.memos())
    assert first == second


def test_two_exports_of_the_same_project_are_identical(rich: Project, tmp_path: Path) -> None:
    assert dump(rich, tmp_path / "a.jsonl") == dump(rich, tmp_path / "b.jsonl")


def test_lines_are_sorted_objects_keyed_by_guids_in_kind_order(
    rich: Project, tmp_path: Path
) -> None:
    lines = dump(rich, tmp_path / "a.jsonl").decode("utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert records[0]["type"] == "header"
    assert all(list(r) == sorted(r) for r in records)
    order = [
        "header",
        "meta",
        "coder",
        "code",
        "transcript",
        "attribute",
        "segment",
        "coding",
        "codebook_version",
        "memo",
        "status",
        "event",
    ]
    kinds = [r["type"] for r in records]
    assert kinds == sorted(kinds, key=order.index)
    assert not any("id" in r or "coder_id" in r or "transcript_id" in r for r in records)
    coding = next(r for r in records if r["type"] == "coding")
    assert set(coding) == {
        "type",
        "coder",
        "code",
        "transcript",
        "start",
        "end",
        "created_at",
        "codebook_version",
    }
    assert coding["code"] in {c.guid for c in rich.codes(include_archived=True)}
    assert "Zoë" in "\n".join(lines)  # readable text, not \u escapes
    memo = next(r for r in records if r["type"] == "memo" and r["coding"])
    assert set(memo["coding"]) == {"coder", "code", "transcript", "start", "end"}
    # Codes: parents before children.
    seen: set[str] = set()
    for r in records:
        if r["type"] == "code":
            assert r["parent"] is None or r["parent"] in seen
            seen.add(r["guid"])


def test_a_diff_shows_only_what_changed(rich: Project, tmp_path: Path) -> None:
    before = dump(rich, tmp_path / "a.jsonl").decode().splitlines()
    rich.add_codings("bob", "12", "int1", [(0, 12)])
    after = dump(rich, tmp_path / "b.jsonl").decode().splitlines()
    added = [json.loads(x)["type"] for x in sorted(set(after) - set(before))]
    assert sorted(added) == ["coding", "event"] and not set(before) - set(after)


def test_a_payload_not_written_by_codebench_round_trips_as_text(
    project: Project, tmp_path: Path
) -> None:
    project.db.execute(
        "INSERT INTO events (guid, at, action, payload) VALUES ('e-1', '2024-01-01T00:00:00Z', 'legacy', '{\"b\":1, \"a\":2}')"
    )
    first = dump(project, tmp_path / "a.jsonl")
    assert b'"payload_text": "{\\"b\\":1, \\"a\\":2}"' in first
    with Project.init(tmp_path / "b.db") as rebuilt:
        import_jsonl(tmp_path / "a.jsonl", rebuilt)
        row = rebuilt.db.execute("SELECT payload FROM events WHERE guid = 'e-1'").fetchone()
        assert row[0] == '{"b":1, "a":2}'
        assert dump(rebuilt, tmp_path / "b.jsonl") == first


def test_an_empty_project_round_trips(tmp_path: Path) -> None:
    with Project.init(tmp_path / "a.db") as a, Project.init(tmp_path / "b.db") as b:
        first = dump(a, tmp_path / "a.jsonl")
        import_jsonl(tmp_path / "a.jsonl", b)
        assert dump(b, tmp_path / "b.jsonl") == first
        assert len(first.splitlines()) == 1  # the header


# --------------------------------------------------------------------- malformed input


def _corrupt(path: Path, line: int, text: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[line - 1] = text + "\n"
    path.write_text("".join(lines), encoding="utf-8")


def _line_of(path: Path, kind: str, last: bool = False) -> int:
    numbers = [
        i
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if f'"type": "{kind}"' in line
    ]
    return numbers[-1] if last else numbers[0]


@pytest.mark.parametrize(
    ("kind", "edit", "message"),
    [
        ("coding", lambda r: "{not json", "not valid JSON"),
        ("coding", lambda r: "[1, 2]", "expected a JSON object"),
        ("coding", lambda r: json.dumps({**r, "type": "codeing"}), "unknown record type"),
        (
            "coding",
            lambda r: json.dumps({k: v for k, v in r.items() if k != "start"}),
            "needs a 'start'",
        ),
        ("coding", lambda r: json.dumps({**r, "start": "7"}), "must be int"),
        ("coding", lambda r: json.dumps({**r, "extra": 1}), "unexpected field"),
        ("coding", lambda r: json.dumps({**r, "code": "no-such-guid"}), "unknown code"),
        ("coding", lambda r: json.dumps({**r, "end": r["start"]}), "empty or reversed"),
        (
            "transcript",
            lambda r: json.dumps({**r, "text": r["text"] + "!"}),
            "does not match its sha256",
        ),
        ("status", lambda r: json.dumps({**r, "status": "finished"}), "unknown status"),
        ("header", lambda r: json.dumps({**r, "version": 99}), "version 99"),
    ],
)
def test_a_malformed_line_is_named_and_nothing_is_written(
    rich: Project, tmp_path: Path, kind, edit, message
) -> None:
    path = tmp_path / "a.jsonl"
    export_jsonl(rich, path)
    # The last record of its kind, so earlier lines have already been loaded when it fails.
    number = _line_of(path, kind, last=True)
    record = json.loads(path.read_text(encoding="utf-8").splitlines()[number - 1])
    _corrupt(path, number, edit(record))
    with Project.init(tmp_path / "target.db") as target:
        with pytest.raises(JsonlError) as info:
            import_jsonl(path, target)
        assert f"a.jsonl:{number}:" in str(info.value)
        assert message in str(info.value)
        assert bulk.table_counts(target.db) == {t: 0 for t in bulk.CONTENT_TABLES}


def _deep(levels: int) -> object:
    value: object = 1
    for _ in range(levels):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("kind", "edit", "message"),
    [
        ("coding", lambda r: json.dumps({**r, "end": 10**6}), "outside its transcript's text"),
        ("coding", lambda r: json.dumps({**r, "start": -1}), "outside its transcript's text"),
        ("segment", lambda r: json.dumps({**r, "end": 10**6}), "outside its transcript's text"),
        (
            "segment",
            lambda r: json.dumps({**r, "start": 0}),
            "must be in text order and not overlap",
        ),
        ("segment", lambda r: json.dumps({**r, "ordinal": -1}), "is negative"),
        ("segment", lambda r: json.dumps({**r, "timestamp": float("nan")}), "NaN is not a JSON"),
        ("code", lambda r: json.dumps({**r, "colour": "red"}), "is not #RRGGBB"),
        ("code", lambda r: json.dumps({**r, "name": "  "}), "a code needs a name"),
        ("code", lambda r: json.dumps({**r, "position": 10**30}), "out of range"),
        ("coder", lambda r: json.dumps({**r, "kind": "robot"}), "unknown coder kind"),
        ("transcript", lambda r: json.dumps({**r, "unit": "word"}), "unknown segment unit"),
        (
            "memo",
            lambda r: json.dumps(
                {
                    **r,
                    "coding": {"coder": [1], "code": "c", "transcript": "t", "start": 0, "end": 1},
                }
            ),
            "memo coding field 'coder' must be str",
        ),
        ("memo", lambda r: json.dumps({**r, "segment": {"ordinal": 1}}), "exactly the fields"),
        ("event", lambda r: json.dumps({**r, "payload": {"x": _deep(100)}}), "levels deep"),
        (
            "event",
            lambda r: '{"type": "event", "payload": ' + "[" * 100_000 + "]" * 100_000 + "}",
            "levels deep",
        ),
    ],
    ids=lambda value: value if isinstance(value, str) and len(value) < 40 else None,
)
def test_a_record_no_codebench_writes_is_refused_by_line(
    rich: Project, tmp_path: Path, kind, edit, message
) -> None:
    # Each was accepted before (or ended in a traceback: NaN stored, an int too
    # large for SQLite, an unhashable anchor, a RecursionError).
    path = tmp_path / "a.jsonl"
    export_jsonl(rich, path)
    number = _line_of(path, kind, last=True)
    record = json.loads(path.read_text(encoding="utf-8").splitlines()[number - 1])
    _corrupt(path, number, edit(record))
    with Project.init(tmp_path / "target.db") as target:
        with pytest.raises(JsonlError) as info:
            import_jsonl(path, target)
        assert f"a.jsonl:{number}:" in str(info.value) and "\n" not in str(info.value)
        assert message in str(info.value)
        assert bulk.table_counts(target.db) == {t: 0 for t in bulk.CONTENT_TABLES}


def _dump_lines(project: Project, path: Path) -> list[str]:
    export_jsonl(project, path)
    return path.read_text(encoding="utf-8").splitlines()


def test_duplicate_names_are_refused_by_line_not_as_an_inconsistent_dump(
    rich: Project, tmp_path: Path
) -> None:
    path = tmp_path / "a.jsonl"
    lines = _dump_lines(rich, path)
    coders = [i for i, line in enumerate(lines) if '"type": "coder"' in line]
    first, last = json.loads(lines[coders[0]]), json.loads(lines[coders[-1]])
    lines[coders[-1]] = json.dumps({**last, "name": first["name"]}, sort_keys=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with Project.init(tmp_path / "target.db") as target:
        with pytest.raises(JsonlError, match=rf"a.jsonl:{coders[-1] + 1}: coder name"):
            import_jsonl(path, target)
        assert bulk.table_counts(target.db) == {t: 0 for t in bulk.CONTENT_TABLES}


@pytest.mark.parametrize("length", [65, 5000])
def test_a_code_chain_deeper_than_codebench_keeps_is_refused(tmp_path: Path, length: int) -> None:
    with Project.init(tmp_path / "empty.db") as empty:
        lines = _dump_lines(empty, tmp_path / "empty.jsonl")  # the header
    c64_line = len(lines) + 65
    code = {
        "archived": False,
        "colour": None,
        "created_at": "2024-01-01T00:00:00.000+00:00",
        "description": "",
        "example": "",
        "exclusion": "",
        "inclusion": "",
        "number": None,
        "position": 0,
        "shortcut": None,
        "type": "code",
    }
    for i in range(length):
        parent = f"00000000-0000-4000-8000-{i - 1:012d}" if i else None
        record = {**code, "guid": f"00000000-0000-4000-8000-{i:012d}", "name": f"c{i}"}
        lines.append(json.dumps({**record, "parent": parent}, sort_keys=True))
    path = tmp_path / "chain.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with Project.init(tmp_path / "target.db") as target:
        with pytest.raises(JsonlError) as info:  # 5000 was a RecursionError traceback
            import_jsonl(path, target)
        assert f"chain.jsonl:{c64_line}: code 'c64' sits more than 64 levels deep" in str(
            info.value
        )
        assert bulk.table_counts(target.db) == {t: 0 for t in bulk.CONTENT_TABLES}


def test_a_file_that_is_not_a_dump_is_refused(tmp_path: Path, project: Project) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text(
        '{"type": "coder", "guid": "g", "name": "n", "kind": "human", "created_at": "t"}\n',
        encoding="utf-8",
    )
    before = bulk.table_counts(project.db)
    with pytest.raises(JsonlError, match="no header"):
        import_jsonl(path, project)
    assert bulk.table_counts(project.db) == before


# --------------------------------------------------------------------- into a project with data, dry run


def test_dry_run_into_an_empty_project_writes_nothing(rich: Project, tmp_path: Path) -> None:
    export_jsonl(rich, tmp_path / "a.jsonl")
    with Project.init(tmp_path / "t.db") as target:
        result = import_jsonl(tmp_path / "a.jsonl", target, dry_run=True)
        assert result.dry_run and result.counts["coding"] == len(rich.codings())
        assert "would rebuild" in result.lines()[0]
        assert bulk.table_counts(target.db) == {t: 0 for t in bulk.CONTENT_TABLES}


def test_import_into_a_project_with_data_merges(
    rich: Project, project: Project, tmp_path: Path, write_transcript
) -> None:
    # ``project`` and ``rich`` are the same fixture project; build a separate one with the same codebook.
    path = tmp_path / "a.jsonl"
    export_jsonl(rich, path)
    other_path = tmp_path / "other.db"
    from codebench.codebook.format import default_codebook_path, load_codebook

    with Project.init(other_path, load_codebook(default_codebook_path())) as other:
        before = bulk.table_counts(other.db)
        dry = import_jsonl(path, other, dry_run=True)
        assert dry.merge is not None and dry.merge.dry_run
        assert bulk.table_counts(other.db) == before
        result = import_jsonl(path, other)
        assert result.ok and result.merge is not None
        assert result.merge.sources[0].path == path
        assert len(other.codings()) == len(rich.codings())
        assert {k.name for k in other.coders()} == {k.name for k in rich.coders()}
        again = import_jsonl(path, other)
        assert again.merge is not None and not again.merge.changed


# --------------------------------------------------------------------- CLI


def test_cli_export_and_import_jsonl(rich: Project, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "dump.jsonl"
    result = runner.invoke(cli, ["-p", str(rich.path), "export", "jsonl", "-o", str(out)])
    assert result.exit_code == 0, result.output
    stdout = runner.invoke(cli, ["-p", str(rich.path), "export", "jsonl"])
    assert stdout.exit_code == 0
    assert stdout.stdout_bytes == out.read_bytes()

    restored = tmp_path / "restored.db"
    dry = runner.invoke(cli, ["-p", str(restored), "import-jsonl", str(out), "--dry-run"])
    assert dry.exit_code == 0 and "would rebuild" in dry.output
    assert not restored.exists()
    real = runner.invoke(cli, ["-p", str(restored), "import-jsonl", str(out)])
    assert real.exit_code == 0, real.output
    again = runner.invoke(cli, ["-p", str(restored), "export", "jsonl"])
    assert again.stdout_bytes == out.read_bytes()


def test_an_export_says_what_the_dump_leaves_out(rich: Project, tmp_path: Path) -> None:
    """Tables without records of their own (transcript versions) are named, not silently
    lost; assignments, which a dump now carries, are not."""
    from codebench.coding.correction import correct_text
    from codebench.exchange.jsonl import NOT_CARRIED
    from codebench.store.bulk import UNDUMPED_TABLES

    assert set(NOT_CARRIED) == set(UNDUMPED_TABLES)
    runner = CliRunner()
    out = tmp_path / "dump.jsonl"
    said = runner.invoke(cli, ["-p", str(rich.path), "export", "jsonl", "-o", str(out)])
    assert "Not in the dump" not in said.output
    transcript = rich.transcripts()[0].name
    correct_text(rich, transcript, rich.text(transcript) + " Corrected.", "alice")
    rich.close()
    assigned = runner.invoke(cli, ["-p", str(rich.path), "assign", transcript, "--coder", "alice"])
    assert assigned.exit_code == 0, assigned.output
    said = runner.invoke(cli, ["-p", str(rich.path), "export", "jsonl", "-o", str(out)])
    assert said.exit_code == 0
    assert "Not in the dump (kept only in the project file): 2 transcript versions." in said.output
    assert '"type": "assignment"' in out.read_text(encoding="utf-8")


def test_cli_import_jsonl_reports_the_bad_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"type": "header", "format": "codebench-jsonl", "version": 1}\n{oops\n', encoding="utf-8"
    )
    result = CliRunner().invoke(cli, ["-p", str(tmp_path / "p.db"), "import-jsonl", str(bad)])
    assert result.exit_code == 1
    assert "bad.jsonl:2" in result.output
