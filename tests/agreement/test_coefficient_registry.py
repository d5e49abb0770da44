"""The coefficient registry is the one source: every output names what it declares, and only that.

The report is built from a project coded by three coders (so Fleiss' kappa is the headline kappa
and there are three Cohen's kappa pairs); each output format is read back (CSV, XLSX with
openpyxl, Markdown, HTML, the terminal table) and checked against the declarations.
"""

from __future__ import annotations

import ast
import csv
import io
import json
from collections.abc import Callable
from html import escape
from itertools import combinations, pairwise
from pathlib import Path
from typing import Any, get_type_hints

import numpy as np
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

import codebench.agreement
from codebench.agreement import _stats, bootstrap_ci
from codebench.agreement import coefficient_registry as registry
from codebench.agreement.batch import CodeReport
from codebench.agreement.coefficient_registry import Band, Coefficient, Scale
from codebench.agreement.estimate import Estimate
from codebench.agreement.output import render
from codebench.agreement.report import agreement_report
from codebench.cli import cli
from codebench.project import Project

CODERS = ("alice", "bob", "cara")
# transcript -> coder -> code -> codable segment ordinals (1-4, 6, 7 are codable)
CODINGS = {
    "t1": {
        "alice": {"02": [1, 2], "08": [3, 6], "10": [7]},
        "bob": {"02": [1], "08": [3, 6, 7], "10": [7]},
        "cara": {"02": [1, 2, 4], "08": [6], "10": [2, 7]},
    },
    "t2": {
        "alice": {"02": [4], "08": [1, 2], "10": [6, 7]},
        "bob": {"02": [4, 6], "08": [1, 2], "10": [7]},
        "cara": {"02": [4], "08": [2], "10": [6, 7]},
    },
}


@pytest.fixture
def study(project: Project, write_interview: Callable[..., Path]) -> Project:
    assert project.import_files([write_interview(t, tag=t) for t in CODINGS]).ok
    for t, by_coder in CODINGS.items():
        for coder, by_code in by_coder.items():
            project.coder(coder, create=True)
            for code, ordinals in by_code.items():
                project.code_segments(coder, t, ordinals, code)
            project.set_status(coder, t, "done")
    return project


def report_of(project: Project, **options: Any) -> dict[str, Any]:
    return agreement_report(project, codes=["02", "08", "10"], seed=3, bootstrap=40, **options)


def is_estimate(item: Any) -> bool:
    return isinstance(item, dict) and "value" in item and "reason" in item


def csv_header(report: dict[str, Any]) -> list[str]:
    text = render(report, "csv")
    assert isinstance(text, str)
    return next(csv.reader(io.StringIO(text)))


def xlsx_book(report: dict[str, Any]) -> Any:
    data = render(report, "xlsx")
    assert isinstance(data, bytes)
    return load_workbook(io.BytesIO(data))


def xlsx_headers(report: dict[str, Any]) -> dict[str, list[Any]]:
    book = xlsx_book(report)
    return {name: [c.value for c in book[name][1]] for name in book.sheetnames}


def markdown_headers(report: dict[str, Any]) -> list[list[str]]:
    """The header row of every Markdown table, cell by cell (Markdown escapes undone)."""
    text = render(report, "md")
    assert isinstance(text, str)
    lines = text.splitlines()
    return [
        [cell.strip().replace("\\", "") for cell in line.strip("|").split(" | ")]
        for line, below in pairwise(lines)
        if line.startswith("| ") and below.startswith("|---")
    ]


# ---------------------------------------------------------------------- the report dict
def test_every_coefficient_in_the_report_is_declared_and_every_declared_one_is_there(
    study: Project,
) -> None:
    report = report_of(study)
    declared = {c.key for c in registry.coefficients()}
    per_code = {c.key for c in registry.per_code()}
    for entry in report["codes"]:
        found = {
            key
            for key, item in entry.items()
            if is_estimate(item) or (isinstance(item, list) and item and is_estimate(item[0]))
        }
        assert found == declared
        assert set(entry["bands"]) == {c.scale.key for c in registry.scaled() if c.scale}
        for c in registry.coefficients():
            if c.interval:
                items = entry[c.key] if c.pairwise else [entry[c.key]]
                assert all("ci" in item for item in items), c.key
    assert set(report["overall"]["macro"]) == per_code
    assert {
        k for k, v in report["overall"]["pooled"].items() if k not in {"decisions", "codes"}
    } == declared
    assert report["codes"][0]["kappa"]["statistic"] == registry.headline_of(3).statistic


