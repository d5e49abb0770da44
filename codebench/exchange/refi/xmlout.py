"""Indented XML output for the REFI-QDA writer, escaping done in one place.

An export writes hundreds of thousands of elements (two per coding), and
:class:`xml.sax.saxutils.XMLGenerator` spends most of an export's time in
per-element Python calls and per-write text encoding. :class:`XmlEmitter`
keeps its exact output -- the same declaration, indentation, attribute
quoting (:func:`xml.sax.saxutils.quoteattr`), character escaping, empty
elements as ``<tag/>`` and unencodable characters as character references
-- but collects strings and encodes them in large blocks.

Every attribute value and every text node goes through :func:`quote_attr`
or :func:`escape_text`; callers never build markup from unescaped values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import BinaryIO
from xml.sax.saxutils import escape, quoteattr

from .document import normalize_newlines

__all__ = ["Attrs", "XmlEmitter", "escape_text", "quote_attr"]

#: Attributes in output order; ``None`` values are left out.
Attrs = Mapping[str, str | None]

#: Characters :func:`quoteattr` changes (a ``'`` only matters next to a ``"``).
_ATTR_SPECIAL = re.compile('[&<>"\n\r\t]')
_TEXT_SPECIAL = re.compile("[&<>]")
#: Collected strings written out per block (about a megabyte of XML).
_FLUSH_PARTS = 16_384
_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'


def quote_attr(value: str) -> str:
    """``value`` as a quoted attribute value, exactly as :func:`quoteattr` writes it.

    Most values (GUIDs, numbers, timestamps) need no escaping, so they skip
    the general path.
    """
    if _ATTR_SPECIAL.search(value) is None:
        return f'"{value}"'
    return quoteattr(value)


def escape_text(value: str) -> str:
    """Character data escaped as :meth:`XMLGenerator.characters` escapes it."""
    if _TEXT_SPECIAL.search(value) is None:
        return value
    return escape(value)


def format_attrs(attrs: Attrs) -> str:
    """`` name="value"`` for each attribute that is not None, in order."""
    out = ""
    for name, value in attrs.items():
        if value is not None:
            out += f" {name}={quote_attr(value)}"
    return out


class XmlEmitter:
    """Element-by-element, indented (two spaces) UTF-8 XML on a binary stream.

    Output is what ``XMLGenerator(stream, "utf-8", short_empty_elements=True)``
    wrote for the same calls with the writer's indentation: each child on its
    own line, an element without children or text written as ``<tag/>``.
    """

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._parts: list[str] = []
        #: Per open element: has it got a child element yet?
        self._has_children: list[bool] = []
        #: An open start tag whose ``>`` (or ``/>``) is not written yet.
        self._pending = False

    # -- document -------------------------------------------------------------------

    def start_document(self) -> None:
        self._parts.append(_DECLARATION)

    def end_document(self) -> None:
        self._close_pending()
        self._parts.append("\n")
        self.flush()

    def flush(self) -> None:
        """Encode what was collected and write it (unencodable characters as references)."""
        if self._parts:
            self._stream.write("".join(self._parts).encode("utf-8", "xmlcharrefreplace"))
            self._parts.clear()

    # -- elements ---------------------------------------------------------------------

    def _close_pending(self) -> None:
        if self._pending:
            self._parts.append(">")
            self._pending = False

    def _open_child(self) -> str:
        """Close the parent's start tag and return the new line's indentation."""
        self._close_pending()
        stack = self._has_children
        if not stack:
            return ""  # the root: the declaration already ended its line
        stack[-1] = True
        if len(self._parts) >= _FLUSH_PARTS:
            self.flush()
        return "\n" + "  " * len(stack)

    def start(self, tag: str, attrs: Attrs) -> None:
        self._parts.append(f"{self._open_child()}<{tag}{format_attrs(attrs)}")
        self._pending = True
        self._has_children.append(False)

    def end(self, tag: str) -> None:
        if self._has_children.pop():
            self._close_pending()
            self._parts.append("\n" + "  " * len(self._has_children))
        if self._pending:
            self._parts.append("/>")
            self._pending = False
        else:
            self._parts.append(f"</{tag}>")

    @contextmanager
    def element(self, tag: str, attrs: Attrs | None = None) -> Iterator[None]:
        self.start(tag, attrs or {})
        yield
        self.end(tag)

    def leaf(self, tag: str, attrs: Attrs) -> None:
        """An element without children: ``<tag .../>``."""
        self._parts.append(f"{self._open_child()}<{tag}{format_attrs(attrs)}/>")

    def with_leaves(self, tag: str, attrs: Attrs, leaves: Iterable[tuple[str, Attrs]]) -> None:
        """An element whose children are all leaves, written in one piece
        (a ``Coding`` and its ``CodeRef``: the bulk of a project file)."""
        indent = self._open_child()
        closing = indent or "\n"  # the root's children and end tag still go on new lines
        inner = closing + "  "
        body = ""
        for name, values in leaves:
            body += f"{inner}<{name}{format_attrs(values)}/>"
        if body:
            self._parts.append(f"{indent}<{tag}{format_attrs(attrs)}>{body}{closing}</{tag}>")
        else:
            self._parts.append(f"{indent}<{tag}{format_attrs(attrs)}/>")

    def text(self, tag: str, content: str) -> None:
        """``<tag>content</tag>`` (``<tag/>`` when empty); line ends written as LF
        (XML parsers normalise them anyway, so this is what any reader would see)."""
        indent = self._open_child()
        content = normalize_newlines(content)
        if content:
            self._parts.append(f"{indent}<{tag}>{escape_text(content)}</{tag}>")
        else:
            self._parts.append(f"{indent}<{tag}/>")
