"""Summarizing many stories at once: in worker processes on one machine, or inside the partitions of a
distributed engine (Dask, Spark, Ray) when an archive outgrows one machine.

A story's summary depends on that story alone, so the batch contract of ``tomtat batch`` (one AbMuSu
line in, one JSON record out, an error record in place of a bad line) maps over any split of the input
unchanged. This module states that contract once, as plain functions, so the CLI's process pool and an
engine's "map over partitions" run the very same code:

* :func:`summarize_item`: one parsed line → its output record.
* :func:`summarize_items`: records for many lines, in order, with ``workers`` processes.
* :func:`summarize_partition`: JSONL lines → JSON lines, for ``map_partitions`` / ``mapPartitions``::

      # Dask (docs/scale.md): one output line per story line, in the input's order
      import dask.bag as db
      from tomtat.parallel import summarize_partition
      stories = db.read_text("archive/*.jsonl")
      stories.map_partitions(summarize_partition, words=200).to_textfiles("out/*.jsonl")

Grouping articles into stories is not split here: it needs the whole store (docs/scale.md).
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
import signal
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from multiprocessing import resource_tracker
from typing import Any

from tomtat.corpus import Cluster, LineError, read_line
from tomtat.errors import TomtatError
from tomtat.summarizer import DEFAULT_WORDS, check_words, summarize

STORIES_PER_TASK = 4  # per round trip to a worker: small stories cost ~30 ms, so send a few at once
TASKS_IN_FLIGHT = 16  # per worker: keeps workers busy while bounding what waits in memory


def summarize_item(item: Cluster | LineError, words: int = DEFAULT_WORDS) -> dict[str, Any]:
    """The output record of one input line: the summary's JSON, or ``{"error": {"line", "message"}}``."""
    if isinstance(item, LineError):
        return {"error": {"line": item.line, "message": item.message}}
    try:
        return summarize(item.articles, words=words).to_dict()
    except TomtatError as error:
        return {"error": {"line": item.line, "message": str(error)}}


def summarize_items(
    items: Iterable[Cluster | LineError], words: int = DEFAULT_WORDS, workers: int = 1
) -> Iterator[dict[str, Any]]:
    """Output records for ``items``, in their order, summarized by ``workers`` processes.

    The input is read lazily and at most ``workers × TASKS_IN_FLIGHT × STORIES_PER_TASK`` stories wait
    in memory, so a file of any size streams through. Workers are started fresh (``spawn``), not forked:
    a fork copies LightGBM's thread pool in whatever state it is in.
    """
    check_words(words)
    work = partial(summarize_item, words=words)
    if workers <= 1:
        yield from map(work, items)
        return
    window = workers * TASKS_IN_FLIGHT * STORIES_PER_TASK
    iterator = iter(items)
    pool = _start_workers(workers)
    try:
        while chunk := list(itertools.islice(iterator, window)):
            yield from pool.map(work, chunk, chunksize=STORIES_PER_TASK)
    finally:  # on Ctrl-C or a closed output, drop the queued stories instead of finishing them
        pool.shutdown(wait=True, cancel_futures=True)


def summarize_partition(lines: Iterable[str | bytes], words: int = DEFAULT_WORDS) -> list[str]:
    """One JSON line per non-blank input line, in order: the batch contract over any slice of a file.

    This is the function to hand to a distributed engine's map over partitions (Dask
    ``Bag.map_partitions``, Spark ``RDD.mapPartitions``). Lines may keep their line ends. Error records
    number lines from 1 within the partition, since a partition does not know where it starts in the
    file. The result is a list, not a generator, because engines send it back between processes.
    """
    check_words(words)
    items = (read_line(raw, number) for number, raw in enumerate(lines, start=1))
    return [json.dumps(summarize_item(item, words), ensure_ascii=False) for item in items if item is not None]


def _start_workers(workers: int) -> ProcessPoolExecutor:
    """A pool whose ``workers`` processes are already started and leave Ctrl-C to the parent, which
    stops the pool and reports once: a worker interrupted while it imports would print a traceback.

    A terminal's Ctrl-C reaches every process of the group, so each worker must ignore it from its very
    first instruction. Python handlers do not survive ``exec``, a blocked signal mask does: SIGINT is
    blocked while the workers are spawned, then each ignores it and unblocks it before its first task.
    An interrupt meanwhile stays pending in the parent and is raised when the mask is restored.
    """
    context = multiprocessing.get_context("spawn")
    resource_tracker.ensure_running()  # first: starting it unblocks SIGINT in this thread
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_ignore_interrupts)
        for _ in range(workers):  # with spawn, the pool starts one process per submit while none is idle
            pool.submit(int)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    return pool


def _ignore_interrupts() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
