"""Bytes → text: the encodings user files arrive in, decided with evidence, and refusing binaries.

Transcripts and spreadsheets come from Word, transcription services, Excel
and old Windows tools: UTF-8 with or without a BOM, UTF-16, and legacy code
pages (Windows-1252 for Western text, but also Windows-1251 and KOI8-R for
Russian, Windows-1253 for Greek...). A wrong guess is not an error anyone
sees: the text is stored garbled for ever. So the encoding is decided in
this order, and every file that was not UTF-8 is reported with the encoding
chosen:

1. a byte-order mark (UTF-8, UTF-16, UTF-32) is taken at its word;
2. the encoding the user forced (``--encoding``);
3. BOM-less UTF-16, when the pattern of zero bytes is unambiguous;
4. UTF-8, when the whole file is valid UTF-8;
5. otherwise charset-normalizer, over chunks spread across the whole file,
   weighs every legacy code page; the winner must then decode the whole
   file strictly.

Text with a NUL anywhere, or more than 1% control characters, is binary and
refused (SQLite would cut stored text at a NUL); fewer controls are made
visible later, by :func:`codebench.safety.safe_text`. Line endings become ``\\n``.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import re
import stat
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from codebench.errors import CodebenchError, ImportFailed

_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f]")

#: Files larger than this are refused: no real interview transcript is this big.
MAX_BYTES = 20 * 1024 * 1024

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16-LE, whose BOM it starts with
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

#: When the evidence cannot separate code pages (they decode the letters that
#: occur to text that scores the same), the more common one is named.
_PREFERRED = ("cp1252", "cp1250", "cp1251", "cp1253", "koi8-r", "cp1254", "cp1257", "cp1255")


@dataclass(frozen=True)
class Decoded:
    """A file's text and how it was decoded."""

    text: str
    #: Python's name for the encoding (``utf-8``, ``cp1251``, ``utf-16``...).
    encoding: str
    #: Why that encoding: ``utf-8``, ``byte-order mark``, ``--encoding`` or ``detected``.
    evidence: str

    @property
    def note(self) -> str | None:
        """A line for the user when the file was not plain UTF-8, else None."""
        if self.encoding == "utf-8":
            return None
        if self.evidence == "detected":
            return f"{self.encoding} (detected; --encoding NAME chooses another)"
        return f"{self.encoding} ({self.evidence})"


def check_encoding_name(name: str) -> str:
    """Python's canonical name for text encoding ``name``; a one-line error if there is none."""
    try:
        canonical = codecs.lookup(name).name
        # LookupError for bytes-to-bytes codecs such as zlib; UnicodeError for a
        # text encoding in which one byte is not a character (UTF-16), which is fine.
        with contextlib.suppress(UnicodeError):
            b"a".decode(name)
    except LookupError:
        raise CodebenchError(
            f"unknown text encoding {name!r} (try utf-8, cp1252, cp1251, koi8-r, cp1253, latin-1)"
        ) from None
    return canonical


def check_size(size: int, name: str, limit: int = MAX_BYTES) -> None:
    """Refuse a file of ``size`` bytes when it is over ``limit``."""
    if size > limit:
        raise ImportFailed(
            f"{name}: file too large ({size / 1e6:.0f} MB; the limit is {limit // 2**20} MiB)"
        )


def read_limited(path: Path, name: str, limit: int = MAX_BYTES) -> bytes:
    """The bytes of regular file ``path``, refused before reading when over ``limit``.

    The size is checked on the open file (``fstat``), so a 4 GB file costs
    nothing, and at most ``limit + 1`` bytes are read in case it grows.
    ``O_NONBLOCK`` keeps a FIFO from hanging the open; it is then refused as
    not a regular file.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        raise ImportFailed(f"{name}: cannot read ({error.strerror})") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ImportFailed(f"{name}: not a regular file")
        check_size(info.st_size, name, limit)
        try:
            data = handle.read(info.st_size + 1)  # no 20 MiB buffer for a 10 KB file
            if len(data) > info.st_size:  # it grew since fstat
                data += handle.read(limit + 1 - len(data))
        except OSError as error:
            raise ImportFailed(f"{name}: cannot read ({error.strerror})") from None
    check_size(len(data), name, limit)
    return data


def normalise_newlines(text: str) -> str:
    """CRLF and lone CR become LF; a leading BOM is dropped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.removeprefix("\ufeff")


def decode_bytes(data: bytes, name: str, encoding: str | None = None) -> Decoded:
    """Decode a user's text file, raising :class:`ImportFailed` naming ``name``.

    ``encoding`` forces an encoding for files without a byte-order mark.
    """
    check_size(len(data), name)
    decoded = _decode(data, name, encoding)
    text = normalise_newlines(decoded.text)
    nul = text.find("\x00")
    if nul >= 0:
        raise ImportFailed(f"{name}: binary file, not text (a NUL character at character {nul:,})")
    if _looks_binary(text):
        raise ImportFailed(f"{name}: binary file, not text (more than 1% control characters)")
    if not text.strip():
        raise ImportFailed(f"{name}: empty file")
    return Decoded(text, decoded.encoding, decoded.evidence)


def _decode(data: bytes, name: str, forced: str | None) -> Decoded:
    for bom, bom_encoding in _BOMS:
        if data.startswith(bom):
            text = _strict(data, bom_encoding, name)
            encoding = "utf-8" if bom_encoding == "utf-8-sig" else bom_encoding
            return Decoded(text, encoding, "utf-8" if encoding == "utf-8" else "byte-order mark")
    if forced is not None:
        encoding = check_encoding_name(forced)
        return Decoded(_strict(data, encoding, name), encoding, "--encoding")
    utf16 = _bomless_utf16(data)
    if utf16 is not None:
        return Decoded(_strict(data, utf16, name), utf16, "zero-byte pattern")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise ImportFailed(f"{name}: binary file, not text (a NUL byte at byte {nul:,})")
    try:
        return Decoded(data.decode("utf-8"), "utf-8", "utf-8")
    except UnicodeDecodeError:
        pass
    return _detect(data, name)


