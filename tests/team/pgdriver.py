"""The PostgreSQL driver for the team tests: skipped when absent, except where a server is required.

``.ci/run`` sets ``CODEBENCH_REQUIRE_PG=1``; there a missing driver must fail
the team tests, as a missing server does, instead of skipping them quietly.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest


def load_psycopg() -> ModuleType:
    """Import psycopg; skip the module without it, unless the server is required."""
    if os.environ.get("CODEBENCH_REQUIRE_PG") == "1":
        return importlib.import_module("psycopg")
    return pytest.importorskip("psycopg")
