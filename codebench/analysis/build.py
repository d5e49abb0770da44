"""`codebench build study.toml`: every declared output, plus a MANIFEST.json saying what made it.

Each entry of the study file (:mod:`codebench.analysis.study`) runs the
same library call as its command (`query`, `search`, `words`, `report`,
`explain`, `framework export`, `map`) and is rendered by the same writers. Every output is computed and rendered in
memory first, so an entry that fails (a bad code in a query, an unknown
attribute) stops the build before any file is written; then each file is
written atomically, and the manifest last (the previous build's manifest
is removed first, so a folder with a MANIFEST.json holds a complete build).

Building twice on an unchanged project gives byte-identical files: nothing
in an output comes from the clock, by the rule every writer follows
(:mod:`codebench.reports.reproducible`): the whole report prints the day of
the project's last event, and XLSX and DOCX files record one fixed time
inside their zip, so an office file's hash changes only when its content
does, and `codebench report ... -o x.xlsx` writes the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import codebench
from codebench.analysis.study import MANIFEST, Entry, Study, StudyError
from codebench.errors import CodebenchError
from codebench.safety import json_safe, one_line
from codebench.store import codebook_versions as version_sql
from codebench.store import events as event_sql

if TYPE_CHECKING:
    from codebench.analysis.scope import ScopeSpec
    from codebench.project import Project


#: The time a project without events stands at.
_NO_EVENTS = "1980-01-01T00:00:00.000+00:00"


@dataclass(frozen=True)
class Built:
    """What a build wrote: the manifest (as data) and where."""

    folder: Path
    manifest: dict[str, Any]

    @property
    def outputs(self) -> list[dict[str, Any]]:
        return list(self.manifest["outputs"])


def build(project: Project, study: Study, *, write: bool = True) -> Built:
    """Compute every entry of ``study``, then write them and MANIFEST.json into its folder.

    ``write=False`` computes the manifest only (to compare with the last build's).
    """
    from codebench.fileio import write_atomic
    from codebench.reports.writers import notes_file_text, notes_path

    state = project_state(project)
    rendered: list[tuple[Entry, bytes, bytes | None]] = []
    for entry in study.entries:
        try:
            data, notes = _render(project, entry)
        except StudyError:
            raise
        except CodebenchError as error:
            message = _in_study_terms(str(error))
            raise StudyError(f"{one_line(str(study.path))}: {entry.label}: {message}") from None
        target = study.output / entry.file
        # A report's CSV has its notes beside it, as `codebench report -o x.csv` writes them.
        beside = notes_file_text(target, notes).encode("utf-8") if notes else None
        rendered.append((entry, data, beside))
        _check_target(study, entry, target)
        if beside is not None:
            _check_target(study, entry, notes_path(target))
    outputs = []
    for entry, data, beside in rendered:
        output = {
            "entry": entry.declared(),
            "file": entry.file,
            "format": entry.fmt,
            "sha256": hashlib.sha256(data).hexdigest(),
        }
        if beside is not None:
            output["notes_file"] = notes_path(Path(entry.file)).as_posix()
            output["notes_sha256"] = hashlib.sha256(beside).hexdigest()
        outputs.append(output)
    manifest = {
        **state,
        "study": study.path.name,
        "study_sha256": study.sha256,
        "seed": study.seed,
        "outputs": outputs,
    }
    if not write:
        return Built(study.output, manifest)
    _inside_study(study, study.output / MANIFEST)
    text = json_safe(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True)) + "\n"
    _folder(study.output)
    # A build that fails half-way (a full disk) must not leave the last build's
    # manifest vouching for files it no longer describes: no manifest, no build.
    (study.output / MANIFEST).unlink(missing_ok=True)
    for entry, data, beside in rendered:
        target = study.output / entry.file
        _folder(target.parent)
        write_atomic(target, data)
        if beside is not None:
            write_atomic(notes_path(target), beside)
    write_atomic(study.output / MANIFEST, text)
    return Built(study.output, manifest)


#: The commands' options as a study file's keys, for the library's messages that name them.
_OPTION_KEYS = {
    "--where": "where",
    "--transcripts": "transcripts",
    "--coders": "coders",
    "--coder": "coders",
    "--speaker": "speakers",
    "--round": "round",
    "--count-by": "count_by",
    "--in-code": "in_code",
    "--attribute": "by",
    "--by": "by",
    "--code": "codes",
    "--with-quotes": "with_quotes",
    "--row": "row",
    "--column": "column",
    "--case": "case",
    "--measure": "measure",
    "--threshold": "threshold",
}
_OPTION = re.compile(r"--[a-z][a-z-]*")


def _in_study_terms(message: str) -> str:
    """``message`` with the command options it names spelled as the study file's keys."""
    return _OPTION.sub(
        lambda m: repr(_OPTION_KEYS[m[0]]) if m[0] in _OPTION_KEYS else m[0], message
    )


def _check_target(study: Study, entry: Entry, target: Path) -> None:
    """Refuse an output that would replace a database (the project, a mistyped name) or a folder."""
    from codebench.fileio import is_sqlite_file

    _inside_study(study, target)
    if target.is_dir():
        problem = "is a folder"
    elif is_sqlite_file(target):
        problem = "is an SQLite database (a project?), which a build never replaces"
    else:
        return
    raise StudyError(
        f"{one_line(str(study.path))}: {entry.label}: {one_line(str(target))} {problem}"
    )


def _inside_study(study: Study, target: Path) -> None:
    """Refuse a target that lies outside the study file's folder once links are followed.

    The study file's own rules already refuse '..' and absolute paths; a
    symbolic link inside the folder (``out`` -> ``/elsewhere``) would still
    aim the build anywhere, so the real path is checked before anything is
    written.
    """
    home = study.path.parent.resolve()
    real = target.resolve()
    if real != home and home not in real.parents:
        raise StudyError(
            f"{one_line(str(study.path))}: {one_line(str(target))} leads outside the study "
            f"file's folder (to {one_line(str(real))}, through a link); a build writes only "
            "inside it"
        )


def _folder(path: Path) -> None:
    """Make the output folder ``path`` (and its parents), or say plainly why not."""
    from codebench.errors import OutputFailed

    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        reason = error.strerror or str(error)
        raise OutputFailed(
            f"{one_line(str(path))}: cannot make the output folder ({reason})"
        ) from None


def project_state(project: Project) -> dict[str, Any]:
    """What the outputs depend on: version, transcripts (text hash, attributes), codebook,
    coders, events, settings."""
    from codebench.analysis.words import stop_words

    high = event_sql.last_event_id(project.db)
    generated = event_sql.event_time(project.db, high) or _NO_EVENTS
    created = event_sql.first_event_time(project.db) or _NO_EVENTS
    snapshot = version_sql.snapshot(project.db)
    return {
        "codebench": codebench.__version__,
        "project": project.path.name,
        "generated": generated,
        "created": created,
        "transcripts": sorted(
            (
                {
                    "name": t.name,
                    "sha256": t.sha256,
                    "attributes": dict(sorted(t.attributes.items())),
                }
                for t in project.transcripts()
            ),
            key=lambda t: t["name"],
        ),
        "codebook": {
            "version": version_sql.current_version(project.db),
            "sha256": hashlib.sha256(
                json.dumps(snapshot, ensure_ascii=False, sort_keys=True).encode("utf-8")
            ).hexdigest(),
            "codes": len(snapshot),
        },
        "coders": sorted(
            ({"name": c.name, "kind": c.kind} for c in project.coders()), key=lambda c: c["name"]
        ),
        "events": {
            "high_water": high,
            "counts": [
                {"action": action, "coder": coder, "count": count}
                for action, coder, count in event_sql.event_counts(project.db, high)
            ],
        },
        "settings": {
            "codebook_name": project.setting("codebook.name") or "",
            "stop_words": sorted(stop_words(project)),
        },
    }


def _render(project: Project, entry: Entry) -> tuple[bytes, tuple[str, ...]]:
    """The entry's output as the bytes its command would write, and the notes that go beside it."""
    from codebench.reports.writers import notes_of

    o = entry.options
    data: str | bytes
    if entry.kind in ("query", "search"):
        data = _analysis(project, entry)
    elif entry.kind == "words":
        from codebench.analysis.words import render_words, word_frequencies

        result = word_frequencies(
            project,
            _scope(o),
            by=o.get("by"),
            in_code=o.get("in_code"),
            ngram=o.get("ngram", 1),
            top=o.get("top", 20),
        )
        data = render_words(result, entry.fmt)
    elif entry.kind == "explain":
        data = _explain(project, entry)
    elif entry.kind == "framework":
        from codebench.analysis.framework import framework_matrix, render_framework

        matrix = framework_matrix(
            project,
            _coders(o) or None,
            cases=o.get("cases", "transcripts"),
            codes=o.get("codes") or None,
            only=o.get("case") or None,
        )
        data = render_framework(matrix, entry.fmt)
    elif entry.kind == "map":
        from codebench.analysis.theme_map import render_map, theme_map

        found = theme_map(
            project,
            _coders(o) or None,
            measure=o.get("measure", "count"),
            threshold=o.get("threshold", 1),
            where=o.get("where", []),
            transcripts=o.get("transcripts", []),
        )
        data = render_map(found, entry.fmt)
    else:
        data = _report(project, entry)
    notes = notes_of(data)  # before the byte-order mark, which makes a plain str of the CSV
    if entry.kind in _WRITTEN_AS_REPORTS:
        from codebench.reports.writers import file_data

        data = file_data(data, entry.fmt)
    if isinstance(data, str):
        data = data.encode("utf-8")
    return data, notes


#: Kinds whose commands write through the reports' writers (a CSV gets a byte-order mark).
_WRITTEN_AS_REPORTS = ("report", "explain", "framework")


def _scope(o: dict[str, Any]) -> ScopeSpec:
    from codebench.analysis.scope import ScopeSpec

    return ScopeSpec.of(
        o.get("where", ()),
        o.get("transcripts", ()),
        _coders(o),
        o.get("speakers", ()),
        o.get("round"),
    )


def _coders(o: dict[str, Any]) -> list[str]:
    """An entry's ``coders``, with ``consensus = true`` as the consensus coder (as --consensus)."""
    return [*o.get("coders", []), *(["consensus"] if o.get("consensus") else [])]


def _analysis(project: Project, entry: Entry) -> str | bytes:
    """A query or search entry, as `codebench query|search -o FILE` computes and writes it."""
    from codebench.analysis import output
    from codebench.analysis.tables import check_count_by

    o = entry.options
    count_by = o.get("count_by")
    if count_by is not None:
        check_count_by(count_by, project.transcripts())
    spec = _scope(o)
    result: output.Result
    if entry.kind == "query":
        from codebench.analysis import saved
        from codebench.analysis.query import run_query

        expression = o.get("expression")
        if expression is None:
            stored = saved.saved_query(project, o["run"])
            expression, spec = stored.expression, stored.scope.merged(spec)
        result = run_query(project, expression, spec)
    else:
        from codebench.analysis.search import CONTEXT, search

        result = search(
            project,
            o["pattern"],
            spec,
            regex=o.get("regex", False),
            case_sensitive=o.get("case_sensitive", False),
            exact_accents=o.get("exact_accents", False),
            in_code=o.get("in_code"),
            context=o.get("context", CONTEXT),
            codable_only=o.get("codable_only", False),
        )
    return output.render(result, entry.fmt, count_by)


def _explain(project: Project, entry: Entry) -> str | bytes:
    """An explain entry, as `codebench explain KIND --row R --column C -o FILE` writes it."""
    from codebench.analysis.explain import CellSpec, explain
    from codebench.reports import writers

    o = entry.options
    spec = CellSpec(
        o["report"],
        _scope(o),
        tuple(o.get("by", [])),
        o.get("cases", "transcripts"),
        o.get("rollup", True),
    )
    found = explain(project, spec, o["row"], o.get("column"), context=o.get("context", False))
    return writers.render(found, entry.fmt)


def _report(project: Project, entry: Entry) -> str | bytes:
    """A report entry, as `codebench report KIND -o FILE` computes and writes it."""
    from codebench.reports import writers
    from codebench.reports.compute import (
        compute_report,
        quotes_behind_cells,
        workbook_with_quotes,
    )

    o = entry.options
    rollup = o.get("rollup", True)
    result = compute_report(
        project,
        o["report"],
        coders=_coders(o) or None,
        attributes=o.get("by", []),
        cases=o.get("cases", "transcripts"),
        min_group=o.get("min_group", 3),
        presence=o.get("presence", False),
        normalise=o.get("normalise"),
        codes=o.get("codes", []),
        context=o.get("context", False),
        subcodes=o.get("subcodes", True),
        rollup=rollup,
        where=o.get("where", []),
        transcripts=o.get("transcripts", []),
        round_ref=o.get("round"),
        speakers=o.get("speakers", []),
    )
    view = {
        "rollup": rollup,
        "measure": o.get("measure", "segments"),
        "transpose": o.get("transpose", False),
    }
    if o.get("with_quotes"):
        sheet = quotes_behind_cells(
            project,
            o["report"],
            result,
            coders=_coders(o),
            where=o.get("where", []),
            transcripts=o.get("transcripts", []),
            round_ref=o.get("round"),
            speakers=o.get("speakers", []),
            attributes=o.get("by", []),
            cases=o.get("cases", "transcripts"),
            rollup=rollup,
        )
        return workbook_with_quotes(result, sheet, view)
    return writers.render(result, entry.fmt, **view)
