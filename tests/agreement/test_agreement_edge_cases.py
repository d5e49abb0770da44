"""Undefined cases, input validation, bootstrap, diagnostics and set-valued alpha."""

from __future__ import annotations

import functools
import itertools
import time

import krippendorff
import numpy as np
import pytest

from codebench.agreement import (
    Estimate,
    Interval,
    _stats,
    binary_report,
    bootstrap_ci,
    brennan_prediger,
    cohen_kappa,
    diagnostics,
    fleiss_kappa,
    gwet_ac1,
    jaccard_distance,
    krippendorff_alpha,
    masi_distance,
    percent_agreement,
    replicate_values,
    set_alpha,
)
from codebench.agreement._encode import count_patterns

nan = np.nan


# --- undefined coefficients ------------------------------------------------


def test_no_variation_is_undefined_not_one() -> None:
    data = np.ones((3, 10))
    for level in ("nominal", "ordinal", "interval", "ratio"):
        est = krippendorff_alpha(data, level)  # type: ignore[arg-type]
        assert est == Estimate(None, "no variation: every rating is the same category")
    assert fleiss_kappa(data).value is None
    assert "no variation" in (fleiss_kappa(data).reason or "")
    kappa = cohen_kappa(data[0], data[1])
    assert kappa.value is None and "chance agreement is 1" in (kappa.reason or "")
    # Raw agreement and the fixed-chance coefficients are defined (and 1).
    assert percent_agreement(data).value == 1.0
    assert brennan_prediger(data).value == 1.0
    assert gwet_ac1(data).value == 1.0


def test_variation_only_in_unpairable_units_is_still_no_variation() -> None:
    data = np.array([[1, 1, 2, nan], [1, 1, nan, 3]], dtype=float)
    assert krippendorff_alpha(data).reason == "no variation: every rating is the same category"


def test_no_pairable_units() -> None:
    data = np.array([[1, nan, 2], [nan, 0, nan]], dtype=float)
    for fn in (percent_agreement, krippendorff_alpha, gwet_ac1, brennan_prediger):
        est = fn(data)
        assert est.value is None and est.reason == "no unit was rated by two or more coders"
    assert fleiss_kappa(data).value is None
    assert cohen_kappa(data[0], data[1]).reason == "no unit was rated by both coders"


def test_all_missing_and_empty() -> None:
    for data in (np.full((3, 4), nan), np.zeros((3, 0))):
        assert krippendorff_alpha(data).value is None
        assert percent_agreement(data).value is None
        assert fleiss_kappa(data).value is None
        assert gwet_ac1(data).value is None


def test_single_coder() -> None:
    data = np.array([[0, 1, 1, 0]], dtype=float)
    assert krippendorff_alpha(data).value is None
    assert fleiss_kappa(data).reason == "Fleiss' kappa needs at least two coders"


def test_fleiss_note_counts_left_out_units() -> None:
    data = np.array([[0, 1, 1, 0, 1], [0, 1, 0, 0, nan], [0, 1, 1, nan, nan]])
    est = fleiss_kappa(data)
    assert est.value is not None
    assert est.note == "used 3 units rated by all coders; left out 2"


def test_input_validation() -> None:
    with pytest.raises(ValueError):
        krippendorff_alpha(np.zeros(4))
    with pytest.raises(ValueError):
        krippendorff_alpha(np.array([[1.0, np.inf], [1.0, 2.0]]))
    with pytest.raises(ValueError):
        krippendorff_alpha(np.ones((2, 3)), level="bogus")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        cohen_kappa([1, 2, 3], [1, 2])
    with pytest.raises(ValueError):
        gwet_ac1(np.array([[1, 2, 3], [1, 2, 3]], dtype=float), n_categories=2)
    with pytest.raises(ValueError):
        binary_report(np.array([[[0, 2], [1, 0]]], dtype=float))


def test_non_integer_and_negative_labels() -> None:
    data = np.array([[0.5, -1.0, 2.25, 0.5, nan], [0.5, -1.0, 2.0, 0.25, 7.5]])
    for level in ("nominal", "ordinal", "interval"):
        ours = krippendorff_alpha(data, level)  # type: ignore[arg-type]
        assert ours.value == pytest.approx(
            krippendorff.alpha(data, level_of_measurement=level), abs=1e-12
        )