def test_the_batch_report_type_spells_the_declared_fields() -> None:
    hints = get_type_hints(CodeReport)
    estimates = {k for k, t in hints.items() if t is Estimate}
    assert estimates == {c.key for c in registry.batch()}
    assert {c.key for c in registry.pairwise()} <= set(hints)


def test_each_scale_is_the_scale_of_one_coefficient_only() -> None:
    scales = [c.scale for c in registry.scaled() if c.scale is not None]
    assert len({s.key for s in scales}) == len(scales)
    assert len({s.column for s in scales}) == len(scales)


def test_bootstrap_names_come_from_the_declarations() -> None:
    data = np.array([[1, 0, 1, 1, 0, 0, 1, 0], [1, 0, 0, 1, 0, 1, 1, 0], [1, 1, 0, 1, 0, 0, 1, 0]])
    for c in registry.coefficients():
        if c.make is None:
            continue
        matrix = data[:2] if c.pairwise else data
        by_name = bootstrap_ci(c.statistic, matrix, n=50, seed=1)
        assert by_name == bootstrap_ci(c.key, matrix, n=50, seed=1), c.key
        if c.function is not None:
            assert by_name == bootstrap_ci(c.function, matrix, n=50, seed=1), c.key
    with pytest.raises(ValueError, match="unknown statistic"):
        bootstrap_ci("no-such-coefficient", data)


# ---------------------------------------------------------------------- scales
@pytest.mark.parametrize(
    ("scale", "value", "word"),
    [
        (registry.KRIPPENDORFF, 0.800, "reliable"),
        (registry.KRIPPENDORFF, 0.7999, "tentative"),
        (registry.KRIPPENDORFF, 0.667, "tentative"),
        (registry.KRIPPENDORFF, 0.6669, "unreliable"),
        (registry.KRIPPENDORFF, -1.0, "unreliable"),
        (registry.LANDIS_KOCH, 0.81, "almost perfect"),
        (registry.LANDIS_KOCH, 0.80, "substantial"),
        (registry.LANDIS_KOCH, 0.61, "substantial"),
        (registry.LANDIS_KOCH, 0.41, "moderate"),
        (registry.LANDIS_KOCH, 0.21, "fair"),
        (registry.LANDIS_KOCH, 0.20, "slight"),
        (registry.LANDIS_KOCH, 0.0, "slight"),
        (registry.LANDIS_KOCH, -0.01, "poor"),
        (registry.LANDIS_KOCH, None, None),
        (registry.KRIPPENDORFF, float("nan"), None),
    ],
)
def test_published_thresholds(scale: Scale, value: float | None, word: str | None) -> None:
    """Krippendorff (2004) and Landis & Koch (1977), boundaries included."""
    assert scale.band(value) == word


# ---------------------------------------------------------------------- the outputs
def test_every_declared_coefficient_appears_in_every_output_with_its_declared_name(
    study: Project,
) -> None:
    report = report_of(study)
    header = csv_header(report)
    sheets = xlsx_headers(report)
    assert sheets["Codes"] == header
    for c in registry.per_code():
        assert c.column in header, c.column
        assert c.column in sheets["Overall"], c.column
        if c.interval:
            assert {f"{c.column}_ci_low", f"{c.column}_ci_high"} <= set(header)
        if c.scale is not None:
            assert c.scale.column in header
    for c in registry.pairwise():
        assert {f"{c.column}_{a}_{b}" for a, b in combinations(CODERS, 2)} <= set(header)
    assert [c.column for c in registry.TRANSCRIPT_COEFFICIENTS] == [
        h for h in sheets["Transcripts"] if h in {c.column for c in registry.coefficients()}
    ]
    assert [c.column for c in registry.PAIR_COEFFICIENTS] == [
        h for h in sheets["Pairs"] if h in {c.column for c in registry.coefficients()}
    ]

    tables = markdown_headers(report)
    codes, overall, *_ = tables
    assert [h for h in codes if h in {c.label for c in registry.coefficients()}] == [
        c.label for c in registry.per_code()
    ]
    for c in registry.scaled():
        assert f"{c.label} band" in codes
    assert [c.label for c in registry.per_code()] == overall[1:-1]
    pair_table = next(t for t in tables if t[0] == "Coders")
    assert [c.label for c in registry.PAIR_COEFFICIENTS] == pair_table[3:-2]

    md = render(report, "md")
    html = render(report, "html")
    assert isinstance(md, str) and isinstance(html, str)
    for c in registry.scaled():
        assert c.scale is not None
        assert c.scale.citation in md and escape(c.scale.citation) in html
        assert c.scale.legend().replace(">", "\\>") in md
    for c in registry.coefficients():
        assert f"{c.label}: {c.name}" in md


