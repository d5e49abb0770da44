"""``import-codings``: the streamed CSV importer, its refusals and its log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from codebench.cli import cli
from codebench.coding import csv_import
from codebench.coding.actions import redo, undo
from codebench.coding.csv_import import import_codings_csv
from codebench.errors import ImportFailed, NotFound
from codebench.project import Project

HEADER = "coder,transcript,segment,code,memo\n"


def write_csv(tmp_path: Path, body: str, name: str = "codings.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def counts(project: Project) -> tuple[int, int, int, int]:
    """(codings, memos, coders, events) in the project."""
    db = project.db.conn
    return tuple(  # type: ignore[return-value]
        db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in ("codings", "memos", "coders", "events")
    )


def test_segments_are_read_once_per_transcript(interview: Project, tmp_path: Path) -> None:
    """The segment lookup is built once per transcript, however many rows (and aliases) name it.

    The old importer's ``dict.setdefault(id, project.segments(t))`` read the
    transcript's segments again for every row.
    """
    rows = "".join(
        f"alice,{'int1' if i % 2 else 'int1.txt'},{ordinal},{code},\n"
        for i, (ordinal, code) in enumerate(
            (o, c) for o in (1, 2, 3, 4, 6) for c in ("01", "02", "04", "05", "06")
        )
    )
    path = write_csv(tmp_path, rows)
    statements: list[str] = []
    interview.db.conn.set_trace_callback(statements.append)
    try:
        result = import_codings_csv(interview, path)
    finally:
        interview.db.conn.set_trace_callback(None)
    assert result.rows == 25 and result.added == 25
    segment_reads = [s for s in statements if "FROM segments" in s]
    assert len(segment_reads) == 1, segment_reads


def test_results_match_whole_segment_codings(interview: Project, tmp_path: Path) -> None:
    path = write_csv(tmp_path, "alice,int1,2,04,\nbob,int1,2,04,why\nalice,int1,6,01,\n")
    result = import_codings_csv(interview, path)
    assert (result.rows, result.added, result.memos) == (3, 3, 1)
    segments = interview.segments("int1")
    spans = sorted(
        (interview.coder(c).name, c_.start, c_.end)
        for c in ("alice", "bob")
        for c_ in interview.codings(coders=[c])
    )
    assert spans == sorted(
        [
            ("alice", segments[2].start, segments[2].end),
            ("bob", segments[2].start, segments[2].end),
            ("alice", segments[6].start, segments[6].end),
        ]
    )
    (memo,) = interview.memos()
    assert memo.text == "why" and memo.author_id == interview.coder("bob").id
    again = import_codings_csv(interview, path)
    assert (again.rows, again.added, again.memos) == (3, 0, 0)


def test_non_codable_segment_is_refused_unless_allowed(interview: Project, tmp_path: Path) -> None:
    path = write_csv(tmp_path, "alice,int1,1,04,\nalice,int1,0,04,\n")
    before = counts(interview)
    with pytest.raises(ImportFailed) as failed:
        import_codings_csv(interview, path)
    assert str(failed.value) == (
        f"{path}:3: segment 0 of int1 is not codable (interviewer turn); "
        "use --allow-noncodable to code it anyway"
    )
    assert counts(interview) == before  # nothing of the file stays, not even the coder
    result = import_codings_csv(interview, path, allow_noncodable=True)
    assert result.added == 2
    seg = interview.segments("int1")[0]
    assert not seg.codable
    assert any(c.start == seg.start and c.end == seg.end for c in interview.codings())


def test_cli_allow_noncodable(interview: Project, tmp_path: Path) -> None:
    path = write_csv(tmp_path, "alice,int1,5,04,\n")
    project_args = ["-p", str(interview.path), "import-codings", str(path)]
    refused = CliRunner().invoke(cli, project_args)
    assert refused.exit_code == 1
    assert refused.output.count("\n") == 1
    assert "segment 5 of int1 is not codable (interviewer turn)" in refused.output
    allowed = CliRunner().invoke(cli, [*project_args, "--allow-noncodable"])
    assert allowed.exit_code == 0, allowed.output
    assert "1 coding added" in allowed.output


@pytest.mark.parametrize(
    ("row", "got"),
    [("alice,int1,3\n", 3), ("alice\n", 1), ("alice,int1,3,04,memo,extra\n", 6)],
)
def test_a_short_or_ragged_row_names_the_fields(
    interview: Project, tmp_path: Path, row: str, got: int
) -> None:
    path = write_csv(tmp_path, "alice,int1,1,04,\n" + row)
    with pytest.raises(ImportFailed) as failed:
        import_codings_csv(interview, path)
    assert str(failed.value) == (
        f"{path}:3: expected 4 or 5 fields (coder, transcript, segment, code[, memo]), got {got}"
    )
    assert interview.codings() == []


def test_header_without_memo_expects_four_fields(interview: Project, tmp_path: Path) -> None:
    path = tmp_path / "four.csv"
    path.write_text("coder,transcript,segment,code\nalice,int1,1\n", encoding="utf-8")
    with pytest.raises(
        ImportFailed,
        match=r"four\.csv:2: expected 4 fields \(coder, transcript, segment, code\), got 3",
    ):
        import_codings_csv(interview, path)


def test_trailing_empty_fields_and_missing_memo_fit(interview: Project, tmp_path: Path) -> None:
    path = write_csv(tmp_path, "alice,int1,1,04\nalice,int1,2,04,,,\n")
    assert import_codings_csv(interview, path).added == 2


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (",int1,1,04,", "empty coder"),
        ("alice,,1,04,", "empty transcript"),
        ("alice,int1,,04,", "empty segment"),
        ("alice,int1,1,,", "empty code"),
        ("alice,int1,x,04,", "segment 'x' is not a number"),
        ("alice,int1,99,04,", "transcript 'int1' has no segment 99"),
        ("alice,nope,1,04,", "no transcript 'nope'"),
    ],
)
def test_row_errors_name_the_line(
    interview: Project, tmp_path: Path, row: str, message: str
) -> None:
    path = write_csv(tmp_path, row + "\n")
    with pytest.raises(ImportFailed) as failed:
        import_codings_csv(interview, path)
    assert str(failed.value).startswith(f"{path}:2: {message}")
    assert "ambiguous" not in str(failed.value)


def test_an_empty_code_reference_is_not_ambiguous(project: Project) -> None:
    with pytest.raises(NotFound, match="empty") as failed:
        project.code("  ")
    assert "ambiguous" not in str(failed.value)


def test_line_numbers_count_physical_lines(interview: Project, tmp_path: Path) -> None:
    path = write_csv(tmp_path, 'alice,int1,1,04,"two\nlines"\n\nalice,int1,2,99,\n')
    with pytest.raises(ImportFailed, match=r":5: no code '99'"):
        import_codings_csv(interview, path)


def test_a_latin1_file_is_decoded_with_evidence_and_an_undecodable_one_is_one_line(
    interview: Project, tmp_path: Path
) -> None:
    """Issue 10 item 13: a CSV that is not UTF-8 is decoded as transcripts are (this test
    used to expect a refusal); bytes that no encoding explains are still one line."""
    path = tmp_path / "latin1.csv"
    path.write_bytes(HEADER.encode() + "alice,int1,1,04,caf\xe9\n".encode("latin-1"))
    result = import_codings_csv(interview, path)
    assert result.added == 1 and result.encoding is not None
    binary = tmp_path / "binary.csv"
    binary.write_bytes(HEADER.encode() + b"alice,int1,1,04,\xff\x00\xfe\n")
    with pytest.raises(ImportFailed) as failed:
        import_codings_csv(interview, binary)
    assert str(failed.value).startswith(f"{binary}:") and "binary" in str(failed.value)
    assert "\n" not in str(failed.value)


def test_a_bad_row_after_several_batches_leaves_nothing(
    interview: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csv_import, "BATCH", 2)
    good = "".join(f"carol,int1,{o},{c},note {o}\n" for o in (1, 2, 3) for c in ("04", "05"))
    path = write_csv(tmp_path, good + "carol,int1,1,99,\n")
    before = counts(interview)
    with pytest.raises(ImportFailed, match=r":8: no code '99'"):
        import_codings_csv(interview, path)
    assert counts(interview) == before
    staged = interview.db.conn.execute(
        "SELECT count(*) FROM temp.sqlite_master WHERE name = 'import_memos'"
    ).fetchone()[0]
    assert staged == 0


def test_memos_once_per_coding_and_text(
    interview: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csv_import, "BATCH", 2)
    path = write_csv(
        tmp_path,
        "alice,int1,1,04,first\nalice,int1,1,04,first\nalice,int1,1,04,second\n"
        "alice,int1,2,04,\nbob,int1,1,04,first\n",
    )
    result = import_codings_csv(interview, path)
    assert (result.added, result.memos) == (3, 3)
    memos = sorted((m.author_id, m.text) for m in interview.memos())
    alice, bob = interview.coder("alice").id, interview.coder("bob").id
    assert memos == sorted([(alice, "first"), (alice, "second"), (bob, "first")])
    events = interview.events(actions=("memo.add",))
    assert len(events) == 3
    first = events[0].payload
    seg = interview.segments("int1")[1]
    assert first["text"] == "first" and first["coding"]["start"] == seg.start
    assert (
        first["coding"]["end"] == seg.end
        and first["coding"]["coder"] == interview.coder("alice").guid
    )
    assert import_codings_csv(interview, path).memos == 0


def test_one_event_per_coder_and_transcript_undone_one_at_a_time(
    interview: Project, tmp_path: Path, write_interview
) -> None:
    interview.import_files([write_interview("int2", tag="two")])
    path = write_csv(
        tmp_path,
        "alice,int1,1,04,\nalice,int2,1,04,\nalice,int1,2,05,\nbob,int1,1,04,\nalice,int1,1,04,\n",
    )
    assert import_codings_csv(interview, path).added == 4
    events = interview.events(actions=("coding.add",))
    t1, t2 = interview.transcript("int1"), interview.transcript("int2")
    alice, bob = interview.coder("alice"), interview.coder("bob")
    assert [(e.coder_id, e.transcript_id, len(e.payload["codings"])) for e in events] == [
        (alice.id, t1.id, 2),
        (alice.id, t2.id, 1),
        (bob.id, t1.id, 1),
    ]
    seg1, seg2 = interview.segments(t1)[1], interview.segments(t1)[2]
    assert events[0].payload == {
        "codings": [
            {
                "code": interview.code("04").guid,
                "end": seg1.end,
                "start": seg1.start,
                "transcript": t1.guid,
            },
            {
                "code": interview.code("05").guid,
                "end": seg2.end,
                "start": seg2.start,
                "transcript": t1.guid,
            },
        ],
        "source": "codings.csv",
    }
    assert json.loads(json.dumps(events[0].payload)) == events[0].payload
    # Undo reverts alice's latest event (int2's codings), then int1's; redo brings int1's back.
    assert undo(interview, "alice") is not None
    assert len(interview.codings(coders=["alice"], transcript="int2")) == 0
    assert len(interview.codings(coders=["alice"], transcript="int1")) == 2
    undo(interview, "alice")
    assert interview.codings(coders=["alice"]) == []
    redo(interview, "alice")
    assert len(interview.codings(coders=["alice"], transcript="int1")) == 2
    assert len(interview.codings(coders=["bob"])) == 1
    # Re-importing adds back only the undone int2 coding, in one event.
    logged = len(interview.events())
    assert import_codings_csv(interview, path).added == 1
    assert len(interview.events()) == logged + 1
    assert import_codings_csv(interview, path).added == 0
    assert len(interview.events()) == logged + 1