def _strict(data: bytes, encoding: str, name: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise ImportFailed(
            f"{name}: cannot decode as {encoding} (byte {error.start:,}); "
            "give the right one with --encoding NAME"
        ) from None


def _bomless_utf16(data: bytes) -> str | None:
    if b"\x00" not in data[:4096] or len(data) % 2:
        return None
    sample = data[:4096]
    even_zeros = sample[0::2].count(0)
    odd_zeros = sample[1::2].count(0)
    half = max(len(sample) // 2, 1)
    if max(even_zeros, odd_zeros) / half > 0.3 and min(even_zeros, odd_zeros) / half < 0.05:
        return "utf-16-le" if odd_zeros > even_zeros else "utf-16-be"
    return None


@lru_cache(maxsize=1)
def _legacy_encodings() -> list[str]:
    """Every encoding charset-normalizer knows except the Unicode ones (ruled out by now).

    Leaving UTF-8 and ASCII out also keeps charset-normalizer from declaring
    an early "definitive" winner and skipping the other scripts' code pages
    (it would otherwise read Greek Windows-1253 as Russian Windows-1251).
    """
    from charset_normalizer.constant import IANA_SUPPORTED

    return [e for e in IANA_SUPPORTED if e != "ascii" and not e.startswith("utf")]


def _detect(data: bytes, name: str) -> Decoded:
    """Not Unicode: the legacy code page the evidence favours, decoding the whole file."""
    from charset_normalizer import from_bytes

    chunk = min(len(data), 1024)
    steps = max(1, min(32, len(data) // 1024))
    matches = list(
        from_bytes(data, steps=steps, chunk_size=chunk, cp_isolation=_legacy_encodings())
    )
    for encoding in _ranked(data, matches):
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue  # charset-normalizer only sampled a very large file
        return Decoded(text, encoding, "detected")
    raise ImportFailed(
        f"{name}: cannot tell the text encoding (not UTF-8 or UTF-16, and no code page fits); "
        "give it with --encoding NAME"
    )


def _ranked(data: bytes, matches: list) -> list[str]:
    """Candidate encodings, best first: charset-normalizer's scores, then letters, then commonness."""
    if not matches:
        return []
    best = matches[0]
    tied: list[str] = []
    rest: list[str] = []
    for match in matches:
        try:
            canonical = codecs.lookup(match.encoding).name
        except LookupError:
            continue
        close = (
            abs(match.percent_chaos - best.percent_chaos) <= 0.5
            and abs(match.percent_coherence - best.percent_coherence) <= 1.0
        )
        (tied if close else rest).append(canonical)
    return _break_tie(data, tied) + [e for e in rest if e not in tied]


def _break_tie(data: bytes, tied: list[str]) -> list[str]:
    """Order code pages that charset-normalizer scored (almost) the same.

    Its coherence score looks only at the commonest letters, so Windows-1252
    and -1250 (or -1254) tie on French or Turkish text although they decode
    è or ş differently. The tie is broken by how many of the decoded non-ASCII
    letters are common letters of one language, then by how common the code
    page is; a more common code page that decodes to exactly the same text as
    the winner is named in its place (German text reads the same in -1250 and
    -1252, and the user should be told the familiar name).
    """
    texts: dict[str, str] = {}
    for encoding in tied:
        with contextlib.suppress(UnicodeDecodeError):
            texts[encoding] = data.decode(encoding)
    if not texts:
        return tied
    fit = {e: _letter_fit(text) if len(texts) > 1 else 0.0 for e, text in texts.items()}
    ordered = sorted(texts, key=lambda e: (-fit[e], _commonness(e)))
    winner = ordered[0]
    for encoding in _PREFERRED[: _commonness(winner)]:
        try:
            same = data.decode(encoding) == texts[winner]
        except UnicodeDecodeError:
            continue
        if same:
            return [encoding, *ordered]
    return ordered


def _commonness(encoding: str) -> int:
    return _PREFERRED.index(encoding) if encoding in _PREFERRED else len(_PREFERRED)


_NON_ASCII = re.compile("[^\x00-\x7f]")


def _letter_fit(text: str) -> float:
    """The largest share of ``text``'s non-ASCII letters that are common letters of one language."""
    try:
        from charset_normalizer.constant import FREQUENCIES
    except ImportError:  # pragma: no cover - an internal table; without it, no tie-break
        return 0.0
    counts: Counter[str] = Counter()
    for char, n in Counter(_NON_ASCII.findall(text)).items():
        if char.isalpha():
            counts[char.lower()] += n
    total = sum(counts.values())
    if not total:
        return 0.0
    best = 0
    for common in FREQUENCIES.values():
        alphabet = {c.lower() for c in common}
        best = max(best, sum(n for c, n in counts.items() if c in alphabet))
    return best / total


def _looks_binary(text: str) -> bool:
    """More than 1% of the whole text is control characters (and not just a stray few).

    A handful of controls in a short file (an escape sequence pasted from a
    terminal) is text with something odd in it: it is kept, made visible.
    """
    if _CONTROL.search(text) is None:
        return False
    count = _CONTROL.subn("", text)[1]
    return count > 64 and count > len(text) / 100
