"""User keymaps: binding ids → keys, read from TOML.

``$CODEBENCH_CONFIG`` names a keymap file or a folder holding
``keymap.toml``; otherwise ``~/.config/codebench/keymap.toml`` (or under
``$XDG_CONFIG_HOME``). Either a ``[keymap]`` table or top-level entries::

    [keymap]
    "coding.undo" = "z"
    "transcript.down" = "j,down,ctrl+n"

The ids are listed on the ``?`` screen.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from codebench.errors import CodebenchError


def keymap_path() -> Path | None:
    """Where the user's keymap lives, if anywhere."""
    configured = os.environ.get("CODEBENCH_CONFIG")
    if configured:
        path = Path(configured).expanduser()
        return path / "keymap.toml" if path.is_dir() else path
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "codebench" / "keymap.toml"


def load_keymap(path: Path | None = None) -> dict[str, str]:
    """The keymap in ``path`` (default :func:`keymap_path`); empty if there is none."""
    path = path if path is not None else keymap_path()
    if path is None or not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise CodebenchError(f"{path}: cannot read keymap ({error})") from error
    table = data.get("keymap", data)
    if not isinstance(table, dict):
        raise CodebenchError(f'{path}: [keymap] must be a table of binding id = "keys"')
    keymap: dict[str, str] = {}
    for binding_id, keys in table.items():
        if isinstance(keys, list):
            keys = ",".join(str(k) for k in keys)
        if not isinstance(keys, str) or not keys.strip():
            raise CodebenchError(f'{path}: keys for {binding_id!r} must be a string like "j,down"')
        keymap[str(binding_id)] = keys
    return keymap
