"""`codebench build study.toml` and `codebench diff-manifest`, on the hand-checked project.

The project (tests/analysis/conftest.py) has three transcripts and the
codings of alice and bob listed there; every expected figure below is
derived from that listing.
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from codebench.analysis.build import build
from codebench.analysis.manifest_diff import diff_manifests, load_manifest
from codebench.analysis.study import StudyError, load_study
from codebench.cli.app import cli
from codebench.codebook.edits import edit_code
from codebench.project import Project
from codebench.reports.reproducible import fixed_zip

ENTRIES = """
[[output]]
kind = "query"
expression = "10"
count_by = "attribute:role"
file = "q10.xlsx"

[[output]]
kind = "query"
expression = "10"
file = "q10.csv"

[[output]]
kind = "search"
pattern = "staff"
file = "staff.md"

[[output]]
kind = "words"
top = 5
file = "words.json"

[[output]]
kind = "report"
report = "frequencies"
file = "frequencies.csv"

[[output]]
kind = "report"
report = "by-attribute"
by = "role"
file = "by-role.html"

[[output]]
kind = "report"
report = "quotes"
codes = ["10"]
file = "quotes-10.docx"

[[output]]
kind = "report"
report = "html"
file = "report/all.html"
"""
FILES = [
    "q10.xlsx",
    "q10.csv",
    "staff.md",
    "words.json",
    "frequencies.csv",
    "by-role.html",
    "quotes-10.docx",
    "report/all.html",
]


def write_study(folder: Path, output: str = "out", entries: str = ENTRIES) -> Path:
    path = folder / f"study-{output}.toml"
    path.write_text(f'[build]\noutput = "{output}"\nseed = 7\n{entries}', encoding="utf-8")
    return path


def run(project: Project, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["-p", str(project.path), *args])
    return result.exit_code, result.output


def test_building_twice_gives_identical_bytes(study: Project, tmp_path: Path) -> None:
    path = write_study(tmp_path, "one")
    first = build(study, load_study(path))
    before = {n: (tmp_path / "one" / n).read_bytes() for n in [*FILES, "MANIFEST.json"]}
    time.sleep(2.1)  # past the zip format's 2-second clock: a clock time inside a file would show
    second = build(study, load_study(path))
    assert [o["file"] for o in first.outputs] == FILES
    for name, data in before.items():
        assert data, name
        assert (tmp_path / "one" / name).read_bytes() == data, name
    manifest = json.loads((tmp_path / "one" / "MANIFEST.json").read_text(encoding="utf-8"))
    assert manifest["outputs"] == second.manifest["outputs"]
    assert manifest["seed"] == 7
    assert [t["name"] for t in manifest["transcripts"]] == ["a", "b", "c"]
    assert manifest["transcripts"][0]["sha256"] == study.transcript("a").sha256
    assert [c["name"] for c in manifest["coders"]] == ["alice", "bob"]
    assert manifest["codebook"]["version"] == 1
    # 15 codings by alice + 4 whole-segment and 1 span coding by bob, one event each
    codings = {
        (e["action"], e["coder"]): e["count"]
        for e in manifest["events"]["counts"]
        if e["action"] == "coding.add"
    }
    assert codings == {("coding.add", "alice"): 15, ("coding.add", "bob"): 5}
    assert manifest["events"]["high_water"] == max(e.id for e in study.events())
    assert "the" in manifest["settings"]["stop_words"]
    # the whole report's date is the last event's, not today's
    assert manifest["generated"][:10] in (tmp_path / "one/report/all.html").read_text("utf-8")


def test_office_files_carry_the_fixed_time(study: Project, tmp_path: Path) -> None:
    build(study, load_study(write_study(tmp_path)))
    for name in ("q10.xlsx", "quotes-10.docx"):
        with zipfile.ZipFile(tmp_path / "out" / name) as archive:
            assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
            core = archive.read("docProps/core.xml").decode("utf-8")
        assert core.count("1980-01-01T00:00:00Z") == 2  # created and modified


def test_every_office_file_from_the_cli_is_the_builds(study: Project, tmp_path: Path) -> None:
    """`report|query ... -o x.xlsx|x.docx` writes the bytes a build writes, whatever the clock."""
    entries = (
        '[[output]]\nkind = "report"\nreport = "frequencies"\nfile = "f.xlsx"\n'
        '[[output]]\nkind = "report"\nreport = "html"\nfile = "all.docx"\n'
        '[[output]]\nkind = "report"\nreport = "quotes"\ncodes = ["10"]\nfile = "q.docx"\n'
        '[[output]]\nkind = "query"\nexpression = "10"\nfile = "q10.xlsx"\n'
    )
    build(study, load_study(write_study(tmp_path, "out", entries)))
    time.sleep(2.1)  # past the zip format's 2-second clock
    commands = {
        "f.xlsx": ["report", "frequencies"],
        "all.docx": ["report", "html"],
        "q.docx": ["report", "quotes", "--code", "10"],
        "q10.xlsx": ["query", "10"],
    }
    for name, args in commands.items():
        code, output = run(study, *args, "-o", str(tmp_path / name))
        assert code == 0, output
        assert (tmp_path / name).read_bytes() == (tmp_path / "out" / name).read_bytes(), name


def test_fixed_zip_ignores_the_clock() -> None:
    def archive(date: tuple[int, int, int, int, int, int]) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            z.writestr(zipfile.ZipInfo("a.txt", date), "hello")
        return out.getvalue()

    early, late = archive((2001, 1, 1, 0, 0, 0)), archive((2020, 5, 5, 5, 5, 6))
    assert early != late
    assert fixed_zip(early, "2026-03-04T05:06:08.123+00:00") == fixed_zip(
        late, "2026-03-04T05:06:08Z"
    )


def test_outputs_are_the_bytes_the_commands_write(study: Project, tmp_path: Path) -> None:
    build(study, load_study(write_study(tmp_path)))
    code, _ = run(study, "report", "frequencies", "-o", str(tmp_path / "f.csv"))
    assert code == 0
    assert (tmp_path / "f.csv").read_bytes() == (tmp_path / "out/frequencies.csv").read_bytes()
    code, _ = run(study, "query", "10", "-o", str(tmp_path / "q.csv"))
    assert code == 0
    assert (tmp_path / "q.csv").read_bytes() == (tmp_path / "out/q10.csv").read_bytes()
    code, _ = run(study, "search", "staff", "-o", str(tmp_path / "s.md"))
    assert code == 0
    assert (tmp_path / "s.md").read_bytes() == (tmp_path / "out/staff.md").read_bytes()
    # 10 is on a1, a2, a3, b1, b2 (alice) and a1, c1 (bob); adjacent segments
    # make one passage: a 1–3, b 1–2, c 1
    rows = (tmp_path / "out/q10.csv").read_text("utf-8").strip().splitlines()
    assert [r.split(",")[:2] for r in rows[1:]] == [["a", "1–3"], ["b", "1–2"], ["c", "1"]]


def test_diff_manifest_names_the_event_and_the_changed_outputs(
    study: Project, tmp_path: Path
) -> None:
    build(study, load_study(write_study(tmp_path, "before")))
    study.code_segments("bob", "b", [5], "10")
    build(study, load_study(write_study(tmp_path, "after")))
    diff = diff_manifests(load_manifest(tmp_path / "before"), load_manifest(tmp_path / "after"))
    assert diff.events_since == 1
    assert diff.events == [{"action": "coding.add", "coder": "bob", "count": 1}]
    # code 10's passages, frequencies and quotes and the whole report move; the
    # by-role table (transcripts per role: b already had 10), the search for
    # "staff" and the word counts do not
    assert diff.outputs_changed == sorted(
        [
            "q10.xlsx",
            "q10.csv",
            "frequencies.csv",
            "quotes-10.docx",
            "report/all.html",
        ]
    )
    assert diff.outputs_same == 3
    assert diff.codebook is None and not diff.transcripts_changed
    code, out = run(study, "diff-manifest", str(tmp_path / "before"), str(tmp_path / "after"))
    assert code == 0
    assert out.splitlines()[0] == "5 outputs changed; 1 event since (1 coding change by bob)"
    code, out = run(
        study,
        "diff-manifest",
        str(tmp_path / "before/MANIFEST.json"),
        str(tmp_path / "after"),
        "--format",
        "json",
    )
    assert code == 0
    data = json.loads(out)
    assert data["events_since"] == 1 and "staff.md" not in data["outputs_changed"]


def test_diff_manifest_says_codebook_version_and_settings(study: Project, tmp_path: Path) -> None:
    build(study, load_study(write_study(tmp_path, "before")))
    edit_code(study, "alice", "10", description="Redefined after the June meeting.")
    code, _ = run(study, "stop-words", "--add", "staff")
    assert code == 0
    build(study, load_study(write_study(tmp_path, "after")))
    diff = diff_manifests(load_manifest(tmp_path / "before"), load_manifest(tmp_path / "after"))
    assert diff.codebook == (1, 2)  # codings were made under version 1, so the edit opens 2
    assert diff.settings == ["stop_words: +staff"]
    assert "words.json" in diff.outputs_changed  # "staff" was among the top words; now left out
    assert "codebook v1 → v2" in diff.summary()
    assert "1 codebook edit by alice" in diff.summary()


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        (
            '[[output]]\nkind = "query"\nexpression = "10"\nfile = "a.csv"\n[[output\n',
            "not valid TOML",
        ),
        (
            '[[output]]\nkind = "query"\nexpression = "10"\nfile = "a.csv"\n'
            '[[output]]\nkind = "chart"\nfile = "b.csv"\n',
            "output 2 (b.csv): 'kind' must be one of query, search, words, report",
        ),
        (
            '[[output]]\nkind = "query"\nexpression = "10"\nfile = "a.csv"\n'
            '[[output]]\nkind = "report"\nreport = "frequencies"\ncolour = "red"\nfile = "b.csv"\n',
            "output 2 (b.csv): unknown key 'colour' for a report",
        ),
        (
            '[[output]]\nkind = "query"\nexpression = "10"\nfile = "a.csv"\n'
            '[[output]]\nkind = "words"\ntop = "many"\nfile = "b.csv"\n',
            "output 2 (b.csv): 'top' must be a whole number",
        ),
        (
            '[[output]]\nkind = "query"\nexpression = "10"\nfile = "a.csv"\n'
            '[[output]]\nkind = "query"\nexpression = "10 & 99.9"\nfile = "b.csv"\n',
            "output 2 (b.csv): ",
        ),
        (
            '[[output]]\nkind = "query"\nexpression = "10"\nfile = "a.csv"\n'
            '[[output]]\nkind = "search"\npattern = "staff"\nfile = "b.png"\n',
            "output 2 (b.png): 'file': a search is written as",
        ),
        (
            '[[output]]\nkind = "query"\nexpression = "10"\nfile = "a.csv"\n'
            '[[output]]\nkind = "query"\nexpression = "10"\nfile = "../b.csv"\n',
            "output 2 (../b.csv): 'file' must be a name inside the output folder",
        ),
        (
            '[[output]]\nkind = "query"\nexpression = "10"\nfile = "a.csv"\n'
            '[[output]]\nkind = "query"\nexpression = "10"\nfile = "b\\u202egpj.csv"\n',
            "'file' holds a control or bidirectional character",
        ),
        (
            '[[output]]\nkind = "query"\nexpression = "10"\nfile = "a.csv"\n'
            '[[output]]\nkind = "query"\nexpression = "10"\nwhere = "role"\nfile = "b.csv"\n',
            "output 2 (b.csv): 'where' 'role': write KEY=VALUE",
        ),
        (
            '[[output]]\nkind = "query"\nexpression = "10"\nfile = "a.csv"\n'
            '[[output]]\nkind = "report"\nreport = "by-attribute"\nby = "colour"\nfile = "b.csv"\n',
            "output 2 (b.csv): ",
        ),
    ],
)
def test_a_bad_study_is_one_line_and_writes_nothing(
    study: Project, tmp_path: Path, entries: str, message: str
) -> None:
    path = write_study(tmp_path, "out", entries)
    code, out = run(study, "build", str(path))
    assert code == 1
    lines = out.strip().splitlines()
    assert len(lines) == 1, out
    assert lines[0].startswith(f"Error: {path}: ")
    assert message in lines[0]
    assert "Traceback" not in out
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("folder", ["../../outside", "/tmp/elsewhere", "out/../../x"])
def test_the_output_folder_stays_beside_the_study_file(
    study: Project, tmp_path: Path, folder: str
) -> None:
    """A build replaces its folder's MANIFEST.json: a study file cannot aim it elsewhere."""
    (tmp_path / "deep" / "er").mkdir(parents=True)
    path = tmp_path / "deep" / "er" / "study.toml"
    path.write_text(
        f'[build]\noutput = "{folder}"\n[[output]]\nkind = "query"\nexpression = "10"\n'
        'file = "a.csv"\n',
        encoding="utf-8",
    )
    code, out = run(study, "build", str(path))
    assert code == 1 and len(out.strip().splitlines()) == 1, out
    assert "'output' must be a folder inside the study file's folder" in out
    assert not (tmp_path / "outside").exists() and not (tmp_path / "deep" / "x").exists()


