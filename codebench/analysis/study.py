"""A study file (``study.toml``): the declared list of outputs `codebench build` writes.

::

    [build]
    output = "out/"          # folder for the outputs and MANIFEST.json (beside the study file)
    seed = 7                 # recorded in the manifest

    [[output]]
    kind = "query"           # query | search | words | report | explain | framework | map
    expression = "04.2 & 10"
    where = ["role=commissioner"]
    count_by = "attribute:role"
    file = "commissioners.xlsx"   # the format follows from the extension

    [[output]]
    kind = "explain"         # the quotes behind one cell: `codebench explain`
    report = "by-attribute"
    by = "role"
    row = "04.2"
    column = "senior manager"
    file = "04.2-senior-managers.docx"

Each entry takes the options of the matching command, spelled with
underscores (``count_by``, ``case_sensitive``, ``min_group``); a list option
takes a list of strings (a single string is one item). An ``explain``
entry names the report it explains with ``report`` (the command's KIND);
a ``framework`` entry is `codebench framework export` (``case`` is its
``--case``, the cases to keep); a ``map`` entry is `codebench map`. The whole file is
checked before anything is computed: an unknown key or a bad value is one
line naming the file, the entry (its number and file) and the key.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from codebench.analysis.explain import KINDS as EXPLAIN_KINDS
from codebench.analysis.framework import CASES
from codebench.analysis.framework import FORMATS as FRAMEWORK_FORMATS
from codebench.analysis.theme_map import FORMATS as MAP_FORMATS
from codebench.analysis.theme_map import MEASURES as MAP_MEASURES
from codebench.errors import CodebenchError
from codebench.reports.compute import KINDS as REPORT_KINDS
from codebench.reports.compute import MEASURES
from codebench.safety import one_line

#: What an entry can produce.
ENTRY_KINDS = ("query", "search", "words", "report", "explain", "framework", "map")
#: The formats each kind of entry writes (reports: also per report, checked when built).
ENTRY_FORMATS = {
    "query": ("csv", "xlsx", "md", "html", "docx", "json"),
    "search": ("csv", "xlsx", "md", "html", "docx", "json"),
    "words": ("csv", "xlsx", "md", "html", "docx", "json", "png", "svg"),
    "report": ("csv", "xlsx", "md", "html", "docx", "json", "png", "svg"),
    "explain": ("csv", "xlsx", "md", "html", "docx", "json"),
    "framework": FRAMEWORK_FORMATS,
    "map": MAP_FORMATS,
}
#: The manifest's file name in the output folder (no entry may write it).
MANIFEST = "MANIFEST.json"


class StudyError(CodebenchError):
    """A study file that cannot be read, or one of its entries is invalid."""


Check = Callable[[Any], Any]


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be a non-empty string")
    return value


def _round(value: Any) -> str:
    """A reliability round, by number (``round = 1``) or name (``round = "pilot"``)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return str(value)
    if isinstance(value, str) and value.strip():
        return value
    raise ValueError("must be a round's number or name")


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("must be a string or a list of strings")
    return list(value)


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _number(low: int, high: int | None) -> Check:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("must be a whole number")
        if value < low or (high is not None and value > high):
            raise ValueError(f"must be from {low}" + (f" to {high}" if high is not None else " up"))
        return value

    return check


