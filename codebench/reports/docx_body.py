"""Appending paragraphs to a Word document in constant time.

python-docx adds each body paragraph by searching the body's children for
the final section properties to insert before (finding them is itself a scan
of every child), and resolves a style name by walking every style of the
template: all per paragraph, so a quotes
document of 100,000 passages (about 400,000 paragraphs) took hours, the
time growing with the square of its length. :func:`appending` wraps a
``Document`` so ``add_paragraph`` and ``add_heading`` place the paragraph
directly before the section properties (found once) and look each style up
once; the
XML written is the same.
"""

from __future__ import annotations

from typing import Any

#: The author every document and workbook codebench writes names: no person, no other tool.
AUTHOR = "codebench"


def new_document() -> Any:
    """A blank python-docx ``Document`` whose properties name no one.

    The library's template says its author is the library and carries a comment
    naming it; a file sent to a client or an archive should say only who made it
    (codebench), and the leak check reads these properties.
    """
    from docx import Document

    document = Document()
    properties = document.core_properties
    properties.author = AUTHOR
    properties.last_modified_by = AUTHOR
    properties.comments = ""
    return document


class AppendingDocument:
    """A python-docx ``Document`` whose paragraphs and headings are appended in constant time.

    Everything else is the wrapped document's own (tables, saving, styles).
    """

    def __init__(self, document: Any) -> None:
        self._document = document
        self._style_ids: dict[str, str | None] = {}
        #: The body's closing section properties, found once (finding it scans every paragraph).
        self._section = document.element.body.sectPr

    def __getattr__(self, name: str) -> Any:
        return getattr(self._document, name)

    def add_heading(self, text: str = "", level: int = 1) -> Any:
        """As ``Document.add_heading``: ``Title`` for level 0, else ``Heading {level}``."""
        if not 0 <= level <= 9:
            raise ValueError(f"level must be in range 0-9, got {level}")
        return self.add_paragraph(text, "Title" if level == 0 else f"Heading {level}")

    def add_paragraph(self, text: str = "", style: Any = None) -> Any:
        """As ``Document.add_paragraph``: a paragraph at the end of the body, with ``text`` and ``style``."""
        from docx.text.paragraph import Paragraph

        body = self._document.element.body
        element = body._new_p()
        if self._section is not None:
            self._section.addprevious(element)
        else:
            body.append(element)
        paragraph = Paragraph(element, self._document._body)
        if text:
            paragraph.add_run(text)
        if style is not None:
            element.style = self._style_id(style)
        return paragraph

    def _style_id(self, style: Any) -> str | None:
        from docx.enum.style import WD_STYLE_TYPE

        if not isinstance(style, str):
            return self._document.part.get_style_id(style, WD_STYLE_TYPE.PARAGRAPH)
        if style not in self._style_ids:
            self._style_ids[style] = self._document.part.get_style_id(
                style, WD_STYLE_TYPE.PARAGRAPH
            )
        return self._style_ids[style]


def appending(document: Any) -> AppendingDocument:
    """``document`` with constant-time ``add_paragraph`` and ``add_heading``."""
    return AppendingDocument(document)
