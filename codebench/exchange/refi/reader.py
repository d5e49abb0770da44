"""Reading REFI-QDA files: liberal in what we accept, safe about how.

Real exports deviate from the spec in many small ways (see
``docs/interchange.md``): namespace spellings, upper-case or braced GUIDs,
``Sources/`` vs ``sources/``, ``plainTextPath`` without ``internal://``,
missing names and users, an empty ``<Sets/>``.  The reader accepts all of
those, normalises them (GUIDs lower-case without braces, colours
``#RRGGBB``) and records everything it could not import in
:attr:`RefiProject.skipped` with counts, never dropping data silently.

Safety is not negotiable: archives go through :class:`QdpxArchive` and XML
through expat with defusedxml's refusals of DTDs, entities and external
references (:mod:`.xmlparse`), so entity bombs and external entities are
refused with a :class:`RefiError`.  The ``<Sources>`` section, nearly all
of a large file, is read by :mod:`.sources`.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections import defaultdict
from dataclasses import replace
from pathlib import PurePosixPath
from typing import BinaryIO
from xml.etree.ElementTree import Element

from codebench.wording import plural

from .archive import ArchiveLimits, QdpxArchive
from .collector import collector_paused
from .document import (
    VARIABLE_TYPES,
    RefiCase,
    RefiCodebook,
    RefiNote,
    RefiProject,
    RefiUser,
    RefiVariable,
    walk_codes,
)
from .errors import RefiError
from .offsets import resolve_offsets
from .sources import Loaded, SourcesReader
from .textfile import decode_text, newline_style
from .xmlparse import (
    CODEBOOK_NAMESPACES,
    PROJECT_NAMESPACES,
    XmlDoc,
    check_root,
    parse_datetime,
    parse_xml,
    read_codes,
    read_sets,
    safe_stored_text,
    split_tag,
)

__all__ = ["read_codebook", "read_project"]

_Source = str | os.PathLike[str] | bytes | BinaryIO

_NO_TEXT = Loaded(None, "", False, "")


class _ProjectReader:
    """One pass over a parsed ``project.qde``; see :func:`read_project`."""

    def __init__(
        self, root: Element, label: str, archive: QdpxArchive | None, file_label: str | None = None
    ) -> None:
        ns = check_root(root, label, ("Project",), PROJECT_NAMESPACES)
        self.doc = XmlDoc(root, label, ns)
        self.file_label = file_label or label
        self.archive = archive
        self.note_targets: defaultdict[str, list[str]] = defaultdict(list)
        self.user_refs: set[str] = set()
        self.variables: dict[str, RefiVariable] = {}
        self._note_ref = self.doc.q("NoteRef")

    # -- small helpers ----------------------------------------------------

    def note_refs(self, el: Element, owner: str) -> None:
        """Record that the notes referenced inside ``el`` are attached to ``owner``."""
        for ref in el.findall(self._note_ref):
            note = self.doc.guid(ref.get("targetGUID"), "note reference")
            if note is not None and owner not in self.note_targets[note]:
                self.note_targets[note].append(owner)

    def user(self, value: str | None) -> str | None:
        """A user reference as a GUID, remembered so undeclared users can be added."""
        if value in self.user_refs:
            return value  # seen before, so canonical (the usual case: one user, many codings)
        guid = self.doc.guid(value, "user reference")
        if guid is not None:
            self.user_refs.add(guid)
        return guid

    def variable_values(self, el: Element) -> dict[str, str]:
        doc = self.doc
        values: dict[str, str] = {}
        for vv in doc.children(el, "VariableValue"):
            ref = doc.child(vv, "VariableRef")
            guid = doc.guid(
                ref.get("targetGUID") if ref is not None else None, "variable reference"
            )
            if guid is None:
                doc.warn(
                    "variable value",
                    "without a VariableRef was dropped",
                    "without a VariableRef were dropped",
                )
                continue
            variable = self.variables.get(guid)
            if variable is None:
                doc.warn(
                    "variable value",
                    "refers to an undeclared variable; declared as Text",
                    "refer to undeclared variables; declared as Text",
                )
                variable = self.variables[guid] = RefiVariable(guid=guid, name=guid)
            value = ""
            for sub in vv:
                local = split_tag(sub.tag)[1]
                if local != "VariableRef" and local.endswith("Value"):
                    value = sub.text or ""
                    if local != "TextValue":
                        value = value.strip()
                    break
            values[variable.name] = value
        return values

    def load_text(self, path: str | None, inline: Element | None) -> tuple[Loaded, str | None]:
        """The text of a TextSource or Note, and why it is missing if it is."""
        if inline is not None:
            text = inline.text or ""
            return Loaded(text, "inline", False, newline_style(text)), None
        if not path:
            return _NO_TEXT, "no plainTextPath and no PlainTextContent"
        if self.archive is None:
            return _NO_TEXT, "bare .qde (no archive holding the source files)"
        member = self.archive.resolve_source_path(path)
        if member is None:
            return _NO_TEXT, "plainTextPath not found in the archive"
        decoded = decode_text(self.archive.read(member))
        if decoded.problem:
            self.doc.plain_warnings.append(f"{member}: {decoded.problem}")
        return Loaded(decoded.text, decoded.encoding, decoded.has_bom, decoded.newline), None

    # -- sections ---------------------------------------------------------------

    def read(self) -> RefiProject:
        doc, root = self.doc, self.doc.root
        users: list[RefiUser] = []
        users_el = doc.child(root, "Users")
        for index, el in enumerate(doc.children(users_el, "User") if users_el is not None else []):
            users.append(
                RefiUser(
                    guid=doc.required_guid(el, "user", f"user\x1f{index}\x1f{el.get('name')}"),
                    name=el.get("name") or "",
                    id=el.get("id"),
                )
            )
        codebook = doc.child(root, "CodeBook")
        codes = read_codes(
            doc, doc.child(codebook, "Codes") if codebook is not None else None, self.note_refs
        )
        code_guids = {code.guid for code, _p, _d in walk_codes(codes)}

        variables_el = doc.child(root, "Variables")
        for index, el in enumerate(
            doc.children(variables_el, "Variable") if variables_el is not None else []
        ):
            kind = (el.get("typeOfVariable") or "Text").strip()
            if kind not in VARIABLE_TYPES:
                doc.warn(
                    "variable",
                    "had an unknown typeOfVariable; read as Text",
                    "had an unknown typeOfVariable; read as Text",
                )
                kind = "Text"
            variable = RefiVariable(
                guid=doc.required_guid(el, "variable", f"variable\x1f{index}\x1f{el.get('name')}"),
                name=el.get("name") or "",
                type=kind,
                description=doc.text(el, "Description"),
            )
            self.variables[variable.guid] = variable

        sources, selections = SourcesReader(self, code_guids).read()
        source_guids = {s.guid for s in sources}
        selection_guids = {s.guid for s in selections}
        cases = self.read_cases(source_guids, selection_guids, code_guids)
        notes = self.read_notes()
        note_guids = {note.guid for note in notes}

        for kind, tag in (("Links", "Link"), ("Graphs", "Graph")):
            container = doc.child(root, kind)
            count = len(doc.children(container, tag)) if container is not None else 0
            if count:
                doc.skipped.append(
                    f"{plural(count, tag)} not imported (codebench has no {tag.lower()}s)"
                )

        def keep(kind: str, guid: str) -> bool:
            return guid in {"code": code_guids, "source": source_guids, "note": note_guids}[kind]

        sets = read_sets(doc, doc.child(root, "Sets"), keep)

        project_refs: list[str] = []
        for ref in doc.children(root, "NoteRef"):
            guid = doc.guid(ref.get("targetGUID"), "note reference")
            if guid is not None and guid in note_guids:
                project_refs.append(guid)

        known_targets: set[str] = set()
        if notes:  # what notes may be attached to (codings: 200,000 GUIDs in a big file)
            coding_guids = {c.guid for s in selections for c in s.codings} | {
                c.guid for s in sources for c in s.codings
            }
            known_targets = code_guids | source_guids | selection_guids | coding_guids | note_guids
        lost = 0
        final_notes = []
        for note in notes:
            targets = [t for t in self.note_targets.get(note.guid, []) if t in known_targets]
            lost += len(self.note_targets.get(note.guid, [])) - len(targets)
            final_notes.append(replace(note, targets=targets))
        dangling = sum(1 for guid in self.note_targets if guid not in note_guids)
        if lost:
            doc.skipped.append(
                f"{plural(lost, 'note attachment')} to objects that were not imported"
            )
        if dangling:
            doc.warn(
                "NoteRef",
                "points at a note that does not exist",
                "point at notes that do not exist",
                dangling,
            )

        declared = {user.guid for user in users}
        undeclared = sorted(self.user_refs - declared)
        if undeclared:
            doc.warn(
                "user",
                "referenced but not declared; added without a name",
                "referenced but not declared; added without names",
                len(undeclared),
            )
            users.extend(RefiUser(guid=guid) for guid in undeclared)

        name = root.get("name") or PurePosixPath(self.file_label).stem or "Untitled"
        return RefiProject(
            name=name,
            origin=root.get("origin"),
            users=users,
            codes=codes,
            variables=list(self.variables.values()),
            cases=cases,
            sources=sources,
            selections=selections,
            notes=final_notes,
            sets=sets,
            description=doc.text(root, "Description"),
            note_refs=project_refs,
            creating_user=doc.guid(root.get("creatingUserGUID"), "user reference"),
            created=parse_datetime(root.get("creationDateTime")),
            skipped=doc.skipped,
            warnings=doc.warning_lines(),
        )

    def read_cases(
        self, sources: set[str], selections: set[str], codes: set[str]
    ) -> list[RefiCase]:
        doc = self.doc
        container = doc.child(doc.root, "Cases")
        cases: list[RefiCase] = []
        dropped = 0
        for index, el in enumerate(
            doc.children(container, "Case") if container is not None else []
        ):
            refs: dict[str, list[str]] = {}
            for tag, known in (
                ("SourceRef", sources),
                ("SelectionRef", selections),
                ("CodeRef", codes),
            ):
                refs[tag] = []
                for ref in doc.children(el, tag):
                    guid = doc.guid(ref.get("targetGUID"), "case reference")
                    if guid in known:
                        refs[tag].append(guid)
                    elif guid is not None:
                        dropped += 1
            cases.append(
                RefiCase(
                    guid=doc.required_guid(el, "case", f"case\x1f{index}\x1f{el.get('name')}"),
                    name=el.get("name") or "",
                    description=doc.text(el, "Description"),
                    variables=self.variable_values(el),
                    source_guids=refs["SourceRef"],
                    code_guids=refs["CodeRef"],
                    selection_guids=refs["SelectionRef"],
                )
            )
        if dropped:
            doc.skipped.append(
                f"{plural(dropped, 'case member')} pointing at objects that were not imported"
            )
        return cases

    def read_notes(self) -> list[RefiNote]:
        doc = self.doc
        container = doc.child(doc.root, "Notes")
        notes: list[RefiNote] = []
        for index, el in enumerate(
            doc.children(container, "Note") if container is not None else []
        ):
            guid = doc.required_guid(el, "note", f"note\x1f{index}\x1f{el.get('name')}")
            loaded, reason = self.load_text(
                el.get("plainTextPath"), doc.child(el, "PlainTextContent")
            )
            self.note_refs(el, guid)
            if reason and el.get("plainTextPath"):
                doc.skipped.append(f"text of note {el.get('name') or guid!r} not found: {reason}")
            notes.append(
                RefiNote(
                    guid=guid,
                    name=el.get("name") or "",
                    text=safe_stored_text(loaded.text or ""),
                    description=doc.text(el, "Description"),
                    creating_user=self.user(el.get("creatingUser")),
                    created=parse_datetime(el.get("creationDateTime")),
                )
            )
        return notes


#: How a zip file starts (a local file header, or the end record of an empty archive).
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")


def _load(
    source: _Source, label: str | None, limits: ArchiveLimits
) -> tuple[str, bytes | None, bool]:
    """(label, bytes if not a zip, is_zip) without trusting the file name."""
    if isinstance(source, (bytes, bytearray)):
        data = bytes(source)
        name = label or "<data>"
        return name, data, _is_zip(name, data, zipfile.is_zipfile(io.BytesIO(data)))
    if isinstance(source, (str, os.PathLike)):
        name = label or os.path.basename(os.fspath(source))
        if not os.path.isfile(source):
            raise RefiError(f"{name}: no such file")
        if zipfile.is_zipfile(source):
            return name, None, True
        if os.path.getsize(source) > limits.max_total_bytes:
            raise RefiError(
                f"{name}: larger than the limit of {limits.max_total_bytes} bytes; refused"
            )
        with open(source, "rb") as handle:
            data = handle.read()
        return name, data, _is_zip(name, data, False)
    data = source.read(limits.max_total_bytes + 1)
    name = label or str(getattr(source, "name", None) or "<stream>")
    if len(data) > limits.max_total_bytes:
        raise RefiError(f"{name}: larger than the limit of {limits.max_total_bytes} bytes; refused")
    return name, data, _is_zip(name, data, zipfile.is_zipfile(io.BytesIO(data)))


def _is_zip(name: str, data: bytes, readable: bool) -> bool:
    """Whether ``data`` is a zip; one that starts like a zip but whose directory
    cannot be found (a truncated download) is refused as a damaged archive,
    rather than parsed as XML."""
    if not readable and data.startswith(_ZIP_MAGIC):
        raise RefiError(
            f"{name}: damaged archive (it starts like a zip, but its directory at the end is "
            "missing: truncated or corrupted?); refused"
        )
    return readable


def read_project(
    source: _Source,
    *,
    offsets: str = "auto",
    limits: ArchiveLimits | None = None,
    label: str | None = None,
) -> RefiProject:
    """Read a ``.qdpx`` archive or a bare ``.qde`` into a :class:`RefiProject`.

    *offsets* is ``"auto"`` (detect, see :mod:`.offsets`), ``"codepoints"``,
    ``"utf16"`` or ``"codepoints-lf"``.  Selections come back with
    ``start``/``end`` in code points of each source's normalised text;
    ``project.offset_detection.summary()`` tells the user how well that fits.
    Raises :class:`RefiError` for anything unsafe or unreadable.
    """
    limits = limits or ArchiveLimits()
    name, data, is_zip = _load(source, label, limits)
    # A million objects, none in cycles (see .collector); the XML tree is
    # freed by the time the collector runs again.
    with collector_paused():
        return resolve_offsets(_read_model(source, name, data, is_zip, limits), offsets)


def _read_model(
    source: _Source, name: str, data: bytes | None, is_zip: bool, limits: ArchiveLimits
) -> RefiProject:
    """The project as written (positions not yet converted)."""
    if is_zip:
        archive_source: _Source = data if data is not None else source
        with QdpxArchive(archive_source, label=name, limits=limits) as archive:
            member = archive.project_member()
            root = parse_xml(archive.read(member), f"{name}: {member}")
            return _ProjectReader(root, f"{name}: {member}", archive, name).read()
    assert data is not None
    return _ProjectReader(parse_xml(data, name), name, None).read()


def _codebook_of(project: RefiProject) -> RefiCodebook:
    """A project's codebook: its codes and the code members of its sets
    (a codebook set can only hold codes)."""
    sets = [
        replace(code_set, source_guids=[], note_guids=[])
        for code_set in project.sets
        if code_set.code_guids
    ]
    return RefiCodebook(
        codes=project.codes, origin=project.origin, sets=sets, warnings=list(project.warnings)
    )


def read_codebook(
    source: _Source, *, label: str | None = None, limits: ArchiveLimits | None = None
) -> RefiCodebook:
    """Read a ``.qdc`` codebook (also accepts a ``.qde``/``.qdpx`` project,
    returning its codebook and code sets)."""
    limits = limits or ArchiveLimits()
    name, data, is_zip = _load(source, label, limits)
    if is_zip:
        project = read_project(data if data is not None else source, label=name, limits=limits)
        return _codebook_of(project)
    assert data is not None
    root = parse_xml(data, name)
    ns = check_root(root, name, ("CodeBook", "Project"), CODEBOOK_NAMESPACES)
    if split_tag(root.tag)[1] == "Project":
        return _codebook_of(_ProjectReader(root, name, None).read())
    doc = XmlDoc(root, name, ns)
    codes = read_codes(doc, doc.child(root, "Codes"), None)
    known = {code.guid for code, _p, _d in walk_codes(codes)}
    sets = read_sets(
        doc, doc.child(root, "Sets"), lambda kind, guid: kind == "code" and guid in known
    )
    return RefiCodebook(
        codes=codes, origin=root.get("origin"), sets=sets, warnings=doc.warning_lines()
    )
