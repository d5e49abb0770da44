"""REFI-QDA throughput: export and re-import of a large project, against JSONL in the same run.

Builds a project with 200 transcripts and 200,000 codings (one coder's file
from ``bench_merge``'s builder), then measures:

* baseline: ``export jsonl`` and ``import-jsonl`` of the same project (the
  project's own lossless dump, a plain line-per-record format);
* ``export qdpx`` (XML + zip) and ``import-project`` of that archive into a
  new project (targets: each < 10 s).

Prints seconds and ratios to the baseline (not pass/fail). Usage:
``python bench/bench_refi.py [--transcripts 200] [--codings 200000]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_merge import add_coder, build_base


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transcripts", type=int, default=200)
    parser.add_argument("--codings", type=int, default=200_000)
    args = parser.parse_args()

    from codebench.exchange.jsonl import export_jsonl, import_jsonl
    from codebench.exchange.qdpx.project import export_qdpx, import_qdpx
    from codebench.project import Project

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = folder / "source.db"
        build_base(source, args.transcripts)
        add_coder(source, "alice", args.codings, seed=1)

        with Project.open(source) as project:
            start = time.perf_counter()
            export_jsonl(project, folder / "dump.jsonl")
            jsonl_export = time.perf_counter() - start
            start = time.perf_counter()
            export_qdpx(project, folder / "study.qdpx")
            qdpx_export = time.perf_counter() - start
            codings = len(project.codings())

        with Project.init(folder / "from-jsonl.db") as target:
            start = time.perf_counter()
            import_jsonl(folder / "dump.jsonl", target)
            jsonl_import = time.perf_counter() - start

        with Project.init(folder / "from-qdpx.db") as target:
            start = time.perf_counter()
            report = import_qdpx(target, folder / "study.qdpx")
            qdpx_import = time.perf_counter() - start
            imported = len(target.codings())

    print(
        f"project: {args.transcripts} transcripts, {codings:,} codings; re-imported {imported:,} codings ({report.__class__.__name__})"
    )
    print(f"baseline export jsonl  {jsonl_export:6.2f} s")
    print(
        f"export qdpx            {qdpx_export:6.2f} s  x{qdpx_export / jsonl_export:5.1f} baseline  (target < 10 s)"
    )
    print(f"baseline import-jsonl  {jsonl_import:6.2f} s")
    print(
        f"import-project qdpx    {qdpx_import:6.2f} s  x{qdpx_import / jsonl_import:5.1f} baseline  (target < 10 s)"
    )


if __name__ == "__main__":
    main()
