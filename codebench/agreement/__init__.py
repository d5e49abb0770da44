"""Inter-coder agreement statistics (pure numpy, no UI imports).

Reliability data are ``(coders, units)`` float matrices of category labels
with ``NaN`` for "not rated".  Every coefficient returns an :class:`Estimate`
(``value`` is ``None`` with a ``reason`` when undefined).  See
``docs/agreement.md`` for formulas, conventions and references.
"""

from codebench.agreement.batch import CodeReport, binary_report, diagnostics
from codebench.agreement.bootstrap import Interval, bootstrap_ci, replicate_values
from codebench.agreement.coefficients import (
    brennan_prediger,
    cohen_kappa,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha,
    percent_agreement,
)
from codebench.agreement.diagnostics import CodeSummary, summary_diagnostics
from codebench.agreement.estimate import Estimate
from codebench.agreement.sets import jaccard_distance, masi_distance, set_alpha

__all__ = [
    "CodeReport",
    "CodeSummary",
    "Estimate",
    "Interval",
    "binary_report",
    "bootstrap_ci",
    "brennan_prediger",
    "cohen_kappa",
    "diagnostics",
    "fleiss_kappa",
    "gwet_ac1",
    "jaccard_distance",
    "krippendorff_alpha",
    "masi_distance",
    "percent_agreement",
    "replicate_values",
    "set_alpha",
    "summary_diagnostics",
]
