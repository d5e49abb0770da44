"""The store layer: the only part of codebench that writes SQL.

Modules here take a :class:`sqlite_utils.Database` and return plain
dataclasses from :mod:`codebench.models`. DDL lives only in
:mod:`codebench.store.migrations`.
"""

from __future__ import annotations

from codebench.store.connection import open_database, write_transaction

__all__ = ["open_database", "write_transaction"]