def test_a_bad_code_names_the_code(study: Project, tmp_path: Path) -> None:
    path = write_study(
        tmp_path, "out", '[[output]]\nkind = "query"\nexpression = "10 & 99.9"\nfile = "b.csv"\n'
    )
    with pytest.raises(StudyError, match=r"output 1 \(b\.csv\): .*99\.9"):
        build(study, load_study(path))


def test_hostile_text_stays_inert_in_built_outputs(study: Project, tmp_path: Path) -> None:
    study.set_attributes("a", {"role": '=HYPERLINK("http://x")<script>alert(1)</script>'})
    entries = (
        '[[output]]\nkind = "report"\nreport = "by-attribute"\nby = "role"\nfile = "r.html"\n'
        '[[output]]\nkind = "report"\nreport = "by-attribute"\nby = "role"\nfile = "r.csv"\n'
        '[[output]]\nkind = "query"\nexpression = "10"\ncount_by = "attribute:role"\nfile = "q.csv"\n'
    )
    build(study, load_study(write_study(tmp_path, "out", entries)))
    page = (tmp_path / "out/r.html").read_text("utf-8")
    assert "<script>" not in page and "&lt;script&gt;" in page
    for name in ("r.csv", "q.csv"):
        text = (tmp_path / "out" / name).read_text("utf-8-sig")
        assert "HYPERLINK" in text
        assert not any(
            cell.lstrip('"').startswith("=")
            for line in text.splitlines()
            for cell in line.split(",")
        )


