"""REFI-QDA interchange: ``.qdc`` codebooks and ``.qdpx`` projects as plain data.

This package reads and writes the REFI-QDA (QDA-XML 1.0) exchange formats
without touching the codebench store; the glue code maps
:class:`RefiProject` to and from the store.  Reading is liberal (real NVivo,
ATLAS.ti and qc exports deviate from the spec) but safe (untrusted zips and
XML are checked); writing is strict and deterministic.  See
``docs/interchange.md`` for what survives each direction.

Typical use::

    project = read_project("study.qdpx")          # offsets detected
    print(project.offset_detection.summary())
    for line in project.skipped: print("skipped:", line)
    write_project(project_from_store, "out.qdpx")
"""

from .archive import ArchiveLimits, QdpxArchive
from .document import (
    VARIABLE_TYPES,
    OffsetDetection,
    RefiCase,
    RefiCode,
    RefiCodebook,
    RefiCoding,
    RefiNote,
    RefiProject,
    RefiSelection,
    RefiSet,
    RefiTextSource,
    RefiUser,
    RefiVariable,
    normalize_colour,
    normalize_newlines,
    walk_codes,
)
from .errors import RefiError
from .ids import REFI_NAMESPACE, guid_or_derived, is_guid, refi_guid
from .offsets import (
    CODEPOINTS,
    CODEPOINTS_LF,
    CONVENTIONS,
    UTF16,
    PositionMapper,
    apply_offset_convention,
    detect_offset_convention,
    on_word_boundary,
    resolve_offsets,
)
from .reader import read_codebook, read_project
from .textfile import DecodedText, decode_text
from .writer import project_to_qde, project_to_qdpx, write_codebook, write_project

__all__ = [
    "CODEPOINTS",
    "CODEPOINTS_LF",
    "CONVENTIONS",
    "REFI_NAMESPACE",
    "UTF16",
    "VARIABLE_TYPES",
    "ArchiveLimits",
    "DecodedText",
    "OffsetDetection",
    "PositionMapper",
    "QdpxArchive",
    "RefiCase",
    "RefiCode",
    "RefiCodebook",
    "RefiCoding",
    "RefiError",
    "RefiNote",
    "RefiProject",
    "RefiSelection",
    "RefiSet",
    "RefiTextSource",
    "RefiUser",
    "RefiVariable",
    "apply_offset_convention",
    "decode_text",
    "detect_offset_convention",
    "guid_or_derived",
    "is_guid",
    "normalize_colour",
    "normalize_newlines",
    "on_word_boundary",
    "project_to_qde",
    "project_to_qdpx",
    "read_codebook",
    "read_project",
    "refi_guid",
    "resolve_offsets",
    "walk_codes",
    "write_codebook",
    "write_project",
]
