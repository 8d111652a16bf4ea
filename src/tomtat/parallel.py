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
      stories.map_partitions(summarize_partition, words=200).to_textfiles("out/*.jsonl", last_endline=True)

Grouping articles into stories splits by time instead (docs/scale.md): :func:`partition_by_time` cuts
a dated archive into overlapping ranges, :func:`group_partition` groups one range in an in-memory store
(what an engine maps), and :func:`stitch` joins the ranges' stories; :func:`group_by_time` does all
three with worker processes on one machine.
"""

from __future__ import annotations

import itertools
import json
import math
import multiprocessing
import os
import signal
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from functools import partial
from multiprocessing import resource_tracker
from typing import Any, TypeVar

from tomtat.corpus import Cluster, LineError, read_line
from tomtat.errors import InputError, TomtatError
from tomtat.feeds import IncomingArticle, parse_published, parse_record
from tomtat.summarizer import DEFAULT_WORDS, check_words, summarize
from tomtat.types import Article

T = TypeVar("T")
R = TypeVar("R")

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
    """Output records for ``items``, in their order, summarized by ``workers`` processes
    (:func:`map_in_workers`)."""
    check_words(words)
    yield from map_in_workers(partial(summarize_item, words=words), items, workers)


def map_in_workers(
    function: Callable[[T], R], items: Iterable[T], workers: int = 1, per_task: int = STORIES_PER_TASK
) -> Iterator[R]:
    """``map(function, items)`` in ``workers`` processes, in order, for work of a few ms or more per
    item (a story's summary), sent ``per_task`` items at a time (1 for long items, such as a time
    range to group). ``function`` and the items must pickle. The input is read lazily and at most
    ``workers × TASKS_IN_FLIGHT × per_task`` items wait in memory, so any number streams through.
    No more processes are started than there are CPU cores or tasks in that first window, and none
    for no input: more would only share the cores or sit idle, each costing about 40 MB and its start.
    Workers are started fresh (``spawn``), not forked: a fork copies LightGBM's thread pool in whatever
    state it is in. A worker that dies (killed, out of memory) is a :class:`TomtatError`, not a hang.
    """
    check_workers(workers)
    if isinstance(per_task, bool) or not isinstance(per_task, int) or per_task < 1:
        raise InputError(f"per_task must be a whole number of at least 1, got {per_task!r}")
    if workers == 1:
        yield from map(function, items)
        return
    workers = min(workers, _cores())
    window = workers * TASKS_IN_FLIGHT * per_task
    iterator = iter(items)
    chunk = list(itertools.islice(iterator, window))
    if not chunk:
        return
    pool = _start_workers(min(workers, math.ceil(len(chunk) / per_task)))
    finished = False
    try:
        while chunk:
            # Not pool.map: its results cancel their futures when interrupted, and a cancelled future
            # that the stopped pool then marks broken raises InvalidStateError in the pool's thread
            # (a traceback on Ctrl-C; Python 3.11's concurrent.futures).
            tasks = [
                pool.submit(_apply, function, chunk[start : start + per_task])
                for start in range(0, len(chunk), per_task)
            ]
            for task in tasks:
                yield from task.result()
            chunk = list(itertools.islice(iterator, window))
        finished = True
    except BrokenProcessPool:  # a worker was killed (SIGKILL, the out-of-memory killer): say so once
        raise TomtatError(
            "a worker process ended unexpectedly (killed, or out of memory?); what it was doing is lost"
        ) from None
    finally:
        if not finished:
            # Ctrl-C, a closed output, an error: the tasks in flight are not wanted. Waiting for them
            # made Ctrl-C slow, and a second Ctrl-C during that wait left the pool's shutdown half done
            # and the process hung at exit, joining workers blocked on results nobody read. (The pool
            # has no public way to stop its processes before Python 3.14's terminate_workers.)
            for process in list((getattr(pool, "_processes", None) or {}).values()):
                process.terminate()
        pool.shutdown(wait=True, cancel_futures=True)


def _apply(function: Callable[[T], R], items: list[T]) -> list[R]:
    """One task of :func:`map_in_workers`, run in a worker."""
    return [function(item) for item in items]


def _cores() -> int:
    """The CPU cores this process may run on (its affinity, e.g. under ``taskset``, where known)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def check_workers(workers: int) -> int:
    """``workers`` if it is a whole number of processes (1 or more), else :class:`InputError`: ``0`` or
    ``"2"`` is a caller's mistake to report, not a request to quietly run in one process."""
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InputError(f"workers must be a whole number of at least 1, got {workers!r}")
    return workers