def test_diff_manifest_refuses_a_file_that_is_not_a_manifest(
    study: Project, tmp_path: Path
) -> None:
    (tmp_path / "x.json").write_text('{"outputs": []}', encoding="utf-8")
    (tmp_path / "y.json").write_text("not json", encoding="utf-8")
    build(study, load_study(write_study(tmp_path)))
    damaged = json.loads((tmp_path / "out/MANIFEST.json").read_text("utf-8"))
    damaged["outputs"][0]["file"] = 1
    (tmp_path / "z.json").write_text(json.dumps(damaged), encoding="utf-8")
    for name in ("x.json", "y.json", "missing.json", "z.json"):
        code, out = run(study, "diff-manifest", str(tmp_path / name), str(tmp_path / name))
        assert code == 1
        assert len(out.strip().splitlines()) == 1 and name in out


def test_the_demo_study_rebuilds_byte_for_byte(tmp_path: Path) -> None:
    """examples/study.toml on the demo project: every table, twice, the same bytes."""
    import shutil

    from codebench.demo.build import build_demo

    demo = tmp_path / "demo.db"
    build_demo(demo)
    study_file = tmp_path / "study.toml"
    shutil.copy(Path(__file__).resolve().parents[2] / "examples" / "study.toml", study_file)
    with Project.open(demo, write=False) as project:
        first = build(project, load_study(study_file))
        before = {o["file"]: (tmp_path / "out" / o["file"]).read_bytes() for o in first.outputs}
        manifest = (tmp_path / "out" / "MANIFEST.json").read_bytes()
        second = build(project, load_study(study_file))
    assert len(before) == 15
    assert second.manifest == first.manifest
    assert (tmp_path / "out" / "MANIFEST.json").read_bytes() == manifest
    for name, data in before.items():
        assert (tmp_path / "out" / name).read_bytes() == data, name


