"""Codebook versions as the user sees them: each version's snapshot, and what changed between two.

When a version begins is the store's rule (:mod:`codebench.store.codebook_versions`):
the first change to what the codebook says after codings were made under
the current version opens the next one; changes before anyone codes again
join the current version. Each coding carries the version it was made
under. The edits that made a version are the ``code.*`` events whose
payload names it (``codebook_version``), with the reason and the confusion
behind each (:class:`codebench.codebook.edits.EditReason`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from codebench.errors import CodebenchError
from codebench.store import codebook_versions as version_sql

if TYPE_CHECKING:
    from codebench.project import Project

#: The snapshot fields a diff reports, in the order it reports them.
DIFF_FIELDS = ("name", "number", "parent", "description", "inclusion", "exclusion", "example")
#: Event actions that change the codebook (the edits a version is made of).
EDIT_ACTIONS = ("code.add", "code.edit", "code.move", "code.merge", "code.archive", "code.restore")


@dataclass(frozen=True)
class Version:
    """One codebook version: its number, snapshot and times, and how many codings carry it."""

    number: int
    codes: tuple[dict[str, Any], ...]
    created_at: str
    updated_at: str
    codings: int


@dataclass(frozen=True)
class CodeChange:
    """One code's change between two versions."""

    guid: str
    label: str
    kind: str
    """``added``, ``changed``, ``archived``, ``restored`` or ``removed``."""
    fields: tuple[tuple[str, str, str], ...] = ()
    """``(field, before, after)`` of each changed field."""


@dataclass(frozen=True)
class Edit:
    """One logged codebook edit, with the reason and the confusion behind it."""

    at: str
    by: str | None
    action: str
    label: str
    version: int | None
    reason: str | None
    confusion: tuple[str, ...]
    """The confused codes' numbers (or names)."""
    round: int | None
    codes: tuple[str, ...] = ()
    """GUIDs of the codes the edit touched and of the codes it names in its confusion."""


def versions(project: Project) -> list[Version]:
    """Every version, oldest first."""
    counts = version_sql.codings_by_version(project.db)
    return [
        Version(number, tuple(json.loads(body)), created, updated, counts.get(number, 0))
        for number, body, created, updated in version_sql.version_rows(project.db)
    ]


def current(project: Project) -> int:
    return version_sql.current_version(project.db)


def _label(code: dict[str, Any]) -> str:
    return f"{code['number']} {code['name']}" if code.get("number") else str(code["name"])


def diff(project: Project, before: int, after: int) -> list[CodeChange]:
    """What changed in the codebook from version ``before`` to version ``after``."""
    found = {v.number: v for v in versions(project)}
    for n in (before, after):
        if n not in found:
            known = ", ".join(str(v) for v in found) or "none"
            raise CodebenchError(f"no codebook version {n} (versions: {known})")
    old = {c["guid"]: c for c in found[before].codes}
    new = {c["guid"]: c for c in found[after].codes}
    names = {**{g: _label(c) for g, c in old.items()}, **{g: _label(c) for g, c in new.items()}}
    out: list[CodeChange] = []
    for guid, code in new.items():
        was = old.get(guid)
        if was is None:
            out.append(CodeChange(guid, _label(code), "added"))
            continue
        fields = tuple(
            (f, _show(f, was.get(f), names), _show(f, code.get(f), names))
            for f in DIFF_FIELDS
            if was.get(f) != code.get(f)
        )
        if was.get("archived") != code.get("archived"):
            kind = "archived" if code.get("archived") else "restored"
            out.append(CodeChange(guid, _label(code), kind, fields))
        elif fields:
            out.append(CodeChange(guid, _label(was), "changed", fields))
    out += [CodeChange(g, _label(c), "removed") for g, c in old.items() if g not in new]
    return out


def _show(field: str, value: Any, names: dict[str, str]) -> str:
    if field == "parent":
        return names.get(value, "(top level)") if value else "(top level)"
    return "" if value is None else str(value)


def edits(project: Project) -> list[Edit]:
    """Every logged codebook edit, oldest first, with its reason, confusion and round."""
    coders = {c.id: c.name for c in project.coders()}
    every = project.codes(include_archived=True)
    labels = {c.guid: c.label for c in every}
    short = {c.guid: c.number or c.name for c in every}
    out = []
    for event in project.events(actions=EDIT_ACTIONS):
        p = event.payload
        guid = str(p.get("guid") or p.get("source") or "")
        label = labels.get(guid, guid)
        if event.action == "code.merge":
            target = str(p.get("target") or "")
            label = f"{label} into {labels.get(target, target)}"
        out.append(
            Edit(
                at=event.at,
                by=coders.get(event.coder_id) if event.coder_id is not None else None,
                action=event.action,
                label=label,
                version=p.get("codebook_version"),
                reason=p.get("reason"),
                confusion=tuple(short.get(g, g) for g in p.get("confusion", [])),
                round=p.get("round"),
                codes=tuple(
                    dict.fromkeys(g for g in (guid, p.get("target"), *p.get("confusion", [])) if g)
                ),
            )
        )
    return out
