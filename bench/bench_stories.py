"""Stories benchmark: grouping quality on pooled AbMuSu, and ingest scale at 1k / 10k / 100k articles.

    make bench-stories      # or: .venv/bin/python bench/bench_stories.py [--sizes 1000 10000 100000]

(a) Quality. Every article of AbMuSu train + validation (925 articles, 300 stories) is pooled, given an
    id, shuffled, and run through ``tomtat.store.digest`` (in-memory store, grouping and summaries), once
    per shuffle seed (5 seeds) with the default batch of 500 and once more per seed in batches of 25
    (articles trickling in); the same without the re-assignment pass, and the validation pool alone (the
    articles the pair model was not trained on), grouping only, also with the store reopened for every
    batch (one ``tomtat ingest`` per batch); and new stores holding only 1, 3 or 10
    validation stories, with and without the background document frequencies. The grouping is compared
    with the true stories: B-cubed precision, recall and F1 and the adjusted Rand index; mean, standard
    deviation and range over the shuffles. The story pairs merged most often, and the categories of
    merged / split articles, show where it errs.
    AbMuSu has no dates, so the time window plays no part here.
(b) Scale. Synthetic corpora are built from the same stories: each (story, era) is a new story whose
    articles recombine sentences of that story's real articles, published in a 3-day span; eras are 30
    days apart, so the same words recur every month as a different story. Each size is ingested by a
    separate process (``tomtat ingest`` into a fresh SQLite file, batches of 500), so its peak RSS is its
    own; we report articles/s, peak memory, the grouping's B-cubed F1 against the synthetic truth, and
    the throughput ratio to the smallest size.

(c) ``--partitions [SIZE ...]`` (alone, not part of ``make bench-stories``): the synthetic corpus grouped
    in one in-memory store against ``tomtat.parallel`` time ranges (30 and 10 days, 7-day overlap,
    boundaries moved with ``origin``) stitched back, with 1 and 2 worker processes; B-cubed, stories,
    seconds, peak RSS, and the plain union-find stitch for comparison. Section ``stories-partitions``.

The results replace the section between ``<!-- BEGIN stories -->`` and ``<!-- END stories -->`` in
docs/benchmarks.md; other sections are left alone.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

from docsection import write_section

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "../shared/data/abmusu"
SEEDS = (0, 1, 2, 3, 4)
SIZES = (1_000, 10_000, 100_000)
NO_PASS_SIZE = 10_000  # also ingested without the re-assignment pass, for comparison
F1_TARGET = 0.95


# --- data ------------------------------------------------------------------------------------------


def load_pooled(data: Path) -> tuple[list[dict], dict[str, str], dict[str, str]]:
    """AbMuSu train + validation as feed records; truth maps article id → story, story → category."""
    records, truth, category = [], {}, {}
    for split in ("train", "validation"):
        with open(data / f"{split}.jsonl", encoding="utf-8") as stream:
            for number, line in enumerate(stream):
                cluster = json.loads(line)
                story = f"{split[0]}{number}"
                category[story] = cluster.get("category", "")
                for position, document in enumerate(cluster["single_documents"]):
                    article_id = f"{story}-{position}"
                    lead = document.get("anchor_text") or ""
                    text = f"{lead}\n{document['raw_text']}" if lead else document["raw_text"]
                    records.append({"id": article_id, "title": document.get("title") or "", "text": text})
                    truth[article_id] = story
    return records, truth, category


def synthetic_corpus(records: list[dict], truth: dict[str, str], size: int, seed: int = 0) -> list[dict]:
    """``size`` new articles: per (story, era), 3-4 recombinations of the story's real sentences."""
    from tomtat.sentences import split_sentences
    from tomtat.text import normalize

    rng = random.Random(seed)
    by_story: dict[str, list[dict]] = defaultdict(list)
    for record in records:
        by_story[truth[record["id"]]].append(record)
    def sentences(text: str) -> list[str]:
        return [s for s in split_sentences(normalize(text)) if len(s) > 20]

    pools = {story: [(d["title"], sentences(d["text"])) for d in docs] for story, docs in by_story.items()}
    stories = sorted(pools)
    start = date(2015, 1, 1)
    out: list[dict] = []
    era = 0
    while len(out) < size:
        for story in stories:
            day = start + timedelta(days=30 * era + rng.randrange(3))
            for number in range(rng.choice((3, 3, 4))):
                if len(out) >= size:
                    break
                title, base = rng.choice(pools[story])
                other = rng.choice(pools[story])[1]
                take = max(3, int(len(base) * rng.uniform(0.5, 0.8)))
                sentences = base[:2] + rng.sample(base[2:], min(len(base[2:]), take)) + rng.sample(
                    other, min(len(other), 3)
                )
                published = day + timedelta(days=rng.randrange(3))
                out.append(
                    {
                        "id": f"{story}-e{era}-{number}",
                        "title": title,
                        "text": "\n".join(sentences),
                        "published": published.isoformat(),
                    }
                )
        era += 1
    rng.shuffle(out)
    out.sort(key=lambda r: r["published"])  # a feed arrives roughly in time order, shuffled within a day
    return out


