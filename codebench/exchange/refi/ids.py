"""GUID helpers: normalising what producers write, minting stable GUIDs.

REFI-QDA identifies every object by a GUID.  Producers spell them
differently (ATLAS.ti upper-case, some tools with braces), so the reader
normalises every GUID to lower-case without braces, which makes references
compare equal however they were spelt.  Codebench objects that have no GUID
of their own (a coding is a row, not a GUID-bearing thing) get a *stable*
GUID derived from their identity, so exporting the same project twice gives
byte-identical files and re-importing matches objects up again.

Both derive with :func:`codebench.ids.derive_guid` (the one implementation),
under this layer's own namespace :data:`REFI_NAMESPACE`.
"""

from __future__ import annotations

import re
import uuid

from codebench.ids import derive_guid

__all__ = ["REFI_NAMESPACE", "guid_or_derived", "is_guid", "refi_guid"]

#: Fixed namespace for :func:`refi_guid`.  Never change it: every GUID that
#: codebench has ever exported was derived from it.
REFI_NAMESPACE = uuid.UUID("65a2b4ec-310c-5b2e-aef6-57bed8234c1c")

_GUID_RE = re.compile(
    r"^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$"
)
# The schema's GUIDType: plain, or wrapped in braces (both sides).
_SCHEMA_GUID_RE = re.compile(
    r"^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|\{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\})$"
)


def is_guid(value: str) -> bool:
    """True if *value* is a GUID the REFI schema accepts (plain or braced)."""
    return bool(_SCHEMA_GUID_RE.match(value))


def guid_or_derived(value: str) -> str:
    """*value* as a lower-case GUID without braces, or a GUID derived from it.

    A value that is not a GUID at all (seen in hand-made files) is mapped to
    a deterministic uuid5 of the raw string, so every reference spelling the
    same bad value still points at the same object. (Compare
    :func:`codebench.ids.fold_guid`, which keeps such values.)
    """
    raw = value.strip()
    match = _GUID_RE.match(raw)
    if match:
        return match.group(1).lower()
    return derive_guid(REFI_NAMESPACE, "foreign-guid", raw)


def refi_guid(*parts: object) -> str:
    """A deterministic GUID for an exported object identified by *parts*,
    derived under :data:`REFI_NAMESPACE`.

    Example: ``refi_guid("coding", coder, code, transcript, start, end)``.
    Parts are joined with a unit separator after ``str()``, so ``("a", "bc")``
    and ``("ab", "c")`` give different GUIDs.
    """
    if not parts:
        raise ValueError("refi_guid() needs at least one part")
    return derive_guid(REFI_NAMESPACE, *parts)
