"""``--pseudonymise [KEY]`` for every output command, and how a command finds its key.

Given bare, the key is the project's default (``study.db`` →
``study.pseudonyms.yaml``); given a path, that file. The value is optional,
so a bare ``--pseudonymise`` just before a command's argument would take the
argument as the key: write ``--pseudonymise=KEY``, or put the option last. An encrypted key's
passphrase comes from ``$CODEBENCH_KEY_PASSPHRASE``, else a hidden prompt
when there is a terminal to ask at.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from codebench.errors import CodebenchError
from codebench.pseudonyms import PASSPHRASE_ENV

if TYPE_CHECKING:
    from codebench.project import Project
    from codebench.pseudonyms.apply import Pseudonymiser
    from codebench.pseudonyms.key import Key

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["PASSPHRASE_ENV", "key_option", "open_key", "passphrase", "pseudonymise_option"]


def pseudonymise_option(f: F) -> F:
    return click.option(
        "--pseudonymise",
        "--pseudonymize",
        "pseudonymise",
        is_flag=False,
        flag_value="",
        default=None,
        metavar="[KEY]",
        help="Replace what the key names with its labels: bare for <project>.pseudonyms.yaml, "
        "or --pseudonymise=KEY.",
    )(f)


def key_option(f: F) -> F:
    return click.option(
        "--key",
        "key_path",
        type=click.Path(dir_okay=False, path_type=Path),
        help="The key file (default: <project>.pseudonyms.yaml beside the project).",
    )(f)


def passphrase() -> str:
    """The key's passphrase: ``$CODEBENCH_KEY_PASSPHRASE``, else asked for at the terminal."""
    value = os.environ.get(PASSPHRASE_ENV)
    if value:
        return value
    if not sys.stdin.isatty():
        raise CodebenchError(f"the key is encrypted: set ${PASSPHRASE_ENV} to its passphrase")
    return str(click.prompt("Key passphrase", hide_input=True, err=True))


def key_path_for(project_path: Path, value: str | Path | None) -> Path:
    from codebench.pseudonyms.key import default_key_path

    return Path(value) if value else default_key_path(project_path)


def open_key(project_path: Path, value: str | Path | None) -> Key:
    from codebench.pseudonyms.key import load_key

    return load_key(key_path_for(project_path, value), passphrase)


def pseudonymiser_for(project: Project, value: str | None) -> Pseudonymiser | None:
    """The pseudonymiser ``--pseudonymise`` asked for (None when it was not given)."""
    if value is None:
        return None
    from codebench.pseudonyms.apply import project_pseudonymiser

    return project_pseudonymiser(project, open_key(project.path, value))
