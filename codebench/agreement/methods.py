"""The methods appendix: what a paper needs to report about a reliability study, from the project.

Sections (each a :class:`~codebench.reports.tables.Table`, written by the
reports' Markdown, HTML and Word writers):

1. design: the coders and their assignments, and every reliability sample
   (fraction, strata, seed, transcripts drawn of how many);
2. rounds: each round's sample, coders, units (n), raters per unit,
   codebook version (and the versions its codings were made under when
   mixed) and adjudication (decisions, with a reason);
3. rules: what a unit is, the overlap rule, the hierarchy level, where
   missing ratings come from, the bootstrap, the coefficient and the
   threshold rule;
4. alpha per code with its interval and n, round by round;
5. codes below the threshold in each round and what was done about them
   (no table when there are none: one sentence says so):
   the codebook edits that name the code (edited, or in the confusion that
   prompted an edit) and the adjudications of it in the round's units, with
   how many carry a written reason;
6. the codebook changes between the rounds' versions (a diff of the
   version snapshots) with the reasons of the edits behind them, and every
   logged edit;
7. the software version.

Every number says its n or the rule it follows; nothing is computed here that
the round reports do not compute (:func:`~codebench.agreement.trajectory.trajectory`).
"""

from __future__ import annotations

import itertools
import platform
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from codebench import __version__
from codebench.agreement.consensus import DECIDE, effective
from codebench.agreement.trajectory import reading_table, threshold_rule, trajectory
from codebench.codebook import versions as cb_versions
from codebench.reports.tables import Column, Table
from codebench.wording import plural

if TYPE_CHECKING:
    from codebench.project import Project


@dataclass(frozen=True)
class MethodsAppendix:
    """The appendix as titled tables, and the trajectory data it was built from."""

    title: str
    tables: list[Table]
    data: dict[str, Any]


def _text_table(
    name: str,
    title: str,
    rows: list[dict[str, Any]],
    columns: list[tuple[str, str]],
    notes: list[str] | None = None,
) -> Table:
    return Table(
        name, title, [Column(k, label) for k, label in columns], rows, keys=1, notes=notes or []
    )