def summarize_partition(lines: Iterable[str | bytes], words: int = DEFAULT_WORDS) -> list[str]:
    """One JSON line per non-blank input line, in order: the batch contract over any slice of a file.

    This is the function to hand to a distributed engine's map over partitions (Dask
    ``Bag.map_partitions``, Spark ``RDD.mapPartitions``). Lines may keep their line ends. Error records
    number lines from 1 within the partition, since a partition does not know where it starts in the
    file. The result is a list, not a generator, because engines send it back between processes.
    """
    check_words(words)
    if isinstance(lines, str | bytes):  # iterating it would go through its characters
        raise InputError(f"expected lines, got one {type(lines).__name__}; split it with .splitlines()")
    items = (read_line(raw, number) for number, raw in enumerate(lines, start=1))
    return [json.dumps(summarize_item(item, words), ensure_ascii=False) for item in items if item is not None]


def _start_workers(
    workers: int, initializer: Callable[..., object] | None = None, initargs: tuple[Any, ...] = ()
) -> ProcessPoolExecutor:
    """A pool whose ``workers`` processes are already started and leave Ctrl-C to the parent, which
    stops the pool and reports once: a worker interrupted while it imports would print a traceback.
    ``initializer(*initargs)``, when given, then runs in each worker before its first task (the HTTP
    service loads the model there); it must pickle.

    A terminal's Ctrl-C reaches every process of the group, so each worker must ignore it from its very
    first instruction. Python handlers do not survive ``exec``, a blocked signal mask does: SIGINT is
    blocked while the workers are spawned, then each ignores it and unblocks it before its first task.
    An interrupt meanwhile stays pending in the parent and is raised when the mask is restored.
    """
    context = multiprocessing.get_context("spawn")
    resource_tracker.ensure_running()  # first: starting it unblocks SIGINT in this thread
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    saved = {name: os.environ.get(name) for name in _THREAD_LIMITS}
    for name in _THREAD_LIMITS:
        os.environ.setdefault(name, "1")
    try:
        pool = ProcessPoolExecutor(
            workers, mp_context=context, initializer=_init_worker, initargs=(initializer, initargs)
        )
        for _ in range(workers):  # with spawn, the pool starts one process per submit while none is idle
            pool.submit(int)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return pool


