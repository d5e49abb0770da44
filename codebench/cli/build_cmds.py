"""`codebench build` and `codebench diff-manifest`: reproducible analysis from a study file."""

from __future__ import annotations

import json
from pathlib import Path

import click

from codebench.cli.context import Context, format_option, handle_errors, pass_ctx
from codebench.cli.output import say
from codebench.wording import plural


@click.command(
    name="build", short_help="Write every output a study.toml declares, with a manifest."
)
@click.argument("study", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing: compare a fresh build with the folder's MANIFEST.json "
    "(exit status 1 if any output would differ).",
)
@pass_ctx
@handle_errors
def build_cmd(ctx: Context, study: Path, check: bool) -> None:
    """Compute every [[output]] of STUDY (a TOML file) and write them, plus
    MANIFEST.json, into its [build] output folder.

    Every entry is checked and computed before any file is written; a build
    of an unchanged project gives byte-identical files. See docs/analysis.md
    (Reproducible builds) for the format.

    \b
    Examples:
      codebench build study.toml
      codebench -p study.db build analysis/study.toml
      codebench build study.toml --check     # would a rebuild give the same files?
    """
    from codebench.analysis.build import build
    from codebench.analysis.study import MANIFEST, load_study

    plan = load_study(study)  # the file's own mistakes first, before the project is opened
    if check:
        from codebench.analysis.manifest_diff import diff_manifests, load_manifest

        last = load_manifest(plan.output / MANIFEST)
        with ctx.open(write=False) as project:
            fresh = build(project, plan, write=False)
        diff = diff_manifests(last, fresh.manifest)
        for line in diff.lines():
            say(line)
        if diff.outputs_changed or diff.outputs_added or diff.outputs_removed:
            raise SystemExit(1)
        return
    with ctx.open(write=False) as project:
        built = build(project, plan)
    for output in built.outputs:
        say(f"  {output['file']}  {output['sha256'][:12]}")
    say(
        f"Built {plural(len(built.outputs), 'output')} in {built.folder} "
        f"(MANIFEST.json; events up to #{built.manifest['events']['high_water']})",
        err=True,
    )


@click.command(name="diff-manifest", short_help="Why outputs differ between two builds.")
@click.argument("before", type=click.Path(path_type=Path))
@click.argument("after", type=click.Path(path_type=Path))
@format_option("text", "json")
@handle_errors
def diff_manifest(before: Path, after: Path, fmt: str) -> None:
    """Compare two builds' MANIFEST.json files (or their folders): which
    outputs changed, and what changed underneath them (events by kind and
    coder, codebook version, transcripts, coders, settings, seed).

    \b
    Examples:
      codebench diff-manifest out-june/ out/
      codebench diff-manifest old/MANIFEST.json out/MANIFEST.json --format json
    """
    from codebench.analysis.manifest_diff import diff_manifests, load_manifest
    from codebench.safety import json_safe

    diff = diff_manifests(load_manifest(before), load_manifest(after))
    if fmt == "json":
        click.echo(json_safe(json.dumps(diff.as_json(), ensure_ascii=False, indent=2)))
        return
    for line in diff.lines():
        say(line)


COMMANDS = [build_cmd, diff_manifest]
