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
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codebench.errors import CodebookError
from codebench.ids import fold_guid, stable_guid

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
    """The bundled 21-node public service mutuals codebook."""
    from codebench.demo.files import data_dir

    return data_dir("codebooks") / "mutuals.yaml"


def load_codebook(path: Path | str) -> Codebook:
    """Read and validate a codebook file (``.yaml``, ``.yml`` or ``.json``)."""
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CodebookError(f"{path}: no such codebook file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise CodebookError(f"{path}: cannot read codebook ({error})") from None
    try:
        if path.suffix.lower() == ".json":
            data = json.loads(raw)
        else:
            import yaml

            data = yaml.safe_load(raw)
    except Exception as error:  # yaml.YAMLError or json.JSONDecodeError: the parser says where
        detail = " ".join(str(error).split())
        raise CodebookError(
            f"{path}: not valid {'JSON' if path.suffix.lower() == '.json' else 'YAML'} ({detail})"
        ) from None
    return parse_codebook(data, source=str(path))


def parse_codebook(data: Any, *, source: str = "codebook") -> Codebook:
    """Validate a decoded codebook document and build a :class:`Codebook`."""
    if isinstance(data, list):
        data = {"codes": data}
    if not isinstance(data, dict):
        raise CodebookError(f"{source}: a codebook must be a mapping with a 'codes' list")
    codes = data.get("codes")
    if not isinstance(codes, list) or not codes:
        raise CodebookError(f"{source}: 'codes' must be a non-empty list")
    book = Codebook(
        name=_text(data.get("name", "Codebook"), source, "name") or "Codebook",
        description=_text(data.get("description", ""), source, "description"),
    )
    parsed = [_parse_code(entry, source, f"codes[{i}]") for i, entry in enumerate(codes)]
    book.codes = _attach_parents(parsed, source)
    _assign_guids(book.codes, ())
    _check_unique(book, source)
    return book


def _attach_parents(entries: list[CodeSpec], source: str) -> list[CodeSpec]:
    """Resolve flat entries' ``parent:`` (a number, name or guid) into the tree.

    Nested ``children`` and flat ``parent`` references may be mixed; an
    unknown parent or a cycle is an error naming the entry.
    """
    lookup: dict[str, CodeSpec] = {}

    def index(nodes: list[CodeSpec]) -> None:
        for node in nodes:
            for key in (node.number, node.name, node.guid):
                if key:
                    lookup.setdefault(key.casefold(), node)
            index(node.children)

    index(entries)
    parent_of: dict[int, CodeSpec] = {}
    for node in entries:
        if node.parent_ref is None:
            continue
        parent = lookup.get(node.parent_ref.casefold())
        if parent is None:
            raise CodebookError(
                f"{source}: code {node.label()!r}: unknown parent {node.parent_ref!r}"
            )
        parent_of[id(node)] = parent
    for node in entries:
        seen = {id(node)}
        current = parent_of.get(id(node))
        while current is not None:
            if id(current) in seen:
                raise CodebookError(f"{source}: code {node.label()!r}: parent chain forms a cycle")
            seen.add(id(current))
            current = parent_of.get(id(current))
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
    return value.strip()


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
        **{f: _text(entry.get(f), source, f"{label}.{f}") for f in TEXT_FIELDS},
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
