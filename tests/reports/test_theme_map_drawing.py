"""The theme map drawn (SVG, PNG): read back as XML and as an image, checked against the layout.

On the small project (tests/reports/conftest.py) the map has eight codes and
four co-occurrence edges, each of 1 segment (count) — with ``--measure
jaccard`` 04.1–08 and 12–13.1 weigh 1/3 and 11–12 and 05.2–08 weigh 1/4.
"""

from __future__ import annotations

import itertools
import math
import xml.etree.ElementTree as ET
from pathlib import Path

from click.testing import CliRunner

from codebench.analysis.theme_map import add_relation, render_map, theme_map
from codebench.cli import cli
from codebench.project import Project
from codebench.reports import render_network
from codebench.reports.render_network import FONT, MAX_WIDTH, MIN_WIDTH, layout

SVG = "{http://www.w3.org/2000/svg}"


def drawing_of(found):
    return layout(
        found.nodes,
        found.edges,
        title=found.title,
        threshold=found.threshold,
        measure=found.measure,
    )


def test_svg_draws_every_node_edge_and_relation(small: Project) -> None:
    add_relation(small, "04.1", "16", "leads to")
    found = theme_map(small, measure="jaccard", threshold=0.25)
    root = ET.fromstring(render_map(found, "svg"))
    labels = {t.text for t in root.iter(f"{SVG}text")}
    assert {render_network._short(n.label) for n in found.nodes} <= labels
    assert "11 Relationship with the parent body and lo…" in labels  # cut at MAX_LABEL
    assert "Relation: leads to (arrow: from → to)" in labels
    # One circle per code, one in the legend.
    assert len(list(root.iter(f"{SVG}circle"))) == len(found.nodes) + 1 == 10
    lines = list(root.iter(f"{SVG}line"))
    dashed = [line for line in lines if line.get("stroke-dasharray")]
    # The relation (with its arrowhead) and the legend's relation entry.
    assert len(dashed) == 2 and len(list(root.iter(f"{SVG}polygon"))) == 1
    solid = sorted(
        float(line.get("stroke-width", 0)) for line in lines if not line.get("stroke-dasharray")
    )
    # Four co-occurrence edges, 1/4 (at the threshold: thinnest) and 1/3 (the heaviest), then the legend's.
    assert solid[:2] == [MIN_WIDTH, MIN_WIDTH] and solid[-2:] == [MAX_WIDTH, MAX_WIDTH]
    assert len(solid) == 5
    # Every edge of the same weight (counts, all 1): one middle width, not the heaviest.
    same = drawing_of(theme_map(small))
    assert {e.width for e in same.edges if not e.directed} == {(MIN_WIDTH + MAX_WIDTH) / 2}


def test_node_size_grows_with_coded_segments(small: Project) -> None:
    drawing = drawing_of(theme_map(small))
    size = {n.label.split()[0]: n.radius for n in drawing.nodes}
    # 08 and 12 have 3 segments (the most), 05.2 2, 03 1.
    assert size["08"] == size["12"] == render_network.MAX_RADIUS
    assert size["08"] > size["05.2"] > size["03"]


def test_labels_never_overlap_on_the_demo(tmp_path: Path) -> None:
    from codebench.demo.build import build_demo

    build_demo(tmp_path / "demo.db")
    with Project.open(tmp_path / "demo.db") as project:
        found = theme_map(project)
    drawing = drawing_of(found)
    assert len(drawing.nodes) >= 21
    # Labels read outwards from their anchors, so anchors a line apart never overlap.
    anchors = [render_network._label_position(n)[:2] for n in drawing.nodes]
    closest = min(math.dist(a, b) for a, b in itertools.combinations(anchors, 2))
    assert closest >= 1.2 * FONT
    # Every label is inside the canvas (its length at most MAX_LABEL characters).
    for x, y in anchors:
        assert 0 < x < drawing.width and 0 < y < drawing.height


def test_hostile_names_are_escaped_in_svg(small: Project) -> None:
    code = small.code("08")
    small.db.execute("UPDATE codes SET name = ? WHERE id = ?", ['<b>&"\x07', code.id])
    root = ET.fromstring(render_map(theme_map(small), "svg"))
    assert '08 <b>&"\u2407' in {t.text for t in root.iter(f"{SVG}text")}
    assert not list(root.iter(f"{SVG}b"))
    # The PNG draws it as a literal label ($ not mathematics, the control shown).
    small.db.execute("UPDATE codes SET name = ? WHERE id = ?", ["$x^2 <b>\x07", code.id])
    assert render_map(theme_map(small), "png")[:4] == b"\x89PNG"


def test_png_is_an_image_and_byte_identical_twice(small: Project, tmp_path: Path) -> None:
    from PIL import Image

    add_relation(small, "12", "11", "contradicts")
    found = theme_map(small)
    first, second = render_map(found, "png"), render_map(theme_map(small), "png")
    assert isinstance(first, bytes) and first == second
    path = tmp_path / "map.png"
    path.write_bytes(first)
    with Image.open(path) as image:
        assert image.format == "PNG" and image.width > 500 and image.height > 500
        assert not {"Software", "Date", "Creation Time"} & set(image.info)
        # Something is drawn in a relation colour (the dashed red "contradicts").
        colours = {rgb for _, rgb in image.convert("RGB").getcolors(1 << 20)}
    assert (0xD6, 0x27, 0x28) in colours


def test_cli_writes_svg_and_png(small_path: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    for name in ("t.svg", "t.png"):
        out = tmp_path / name
        result = runner.invoke(cli, ["-p", str(small_path), "map", "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert f"8 codes, 4 edges, {name[2:]}" in result.output
    assert (tmp_path / "t.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    ET.parse(tmp_path / "t.svg")
