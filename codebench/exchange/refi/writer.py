"""Writing REFI-QDA files: strict, schema-valid, deterministic.

Other tools are less forgiving than our reader, so the writer checks the
whole model *before* writing a byte (GUIDs, references, spans, colours,
variable types, characters XML cannot hold) and raises :class:`RefiError`
naming the offending object rather than producing a file another program
rejects.  Output follows the official QDA-XML 1.0 schemas element order and
is deterministic: the same model always gives the same bytes (fixed zip
timestamps and attributes, stable ordering), so exports can be diffed and
checksummed.

XML is produced element by element through :class:`.xmlout.XmlEmitter`, which
escapes every attribute value and text node in one place (with the rules of
:class:`xml.sax.saxutils.XMLGenerator`, whose output it reproduces byte for
byte) and encodes in large blocks; callers never concatenate markup.

What is written:

* ``.qdc``: ``<CodeBook>`` in ``urn:QDA-XML:codebook:1.0``.
* ``.qdpx``: a zip with ``project.qde`` (``urn:QDA-XML:project:1.0``) and
  ``sources/<guid>.txt`` -- the *normalised* text (LF line endings), UTF-8
  without BOM -- referenced as ``plainTextPath="internal://<guid>.txt"``.
  Selection positions are code points over exactly that text.
"""

from __future__ import annotations

import io
import os
import zipfile
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import IO, BinaryIO

from .collector import collector_paused
from .document import (
    RefiCode,
    RefiCodebook,
    RefiCoding,
    RefiProject,
    RefiTextSource,
    walk_codes,
)
from .errors import RefiError
from .exportcheck import (
    ExportPlan,
    check_codes,
    check_colour,
    check_guid,
    check_text,
    format_datetime,
    typed_value,
)
from .xmlout import Attrs
from .xmlout import XmlEmitter as _Emitter

__all__ = [
    "CODEBOOK_NS",
    "DEFAULT_ORIGIN",
    "PROJECT_NS",
    "project_to_qde",
    "project_to_qdpx",
    "source_member_name",
    "write_codebook",
    "write_project",
]

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
#: Written as ``origin`` unless the model's origin already names codebench:
#: the reader trusts codebench files to use code points, so a re-export of an
#: NVivo project must not keep claiming to come from NVivo.
DEFAULT_ORIGIN = "codebench"

_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


# -- small formatting helpers ---------------------------------------------------------


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _written_origin(origin: str | None) -> str:
    if origin and origin.strip().lower().startswith("codebench"):
        return origin
    return DEFAULT_ORIGIN


def source_member_name(source: RefiTextSource) -> str:
    """File name of a source's text inside the archive: ``<guid>.txt``."""
    return f"{source.guid.strip('{}')}.txt"


# -- codebook (.qdc) ----------------------------------------------------------------


def _emit_codes(
    out: _Emitter, codes: list[RefiCode], notes_by_target: dict[str, list[str]] | None
) -> None:
    for code in codes:
        attrs = {
            "guid": code.guid,
            "name": code.name,
            "isCodable": _bool(code.is_codable),
            "color": check_colour(code),
        }
        with out.element("Code", attrs):
            if code.description:
                out.text("Description", code.description)
            if notes_by_target is not None:
                for note in notes_by_target.get(code.guid, []):
                    out.leaf("NoteRef", {"targetGUID": note})
            _emit_codes(out, code.children, notes_by_target)