# One thread per worker, unless the user says otherwise: the workers are the parallelism. Each numpy
# (OpenBLAS) would start a thread per core on top; with 2 workers on 2 cores, 300 story summaries then
# took 8.1 s instead of 4.6 s (9.0 s in one process).
_THREAD_LIMITS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _ignore_interrupts() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _exit_with_parent() -> None:
    """End this worker once the process that started it is gone. A parent killed by SIGTERM, SIGKILL
    or the out-of-memory killer cannot stop its pool, and its workers, waiting on a queue whose writing
    end they hold themselves, would wait forever (each holding its memory). The parent's sentinel is a
    pipe that reads end-of-file when it exits, even if that happened while this worker was starting."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()
        os._exit(1)

    threading.Thread(target=watch, name="tomtat-exit-with-parent", daemon=True).start()


def _init_worker(initializer: Callable[..., object] | None, initargs: tuple[Any, ...]) -> None:
    _ignore_interrupts()
    _exit_with_parent()
    if initializer is not None:
        initializer(*initargs)


# --- grouping by time ranges ------------------------------------------------------------------------
#
# Grouping decides each arrival against everything stored before it, so it cannot be split like
# summaries. But it only compares articles published within the index's time window (7 days), so an
# archive cut into time ranges that overlap by that window keeps each short story whole inside one
# range. Each range is grouped alone (any engine, any machine), then the local stories are stitched.
#
# How they are stitched was measured (docs/scale.md): joining every two local stories that share an
# article (plain union-find) chains. The later range sees only the tail of a story that began before
# it, and groups those tails worse (two tails on one theme become one story); the union then joins the
# two whole stories of the earlier range through it: B-cubed precision 0.981 -> 0.926 on the synthetic
# 10k when range boundaries cut through stories. So each article takes the story of the range it is
# most inside (the one whose overlap half it lies in), and two local stories are joined only when each
# holds the majority of the other's shared articles.

UNDATED = "undated"
SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class TimePartition:
    """One time range of an archive and its articles, in feed order.

    It holds the articles published in ``[start, end)``: its own ``days`` plus ``overlap_days`` into the
    next range. It *owns* those in ``[owns_from, owns_until)``, the range shifted by half the overlap:
    an article in an overlap takes its story from the range it lies deeper inside. ``key`` names the
    range (its first day, or ``"undated"``) and prefixes its local story keys. A bound of None is open:
    all four for the undated partition, ``end`` and ``owns_until`` for a range that runs past the last
    instant a datetime holds (year 9999).
    """

    key: str
    start: datetime | None
    end: datetime | None
    owns_from: datetime | None
    owns_until: datetime | None
    articles: tuple[IncomingArticle, ...]

    def __len__(self) -> int:
        return len(self.articles)

    def owns(self, article: IncomingArticle) -> bool:
        published = article.published
        if published is None:
            return True
        return (self.owns_from is None or self.owns_from <= published) and (
            self.owns_until is None or published < self.owns_until
        )


def partition_by_time(
    records: Iterable[IncomingArticle | Mapping[str, Any]],
    days: float = 30,
    overlap_days: float = 7,
    *,
    origin: datetime | date | str | None = None,
) -> list[TimePartition]:
    """Split feed records into consecutive ``days``-long ranges, each extended ``overlap_days`` into the
    next, in time order; empty ranges are left out.

    Records are feed dicts (the ``tomtat ingest`` JSONL contract) or :class:`IncomingArticle`; a bad one
    raises :class:`InputError` naming its position. An id seen again is dropped, as a store ignores an
    id it already holds. An article in the first ``overlap_days`` of a range is in the previous range
    too, so a story spanning at most ``overlap_days`` is seen whole by one range. Keep ``overlap_days``
    at least the grouping's window (7 days): articles further apart are never compared in one store
    either. ``overlap_days`` may not exceed ``days``, so an article is in at most two ranges.

    Undated articles cannot be placed in time. They form one last partition of their own and are
    grouped with each other only (a single store compares them with everything); an archive without
    any dates is therefore one partition, the same as one store. Ranges start at ``origin`` (a date,
    datetime or ISO-8601 string; default: midnight UTC of the earliest date); no article may be
    published before it.
    """
    if isinstance(days, bool) or not isinstance(days, int | float) or not 0 < days < math.inf:
        raise InputError(f"days must be a positive number, got {days!r}")
    if (
        isinstance(overlap_days, bool)
        or not isinstance(overlap_days, int | float)
        or not 0 <= overlap_days <= days
    ):
        raise InputError(f"overlap_days must be between 0 and days ({days:g}), got {overlap_days!r}")
    dated: list[IncomingArticle] = []
    undated: list[IncomingArticle] = []
    seen: set[str] = set()
    for position, record in enumerate(records, start=1):
        if isinstance(record, IncomingArticle):
            article = record
        else:
            try:
                article = parse_record(record)
            except InputError as error:
                raise InputError(f"record {position}: {error}") from None
        if article.id in seen:
            continue
        seen.add(article.id)
        (dated if article.published is not None else undated).append(article)
    partitions: list[TimePartition] = []
    if dated:
        earliest = min(a.published for a in dated if a.published is not None)
        start = _origin(origin, earliest)
        if earliest < start:
            raise InputError(
                f"an article is published at {earliest.isoformat()}, before origin {start.isoformat()}"
            )
        # Ranges longer than the whole calendar are all one range: `--ranges 1e308` made the length in
        # seconds infinite and the first range's start NaN (a ValueError traceback).
        calendar = (datetime.max - datetime.min).days + 1
        span = min(days, calendar) * SECONDS_PER_DAY
        overlap = min(overlap_days, calendar) * SECONDS_PER_DAY
        ranges: dict[int, list[IncomingArticle]] = defaultdict(list)
        for article in dated:
            assert article.published is not None
            offset = (article.published - start).total_seconds()
            number = math.floor(offset / span)
            if number > 0 and offset - number * span < overlap:  # the previous range extends into it
                ranges[number - 1].append(article)
            ranges[number].append(article)
        first = min(ranges)
        for number in sorted(ranges):
            low = start + timedelta(seconds=number * span)
            partitions.append(
                TimePartition(
                    key=low.date().isoformat(),
                    start=low,
                    end=_later(low, span + overlap),
                    owns_from=low if number == first else _later(low, overlap / 2) or _LATEST,
                    owns_until=_later(low, span + overlap / 2),
                    articles=tuple(ranges[number]),
                )
            )
        if len({p.key for p in partitions}) < len(partitions):  # ranges shorter than a day
            partitions = [replace(p, key=p.start.isoformat()) for p in partitions if p.start is not None]
    if undated:
        partitions.append(TimePartition(UNDATED, None, None, None, None, tuple(undated)))
    return partitions


def group_partition(
    partition: TimePartition,
    *,
    regroup: bool = True,
    index_options: Mapping[str, Any] | None = None,
    batch_size: int = 500,
) -> list[tuple[str, str, bool]]:
    """Group one partition in an in-memory store: ``(article id, local story key, owned)`` per article.

    Local keys are ``"<partition key>/<story id>"``, unique across partitions; ``owned`` says this
    partition decides the article's story (:meth:`TimePartition.owns`). Pure and picklable: this is
    what a distributed engine maps over partitions (Dask ``bag.map``, Spark ``rdd.map``). ``regroup``,
    ``index_options`` and ``batch_size`` are those of :class:`tomtat.store.Store`.
    """
    from tomtat.store import Store

    owned = {article.id for article in partition.articles if partition.owns(article)}
    with Store.memory(regroup=regroup, index_options=index_options) as store:
        report = store.ingest(partition.articles, batch_size=batch_size)
    return [
        (a.article_id, f"{partition.key}/{a.story_id}", a.article_id in owned) for a in report.assignments
    ]


def stitch(assignments: Iterable[Iterable[tuple[str, str, bool]]]) -> dict[str, str]:
    """The partitions' local stories joined into one grouping: article id → final story key.

    ``assignments`` are :func:`group_partition` results, in any order. An article of an overlap was
    grouped by two partitions. It takes the story of the one that owns it; and its two local stories
    are joined (union-find, so a long story crossing several ranges is one) when each holds more than
    half of the articles the other shares with its partition. A looser rule, joining any two local
    stories with an article in common, chains stories together (see the comment above). Final keys are
    ``s1``, ``s2``, ... in order of first appearance, so the same results give the same keys.
    """
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        parent.setdefault(key, key)
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    seen: dict[str, str] = {}  # article → its first local story
    owner: dict[str, str] = {}
    together: Counter[tuple[str, str]] = Counter()  # (local story, local story) → shared articles
    shared: Counter[tuple[str, str]] = Counter()  # (local story, other partition) → its shared articles
    for partition in assignments:
        for article_id, local, owned in partition:
            root(local)
            if owned:
                owner.setdefault(article_id, local)
            first = seen.setdefault(article_id, local)
            if first != local:
                together[first, local] += 1
                shared[first, _partition_of(local)] += 1
                shared[local, _partition_of(first)] += 1
    for (a, b), count in together.items():
        if 2 * count > shared[a, _partition_of(b)] and 2 * count > shared[b, _partition_of(a)]:
            ra, rb = root(a), root(b)
            if ra != rb:
                parent[rb] = ra
    numbers: dict[str, str] = {}
    final: dict[str, str] = {}
    for article_id, first in seen.items():
        final[article_id] = numbers.setdefault(root(owner.get(article_id, first)), f"s{len(numbers) + 1}")
    return final


def group_by_time(
    records: Iterable[IncomingArticle | Mapping[str, Any]],
    days: float = 30,
    overlap_days: float = 7,
    *,
    workers: int = 1,
    origin: datetime | date | str | None = None,
    regroup: bool = True,
    index_options: Mapping[str, Any] | None = None,
    batch_size: int = 500,
) -> dict[str, str]:
    """:func:`partition_by_time`, :func:`group_partition` over each range (in ``workers`` processes on
    this machine), then :func:`stitch`: article id → story key, without summaries."""
    check_workers(workers)
    partitions = partition_by_time(records, days, overlap_days, origin=origin)
    work = partial(group_partition, regroup=regroup, index_options=index_options, batch_size=batch_size)
    return stitch(map_in_workers(work, partitions, workers, per_task=1))  # no more processes than ranges


def digest_by_time(
    articles: Iterable[IncomingArticle],
    days: float = 30,
    overlap_days: float = 7,
    *,
    words: int = DEFAULT_WORDS,
    workers: int = 1,
    regroup: bool = True,
    index_options: Mapping[str, Any] | None = None,
    batch_size: int = 500,
) -> list[dict[str, Any]]:
    """``tomtat digest --ranges``: :func:`group_by_time`, then each story summarized (in ``workers``
    processes) as a store summarizes it (its latest 40 articles, oldest first, each cited by its id).
    Records as ``tomtat digest`` writes them, the most recently active story first.

    The grouping is that of the time ranges (see :func:`stitch`), and near-duplicate copies are not
    marked, so a copy stays in its story's summary input (the summary's redundancy rules then keep one
    of the two wordings). Ids are ``s1``, ``s2``, ... by first article in time.
    """
    from tomtat.store import MAX_SUMMARY_ARTICLES

    check_words(words)
    check_workers(workers)  # both before the grouping, which may take long
    unique: dict[str, IncomingArticle] = {}
    for article in articles:
        unique.setdefault(article.id, article)
    story_of = group_by_time(
        unique.values(), days, overlap_days, workers=workers, regroup=regroup,
        index_options=index_options, batch_size=batch_size,
    )
    arrival = {key: number for number, key in enumerate(unique)}

    def when(article: IncomingArticle) -> tuple[float, int]:
        published = article.published.timestamp() if article.published is not None else math.inf
        return published, arrival[article.id]

    members: dict[str, list[IncomingArticle]] = defaultdict(list)
    for article in sorted(unique.values(), key=when):
        members[story_of[article.id]].append(article)
    by_start = sorted(members.values(), key=lambda group: when(group[0]))
    names = {group[0].id: f"s{number}" for number, group in enumerate(by_start, start=1)}
    stories = sorted(by_start, key=lambda group: when(group[-1]), reverse=True)  # latest activity first
    inputs = (
        [Article(text=a.text, title=a.title, source=a.id) for a in group[-MAX_SUMMARY_ARTICLES:]]
        for group in stories
    )
    summaries = map_in_workers(partial(summarize, words=words), inputs, workers)
    return [
        {
            "story": names[group[0].id],
            "articles": [a.id for a in group],
            "summary": summary.text,
            "sentences": [s.to_dict() for s in summary.sentences],
            "facts": summary.facts.to_dict() if summary.facts is not None else None,
        }
        for group, summary in zip(stories, summaries, strict=True)
    ]


_LATEST = datetime.max.replace(tzinfo=UTC)


def _later(moment: datetime, seconds: float) -> datetime | None:
    """``moment`` plus ``seconds``, or None (open-ended) past the last instant a datetime holds."""
    try:
        return moment + timedelta(seconds=seconds)
    except OverflowError:
        return None


def _partition_of(local: str) -> str:
    return local.rsplit("/", 1)[0]


def _origin(origin: datetime | date | str | None, earliest: datetime) -> datetime:
    """Where the first range starts: ``origin`` in UTC (naive is UTC, an ISO string is parsed like a
    feed's dates), or midnight UTC of the earliest article."""
    if origin is None:
        return datetime(earliest.year, earliest.month, earliest.day, tzinfo=UTC)
    try:
        parsed = parse_published(origin)
    except InputError:
        parsed = None
    if parsed is None:
        raise InputError(f"origin must be a date, a datetime or an ISO-8601 string, got {origin!r:.60}")
    return parsed
