"""Checks that run before an export writes a byte.

The writer is strict: another QDA tool will be less forgiving than our
reader, so every problem is found up front and reported as a
:class:`RefiError` naming the object (bad or duplicate GUID, dangling
reference, span outside its text, non-codable code used for coding, colour
not ``#RRGGBB``, variable value not of its declared type, character XML
cannot hold).  :class:`ExportPlan` is the validated project plus the
lookups the emitter needs (notes per target, selections per source in
position order, normalised texts, declared variables).
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from .document import (
    VARIABLE_TYPES,
    RefiCode,
    RefiCoding,
    RefiProject,
    RefiSelection,
    RefiVariable,
    normalize_colour,
    normalize_newlines,
    walk_codes,
)
from .errors import RefiError
from .ids import is_guid, refi_guid

__all__ = [
    "ExportPlan",
    "check_codes",
    "check_colour",
    "check_guid",
    "check_text",
    "format_datetime",
    "typed_value",
]

# Characters XML 1.0 cannot carry at all (CR is handled separately).
_INVALID_XML_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def format_datetime(value: datetime | None) -> str | None:
    """xsd:dateTime in UTC with ``Z``; naive datetimes are taken as UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    spec = "microseconds" if value.microsecond else "seconds"
    return value.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


def check_text(value: str | None, where: str) -> None:
    """Refuse characters XML 1.0 cannot represent (control characters, lone
    surrogates, U+FFFE/U+FFFF): they would make the file unreadable."""
    if value is None:
        return
    if not isinstance(value, str):
        raise RefiError(f"{where}: expected text, got {type(value).__name__}")
    bad = _INVALID_XML_RE.search(value)
    if bad:
        raise RefiError(
            f"{where}: contains character U+{ord(bad.group()):04X}, which XML cannot hold"
        )


def check_guid(guid: str, where: str, seen: dict[str, str]) -> None:
    """The schema's GUID syntax, and uniqueness across the whole file."""
    if not isinstance(guid, str) or not is_guid(guid):
        raise RefiError(f"{where}: {guid!r} is not a GUID (use refi_guid() to derive one)")
    key = guid.strip("{}").lower()
    if key in seen:
        raise RefiError(f"{where}: GUID {guid} is already used by {seen[key]}")
    seen[key] = where


def check_colour(code: RefiCode) -> str | None:
    """The code's colour as ``#RRGGBB`` (None if it has none)."""
    if code.colour is None:
        return None
    colour = normalize_colour(code.colour)
    if colour is None:
        raise RefiError(f"code {code.name!r}: colour {code.colour!r} is not #RRGGBB")
    return colour


def typed_value(variable: RefiVariable, value: str, where: str) -> tuple[str, str]:
    """(element name, lexical value) for a variable value; checks the type."""
    kind = variable.type
    try:
        if kind == "Text":
            return "TextValue", value
        if kind == "Boolean":
            lowered = value.strip().lower()
            if lowered not in ("true", "false", "1", "0"):
                raise ValueError(value)
            return "BooleanValue", "true" if lowered in ("true", "1") else "false"
        if kind == "Integer":
            return "IntegerValue", str(int(value.strip()))
        if kind == "Float":
            number = Decimal(value.strip())
            if not number.is_finite():
                raise ValueError(value)
            return "FloatValue", format(number, "f")
        if kind == "Date":
            return "DateValue", date.fromisoformat(value.strip()).isoformat()
        if kind == "DateTime":
            parsed = datetime.fromisoformat(value.strip().replace("z", "Z"))
            return "DateTimeValue", format_datetime(parsed) or ""
    except (ValueError, InvalidOperation):
        raise RefiError(f"{where}: value {value!r} is not a valid {kind}") from None
    raise RefiError(f"variable {variable.name!r}: unknown type {kind!r}")


