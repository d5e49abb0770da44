"""Short, plain-language warnings about a code's agreement figures.

Coefficients alone mislead in a few well-known situations: too few units,
extreme prevalence (the "kappa paradox": high raw agreement, low kappa), a
code nobody used, a coder who never used a code others used.  These helpers
turn the counts of :func:`~codebench.agreement.batch.binary_report` into
one-sentence warnings for the report (which runs them for every code;
:func:`~codebench.agreement.batch.diagnostics` runs them on one matrix).
This module needs only the counts, never the batch report itself, so the
batch report can import it without a cycle.

Thresholds (documented in docs/agreement.md):

* ``min_units`` = 30 units rated by >= 2 coders.  Below that a single
  disagreement moves alpha/kappa by several hundredths and bootstrap
  intervals span most of the scale; 30 is a conventional floor, not a
  power calculation (Krippendorff 2004, sec. 11.4, gives prevalence-based
  minimums that are usually larger).
* extreme prevalence: < 5 % or > 95 % of ratings apply the code.
* kappa paradox: |AC1 - kappa| > 0.2 (kappa = Fleiss' kappa, or alpha when
  Fleiss' kappa is undefined or, with three or more coders and missing
  ratings, stands on the complete units only).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from codebench.agreement.coefficient_registry import AC1, ALPHA, COHEN, FLEISS
from codebench.wording import plural

MIN_UNITS = 30
LOW_PREVALENCE = 0.05
HIGH_PREVALENCE = 0.95
PARADOX_GAP = 0.2


@dataclass(frozen=True)
class CodeSummary:
    """The counts and coefficients the diagnostics look at."""

    n_pairable_units: int
    n_ratings: int
    n_applied: int
    rated_by_coder: tuple[int, ...]
    applied_by_coder: tuple[int, ...]
    kappa: float | None
    alpha: float | None
    ac1: float | None
    #: Units every coder rated (Fleiss' kappa's n).
    n_complete_units: int | None = None
    #: ``(i, j, units both rated)`` per coder pair (each Cohen's kappa's n).
    rated_by_pair: tuple[tuple[int, int, int], ...] = ()

    @classmethod
    def from_report(cls, report: Mapping[str, Any]) -> CodeSummary:
        """Build from one entry of ``binary_report``."""
        return cls(
            n_pairable_units=int(report["n_pairable_units"]),
            n_ratings=int(report["n_ratings"]),
            n_applied=int(report["n_applied"]),
            rated_by_coder=tuple(report["rated_by_coder"]),
            applied_by_coder=tuple(report["applied_by_coder"]),
            kappa=report[FLEISS.key].value,
            alpha=report[ALPHA.key].value,
            ac1=report[AC1.key].value,
            n_complete_units=int(report["n_complete_units"]),
            rated_by_pair=tuple(
                (i, j, int(n)) for (i, j), n in report.get("rated_by_pair", {}).items()
            ),
        )


def _name(i: int, coder_names: Sequence[str] | None) -> str:
    if coder_names is not None and i < len(coder_names):
        return str(coder_names[i])
    return f"Coder {i + 1}"


def summary_diagnostics(
    summary: CodeSummary,
    coder_names: Sequence[str] | None = None,
    min_units: int = MIN_UNITS,
) -> list[str]:
    """Warnings for one code, most important first (empty list = nothing to say)."""
    notes: list[str] = []
    n = summary.n_pairable_units
    if n == 0:
        notes.append("No unit was rated by two or more coders, so agreement cannot be assessed.")
    elif n < min_units:
        notes.append(
            f"Only {plural(n, 'unit')} {'was' if n == 1 else 'were'} rated by two or more coders (fewer than {min_units}): "
            "the coefficients are unstable; report the bootstrap interval."
        )
    # Each coefficient computed on fewer units than that gets its own warning with its own n.
    complete = summary.n_complete_units
    if (
        complete is not None
        and 0 < complete < min(n, min_units)
        and len(summary.rated_by_coder) > 2
    ):
        notes.append(
            f"{FLEISS.name} uses only the {plural(complete, 'unit')} every coder rated (fewer than "
            f"{min_units}, of {n} rated by two or more): read {ALPHA.label}, which uses all {n}."
        )
    for i, j, both in summary.rated_by_pair:
        if 0 < both < min(n, min_units):
            notes.append(
                f"{COHEN.name} of {_name(i, coder_names)} and {_name(j, coder_names)} uses only the "
                f"{plural(both, 'unit')} both rated (fewer than {min_units})."
            )
    if summary.n_ratings and summary.n_applied == 0:
        notes.append(
            "No coder applied this code to any unit: the raw agreement is trivially perfect "
            "and the chance-corrected coefficients are undefined or uninformative."
        )
    elif summary.n_ratings and summary.n_applied == summary.n_ratings:
        notes.append(
            "Every rating applied this code: the raw agreement is trivially perfect and the "
            "chance-corrected coefficients are undefined or uninformative."
        )
    elif summary.n_ratings:
        for i, (rated, applied) in enumerate(zip(summary.rated_by_coder, summary.applied_by_coder)):
            if rated == 0:
                notes.append(f"{_name(i, coder_names)} rated no unit for this code.")
            elif applied == 0 and summary.n_applied > 0:
                notes.append(
                    f"{_name(i, coder_names)} never applied this code in {plural(rated, 'rated unit')}, "
                    f"while the others applied it {plural(summary.n_applied, 'time')}: "
                    "check that the code definition is shared."
                )
    if summary.n_ratings and 0 < summary.n_applied < summary.n_ratings:
        prevalence = summary.n_applied / summary.n_ratings
        if prevalence < LOW_PREVALENCE or prevalence > HIGH_PREVALENCE:
            notes.append(
                f"Extreme prevalence: {prevalence:.1%} of ratings apply this code. "
                "Kappa-type coefficients are then unstable and can be low despite high raw agreement."
            )
    which, kappa = (FLEISS.name, summary.kappa)
    if kappa is None or (complete is not None and complete < n and len(summary.rated_by_coder) > 2):
        # Fleiss' kappa undefined, or standing on the complete units only: alpha is the headline.
        which, kappa = ("alpha", summary.alpha)
    if kappa is not None and summary.ac1 is not None and abs(summary.ac1 - kappa) > PARADOX_GAP:
        notes.append(
            f"Kappa paradox: {AC1.label} = {summary.ac1:.2f} but {which} = {kappa:.2f}. When a "
            "code is rare (or nearly universal), kappa's chance agreement is close to 1, so a few "
            f"disagreements pull it down although coders agree on most units; {AC1.label} assumes "
            "less chance agreement. Report both with the prevalence."
        )
    return notes
