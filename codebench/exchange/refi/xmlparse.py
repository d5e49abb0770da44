"""Namespace-tolerant, attack-safe XML helpers shared by the readers.

Parsing refuses DTDs with defusedxml's checks: a REFI-QDA file never needs
a DTD, and refusing it outright stops entity bombs ("billion laughs") and
external entities (``file:///etc/passwd``) before any expansion.  The
rest of this module lets the reader address elements by local name in
whichever namespace spelling the producer used, and keeps the ledger of
warnings and skipped items that ends up on the model.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import Any, NoReturn
from xml.etree.ElementTree import Element, TreeBuilder
from xml.parsers import expat

import defusedxml
from defusedxml import (
    DTDForbidden,
    EntitiesForbidden,
    ExternalReferenceForbidden,
)

from codebench.nesting import MAX_CODE_DEPTH
from codebench.safety import STORED_UNSAFE, safe_name, safe_text
from codebench.wording import plural

from .document import RefiCode, RefiSet, normalize_colour
from .errors import RefiError
from .ids import guid_or_derived, is_guid

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
        return _SafeTreeParser().parse(data)
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
    except expat.ExpatError as exc:
        raise RefiError(f"{label}: not well-formed XML ({exc})") from None


def _refuse_doctype(name: str, sysid: str | None, pubid: str | None, _subset: bool) -> NoReturn:
    raise DTDForbidden(name, sysid, pubid)


def _refuse_entity(
    name: str,
    _parameter: bool,
    value: str | None,
    base: str | None,
    sysid: str | None,
    pubid: str | None,
    notation: str | None,
) -> NoReturn:
    raise EntitiesForbidden(name, value, base, sysid, pubid, notation)


def _refuse_unparsed_entity(
    name: str, base: str | None, sysid: str | None, pubid: str | None, notation: str | None
) -> NoReturn:
    raise EntitiesForbidden(name, None, base, sysid, pubid, notation)


def _refuse_external_reference(
    context: str, base: str | None, sysid: str | None, pubid: str | None
) -> NoReturn:
    raise ExternalReferenceForbidden(context, base, sysid, pubid)


class _SafeTreeParser:
    """defusedxml's ``fromstring(forbid_dtd=True)``, about a fifth faster.

    The same expat parser with the same refusals (the handlers below raise
    defusedxml's exceptions on a DOCTYPE, an entity declaration or an
    external reference, exactly as its parser does), and the same tree,
    built by the C :class:`TreeBuilder`; only the per-element step between
    them is leaner than ElementTree's pure-Python parser, which defusedxml
    uses: expat hands over attributes as a dict and names are turned into
    ``{namespace}local`` once per distinct name.
    """

    def __init__(self) -> None:
        self._builder = TreeBuilder()
        self._names: dict[str, str] = {}
        #: Attribute names seen without a namespace (kept as they are).
        self._plain: set[str] = set()
        parser = self._parser = expat.ParserCreate(None, "}")
        parser.StartDoctypeDeclHandler = _refuse_doctype
        parser.EntityDeclHandler = _refuse_entity
        parser.UnparsedEntityDeclHandler = _refuse_unparsed_entity
        parser.ExternalEntityRefHandler = _refuse_external_reference
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._builder.data
        parser.buffer_text = True

    def parse(self, data: bytes) -> Element:
        """The root element; raises what expat or the refusals raise. Once only."""
        try:
            self._parser.Parse(data, False)
            self._parser.Parse(b"", True)
            root: Element = self._builder.close()
        finally:
            # The parser's handlers refer back to self: break that cycle, or the
            # whole tree would wait for the cyclic collector to be freed.
            del self._parser, self._builder
        return root

    def _name(self, raw: str) -> str:
        """Expat's ``namespace}local`` as ElementTree's ``{namespace}local``."""
        name = "{" + raw if "}" in raw else raw
        self._names[raw] = name
        return name

    def _start(self, tag: str, attrs: dict[str, Any]) -> None:
        if attrs and not attrs.keys() <= self._plain:
            attrs = {self._names.get(key) or self._name(key): value for key, value in attrs.items()}
            self._plain.update(key for key in attrs if "}" not in key)
        for key, value in attrs.items():
            # Names (of codes, users, sources...) are attributes: a control
            # character XML lets through (C1, or CR, LF and tab as &#13; &#10;
            # &#9;) is made visible here, once, as every reader stores names.
            if _NAME_UNSAFE.search(value) is not None:
                attrs[key] = safe_name(value)
        self._builder.start(self._names.get(tag) or self._name(tag), attrs)

    def _end(self, tag: str) -> None:
        self._builder.end(self._names[tag])


#: What :func:`codebench.safety.safe_name` changes: controls, tab and newline included.
_NAME_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def safe_stored_text(text: str) -> str:
    """Element text (a description, a note) as it is stored: line endings as ``\n``, then
    the remaining control characters made visible (:func:`codebench.safety.safe_text`)."""
    if STORED_UNSAFE.search(text) is None:
        return text
    return safe_text(text.replace("\r\n", "\n").replace("\r", "\n"))


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


@lru_cache(maxsize=8192)
def parse_datetime(value: str | None) -> datetime | None:
    """An xsd:dateTime (None if absent or unreadable); cached, because a file
    holds one per coding and codings made in one session share their times."""
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


#: Duplicate GUIDs a warning spells out (the rest are counted).
_SHOW_DUPLICATES = 5

_CANONICAL = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class XmlDoc:
    """Namespace-aware element access plus the warning/skip ledger."""

    def __init__(self, root: Element, label: str, ns: str) -> None:
        self.root = root
        self.label = label
        self.ns = ns
        #: Counted repairs: ``(noun, rest for one, rest for several)`` -> how many times.
        self.warnings: Counter[tuple[str, str, str]] = Counter()
        self.plain_warnings: list[str] = []
        self.skipped: list[str] = []
        #: Qualified tag per local name (asked for once per element read).
        self._tags: dict[str, str] = {}
        #: Values already known to be canonical GUIDs: users and codes are
        #: referred to once per coding, so most lookups end here.
        self._canonical: set[str] = set()
        #: GUID -> what first claimed it ("code 'Joy'", "a selection"): see :meth:`claim`.
        self._owners: dict[str, str] = {}
        self._duplicates: list[str] = []

    def warn(self, noun: str, one: str, many: str, times: int = 1) -> None:
        """Count a repair made ``times`` times; the line names the count in words.

        ``one`` and ``many`` follow the noun for a count of one and of several
        ("was not ... and was dropped", "were not ... and were dropped"), so that
        the verb agrees with the count.
        """
        self.warnings[(noun, one, many)] += times

    def warning_lines(self) -> list[str]:
        """Counted repairs first ("3 code colours were ..."), then one-offs."""
        lines = [
            f"{plural(count, noun)} {one if count == 1 else many}"
            for (noun, one, many), count in self.warnings.items()
        ]
        lines += self.plain_warnings
        if self._duplicates:
            shown = "; ".join(self._duplicates[:_SHOW_DUPLICATES])
            more = len(self._duplicates) - _SHOW_DUPLICATES
            lines.append(
                f"{plural(len(self._duplicates), 'object')} "
                f"{'reuses' if len(self._duplicates) == 1 else 'reuse'} "
                "a GUID already used earlier in the file; "
                "the first object keeps the GUID (references to it go there) and each later one "
                f"was given a derived GUID: {shown}" + (f"; and {more} more" if more > 0 else "")
            )
        return lines

    def claim(self, guid: str, label: str) -> str:
        """``guid`` for the object described by ``label``, unless an earlier object
        of the file holds it: then a GUID derived from it (the same on every read),
        and the duplicate is reported. Two objects never share a GUID in the model."""
        owner = self._owners.get(guid)
        if owner is None:
            self._owners[guid] = label
            return guid
        n = 1
        fresh = guid_or_derived(f"duplicate\x1f{guid}\x1f{n}")
        while fresh in self._owners:
            n += 1
            fresh = guid_or_derived(f"duplicate\x1f{guid}\x1f{n}")
        self._owners[fresh] = label
        self._duplicates.append(f"{label} has the GUID {guid} of {owner}, which keeps it")
        return fresh

    def q(self, name: str) -> str:
        tag = self._tags.get(name)
        if tag is None:
            tag = self._tags[name] = f"{{{self.ns}}}{name}" if self.ns else name
        return tag

    def children(self, el: Element, name: str) -> list[Element]:
        return el.findall(self.q(name))

    def child(self, el: Element, name: str) -> Element | None:
        return el.find(self.q(name))

    def text(self, el: Element, name: str) -> str:
        """The text of ``el``'s child ``name`` (a description), made safe to store."""
        found = el.find(self.q(name))
        return safe_stored_text(found.text or "") if found is not None else ""

    def guid(self, value: str | None, what: str) -> str | None:
        if value is None:
            return None
        if value in self._canonical:
            return value
        if len(value) == 36 and _CANONICAL.match(value):  # lower-case hex only
            self._canonical.add(value)
            return value  # already canonical: the common case, so skip the general path
        if not value.strip():
            return None
        if not is_guid(value.strip()):
            self.warn(
                f"{what} GUID",
                "was not a valid GUID; replaced by a derived GUID",
                "were not valid GUIDs; replaced by derived GUIDs",
            )
        return guid_or_derived(value)

    def required_guid(self, el: Element, what: str, fallback: str) -> str:
        """The GUID of an object the element defines (derived from ``fallback`` when
        it has none), claimed for it (see :meth:`claim`)."""
        value = self.guid(el.get("guid"), what)
        if value is None:
            value = self.derived_guid(what, fallback)
        name = el.get("name")
        return self.claim(value, f"{what} {name!r}" if name else f"a {what}")

    def derived_guid(self, what: str, fallback: str) -> str:
        """The GUID for an object that has none, from ``fallback`` (its position)."""
        self.warn(
            what, "had no GUID; a derived GUID assigned", "had no GUID; derived GUIDs assigned"
        )
        return guid_or_derived(fallback)


