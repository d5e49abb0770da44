"""Text that is safe to store and to print: control characters made visible.

Transcript text, speaker names, attribute values and file names end up on
the user's terminal. A control character in them (ESC starts a terminal
escape sequence; CR rewrites the line; BEL, backspace...) lets a hostile file
recolour, hide or forge what codebench prints. Every way text enters a
project (the transcript readers, attribute CSVs, REFI-QDA sources, JSONL
dumps) passes it through :func:`safe_text` once, so nothing stored needs
escaping later.

The characters are made *visible* rather than stripped: each is replaced by
exactly one character, so offsets into the text (REFI-QDA selections, JSONL
codings, subtitle cue positions) stay valid, and the reader sees that
something was there and which control it was.

* C0 controls (U+0000-U+001F) except tab and newline become the matching
  Control Pictures symbol (ESC -> U+241B, CR -> U+240D), DEL becomes U+2421;
* C1 controls (U+0080-U+009F), which have no pictures, become U+FFFD;
* lone UTF-16 surrogates (from broken escapes in RTF or JSON), which cannot
  be stored as UTF-8 at all, become U+FFFD.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import PurePath

#: Every character :func:`safe_text` replaces.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")

_REPLACEMENTS: dict[int, str] = {
    **{code: chr(0x2400 + code) for code in range(0x20) if code not in (0x09, 0x0A)},
    0x7F: "\u2421",
    **{code: "\ufffd" for code in range(0x80, 0xA0)},
    **{code: "\ufffd" for code in range(0xD800, 0xE000)},
}


def safe_text(text: str) -> str:
    """``text`` with every control character except tab and newline made visible, 1:1."""
    if UNSAFE.search(text) is None:
        return text  # the usual case: no copy
    return text.translate(_REPLACEMENTS)


def safe_text_and_sha256(text: str, sha256: str | None = None) -> tuple[str, str]:
    """:func:`safe_text` of ``text`` and the sha256 of the result (what identifies a transcript).

    ``sha256``, the known hash of ``text``, is returned as it is when nothing
    needed replacing, which saves hashing the text again.
    """
    safe = safe_text(text)
    if safe is text and sha256 is not None:
        return safe, sha256
    return safe, hashlib.sha256(safe.encode("utf-8")).hexdigest()


def safe_file_name(name: str | PurePath) -> str:
    """A file name or path as it can be stored and printed.

    Names that are not valid UTF-8 reach Python with the odd bytes smuggled
    in as lone surrogates; they are shown as ``\\xNN`` escapes (so two such
    names stay distinct), and control characters are made visible.
    """
    raw = os.fsencode(name)
    return safe_text(raw.decode("utf-8", "backslashreplace"))
