"""The report core computes without rich or textual, and loads heavy writers only when used.

(click is left out: sqlite-utils imports it; tests/test_import_hygiene.py
checks statically that no core module imports it.)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from codebench.project import Project

SCRIPT = """
import sys
from codebench.project import Project
from codebench import reports
from codebench.reports import writers, tables
project = Project.open(sys.argv[1])
report = reports.frequencies(project)
writers.render(report, "csv")
writers.render(report, "json")
writers.render(reports.by_attribute(project, "role"), "csv-wide")
loaded = sorted(m for m in ("rich", "textual", "openpyxl", "docx", "matplotlib") if m in sys.modules)
print(",".join(loaded))
"""


def test_core_reports_do_not_load_front_end_or_heavy_modules(small: Project) -> None:
    small.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(small.path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.stdout.strip() == ""


def test_report_command_module_is_light() -> None:
    script = (
        "import sys, codebench.cli.report_cmds; "
        "print(','.join(m for m in ('numpy', 'openpyxl', 'docx', 'matplotlib', 'rich') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
