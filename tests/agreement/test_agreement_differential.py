"""Differential tests against independent implementations.

Random reliability matrices (seeded numpy): 2-6 coders, 5-300 units, 2-5
categories, 0-30 % missing, with enough shared signal that coefficients are
spread over their range.  Tolerance 1e-9.

Convention differences (see docs/agreement.md):

* irrCAC ``fleiss()`` generalises Fleiss' kappa to missing ratings (Gwet's
  extension); ours is Fleiss' 1971 kappa on the units rated by every coder.
  They are compared on complete data only.
* irrCAC takes q (AC1, Brennan-Prediger) from the observed categories; ours
  defaults to max(2, observed), which is the same whenever >= 2 categories
  occur.  We pass irrCAC's q explicitly anyway.
* irrCAC ``krippendorff()`` with weights "quadratic" / "ratio" is the
  interval / ratio alpha (the weights are affine in the squared metric
  differences); its "ordinal" weights are rank based, not Krippendorff's
  marginal-frequency ordinal metric, so ordinal is checked against the
  ``krippendorff`` package only.
"""

from __future__ import annotations

import importlib.util
import os
import warnings
from pathlib import Path
from types import ModuleType

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss

from codebench.agreement import (
    binary_report,
    brennan_prediger,
    cohen_kappa,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha,
    percent_agreement,
)


