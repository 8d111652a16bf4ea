"""Core benchmarks: per-story latency, whole-process speed and memory against sumy, and ROUGE.

    make bench            # or: .venv/bin/python bench/bench_core.py [--data PATH] [--runs N]

(a) latency of ``tomtat.summarize`` on one core (BLAS/OpenMP threads = 1, process pinned to one CPU)
    over the AbMuSu validation stories: mean / p50 / p95 ms per story;
(b) whole processes, start-up and model loading included, run one after the other in this run:
    ``tomtat batch validation.jsonl --words 200`` against ``bench/lexrank_script.py`` (sumy LexRank on
    the same stories); wall time (best of N), speed ratio and peak RSS (from ``wait4``) of each;
(c) the ROUGE table of tomtat and the baselines on validation at 200 syllables (``tomtat.eval``);
(d) one ``tomtat summarize`` call on every AbMuSu train and validation article at once (925 files in a
    directory): wall time and peak RSS, the bad-input case "a thousand articles".

The results replace the section between ``<!-- BEGIN core -->`` and ``<!-- END core -->`` in
docs/benchmarks.md; other sections are left alone.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from docsection import DOC, write_section

# Set before numpy is first imported (only tomtat imports it, lazily), so every BLAS pool has one thread.
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_variable] = "1"

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "../shared/data/abmusu/validation.jsonl"
WORDS = 200
LATENCY_TARGET_MS = 30.0
SPEED_RATIO_TARGET = 2.5
MEMORY_TARGET_MB = 500.0


@dataclass(frozen=True)
class Latency:
    stories: int
    mean_syllables: float
    mean_articles: float
    mean_ms: float
    p50_ms: float
    p95_ms: float
    max_ms: float


@dataclass(frozen=True)
class ProcessRun:
    name: str
    command: str
    seconds: float
    all_seconds: tuple[float, ...]
    peak_rss_mb: float
    rouge2: float


def pin_to_one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    return "not pinned (no sched_setaffinity)"


def measure_latency(data: Path, repeats: int) -> Latency:
    """Per-story latency of the default summarizer; each story's time is the median of ``repeats`` calls."""
    import tomtat
    from tomtat.corpus import load_clusters
    from tomtat.text import count_syllables

    clusters = load_clusters(data)
    tomtat.summarize(list(clusters[0].articles), words=WORDS)  # warm-up: loads the model once
    times = []
    for cluster in clusters:
        articles = list(cluster.articles)
        calls = []
        for _ in range(repeats):
            start = time.perf_counter()
            tomtat.summarize(articles, words=WORDS)
            calls.append((time.perf_counter() - start) * 1000)
        times.append(statistics.median(calls))
    ordered = sorted(times)
    syllables = [sum(count_syllables(f"{a.title}\n{a.lead}\n{a.text}") for a in c.articles) for c in clusters]
    return Latency(
        stories=len(clusters),
        mean_syllables=statistics.fmean(syllables),
        mean_articles=statistics.fmean(len(c.articles) for c in clusters),
        mean_ms=statistics.fmean(times),
        p50_ms=statistics.median(times),
        p95_ms=ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))],
        max_ms=ordered[-1],
    )


def run_process(name: str, command: list[str], shown: str, output: Path, data: Path) -> ProcessRun:
    """Wall time and peak RSS (``wait4``) of one child process, and the ROUGE-2 of what it wrote."""
    output.unlink(missing_ok=True)
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = process.stderr.read().decode("utf-8", "replace") if process.stderr else ""
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{name} failed (exit {process.returncode}):\n{stderr[-2000:]}")
    return ProcessRun(name, shown, seconds, (seconds,), usage.ru_maxrss / 1024, output_rouge2(output, data))


def output_rouge2(output: Path, data: Path) -> float:
    """Macro ROUGE-2 of a batch output file against the references, so both processes did real work."""
    from tomtat.corpus import load_clusters
    from tomtat.rouge import corpus_score

    records = [json.loads(line) for line in output.open(encoding="utf-8") if line.strip()]
    references = [cluster.summary for cluster in load_clusters(data)]
    if len(records) != len(references):
        raise SystemExit(f"{output}: {len(records)} output lines for {len(references)} stories")
    return corpus_score([r.get("summary", "") for r in records], references).rouge2


@dataclass(frozen=True)
class LargeInput:
    articles: int
    syllables: int
    seconds: float
    peak_rss_mb: float
    summary_length: int
    summary_sentences: int


