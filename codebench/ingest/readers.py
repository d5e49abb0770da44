"""Readers for each transcript file format, all producing speaker turns.

Each reader takes the file's bytes and returns its turns (and, for text
formats, how the bytes were decoded); the layout and segmentation steps after
it are shared by every format. :func:`read_transcript` is the one way in: it
makes every speaker name and paragraph safe (:func:`codebench.safety.safe_text`)
whatever the format, so no reader can let a control character through.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codebench.errors import ImportFailed
from codebench.ingest.decode import Decoded, check_size, decode_bytes, normalise_newlines
from codebench.ingest.turns import Turn, parse_text_turns, parse_time
from codebench.safety import STORED_UNSAFE, safe_file_name, safe_text

if TYPE_CHECKING:
    from docx.text.paragraph import Paragraph

#: File suffixes codebench imports, and the format name stored for each.
FORMATS = {
    ".txt": "txt",
    ".md": "md",
    ".markdown": "md",
    ".docx": "docx",
    ".vtt": "vtt",
    ".srt": "srt",
    ".rtf": "rtf",
}

_VOICE = re.compile(r"^<v(?:\.[\w.]+)?\s+([^>]+)>(.*?)(?:</v>)?$", re.DOTALL)
_CUE_LABEL = re.compile(
    r"^(?:-\s*)?([A-Za-z\u00C0-\u024F][\w'’.\-]*(?:[ \t]+[\w'’.\-]+){0,3})[ \t]*:[ \t]+(.*)$",
    re.DOTALL,
)
_TAGS = re.compile(r"</?[^>]+>")
#: ``\\uN`` with an unescaped backslash: RTF's Unicode escape (N may be out of range in a bad file).
_RTF_UNICODE = re.compile(r"(?<!\\)((?:\\\\)*)\\u(-?\d{1,10})")

#: A .docx whose parts unzip to more than this is refused before it is parsed
#: (a 1.5 MB "zip bomb" can expand to 1.5 GB). Real transcripts, images
#: included, stay far below it.
MAX_DOCX_EXPANDED = 100 * 1024 * 1024

#: What a reader returns: the turns, and how the bytes were decoded (None for .docx).
ReaderResult = tuple[list[Turn], Decoded | None]
Reader = Callable[[bytes, str, tuple[str, ...], str | None], ReaderResult]


@dataclass(frozen=True)
class Transcript:
    """One file read into speaker turns, every string in them safe to store and print."""

    turns: list[Turn]
    fmt: str
    #: How the bytes were decoded (None for formats that declare their own, .docx).
    decoded: Decoded | None


def read_turns(
    path: Path, data: bytes, interviewers: tuple[str, ...] = ()
) -> tuple[list[Turn], str]:
    """Parse ``data`` (the bytes of ``path``) into turns according to its suffix."""
    transcript = read_transcript(path, data, interviewers)
    return transcript.turns, transcript.fmt


def read_transcript(
    path: Path, data: bytes, interviewers: tuple[str, ...] = (), encoding: str | None = None
) -> Transcript:
    """Read ``data`` (the bytes of ``path``) by its suffix; ``encoding`` forces a text encoding."""
    name = safe_file_name(path.name)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ImportFailed(
            f"{name}: unsupported file type {safe_file_name(path.suffix) or '(none)'!r} (use .txt, .md, .docx, .vtt, .srt or .rtf)"
        )
    check_size(len(data), name)
    turns, decoded = _READERS[fmt](data, name, interviewers, encoding)
    if STORED_UNSAFE.search("".join(_strings(turns))):  # one scan; the usual answer is no
        turns = [_safe_turn(t) for t in turns]
    if not turns or not any(p.strip() for t in turns for p in t.paragraphs):
        raise ImportFailed(f"{name}: no transcript text found")
    return Transcript(turns, fmt, decoded)


def _strings(turns: list[Turn]) -> Iterator[str]:
    for turn in turns:
        if turn.speaker is not None:
            yield turn.speaker
        yield from turn.paragraphs


def _safe_turn(turn: Turn) -> Turn:
    """The turn with control characters made visible (one for one, so cue offsets hold)."""
    turn.speaker = safe_text(turn.speaker) if turn.speaker is not None else None
    turn.paragraphs = [safe_text(p) for p in turn.paragraphs]
    return turn


def _read_text(
    data: bytes, name: str, interviewers: tuple[str, ...], encoding: str | None
) -> ReaderResult:
    decoded = decode_bytes(data, name, encoding)
    return parse_text_turns(decoded.text, interviewers), decoded


def _read_rtf(
    data: bytes, name: str, interviewers: tuple[str, ...], encoding: str | None
) -> ReaderResult:
    """RTF converted to text. ``\\'xx`` escapes follow the document's ``\\ansicpg``
    (else ``encoding``, else Windows-1252, RTF's default); a ``\\uN`` out of
    Unicode's range becomes U+FFFD, surrogate pairs are joined and a lone
    surrogate becomes U+FFFD, so a broken escape never stops the import."""
    from striprtf.striprtf import rtf_to_text

    decoded = decode_bytes(data, name, encoding)
    raw = decoded.text
    if not raw.lstrip().startswith("{\\rtf"):
        raise ImportFailed(f"{name}: not an RTF document")
    raw = _RTF_UNICODE.sub(_in_range_unicode_escape, raw)
    try:
        text = rtf_to_text(raw, encoding=encoding or "cp1252")
    except UnicodeDecodeError as error:
        raise ImportFailed(
            f"{name}: RTF escapes are not valid {error.encoding} (the document's code page)"
        ) from None
    except Exception as error:  # noqa: BLE001 - the converter's own errors on broken input vary
        raise ImportFailed(f"{name}: not a valid RTF document ({error})") from None
    text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return parse_text_turns(normalise_newlines(text), interviewers), decoded


def _in_range_unicode_escape(match: re.Match[str]) -> str:
    value = int(match.group(2))
    if -32768 <= value <= 65535:
        return match.group(0)
    return match.group(1) + "\\u65533"


def check_docx_archive(data: bytes, name: str, limit: int = MAX_DOCX_EXPANDED) -> None:
    """Refuse a .docx whose members unzip to more than ``limit`` bytes, before parsing it.

    The sizes the archive declares are checked first (free); then every
    member is inflated in 1 MiB pieces and counted, because a hostile archive
    can declare small sizes and a CRC check only fails after the damage.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
        if sum(member.file_size for member in members) > limit:
            raise _TooLarge
        total = 0
        for member in members:
            with archive.open(member) as handle:
                while piece := handle.read(1 << 20):
                    total += len(piece)
                    if total > limit:
                        raise _TooLarge
    except _TooLarge:
        raise ImportFailed(
            f"{name}: unzips to more than {limit // 2**20} MiB; refused (a real transcript is far smaller)"
        ) from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError) as error:
        raise ImportFailed(f"{name}: not a valid .docx file ({error})") from None
    except (EOFError, ValueError, RuntimeError) as error:  # zlib and encrypted-member errors
        raise ImportFailed(f"{name}: not a valid .docx file ({error})") from None


