"""Theme maps: the codes as a network, from co-occurrence and the lead's typed relations.

Two kinds of edge join two codes:

- **co-occurrence** (undirected): the segments coded with both
  (:func:`codebench.reports.cooccurrence`), weighted by the count or a
  normalised measure (Jaccard, c, overlap); edges under ``threshold`` are
  left out;
- **relations** (directed): what the lead says links two themes ("leads to",
  "contradicts"), stored in the project (``code_relations``, migration ``0013_code_relations``) and added with
  :func:`add_relation` (one transaction, one ``relation.add`` event).

Nodes are the codes with a coded segment or a relation; each carries its
number, depth and coded segments (the co-occurrence diagonal). The map is
written as GraphML or GEXF (:mod:`codebench.reports.render_graph`), or drawn
as SVG or PNG (:mod:`codebench.reports.render_network`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from codebench.errors import CodebenchError
from codebench.reports.render_graph import GraphEdge, GraphNode, gexf, graphml
from codebench.safety import safe_text
from codebench.store import events as event_sql
from codebench.store import participants as relation_sql

if TYPE_CHECKING:
    from codebench.project import Project
    from codebench.reports.coded_units import CodedUnits

#: Edge weights a map can use.
MEASURES = ("count", "jaccard", "c", "overlap")
#: Formats a map is written in: two graph files and two pictures.
FORMATS = ("graphml", "gexf", "svg", "png")
#: The longest relation type accepted.
MAX_KIND = 60


@dataclass(frozen=True)
class Relation:
    """A typed, directed link between two codes."""

    source: str
    target: str
    kind: str
    note: str = ""
    created_by: str | None = None


def _kind(text: str) -> str:
    kind = " ".join(safe_text(text).split())
    if not kind:
        raise CodebenchError("a relation needs a type (--type 'leads to')")
    if len(kind) > MAX_KIND:
        raise CodebenchError(f"a relation type is at most {MAX_KIND} characters")
    return kind


def relations(project: Project) -> list[Relation]:
    """Every relation, in the order they were added (codes as labels)."""
    codes = {c.id: c for c in project.codes(include_archived=True)}

    def label(code_id: int) -> str:
        c = codes[code_id]
        return f"{c.number} {c.name}" if c.number else c.name

    return [
        Relation(label(r["from_code"]), label(r["to_code"]), r["kind"], r["note"], r["created_by"])
        for r in relation_sql.code_relations(project.db)
    ]


def add_relation(
    project: Project,
    source: str,
    target: str,
    kind: str,
    *,
    note: str = "",
    coder: str | None = None,
) -> bool:
    """Say that ``source`` relates to ``target`` as ``kind``; ``False`` if it was already said."""
    a, b = project.code(source), project.code(target)
    if a.id == b.id:
        raise CodebenchError("a relation joins two different codes")
    kind = _kind(kind)
    same = [
        r["kind"]
        for r in relation_sql.code_relations(project.db)
        if r["from_code"] == a.id
        and r["to_code"] == b.id
        and r["kind"].casefold() == kind.casefold()
    ]
    if same:
        return False
    who = project.coder(coder, create=True) if coder else None
    from codebench.ids import now

    note = safe_text(note).strip()
    with project.transaction():
        relation_sql.add_code_relation(
            project.db, a.id, b.id, kind, note, who.id if who else None, now()
        )
        event_sql.log(
            project.db,
            "relation.add",
            {"from": a.guid, "to": b.guid, "kind": kind, "note": note},
            coder_id=who.id if who else None,
        )
    return True


def remove_relation(
    project: Project, source: str, target: str, kind: str, *, coder: str | None = None
) -> None:
    """Remove a relation (its type matched without regard to case)."""
    a, b = project.code(source), project.code(target)
    wanted = _kind(kind).casefold()
    found = [
        r
        for r in relation_sql.code_relations(project.db)
        if r["from_code"] == a.id and r["to_code"] == b.id and r["kind"].casefold() == wanted
    ]
    if not found:
        raise CodebenchError(
            f"no relation {a.number or a.name} → {b.number or b.name} of type {kind.strip()!r}"
        )
    who = project.coder(coder, create=True) if coder else None
    with project.transaction():
        relation_sql.remove_code_relation(project.db, a.id, b.id, found[0]["kind"])
        event_sql.log(
            project.db,
            "relation.remove",
            {"from": a.guid, "to": b.guid, "kind": found[0]["kind"], "note": found[0]["note"]},
            coder_id=who.id if who else None,
        )


@dataclass(frozen=True)
class ThemeMap:
    """The network: nodes (codes) and edges (co-occurrence, relations)."""

    title: str
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    measure: str
    threshold: float


def theme_map(
    project: Project,
    coders: Sequence[str] | None = None,
    *,
    measure: str = "count",
    threshold: float = 1,
    units: CodedUnits | None = None,
    where: Sequence[str] = (),
    transcripts: Sequence[str] = (),
) -> ThemeMap:
    """The theme map (see the module docstring); co-occurrence edges weigh at least ``threshold``.

    ``where`` and ``transcripts`` scope it as they scope a report (the
    co-occurrence counted in those transcripts only); ``units``, already
    mapped codings, is for a caller that has them.
    """
    from codebench.reports import cooccurrence

    if measure not in MEASURES:
        raise CodebenchError(f"--measure is one of {', '.join(MEASURES)}, not {measure!r}")
    if units is None and (where or transcripts):
        from codebench.analysis.scope import ScopeSpec, report_units, resolve_scope

        scope = resolve_scope(project, ScopeSpec.of(where, transcripts, coders or ()))
        units = report_units(project, scope)
    report = cooccurrence(
        project, coders, normalise=None if measure == "count" else measure, units=units
    )
    ids = {c.id: f"c{c.id}" for c in report.codes}
    linked = relation_sql.code_relations(project.db)
    in_relation = {r["from_code"] for r in linked} | {r["to_code"] for r in linked}
    nodes = [
        GraphNode(
            ids[c.id],
            c.label,
            {"number": c.number or "", "depth": c.depth, "segments": int(report.counts[i][i])},
        )
        for i, c in enumerate(report.codes)
        if report.counts[i][i] or c.id in in_relation
    ]
    edges = []
    for i, a in enumerate(report.codes):
        for j in range(i + 1, len(report.codes)):
            both = int(report.counts[i][j])
            if not both:
                continue
            value = report.values[i][j] if report.values is not None else float(both)
            if value is None or value < threshold:
                continue
            edges.append(
                GraphEdge(
                    ids[a.id],
                    ids[report.codes[j].id],
                    "co-occurrence",
                    float(value),
                    data={"segments_with_both": both},
                )
            )
    known = {c.id for c in report.codes}
    for r in linked:
        if r["from_code"] in known and r["to_code"] in known:
            edges.append(
                GraphEdge(ids[r["from_code"]], ids[r["to_code"]], r["kind"], 1.0, directed=True)
            )
    title = (
        f"Theme map ({report.selection.label}; co-occurrence by {measure}, at least {threshold:g})"
    )
    return ThemeMap(title, nodes, edges, measure, threshold)


def render_map(found: ThemeMap, fmt: str) -> str | bytes:
    """``found`` as GraphML, GEXF or an SVG drawing (text), or a PNG drawing (bytes)."""
    if fmt in ("svg", "png"):
        from codebench.reports import render_network

        drawing = render_network.layout(
            found.nodes,
            found.edges,
            title=found.title,
            threshold=found.threshold,
            measure=found.measure,
        )
        return render_network.svg(drawing) if fmt == "svg" else render_network.png(drawing)
    if fmt == "graphml":
        return graphml(found.nodes, found.edges, title=found.title)
    if fmt == "gexf":
        return gexf(found.nodes, found.edges, title=found.title)
    raise CodebenchError(f"a theme map is written as {', '.join(FORMATS)}, not {fmt}")
