"""A study file's `explain`, `framework` and `map` entries, on the hand-checked project.

The project is tests/analysis/conftest.py's. Figures, from its listing:

- code 10 is on alice's a1, a2, a3, b1, b2 and bob's a1, c1: pooled, the
  segments a1–a3, b1–b2, c1 (6); its passages merge to a 1–3 (alice, bob),
  b 1–2 (alice) and c 1 (bob). Commissioners are a and b, so the cell
  10 × commissioner of codes by role holds the first two.
- code 04.2 is on alice's a3, b1 and bob's c1: the segments coded with both
  04.2 and 10 are a3, b1 and c1, so the theme map's 04.2–10 edge weighs 3;
  among commissioners (a, b) it weighs 2 and 10 has 5 segments.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from codebench.analysis.build import build
from codebench.analysis.manifest_diff import diff_manifests, load_manifest
from codebench.analysis.study import StudyError, load_study
from codebench.cli.app import cli
from codebench.project import Project

ENTRIES = """
[[output]]
kind = "explain"
report = "by-attribute"
by = "role"
row = "10"
column = "commissioner"
file = "explain-10-commissioner.json"

[[output]]
kind = "explain"
report = "crossed"
by = ["role", "stage"]
row = "10"
column = "commissioner × delivery"
file = "explain-crossed.docx"

[[output]]
kind = "explain"
report = "by-attribute"
by = "role"
row = "10"
column = "commissioner"
file = "explain-10.csv"

[[output]]
kind = "framework"
codes = ["10", "04.2"]
file = "framework.xlsx"

[[output]]
kind = "framework"
codes = ["10"]
file = "framework.md"

[[output]]
kind = "framework"
codes = ["10"]
file = "framework.csv"

[[output]]
kind = "map"
file = "themes.graphml"

[[output]]
kind = "map"
measure = "jaccard"
threshold = 0.2
file = "themes.gexf"

[[output]]
kind = "map"
where = ["role=commissioner"]
file = "commissioners.graphml"

[[output]]
kind = "map"
file = "themes.svg"

