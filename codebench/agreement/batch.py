"""All coefficients for many binary codes at once.

For a 0/1 code, a unit is fully described (for every multi-coder
coefficient) by two numbers: how many coders rated it (m) and how many of
them applied the code (s).  With C coders there are at most (C+1)(C+2)/2 such
patterns, so one ``bincount`` of ``m * (C+1) + s`` over all codes and units
gives a ``(codes, patterns)`` frequency matrix, and each coefficient is then a
``(codes, patterns) @ (patterns, features)`` product through the same
``_stats`` code that the single functions use -- the batch cannot drift from
them.  Pairwise Cohen's kappa needs coder identities: its 2 x 2 tables come
from three batched matrix products of the 0/1 "applied" and "rated" masks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypedDict, cast

import numpy as np
import numpy.typing as npt

from codebench.agreement import coefficient_registry as registry
from codebench.agreement.coefficient_registry import Statistic
from codebench.agreement.coefficients import to_estimate, with_fleiss_note
from codebench.agreement.diagnostics import MIN_UNITS, CodeSummary, summary_diagnostics
from codebench.agreement.estimate import Estimate


class CodeReport(TypedDict):
    """Everything the agreement report needs about one code.

    The coefficient fields are those of ``coefficient_registry.batch()``
    (plus the pairwise Cohen's kappas) under their ``key``: the report is
    built from the declarations, and this type spells them out for the
    type checker (a test checks that the two agree).
    """

    code: str | int
    n_units: int  # columns of the matrix
    n_rated_units: int  # units with >= 1 rating
    n_pairable_units: int  # units with >= 2 ratings (enter alpha, AC1, BP, %)
    n_complete_units: int  # units rated by every coder (enter Fleiss' kappa)
    n_ratings: int
    n_applied: int  # ratings equal to 1
    prevalence: float | None  # n_applied / n_ratings
    rated_by_coder: list[int]  # units each coder rated (0 or 1)
    rated_by_pair: dict[tuple[int, int], int]  # units both coders of a pair rated (Cohen's n)
    applied_by_coder: list[int]  # units each coder applied the code to
    percent_agreement: Estimate
    krippendorff_alpha: Estimate  # nominal
    fleiss_kappa: Estimate
    gwet_ac1: Estimate  # q = 2
    brennan_prediger: Estimate  # q = 2
    cohen_kappa: dict[tuple[int, int], Estimate]  # every coder pair (i < j)
    diagnostics: list[str]


def field(report: CodeReport, key: str) -> Any:
    """The field of ``report`` named at run time (a declared coefficient's ``key``)."""
    return cast("Mapping[str, Any]", report)[key]


def _validate(data: npt.ArrayLike) -> npt.NDArray[np.float64]:
    arr = np.asarray(data, dtype=np.float64)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3:
        raise ValueError(
            f"binary_report needs a (codes, coders, units) array, got shape {arr.shape}"
        )
    return arr


def _patterns(n_coders: int) -> npt.NDArray[np.int64]:
    """(m - s, s) count vectors for every key m*(C+1)+s (invalid s > m -> zeros)."""
    base = n_coders + 1
    m, s = np.divmod(np.arange(base * base), base)
    valid = s <= m
    return np.stack([np.where(valid, m - s, 0), np.where(valid, s, 0)], axis=1).astype(np.int64)


def _estimates(
    stat: Statistic,
    freq: npt.NDArray[np.float64],
    patterns: npt.NDArray[np.int64],
) -> list[Estimate]:
    values, codes = stat.finalize(freq @ stat.features(patterns))
    return [to_estimate(stat, float(v), int(c)) for v, c in zip(values, codes)]


def binary_report(
    data: npt.ArrayLike,
    codes: Sequence[str] | None = None,
    coder_names: Sequence[str] | None = None,
    min_units: int = MIN_UNITS,
) -> list[CodeReport]:
    """Every coefficient and count for each code of a 0/1/NaN array.

    ``data`` has shape ``(codes, coders, units)`` (a single ``(coders,
    units)`` matrix is taken as one code); 1 = code applied, 0 = rated and not
    applied, NaN = not rated.  ``codes`` / ``coder_names`` only label the
    output and the diagnostic messages.  AC1 and Brennan-Prediger use q = 2.
    Returns one :class:`CodeReport` dict per code, in input order.
    """
    arr = _validate(data)
    n_codes, n_coders, n_units = arr.shape
    base = n_coders + 1
    freq = np.zeros((n_codes, base * base))
    gram = np.zeros((3, n_codes, n_coders, n_coders))
    # One code at a time: (coders, units) temporaries stay small and are
    # reused by the allocator, which is ~3x faster than whole-array passes
    # that page-fault in hundreds of MB.
    for k in range(n_codes):
        rated, applied, keys = code_masks(arr[k], "binary_report")
        freq[k] = np.bincount(keys, minlength=base * base)
        gram[:, k] = _gram(rated, applied)
    return assemble_reports(freq, gram, int(n_units), codes, coder_names, min_units)


def code_masks(
    block: npt.NDArray[np.float64], caller: str
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_], npt.NDArray[np.intp]]:
    """The rated and applied masks of one ``(coders, units)`` code, and each unit's pattern key.

    The key ``m * (C+1) + s`` (m raters, s appliers) indexes the frequency
    row that every multi-coder coefficient reads; the weighted and
    unweighted reports both build it here so their pattern layout cannot
    drift apart.  ``caller`` names the public function in the error.
    """
    rated = ~np.isnan(block)
    applied = block == 1.0
    if np.count_nonzero(applied) + np.count_nonzero(block == 0.0) != np.count_nonzero(rated):
        raise ValueError(f"{caller} accepts only 0, 1 and NaN")
    m = rated.sum(axis=0, dtype=np.intp)
    s = applied.sum(axis=0, dtype=np.intp)
    return rated, applied, m * (block.shape[0] + 1) + s


def binary_stats(n_coders: int) -> dict[str, Statistic]:
    """The multi-coder coefficients of a 0/1 code, keyed by their :class:`CodeReport` field.

    Built from the declarations (``coefficient_registry.batch()``) on one design
    (nominal, q = 2), so the report, its weighted twin and the weighted
    bootstrap all use the same settings.
    """
    design = registry.binary_design(n_coders)
    return {c.key: c.make(design) for c in registry.batch() if c.make is not None}


def assemble_reports(
    freq: npt.NDArray[np.float64],
    gram: npt.NDArray[np.float64],
    n_units: int,
    codes: Sequence[str] | None,
    coder_names: Sequence[str] | None,
    min_units: int,
    diagnose: bool = True,
) -> list[CodeReport]:
    """One :class:`CodeReport` per code from its pattern frequencies and Gram matrices.

    ``freq`` is ``(codes, (C+1)**2)`` (keyed as :func:`code_masks` keys
    units) and ``gram`` stacks X.X', X.R', R.R' per code; whether they were
    counted plainly or with unit weights does not matter past this point, so
    the weighted and unweighted reports share it.  Counts are rounded to the
    nearest integer, which is exact for unweighted sums and removes float
    noise from weighted ones.  ``diagnose=False`` leaves ``diagnostics``
    empty, for callers that show none (the report's pooled figures, one set
    per transcript).
    """
    n_codes = freq.shape[0]
    n_coders = gram.shape[2]
    base = n_coders + 1
    patterns = _patterns(n_coders)
    stats = binary_stats(n_coders)
    results = {name: _estimates(stat, freq, patterns) for name, stat in stats.items()}
    xx, xr, rr = gram
    kappas = _pairwise_kappa(xx, xr, rr)

    keys: npt.NDArray[np.int64] = np.arange(base * base, dtype=np.int64)
    m_key = keys // base
    s_key = keys % base
    reports: list[CodeReport] = []
    for k in range(n_codes):
        n_ratings = int(np.rint(freq[k] @ m_key))
        n_applied = int(np.rint(freq[k] @ s_key))
        report: CodeReport = {
            "code": codes[k] if codes is not None else k,
            "n_units": n_units,
            "n_rated_units": int(np.rint(freq[k][m_key >= 1].sum())),
            "n_pairable_units": int(np.rint(freq[k][m_key >= 2].sum())),
            "n_complete_units": int(np.rint(freq[k][m_key == n_coders].sum())) if n_coders else 0,
            "n_ratings": n_ratings,
            "n_applied": n_applied,
            "prevalence": n_applied / n_ratings if n_ratings else None,
            "rated_by_coder": [int(np.rint(rr[k, i, i])) for i in range(n_coders)],
            "rated_by_pair": {
                (i, j): int(np.rint(rr[k, i, j]))
                for i in range(n_coders)
                for j in range(i + 1, n_coders)
            },
            "applied_by_coder": [int(np.rint(xx[k, i, i])) for i in range(n_coders)],
            **{name: results[name][k] for name in stats},  # type: ignore[typeddict-item]
            "cohen_kappa": kappas[k],
            "diagnostics": [],
        }
        report["fleiss_kappa"] = with_fleiss_note(
            report["fleiss_kappa"],
            report["n_complete_units"],
            report["n_rated_units"] - report["n_complete_units"],
        )
        if diagnose:
            report["diagnostics"] = summary_diagnostics(
                CodeSummary.from_report(report), coder_names=coder_names, min_units=min_units
            )
        reports.append(report)
    return reports


def _gram(rated: npt.NDArray[np.bool_], applied: npt.NDArray[np.bool_]) -> npt.NDArray[np.float64]:
    """Coder-by-coder dot products X.X', X.R', R.R' of one code (X applied, R rated).

    float32 BLAS is exact here because every partial sum is an integer < 2**24.
    """
    x: npt.NDArray[np.float32] | npt.NDArray[np.float64]
    r: npt.NDArray[np.float32] | npt.NDArray[np.float64]
    if rated.shape[1] < (1 << 24):
        x, r = applied.astype(np.float32), rated.astype(np.float32)
    else:
        x, r = applied.astype(np.float64), rated.astype(np.float64)
    return np.stack([x @ x.T, x @ r.T, r @ r.T]).astype(np.float64)


def _pairwise_kappa(
    xx: npt.NDArray[np.float64], xr: npt.NDArray[np.float64], rr: npt.NDArray[np.float64]
) -> list[dict[tuple[int, int], Estimate]]:
    """Cohen's kappa for every coder pair of every code from the Gram matrices.

    For coders i, j: n11 = X_i.X_j, n1. = X_i.R_j, n.1 = R_i.X_j, N = R_i.R_j.
    """
    n_codes, n_coders, _ = xx.shape
    pairs = [(i, j) for i in range(n_coders) for j in range(i + 1, n_coders)]
    out: list[dict[tuple[int, int], Estimate]] = [{} for _ in range(n_codes)]
    if not pairs:
        return out
    ii = np.array([p[0] for p in pairs])
    jj = np.array([p[1] for p in pairs])
    total = rr[:, ii, jj]
    n11 = xx[:, ii, jj]
    row1 = xr[:, ii, jj]  # coder i applied, coder j rated
    col1 = xr[:, jj, ii]  # coder j applied, coder i rated
    agree = total - row1 - col1 + 2.0 * n11  # n00 + n11
    sums = np.stack([total, agree, total - row1, row1, total - col1, col1], axis=-1)
    make = registry.COHEN.make
    assert make is not None
    stat = make(registry.binary_design(n_coders))
    values, codes = stat.finalize(sums.reshape(-1, 6))
    values = values.reshape(n_codes, len(pairs))
    codes = codes.reshape(n_codes, len(pairs))
    for k in range(n_codes):
        out[k] = {
            p: to_estimate(stat, float(values[k, t]), int(codes[k, t])) for t, p in enumerate(pairs)
        }
    return out


def diagnostics(
    data: npt.ArrayLike,
    coder_names: Sequence[str] | None = None,
    min_units: int = MIN_UNITS,
) -> list[str]:
    """Warnings for one binary code matrix ``(coders, units)`` of 0/1/NaN.

    Lives beside :func:`binary_report`, which computes the counts the warnings
    read (:mod:`.diagnostics` holds the rules and imports nothing from here).
    """
    return binary_report(data, coder_names=coder_names, min_units=min_units)[0]["diagnostics"]
