"""Load benchmark of the HTTP service on loopback, with 1 and 2 summary workers, against direct calls.

Starts the real ``tomtat serve`` twice in subprocesses, with its summaries in threads of its own process
(the default) and with ``--workers 2`` (two worker processes). 50 concurrent clients call
``POST /v1/summarize`` on each with real AbMuSu validation stories, bounded in time *and* requests; one
sequential client calls each; and the same stories are summarized by direct ``tomtat.summarize`` calls
in this process (one thread) and in the service's own pool of two worker processes
(:class:`tomtat.service.SummaryWorkers`) called without HTTP. Each of these runs in parts, one per
round, the order reversed every other round, so that other work on the machine weighs on all alike.
The table shows what HTTP costs per request (one client vs direct), what 50 clients get, what the second
worker adds, and the memory (RSS) each server process and worker holds. Every non-200 answer or
transport error counts as an error; the benchmark fails if there is any.

    .venv/bin/python bench/bench_service.py            # writes its section of docs/benchmarks.md
    .venv/bin/python bench/bench_service.py --duration 6 --rounds 1 --no-write   # a quick look

The load generator shares the machine's cores with the server, so the figures are a lower bound of what
the server alone could do; both sides are on loopback, nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import platform
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import httpx
import numpy as np

import tomtat
from docsection import DOC, write_section
from tomtat.corpus import load_clusters
from tomtat.service import SummaryWorkers

ROOT = Path(__file__).resolve().parents[1]
# The installed console script (what a user runs); `python -m tomtat` where there is none.
_SCRIPT = Path(sys.executable).with_name("tomtat")
TOMTAT = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "tomtat"]
DATA = ROOT / "../shared/data/abmusu/validation.jsonl"
COMMAND = "make bench-service"
WORKERS = 2


@dataclass(frozen=True)
class Run:
    """One measured run: its latencies (seconds; empty when only throughput is measured), how many
    requests completed and failed, and how long it took."""

    name: str
    latencies: np.ndarray
    errors: int
    seconds: float
    completed: int | None = None  # when there are no latencies to count

    @property
    def done(self) -> int:
        return len(self.latencies) if self.completed is None else self.completed

    @property
    def requests(self) -> int:
        return self.done + self.errors

    @property
    def rate(self) -> float:
        return self.done / self.seconds

    def percentile(self, q: float) -> float:
        return float(np.percentile(self.latencies, q)) * 1000 if len(self.latencies) else math.nan

    def __add__(self, other: Run) -> Run:
        """Two parts of one measurement (two rounds) as one run."""
        latencies = np.concatenate([self.latencies, other.latencies])
        completed = None if self.completed is None and other.completed is None else self.done + other.done
        return Run(self.name, latencies, self.errors + other.errors, self.seconds + other.seconds, completed)


@dataclass(frozen=True)
class Memory:
    """Resident memory (MB) of a server process and of each of its summary workers: now and at peak."""

    server: float
    server_peak: float
    workers: tuple[float, ...]
    workers_peak: tuple[float, ...]


def load_payloads(words: int) -> list[dict]:
    if not DATA.is_file():
        sys.exit(f"bench_service: AbMuSu data not found at {DATA}")
    payloads = []
    for cluster in load_clusters(DATA):
        articles = [
            {"text": a.text, "title": a.title, "lead": a.lead, "source": a.source or str(i)}
            for i, a in enumerate(cluster.articles)
        ]
        payloads.append({"articles": articles, "words": words})
    return payloads


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int, workers: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [*TOMTAT, "serve", "--port", str(port), "--db", ":memory:", "--workers", str(workers)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"bench_service: tomtat serve exited: {process.stderr.read().decode()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    sys.exit("bench_service: tomtat serve did not start within 60 s")


def stop_server(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGINT)  # what Ctrl-C does: the server stops its workers and exits
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _status_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return math.nan


def memory(pid: int) -> Memory:
    """RSS of ``pid`` and of the summary workers it spawned (Linux /proc; NaN elsewhere)."""
    if not Path(f"/proc/{pid}/status").is_file():
        return Memory(math.nan, math.nan, (), ())
    workers = []
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        for child in children.read_text().split():
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():  # not the resource tracker
                workers.append(int(child))
    return Memory(
        _status_mb(pid, "VmRSS"),
        _status_mb(pid, "VmHWM"),
        tuple(_status_mb(worker, "VmRSS") for worker in sorted(workers)),
        tuple(_status_mb(worker, "VmHWM") for worker in sorted(workers)),
    )


def _stories(payloads: list[dict]) -> list[list[tomtat.Article]]:
    return [[tomtat.Article(**a) for a in p["articles"]] for p in payloads]


def run_direct(payloads: list[dict], duration: float, max_requests: int) -> Run:
    """Sequential in-process calls: the cost of the summary itself, with no HTTP around it."""
    stories = _stories(payloads)
    words = payloads[0]["words"]
    for articles in stories[:5]:
        tomtat.summarize(articles, words=words)  # warm-up: model load, caches
    latencies = []
    start = time.perf_counter()
    while len(latencies) < max_requests and time.perf_counter() - start < duration:
        articles = stories[len(latencies) % len(stories)]
        began = time.perf_counter()
        tomtat.summarize(articles, words=words)
        latencies.append(time.perf_counter() - began)
    return Run("direct calls, 1 thread", np.array(latencies), 0, time.perf_counter() - start)


async def run_in_workers(workers: SummaryWorkers, payloads: list[dict], duration: float) -> Run:
    """``tomtat.summarize`` in the service's worker processes, without HTTP: twice as many callers as
    workers keep them all busy, so this is the most they summarize (throughput only: a call's time
    includes its wait in the queue)."""
    stories = _stories(payloads)
    summarize = partial(tomtat.summarize, words=payloads[0]["words"])
    issued = done = 0
    start = time.perf_counter()
    stop_at = start + duration

    async def caller() -> None:
        nonlocal issued, done
        while time.perf_counter() < stop_at:
            articles = stories[issued % len(stories)]
            issued += 1
            await workers.run(summarize, articles)
            done += 1

    await asyncio.gather(*(caller() for _ in range(2 * workers.workers)))
    name = f"direct calls, {workers.workers} worker processes"
    return Run(name, np.array([]), 0, time.perf_counter() - start, completed=done)


async def run_http(
    name: str, base: str, payloads: list[dict], clients: int, duration: float, max_requests: int
) -> Run:
    """``clients`` concurrent keep-alive clients, each sending its next story as soon as one returns."""
    latencies: list[float] = []
    errors: list[str] = []
    issued = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as http:
        for payload in payloads[:3]:
            (await http.post("/v1/summarize", json=payload)).raise_for_status()
        start = time.perf_counter()
        stop_at = start + duration

        async def client() -> None:
            nonlocal issued
            while issued < max_requests and time.perf_counter() < stop_at:
                payload = payloads[issued % len(payloads)]
                issued += 1
                began = time.perf_counter()
                try:
                    response = await http.post("/v1/summarize", json=payload)
                    if response.status_code == 200 and response.json()["sentences"]:
                        latencies.append(time.perf_counter() - began)
                    else:
                        errors.append(f"HTTP {response.status_code}: {response.text[:200]}")
                except httpx.HTTPError as error:
                    errors.append(f"{type(error).__name__}: {error}")

        await asyncio.wait_for(asyncio.gather(*(client() for _ in range(clients))), timeout=duration + 120)
        seconds = time.perf_counter() - start
    for message in errors[:5]:
        print(f"  error: {message}", file=sys.stderr)
    return Run(name, np.array(latencies), len(errors), seconds)


def _ms(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.1f}"


def table(runs: list[Run], baseline: Run) -> str:
    lines = [
        "| run | requests | errors | requests/s | p50 ms | p95 ms | p99 ms | throughput vs direct "
        "| p50 vs direct |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        p50 = run.percentile(50) / baseline.percentile(50)
        lines.append(
            f"| {run.name} | {run.requests} | {run.errors} | {run.rate:.1f} | {_ms(run.percentile(50))} "
            f"| {_ms(run.percentile(95))} | {_ms(run.percentile(99))} | {run.rate / baseline.rate:.2f}× "
            f"| {'–' if math.isnan(p50) else f'{p50:.2f}×'} |"
        )
    return "\n".join(lines)


def _mb(values: tuple[float, ...]) -> str:
    return " and ".join(f"{value:.0f}" for value in values) or "–"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds under load per server (30)")
    parser.add_argument("--rounds", type=int, default=5, help="parts each measurement runs in (5)")
    parser.add_argument("--max-requests", type=int, default=100_000, help="upper bound per run")
    parser.add_argument("--words", type=int, default=200)
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args()

    load_before = os.getloadavg()[0]
    payloads = load_payloads(args.words)
    print(f"{len(payloads)} AbMuSu validation stories, {args.words}-syllable summaries", file=sys.stderr)
    counts = (1, WORKERS)
    ports = {workers: free_port() for workers in counts}
    servers = {workers: start_server(ports[workers], workers) for workers in counts}
    bases = {workers: f"http://127.0.0.1:{ports[workers]}" for workers in counts}
    names = {1: "1 worker (threads)", WORKERS: f"{WORKERS} worker processes"}
    sequential_duration = args.duration / 2  # per one-at-a-time measurement
    part, sequential_part = args.duration / args.rounds, sequential_duration / args.rounds

    def http(workers: int, clients: int, seconds: float) -> Callable[[list[dict]], Run]:
        plural = "s" if clients > 1 else ""
        name = f"HTTP, {names[workers]}, {clients} client{plural}"
        return lambda stories: asyncio.run(
            run_http(name, bases[workers], stories, clients, seconds, args.max_requests)
        )

    # Every measurement a part of each round, the order reversed every other round, so that other work
    # on the machine (its load average is in the section) weighs on all of them alike. Each part takes
    # the stories from where the measurement's previous part stopped: they differ in size (p50 vs p95),
    # and parts that each began again at the first story would measure only the first ones.
    measures: dict[str, Callable[[list[dict]], Run]] = {
        "direct": lambda stories: run_direct(stories, sequential_part, args.max_requests),
        "direct processes": lambda stories: asyncio.run(run_in_workers(pool, stories, sequential_part)),
        "single 1": http(1, 1, sequential_part),
        f"single {WORKERS}": http(WORKERS, 1, sequential_part),
        "loaded 1": http(1, args.clients, part),
        f"loaded {WORKERS}": http(WORKERS, args.clients, part),
    }
    results: dict[str, Run] = {}
    pool = SummaryWorkers(WORKERS)  # the server's worker pool, called without HTTP
    try:
        pool.start()
        for round_number in range(args.rounds):
            order = list(measures) if round_number % 2 == 0 else list(measures)[::-1]
            for key in order:
                print(f"round {round_number + 1}/{args.rounds}: {key}…", file=sys.stderr)
                done = results[key].requests % len(payloads) if key in results else 0
                run = measures[key](payloads[done:] + payloads[:done])
                results[key] = results[key] + run if key in results else run
        memories = {workers: memory(servers[workers].pid) for workers in counts}
    finally:
        pool.close()
        for server in servers.values():
            stop_server(server)
    direct, direct_processes = results["direct"], results["direct processes"]
    single = {workers: results[f"single {workers}"] for workers in counts}
    loaded = {workers: results[f"loaded {workers}"] for workers in counts}

    import fastapi
    import uvicorn

    runs = [direct, direct_processes, single[1], single[WORKERS], loaded[1], loaded[WORKERS]]
    load_after = os.getloadavg()[0]
    one, many = loaded[1], loaded[WORKERS]
    speedup = many.rate / one.rate
    threads, pooled = memories[1], memories[WORKERS]
    worker_mb = sum(pooled.workers) / len(pooled.workers) if pooled.workers else math.nan
    seconds = 2 * args.duration + 4 * sequential_duration + 2 * args.rounds + 10
    text = f"""## HTTP service under load

