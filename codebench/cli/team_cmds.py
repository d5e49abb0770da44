"""The team server: ``server`` (local, init, add-coder), ``team`` (publish, clone, status, release), ``sync``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from codebench.cli.context import Context, handle_errors, pass_ctx
from codebench.cli.output import emit, say
from codebench.safety import json_safe
from codebench.wording import plural

project_argument = click.argument(
    "project", type=click.Path(dir_okay=False, path_type=Path), required=False
)


def _project_path(ctx: Context, project: Path | None) -> Path:
    return project if project is not None else ctx.path


@click.group(name="server")
def server_group() -> None:
    """Run or prepare a hub: the team's shared project on PostgreSQL.

    \b
    Examples:
      codebench server local /tmp/hub          # a throwaway cluster; prints its URL
      codebench server init postgresql://admin@db.example.edu/qual
      codebench server add-coder postgresql://admin@db.example.edu/qual alice
    """


@server_group.command(name="local")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--stop", is_flag=True, help="Stop the cluster under FOLDER.")
@click.option(
    "--port", type=click.IntRange(1024, 65535), default=None, help="Port (default: a free one)."
)
@handle_errors
def local_cmd(folder: Path, stop: bool, port: int | None) -> None:
    """Start a throwaway PostgreSQL cluster under FOLDER on 127.0.0.1, and print its URL.

    For trying the team flow on one machine, and for tests. The superuser's
    password is in FOLDER/pgpass (libpq's password file), not in the URL.
    Run as root, the server runs as $CODEBENCH_PG_USER (default: nobody),
    since PostgreSQL refuses to run as root.

    \b
    Examples:
      codebench server local /tmp/hub
      codebench server local /tmp/hub --stop
    """
    from codebench.team import localserver

    if stop:
        stopped = localserver.stop(folder)
        say(f"stopped the cluster in {folder}" if stopped else f"{folder}: was not running")
        return
    server = localserver.start(folder, port=port)
    localserver.create_database(server, localserver.DATABASE)
    say(server.url)
    who = f" (running as {server.run_as})" if server.run_as else ""
    say(
        f"PostgreSQL is up in {server.folder}{who}; for the password: export PGPASSFILE={server.passfile}",
        err=True,
    )


@server_group.command(name="init")
@click.argument("url")
@handle_errors
def init_cmd(url: str) -> None:
    """Create or upgrade the hub schema in the database at URL (you administer it).

    Idempotent: run it again after upgrading codebench. It creates the group
    roles codebench_lead and codebench_coder if they are missing.

    \b
    Example:
      codebench server init postgresql://codebench@127.0.0.1:5433/codebench
    """
    from codebench.team.connect import connect, redact, translated
    from codebench.team.hub_schema import migrate

    with connect(url) as conn, translated(redact(url)):
        before, after = migrate(conn, redact(url))
    if before == after:
        say(f"{redact(url)}: hub schema already at version {after}")
    elif before is None:
        say(f"{redact(url)}: hub schema created (version {after})")
    else:
        say(f"{redact(url)}: hub schema upgraded from version {before} to {after}")


@server_group.command(name="add-coder")
@click.argument("url")
@click.argument("name")
@click.option("--role", type=click.Choice(["coder", "lead"]), default="coder", show_default=True)
@click.option("--login", default=None, help="The login role's name (default: NAME).")
@click.option(
    "--password-file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="Read the password from the first line of this file instead of generating one.",
)
@handle_errors
def add_coder_cmd(
    url: str, name: str, role: str, login: str | None, password_file: Path | None
) -> None:
    """Give coder NAME a login role on the hub at URL (a lead with --role lead).

    Prints a generated password once; pass it to the person (they keep it in
    ~/.pgpass). Without the right to create roles, prints the SQL a database
    administrator must run instead.

    \b
    Examples:
      codebench server add-coder postgresql://admin@127.0.0.1:5433/codebench alice
      codebench server add-coder URL "Dr Lee" --role lead --login lee
    """
    from codebench.team.members import add_member

    added = add_member(url, name, role=role, login=login, password_file=password_file)
    if added.sql is not None:
        say("You may not create roles here. A database administrator runs:", err=True)
        for line in added.sql:
            say(line)
        if added.password:
            say(
                f"The password for {added.role_name!r} (give it to them once): {added.password}",
                err=True,
            )
        sys.exit(1)
    say(f"added {added.role_name!r} as {added.role} (coder {added.coder_name!r})")
    if added.password:
        say(f"password (shown once): {added.password}")


@click.group(name="team")
def team_group() -> None:
    """Work with a hub: publish the lead's project, clone a coder's copy, see progress, release.

    \b
    Examples:
      codebench team publish lead.db postgresql://lead@db.example.edu/qual
      codebench team clone postgresql://alice@db.example.edu/qual alice.db --coder alice
      codebench team status lead.db
    """


@team_group.command(name="publish")
@click.argument("project", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("url")
@pass_ctx
@handle_errors
def publish_cmd(ctx: Context, project: Path, url: str) -> None:
    """Put the lead's PROJECT (transcripts, codebook, attributes, assignments) on the hub at URL.

    Connect as a lead role. The URL is kept in the project without any
    password; later, `codebench sync PROJECT` pushes and pulls.

    \b
    Example:
      codebench team publish study.db postgresql://lee@127.0.0.1:5433/codebench
    """
    from codebench.team.copies import publish
    from codebench.team.sync import describe

    with ctx.open_at(project) as opened:
        result = publish(opened, url)
    say(describe(result))


@team_group.command(name="clone")
@click.argument("url")
@click.argument("project", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--coder", default=None, help="Your coder name (checked against your role).")
@handle_errors
def clone_cmd(url: str, project: Path, coder: str | None) -> None:
    """Make PROJECT, a new local copy of the hub at URL holding what your role may see.

    \b
    Example:
      codebench team clone postgresql://alice@127.0.0.1:5433/codebench alice.db --coder alice
    """
    from codebench.team.copies import clone
    from codebench.team.sync import describe

    result = clone(url, project, coder=coder)
    say(f"{project}: {describe(result)}")


@team_group.command(name="status")
@project_argument
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table")
@pass_ctx
@handle_errors
def status_cmd(ctx: Context, project: Path | None, fmt: str) -> None:
    """Progress per coder and assigned transcript on the hub, and each coder's last sync.

    \b
    Example:
      codebench team status study.db
    """
    from codebench.team.lead import progress

    with ctx.open_at(_project_path(ctx, project), write=False) as opened:
        rows = progress(opened)
    emit(
        [
            {
                "coder": r.coder,
                "transcript": r.transcript,
                "status": r.status,
                "codings": r.codings,
                "released": r.released if r.released is not None else "",
                "last sync": r.last_sync or "never",
            }
            for r in rows
        ],
        fmt,
        title="Team progress",
    )


@team_group.command(name="release")
@click.argument("project", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("transcripts", nargs=-1)
@click.option(
    "--round",
    "round_ref",
    default=None,
    help="Release exactly this reliability round's sample (its number or name).",
)
@click.option(
    "--withdraw",
    is_flag=True,
    help="Take the release back: blind again; coders' next sync removes others' work.",
)
@pass_ctx
@handle_errors
def release_cmd(
    ctx: Context,
    project: Path,
    transcripts: tuple[str, ...],
    round_ref: str | None,
    withdraw: bool,
) -> None:
    """Open codings to every coder for review and adjudication.

    With --round N: exactly round N's sample (see codebench round start).
    Otherwise TRANSCRIPTS (all transcripts if none are named). Until then the
    hub shows each coder only their own work. --withdraw takes a release back.

    \b
    Example:
      codebench team release study.db --round 1
      codebench team release study.db 01-riverside-ceo 02-riverside-nurse
      codebench team release study.db --round 1 --withdraw
    """
    from codebench.team.lead import release

    with ctx.open_at(project, write=False) as opened:
        names = release(opened, list(transcripts), round_ref=round_ref, withdraw=withdraw)
    if withdraw:
        say(
            f"withdrew the release of {plural(len(names), 'transcript')}: {', '.join(names)}"
            " (blind again; each coder's next sync removes others' work on them)"
        )
    else:
        say(f"released {plural(len(names), 'transcript')} for review: {', '.join(names)}")


@click.command(name="sync")
@project_argument
@click.option("--json", "as_json", is_flag=True, help="Print what moved as JSON.")
@pass_ctx
@handle_errors
def sync_cmd(ctx: Context, project: Path | None, as_json: bool) -> None:
    """Push this copy's new work to the hub and pull what your role may see.

    Offline, it says how many changes are waiting and exits 1; nothing is
    lost, and the next sync sends them.

    \b
    Examples:
      codebench sync alice.db
      codebench sync alice.db --json
    """
    from codebench.team.sync import SyncOffline, describe, sync

    with ctx.open_at(_project_path(ctx, project)) as opened:
        try:
            result = sync(opened)
        except SyncOffline as error:
            if not as_json:
                raise
            out = {"offline": True, "waiting": error.waiting, "error": str(error)}
            click.echo(json_safe(json.dumps(out, ensure_ascii=False)))
            sys.exit(1)
    if as_json:
        click.echo(json_safe(json.dumps(result.as_dict(), ensure_ascii=False)))
    else:
        say(describe(result))


COMMANDS = [server_group, team_group, sync_cmd]