# --- metrics ---------------------------------------------------------------------------------------


def bcubed(predicted: dict[str, str], truth: dict[str, str]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 in O(n) from the (predicted, true) cluster sizes."""
    pair = Counter((predicted[k], truth[k]) for k in truth)
    pred_size = Counter(predicted[k] for k in truth)
    true_size = Counter(truth.values())
    precision = sum(n * n / pred_size[p] for (p, _), n in pair.items()) / len(truth)
    recall = sum(n * n / true_size[t] for (_, t), n in pair.items()) / len(truth)
    return precision, recall, 2 * precision * recall / (precision + recall)


def ari(predicted: dict[str, str], truth: dict[str, str]) -> float:
    from sklearn.metrics import adjusted_rand_score

    keys = sorted(truth)
    return adjusted_rand_score([truth[k] for k in keys], [predicted[k] for k in keys])


def spread(values: list[float]) -> str:
    mean, deviation = statistics.mean(values), statistics.pstdev(values)
    return f"{mean:.3f} ± {deviation:.3f} ({min(values):.3f}–{max(values):.3f})"


# --- (a) quality -----------------------------------------------------------------------------------


def quality(data: Path) -> dict:
    from tomtat.store import digest

    records, truth, category = load_pooled(data)
    runs: dict[str, list[dict]] = {"batch 500": [], "batch 25": []}
    merged_pairs: Counter[tuple[str, str]] = Counter()
    split_categories: Counter[str] = Counter()
    merged_categories: Counter[str] = Counter()
    for seed in SEEDS:
        shuffled = records[:]
        random.Random(seed).shuffle(shuffled)
        for label, batch in (("batch 500", 500), ("batch 25", 25)):
            started = time.perf_counter()
            result = digest(shuffled, batch_size=batch, words=200 if batch == 500 else 50)
            seconds = time.perf_counter() - started
            predicted = {a: s.id for s in result.stories for a in s.article_ids}
            p, r, f = bcubed(predicted, truth)
            runs[label].append(
                {"seed": seed, "precision": p, "recall": r, "f1": f, "ari": ari(predicted, truth),
                 "stories": len(result.stories), "copies": result.report.copies, "seconds": seconds}
            )
            if batch != 500:
                continue
            for story in result.stories:
                gold = Counter(truth[a] for a in story.article_ids)
                if len(gold) > 1:
                    for first in gold:
                        merged_categories[category[first]] += gold[first]
                    names = sorted(gold)
                    for i, first in enumerate(names):
                        for second in names[i + 1 :]:
                            merged_pairs[(first, second)] += 1
            stories_of: dict[str, set[str]] = defaultdict(set)
            for article, story in predicted.items():
                stories_of[truth[article]].add(story)
            for gold_story, found in stories_of.items():
                if len(found) > 1:
                    split_categories[category[gold_story]] += 1
    titles = {r["id"].rsplit("-", 1)[0]: r["title"] for r in records}
    validation = [r for r in records if r["id"].startswith("v")]
    for label, pool, batch, regroup in (
        ("no pass, batch 500", records, 500, False),
        ("no pass, batch 25", records, 25, False),
        ("validation, batch 500", validation, 500, True),
        ("validation, no pass, batch 500", validation, 500, False),
        ("validation, batch 25", validation, 25, True),
        ("validation, no pass, batch 25", validation, 25, False),
    ):
        runs[label] = [grouping_only(pool, truth, seed, batch, regroup) for seed in SEEDS]
    reopened = [reopened_per_batch(validation, truth, seed, 25) for seed in SEEDS]
    runs["validation, batch 25, reopened"] = reopened
    return {
        "articles": len(records),
        "stories": len(set(truth.values())),
        "runs": runs,
        "small": small_stores(validation, truth),
        "merged_pairs": [
            (a, b, n, category[a], titles.get(a, ""), titles.get(b, ""))
            for (a, b), n in merged_pairs.most_common(6)
        ],
        "merged_categories": merged_categories.most_common(),
        "split_categories": split_categories.most_common(),
        "category_sizes": Counter(category.values()).most_common(),
    }


SMALL_STORE_STORIES = (1, 3, 10)
SMALL_STORE_DRAWS = 60


def small_stores(validation: list[dict], truth: dict[str, str]) -> list[dict]:
    """A new store given the articles of a few validation stories: mean B-cubed F1 over random draws of
    k stories, with the shipped background document frequencies and without them."""
    by_story: dict[str, list[dict]] = defaultdict(list)
    for record in validation:
        by_story[truth[record["id"]]].append(record)
    rows = []
    for k in SMALL_STORE_STORIES:
        rng = random.Random(k)
        scores: dict[bool, list[float]] = {True: [], False: []}
        for _ in range(SMALL_STORE_DRAWS):
            chosen = [r for story in rng.sample(sorted(by_story), k) for r in by_story[story]]
            seed = rng.randrange(1 << 30)
            for background in (True, False):
                run = grouping_only(chosen, truth, seed, 500, True, {"background": background})
                scores[background].append(run["f1"])
        with_, without = statistics.mean(scores[True]), statistics.mean(scores[False])
        rows.append({"stories": k, "with": with_, "without": without})
    return rows


def reopened_per_batch(records: list[dict], truth: dict[str, str], seed: int, batch: int) -> dict:
    """Like :func:`grouping_only` with an SQLite file that is closed and reopened for every batch, as
    when each batch is its own ``tomtat ingest`` run."""
    from tomtat.store import Store

    shuffled = records[:]
    random.Random(seed).shuffle(shuffled)
    started = time.perf_counter()
    copies = 0
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "reopened.db"
        for start in range(0, len(shuffled), batch):
            with Store(path) as store:
                copies += store.ingest(shuffled[start : start + batch], batch_size=batch).copies
        seconds = time.perf_counter() - started
        with sqlite3.connect(path) as connection:
            rows = connection.execute("SELECT id, story FROM articles")
            predicted = {key: str(story) for key, story in rows}
    return _grouping_scores(predicted, truth, seed, copies, seconds)


def _grouping_scores(
    predicted: dict[str, str], truth: dict[str, str], seed: int, copies: int, seconds: float
) -> dict:
    """One run's row: B-cubed and ARI of the final stories against the truth, and what the run did."""
    gold = {key: truth[key] for key in predicted}
    p, r, f = bcubed(predicted, gold)
    return {"seed": seed, "precision": p, "recall": r, "f1": f, "ari": ari(predicted, gold),
            "stories": len(set(predicted.values())), "copies": copies, "seconds": seconds}


def grouping_only(
    records: list[dict],
    truth: dict[str, str],
    seed: int,
    batch: int,
    regroup: bool,
    index_options: dict | None = None,
) -> dict:
    """One shuffled run through ``Store.ingest`` without summaries; stories read back from the store."""
    from tomtat.store import Store

    shuffled = records[:]
    random.Random(seed).shuffle(shuffled)
    started = time.perf_counter()
    with Store.memory(regroup=regroup, index_options=index_options) as store:
        report = store.ingest(shuffled, batch_size=batch)
        seconds = time.perf_counter() - started
        # final stories (the pass may move articles of earlier batches); no public listing without summaries
        predicted = {key: str(story) for key, story in store._db.execute("SELECT id, story FROM articles")}
    return _grouping_scores(predicted, truth, seed, report.copies, seconds)


# --- (b) scale -------------------------------------------------------------------------------------


def peak_rss_mb() -> float:
    """This process's peak RSS: VmHWM, which starts afresh at exec (``ru_maxrss`` keeps the parent's peak
    from before the fork, which made a child started after the 100k corpus was built look 700 MB big)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def scale_child(feed: Path, db: Path, regroup: bool = True) -> dict:
    """Runs in its own process: ingest ``feed`` into ``db`` and report time, memory and grouping."""
    from tomtat.feeds import read_feed
    from tomtat.store import Store

    started = time.perf_counter()
    with Store(db, regroup=regroup) as store:
        report = store.ingest(read_feed(feed), batch_size=500)
        seconds = time.perf_counter() - started
        stories = store.count_stories()
    # where each article is at the end: the re-assignment pass may move articles of earlier batches
    with sqlite3.connect(db) as connection:
        predicted = {key: str(story) for key, story in connection.execute("SELECT id, story FROM articles")}
    truth = {key: key.rsplit("-", 1)[0] for key in predicted}
    p, r, f = bcubed(predicted, truth)
    peak_mb = peak_rss_mb()
    return {
        "articles": report.added, "seconds": seconds, "per_second": report.added / seconds,
        "peak_mb": peak_mb, "stories": stories, "true_stories": len(set(truth.values())),
        "precision": p, "recall": r, "f1": f, "copies": report.copies, "errors": len(report.errors),
        "db_mb": db.stat().st_size / 2**20,
    }


def scale(data: Path, sizes: tuple[int, ...]) -> list[dict]:
    records, truth, _ = load_pooled(data)
    results = []
    runs = [(size, True) for size in sizes] + [(size, False) for size in sizes if size == NO_PASS_SIZE]
    with tempfile.TemporaryDirectory() as scratch:
        for size, regroup in runs:
            feed = Path(scratch) / f"feed-{size}.jsonl"
            with open(feed, "w", encoding="utf-8") as out:
                for record in synthetic_corpus(records, truth, size):
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
            db = Path(scratch) / f"scale-{size}.db"
            print(f"scale: ingesting {size} articles in a child process ...", file=sys.stderr, flush=True)
            flags = [] if regroup else ["--no-pass"]
            done = subprocess.run(
                [sys.executable, __file__, "--child", str(feed), str(db), *flags],
                capture_output=True, text=True, check=True,
            )
            result = json.loads(done.stdout)
            result["size"] = size
            result["regroup"] = regroup
            results.append(result)
            print(f"  {json.dumps(result)}", file=sys.stderr, flush=True)
            feed.unlink()
            for path in Path(scratch).glob(f"scale-{size}.db*"):
                path.unlink()
    return results


# --- (c) grouping split by time ranges -------------------------------------------------------------

PARTITION_SIZES = (10_000,)
# (label, range days, overlap days, origin shift in days, workers); shift 0 is the default origin (the
# earliest day), which puts each range boundary at the start of a monthly burst of the synthetic corpus.
PARTITION_RUNS = (
    ("one store", 0, 0, 0, 1),
    ("30-day ranges, boundaries between bursts", 30, 7, 15, 1),
    ("30-day ranges, boundaries between bursts", 30, 7, 15, 2),
    ("30-day ranges, boundaries at each burst's start", 30, 7, 0, 1),
    ("30-day ranges, boundaries at each burst's start", 30, 7, 0, 2),
    ("30-day ranges, boundaries 3 days into each burst", 30, 7, 3, 1),
    ("10-day ranges", 10, 7, 0, 1),
)


def union_stitch(results: list[list[tuple[str, str, bool]]]) -> dict[str, str]:
    """The rule tomtat.parallel.stitch replaced: any two local stories sharing an article are one."""
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        parent.setdefault(key, key)
        while parent[key] != key:
            key = parent[key]
        return key

    first: dict[str, str] = {}
    for result in results:
        for article, local, _ in result:
            a, b = root(first.setdefault(article, local)), root(local)
            if a != b:
                parent[b] = a
    return {article: root(local) for article, local in first.items()}


def partition_child(feed: Path, days: float, overlap: float, shift: float, workers: int) -> dict:
    """Runs in its own process: group ``feed`` in one in-memory store, or by time ranges, and report."""
    from tomtat.feeds import read_feed
    from tomtat.parallel import group_by_time, group_partition, partition_by_time, stitch
    from tomtat.store import Store

    articles = [item for item in read_feed(feed)]
    truth = {a.id: a.id.rsplit("-", 1)[0] for a in articles}
    extra: dict = {}
    started = time.perf_counter()
    if not days:
        with Store.memory() as store:
            report = store.ingest(articles, batch_size=500)
        predicted = {a.article_id: a.story_id for a in report.assignments}
        grouped = len(articles)
    else:
        earliest = min(a.published for a in articles if a.published is not None)
        origin = earliest.date() - timedelta(days=(days - shift) % days)
        partitions = partition_by_time(articles, days, overlap, origin=origin)
        grouped = sum(map(len, partitions))
        if workers == 1:  # what group_by_time does with one worker, keeping the ranges' results
            results = [group_partition(p) for p in partitions]
            predicted = stitch(results)
            extra["union"] = bcubed(union_stitch(results), truth)
            extra["union_stories"] = len(set(union_stitch(results).values()))
        else:
            predicted = group_by_time(articles, days, overlap, origin=origin, workers=workers)
        extra["partitions"] = len(partitions)
    seconds = time.perf_counter() - started
    p, r, f = bcubed(predicted, truth)
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the largest worker
    return {"seconds": seconds, "precision": p, "recall": r, "f1": f, "stories": len(set(predicted.values())),
            "true_stories": len(set(truth.values())), "grouped": grouped, "peak_mb": peak_rss_mb(),
            "worker_peak_mb": children if workers > 1 else None, **extra}


def partitions_bench(data: Path, sizes: tuple[int, ...]) -> dict:
    from tomtat.parallel import partition_by_time

    records, truth, _ = load_pooled(data)
    rows = []
    load = os.getloadavg()[0]  # other work on the machine slows the worker rows most
    with tempfile.TemporaryDirectory() as scratch:
        for size in sizes:
            feed = Path(scratch) / f"feed-{size}.jsonl"
            with open(feed, "w", encoding="utf-8") as out:
                for record in synthetic_corpus(records, truth, size):
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
            for label, days, overlap, shift, workers in PARTITION_RUNS:
                note = f"partitions: {size} articles, {label}, {workers} worker(s) ..."
                print(note, file=sys.stderr, flush=True)
                done = subprocess.run(
                    [sys.executable, __file__, "--partition-child", str(feed), str(days), str(overlap),
                     str(shift), str(workers)],
                    capture_output=True, text=True, check=True,
                )
                row = json.loads(done.stdout) | {"size": size, "label": label, "days": days,
                                                 "overlap": overlap, "workers": workers}
                rows.append(row)
                print(f"  {json.dumps(row)}", file=sys.stderr, flush=True)
    abmusu = partition_by_time(records)
    return {"rows": rows, "abmusu": [(p.key, len(p)) for p in abmusu], "abmusu_articles": len(records),
            "load": (load, os.getloadavg()[0])}


def render_partitions(result: dict, command: str) -> str:
    lines = [
        "## Stories: grouping split by time ranges",
        "",
        f"Regenerate: `{command}` (bench/bench_stories.py).",
        "",
        "The synthetic scale corpus (above: one story per AbMuSu story and 30-day era, its articles "
        "published within 5 days at the start of each era, so it comes in monthly bursts) grouped in one "
        "in-memory store, or cut by `tomtat.parallel.partition_by_time` into ranges that overlap by 7 days, "
        "each range grouped in its own in-memory store (`group_partition`) and the ranges stitched "
        "(`stitch`). Where the range boundaries fall is moved with `origin`. Each row runs in a fresh "
        "process; 1 worker runs the ranges one after another in that process, 2 workers in two worker "
        "processes (`group_by_time(workers=2)`; peak RSS given for the main process / the largest worker). "
        "*Grouped* counts articles including the second copy of each overlap article. The *plain union* "
        "columns stitch the same range results by joining any two local stories that share an article.",
        "",
        "| articles | grouping | ranges | workers | grouped | seconds | peak RSS MB | stories (true) "
        "| B-cubed P | R | F1 | plain union P / F1 (stories) |",
        "|---:|---|---:|---:|---:|---:|---|---|---:|---:|---:|---|",
    ]
    for r in result["rows"]:
        rss = f"{r['peak_mb']:.0f}" + (f" / {r['worker_peak_mb']:.0f}" if r["worker_peak_mb"] else "")
        union = "–"
        if "union" in r:
            union = f"{r['union'][0]:.3f} / {r['union'][2]:.3f} ({r['union_stories']:,})"
        lines.append(
            f"| {r['size']:,} | {r['label']} | {r.get('partitions', 1)} | {r['workers']} | "
            f"{r['grouped']:,} | {r['seconds']:.1f} | {rss} | {r['stories']:,} ({r['true_stories']:,}) | "
            f"{r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} | {union} |"
        )
    one = {r["size"]: r for r in result["rows"] if not r["days"]}
    worst = {}
    for r in result["rows"]:
        if r["days"]:
            gap = abs(r["f1"] - one[r["size"]]["f1"])
            worst[r["size"]] = max(worst.get(r["size"], 0.0), gap)
    keys = ", ".join(f"{key} ({n})" for key, n in result["abmusu"])
    lines += [
        "",
        "Largest F1 difference from one store: "
        + ", ".join(f"{size:,} articles {gap:.4f}" for size, gap in worst.items())
        + f". The pooled AbMuSu ({result['abmusu_articles']} articles) has no publication dates, so "
        f"`partition_by_time` gives one partition, {keys}: partitioning does not apply there and its "
        "grouping is the one-store grouping measured above.",
        "",
        f"Python {platform.python_version()} on {platform.machine()} with {os.cpu_count()} cores, "
        f"measured {date.today()}; 1-minute load average {result['load'][0]:.1f} before the runs and "
        f"{result['load'][1]:.1f} after (above 0, other processes shared the cores, which slows the "
        "2-worker rows most).",
    ]
    return "\n".join(lines)


# --- report ----------------------------------------------------------------------------------------


def render(q: dict, s: list[dict], command: str) -> str:
    lines = [
        "## Stories: grouping quality and ingest scale",
        "",
        f"Regenerate: `{command}` (bench/bench_stories.py).",
        "",
        f"**Quality.** All {q['articles']} articles of AbMuSu train + validation "
        f"({q['stories']} true stories) pooled, shuffled with 5 seeds and run through "
        "`tomtat.store.digest` (in-memory store, grouping and 200-syllable summaries). The rows without "
        "the re-assignment pass (`Store(regroup=False)`: plain cosine at arrival) and the validation-pool "
        "rows (the 304 articles the pair model was not trained on, pooled alone) group without summarizing, "
        "so their seconds are grouping only. Mean ± standard deviation (range) over the 5 shuffles:",
        "",
        "| arrival | B-cubed P | B-cubed R | B-cubed F1 | ARI | stories found | s per run |",
        "|---|---|---|---|---|---:|---:|",
    ]
    names = {
        "batch 500": "all at once (batches of 500)",
        "batch 25": "trickling in (batches of 25)",
        "no pass, batch 500": "same, without the re-assignment pass",
        "no pass, batch 25": "trickling in, without the pass",
        "validation, batch 500": "validation pool only (304, held out), batches of 500",
        "validation, no pass, batch 500": "validation pool, without the pass",
        "validation, batch 25": "validation pool, batches of 25",
        "validation, no pass, batch 25": "validation pool, batches of 25, without the pass",
        "validation, batch 25, reopened": "validation pool, batches of 25, store reopened for each batch",
    }
    for label, runs in q["runs"].items():
        name = names[label]
        lines.append(
            f"| {name} | {spread([r['precision'] for r in runs])} | {spread([r['recall'] for r in runs])} | "
            f"{spread([r['f1'] for r in runs])} | {spread([r['ari'] for r in runs])} | "
            f"{statistics.mean(r['stories'] for r in runs):.0f} | "
            f"{statistics.mean(r['seconds'] for r in runs):.1f} |"
        )
    f1 = statistics.mean(r["f1"] for r in q["runs"]["batch 500"])
    verdict = "met" if f1 >= F1_TARGET else "**not met**"
    lines += [
        "",
        f"Target B-cubed F1 ≥ {F1_TARGET}: {verdict} (mean {f1:.3f}).",
        "",
        "Where it errs (batches of 500, summed over the 5 shuffles): articles in merged stories by "
        "category — "
        + ", ".join(f"{c} {n}" for c, n in q["merged_categories"])
        + "; true stories split, by category — "
        + ", ".join(f"{c} {n}" for c, n in q["split_categories"])
        + ". True stories per category: "
        + ", ".join(f"{c} {n}" for c, n in q["category_sizes"])
        + ". True stories merged most often:",
        "",
        "| stories | found together (5 runs) | category | a title of each |",
        "|---|---:|---|---|",
    ]
    for first, second, count, cat, title_a, title_b in q["merged_pairs"]:
        lines.append(f"| {first} + {second} | {count} | {cat} | {title_a.strip()} / {title_b.strip()} |")
    lines += [
        "",
        f"**Small stores.** A new store given only the articles of k validation stories ({SMALL_STORE_DRAWS} "
        "random draws each, one batch, with the pass): mean B-cubed F1 with the shipped background document "
        "frequencies (`models/background.npy`) and with the store's own counts alone "
        "(`index_options={\"background\": False}`).",
        "",
        "| stories in the store | F1 with background | F1 own counts only |",
        "|---:|---:|---:|",
    ]
    for row in q["small"]:
        lines.append(f"| {row['stories']} | {row['with']:.3f} | {row['without']:.3f} |")
    base = s[0]["per_second"] if s else 1.0
    passed = [r for r in s if r["regroup"]]
    lines += [
        "",
        "**Scale.** Synthetic corpora recombining the sentences of each AbMuSu story into new articles, one "
        "story per (true story, 30-day era), 3–4 articles each published within 3 days; fed in date "
        "order to `Store.ingest` (SQLite file, WAL, batches of 500) in a fresh process per size, with the "
        "re-assignment pass (and once without it at 10k, `Store(regroup=False)`). Peak RSS is the child's "
        "`VmHWM`; B-cubed F1 is over the final stories.",
        "",
        "| articles | seconds | articles/s | vs 1k | peak RSS MB | DB MB | stories (true) | B-cubed F1 |",
        "|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for r in s:
        lines.append(
            f"| {r['size']:,}{'' if r['regroup'] else ' (no pass)'} |"
            f" {r['seconds']:.1f} | {r['per_second']:.0f} | {r['per_second'] / base:.2f}× | "
            f"{r['peak_mb']:.0f} | {r['db_mb']:.0f} | {r['stories']:,} ({r['true_stories']:,}) | "
            f"{r['f1']:.3f} |"
        )
    if passed:
        top = passed[-1]
        lines += [
            "",
            f"Targets at {top['size']:,}: under 10 minutes — {top['seconds'] / 60:.1f} min; peak memory "
            f"under 4 GB — {top['peak_mb'] / 1024:.2f} GB; throughput within 2× of the smallest size — "
            f"{base / top['per_second']:.2f}× slower.",
        ]
    lines += ["", f"Python {platform.python_version()} on {platform.machine()}, measured {date.today()}."]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help="AbMuSu directory (train/validation.jsonl)")
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES), help="scale sizes")
    parser.add_argument("--no-write", action="store_true", help="print the section, leave the doc alone")
    parser.add_argument("--child", nargs=2, metavar=("FEED", "DB"), help=argparse.SUPPRESS)
    parser.add_argument("--no-pass", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--partitions", type=int, nargs="*", metavar="SIZE",
        help="only the time-range grouping comparison (section stories-partitions), at these sizes "
        f"(default {' '.join(map(str, PARTITION_SIZES))})",
    )
    parser.add_argument("--partition-child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(scale_child(Path(args.child[0]), Path(args.child[1]), regroup=not args.no_pass)))
        return 0
    if args.partition_child:
        feed, *numbers = args.partition_child
        days, overlap, shift = (float(number) for number in numbers[:3])
        print(json.dumps(partition_child(Path(feed), days, overlap, shift, int(numbers[3]))))
        return 0
    if not (args.data / "train.jsonl").is_file():
        print(f"bench_stories: AbMuSu not found at {args.data}", file=sys.stderr)
        return 2
    if args.partitions is not None:
        sizes = tuple(args.partitions) or PARTITION_SIZES
        command = "python bench/bench_stories.py --partitions" + "".join(
            f" {size}" for size in sizes if sizes != PARTITION_SIZES
        )
        text = render_partitions(partitions_bench(args.data, sizes), command)
        print(text)
        if not args.no_write:
            write_section("stories-partitions", text)
        return 0
    print("quality: 5 shuffles × 2 batch sizes ...", file=sys.stderr, flush=True)
    q = quality(args.data)
    s = scale(args.data, tuple(args.sizes))
    command = "make bench-stories"
    if tuple(args.sizes) != SIZES:
        command = f"python bench/bench_stories.py --sizes {' '.join(map(str, args.sizes))}"
    text = render(q, s, command)
    print(text)
    if not args.no_write:
        write_section("stories", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
