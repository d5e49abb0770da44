"""Settling disagreements into a consensus coding (adjudication).

Two coders A and B *disagree* on code c in a segment when one applied c there
and the other, who rated the segment, did not.  A decision settles a whole
segment: the consensus coder's codes on it become

* ``accept_a``: A's codes;  ``accept_b``: B's codes;
* ``both``: every code either applied;  ``neither``: only the codes both applied;
* ``edit``: the codes the decider picks.

So a segment where A used 04.1 and B used 04.2 is settled at once for both
codes.  The consensus coder (kind ``consensus``, default name
``consensus``) receives whole-segment codings through the Project API, and
each decision is one transaction that also appends a ``consensus.decide``
event naming the decider, the choice, both coders' codes and the result.

Progress is derived, never stored twice: a disagreement is *decided* when a
``consensus.decide`` event for its segment (for this consensus coder) covers
its code.  Re-deciding a segment replaces the earlier decision.
:func:`seed_consensus` copies the codes both coders agree on into the
consensus for segments nobody had to decide.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from codebench.coding.actions import apply_changes
from codebench.errors import CodebenchError, NotFound
from codebench.models import Code, Coder, Transcript
from codebench.store import agreement_sql
from codebench.store import events as event_sql

if TYPE_CHECKING:
    from codebench.project import Project

CHOICES = ("accept_a", "accept_b", "both", "neither", "edit")
DECIDE = "consensus.decide"
SEED = "consensus.seed"
DEFAULT_CONSENSUS = "consensus"


@dataclass(frozen=True)
class Decision:
    """One recorded adjudication of a segment."""

    event_id: int
    decider: str
    choice: str
    scope: frozenset[str]
    """GUIDs of the codes the decision settled on the segment."""
    result: frozenset[str]
    """GUIDs of the codes the consensus got on the segment."""


@dataclass(frozen=True)
class Disagreement:
    """A segment where coders A and B differ on ``code``."""

    transcript: Transcript
    ordinal: int
    start: int
    end: int
    speaker: str | None
    text: str
    code: Code
    coder_a: Coder
    coder_b: Coder
    codes_a: tuple[Code, ...]
    codes_b: tuple[Code, ...]
    decision: Decision | None = None

    @property
    def decided(self) -> bool:
        return self.decision is not None

    @property
    def applied_by(self) -> Coder:
        """The coder who applied :attr:`code` (the other did not)."""
        return self.coder_a if any(c.id == self.code.id for c in self.codes_a) else self.coder_b

    @property
    def key(self) -> tuple[str, int, int, str]:
        return (self.transcript.guid, self.start, self.end, self.code.guid)


def consensus_coder(
    project: Project, name: str = DEFAULT_CONSENSUS, *, create: bool = True
) -> Coder:
    """The consensus coder called ``name`` (created with kind ``consensus`` on request)."""
    try:
        coder = project.coder(name)
    except NotFound:
        if not create:
            raise NotFound(
                f"no consensus coder {name!r} yet: adjudicate disagreements first (review screen)"
            ) from None
        return project.coder(name, create=True, kind="consensus")
    if coder.kind != "consensus":
        raise CodebenchError(
            f"{coder.name!r} is a human coder; choose another name for the consensus coder"
        )
    return coder


def default_pair(
    project: Project, coders: Sequence[str | Coder] | None = None
) -> tuple[Coder, Coder]:
    """The two compared coders: those given, else the first two human coders."""
    if coders:
        picked = [c if isinstance(c, Coder) else project.coder(c) for c in coders]
    else:
        picked = [c for c in project.coders() if c.kind == "human"]
    if len(picked) < 2 or picked[0].id == picked[1].id:
        raise CodebenchError("adjudication compares two coders: pass --coders a,b")
    if len(picked) > 2 and coders:
        raise CodebenchError(
            "adjudication compares exactly two coders at a time: pass --coders a,b"
        )
    return picked[0], picked[1]


def decisions(project: Project, consensus: Coder) -> dict[tuple[str, int, int], Decision]:
    """The latest decision on each segment ``(transcript guid, start, end)`` for this consensus coder."""
    names = {c.id: c.name for c in project.coders()}
    out: dict[tuple[str, int, int], Decision] = {}
    for event_id, coder_id, raw in agreement_sql.decision_payloads(project.db, DECIDE):
        payload = json.loads(raw)
        if payload.get("consensus") != consensus.guid:
            continue
        key = (payload["transcript"], int(payload["start"]), int(payload["end"]))
        out[key] = Decision(
            event_id=event_id,
            decider=names.get(coder_id, "")
            if coder_id is not None
            else payload.get("decider", "?"),
            choice=payload["choice"],
            scope=frozenset(payload.get("scope", [])),
            result=frozenset(payload.get("result", [])),
        )
    return out


def list_disagreements(
    project: Project,
    coders: Sequence[str | Coder] | None = None,
    code: str | int | Code | None = None,
    *,
    include_unfinished: bool = False,
    consensus_name: str = DEFAULT_CONSENSUS,
) -> list[Disagreement]:
    """Every (segment, code) where the two coders differ, on the compared segments.

    Ordered by code (codebook order), transcript and segment.  With ``code``
    only that code's disagreements.  Each carries the decision that settled
    it, if any.
    """
    from codebench.agreement.reliability_data import extract_units

    a, b = default_pair(project, coders)
    units = extract_units(
        project, unit="segment", coders=[a, b], include_unfinished=include_unfinished
    )
    wanted = project.code(code) if code is not None else None
    try:
        gold: Coder | None = consensus_coder(project, consensus_name, create=False)
    except NotFound:
        gold = None
    settled = decisions(project, gold) if gold is not None else {}
    data = units.data
    rated = ~np.isnan(data[0, 0]) & ~np.isnan(data[0, 1])
    applied_a = data[:, 0, :] == 1.0
    applied_b = data[:, 1, :] == 1.0
    differ = (applied_a != applied_b) & rated[None, :]
    texts: dict[int, str] = {}
    speakers: dict[tuple[int, int], str | None] = {}
    out: list[Disagreement] = []
    for k, c in enumerate(units.codes):
        if wanted is not None and c.id != wanted.id:
            continue
        for u in np.flatnonzero(differ[k]):
            t = units.transcripts[int(units.unit_transcript[u])]
            if t.id not in texts:
                texts[t.id] = project.text(t)
                for seg in project.segments(t):
                    speakers[(t.id, seg.ordinal)] = seg.speaker
            start, end = int(units.unit_start[u]), int(units.unit_end[u])
            decision = settled.get((t.guid, start, end))
            if decision is not None and c.guid not in decision.scope:
                decision = None
            ordinal = int(units.unit_segment[u])
            out.append(
                Disagreement(
                    transcript=t,
                    ordinal=ordinal,
                    start=start,
                    end=end,
                    speaker=speakers.get((t.id, ordinal)),
                    text=texts[t.id][start:end],
                    code=c,
                    coder_a=a,
                    coder_b=b,
                    codes_a=tuple(units.codes[i] for i in np.flatnonzero(applied_a[:, u])),
                    codes_b=tuple(units.codes[i] for i in np.flatnonzero(applied_b[:, u])),
                    decision=decision,
                )
            )
    return out


def progress(disagreements: Sequence[Disagreement]) -> dict[int, tuple[int, int]]:
    """``{code id: (decided, total)}`` over a list of disagreements."""
    out: dict[int, tuple[int, int]] = {}
    for d in disagreements:
        decided, total = out.get(d.code.id, (0, 0))
        out[d.code.id] = (decided + int(d.decided), total + 1)
    return out


def _codes_on(
    project: Project, transcript: Transcript, start: int, end: int, coder: Coder
) -> dict[int, list[tuple[int, int]]]:
    """``{code id: [spans]}`` of ``coder``'s codings overlapping the segment."""
    out: dict[int, list[tuple[int, int]]] = {}
    for _k, code_id, s, e in agreement_sql.unit_codings(
        project.db, transcript.id, start, end, [coder.id]
    ):
        out.setdefault(code_id, []).append((s, e))
    return out