def test_a_workbook_with_quotes_is_the_commands_workbook(study: Project, tmp_path: Path) -> None:
    entries = (
        '[[output]]\nkind = "report"\nreport = "crossed"\nby = ["role", "stage"]\n'
        'with_quotes = true\nfile = "crossed.xlsx"\n'
    )
    build(study, load_study(write_study(tmp_path, "out", entries)))
    code, _ = run(
        study,
        "report",
        "crossed",
        "--by",
        "role",
        "--by",
        "stage",
        "--with-quotes",
        "-o",
        str(tmp_path / "cli.xlsx"),
    )
    assert code == 0
    assert (tmp_path / "cli.xlsx").read_bytes() == (tmp_path / "out/crossed.xlsx").read_bytes()
    with zipfile.ZipFile(tmp_path / "out/crossed.xlsx") as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
    assert len(sheets) >= 2  # the table(s), then the quotes


def test_with_quotes_needs_a_workbook(study: Project, tmp_path: Path) -> None:
    entries = (
        '[[output]]\nkind = "report"\nreport = "frequencies"\nwith_quotes = true\nfile = "f.csv"\n'
    )
    with pytest.raises(StudyError, match=r"output 1 \(f\.csv\): 'with_quotes' .*\.xlsx"):
        load_study(write_study(tmp_path, "out", entries))


