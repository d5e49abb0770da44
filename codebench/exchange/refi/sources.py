"""Reading a project's ``<Sources>``: text sources, their selections and codings.

This is nearly all of a large project file (a ``PlainTextSelection`` and a
``Coding`` per coded span), so it is written for speed as well as
liberality: qualified tag names are computed once, derived fallback GUIDs
only when an element lacks one, and GUID and date checks are cached in
:class:`.xmlparse.XmlDoc`. Everything else -- which elements are read,
the repairs and their warnings, in which order they are counted -- is the
reader's usual behaviour (see :mod:`.reader`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import PurePosixPath
from typing import NamedTuple, Protocol
from xml.etree.ElementTree import Element

from codebench.wording import plural

from .document import RefiCoding, RefiSelection, RefiTextSource
from .xmlparse import XmlDoc, parse_datetime, split_tag

__all__ = ["Loaded", "ReaderContext", "SourcesReader"]

_NON_TEXT_SOURCES = ("PictureSource", "PDFSource", "AudioSource", "VideoSource")


class Loaded(NamedTuple):
    """A source's text (None if unavailable) and how it was stored."""

    text: str | None
    encoding: str
    has_bom: bool
    newline: str


class ReaderContext(Protocol):
    """What the project reader lends to the sources reader."""

    doc: XmlDoc

    def note_refs(self, el: Element, owner: str) -> None: ...

    def user(self, value: str | None) -> str | None: ...

    def variable_values(self, el: Element) -> dict[str, str]: ...

    def load_text(self, path: str | None, inline: Element | None) -> tuple[Loaded, str | None]: ...


