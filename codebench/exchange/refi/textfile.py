"""Decoding the plain-text files inside a ``.qdpx``.

The spec asks for UTF-8, but real exports differ: NVivo writes UTF-8 *with*
a BOM and CRLF line endings, other tools UTF-16 with a BOM.  Selection
positions count characters of this text, so we must decode it exactly (no
newline translation, BOM removed but remembered) and record how it was
stored; :mod:`.offsets` then maps positions onto the normalised text.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

__all__ = ["DecodedText", "decode_text", "newline_style"]

# Longest BOMs first: the UTF-32-LE BOM starts with the UTF-16-LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


@dataclass(frozen=True)
class DecodedText:
    """A decoded text file and how it was stored."""

    text: str
    encoding: str
    has_bom: bool
    newline: str
    #: Set when the bytes were not valid in the chosen encoding and some
    #: characters were replaced; a human-readable explanation.
    problem: str | None = None


def newline_style(text: str) -> str:
    """``"\\r\\n"``, ``"\\n"``, ``"\\r"``, ``"mixed"`` or ``""`` (no breaks)."""
    crlf = text.count("\r\n")
    lone_cr = text.count("\r") - crlf
    lone_lf = text.count("\n") - crlf
    kinds = [kind for kind, count in (("\r\n", crlf), ("\n", lone_lf), ("\r", lone_cr)) if count]
    if not kinds:
        return ""
    return kinds[0] if len(kinds) == 1 else "mixed"


def _looks_utf16(data: bytes) -> str | None:
    """Guess BOM-less UTF-16 from the pattern of zero bytes (ASCII-heavy
    text in UTF-16 has a NUL in every other byte)."""
    if len(data) < 4 or len(data) % 2:
        return None
    sample = data[:4096]
    even_zero = sample[0::2].count(0)
    odd_zero = sample[1::2].count(0)
    half = len(sample) // 2
    # UTF-8 text has no NUL bytes at all, so a clear majority on one side is enough.
    if odd_zero > 0.3 * half and even_zero * 4 < odd_zero:
        return "utf-16-le"
    if even_zero > 0.3 * half and odd_zero * 4 < even_zero:
        return "utf-16-be"
    return None


def decode_text(data: bytes) -> DecodedText:
    """Decode a source file: BOM-detected encodings, else UTF-8.

    Never raises: undecodable bytes are replaced (U+FFFD) and ``problem``
    says so, because a liberal reader should import what it can and let the
    caller report the damage.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            body = data[len(bom) :]
            return _decode(body, encoding, has_bom=True)
    guessed = _looks_utf16(data)
    if guessed is not None:
        return _decode(data, guessed, has_bom=False)
    return _decode(data, "utf-8", has_bom=False)


def _decode(body: bytes, encoding: str, *, has_bom: bool) -> DecodedText:
    problem = None
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as exc:
        text = body.decode(encoding, errors="replace")
        problem = f"not valid {encoding} (first bad byte at offset {exc.start}); bad bytes replaced"
    return DecodedText(text, encoding, has_bom, newline_style(text), problem)