def large_input(data: Path) -> LargeInput:
    """``tomtat summarize DIR`` on every article of AbMuSu train + validation, one text file each."""
    from tomtat.corpus import load_clusters
    from tomtat.text import count_syllables

    articles = [a for split in ("train", "validation") for c in load_clusters(data.parent / f"{split}.jsonl")
                for a in c.articles]  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        for number, article in enumerate(articles):
            text = "\n\n".join(part for part in (article.title, article.lead, article.text) if part.strip())
            (Path(tmp) / f"{number:04d}.txt").write_text(text, encoding="utf-8")
        command = [sys.executable, "-m", "tomtat", "summarize", tmp, "--format", "json"]
        output = Path(tmp) / "summary.json.out"
        start = time.perf_counter()
        with output.open("wb") as sink:
            process = subprocess.Popen(command, cwd=ROOT, stdout=sink, stderr=subprocess.PIPE)
            stderr = process.stderr.read().decode("utf-8", "replace") if process.stderr else ""
            _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"tomtat summarize on {len(articles)} articles failed:\n{stderr[-2000:]}")
        summary = json.loads(output.read_text(encoding="utf-8"))
    return LargeInput(
        articles=len(articles),
        syllables=sum(count_syllables(a.text) for a in articles),
        seconds=seconds,
        peak_rss_mb=usage.ru_maxrss / 1024,
        summary_length=summary["length"],
        summary_sentences=len(summary["sentences"]),
    )


def compare_processes(data: Path, runs: int) -> tuple[ProcessRun, ProcessRun, ProcessRun]:
    """Run the whole processes ``runs`` times each, interleaved so that machine noise hits all alike:
    tomtat batch, tomtat batch in two worker processes, and the sumy script."""
    tomtat_exe = Path(sys.executable).parent / "tomtat"
    tomtat_command = [str(tomtat_exe)] if tomtat_exe.exists() else [sys.executable, "-m", "tomtat"]
    words = ["--words", str(WORDS)]
    with tempfile.TemporaryDirectory() as scratch:
        tomtat_out, sumy_out = Path(scratch) / "tomtat.jsonl", Path(scratch) / "lexrank.jsonl"
        tomtat_cmd = [*tomtat_command, "batch", str(data), "-o", str(tomtat_out), *words, "--quiet"]
        sumy_cmd = [
            sys.executable,
            str(ROOT / "bench/lexrank_script.py"),
            str(data),
            "-o",
            str(sumy_out),
            *words,
        ]
        shown_data = os.path.relpath(data, ROOT)
        tomtat_shown = f"tomtat batch {shown_data} -o OUT.jsonl --words {WORDS} --quiet"
        sumy_shown = f"python bench/lexrank_script.py {shown_data} -o OUT.jsonl --words {WORDS}"
        workers_cmd = [*tomtat_cmd, "--workers", "2"]
        workers_shown = f"{tomtat_shown} --workers 2"
        tomtat_runs, workers_runs, sumy_runs = [], [], []
        for _ in range(runs):
            tomtat_runs.append(run_process("tomtat batch", tomtat_cmd, tomtat_shown, tomtat_out, data))
            workers_runs.append(
                run_process("tomtat batch, 2 workers", workers_cmd, workers_shown, tomtat_out, data)
            )
            sumy_runs.append(run_process("sumy LexRank script", sumy_cmd, sumy_shown, sumy_out, data))
    return merge(tomtat_runs), merge(workers_runs), merge(sumy_runs)


def merge(runs: list[ProcessRun]) -> ProcessRun:
    seconds = tuple(r.seconds for r in runs)
    first = runs[0]
    return ProcessRun(
        first.name, first.command, min(seconds), seconds, max(r.peak_rss_mb for r in runs), first.rouge2
    )


def quality_table(data: Path) -> str:
    from tomtat.corpus import load_clusters
    from tomtat.eval import evaluate, render_markdown

    return render_markdown(evaluate(load_clusters(data), words=WORDS))


def verdict(ok: bool) -> str:
    return "meets target" if ok else "**misses target**"