def test_a_new_declaration_reaches_every_output_without_other_edits(
    study: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Declare one more coefficient (percent agreement under another name, on a scale of its own)."""
    scale = Scale(
        key="test_scale",
        column="test_band",
        citation="Test 2024",
        bands=(Band("high", 0.9, True, "best"), Band("low", float("-inf"), True, "bad")),
    )
    extra = Coefficient(
        key="test_agreement",
        column="test_agree",
        label="TA",
        name="test agreement",
        statistic="test",
        function=None,
        make=lambda design: _stats.PercentAgreement(),
        scale=scale,
        interval=True,
    )
    monkeypatch.setattr(registry, "COEFFICIENTS", (*registry.COEFFICIENTS, extra))

    report = report_of(study)
    for entry in report["codes"]:
        assert entry["test_agreement"]["value"] == entry["percent_agreement"]["value"]
        assert entry["test_agreement"]["ci"]["replicates"] == 40
        assert entry["bands"]["test_scale"] == scale.band(entry["percent_agreement"]["value"])
    assert report["overall"]["macro"]["test_agreement"]["codes"] == 3
    assert report["overall"]["pooled"]["test_agreement"]["value"] == pytest.approx(
        report["overall"]["pooled"]["percent_agreement"]["value"]
    )
    assert json.loads(render(report, "json"))["codes"][0]["test_agreement"]

    header = csv_header(report)
    assert {"test_agree", "test_agree_ci_low", "test_agree_ci_high", "test_band"} <= set(header)
    sheets = xlsx_headers(report)
    assert "test_agree" in sheets["Codes"] and "test_agree" in sheets["Overall"]
    settings = [[c.value for c in row] for row in xlsx_book(report)["Settings"].iter_rows()]
    assert ["test_agree", "test agreement"] in settings
    codes, overall, *_ = markdown_headers(report)
    assert "TA" in codes and "TA band" in codes and "TA" in overall
    md = render(report, "md")
    assert isinstance(md, str) and "Test 2024" in md and "TA: test agreement" in md
    terminal = render(report, "table")
    assert isinstance(terminal, str) and "TA band, Test 2024" in terminal
    help_text = " ".join(CliRunner().invoke(cli, ["agreement", "--help"]).output.split())
    assert "TA = test agreement" in help_text and "TA band, Test 2024" in help_text


def test_against_consensus_outputs_are_built_from_the_same_declarations(study: Project) -> None:
    from codebench.agreement.consensus import adjudicate

    pat = study.coder("pat", create=True)
    adjudicate(study, pat, ("t1", 2), "02", "accept_a", "consensus", coders=["alice", "bob"])
    report = report_of(study, against_consensus=True)
    assert report["mode"] == "against-consensus"
    header = csv_header(report)
    assert header[:2] == ["coder", "consensus"]
    assert all(c.column in header for c in registry.per_code())
    assert xlsx_headers(report)["Overall"][:2] == ["coder", "figure"]


def test_the_docs_tables_are_the_declarations() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "agreement.md"
    expected = registry.reference_markdown()
    assert expected in docs.read_text(encoding="utf-8"), (
        "docs/agreement.md is out of date; replace its coefficient tables with:\n" + expected
    )


# ---------------------------------------------------------------------- import graph
def test_the_agreement_package_has_no_import_cycle() -> None:
    """Every import between the package's modules, including imports inside functions."""
    package = Path(codebench.agreement.__file__).parent
    graph: dict[str, set[str]] = {}
    for path in package.glob("*.py"):
        name = path.stem
        edges = graph.setdefault(name, set())
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                if node.module.startswith("codebench.agreement."):
                    edges.add(node.module.split(".")[2])
                elif node.module == "codebench.agreement":
                    edges.update(a.name for a in node.names if (package / f"{a.name}.py").exists())
    graph.pop("__init__", None)

    def visit(module: str, trail: tuple[str, ...]) -> None:
        for target in graph.get(module, ()):
            assert target not in trail, " -> ".join((*trail, target))
            visit(target, (*trail, target))

    for module in graph:
        visit(module, (module,))
