"""Importing sqlite-utils without its optional pandas/numpy type support.

sqlite-utils imports pandas and numpy if they are installed, only to map
their value types to SQLite columns, which codebench never needs. That costs
about 0.3 s on every command; blocking the two imports while sqlite-utils
loads keeps ``codebench`` commands quick. Both packages import normally
afterwards.
"""

from __future__ import annotations

import sys
from types import ModuleType


def load_sqlite_utils() -> ModuleType:
    """Import and return :mod:`sqlite_utils` (cached by Python after the first call)."""
    if "sqlite_utils" in sys.modules:
        return sys.modules["sqlite_utils"]
    blocked = [name for name in ("pandas", "numpy") if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        import sqlite_utils
        import sqlite_utils.migrations
    finally:
        for name in blocked:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]
    return sqlite_utils
