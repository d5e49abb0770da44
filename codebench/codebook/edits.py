"""Editing the codebook inside a project: add, edit, move, merge, archive, restore.

Each function is one user action: one transaction and one event in the log
(``code.add``, ``code.edit``, ``code.move``, ``code.merge``, ``code.archive``,
``code.restore``). Payloads name codes by GUID and carry the values before and
after the change, so the log alone tells who changed what. Codes keep their
GUID for life: renaming or moving a code never changes it, so codings, merges
between project files and REFI-QDA exports still match.

Codes are never deleted: archiving hides a code (and the codes below it) from
the picker and the tree but keeps its codings; merging recodes one code's
codings as another's and archives the emptied code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from codebench.codebook.format import COLOUR
from codebench.errors import CodebookError
from codebench.ids import new_guid, stable_guid
from codebench.models import Code, Coder
from codebench.nesting import MAX_CODE_DEPTH
from codebench.safety import safe_text
from codebench.store import codes as code_sql
from codebench.store import codings as coding_sql
from codebench.store import events as event_sql
from codebench.wording import plural

if TYPE_CHECKING:
    from codebench.project import Project

#: Fields :func:`edit_code` may change (the store's list of a code's editable columns).
EDITABLE_FIELDS = code_sql.EDITABLE
TEXT_FIELDS = ("description", "inclusion", "exclusion", "example")

CodeRef = Code | str | int


@dataclass(frozen=True)
class EditReason:
    """Why a codebook edit was made: a written reason, and the confusion and round behind it.

    A reliability round shows which codes coders confused; the edit that
    answers a confusion says so, so the methods appendix can list, for each
    code below threshold, what was done about it. Stored in the edit's event
    payload (``reason``, ``confusion``, ``round``), never in a table of its own.
    """

    reason: str = ""
    confusion: tuple[str, str] | None = None
    """The two codes (numbers, names or GUIDs) whose confusion prompted the edit."""
    round: int | None = None
    """The number of the round that showed it."""


def _reason_payload(project: Project, why: EditReason | None) -> dict[str, Any]:
    """The payload keys an edit carries for its reason, and the codebook version it made.

    Every edit records ``codebook_version`` (the version the codebook is at
    after it, see :mod:`codebench.store.codebook_versions`), so the edits that
    made a version can be listed beside its snapshot.
    """
    from codebench.store import codebook_versions as version_sql
    from codebench.store import rounds as round_sql

    out: dict[str, Any] = {"codebook_version": version_sql.current_version(project.db)}
    if why is None:
        return out
    reason = safe_text(" ".join((why.reason or "").split()))
    if reason:
        out["reason"] = reason
    if why.confusion is not None:
        pair = [_fresh(project, ref) for ref in why.confusion]
        if pair[0].id == pair[1].id:
            raise CodebookError(f"--confusion names {pair[0].label!r} twice: name two codes")
        out["confusion"] = [c.guid for c in pair]
        out["confusion_labels"] = [c.label for c in pair]
    if why.round is not None:
        if not round_sql.round_exists(project.db, why.round):
            raise CodebookError(f"--round {why.round}: no such round (see `codebench round list`)")
        out["round"] = why.round
    return out


@dataclass(frozen=True)
class MergePreview:
    """What :func:`merge_codes` would do, for the confirmation prompt."""

    source: Code
    target: Code
    codings: int
    """Codings of ``source`` that will be recoded (duplicates included)."""
    duplicates: int
    """Of those, codings ``target`` already has (same coder and span): dropped, not doubled."""
    children: int
    """Direct sub-codes of ``source`` that will move under ``target``."""

    @property
    def moved(self) -> int:
        return self.codings - self.duplicates


# ---------------------------------------------------------------------------- reading


def coding_counts(project: Project, *, coder: str | Coder | None = None) -> dict[int, int]:
    """Codings per code id (all coders, or one coder's)."""
    coder_ids = [project.coder(coder).id] if coder is not None else None
    return code_sql.coding_counts(project.db, coder_ids=coder_ids)


def descendants(project: Project, code: CodeRef) -> list[Code]:
    """Every code below ``code`` (archived included)."""
    return [
        project.code_by_id(i) for i in code_sql.descendant_ids(project.db, _fresh(project, code).id)
    ]


def suggest_number(project: Project, parent: CodeRef | None) -> str | None:
    """The next free number for a new code under ``parent``.

    Children of ``13`` with ``13.1``…``13.4`` get ``13.5``; top-level codes
    ``01``…``21`` get ``22`` (zero-padded like their siblings). ``None`` when
    the parent has no number to extend.
    """
    parent_code = _fresh(project, parent) if parent is not None else None
    siblings = code_sql.child_codes(project.db, parent_code.id if parent_code else None)
    if parent_code is not None:
        if not parent_code.number:
            return None
        prefix = parent_code.number + "."
        width = 1
    else:
        prefix = ""
        width = max((len(c.number) for c in siblings if c.number and c.number.isdigit()), default=2)
    taken = [
        int(c.number[len(prefix) :])
        for c in siblings
        if c.number and c.number.startswith(prefix) and c.number[len(prefix) :].isdigit()
    ]
    n = max(taken, default=0) + 1
    while code_sql.code_by_number(project.db, f"{prefix}{n:0{width}d}") is not None:
        n += 1
    return f"{prefix}{n:0{width}d}"


def merge_preview(project: Project, source: CodeRef, target: CodeRef) -> MergePreview:
    """Check a merge is allowed and count what it will change (nothing is written)."""
    src, dst = _fresh(project, source), _fresh(project, target)
    _check_merge(project, src, dst)
    codings, duplicates = code_sql.count_merge(project.db, src.id, dst.id)
    children = len(code_sql.child_codes(project.db, src.id))
    return MergePreview(src, dst, codings, duplicates, children)


# ---------------------------------------------------------------------------- edits


def add_code(
    project: Project,
    coder: str | Coder,
    name: str,
    *,
    parent: CodeRef | None = None,
    number: str | None = None,
    description: str = "",
    inclusion: str = "",
    exclusion: str = "",
    example: str = "",
    colour: str | None = None,
    why: EditReason | None = None,
) -> Code:
    """Add a code under ``parent`` (``None``: top level), after its last sibling.

    ``number=None`` picks the next free number (:func:`suggest_number`);
    ``number=""`` adds the code without a number. The GUID is derived from the
    name path, as the codebook loader does, unless that GUID is taken (by an
    archived or renamed code), in which case it is random.
    """
    k = project.coder(coder, create=True)
    with project.transaction():
        parent_code = _fresh(project, parent) if parent is not None else None
        if parent_code is not None and parent_code.archived:
            raise CodebookError(
                f"cannot add under {parent_code.label!r}: it is archived (restore it first)"
            )
        parent_id = parent_code.id if parent_code else None
        name = _check_name(project, name, parent_id)
        _check_depth(project, parent_code, 1, name)
        if number is None:
            number = suggest_number(project, parent_code)
        values: dict[str, Any] = {
            "name": name,
            "number": _check_number(project, number),
            **{
                f: safe_text((v or "").strip())
                for f, v in zip(TEXT_FIELDS, (description, inclusion, exclusion, example))
            },
            "colour": _check_colour(colour),
        }
        path = [c.name for c in project.code_path(parent_code)] if parent_code else []
        guid = stable_guid("code", *path, name)
        if code_sql.code_by_guid(project.db, guid) is not None:
            guid = new_guid()
        code_id = code_sql.insert_code(project.db, {"guid": guid, "parent_id": parent_id, **values})
        event_sql.log(
            project.db,
            "code.add",
            {
                "guid": guid,
                "parent": parent_code.guid if parent_code else None,
                "after": values,
                **_reason_payload(project, why),
            },
            coder_id=k.id,
        )
    return project.code_by_id(code_id)


def edit_code(
    project: Project,
    coder: str | Coder,
    code: CodeRef,
    *,
    why: EditReason | None = None,
    **fields: Any,
) -> Code:
    """Change a code's name, number, guidance texts, colour or shortcut.

    Only fields that actually change are written and logged (``before`` and
    ``after``); an edit that changes nothing writes no event. The GUID never
    changes. ``why`` records the reason and the confusion behind the edit.
    """
    unknown = sorted(set(fields) - set(EDITABLE_FIELDS))
    if unknown:
        raise CodebookError(
            f"cannot edit {', '.join(unknown)} (editable: {', '.join(EDITABLE_FIELDS)})"
        )
    k = project.coder(coder, create=True)
    with project.transaction():
        current = _fresh(project, code)
        values: dict[str, Any] = {}
        for field, value in fields.items():
            if field == "name":
                value = _check_name(project, value, current.parent_id, exclude_id=current.id)
            elif field == "number":
                value = _check_number(project, value, exclude_id=current.id)
            elif field == "colour":
                value = _check_colour(value)
            elif field == "shortcut":
                value = (value or "").strip() or None
            else:
                value = safe_text((value or "").strip())  # a paste may carry controls
            if value != getattr(current, field):
                values[field] = value
        if not values:
            return current
        code_sql.update_code(project.db, current.id, values)
        event_sql.log(
            project.db,
            "code.edit",
            {
                "guid": current.guid,
                "before": {f: getattr(current, f) for f in values},
                "after": values,
                **_reason_payload(project, why),
            },
            coder_id=k.id,
        )
    return project.code_by_id(current.id)


def move_code(
    project: Project,
    coder: str | Coder,
    code: CodeRef,
    new_parent: CodeRef | None,
    position: int | None = None,
) -> Code:
    """Move a code (with everything below it) under ``new_parent`` (``None``: top level).

    ``position`` is its index among the new siblings (``None``: last). Moving
    a code under itself or under one of its own sub-codes is refused. The code
    keeps its number and GUID; edit the number if the new place calls for one.
    """
    k = project.coder(coder, create=True)
    with project.transaction():
        current = _fresh(project, code)
        parent_code = _fresh(project, new_parent) if new_parent is not None else None
        if parent_code is not None:
            if parent_code.id == current.id or parent_code.id in code_sql.descendant_ids(
                project.db, current.id
            ):
                raise CodebookError(
                    f"cannot move {current.label!r} under {parent_code.label!r}: a code cannot sit below itself"
                )
            if parent_code.archived:
                raise CodebookError(
                    f"cannot move {current.label!r} under {parent_code.label!r}: it is archived (restore it first)"
                )
            _check_depth(project, parent_code, _height(project, current), current.label)
        parent_id = parent_code.id if parent_code else None
        if parent_id != current.parent_id:
            clash = code_sql.sibling_named(
                project.db, parent_id, current.name, exclude_id=current.id
            )
            if clash is not None:
                where = f"under {parent_code.label!r}" if parent_code else "at the top level"
                raise CodebookError(
                    f"cannot move {current.label!r}: there is already a code named {clash.name!r} {where}"
                )
        old_parent = (
            project.code_by_id(current.parent_id) if current.parent_id is not None else None
        )
        siblings_now = [c.id for c in code_sql.child_codes(project.db, current.parent_id)]
        new_siblings = [
            c.id for c in code_sql.child_codes(project.db, parent_id) if c.id != current.id
        ]
        index = len(new_siblings) if position is None else max(0, min(position, len(new_siblings)))
        if parent_id == current.parent_id and siblings_now.index(current.id) == index:
            return current  # already there: nothing to record
        _place(project, current, parent_id, index)
        event_sql.log(
            project.db,
            "code.move",
            {
                "guid": current.guid,
                "before": {
                    "parent": old_parent.guid if old_parent else None,
                    "position": current.position,
                },
                "after": {"parent": parent_code.guid if parent_code else None, "position": index},
            },
            coder_id=k.id,
        )
    return project.code_by_id(current.id)


def _place(project: Project, current: Code, parent_id: int | None, index: int) -> None:
    """Put ``current`` at ``index`` among the children of ``parent_id``, renumbering positions.

    Runs inside the caller's transaction, after its checks (a move, or
    undoing one).
    """
    new_siblings = [c.id for c in code_sql.child_codes(project.db, parent_id) if c.id != current.id]
    index = max(0, min(index, len(new_siblings)))
    new_siblings.insert(index, current.id)
    code_sql.update_code(project.db, current.id, {"parent_id": parent_id})
    if parent_id != current.parent_id:
        code_sql.set_positions(
            project.db,
            [
                c.id
                for c in code_sql.child_codes(project.db, current.parent_id)
                if c.id != current.id
            ],
        )
    code_sql.set_positions(project.db, new_siblings)


def place_code(project: Project, code: Code, parent: Code | None, index: int) -> None:
    """Put a code back at ``index`` under ``parent`` without logging (undoing or redoing a move).

    Runs inside the caller's transaction. Refused when a sibling there now
    has the code's name.
    """
    parent_id = parent.id if parent is not None else None
    if parent_id != code.parent_id:
        clash = code_sql.sibling_named(project.db, parent_id, code.name, exclude_id=code.id)
        if clash is not None:
            raise CodebookError(
                f"cannot move {code.label!r} back: there is already a code named {clash.name!r} there"
            )
    _place(project, code, parent_id, index)


def merge_codes(
    project: Project,
    coder: str | Coder,
    source: CodeRef,
    target: CodeRef,
    *,
    why: EditReason | None = None,
) -> int:
    """Fold ``source`` into ``target``; returns how many codings were recoded.

    Every coding of ``source`` becomes a coding of ``target`` (a coding
    ``target`` already has for the same coder and span is dropped rather than
    doubled, and its memos move to the surviving coding). Sub-codes of
    ``source`` move under ``target`` with their own codings. ``source`` is
    then archived, so its GUID and history remain. Front ends must confirm
    first (see :func:`merge_preview`). The event records the dropped
    duplicates and the moved memos as well, so the merge can be undone
    (:func:`unfold_code`).
    """
    k = project.coder(coder, create=True)
    with project.transaction():
        src, dst = _fresh(project, source), _fresh(project, target)
        _check_merge(project, src, dst)
        children = code_sql.child_codes(project.db, src.id)
        before = code_sql.codings_of_code(project.db, src.id)
        # What undoing the merge needs beyond the codings: which were dropped, which memos moved.
        duplicates = code_sql.merge_duplicates(project.db, src.id, dst.id)
        memos = code_sql.memo_guids_of_code(project.db, src.id)
        moved, dropped = fold_code(project, src, dst)
        event_sql.log(
            project.db,
            "code.merge",
            {
                "source": src.guid,
                "target": dst.guid,
                "codings": before,
                "moved": moved,
                "duplicates": dropped,
                "duplicate_codings": duplicates,
                "memos": memos,
                "children": [c.guid for c in children],
                "before": {"archived": src.archived},
                "after": {"archived": True},
                **_reason_payload(project, why),
            },
            coder_id=k.id,
        )
    return moved


def fold_code(project: Project, src: Code, dst: Code) -> tuple[int, int]:
    """The merge itself, unlogged (merging, or redoing a merge): returns ``(moved, dropped)``.

    Runs inside the caller's transaction, after :func:`_check_merge`.
    """
    children = code_sql.child_codes(project.db, src.id)
    for child in children:
        clash = code_sql.sibling_named(project.db, dst.id, child.name)
        if clash is not None:
            raise CodebookError(
                f"cannot merge: {dst.label!r} already has a sub-code named {clash.name!r}, and so does"
                f" {src.label!r} (rename or merge one of them first)"
            )
    moved, dropped = code_sql.merge_codings(project.db, src.id, dst.id)
    kept = [c.id for c in code_sql.child_codes(project.db, dst.id)]
    for child in children:
        code_sql.update_code(project.db, child.id, {"parent_id": dst.id})
    code_sql.set_positions(project.db, kept + [c.id for c in children])
    code_sql.set_archived(project.db, [src.id], True)
    code_sql.set_merged_into(project.db, src.id, dst.id)
    return moved, dropped


def unfold_code(project: Project, payload: dict[str, Any]) -> None:
    """Undo a logged merge: the source's codings, memos and sub-codes back, the source restored.

    Runs inside the caller's transaction. ``payload`` is the ``code.merge``
    event's (it must carry ``duplicate_codings``, as merges logged since
    undo covered them do).
    """
    src = _by_guid(project, payload["source"])
    dst = _by_guid(project, payload["target"])
    code_sql.set_archived(project.db, [src.id], bool(payload["before"]["archived"]))
    code_sql.set_merged_into(project.db, src.id, None)
    children = [_by_guid(project, guid) for guid in payload["children"]]
    for child in children:
        code_sql.update_code(project.db, child.id, {"parent_id": src.id})
    code_sql.set_positions(project.db, [c.id for c in children])
    code_sql.set_positions(project.db, [c.id for c in code_sql.child_codes(project.db, dst.id)])
    coders = {c.guid: c.id for c in project.coders()}
    transcripts = {t.guid: t.id for t in project.transcripts()}
    dropped = {
        (d["coder"], d["transcript"], d["start"], d["end"]): d["memos"]
        for d in payload["duplicate_codings"]
    }
    code_sql.repoint_memos(project.db, payload.get("memos", []), code_id=src.id)
    for record in payload["codings"]:
        coder_id = coders.get(record["coder"])
        transcript_id = transcripts.get(record["transcript"])
        if coder_id is None or transcript_id is None:
            continue  # its transcript was removed since: nothing to give back
        key = (record["coder"], record["transcript"], record["start"], record["end"])
        if key in dropped:
            coding_sql.insert_coding(
                project.db, coder_id, src.id, transcript_id, record["start"], record["end"]
            )
            found = coding_sql.find_coding(
                project.db, coder_id, src.id, transcript_id, record["start"], record["end"]
            )
            if found is not None:
                code_sql.repoint_memos(project.db, dropped[key], code_id=src.id, coding_id=found.id)
        else:
            code_sql.recode_coding(
                project.db, coder_id, transcript_id, record["start"], record["end"], dst.id, src.id
            )


def _by_guid(project: Project, guid: str) -> Code:
    found = code_sql.code_by_guid(project.db, guid)
    if found is None:
        raise CodebookError("a code of that merge no longer exists")
    return found


def archive_code(project: Project, coder: str | Coder, code: CodeRef) -> Code:
    """Archive a code and every code below it; their codings stay in the project.

    Archived codes disappear from the picker and the codebook tree (unless
    archived codes are shown) and cannot be applied; restore brings them back.
    """
    k = project.coder(coder, create=True)
    with project.transaction():
        current = _fresh(project, code)
        if current.archived:
            raise CodebookError(f"{current.label!r} is already archived")
        _set_subtree_archived(project, k, current, True, "code.archive")
    return project.code_by_id(current.id)


def restore_code(project: Project, coder: str | Coder, code: CodeRef) -> Code:
    """Bring an archived code (and the archived codes below it) back into use.

    Refused while its parent is archived: restore the parent first.
    """
    k = project.coder(coder, create=True)
    with project.transaction():
        current = _fresh(project, code)
        if not current.archived:
            raise CodebookError(f"{current.label!r} is not archived")
        if current.parent_id is not None:
            parent = project.code_by_id(current.parent_id)
            if parent.archived:
                raise CodebookError(
                    f"cannot restore {current.label!r}: its parent {parent.label!r} is archived (restore it first)"
                )
        _set_subtree_archived(project, k, current, False, "code.restore")
    return project.code_by_id(current.id)


def _set_subtree_archived(
    project: Project, k: Coder, current: Code, archived: bool, event: str
) -> None:
    """Flip ``current`` and the codes below it that are not yet in the ``archived`` state, and log it.

    Archive and restore are the same subtree walk in opposite directions;
    codes already in the target state are left out of the change and of the
    event, so undoing it touches only what this edit changed. Runs inside the
    caller's transaction, after the caller's checks.
    """
    below = [project.code_by_id(i) for i in code_sql.descendant_ids(project.db, current.id)]
    changed = [current, *(c for c in below if c.archived != archived)]
    code_sql.set_archived(project.db, [c.id for c in changed], archived)
    event_sql.log(
        project.db,
        event,
        {
            "guid": current.guid,
            "codes": [c.guid for c in changed],
            "before": {"archived": not archived},
            "after": {"archived": archived},
        },
        coder_id=k.id,
    )


# ---------------------------------------------------------------------------- checks


def _check_depth(project: Project, parent: Code | None, levels: int, label: str) -> None:
    """Refuse an edit that would put codes more than :data:`MAX_CODE_DEPTH`
    levels deep: imports refuse such trees, and exports and views recurse."""
    depth = (len(project.code_path(parent)) if parent is not None else 0) + levels
    if depth > MAX_CODE_DEPTH:
        raise CodebookError(
            f"cannot put {label!r} there: codes would sit {plural(depth, 'level')} deep "
            f"(at most {MAX_CODE_DEPTH})"
        )


def _height(project: Project, code: Code) -> int:
    """Levels in ``code``'s subtree, itself included (counted without recursion)."""
    children: dict[int | None, list[int]] = {}
    for c in code_sql.list_codes(project.db, include_archived=True):
        children.setdefault(c.parent_id, []).append(c.id)
    level, frontier = 0, [code.id]
    while frontier:
        level += 1
        frontier = [child for node in frontier for child in children.get(node, [])]
    return level


def _fresh(project: Project, ref: CodeRef) -> Code:
    """The code as stored now (a ``Code`` passed in may be stale)."""
    if isinstance(ref, Code):
        return project.code_by_id(ref.id)
    return project.code(ref)


def _check_name(
    project: Project, name: str | None, parent_id: int | None, *, exclude_id: int | None = None
) -> str:
    name = safe_text(" ".join((name or "").split()))
    if not name:
        raise CodebookError("a code needs a name")
    clash = code_sql.sibling_named(project.db, parent_id, name, exclude_id=exclude_id)
    if clash is not None:
        where = "at the top level"
        if parent_id is not None:
            where = f"under {project.code_by_id(parent_id).label!r}"
        archived = " (archived)" if clash.archived else ""
        raise CodebookError(f"there is already a code named {clash.name!r}{archived} {where}")
    return name


def _check_number(
    project: Project, number: str | None, *, exclude_id: int | None = None
) -> str | None:
    number = (number or "").strip() or None
    if number is None:
        return None
    if any(ch.isspace() for ch in number):
        raise CodebookError(f"code number {number!r} must not contain spaces")
    clash = code_sql.code_by_number(project.db, number)
    if clash is not None and clash.id != exclude_id:
        archived = " (archived)" if clash.archived else ""
        raise CodebookError(f"code number {number!r} is already used by {clash.name!r}{archived}")
    return number


def _check_colour(colour: str | None) -> str | None:
    colour = (colour or "").strip() or None
    if colour is None:
        return None
    if not colour.startswith("#"):
        colour = "#" + colour
    if not COLOUR.match(colour):
        raise CodebookError(f"colour {colour!r} is not #RRGGBB")
    return colour.upper()


def _check_merge(project: Project, src: Code, dst: Code) -> None:
    if src.id == dst.id:
        raise CodebookError("cannot merge a code into itself")
    if dst.archived:
        raise CodebookError(f"cannot merge into {dst.label!r}: it is archived (restore it first)")
    if src.archived:
        raise CodebookError(f"{src.label!r} is archived (restore it before merging)")
    if dst.id in code_sql.descendant_ids(project.db, src.id):
        raise CodebookError(
            f"cannot merge {src.label!r} into its own sub-code {dst.label!r} (move {dst.label!r} out first)"
        )
