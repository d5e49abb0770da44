"""A real ``codebench tui`` process (in tmux) is killed with SIGKILL mid-session; every coding
it had committed is in the project when it is reopened."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from codebench.project import Project

CEO = "01-riverside-ceo"

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")


def _codings(path: Path) -> int:
    with Project.open(path) as project:
        try:
            coder = project.coder("alice")
        except Exception:  # noqa: BLE001 - not created yet
            return 0
        return len(project.codings(coders=[coder]))


def _wait_for(predicate: Callable[[], bool], timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_kill_9_keeps_every_committed_coding(tui_path: Path, tmp_path: Path) -> None:
    socket = f"codebench-test-{os.getpid()}"
    tmux = ["tmux", "-L", socket]
    command = shlex.join(
        [sys.executable, "-m", "codebench", "-p", str(tui_path), "tui", "--coder", "alice", CEO]
    )
    env = {**os.environ, "TERM": "xterm-256color", "CODEBENCH_CONFIG": str(tmp_path / "config")}
    subprocess.run(
        [*tmux, "new-session", "-d", "-s", "cb", "-x", "120", "-y", "40", command],
        check=True,
        env=env,
    )
    try:
        pane_pid = int(
            subprocess.run(
                [*tmux, "list-panes", "-t", "cb", "-F", "#{pane_pid}"],
                check=True,
                capture_output=True,
                text=True,
            ).stdout.split()[0]
        )

        def screen() -> str:
            return subprocess.run(
                [*tmux, "capture-pane", "-p", "-t", "cb"],
                check=False,
                capture_output=True,
                text=True,
            ).stdout

        def send(*keys: str) -> None:
            for key in keys:
                subprocess.run([*tmux, "send-keys", "-t", "cb", key], check=True)
                time.sleep(0.2)

        assert _wait_for(lambda: "coded" in screen(), 30), screen()
        for done in range(1, 5):
            send("c", "0", "4", "Enter")
            assert _wait_for(lambda done=done: _codings(tui_path) == done), (
                f"coding {done} not committed: {_codings(tui_path)}"
            )
            send("j")
        os.kill(pane_pid, signal.SIGKILL)
        assert _wait_for(lambda: "coded" not in screen() or not screen().strip(), 5)
    finally:
        subprocess.run([*tmux, "kill-server"], check=False, capture_output=True)
    with Project.open(tui_path) as reopened:
        codings = reopened.codings(coders=["alice"])
        assert len(codings) == 4
        assert {reopened.code_by_id(c.code_id).number for c in codings} == {"04"}
        assert len({c.start for c in codings}) == 4
