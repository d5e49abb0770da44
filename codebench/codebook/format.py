"""The codebook file format: load, validate and write human-editable codebooks.

A codebook is a YAML (or JSON) document with a ``codes`` list; each code has
a ``number``, ``name``, guidance fields for coders and optional ``children``.
Loading validates everything a hand-edited file can get wrong and names the
offending entry, because a silently wrong codebook corrupts every coding made
against it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codebench.errors import CodebookError
from codebench.ids import fold_guid, stable_guid
from codebench.nesting import MAX_CODE_DEPTH, data_deeper_than, first_too_deep
from codebench.safety import safe_text

TEXT_FIELDS = ("description", "inclusion", "exclusion", "example")
ALLOWED_KEYS = {
    "number",
    "name",
    "guid",
    "parent",
    "colour",
    "color",
    "shortcut",
    "children",
    *TEXT_FIELDS,
}
COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")


@dataclass
class CodeSpec:
    """One code as written in a codebook file (no database ids)."""

    name: str
    number: str | None = None
    guid: str = ""
    description: str = ""
    inclusion: str = ""
    exclusion: str = ""
    example: str = ""
    colour: str | None = None
    shortcut: str | None = None
    children: list[CodeSpec] = field(default_factory=list)
    parent_ref: str | None = field(default=None, repr=False, compare=False)

    def label(self) -> str:
        return f"{self.number} {self.name}" if self.number else self.name


@dataclass
class Codebook:
    """A whole codebook: metadata plus a forest of :class:`CodeSpec`."""

    name: str = "Codebook"
    description: str = ""
    codes: list[CodeSpec] = field(default_factory=list)

    def walk(self) -> Iterator[tuple[CodeSpec, CodeSpec | None, int]]:
        """Depth-first ``(code, parent, depth)`` in file order."""

        def visit(
            nodes: list[CodeSpec], parent: CodeSpec | None, depth: int
        ) -> Iterator[tuple[CodeSpec, CodeSpec | None, int]]:
            for node in nodes:
                yield node, parent, depth
                yield from visit(node.children, node, depth + 1)

        yield from visit(self.codes, None, 0)

    def __len__(self) -> int:
        return sum(1 for _ in self.walk())


def default_codebook_path() -> Path:
    """The bundled public service mutuals codebook: 35 codes, 21 themes and 14 sub-codes under them."""
    from codebench.demo.files import data_dir

    return data_dir("codebooks") / "mutuals.yaml"


#: The largest codebook file read (a codebook of thousands of codes is well under 1 MiB).
MAX_CODEBOOK_BYTES = 20 * 1024 * 1024


def load_codebook(path: Path | str) -> Codebook:
    """Read and validate a codebook file (``.yaml``, ``.yml`` or ``.json``).

    YAML anchors and aliases are refused (a 1 KB file of nested aliases
    expands to millions of codes), and so is nesting deeper than a codebook
    can be, each with a one-line :class:`CodebookError` naming the file.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_CODEBOOK_BYTES:  # checked before reading: a 4 GB file costs nothing
            raise CodebookError(
                f"{path}: {size / 1e6:.0f} MB is too large for a codebook file "
                f"(the limit is {MAX_CODEBOOK_BYTES // 2**20} MiB)"
            )
        raw_bytes = path.read_bytes()
    except FileNotFoundError:
        raise CodebookError(f"{path}: no such codebook file") from None
    except OSError as error:
        raise CodebookError(f"{path}: cannot read codebook ({error.strerror or error})") from None
    if raw_bytes.startswith(b"PK\x03\x04"):
        raise CodebookError(
            f"{path}: a zip archive (a REFI-QDA .qdpx project?), not a YAML or JSON codebook; "
            f"import a project with `codebench import-project {path.name}`"
        )
    try:
        raw = raw_bytes.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CodebookError(
            f"{path}: not UTF-8 text ({error.reason} at byte {error.start}); "
            "a codebook file is YAML, JSON or REFI-QDA .qdc"
        ) from None
    if raw.lstrip().startswith("<"):
        raise CodebookError(
            f"{path}: XML (a REFI-QDA codebook?), not a YAML or JSON codebook; "
            "REFI-QDA codebooks are imported from a file named .qdc"
        )
    data = _decode_json(raw, path) if path.suffix.lower() == ".json" else _decode_yaml(raw, path)
    return parse_codebook(data, source=str(path))


