"""Saved queries: a named query and its scope, kept in the project to run again.

A query is saved only once it has parsed and run, so a saved query never
holds a typo. Saving and deleting are logged (``query.save``,
``query.delete``), like every change to a project.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from codebench.analysis.grammar import QueryError
from codebench.analysis.scope import ScopeSpec, choices
from codebench.store import analysis as analysis_sql
from codebench.store import events as event_sql

if TYPE_CHECKING:
    from codebench.project import Project

#: Longest name for a saved query.
MAX_NAME = 100


@dataclass(frozen=True)
class SavedQuery:
    name: str
    expression: str
    scope: ScopeSpec
    created_at: str = ""
    updated_at: str = ""


def saved_queries(project: Project) -> list[SavedQuery]:
    """Every saved query, by name."""
    return [
        SavedQuery(
            q["name"],
            q["expression"],
            ScopeSpec.from_dict(q["scope"]),
            q["created_at"],
            q["updated_at"],
        )
        for q in analysis_sql.saved_queries(project.db)
    ]


def saved_query(project: Project, name: str) -> SavedQuery:
    """The saved query ``name`` (any case), or a one-line error naming the saved queries."""
    for query in saved_queries(project):
        if query.name.casefold() == name.strip().casefold():
            return query
    names = [q.name for q in saved_queries(project)]
    raise QueryError(f"no saved query {name!r} (saved queries: {choices(names)})")


def save_query(project: Project, name: str, expression: str, scope: ScopeSpec) -> bool:
    """Save (or replace) ``name``; ``True`` when it replaced a saved query."""
    name = name.strip()
    if not name or len(name) > MAX_NAME or any(not c.isprintable() for c in name):
        raise QueryError(f"a saved query needs a name of 1 to {MAX_NAME} printable characters")
    existing = next(
        (q for q in saved_queries(project) if q.name.casefold() == name.casefold()), None
    )
    name = existing.name if existing else name
    with project.transaction():
        replaced = analysis_sql.save_query(project.db, name, expression, scope.to_dict())
        event_sql.log(
            project.db,
            "query.save",
            {
                "name": name,
                "expression": expression,
                "scope": scope.to_dict(),
                "replaced": replaced,
            },
        )
    return replaced


def delete_query(project: Project, name: str) -> None:
    query = saved_query(project, name)
    with project.transaction():
        analysis_sql.delete_query(project.db, query.name)
        event_sql.log(
            project.db, "query.delete", {"name": query.name, "expression": query.expression}
        )
