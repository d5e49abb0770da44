"""Settling disagreements into a consensus coding (adjudication), for two coders or more.

The *raters* of a segment are the compared coders who rated it by the study
design (assignments, else done statuses: :mod:`codebench.agreement.reliability_data`
decides, this module never re-derives who rated what). The raters
*disagree* on code c in a segment when some but not all of them applied c
there (by the reports' overlap rule). A decision is made on one code of a
segment (the disagreement opened) and settles that code, plus every other
code on the segment that no earlier decision settled (so the first decision
on a segment settles all of it at once); a code an earlier decision settled
keeps that decision unless it is the code decided now. Within what it
settles, the consensus coder's codes on the segment become

* ``accept`` (with ``accept=`` a rater): that rater's codes;
* ``all``: every code any rater applied (the union);
* ``agreed``: only the codes every rater applied (the intersection);
* ``majority``: the codes applied by more than half of the segment's raters
  (a tie, exactly half, does not carry the code; with two raters this is
  ``agreed``);
* ``edit``: the codes the decider picks.

The pairwise names stay as aliases: ``accept_a``/``accept_b`` accept the
first/second compared coder, ``both`` is ``all`` and ``neither`` is ``agreed``.

So a segment where A used 04.1 and B used 04.2 is settled at once for both
codes; a later decision opened on 04.2 re-decides 04.2 only, and the
consensus's codes on the segment are the union of each code's own decision.  The consensus coder (kind ``consensus``, default name
``consensus``) receives whole-segment codings through the Project API, and
each decision is one transaction that also appends a ``consensus.decide``
event naming the decider, the choice, each rater's codes, the result and an
optional written ``reason``.

Progress is derived, never stored twice: a disagreement is *decided* when a
``consensus.decide`` event for its segment (for this consensus coder) covers
its code; the latest event covering a (segment, code) is that code's
decision there (:func:`effective`), with its own choice and reason.

When every disagreement of a transcript is decided, the consensus coder is
marked done there (after the codes every rater agreed on are copied in), so
the reports' rule "the consensus only where it is done" (``reports/scope.py``)
follows adjudication; when a new disagreement appears there, the mark is
taken back. Only marks this module made are taken back (they are logged as
automatic status changes); a consensus a person marked done stays done.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from codebench.coding.actions import apply_changes
from codebench.errors import CodebenchError, NotFound
from codebench.models import Code, Coder, Transcript
from codebench.safety import safe_text
from codebench.store import agreement_sql
from codebench.store import events as event_sql

if TYPE_CHECKING:
    from codebench.agreement.reliability_data import Units
    from codebench.project import Project

#: The choices a decision makes, and the pairwise names kept as aliases.
CHOICES = ("accept", "all", "agreed", "majority", "edit")
ALIASES = {"accept_a": "accept", "accept_b": "accept", "both": "all", "neither": "agreed"}
#: Every name :func:`adjudicate` takes (the CLI's choices).
CHOICE_NAMES = (*CHOICES, *ALIASES)
#: How a choice reads in lists and logs (``{coder}``: the accepted rater).
CHOICE_TEXT = {
    "accept": "accepted {coder}",
    "all": "kept every code (all)",
    "agreed": "kept only agreed codes",
    "majority": "kept the majority's codes",
    "edit": "edited",
}
DECIDE = "consensus.decide"
SEED = "consensus.seed"
STATUS = "status.set"
DEFAULT_CONSENSUS = "consensus"
_T = TypeVar("_T")
#: ``within``: transcript id → the segment ordinals it covers, or ``None`` for all of it.
Within = Mapping[int, Collection[int] | None]


@dataclass(frozen=True)
class Decision:
    """One recorded adjudication of a segment."""

    event_id: int
    decider: str
    choice: str
    """One of :data:`CHOICES` (older logs' pairwise names are read as their canonical choice)."""
    scope: frozenset[str]
    """GUIDs of the codes the decision settled on the segment."""
    result: frozenset[str]
    """GUIDs of the consensus's codes on the segment after the decision."""
    accepted: str | None = None
    """For ``accept``: the name of the rater whose codes were taken."""
    reason: str = ""
    """The decider's written reason (empty when none was given)."""
    at: str = ""
    kept: frozenset[str] = frozenset()
    """GUIDs of the codes on the segment earlier decisions settled and this one left as they were."""

    @property
    def text(self) -> str:
        """The choice in words ("accepted bob")."""
        return CHOICE_TEXT.get(self.choice, self.choice).format(coder=self.accepted or "?")


@dataclass(frozen=True)
class Disagreement:
    """A segment where its raters differ on ``code``."""

    transcript: Transcript
    ordinal: int
    start: int
    end: int
    speaker: str | None
    text: str
    code: Code
    raters: tuple[Coder, ...]
    """The compared coders who rated this segment by the design, in the compared order."""
    rater_codes: tuple[tuple[Code, ...], ...]
    """Each rater's codes on the segment (aligned with :attr:`raters`)."""
    compared: tuple[Coder, ...] = ()
    """Every compared coder (the adjudication's coder set, some of whom may not rate this segment)."""
    decision: Decision | None = None

    @property
    def decided(self) -> bool:
        return self.decision is not None

    @property
    def applied_by(self) -> tuple[Coder, ...]:
        """The raters who applied :attr:`code` here (the others did not)."""
        return tuple(
            k
            for k, codes in zip(self.raters, self.rater_codes)
            if any(c.id == self.code.id for c in codes)
        )

    def codes_of(self, coder: Coder) -> tuple[Code, ...]:
        """``coder``'s codes on the segment (empty for a coder who did not rate it)."""
        for k, codes in zip(self.raters, self.rater_codes):
            if k.id == coder.id:
                return codes
        return ()

    @property
    def disputed(self) -> tuple[Code, ...]:
        """Every code some but not all raters applied here (this one among them)."""
        applied = {c.id: c for codes in self.rater_codes for c in codes}
        return tuple(
            c
            for cid, c in applied.items()
            if not all(any(x.id == cid for x in codes) for codes in self.rater_codes)
        )

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


def adjudication_coders(
    project: Project, coders: Sequence[str | Coder] | None = None
) -> list[Coder]:
    """The compared coders: those given, else the agreement report's default coders.

    Two or more, none of them a consensus coder.
    """
    from codebench.agreement.reliability_data import resolve_coders

    if coders:
        picked: list[Coder] = []
        for ref in coders:
            coder = ref if isinstance(ref, Coder) else project.coder(ref)
            if all(coder.id != c.id for c in picked):
                picked.append(coder)
    else:
        picked = [c for c in resolve_coders(project, None) if c.kind == "human"]
    if any(c.kind == "consensus" for c in picked):
        raise CodebenchError(
            "adjudication compares human coders; the consensus coder is what it writes"
        )
    if len(picked) < 2:
        raise CodebenchError("adjudication compares two or more coders: pass --coders a,b[,c…]")
    return picked


def _decision(event_id: int, decider: str, at: str, payload: Mapping[str, Any]) -> Decision:
    """A :class:`Decision` from a ``consensus.decide`` payload (older pairwise ones included)."""
    choice = str(payload["choice"])
    accepted = payload.get("accepted")
    raters = list(payload.get("coders") or [])
    if choice in ("accept_a", "accept_b") and accepted is None:
        index = 0 if choice == "accept_a" else 1
        accepted = raters[index] if len(raters) > index else None
    return Decision(
        event_id=event_id,
        decider=decider,
        choice=ALIASES.get(choice, choice),
        scope=frozenset(payload.get("scope", [])),
        result=frozenset(payload.get("result", [])),
        accepted=accepted,
        reason=str(payload.get("reason") or ""),
        at=at,
        kept=frozenset(payload.get("kept", [])),
    )


#: ``(consensus guid, transcript guid, start, end, code guid)``: where one decision holds.
DecisionKey = tuple[str, str, int, int, str]


def effective(entries: Iterable[tuple[_T, Mapping[str, Any]]]) -> dict[DecisionKey, _T]:
    """Each (segment, code)'s decision: the latest entry whose ``scope`` covers the code.

    ``entries`` are ``(item, consensus.decide payload)`` pairs, oldest first.
    A decision holds for each code it settled until a later decision on the
    same segment settles that code again; so two decisions on one segment on
    different codes both hold, each with its own choice and reason. The one
    rule for every reader (lists, progress, the log, the methods appendix).
    """
    out: dict[DecisionKey, _T] = {}
    for item, p in entries:
        segment = (str(p.get("consensus")), str(p["transcript"]), int(p["start"]), int(p["end"]))
        for g in p.get("scope") or [p.get("code")]:
            out[(*segment, str(g))] = item
    return out


def decision_history(project: Project, consensus: Coder) -> list[tuple[Decision, dict[str, Any]]]:
    """Every decision for this consensus coder, oldest first, with its event payload."""
    names = {c.id: c.name for c in project.coders()}
    out: list[tuple[Decision, dict[str, Any]]] = []
    for event in project.events(actions=(DECIDE,)):
        payload = event.payload
        if payload.get("consensus") != consensus.guid:
            continue
        decider = (
            names.get(event.coder_id, "")
            if event.coder_id is not None
            else str(payload.get("decider", "?"))
        )
        out.append((_decision(event.id, decider, event.at, payload), payload))
    return out


def decisions(project: Project, consensus: Coder) -> dict[tuple[str, int, int, str], Decision]:
    """Each ``(transcript guid, start, end, code guid)``'s decision for this consensus coder (:func:`effective`)."""
    held = effective(decision_history(project, consensus))
    return {key[1:]: decision for key, decision in held.items()}


def _units(
    project: Project,
    coders: Sequence[Coder],
    include_unfinished: bool,
    transcripts: Sequence[Transcript] | None = None,
) -> Units:
    from codebench.agreement.reliability_data import extract_units

    return extract_units(
        project,
        unit="segment",
        coders=list(coders),
        include_unfinished=include_unfinished,
        transcripts=transcripts,
    )


def _in_within(units: Units, within: Within | None) -> np.ndarray:
    """Which units fall inside ``within`` (every unit without a filter)."""
    keep = np.ones(units.n_units, dtype=bool)
    if within is None:
        return keep
    for i, t in enumerate(units.transcripts):
        if t.id in within and within[t.id] is None:
            continue  # the whole transcript
        here = units.unit_transcript == i
        wanted = np.fromiter((int(o) for o in within.get(t.id) or ()), dtype=np.int64)
        keep[here] = np.isin(units.unit_segment[here], wanted)
    return keep


def _disputes(units: Units) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(rated (coders, units), applied (codes, coders, units), differ (codes, units))``.

    A code is disputed on a unit rated by two or more coders when some but not all of them applied it.
    """
    if units.data.shape[0] == 0:
        empty = np.zeros((0, units.n_units), dtype=bool)
        return np.zeros((len(units.coders), units.n_units), dtype=bool), units.data == 1.0, empty
    rated = ~np.isnan(units.data[0])
    applied = units.data == 1.0
    raters = rated.sum(axis=0)
    count = applied.sum(axis=1)
    differ = (count > 0) & (count < raters[None, :]) & (raters[None, :] >= 2)
    return rated, applied, differ


def list_disagreements(
    project: Project,
    coders: Sequence[str | Coder] | None = None,
    code: str | int | Code | None = None,
    *,
    include_unfinished: bool = False,
    consensus_name: str = DEFAULT_CONSENSUS,
    within: Within | None = None,
) -> list[Disagreement]:
    """Every (segment, code) where the segment's raters differ, on the compared segments.

    Ordered by code (codebook order), transcript and segment.  With ``code``
    only that code's disagreements; with ``within`` only the segments it
    names (``{transcript id: ordinals or None}``: a reliability round's
    sample, say).  Each carries the decision that settled it, if any.
    """
    compared = adjudication_coders(project, coders)
    scope = None
    if within is not None:
        scope = [t for t in project.transcripts() if t.id in within]
    units = _units(project, compared, include_unfinished, scope)
    wanted = project.code(code) if code is not None else None
    try:
        gold: Coder | None = consensus_coder(project, consensus_name, create=False)
    except NotFound:
        gold = None
    settled = decisions(project, gold) if gold is not None else {}
    rated, applied, differ = _disputes(units)
    differ = differ & _in_within(units, within)[None, :]
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
            decision = settled.get((t.guid, start, end, c.guid))
            ordinal = int(units.unit_segment[u])
            who = np.flatnonzero(rated[:, u])
            out.append(
                Disagreement(
                    transcript=t,
                    ordinal=ordinal,
                    start=start,
                    end=end,
                    speaker=speakers.get((t.id, ordinal)),
                    text=texts[t.id][start:end],
                    code=c,
                    raters=tuple(units.coders[int(i)] for i in who),
                    rater_codes=tuple(
                        tuple(units.codes[j] for j in np.flatnonzero(applied[:, int(i), u]))
                        for i in who
                    ),
                    compared=tuple(compared),
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


def consensus_codes_now(
    project: Project, unit: Disagreement, consensus_name: str = DEFAULT_CONSENSUS
) -> set[int]:
    """The code ids the consensus holds on ``unit``'s segment now (each code by its own decision).

    Not a decision's ``result``: that is the segment right after it, and a later
    decision on another code of the segment may have changed it since.
    """
    try:
        gold = consensus_coder(project, consensus_name, create=False)
    except NotFound:
        return set()
    return set(_codes_on(project, unit.transcript, unit.start, unit.end, gold))


def _ratings_of(units: Units, ordinal: int) -> tuple[list[Coder], list[set[int]]] | None:
    """The raters of the segment ``ordinal`` (the only transcript of ``units``) and their code ids."""
    hits = np.flatnonzero(units.unit_segment == ordinal)
    if hits.size == 0:
        return None
    u = int(hits[0])
    rated, applied, _differ = _disputes(units)
    who = [int(i) for i in np.flatnonzero(rated[:, u])]
    return (
        [units.coders[i] for i in who],
        [{units.codes[j].id for j in np.flatnonzero(applied[:, i, u])} for i in who],
    )


def result_of(
    choice: str, raters: Sequence[Coder], codes: Sequence[set[int]], accept: Coder | None = None
) -> set[int]:
    """The code ids a choice gives the segment (``edit`` excepted: the decider picks)."""
    if choice == "accept":
        if accept is None:
            raise CodebenchError("accept needs the coder whose codes to take")
        for k, mine in zip(raters, codes):
            if k.id == accept.id:
                return set(mine)
        raise CodebenchError(f"{accept.name} did not rate this segment: accept one of its raters")
    if choice == "all":
        return set().union(*codes)
    if choice == "agreed":
        return set.intersection(*(set(c) for c in codes)) if codes else set()
    if choice == "majority":
        counts: dict[int, int] = {}
        for mine in codes:
            for cid in mine:
                counts[cid] = counts.get(cid, 0) + 1
        return {cid for cid, n in counts.items() if 2 * n > len(codes)}  # a tie does not carry
    raise CodebenchError(f"unknown choice {choice!r} (use {', '.join(CHOICE_NAMES)})")


def _accepted(
    choice: str,
    accept: str | Coder | None,
    raters: Sequence[Coder],
    compared: Sequence[Coder],
    project: Project,
) -> Coder | None:
    """The coder an ``accept`` takes: named, or the first/second compared coder for ``accept_a``/``accept_b``.

    The first/second of the compared coders (``--coders a,b``), as the review
    screen's ``a``/``b`` and ``1``/``2``; :func:`result_of` refuses one who did
    not rate the segment.
    """
    if choice in ("accept_a", "accept_b"):
        return compared[0 if choice == "accept_a" else 1]
    if ALIASES.get(choice, choice) != "accept":
        return None
    if accept is None:
        names = ", ".join(k.name for k in raters)
        raise CodebenchError(f"accept needs the coder whose codes to take (one of: {names})")
    return accept if isinstance(accept, Coder) else project.coder(accept)


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
    accept: str | Coder | None = None,
    reason: str | None = None,
    include_unfinished: bool = False,
) -> Decision:
    """Decide one segment; write the consensus codes and log ``consensus.decide``.

    ``unit`` is a :class:`Disagreement` or ``(transcript, segment ordinal)``;
    ``code`` the disagreement being decided (one the raters differ on,
    except for ``edit``); ``codes`` the picked codes for ``edit``; ``accept``
    the rater whose codes ``accept`` takes; ``reason`` the decider's words,
    kept in the event. The raters and their codes are read afresh from the
    design, so a decision never rests on a stale list.
    """
    if choice not in CHOICE_NAMES:
        raise CodebenchError(f"unknown choice {choice!r} (use {', '.join(CHOICE_NAMES)})")
    canonical = ALIASES.get(choice, choice)
    if canonical == "edit" and codes is None:
        raise CodebenchError("edit needs the codes to give the segment")
    if isinstance(unit, Disagreement):
        transcript, ordinal = unit.transcript, unit.ordinal
        compared = list(unit.compared or unit.raters)
    else:
        transcript, ordinal = project.transcript(unit[0]), int(unit[1])
        compared = adjudication_coders(project, coders)
    segment = project.segment(transcript, ordinal)
    if not segment.codable:
        raise CodebenchError(f"segment {ordinal} of {transcript.name!r} is not codable")
    the_code = project.code(code)
    units = _units(project, compared, include_unfinished, [transcript])
    found = _ratings_of(units, ordinal)
    if found is None or len(found[0]) < 2:
        names = ", ".join(k.name for k in compared)
        raise CodebenchError(
            f"segment {ordinal} of {transcript.name} is not rated by two of {names} "
            "by the design (assignments, or transcripts marked done): nothing to decide"
        )
    raters, rated_codes = found
    applied = sum(1 for mine in rated_codes if the_code.id in mine)
    if canonical != "edit" and not 0 < applied < len(raters):
        how = "all applied" if applied else "none applied"
        raise CodebenchError(
            f"{', '.join(k.name for k in raters)} agree on {the_code.label} in segment {ordinal} "
            f"of {transcript.name} ({how}): nothing to decide"
        )
    taken = _accepted(choice, accept, raters, compared, project)
    if canonical == "edit":
        result = {project.code(c).id for c in codes or ()}
    else:
        result = result_of(canonical, raters, rated_codes, taken)
    who = project.coder(decider, create=True)
    gold = consensus_coder(project, consensus_name)
    current = _codes_on(project, transcript, segment.start, segment.end, gold)
    everyone = set().union(*rated_codes)
    touched = everyone | set(current) | result | {the_code.id}
    guid = {cid: project.code_by_id(cid).guid for cid in touched}
    # Codes an earlier decision settled keep it, except the one decided now (and, for edit,
    # the codes picked): a second decision on a segment never silently undoes the first.
    here = (transcript.guid, segment.start, segment.end)
    held = {key[3] for key in decisions(project, gold) if key[:3] == here}
    kept = {cid for cid in touched if guid[cid] in held and cid != the_code.id}
    if canonical == "edit":
        kept -= result
    scope = touched - kept
    after = {cid for cid in current if cid in kept} | (result & scope)
    with project.transaction():
        for cid in sorted(scope - result):
            if cid in current:
                project.remove_codings(gold, cid, transcript, current[cid])
        for cid in sorted(result & scope):
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
            "choice": canonical,
            "accepted": taken.name if taken is not None else None,
            "coders": [k.name for k in raters],
            "codes_by_coder": {
                k.name: sorted(guid[c] for c in mine) for k, mine in zip(raters, rated_codes)
            },
            "scope": sorted(guid[c] for c in scope),
            "result": sorted(guid[c] for c in after),
            "kept": sorted(guid[c] for c in kept),
            "decider": who.name,
            "reason": safe_text((reason or "").strip()),
        }
        event_id = event_sql.log(
            project.db, DECIDE, payload, coder_id=who.id, transcript_id=transcript.id
        )
        sync_done(project, who, compared, gold, [transcript], include_unfinished)
    return _decision(event_id, who.name, "", payload)


def give_reason(
    project: Project,
    decider: str | Coder,
    unit: Disagreement,
    reason: str,
    consensus_name: str = DEFAULT_CONSENSUS,
) -> Decision:
    """Attach (or change) the written reason of the decision that holds for ``unit``'s code.

    Logs a new ``consensus.decide`` event that repeats that decision with the
    reason (the codes do not change), so the log keeps who gave which reason.
    The repeat covers only the codes the decision still holds for, so it never
    brings back a decision a later one replaced on another code.
    """
    gold = consensus_coder(project, consensus_name, create=False)
    entries = decision_history(project, gold)
    held = effective((i, payload) for i, (_d, payload) in enumerate(entries))
    key = (gold.guid, unit.transcript.guid, unit.start, unit.end, unit.code.guid)
    if key not in held:
        raise CodebenchError(
            f"{unit.code.label} in segment {unit.ordinal} of {unit.transcript.name} is not "
            "decided yet: decide it first"
        )
    index = held[key]
    payload = entries[index][1]
    still = sorted(k[4] for k, i in held.items() if i == index and k[:4] == key[:4])
    who = project.coder(decider, create=True)
    again = {
        **payload,
        "scope": still,
        "reason": safe_text(reason.strip()),
        "decider": who.name,
        "reason_only": True,
    }
    with project.transaction():
        event_id = event_sql.log(
            project.db, DECIDE, again, coder_id=who.id, transcript_id=unit.transcript.id
        )
    return _decision(event_id, who.name, "", again)


def sync_done(
    project: Project,
    decider: Coder,
    coders: Sequence[Coder],
    consensus: Coder,
    transcripts: Sequence[Transcript] | None = None,
    include_unfinished: bool = False,
    *,
    mark: bool = True,
    seeded: bool = False,
) -> list[tuple[Transcript, str]]:
    """Mark the consensus done on each transcript whose disagreements are all decided; take it back otherwise.

    Before marking a transcript done, the codes every rater applied are
    copied into the consensus on its undecided segments (``seed_consensus``
    for that transcript), so a done consensus is the whole adjudicated
    coding. A mark is taken back (to in progress) only if this module made
    it; with ``mark=False`` marks are only taken back (a screen that opens
    checks, but leaves marking to a decision); ``seeded`` says the caller
    has just copied the agreed codes everywhere. Call inside the caller's
    transaction or alone (it opens its own). Returns ``(transcript, new status)`` for each change.
    """
    units = _units(project, coders, include_unfinished, transcripts)
    settled = decisions(project, consensus)
    _rated, _applied, differ = _disputes(units)
    statuses = project.statuses()
    changes: list[tuple[Transcript, str]] = []
    for ti, t in enumerate(units.transcripts):
        open_ = False
        for u in np.flatnonzero((units.unit_transcript == ti) & differ.any(axis=0)):
            here = (t.guid, int(units.unit_start[u]), int(units.unit_end[u]))
            codes = {units.codes[k].guid for k in np.flatnonzero(differ[:, u])}
            if any((*here, g) not in settled for g in codes):
                open_ = True
                break
        state = statuses.get((consensus.id, t.id))
        if mark and not open_ and state != "done":
            with project.transaction():
                if not seeded:
                    _seed(project, decider, coders, consensus, include_unfinished, [t])
                project.set_status(consensus, t, "done", auto=True)
            changes.append((t, "done"))
        elif open_ and state == "done" and _marked_here(project, consensus, t):
            project.set_status(consensus, t, "in-progress", auto=True)
            changes.append((t, "in-progress"))
    return changes


def _marked_here(project: Project, consensus: Coder, transcript: Transcript) -> bool:
    """Whether the consensus's latest status on ``transcript`` was set by adjudication (automatic)."""
    latest = None
    for event in project.events(coder=consensus, actions=(STATUS,)):
        if event.transcript_id == transcript.id:
            latest = event
    return latest is not None and bool(latest.payload.get("auto"))


def seed_consensus(
    project: Project,
    decider: str | Coder,
    coders: Sequence[str | Coder] | None = None,
    *,
    include_unfinished: bool = False,
    consensus_name: str = DEFAULT_CONSENSUS,
) -> int:
    """Give the consensus coder the codes every rater applied, on segments not yet decided.

    Idempotent; one transaction and one ``consensus.seed`` event (only when
    something was added); then marks the consensus done where nothing is
    left to decide (:func:`sync_done`). Returns the number of codings added.
    """
    compared = adjudication_coders(project, coders)
    who = project.coder(decider, create=True)
    gold = consensus_coder(project, consensus_name)
    with project.transaction():
        added = _seed(project, who, compared, gold, include_unfinished, None)
        sync_done(project, who, compared, gold, None, include_unfinished, seeded=True)
    return added


def _seed(
    project: Project,
    who: Coder,
    compared: Sequence[Coder],
    gold: Coder,
    include_unfinished: bool,
    transcripts: Sequence[Transcript] | None,
) -> int:
    units = _units(project, compared, include_unfinished, transcripts)
    settled = decisions(project, gold)
    rated, applied, _differ = _disputes(units)
    raters = rated.sum(axis=0)
    agreed = (applied.sum(axis=1) == raters[None, :]) & (raters[None, :] >= 2)
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
        if (t.guid, start, end, code.guid) in settled or (t.id, code.id, start, end) in existing:
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
                "coders": [k.name for k in compared],
                "added": added,
                "decider": who.name,
            },
            coder_id=who.id,
        )
    return added