def adjudicate(
    project: Project,
    decider: str | Coder,
    unit: Disagreement | tuple[str | int | Transcript, int],
    code: str | int | Code,
    choice: str,
    consensus_name: str = DEFAULT_CONSENSUS,
    *,
    coders: Sequence[str | Coder] | None = None,
    codes: Sequence[str | int | Code] | None = None,
) -> Decision:
    """Decide one segment; write the consensus codes and log ``consensus.decide``.

    ``unit`` is a :class:`Disagreement` or ``(transcript, segment ordinal)``;
    ``code`` the disagreement being decided (it must be one A and B differ
    on, except for ``edit``); ``codes`` the picked codes for ``edit``.
    """
    if choice not in CHOICES:
        raise CodebenchError(f"unknown choice {choice!r} (use {', '.join(CHOICES)})")
    if choice == "edit" and codes is None:
        raise CodebenchError("edit needs the codes to give the segment")
    if isinstance(unit, Disagreement):
        transcript, ordinal = unit.transcript, unit.ordinal
        a, b = unit.coder_a, unit.coder_b
    else:
        transcript, ordinal = project.transcript(unit[0]), int(unit[1])
        a, b = default_pair(project, coders)
    segment = project.segment(transcript, ordinal)
    if not segment.codable:
        raise CodebenchError(f"segment {ordinal} of {transcript.name!r} is not codable")
    the_code = project.code(code)
    who = project.coder(decider, create=True)
    gold = consensus_coder(project, consensus_name)
    on_a = _codes_on(project, transcript, segment.start, segment.end, a)
    on_b = _codes_on(project, transcript, segment.start, segment.end, b)
    current = _codes_on(project, transcript, segment.start, segment.end, gold)
    set_a, set_b = set(on_a), set(on_b)
    if choice != "edit" and the_code.id not in set_a ^ set_b:
        raise CodebenchError(
            f"{a.name} and {b.name} agree on {the_code.label} in segment {ordinal} of {transcript.name}: nothing to decide"
        )
    if choice == "accept_a":
        result = set_a
    elif choice == "accept_b":
        result = set_b
    elif choice == "both":
        result = set_a | set_b
    elif choice == "neither":
        result = set_a & set_b
    else:
        result = {project.code(c).id for c in codes or ()}
    scope = set_a | set_b | set(current) | result
    guid = {cid: project.code_by_id(cid).guid for cid in scope}
    with project.transaction():
        for cid in sorted(scope - result):
            if cid in current:
                project.remove_codings(gold, cid, transcript, current[cid])
        for cid in sorted(result):
            if cid not in current:
                project.add_codings(gold, cid, transcript, [(segment.start, segment.end)])
        payload: dict[str, Any] = {
            "consensus": gold.guid,
            "consensus_name": gold.name,
            "transcript": transcript.guid,
            "transcript_name": transcript.name,
            "segment": ordinal,
            "start": segment.start,
            "end": segment.end,
            "code": the_code.guid,
            "code_label": the_code.label,
            "choice": choice,
            "coders": [a.name, b.name],
            "codes_a": sorted(guid[c] for c in set_a),
            "codes_b": sorted(guid[c] for c in set_b),
            "scope": sorted(guid[c] for c in scope),
            "result": sorted(guid[c] for c in result),
            "decider": who.name,
        }
        event_id = event_sql.log(
            project.db, DECIDE, payload, coder_id=who.id, transcript_id=transcript.id
        )
    return Decision(
        event_id=event_id,
        decider=who.name,
        choice=choice,
        scope=frozenset(payload["scope"]),
        result=frozenset(payload["result"]),
    )


