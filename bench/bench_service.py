"""Load benchmark of the HTTP service on loopback, against direct in-process calls.

Starts the real ``tomtat serve`` in a subprocess, then 50 concurrent clients call ``POST /v1/summarize``
with real AbMuSu validation stories for 30 s (bounded in time *and* requests). The same stories are then
summarized by direct ``tomtat.summarize`` calls in this process, and by one sequential HTTP client, so
the table shows what HTTP costs per request (one client vs direct) and what 50 clients get from it.
Every non-200 answer or transport error counts as an error; the benchmark fails if there is any.

    .venv/bin/python bench/bench_service.py            # writes its section of docs/benchmarks.md
    .venv/bin/python bench/bench_service.py --duration 5 --no-write   # a quick look

The load generator shares the machine's cores with the server, so the figures are a lower bound of what
the server alone could do; both sides are on loopback, nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np

import tomtat
from docsection import DOC, write_section
from tomtat.corpus import load_clusters

ROOT = Path(__file__).resolve().parents[1]
# The installed console script (what a user runs); `python -m tomtat` where there is none.
_SCRIPT = Path(sys.executable).with_name("tomtat")
TOMTAT = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "tomtat"]
DATA = ROOT / "../shared/data/abmusu/validation.jsonl"
COMMAND = "make bench-service"


@dataclass(frozen=True)
class Run:
    """Latencies (seconds) of one measured run and how it went."""

    name: str
    latencies: np.ndarray
    errors: int
    seconds: float

    @property
    def requests(self) -> int:
        return len(self.latencies) + self.errors

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, q: float) -> float:
        return float(np.percentile(self.latencies, q)) * 1000 if len(self.latencies) else float("nan")


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


def start_server(port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [*TOMTAT, "serve", "--port", str(port), "--db", ":memory:"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"bench_service: tomtat serve exited: {process.stderr.read().decode()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    sys.exit("bench_service: tomtat serve did not start within 30 s")


def run_direct(payloads: list[dict], duration: float, max_requests: int) -> Run:
    """Sequential in-process calls: the cost of the summary itself, with no HTTP around it."""
    stories = [[tomtat.Article(**a) for a in p["articles"]] for p in payloads]
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
    return Run("direct call, in process", np.array(latencies), 0, time.perf_counter() - start)


async def run_http(base: str, payloads: list[dict], clients: int, duration: float, max_requests: int) -> Run:
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
    name = f"HTTP, {clients} concurrent client{'s' if clients > 1 else ''}"
    return Run(name, np.array(latencies), len(errors), seconds)


def table(runs: list[Run], baseline: Run) -> str:
    lines = [
        "| run | requests | errors | requests/s | p50 ms | p95 ms | p99 ms | throughput vs direct "
        "| p50 vs direct |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        lines.append(
            f"| {run.name} | {run.requests} | {run.errors} | {run.rate:.1f} | {run.percentile(50):.1f} "
            f"| {run.percentile(95):.1f} | {run.percentile(99):.1f} | {run.rate / baseline.rate:.2f}× "
            f"| {run.percentile(50) / baseline.percentile(50):.2f}× |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per run (default 30)")
    parser.add_argument("--max-requests", type=int, default=100_000, help="upper bound per run")
    parser.add_argument("--words", type=int, default=200)
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args()

    load_before = os.getloadavg()[0]
    payloads = load_payloads(args.words)
    print(f"{len(payloads)} AbMuSu validation stories, {args.words}-syllable summaries", file=sys.stderr)
    port = free_port()
    server = start_server(port)
    base = f"http://127.0.0.1:{port}"
    try:
        sequential_duration = min(args.duration, 10.0)
        print(f"HTTP, {args.clients} clients, {args.duration:g} s…", file=sys.stderr)
        loaded = asyncio.run(run_http(base, payloads, args.clients, args.duration, args.max_requests))
        print(f"HTTP, 1 client, {sequential_duration:g} s…", file=sys.stderr)
        single = asyncio.run(run_http(base, payloads, 1, sequential_duration, args.max_requests))
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"direct calls, {sequential_duration:g} s…", file=sys.stderr)
    direct = run_direct(payloads, sequential_duration, args.max_requests)

    import fastapi
    import uvicorn

    runs = [direct, single, loaded]
    load_after = os.getloadavg()[0]
    overhead_ms = single.percentile(50) - direct.percentile(50)
    text = f"""## HTTP service under load

`POST /v1/summarize` on loopback against `tomtat serve` (one uvicorn process; summaries in its thread
pool), with the {len(payloads)} AbMuSu validation stories in turn ({args.words}-syllable summaries, every
article with title and sapo). The load generator (httpx, asyncio, keep-alive) runs on the same
{os.cpu_count()}-core machine, so it competes with the server for CPU. Each HTTP run is bounded by time
and by {args.max_requests} requests; a non-200 answer or a transport error counts as an error.
"direct call" is `tomtat.summarize` on the same stories in one thread of the benchmark process.

{table(runs, direct)}

- Under {args.clients} concurrent clients for {args.duration:g} s: **{loaded.errors} errors**,
  {loaded.rate:.1f} requests/s, p50 {loaded.percentile(50):.1f} ms, p95 {loaded.percentile(95):.1f} ms,
  p99 {loaded.percentile(99):.1f} ms; throughput is {loaded.rate / direct.rate:.2f}× that of direct calls.
- One request at a time, HTTP adds {overhead_ms:.1f} ms to the median call
  ({single.percentile(50) / direct.percentile(50):.2f}× direct): JSON in and out, request validation,
  the thread hop and loopback TCP.
- Latency under load is mostly queueing: {args.clients} requests share {os.cpu_count()} cores, and the
  summaries hold the GIL, so the thread pool serializes them.

Python {platform.python_version()}, fastapi {fastapi.__version__}, uvicorn {uvicorn.__version__}; 1-minute
load average {load_before:.1f} before and {load_after:.1f} after the runs (above the core count means
other work shared the machine, and every figure here is lower for it).
Regenerate with `{COMMAND}` (about {2 * sequential_duration + args.duration + 15:.0f} s).
"""
    print(text)
    if not args.no_write:
        write_section("service", text)
        print(f"wrote the service section of {DOC.relative_to(ROOT)}", file=sys.stderr)
    return 1 if loaded.errors or single.errors else 0


if __name__ == "__main__":
    sys.exit(main())
