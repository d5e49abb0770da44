"""Benchmark of the whole agreement report, from coding spans to every coefficient.

Run: ``python bench/bench_agreement_report.py [--units N] [--codes K] [--coders C] [--transcripts T] [--project DIR]``

Builds a synthetic project as arrays (defaults: 5 coders, 200,000 segments in
100 transcripts, 21 codes; about two million whole-segment codings with the
prevalence and coder error rates of ``bench_agreement.make_codes``, 10 % of
the ratings missing) and times, best of 3:

(a) the per-code report: unit extraction from the coding spans
    (:func:`codebench.agreement.reliability_data.coverage_matrix`) plus every
    coefficient, pairwise kappa, diagnostics and the JSON-ready entries of
    :func:`codebench.agreement.report.code_sections` (no bootstrap) -- the
    figure the issue asks to keep under 1 s;
(b) the whole report (:func:`build_report`: per code, macro, pooled,
    set-valued alpha, per transcript, per pair, confusions), and set-valued
    alpha alone (all coders, every pair and every transcript, MASI and
    Jaccard); with ``--dense`` also the old pass over every pair of distinct
    code sets for the all-coders column, for comparison;
(c) extraction alone, with ``--min-overlap 0.5``, and as character runs;
(d) the ``krippendorff`` package computing nominal alpha only for the same
    21 code matrices, measured in the same run; figures are printed as
    ratios to it.  Values agree to 1e-9 (asserted).  Each time is printed
    as wall-clock and as this process's CPU time: on a shared machine the
    wall clock of both sides swings with the load, the CPU time much less;
(e) the transcript-level (cluster) bootstrap, 1,000 replicates: alpha of
    every code, and every interval of the per-code report (each code's
    pairwise Cohen's kappas, headline kappa and alpha), beside the unit
    bootstrap of the same intervals (``--bootstrap-by unit``);
(f) with ``--project DIR``: the same ratings as a project file (built once
    into ``DIR/project.db`` through the public API, one sentence per unit,
    every coder done everywhere, so nothing is missing), and
    :func:`extract_units` on it: reading segments and codings from SQLite,
    the design, the overlap rule and the 0/1/NaN array, then the whole
    report on those units. Building the project at full size takes minutes.

No pass/fail.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from itertools import combinations
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_agreement import make_codes

from codebench.agreement.reliability_data import (
    DEFAULT_MIN_OVERLAP,
    Units,
    character_runs,
    coverage_matrix,
    extract_units,
)
from codebench.agreement.report import build_report, code_sections
from codebench.agreement.weighted import (
    _expected_dense,
    _expected_disagreement,
    _rating_sets,
    binary_bootstrap,
    set_alphas,
)
from codebench.codebook.format import Codebook, CodeSpec
from codebench.ids import stable_guid
from codebench.models import Code, Coder, Transcript
from codebench.project import Project

try:
    import krippendorff
except ImportError:  # pragma: no cover - the bench needs the test extras
    sys.exit(
        "bench_agreement_report.py needs the `krippendorff` package (pip install krippendorff)"
    )


CPU: dict[int, float] = {}


def best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    """Best wall-clock time of ``repeat`` runs; the best CPU time is kept in ``CPU[id(fn)]``."""
    times, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    CPU[id(fn)] = min(cpu)
    return min(times)


def timed(fn: Callable[[], object], repeat: int = 3) -> tuple[float, float]:
    """(best wall-clock, best CPU) seconds of ``repeat`` runs."""
    wall = best_of(fn, repeat)
    return wall, CPU[id(fn)]


def _load() -> str:
    """The 1-minute load average (the machine is shared: the figures mean more beside it)."""
    return f"{os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "n/a"


def synthetic(n_codes: int, n_coders: int, n_units: int, n_transcripts: int):
    """Segment spans, coding spans (group = code * coders + coder) and the missing mask."""
    truth = make_codes(n_codes, n_coders, n_units)  # (codes, coders, units) 0/1/NaN
    rng = np.random.default_rng(11)
    lengths = rng.integers(20, 200, n_units)
    gaps = rng.integers(1, 4, n_units)
    starts = np.cumsum(gaps + np.concatenate([[0], lengths[:-1]]))
    ends = starts + lengths
    applied = np.nan_to_num(truth, nan=0.0) == 1.0
    code_idx, coder_idx, unit_idx = np.nonzero(applied)
    group = code_idx * n_coders + coder_idx
    missing = np.isnan(truth[0])
    transcript_of = np.minimum(np.arange(n_units) * n_transcripts // n_units, n_transcripts - 1)
    return truth, starts, ends, group, starts[unit_idx], ends[unit_idx], missing, transcript_of


def make_units(data, starts, ends, transcript_of, n_transcripts) -> Units:
    n_codes, n_coders, _ = data.shape
    codes = [
        Code(id=k + 1, guid=f"code-{k}", name=f"Code {k + 1}", number=f"{k + 1:02d}")
        for k in range(n_codes)
    ]
    coders = [Coder(id=k + 1, guid=f"coder-{k}", name=f"coder{k + 1}") for k in range(n_coders)]
    transcripts = [
        Transcript(
            id=t + 1,
            guid=f"t-{t}",
            name=f"t{t + 1:03d}",
            sha256="",
            source_name="",
            source_format="txt",
            language="en",
            unit="sentence",
            imported_at="",
        )
        for t in range(n_transcripts)
    ]
    return Units(
        kind="segment",
        data=data,
        weights=None,
        codes=codes,
        coders=coders,
        transcripts=transcripts,
        unit_transcript=transcript_of.astype(np.int64),
        unit_start=starts,
        unit_end=ends,
        unit_segment=np.arange(starts.shape[0]),
    )


def all_coders_counts(data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct code sets of the ratings and how often each was given (all-coders column)."""
    rated = ~np.isnan(data).any(axis=0)
    pairable = rated.sum(axis=0) >= 2
    ids, table = _rating_sets(data, rated & pairable)
    counts = np.bincount(ids[ids >= 0], minlength=table.shape[0]).astype(np.float64)
    return table, counts[:, None]


