"""The fast paths of the agreement report equal straightforward reference implementations.

Set-valued alpha computes its expected disagreement from subset counts
(binomial moments) instead of visiting every pair of distinct code sets, the
report reads the ratings once into bit masks (``rating_planes``) and its
per-transcript pattern tables from them, confusions come from rating bit
masks, and extraction counts segment ends from a bucket table instead of a
binary search.  Each is checked here against code written the plain
way on seeded random data, including missing ratings, units with a single
rating, and undefined cases.
"""

from __future__ import annotations

from itertools import combinations, pairwise

import numpy as np
import pytest

from codebench.agreement import weighted
from codebench.agreement.batch import assemble_reports
from codebench.agreement.estimate import NO_PAIRABLE, NO_VARIATION
from codebench.agreement.planes import rating_planes
from codebench.agreement.reliability_data import (
    Units,
    atoms_starting_before,
    ends_at_or_before,
    merge_intervals,
)
from codebench.agreement.report import (
    AloneBits,
    _confused_units,
    _directed_confusions,
    _overall_diagnostics,
    build_report,
)
from codebench.agreement.sets import set_alpha
from codebench.agreement.weighted import (
    _cluster_tables_by_pattern,
    _cluster_tables_by_unit,
    _expected_dense,
    _expected_disagreement,
    _intersection_histogram,
    binary_set_alpha,
    cluster_tables,
    rating_bits,
    set_alphas,
    weighted_binary_report,
)
from codebench.models import Code, Coder, Transcript


def random_ratings(
    rng: np.random.Generator, n_codes: int, n_coders: int, n_units: int, missing: float = 0.2
) -> np.ndarray:
    """(codes, coders, units) 0/1/NaN: code prevalence varies, a missing rating is NaN in every code."""
    prevalence = rng.uniform(0.05, 0.6, size=(n_codes, 1, 1))
    data = (rng.random((n_codes, n_coders, n_units)) < prevalence).astype(np.float64)
    data[:, rng.random((n_coders, n_units)) < missing] = np.nan
    return data


def as_sets(data: np.ndarray) -> list[list[frozenset[int] | None]]:
    """The same ratings as units of coders' code sets (None where not rated), for ``set_alpha``."""
    _, n_coders, n_units = data.shape
    return [
        [
            None
            if np.isnan(data[:, k, u]).any()
            else frozenset(int(c) for c in np.flatnonzero(data[:, k, u] == 1.0))
            for k in range(n_coders)
        ]
        for u in range(n_units)
    ]


def brute_histogram(table: np.ndarray, n_c: np.ndarray) -> np.ndarray:
    """``H[col, |a|, |b|, |a & b|]`` by visiting every ordered pair of sets."""
    side = int(table.sum(axis=1).max()) + 1
    out = np.zeros((n_c.shape[1], side, side, side), dtype=n_c.dtype)
    size = table.sum(axis=1)
    for a in range(table.shape[0]):
        for b in range(table.shape[0]):
            inter = int((table[a] & table[b]).sum())
            out[:, size[a], size[b], inter] += n_c[a] * n_c[b]
    return out


