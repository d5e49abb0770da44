"""``codebench server local``: a throwaway cluster on a loopback port, and the message without one."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from codebench.cli.app import cli
from codebench.team import localserver

from .pgdriver import load_psycopg

psycopg = load_psycopg()


def test_without_server_binaries_the_message_names_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CODEBENCH_PG_BIN", str(tmp_path))  # a folder without initdb
    out = CliRunner().invoke(cli, ["server", "local", str(tmp_path / "hub")])
    assert out.exit_code == 1
    assert "postgresql-15" in out.output and "Traceback" not in out.output
    assert not (tmp_path / "hub" / "data").exists()


def test_server_local_starts_prints_a_url_without_password_and_stops(pg_server) -> None:
    folder = Path(tempfile.mkdtemp(prefix="codebench-local-", dir="/tmp"))
    folder.chmod(0o755)
    try:
        runner = CliRunner()
        out = runner.invoke(cli, ["server", "local", str(folder)])
        assert out.exit_code == 0, out.output
        url = out.output.splitlines()[0]
        assert url.startswith("postgresql://codebench@127.0.0.1:")
        password = (folder / "superuser-password").read_text().strip()
        assert password not in out.output
        assert (folder / "pgpass").stat().st_mode & 0o077 == 0
        with psycopg.connect(url, passfile=str(folder / "pgpass")) as conn:
            assert conn.execute("SELECT inet_server_addr()::text").fetchone() == ("127.0.0.1/32",)
        # starting again finds it running and prints the same URL
        again = runner.invoke(cli, ["server", "local", str(folder)])
        assert again.output.splitlines()[0] == url
        stopped = runner.invoke(cli, ["server", "local", str(folder), "--stop"])
        assert stopped.exit_code == 0 and "stopped" in stopped.output
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(url, passfile=str(folder / "pgpass"), connect_timeout=3)
    finally:
        if (folder / "data" / "postmaster.pid").exists():
            localserver.stop(folder)
        shutil.rmtree(folder, ignore_errors=True)
