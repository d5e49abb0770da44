"""Codebook import throughput: REFI-QDA ``.qdc`` and YAML, against plain SQL in the same run.

``.qdc`` import used to be quadratic (each code read every sibling to match
by name: 10,000 flat codes took over a minute). This measures, for each
shape of codebook:

* baseline: one ``executemany`` of the same code rows (guid, name, parent,
  position, description, created_at) into the ``codes`` table of an empty
  project, in one transaction: the floor for writing that many indexed rows;
* ``codebook import`` of the ``.qdc`` into an empty project (read, match,
  insert, one event), and the same import again (every code matched and
  unchanged);
* for the flat shape, the same codes as a YAML codebook (load and add).

Shapes: ``flat`` (N top-level codes), ``tree`` (10 children per code, four
levels: 11,110 codes for N = 10,000), ``deep`` (chains 64 levels deep, the
most codebench accepts). Prints seconds and ratios to the baseline (not
pass/fail). Usage: ``python bench/bench_qdc.py [--codes 10000]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from codebench.codebook.format import load_codebook
from codebench.exchange.qdpx.codebook import import_qdc
from codebench.exchange.refi import RefiCode, RefiCodebook, refi_guid, write_codebook
from codebench.nesting import MAX_CODE_DEPTH
from codebench.project import Project


def flat(n: int) -> list[RefiCode]:
    return [
        RefiCode(refi_guid("bench", i), f"Code {i}", description=f"About {i}.") for i in range(n)
    ]


def tree(n: int, fan: int = 10) -> list[RefiCode]:
    """Four levels of ``fan`` children (roughly ``n`` codes for n = fan**4)."""
    counter = iter(range(10**9))

    def level(depth: int) -> list[RefiCode]:
        if depth == 0:
            return []
        return [
            RefiCode(refi_guid("bench", i := next(counter)), f"Code {i}", children=level(depth - 1))
            for _ in range(fan)
        ]

    return level(4)


def deep(n: int) -> list[RefiCode]:
    """Chains of :data:`MAX_CODE_DEPTH` codes, about ``n`` codes in all."""
    roots = []
    for chain in range(max(1, n // MAX_CODE_DEPTH)):
        node: RefiCode | None = None
        for level in reversed(range(MAX_CODE_DEPTH)):
            i = chain * MAX_CODE_DEPTH + level
            node = RefiCode(refi_guid("bench", i), f"Code {i}", children=[node] if node else [])
        assert node is not None
        roots.append(node)
    return roots


def rows(codes: list[RefiCode]) -> list[tuple[object, ...]]:
    """(id, guid, name, parent id, position, description) for the baseline."""
    out: list[tuple[object, ...]] = []
    stack = [(code, None, position) for position, code in reversed(list(enumerate(codes)))]
    while stack:
        code, parent, position = stack.pop()
        out.append((len(out) + 1, code.guid, code.name, parent, position, code.description))
        stack.extend((c, len(out), p) for p, c in reversed(list(enumerate(code.children))))
    return out


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def baseline(folder: Path, codes: list[RefiCode]) -> float:
    data = rows(codes)
    with Project.init(folder / "baseline.db") as project:
        conn = project.db.conn

        def insert() -> None:
            with conn:
                conn.executemany(
                    "INSERT INTO codes (id, guid, name, parent_id, position, description, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, '2024-01-01T00:00:00.000+00:00')",
                    data,
                )

        return timed(insert)


def yaml_text(codes: list[RefiCode]) -> str:
    lines = ["name: Bench", "codes:"]
    for code in codes:
        lines += [f"  - name: {code.name}", f"    description: {code.description}"]
    return "\n".join(lines) + "\n"


def measure(shape: str, codes: list[RefiCode], count: int) -> list[tuple[str, float]]:
    """(what, seconds) for one shape, the baseline first."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        qdc = folder / "bench.qdc"
        qdc.write_bytes(write_codebook(RefiCodebook(codes=codes, origin="bench")))
        results = [("baseline executemany", baseline(folder, codes))]
        with Project.init(folder / "qdc.db") as project:
            results.append((".qdc import", timed(lambda: import_qdc(project, qdc))))
            results.append((".qdc import again", timed(lambda: import_qdc(project, qdc))))
            assert len(project.codes()) == count
        if shape == "flat":
            path = folder / "bench.yaml"
            path.write_text(yaml_text(codes), encoding="utf-8")
            with Project.init(folder / "yaml.db") as project:
                results.append(
                    ("YAML load + add", timed(lambda: project.load_codebook(load_codebook(path))))
                )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codes", type=int, default=10_000)
    args = parser.parse_args()
    print(f"{'shape':6} {'codes':>6} {'what':28} {'seconds':>8} {'x baseline':>10}")
    for shape, build in (("flat", flat), ("tree", tree), ("deep", deep)):
        codes = build(args.codes)
        count = len(rows(codes))
        results = measure(shape, codes, count)
        base = results[0][1]
        for what, seconds in results:
            print(f"{shape:6} {count:6} {what:28} {seconds:8.2f} {seconds / base:10.1f}")


if __name__ == "__main__":
    main()