`POST /v1/summarize` on loopback against `tomtat serve` (one uvicorn process) with its summaries in
threads of that process (the default, `--workers 1`) and in {WORKERS} worker processes
(`--workers {WORKERS}`), with the {len(payloads)} AbMuSu validation stories in turn ({args.words}-syllable
summaries, every article with title and sapo). The load generator (httpx, asyncio, keep-alive) runs on
the same {os.cpu_count()}-core machine, so it competes with the servers for CPU. "direct calls" are
`tomtat.summarize` on the same stories in one thread of the benchmark process, and in the
{WORKERS} worker processes of the service's pool (`SummaryWorkers`, {2 * WORKERS} callers at once) without
HTTP around them. Every measurement ran in {args.rounds} parts, one per round, the order reversed
every other round, so that other work on the machine weighs on all alike; each HTTP run is bounded by
time and by {args.max_requests} requests, and a non-200 answer or a transport error counts as an error.

{table(runs, direct)}

- Under {args.clients} concurrent clients ({args.duration:g} s each): with {WORKERS} worker processes
  **{many.rate:.1f} requests/s**, with threads **{one.rate:.1f}**: **{speedup:.2f}×**
  ({many.errors + one.errors} errors). p50 {many.percentile(50):.0f} ms against
  {one.percentile(50):.0f} ms, p99 {many.percentile(99):.0f} ms against {one.percentile(99):.0f} ms.
  A summary holds the GIL, so the threads summarize on one core whatever the number of clients.
  Called directly, without HTTP (and without the load generator's share of the cores), the same two
  workers made {direct_processes.rate:.1f} summaries/s.
- One request at a time, the median call takes {single[1].percentile(50):.1f} ms with threads and
  {single[WORKERS].percentile(50):.1f} ms with workers, against {direct.percentile(50):.1f} ms direct:
  little next to the summary, for JSON in and out, request validation, loopback TCP and the hop to a
  thread or, with workers, to another process (articles and payload are pickled). Workers run numpy
  with one BLAS thread each (as `tomtat batch --workers` does), the other processes with numpy's
  default; differences of a few ms are within this shared machine's noise.
- Memory (RSS after the runs, peak in brackets): the server with threads
  {threads.server:.0f} MB ({threads.server_peak:.0f}); with workers, the server
  {pooled.server:.0f} MB ({pooled.server_peak:.0f}) and each worker {_mb(pooled.workers)} MB
  ({_mb(pooled.workers_peak)}): every worker holds its own model, and the server keeps one for the
  store's summaries.

Python {platform.python_version()}, fastapi {fastapi.__version__}, uvicorn {uvicorn.__version__}; 1-minute
load average {load_before:.1f} before and {load_after:.1f} after the runs (above the core count means
other work shared the machine, and every figure here is lower for it).
Regenerate with `{COMMAND}` (about {seconds:.0f} s).
"""
    print(text)
    print(f"each worker: {worker_mb:.0f} MB RSS", file=sys.stderr)
    if not args.no_write:
        write_section("service", text)
        print(f"wrote the service section of {DOC.relative_to(ROOT)}", file=sys.stderr)
    failed = any(run.errors for run in (*loaded.values(), *single.values()))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
