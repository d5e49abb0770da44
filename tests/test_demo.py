"""The bundled demo: builds from the checkout, and ships inside the wheel."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from codebench.demo.build import build_demo
from codebench.project import Project

REPO = Path(__file__).resolve().parents[1]


def test_build_demo_project(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    assert build_demo(path) is True
    assert build_demo(path) is False  # existing demo is left alone
    with Project.open(path) as project:
        assert len(project.transcripts()) >= 8
        assert len([c for c in project.codes() if c.parent_id is None]) == 21
        roles = {t.attributes.get("role") for t in project.transcripts()}
        assert {
            "senior manager",
            "frontline staff",
            "commissioner",
            "service user",
            "union representative",
        } <= roles
    assert not list(tmp_path.glob(".demo.db.building*"))


@pytest.mark.slow
def test_wheel_carries_the_demo_data(tmp_path: Path) -> None:
    """Build the wheel, install it into a bare folder, and build the demo from it."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path / "dist"),
            str(REPO),
        ],
        check=True,
        capture_output=True,
    )
    wheel = next((tmp_path / "dist").glob("codebench-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "codebench/_demo/codebooks/mutuals.yaml" in names
    assert "codebench/_demo/transcripts/attributes.csv" in names
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    code = (
        "import json, codebench.demo.files as d, codebench.demo.build as p, pathlib\n"
        "p.build_demo(pathlib.Path('demo.db'))\n"
        "from codebench.project import Project\n"
        "pr = Project.open('demo.db')\n"
        "print(json.dumps([str(d.data_dir('transcripts')), len(pr.transcripts())]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    folder, transcripts = json.loads(out.stdout)
    assert folder.startswith(str(target)) and transcripts >= 8
