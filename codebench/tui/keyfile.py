"""Opening the pseudonymisation key in the workbench, asking for a sealed key's passphrase.

The key is read with :func:`codebench.pseudonyms.key.load_for_update`, as the
CLI reads it; a sealed key takes ``$CODEBENCH_KEY_PASSPHRASE`` or asks in a
masked field, again when the passphrase was wrong. Whoever asked gets the key
and its passphrase (to save it sealed again), or one line saying why not.
The review screen and the reports screen's export open the key this way.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from codebench.pseudonyms import PASSPHRASE_ENV
from codebench.pseudonyms.key import KeyFileError, load_for_update
from codebench.tui.modals.ask import AskModal

if TYPE_CHECKING:
    from textual.app import App

    from codebench.pseudonyms.key import Key

Opened = Callable[["Key", "str | None"], None]


class _Locked(Exception):
    """The key is sealed and no passphrase is at hand yet: ask for one."""


def open_key(
    app: App[None],
    path: Path,
    opened: Opened,
    failed: Callable[[str], None],
    *,
    typed: str | None = None,
    problem: str | None = None,
) -> None:
    """Read the key at ``path`` (no file yet: an empty key), then call ``opened(key, passphrase)``;
    a key that cannot be read calls ``failed(message)``, and nothing is written either way."""

    def passphrase() -> str:
        secret = typed or os.environ.get(PASSPHRASE_ENV)
        if not secret:
            raise _Locked
        return secret

    try:
        key, secret = load_for_update(path, passphrase)
    except _Locked:
        _ask(app, path, opened, failed, problem)
        return
    except KeyFileError as error:
        if typed is not None and "wrong passphrase" in str(error):
            _ask(app, path, opened, failed, str(error))
        else:
            failed(str(error))
        return
    opened(key, secret)


def _ask(
    app: App[None], path: Path, opened: Opened, failed: Callable[[str], None], problem: str | None
) -> None:
    def answered(secret: str | None) -> None:
        if secret is None:
            failed(f"{path} is encrypted: no passphrase given, nothing opened")
        else:
            open_key(app, path, opened, failed, typed=secret)

    app.push_screen(
        AskModal(
            f"Passphrase of {path}",
            password=True,
            hint="Enter opens the key · esc leaves it closed",
            problem=problem,
        ),
        answered,
    )