def methods_appendix(
    project: Project, *, threshold: float = 0.8, bootstrap: int = 1000, seed: int | None = None
) -> MethodsAppendix:
    """Build the appendix (see the module docstring); ``threshold`` is the alpha codes must reach."""
    from codebench.design.assignments import assignments
    from codebench.design.assignments import design_map as assignments_map
    from codebench.design.rounds import round_transcripts, rounds, versions_note
    from codebench.design.sample import samples

    if seed is None:  # an appendix must be reproducible: draw a seed and report it
        from codebench.agreement.round_freeze import draw_seed

        seed = draw_seed()
    data = trajectory(project, bootstrap=bootstrap, seed=seed)
    # Codes nobody applied in any round have no alpha to report: one note, not a row each.
    unused = [c for c in data["codes"] if not any(r["applied"] for r in c["rounds"])]
    data = {**data, "codes": [c for c in data["codes"] if c not in unused]}
    found = rounds(project)
    whole = data["rounds"][0] if not found else None  # no rounds: the project is one design
    tables: list[Table] = []

    # 1. design
    plan = assignments(project)
    per_coder: dict[str, list[str]] = {}
    for a in plan:
        per_coder.setdefault(a.coder.name, []).append(
            a.transcript.name + ("" if a.ordinals is None else f" (segments {a.segments})")
        )
    coder_rows = [
        {
            "coder": c.name,
            "assigned": f"{plural(len(per_coder.get(c.name, [])), 'transcript')}: "
            + (", ".join(per_coder.get(c.name, [])) or "none (rated what they marked done)"),
            "rounds": ", ".join(str(r.number) for r in found if any(k.id == c.id for k in r.coders))
            or ("none recorded" if whole else "none"),
        }
        for c in project.coders()
        if c.kind == "human"
        and (
            c.name in per_coder
            or any(k.id == c.id for r in found for k in r.coders)
            or (whole is not None and c.name in whole["coders_compared"])
        )
    ]
    tables.append(
        _text_table(
            "coders",
            "Design: coders and assignments",
            coder_rows,
            [("coder", "Coder"), ("assigned", "Assigned"), ("rounds", "Rounds")],
            [
                f"{plural(len(project.transcripts()), 'transcript')} in the project; "
                + (
                    f"{plural(len(plan), 'assignment')}."
                    if plan
                    else "no assignments recorded (each coder rated the transcripts they marked "
                    "done)."
                )
            ],
        )
    )
    sample_rows = []
    names_by_id = {c.id: c.name for c in project.coders()}
    ids_by_name = {t.name: t.id for t in project.transcripts()}
    holders: dict[int, list[str]] = {}
    for k, t in assignments_map(project):
        holders.setdefault(t, []).append(names_by_id[k])
    for s in samples(project):
        strata = "; ".join(f"{st.value}: {len(st.drawn)} of {st.population}" for st in s.strata)
        sample_rows.append(
            {
                "sample": s.name,
                "drawn": f"{len(s.transcripts)} of {plural(s.population, 'transcript')}"
                + (
                    f" ({', '.join(s.single_coder)} left out: they would have had one coder)"
                    if s.single_coder
                    else ""
                ),
                "fraction": f"{s.fraction:g}",
                "strata": f"by {s.stratify}: {strata}" if s.stratify else "not stratified",
                "seed": str(s.seed),
                "transcripts": ", ".join(s.transcripts),
                "coders": "; ".join(
                    _coded_by(s, t, holders.get(ids_by_name.get(t, -1), [])) for t in s.transcripts
                ),
            }
        )
    tables.append(
        _text_table(
            "samples",
            "Design: reliability samples",
            sample_rows,
            [
                ("sample", "Sample"),
                ("drawn", "Drawn"),
                ("fraction", "Fraction"),
                ("strata", "Strata"),
                ("seed", "Seed"),
                ("transcripts", "Transcripts"),
                ("coders", "Coded by"),
            ],
            [
                "No reliability sample was drawn: the figures stand on every transcript two or "
                "more coders rated."
            ]
            if not sample_rows
            else [
                "Each stratum gives max(1, round(fraction x its size)) transcripts, drawn with "
                "numpy's default generator from the stored seed; a fresh sample leaves out every "
                "transcript an earlier sample drew, so no round re-codes units already discussed. "
                "Coded by: per drawn transcript, its primary coder or coders (assigned it "
                "outside the sample) and the second coder or coders the sample gave it to."
            ],
        )
    )

    # 2. rounds
    by_number = {r["number"]: r for r in data["rounds"]}
    # Each (segment, code)'s decision: a re-decision of a code, or a reason added afterwards (a
    # repeat of the decision with the reason), replaces the event before it for that code and is
    # not a second decision; two decisions on one segment on different codes are two.
    held = effective((e, e.payload) for e in project.events(actions=(DECIDE,)))
    decisions = list({e.id: e for e in held.values()}.values())
    in_round = {r.number: {t.id for t in round_transcripts(project, r)} for r in found}
    if whole is not None:  # no rounds: the compared transcripts are the design's units
        compared = set(whole["transcripts_compared"])
        in_round[0] = {t.id for t in project.transcripts() if t.name in compared}
    where = "in the compared transcripts" if whole is not None else "in the round's units"

    def adjudicated(number: int) -> str:
        """A round's adjudication: decisions in its units and how many carry a reason."""
        mine = [d for d in decisions if d.transcript_id in in_round[number]]
        reasons = sum(1 for d in mine if d.payload.get("reason"))
        return f"{plural(len(mine), 'decision')} {where}, {reasons} with a written reason"

    tables.append(
        _text_table(
            "rounds",
            "The design compared (no rounds were recorded)" if whole else "Rounds",
            [
                {
                    "round": r.label,
                    "sample": r.sample.name,
                    "units": f"{by_number[r.number]['units']} {by_number[r.number]['counted_in']} "
                    f"in {len(by_number[r.number]['transcripts_compared'])} of the sample's "
                    f"{plural(len(r.transcript_names), 'transcript')}",
                    "coders": ", ".join(by_number[r.number]["coders_compared"]),
                    "raters": _raters(by_number[r.number]["units_by_raters"]),
                    "version": str(r.codebook_version)
                    + (
                        f" ({mixed})"
                        if (
                            mixed := versions_note(
                                by_number[r.number]["codings_by_codebook_version"]
                            )
                        )
                        else ""
                    ),
                    "adjudication": adjudicated(r.number),
                    "dates": f"{r.opened_at[:10]} to {(r.closed_at or 'open')[:10]}"
                    + _figures_note(by_number[r.number]),
                }
                for r in found
            ]
            or [
                _whole_project_row(data["rounds"][0], adjudicated(0), cb_versions.current(project))
            ],
            [
                ("round", "Round"),
                ("sample", "Sample"),
                ("units", "Units (n)"),
                ("coders", "Coders"),
                ("raters", "Raters per unit"),
                ("version", "Codebook version"),
                ("adjudication", "Adjudication"),
                ("dates", "Opened to closed"),
            ],
            [
                f"{r['label']}: {x['transcript']} not compared ({x['reason']})."
                for r in data["rounds"]
                for x in r["transcripts_excluded"]
            ]
            + [
                "The units are the codable segments of the transcripts two or more coders rated "
                "(no sample was drawn for a round); n is their number."
                if not found
                else "A round's units are the codable segments of its sample's transcripts that "
                "two or more of its coders rated; n is their number. A closed round's figures "
                "are its report frozen at the close; a round closed before reports were frozen "
                "is recomputed now from today's codings, and says so."
            ],
        )
    )

    # 3. rules
    st = data["settings"]
    rules = [
        (
            "Unit",
            f"{st.get('unit')} (a codable segment of a compared transcript)"
            if st.get("unit") == "segment"
            else str(st.get("unit")),
        ),
        ("Overlap rule", st.get("overlap_rule") or "not applicable"),
        ("Hierarchy", st.get("hierarchy") or "codes compared as applied"),
        ("Missing ratings", _design_note(st)),
        ("Coefficient", f"{data['coefficient']} per code (missing ratings allowed)"),
        ("Interval", _interval_rule(data["rounds"])),
        (
            "Threshold",
            f"codes below alpha {threshold:.3f} are listed below; scale: {threshold_rule()}",
        ),
    ]
    tables.append(
        _text_table(
            "rules",
            "Rules",
            [{"rule": k, "value": v} for k, v in rules],
            [("rule", "Rule"), ("value", "As applied")],
        )
    )

    # 4. coefficients per round
    trajectory_table = reading_table(data)
    shown_ci = [r["interval"] for r in data["rounds"] if r["interval"].get("bootstrap")]
    with_ci = f", with {_ci_percent(shown_ci[0])}% interval" if shown_ci else ""
    trajectory_table.title = (
        f"Krippendorff's alpha per code{with_ci} and n (no rounds were recorded)"
        if data.get("no_rounds")
        else f"Krippendorff's alpha per code and round{with_ci} and n"
    )
    if unused:
        trajectory_table.notes.append(
            f"{plural(len(unused), 'code')} no coder applied "
            + ("in the compared transcripts" if whole else "in any round")
            + " (alpha undefined, not listed): "
            + ", ".join(c["number"] or c["name"] for c in unused)
            + "."
        )
    tables.append(trajectory_table)

    # 5. below threshold and what was done
    edits = cb_versions.edits(project)
    below_rows = []
    for code in data["codes"]:
        label = f"{code['number']} {code['name']}" if code["number"] else code["name"]
        for item in code["rounds"]:
            if item["value"] is not None and item["value"] >= threshold:
                continue
            r: Any = next((x for x in found if x.number == item["round"]), None)
            if r is None:  # no rounds: the whole project, every edit counts
                r = _WholeProject("whole project")
            shown = "undefined" if item["value"] is None else f"{item['value']:.3f}"
            linked = [
                e
                for e in edits
                if code["guid"] in e.codes
                and (e.round is None or e.round >= r.number)
                and e.at >= r.opened_at
            ]
            # Each segment counts once for the code, by the decision that holds for it.
            decided = [
                d
                for key, d in held.items()
                if key[4] == code["guid"] and d.transcript_id in in_round[r.number]
            ]
            reasons = sum(1 for d in decided if d.payload.get("reason"))
            done = [
                f"{e.action.removeprefix('code.')} of {e.label}"
                + (f" (confusion {' / '.join(e.confusion)})" if e.confusion else "")
                + f": {e.reason or 'no reason given'}"
                for e in linked
            ]
            below_rows.append(
                {
                    "code": label,
                    "round": r.label,
                    "alpha": f"{shown}, n = {item['n']}",
                    "edits": "; ".join(done) or "no codebook edit names it",
                    "adjudicated": f"{plural(len(decided), 'segment')} decided {where}, "
                    f"{reasons} with a written reason",
                }
            )
    if below_rows:
        tables.append(
            _text_table(
                "below",
                f"Codes below alpha {threshold:.3f} and what was done",
                below_rows,
                [
                    ("code", "Code"),
                    ("round", "Round"),
                    ("alpha", "Alpha, n"),
                    ("edits", "Codebook edits"),
                    ("adjudicated", "Adjudication"),
                ],
                [
                    f"Rule: a code is listed when its alpha is below {threshold:.3f} or undefined. "
                    "An edit is linked to it when it edits the code or names it in the confusion "
                    "that prompted it (any edit: no rounds were recorded)."
                    if whole
                    else f"Rule: a code is listed when its alpha in a round is below "
                    f"{threshold:.3f} or undefined. An edit is linked to it when it edits the code "
                    "or names it in the confusion that prompted it, after the round opened."
                ],
            )
        )
    else:  # no empty table: one sentence under the coefficients
        trajectory_table.notes.append(
            f"Codes below alpha {threshold:.3f}: none (every code reached it"
            + (
                "; the adjudication is in the Rounds table)."
                if whole
                else " in every round; each round's adjudication is in the Rounds table)."
            )
        )

    # 6. codebook changes between rounds
    change_rows = []
    # Between the rounds' versions; with no rounds, between every version and the next.
    marks = sorted(
        {r.codebook_version for r in found}
        | {cb_versions.current(project)}
        | ({v.number for v in cb_versions.versions(project)} if whole else set())
    )
    for before, after in itertools.pairwise(marks):
        for change in cb_versions.diff(project, before, after):
            why = [
                e.reason
                for e in edits
                if e.version is not None
                and before < e.version <= after
                and e.reason
                and e.codes[:1] == (change.guid,)
            ]
            what = "; ".join(
                f"{f}: '{_short(a)}' became '{_short(b)}'" for f, a, b in change.fields
            )
            change_rows.append(
                {
                    "versions": f"{before} to {after}",
                    "code": change.label,
                    "change": change.kind + (f" ({what})" if what else ""),
                    "reason": "; ".join(dict.fromkeys(why)) or "no reason recorded",
                }
            )
    tables.append(
        _text_table(
            "changes",
            "Codebook changes between versions" if whole else "Codebook changes between rounds",
            change_rows,
            [
                ("versions", "Versions"),
                ("code", "Code"),
                ("change", "Change"),
                ("reason", "Reason"),
            ],
            [
                "A codebook version begins with the first change to what the codebook says after "
                "codings were made under the previous one; each coding carries its version. "
                + "; ".join(
                    f"version {v.number}: {plural(v.codings, 'coding')}"
                    for v in cb_versions.versions(project)
                )
                + "."
            ],
        )
    )
    edit_rows = [
        {
            "when": e.at[:16],
            "by": e.by or "",
            "edit": f"{e.action.removeprefix('code.')} {e.label}",
            "version": "" if e.version is None else str(e.version),
            "reason": e.reason or "",
            "link": (f"confusion {' / '.join(e.confusion)}" if e.confusion else "")
            + (f", round {e.round}" if e.round is not None else ""),
        }
        for e in edits
        if (e.version is not None and e.version > 1) or e.reason
    ]
    tables.append(
        _text_table(
            "edits",
            "Codebook edits after coding began",
            edit_rows,
            [
                ("when", "When"),
                ("by", "By"),
                ("edit", "Edit"),
                ("version", "Version"),
                ("reason", "Reason"),
                ("link", "Prompted by"),
            ],
            [] if edit_rows else ["None: the codebook was not edited after coding began."],
        )
    )

    # 7. software
    import numpy

    tables.append(
        _text_table(
            "software",
            "Software",
            [
                {"item": "codebench", "version": __version__},
                {"item": "Python", "version": platform.python_version()},
                {"item": "numpy", "version": numpy.__version__},
            ],
            [("item", "Software"), ("version", "Version")],
        )
    )
    return MethodsAppendix(
        f"Methods appendix: reliability of the coding ({project.path.name})", tables, data
    )