#: How deeply a codebook document may nest: each level of codes is a mapping
#: inside a ``children`` list, under the top mapping and its ``codes`` list.
MAX_DOCUMENT_DEPTH = 2 * MAX_CODE_DEPTH + 1


def _too_deep(where: str) -> CodebookError:
    return CodebookError(
        f"{where}: nested deeper than a codebook may be "
        f"(at most {MAX_CODE_DEPTH} levels of codes); refused"
    )


def _decode_json(raw: str, path: Path) -> Any:
    try:
        return json.loads(raw)
    except RecursionError:  # the decoder recurses per level; nothing is left half-built
        raise _too_deep(str(path)) from None
    except ValueError as error:  # the decoder says where
        raise CodebookError(f"{path}: not valid JSON ({' '.join(str(error).split())})") from None


def _decode_yaml(raw: str, path: Path) -> Any:
    """Safe YAML, after one pass over the parser's events (no recursion) that
    refuses anchors, aliases and nesting deeper than :data:`MAX_DOCUMENT_DEPTH`."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: ~5x faster
    try:
        _check_yaml_events(yaml.parse(raw, Loader=loader), path)
        return yaml.load(raw, Loader=loader)
    except yaml.YAMLError as error:  # the parser says where
        message = " ".join(str(error).split())
        if "maximum nesting depth" in message:
            # libyaml (0.2.6 on) has its own nesting limit, met while it scans ahead
            # of the events checked above: the same refusal, in the same words.
            raise _too_deep(f"{path}") from None
        raise CodebookError(f"{path}: not valid YAML ({message})") from None


def _check_yaml_events(events: Iterable[Any], path: Path) -> None:
    import yaml

    depth = 0
    for event in events:
        line = event.start_mark.line + 1 if event.start_mark is not None else 0
        if isinstance(event, yaml.AliasEvent):
            raise CodebookError(
                f"{path}: line {line}: YAML alias *{event.anchor} refused (aliases can expand a "
                "small file into millions of codes); write the entries out in full"
            )
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise CodebookError(
                f"{path}: line {line}: YAML anchor &{anchor} refused (codebooks may not use "
                "anchors and aliases); write the entries out in full"
            )
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DOCUMENT_DEPTH:
                raise _too_deep(f"{path}: line {line}")
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def parse_codebook(data: Any, *, source: str = "codebook") -> Codebook:
    """Validate a decoded codebook document and build a :class:`Codebook`."""
    if isinstance(data, list):
        data = {"codes": data}
    if not isinstance(data, dict):
        raise CodebookError(f"{source}: a codebook must be a mapping with a 'codes' list")
    if data_deeper_than(data, MAX_DOCUMENT_DEPTH):
        raise _too_deep(source)
    codes = data.get("codes")
    if not isinstance(codes, list) or not codes:
        raise CodebookError(f"{source}: 'codes' must be a non-empty list")
    book = Codebook(
        name=_text(data.get("name", "Codebook"), source, "name") or "Codebook",
        description=_text(data.get("description", ""), source, "description"),
    )
    parsed = [_parse_code(entry, source, f"codes[{i}]") for i, entry in enumerate(codes)]
    book.codes = _attach_parents(parsed, source)
    deep = first_too_deep(book.codes, lambda code: code.children, MAX_CODE_DEPTH)
    if deep is not None:
        raise CodebookError(
            f"{source}: code {deep.label()!r} sits more than {MAX_CODE_DEPTH} levels deep; "
            f"refused (a codebook may have at most {MAX_CODE_DEPTH} levels of codes)"
        )
    _assign_guids(book.codes, ())
    _check_unique(book, source)
    return book


def _attach_parents(entries: list[CodeSpec], source: str) -> list[CodeSpec]:
    """Resolve flat entries' ``parent:`` (a number, name or guid) into the tree.

    Nested ``children`` and flat ``parent`` references may be mixed; an
    unknown parent or a cycle (through references or through nesting: a code
    whose parent is one of its own children) is an error naming the entry.
    Linear in the number of codes, and without recursion: a flat file can
    describe a chain thousands of codes long.
    """
    lookup: dict[str, CodeSpec] = {}
    #: id(code) -> the code it will sit under (its container, or its parent reference).
    above: dict[int, CodeSpec] = {}
    stack = list(reversed(entries))
    while stack:  # depth-first, file order: the first code with a key wins it
        node = stack.pop()
        for key in (node.number, node.name, node.guid):
            if key:
                lookup.setdefault(key.casefold(), node)
        for child in node.children:
            above[id(child)] = node
        stack.extend(reversed(node.children))
    parent_of: dict[int, CodeSpec] = {}
    for node in entries:
        if node.parent_ref is None:
            continue
        parent = lookup.get(node.parent_ref.casefold())
        if parent is None:
            raise CodebookError(
                f"{source}: code {node.label()!r}: unknown parent {node.parent_ref!r}"
            )
        parent_of[id(node)] = above[id(node)] = parent
    # A cycle needs a parent reference, so it passes through an entry: walking up
    # from each entry, never twice over the same code, finds them all.
    state: dict[int, int] = {}  # 1: on the current walk, 2: known to reach the top
    for node in entries:
        walk: list[CodeSpec] = []
        current: CodeSpec | None = node
        while current is not None and id(current) not in state:
            state[id(current)] = 1
            walk.append(current)
            current = above.get(id(current))
        if current is not None and state[id(current)] == 1:
            raise CodebookError(f"{source}: code {node.label()!r}: parent chain forms a cycle")
        for visited in walk:
            state[id(visited)] = 2
    roots = []
    for node in entries:
        parent = parent_of.get(id(node))
        if parent is None:
            roots.append(node)
        else:
            parent.children.append(node)
    return roots


def _assign_guids(nodes: list[CodeSpec], path: tuple[str, ...]) -> None:
    """Derive a stable GUID from the name path for codes the file gives none."""
    for node in nodes:
        here = (*path, node.name)
        if not node.guid:
            node.guid = stable_guid("code", *here)
        _assign_guids(node.children, here)


def _text(value: Any, source: str, where: str) -> str:
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise CodebookError(f"{source}: {where} must be text, not {type(value).__name__}")
    return safe_text(value.strip())  # control characters made visible, as every reader stores them


def _parse_code(entry: Any, source: str, where: str) -> CodeSpec:
    if not isinstance(entry, dict):
        raise CodebookError(f"{source}: {where} must be a mapping with at least a 'name'")
    unknown = sorted(set(entry) - ALLOWED_KEYS)
    name_hint = entry.get("name", "?")
    if unknown:
        raise CodebookError(f"{source}: {where} ({name_hint}): unknown field {unknown[0]!r}")
    name = _text(entry.get("name"), source, f"{where}.name")
    if not name:
        raise CodebookError(f"{source}: {where}: missing 'name'")
    label = f"{where} ({name})"
    number = _text(entry.get("number"), source, f"{label}.number") or None
    colour = _text(entry.get("colour", entry.get("color")), source, f"{label}.colour") or None
    if colour is not None and not COLOUR.match(colour):
        raise CodebookError(f"{source}: {label}: colour {colour!r} is not #RRGGBB")
    guid = _text(entry.get("guid"), source, f"{label}.guid")
    children_raw = entry.get("children") or []
    if not isinstance(children_raw, list):
        raise CodebookError(f"{source}: {label}: 'children' must be a list")
    parent_ref = _text(entry.get("parent"), source, f"{label}.parent") or None
    spec = CodeSpec(
        name=name,
        number=number,
        guid=fold_guid(guid) if guid else "",
        parent_ref=parent_ref,
        colour=colour.upper() if colour else None,
        shortcut=_text(entry.get("shortcut"), source, f"{label}.shortcut") or None,
        description=_text(entry.get("description"), source, f"{label}.description"),
        inclusion=_text(entry.get("inclusion"), source, f"{label}.inclusion"),
        exclusion=_text(entry.get("exclusion"), source, f"{label}.exclusion"),
        example=_text(entry.get("example"), source, f"{label}.example"),
    )
    spec.children = [
        _parse_code(child, source, f"{label}.children[{i}]") for i, child in enumerate(children_raw)
    ]
    return spec


def _check_unique(book: Codebook, source: str) -> None:
    numbers: dict[str, str] = {}
    guids: dict[str, str] = {}
    siblings: dict[int, set[str]] = {}
    for code, parent, _depth in book.walk():
        key = id(parent)
        names = siblings.setdefault(key, set())
        folded = code.name.casefold()
        if folded in names:
            where = f"under {parent.label()!r}" if parent else "at the top level"
            raise CodebookError(f"{source}: duplicate code name {code.name!r} {where}")
        names.add(folded)
        if code.number is not None:
            if code.number in numbers:
                raise CodebookError(
                    f"{source}: duplicate code number {code.number!r} ({numbers[code.number]!r} and {code.name!r})"
                )
            numbers[code.number] = code.name
        if code.guid in guids:
            raise CodebookError(
                f"{source}: duplicate guid {code.guid} ({guids[code.guid]!r} and {code.name!r})"
            )
        guids[code.guid] = code.name


def codebook_to_dict(book: Codebook, *, counts: dict[str, int] | None = None) -> dict[str, Any]:
    """The codebook as plain data in file order (what YAML/JSON export writes)."""

    def one(code: CodeSpec) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if code.number:
            out["number"] = code.number
        out["name"] = code.name
        out["guid"] = code.guid
        if code.colour:
            out["colour"] = code.colour
        if code.shortcut:
            out["shortcut"] = code.shortcut
        for f in TEXT_FIELDS:
            if getattr(code, f):
                out[f] = getattr(code, f)
        if counts is not None:
            out["codings"] = counts.get(code.guid, 0)
        if code.children:
            out["children"] = [one(c) for c in code.children]
        return out

    data: dict[str, Any] = {"name": book.name}
    if book.description:
        data["description"] = book.description
    data["codes"] = [one(c) for c in book.codes]
    return data


def dump_yaml(book: Codebook) -> str:
    """YAML text that :func:`load_codebook` reads back to the same codebook."""
    import yaml

    class _Dumper(yaml.SafeDumper):
        pass

    def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        style = "|" if "\n" in value else ("" if len(value) < 80 else ">")
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style or None)

    _Dumper.add_representer(str, _str)
    return yaml.dump(
        codebook_to_dict(book), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=88
    )


def dump_json(book: Codebook, *, counts: dict[str, int] | None = None) -> str:
    return json.dumps(codebook_to_dict(book, counts=counts), ensure_ascii=False, indent=2) + "\n"


def dump_markdown(book: Codebook, *, counts: dict[str, int] | None = None) -> str:
    """A readable codebook document for sharing with the team."""
    lines = [f"# {book.name}", ""]
    if book.description:
        lines += [book.description, ""]
    for code, _parent, depth in book.walk():
        lines.append(f"{'#' * min(depth + 2, 6)} {code.label()}")
        lines.append("")
        if counts is not None:
            lines += [f"*Codings: {counts.get(code.guid, 0)}*", ""]
        for f, title in (
            ("description", "Definition"),
            ("inclusion", "Use when"),
            ("exclusion", "Do not use when"),
            ("example", "Example"),
        ):
            value = getattr(code, f)
            if value:
                lines += [f"**{title}.** {value}", ""]
    return "\n".join(lines).rstrip() + "\n"