[[output]]
kind = "map"
file = "themes.png"
"""
#: The command each entry stands for (its output file last, after -o).
COMMANDS = {
    "explain-10-commissioner.json": [
        "explain",
        "by-attribute",
        "--by",
        "role",
        "--row",
        "10",
        "--column",
        "commissioner",
    ],
    "explain-crossed.docx": [
        "explain",
        "crossed",
        "--by",
        "role",
        "--by",
        "stage",
        "--row",
        "10",
        "--column",
        "commissioner × delivery",
    ],
    "explain-10.csv": [
        "explain",
        "by-attribute",
        "--by",
        "role",
        "--row",
        "10",
        "--column",
        "commissioner",
    ],
    "framework.xlsx": ["framework", "export", "--code", "10", "--code", "04.2"],
    "framework.md": ["framework", "export", "--code", "10"],
    "framework.csv": ["framework", "export", "--code", "10"],
    "themes.graphml": ["map"],
    "themes.gexf": ["map", "--measure", "jaccard", "--threshold", "0.2"],
    "commissioners.graphml": ["map", "--where", "role=commissioner"],
    "themes.svg": ["map"],
    "themes.png": ["map"],
}


def write_study(folder: Path, output: str = "out", entries: str = ENTRIES) -> Path:
    path = folder / f"study-{output}.toml"
    path.write_text(f'[build]\noutput = "{output}"\n{entries}', encoding="utf-8")
    return path


def run(project: Project, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["-p", str(project.path), *args])
    return result.exit_code, result.output


def edge(graphml: str, source: str, target: str) -> float | None:
    """The weight of the co-occurrence edge between two node ids in a GraphML file."""
    for a, b, body in re.findall(
        r'<edge id="\w+" source="(\w+)" target="(\w+)">(.*?)</edge>', graphml, flags=re.S
    ):
        if {a, b} == {source, target} and ">co-occurrence<" in body:
            found = re.search(r'<data key="weight">([\d.]+)</data>', body)
            assert found, body
            return float(found[1])
    return None


def test_explain_framework_and_map_entries_are_the_commands_bytes(
    study: Project, tmp_path: Path
) -> None:
    code, out = run(
        study, "framework", "set", "a", "10", "--summary", "Contracts", "--coder", "alice"
    )
    assert code == 0, out
    built = build(study, load_study(write_study(tmp_path)))
    assert [o["file"] for o in built.outputs] == list(COMMANDS)
    assert [o["entry"]["kind"] for o in built.outputs] == ["explain"] * 3 + ["framework"] * 3 + [
        "map"
    ] * 5
    assert [o["format"] for o in built.outputs[6:]] == ["graphml", "gexf", "graphml", "svg", "png"]
    time.sleep(2.1)  # past the zip format's 2-second clock
    for name, args in COMMANDS.items():
        code, out = run(study, *args, "-o", str(tmp_path / name))
        assert code == 0, (name, out)
        assert (tmp_path / name).read_bytes() == (tmp_path / "out" / name).read_bytes(), name


def test_the_entries_hold_the_hand_computed_figures(study: Project, tmp_path: Path) -> None:
    run(study, "framework", "set", "a", "10", "--summary", "Contracts", "--coder", "alice")
    build(study, load_study(write_study(tmp_path)))
    out = tmp_path / "out"
    explained = json.loads((out / "explain-10-commissioner.json").read_text("utf-8"))
    assert [(q["location"], q["coders"]) for q in explained["quotes"]] == [
        ("a, segments 1\u20133", ["alice", "bob"]),
        ("b, segments 1\u20132", ["alice"]),
    ]
    crossed = (out / "explain-10.csv").read_text("utf-8-sig")
    assert crossed.count("\n") == 3  # a header and the two passages
    themes = (out / "themes.graphml").read_text("utf-8")
    ids = dict(re.findall(r'<node id="(\w+)">\s*<data key="label">(\d+(?:\.\d)?) ', themes))
    ids = {number: node for node, number in ids.items()}
    assert edge(themes, ids["04.2"], ids["10"]) == 3
    scoped = (out / "commissioners.graphml").read_text("utf-8")
    assert edge(scoped, ids["04.2"], ids["10"]) == 2
    ten = re.search(rf'<node id="{ids["10"]}">.*?</node>', scoped, flags=re.S)
    assert ten and '<data key="n_2">5</data>' in ten[0]  # 10's segments among commissioners
    framework = (out / "framework.md").read_text("utf-8")
    assert "Contracts" in framework
    # the three passages of 10, one per case: a 1–3, b 1–2, c 1
    rows = (out / "framework.csv").read_text("utf-8-sig").strip().splitlines()
    assert len(rows) == 4
    assert (out / "themes.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "themes.svg").read_text("utf-8").lstrip().startswith(("<?xml", "<svg"))


def test_building_twice_gives_the_same_bytes_and_diff_manifest_names_the_change(
    study: Project, tmp_path: Path
) -> None:
    path = write_study(tmp_path, "one")
    first = build(study, load_study(path))
    before = {o["file"]: (tmp_path / "one" / o["file"]).read_bytes() for o in first.outputs}
    manifest = (tmp_path / "one/MANIFEST.json").read_bytes()
    time.sleep(2.1)
    build(study, load_study(path))
    assert (tmp_path / "one/MANIFEST.json").read_bytes() == manifest
    for name, data in before.items():
        assert (tmp_path / "one" / name).read_bytes() == data, name
    listed = json.loads(manifest)["outputs"]
    assert {o["file"] for o in listed} == set(COMMANDS)
    assert listed[0]["entry"] == {
        "kind": "explain",
        "report": "by-attribute",
        "by": ["role"],
        "row": "10",
        "column": "commissioner",
        "file": "explain-10-commissioner.json",
    }
    # bob codes 04.2 on b2: 04.2 and 10 now share b2 too (the maps' edge and
    # the framework workbook move); the cell 10 × commissioner's passages do not
    study.code_segments("bob", "b", [2], "04.2")
    build(study, load_study(write_study(tmp_path, "two")))
    diff = diff_manifests(load_manifest(tmp_path / "one"), load_manifest(tmp_path / "two"))
    assert "framework.xlsx" in diff.outputs_changed
    assert {"themes.graphml", "commissioners.graphml", "themes.svg", "themes.png"} <= set(
        diff.outputs_changed
    )
    assert "explain-10-commissioner.json" not in diff.outputs_changed
    assert "framework.md" not in diff.outputs_changed
    code, out = run(study, "diff-manifest", str(tmp_path / "one"), str(tmp_path / "two"))
    assert code == 0 and "framework.xlsx" in out and "1 coding change by bob" in out


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('kind = "explain"\nreport = "matrix"\nfile = "x.md"\n', "an explain needs 'row'"),
        ('kind = "explain"\nrow = "10"\nfile = "x.md"\n', "an explain needs 'report'"),
        (
            'kind = "explain"\nreport = "quotes"\nrow = "10"\nfile = "x.md"\n',
            "'report' must be one of frequencies, by-attribute, crossed, matrix, cooccurrence",
        ),
        ('kind = "explain"\nreport = "matrix"\nrow = "10"\nfile = "x.png"\n', "is written as"),
        ('kind = "framework"\nwhere = "role=x"\nfile = "f.md"\n', "unknown key 'where'"),
        ('kind = "framework"\nfile = "f.svg"\n', "a framework is written as"),
        ('kind = "map"\nfile = "m.xlsx"\n', "a map is written as .graphml, .gexf, .svg, .png"),
        ('kind = "map"\nthreshold = -1\nfile = "m.gexf"\n', "'threshold' must be a number from 0"),
        ('kind = "map"\nmeasure = "lift"\nfile = "m.gexf"\n', "'measure' must be one of count"),
    ],
)
def test_a_bad_entry_of_a_new_kind_is_one_line(tmp_path: Path, entry: str, message: str) -> None:
    path = write_study(tmp_path, "out", f"[[output]]\n{entry}")
    with pytest.raises(StudyError) as error:
        load_study(path)
    text = str(error.value)
    assert message in text and "output 1" in text and "\n" not in text


def test_a_bad_cell_stops_the_build_naming_the_entry(study: Project, tmp_path: Path) -> None:
    entries = (
        '[[output]]\nkind = "map"\nfile = "m.graphml"\n'
        '[[output]]\nkind = "explain"\nreport = "by-attribute"\nby = "role"\nrow = "10"\n'
        'column = "boss"\nfile = "e.md"\n'
    )
    path = write_study(tmp_path, "out", entries)
    code, out = run(study, "build", str(path))
    assert code == 1 and len(out.strip().splitlines()) == 1
    assert "output 2 (e.md)" in out and "'column'" in out and "boss" in out
    assert not (tmp_path / "out").exists()
