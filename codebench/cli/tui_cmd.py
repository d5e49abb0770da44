"""``codebench tui``: open the coding workbench (Textual loads only here)."""

from __future__ import annotations

import click

from codebench.cli.context import Context, handle_errors, new_coder_option, pass_ctx


def open_tui(ctx: Context, *, coder: str | None, transcript: str | None) -> None:
    """Open the project and run the Textual app until the user quits.

    A bug that ends the app is one ``Error:`` line naming the crash log, and exit status 1.
    """
    project = ctx.open()  # first: a missing project is reported before Textual loads
    try:
        if coder is not None:  # a mistyped --coder is refused here, not started as a new coder
            project.coder(coder, create=True)
        project.new_coders = True  # the workbench asks for a name itself
        from codebench.tui.app import make_app
        from codebench.tui.crash import run_reporting_crashes

        crash = run_reporting_crashes(make_app(project, coder=coder, transcript=transcript))
    finally:
        project.close()
    if crash is not None:
        raise click.ClickException(crash.message)


@click.command()
@click.option(
    "--coder",
    envvar="CODEBENCH_CODER",
    help="Your coder name (else remembered, or asked on first run).",
)
@click.argument("transcript", required=False)
@new_coder_option
@pass_ctx
@handle_errors
def tui(ctx: Context, coder: str | None, transcript: str | None) -> None:
    """Open the coding workbench (the default when no command is given).

    \b
    Examples:
      codebench tui --coder alice
      codebench tui --coder alice 01-riverside-ceo
    """
    open_tui(ctx, coder=coder, transcript=transcript)


COMMANDS = [tui]