class _TooLarge(Exception):
    pass


@dataclass(frozen=True)
class _Row:
    """A table row of a .docx: its text, and the speaker its first cell names (if it does)."""

    speaker: str | None
    text: str


_TIME_CELL = re.compile(r"^[\[(]?\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?[\])]?$")


def _body_blocks(document: Any) -> Iterator[Paragraph | _Row]:
    """The body's paragraphs and table rows, in document order.

    Transcription services often deliver a transcript as a table (time,
    speaker, text); python-docx's ``document.paragraphs`` skips tables, so
    their text used to vanish without a word. Nested tables are read too,
    without recursion (a hostile document may nest them thousands deep).
    """
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph as DocxParagraph

    body = document._body
    for child in body._element.iterchildren():
        if child.tag == qn("w:p"):
            yield DocxParagraph(child, body)
        elif child.tag == qn("w:tbl"):
            yield from _table_rows(Table(child, body))


def _table_rows(table: Any) -> Iterator[_Row]:
    """Each row of ``table`` as a :class:`_Row`, each followed by the rows of the tables in its cells."""
    from itertools import chain

    stack: list[Iterator[Any]] = [iter(table.rows)]
    while stack:
        row = next(stack[-1], None)
        if row is None:
            stack.pop()
            continue
        cells, nested, seen = [], [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell is listed once per grid column
                continue
            seen.add(id(cell._tc))
            cells.append(" ".join(cell.text.split()))
            nested.extend(cell.tables)
        if nested:
            stack.append(chain.from_iterable(inner.rows for inner in nested))
        texts = [text for text in cells if text]
        if not texts:
            continue
        if len(texts) >= 3 and _TIME_CELL.match(texts[0]):
            texts = texts[1:]  # the time column
        first = texts[0].rstrip(":").strip()
        if len(texts) >= 2 and first and len(first) <= 40 and len(first.split()) <= 4:
            yield _Row(first, " ".join(texts[1:]))
        else:
            yield _Row(None, " ".join(texts))


def _read_docx(
    data: bytes, name: str, interviewers: tuple[str, ...], encoding: str | None
) -> ReaderResult:
    """Word documents: a bold run at the start of a paragraph names the speaker.

    Paragraphs without a bold lead continue the previous turn; documents
    without bold names fall back to the plain-text conventions. A document
    with a DOCTYPE is refused: python-docx does not expand XML entities, so
    the text after an entity reference would silently vanish (and Word
    never writes one).
    """
    try:
        import docx
    except ImportError as error:  # pragma: no cover - python-docx is a dependency
        raise ImportFailed(f"{name}: python-docx is not installed") from error
    check_docx_archive(data, name)
    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as error:
        raise ImportFailed(f"{name}: not a valid .docx file ({error.__class__.__name__})") from None
    except Exception as error:  # noqa: BLE001 - python-docx raises various errors on corrupt files
        if "Excessive depth" in str(error):  # libxml2's advice (XML_PARSE_HUGE) is for programmers
            raise ImportFailed(
                f"{name}: its XML nests more than 256 levels deep (tables within tables?); refused"
            ) from None
        raise ImportFailed(f"{name}: not a valid .docx file ({error})") from None
    docinfo = document.element.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise ImportFailed(
            f"{name}: the document declares a DOCTYPE (XML entities), which Word never writes; "
            "refused, because text after an entity reference would be lost (save it again from a word processor)"
        )
    turns: list[Turn] = []
    plain_lines: list[str] = []
    bold_found = False
    for para in _body_blocks(document):
        if isinstance(para, _Row):  # a table row: the cells, a speaker when the first names one
            if para.speaker is not None:
                plain_lines.append(f"{para.speaker}: {para.text}")
                turns.append(Turn(speaker=para.speaker, paragraphs=[para.text]))
            elif para.text:
                plain_lines.append(para.text)
                if turns:
                    turns[-1].paragraphs.append(para.text)
                else:
                    turns.append(Turn(speaker=None, paragraphs=[para.text], codable=None))
            continue
        text = para.text.replace("\r", "")
        plain_lines.append(text)
        if not text.strip():
            continue
        lead = ""
        for run in para.runs:
            if run.bold and not lead.endswith(":"):
                lead += run.text
            elif not lead and not run.text.strip():
                continue
            else:
                break
        label = lead.strip().rstrip(":").strip()
        if label and len(label) <= 40 and len(label.split()) <= 4:
            bold_found = True
            rest = text[text.find(lead) + len(lead) :] if lead in text else text[len(lead) :]
            rest = rest.lstrip()
            if rest.startswith(":"):
                rest = rest[1:].lstrip()
            turns.append(Turn(speaker=label, paragraphs=[rest] if rest.strip() else []))
        elif turns:
            turns[-1].paragraphs.append(" ".join(text.split("\n")).strip())
        else:
            turns.append(Turn(speaker=None, paragraphs=[text.strip()], codable=None))
    if not bold_found:
        return parse_text_turns("\n\n".join(plain_lines), interviewers), None
    turns = [t for t in turns if t.paragraphs]
    if turns and turns[0].speaker is None:
        turns[0].codable = False
    return turns, None


def _read_subtitles(fmt: str) -> Reader:
    def read(
        data: bytes, name: str, interviewers: tuple[str, ...], encoding: str | None
    ) -> ReaderResult:
        """Subtitle cues: ``<v Name>`` or ``Name:`` marks a speaker; cues without
        one continue the previous speaker, and consecutive cues of one speaker
        merge into one turn. Each cue's start time is kept. Character
        references (``&amp;``, ``&lt;``) are unescaped after the tags are
        removed, so ``&lt;b&gt;`` stays the text ``<b>``."""
        import webvtt
        from webvtt.errors import MalformedFileError

        decoded = decode_bytes(data, name, encoding)
        text = decoded.text
        try:
            captions = list(webvtt.from_buffer(io.StringIO(text), format=fmt).captions)
        except MalformedFileError as error:
            raise ImportFailed(f"{name}: not a valid {fmt.upper()} file ({error})") from None
        except Exception as error:  # noqa: BLE001 - the parser's own errors vary
            raise ImportFailed(f"{name}: not a valid {fmt.upper()} file ({error})") from None
        if not captions:
            raise ImportFailed(f"{name}: no cues found")
        _check_every_cue_read(text, len(captions), name)
        turns: list[Turn] = []
        for caption in captions:
            raw = caption.raw_text.strip() if hasattr(caption, "raw_text") else caption.text.strip()
            speaker = None
            voice = _VOICE.match(raw)
            if voice:
                speaker, raw = html.unescape(voice.group(1)).strip(), voice.group(2)
            body = " ".join(html.unescape(_TAGS.sub("", raw)).split())
            if speaker is None:
                label = _CUE_LABEL.match(body)
                if label:
                    speaker, body = label.group(1).strip(), label.group(2).strip()
            if not body:
                continue
            start = parse_time(caption.start)
            if turns and (speaker is None or speaker == turns[-1].speaker):
                turn = turns[-1]
                offset = len(turn.paragraphs[0]) + 1
                turn.paragraphs[0] += " " + body
                turn.cue_times.append((offset, start or 0.0))
            else:
                turns.append(
                    Turn(
                        speaker=speaker,
                        paragraphs=[body],
                        timestamp=start,
                        cue_times=[(0, start or 0.0)],
                    )
                )
        return turns, decoded

    return read


#: A cue's timing line: a time-like first token, then ``-->``.
_TIMING_LINE = re.compile(r"^\s*[\d:.,+-]*\d[\d:.,+-]*\s+-->")


def _check_every_cue_read(text: str, read: int, name: str) -> None:
    """Refuse a subtitle file whose parser skipped cues: their text would be lost silently.

    The subtitle parser drops a cue whose timing line it cannot read
    (``-1:00:00,000 --> …``) without a word; counting the timing lines tells.
    """
    timings = [n for n, line in enumerate(text.split("\n"), 1) if _TIMING_LINE.match(line)]
    if len(timings) > read:
        raise ImportFailed(
            f"{name}: {len(timings) - read} of {len(timings)} cues could not be read "
            "(a malformed timing line?); refused rather than losing their text"
        )


_READERS: dict[str, Reader] = {
    "txt": _read_text,
    "md": _read_text,
    "rtf": _read_rtf,
    "docx": _read_docx,
    "vtt": _read_subtitles("vtt"),
    "srt": _read_subtitles("srt"),
}