@dataclass(frozen=True)
class _WholeProject:
    """The one "round" of a project with no rounds (the trajectory numbers it 0)."""

    label: str
    number: int = 0
    opened_at: str = ""


def _whole_project_row(r: dict[str, Any], adjudication: str, current: int) -> dict[str, str]:
    """The Rounds table's row when no rounds were recorded: the project as one design."""
    from codebench.design.rounds import versions_note

    return {
        "round": "whole project (no rounds were recorded)",
        "sample": "none drawn (every transcript two or more coders rated)",
        "units": f"{r['units']} {r['counted_in']} in {plural(len(r['transcripts_compared']), 'transcript')}",
        "coders": ", ".join(r["coders_compared"]),
        "raters": _raters(r["units_by_raters"]),
        "version": versions_note(r["codings_by_codebook_version"])
        or f"{current} (the current one; no rounds to date a version by)",
        "adjudication": adjudication,
        "dates": "not applicable (no rounds were recorded)",
    }


def _figures_note(r: dict[str, Any]) -> str:
    """How a closed round's figures were obtained: frozen at its close, or recomputed now."""
    if not r.get("closed_at"):
        return " (open: figures from today's codings)"
    if r.get("as_closed"):
        return " (figures as frozen at the close)"
    return " (figures recomputed now: the round was closed before reports were frozen)"


