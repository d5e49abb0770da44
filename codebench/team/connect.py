"""Connections to the hub: URLs without passwords, failures as one-line messages.

A password never comes from codebench: libpq finds it in its usual places
(``PGPASSFILE`` or ``~/.pgpass``, a service file named by ``PGSERVICE`` or
``service=``, ``PGPASSWORD``), and TLS follows ``sslmode`` in the URL or
``PGSSLMODE``. A URL that does carry a password is used for that one
connection but never stored or printed (:func:`redact`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from codebench.errors import CodebenchError

if TYPE_CHECKING:
    import psycopg

#: Seconds to wait for the server before calling it offline.
CONNECT_TIMEOUT = 5
#: Seconds a statement waits for a lock (the hub's change lock: another sync pushing, or a
#: member holding it on purpose) before the sync gives up and says the hub is busy.
LOCK_WAIT = 30
#: The environment variable that changes :data:`LOCK_WAIT`.
LOCK_WAIT_ENV = "CODEBENCH_HUB_WAIT"


class HubError(CodebenchError):
    """The hub refused, is unreachable, or holds something this codebench cannot use."""


class HubOffline(HubError):
    """The hub could not be reached at all (server down, network cut)."""


class HubBusy(HubError):
    """Another session held the hub's change lock for longer than this one would wait."""


def lock_wait() -> float:
    """How long a statement waits for a lock, in seconds (:data:`LOCK_WAIT_ENV`, else 30)."""
    raw = os.environ.get(LOCK_WAIT_ENV, "").strip()
    try:
        value = float(raw) if raw else float(LOCK_WAIT)
    except ValueError:
        raise HubError(f"{LOCK_WAIT_ENV}={raw!r}: not a number of seconds") from None
    return value if value > 0 else float(LOCK_WAIT)


def redact(url: str) -> str:
    """``url`` without its password (and only that): what may be stored, logged and printed."""
    if "://" not in url:
        # A keyword/value string: drop any password=... pair.
        return " ".join(p for p in url.split() if not p.lower().startswith("password="))
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}@{host}" if user else host
    query = "&".join(q for q in parts.query.split("&") if not q.lower().startswith("password="))
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def load_psycopg() -> Any:
    """psycopg, or a message saying how to install it (the ``team`` extra)."""
    try:
        import psycopg
    except ImportError:
        raise HubError(
            "the team server needs psycopg 3: pip install 'codebench[team]' "
            "(or pip install 'psycopg[binary]')"
        ) from None
    return psycopg


def connect(
    url: str, *, passfile: Path | None = None, password: str | None = None
) -> psycopg.Connection[Any]:
    """Open a connection to ``url`` (autocommit: each unit of work is one explicit
    ``conn.transaction()``, so a transaction never stays open by accident).

    ``passfile`` and ``password`` are for tests and the local server only;
    users give passwords the libpq way.
    """
    psycopg = load_psycopg()
    extra: dict[str, Any] = {
        "connect_timeout": CONNECT_TIMEOUT,
        "application_name": "codebench",
        "autocommit": True,
    }
    if passfile is not None:
        extra["passfile"] = str(passfile)
    if password is not None:
        extra["password"] = password
    wait = lock_wait()
    try:
        conn = psycopg.connect(url, **extra)
    except psycopg.OperationalError as error:
        raise _connect_failure(url, error) from None
    except psycopg.ProgrammingError as error:  # a malformed URL
        raise HubError(f"{redact(url)}: not a PostgreSQL URL ({_first_line(error)})") from None
    # Every lock wait is bounded (a session's lock, which no idle-transaction timeout ends,
    # included): past it the statement fails, and :func:`translated` says the hub is busy.
    conn.execute("SELECT set_config('lock_timeout', %s, false)", [f"{int(wait * 1000)}ms"])
    return conn


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def _connect_failure(url: str, error: BaseException) -> HubError:
    """Offline (nothing answered) or refused (authentication, no such database)."""
    text = str(error)
    lowered = text.lower()
    offline = any(
        s in lowered
        for s in (
            "connection refused",
            "timeout expired",
            "could not connect",
            "no route to host",
            "network is unreachable",
            "could not translate host name",
            "the database system is starting up",
            "the database system is shutting down",
            "server closed the connection",
        )
    )
    refused = any(
        s in lowered
        for s in ("password authentication failed", "no password supplied", "does not exist")
    )
    detail = _detail(text)
    if offline and not refused:
        return HubOffline(f"{redact(url)}: offline ({detail})")
    hint = ""
    if "password" in lowered:
        hint = "; give the password in PGPASSFILE (~/.pgpass), a service file or PGPASSWORD"
    return HubError(f"{redact(url)}: {detail}{hint}")


def _detail(text: str) -> str:
    """The useful part of libpq's message (the last ``FATAL:``/reason line)."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    for line in reversed(lines):
        if "FATAL:" in line:
            return line.split("FATAL:", 1)[1].strip()
    return lines[-1] if lines else "cannot connect"


@contextmanager
def translated(where: str) -> Iterator[None]:
    r"""Turn the server's refusals and a lost connection into one-line :class:`HubError`\ s.

    Every unit of work on the hub runs inside this, so a user's mistake or a
    server's refusal (no privilege, a violated constraint, the server gone
    mid-sync) is a message naming the hub, never a traceback.
    """
    psycopg = load_psycopg()
    try:
        yield
    except psycopg.errors.LockNotAvailable:
        raise HubBusy(
            f"{where}: the hub is busy: another sync holds its change lock "
            f"(waited {lock_wait():g} s); try again"
        ) from None
    except psycopg.errors.InsufficientPrivilege as error:
        raise HubError(f"{where}: refused by the server: {_first_line(error)}") from None
    except psycopg.OperationalError as error:
        raise HubOffline(f"{where}: connection lost ({_first_line(error)})") from None
    except psycopg.Error as error:
        raise HubError(f"{where}: {_first_line(error)}") from None


def environment_password_hint() -> str:
    """Where libpq will look for a password, for messages."""
    if os.environ.get("PGPASSWORD"):
        return "PGPASSWORD"
    return os.environ.get("PGPASSFILE") or "~/.pgpass"
