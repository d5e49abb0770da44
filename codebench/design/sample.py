"""Reliability samples: a reproducible, stratified draw of transcripts for double coding, assigned.

A team rarely double-codes everything: a second coder codes a random 10-25 %
of the transcripts, drawn so that every kind of interview (a stratum: the
values of one attribute, say ``role``) is represented. :func:`draw_sample`
draws that sample, assigns it to the named coders and records the draw (seed,
strata, units) in the ``samples`` table, so it can be reported and drawn
again identically.

The draw, exactly (so it can be checked by hand): the population is every
transcript, grouped into strata by the attribute's value (``"(none)"`` when a
transcript lacks it, one stratum when not stratifying); strata are taken in
sorted order and the transcripts of each in name order. A stratum of N
transcripts contributes ``max(1, floor(fraction * N + 0.5))`` of them (at
least one, so no stratum is left out), chosen as the first ones of
``numpy.random.default_rng(seed).permutation(N)``, one generator drawing the
strata in turn. Without a seed, one is drawn from the operating system and
stored, so every draw is reproducible.

A *fresh* sample (``fresh=True``, ``codebench sample --fresh``) leaves every
transcript drawn by an earlier sample out of the population before drawing:
each reliability round codes units nobody has discussed yet (see
:mod:`codebench.design.rounds`). The draw records what it left out.

A sample is for *second* ratings. An assigned transcript that would still
have only one coder after the draw (its assignees and the listed coders
together: bob drawing his own transcript) is left out of the population
before drawing (recorded as ``single_coder``), and a listed coder who
already has a drawn transcript is not given it again (recorded as
``skipped``; the other listed coders still get it). When no transcript is
left that way, the draw is refused. Unassigned transcripts stay in the
population (their other ratings come from done statuses, as before).
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from codebench.design.assignments import assign, design_map
from codebench.errors import CodebenchError
from codebench.store import assignments as assignment_sql
from codebench.store import events as event_sql

if TYPE_CHECKING:
    from codebench.project import Project

NO_VALUE = "(none)"


@dataclass(frozen=True)
class Stratum:
    """One stratum of a draw: its value, how many transcripts it has, which were drawn."""

    value: str
    population: int
    drawn: tuple[str, ...]


@dataclass(frozen=True)
class Sample:
    """A recorded reliability sample."""

    name: str
    seed: int
    fraction: float
    stratify: str | None
    strata: tuple[Stratum, ...]
    coders: tuple[str, ...]
    drawn_by: str | None = None
    drawn_at: str = ""
    skipped: tuple[tuple[str, str], ...] = ()
    """``(transcript, coder)``: a drawn transcript the listed coder already had, not given again."""
    single_coder: tuple[str, ...] = ()
    """Transcripts left out of the population: with the listed coders they would have only one coder."""

    def given(self, transcript: str) -> list[str]:
        """The listed coders the draw gave ``transcript`` to (those who did not already have it)."""
        return [c for c in self.coders if (transcript, c) not in self.skipped]

    def skip_notes(self) -> list[str]:
        """One line per transcript a listed coder already had, e.g. "i4 is already bob's: given to carol"."""
        out = []
        for t in dict.fromkeys(t for t, _c in self.skipped):
            holders = " and ".join(f"{c}'s" for tt, c in self.skipped if tt == t)
            others = self.given(t)
            out.append(
                f"{t} is already {holders}: "
                + (f"given to {', '.join(others)}" if others else "nothing new assigned")
            )
        if self.single_coder:
            out.append(
                "left out of the draw, they would have only one coder: "
                + ", ".join(self.single_coder)
            )
        return out

    @property
    def transcripts(self) -> list[str]:
        """Every transcript drawn, stratum by stratum."""
        return [t for s in self.strata for t in s.drawn]

    @property
    def population(self) -> int:
        return sum(s.population for s in self.strata)

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "seed": self.seed,
            "fraction": self.fraction,
            "stratify": self.stratify,
            "unit": "transcript",
            "population": self.population,
            "drawn": len(self.transcripts),
            "strata": [
                {"value": s.value, "population": s.population, "drawn": list(s.drawn)}
                for s in self.strata
            ],
            "coders": list(self.coders),
            "skipped": [{"transcript": t, "coder": c} for t, c in self.skipped],
            "single_coder": list(self.single_coder),
            "drawn_by": self.drawn_by,
            "drawn_at": self.drawn_at,
        }


def plan_sample(
    project: Project,
    fraction: float,
    *,
    stratify: str | None = None,
    seed: int | None = None,
    exclude: Collection[str] = (),
) -> tuple[int, list[Stratum]]:
    """The draw (see the module docstring), without recording or assigning it: ``(seed, strata)``.

    ``exclude`` names transcripts left out of the population (a fresh sample's earlier draws).
    """
    if not 0.0 < fraction <= 1.0:
        raise CodebenchError(f"--fraction must be in (0, 1], got {fraction}")
    transcripts = project.transcripts()
    if not transcripts:
        raise CodebenchError("no transcripts to sample (import some first)")
    if exclude:
        transcripts = [t for t in transcripts if t.name not in exclude]
        if not transcripts:
            raise CodebenchError(
                "no transcript is left for a fresh sample: earlier samples drew every one"
            )
    if stratify is not None and not any(stratify in t.attributes for t in transcripts):
        keys = sorted({k for t in transcripts for k in t.attributes}) or ["none yet"]
        raise CodebenchError(
            f"no transcript has the attribute {stratify!r} (attributes: {', '.join(keys)})"
        )
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % (2**63))  # type: ignore[operator]
    if seed < 0:
        raise CodebenchError(f"--seed must be 0 or more, got {seed}")
    groups: dict[str, list[str]] = {}
    for t in transcripts:
        value = t.attributes.get(stratify, NO_VALUE) if stratify is not None else "all"
        groups.setdefault(value or NO_VALUE, []).append(t.name)
    rng = np.random.default_rng(seed)
    strata = []
    for value in sorted(groups):
        names = sorted(groups[value])
        take = max(1, math.floor(fraction * len(names) + 0.5))
        order = rng.permutation(len(names))[:take]
        strata.append(Stratum(value, len(names), tuple(names[i] for i in sorted(order))))
    return seed, strata


def draw_sample(
    project: Project,
    fraction: float,
    coders: Sequence[str],
    *,
    stratify: str | None = None,
    seed: int | None = None,
    name: str | None = None,
    by: str | None = None,
    fresh: bool = False,
) -> Sample:
    """Draw a sample, assign it (whole transcripts) to each of ``coders``, and record the draw.

    ``fresh`` leaves out every transcript an earlier sample drew.
    """
    if not coders:
        raise CodebenchError("name the coders who double-code the sample: --coders bob")
    earlier = sorted({t for s in samples(project) for t in s.transcripts}) if fresh else []
    who = [project.coder(c, create=True) for c in coders]
    who = list({c.id: c for c in who}.values())
    # Who already has what (any assignment, whole or segments): a sample gives second ratings.
    by_id = {t.id: t.name for t in project.transcripts()}
    holds = {(by_id[t], k) for (k, t) in design_map(project) if t in by_id}
    holders: dict[str, set[int]] = {}
    for t, k in holds:
        holders.setdefault(t, set()).add(k)
    listed = {c.id for c in who}
    single = sorted(t for t, ks in holders.items() if t not in earlier and len(ks | listed) < 2)
    if single and len(single) + len(set(earlier)) >= len(by_id):
        raise CodebenchError(
            f"every transcript left would have only one coder with {', '.join(c.name for c in who)} "
            "(their own): a sample needs a coder who has not coded it (add one to --coders)"
        )
    seed, strata = plan_sample(
        project, fraction, stratify=stratify, seed=seed, exclude=[*earlier, *single]
    )
    taken = assignment_sql.sample_names(project.db)
    if name is None:
        n = len(taken) + 1
        while f"sample-{n}" in taken:
            n += 1
        name = f"sample-{n}"
    elif name in taken:
        raise CodebenchError(f"a sample named {name!r} exists already (choose another --name)")
    lead = project.coder(by, create=True) if by is not None else None
    drawn = [t for st in strata for t in st.drawn]
    sample = Sample(
        name=name,
        seed=seed,
        fraction=fraction,
        stratify=stratify,
        strata=tuple(strata),
        coders=tuple(c.name for c in who),
        drawn_by=lead.name if lead else None,
        skipped=tuple((t, c.name) for t in drawn for c in who if (t, c.id) in holds),
        single_coder=tuple(single),
    )
    for coder in who:
        mine = [t for t in drawn if (t, coder.id) not in holds]
        if mine:
            assign(project, coder, mine, by=lead)
    with project.transaction():
        body = sample.as_json()
        if fresh:
            body["excluded"] = earlier
        assignment_sql.insert_sample(
            project.db,
            name,
            seed,
            fraction,
            stratify,
            json.dumps(body, ensure_ascii=False, sort_keys=True),
            lead.id if lead else None,
        )
        event_sql.log(project.db, "sample.draw", body, coder_id=lead.id if lead else None)
    return next(s for s in samples(project) if s.name == name)


def samples(project: Project) -> list[Sample]:
    """Every recorded sample, oldest first."""
    coders = {c.id: c.name for c in project.coders()}
    out = []
    for _id, name, seed, fraction, stratify, draw, drawn_by, drawn_at in assignment_sql.sample_rows(
        project.db
    ):
        body = json.loads(draw)
        out.append(
            Sample(
                name=name,
                seed=int(seed),
                fraction=float(fraction),
                stratify=stratify,
                strata=tuple(
                    Stratum(s["value"], int(s["population"]), tuple(s["drawn"]))
                    for s in body.get("strata", [])
                ),
                coders=tuple(body.get("coders", [])),
                drawn_by=coders.get(drawn_by) if drawn_by is not None else None,
                drawn_at=drawn_at,
                skipped=tuple((x["transcript"], x["coder"]) for x in body.get("skipped", [])),
                single_coder=tuple(body.get("single_coder", [])),
            )
        )
    return out