def check_codes(codes: list[RefiCode], seen: dict[str, str]) -> None:
    """GUIDs, names, descriptions and colours of a whole code tree."""
    for code, _parent, _depth in walk_codes(codes):
        check_guid(code.guid, f"code {code.name!r}", seen)
        check_text(code.name, f"code {code.guid} name")
        check_text(code.description, f"code {code.name!r} description")
        check_colour(code)


class ExportPlan:
    """A validated project plus the derived lookups the emitter needs.

    References must match the target's GUID exactly as given (other tools
    may compare GUIDs as strings); duplicates are detected case- and
    brace-insensitively, since those are the same GUID.
    """

    def __init__(self, project: RefiProject) -> None:
        self.project = project
        self.seen: dict[str, str] = {}
        self.users: set[str] = set()
        self.codes: dict[str, RefiCode] = {}
        self.sources: set[str] = set()
        self.selection_guids: set[str] = set()
        self.coding_guids: set[str] = set()
        self.variables: dict[str, RefiVariable] = {}
        self.notes_by_target: dict[str, list[str]] = defaultdict(list)
        self.selections: dict[str, list[RefiSelection]] = defaultdict(list)
        self.texts: dict[str, str] = {}
        self._check_header()
        self._check_variables()
        self._check_sources()
        self._check_selections()
        self._check_cases()
        self._check_notes()
        self._check_sets()

    # -- helpers --------------------------------------------------------------

    def _user(self, guid: str | None, where: str) -> None:
        if guid is not None and guid not in self.users:
            raise RefiError(f"{where}: creating user {guid} is not in the project's users")

    def _coding(self, coding: RefiCoding, where: str) -> None:
        check_guid(coding.guid, f"coding on {where}", self.seen)
        code = self.codes.get(coding.code_guid)
        if code is None:
            raise RefiError(
                f"coding {coding.guid} on {where}: code {coding.code_guid} is not in the codebook"
            )
        if not code.is_codable:
            raise RefiError(f"coding {coding.guid} on {where}: code {code.name!r} is not codable")
        self._user(coding.creating_user, f"coding {coding.guid}")
        self.coding_guids.add(coding.guid)

    def _declare(self, values: dict[str, str], where: str) -> None:
        """Check variable values; declare unknown variables as Text."""
        for name, value in values.items():
            check_text(name, f"{where} variable name")
            check_text(value, f"{where} variable {name!r}")
            if name not in self.variables:
                variable = RefiVariable(guid=refi_guid("variable", name), name=name)
                check_guid(variable.guid, f"variable {name!r}", self.seen)
                self.variables[name] = variable
            if value != "":
                typed_value(self.variables[name], value, f"{where} variable {name!r}")

    @staticmethod
    def _members(
        where: str, groups: list[tuple[list[str], set[str] | dict[str, RefiCode], str]]
    ) -> None:
        for guids, known, kind in groups:
            for guid in guids:
                if guid not in known:
                    raise RefiError(f"{where}: {kind} {guid} is not in the project")

    # -- sections ---------------------------------------------------------------

    def _check_header(self) -> None:
        p = self.project
        if not isinstance(p.name, str):
            raise RefiError("project name must be text")
        check_text(p.name, "project name")
        check_text(p.origin, "project origin")
        check_text(p.description, "project description")
        for user in p.users:
            check_guid(user.guid, f"user {user.name!r}", self.seen)
            check_text(user.name, f"user {user.guid} name")
            check_text(user.id, f"user {user.guid} id")
            self.users.add(user.guid)
        self._user(p.creating_user, "project")
        check_codes(p.codes, self.seen)
        self.codes = {code.guid: code for code, _p, _d in walk_codes(p.codes)}

    def _check_variables(self) -> None:
        for variable in self.project.variables:
            check_guid(variable.guid, f"variable {variable.name!r}", self.seen)
            check_text(variable.name, f"variable {variable.guid} name")
            check_text(variable.description, f"variable {variable.name!r} description")
            if variable.name in self.variables:
                raise RefiError(f"variable {variable.name!r} is declared twice")
            if variable.type not in VARIABLE_TYPES:
                raise RefiError(f"variable {variable.name!r}: unknown type {variable.type!r}")
            self.variables[variable.name] = variable

    def _check_sources(self) -> None:
        for source in self.project.sources:
            where = f"source {source.name!r}"
            check_guid(source.guid, where, self.seen)
            check_text(source.name, f"source {source.guid} name")
            check_text(source.description, f"{where} description")
            if source.text is None:
                raise RefiError(f"{where}: has no text; only sources with text can be exported")
            text = normalize_newlines(source.text)
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                raise RefiError(f"{where}: text has unencodable lone surrogates") from None
            self.texts[source.guid] = text
            self._user(source.creating_user, where)
            self._declare(source.variables, where)
            for coding in source.codings:
                self._coding(coding, where)
            self.sources.add(source.guid)

    def _check_selections(self) -> None:
        for selection in self.project.selections:
            where = f"selection {selection.guid}"
            check_guid(selection.guid, where, self.seen)
            check_text(selection.name, f"{where} name")
            check_text(selection.description, f"{where} description")
            if selection.source_guid not in self.sources:
                raise RefiError(f"{where}: source {selection.source_guid} is not in the project")
            length = len(self.texts[selection.source_guid])
            if not 0 <= selection.start <= selection.end <= length:
                raise RefiError(
                    f"{where}: span {selection.start}-{selection.end} is outside its text "
                    f"(0-{length})"
                )
            self._user(selection.creating_user, where)
            for coding in selection.codings:
                self._coding(coding, where)
            self.selections[selection.source_guid].append(selection)
            self.selection_guids.add(selection.guid)
        # Canonical order, whatever order the store returned the rows in.
        for selections in self.selections.values():
            selections.sort(key=lambda s: (s.start, s.end, s.guid))

    def _check_cases(self) -> None:
        for case in self.project.cases:
            where = f"case {case.name!r}"
            check_guid(case.guid, where, self.seen)
            check_text(case.name, f"case {case.guid} name")
            check_text(case.description, f"{where} description")
            self._declare(case.variables, where)
            self._members(
                where,
                [
                    (case.source_guids, self.sources, "source"),
                    (case.selection_guids, self.selection_guids, "selection"),
                    (case.code_guids, self.codes, "code"),
                ],
            )

    def _check_notes(self) -> None:
        p = self.project
        note_guids = {note.guid for note in p.notes}
        targets = (
            set(self.codes) | self.sources | self.selection_guids | self.coding_guids | note_guids
        )
        cases = {case.guid for case in p.cases}
        for note in p.notes:
            where = f"note {note.name!r}"
            check_guid(note.guid, where, self.seen)
            check_text(note.name, f"{where} name")
            check_text(note.text, f"{where} text")
            check_text(note.description, f"{where} description")
            self._user(note.creating_user, where)
            for target in note.targets:
                if target not in targets:
                    kind = "a case" if target in cases else "not in the project"
                    raise RefiError(
                        f"{where}: target {target} is {kind}; notes can be attached to "
                        "codes, sources, selections, codings and notes"
                    )
                self.notes_by_target[target].append(note.guid)
        for note_guid in p.note_refs:
            if note_guid not in note_guids:
                raise RefiError(f"project note reference {note_guid} is not a note in the project")

    def _check_sets(self) -> None:
        note_guids = {note.guid for note in self.project.notes}
        for code_set in self.project.sets:
            where = f"set {code_set.name!r}"
            check_guid(code_set.guid, where, self.seen)
            check_text(code_set.name, f"set {code_set.guid} name")
            check_text(code_set.description, f"{where} description")
            self._members(
                where,
                [
                    (code_set.code_guids, self.codes, "member code"),
                    (code_set.source_guids, self.sources, "member source"),
                    (code_set.note_guids, note_guids, "member note"),
                ],
            )
