"""Networks as GraphML and GEXF: the two graph formats network tools open.

A pure writer: nodes and edges in, text out, nothing read from a project.
Every label and value goes through :func:`codebench.safety.xml_safe` and is
escaped, so a code named ``<b>&`` or holding a control character gives a
well-formed file. The output is deterministic (nodes and edges in the order
given, no timestamps), so the same network writes the same bytes.

Both files are undirected graphs: common readers refuse a graph that mixes
directed and undirected edges, and co-occurrence is symmetric. A directed
edge (a relation "leads to") keeps its direction as its source → target
order and says so in its ``directed`` column (``yes``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from codebench.safety import xml_safe

#: Attribute value types: GraphML's name, GEXF's name.
_TYPES = {int: ("int", "integer"), float: ("double", "double"), str: ("string", "string")}


@dataclass(frozen=True)
class GraphNode:
    id: str
    label: str
    #: Extra columns (name → int, float or str), the same names on every node.
    data: dict[str, int | float | str] = field(default_factory=dict)


@dataclass(frozen=True)
class GraphEdge:
    source: str
    target: str
    #: What the edge says: ``co-occurrence``, or a relation's type ("leads to").
    kind: str
    weight: float
    directed: bool = False
    data: dict[str, int | float | str] = field(default_factory=dict)

    @property
    def columns(self) -> dict[str, int | float | str]:
        """The edge's data columns, its direction first."""
        return {"directed": "yes" if self.directed else "no", **self.data}


def _text(value: object) -> str:
    return escape(xml_safe(str(value)))


def _attr(value: object) -> str:
    return quoteattr(xml_safe(str(value)))


def _data(item: GraphNode | GraphEdge) -> dict[str, int | float | str]:
    return item.columns if isinstance(item, GraphEdge) else item.data


def _columns(items: Sequence[GraphNode] | Sequence[GraphEdge]) -> list[tuple[str, type]]:
    """Each data column once, in first-seen order, with the Python type of its values."""
    seen: dict[str, type] = {}
    for item in items:
        for name, value in _data(item).items():
            kind = float if isinstance(value, float) else int if isinstance(value, int) else str
            if seen.get(name) is int and kind is float:
                seen[name] = float
            seen.setdefault(name, kind)
    return list(seen.items())


def graphml(nodes: Sequence[GraphNode], edges: Sequence[GraphEdge], *, title: str) -> str:
    """The network as GraphML (an undirected graph; see the module docstring)."""
    node_columns, edge_columns = _columns(nodes), _columns(edges)
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">',
        '  <key id="label" for="node" attr.name="label" attr.type="string"/>',
        *[
            f'  <key id="n_{i}" for="node" attr.name={_attr(name)} attr.type="{_TYPES[kind][0]}"/>'
            for i, (name, kind) in enumerate(node_columns)
        ],
        '  <key id="kind" for="edge" attr.name="kind" attr.type="string"/>',
        '  <key id="weight" for="edge" attr.name="weight" attr.type="double"/>',
        *[
            f'  <key id="e_{i}" for="edge" attr.name={_attr(name)} attr.type="{_TYPES[kind][0]}"/>'
            for i, (name, kind) in enumerate(edge_columns)
        ],
        f'  <graph id={_attr(title)} edgedefault="undirected">',
    ]
    for node in nodes:
        out.append(f"    <node id={_attr(node.id)}>")
        out.append(f'      <data key="label">{_text(node.label)}</data>')
        for i, (name, _) in enumerate(node_columns):
            if name in node.data:
                out.append(f'      <data key="n_{i}">{_text(node.data[name])}</data>')
        out.append("    </node>")
    for n, edge in enumerate(edges):
        out.append(f'    <edge id="e{n}" source={_attr(edge.source)} target={_attr(edge.target)}>')
        out.append(f'      <data key="kind">{_text(edge.kind)}</data>')
        out.append(f'      <data key="weight">{edge.weight!r}</data>')
        columns = edge.columns
        for i, (name, _) in enumerate(edge_columns):
            if name in columns:
                out.append(f'      <data key="e_{i}">{_text(columns[name])}</data>')
        out.append("    </edge>")
    out += ["  </graph>", "</graphml>", ""]
    return "\n".join(out)


def gexf(nodes: Sequence[GraphNode], edges: Sequence[GraphEdge], *, title: str) -> str:
    """The network as GEXF 1.3 (undirected; the edge's kind is its label)."""
    node_columns, edge_columns = _columns(nodes), _columns(edges)
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<gexf xmlns="http://gexf.net/1.3" version="1.3">',
        f"  <meta><creator>codebench</creator><description>{_text(title)}</description></meta>",
        '  <graph mode="static" defaultedgetype="undirected">',
        '    <attributes class="node">',
        *[
            f'      <attribute id="{i}" title={_attr(name)} type="{_TYPES[kind][1]}"/>'
            for i, (name, kind) in enumerate(node_columns)
        ],
        "    </attributes>",
        '    <attributes class="edge">',
        '      <attribute id="kind" title="kind" type="string"/>',
        *[
            f'      <attribute id="{i}" title={_attr(name)} type="{_TYPES[kind][1]}"/>'
            for i, (name, kind) in enumerate(edge_columns)
        ],
        "    </attributes>",
        "    <nodes>",
    ]
    for node in nodes:
        out.append(f"      <node id={_attr(node.id)} label={_attr(node.label)}>")
        out.append("        <attvalues>")
        for i, (name, _) in enumerate(node_columns):
            if name in node.data:
                out.append(f'          <attvalue for="{i}" value={_attr(node.data[name])}/>')
        out += ["        </attvalues>", "      </node>"]
    out += ["    </nodes>", "    <edges>"]
    for n, edge in enumerate(edges):
        out.append(
            f'      <edge id="{n}" source={_attr(edge.source)} target={_attr(edge.target)}'
            f' weight="{edge.weight!r}" label={_attr(edge.kind)}>'
        )
        out.append("        <attvalues>")
        out.append(f'          <attvalue for="kind" value={_attr(edge.kind)}/>')
        columns = edge.columns
        for i, (name, _) in enumerate(edge_columns):
            if name in columns:
                out.append(f'          <attvalue for="{i}" value={_attr(columns[name])}/>')
        out += ["        </attvalues>", "      </edge>"]
    out += ["    </edges>", "  </graph>", "</gexf>", ""]
    return "\n".join(out)
