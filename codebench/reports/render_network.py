"""Networks drawn as pictures (SVG, PNG): the theme map a lead puts in a paper.

One layout, two painters. The layout is ours and deterministic (no random
seed, no network): the nodes sit on a circle in the order given (codebook
order), grouped by top-level code with an empty slot between groups, so a
theme's children sit together. Labels run outwards along each node's radius,
so two labels never overlap however many codes there are (neighbouring
labels are one slot apart along the circle, more than a line's height).

- node area grows with the node's ``segments`` (its coded segments);
- an undirected edge (co-occurrence) is a grey line whose width grows with
  its weight above the map's threshold;
- a directed edge (a relation "leads to") is a dashed line with an arrow,
  one colour per relation type, named in the legend.

The SVG is written here, every label through :func:`codebench.safety.xml_safe`
and escaped. The PNG is drawn by matplotlib from the same layout and written
by :func:`codebench.reports.render_charts.figure_bytes`, which leaves out the
date and software stamps, so building twice gives the same bytes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from codebench.reports.render_graph import GraphEdge, GraphNode
from codebench.safety import xml_safe

#: Group colours (top-level codes), reused in turn.
PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#e15759",
    "#76b7b2",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)
#: Relation-type colours, one per type in first-seen order.
RELATION_COLOURS = ("#d62728", "#9467bd", "#2ca02c", "#8c564b", "#e377c2", "#17becf")
EDGE_COLOUR = "#8c8c8c"
#: Labels longer than this are cut with an ellipsis.
MAX_LABEL = 44
FONT = 12
#: A rough advance of one character at :data:`FONT` (for the canvas size only).
CHAR = 0.6 * FONT
MIN_RADIUS, MAX_RADIUS = 4.0, 16.0
MIN_WIDTH, MAX_WIDTH = 1.0, 7.0


@dataclass(frozen=True)
class PlacedNode:
    id: str
    label: str
    x: float
    y: float
    radius: float
    colour: str
    #: The direction from the centre, in degrees (0 = right, clockwise, SVG's y down).
    angle: float


@dataclass(frozen=True)
class PlacedEdge:
    source: PlacedNode
    target: PlacedNode
    width: float
    directed: bool
    kind: str
    colour: str


@dataclass(frozen=True)
class Drawing:
    """A laid-out network in pixel coordinates (origin top left, y down)."""

    title: str
    width: float
    height: float
    nodes: list[PlacedNode]
    edges: list[PlacedEdge]
    #: ``(relation type, colour)`` in first-seen order.
    relation_kinds: list[tuple[str, str]]
    #: What the node size and the line width stand for.
    size_note: str
    width_note: str


def _group(node: GraphNode) -> str:
    number = str(node.data.get("number") or "")
    return number.split(".")[0] if number else node.label


def _short(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def layout(
    nodes: Sequence[GraphNode],
    edges: Sequence[GraphEdge],
    *,
    title: str,
    threshold: float,
    measure: str,
) -> Drawing:
    """Place ``nodes`` on a circle, grouped by top-level code (see the module docstring)."""
    groups: list[str] = []
    slots: list[int] = []
    slot = 0
    for node in nodes:
        group = _group(node)
        if groups and group != groups[-1]:
            slot += 1  # a gap between groups
        groups.append(group)
        slots.append(slot)
        slot += 1
    total = max(slot + (1 if len(set(groups)) > 1 else 0), 1)
    # Neighbouring labels one slot apart need at least 1.6 lines between their anchors.
    ring = max(140.0, 1.6 * FONT * 1.6 * total / (2 * math.pi), 2.2 * MAX_RADIUS * total / math.pi)
    label_room = max((len(_short(n.label)) for n in nodes), default=0) * CHAR
    margin = ring + MAX_RADIUS + 8 + label_room + 16
    legend_height = 24 + 18 * (3 + len({e.kind for e in edges if e.directed}))
    width = 2 * margin
    height = 2 * margin + legend_height + 30
    cx, cy = margin, margin + 30
    top = max((int(n.data.get("segments", 0) or 0) for n in nodes), default=0) or 1
    colours: dict[str, str] = {}
    placed: dict[str, PlacedNode] = {}
    for node, group, at in zip(nodes, groups, slots):
        colours.setdefault(group, PALETTE[len(colours) % len(PALETTE)])
        angle = -90.0 + 360.0 * at / total
        segments = int(node.data.get("segments", 0) or 0)
        radius = MIN_RADIUS + (MAX_RADIUS - MIN_RADIUS) * math.sqrt(segments / top)
        placed[node.id] = PlacedNode(
            node.id,
            _short(node.label),
            round(cx + ring * math.cos(math.radians(angle)), 2),
            round(cy + ring * math.sin(math.radians(angle)), 2),
            round(radius, 2),
            colours[group],
            angle,
        )
    weights = [e.weight for e in edges if not e.directed]
    low, high = threshold, max(weights, default=threshold)
    kinds: dict[str, str] = {}
    drawn = []
    for edge in edges:
        if edge.source not in placed or edge.target not in placed:
            continue
        if edge.directed:
            kinds.setdefault(edge.kind, RELATION_COLOURS[len(kinds) % len(RELATION_COLOURS)])
            colour, line = kinds[edge.kind], 2.0
        else:
            share = (edge.weight - low) / (high - low) if high > low else 0.5
            colour = EDGE_COLOUR
            line = MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * min(max(share, 0.0), 1.0)
        drawn.append(
            PlacedEdge(
                placed[edge.source],
                placed[edge.target],
                round(line, 2),
                edge.directed,
                edge.kind,
                colour,
            )
        )
    # Thin lines under thick ones, relations on top.
    drawn.sort(key=lambda e: (e.directed, e.width))
    return Drawing(
        title,
        round(width, 1),
        round(height, 1),
        list(placed.values()),
        drawn,
        list(kinds.items()),
        f"Circle area: coded segments (largest {top})",
        f"Line width: co-occurrence by {measure}, from {threshold:g} to {high:g}",
    )


def _arrow_points(edge: PlacedEdge) -> tuple[float, float, list[tuple[float, float]]]:
    """Where a directed edge's line ends (at the target's rim) and its arrowhead's corners."""
    a, b = edge.source, edge.target
    dx, dy = b.x - a.x, b.y - a.y
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    tip_x, tip_y = b.x - ux * (b.radius + 2), b.y - uy * (b.radius + 2)
    size = 10.0
    base_x, base_y = tip_x - ux * size, tip_y - uy * size
    left = (base_x - uy * size * 0.45, base_y + ux * size * 0.45)
    right = (base_x + uy * size * 0.45, base_y - ux * size * 0.45)
    return base_x, base_y, [(tip_x, tip_y), left, right]


