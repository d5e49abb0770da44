"""Which coders' codings a report counts, and how several are combined.

Reports default to the consensus coder when it is complete: marked done on
every transcript in scope (those with a human coder's codings). The
adjudicated coding is then the one to publish. A consensus that is not
complete (after one adjudication it holds a single segment's codes) would
turn every count into a count of the few segments settled so far, so
otherwise reports pool every human coder and say why; ``--coder consensus``
asks for the consensus however far it has got. Pooling follows one rule everywhere: a segment (or transcript, or
speaker) counts once however many of the selected coders coded it, while
codings (the individual applications) are summed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from codebench.errors import NotFound
from codebench.models import Coder
from codebench.store import agreement_sql
from codebench.wording import plural

if TYPE_CHECKING:
    from codebench.models import Transcript
    from codebench.project import Project

#: The rule for a group's size, said beside n wherever a group of transcripts is counted.
GROUP_N_RULE = "started or coded by these coders"

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

    With none given: the consensus coder if it is complete (see the module
    docstring), else all human coders, with a note naming the incomplete
    consensus.
    """
    coders = project.coders()
    humans = [c for c in coders if c.kind == "human"]
    consensus = [c for c in coders if c.kind == "consensus"]
    chosen: list[Coder] = []
    asked = [n.strip() for n in names or [] if n.strip()]
    if not asked:
        # A person who only adjudicates (a human coder with no codings) adds nothing to a pool.
        coded = agreement_sql.coded_transcripts(project.db, [c.id for c in humans])
        humans = [c for c in humans if coded[c.id]] or humans
        if not consensus:
            return describe(humans)
        missing = incomplete_consensus(project, consensus, humans)
        if not missing:
            return describe(consensus)
        selection = describe(humans)
        done = missing[1] - missing[0]
        why = (
            f" The consensus coding ({', '.join(c.name for c in consensus)}) is not used: it is "
            f"marked done on {done} of the {plural(missing[1], 'transcript')} with codings; mark it done "
            "where adjudication is finished, or ask for it with --coder consensus."
        )
        return CoderSelection(selection.coders, selection.label, selection.note + why)
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


def incomplete_consensus(
    project: Project, consensus: Sequence[Coder], humans: Sequence[Coder]
) -> tuple[int, int] | None:
    """``(transcripts not done by the consensus, transcripts in scope)``, or ``None`` when complete.

    The transcripts in scope are those a human coder has codings in (every
    transcript when nobody has coded yet).
    """
    coded = agreement_sql.coded_transcripts(project.db, [c.id for c in humans])
    scope = set().union(*coded.values()) if coded else set()
    if not scope:
        scope = {t.id for t in project.transcripts()}
    statuses = project.statuses()
    open_ = [t for t in scope if not any(statuses.get((c.id, t)) == "done" for c in consensus)]
    return (len(open_), len(scope)) if open_ else None


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
        f"Counts pool {plural(len(coders), 'coder')} ({', '.join(names)}): a segment, transcript or speaker counts once "
        "however many of them coded it; codings are summed over coders."
    )
    return CoderSelection(coders, label, note)


def started_or_coded(
    project: Project, selection: CoderSelection, transcripts: Sequence[Transcript]
) -> list[Transcript]:
    """The ``transcripts`` a coder of ``selection`` has coded or marked in progress or done.

    A group's n, in the reports' tables and a query's counts alike
    (:data:`GROUP_N_RULE`): a transcript nobody has started says nothing
    about how common a theme is, so it is in no group's n.
    """
    chosen = set(selection.ids)
    touched = {
        t
        for coder, ids in agreement_sql.coded_transcripts(project.db, sorted(chosen)).items()
        for t in ids
    }
    touched |= {
        transcript
        for (coder, transcript), status in project.statuses().items()
        if coder in chosen and status != "not-started"
    }
    return [t for t in transcripts if t.id in touched]
