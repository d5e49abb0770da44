"""Reliability rounds: a named, numbered, dated round of double coding on one sample.

A round is how a team runs a reliability study: draw a sample (a fresh one
each round: :func:`codebench.design.sample.draw_sample` with ``fresh``),
code it blind, compute agreement on exactly its units
(``codebench agreement --round N``), adjudicate, revise the codebook, then
start the next round on a fresh sample. A round records its sample (its
transcripts are the round's units), its coders, the codebook version current
when it opened (:mod:`codebench.store.codebook_versions`), and who opened and
closed it, and when.

Rules a round keeps, each with a clear error:

* one round is open at a time (close the last before starting the next);
* a sample serves one round;
* a round's sample repeats no transcript of an earlier round's sample,
  unless asked (``allow_repeat``): re-coding units already discussed, after
  revising the codebook on them, inflates alpha.

Starting and closing a round are each one transaction with an event
(``round.start``, ``round.close``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from codebench.design.assignments import design_map
from codebench.design.sample import Sample, samples
from codebench.errors import CodebenchError
from codebench.models import Coder, Transcript
from codebench.store import assignments as assignment_sql
from codebench.store import codebook_versions as version_sql
from codebench.store import events as event_sql
from codebench.store import rounds as round_sql
from codebench.wording import plural

if TYPE_CHECKING:
    from codebench.project import Project


@dataclass(frozen=True)
class Round:
    """One reliability round."""

    id: int
    number: int
    name: str
    sample: Sample
    coders: tuple[Coder, ...]
    codebook_version: int
    """The codebook version current when the round opened."""
    opened_by: str | None
    opened_at: str
    closed_by: str | None = None
    closed_at: str | None = None

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def label(self) -> str:
        """``round 2 (after the first meeting)``: how every output names the round."""
        return f"round {self.number} ({self.name})"

    @property
    def transcript_names(self) -> list[str]:
        return self.sample.transcripts

    def describe(self) -> str:
        """One sentence naming the round's units and coders, for every report's notes."""
        names = self.transcript_names
        return (
            f"Round {self.number} ({self.name}): the codable segments of the "
            f"{plural(len(names), 'transcript')} of sample {self.sample.name} ({', '.join(names)}), "
            f"coders {', '.join(c.name for c in self.coders)}; opened {self.opened_at[:10]} "
            f"under codebook version {self.codebook_version}"
            + (f", closed {self.closed_at[:10]}." if self.closed_at else ", still open.")
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "name": self.name,
            "label": self.label,
            "sample": self.sample.name,
            "transcripts": self.transcript_names,
            "coders": [c.name for c in self.coders],
            "codebook_version": self.codebook_version,
            "opened_by": self.opened_by,
            "opened_at": self.opened_at,
            "closed_by": self.closed_by,
            "closed_at": self.closed_at,
        }


def rounds(project: Project) -> list[Round]:
    """Every round, by number."""
    coders = {c.id: c for c in project.coders()}
    by_id = _samples_by_id(project)
    out = []
    for (
        rid,
        number,
        name,
        sample_id,
        version,
        opened_by,
        opened_at,
        closed_by,
        closed_at,
    ) in round_sql.round_rows(project.db):
        out.append(
            Round(
                id=rid,
                number=number,
                name=name,
                sample=by_id[sample_id],
                coders=tuple(coders[k] for k in round_sql.round_coder_ids(project.db, rid)),
                codebook_version=version,
                opened_by=coders[opened_by].name if opened_by in coders else None,
                opened_at=opened_at,
                closed_by=coders[closed_by].name if closed_by in coders else None,
                closed_at=closed_at,
            )
        )
    return out


def get_round(project: Project, ref: int | str) -> Round:
    """The round numbered ``ref`` (or named it)."""
    found = rounds(project)
    text = str(ref).strip()
    for r in found:
        if text == str(r.number) or text.casefold() == r.name.casefold():
            return r
    known = ", ".join(f"{r.number} ({r.name})" for r in found) or "none yet"
    raise CodebenchError(f"no round {text!r} (rounds: {known}; see `codebench round start --help`)")


def round_coder_names(round_: Round, names: Sequence[str] | None) -> list[str]:
    """The coders a round's report compares: ``names`` when each is one of the round's, else its own.

    A coder outside the round rated none of its units by design: comparing them
    would give only undefined rows (or "no disagreements"), so they are refused.
    """
    if not names:
        return [c.name for c in round_.coders]
    own = {c.name.casefold(): c.name for c in round_.coders}
    for name in names:
        if name.strip().casefold() not in own:
            raise CodebenchError(
                f"{name.strip()} is not a coder of {round_.label} "
                f"(its coders: {', '.join(c.name for c in round_.coders)})"
            )
    return [own[n.strip().casefold()] for n in names]


def codings_by_version_of(project: Project, round_: Round) -> dict[int, int]:
    """``{codebook version: codings}`` in the round's transcripts (those still in the project)."""
    ids = [t.id for t in project.transcripts() if t.name in set(round_.transcript_names)]
    return version_sql.codings_by_version(project.db, ids)


