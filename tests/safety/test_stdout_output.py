"""``-o -`` means standard output for every command that takes ``-o``; binary output refuses a
terminal."""

from __future__ import annotations

import io
import json
import os
import pty
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from codebench.cli import cli

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty folder, so a file named ``-`` would show."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


@pytest.fixture
def coded(interview) -> Path:
    """A plain interview coded by two coders (REFI-QDA export and agreement need clean data)."""
    for coder, codes in (("alice", ("08", "04.1")), ("bob", ("08", "04.2"))):
        for ordinal, code in zip((1, 2), codes):
            interview.code_segments(coder, "int1", [ordinal], code)
        interview.set_status(coder, "int1", "done")
    return Path(interview.path)


def _invoke(path: Path, *args: str):
    return CliRunner().invoke(cli, ["-p", str(path), *args])


@pytest.mark.parametrize(
    ("args", "check"),
    [
        (("report", "frequencies", "--format", "csv"), lambda b: b.startswith(b"Code")),
        (("report", "quotes", "--format", "md"), lambda b: b.startswith(b"# Quotes")),
        (("report", "frequencies", "--format", "xlsx"), zipfile.is_zipfile),
        (("report", "quotes", "--format", "docx"), zipfile.is_zipfile),
        (("report", "frequencies", "--format", "png"), lambda b: b.startswith(b"\x89PNG")),
        (("codebook", "export"), lambda b: b"codes:" in b),
        (("codebook", "export", "--format", "json"), lambda b: "codes" in json.loads(b)),
        (("export", "jsonl"), lambda b: json.loads(b.splitlines()[0])["type"] == "header"),
        (("export", "qdpx"), zipfile.is_zipfile),
        (("agreement", "--bootstrap", "0", "--format", "json"), lambda b: "codes" in json.loads(b)),
        (("agreement", "--bootstrap", "0", "--format", "xlsx"), zipfile.is_zipfile),
    ],
    ids=lambda a: " ".join(a)[:32] if isinstance(a, tuple) else "",
)
def test_dash_writes_standard_output(coded: Path, in_tmp: Path, args, check) -> None:
    result = _invoke(coded, *args, "-o", "-")
    assert result.exit_code == 0, result.stderr
    assert not (in_tmp / "-").exists()
    assert list(in_tmp.iterdir()) == []
    data = result.stdout_bytes
    if zipfile.is_zipfile(io.BytesIO(data)):
        data = io.BytesIO(data)
    assert check(data), result.stdout_bytes[:80]


def test_qdpx_to_stdout_reports_on_stderr(coded: Path, in_tmp: Path) -> None:
    result = _invoke(coded, "export", "qdpx", "-o", "-")
    assert result.exit_code == 0
    assert "Wrote standard output" in result.stderr
    assert zipfile.ZipFile(io.BytesIO(result.stdout_bytes)).namelist()


def test_a_file_named_dash_is_still_reachable(coded: Path, in_tmp: Path) -> None:
    result = _invoke(coded, "report", "frequencies", "--format", "csv", "-o", "./-")
    assert result.exit_code == 0
    assert (in_tmp / "-").read_text(encoding="utf-8-sig").startswith("Code")


@pytest.mark.parametrize(
    "args",
    [
        ("report", "frequencies", "--format", "xlsx", "-o", "-"),
        ("export", "qdpx", "-o", "-"),
        ("agreement", "--bootstrap", "0", "--format", "xlsx", "-o", "-"),
    ],
    ids=lambda a: a[0],
)
def test_binary_output_refuses_a_terminal(coded: Path, tmp_path: Path, args) -> None:
    leader, follower = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "codebench", "-p", str(coded), *args],
            stdout=follower,
            stderr=subprocess.PIPE,
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            timeout=120,
            check=False,
        )
        os.set_blocking(leader, False)
        try:
            printed = os.read(leader, 1 << 16)
        except BlockingIOError:
            printed = b""
    finally:
        os.close(follower)
        os.close(leader)
    assert done.returncode == 1
    message = done.stderr.decode("utf-8").strip()
    assert len(message.splitlines()) == 1 and "binary" in message and "terminal" in message
    assert b"PK" not in printed
