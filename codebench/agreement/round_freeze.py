"""Closing a reliability round with its figures frozen.

A round's report is computed from the codings, so a coder who keeps coding
a round's transcripts after it closed, or an adjudication, would silently
change round 1's alpha in the trajectory and the methods appendix. Closing
a round therefore stores its report, computed at the close with a recorded
bootstrap seed, in the same transaction as the close;
:func:`codebench.agreement.report.agreement_report` serves it for the round
afterwards (``--recompute`` computes it afresh).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from codebench.agreement.report import agreement_report, freeze_key
from codebench.errors import CodebenchError

if TYPE_CHECKING:
    from codebench.design.rounds import Round
    from codebench.project import Project


def draw_seed() -> int:
    """A fresh bootstrap seed, drawn so that it can be stored and stated (a figure must be
    reproducible: the same seed gives the same intervals)."""
    import numpy as np

    return int(np.random.SeedSequence().entropy % (2**31))  # type: ignore[operator]


def close_and_freeze(
    project: Project,
    ref: int | str,
    *,
    by: str | None = None,
    bootstrap: int = 1000,
    seed: int | None = None,
) -> Round:
    """Close the round and store its report under the default options (``seed`` drawn if None)."""
    from codebench.agreement.reliability_data import DEFAULT
    from codebench.design.rounds import close_round, get_round

    chosen = get_round(project, ref)
    if seed is None:  # a frozen interval must be reproducible: draw a seed and store it
        seed = draw_seed()
    options: dict[str, Any] = {
        "unit": "segment",
        "codes": None,
        "min_overlap": DEFAULT,
        "level": None,
        "child_implies_parent": False,
        "include_unfinished": False,
    }
    report = None
    if chosen.is_open:  # close_round refuses a closed round with the message
        try:
            report = agreement_report(
                project, round=chosen.number, recompute=True, bootstrap=bootstrap, seed=seed
            )
        except CodebenchError:
            report = None  # nothing to compare yet: the round closes with no figures to freeze
    key = {**freeze_key(options, None, 0.95, None), "bootstrap": bootstrap, "seed": seed}
    return close_round(
        project, chosen.number, by=by, frozen=None if report is None else (key, report)
    )