def versions_note(by_version: dict[int, int]) -> str | None:
    """ "mixed codebook versions: 299 codings under v1, 437 under v2", or ``None`` for one version.

    A round whose units were coded under two versions of the codebook is not
    one measurement of one codebook: every report of it says so.
    """
    if len(by_version) < 2:
        return None
    parts = ", ".join(
        f"{n} coding{'' if n == 1 else 's'} under v{v}" for v, n in sorted(by_version.items())
    )
    return f"mixed codebook versions: {parts}"


def round_transcripts(project: Project, round_: Round) -> list[Transcript]:
    """The round's transcripts (its sample's), as they are in the project."""
    out = []
    for name in round_.transcript_names:
        try:
            out.append(project.transcript(name))
        except CodebenchError:
            raise CodebenchError(
                f"{round_.label}: transcript {name!r} of sample {round_.sample.name} "
                "is no longer in the project"
            ) from None
    return out


def start_round(
    project: Project,
    name: str,
    *,
    sample: str | None = None,
    coders: Sequence[str] | None = None,
    by: str | None = None,
    allow_repeat: bool = False,
) -> Round:
    """Open the next round on ``sample`` (default: the latest sample no round uses yet).

    ``coders`` default to every human coder assigned some transcript of the
    sample (the sample's double coders and the transcripts' own coders).
    """
    name = " ".join((name or "").split())
    if not name:
        raise CodebenchError("a round needs a name, e.g. `codebench round start pilot`")
    existing = rounds(project)
    if any(r.name.casefold() == name.casefold() for r in existing):
        raise CodebenchError(f"a round named {name!r} exists already (choose another name)")
    still_open = [r for r in existing if r.is_open]
    if still_open:
        r = still_open[-1]
        raise CodebenchError(
            f"{r.label} is still open: close it first (codebench round close {r.number})"
        )
    used = {r.sample.name for r in existing}
    chosen = _choose_sample(project, sample, used)
    if not allow_repeat:
        earlier = {t: r for r in existing for t in r.transcript_names}
        repeated = [t for t in chosen.transcripts if t in earlier]
        if repeated:
            first = earlier[repeated[0]]
            raise CodebenchError(
                f"sample {chosen.name} repeats {plural(len(repeated), 'transcript')} of earlier rounds "
                f"({', '.join(repeated[:5])}: {first.label}); each round needs a fresh sample, "
                "since re-coding units after revising the codebook on them inflates alpha "
                "(draw one with `codebench sample --fresh`, or pass --allow-repeat)"
            )
    transcripts = [project.transcript(t) for t in chosen.transcripts]
    who = _round_coders(project, chosen, transcripts, coders)
    lead = project.coder(by, create=True) if by is not None else None
    sample_id = _sample_id(project, chosen.name)
    with project.transaction():
        number = round_sql.next_number(project.db)
        version = version_sql.current_version(project.db)
        round_sql.insert_round(
            project.db,
            number,
            name,
            sample_id,
            version,
            [c.id for c in who],
            lead.id if lead else None,
        )
        event_sql.log(
            project.db,
            "round.start",
            {
                "number": number,
                "name": name,
                "sample": chosen.name,
                "coders": [c.guid for c in who],
                "codebook_version": version,
            },
            coder_id=lead.id if lead else None,
        )
    return get_round(project, number)


def close_round(
    project: Project,
    ref: int | str,
    *,
    by: str | None = None,
    frozen: tuple[dict[str, Any], dict[str, Any]] | None = None,
) -> Round:
    """Close a round: its coding is over.

    ``frozen`` is ``(options, report)``: the round's report as it closes,
    stored in the same transaction so its figures stay what they were at the
    close (:func:`codebench.agreement.round_freeze.close_and_freeze` builds it).
    """
    found = get_round(project, ref)
    if not found.is_open:
        raise CodebenchError(f"{found.label} was closed already on {found.closed_at}")
    lead = project.coder(by, create=True) if by is not None else None
    with project.transaction():
        round_sql.close_round(project.db, found.id, lead.id if lead else None)
        if frozen is not None:
            options, report = frozen
            round_sql.save_round_report(
                project.db,
                found.id,
                json.dumps(options, sort_keys=True, default=str),
                json.dumps(report, default=str),
            )
        event_sql.log(
            project.db,
            "round.close",
            {"number": found.number, "name": found.name},
            coder_id=lead.id if lead else None,
        )
    return get_round(project, found.number)


