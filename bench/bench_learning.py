"""Learning curve of the ranker: 5-fold CV ROUGE-2 on AbMuSu train when each fold trains on a quarter,
a half, three quarters or all of its training stories, on the two splits that decisions are made on.

    make bench-learning   # or: .venv/bin/python bench/bench_learning.py [--data PATH] [--workers N]

Issue #2 asks for ROUGE-2 40 and the ranker is what limits the score (docs/model.md). This table says
whether more stories of the AbMuSu kind would close the gap or whether the features would have to
change: if the curve is still climbing at 160 stories, more data helps; if it is flat, it will not.
The row "no training" is the fixed heuristic prior alone (``HeuristicScorer``), the score with no
story at all. Each point is ``tomtat.train.cross_validate(..., fraction=F)`` (``tomtat train --cv 5
[--cv-seed 7] --cv-fraction F``); the subsets are nested. The results replace the section between
``<!-- BEGIN learning -->`` and ``<!-- END learning -->`` in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from docsection import write_section

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "../shared/data/abmusu/train.jsonl"
FOLDS = 5
SPLITS = {"split 0": None, "split 7": 7}  # the two splits of docs/model.md (--cv-seed)
FRACTIONS = (0.25, 0.5, 0.75, 1.0)
Point = tuple[str, float]  # (split name, fraction; 0 = the heuristic prior alone)


def measure_point(data: Path, point: Point) -> tuple[Point, list[float]]:
    """ROUGE-2 ×100 per input shape at one point of the curve."""
    from tomtat.corpus import load_clusters
    from tomtat.train import VARIANTS, cross_validate

    split, fraction = point
    clusters = [c for c in load_clusters(data) if c.summary.strip()]
    if fraction == 0:
        return point, heuristic_only(clusters)
    scores = cross_validate(
        clusters, k=FOLDS, eval_variants=tuple(VARIANTS), seed=SPLITS[split], fraction=fraction
    )
    return point, [100 * scores[name].rouge2 for name in VARIANTS]


def heuristic_only(clusters: list) -> list[float]:
    """The fixed prior needs no training, so it scores every story directly (the same for both splits)."""
    from tomtat.rouge import corpus_score
    from tomtat.scoring import HeuristicScorer
    from tomtat.summarizer import summarize
    from tomtat.train import VARIANTS

    references = [c.summary for c in clusters]
    scores = []
    for variant in VARIANTS.values():
        texts = [
            summarize([variant(a) for a in c.articles], scorer=HeuristicScorer(), facts=False).text
            for c in clusters
        ]
        scores.append(100 * corpus_score(texts, references).rouge2)
    return scores


def render(results: dict[Point, list[float]], stories: int, data: Path) -> str:
    training = stories - stories // FOLDS  # per fold, when the folds are equal (200 stories: 160)
    lines = [
        "## Learning curve of the ranker (5-fold CV on train)",
        "",
        "Regenerate: `make bench-learning` (`.venv/bin/python bench/bench_learning.py`). Data: "
        f"`{data.name}` ({stories} stories), 200 syllables, ROUGE-2 F1 ×100 (docs/metric.md) of the full "
        "summarizer on held-out folds, mean of the four input shapes of `make bench-shapes` (as given in "
        "brackets). Each fold trains on the share of its training stories in the first column (nested "
        "subsets); *no training* is the heuristic prior alone. Splits as in docs/model.md.",
        "",
        "| training stories per fold | " + " | ".join(SPLITS) + " | mean of the splits |",
        "|---|" + "---|" * (len(SPLITS) + 1),
    ]
    for fraction in (0.0, *FRACTIONS):
        label = "no training" if fraction == 0 else f"{round(fraction * training)} ({fraction:.0%})"
        cells, means = [], []
        for split in SPLITS:
            shapes = results[(split, fraction)]
            mean = sum(shapes) / len(shapes)
            means.append(mean)
            cells.append(f"{mean:.2f} ({shapes[0]:.2f})")
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {sum(means) / len(means):.2f} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--workers", type=int, default=2, help="processes, one point each (default 2)")
    args = parser.parse_args()
    if not args.data.exists():
        print(f"bench_learning: {args.data} not found (../shared/data is needed)", file=sys.stderr)
        return 2
    from tomtat.corpus import load_clusters

    stories = sum(1 for c in load_clusters(args.data) if c.summary.strip())
    started = time.perf_counter()
    # The heuristic row does not depend on the split: measured once, shown in both columns.
    points: list[Point] = [(split, f) for f in reversed(FRACTIONS) for split in SPLITS]
    points.append((next(iter(SPLITS)), 0.0))
    results: dict[Point, list[float]] = {}
    with ProcessPoolExecutor(max_workers=max(1, args.workers)) as pool:
        futures = [pool.submit(measure_point, args.data, point) for point in points]
        for future in futures:
            (split, fraction), shapes = future.result()
            results[(split, fraction)] = shapes
            mean = sum(shapes) / len(shapes)
            print(f"{split}, {fraction:.0%} of the training stories: mean R2 {mean:.2f}", file=sys.stderr)
    for split in SPLITS:
        results[(split, 0.0)] = results[(next(iter(SPLITS)), 0.0)]
    write_section("learning", render(results, stories, args.data))
    seconds = time.perf_counter() - started
    print(f"wrote the learning section of docs/benchmarks.md in {seconds:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