def read_codes(
    doc: XmlDoc, parent: Element | None, note_refs: Callable[[Element, str], None] | None
) -> list[RefiCode]:
    """The ``Code`` tree under ``parent``, in file order, read without recursion.

    A tree deeper than :data:`MAX_CODE_DEPTH` levels is refused: nothing
    downstream (the store, exports, the TUI's tree) has to cope with it.
    """
    if parent is None:
        return []
    tag = doc.q("Code")
    codes: list[RefiCode] = []
    # (element, parent's GUID path, index among siblings, siblings list, level)
    stack: list[tuple[Element, str, int, list[RefiCode], int]] = [
        (el, "", index, codes, 1) for index, el in reversed(list(enumerate(parent.findall(tag))))
    ]
    while stack:
        el, path, index, siblings, level = stack.pop()
        name = el.get("name") or ""
        if level > MAX_CODE_DEPTH:
            raise RefiError(
                f"{doc.label}: code {name!r} sits more than {MAX_CODE_DEPTH} levels deep; "
                f"refused (codebench reads at most {MAX_CODE_DEPTH} levels of codes)"
            )
        guid = doc.required_guid(el, "code", f"code\x1f{path}\x1f{index}\x1f{name}")
        raw_colour = el.get("color")
        colour = normalize_colour(raw_colour)
        if raw_colour and colour is None:
            doc.warn(
                "code colour",
                "was not #RRGGBB and was dropped",
                "were not #RRGGBB and were dropped",
            )
        if note_refs is not None:
            note_refs(el, guid)
        code = RefiCode(
            guid=guid,
            name=name,
            is_codable=parse_bool(el.get("isCodable"), True),
            colour=colour,
            description=doc.text(el, "Description"),
            children=[],
        )
        siblings.append(code)
        children = el.findall(tag)
        stack.extend(
            (child, f"{path}/{guid}", i, code.children, level + 1)
            for i, child in reversed(list(enumerate(children)))
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
        doc.skipped.append(
            f"{plural(dropped, 'set member')} pointing at objects that were not imported"
        )
    return sets