def _label_position(node: PlacedNode) -> tuple[float, float, float, str]:
    """``(x, y, rotation in degrees, anchor)`` of a node's label, reading outwards."""
    gap = node.radius + 6
    x = node.x + gap * math.cos(math.radians(node.angle))
    y = node.y + gap * math.sin(math.radians(node.angle))
    if 90 < node.angle <= 270 or node.angle < -90:
        return x, y, node.angle - 180, "end"  # the left half: flipped to read left to right
    return x, y, node.angle, "start"


def _t(value: object) -> str:
    return escape(xml_safe(str(value)))


def _f(value: float) -> str:
    return f"{value:.1f}"


def svg(drawing: Drawing) -> str:
    """The drawing as a standalone SVG document (no scripts, no links, nothing loaded)."""
    d = drawing
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_f(d.width)}" height="{_f(d.height)}"'
        f' viewBox="0 0 {_f(d.width)} {_f(d.height)}" font-family="DejaVu Sans, Arial, sans-serif"'
        f' font-size="{FONT}">',
        f"<title>{_t(d.title)}</title>",
        f'<rect width="{_f(d.width)}" height="{_f(d.height)}" fill="#ffffff"/>',
        f'<text x="12" y="22" font-size="{FONT + 2}" font-weight="bold">{_t(d.title)}</text>',
    ]
    for e in d.edges:
        if e.directed:
            end_x, end_y, head = _arrow_points(e)
            points = " ".join(f"{_f(x)},{_f(y)}" for x, y in head)
            out.append(
                f'<line x1="{_f(e.source.x)}" y1="{_f(e.source.y)}" x2="{_f(end_x)}" y2="{_f(end_y)}"'
                f' stroke={quoteattr(e.colour)} stroke-width="{e.width}" stroke-dasharray="6 4">'
                f"<title>{_t(e.source.label)} {_t(e.kind)} {_t(e.target.label)}</title></line>"
            )
            out.append(f'<polygon points="{points}" fill={quoteattr(e.colour)}/>')
        else:
            out.append(
                f'<line x1="{_f(e.source.x)}" y1="{_f(e.source.y)}" x2="{_f(e.target.x)}" y2="{_f(e.target.y)}"'
                f' stroke="{EDGE_COLOUR}" stroke-opacity="0.7" stroke-width="{e.width}" stroke-linecap="round"/>'
            )
    for n in d.nodes:
        x, y, rotation, anchor = _label_position(n)
        out.append(
            f'<circle cx="{_f(n.x)}" cy="{_f(n.y)}" r="{n.radius}" fill={quoteattr(n.colour)}'
            f' stroke="#ffffff" stroke-width="1"><title>{_t(n.label)}</title></circle>'
        )
        out.append(
            f'<text x="{_f(x)}" y="{_f(y)}" text-anchor="{anchor}" dominant-baseline="central"'
            f' transform="rotate({_f(rotation)} {_f(x)} {_f(y)})">{_t(n.label)}</text>'
        )
    out += _svg_legend(d)
    out += ["</svg>", ""]
    return "\n".join(out)


