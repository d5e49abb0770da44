"""People on the team: a PostgreSQL login role per person, a member of the lead or coder group.

The password is generated (or read from a file) here and sent to the server
only as a SCRAM-SHA-256 verifier, the form PostgreSQL stores: the plain
password never reaches the server's logs, and the SQL printed for a database
administrator (when the caller may not create roles) holds no password either.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codebench.errors import CodebenchError
from codebench.team import hub_sql
from codebench.team.connect import HubError, connect, redact, translated
from codebench.team.hub_schema import CODER_GROUP, LEAD_GROUP, check_version

ROLES = ("coder", "lead")
_ITERATIONS = 4096


@dataclass(frozen=True)
class AddedMember:
    """What ``add-coder`` did: the role made, or the SQL a DBA must run."""

    role_name: str
    coder_name: str
    role: str
    #: The one-time password (``None`` when it came from a file).
    password: str | None
    #: When we may not create roles: the statements for the administrator.
    sql: list[str] | None


def scram_verifier(password: str, *, salt: bytes | None = None) -> str:
    """PostgreSQL's stored form of ``password`` (RFC 5802/7677 SCRAM-SHA-256, 4096 iterations)."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, _ITERATIONS)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode("ascii")

    return f"SCRAM-SHA-256${_ITERATIONS}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def read_password_file(path: Path) -> str:
    """The first line of ``path``: the password to give the role."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise CodebenchError(f"{path}: cannot read the password file ({error})") from None
    password = lines[0].strip() if lines else ""
    if len(password) < 8:
        raise CodebenchError(f"{path}: the password on its first line is shorter than 8 characters")
    return password


def check_role_name(name: str) -> str:
    """A login role name: non-empty, at most 63 bytes, no control characters."""
    cleaned = name.strip()
    if not cleaned or len(cleaned.encode("utf-8")) > 63 or any(ord(c) < 32 for c in cleaned):
        raise CodebenchError(
            f"{name!r}: not a usable role name (1 to 63 bytes, no control characters)"
        )
    return cleaned


def add_member(
    url: str,
    name: str,
    *,
    role: str = "coder",
    login: str | None = None,
    password_file: Path | None = None,
    passfile: Path | None = None,
) -> AddedMember:
    """Create the login role for coder ``name`` (role name ``login``, default ``name``).

    One transaction: the role, its group membership, CONNECT on this
    database, and its row in ``codebench.members`` (coder name ↔ role).
    Without the right to create roles nothing is changed and the SQL to run
    is returned instead.
    """
    if role not in ROLES:
        raise CodebenchError(f"{role!r}: the role is coder or lead")
    coder_name = name.strip()
    if not coder_name:
        raise CodebenchError("the coder's name is empty")
    role_name = check_role_name(login if login is not None else coder_name)
    given = read_password_file(password_file) if password_file is not None else None
    password = given or secrets.token_urlsafe(15)
    group = LEAD_GROUP if role == "lead" else CODER_GROUP
    where = redact(url)
    with connect(url, passfile=passfile) as conn, translated(where):
        check_version(conn, where)
        statements = hub_sql.member_statements(
            conn, role_name, coder_name, group, scram_verifier(password), role == "lead"
        )
        if not hub_sql.may_create_roles(conn):
            return AddedMember(
                role_name,
                coder_name,
                role,
                None if given else password,
                statements_text(statements, conn),
            )
        if hub_sql.role_exists(conn, role_name):
            raise HubError(f"{where}: a role named {role_name!r} already exists on this server")
        hub_sql.run_statements(conn, statements)
    return AddedMember(role_name, coder_name, role, None if given else password, None)


def statements_text(statements: list[Any], conn: Any) -> list[str]:
    """The statements as SQL text for a database administrator."""
    return [s.as_string(conn) + ";" for s in statements]
