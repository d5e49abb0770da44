"""Which coders' codings a report counts, and how several are combined.

Reports default to the consensus coder when the project has one (the
adjudicated coding is the one to publish); otherwise they pool every human
coder. Pooling follows one rule everywhere: a segment (or transcript, or
speaker) counts once however many of the selected coders coded it, while
codings (the individual applications) are summed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from codebench.errors import NotFound
from codebench.models import Coder

if TYPE_CHECKING:
    from codebench.project import Project

#: ``--coder`` values that name a group rather than one coder.
ALL = "all"
CONSENSUS = "consensus"


@dataclass(frozen=True)
class CoderSelection:
    """The coders a report counts, with words to say so in the report."""

    coders: tuple[Coder, ...]
    #: Short label for titles: ``"alice"``, ``"alice + bob"``.
    label: str
    #: One sentence on whose codings are counted and how they are combined.
    note: str

    @property
    def ids(self) -> list[int]:
        return [c.id for c in self.coders]

    @property
    def combined(self) -> bool:
        return len(self.coders) > 1


def select_coders(project: Project, names: Sequence[str] | None = None) -> CoderSelection:
    """Resolve ``--coder`` values: names, ``all`` (every human coder) or ``consensus``.

    With none given: the consensus coder if the project has one, else all
    human coders.
    """
    coders = project.coders()
    humans = [c for c in coders if c.kind == "human"]
    consensus = [c for c in coders if c.kind == "consensus"]
    chosen: list[Coder] = []
    asked = [n.strip() for n in names or [] if n.strip()]
    if not asked:
        chosen = consensus or humans
    for name in asked:
        folded = name.casefold()
        if folded == ALL:
            group = humans
        elif folded == CONSENSUS and not any(c.name.casefold() == folded for c in coders):
            if not consensus:
                raise NotFound("the project has no consensus coder (see `codebench coders`)")
            group = consensus
        else:
            group = [project.coder(name)]
        chosen.extend(c for c in group if c not in chosen)
    return describe(chosen)


def describe(coders: Sequence[Coder]) -> CoderSelection:
    """A :class:`CoderSelection` for exactly ``coders``."""
    coders = tuple(coders)
    names = [c.name for c in coders]
    if not coders:
        return CoderSelection((), "no coders", "No coders have coded yet, so every count is zero.")
    if len(coders) == 1:
        coder = coders[0]
        what = "the consensus coding" if coder.kind == "consensus" else "the codings"
        return CoderSelection(coders, coder.name, f"Counts use {what} of {coder.name}.")
    label = " + ".join(names)
    note = (
        f"Counts pool {len(coders)} coders ({', '.join(names)}): a segment, transcript or speaker counts once "
        "however many of them coded it; codings are summed over coders."
    )
    return CoderSelection(coders, label, note)
