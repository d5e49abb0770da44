"""Caps on how deeply untrusted input may nest, measured without recursion.

Codebooks, REFI-QDA files and JSONL dumps carry trees (codes within codes,
JSON within JSON). The code that walks them recurses, and so do Python's
parsers, so a file nested a few thousand levels deep would end in a
``RecursionError`` traceback instead of a message. Every reader checks its
input against these limits first, with the iterative helpers below, and
refuses deeper input with a one-line error naming the file; everything
downstream (the store, exports, the TUI's tree) may then recurse safely.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

__all__ = [
    "MAX_CODE_DEPTH",
    "MAX_DATA_DEPTH",
    "data_deeper_than",
    "first_row_too_deep",
    "first_too_deep",
]

#: Levels of codes a codebook may have (top-level codes are level 1). Real
#: codebooks use a handful; the cap only has to stay far below the recursion limit.
MAX_CODE_DEPTH = 64

#: Levels of JSON objects and arrays a record may nest (an event payload, say).
#: Codebench writes at most four.
MAX_DATA_DEPTH = 64

T = TypeVar("T")
R = TypeVar("R", bound=Mapping[str, Any])


def first_too_deep(
    roots: Iterable[T], children: Callable[[T], Iterable[T]], limit: int
) -> T | None:
    """The first node (depth-first) below ``limit`` levels of a forest, or ``None``.

    Roots are level 1. The walk stops at the first offender, so a tree that
    refers to itself cannot keep it going.
    """
    stack: list[tuple[T, int]] = [(root, 1) for root in reversed(list(roots))]
    while stack:
        node, level = stack.pop()
        if level > limit:
            return node
        stack.extend((child, level + 1) for child in reversed(list(children(node))))
    return None


def first_row_too_deep(rows: Iterable[R], *, key: str, parent: str, limit: int) -> R | None:
    """The first row below ``limit`` levels, for rows listed parents first.

    ``row[parent]`` names the parent's ``row[key]`` (``None`` at the top); a
    parent that is not listed counts as the top.
    """
    levels: dict[Any, int] = {}
    for row in rows:
        up = row[parent]
        level = levels.get(up, 0) + 1 if up is not None else 1
        if level > limit:
            return row
        levels[row[key]] = level
    return None


def data_deeper_than(value: object, limit: int) -> bool:
    """Whether JSON-like data (dicts and lists) nests more than ``limit`` levels.

    A scalar is level 0, ``[]`` and ``{}`` level 1. A container reached again
    (data that shares or refers to itself) is walked again only when reached
    deeper than before, and the walk stops as soon as the limit is passed.
    """
    deepest: dict[int, int] = {}
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            inner: Iterable[object] = item.values()
        elif isinstance(item, list):
            inner = item
        else:
            continue
        if level > limit:
            return True
        if deepest.get(id(item), 0) >= level:
            continue
        deepest[id(item)] = level
        stack.extend((child, level + 1) for child in inner if isinstance(child, (dict, list)))
    return False