def _legend_rows(d: Drawing) -> list[tuple[str, str, str]]:
    """``(kind of mark, colour, text)`` per legend row."""
    rows = [("node", PALETTE[0], d.size_note), ("line", EDGE_COLOUR, d.width_note)]
    rows += [
        ("relation", colour, f"Relation: {kind} (arrow: from → to)")
        for kind, colour in d.relation_kinds
    ]
    return rows


def _svg_legend(d: Drawing) -> list[str]:
    top = d.height - 18 * len(_legend_rows(d)) - 16
    out = []
    for i, (mark, colour, text) in enumerate(_legend_rows(d)):
        y = top + 18 * i
        if mark == "node":
            out.append(f'<circle cx="22" cy="{_f(y)}" r="6" fill="{colour}"/>')
        elif mark == "line":
            out.append(
                f'<line x1="12" y1="{_f(y)}" x2="34" y2="{_f(y)}" stroke="{colour}" stroke-width="3"/>'
            )
        else:
            out.append(
                f'<line x1="12" y1="{_f(y)}" x2="34" y2="{_f(y)}" stroke={quoteattr(colour)}'
                ' stroke-width="2" stroke-dasharray="6 4"/>'
            )
        out.append(f'<text x="42" y="{_f(y)}" dominant-baseline="central">{_t(text)}</text>')
    return out


def png(drawing: Drawing) -> bytes:
    """The drawing as PNG bytes (matplotlib, same layout; no date or software stamp)."""
    from codebench.reports.render_charts import _label, _pyplot, figure_bytes

    plt = _pyplot()
    d = drawing
    scale = 100.0  # pixels per inch in the figure's own size
    figure = plt.figure(figsize=(d.width / scale, d.height / scale))
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(0, d.width)
    axes.set_ylim(d.height, 0)
    axes.set_axis_off()
    points = 72.0 / scale  # one pixel of the layout in points
    axes.text(
        12, 22, _label(d.title), fontsize=(FONT + 2) * points, fontweight="bold", va="baseline"
    )
    for e in d.edges:
        if e.directed:
            end_x, end_y, head = _arrow_points(e)
            axes.plot(
                [e.source.x, end_x],
                [e.source.y, end_y],
                color=e.colour,
                linewidth=e.width * points,
                linestyle=(0, (3, 2)),
                zorder=2,
            )
            axes.add_patch(plt.Polygon(head, closed=True, color=e.colour, zorder=2))
        else:
            axes.plot(
                [e.source.x, e.target.x],
                [e.source.y, e.target.y],
                color=EDGE_COLOUR,
                alpha=0.7,
                linewidth=e.width * points,
                solid_capstyle="round",
                zorder=1,
            )
    for n in d.nodes:
        axes.add_patch(
            plt.Circle((n.x, n.y), n.radius, facecolor=n.colour, edgecolor="white", zorder=3)
        )
        x, y, rotation, anchor = _label_position(n)
        axes.text(
            x,
            y,
            _label(n.label),
            fontsize=FONT * points,
            rotation=-rotation,
            rotation_mode="anchor",
            ha="left" if anchor == "start" else "right",
            va="center",
            zorder=4,
        )
    rows = _legend_rows(d)
    top = d.height - 18 * len(rows) - 16
    for i, (mark, colour, text) in enumerate(rows):
        y = top + 18 * i
        if mark == "node":
            axes.add_patch(plt.Circle((22, y), 6, color=colour))
        else:
            axes.plot(
                [12, 34],
                [y, y],
                color=colour,
                linewidth=(3 if mark == "line" else 2) * points,
                linestyle="solid" if mark == "line" else (0, (3, 2)),
            )
        axes.text(42, y, _label(text), fontsize=FONT * points, va="center")
    return figure_bytes(plt, figure, "png")