def write_codebook(codebook: RefiCodebook) -> bytes:
    """The ``.qdc`` XML for *codebook* (UTF-8 bytes, schema-valid)."""
    if not codebook.codes:
        raise RefiError("codebook has no codes; a REFI-QDA codebook needs at least one")
    seen: dict[str, str] = {}
    check_codes(codebook.codes, seen)
    code_guids = {code.guid for code, _p, _d in walk_codes(codebook.codes)}
    for code_set in codebook.sets:
        check_guid(code_set.guid, f"set {code_set.name!r}", seen)
        check_text(code_set.name, f"set {code_set.guid} name")
        check_text(code_set.description, f"set {code_set.name!r} description")
        if code_set.source_guids or code_set.note_guids:
            raise RefiError(f"set {code_set.name!r}: a codebook set can only hold codes")
        for member in code_set.code_guids:
            if member not in code_guids:
                raise RefiError(
                    f"set {code_set.name!r}: member {member} is not a code in the codebook"
                )
    buffer = io.BytesIO()
    out = _Emitter(buffer)
    out.start_document()
    with out.element(
        "CodeBook", {"xmlns": CODEBOOK_NS, "origin": _written_origin(codebook.origin)}
    ):
        with out.element("Codes"):
            _emit_codes(out, codebook.codes, None)
        if codebook.sets:  # never an empty <Sets/>: the schema rejects it
            with out.element("Sets"):
                for code_set in codebook.sets:
                    with out.element("Set", {"guid": code_set.guid, "name": code_set.name}):
                        if code_set.description:
                            out.text("Description", code_set.description)
                        for member in code_set.code_guids:
                            out.leaf("MemberCode", {"guid": member})
    out.end_document()
    return buffer.getvalue()


# -- project (.qde / .qdpx) ---------------------------------------------------------------


def _emit_notes_refs(out: _Emitter, plan: ExportPlan, guid: str) -> None:
    for note in plan.notes_by_target.get(guid, []):
        out.leaf("NoteRef", {"targetGUID": note})


@lru_cache(maxsize=4096)
def _datetime_attr(value: datetime | None) -> str | None:
    """:func:`format_datetime`, once per distinct time: codings made in one
    session share their timestamps, and there are hundreds of thousands."""
    return format_datetime(value)


def _emit_codings(out: _Emitter, plan: ExportPlan, codings: list[RefiCoding]) -> None:
    notes = plan.notes_by_target
    for coding in codings:
        attrs = {
            "guid": coding.guid,
            "creatingUser": coding.creating_user,
            "creationDateTime": _datetime_attr(coding.created),
        }
        leaves = [("CodeRef", {"targetGUID": coding.code_guid})]
        if coding.guid in notes:
            leaves += [("NoteRef", {"targetGUID": note}) for note in notes[coding.guid]]
        out.with_leaves("Coding", attrs, leaves)


def _emit_values(out: _Emitter, plan: ExportPlan, values: dict[str, str]) -> None:
    for name, value in values.items():
        variable = plan.variables[name]
        with out.element("VariableValue"):
            out.leaf("VariableRef", {"targetGUID": variable.guid})
            if value != "":
                tag, lexical = typed_value(variable, value, f"variable {name!r}")
                out.text(tag, lexical)


