"""Deterministic identifiers.

GUIDs that are derived, not random, let two coders who start from the same
codebook on separate laptops end up with the same code GUIDs, so merging
their files matches codes without guessing, and REFI-QDA exports are stable.

Every derived GUID in codebench comes from :func:`derive_guid`, under one of
two namespaces: :data:`CODEBENCH_NAMESPACE` for codebench's own records
(:func:`stable_guid`) and the REFI-QDA layer's namespace for exported objects
(:func:`codebench.exchange.refi.refi_guid`). Both are persisted in users'
projects and files, so neither namespace nor the way parts are joined may
ever change.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import uuid

__all__ = [
    "CODEBENCH_NAMESPACE",
    "derive_guid",
    "fold_guid",
    "guid_from_key",
    "new_guid",
    "now",
    "stable_guid",
]

#: Namespace of the GUIDs codebench derives for its own records: a code from
#: its name path, a coder from its name, a transcript from its text's hash.
CODEBENCH_NAMESPACE = uuid.UUID("6f1c2b7e-3c55-5b8e-9a0e-7d1f0c4b2a11")

#: The RFC 4122 variant digit for each hex digit a SHA-1 puts in that place.
_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def guid_from_key(namespace: uuid.UUID, key: str) -> str:
    """``str(uuid.uuid5(namespace, key))``, computed without building UUID objects.

    The first 16 bytes of the SHA-1 of namespace and key, with the version
    digit set to 5 and the variant bits to 10: an export derives two GUIDs per
    coding, and this is several times faster than :func:`uuid.uuid5`.
    """
    h = hashlib.sha1(namespace.bytes + key.encode("utf-8")).hexdigest()
    return f"{h[:8]}-{h[8:12]}-5{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:32]}"


def derive_guid(namespace: uuid.UUID, *parts: object) -> str:
    """A lower-case uuid5 GUID of ``parts`` (``str()`` of each, joined with U+001F).

    The separator keeps ``("a", "bc")`` and ``("ab", "c")`` apart.
    """
    return guid_from_key(namespace, "\x1f".join(map(str, parts)))


def stable_guid(*parts: object) -> str:
    """A GUID for a codebench record, derived under :data:`CODEBENCH_NAMESPACE`.

    Example: ``stable_guid("code", "Types of innovation", "Digital innovation")``.
    """
    return derive_guid(CODEBENCH_NAMESPACE, *parts)


def new_guid() -> str:
    """A random GUID, for things with no natural key (memos, events)."""
    return str(uuid.uuid4())


def fold_guid(value: str) -> str:
    """``" {ABC-…} "`` → ``"abc-…"``: the spelling GUIDs are compared in.

    Only spaces, braces and case are folded; a value that is not a GUID is
    kept (folded) as it is, because a codebook file's own identifiers are
    persisted as written. (:func:`codebench.exchange.refi.guid_or_derived`
    instead replaces such values with derived GUIDs.)
    """
    return value.strip().strip("{}").lower()


def now() -> str:
    """UTC timestamp in ISO 8601 with milliseconds, as stored everywhere."""
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="milliseconds")