def delete_round(project: Project, ref: int | str) -> Round:
    """Remove a round (started by mistake, say): its coders and frozen report go, its sample and
    every coding stay. In a team, the next sync removes it from every copy."""
    found = get_round(project, ref)
    with project.transaction():
        round_sql.delete_round(project.db, found.number)
        event_sql.log(project.db, "round.delete", {"number": found.number, "name": found.name})
    return found


def frozen_report(
    project: Project, round_: Round
) -> tuple[dict[str, Any], dict[str, Any], str] | None:
    """``(options, report, frozen_at)`` stored when ``round_`` closed, if any."""
    found = round_sql.round_report(project.db, round_.id)
    if found is None:
        return None
    options, report, frozen_at = found
    return json.loads(options), json.loads(report), frozen_at


#: Why a closed round has no frozen report: it closed before codebench froze round reports.
CLOSED_BEFORE_FREEZING = "closed before codebench froze round reports, so none was stored"


def recomputed_note(project: Project, round_: Round, *, recompute: bool) -> str | None:
    """The note a closed round's report carries when its figures are computed now, not frozen.

    Three honest cases: asked for (``--recompute``); the frozen report was
    made under other options (only the default options are frozen); or there
    is none, because the round closed before reports were frozen (a project
    from before migration 0016), so today's codings are all there is. An open
    round's figures are always today's: no note.
    """
    if round_.closed_at is None:
        return None
    closed = round_.closed_at[:10]
    head = f"Figures recomputed now from today's codings, not as {round_.label} closed on {closed}"
    if recompute:
        return f"{head} (--recompute)."
    if frozen_report(project, round_) is None:
        return (
            f"{head}: the round was {CLOSED_BEFORE_FREEZING}; codings or adjudications made "
            "after the close are counted."
        )
    return f"{head} (its report was frozen under the default options, not these)."


def _samples_by_id(project: Project) -> dict[int, Sample]:
    ids = [row[0] for row in assignment_sql.sample_rows(project.db)]
    return dict(zip(ids, samples(project)))


def _sample_id(project: Project, name: str) -> int:
    return next(row[0] for row in assignment_sql.sample_rows(project.db) if row[1] == name)


def _choose_sample(project: Project, sample: str | None, used: set[str]) -> Sample:
    drawn = samples(project)
    if sample is None:
        free = [s for s in drawn if s.name not in used]
        if not free:
            raise CodebenchError(
                "no sample for this round: draw one first "
                "(codebench sample --fresh --fraction 0.25 --coders bob)"
            )
        return free[-1]
    for s in drawn:
        if s.name.casefold() == sample.strip().casefold():
            if s.name in used:
                raise CodebenchError(
                    f"sample {s.name} already serves a round: draw a fresh one "
                    "(codebench sample --fresh ...)"
                )
            return s
    known = ", ".join(s.name for s in drawn) or "none yet"
    raise CodebenchError(f"no sample {sample!r} (samples: {known})")


def _round_coders(
    project: Project,
    sample: Sample,
    transcripts: Sequence[Transcript],
    names: Sequence[str] | None,
) -> list[Coder]:
    plan = design_map(project, None, [t.id for t in transcripts])
    ids = {k for (k, _t) in plan}
    if names:
        who = [project.coder(n) for n in names]
        # With a design (assignments or the sample's double coders), a named coder must be
        # in it: one with nothing to code in the sample would add only missing ratings.
        if ids or sample.coders:
            design = sorted(
                {c.name for c in project.coders() if c.id in ids} | set(sample.coders),
                key=str.casefold,
            )
            for c in who:
                if c.id not in ids and c.name not in sample.coders:
                    raise CodebenchError(
                        f"{c.name} has no assignment in sample {sample.name} "
                        f"(coders with one: {', '.join(design)}); assign them first "
                        "(codebench assign) or leave them out of --coders"
                    )
    else:
        who = [
            c
            for c in project.coders()
            if c.kind == "human" and (c.id in ids or c.name in sample.coders)
        ]
    unique = list({c.id: c for c in who}.values())
    if len(unique) < 2:
        listed = ", ".join(c.name for c in unique) or "none"
        raise CodebenchError(
            f"a round needs at least two coders (have: {listed}); assign the sample's "
            "transcripts to its coders, or pass --coders a,b"
        )
    return sorted(unique, key=lambda c: c.name.casefold())
