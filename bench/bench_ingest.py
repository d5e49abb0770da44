"""Import throughput: codebench's whole import vs spaCy alone on the same turns.

Builds a corpus of synthetic interviews (sentences drawn from the bundled
samples, reshuffled) totalling at least 1,000,000 words, then measures in the
same run:

* baseline: ``spacy.blank('en')`` + ``sentencizer``, ``nlp.pipe`` over the
  same turn texts in one process (sentence splitting only);
* codebench: ``Project.import_files`` on the files: reading, decoding, speaker
  parsing, layout, sentence segmentation and storing in SQLite, one
  transaction per file.

Each side runs ``--repeat`` times, alternating, and the medians are compared,
so one noisy run on a shared machine does not decide the figure. Prints
words/s for both and the ratio (target >= 0.8). Usage:
``python bench/bench_ingest.py [--words 1000000] [--files 400] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def corpus_sentences() -> list[str]:
    text = " ".join(
        p.read_text(encoding="utf-8") for p in sorted((REPO / "transcripts").glob("*.txt"))
    )
    text = re.sub(
        r"\[[0-9:]+\]|\b[A-Z][a-z]+ [A-Z][a-z]+:|Interviewer:|INTERVIEWER:|[A-Z]+ [A-Z]+:|\bQ:|\bA:",
        " ",
        text,
    )
    return [s.strip() for s in re.split(r"(?<=[.?!])\s+", text) if len(s.split()) > 2]


def build_files(
    folder: Path, words: int, files: int, seed: int = 7
) -> tuple[list[Path], list[str], int]:
    rng = random.Random(seed)
    sentences = corpus_sentences()
    per_file = words // files + 1
    paths, turns, total = [], [], 0
    for i in range(files):
        lines, count = [], 0
        while count < per_file:
            question = " ".join(rng.choice(sentences) for _ in range(rng.randint(1, 2)))
            answer = " ".join(rng.choice(sentences) for _ in range(rng.randint(3, 10)))
            lines.append(f"Interviewer: {question}")
            lines.append(f"Pat Jones: {answer}")
            turns.extend([question, answer])
            count += len(question.split()) + len(answer.split())
        total += count
        path = folder / f"interview-{i:04d}.txt"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    return paths, turns, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--files", type=int, default=400)
    parser.add_argument(
        "--repeat", type=int, default=3, help="alternating runs of each side; medians are compared"
    )
    args = parser.parse_args()

    import spacy

    from codebench.codebook.format import default_codebook_path, load_codebook
    from codebench.ingest.segmentation import pipeline, worker_count
    from codebench.project import Project

    print(
        f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; codebench workers: {worker_count()}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths, turns, words = build_files(folder, args.words, args.files)
        print(f"corpus: {len(paths)} files, {len(turns)} turns, {words:,} words")

        nlp = spacy.blank("en")
        nlp.add_pipe("sentencizer")
        pipeline("en")  # warm codebench's cached pipeline too, so neither side pays set-up
        baselines, ours = [], []
        for run in range(args.repeat):
            start = time.perf_counter()
            sentences = sum(len(list(doc.sents)) for doc in nlp.pipe(turns, batch_size=512))
            baselines.append(time.perf_counter() - start)

            project = Project.init(
                folder / f"bench-{run}.db", load_codebook(default_codebook_path())
            )
            start = time.perf_counter()
            report = project.import_files(paths)
            ours.append(time.perf_counter() - start)
            assert report.ok and len(report.imported) == len(paths), report.failed
            assert report.segments == sentences, (report.segments, sentences)
            project.close()
            print(
                f"run {run + 1}: spaCy alone {baselines[-1]:5.2f} s, codebench {ours[-1]:5.2f} s, ratio {baselines[-1] / ours[-1]:.2f}"
            )

    baseline, mine = statistics.median(baselines), statistics.median(ours)
    base_rate, our_rate = words / baseline, words / mine
    print(
        f"baseline  spaCy blank('en') + sentencizer, nlp.pipe, 1 process: {baseline:6.2f} s  {base_rate:12,.0f} words/s  ({sentences:,} sentences)"
    )
    print(
        f"codebench read + parse + segment + store (SQLite, 1 txn/file):   {mine:6.2f} s  {our_rate:12,.0f} words/s  ({report.segments:,} segments)"
    )
    print(
        f"ratio codebench / baseline (medians of {args.repeat}): {our_rate / base_rate:.2f}  (target >= 0.8)"
    )


if __name__ == "__main__":
    main()
