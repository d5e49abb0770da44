"""One PostgreSQL cluster for every team test (session-scoped), and a fresh hub database per test.

The cluster is started with :mod:`codebench.team.localserver` in a folder
under /tmp (run as root, the server runs as an unprivileged user, which must
be able to reach the folder). Without server binaries the team tests skip
with the reason, except where ``CODEBENCH_REQUIRE_PG=1`` (set by ``.ci/run``):
there a missing server fails them.

Each test gets its own database, created from a template that already holds
the hub schema, and its own login roles (roles are cluster-wide, so their
names start with the database's). Tests reach the database as those roles
with plain psycopg, not through codebench, to prove what the server refuses.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from .pgdriver import load_psycopg

psycopg = load_psycopg()

from codebench.team import localserver  # noqa: E402
from codebench.team.connect import connect  # noqa: E402
from codebench.team.hub_schema import migrate  # noqa: E402
from codebench.team.members import add_member  # noqa: E402

TEMPLATE = "hub_template"
_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[localserver.LocalServer]:
    """A running local cluster for the whole session, stopped and removed at the end."""
    try:
        localserver.find_binaries()
    except localserver.ServerError as error:
        if os.environ.get("CODEBENCH_REQUIRE_PG") == "1":
            pytest.fail(f"CODEBENCH_REQUIRE_PG=1 but {error}")
        pytest.skip(str(error))
    folder = Path(tempfile.mkdtemp(prefix="codebench-pg-", dir="/tmp"))
    folder.chmod(0o755)
    try:
        server = localserver.start(folder, durable=False)
        template_url = localserver.create_database(server, TEMPLATE)
        with connect(template_url, passfile=server.passfile) as conn:
            migrate(conn, template_url)
        yield server
    finally:
        try:
            localserver.stop(folder)
        finally:
            shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Hub:
    """One test's hub database on the session cluster, and its people."""

    server: localserver.LocalServer
    database: str
    passfile: Path
    passwords: dict[str, str] = field(default_factory=dict)

    @property
    def admin_url(self) -> str:
        return self.server.admin_url(self.database)

    def login(self, name: str) -> str:
        """The login role of person ``name`` in this hub."""
        return f"{self.database}_{name}"

    def url(self, name: str) -> str:
        return f"postgresql://{self.login(name)}@127.0.0.1:{self.server.port}/{self.database}"

    def add(self, name: str, role: str = "coder") -> str:
        """Make ``name`` a member (through codebench); their password goes in the test's pgpass."""
        added = add_member(
            self.admin_url, name, role=role, login=self.login(name), passfile=self.passfile
        )
        assert added.password is not None and added.sql is None
        self.passwords[name] = added.password
        with self.passfile.open("a", encoding="utf-8") as out:
            out.write(
                f"127.0.0.1:{self.server.port}:{self.database}:{self.login(name)}:{added.password}\n"
            )
        return self.url(name)

    def connect_as(self, name: str) -> Any:
        """A plain psycopg connection as ``name`` (autocommit), bypassing codebench entirely."""
        return psycopg.connect(
            host="127.0.0.1",
            port=self.server.port,
            dbname=self.database,
            user=self.login(name),
            password=self.passwords[name],
            autocommit=True,
        )

    def admin(self) -> Any:
        """A plain psycopg connection as the cluster's superuser (sees everything: RLS bypassed)."""
        return psycopg.connect(self.admin_url, passfile=str(self.server.passfile), autocommit=True)


@pytest.fixture
def hub(
    pg_server: localserver.LocalServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Hub]:
    """A new hub database (from the migrated template), with ``PGPASSFILE`` pointing at its passwords."""
    database = f"t{os.getpid()}_{next(_numbers)}"
    passfile = tmp_path / "pgpass"
    passfile.write_text(pg_server.passfile.read_text(encoding="utf-8"), encoding="utf-8")
    passfile.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(passfile))
    monkeypatch.delenv("PGPASSWORD", raising=False)
    with psycopg.connect(
        pg_server.admin_url("postgres"), passfile=str(pg_server.passfile), autocommit=True
    ) as conn:
        conn.execute(f'CREATE DATABASE "{database}" TEMPLATE {TEMPLATE}')
    made = Hub(pg_server, database, passfile)
    with connect(made.admin_url) as conn:
        migrate(conn, made.admin_url)  # idempotent: only re-applies the database's CONNECT rule
    yield made
    with psycopg.connect(
        pg_server.admin_url("postgres"), passfile=str(pg_server.passfile), autocommit=True
    ) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [database]
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{database}"')
        for name in made.passwords:
            conn.execute(f'DROP ROLE IF EXISTS "{made.login(name)}"')


@dataclass
class Team:
    """A published hub: the lead's project (``interview``: int1, the default codebook) and two
    coders' cloned copies, alice and bob, both assigned int1."""

    hub: Hub
    lead: Any
    alice: Path
    bob: Path


@pytest.fixture
def team(hub: Hub, interview: Any, tmp_path: Path) -> Team:
    from codebench.design.assignments import assign
    from codebench.team.copies import clone, publish

    hub.add("lee", "lead")
    hub.add("alice")
    hub.add("bob")
    for name in ("alice", "bob"):
        interview.coder(name, create=True)
        assign(interview, name, ["int1"])
    publish(interview, hub.url("lee"))
    clone(hub.url("alice"), tmp_path / "alice.db", coder="alice")
    clone(hub.url("bob"), tmp_path / "bob.db", coder="bob")
    return Team(hub, interview, tmp_path / "alice.db", tmp_path / "bob.db")


def code_made_in_copy(project: Any, name: str) -> Any:
    """A code written straight into a coder's copy, past the library's ownership guard (as an
    older codebench, or raw SQL, could leave one): what sync holds back and reports."""
    from codebench.ids import new_guid
    from codebench.store import codes as code_sql

    with project.transaction():
        code_sql.insert_code(project.db, {"guid": new_guid(), "parent_id": None, "name": name})
    return project.code(name)


@pytest.fixture
def past_the_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    """The library's ownership guard switched off for the test: a coder's copy holding
    edits of the lead's rows, as an older codebench or raw SQL could leave them, which
    sync must hold back and report (the guard's own refusals: test_ownership.py)."""
    from codebench.store import ownership

    monkeypatch.setattr(ownership, "check", lambda *args, **kwargs: None)
