"""The headless core never imports the UI or CLI frameworks.

Two checks: no core module's source imports textual, click or typer
(statically, by AST), and importing every core module in a fresh interpreter
leaves textual and rich out of ``sys.modules``. (click itself still appears
there, pulled in by sqlite-utils, which depends on it.)
"""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import codebench

PACKAGE = Path(codebench.__file__).resolve().parent
FRONT_ENDS = ("codebench.cli", "codebench.tui", "codebench.__main__")
FORBIDDEN = {"textual", "click", "typer"}


def core_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages([str(PACKAGE)], prefix="codebench."):
        if not info.name.startswith(FRONT_ENDS):
            names.append(info.name)
    return sorted(names)


def test_core_sources_do_not_import_front_end_frameworks() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        module = "codebench." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
        if module.startswith(FRONT_ENDS):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                if name.split(".")[0] in FORBIDDEN or name.startswith(FRONT_ENDS):
                    offenders.append(f"{module}: {name}")
    assert offenders == []


def test_importing_the_core_loads_no_ui_framework() -> None:
    modules = [m for m in core_modules() if m != "codebench.codebook.render"]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n    importlib.import_module(name)\n"
        "print(sorted(m for m in ('textual', 'rich', 'typer') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
    assert len(modules) > 10
