"""Benchmark of codebench.agreement against the `krippendorff` package.

Run: ``python bench/bench_agreement.py [--units N] [--codes K] [--coders C]``

Builds K random binary code matrices of C coders x N units (defaults
21 x 5 x 200,000) with realistic prevalence (0.5 %-40 %), coder-specific
error rates and missing ratings (whole blocks a coder did not code plus
scattered gaps), and prints every figure as a ratio to a baseline measured
in the same run, so the numbers are comparable across machines:

(a) nominal alpha: ours vs ``krippendorff.alpha`` per matrix (speed-up x);
(b) the whole ``binary_report`` for all codes, in seconds and relative to
    the package computing nominal alpha only for the same codes;
(c) a 1,000-replicate bootstrap of alpha for one code vs one alpha;
(d) nominal alpha on one C x N matrix with 21 categories, ours vs package.

No pass/fail: this prints figures for docs/agreement.md ("Performance").
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from codebench.agreement import binary_report, bootstrap_ci, krippendorff_alpha

try:
    import krippendorff
except ImportError:  # pragma: no cover - the bench needs the test extras
    sys.exit("bench_agreement.py needs the `krippendorff` package (pip install krippendorff)")


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "?"


def best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    """Fastest wall time of ``repeat`` runs (seconds)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def make_codes(n_codes: int, n_coders: int, n_units: int, seed: int = 2024) -> np.ndarray:
    """(codes, coders, units) 0/1/NaN with realistic prevalence and missingness."""
    rng = np.random.default_rng(seed)
    prevalence = np.geomspace(0.005, 0.4, n_codes)
    truth = rng.random((n_codes, 1, n_units)) < prevalence[:, None, None]
    miss_rate = rng.uniform(0.02, 0.15, size=(1, n_coders, 1))  # coder reliability varies
    false_pos = rng.uniform(0.002, 0.02, size=(1, n_coders, 1))
    applied = np.where(
        truth,
        rng.random((n_codes, n_coders, n_units)) >= miss_rate,
        rng.random((n_codes, n_coders, n_units)) < false_pos,
    )
    data = applied.astype(np.float64)
    # Each coder skipped some "documents" (blocks of 2,000 units) and a few units.
    block = 2000
    n_blocks = -(-n_units // block)
    skipped = rng.random((n_coders, n_blocks)) < 0.1
    gaps = np.repeat(skipped, block, axis=1)[:, :n_units] | (rng.random((n_coders, n_units)) < 0.01)
    data[:, gaps] = np.nan
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=200_000)
    parser.add_argument("--codes", type=int, default=21)
    parser.add_argument("--coders", type=int, default=5)
    args = parser.parse_args()
    data = make_codes(args.codes, args.coders, args.units)
    shape = f"{args.coders} coders x {args.units:,} units"
    print(
        f"codebench.agreement benchmark: {args.codes} binary codes, {shape}, "
        f"{os.cpu_count()} CPU(s), numpy {np.__version__}, krippendorff {_version('krippendorff')}"
    )
    prev = np.nanmean(data, axis=(1, 2))
    print(f"prevalence {prev.min():.1%}..{prev.max():.1%}, missing {np.isnan(data).mean():.1%}")
    print("times are the best of 3 runs (2 for the package in (d))\n")

    # (a) nominal alpha per matrix
    ours_t, pkg_t = [], []
    for k in range(args.codes):
        x = data[k]
        ours_t.append(best_of(lambda x=x: krippendorff_alpha(x)))
        pkg_t.append(best_of(lambda x=x: krippendorff.alpha(x, level_of_measurement="nominal")))
        theirs = krippendorff.alpha(x, level_of_measurement="nominal")
        ours = krippendorff_alpha(x).value
        assert ours is not None and abs(ours - theirs) < 1e-9, (k, ours, theirs)
    speedups = [p / o for p, o in zip(pkg_t, ours_t)]
    print("(a) nominal alpha, one code matrix")
    print(f"    ours     median {statistics.median(ours_t) * 1e3:7.1f} ms")
    print(f"    package  median {statistics.median(pkg_t) * 1e3:7.1f} ms")
    print(
        f"    speed-up median {statistics.median(speedups):6.1f}x  "
        f"(min {min(speedups):.1f}x, max {max(speedups):.1f}x)\n"
    )

    # (b) the whole batch report
    report_t = best_of(lambda: binary_report(data))
    pkg_total = sum(pkg_t)
    print(f"(b) binary_report, all {args.codes} codes, every coefficient + diagnostics")
    print(f"    ours                       {report_t:7.3f} s")
    print(f"    package, nominal alpha only {pkg_total:6.3f} s")
    print(
        f"    ratio report / package     {report_t / pkg_total:7.3f}  "
        f"(report is {pkg_total / report_t:.1f}x faster while computing more)\n"
    )

    # (c) bootstrap of one code
    x = data[args.codes // 2]
    one_alpha = best_of(lambda: krippendorff_alpha(x))
    boot_t = best_of(lambda: bootstrap_ci(krippendorff_alpha, x, n=1000, seed=1))
    ci = bootstrap_ci(krippendorff_alpha, x, n=1000, seed=1)
    print("(c) bootstrap, 1,000 replicates of nominal alpha, one code")
    print(
        f"    bootstrap {boot_t * 1e3:7.1f} ms = {boot_t / one_alpha:.1f}x one alpha "
        f"({one_alpha * 1e3:.1f} ms); naive re-computation would be ~1000x"
    )
    print(f"    = {boot_t / pkg_t[args.codes // 2]:.2f}x one alpha by the package;  CI {ci}\n")

    # (d) many categories
    rng = np.random.default_rng(7)
    multi = rng.integers(0, 21, size=(args.coders, args.units)).astype(np.float64)
    multi[rng.random(multi.shape) < 0.05] = np.nan
    ours21 = best_of(lambda: krippendorff_alpha(multi))
    pkg21 = best_of(lambda: krippendorff.alpha(multi, level_of_measurement="nominal"), repeat=2)
    print(f"(d) nominal alpha, 21 categories, {shape}")
    print(
        f"    ours {ours21 * 1e3:.1f} ms, package {pkg21 * 1e3:.1f} ms, speed-up {pkg21 / ours21:.1f}x"
    )


if __name__ == "__main__":
    main()
