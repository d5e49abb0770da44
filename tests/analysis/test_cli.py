"""`codebench query`, `queries` and `search`: one library call, every format, clean errors."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from codebench.cli import cli
from codebench.project import Project


@pytest.fixture
def study_path(study: Project) -> Path:
    study.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return study.path


def run(path: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["-p", str(path), *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_query_in_the_terminal(study_path: Path) -> None:
    code, out, _ = run(study_path, "query", "04.2 & 10 & !16", "--where", "role=commissioner")
    assert code == 0
    assert "Query: 04.2 & 10 & !16" in out
    assert "Pensions worried" in out and "The ethos creates" in out and "We grew" not in out
    assert "2 passages (2 segments) in 2 of 2 transcripts." in out
    assert "Scope: role=commissioner (2 transcripts)." in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["query", "04.2 & & 10"], "Error: 04.2 & & 10: expected a code at column 8"),
        (["query", "10", "--where", "role=boss"], "values of role: commissioner, manager"),
        (["query", "10", "--coders", "alice,carol"], "no coder named 'carol' (coders: alice, bob)"),
        (["query", "10", "--count-by", "attribute:colour"], "(attributes: role, stage)"),
        (["query", "10", "-o", "out.xlsx", "--format", "xlsx", "--run", "x"], "not both"),
        (["query"], "give a query EXPRESSION"),
        (["query", "--run", "nope"], "no saved query 'nope' (saved queries: none)"),
        (["query", "10", "--format", "xlsx"], "xlsx output needs a file"),
        (["search", "(", "--regex"], "not a valid regular expression"),
        (["search", "staff", "--speaker", "zed"], "no speaker 'zed'"),
        (["search", "staff", "--in-code", "10 &"], "expected a code at column 5"),
        (["query", "10", "--consensus"], "the project has no consensus coder"),
    ],
)
def test_mistakes_are_one_line_errors(study_path: Path, args: list[str], message: str) -> None:
    code, _out, err = run(study_path, *args)
    assert code == 1
    assert message in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_counts_as_csv(study_path: Path) -> None:
    code, out, _ = run(study_path, "query", "10", "--count-by", "attribute:role", "--format", "csv")
    assert code == 0
    assert list(csv.reader(io.StringIO(out))) == [
        ["role", "n (started or coded)", "Transcripts with passages", "Passages", "Segments"],
        ["commissioner", "2", "2", "2", "5"],
        ["manager", "1", "1", "1", "1"],
    ]


def test_files_in_every_format(study_path: Path, tmp_path: Path) -> None:
    from docx import Document
    from openpyxl import load_workbook

    xlsx = tmp_path / "q.xlsx"
    code, _, err = run(
        study_path, "query", "12 | 13.*", "--count-by", "transcript", "-o", str(xlsx)
    )
    assert code == 0 and "(xlsx)" in err
    book = load_workbook(xlsx)
    counts, passages = (book[name] for name in book.sheetnames[:2])
    assert [c.value for c in counts[2]][:3] == ["a", 1, 2]
    texts = [row[5].value for row in passages.iter_rows(min_row=2) if row[5].value]
    assert "We built a new service. Staff felt heard." in texts

    docx = tmp_path / "s.docx"
    assert run(study_path, "search", "staff", "-o", str(docx))[0] == 0
    cells = [c.text for t in Document(docx).tables for row in t.rows for c in row.cells]
    assert "Staff" in cells and "staff" in cells

    md = tmp_path / "q.md"
    assert run(study_path, "query", "10", "-o", str(md))[0] == 0
    assert "| a | 1–3 | Dee Fox |" in md.read_text(encoding="utf-8")

    code, out, _ = run(study_path, "query", "10", "--format", "json", "--count-by", "speaker")
    data = json.loads(out)
    assert [p["location"] for p in data["passages"]] == [
        "a, segments 1–3",
        "b, segments 1–2",
        "c, segment 1",
    ]
    assert data["counts"]["rows"][0] == {
        "transcript": "a",
        "speaker": "Dee Fox",
        "passages": 1,
        "segments": 3,
    }
    assert "_segment_speakers" not in data["passages"][0] and "_scope" not in data

    html = tmp_path / "k.html"
    assert run(study_path, "search", "tupe | pension", "-o", str(html))[0] == 0
    assert "<td>TUPE</td>" in html.read_text(encoding="utf-8")


def test_hostile_text_is_safe_in_every_output(
    project: Project, write_transcript, tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    path = write_transcript(
        "h.txt",
        "Interviewer: Hello there.\nHal Ito: We grew. -2+3 is odd. <script>alert(1)</script> here.\n",
    )
    assert project.import_files([path]).ok
    project.code_segments("alice", "h", [2], "10")
    project.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    p = project.path

    code, out, _ = run(p, "query", "10", "--format", "csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[1][5].startswith("'-2+3 is odd.")
    assert run(p, "query", "10", "-o", str(tmp_path / "h.xlsx"))[0] == 0
    sheet = load_workbook(tmp_path / "h.xlsx").worksheets[0]
    assert all(
        not str(c.value).startswith("=") for row in sheet.iter_rows() for c in row if c.value
    )
    assert run(p, "search", "odd", "-o", str(tmp_path / "h.html"))[0] == 0
    page = (tmp_path / "h.html").read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;" in page
    code, out, _ = run(p, "search", "script")
    assert code == 0 and "<script>" in out  # shown as text, literally

    code, out, err = run(p, "query", '"\x1b]0;owned\x07"')
    assert code == 1 and "\x1b" not in err and "\x07" not in err


def test_saved_queries(study_path: Path) -> None:
    code, out, err = run(
        study_path, "query", "10 near:1 08", "--where", "role=commissioner", "--save", "Near"
    )
    assert code == 0 and "Saved query 'Near'" in err
    project = Project.open(study_path)
    rows = project.db.execute("SELECT name, expression, scope FROM saved_queries").fetchall()
    assert rows == [("Near", "10 near:1 08", '{"where": ["role=commissioner"]}')]
    events = [e.action for e in project.events()]
    assert events[-1] == "query.save"
    project.close()

    code, out, _ = run(study_path, "queries", "--format", "json")
    assert (
        json.loads(out)[0]["name"] == "Near" and "role=commissioner" in json.loads(out)[0]["scope"]
    )

    code, out, _ = run(study_path, "query", "--run", "near", "--format", "json")
    data = json.loads(out)
    assert data["expression"] == "10 near:1 08"
    assert [p["location"] for p in data["passages"]] == ["a, segments 2–3"]
    assert "Scope: role=commissioner (2 transcripts)." in data["notes"]

    # A query that does not run is not saved.
    assert run(study_path, "query", "10 & zzz", "--save", "Bad")[0] == 1
    assert run(study_path, "query", "--run", "bad")[0] == 1

    code, _, err = run(study_path, "queries", "--delete", "near")
    assert code == 0
    project = Project.open(study_path)
    assert project.db.execute("SELECT count(*) FROM saved_queries").fetchone()[0] == 0
    assert project.events()[-1].action == "query.delete"
    project.close()


def test_search_in_the_terminal(study_path: Path) -> None:
    code, out, _ = run(study_path, "search", "staff | TUPE", "--context", "12")
    assert code == 0
    lines = [line for line in out.splitlines() if ":" in line and "Search" not in line]
    columns = {line.index(word) for line, word in zip(lines, ["staff", "Staff", "TUPE", "staff"])}
    assert len(columns) == 1  # aligned
    assert "4 hits in 4 segments of 3 transcripts" in out
    code, out, _ = run(study_path, "search", "staff", "--count-by", "speaker")
    assert code == 0 and "Dee Fox" in out and "Hal Ito" in out


def test_a_bad_count_by_is_refused_before_any_work(study_path: Path) -> None:
    code, _, err = run(study_path, "search", "staff", "--count-by", "code")
    assert code == 1 and "use transcript, speaker, attribute:KEY" in err
    code, _, err = run(study_path, "query", "10", "--count-by", "attribute:Colour")
    assert code == 1 and "(attributes: role, stage)" in err


def test_consensus_scope(study: Project) -> None:
    study.coder("consensus", create=True, kind="consensus")
    study.code_segments("consensus", "b", [2], "10")
    study.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    code, out, _ = run(study.path, "query", "10", "--consensus", "--format", "json")
    assert code == 0
    assert [p["location"] for p in json.loads(out)["passages"]] == ["b, segment 2"]
    # As in the reports: a consensus not yet done everywhere is not the default ...
    code, out, _ = run(study.path, "query", "10", "--format", "json")
    assert len(json.loads(out)["passages"]) == 3
    code, out, _ = run(study.path, "query", "10", "--coder", "all", "--format", "json")
    assert len(json.loads(out)["passages"]) == 3
    # ... and once it is marked done on every transcript with codings, it is.
    for transcript in study.transcripts():
        study.set_status("consensus", transcript, "done")
    study.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    code, out, _ = run(study.path, "query", "10", "--format", "json")
    assert [p["location"] for p in json.loads(out)["passages"]] == ["b, segment 2"]


def test_markup_and_controls_in_code_names_print_literally(study: Project) -> None:
    from codebench.codebook.edits import add_code

    add_code(study, "alice", "[bold]Boss[/bold] \x1b[31m")
    study.code_segments("alice", "b", [2], "[bold]Boss[/bold] \x1b[31m")
    study.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    code, out, _ = run(study.path, "query", '"[bold]Boss" & 10')
    assert code == 0
    assert "[bold]Boss[/bold]" in out.replace("\n", "") or "[bold]Boss" in out
    assert "\x1b" not in out and "\u241b" in out
    code, out, _ = run(study.path, "query", '"[bold]Boss"', "--format", "csv")
    assert "[bold]Boss[/bold] \u241b[31m" in out


def test_search_limit_in_the_terminal(study_path: Path) -> None:
    code, out, _ = run(study_path, "search", "staff | TUPE", "--limit", "2")
    assert code == 0
    assert "The hits of the first 2 of 4 matching segments" in out
    assert "TUPE" not in out.replace("staff | TUPE", "")
    code, out, _ = run(study_path, "search", "staff | TUPE", "--limit", "0")
    assert "4 hits in 4 segments" in out


@pytest.mark.parametrize("columns", [60, 80, 200])
def test_keyword_in_context_keeps_the_hit_on_a_narrow_terminal(
    study_path: Path, monkeypatch: pytest.MonkeyPatch, columns: int
) -> None:
    """Each line fits the terminal and still shows the word searched for."""
    monkeypatch.setenv("COLUMNS", str(columns))
    code, out, _ = run(study_path, "search", "staff")
    assert code == 0
    lines = [line for line in out.splitlines()[1:] if ":" in line.split(" ")[0]]
    assert len(lines) == 3, out  # one line per hit (then the notes)
    for line in lines:
        assert len(line) <= columns, line
        assert "staff" in line.lower(), line


@pytest.mark.parametrize("columns", [60, 80])
def test_keyword_in_context_keeps_the_segment_number(
    project: Project, write_transcript, monkeypatch: pytest.MonkeyPatch, columns: int
) -> None:
    """A long transcript name is ellipsised, never the segment number that tells hits apart."""
    name = "06-activelife-union-representative-follow-up"
    sentences = [
        f"Sentence {i} {'talks pensions' if i in (13, 14, 120) else 'is plain'}."
        for i in range(130)
    ]
    path = write_transcript(f"{name}.txt", "Pat Lee: " + " ".join(sentences) + "\n")
    assert project.import_files([path]).ok
    with_word = [s.ordinal for s in project.segments(name) if "pensions" in s.text]
    assert len(with_word) == 3
    project.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    monkeypatch.setenv("COLUMNS", str(columns))
    code, out, _ = run(project.path, "search", "pensions")
    assert code == 0
    lines = [line for line in out.splitlines() if "pensions" in line and line.startswith("06-")]
    assert len(lines) == 3, out
    for ordinal, line in zip(with_word, lines):
        assert len(line) <= columns, line
        place = line.split("  ")[0]
        assert f"…:{ordinal}" in place, line  # the name gave way, the number did not
