"""Reports: theme tables a lead can put straight into a paper or a briefing.

The core computes each report as plain dataclasses (no rich, no click):

- :func:`frequencies` — per code and rolled up to parents: coded segments,
  codings, transcripts (and %), words coded, speakers;
- :func:`by_attribute` — codes × values of a transcript attribute;
- :func:`crossed` — codes × the combinations of several attributes, with
  transcripts or participants as cases, each group's n, row and column %;
- :func:`code_matrix` — codes × transcripts, counts or presence;
- :func:`cooccurrence` — codes × codes by shared segments, raw or normalised;
- :func:`quotes` — every coded passage for some codes, with context;
- :func:`codebook_document` — definitions, guidance and current counts;
- :func:`coding_progress` — per coder and transcript, status and % coded;
- :func:`memo_report` — every memo with what it sits on;
- :func:`full_report` — all of them for one HTML page.

:mod:`codebench.reports.writers` renders any of them to CSV, XLSX,
Markdown, HTML, DOCX, JSON, PNG or SVG, or rich text for the terminal.
Whose codings count is :func:`select_coders`' job (see :mod:`.scope`).
"""

from __future__ import annotations

from codebench.reports.by_attribute import attribute_keys, by_attribute
from codebench.reports.codebook_doc import codebook_document
from codebench.reports.coded_units import CodedUnits, build_units
from codebench.reports.cooccurrence import cooccurrence
from codebench.reports.crossed import crossed
from codebench.reports.frequencies import frequencies
from codebench.reports.full import full_report
from codebench.reports.matrix import code_matrix
from codebench.reports.memos import memo_report
from codebench.reports.progress import coding_progress
from codebench.reports.quotes import quotes
from codebench.reports.scope import CoderSelection, select_coders

__all__ = [
    "CodedUnits",
    "CoderSelection",
    "attribute_keys",
    "build_units",
    "by_attribute",
    "code_matrix",
    "codebook_document",
    "coding_progress",
    "cooccurrence",
    "crossed",
    "frequencies",
    "full_report",
    "memo_report",
    "quotes",
    "select_coders",
]
