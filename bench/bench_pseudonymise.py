"""Pseudonymised exports against plain ones, in the same run, as ratios.

Builds the 200-transcript project of ``bench_merge`` (about 100 segments
each, one coder's 200,000 codings), and a key of 100 names that do not
occur (a study's key is mostly names) plus ``--words`` entries that replace
everyday words of the synthetic text ("staff", "council", …, in every case).
The default, 2 words, replaces about one word in thirteen, several times the
density of names in a real interview, so every offset moves; ``--words 20``
replaces most words, as a worst case. Then times each export plain and with
the key applied (CPU seconds, best of ``--runs``, the two alternately;
loading the key and building the matcher included):

* ``export jsonl`` (texts, segments, codings, memos remapped);
* ``export qdpx`` (sources and selections remapped);
* ``report quotes`` (every code) as Markdown (the report walked once before rendering).

Target (issue 14): each pseudonymised export ≤ 1.5× its plain export.
Prints seconds and ratios (not pass/fail). Usage:
``python bench/bench_pseudonymise.py [--transcripts 200] [--codings 200000] [--runs 3]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_merge import WORDS, add_coder, build_base

from codebench.pseudonyms.key import Entry, Key, load_key, save_key


def bench_key(words: int = 2) -> Key:
    entries = [
        Entry(word.capitalize(), f"[Term {i}]", variants=(word,))
        for i, word in enumerate(WORDS[:words], 1)
    ]
    entries += [
        Entry(f"Person{i} Surname{i}", f"[Person {i}]", first_name=True) for i in range(1, 101)
    ]
    return Key(entries)


def best_of_pairs(
    plain: Callable[[], object], pseudonymised: Callable[[], object], runs: int
) -> tuple[float, float]:
    """The best time of each, run alternately, in CPU seconds of this process: on a shared
    machine wall-clock time mostly measures the other processes."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for func, out in ((plain, times[0]), (pseudonymised, times[1])):
            start = time.process_time()
            func()
            out.append(time.process_time() - start)
    return min(times[0]), min(times[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transcripts", type=int, default=200)
    parser.add_argument("--codings", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--words", type=int, default=2)
    args = parser.parse_args()

    from codebench import reports
    from codebench.exchange.jsonl import export_jsonl
    from codebench.exchange.qdpx.project import export_qdpx
    from codebench.project import Project
    from codebench.pseudonyms.apply import project_pseudonymiser
    from codebench.reports import writers

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = folder / "study.db"
        build_base(source, args.transcripts)
        add_coder(source, "alice", args.codings, seed=1)
        key_path = folder / "study.pseudonyms.yaml"
        save_key(bench_key(args.words), key_path)

        with Project.open(source, write=False) as project:

            def keyed():  # what --pseudonymise does: load the key, build the pseudonymiser
                return project_pseudonymiser(project, load_key(key_path))

            def quotes_md(pseudonymise: bool) -> None:
                report = reports.quotes(project)
                if pseudonymise:
                    report = keyed().value(report)
                writers.render(report, "md")

            cases = {
                "export jsonl": (
                    lambda: export_jsonl(project, folder / "plain.jsonl"),
                    lambda: export_jsonl(project, folder / "p.jsonl", pseudonymiser=keyed()),
                ),
                "export qdpx": (
                    lambda: export_qdpx(project, folder / "plain.qdpx"),
                    lambda: export_qdpx(project, folder / "p.qdpx", pseudonymiser=keyed()),
                ),
                "report quotes (md)": (lambda: quotes_md(False), lambda: quotes_md(True)),
            }
            pseudonymiser = keyed()
            replaced = sum(
                len(pseudonymiser.transcript_map(t.name).replacements)
                for t in project.transcripts()
            )
            words = sum(len(project.text(t).split()) for t in project.transcripts())
            print(
                f"{args.transcripts} transcripts ({words} words), {len(project.codings())} codings; "
                f"key of {len(bench_key(args.words).entries)} entries making {replaced} "
                f"replacements (1 word in {words / max(replaced, 1):.0f})"
            )
            for name, (plain, pseudonymised) in cases.items():
                a, b = best_of_pairs(plain, pseudonymised, args.runs)
                verdict = "ok" if b <= 1.5 * a else "OVER the 1.5x target"
                print(
                    f"{name:22} plain {a:6.2f} s   pseudonymised {b:6.2f} s   ratio {b / a:4.2f}  {verdict}"
                )


if __name__ == "__main__":
    main()
