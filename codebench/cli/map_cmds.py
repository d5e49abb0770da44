"""`codebench map` (the theme map as GraphML/GEXF) and `codebench relations` (typed code links)."""

from __future__ import annotations

from pathlib import Path

import click

from codebench.cli.context import Context, format_option, handle_errors, new_coder_option, pass_ctx
from codebench.cli.output import emit, is_stdout, output_option, say, write_output
from codebench.wording import plural


@click.command(
    name="map", short_help="The theme map: codes as a network (GraphML, GEXF, SVG, PNG)."
)
@click.option(
    "--measure",
    type=click.Choice(["count", "jaccard", "c", "overlap"]),
    default="count",
    show_default=True,
    help="Co-occurrence edge weight: segments with both, or a normalised measure.",
)
@click.option(
    "--threshold",
    type=float,
    default=1,
    show_default=True,
    help="Leave out co-occurrence edges lighter than this.",
)
@click.option("--coder", "coders", multiple=True, metavar="NAME", help="As for the reports.")
@click.option("--where", multiple=True, metavar="KEY=VALUE", help="As for the reports.")
@click.option("--transcripts", multiple=True, metavar="A,B", help="As for the reports.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["graphml", "gexf", "svg", "png"]),
    help="Default: from -o's extension.",
)
@output_option("Write to this file (atomically).", required=True)
@pass_ctx
@handle_errors
def theme_map_cmd(
    ctx: Context,
    measure: str,
    threshold: float,
    coders: tuple[str, ...],
    where: tuple[str, ...],
    transcripts: tuple[str, ...],
    fmt: str | None,
    output: Path,
) -> None:
    """Write the theme map: codes as nodes (with their coded segments), co-occurrence as
    weighted undirected edges, and the lead's relations (`codebench relations`) as
    directed edges typed by what they say. As .svg or .png, the map is drawn: codes on
    a circle grouped by top-level code, circle size by coded segments, line width by
    the measure, relations dashed with arrows, and a legend.

    \b
    Examples:
      codebench map -o themes.graphml
      codebench map --measure jaccard --threshold 0.2 -o themes.gexf
      codebench map --measure jaccard --threshold 0.1 -o themes.png
    """
    from codebench.analysis.theme_map import FORMATS, render_map, theme_map
    from codebench.errors import CodebenchError

    if fmt is None:
        suffix = Path(str(output)).suffix.lower().lstrip(".")
        if is_stdout(output) or suffix not in FORMATS:
            raise CodebenchError(
                "name a .graphml, .gexf, .svg or .png file, or pass --format graphml|gexf|svg|png"
            )
        fmt = suffix
    with ctx.open(write=False) as project:
        found = theme_map(
            project,
            list(coders) or None,
            measure=measure,
            threshold=threshold,
            where=where,
            transcripts=transcripts,
        )
    write_output(output, render_map(found, fmt), what=f"{fmt} output")
    if not is_stdout(output):
        say(
            f"Wrote {output} ({plural(len(found.nodes), 'code')}, {plural(len(found.edges), 'edge')}, {fmt})",
            err=True,
        )


@click.group(name="relations", invoke_without_command=True)
@format_option("table", "json", "csv")
@click.pass_context
def relations_group(click_ctx: click.Context, fmt: str) -> None:
    """List the lead's typed relations between codes ("leads to", "contradicts").

    \b
    Examples:
      codebench relations
      codebench relations add 04.2 16 --type "leads to" --coder alice
      codebench relations remove 04.2 16 --type "leads to"
    """
    if click_ctx.invoked_subcommand is not None:
        return

    def listing(ctx: Context) -> None:
        from codebench.analysis.theme_map import relations

        with ctx.open(write=False) as project:
            rows = [
                {
                    "from": r.source,
                    "type": r.kind,
                    "to": r.target,
                    "note": r.note,
                    "by": r.created_by or "",
                }
                for r in relations(project)
            ]
        if not rows and fmt == "table":
            say("No relations yet (codebench relations add FROM TO --type KIND).")
            return
        emit(rows, fmt, title="Code relations", columns=["from", "type", "to", "note", "by"])

    handle_errors(listing)(click_ctx.ensure_object(Context))


@relations_group.command(name="add")
@click.argument("source", metavar="FROM")
@click.argument("target", metavar="TO")
@click.option(
    "--type", "kind", required=True, help="What the link says: 'leads to', 'contradicts'."
)
@click.option("--note", default="", help="Why (optional).")
@click.option("--coder", envvar="CODEBENCH_CODER", help="Who says so (or set CODEBENCH_CODER).")
@new_coder_option
@pass_ctx
@handle_errors
def add(ctx: Context, source: str, target: str, kind: str, note: str, coder: str | None) -> None:
    """Say that code FROM relates to code TO (directed).

    \b
    Example:
      codebench relations add 04.2 16 --type "leads to" --note "contract pressure" --coder alice
    """
    from codebench.analysis.theme_map import add_relation

    with ctx.open() as project:
        added = add_relation(project, source, target, kind, note=note, coder=coder)
    say("Added the relation" if added else "That relation is already there")


@relations_group.command(name="remove")
@click.argument("source", metavar="FROM")
@click.argument("target", metavar="TO")
@click.option("--type", "kind", required=True, help="The relation's type.")
@click.option("--coder", envvar="CODEBENCH_CODER", help="Who removes it (or set CODEBENCH_CODER).")
@new_coder_option
@pass_ctx
@handle_errors
def remove(ctx: Context, source: str, target: str, kind: str, coder: str | None) -> None:
    """Remove the relation FROM → TO of a type.

    \b
    Example:
      codebench relations remove 04.2 16 --type "leads to"
    """
    from codebench.analysis.theme_map import remove_relation

    with ctx.open() as project:
        remove_relation(project, source, target, kind, coder=coder)
    say("Removed the relation")


COMMANDS = [theme_map_cmd, relations_group]
