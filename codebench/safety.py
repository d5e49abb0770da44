"""Making user text safe to put into outputs: terminals, spreadsheets, XML documents.

Transcript text, code names, descriptions, attribute values, coder names,
memos and file names all come from files a user (or someone who sent the
user a file) wrote. Three kinds of output would otherwise run part of that
text instead of showing it:

- **terminals** obey escape sequences (``ESC ] 0 ; title BEL`` sets the
  window title, ``ESC [ 31 m`` recolours, ``CSI`` in its 8-bit form does
  the same) and bidirectional overrides (``U+202E``) reorder what is seen;
- **spreadsheets** run a cell that starts with ``=``, ``+``, ``-`` or ``@``
  as a formula (``=HYPERLINK(...)`` becomes a live link);
- **XML documents** (XLSX, DOCX, SVG) cannot hold most C0 control
  characters at all, so their writers crash on them.

Every writer and every terminal print calls one of the functions here, so
the rule lives in one place. The rendering is one character for one
character (code points), so offsets into a text stay valid and table columns
stay aligned: C0 controls and DEL become their Unicode "control picture"
(``ESC`` shows as ``␛``, ``NUL`` as ``␀``); C1 controls, bidirectional
embeddings/overrides/isolates, lone surrogates and the non-characters
U+FFFE/U+FFFF become ``�`` (U+FFFD). Tab and newline are kept.

Text is also made safe once on the way *in* (:func:`safe_text`, used by every
importer), with a narrower rule that keeps what a transcript may legitimately
hold (bidirectional marks in right-to-left text), so the stored text needs
no escaping later and offsets into it stay valid.

No rich, textual or click here: the core, the CLI and the TUI all use it.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import html
import os
import re
from numbers import Number
from pathlib import PurePath
from typing import Any

#: Characters shown as something else: C0 (except tab, newline), DEL, C1, bidi controls,
#: lone surrogates and the two non-characters XML forbids.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]"
)
#: The same, with tab and newline too (for one-line messages).
_UNSAFE_ONE_LINE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]"
)
#: U+2400 + n is the control picture of C0 character n; U+2421 is DEL's.
_CONTROL_PICTURES = 0x2400
_DEL_PICTURE = "\u2421"
REPLACEMENT = "\ufffd"

#: First characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection"),
#: with their full-width forms, which some spreadsheet programs fold to the ASCII ones.
FORMULA_TRIGGERS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
#: The only colour form drawn: ``#RRGGBB``.
_COLOUR = re.compile(r"#[0-9A-Fa-f]{6}")
#: Excel's longest cell; longer text makes it "repair" the file and drop content.
XLSX_CELL_LIMIT = 32_767
_TRUNCATED = "… [truncated]"


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(_CONTROL_PICTURES + code)
    if code == 0x7F:
        return _DEL_PICTURE
    return REPLACEMENT


def visible_controls(text: str) -> str:
    """``text`` with every control character except tab and newline made visible (1:1).

    C0 controls and DEL become control pictures (``\\x1b`` → ``␛``, ``\\r`` →
    ``␍``); C1 controls, bidi overrides and isolates, lone surrogates and
    U+FFFE/U+FFFF become ``�``. Text without any comes back unchanged (the
    same object), so the common case costs one regular-expression scan.
    """
    if not _UNSAFE.search(text):
        return text
    return _UNSAFE.sub(_picture, text)


def terminal_safe(value: Any) -> str:
    """``value`` as text that prints on a terminal exactly as it reads (no escape sequences)."""
    return visible_controls(value if isinstance(value, str) else str(value))


def one_line(value: Any) -> str:
    """``value`` as terminal-safe text on one line (tab and newline made visible too).

    For error messages and status lines, where a file name holding a newline
    must not start a second, made-up line.
    """
    text = value if isinstance(value, str) else str(value)
    if not _UNSAFE_ONE_LINE.search(text):
        return text
    return _UNSAFE_ONE_LINE.sub(_picture, text)


def xml_safe(text: str) -> str:
    """``text`` holding only characters XML 1.0 allows (for XLSX, DOCX, SVG and HTML).

    The same 1:1 rendering as :func:`visible_controls`, so a writer never
    crashes on a control character and the reader sees where one was.
    """
    return visible_controls(text)


def html_text(value: Any) -> str:
    """``value`` as HTML/SVG text or attribute value: controls made visible, then escaped."""
    return html.escape(xml_safe(value if isinstance(value, str) else str(value)))


def spreadsheet_cell(value: Any, *, limit: int | None = None) -> Any:
    """A cell value that a spreadsheet shows as data, never runs as a formula.

    Numbers (``int``, ``float``, ``bool``, any :class:`numbers.Number`),
    dates and times, and ``None`` come back unchanged, so they stay numeric (negative numbers
    too). Anything else becomes text with control characters made visible;
    text whose first non-blank character is ``=``, ``+``, ``-``, ``@``, tab,
    carriage return or a full-width ``＝＋－＠`` gets a leading ``'`` (the
    OWASP rule), which spreadsheets show and never evaluate. ``limit``
    truncates longer text, marked, to fit a format's cell size.
    """
    if value is None or isinstance(value, (Number, _dt.date, _dt.time)):
        return value
    raw = value if isinstance(value, str) else str(value)
    # Look at the raw text: a leading tab or CR is itself a trigger, before it is made visible.
    stripped = raw.lstrip(" \u00a0\u3000")
    text = visible_controls(raw)
    if stripped and stripped[0] in FORMULA_TRIGGERS:
        text = "'" + text
    if limit is not None and len(text) > limit:
        text = text[: limit - len(_TRUNCATED)] + _TRUNCATED
    return text


def json_safe(encoded: str) -> str:
    """JSON text with C1 and bidi controls written as ``\\uXXXX`` escapes (same data).

    ``json.dumps(..., ensure_ascii=False)`` escapes C0 controls but writes
    C1 controls and bidi overrides raw; inside a JSON string an escape means
    the same character, so this changes how the text prints, not what it
    holds.
    """
    if not _UNSAFE.search(encoded):
        return encoded
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", encoded)


def style_colour(value: str | None) -> str | None:
    """``value`` if it is a ``#RRGGBB`` colour, else ``None``.

    Colours are handed to style parsers (rich, Textual, matplotlib) that read
    words like ``link https://…`` or ``blink`` as instructions, or raise on
    anything they do not know.
    """
    return value if value is not None and _COLOUR.fullmatch(value) else None


# --------------------------------------------------------------------------- on the way in
#: What :func:`safe_text` replaces in text being stored: C0 controls except tab and
#: newline, DEL, C1 controls and lone surrogates (which cannot be stored as UTF-8).
STORED_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def safe_text(text: str) -> str:
    """``text`` as it is stored: control characters except tab and newline made visible, 1:1.

    Every way text enters a project (the transcript readers, attribute CSVs,
    REFI-QDA sources, JSONL dumps) passes it through here once. Each control
    becomes exactly one character (as in :func:`visible_controls`), so offsets
    into the text (REFI-QDA selections, JSONL codings, subtitle cues) stay
    valid and the reader sees which control was there.
    """
    if STORED_UNSAFE.search(text) is None:
        return text  # the usual case: no copy
    return STORED_UNSAFE.sub(_picture, text)


def safe_text_and_sha256(text: str, sha256: str | None = None) -> tuple[str, str]:
    """:func:`safe_text` of ``text`` and the sha256 of the result (what identifies a transcript).

    ``sha256``, the known hash of ``text``, is returned as it is when nothing
    needed replacing, which saves hashing the text again.
    """
    safe = safe_text(text)
    if safe is text and sha256 is not None:
        return safe, sha256
    return safe, hashlib.sha256(safe.encode("utf-8")).hexdigest()


def safe_name(text: str) -> str:
    """A name (of a file, transcript, coder or code) as it is stored: :func:`safe_text`, and
    on one line, tab and newline made visible too (``␉``, ``␊``), so a name printed
    in a message can never start a made-up second line."""
    safe = safe_text(text)
    if "\n" in safe or "\t" in safe:
        safe = safe.replace("\n", "\u240a").replace("\t", "\u2409")
    return safe


def safe_file_name(name: str | PurePath) -> str:
    """A file name or path as it can be stored and printed.

    Names that are not valid UTF-8 reach Python with the odd bytes smuggled
    in as lone surrogates; they are shown as ``\\xNN`` escapes (so two such
    names stay distinct), and control characters, tab and newline included,
    are made visible (:func:`safe_name`).
    """
    raw = os.fsencode(name)
    return safe_name(raw.decode("utf-8", "backslashreplace"))
