"""Bytes → text: encodings real transcripts arrive in, and refusing binaries.

Transcripts come from Word, transcription services and old Windows tools:
UTF-8 with or without a BOM, UTF-16 with a BOM, and Windows-1252. We decode
strictly where we can, fall back to detection, normalise line endings to
``\\n`` and refuse anything that looks binary, so a mis-decoded file never
becomes a transcript with shifted offsets.
"""

from __future__ import annotations

import codecs
import re

from codebench.errors import ImportFailed

_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f]")

#: Files larger than this are refused: no real interview transcript is this big.
MAX_BYTES = 20 * 1024 * 1024


def normalise_newlines(text: str) -> str:
    """CRLF and lone CR become LF; a leading BOM is dropped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.removeprefix("\ufeff")


def decode_bytes(data: bytes, name: str) -> str:
    """Decode transcript bytes, raising :class:`ImportFailed` naming ``name``."""
    if len(data) > MAX_BYTES:
        raise ImportFailed(
            f"{name}: file too large ({len(data) / 1e6:.0f} MB; the limit is {MAX_BYTES // 2**20} MiB)"
        )
    if data.startswith(codecs.BOM_UTF8):
        text = _strict(data[3:], "utf-8", name)
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = _strict(data, "utf-16", name)
    elif b"\x00" in data[:4096]:
        if _looks_like_bomless_utf16(data):
            text = _strict(data, "utf-16-le" if data[1:2] == b"\x00" else "utf-16-be", name)
        else:
            raise ImportFailed(f"{name}: binary file, not a text transcript")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = _fallback(data, name)
    text = normalise_newlines(text)
    if _control_ratio(text) > 0.01:
        raise ImportFailed(f"{name}: binary file, not a text transcript")
    if not text.strip():
        raise ImportFailed(f"{name}: empty file")
    return text


def _strict(data: bytes, encoding: str, name: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise ImportFailed(f"{name}: cannot decode as {encoding} (byte {error.start})") from None


def _looks_like_bomless_utf16(data: bytes) -> bool:
    sample = data[:4096]
    even_zeros = sample[0::2].count(0)
    odd_zeros = sample[1::2].count(0)
    half = max(len(sample) // 2, 1)
    return max(even_zeros, odd_zeros) / half > 0.3 and min(even_zeros, odd_zeros) / half < 0.05


def _fallback(data: bytes, name: str) -> str:
    """Not UTF-8: Windows-1252 if it decodes, else what charset-normalizer finds."""
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise ImportFailed(f"{name}: cannot decode (not UTF-8, UTF-16 or Windows-1252)")
    return str(best)


def _control_ratio(text: str) -> float:
    sample = text[:20000]
    if not sample:
        return 0.0
    return len(_CONTROL.findall(sample)) / len(sample)