def _ci_percent(interval: dict[str, Any]) -> int:
    return round(float(interval.get("ci_level") or 0.95) * 100)


def _interval_rule(by_round: list[dict[str, Any]]) -> str:
    """The bootstrap each round's intervals come from: replicates, method and seed, or none.

    A frozen round keeps the bootstrap of its close (``round close --bootstrap
    --seed``), which need not be the appendix's own, so when the rounds
    differ each is stated.
    """

    def one(r: dict[str, Any]) -> str:
        iv = r["interval"]
        if not iv.get("bootstrap"):
            return (
                "no interval (the round was closed with --bootstrap 0)"
                if r.get("as_closed")
                else "no interval (--bootstrap 0)"
            )
        return (
            f"{_ci_percent(iv)}% percentile bootstrap; {iv.get('bootstrap_method')}; "
            f"seed {iv.get('seed')}"
        )

    stated = [one(r) for r in by_round]
    if len(set(stated)) == 1:
        same = stated[0]
        if "seed" not in same:
            return same
        if all(r.get("as_closed") for r in by_round):
            return same + " (stored with the report frozen at the close: round close --seed)"
        return same + " (the same seed gives the same intervals: --seed)"
    return "; ".join(
        f"{r['label']}: {text}" + (" (frozen at the close)" if r.get("as_closed") else "")
        for r, text in zip(by_round, stated)
    )


def _raters(by_raters: dict[str, int]) -> str:
    """ "12 units with 2 raters, 6 with 3" from ``{"2": 12, "3": 6}``."""
    parts = [(int(m), n) for m, n in by_raters.items() if int(m) >= 2]
    if not parts:
        return "none rated by two or more"
    parts.sort()
    first, *rest = parts
    return ", ".join([f"{first[1]} with {first[0]} raters", *(f"{n} with {m}" for m, n in rest)])


def _coded_by(sample: Any, transcript: str, assigned: list[str]) -> str:
    """``"i4: bob (primary), carol (second)"``: who codes a drawn transcript, and in which role."""
    second = sample.given(transcript)
    primary = sorted((k for k in assigned if k not in second), key=str.casefold)
    who = [f"{k} (primary)" for k in primary] + [f"{k} (second)" for k in second]
    return f"{transcript}: {', '.join(who) or 'nobody assigned'}"


def _design_note(settings: dict[str, Any]) -> str:
    from codebench.agreement.reliability_data import design_note

    return design_note(str(settings.get("design")), bool(settings.get("include_unfinished")))


def _short(text: str, width: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
