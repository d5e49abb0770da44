"""A throwaway PostgreSQL cluster under a folder, on a loopback port: for tests and newcomers.

``start(DIR)`` runs ``initdb`` (once) and ``pg_ctl start`` from the installed
PostgreSQL server binaries, on a free port of 127.0.0.1 only, with the unix
socket inside ``DIR``. The superuser ``codebench`` gets a generated password,
written to ``DIR/pgpass`` (mode 0600) in libpq's password-file format, so the
printed URL carries no password: ``PGPASSFILE=DIR/pgpass`` supplies it.

PostgreSQL refuses to run as root. Run as root, the server processes run as
an unprivileged user instead (``$CODEBENCH_PG_USER``, default ``nobody``):
the data folder is given to that user and every server command is started
with its uid and gid. Nothing else changes owner.
"""

from __future__ import annotations

import json
import os
import pwd
import secrets
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

from codebench.errors import CodebenchError

#: The superuser of a local cluster, and the database the hub goes in.
SUPERUSER = "codebench"
DATABASE = "codebench"
#: The distribution package named when no server is installed.
PACKAGE = "postgresql-15"
_STATE = "server.json"


class ServerError(CodebenchError):
    """A local PostgreSQL cluster cannot be found, started or stopped."""


@dataclass(frozen=True)
class LocalServer:
    """A running local cluster: where it is and how to reach it (no password in ``url``)."""

    folder: Path
    port: int
    url: str
    passfile: Path
    run_as: str | None

    def admin_url(self, database: str = DATABASE) -> str:
        """The superuser's URL for another database of the cluster."""
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"


def find_binaries(*, distribution_root: Path = Path("/usr/lib/postgresql")) -> Path:
    """The folder holding ``initdb`` and ``pg_ctl``; a message naming the package if none.

    Looked for in ``$CODEBENCH_PG_BIN`` (only there, when it is set), else the
    newest ``/usr/lib/postgresql/*/bin`` (Debian and Ubuntu put them there,
    off ``PATH``), then ``PATH``.
    """
    candidates: list[Path] = []
    if os.environ.get("CODEBENCH_PG_BIN"):
        candidates.append(Path(os.environ["CODEBENCH_PG_BIN"]))
    versions = (
        []
        if candidates
        else sorted(
            distribution_root.glob("*/bin"),
            key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
            reverse=True,
        )
    )
    candidates.extend(versions)
    on_path = None if os.environ.get("CODEBENCH_PG_BIN") else shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).parent)
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    raise ServerError(
        "no PostgreSQL server found (initdb and pg_ctl): install the package "
        f"{PACKAGE} (e.g. apt-get install {PACKAGE}), or set CODEBENCH_PG_BIN to "
        "the folder holding initdb"
    )


def _run_as() -> pwd.struct_passwd | None:
    """The unprivileged account the server runs as when we are root; ``None`` otherwise."""
    if os.geteuid() != 0:
        return None
    name = os.environ.get("CODEBENCH_PG_USER", "nobody")
    try:
        return pwd.getpwnam(name)
    except KeyError:
        raise ServerError(
            f"PostgreSQL refuses to run as root and there is no user {name!r} to run it as: "
            "create one (useradd --system codebench-pg) and set CODEBENCH_PG_USER, "
            "or run this command as an ordinary user"
        ) from None


def _free_port() -> int:
    """A TCP port of 127.0.0.1 nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _command(
    args: list[str], user: pwd.struct_passwd | None, *, folder: Path
) -> subprocess.CompletedProcess[str]:
    """Run a server binary (as ``user`` if given), capturing its output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C.UTF-8"
    if user is not None:
        env["HOME"] = str(folder)
        return subprocess.run(
            args,
            capture_output=True,
            text=True,
            env=env,
            cwd=folder,
            user=user.pw_uid,
            group=user.pw_gid,
            extra_groups=[],
        )
    return subprocess.run(args, capture_output=True, text=True, env=env, cwd=folder)


def _reachable(path: Path, user: pwd.struct_passwd) -> bool:
    """Whether ``user`` may pass through every folder above ``path`` (others' x bit, or owner)."""
    for parent in [path, *path.parents]:
        st = parent.stat()
        if st.st_uid == user.pw_uid:
            continue
        if not st.st_mode & 0o001:
            return False
    return True


def _last_lines(text: str, count: int = 3) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return " / ".join(lines[-count:]) or "no output"


