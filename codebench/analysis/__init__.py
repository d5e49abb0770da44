"""The analysis layer: coding queries, scopes and project-wide text search.

- :mod:`.grammar` parses the query language (``04.2 & 10 & !16``,
  ``12 near:2 17``, ``13.*``) into a tree;
- :mod:`.scope` resolves ``--where``, ``--transcripts``, ``--coder`` and
  ``--speaker`` into the transcripts, coders and speakers counted;
- :mod:`.query` evaluates a tree over segment sets and returns passages;
- :mod:`.search` finds words, phrases or patterns through the full-text index;
- :mod:`.tables` turns results into the reports' :class:`~codebench.reports.tables.Table`.

No SQL here: the reads are in :mod:`codebench.store.analysis`.
"""

from __future__ import annotations
