"""REFI-QDA codebooks (``.qdc``) for a project, and the code mapping ``.qdpx`` shares.

REFI-QDA codes have a GUID, a name, a colour and a description; codebench
codes also have a number, inclusion and exclusion notes, an example and an
archived flag. They travel like this, so another tool shows what a coder
sees in codebench and a round trip restores every field exactly:

* **name**: the codebench label, ``"04 Ethos and values"`` (number, one
  space, name) when the code has a number, else the name.
* **description**: the description, then ``Use when: …``, ``Do not use
  when: …`` and ``Example: …`` paragraphs for the guidance that is present,
  then a last line ``[codebench number 04]`` (``[codebench]`` without a
  number; ``; archived`` appended for archived codes). The trailer is written
  only when there is something besides the description to restore.

On import the trailer is what tells codebench the description is one of its
own: only then are the guidance paragraphs split off and the number taken
off the front of the name. A foreign code (no trailer) keeps its name and
description as written, so ``"2020 elections"`` from NVivo is not mistaken
for code number 2020.

Existing codes are matched by GUID, then by name path (same name, ignoring
case, under the matched parent). Matched codes take the file's name,
description, colour and parent; their number, guidance and archived flag
change only when the file carries the trailer, so a codebook that went
through another tool never wipes what only codebench knows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codebench.errors import CodebenchError, CodebookError
from codebench.exchange.qdpx.code_index import CodeIndex
from codebench.models import Code
from codebench.safety import safe_text
from codebench.store import events as event_sql
from codebench.wording import plural

if TYPE_CHECKING:
    from codebench.exchange.refi import RefiCode
    from codebench.project import Project
    from codebench.pseudonyms.apply import Pseudonymiser

__all__ = [
    "CodeFields",
    "CodeMerge",
    "InterchangeError",
    "QdcImport",
    "code_description",
    "export_qdc",
    "import_qdc",
    "merge_codes",
    "parse_code",
    "refi_code_name",
    "refi_codes",
    "refi_errors",
]

#: Guidance fields and the paragraph headings they are written under.
SECTIONS = (
    ("inclusion", "Use when: "),
    ("exclusion", "Do not use when: "),
    ("example", "Example: "),
)
_TRAILER = re.compile(
    r"(?:\A|\n\n)\[codebench(?: number (?P<number>[^\]\n;]+))?(?P<archived>; archived)?\]\Z"
)
UNNAMED = "(unnamed code)"


class InterchangeError(CodebenchError):
    """A REFI-QDA file could not be read, written or imported (one-line message)."""


@contextmanager
def refi_errors() -> Iterator[None]:
    """Re-raise the REFI layer's :class:`RefiError` as :class:`InterchangeError`,
    so front ends that catch :class:`CodebenchError` print one line."""
    from codebench.exchange.refi import RefiError

    try:
        yield
    except RefiError as error:
        raise InterchangeError(str(error)) from None


# ----------------------------------------------------------------------------- codes → REFI


def refi_code_name(code: Code) -> str:
    """The REFI name of a code: its label (``"04 Ethos"``), controls made visible (a project
    made before import made them visible may hold some; XML cannot)."""
    return safe_text(code.label)


def code_description(code: Code) -> str:
    """The REFI description of a code: description, guidance paragraphs, trailer."""
    parts = [code.description] if code.description else []
    parts += [heading + getattr(code, name) for name, heading in SECTIONS if getattr(code, name)]
    if code.number is None and not code.archived and len(parts) == (1 if code.description else 0):
        return safe_text(code.description)
    trailer = (
        "[codebench"
        + (f" number {code.number}" if code.number else "")
        + ("; archived" if code.archived else "")
        + "]"
    )
    return safe_text("\n\n".join([*parts, trailer]))


def refi_codes(codes: list[Code]) -> list[RefiCode]:
    """A REFI code tree from codes in tree order; a code whose parent is not
    in ``codes`` (an active child of an archived code) becomes a root."""
    from codebench.exchange.refi import RefiCode

    children: dict[int | None, list[Code]] = {}
    present = {code.id for code in codes}
    for code in codes:
        parent = code.parent_id if code.parent_id in present else None
        children.setdefault(parent, []).append(code)

    def build(parent: int | None) -> list[RefiCode]:
        return [
            RefiCode(
                guid=code.guid,
                name=refi_code_name(code),
                is_codable=True,
                colour=code.colour,
                description=code_description(code),
                children=build(code.id),
            )
            for code in children.get(parent, [])
        ]

    return build(None)


# ----------------------------------------------------------------------------- REFI → codes


@dataclass(frozen=True)
class CodeFields:
    """What a REFI code says in codebench terms (see the module docstring)."""

    name: str
    description: str
    colour: str | None
    #: True when the description carried codebench's trailer: the fields
    #: below are then authoritative, else they are unknown.
    native: bool = False
    number: str | None = None
    inclusion: str = ""
    exclusion: str = ""
    example: str = ""
    archived: bool = False


def parse_code(code: RefiCode) -> CodeFields:
    """Split a REFI code's name and description back into codebench fields."""
    name = code.name if code.name.strip() else UNNAMED
    trailer = _TRAILER.search(code.description)
    if trailer is None:
        return CodeFields(name=name, description=code.description, colour=code.colour)
    number = trailer.group("number")
    if number and name.startswith(number + " ") and name[len(number) + 1 :].strip():
        name = name[len(number) + 1 :]
    body = code.description[: trailer.start()]
    found: dict[str, str] = {}
    cuts: list[tuple[int, int, str]] = []  # (heading start, text start, field)
    cursor = 0
    for field_name, heading in SECTIONS:
        if cursor == 0 and body.startswith(heading):
            at = 0
        else:
            at = body.find("\n\n" + heading, cursor)
            if at < 0:
                continue
        text_start = at + (0 if at == 0 and body.startswith(heading) else 2) + len(heading)
        cuts.append((at, text_start, field_name))
        cursor = text_start
    description = body[: cuts[0][0]] if cuts else body
    for index, (_at, text_start, field_name) in enumerate(cuts):
        end = cuts[index + 1][0] if index + 1 < len(cuts) else len(body)
        found[field_name] = body[text_start:end]
    return CodeFields(
        name=name,
        description=description,
        colour=code.colour,
        native=True,
        number=number,
        archived=bool(trailer.group("archived")),
        **found,
    )


