"""``--pseudonymise [KEY]`` for every output command, and how a command finds its key.

Given bare, the key is the project's default (``study.db`` →
``study.pseudonyms.yaml``); given a path, that file. The value is optional,
and click would take whatever word follows a bare ``--pseudonymise`` as the
key, so ``segments --pseudonymise 01-ceo`` read the transcript's name as a
key path. :func:`separate_bare_option` settles it before any command parses
its arguments: the word after the option is its key only if it names a key
file (it ends in ``.yaml``/``.yml``, or is a file that exists); otherwise the
option is bare and the word stays the command's argument.
``--pseudonymise=KEY`` always names the key. An encrypted key's passphrase
comes from ``$CODEBENCH_KEY_PASSPHRASE``, else a hidden prompt when there is
a terminal to ask at.
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


#: The option's spellings (British and American).
OPTION_NAMES = ("--pseudonymise", "--pseudonymize")
#: File name endings that mark a word as a key file.
KEY_SUFFIXES = (".yaml", ".yml")


def separate_bare_option(args: list[str]) -> list[str]:
    """``args`` with each bare ``--pseudonymise`` written ``--pseudonymise=`` (the default key)
    unless the word after it names a key file, which it then keeps as its value.

    Stops at ``--`` (what follows is never an option).
    """
    out: list[str] = []
    i = 0
    while i < len(args):
        word = args[i]
        i += 1
        if word == "--":
            out.append(word)
            out.extend(args[i:])
            break
        if word not in OPTION_NAMES or i == len(args):
            out.append(word)
            continue
        following = args[i]
        if following.startswith("-") and following != "-":
            out.append(word)  # another option follows: the bare one takes the default key
        elif _names_a_key(following):
            out.append(f"{word}={following}")
            i += 1
        else:
            out.append(f"{word}=")  # the word after it stays the command's argument
    return out


def _names_a_key(word: str) -> bool:
    return word.lower().endswith(KEY_SUFFIXES) or Path(word).is_file()


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
        "or --pseudonymise KEY.yaml (a file) / --pseudonymise=KEY.",
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
