"""The leak check: does any key string, or any candidate left undecided, survive in a file?

A lead runs it on what is about to be sent, so it reads each file the way
its recipient's program would show it:

- ``.txt``, ``.md``, ``.csv``, ``.tsv``, ``.svg``: the text;
- ``.html``/``.htm``: the text with character references decoded
  (``&#72;elen`` is ``Helen``);
- ``.json``/``.jsonl``: every string and key, decoded (``\\u0048elen`` is ``Helen``);
- ``.docx``: paragraphs, tables, headers and footers (runs joined, so a
  name split across formatting runs is still one name), and the document
  properties (author, title, subject, keywords, comments, last modified by);
- ``.xlsx``: every cell and every sheet name, and the same properties;
- ``.qdpx``: every text source, and every text and attribute of the project
  XML (names, notes, descriptions, variables).

What counts as a hit: every form the key replaces (the same forms, found
the same way, whole words, as the replacement itself), and every candidate
detection finds in the project that the key does not decide on (neither
replaced nor kept). A file the check cannot read is an error, not a pass.
"""

from __future__ import annotations

import html
import io
import json
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codebench.errors import CodebenchError
from codebench.pseudonyms.key import Key
from codebench.pseudonyms.matcher import Matcher, variants
from codebench.safety import one_line

TEXT = (".txt", ".md", ".markdown", ".csv", ".tsv", ".svg", ".xml")
SUPPORTED = (*TEXT, ".html", ".htm", ".json", ".jsonl", ".docx", ".xlsx", ".qdpx")
CONTEXT = 30


class CheckError(CodebenchError):
    """A file the leak check cannot read."""


@dataclass(frozen=True)
class Leak:
    file: Path
    #: Where in the file: a line (``line 12``) or a part and line (``sources/x.txt, line 3``).
    where: str
    found: str
    #: ``key`` (a string the key replaces) or ``candidate`` (detected, undecided).
    why: str
    context: str

    def line(self) -> str:
        return f"{self.file}: {self.where}: {self.found!r} ({self.why}): …{self.context}…"


def watch_list(key: Key, candidates: Iterable[Any] = ()) -> dict[str, str]:
    """Each string to look for → why (``key`` or ``candidate``)."""
    out = {form: "key" for form in key.replaced_forms()}
    decided = {e.real.casefold() for e in key.entries}
    decided |= {form.casefold() for e in key.entries for form in e.forms()}
    for candidate in candidates:
        if candidate.text.casefold() in decided:
            continue
        for form in variants(candidate.text):
            out.setdefault(form, "candidate")
    return out


def check_files(paths: Iterable[Path | str], watch: dict[str, str]) -> list[Leak]:
    """Every occurrence of a watched string in ``paths`` (empty: nothing leaked)."""
    matcher = Matcher(watch)
    leaks: list[Leak] = []
    for path in map(Path, paths):
        for part, text in file_texts(path):
            for hit in matcher.hits(text):
                line = text.count("\n", 0, hit.start) + 1
                where = f"{part}, line {line}" if part else f"line {line}"
                context = one_line(text[max(0, hit.start - CONTEXT) : hit.end + CONTEXT]).strip()
                leaks.append(Leak(path, where, hit.term, watch[hit.term], context))
    return leaks


# ------------------------------------------------------------------ reading files


def file_texts(path: Path) -> list[tuple[str, str]]:
    """The text of ``path`` as its reader would see it, as (part, text) pairs."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        kind = f"{suffix} files" if suffix else "a file without an extension"
        raise CheckError(f"{path}: cannot check {kind} (checks {', '.join(SUPPORTED)})")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise CheckError(f"cannot read {path}: {error.strerror or error}") from None
    try:
        if suffix in TEXT:
            return [("", _decode(data))]
        if suffix in (".html", ".htm"):
            return [("", html.unescape(_decode(data)))]
        if suffix in (".json", ".jsonl"):
            return [("", _json_text(_decode(data)))]
        if suffix == ".docx":
            return _docx_texts(data)
        if suffix == ".xlsx":
            return _xlsx_texts(data)
        return _qdpx_texts(data)
    except CheckError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise CheckError(f"{path}: cannot be read as {suffix[1:]} ({one_line(error)})") from None


def _decode(data: bytes) -> str:
    return data.decode("utf-8-sig", errors="replace")


def _json_text(text: str) -> str:
    """Every string (and key) in a JSON document, or in each line of a JSONL file."""
    try:
        values = [json.loads(text)]
    except ValueError:
        values = [json.loads(line) for line in text.splitlines() if line.strip()]
    return "\n".join(_strings(values))


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


#: The document properties a word processor or spreadsheet shows (File → Info), by the
#: names each library gives them: who wrote it, its title, subject, keywords, comments.
_DOCX_PROPERTIES = (
    "author",
    "last_modified_by",
    "title",
    "subject",
    "keywords",
    "comments",
    "category",
    "content_status",
    "identifier",
    "version",
)
_XLSX_PROPERTIES = (
    "creator",
    "lastModifiedBy",
    "title",
    "subject",
    "keywords",
    "description",
    "category",
    "contentStatus",
    "identifier",
    "version",
)


def _properties(properties: Any, names: tuple[str, ...]) -> tuple[str, str]:
    """The ``properties`` part: each property that has a value, one a line (``title: …``)."""
    lines = []
    for name in names:
        value = getattr(properties, name, None)
        if value:
            lines.append(f"{name}: {value}")
    return ("document properties", "\n".join(lines))


def _docx_texts(data: bytes) -> list[tuple[str, str]]:
    import docx

    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts.extend(cell.text for row in table.rows for cell in row.cells)
    for section in document.sections:
        for block in (section.header, section.footer):
            parts.extend(p.text for p in block.paragraphs)
    return [("", "\n".join(parts)), _properties(document.core_properties, _DOCX_PROPERTIES)]


def _xlsx_texts(data: bytes) -> list[tuple[str, str]]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    out = [_properties(book.properties, _XLSX_PROPERTIES)]
    try:
        for sheet in book.worksheets:
            cells = [
                str(value)
                for row in sheet.iter_rows(values_only=True)
                for value in row
                if value is not None
            ]
            out.append((f"sheet {sheet.title!r}", "\n".join([sheet.title, *cells])))
    finally:
        book.close()
    return out


def _qdpx_texts(data: bytes) -> list[tuple[str, str]]:
    from defusedxml import ElementTree

    out = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            member = archive.read(name)
            if name.lower().endswith(".txt"):
                out.append((name, _decode(member)))
            elif name.lower().endswith((".qde", ".xml")):
                root = ElementTree.fromstring(member)
                texts: list[str] = []
                for element in root.iter():
                    texts.extend(str(v) for v in element.attrib.values())
                    texts.extend(t for t in (element.text, element.tail) if t and t.strip())
                out.append((name, "\n".join(texts)))
    return out
