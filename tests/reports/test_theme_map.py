"""Theme maps: co-occurrence edges and the lead's relations, read back by an independent library.

On the small project (tests/reports/conftest.py), all coders pooled, codes as
applied: segments shared are int1/3 (08 and 04.1), int1/5 (13.1 and 12),
int1/6 (11 from alice, 12 from bob's coding of 5–6) and int2/1 (05.2 from
alice, 08 from bob). Coded segments: 08 3, 12 3, 05.2 2, 11 2, and 03,
04.1, 13.1, 14.3 one each. Jaccard: 08–04.1 1/(3+1−1) = 0.3333, 12–13.1
1/(1+3−1) = 0.3333, 11–12 1/(2+3−1) = 0.25, 05.2–08 1/(2+3−1) = 0.25.
"""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from codebench.analysis.theme_map import (
    add_relation,
    relations,
    remove_relation,
    render_map,
    theme_map,
)
from codebench.cli import cli
from codebench.errors import CodebenchError
from codebench.project import Project


def labels(found) -> dict[str, str]:
    return {n.id: n.data["number"] for n in found.nodes}


def test_cooccurrence_edges_and_weights(small: Project) -> None:
    found = theme_map(small)
    names = labels(found)
    assert sorted(names.values()) == ["03", "04.1", "05.2", "08", "11", "12", "13.1", "14.3"]
    segments = {n.data["number"]: n.data["segments"] for n in found.nodes}
    assert (segments["08"], segments["12"], segments["05.2"]) == (3, 3, 2)
    edges = {tuple(sorted((names[e.source], names[e.target]))): e.weight for e in found.edges}
    assert edges == {
        ("04.1", "08"): 1.0,
        ("12", "13.1"): 1.0,
        ("11", "12"): 1.0,
        ("05.2", "08"): 1.0,
    }
    found = theme_map(small, measure="jaccard", threshold=0.3)
    edges = {tuple(sorted((names[e.source], names[e.target]))): e.weight for e in found.edges}
    assert edges == {("04.1", "08"): 0.3333, ("12", "13.1"): 0.3333}


def test_relations_are_directed_typed_edges(small: Project, tmp_path: Path) -> None:
    assert add_relation(small, "04.1", "16", "leads to", note="why", coder="alice")
    assert not add_relation(small, "04.1", "16", "Leads  To")  # the same, typed differently
    with pytest.raises(CodebenchError, match="two different codes"):
        add_relation(small, "08", "08", "is")
    found = theme_map(small)
    relation = [e for e in found.edges if e.kind == "leads to"]
    assert len(relation) == 1 and relation[0].directed
    assert "16" in labels(found).values()  # in a relation, though never coded
    for fmt, read in (("graphml", nx.read_graphml), ("gexf", nx.read_gexf)):
        path = tmp_path / f"map.{fmt}"
        path.write_text(render_map(found, fmt), encoding="utf-8")
        graph = read(path)
        assert graph.number_of_nodes() == 9
        kinds = sorted((d.get("kind"), d.get("directed")) for _, _, d in graph.edges(data=True))
        assert kinds == [("co-occurrence", "no")] * 4 + [("leads to", "yes")], fmt
    assert [(r.source[:4], r.kind, r.target[:2]) for r in relations(small)] == [
        ("04.1", "leads to", "16")
    ]
    remove_relation(small, "04.1", "16", "LEADS TO")
    assert relations(small) == []
    actions = [r[0] for r in small.db.execute("SELECT action FROM events ORDER BY id")]
    assert actions[-2:] == ["relation.add", "relation.remove"]


def test_hostile_names_stay_well_formed(small: Project, tmp_path: Path) -> None:
    code = small.code("08")
    small.db.execute("UPDATE codes SET name = ? WHERE id = ?", ['<b>&"\x07', code.id])
    found = theme_map(small)
    for fmt, read in (("graphml", nx.read_graphml), ("gexf", nx.read_gexf)):
        path = tmp_path / f"map.{fmt}"
        path.write_text(render_map(found, fmt), encoding="utf-8")
        graph = read(path)
        key = "label"
        names = {d.get(key) for _, d in graph.nodes(data=True)}
        assert '08 <b>&"\u2407' in names, fmt


def test_cli(small_path: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["-p", str(small_path)]
    result = runner.invoke(cli, [*args, "relations", "add", "12", "11", "--type", "contradicts"])
    assert result.exit_code == 0, result.output
    rows = json.loads(runner.invoke(cli, [*args, "relations", "--format", "json"]).output)
    assert [(r["type"], r["to"][:2]) for r in rows] == [("contradicts", "11")]
    out = tmp_path / "t.gexf"
    result = runner.invoke(cli, [*args, "map", "-o", str(out)])
    assert result.exit_code == 0 and "8 codes, 5 edges" in result.output
    assert nx.read_gexf(out).number_of_edges() == 5
    result = runner.invoke(cli, [*args, "map", "-o", str(tmp_path / "t.txt")])
    assert result.exit_code == 1 and ".graphml, .gexf, .svg or .png" in result.output
    result = runner.invoke(cli, [*args, "relations", "remove", "12", "11", "--type", "x"])
    assert result.exit_code == 1 and "no relation 12 → 11 of type 'x'" in result.output


def test_undo_a_relation(small: Project) -> None:
    from codebench.coding.history import redo, undo

    add_relation(small, "12", "11", "contradicts", note="clinic vs council", coder="alice")
    remove_relation(small, "12", "11", "contradicts", coder="alice")
    assert relations(small) == []
    undo(small, "alice")  # the removal
    assert [(r.kind, r.note) for r in relations(small)] == [("contradicts", "clinic vs council")]
    undo(small, "alice")  # the addition
    assert relations(small) == []
    redo(small, "alice")
    assert [r.kind for r in relations(small)] == ["contradicts"]


def test_a_project_from_before_relations_gains_the_table(tmp_path: Path) -> None:
    from codebench.store import migrations
    from codebench.store.connection import open_database

    path = tmp_path / "old.db"
    db = open_database(path, create=True, migrate=False)
    migrations.migrate(db, path, stop_before="0013_code_relations")
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "framework_cells" in tables and "code_relations" not in tables
    db.close()
    with Project.open(path) as project:
        assert "0013_code_relations" in migrations.applied_names(project.db)
        assert relations(project) == []


def test_a_project_that_already_has_the_table_keeps_it(tmp_path: Path) -> None:
    """A project migrated while 0011_participants_framework also made code_relations."""
    from codebench.store import migrations
    from codebench.store.connection import open_database

    path = tmp_path / "mid.db"
    db = open_database(path, create=True, migrate=False)
    migrations.migrate(db, path, stop_before="0013_code_relations")
    db.executescript(
        "CREATE TABLE code_relations (id INTEGER PRIMARY KEY, from_code INTEGER NOT NULL,"
        " to_code INTEGER NOT NULL, kind TEXT NOT NULL, note TEXT NOT NULL DEFAULT '',"
        " created_by INTEGER, created_at TEXT NOT NULL, UNIQUE (from_code, to_code, kind));"
        "INSERT INTO code_relations (from_code, to_code, kind, created_at) VALUES (1, 2, 'x', 't');"
    )
    db.conn.commit()
    db.close()
    with Project.open(path) as project:
        assert "0013_code_relations" in migrations.applied_names(project.db)
        assert [r[0] for r in project.db.execute("SELECT kind FROM code_relations")] == ["x"]