def _load_oracle() -> ModuleType:
    # tests/ is not a package (pytest's importlib mode): load the sibling by path.
    spec = importlib.util.spec_from_file_location(
        "irrcac_oracle", Path(__file__).with_name("irrcac_oracle.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


irrcac_oracle = _load_oracle()
SEEDS = irrcac_oracle.SEEDS
random_matrix = irrcac_oracle.random_matrix
TOL = 1e-9
IRRCAC = irrcac_oracle.recorded()


@pytest.mark.parametrize("seed", SEEDS)
def test_alpha_matches_krippendorff_package(seed: int) -> None:
    for sub in range(4):
        data = random_matrix(1000 * seed + sub)
        for level in ("nominal", "ordinal", "interval", "ratio"):
            ours = krippendorff_alpha(data, level=level)  # type: ignore[arg-type]
            assert ours.value is not None
            theirs = krippendorff.alpha(data, level_of_measurement=level)
            assert ours.value == pytest.approx(theirs, abs=TOL), level


@pytest.mark.parametrize("seed", SEEDS)
def test_ac1_bp_alpha_match_irrcac(seed: int) -> None:
    data = random_matrix(seed)
    cac = IRRCAC["seeds"][str(seed)]
    q = cac["q"]
    assert gwet_ac1(data).value == pytest.approx(cac["gwet"], abs=TOL)
    assert gwet_ac1(data, n_categories=q).value == pytest.approx(cac["gwet"], abs=TOL)
    assert brennan_prediger(data, n_categories=q).value == pytest.approx(cac["bp"], abs=TOL)
    assert krippendorff_alpha(data).value == pytest.approx(cac["krippendorff"], abs=TOL)
    assert krippendorff_alpha(data, "interval").value == pytest.approx(
        cac["krippendorff_quadratic"], abs=TOL
    )
    assert krippendorff_alpha(data, "ratio").value == pytest.approx(
        cac["krippendorff_ratio"], abs=TOL
    )
    # irrCAC's p_a is our percent agreement.
    assert percent_agreement(data).value == pytest.approx(cac["pa"], abs=TOL)


def test_ac1_with_declared_unused_categories_matches_irrcac() -> None:
    declared = IRRCAC["unused_categories"]
    data = random_matrix(declared["seed"])
    cats = declared["categories"]
    assert cats == sorted(set(np.unique(data[~np.isnan(data)]).tolist()) | {9.0, 10.0})
    assert gwet_ac1(data, n_categories=len(cats)).value == pytest.approx(declared["gwet"], abs=TOL)
    assert brennan_prediger(data, n_categories=len(cats)).value == pytest.approx(
        declared["bp"], abs=TOL
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_fleiss_matches_statsmodels_and_irrcac_on_complete_data(seed: int) -> None:
    data = random_matrix(seed, missing=False)
    table, _ = aggregate_raters(data.T.astype(int))
    ours = fleiss_kappa(data)
    assert ours.value == pytest.approx(sm_fleiss(table, method="fleiss"), abs=TOL)
    assert ours.value == pytest.approx(IRRCAC["seeds"][str(seed)]["fleiss_complete"], abs=TOL)


@pytest.mark.oracle
def test_irrcac_fixture_matches_live_irrcac() -> None:
    """The recorded irrCAC values are what irrCAC computes today (oracle job)."""
    if importlib.util.find_spec("irrCAC") is None:
        if os.environ.get("CODEBENCH_ORACLE") == "1":
            pytest.fail(
                "CODEBENCH_ORACLE=1 but irrCAC is not installed (pip install -e '.[oracle]')"
            )
        pytest.skip(
            "irrCAC not installed: install the 'oracle' extra to re-check irrcac_values.json"
        )
    live = irrcac_oracle.compute()
    stored = irrcac_oracle.recorded()
    assert live["unused_categories"]["categories"] == stored["unused_categories"]["categories"]
    for seed, values in stored["seeds"].items():
        for key, value in values.items():
            assert live["seeds"][seed][key] == pytest.approx(value, abs=1e-12), (seed, key)
    for key in ("gwet", "bp"):
        assert live["unused_categories"][key] == pytest.approx(
            stored["unused_categories"][key], abs=1e-12
        )


@pytest.mark.parametrize("seed", SEEDS)
def test_fleiss_with_missing_equals_statsmodels_on_complete_units(seed: int) -> None:
    data = random_matrix(seed)
    complete = data[:, ~np.isnan(data).any(axis=0)]
    ours = fleiss_kappa(data)
    if complete.shape[1] == 0 or len(np.unique(complete)) < 2:
        assert ours.value is None
        return
    table, _ = aggregate_raters(complete.T.astype(int))
    assert ours.value == pytest.approx(sm_fleiss(table, method="fleiss"), abs=TOL)


@pytest.mark.parametrize("seed", SEEDS)
def test_cohen_matches_sklearn(seed: int) -> None:
    data = random_matrix(seed)
    for i in range(data.shape[0]):
        for j in range(i + 1, data.shape[0]):
            a, b = data[i], data[j]
            both = ~np.isnan(a) & ~np.isnan(b)
            ours = cohen_kappa(a, b)
            if both.sum() == 0:
                assert ours.value is None
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                theirs = cohen_kappa_score(a[both], b[both])
            if np.isnan(theirs):  # sklearn: 0/0 when p_e == 1
                assert ours.value is None
            else:
                assert ours.value == pytest.approx(theirs, abs=TOL)


def random_binary(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    codes, coders, units = (
        int(rng.integers(1, 6)),
        int(rng.integers(2, 7)),
        int(rng.integers(5, 301)),
    )
    prevalence = rng.uniform(0.0, 0.5, size=(codes, 1, 1))
    truth = rng.random((codes, 1, units)) < prevalence
    flips = rng.random((codes, coders, units)) < rng.uniform(0.0, 0.3)
    data = (truth ^ flips).astype(float)
    data[rng.random(data.shape) < rng.uniform(0.0, 0.3)] = np.nan
    if codes > 1:
        data[0] = np.where(np.isnan(data[0]), np.nan, 0.0)  # a code nobody used
    return data


def same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) <= TOL


@pytest.mark.parametrize("seed", SEEDS)
def test_binary_report_equals_single_functions(seed: int) -> None:
    data = random_binary(seed)
    for k, rep in enumerate(binary_report(data)):
        x = data[k]
        assert same(rep["percent_agreement"].value, percent_agreement(x).value)
        assert same(rep["krippendorff_alpha"].value, krippendorff_alpha(x).value)
        assert same(rep["fleiss_kappa"].value, fleiss_kappa(x).value)
        assert same(rep["gwet_ac1"].value, gwet_ac1(x, n_categories=2).value)
        assert same(rep["brennan_prediger"].value, brennan_prediger(x, n_categories=2).value)
        assert rep["fleiss_kappa"].reason == fleiss_kappa(x).reason
        assert rep["krippendorff_alpha"].reason == krippendorff_alpha(x).reason
        for (i, j), est in rep["cohen_kappa"].items():
            single = cohen_kappa(x[i], x[j])
            assert same(est.value, single.value)
            assert est.reason == single.reason
        rated = ~np.isnan(x)
        assert rep["n_ratings"] == int(rated.sum())
        assert rep["n_applied"] == int((x == 1).sum())
        assert rep["n_pairable_units"] == int((rated.sum(axis=0) >= 2).sum())
        assert rep["n_complete_units"] == int(rated.all(axis=0).sum())
        assert rep["rated_by_coder"] == rated.sum(axis=1).tolist()
        assert rep["applied_by_coder"] == (x == 1).sum(axis=1).tolist()
        # And against the independent implementations directly.
        if rep["krippendorff_alpha"].value is not None:
            assert rep["krippendorff_alpha"].value == pytest.approx(
                krippendorff.alpha(x, level_of_measurement="nominal"), abs=TOL
            )
