"""Validation ROUGE per input shape: the articles as given, without line breaks, without title and sapo,
and both, for tomtat and the round-robin lead baseline in the same run.

    make bench-shapes     # or: .venv/bin/python bench/bench_shapes.py [--data PATH] [--words N]

Real inputs do not always look like AbMuSu: plain-text files have no separate title or sapo, and text
scraped from some pages has no line breaks. The ranker is trained on all four shapes (docs/model.md);
this table shows it still beats lead on each. The results replace the section between
``<!-- BEGIN shapes -->`` and ``<!-- END shapes -->`` in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from docsection import write_section

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "../shared/data/abmusu/validation.jsonl"
SHAPE_NAMES = {
    "as_given": "as given",
    "no_line_breaks": "no line breaks",
    "no_title_no_sapo": "no title, no sapo",
    "plain_no_line_breaks": "both",
}


def measure(data: Path, words: int) -> list[tuple[str, dict[str, tuple[float, float, float]]]]:
    """Per shape: (R1, R2, RL) ×100 of tomtat and of lead, macro-averaged over the stories."""
    from tomtat.baselines import lead
    from tomtat.corpus import load_clusters
    from tomtat.rouge import corpus_score
    from tomtat.summarizer import summarize
    from tomtat.train import VARIANTS

    clusters = [c for c in load_clusters(data) if c.summary.strip()]
    references = [c.summary for c in clusters]
    rows = []
    for shape, variant in VARIANTS.items():
        inputs = [[variant(a) for a in c.articles] for c in clusters]
        scores = {}
        for system, run in (("tomtat", summarize), ("lead", lead)):
            texts = [run(articles, words=words).text for articles in inputs]
            total = corpus_score(texts, references)
            scores[system] = (100 * total.rouge1, 100 * total.rouge2, 100 * total.rougeL)
        rows.append((shape, scores))
        tomtat_r2, lead_r2 = scores["tomtat"][1], scores["lead"][1]
        print(f"{shape}: tomtat R2 {tomtat_r2:.2f}, lead R2 {lead_r2:.2f}", file=sys.stderr)
    return rows


def render(rows: list[tuple[str, dict[str, tuple[float, float, float]]]], data: Path, words: int) -> str:
    lines = [
        "## Input shapes (validation)",
        "",
        f"Regenerate: `make bench-shapes` (`.venv/bin/python bench/bench_shapes.py`). Data: `{data.name}`, "
        f"{words} syllables, ROUGE F1 ×100 (docs/metric.md); lead is the round-robin lead of `make bench`.",
        "",
        "| input | tomtat R1 | tomtat R2 | tomtat RL | lead R2 | tomtat − lead (R2) |",
        "|---|---|---|---|---|---|",
    ]
    for shape, scores in rows:
        r1, r2, rl = scores["tomtat"]
        lead_r2 = scores["lead"][1]
        name = SHAPE_NAMES.get(shape, shape)
        lines.append(f"| {name} | {r1:.2f} | {r2:.2f} | {rl:.2f} | {lead_r2:.2f} | {r2 - lead_r2:+.2f} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--words", type=int, default=200)
    args = parser.parse_args()
    if not args.data.exists():
        print(f"bench_shapes: {args.data} not found (../shared/data is needed)", file=sys.stderr)
        return 2
    started = time.perf_counter()
    rows = measure(args.data, args.words)
    write_section("shapes", render(rows, args.data, args.words))
    seconds = time.perf_counter() - started
    print(f"wrote the shapes section of docs/benchmarks.md in {seconds:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
