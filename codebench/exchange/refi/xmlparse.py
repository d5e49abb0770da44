"""Namespace-tolerant, attack-safe XML helpers shared by the readers.

Parsing goes through defusedxml with DTDs forbidden: a REFI-QDA file never
needs a DTD, and refusing it outright stops entity bombs ("billion laughs")
and external entities (``file:///etc/passwd``) before any expansion.  The
rest of this module lets the reader address elements by local name in
whichever namespace spelling the producer used, and keeps the ledger of
warnings and skipped items that ends up on the model.
"""

from __future__ import annotations

import re

from collections import Counter
from collections.abc import Callable
from datetime import datetime
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as SafeET

from .errors import RefiError
from .ids import is_guid, normalize_guid
from .model import RefiCode, RefiSet, normalize_colour

__all__ = [
    "CODEBOOK_NAMESPACES",
    "PROJECT_NAMESPACES",
    "XmlDoc",
    "check_root",
    "parse_bool",
    "parse_datetime",
    "parse_xml",
    "read_codes",
    "read_sets",
    "split_tag",
]

#: Namespaces seen in the wild for project files ("" = no namespace).
PROJECT_NAMESPACES = (
    "urn:QDA-XML:project:1.0",
    "urn:QDA-XML:project:1:0",
    "urn:QDA-XML:project:0:4",
    "",
)
#: Namespaces accepted for a CodeBook root (codebook family, then project family).
CODEBOOK_NAMESPACES = (
    "urn:QDA-XML:codebook:1.0",
    "urn:QDA-XML:codebook:1:0",
    "urn:QDA-XML:codebook:0:4",
) + PROJECT_NAMESPACES


def parse_xml(data: bytes, label: str) -> Element:
    """Parse untrusted XML: no DTD, no entities, no external references."""
    try:
        return SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DTDForbidden:
        raise RefiError(
            f"{label}: XML contains a DTD (<!DOCTYPE>); refused, REFI-QDA files never need one "
            "and it can carry entity-expansion or external-entity attacks"
        ) from None
    except defusedxml.EntitiesForbidden as exc:
        raise RefiError(f"{label}: XML declares entity {exc.name!r}; refused") from None
    except defusedxml.ExternalReferenceForbidden:
        raise RefiError(f"{label}: XML references an external resource; refused") from None
    except defusedxml.DefusedXmlException as exc:
        raise RefiError(f"{label}: unsafe XML refused ({exc})") from None
    except ParseError as exc:
        raise RefiError(f"{label}: not well-formed XML ({exc})") from None


def split_tag(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return "", tag


def check_root(
    root: Element, label: str, names: tuple[str, ...], namespaces: tuple[str, ...]
) -> str:
    ns, local = split_tag(root.tag)
    if local not in names:
        raise RefiError(f"{label}: root element is <{local}>, expected <{'> or <'.join(names)}>")
    if ns not in namespaces:
        expected = namespaces[0]
        raise RefiError(
            f"{label}: unsupported namespace {ns!r} on <{local}> (expected {expected!r})"
        )
    return ns


def parse_datetime(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.strip().replace("z", "Z"))
    except ValueError:
        return None


def parse_bool(value: str | None, default: bool) -> bool:
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    return default


_CANONICAL = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

class XmlDoc:
    """Namespace-aware element access plus the warning/skip ledger."""

    def __init__(self, root: Element, label: str, ns: str) -> None:
        self.root = root
        self.label = label
        self.ns = ns
        self.warnings: Counter[str] = Counter()
        self.plain_warnings: list[str] = []
        self.skipped: list[str] = []

    def warning_lines(self) -> list[str]:
        """Counted repairs first ("3 code colour(s) were ..."), then one-offs."""
        return [
            f"{count} {message}" for message, count in self.warnings.items()
        ] + self.plain_warnings

    def q(self, name: str) -> str:
        return f"{{{self.ns}}}{name}" if self.ns else name

    def children(self, el: Element, name: str) -> list[Element]:
        return el.findall(self.q(name))

    def child(self, el: Element, name: str) -> Element | None:
        return el.find(self.q(name))

    def text(self, el: Element, name: str) -> str:
        found = el.find(self.q(name))
        return (found.text or "") if found is not None else ""

    def guid(self, value: str | None, what: str) -> str | None:
        if value is None:
            return None
        if len(value) == 36 and value == value.lower() and _CANONICAL.match(value):
            return value  # already canonical: the common case, so skip the general path
        if not value.strip():
            return None
        if not is_guid(value.strip()):
            self.warnings[f"{what} GUID(s) were not valid GUIDs; replaced by derived GUIDs"] += 1
        return normalize_guid(value)

    def required_guid(self, el: Element, what: str, fallback: str) -> str:
        value = self.guid(el.get("guid"), what)
        if value is None:
            self.warnings[f"{what}(s) had no GUID; derived GUIDs assigned"] += 1
            return normalize_guid(fallback)
        return value


def read_codes(
    doc: XmlDoc,
    parent: Element | None,
    note_refs: Callable[[Element, str], None] | None,
    path: str = "",
) -> list[RefiCode]:
    if parent is None:
        return []
    codes: list[RefiCode] = []
    for index, el in enumerate(doc.children(parent, "Code")):
        name = el.get("name") or ""
        guid = doc.required_guid(el, "code", f"code\x1f{path}\x1f{index}\x1f{name}")
        raw_colour = el.get("color")
        colour = normalize_colour(raw_colour)
        if raw_colour and colour is None:
            doc.warnings["code colour(s) were not #RRGGBB and were dropped"] += 1
        if note_refs is not None:
            note_refs(el, guid)
        codes.append(
            RefiCode(
                guid=guid,
                name=name,
                is_codable=parse_bool(el.get("isCodable"), True),
                colour=colour,
                description=doc.text(el, "Description"),
                children=read_codes(doc, el, note_refs, f"{path}/{guid}"),
            )
        )
    return codes


def read_sets(
    doc: XmlDoc, parent: Element | None, keep: Callable[[str, str], bool]
) -> list[RefiSet]:
    """Sets, keeping only members that were imported (``keep(kind, guid)``)."""
    if parent is None:
        return []
    sets: list[RefiSet] = []
    dropped = 0
    for index, el in enumerate(doc.children(parent, "Set")):
        members: dict[str, list[str]] = {"code": [], "source": [], "note": []}
        for kind, tag in (
            ("code", "MemberCode"),
            ("source", "MemberSource"),
            ("note", "MemberNote"),
        ):
            for member in doc.children(el, tag):
                # The Codebook schema spells the reference "guid", the Project one "targetGUID".
                guid = doc.guid(member.get("targetGUID") or member.get("guid"), "set member")
                if guid is None:
                    continue
                if keep(kind, guid):
                    members[kind].append(guid)
                else:
                    dropped += 1
        sets.append(
            RefiSet(
                guid=doc.required_guid(el, "set", f"set\x1f{index}\x1f{el.get('name')}"),
                name=el.get("name") or "",
                description=doc.text(el, "Description"),
                code_guids=members["code"],
                source_guids=members["source"],
                note_guids=members["note"],
            )
        )
    if dropped:
        doc.skipped.append(f"{dropped} set member(s) pointing at objects that were not imported")
    return sets