def test_a_build_never_replaces_a_database(study: Project, tmp_path: Path) -> None:
    # a file with an output's extension that holds an SQLite database (a mistyped name)
    (tmp_path / "copy.csv").write_bytes(study.path.read_bytes()[:4096])
    entries = (
        '[[output]]\nkind = "query"\nexpression = "10"\nfile = "a.csv"\n'
        '[[output]]\nkind = "query"\nexpression = "10"\nfile = "copy.csv"\n'
    )
    path = write_study(tmp_path, ".", entries)
    before = (tmp_path / "copy.csv").read_bytes()
    code, out = run(study, "build", str(path))
    assert code == 1
    assert "output 2 (copy.csv)" in out and "SQLite database" in out
    assert (tmp_path / "copy.csv").read_bytes() == before
    assert not (tmp_path / "a.csv").exists()


def test_diff_manifest_names_an_attribute_change(study: Project, tmp_path: Path) -> None:
    build(study, load_study(write_study(tmp_path, "before")))
    study.set_attributes("c", {"role": "commissioner", "stage": "delivery"})
    build(study, load_study(write_study(tmp_path, "after")))
    diff = diff_manifests(load_manifest(tmp_path / "before"), load_manifest(tmp_path / "after"))
    assert diff.attributes_changed == ["c role 'manager' → 'commissioner'"]
    assert diff.events == [{"action": "attributes.set", "coder": "", "count": 1}]
    assert "1 attribute change" in diff.summary()
    # c's code 10 moves from the manager to the commissioner column: the by-role
    # table changes; the pooled frequencies and passages of 10 do not
    assert "by-role.html" in diff.outputs_changed
    assert "frequencies.csv" not in diff.outputs_changed
    assert "q10.csv" not in diff.outputs_changed


def test_check_compares_without_writing(study: Project, tmp_path: Path) -> None:
    path = write_study(tmp_path)
    build(study, load_study(path))
    manifest = (tmp_path / "out/MANIFEST.json").read_bytes()
    code, out = run(study, "build", str(path), "--check")
    assert code == 0
    assert out.splitlines()[0] == "0 outputs changed; no events since"
    study.code_segments("bob", "b", [5], "10")
    code, out = run(study, "build", str(path), "--check")
    assert code == 1
    assert out.splitlines()[0] == "5 outputs changed; 1 event since (1 coding change by bob)"
    assert (tmp_path / "out/MANIFEST.json").read_bytes() == manifest  # nothing written


def test_diff_manifest_the_wrong_way_round(study: Project, tmp_path: Path) -> None:
    build(study, load_study(write_study(tmp_path, "before")))
    study.code_segments("bob", "b", [5], "10")
    study.code_segments("bob", "b", [6], "10")
    build(study, load_study(write_study(tmp_path, "after")))
    diff = diff_manifests(load_manifest(tmp_path / "after"), load_manifest(tmp_path / "before"))
    assert diff.summary().startswith("5 outputs changed; A is the later build (2 events after B)")


@pytest.mark.parametrize("link", ["out", "out/sub"])
def test_a_link_inside_the_study_folder_cannot_aim_the_build_elsewhere(
    study: Project, tmp_path: Path, link: str
) -> None:
    """'out' (or a subfolder an entry writes into) linked to a folder outside: refused, nothing written."""
    home = tmp_path / "home"
    elsewhere = tmp_path / "elsewhere"
    home.mkdir()
    elsewhere.mkdir()
    (home / link).parent.mkdir(parents=True, exist_ok=True)
    (home / link).symlink_to(elsewhere, target_is_directory=True)
    path = home / "study.toml"
    path.write_text(
        '[build]\noutput = "out"\n[[output]]\nkind = "query"\nexpression = "10"\n'
        'file = "sub/a.csv"\n',
        encoding="utf-8",
    )
    code, out = run(study, "build", str(path))
    assert code == 1 and len(out.strip().splitlines()) == 1, out
    assert "leads outside the study file's folder" in out
    assert list(elsewhere.iterdir()) == []