def render(
    latency: Latency,
    pinned: str,
    tomtat_run: ProcessRun,
    workers_run: ProcessRun,
    sumy_run: ProcessRun,
    table: str,
    large: LargeInput,
) -> str:
    import tomtat

    ratio = sumy_run.seconds / tomtat_run.seconds
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    runs = lambda r: ", ".join(f"{s:.2f}" for s in r.all_seconds)  # noqa: E731
    return f"""## Core: latency, whole-process speed and memory, ROUGE

Regenerate with `make bench` (runs `bench/bench_core.py`). tomtat {tomtat.__version__} at commit
`{commit or "unknown"}`; Python {platform.python_version()}; {cpu}, {os.cpu_count()} CPUs. Data: AbMuSu
validation ({latency.stories} stories, on average {latency.mean_articles:.1f} articles and
{latency.mean_syllables:.0f} syllables each); budget {WORDS} syllables for every system.

### Latency of `tomtat.summarize` on one core

BLAS/OpenMP threads set to 1 and the process {pinned}; model loaded before timing; each story's time is
the median of 3 calls.

| stories | mean ms | p50 ms | p95 ms | max ms | target |
|---:|---:|---:|---:|---:|---|
| {latency.stories} | {latency.mean_ms:.1f} | {latency.p50_ms:.1f} | {latency.p95_ms:.1f} \
| {latency.max_ms:.1f} | ≤ {LATENCY_TARGET_MS:.0f} ms/story: {verdict(latency.mean_ms <= LATENCY_TARGET_MS)} |

### Whole process: `tomtat batch` against a sumy LexRank script

Both run as subprocesses, one after the other, {len(tomtat_run.all_seconds)} times each (interleaved);
wall time is the best run, start-up and model loading included; peak RSS is the child's `ru_maxrss`;
BLAS/OpenMP threads are 1 for both. `bench/lexrank_script.py` is a self-contained sumy script (regex
sentence splitting, since sumy's own tokenizers need nltk data); its output is scored to show it did the
same job.

| process | command | wall s (best) | all runs s | peak RSS MB | ROUGE-2 of its output |
|---|---|---:|---:|---:|---:|
| {tomtat_run.name} | `{tomtat_run.command}` | {tomtat_run.seconds:.2f} | {runs(tomtat_run)} \
| {tomtat_run.peak_rss_mb:.0f} | {tomtat_run.rouge2 * 100:.2f} |
| {workers_run.name} | `{workers_run.command}` | {workers_run.seconds:.2f} | {runs(workers_run)} \
| {workers_run.peak_rss_mb:.0f} | {workers_run.rouge2 * 100:.2f} |
| {sumy_run.name} | `{sumy_run.command}` | {sumy_run.seconds:.2f} | {runs(sumy_run)} \
| {sumy_run.peak_rss_mb:.0f} | {sumy_run.rouge2 * 100:.2f} |

- Speed ratio (sumy time / tomtat time): **{ratio:.2f}×**; target ≥ {SPEED_RATIO_TARGET}×: \
{verdict(ratio >= SPEED_RATIO_TARGET)}.
- Peak memory of `tomtat batch`: **{tomtat_run.peak_rss_mb:.0f} MB**; target ≤ {MEMORY_TARGET_MB:.0f} MB: \
{verdict(tomtat_run.peak_rss_mb <= MEMORY_TARGET_MB)}.
- Two worker processes (`--workers 2`, same output): **{tomtat_run.seconds / workers_run.seconds:.2f}×** \
the speed of one on this {os.cpu_count()}-core machine, start-up of both workers included; peak RSS is \
that of the largest process. Scaling further, and in a distributed engine: [scale.md](scale.md).

### One call on a thousand articles

`python -m tomtat summarize DIR --format json` as a subprocess (start-up included), DIR holding every
AbMuSu train and validation article as one text file (title, sapo, body): {large.articles} articles,
{large.syllables:,} syllables, as if a user pointed tomtat at a whole archive.

| articles | wall s | peak RSS MB | summary | ms per article | vs. ms per article in `tomtat batch` above |
|---:|---:|---:|---|---:|---:|
| {large.articles} | {large.seconds:.1f} | {large.peak_rss_mb:.0f} | {large.summary_sentences} sentences, \
{large.summary_length} syllables | {1000 * large.seconds / large.articles:.1f} \
| {large.seconds / large.articles / (tomtat_run.seconds / (latency.stories * latency.mean_articles)):.1f}× |

### ROUGE on AbMuSu validation

Metric: docs/metric.md. Same run, same stories, same budget and sentence splitting for every system;
the issue's reference numbers (its own runs, same metric): lead 33.85, LexRank 30.45, centroid+MMR
29.09, oracle about 77 (ROUGE-2).

{table}"""


def main() -> int:
    parser = argparse.ArgumentParser(description="tomtat core benchmarks (writes docs/benchmarks.md)")
    parser.add_argument("--data", type=Path, default=DATA, help="AbMuSu-format stories with references")
    parser.add_argument("--runs", type=int, default=2, help="whole-process runs of each command")
    parser.add_argument("--no-write", action="store_true", help="print the section, do not write the doc")
    args = parser.parse_args()
    if not args.data.is_file():
        print(f"bench_core: data not found: {args.data}", file=sys.stderr)
        return 2

    print("(b) whole processes: tomtat batch vs sumy LexRank script ...", file=sys.stderr)
    tomtat_run, workers_run, sumy_run = compare_processes(args.data, args.runs)
    print(f"    tomtat {tomtat_run.all_seconds} s, 2 workers {workers_run.all_seconds} s, "
          f"sumy {sumy_run.all_seconds} s", file=sys.stderr)
    print("(d) one call on every AbMuSu article ...", file=sys.stderr)
    large = large_input(args.data)
    print(f"    {large.articles} art. {large.seconds:.1f} s, {large.peak_rss_mb:.0f} MB", file=sys.stderr)
    pinned = pin_to_one_core()  # after (b) and (d): the whole processes run as a user would run them
    print("(a) per-story latency on one core ...", file=sys.stderr)
    latency = measure_latency(args.data, repeats=3)
    print(f"    mean {latency.mean_ms:.1f} ms, p95 {latency.p95_ms:.1f} ms", file=sys.stderr)
    print("(c) ROUGE table ...", file=sys.stderr)
    table = quality_table(args.data)
    section = render(latency, pinned, tomtat_run, workers_run, sumy_run, table, large)
    print(section)
    if not args.no_write:
        write_section("core", section)
        print(f"wrote {DOC.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