def test_estimate_float_conversion() -> None:
    assert float(Estimate(0.5)) == 0.5
    assert np.isnan(float(Estimate(None, "x")))
    assert Estimate(0.5).defined and not Estimate(None, "x").defined


# --- bootstrap ---------------------------------------------------------------


def binary_matrix(coders: int, units: int, seed: int, prevalence: float = 0.2) -> np.ndarray:
    rng = np.random.default_rng(seed)
    truth = rng.random(units) < prevalence
    data = (truth[None, :] ^ (rng.random((coders, units)) < 0.1)).astype(float)
    data[rng.random(data.shape) < 0.05] = nan
    return data


def test_weighted_sums_equal_statistic_on_resampled_units() -> None:
    """W @ features, the bootstrap's shortcut, equals the coefficient computed on
    the data rebuilt from the resampled unit patterns."""
    data = np.array(
        [
            [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
            [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
            [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
            [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
        ]
    )
    enc = count_patterns(data)
    patterns = enc.counts
    rng = np.random.default_rng(3)
    for _ in range(20):
        weights = rng.integers(0, 4, size=patterns.shape[0])
        columns = []
        for pattern, w in zip(patterns, weights):
            ratings = np.repeat(enc.categories, pattern)
            column = np.full(data.shape[0], nan)
            column[: ratings.size] = ratings
            columns += [column] * int(w)
        rebuilt = np.array(columns).T if columns else np.zeros((data.shape[0], 0))
        for level in ("nominal", "ordinal", "interval", "ratio"):
            stat = _stats.KrippendorffAlpha(level, enc.categories)
            values, codes = stat.finalize(weights[None, :].astype(float) @ stat.features(patterns))
            direct = krippendorff_alpha(rebuilt, level)  # type: ignore[arg-type]
            if direct.value is None:
                assert codes[0] != 0
            else:
                assert values[0] == pytest.approx(direct.value, abs=1e-12)
        stat = _stats.GwetAC1(5)
        values, _ = stat.finalize(weights[None, :].astype(float) @ stat.features(patterns))
        direct = gwet_ac1(rebuilt, n_categories=5)
        assert direct.value is None or values[0] == pytest.approx(direct.value, abs=1e-12)


def test_fast_bootstrap_matches_naive_column_resampling_in_distribution() -> None:
    data = binary_matrix(3, 150, seed=11)
    data = data[:, ~np.isnan(data).any(axis=0)]  # complete: both paths resample the same units
    fast = replicate_values(krippendorff_alpha, data, n=2000, seed=1)
    naive = replicate_values(lambda d: krippendorff_alpha(d), data, n=2000, seed=2)
    assert np.nanmean(fast) == pytest.approx(np.nanmean(naive), abs=0.01)
    assert np.nanstd(fast) == pytest.approx(np.nanstd(naive), rel=0.12)


def test_bootstrap_interface() -> None:
    data = binary_matrix(4, 400, seed=5)
    ci = bootstrap_ci(krippendorff_alpha, data, n=500, seed=42)
    assert isinstance(ci, Interval)
    low, high = ci
    est = krippendorff_alpha(data).value
    assert est is not None and low <= est <= high
    assert ci == bootstrap_ci("alpha", data, n=500, seed=42)
    assert ci.n_valid == 500 and ci.n_skipped == 0 and ci.level == 0.95
    narrow = bootstrap_ci("alpha", data, n=500, seed=42, level=0.5)
    assert narrow is not None and low <= narrow.low <= narrow.high <= high
    ordinal = bootstrap_ci(
        functools.partial(krippendorff_alpha, level="ordinal"), data, n=200, seed=1
    )
    assert ordinal is not None
    kappa = bootstrap_ci(cohen_kappa, data[:2], n=200, seed=1)
    assert (
        kappa is not None and kappa.low <= (cohen_kappa(data[0], data[1]).value or 0) <= kappa.high
    )
    for name in ("fleiss", "ac1", "bp", "percent"):
        assert bootstrap_ci(name, data, n=100, seed=0) is not None
    with pytest.raises(ValueError):
        bootstrap_ci("nope", data)
    with pytest.raises(ValueError):
        bootstrap_ci("alpha", data, level=1.5)


def test_bootstrap_skips_undefined_replicates() -> None:
    # One disagreeing unit among many agreeing ones: resamples without it have
    # no variation.
    data = np.zeros((2, 30))
    data[:, 0] = [1, 1]
    ci = bootstrap_ci("alpha", data, n=400, seed=0)
    assert ci is not None and 0 < ci.n_valid < 400
    assert bootstrap_ci("alpha", np.ones((2, 10)), n=50, seed=0) is None


def test_bootstrap_is_fast_on_large_matrix() -> None:
    data = binary_matrix(5, 200_000, seed=1, prevalence=0.1)
    start = time.perf_counter()
    ci = bootstrap_ci(krippendorff_alpha, data, n=1000, seed=0)
    assert time.perf_counter() - start < 2.0
    assert ci is not None and ci.n_valid == 1000


# --- batch report and diagnostics --------------------------------------------


def test_binary_report_labels_and_counts() -> None:
    data = np.stack([binary_matrix(3, 60, seed=s) for s in range(2)])
    reports = binary_report(data, codes=["trust", "fear"], coder_names=["Ann", "Bo", "Cy"])
    assert [r["code"] for r in reports] == ["trust", "fear"]
    assert set(reports[0]["cohen_kappa"]) == {(0, 1), (0, 2), (1, 2)}
    assert reports[0]["n_units"] == 60
    assert 0 < (reports[0]["prevalence"] or 0) < 1


def test_diagnostics_messages() -> None:
    unused = np.zeros((3, 50))
    msgs = diagnostics(unused)
    assert any("No coder applied this code" in m for m in msgs)

    few = binary_matrix(2, 10, seed=3, prevalence=0.5)
    assert any("fewer than 30" in m for m in diagnostics(few))

    lazy = binary_matrix(3, 100, seed=4, prevalence=0.3)
    lazy[2] = np.where(np.isnan(lazy[2]), nan, 0.0)
    msgs = diagnostics(lazy, coder_names=["Ann", "Bo", "Cy"])
    assert any(m.startswith("Cy never applied this code") for m in msgs)

    # Rare code, coders agree on all but a few units: kappa paradox.
    rare = np.zeros((2, 200))
    rare[0, :3] = 1
    rare[1, 3:6] = 1
    rare[:, 6] = 1
    msgs = diagnostics(rare)
    assert any(m.startswith("Extreme prevalence") for m in msgs)
    assert any(m.startswith("Kappa paradox") for m in msgs)

    fine = binary_matrix(3, 300, seed=9, prevalence=0.4)
    assert diagnostics(fine) == []


def test_diagnostics_coder_without_ratings() -> None:
    data = binary_matrix(3, 60, seed=2, prevalence=0.4)
    data[1] = nan
    assert any("Coder 2 rated no unit" in m for m in diagnostics(data))


# --- set-valued alpha --------------------------------------------------------


def test_masi_and_jaccard_distances() -> None:
    a, ab, bc, c = frozenset("a"), frozenset("ab"), frozenset("bc"), frozenset("c")
    assert masi_distance(ab, ab) == 0.0
    assert masi_distance(a, ab) == pytest.approx(1 - 0.5 * 2 / 3)  # subset
    assert masi_distance(ab, bc) == pytest.approx(1 - (1 / 3) * (1 / 3))  # overlap
    assert masi_distance(a, c) == 1.0  # disjoint
    assert masi_distance(frozenset(), frozenset()) == 0.0
    assert jaccard_distance(ab, bc) == pytest.approx(2 / 3)
    assert jaccard_distance(frozenset(), frozenset()) == 0.0
    assert jaccard_distance(frozenset(), a) == 1.0


def brute_force_set_alpha(units: list[list[frozenset[str] | None]], dist) -> float:  # type: ignore[no-untyped-def]
    """Krippendorff's definition spelled out with explicit pairs."""
    pairable = [[v for v in u if v is not None] for u in units]
    pairable = [u for u in pairable if len(u) >= 2]
    values = [v for u in pairable for v in u]
    n = len(values)
    d_o = (
        sum(
            dist(u[i], u[j]) / (len(u) - 1)
            for u in pairable
            for i, j in itertools.permutations(range(len(u)), 2)
        )
        / n
    )
    d_e = sum(dist(values[i], values[j]) for i, j in itertools.permutations(range(n), 2)) / (
        n * (n - 1)
    )
    return 1 - d_o / d_e


def random_set_units(seed: int) -> list[list[frozenset[str] | None]]:
    rng = np.random.default_rng(seed)
    codes = list("abcd")
    units = []
    for _ in range(int(rng.integers(3, 25))):
        base = frozenset(c for c in codes if rng.random() < 0.4)
        unit: list[frozenset[str] | None] = []
        for _ in range(int(rng.integers(1, 5))):
            if rng.random() < 0.15:
                unit.append(None)
            elif rng.random() < 0.6:
                unit.append(base)
            else:
                unit.append(frozenset(c for c in codes if rng.random() < 0.4))
        units.append(unit)
    return units


@pytest.mark.parametrize("seed", range(15))
def test_set_alpha_matches_brute_force(seed: int) -> None:
    units = random_set_units(seed)
    for name, dist in (("masi", masi_distance), ("jaccard", jaccard_distance)):
        est = set_alpha(units, distance=name)  # type: ignore[arg-type]
        if est.value is None:
            continue
        assert est.value == pytest.approx(brute_force_set_alpha(units, dist), abs=1e-12)


def test_set_alpha_with_singletons_is_nominal_alpha() -> None:
    data = np.array(
        [
            [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
            [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
            [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
            [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
        ]
    )
    grid = np.empty(data.shape, dtype=object)
    for idx, v in np.ndenumerate(data):
        grid[idx] = None if np.isnan(v) else frozenset({int(v)})
    expected = krippendorff_alpha(data).value
    assert set_alpha(grid, "masi").value == pytest.approx(expected, abs=1e-12)
    assert set_alpha(grid, "jaccard").value == pytest.approx(expected, abs=1e-12)
    # list-per-unit input is the transpose of the (coders, units) array
    assert set_alpha(grid.T.tolist(), "masi").value == pytest.approx(expected, abs=1e-12)


def test_set_alpha_undefined_and_perfect() -> None:
    same = [[{"a", "b"}, {"a", "b"}], [{"a", "b"}, {"b", "a"}, None]]
    assert set_alpha(same).reason == "no variation: every rating is the same category"
    assert (
        set_alpha([[{"a"}, None], [None, {"b"}]]).reason
        == "no unit was rated by two or more coders"
    )
    perfect = [[{"a"}, {"a"}], [set(), set()], [{"a", "b"}, {"a", "b"}]]
    assert set_alpha(perfect).value == pytest.approx(1.0)
    with pytest.raises(TypeError):
        set_alpha([["a", "b"]])
    with pytest.raises(ValueError):
        set_alpha(same, distance="cosine")  # type: ignore[arg-type]


def test_diagnostics_all_missing_says_one_thing() -> None:
    assert diagnostics(np.full((3, 10), nan)) == [
        "No unit was rated by two or more coders, so agreement cannot be assessed."
    ]


def test_percent_agreement_of_two_coders_is_observed_agreement() -> None:
    data = binary_matrix(2, 200, seed=8)
    both = ~np.isnan(data).any(axis=0)
    expected = float(np.mean(data[0, both] == data[1, both]))
    assert percent_agreement(data).value == pytest.approx(expected, abs=1e-12)


def test_batch_fleiss_note_matches_single() -> None:
    data = binary_matrix(3, 80, seed=6)
    report = binary_report(data)[0]
    single = fleiss_kappa(data)
    assert report["fleiss_kappa"].value == pytest.approx(single.value, abs=1e-12)
    assert single.note is not None and report["fleiss_kappa"].note == single.note
