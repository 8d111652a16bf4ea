"""How far can lexical story grouping go on AbMuSu? Offline upper bounds next to the incremental result.

    .venv/bin/python bench/bench_stories_bounds.py   # rewrites its section of docs/benchmarks.md

For the train pool (621 articles, 200 stories; where the defaults were chosen), the validation pool (304,
100) and both pooled (925, 300), with the article vectors :class:`tomtat.clustering.StoryIndex` uses
(tf-idf of tone-folded syllables and bigrams, title ×4 and lead ×2, idf over the pool):

* nearest-neighbour accuracy: how often an article's most similar other article is in its own story;
* oracle assignment: how often an article's highest *average* similarity, over every true story with
  the article itself left out, is its own story — what incremental average linkage could do if every
  other article were already grouped perfectly;
* offline agglomerative clustering over the full similarity matrix (average and complete linkage) at
  the threshold that is best *on that pool* (so an optimistic bound);
* the incremental algorithm itself (``StoryIndex`` defaults, one batch, 5 shuffles, mean).

These compare every pair, so they are for measuring only.
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_stories import DATA, bcubed, load_pooled
from docsection import write_section
from tomtat.clustering import StoryIndex, extract_terms, lead_and_body

THRESHOLDS = np.arange(0.03, 0.6, 0.01)


def similarity(records: list[dict], vector_terms: int | None) -> np.ndarray:
    """Cosine matrix of the articles' tf-idf vectors (all terms, or the ``vector_terms`` heaviest)."""
    index = StoryIndex(vector_terms=vector_terms or 10**6, stored_terms=vector_terms or 10**6)
    raws = [extract_terms(r["title"], *lead_and_body(r["text"])) for r in records]
    index.observe(raws)
    vocabulary: dict[int, int] = {}
    rows = []
    for raw in raws:
        terms, weights = index.vector(index.fingerprint(raw))
        pairs = zip(terms, weights, strict=True)
        rows.append({vocabulary.setdefault(t, len(vocabulary)): w for t, w in pairs})
    matrix = np.zeros((len(records), len(vocabulary)), dtype=np.float32)
    for i, row in enumerate(rows):
        matrix[i, list(row)] = list(row.values())
    return matrix @ matrix.T


def bounds(records: list[dict], truth: dict[str, str], sims: np.ndarray) -> dict[str, float]:
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    ids = [r["id"] for r in records]
    stories = sorted({truth[k] for k in ids})
    labels = np.array([stories.index(truth[k]) for k in ids])
    off = sims.copy()
    np.fill_diagonal(off, -1.0)
    nearest = float((labels[off.argmax(1)] == labels).mean())
    np.fill_diagonal(off, 0.0)
    sizes = np.bincount(labels, minlength=len(stories)).astype(float)
    totals = np.stack([off[:, labels == s].sum(1) for s in range(len(stories))], axis=1)
    own = np.maximum(sizes[labels] - 1, 1)
    average = totals / sizes
    average[np.arange(len(ids)), labels] = totals[np.arange(len(ids)), labels] / own
    oracle = float((average.argmax(1) == labels).mean())
    distance = np.clip(1.0 - (sims + sims.T) / 2, 0.0, None)
    np.fill_diagonal(distance, 0.0)
    out = {"nearest": nearest, "oracle": oracle}
    for method in ("average", "complete"):
        tree = linkage(squareform(distance, checks=False), method=method)
        best = (0.0, 0.0)
        for threshold in THRESHOLDS:
            found = fcluster(tree, 1.0 - threshold, criterion="distance")
            f1 = bcubed({k: str(c) for k, c in zip(ids, found, strict=True)}, {k: truth[k] for k in ids})[2]
            best = max(best, (f1, float(threshold)))
        out[method], out[f"{method}_at"] = best
    return out


def incremental(records: list[dict], truth: dict[str, str], seeds: int = 5) -> float:
    raws = {r["id"]: extract_terms(r["title"], *lead_and_body(r["text"])) for r in records}
    scores = []
    for seed in range(seeds):
        shuffled = records[:]
        random.Random(seed).shuffle(shuffled)
        index = StoryIndex()
        index.observe(raws[r["id"]] for r in shuffled)
        new_story = itertools.count().__next__
        for record in shuffled:
            index.place(record["id"], index.fingerprint(raws[record["id"]]), new_story)
        predicted = {key: str(index._entries[index._position[key]].story) for key in raws}
        scores.append(bcubed(predicted, {k: truth[k] for k in raws})[2])
    return statistics.mean(scores)


def render(rows: list[tuple[str, str, dict[str, float], float]]) -> str:
    lines = [
        "## Stories: how far lexical grouping can go (offline bounds)",
        "",
        "Regenerate: `.venv/bin/python bench/bench_stories_bounds.py`. Article vectors as `StoryIndex` "
        "builds them, idf over the pool. *Nearest*: share of articles whose most similar article is in "
        "their own story. *Oracle*: share whose highest average similarity to a true story (itself left "
        "out) is their own. *Average/complete linkage*: offline agglomerative clustering of the full "
        "similarity matrix at the threshold best on that pool (B-cubed F1 @ cosine). *Incremental*: "
        "`StoryIndex` defaults, one batch, mean B-cubed F1 over 5 shuffles.",
        "",
        "| pool | vectors | nearest | oracle | average linkage | complete linkage | incremental |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for pool, vectors, b, inc in rows:
        lines.append(
            f"| {pool} | {vectors} | {b['nearest']:.3f} | {b['oracle']:.3f} | "
            f"{b['average']:.3f} @ {b['average_at']:.2f} | {b['complete']:.3f} @ {b['complete_at']:.2f} | "
            f"{inc:.3f} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--no-write", action="store_true", help="print the section, leave the doc alone")
    args = parser.parse_args()
    if not (args.data / "train.jsonl").is_file():
        print(f"bench_stories_bounds: AbMuSu not found at {args.data}", file=sys.stderr)
        return 2
    records, truth, _ = load_pooled(args.data)
    pools = {
        "train (621)": [r for r in records if r["id"].startswith("t")],
        "validation (304)": [r for r in records if r["id"].startswith("v")],
        "all (925)": records,
    }
    rows = []
    for name, pool in pools.items():
        inc = incremental(pool, truth)
        for vectors, terms in (("100 heaviest terms", StoryIndex().vector_terms), ("all terms", None)):
            rows.append((name, vectors, bounds(pool, truth, similarity(pool, terms)), inc))
            print(rows[-1], file=sys.stderr, flush=True)
    text = render(rows)
    print(text)
    if not args.no_write:
        write_section("stories-bounds", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
