"""Readers for each transcript file format, all producing speaker turns.

Each reader takes the file's bytes and returns ``(turns, format)``; the
layout and segmentation steps after it are shared by every format.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

from codebench.errors import ImportFailed
from codebench.ingest.decode import decode_bytes, normalise_newlines
from codebench.ingest.turns import Turn, parse_text_turns, parse_time

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


def read_turns(
    path: Path, data: bytes, interviewers: tuple[str, ...] = ()
) -> tuple[list[Turn], str]:
    """Parse ``data`` (the bytes of ``path``) into turns according to its suffix."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ImportFailed(
            f"{path.name}: unsupported file type {path.suffix or '(none)'!r} (use .txt, .md, .docx, .vtt, .srt or .rtf)"
        )
    reader: Callable[[bytes, str, tuple[str, ...]], list[Turn]] = _READERS[fmt]
    turns = reader(data, path.name, interviewers)
    if not turns or not any(p.strip() for t in turns for p in t.paragraphs):
        raise ImportFailed(f"{path.name}: no transcript text found")
    return turns, fmt


def _read_text(data: bytes, name: str, interviewers: tuple[str, ...]) -> list[Turn]:
    return parse_text_turns(decode_bytes(data, name), interviewers)


def _read_rtf(data: bytes, name: str, interviewers: tuple[str, ...]) -> list[Turn]:
    from striprtf.striprtf import rtf_to_text

    raw = decode_bytes(data, name)
    if not raw.lstrip().startswith("{\\rtf"):
        raise ImportFailed(f"{name}: not an RTF document")
    return parse_text_turns(normalise_newlines(rtf_to_text(raw)), interviewers)


def _read_docx(data: bytes, name: str, interviewers: tuple[str, ...]) -> list[Turn]:
    """Word documents: a bold run at the start of a paragraph names the speaker.

    Paragraphs without a bold lead continue the previous turn; documents
    without bold names fall back to the plain-text conventions.
    """
    import zipfile

    try:
        import docx
    except ImportError as error:  # pragma: no cover - python-docx is a dependency
        raise ImportFailed(f"{name}: python-docx is not installed") from error
    if len(data) > 20 * 1024 * 1024:
        raise ImportFailed(f"{name}: file too large")
    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as error:
        raise ImportFailed(f"{name}: not a valid .docx file ({error.__class__.__name__})") from None
    except Exception as error:  # python-docx raises various errors on corrupt files
        raise ImportFailed(f"{name}: not a valid .docx file ({error})") from None
    turns: list[Turn] = []
    plain_lines: list[str] = []
    bold_found = False
    for para in document.paragraphs:
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
        return parse_text_turns("\n\n".join(plain_lines), interviewers)
    turns = [t for t in turns if t.paragraphs]
    if turns and turns[0].speaker is None:
        turns[0].codable = False
    return turns


def _read_subtitles(fmt: str) -> Callable[[bytes, str, tuple[str, ...]], list[Turn]]:
    def read(data: bytes, name: str, interviewers: tuple[str, ...]) -> list[Turn]:
        """Subtitle cues: ``<v Name>`` or ``Name:`` marks a speaker; cues without
        one continue the previous speaker, and consecutive cues of one speaker
        merge into one turn. Each cue's start time is kept."""
        import webvtt
        from webvtt.errors import MalformedFileError

        text = decode_bytes(data, name)
        try:
            captions = list(webvtt.from_buffer(io.StringIO(text), format=fmt))
        except MalformedFileError as error:
            raise ImportFailed(f"{name}: not a valid {fmt.upper()} file ({error})") from None
        except Exception as error:  # noqa: BLE001 - the parser's own errors vary
            raise ImportFailed(f"{name}: not a valid {fmt.upper()} file ({error})") from None
        if not captions:
            raise ImportFailed(f"{name}: no cues found")
        turns: list[Turn] = []
        for caption in captions:
            raw = caption.raw_text.strip() if hasattr(caption, "raw_text") else caption.text.strip()
            speaker = None
            voice = _VOICE.match(raw)
            if voice:
                speaker, raw = voice.group(1).strip(), voice.group(2)
            body = " ".join(_TAGS.sub("", raw).split())
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
        return turns

    return read


_READERS: dict[str, Callable[[bytes, str, tuple[str, ...]], list[Turn]]] = {
    "txt": _read_text,
    "md": _read_text,
    "rtf": _read_rtf,
    "docx": _read_docx,
    "vtt": _read_subtitles("vtt"),
    "srt": _read_subtitles("srt"),
}
