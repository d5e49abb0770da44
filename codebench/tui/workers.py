"""Handing a worker's result back to its screen, unless the screen has closed meanwhile.

Screens compute in thread workers (agreement, reports, progress, others'
codings) and hand the result to a method that fills their widgets. When the
coder leaves the screen first (F3 then Escape), Textual cancels the screen's
workers, but a thread cannot be stopped: it finishes, and filling the widgets
of a screen that is gone raised ``NoMatches`` and ended the app. A screen
being closed loses its widgets before its workers are cancelled, so the
check is whether the screen is still in the app's stack (or the worker was
cancelled by a newer one); it runs on the UI thread, so it cannot race the
closing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.dom import DOMNode
from textual.screen import Screen
from textual.worker import get_current_worker


def _on_open_screen(node: DOMNode) -> bool:
    """Whether ``node`` (a screen or a widget) belongs to a screen still in the app's stack."""
    try:
        screen = node if isinstance(node, Screen) else node.screen
        return screen in node.app.screen_stack
    except Exception:  # noqa: BLE001 - detached nodes raise various "no screen/app" errors
        return False


def deliver(callback: Callable[..., Any], *args: Any) -> None:
    """From a thread worker: run ``callback(*args)`` on the UI thread if the worker still counts.

    Waits, like :meth:`App.call_from_thread`, until the callback has run (or been skipped).
    """
    worker = get_current_worker()

    node = worker.node
    app = node.app

    def run() -> None:
        if not worker.is_cancelled and _on_open_screen(node):
            callback(*args)

    app.call_from_thread(run)
