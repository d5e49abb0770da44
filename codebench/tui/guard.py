"""Errors in the workbench become notifications, never tracebacks."""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable
from typing import Any, TypeVar

from codebench.errors import CodebenchError

F = TypeVar("F", bound=Callable[..., Any])


def report_errors(method: F) -> F:
    """Run a widget/screen method; a :class:`CodebenchError` or SQLite error is shown with ``notify``.

    The core commits each action in one transaction, so a failed action
    leaves nothing half-written; the coder reads why and can retry.
    """

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except CodebenchError as error:
            self.app.notify(str(error), title="Not saved", severity="error", timeout=6)
        except sqlite3.Error as error:
            self.app.notify(
                f"database error: {error}", title="Not saved", severity="error", timeout=6
            )
        return None

    return wrapper  # type: ignore[return-value]