@dataclass
class CodeMerge:
    """The result of :func:`merge_codes`: where each REFI code went."""

    #: REFI code GUID → codebench code id.
    ids: dict[str, int] = field(default_factory=dict)
    added: int = 0
    updated: int = 0
    matched_by_name: int = 0
    warnings: list[str] = field(default_factory=list)


def merge_codes(project: Project, codes: list[RefiCode]) -> CodeMerge:
    """Add or update codes from a REFI code tree; call inside a transaction.

    The codebook's version is noted once for the whole tree
    (:func:`codebench.store.codebook_versions.batched`); see :func:`_merge_codes`.
    """
    from codebench.store.codebook_versions import batched

    with batched(project.db):
        return _merge_codes(project, codes)


def _merge_codes(project: Project, codes: list[RefiCode]) -> CodeMerge:
    """Add or update codes from a REFI code tree; call inside a transaction.

    Matching is by GUID, then by name path (see the module docstring). New
    codes keep their REFI GUID. Numbers are applied last, so codes that swap
    numbers do not collide; a number already held by a code the file does not
    mention is left with that code and reported. A GUID given twice (the
    reader already re-derives them; this guards trees built in code) keeps
    the first code. The project's codes are looked up in memory
    (:class:`CodeIndex`), so the merge is linear in the number of codes.
    """
    from codebench.exchange.refi import walk_codes

    index = CodeIndex(project.db)
    result = CodeMerge()
    numbers: dict[int, str | None] = {}
    names: dict[str, str] = {}  # REFI GUID -> name, for the duplicate warning
    categories: list[str] = []
    for refi, parent_guid, _depth in walk_codes(codes):
        if refi.guid in names:
            result.warnings.append(
                f"code {refi.name!r} has the GUID {refi.guid} of code {names[refi.guid]!r}, "
                f"which was kept; {refi.name!r} was merged into it"
            )
            continue
        names[refi.guid] = refi.name
        if not refi.is_codable:
            categories.append(refi.name)
        fields = parse_code(refi)
        parent_id = result.ids.get(parent_guid) if parent_guid is not None else None
        existing = index.by_guid(refi.guid)
        if existing is None:
            existing = index.child_named(parent_id, fields.name)
            if existing is not None and existing.id in result.ids.values():
                result.warnings.append(
                    f"code {refi.name!r} appears twice under one parent; the two were merged"
                )
                result.ids[refi.guid] = existing.id
                continue
            if existing is not None:
                result.matched_by_name += 1
        values: dict[str, Any] = {
            "name": fields.name,
            "description": fields.description,
            "colour": fields.colour,
        }
        if fields.native:
            values.update(
                inclusion=fields.inclusion, exclusion=fields.exclusion, example=fields.example
            )
            values["archived"] = fields.archived
        if existing is None:
            values.update(
                guid=refi.guid, parent_id=parent_id, position=index.next_position(parent_id)
            )
            code_id = index.insert(values)
            result.added += 1
        else:
            code_id = existing.id
            if existing.parent_id != parent_id:
                if _is_below(index, parent_id, code_id):
                    raise CodebookError(
                        f"code {refi.name!r}: the file would make it a descendant of itself"
                    )
                values.update(parent_id=parent_id, position=index.next_position(parent_id))
            clash = index.child_named(values.get("parent_id", existing.parent_id), fields.name)
            if clash is not None and clash.id != code_id:
                raise CodebookError(
                    f"code {refi.name!r}: another code named {clash.name!r} already sits there in the project; "
                    "rename one of them and import again"
                )
            changed = {k: v for k, v in values.items() if getattr(existing, k) != v}
            index.update(code_id, changed)
            if changed or (fields.native and fields.number != existing.number):
                result.updated += 1
        if fields.native:
            numbers[code_id] = fields.number
        result.ids[refi.guid] = code_id
    _apply_numbers(index, numbers, result.warnings)
    if categories:
        result.warnings.append(
            f"{plural(len(categories), 'non-codable code')} (categories such as {categories[0]!r}) "
            f"{'was' if len(categories) == 1 else 'were'} "
            "imported as ordinary codes: codebench has no non-codable codes"
        )
    return result


