"""Rich renderables for core objects (the only core module that imports rich).

Kept apart from the computations so reports and listings stay plain data.
Names and texts are built into :class:`rich.text.Text` (never markup) with
control characters made visible, so a code name prints as written.
"""

from __future__ import annotations

from typing import Any

from codebench.codebook.format import Codebook
from codebench.safety import style_colour
from codebench.safety import visible_controls as _v


def codebook_tree(
    book: Codebook, *, counts: dict[str, int] | None = None, full: bool = False
) -> Any:
    """The codebook as a :class:`rich.tree.Tree` with colour swatches and counts."""
    from rich.text import Text
    from rich.tree import Tree

    tree = Tree(Text(_v(book.name), style="bold"))

    def add(node: Tree, codes: list) -> None:
        for code in codes:
            label = Text()
            label.append("■ ", style=style_colour(code.colour) or "white")
            label.append(_v(code.number) + " " if code.number else "", style="bold")
            label.append(_v(code.name))
            if counts is not None:
                label.append(f"  ({counts.get(code.guid, 0)})", style="dim")
            branch = node.add(label)
            if full:
                for title, value in (
                    ("Definition", code.description),
                    ("Use when", code.inclusion),
                    ("Not when", code.exclusion),
                    ("Example", code.example),
                ):
                    if value:
                        branch.add(Text.assemble((f"{title}: ", "italic dim"), _v(value)))
            add(branch, code.children)

    add(tree, book.codes)
    return tree
