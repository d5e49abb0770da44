"""Plain-data model of a REFI-QDA project or codebook.

These dataclasses are the contract between the interchange layer and the
rest of codebench: the reader produces them from ``.qdpx``/``.qde``/``.qdc``
files and the writer turns them back into files.  They know nothing about the
codebench store, so the glue code can map them in either direction:

=====================  =================================================
REFI-QDA               codebench
=====================  =================================================
``RefiUser``           coder
``RefiCode`` tree      codes (``children`` keeps the nesting)
``RefiTextSource``     transcript (``text``; attributes from
                       :meth:`RefiProject.source_attributes`)
``RefiSelection`` +    codings as character spans: ``start``/``end`` are
``RefiCoding``         code points in ``normalized_text`` (LF line ends)
``RefiNote``           memo; ``targets`` are the GUIDs it is attached to
                       (a source, a code, a selection or a coding)
``RefiCase``           a group of sources sharing variable values
=====================  =================================================

The classes are frozen so a project read from disk cannot be changed by
accident half-way through an import; use :func:`dataclasses.replace` to
derive a modified copy.  Lists inside them are ordinary lists (frozen-ish):
build them completely before constructing the object.

Fields that describe *how* a file was stored rather than *what* it says
(BOM, line-ending style, positions as the producer wrote them, what was
skipped) are excluded from equality, so ``read(write(project)) == project``
compares content.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from codebench.wording import plural

__all__ = [
    "VARIABLE_TYPES",
    "OffsetDetection",
    "RefiCase",
    "RefiCode",
    "RefiCodebook",
    "RefiCoding",
    "RefiNote",
    "RefiProject",
    "RefiSelection",
    "RefiSet",
    "RefiTextSource",
    "RefiUser",
    "RefiVariable",
    "normalize_colour",
    "normalize_newlines",
    "walk_codes",
]

#: The ``typeOfVariable`` values of the Project schema.
VARIABLE_TYPES = ("Text", "Boolean", "Integer", "Float", "Date", "DateTime")

_NEWLINES_RE = re.compile(r"\r\n?")
_COLOUR_RE = re.compile(r"^#?([0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})$")


def normalize_newlines(text: str) -> str:
    """CRLF and lone CR become LF: the form codebench stores and exports."""
    return _NEWLINES_RE.sub("\n", text)


def normalize_colour(value: str | None) -> str | None:
    """``"#RRGGBB"`` (upper-case) from ``#RGB``/``#RRGGBB``/``RRGGBB``; None if
    empty or not a colour.  One spelling makes colours comparable."""
    if value is None:
        return None
    match = _COLOUR_RE.match(value.strip())
    if not match:
        return None
    digits = match.group(1).upper()
    if len(digits) == 3:
        digits = "".join(ch * 2 for ch in digits)
    return "#" + digits


@dataclass(frozen=True)
class RefiUser:
    """A person who created objects in the project; maps to a coder."""

    guid: str
    name: str = ""
    #: Short identifier or initials, if the producer wrote one (NVivo Mac does).
    id: str | None = None


@dataclass(frozen=True)
class RefiCode:
    """A code, with its sub-codes in ``children`` (order preserved)."""

    guid: str
    name: str
    is_codable: bool = True
    #: ``"#RRGGBB"`` upper-case, or None.  Three-digit colours are expanded.
    colour: str | None = None
    description: str = ""
    children: list[RefiCode] = field(default_factory=list)


def walk_codes(
    codes: list[RefiCode], parent_guid: str | None = None, depth: int = 0
) -> Iterator[tuple[RefiCode, str | None, int]]:
    """Yield ``(code, parent_guid, depth)`` for a code tree, parents first.

    Parents come before their children so an importer can create them in
    order and always find the parent already present. Iterative, so a deep
    tree built in code cannot exhaust the recursion limit.
    """
    stack = [(code, parent_guid, depth) for code in reversed(codes)]
    while stack:
        code, parent, level = stack.pop()
        yield code, parent, level
        stack.extend((child, code.guid, level + 1) for child in reversed(code.children))


@dataclass(frozen=True)
class RefiVariable:
    """A project-level variable (attribute) declaration."""

    guid: str
    name: str
    #: One of :data:`VARIABLE_TYPES`.
    type: str = "Text"
    description: str = ""


@dataclass(frozen=True)
class RefiCoding:
    """The application of one code to a selection (or to a whole source)."""

    guid: str
    code_guid: str
    creating_user: str | None = None
    created: datetime | None = None


@dataclass(frozen=True)
class RefiSelection:
    """A span of a text source with the codings applied to it.

    ``start``/``end`` are code points in the source's ``normalized_text``
    (CRLF and CR turned into LF), end exclusive: directly usable as a
    codebench coding span.  ``raw_start``/``raw_end`` keep the numbers as the
    producer wrote them (in whatever convention it uses); they are None for
    selections built by codebench for export.

    Note for agreement work: NVivo 12 records the *selection's* creator per
    coder but stamps every ``Coding`` with one user, so the glue code should
    look at both ``creating_user`` fields.
    """

    guid: str
    source_guid: str
    start: int
    end: int
    name: str = ""
    description: str = ""
    creating_user: str | None = None
    created: datetime | None = None
    codings: list[RefiCoding] = field(default_factory=list)
    raw_start: int | None = field(default=None, compare=False)
    raw_end: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class RefiTextSource:
    """A text document; maps to a codebench transcript.

    ``text`` is the plain text exactly as decoded from the file (BOM
    stripped, original line endings), or None if the file did not contain it
    (a bare ``.qde``, a missing member).  Selection positions refer to
    :attr:`normalized_text`.
    """

    guid: str
    name: str
    text: str | None
    #: Paths as written by the producer (informative; the writer picks its own).
    plain_text_path: str | None = field(default=None, compare=False)
    rich_text_path: str | None = field(default=None, compare=False)
    creating_user: str | None = None
    created: datetime | None = None
    description: str = ""
    #: Variable values attached directly to the source: name -> value.
    variables: dict[str, str] = field(default_factory=dict)
    #: Codings of the whole source (``TextSource/Coding``), no span.
    codings: list[RefiCoding] = field(default_factory=list)
    #: How the file was stored; informative only.
    encoding: str = field(default="utf-8", compare=False)
    has_bom: bool = field(default=False, compare=False)
    #: ``"\n"``, ``"\r\n"``, ``"\r"``, ``"mixed"`` or ``""`` (no line breaks).
    newline: str = field(default="\n", compare=False)

    @property
    def normalized_text(self) -> str | None:
        """The text with LF line endings: what spans and exports refer to."""
        return None if self.text is None else normalize_newlines(self.text)


@dataclass(frozen=True)
class RefiNote:
    """A note (memo).  ``targets`` are GUIDs of the objects it annotates:
    codes, text sources, selections, codings or other notes (REFI stores this
    as ``NoteRef`` elements inside each target; the model keeps it on the
    note, the one place a memo importer needs).  A note with no targets is a
    free-standing memo; notes on the project as a whole are listed in
    :attr:`RefiProject.note_refs` instead."""

    guid: str
    name: str = ""
    text: str = ""
    description: str = ""
    creating_user: str | None = None
    created: datetime | None = None
    targets: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RefiCase:
    """A case: a unit of analysis (often a participant) grouping sources."""

    guid: str
    name: str = ""
    description: str = ""
    #: Variable values: name -> value (as text; types are on RefiVariable).
    variables: dict[str, str] = field(default_factory=dict)
    source_guids: list[str] = field(default_factory=list)
    code_guids: list[str] = field(default_factory=list)
    selection_guids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RefiSet:
    """A named group of codes, sources and notes (kept for fidelity;
    codebench has no equivalent, so the glue code may ignore it)."""

    guid: str
    name: str
    description: str = ""
    code_guids: list[str] = field(default_factory=list)
    source_guids: list[str] = field(default_factory=list)
    note_guids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class OffsetDetection:
    """Which position convention a project's selections were read with, and why.

    ``scores[convention]`` counts the selections (out of ``total``, those on
    sources whose text is known) whose start and end both land on a word
    boundary or the text start/end when read with that convention.
    """

    convention: str
    scores: dict[str, int]
    total: int
    forced: bool = False
    reason: str = ""

    def summary(self) -> str:
        """One line for the user, e.g. ``utf16: 300 of 303 selections ...``."""
        best = self.scores.get(self.convention, 0)
        others = ", ".join(
            f"{name}: {score}" for name, score in self.scores.items() if name != self.convention
        )
        how = "forced" if self.forced else "detected"
        line = (
            f"offsets {how} as {self.convention}: {best} of {plural(self.total, 'selection')} "
            f"{'lands' if best == 1 else 'land'} on word boundaries"
        )
        if others:
            line += f" ({others})"
        if self.reason:
            line += f"; {self.reason}"
        return line


@dataclass(frozen=True)
class RefiCodebook:
    """A stand-alone codebook (``.qdc``)."""

    codes: list[RefiCode] = field(default_factory=list)
    origin: str | None = None
    sets: list[RefiSet] = field(default_factory=list)
    #: Repairs the reader made (dropped colours, duplicate GUIDs re-derived ...).
    warnings: list[str] = field(default_factory=list, compare=False)


@dataclass(frozen=True)
class RefiProject:
    """A whole project (``.qdpx``/``.qde``) as plain data.

    ``skipped`` lists, with counts, everything the reader did not import
    (non-text sources and their selections, links, graphs, missing texts...),
    so nothing is dropped silently; ``warnings`` lists repairs it made
    (clamped positions, unknown references).  Both are excluded from
    equality, as are the offset fields.
    """

    name: str
    origin: str | None = None
    users: list[RefiUser] = field(default_factory=list)
    codes: list[RefiCode] = field(default_factory=list)
    variables: list[RefiVariable] = field(default_factory=list)
    cases: list[RefiCase] = field(default_factory=list)
    sources: list[RefiTextSource] = field(default_factory=list)
    selections: list[RefiSelection] = field(default_factory=list)
    notes: list[RefiNote] = field(default_factory=list)
    sets: list[RefiSet] = field(default_factory=list)
    description: str = ""
    #: Notes attached to the project as a whole (``Project/NoteRef``).
    note_refs: list[str] = field(default_factory=list)
    creating_user: str | None = None
    created: datetime | None = None
    skipped: list[str] = field(default_factory=list, compare=False)
    warnings: list[str] = field(default_factory=list, compare=False)
    offset_convention: str | None = field(default=None, compare=False)
    offset_detection: OffsetDetection | None = field(default=None, compare=False)

    # -- lookups the glue code needs ------------------------------------

    def iter_codes(self) -> Iterator[tuple[RefiCode, str | None, int]]:
        """All codes as ``(code, parent_guid, depth)``, parents first."""
        return walk_codes(self.codes)

    def code_map(self) -> dict[str, RefiCode]:
        """GUID -> code, over the whole tree."""
        return {code.guid: code for code, _parent, _depth in walk_codes(self.codes)}

    def source_map(self) -> dict[str, RefiTextSource]:
        """GUID -> text source."""
        return {source.guid: source for source in self.sources}

    def selections_for(self, source_guid: str) -> list[RefiSelection]:
        """The selections on one source, in project order."""
        return [sel for sel in self.selections if sel.source_guid == source_guid]

    def source_attributes(self, source_guid: str) -> dict[str, str]:
        """Attributes for a transcript: the variables of every case that
        contains the source (in case order), then the source's own variables,
        later values winning.  This is what becomes codebench attributes."""
        attributes: dict[str, str] = {}
        for case in self.cases:
            if source_guid in case.source_guids:
                attributes.update(case.variables)
        source = self.source_map().get(source_guid)
        if source is not None:
            attributes.update(source.variables)
        return attributes

    def target_kind(self, guid: str) -> str | None:
        """What a note target GUID refers to: ``"code"``, ``"source"``,
        ``"selection"``, ``"coding"``, ``"case"``, ``"note"`` or None."""
        if guid in self.code_map():
            return "code"
        if any(source.guid == guid for source in self.sources):
            return "source"
        for selection in self.selections:
            if selection.guid == guid:
                return "selection"
            if any(coding.guid == guid for coding in selection.codings):
                return "coding"
        for source in self.sources:
            if any(coding.guid == guid for coding in source.codings):
                return "coding"
        if any(case.guid == guid for case in self.cases):
            return "case"
        if any(note.guid == guid for note in self.notes):
            return "note"
        return None