def _is_below(index: CodeIndex, candidate: int | None, code_id: int) -> bool:
    """Whether ``candidate`` is ``code_id`` or one of its descendants."""
    seen: set[int] = set()
    while candidate is not None and candidate not in seen:
        if candidate == code_id:
            return True
        seen.add(candidate)
        candidate = index.parent_of(candidate)
    return False


def _apply_numbers(index: CodeIndex, numbers: dict[int, str | None], warnings: list[str]) -> None:
    changing = {
        code_id: number
        for code_id, number in numbers.items()
        if index.get(code_id).number != number
    }
    for code_id in changing:
        index.update(code_id, {"number": None})
    for code_id, number in changing.items():
        if number is None:
            continue
        holder = index.by_number(number)
        if holder is not None:
            warnings.append(
                f"code {index.get(code_id).name!r}: number {number} is already used by "
                f"{holder.label!r}; imported without a number"
            )
            continue
        index.update(code_id, {"number": number})


# ----------------------------------------------------------------------------- .qdc files


def export_qdc(project: Project, pseudonymiser: Pseudonymiser | None = None) -> bytes:
    """The project's active codes as a REFI-QDA ``.qdc`` codebook (schema-valid bytes),
    names and descriptions pseudonymised when ``pseudonymiser`` is given."""
    from codebench import __version__
    from codebench.exchange.refi import RefiCodebook, write_codebook

    codes = project.codes()
    if not codes:
        raise InterchangeError(f"{project.path}: the project has no codes to export")
    shared = refi_codes(codes)
    if pseudonymiser is not None:
        from codebench.pseudonyms.outputs import refi_codes as pseudonymised

        shared = pseudonymised(shared, pseudonymiser)
    with refi_errors():
        return write_codebook(RefiCodebook(codes=shared, origin=f"codebench {__version__}"))


@dataclass
class QdcImport:
    """What :func:`import_qdc` did."""

    file: str
    added: int = 0
    updated: int = 0
    matched_by_name: int = 0
    #: Repairs and decisions worth knowing (the reader's and the merge's).
    warnings: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The report as lines for a terminal."""
        return [f"{plural(self.added, 'code')} added, {self.updated} updated"] + [
            f"  warning: {line}" for line in self.warnings
        ]


def import_qdc(project: Project, path: Path | str) -> QdcImport:
    """Add or update the codes of a ``.qdc`` (or a project's codebook) in one transaction.

    A file that cannot be read, or whose codes clash with the project's,
    leaves the project unchanged; the result counts what changed and carries
    the warnings of the reader and of the merge.
    """
    from codebench.exchange.refi import read_codebook

    path = Path(path)
    with refi_errors():
        book = read_codebook(path)
    if not book.codes:
        raise InterchangeError(f"{path.name}: the codebook has no codes")
    with project.transaction():
        merged = merge_codes(project, book.codes)
        payload = {
            "file": path.name,
            "format": "qdc",
            "origin": book.origin,
            "added": merged.added,
            "updated": merged.updated,
        }
        event_sql.log(project.db, "codebook.import", payload)
    return QdcImport(
        file=path.name,
        added=merged.added,
        updated=merged.updated,
        matched_by_name=merged.matched_by_name,
        warnings=[*book.warnings, *merged.warnings],
    )


def init_from_qdc(target: Path | str | None, path: Path | str) -> tuple[Project, QdcImport]:
    """A new project whose codebook is the ``.qdc`` at ``path`` (``codebench init --codebook x.qdc``).

    The codebook is read and checked before the project file is made, and a
    file made here is removed again when its codes cannot be added, so a
    refused codebook never leaves an empty project behind.
    """
    from codebench.exchange.refi import read_codebook
    from codebench.project import Project, default_project_path

    with refi_errors():
        read_codebook(Path(path))
    where = Path(target) if target is not None else default_project_path()
    existed = where.exists() and where.stat().st_size > 0
    project = Project.init(where, None)
    try:
        if project.codes(include_archived=True):
            raise CodebookError(
                f"{where}: project already has a codebook (use `codebench codebook import`)"
            )
        return project, import_qdc(project, path)
    except BaseException:
        project.close()
        if not existed:
            for leftover in (where, Path(f"{where}-wal"), Path(f"{where}-shm")):
                leftover.unlink(missing_ok=True)
        raise