class SourcesReader:
    """One pass over ``<Sources>``; see :meth:`read`."""

    def __init__(self, context: ReaderContext, code_guids: set[str]) -> None:
        self.context = context
        self.doc = context.doc
        self.code_guids = code_guids
        q = self.doc.q
        self._coding, self._code_ref, self._selection = (
            q("Coding"),
            q("CodeRef"),
            q("PlainTextSelection"),
        )
        self.non_text: dict[str, Counter[str]] = defaultdict(Counter)
        self.missing: dict[str, list[str]] = defaultdict(list)
        self.rich = self.bad_positions = 0

    def read(self) -> tuple[list[RefiTextSource], list[RefiSelection]]:
        """Text sources and all their selections, in file order."""
        doc = self.doc
        sources: list[RefiTextSource] = []
        selections: list[RefiSelection] = []
        container = doc.child(doc.root, "Sources")
        if container is None:
            return sources, selections
        for index, el in enumerate(container):
            ns, local = split_tag(el.tag)
            if ns != doc.ns:
                continue
            if local in _NON_TEXT_SOURCES:
                self._tally_non_text(local, el)
                continue
            if local != "TextSource":
                doc.warn(f"unknown <{local}> element", "in Sources ignored", "in Sources ignored")
                continue
            source = self._source(index, el)
            sources.append(source)
            self._selections(el, source.guid, selections)
        self._report()
        return sources, selections

    def _tally_non_text(self, local: str, el: Element) -> None:
        tally = self.non_text[local]
        tally["source"] += 1
        for sub in el.iter():
            sub_local = split_tag(sub.tag)[1]
            if sub is not el and sub_local.endswith(
                ("Selection", "Transcript", "Coding", "NoteRef")
            ):
                tally[sub_local] += 1

    def _source(self, index: int, el: Element) -> RefiTextSource:
        doc, context = self.doc, self.context
        path = el.get("plainTextPath")
        guid = doc.required_guid(el, "text source", f"source\x1f{index}\x1f{path}")
        name = (
            el.get("name")
            or (PurePosixPath((path or "").replace("internal://", "")).name if path else "")
            or guid
        )
        loaded, reason = context.load_text(path, doc.child(el, "PlainTextContent"))
        if reason:
            self.missing[reason].append(name)
        if el.get("richTextPath"):
            self.rich += 1
        context.note_refs(el, guid)
        return RefiTextSource(
            guid=guid,
            name=name,
            text=loaded.text,
            plain_text_path=path,
            rich_text_path=el.get("richTextPath"),
            creating_user=context.user(el.get("creatingUser")),
            created=parse_datetime(el.get("creationDateTime")),
            description=doc.text(el, "Description"),
            variables=context.variable_values(el),
            codings=self.codings(el, guid),
            encoding=loaded.encoding,
            has_bom=loaded.has_bom,
            newline=loaded.newline,
        )

    def _selections(self, el: Element, source_guid: str, out: list[RefiSelection]) -> None:
        doc, context = self.doc, self.context
        for sel_index, sel in enumerate(el.findall(self._selection)):
            try:
                start = int((sel.get("startPosition") or "").strip())
                end = int((sel.get("endPosition") or "").strip())
            except ValueError:
                self.bad_positions += 1
                continue
            guid = doc.guid(sel.get("guid"), "selection")
            if guid is None:
                guid = doc.derived_guid("selection", f"selection\x1f{source_guid}\x1f{sel_index}")
            guid = doc.claim(guid, "a selection")
            context.note_refs(sel, guid)
            out.append(
                RefiSelection(
                    guid=guid,
                    source_guid=source_guid,
                    start=start,
                    end=end,
                    name=sel.get("name") or "",
                    description=doc.text(sel, "Description"),
                    creating_user=context.user(sel.get("creatingUser")),
                    created=parse_datetime(sel.get("creationDateTime")),
                    codings=self.codings(sel, guid),
                    raw_start=start,
                    raw_end=end,
                )
            )

    def codings(self, parent: Element, owner: str) -> list[RefiCoding]:
        """The ``Coding`` children of a source or selection whose code is known."""
        doc, context, code_guids = self.doc, self.context, self.code_guids
        codings: list[RefiCoding] = []
        for index, el in enumerate(parent.findall(self._coding)):
            ref = el.find(self._code_ref)
            code = ref.get("targetGUID") if ref is not None else None
            if code not in code_guids:  # else it is a canonical GUID already
                code = doc.guid(code, "code reference")
                if code is None or code not in code_guids:
                    doc.warn(
                        "coding",
                        "refers to a code missing from the codebook; dropped",
                        "refer to codes missing from the codebook; dropped",
                    )
                    continue
            guid = doc.guid(el.get("guid"), "coding")
            if guid is None:
                guid = doc.derived_guid("coding", f"coding\x1f{owner}\x1f{index}\x1f{code}")
            guid = doc.claim(guid, "a coding")
            context.note_refs(el, guid)
            codings.append(
                RefiCoding(  # positional: a keyword call costs more, 200,000 times
                    guid,
                    code,
                    context.user(el.get("creatingUser")),
                    parse_datetime(el.get("creationDateTime")),
                )
            )
        return codings

    def _report(self) -> None:
        """What was not read, with counts, onto the skipped list."""
        skipped = self.doc.skipped
        for kind, tally in sorted(self.non_text.items()):
            parts = [
                plural(count, what) for what, count in sorted(tally.items()) if what != "source"
            ]
            detail = f", with {', '.join(parts)}" if parts else ""
            skipped.append(f"{plural(tally['source'], kind)} not imported (not text){detail}")
        for reason, names in self.missing.items():
            shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
            skipped.append(
                f"{plural(len(names), 'text source')} {'has' if len(names) == 1 else 'have'} no text: {reason} ({shown})"
            )
        if self.rich:
            skipped.append(
                f"rich-text renditions (richTextPath) of {plural(self.rich, 'source')} not read; "
                "their plain text is imported"
            )
        if self.bad_positions:
            skipped.append(
                f"{plural(self.bad_positions, 'PlainTextSelection')} with non-integer positions"
            )
