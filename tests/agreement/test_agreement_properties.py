"""Hypothesis properties every coefficient must satisfy."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from codebench.agreement import (
    Estimate,
    binary_report,
    bootstrap_ci,
    brennan_prediger,
    cohen_kappa,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha,
    percent_agreement,
)

EPS = 1e-9

VALUES = st.sampled_from([0.0, 1.0, 2.0, 3.0, np.nan])
matrices = arrays(
    np.float64,
    shape=st.tuples(st.integers(1, 5), st.integers(1, 30)),
    elements=VALUES,
)

MULTI: dict[str, Callable[[np.ndarray], Estimate]] = {
    "percent": percent_agreement,
    "fleiss": fleiss_kappa,
    "alpha_nominal": lambda d: krippendorff_alpha(d, "nominal"),
    "alpha_ordinal": lambda d: krippendorff_alpha(d, "ordinal"),
    "alpha_interval": lambda d: krippendorff_alpha(d, "interval"),
    "alpha_ratio": lambda d: krippendorff_alpha(d, "ratio"),
    "ac1": gwet_ac1,
    "bp": brennan_prediger,
}


def close(a: Estimate, b: Estimate) -> bool:
    if a.value is None or b.value is None:
        return a.value is None and b.value is None and a.reason == b.reason
    return abs(a.value - b.value) <= EPS


@settings(max_examples=80, deadline=None)
@given(row=arrays(np.float64, st.integers(1, 30), elements=VALUES), coders=st.integers(2, 5))
def test_identical_coders_give_one_where_defined(row: np.ndarray, coders: int) -> None:
    data = np.tile(row, (coders, 1))
    for name, fn in MULTI.items():
        est = fn(data)
        if est.value is not None:
            assert abs(est.value - 1.0) <= EPS, name
        else:
            assert est.reason, name
    kappa = cohen_kappa(row, row)
    assert kappa.value is None or abs(kappa.value - 1.0) <= EPS


@settings(max_examples=80, deadline=None)
@given(data=matrices, seed=st.integers(0, 2**32 - 1))
def test_permuting_coders_or_units_changes_nothing(data: np.ndarray, seed: int) -> None:
    rng = np.random.default_rng(seed)
    by_coder = data[rng.permutation(data.shape[0])]
    by_unit = data[:, rng.permutation(data.shape[1])]
    for name, fn in MULTI.items():
        base = fn(data)
        assert close(base, fn(by_coder)), name
        assert close(base, fn(by_unit)), name
    if data.shape[0] >= 2:
        assert close(cohen_kappa(data[0], data[1]), cohen_kappa(data[1], data[0]))


@settings(max_examples=80, deadline=None)
@given(data=matrices)
def test_bounds(data: np.ndarray) -> None:
    pct = percent_agreement(data).value
    assert pct is None or -EPS <= pct <= 1 + EPS
    for name in (
        "fleiss",
        "alpha_nominal",
        "alpha_ordinal",
        "alpha_interval",
        "alpha_ratio",
        "ac1",
    ):
        value = MULTI[name](data).value
        assert value is None or value <= 1 + EPS, name
    bp = brennan_prediger(data)
    if bp.value is not None:
        q = max(2, len(np.unique(data[~np.isnan(data)])))
        assert -1 / (q - 1) - EPS <= bp.value <= 1 + EPS
    if data.shape[0] >= 2:
        kappa = cohen_kappa(data[0], data[1]).value
        assert kappa is None or -1 - EPS <= kappa <= 1 + EPS


binary = arrays(
    np.float64,
    shape=st.tuples(st.integers(1, 3), st.integers(2, 5), st.integers(1, 25)),
    elements=st.sampled_from([0.0, 1.0, np.nan]),
)


@settings(max_examples=60, deadline=None)
@given(data=binary)
def test_batch_equals_single_functions(data: np.ndarray) -> None:
    for k, rep in enumerate(binary_report(data)):
        x = data[k]
        assert close(rep["percent_agreement"], percent_agreement(x))
        assert close(rep["krippendorff_alpha"], krippendorff_alpha(x))
        assert close(rep["fleiss_kappa"], fleiss_kappa(x))
        assert close(rep["gwet_ac1"], gwet_ac1(x, n_categories=2))
        assert close(rep["brennan_prediger"], brennan_prediger(x, n_categories=2))
        for (i, j), est in rep["cohen_kappa"].items():
            assert close(est, cohen_kappa(x[i], x[j]))


@settings(max_examples=40, deadline=None)
@given(
    data=matrices,
    seed=st.integers(0, 10_000),
    name=st.sampled_from(["alpha", "ac1", "fleiss", "bp", "percent"]),
)
def test_bootstrap_interval_is_ordered_and_reproducible(
    data: np.ndarray, seed: int, name: str
) -> None:
    first = bootstrap_ci(name, data, n=200, seed=seed)
    second = bootstrap_ci(name, data, n=200, seed=seed)
    assert first == second
    if first is not None:
        assert first.low <= first.high
        assert 1 <= first.n_valid <= first.n_requested == 200
