"""Deterministic identifiers.

GUIDs that are derived, not random, let two coders who start from the same
codebook on separate laptops end up with the same code GUIDs, so merging
their files matches codes without guessing, and REFI-QDA exports are stable.
"""

from __future__ import annotations

import datetime as _dt
import uuid

#: Namespace for every uuid5 codebench derives.
NAMESPACE = uuid.UUID("6f1c2b7e-3c55-5b8e-9a0e-7d1f0c4b2a11")


def stable_guid(*parts: object) -> str:
    """A lower-case uuid5 GUID derived from ``parts`` (joined with U+001F)."""
    return str(uuid.uuid5(NAMESPACE, "\x1f".join(str(p) for p in parts)))


def new_guid() -> str:
    """A random GUID, for things with no natural key (memos, events)."""
    return str(uuid.uuid4())


def normalise_guid(value: str) -> str:
    """``{ABC-…}`` → ``abc-…``: GUIDs compare case- and brace-insensitively."""
    return value.strip().strip("{}").lower()


def now() -> str:
    """UTC timestamp in ISO 8601 with milliseconds, as stored everywhere."""
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="milliseconds")