def start(folder: Path | str, *, port: int | None = None, durable: bool = True) -> LocalServer:
    """Start (creating on first use) the cluster under ``folder``; returns how to reach it.

    Starting a cluster that is already running returns it as it is.
    ``durable=False`` (the test suite's cluster) turns off fsync: several
    times faster on a busy disk, and a crash of the machine loses the data,
    which for a cluster thrown away after the tests does not matter.
    """
    bin_dir = find_binaries()
    root = Path(folder).resolve()
    user = _run_as()
    root.mkdir(parents=True, exist_ok=True)
    if user is not None:
        root.chmod(root.stat().st_mode | 0o755)
        if not _reachable(root, user):
            raise ServerError(
                f"{root}: the user {user.pw_name!r} the server runs as (PostgreSQL refuses root) "
                "cannot reach this folder, because a folder above it is closed to others: "
                "choose a folder under /tmp, or set CODEBENCH_PG_USER"
            )
    data, run = root / "data", root / "run"
    passfile = root / "pgpass"
    state_path = root / _STATE
    if state_path.is_file() and (data / "postmaster.pid").is_file():
        state = json.loads(state_path.read_text(encoding="utf-8"))
        status = _command([str(bin_dir / "pg_ctl"), "-D", str(data), "status"], user, folder=root)
        if status.returncode == 0:
            return _server(root, int(state["port"]), user)
    if not (data / "PG_VERSION").is_file():
        _initdb(bin_dir, root, data, run, passfile, user)
    chosen = port or _free_port()
    options = f"-p {chosen} -k {run} -c listen_addresses=127.0.0.1"
    if not durable:
        options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    started = _command(
        [
            str(bin_dir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(run / "server.log"),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        ],
        user,
        folder=root,
    )
    if started.returncode != 0:
        log = run / "server.log"
        detail = log.read_text(encoding="utf-8", errors="replace") if log.is_file() else ""
        raise ServerError(
            f"{root}: PostgreSQL did not start: {_last_lines(detail or started.stderr + started.stdout)}"
        )
    state_path.write_text(json.dumps({"port": chosen}), encoding="utf-8")
    server = _server(root, chosen, user)
    _write_passfile(passfile, chosen, _read_password(root))
    return server


def _initdb(
    bin_dir: Path,
    root: Path,
    data: Path,
    run: Path,
    passfile: Path,
    user: pwd.struct_passwd | None,
) -> None:
    """Create the cluster: superuser with a generated password, scram over TCP."""
    for path in (data, run):
        path.mkdir(mode=0o700, exist_ok=True)
        if user is not None:
            os.chown(path, user.pw_uid, user.pw_gid)
    password = secrets.token_urlsafe(18)
    secret = root / "run" / "initdb-password"
    secret.write_text(password + "\n", encoding="utf-8")
    secret.chmod(0o600)
    if user is not None:
        os.chown(secret, user.pw_uid, user.pw_gid)
    try:
        made = _command(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                SUPERUSER,
                "--pwfile",
                str(secret),
                "--auth-local=scram-sha-256",
                "--auth-host=scram-sha-256",
                "-E",
                "UTF8",
                "--no-instructions",
            ],
            user,
            folder=root,
        )
    finally:
        secret.unlink(missing_ok=True)
    if made.returncode != 0:
        shutil.rmtree(data, ignore_errors=True)
        raise ServerError(f"{root}: initdb failed: {_last_lines(made.stderr + made.stdout)}")
    keep = root / "superuser-password"
    keep.write_text(password + "\n", encoding="utf-8")
    keep.chmod(0o600)


def _read_password(root: Path) -> str:
    return (root / "superuser-password").read_text(encoding="utf-8").strip()


def _write_passfile(passfile: Path, port: int, password: str) -> None:
    """libpq's password file: the superuser on any database of this cluster."""
    passfile.write_text(f"127.0.0.1:{port}:*:{SUPERUSER}:{password}\n", encoding="utf-8")
    passfile.chmod(0o600)


def _server(root: Path, port: int, user: pwd.struct_passwd | None) -> LocalServer:
    return LocalServer(
        folder=root,
        port=port,
        url=f"postgresql://{SUPERUSER}@127.0.0.1:{port}/{DATABASE}",
        passfile=root / "pgpass",
        run_as=user.pw_name if user is not None else None,
    )


def stop(folder: Path | str) -> bool:
    """Stop the cluster under ``folder`` (fast shutdown); ``False`` if it was not running."""
    root = Path(folder).resolve()
    data = root / "data"
    if not (data / "PG_VERSION").is_file():
        raise ServerError(f"{root}: no local PostgreSQL cluster here (no data/PG_VERSION)")
    if not (data / "postmaster.pid").is_file():
        return False
    bin_dir = find_binaries()
    stopped = _command(
        [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
        _run_as(),
        folder=root,
    )
    if stopped.returncode != 0:
        raise ServerError(f"{root}: pg_ctl stop failed: {_last_lines(stopped.stderr)}")
    return True


def create_database(server: LocalServer, name: str) -> str:
    """Create database ``name`` on a local cluster (if missing); returns the superuser's URL for it."""
    from codebench.team import hub_sql
    from codebench.team.connect import connect, translated

    with (
        connect(server.admin_url("postgres"), passfile=server.passfile) as conn,
        translated(server.admin_url("postgres")),
    ):
        hub_sql.create_database(conn, name)
    return server.admin_url(name)
