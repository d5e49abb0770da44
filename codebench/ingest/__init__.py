"""Ingest: reading transcript files into turns, laying them out, segmenting them.

Nothing here writes SQL; :mod:`codebench.ingest.importer` hands finished
transcripts to the store one transaction per file.
"""