def project_of(path: Path, truth: np.ndarray, n_transcripts: int) -> Project:
    """The ratings as a project: one sentence per unit, a coding per applied (code, coder, unit)."""
    if path.exists():
        return Project.open(path)
    n_codes, n_coders, n_units = truth.shape
    book = Codebook(
        codes=[
            CodeSpec(name=f"Code {k + 1}", number=f"{k + 1:02d}", guid=stable_guid("bench", k))
            for k in range(n_codes)
        ]
    )
    project = Project.init(path, book)
    bounds = np.minimum(np.arange(n_transcripts + 1) * n_units // n_transcripts, n_units)
    files = []
    for t in range(n_transcripts):
        per = int(bounds[t + 1] - bounds[t])
        lines = [
            "Ann Lee: " + " ".join(f"Unit {t} {j + i} is here." for i in range(min(5, per - j)))
            for j in range(0, per, 5)
        ]
        files.append(path.parent / f"t{t:03d}.txt")
        files[-1].write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert project.import_files(files).ok
    codes = project.codes()
    coders = [project.coder(f"coder{k + 1}", create=True) for k in range(n_coders)]
    applied = np.nan_to_num(truth, nan=0.0) == 1.0
    for t, transcript in enumerate(project.transcripts()):
        segs = [s for s in project.segments(transcript) if s.codable]
        lo = int(bounds[t])
        assert len(segs) == int(bounds[t + 1]) - lo
        for k, coder in enumerate(coders):
            for c, code in enumerate(codes):
                on = np.flatnonzero(applied[c, k, lo : lo + len(segs)])
                if on.size:
                    project.add_codings(
                        coder, code, transcript, [(segs[i].start, segs[i].end) for i in on]
                    )
            project.set_status(coder, transcript, "done")
    return project


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=200_000)
    parser.add_argument("--codes", type=int, default=21)
    parser.add_argument("--coders", type=int, default=5)
    parser.add_argument("--transcripts", type=int, default=100)
    parser.add_argument(
        "--dense", action="store_true", help="also time the old all-pairs set-alpha pass"
    )
    parser.add_argument(
        "--project",
        type=Path,
        help="(f): also time extraction from a project file built once in this directory",
    )
    args = parser.parse_args()
    truth, starts, ends, group, c_start, c_end, missing, transcript_of = synthetic(
        args.codes, args.coders, args.units, args.transcripts
    )
    n_groups = args.codes * args.coders
    print(
        f"agreement report benchmark: {args.codes} codes, {args.coders} coders x {args.units:,} segments "
        f"in {args.transcripts} transcripts, {group.shape[0]:,} codings, {os.cpu_count()} CPU(s), "
        f"numpy {np.__version__}"
    )
    print(f"times are the best of 3 runs; load average {_load()} at the start\n")

    def extract(min_overlap: float | None = None) -> np.ndarray:
        covered = coverage_matrix(
            starts, ends, n_groups, group, c_start, c_end, min_overlap=min_overlap
        )
        data = covered.reshape(args.codes, args.coders, args.units).astype(np.float64)
        data[:, missing] = np.nan
        return data

    data = extract()
    np.testing.assert_array_equal(data, truth)  # the extraction recovers the ratings exactly

    # The report extracts units with the default overlap rule (half of a segment), as
    # `codebench agreement` does; the synthetic codings are whole segments, so it recovers them too.
    np.testing.assert_array_equal(extract(DEFAULT_MIN_OVERLAP), truth)

    def per_code_report() -> list:
        units = make_units(
            extract(DEFAULT_MIN_OVERLAP), starts, ends, transcript_of, args.transcripts
        )
        return code_sections(units, bootstrap=0)

    def whole_report() -> dict:
        units = make_units(
            extract(DEFAULT_MIN_OVERLAP), starts, ends, transcript_of, args.transcripts
        )
        return build_report(units, bootstrap=0)

    t_codes, c_codes = timed(per_code_report)
    entries = per_code_report()
    for k in range(args.codes):
        theirs = krippendorff.alpha(reliability_data=truth[k], level_of_measurement="nominal")
        ours = entries[k]["krippendorff_alpha"]["value"]
        assert ours is not None and abs(ours - theirs) < 1e-9, (k, ours, theirs)

    def package() -> None:
        for k in range(args.codes):
            krippendorff.alpha(reliability_data=truth[k], level_of_measurement="nominal")

    t_pkg, c_pkg = timed(package)
    t_extract = best_of(extract)
    t_overlap = best_of(lambda: extract(0.5))
    t_whole, c_whole = timed(whole_report)
    atoms_s, atoms_e = starts, ends
    t_chars = best_of(lambda: character_runs(atoms_s, atoms_e, n_groups, group, c_start, c_end))
    runs = character_runs(atoms_s, atoms_e, n_groups, group, c_start, c_end)[1].shape[0]
    plain = make_units(truth, starts, ends, transcript_of, args.transcripts)
    everyone = tuple(range(args.coders))
    columns = [
        *((g, None) for g in [everyone, *combinations(range(args.coders), 2)]),
        *((everyone, sl) for sl in plain.transcript_slices()),
    ]
    t_sets, c_sets = timed(lambda: set_alphas(truth, None, columns, ("masi", "jaccard")))

    print("(a) per-code report: extraction from coding spans + every coefficient, no bootstrap")
    print("                                        wall s    CPU s")
    print(f"    ours                               {t_codes:7.3f}  {c_codes:7.3f}   (target < 1 s)")
    print(
        f"    krippendorff package, alpha only   {t_pkg:7.3f}  {c_pkg:7.3f}   ({args.codes} matrices, same run)"
    )
    print(
        f"    ratio ours / package               {t_codes / t_pkg:7.3f}  {c_codes / c_pkg:7.3f}\n"
    )
    rated = ~np.isnan(truth).any(axis=0)
    combos = np.unique(
        ((truth == 1).transpose(1, 2, 0)[rated] * (1 << np.arange(args.codes))).sum(axis=1)
    ).shape[0]
    print(
        "(b) whole report (per code, macro, pooled, set alpha, per transcript, per pair, confusions)"
    )
    print(
        f"    extraction + whole report          {t_whole:7.3f}  {c_whole:7.3f}   "
        f"= {t_whole / t_pkg:.2f}x (wall), {c_whole / c_pkg:.2f}x (CPU) the package's alpha-only "
        "time (target <= 0.5x)"
    )
    print(
        f"    set-valued alpha alone             {t_sets:7.3f}  {c_sets:7.3f}   "
        f"({len(columns)} selections: all coders, {len(columns) - 1 - args.transcripts} pairs, "
        f"{args.transcripts} transcripts; MASI and Jaccard; V = {combos:,} distinct code sets)"
    )
    if args.dense:
        table, n_c = all_coders_counts(truth)
        t_dense, c_dense = timed(lambda: _expected_dense(table, n_c, ("masi",)), repeat=1)
        t_fast, c_fast = timed(lambda: _expected_disagreement(table, n_c, ("masi",)))
        print(
            f"    expected disagreement, all coders  {t_fast:7.3f}  {c_fast:7.3f}   from subset counts"
        )
        print(
            f"      the same over all V^2 set pairs  {t_dense:7.3f}  {c_dense:7.3f}   (the old pass)"
        )
    print()
    units = plain

    def alpha_intervals() -> list:
        return [
            binary_bootstrap("alpha", truth[k], n=1000, seed=k, clusters=transcript_of)
            for k in range(args.codes)
        ]

    t_alpha_ci = best_of(alpha_intervals)
    t_plain = best_of(lambda: code_sections(units, bootstrap=0))
    t_cluster = best_of(
        lambda: code_sections(units, bootstrap=1000, seed=1, bootstrap_by="transcript")
    )
    t_unit = best_of(lambda: code_sections(units, bootstrap=1000, seed=1, bootstrap_by="unit"))
    n_intervals = sum(
        1
        for entry in code_sections(units, bootstrap=20, seed=1, bootstrap_by="transcript")
        for value in entry.values()
        for item in (value if isinstance(value, list) else [value])
        if isinstance(item, dict) and item.get("ci")
    )
    print(f"(e) bootstrap, 1,000 replicates, {args.transcripts} transcripts")
    print(f"    cluster, alpha of all {args.codes} codes  {t_alpha_ci:7.3f} s   (target <= 2 s)")
    print(
        f"    cluster, all {n_intervals} intervals        {t_cluster - t_plain:7.3f} s   "
        f"(coefficients with intervals {t_cluster:.3f} s minus {t_plain:.3f} s without)"
    )
    print(
        f"    unit, the same intervals           {t_unit - t_plain:7.3f} s   "
        f"(coefficients with intervals {t_unit:.3f} s)\n"
    )
    if args.project is not None:
        args.project.mkdir(parents=True, exist_ok=True)
        project = project_of(args.project / "project.db", truth, args.transcripts)
        refs = [c.name for c in project.codes()]

        def from_project() -> Units:
            return extract_units(project, codes=refs)

        np.testing.assert_array_equal(from_project().data, np.nan_to_num(truth, nan=0.0))
        t_proj, c_proj = timed(from_project)
        t_proj_whole, c_proj_whole = timed(lambda: build_report(from_project(), bootstrap=0))
        print("(f) from a project file (every coder done everywhere: no missing ratings)")
        print("                                        wall s    CPU s")
        print(
            f"    extract_units                      {t_proj:7.3f}  {c_proj:7.3f}   "
            f"= {t_proj / t_pkg:.2f}x (wall), {c_proj / c_pkg:.2f}x (CPU) the package"
        )
        print(
            f"    extract_units + whole report       {t_proj_whole:7.3f}  {c_proj_whole:7.3f}   "
            f"= {t_proj_whole / t_pkg:.2f}x (wall), {c_proj_whole / c_pkg:.2f}x (CPU) the package\n"
        )
    print("(c) extraction alone")
    print(f"    any overlap                        {t_extract:7.3f} s")
    print(f"    --min-overlap 0.5                  {t_overlap:7.3f} s")
    print(
        f"    character runs                     {t_chars:7.3f} s   ({runs:,} runs for {int((ends - starts).sum()):,} characters)"
    )
    print(f"\nload average {_load()} at the end")


if __name__ == "__main__":
    main()