def _at_least_zero(value: Any) -> float:
    """A number from 0 up (a map's ``threshold``: 2, or 0.25 for a normalised measure)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise ValueError("must be a number from 0 up")
    return float(value)


def _choice(*allowed: str) -> Check:
    def check(value: Any) -> str:
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}")
        return str(value)

    return check


_SCOPE: dict[str, Check] = {
    "where": _strings,
    "transcripts": _strings,
    "coders": _strings,
    "consensus": _flag,
    "speakers": _strings,
    "round": _round,
}
#: Every key an entry of each kind may have (besides ``kind`` and ``file``), with its check.
KEYS: dict[str, dict[str, Check]] = {
    "query": {"expression": _text, "run": _text, "count_by": _text, **_SCOPE},
    "search": {
        "pattern": _text,
        "regex": _flag,
        "case_sensitive": _flag,
        "exact_accents": _flag,
        "in_code": _text,
        "codable_only": _flag,
        "context": _number(0, 1000),
        "count_by": _text,
        **_SCOPE,
    },
    "words": {
        "by": _text,
        "in_code": _text,
        "ngram": _number(1, 5),
        "top": _number(1, 10_000),
        **_SCOPE,
    },
    "report": {
        "report": _choice(*REPORT_KINDS),
        **_SCOPE,
        "by": _strings,
        "cases": _choice("transcripts", "participants"),
        "min_group": _number(1, None),
        "presence": _flag,
        "transpose": _flag,
        "normalise": _choice("jaccard", "c", "overlap"),
        "codes": _strings,
        "context": _flag,
        "subcodes": _flag,
        "rollup": _flag,
        "measure": _choice(*MEASURES),
        "with_quotes": _flag,
    },
    "explain": {
        "report": _choice(*EXPLAIN_KINDS),
        "row": _text,
        "column": _text,
        **_SCOPE,
        "by": _strings,
        "cases": _choice(*CASES),
        "rollup": _flag,
        "context": _flag,
    },
    "framework": {
        "coders": _strings,
        "consensus": _flag,
        "cases": _choice(*CASES),
        "codes": _strings,
        "case": _strings,
    },
    "map": {
        "measure": _choice(*MAP_MEASURES),
        "threshold": _at_least_zero,
        "coders": _strings,
        "consensus": _flag,
        "where": _strings,
        "transcripts": _strings,
    },
}
#: Keys an entry of each kind must have.
REQUIRED = {"search": ("pattern",), "report": ("report",), "explain": ("report", "row")}


@dataclass(frozen=True)
class Entry:
    """One declared output: what to compute (``options``) and where to write it."""

    number: int
    kind: str
    file: str
    fmt: str
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """How messages name the entry: ``output 2 (by-role.xlsx)``."""
        return f"output {self.number} ({self.file})"

    def declared(self) -> dict[str, Any]:
        """The entry as the study file declares it (for the manifest)."""
        return {"kind": self.kind, "file": self.file, **self.options}


@dataclass(frozen=True)
class Study:
    """A parsed and checked study file."""

    path: Path
    output: Path
    seed: int | None
    entries: list[Entry]
    sha256: str


def load_study(path: Path | str) -> Study:
    """Read and check the study file at ``path`` (nothing about the project yet)."""
    import hashlib

    path = Path(path)
    name = one_line(str(path))
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise StudyError(
            f"{name}: cannot read the study file ({error.strerror or error})"
        ) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise StudyError(f"{name}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        raise StudyError(f"{name}: not valid TOML: {one_line(str(error))}") from None
    unknown = sorted(set(data) - {"build", "output"})
    if unknown:
        raise StudyError(f"{name}: unknown table {unknown[0]!r} (use [build] and [[output]])")
    build = data.get("build", {})
    if not isinstance(build, dict):
        raise StudyError(f"{name}: [build] must be a table")
    extra = sorted(set(build) - {"output", "seed"})
    if extra:
        raise StudyError(f"{name}: [build]: unknown key {extra[0]!r} (keys: output, seed)")
    folder = build.get("output", "out")
    if not isinstance(folder, str) or not folder.strip():
        raise StudyError(f"{name}: [build]: 'output' must be a folder name")
    # Inside the study file's folder: a build replaces the folder's MANIFEST.json and
    # outputs, so a study file from someone else must not aim that anywhere else.
    parts = PurePosixPath(folder.replace("\\", "/")).parts
    if PurePosixPath(folder).is_absolute() or PureWindowsPath(folder).drive or ".." in parts:
        raise StudyError(
            f"{name}: [build]: 'output' must be a folder inside the study file's folder "
            f"(no '..', not an absolute path), not {one_line(folder)!r}"
        )
    seed = build.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise StudyError(f"{name}: [build]: 'seed' must be a whole number")
    items = data.get("output", [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items) or not items:
        raise StudyError(f"{name}: declare at least one [[output]] entry")
    entries: list[Entry] = []
    seen: set[str] = set()
    for number, item in enumerate(items, start=1):
        entry = _entry(name, number, item)
        key = entry.file.casefold()
        if key in seen:
            raise StudyError(f"{name}: {entry.label}: another entry writes {entry.file!r} too")
        seen.add(key)
        entries.append(entry)
    out = Path(folder)
    if not out.is_absolute():
        out = path.parent / out
    return Study(path, out, seed, entries, hashlib.sha256(raw).hexdigest())


def _a(kind: str) -> str:
    """``a report``, ``an explain``: a kind of entry with its article, for messages."""
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


def _entry(name: str, number: int, item: dict[str, Any]) -> Entry:
    """One ``[[output]]`` entry, checked (keys, types, file name and format)."""
    from codebench.reports.writers import EXTENSIONS

    file = item.get("file")
    where = f"{name}: output {number}" + (f" ({one_line(file)})" if isinstance(file, str) else "")
    if not isinstance(file, str) or not file.strip():
        raise StudyError(f"{where}: 'file' (the output's file name) is missing")
    if one_line(file) != file:
        raise StudyError(f"{where}: 'file' holds a control or bidirectional character")
    pure = PurePosixPath(file.replace("\\", "/"))
    if pure.is_absolute() or ".." in pure.parts or file.startswith("~"):
        raise StudyError(f"{where}: 'file' must be a name inside the output folder")
    if pure.name == MANIFEST:
        raise StudyError(f"{where}: 'file' cannot be {MANIFEST} (the build writes it)")
    kind = item.get("kind")
    if kind not in ENTRY_KINDS:
        raise StudyError(f"{where}: 'kind' must be one of {', '.join(ENTRY_KINDS)} (got {kind!r})")
    # A theme map's graph files have extensions of their own (.graphml, .gexf).
    suffix = pure.suffix.lower()
    fmt = EXTENSIONS.get(suffix, suffix.lstrip("."))
    if fmt not in ENTRY_FORMATS[kind]:
        raise StudyError(
            f"{where}: 'file': {_a(kind)} is written as "
            + ", ".join(f".{f}" for f in ENTRY_FORMATS[kind])
        )
    allowed = KEYS[kind]
    options: dict[str, Any] = {}
    for key, value in item.items():
        if key in ("kind", "file"):
            continue
        if key not in allowed:
            known = ", ".join(["kind", "file", *allowed])
            raise StudyError(
                f"{where}: unknown key {one_line(key)!r} for {_a(kind)} (keys: {known})"
            )
        try:
            options[key] = allowed[key](value)
        except ValueError as error:
            raise StudyError(f"{where}: {key!r} {error}") from None
    for key in REQUIRED.get(kind, ()):
        if key not in options:
            raise StudyError(f"{where}: {_a(kind)} needs {key!r}")
    if options.get("with_quotes") and fmt != "xlsx":
        raise StudyError(f"{where}: 'with_quotes' adds a sheet to a workbook: name an .xlsx file")
    if kind == "query" and ("expression" in options) == ("run" in options):
        raise StudyError(
            f"{where}: a query needs 'expression' or 'run' (a saved query), one of them"
        )
    return Entry(number, kind, str(pure), fmt, options)
