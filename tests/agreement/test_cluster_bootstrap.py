"""The transcript-level (cluster) bootstrap: exact against resampling transcripts by hand,
wider than the unit bootstrap when transcripts differ, seeded, and honest about undefined
replicates (issue 12, point 6)."""

from __future__ import annotations

import numpy as np
import pytest

from codebench.agreement.coefficients import (
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha,
    percent_agreement,
)
from codebench.agreement.reliability_data import Units
from codebench.agreement.report import MIN_CLUSTERS, build_report
from codebench.agreement.weighted import binary_bootstrap
from codebench.models import Code, Coder, Transcript


def clustered(
    n_transcripts: int = 30, per: int = 40, seed: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Two coders, transcripts that differ strongly in prevalence and in how well coders agree."""
    rng = np.random.default_rng(seed)
    blocks, ids = [], []
    for t in range(n_transcripts):
        truth = (rng.random(per) < rng.uniform(0.05, 0.95)).astype(float)
        error = [0.0, 0.4][t % 2]
        other = np.where(rng.random(per) < error, 1.0 - truth, truth)
        blocks.append(np.stack([truth, other]))
        ids += [t] * per
    return np.concatenate(blocks, axis=1), np.array(ids)


def by_hand(fn, data: np.ndarray, ids: np.ndarray, n: int, seed: int) -> np.ndarray:
    """Draw transcripts with replacement (as counts per transcript) and recompute on their units."""
    groups = np.unique(ids)
    picks = np.random.default_rng(seed).integers(0, groups.size, size=(n, groups.size))
    values = []
    for row in picks:
        cols = np.concatenate([np.flatnonzero(ids == groups[g]) for g in row])
        est = fn(data[:, cols])
        values.append(np.nan if est.value is None else est.value)
    return np.array(values)


@pytest.mark.parametrize(
    ("name", "fn"),
    [
        ("alpha", krippendorff_alpha),
        ("kappa", lambda m: cohen_kappa(m[0], m[1])),
        ("fleiss", fleiss_kappa),
        ("percent", percent_agreement),
    ],
)
def test_cluster_interval_equals_resampling_transcripts_by_hand(name: str, fn) -> None:
    data, ids = clustered(n_transcripts=12, per=9)
    data[1, ::7] = np.nan  # some missing ratings, so usable units differ from all units
    ci = binary_bootstrap(name, data, n=200, seed=5, clusters=ids)
    values = by_hand(fn, data, ids, 200, 5)
    valid = values[np.isfinite(values)]
    low, high = np.quantile(valid, [0.025, 0.975])
    assert ci is not None
    assert ci.low == pytest.approx(low, abs=1e-12) and ci.high == pytest.approx(high, abs=1e-12)
    assert ci.n_valid == valid.size


def test_cluster_interval_is_wider_when_transcripts_differ() -> None:
    data, ids = clustered()
    unit = binary_bootstrap("alpha", data, n=1000, seed=3)
    cluster = binary_bootstrap("alpha", data, n=1000, seed=3, clusters=ids)
    assert unit is not None and cluster is not None
    assert cluster.high - cluster.low > 2 * (unit.high - unit.low)
    assert cluster.low < unit.low and cluster.high > unit.high


def test_cluster_bootstrap_is_seeded() -> None:
    data, ids = clustered()
    first = binary_bootstrap("alpha", data, n=500, seed=9, clusters=ids)
    again = binary_bootstrap("alpha", data, n=500, seed=9, clusters=ids)
    other = binary_bootstrap("alpha", data, n=500, seed=10, clusters=ids)
    assert first == again
    assert other != first


def test_undefined_replicates_are_counted_exactly() -> None:
    # Ten transcripts; only transcript 0 has any variation. A replicate that does not draw it
    # is all-zero: alpha is undefined there. So the undefined count is the number of draws
    # whose count for transcript 0 is zero.
    blocks = [np.array([[1.0, 0.0, 1.0, 0.0], [1.0, 0.0, 0.0, 0.0]])]
    blocks += [np.zeros((2, 3)) for _ in range(9)]
    data = np.concatenate(blocks, axis=1)
    ids = np.array([0] * 4 + [t for t in range(1, 10) for _ in range(3)])
    ci = binary_bootstrap("alpha", data, n=1000, seed=4, clusters=ids)
    picks = np.random.default_rng(4).integers(0, 10, size=(1000, 10))
    expected = int((picks != 0).all(axis=1).sum())
    assert 250 < expected < 450  # (9/10)**10 ~ 0.35 of them
    assert ci is not None and ci.n_skipped == expected and ci.n_requested == 1000


def test_clusters_must_match_the_units() -> None:
    data, ids = clustered(n_transcripts=3, per=4)
    with pytest.raises(ValueError, match="one entry per unit"):
        binary_bootstrap("alpha", data, clusters=ids[:-1])


def units_of(data: np.ndarray, ids: np.ndarray) -> Units:
    """A two-coder, one-code comparison over the given transcripts (as the report receives it)."""
    n_transcripts = int(ids.max()) + 1
    return Units(
        kind="segment",
        data=data[None],
        weights=None,
        codes=[Code(id=1, guid="c1", name="Code 1", number="01")],
        coders=[Coder(id=1, guid="a", name="ann"), Coder(id=2, guid="b", name="ben")],
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
            for t in range(n_transcripts)
        ],
        unit_transcript=ids.astype(np.int64),
        unit_start=np.arange(ids.size) * 10,
        unit_end=np.arange(ids.size) * 10 + 9,
        unit_segment=np.arange(ids.size),
    )


def test_report_resamples_transcripts_from_ten_on_and_says_so() -> None:
    data, ids = clustered(n_transcripts=MIN_CLUSTERS, per=20)
    report = build_report(units_of(data, ids), bootstrap=300, seed=2)
    assert report["settings"]["bootstrap_by"] == "transcript"
    assert (
        report["settings"]["bootstrap_method"]
        == "bootstrap: 300 replicates, resampling transcripts (cluster)"
    )
    few = np.flatnonzero(ids < MIN_CLUSTERS - 1)
    small = build_report(units_of(data[:, few], ids[few]), bootstrap=300, seed=2)
    assert small["settings"]["bootstrap_by"] == "unit"
    assert small["settings"]["bootstrap_method"] == "bootstrap: 300 replicates, resampling segments"
    forced = build_report(
        units_of(data[:, few], ids[few]), bootstrap=300, seed=2, bootstrap_by="transcript"
    )
    assert forced["settings"]["bootstrap_by"] == "transcript"
    assert any("fewer than 10" in n for n in forced["notes"])
    # The cluster interval of the same data is wider than the unit one.
    unit = build_report(units_of(data, ids), bootstrap=300, seed=2, bootstrap_by="unit")
    width = [
        r["codes"][0]["krippendorff_alpha"]["ci"]["high"]
        - r["codes"][0]["krippendorff_alpha"]["ci"]["low"]
        for r in (report, unit)
    ]
    assert width[0] > width[1]


def test_report_counts_undefined_replicates_in_the_json_and_the_notes() -> None:
    blocks = [np.array([[1.0, 0.0, 1.0, 0.0], [1.0, 0.0, 0.0, 0.0]])]
    blocks += [np.zeros((2, 3)) for _ in range(9)]
    data = np.concatenate(blocks, axis=1)
    ids = np.array([0] * 4 + [t for t in range(1, 10) for _ in range(3)])
    report = build_report(units_of(data, ids), bootstrap=1000, seed=4)
    ci = report["codes"][0]["krippendorff_alpha"]["ci"]
    assert ci["undefined_replicates"] == 1000 - ci["valid_replicates"] > 250
    note = next(n for n in report["notes"] if n.startswith("Bootstrap replicates"))
    assert f"01 alpha: {ci['undefined_replicates']} of 1000" in note


def test_unknown_resampling_is_a_user_error() -> None:
    from codebench.errors import CodebenchError

    data, ids = clustered(n_transcripts=3, per=4)
    with pytest.raises(CodebenchError, match="--bootstrap-by"):
        build_report(units_of(data, ids), bootstrap=10, bootstrap_by="speaker")


def test_weighted_units_and_coder_pairs_give_the_expanded_interval() -> None:
    from codebench.agreement.weighted import ClusterTable

    data, ids = clustered(n_transcripts=11, per=6)
    third = np.where(np.random.default_rng(8).random(data.shape[1]) < 0.2, 1 - data[0], data[0])
    three = np.vstack([data, third])
    weights = np.random.default_rng(2).integers(1, 4, data.shape[1])
    expanded = np.repeat(three, weights, axis=1)
    expanded_ids = np.repeat(ids, weights)
    for name in ("alpha", "fleiss", "ac1"):
        weighted = binary_bootstrap(name, three, weights, n=300, seed=6, clusters=ids)
        plain = binary_bootstrap(name, expanded, n=300, seed=6, clusters=expanded_ids)
        assert weighted is not None and plain is not None
        assert weighted.low == pytest.approx(plain.low, abs=1e-12)
        assert weighted.high == pytest.approx(plain.high, abs=1e-12)
    # A pair read from the whole block (as the report does) is the pair's own matrix.
    table = ClusterTable(three, None, ids)
    assert table.interval("kappa", 300, 6, coders=(0, 2)) == binary_bootstrap(
        "kappa", three[[0, 2]], n=300, seed=6, clusters=ids
    )