def seed_consensus(
    project: Project,
    decider: str | Coder,
    coders: Sequence[str | Coder] | None = None,
    *,
    include_unfinished: bool = False,
    consensus_name: str = DEFAULT_CONSENSUS,
) -> int:
    """Give the consensus coder the codes both coders applied, on segments not yet decided.

    Idempotent; one transaction and one ``consensus.seed`` event (only when
    something was added).  Returns the number of codings added.
    """
    from codebench.agreement.reliability_data import extract_units

    a, b = default_pair(project, coders)
    who = project.coder(decider, create=True)
    gold = consensus_coder(project, consensus_name)
    units = extract_units(
        project, unit="segment", coders=[a, b], include_unfinished=include_unfinished
    )
    settled = decisions(project, gold)
    agreed = (units.data[:, 0, :] == 1.0) & (units.data[:, 1, :] == 1.0)
    existing = {
        (row[2], row[1], row[3], row[4])  # transcript, code, start, end
        for row in agreement_sql.coding_rows(
            project.db, [gold.id], [t.id for t in units.transcripts]
        )
    }
    planned: list[tuple[Code, Transcript, int, int]] = []
    for k, u in zip(*np.nonzero(agreed)):
        t = units.transcripts[int(units.unit_transcript[u])]
        start, end = int(units.unit_start[u]), int(units.unit_end[u])
        code = units.codes[int(k)]
        if (t.guid, start, end) in settled or (t.id, code.id, start, end) in existing:
            continue
        planned.append((code, t, start, end))
    if not planned:
        return 0
    with project.transaction():
        added = len(
            apply_changes(project, "coding.add", gold, planned, meta={"consensus_seed": True})
        )
        event_sql.log(
            project.db,
            SEED,
            {
                "consensus": gold.guid,
                "consensus_name": gold.name,
                "coders": [a.name, b.name],
                "added": added,
                "decider": who.name,
            },
            coder_id=who.id,
        )
    return added