def _emit_project(plan: ExportPlan, stream: BinaryIO) -> None:
    p = plan.project
    out = _Emitter(stream)
    out.start_document()
    root = {
        "xmlns": PROJECT_NS,
        "name": p.name,
        "origin": _written_origin(p.origin),
        "creatingUserGUID": p.creating_user,
        "creationDateTime": format_datetime(p.created),
    }
    with out.element("Project", root):
        if p.users:
            with out.element("Users"):
                for user in p.users:
                    out.leaf("User", {"guid": user.guid, "name": user.name or None, "id": user.id})
        if p.codes:
            with out.element("CodeBook"), out.element("Codes"):
                _emit_codes(out, p.codes, plan.notes_by_target)
        if plan.variables:
            with out.element("Variables"):
                for variable in plan.variables.values():
                    attrs = {
                        "guid": variable.guid,
                        "name": variable.name,
                        "typeOfVariable": variable.type,
                    }
                    with out.element("Variable", attrs):
                        if variable.description:
                            out.text("Description", variable.description)
        if p.cases:
            with out.element("Cases"):
                for case in p.cases:
                    with out.element("Case", {"guid": case.guid, "name": case.name or None}):
                        if case.description:
                            out.text("Description", case.description)
                        for guid in case.code_guids:
                            out.leaf("CodeRef", {"targetGUID": guid})
                        _emit_values(out, plan, case.variables)
                        for guid in case.source_guids:
                            out.leaf("SourceRef", {"targetGUID": guid})
                        for guid in case.selection_guids:
                            out.leaf("SelectionRef", {"targetGUID": guid})
        if p.sources:
            with out.element("Sources"):
                for source in p.sources:
                    source_attrs: Attrs = {
                        "guid": source.guid,
                        "name": source.name,
                        "plainTextPath": f"internal://{source_member_name(source)}",
                        "creatingUser": source.creating_user,
                        "creationDateTime": format_datetime(source.created),
                    }
                    with out.element("TextSource", source_attrs):
                        if source.description:
                            out.text("Description", source.description)
                        for selection in plan.selections.get(source.guid, []):
                            sel_attrs: Attrs = {
                                "guid": selection.guid,
                                "name": selection.name or None,
                                "startPosition": str(selection.start),
                                "endPosition": str(selection.end),
                                "creatingUser": selection.creating_user,
                                "creationDateTime": _datetime_attr(selection.created),
                            }
                            with out.element("PlainTextSelection", sel_attrs):
                                if selection.description:
                                    out.text("Description", selection.description)
                                _emit_codings(out, plan, selection.codings)
                                _emit_notes_refs(out, plan, selection.guid)
                        _emit_codings(out, plan, source.codings)
                        _emit_notes_refs(out, plan, source.guid)
                        _emit_values(out, plan, source.variables)
        if p.notes:
            with out.element("Notes"):
                for note in p.notes:
                    note_attrs: Attrs = {
                        "guid": note.guid,
                        "name": note.name or None,
                        "creatingUser": note.creating_user,
                        "creationDateTime": format_datetime(note.created),
                    }
                    with out.element("Note", note_attrs):
                        if note.description:
                            out.text("Description", note.description)
                        out.text("PlainTextContent", note.text)
                        _emit_notes_refs(out, plan, note.guid)
        if p.sets:
            with out.element("Sets"):
                for code_set in p.sets:
                    with out.element("Set", {"guid": code_set.guid, "name": code_set.name}):
                        if code_set.description:
                            out.text("Description", code_set.description)
                        for tag, guids in (
                            ("MemberCode", code_set.code_guids),
                            ("MemberSource", code_set.source_guids),
                            ("MemberNote", code_set.note_guids),
                        ):
                            for guid in guids:
                                out.leaf(tag, {"targetGUID": guid})
        if p.description:
            out.text("Description", p.description)
        for note_ref in p.note_refs:
            out.leaf("NoteRef", {"targetGUID": note_ref})
    out.end_document()


def project_to_qde(project: RefiProject) -> bytes:
    """The ``project.qde`` XML alone (for inspection and schema checks)."""
    buffer = io.BytesIO()
    _emit_project(ExportPlan(project), buffer)
    return buffer.getvalue()


def _zip_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # Unix, whatever platform we run on
    info.external_attr = 0o100644 << 16
    return info


def _write_zip(plan: ExportPlan, fileobj: IO[bytes]) -> None:
    with zipfile.ZipFile(fileobj, "w") as archive:
        with archive.open(_zip_info("project.qde"), "w") as member:
            # The XML writer makes millions of tiny writes; buffer them before
            # they reach the compressor.
            buffered = io.BufferedWriter(member, buffer_size=1 << 20)
            _emit_project(plan, buffered)  # streamed straight into the archive
            buffered.flush()
        for source in plan.project.sources:
            data = plan.texts[source.guid].encode("utf-8")
            archive.writestr(_zip_info(f"sources/{source_member_name(source)}"), data)


def project_to_qdpx(project: RefiProject) -> bytes:
    """The whole ``.qdpx`` archive as bytes."""
    plan = ExportPlan(project)
    buffer = io.BytesIO()
    _write_zip(plan, buffer)
    return buffer.getvalue()


def write_project(project: RefiProject, path: str | os.PathLike[str]) -> None:
    """Write *project* as a ``.qdpx`` at *path*.

    Validates everything first, then writes to a temporary file beside
    *path* and renames it into place, so a failed export never leaves a
    half-written archive behind.
    """
    from codebench.fileio import write_atomic_with

    with collector_paused():  # see .collector
        plan = ExportPlan(project)

    def write(handle: IO[bytes]) -> None:
        with collector_paused():
            _write_zip(plan, handle)

    # The one writer of output files: a temporary a later run recognises, a
    # rename, and one line naming the file when it cannot be written.
    write_atomic_with(Path(path), write)