@pytest.mark.parametrize("seed", range(8))
def test_intersection_histogram_counts_every_pair(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_codes = int(rng.integers(1, 10))
    table = np.unique(rng.random((int(rng.integers(2, 120)), n_codes)) < rng.random(), axis=0)
    n_c = rng.integers(0, 7, size=(table.shape[0], 3)).astype(np.float64)
    n_c[rng.random(table.shape[0]) < 0.3, 1] = 0.0  # a column that lacks some sets
    got = _intersection_histogram(table, n_c)
    if got is None:  # more subsets than pairs: the dense path is the cheaper one
        assert (2 ** table.sum(axis=1)).sum() > table.shape[0] ** 2
        return
    np.testing.assert_array_equal(got, brute_histogram(table, n_c))


@pytest.mark.parametrize("seed", range(6))
def test_intersection_histogram_of_many_sparse_columns(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Columns with few sets (transcripts) are counted in batches: every batch size, empty columns."""
    rng = np.random.default_rng(300 + seed)
    n_codes = int(rng.integers(3, 10))
    table = np.unique(rng.random((int(rng.integers(40, 200)), n_codes)) < 0.4, axis=0)
    n_cols = int(rng.integers(5, 30))
    n_c = np.zeros((table.shape[0], n_cols))
    for col in range(n_cols):  # a few sets each (sparse), some columns empty, one dense
        picked = rng.choice(table.shape[0], size=int(rng.integers(0, table.shape[0] // 5)))
        n_c[picked, col] = rng.integers(1, 9, size=picked.size)
    n_c[:, 0] = rng.integers(0, 3, size=table.shape[0])
    large = seed % 3 == 2  # counts past 2**53 / C(top, top/2): the int64 moments
    if large:
        n_c *= 2.0**24
    monkeypatch.setattr(weighted, "_CHUNK", int(rng.integers(1, 400)))  # many batches
    got = _intersection_histogram(table, n_c)
    assert got is not None
    want = brute_histogram(table, np.rint(n_c).astype(np.int64).astype(object))
    if large:
        np.testing.assert_allclose(got, want.astype(np.float64), rtol=1e-15)
    else:
        np.testing.assert_array_equal(got, want.astype(np.float64))


def test_intersection_histogram_declines_what_it_cannot_count_exactly() -> None:
    table = np.array([[1, 0, 1], [0, 1, 1], [1, 1, 1], [0, 0, 0]], dtype=bool)
    assert _intersection_histogram(table, np.full((4, 1), 0.5)) is None  # not whole counts
    assert _intersection_histogram(table, np.full((4, 1), 2.0**30)) is None  # total**2 > 2**63
    wide = np.zeros((2, 70), dtype=bool)
    wide[0, 65] = True
    assert _intersection_histogram(wide, np.ones((2, 1))) is None  # more than 62 codes
    # ... and the expected disagreement still comes out, by visiting the pairs.
    n_c = np.full((4, 1), 2.0**30)
    np.testing.assert_allclose(
        _expected_disagreement(table, n_c, ("masi",)), _expected_dense(table, n_c, ("masi",))
    )


@pytest.mark.parametrize("largest", [3_000_000, 40_000_000])
def test_large_weights_use_integer_moments(largest: int) -> None:
    """Character units weigh ratings by millions of characters: past 2**53 the moments are int64.

    With the larger weights intermediate moments overflow int64; the counts
    still come out exact (wrap-around arithmetic, and they are below 2**63).
    """
    rng = np.random.default_rng(9)
    table = np.unique(rng.random((60, 6)) < 0.4, axis=0)
    n_c = rng.integers(0, largest, size=(table.shape[0], 2)).astype(np.float64)
    n_c[: table.shape[0] // 2, 1] = 0.0
    total = n_c.sum(axis=0).max()
    assert total**2 * 20 >= 2.0**53 and total**2 < 2.0**63
    got = _intersection_histogram(table, n_c)
    assert got is not None
    want = brute_histogram(table, np.rint(n_c).astype(np.int64).astype(object))  # exact integers
    # The counts are exact; only their final conversion to float64 rounds (past 2**53).
    np.testing.assert_allclose(got, want.astype(np.float64), rtol=1e-15)
    np.testing.assert_allclose(
        _expected_disagreement(table, n_c, ("masi", "jaccard")),
        _expected_dense(table, n_c, ("masi", "jaccard")),
        rtol=1e-12,
    )


def test_dense_fallback_per_column_equals_the_whole_pass() -> None:
    rng = np.random.default_rng(4)
    table = np.unique(rng.random((80, 7)) < 0.5, axis=0)
    n_c = rng.integers(1, 9, size=(table.shape[0], 3)).astype(np.float64) * 2.0**30
    n_c[5:, 1] = 0.0  # a sparse column: visited among its own sets
    assert _intersection_histogram(table, n_c) is None
    np.testing.assert_allclose(
        _expected_disagreement(table, n_c, ("masi",)),
        _expected_dense(table, n_c, ("masi",)),
        rtol=1e-12,
    )


@pytest.mark.parametrize("seed", range(10))
def test_expected_disagreement_equals_the_pairwise_sum(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    n_codes = int(rng.integers(2, 12))
    table = np.unique(rng.random((int(rng.integers(20, 300)), n_codes)) < 0.3, axis=0)
    n_c = rng.integers(0, 50, size=(table.shape[0], 4)).astype(np.float64)
    assert _intersection_histogram(table, n_c) is not None
    got = _expected_disagreement(table, n_c, ("masi", "jaccard"))
    np.testing.assert_allclose(got, _expected_dense(table, n_c, ("masi", "jaccard")), rtol=1e-13)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("distance", ["masi", "jaccard"])
def test_set_alpha_equals_the_plain_implementation(seed: int, distance: str) -> None:
    rng = np.random.default_rng(seed)
    n_coders = int(rng.integers(2, 5))
    data = random_ratings(rng, int(rng.integers(1, 9)), n_coders, int(rng.integers(5, 150)))
    data[:, 1:, 0] = np.nan  # a unit with a single rating: it does not enter alpha
    ours = binary_set_alpha(data, distance=distance)  # type: ignore[arg-type]
    plain = set_alpha(as_sets(data), distance=distance)  # type: ignore[arg-type]
    assert (ours.value is None) == (plain.value is None)
    if plain.value is None:
        assert ours.reason == plain.reason
    else:
        assert ours.value == pytest.approx(plain.value, abs=1e-12)


def test_set_alpha_undefined_cases() -> None:
    lonely = np.full((3, 2, 4), np.nan)
    lonely[:, 0, :] = 1.0  # only one coder ever rated: nothing pairable
    assert binary_set_alpha(lonely).reason == NO_PAIRABLE
    same = np.zeros((3, 2, 4))
    same[1] = 1.0  # everyone always gives {code 1}
    assert binary_set_alpha(same).reason == NO_VARIATION
    assert set_alpha(as_sets(same)).reason == NO_VARIATION


def test_set_alphas_of_unit_ranges_and_coder_groups_equal_separate_calls() -> None:
    rng = np.random.default_rng(7)
    data = random_ratings(rng, 6, 4, 240)
    weights = rng.integers(0, 5, size=240)
    ranges = [slice(0, 1), slice(1, 90), slice(90, 240), np.array([3, 5, 200, 201])]
    columns = [((0, 1, 2, 3), None), ((1, 3), None), ((2,), None)]
    columns += [((0, 1, 2, 3), r) for r in ranges]
    got = set_alphas(data, weights, columns, ("masi", "jaccard"))
    for (group, sel), result in zip(columns, got):
        units = slice(None) if sel is None else sel
        for distance in ("masi", "jaccard"):
            alone = binary_set_alpha(
                data[:, list(group)][:, :, units],
                weights[units],
                distance,  # type: ignore[arg-type]
            )
            assert result[distance].reason == alone.reason
            if alone.value is not None:
                assert result[distance].value == pytest.approx(alone.value, abs=1e-12)
    assert got[2]["masi"].reason == NO_PAIRABLE  # one coder


@pytest.mark.parametrize("seed", range(5))
def test_set_alphas_of_many_disjoint_ranges_equal_separate_calls(seed: int) -> None:
    """Disjoint ranges of one group share one bincount; overlapping ones, other groups and index arrays do not."""
    rng = np.random.default_rng(300 + seed)
    n_units = int(rng.integers(40, 200))
    data = random_ratings(rng, int(rng.integers(2, 7)), int(rng.integers(2, 5)), n_units)
    weights = rng.integers(0, 4, size=n_units) if seed % 2 else None
    cuts = np.unique(np.concatenate([[0, n_units], rng.integers(0, n_units, size=6)]))
    everyone = tuple(range(data.shape[1]))
    ranges: list[slice | np.ndarray | None] = [slice(int(lo), int(hi)) for lo, hi in pairwise(cuts)]
    ranges += [None, slice(0, n_units // 2), slice(3, 3), rng.choice(n_units, 9, replace=False)]
    columns = [(everyone, r) for r in ranges] + [((0, 1), r) for r in ranges[:3]]
    got = set_alphas(data, weights, columns, ("masi", "jaccard"))
    for (group, sel), result in zip(columns, got):
        units = slice(None) if sel is None else sel
        w = None if weights is None else weights[units]
        for distance in ("masi", "jaccard"):
            alone = binary_set_alpha(
                data[:, list(group)][:, :, units],
                w,
                distance,  # type: ignore[arg-type]
            )
            assert result[distance].reason == alone.reason
            if alone.value is None:
                assert result[distance].value is None
            else:
                assert result[distance].value == pytest.approx(alone.value, abs=1e-12)


def test_weighted_set_alpha_equals_the_expanded_units() -> None:
    rng = np.random.default_rng(3)
    data = random_ratings(rng, 5, 3, 80)
    weights = rng.integers(0, 4, size=80)
    expanded = np.repeat(data, weights, axis=2)
    for distance in ("masi", "jaccard"):
        ours = binary_set_alpha(data, weights, distance)  # type: ignore[arg-type]
        plain = set_alpha(as_sets(expanded), distance)  # type: ignore[arg-type]
        assert ours.value == pytest.approx(plain.value, abs=1e-12)


def plain_confusions(data: np.ndarray, weights: np.ndarray | None, i: int, j: int) -> np.ndarray:
    """[a, b]: weighted units both rated where i applied a but not j, and j applied b but not i."""
    n_codes, _, n_units = data.shape
    out = np.zeros((n_codes, n_codes))
    for u in range(n_units):
        if np.isnan(data[0, i, u]) or np.isnan(data[0, j, u]):
            continue
        for a in range(n_codes):
            for b in range(n_codes):
                i_alone = data[a, i, u] == 1 and data[a, j, u] == 0
                if i_alone and data[b, j, u] == 1 and data[b, i, u] == 0:
                    out[a, b] += 1 if weights is None else weights[u]
    return out


@pytest.mark.parametrize("uniform_missing", [True, False])
def test_confusions_equal_a_unit_by_unit_count(uniform_missing: bool) -> None:
    rng = np.random.default_rng(11)
    data = random_ratings(rng, 5, 3, 60)
    if not uniform_missing:  # a rating missing in one code only: the bit masks do not apply
        data[2, 1, 4] = np.nan
    weights = rng.integers(1, 6, size=60)
    for w in (None, weights):
        got = _directed_confusions(data, w)
        for i, j in combinations(range(3), 2):
            np.testing.assert_array_equal(got[(i, j)], plain_confusions(data, w, i, j))


def units_of(data: np.ndarray, transcript_of: np.ndarray, weights: np.ndarray | None) -> Units:
    n_codes, n_coders, n_units = data.shape
    return Units(
        kind="segment",
        data=data,
        weights=weights,
        codes=[
            Code(id=k + 1, guid=f"c{k}", name=f"Code {k}", number=f"{k:02d}")
            for k in range(n_codes)
        ],
        coders=[Coder(id=k + 1, guid=f"k{k}", name=f"coder{k}") for k in range(n_coders)],
        transcripts=[
            Transcript(
                id=t + 1,
                guid=f"t{t}",
                name=f"t{t + 1}",
                sha256="",
                source_name="",
                source_format="txt",
                language="en",
                unit="sentence",
                imported_at="",
            )
            for t in range(int(transcript_of.max()) + 1)
        ],
        unit_transcript=transcript_of.astype(np.int64),
        unit_start=np.arange(n_units) * 10,
        unit_end=np.arange(n_units) * 10 + 9,
        unit_segment=np.arange(n_units),
    )


def test_cluster_tables_sum_to_the_per_code_report() -> None:
    rng = np.random.default_rng(5)
    data = random_ratings(rng, 4, 3, 90)
    clusters = np.sort(rng.integers(0, 6, size=90))
    weights = rng.integers(0, 5, size=90)
    for w in (None, weights):
        freq, gram, per_cluster = cluster_tables(data, w, clusters, 6, pooled_gram=True)
        total = 90 if w is None else int(w.sum())
        assert assemble_reports(freq.sum(axis=0), gram, total, None, None, 30) == (
            weighted_binary_report(data, w)
        )
        assert per_cluster is not None
        for t in range(6):
            inside = clusters == t
            flat = data[:, :, inside].transpose(1, 0, 2).reshape(3, -1)
            x, r = (flat == 1.0).astype(float), (~np.isnan(flat)).astype(float)
            wt = np.ones(inside.sum()) if w is None else w[inside].astype(float)
            wt = np.tile(wt, 4)
            np.testing.assert_array_equal(per_cluster[0, t], (x * wt) @ x.T)
            np.testing.assert_array_equal(per_cluster[1, t], (x * wt) @ r.T)
            np.testing.assert_array_equal(per_cluster[2, t], (r * wt) @ r.T)


@pytest.mark.parametrize("seed", range(6))
def test_cluster_tables_by_pattern_equal_the_unit_by_unit_products(seed: int) -> None:
    """Counting rating patterns gives exactly the coder-by-coder products, weighted or not."""
    rng = np.random.default_rng(100 + seed)
    n_codes, n_coders = int(rng.integers(1, 6)), int(rng.integers(1, 6))
    n_units, n_clusters = int(rng.integers(1, 150)), int(rng.integers(1, 8))
    uniform = random_ratings(rng, n_codes, n_coders, n_units)  # missing in every code or none
    ragged = uniform.copy()
    ragged[rng.random(ragged.shape) < 0.1] = np.nan  # a rating missing in some codes only
    clusters = rng.integers(0, n_clusters, size=n_units)
    weights = rng.integers(0, 6, size=n_units).astype(np.float64)  # zero weights too
    for data in (uniform, ragged):
        # From the float array, and from the bit masks (the ragged ones fall back to the floats).
        planes = rating_planes(data)
        assert planes.uniform == bool((np.isnan(data) == np.isnan(data[:1])).all())
        for w in (None, weights):
            for used_only in (False, True):
                args = (data, w, clusters.astype(np.intp), n_clusters, True, used_only)
                plain = _cluster_tables_by_unit(*args)
                for prepared in (None, planes):
                    ours = _cluster_tables_by_pattern(*args, prepared)
                    for got, want in zip(ours, plain):
                        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("seed", range(4))
def test_rating_planes_equal_the_ratings(seed: int) -> None:
    """Each bit of the planes is the rating it stands for."""
    rng = np.random.default_rng(400 + seed)
    n_codes, n_coders = int(rng.integers(1, 30)), int(rng.integers(1, 9))
    data = random_ratings(rng, n_codes, n_coders, 200)
    planes = rating_planes(data)
    assert planes.uniform
    assert planes.bits is not None and planes.appliers is not None
    np.testing.assert_array_equal(planes.rated, ~np.isnan(data).any(axis=0))
    for c in range(n_codes):
        applied = data[c] == 1.0
        np.testing.assert_array_equal((planes.bits >> c) & 1, applied)
        for k in range(n_coders):
            np.testing.assert_array_equal((planes.appliers[c] >> k) & 1, applied[k])
    raters = planes.raters
    for k in range(n_coders):
        np.testing.assert_array_equal((raters >> k) & 1, planes.rated[k])
    with pytest.raises(ValueError, match="the report accepts only 0, 1 and NaN"):
        rating_planes(np.where(data == 1.0, 0.5, data), "the report")


def test_cluster_tables_by_pattern_refuses_other_values() -> None:
    data = np.array([[[0.0, 1.0, 2.0], [1.0, np.nan, 0.0]]])
    with pytest.raises(ValueError, match="only 0, 1 and NaN"):
        _cluster_tables_by_pattern(data, None, np.zeros(3, dtype=np.intp), 1, True, True)


@pytest.mark.parametrize("seed", range(4))
def test_confused_units_from_bit_masks_equal_the_ratings(seed: int) -> None:
    rng = np.random.default_rng(200 + seed)
    data = random_ratings(rng, 7, int(rng.integers(2, 6)), 300)
    weights = rng.integers(0, 4, size=300) if seed % 2 else None
    units = units_of(data, np.zeros(300, dtype=np.intp), weights)
    alone: AloneBits = {}
    _directed_confusions(data, weights, None, alone)
    assert alone  # the bit-mask path ran
    for a, b in combinations(range(7), 2):
        assert _confused_units(units, a, b, alone) == _confused_units(units, a, b)


def same_figure(ours: dict, alone: dict) -> None:
    """Equal JSON figures, the value to 1e-12 (sums taken in another order)."""
    assert {k: v for k, v in ours.items() if k != "value"} == {
        k: v for k, v in alone.items() if k != "value"
    }
    if alone["value"] is None:
        assert ours["value"] is None
    else:
        assert ours["value"] == pytest.approx(alone["value"], abs=1e-12)


@pytest.mark.parametrize("n_coders", [2, 3])
def test_report_per_transcript_rows_equal_each_transcript_alone(n_coders: int) -> None:
    rng = np.random.default_rng(n_coders)
    data = random_ratings(rng, 5, n_coders, 120, missing=0.1)
    transcript_of = np.repeat(np.arange(4), 30)
    report = build_report(units_of(data, transcript_of, None), bootstrap=0)
    for t, row in enumerate(report["per_transcript"]):
        part = data[:, :, transcript_of == t]
        alone = build_report(units_of(part, np.zeros(30, dtype=np.int64), None), bootstrap=0)
        same_figure(row["set_alpha_masi"], alone["overall"]["set_alpha"]["masi"])
        pooled = alone["overall"]["pooled"]
        for key in ("percent_agreement", "krippendorff_alpha", "kappa", "gwet_ac1"):
            same_figure(row[key], pooled[key])
        per_code = [c["krippendorff_alpha"]["value"] for c in alone["codes"]]
        defined = [a for a in per_code if a is not None]
        assert row["macro_alpha"]["codes"] == len(defined)
        assert row["macro_alpha"]["value"] == pytest.approx(np.mean(defined) if defined else None)


def test_more_codes_than_a_bit_mask_holds() -> None:
    rng = np.random.default_rng(21)
    data = random_ratings(rng, 70, 3, 40)
    data[:, :, :] = (rng.random((70, 3, 40)) < 0.03).astype(np.float64)
    data[:, 2, :5] = np.nan
    ours = binary_set_alpha(data, distance="jaccard")
    plain = set_alpha(as_sets(data), distance="jaccard")
    assert ours.value == pytest.approx(plain.value, abs=1e-12)
    got = _directed_confusions(data, None)
    np.testing.assert_array_equal(got[(0, 2)], plain_confusions(data, None, 0, 2))


def test_popcount_without_numpy_bitwise_count(monkeypatch: pytest.MonkeyPatch) -> None:
    """numpy < 2 has no ``bitwise_count``: the shift-and-add loop gives the same counts."""
    values = np.array([0, 1, 2, 3, 255, 2**40 + 5, 2**62 - 1], dtype=np.int64)
    want = np.array([bin(int(v)).count("1") for v in values])
    np.testing.assert_array_equal(weighted._popcount(values), want)
    monkeypatch.delattr(np, "bitwise_count", raising=False)
    np.testing.assert_array_equal(weighted._popcount(values), want)


@pytest.mark.parametrize("seed", range(6))
def test_atoms_starting_before_equals_the_search(seed: int) -> None:
    """Including empty atoms, empty intervals, intervals in gaps and past the last atom."""
    rng = np.random.default_rng(400 + seed)
    n = int(rng.integers(0, 40))
    lengths = rng.integers(0, 6, size=n)  # some atoms are empty
    gaps = rng.integers(0, 3, size=n)
    a_start = np.cumsum(gaps + np.concatenate([[0], lengths[:-1]])).astype(np.int64)
    a_end = a_start + lengths
    top = int(a_end[-1]) + 5 if n else 10
    start = rng.integers(0, top, size=300).astype(np.int64)
    end = start + rng.integers(0, 12, size=300)  # some intervals are empty
    first = np.searchsorted(a_end, start, side="right")
    got = atoms_starting_before(a_start, end, first, start)
    np.testing.assert_array_equal(got, np.searchsorted(a_start, end, side="left"))


@pytest.mark.parametrize("seed", range(3))
def test_overall_diagnostics_from_bit_masks_name_the_same_coders(seed: int) -> None:
    rng = np.random.default_rng(500 + seed)
    data = random_ratings(rng, 4, 4, 60)
    data[:, seed, :] = np.where(np.isnan(data[:, seed, :]), np.nan, 0.0)  # applies nothing
    data[1, (seed + 1) % 4, :5] = np.nan  # a rating missing in one code only
    units = units_of(data, np.zeros(60, dtype=np.intp), None)
    codes = build_report(units, bootstrap=0)["codes"]
    got = _overall_diagnostics(units, codes, rating_bits(data))
    assert got == _overall_diagnostics(units, codes)
    assert any(f"coder{seed} applied no compared code" in note for note in got)


@pytest.mark.parametrize("seed", range(8))
def test_ends_at_or_before_equals_the_search(seed: int) -> None:
    """The bucketed count of ends equals ``searchsorted``: long, tiny and empty atoms, any x."""
    rng = np.random.default_rng(500 + seed)
    n = int(rng.integers(0, 300))
    longest = (2, 8, 200, 5000)[seed % 4]  # tiny atoms bunch several ends in a bucket
    lengths = rng.integers(0, longest, size=n)
    gaps = rng.integers(0, 4, size=n)
    a_start = np.cumsum(gaps + np.concatenate([[0], lengths[:-1]])).astype(np.int64)
    a_end = a_start + lengths
    top = int(a_end[-1]) + 50 if n else 100
    x = rng.integers(0, top, size=2000).astype(np.int64)
    x = np.concatenate([x, a_end, a_end - 1, a_start]) if n else x  # exactly on the edges too
    np.testing.assert_array_equal(ends_at_or_before(a_end, x), np.searchsorted(a_end, x, "right"))


@pytest.mark.parametrize("seed", range(8))
def test_merge_intervals_equals_a_plain_merge(seed: int) -> None:
    """Apart (whole-segment codings: the shortcut), touching, overlapping, nested, unsorted."""
    rng = np.random.default_rng(600 + seed)
    n = int(rng.integers(1, 60))
    group = np.sort(rng.integers(0, 4, size=n))
    if seed % 2:  # every interval apart from the next one: nothing to merge
        start = np.cumsum(rng.integers(1, 5, size=n) + 3)
        end = start + rng.integers(0, 3, size=n)
    else:
        start = rng.integers(0, 40, size=n)
        end = start + rng.integers(0, 10, size=n)
        order = rng.permutation(n)
        group, start, end = group[order], start[order], end[order]
    want: list[tuple[int, int, int]] = []
    for g, a, b in sorted(zip(group.tolist(), start.tolist(), end.tolist())):
        if want and want[-1][0] == g and a <= want[-1][2]:
            want[-1] = (g, want[-1][1], max(want[-1][2], b))
        else:
            want.append((g, a, b))
    got = merge_intervals(group, start, end)
    assert list(zip(*(part.tolist() for part in got))) == want
