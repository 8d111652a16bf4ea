"""tomtat.parallel: the batch contract over any split of the input, in worker processes and inside a
real distributed engine's partitions (Dask)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sample_articles import ARTICLE_A, ARTICLE_B
from test_clustering import STORIES, make_article
from test_clustering import partition as groups
from tomtat.corpus import read_line
from tomtat.errors import InputError, TomtatError
from tomtat.parallel import (
    group_by_time,
    group_partition,
    map_in_workers,
    partition_by_time,
    stitch,
    summarize_items,
    summarize_partition,
)
from tomtat.store import Store


def story_line(*bodies: str) -> str:
    return json.dumps({"single_documents": [{"raw_text": body} for body in bodies]}, ensure_ascii=False)


LINES = [
    story_line(ARTICLE_A, ARTICLE_B) + "\n",
    "{not json\n",
    "\n",
    story_line(ARTICLE_B) + "\n",
    story_line(ARTICLE_A, ARTICLE_B, ARTICLE_A),
]


def test_a_partition_gives_one_record_per_story_line_in_order():
    records = [json.loads(line) for line in summarize_partition(LINES, words=40)]
    assert len(records) == 4  # the blank line gives nothing, as in `tomtat batch`
    assert [("error" in r) for r in records] == [False, True, False, False]
    assert records[1]["error"]["line"] == 2  # counted within the partition
    assert records[0]["summary"] and records[2]["summary"]


def test_bytes_and_a_byte_order_mark_are_read_like_a_file():
    first = ("\ufeff" + LINES[0]).encode()
    assert [json.loads(x)["summary"] for x in summarize_partition([first])]
    assert "not valid UTF-8" in read_line(b"\xff\xfe{}", 2).message


def test_a_bad_budget_is_an_input_error_before_any_work():
    with pytest.raises(InputError, match="words"):
        list(summarize_partition(LINES, words=0))


def test_worker_processes_give_the_same_records_in_the_same_order():
    items = [read_line(line, number) for number, line in enumerate(LINES * 3, start=1)]
    items = [item for item in items if item is not None]
    alone = list(summarize_items(items, words=60, workers=1))
    assert list(summarize_items(items, words=60, workers=2)) == alone
    assert len(alone) == 12


def test_workers_run_one_thread_each_and_the_parent_keeps_its_environment(monkeypatch):
    import os

    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setenv("MKL_NUM_THREADS", "3")  # the user's own setting is kept
    names = ["OMP_NUM_THREADS", "MKL_NUM_THREADS"]
    assert list(map_in_workers(os.getenv, names, workers=2)) == ["1", "3"]
    assert "OMP_NUM_THREADS" not in os.environ and os.environ["MKL_NUM_THREADS"] == "3"


def test_dask_partitions_give_what_one_process_gives():
    bag = pytest.importorskip("dask.bag", reason="dask is a dev dependency; pip install -e '.[dev]'")
    lines = [line for line in LINES if line.strip()] * 2
    stories = bag.from_sequence(lines, npartitions=3)
    out = stories.map_partitions(summarize_partition, words=60).compute(scheduler="processes", num_workers=2)
    expected = list(summarize_partition(lines, words=60))
    summaries = [json.loads(line).get("summary") for line in out]
    assert summaries == [json.loads(line).get("summary") for line in expected]



def test_the_documented_dask_recipe_writes_files_that_join_into_the_batch_output(tmp_path):
    """docs/scale.md: read_text, map_partitions, to_textfiles(last_endline=True); the files, joined in
    partition order, are what one process writes (error records number lines within their partition)."""
    bag = pytest.importorskip("dask.bag", reason="dask is a dev dependency; pip install -e '.[dev]'")
    import dask

    lines = [line.rstrip("\n") for line in LINES if line.strip()] * 2
    archive = tmp_path / "archive.jsonl"
    archive.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    stories = bag.read_text(str(archive), blocksize=max(len(line.encode()) for line in lines))
    assert stories.npartitions > 1
    out = tmp_path / "summaries"
    with dask.config.set(scheduler="processes", num_workers=2):
        summaries = stories.map_partitions(summarize_partition, words=60)
        summaries.to_textfiles(str(out / "*.jsonl"), last_endline=True)
    files = sorted(out.glob("*.jsonl"), key=lambda path: int(path.stem))
    joined = "".join(path.read_text(encoding="utf-8") for path in files).splitlines()
    records = [json.loads(line) for line in joined]  # no two records glued on one line
    expected = [json.loads(line) for line in summarize_partition(lines, words=60)]
    assert [r.get("summary") for r in records] == [r.get("summary") for r in expected]


# --- grouping by time ranges ------------------------------------------------------------------------

OPTIONS = {"threshold": 0.2}  # a dozen short articles: see test_clustering.small_index


def dated_feed(days: tuple[int, ...] = (10, 25)) -> list[dict]:
    """Every test story told again on each day of ``days`` in September (3 articles on consecutive
    days), each telling a story of its own: they are over a week apart, beyond the grouping's window."""
    items = []
    for start in days:
        for story in STORIES:
            for number in range(3):
                title, text = make_article(story, number + start)
                published = f"2023-09-{start + number:02d}T08:00:00+07:00"
                items.append(
                    {"id": f"{story}{start}-{number}", "title": title, "text": text, "published": published}
                )
    return items


def one_store(items: list[dict]) -> set[frozenset[str]]:
    with Store.memory(index_options=OPTIONS) as store:
        report = store.ingest(items)
    return groups({a.article_id: a.story_id for a in report.assignments})


def test_time_ranges_overlap_and_each_article_has_one_owner():
    feed = dated_feed()
    partitions = partition_by_time(feed, days=5, overlap_days=3)
    assert [p.key for p in partitions] == ["2023-09-10", "2023-09-20", "2023-09-25"]  # empty ranges left out
    stories = len(STORIES)
    assert [len(p) for p in partitions] == [3 * stories] * 3  # days 25-27 are also in the range of day 20
    for partition in partitions:
        assert all(partition.start <= a.published < partition.end for a in partition.articles)
    owners = [a.id for p in partitions for a in p.articles if p.owns(a)]
    assert sorted(owners) == sorted(item["id"] for item in feed)  # one owner each
    # The overlap (days 25-27) is split at its middle, day 26.5: each range owns the half it is deeper in.
    assert {a.published.day for a in partitions[1].articles if partitions[1].owns(a)} == {25, 26}
    assert {a.published.day for a in partitions[2].articles if partitions[2].owns(a)} == {27}


def test_stitched_ranges_group_like_one_store_when_boundaries_cut_stories():
    feed = dated_feed()
    expected = one_store(feed)
    assert len(expected) == 2 * len(STORIES)  # the test stories are told apart, day 10 from day 25
    for days, overlap in ((5, 3), (3, 3), (30, 7)):
        assert groups(group_by_time(feed, days, overlap, index_options=OPTIONS)) == expected, (days, overlap)


def test_stitch_does_not_chain_whole_stories_through_a_wrongly_merged_tail():
    # Range 1 saw stories x and y whole; range 2 saw only their last articles and took them for one.
    first = [("x1", "r1/s1", True), ("x2", "r1/s1", True), ("x3", "r1/s1", True), ("x4", "r1/s1", False)]
    first += [("y1", "r1/s2", True), ("y2", "r1/s2", True), ("y3", "r1/s2", True), ("y4", "r1/s2", False)]
    second = [("x4", "r2/s1", True), ("y4", "r2/s1", True), ("z1", "r2/s2", True)]
    final = stitch([first, second])
    assert final["x1"] == final["x2"] == final["x3"] != final["y1"] == final["y2"] == final["y3"]
    assert final["x4"] == final["y4"] != final["x1"]  # the owner's decision stands for its articles ...
    assert len(set(final.values())) == 4  # ... and x and y stay two stories (plain union-find: one)


def test_stitch_joins_a_long_story_across_several_ranges():
    ranges = [
        [("a1", "r1/s1", True), ("a2", "r1/s1", False)],
        [("a2", "r2/s5", True), ("a3", "r2/s5", True), ("a4", "r2/s5", False), ("b1", "r2/s6", True)],
        [("a4", "r3/s1", True), ("a5", "r3/s1", True)],
    ]
    final = stitch(ranges)
    assert {final[f"a{n}"] for n in range(1, 6)} == {"s1"} and final["b1"] == "s2"
    assert groups(stitch(reversed(ranges))) == groups(final)  # the order of the results does not matter


def test_undated_articles_are_one_partition_of_their_own():
    feed = dated_feed((10,))
    undated = [
        {k: v for k, v in item.items() if k != "published"} | {"id": "u" + item["id"]} for item in feed
    ]
    partitions = partition_by_time(feed + undated, days=30, overlap_days=7)
    assert [p.key for p in partitions] == ["2023-09-10", "undated"]
    assert all(a.published is None for a in partitions[-1].articles)
    assert groups(group_by_time(undated, index_options=OPTIONS)) == one_store(undated)  # no dates: one store


def test_repeated_ids_are_dropped_and_bad_input_is_named():
    feed = dated_feed((10,))
    assert sum(map(len, partition_by_time(feed + feed[:2]))) == len(feed)
    with pytest.raises(InputError, match=r"record 2: .*text"):
        partition_by_time([feed[0], {"id": "x", "published": "2023-09-10"}])
    with pytest.raises(InputError, match="days must be a positive"):
        partition_by_time(feed, days=0)
    with pytest.raises(InputError, match="overlap_days must be between 0 and days"):
        partition_by_time(feed, days=5, overlap_days=7)
    with pytest.raises(InputError, match="before origin"):
        partition_by_time(feed, origin=datetime(2023, 9, 11, tzinfo=UTC))


@pytest.mark.parametrize("days", [1e308, 1e7])
def test_ranges_longer_than_the_calendar_are_one_range(days):
    # `digest --ranges 1e308`: the range's length in seconds was infinite, its start NaN (ValueError).
    feed = dated_feed((10, 20))
    feed[0]["published"], feed[-1]["published"] = "0001-01-01", "9999-12-31T23:59:59"
    partitions = partition_by_time(feed, days=days, overlap_days=days)
    assert [p.key for p in partitions] == ["0001-01-01"] and len(partitions[0].articles) == len(feed)


def test_dask_time_partitions_group_like_one_process():
    bag = pytest.importorskip("dask.bag", reason="dask is a dev dependency; pip install -e '.[dev]'")
    partitions = partition_by_time(dated_feed(), days=5, overlap_days=3)
    grouped = bag.from_sequence(partitions, npartitions=len(partitions)).map(
        group_partition, index_options=OPTIONS
    )
    by_dask = stitch(grouped.compute(scheduler="processes", num_workers=2))
    assert by_dask == stitch(group_partition(p, index_options=OPTIONS) for p in partitions)
    assert groups(by_dask) == one_store(dated_feed())


def test_worker_processes_group_like_one_process():
    feed = dated_feed()
    alone = group_by_time(feed, 5, 3, index_options=OPTIONS)
    assert group_by_time(feed, 5, 3, index_options=OPTIONS, workers=2) == alone


def test_a_worker_that_dies_is_a_clean_error_not_a_hang():
    # os._exit ends the worker process at once, as a SIGKILL or the out-of-memory killer would.
    with pytest.raises(TomtatError, match="worker process ended unexpectedly"):
        list(map_in_workers(os._exit, [3, 3, 3], workers=2, per_task=1))


@pytest.mark.parametrize("workers", [0, -1, 2.5, "2", None, True])
def test_a_bad_number_of_workers_is_an_input_error(workers):
    with pytest.raises(InputError, match="workers must be a whole number"):
        list(map_in_workers(abs, [1], workers))
    with pytest.raises(InputError, match="workers must be a whole number"):
        list(summarize_items([], workers=workers))
    with pytest.raises(InputError, match="workers must be a whole number"):
        group_by_time([], workers=workers)


@pytest.mark.parametrize("per_task", [0, -1])
def test_fewer_than_one_item_per_task_is_an_input_error_not_an_empty_result(per_task):
    with pytest.raises(InputError, match="per_task"):
        list(map_in_workers(abs, [1, -2], workers=2, per_task=per_task))


def worker_pid(_: object) -> int:
    return os.getpid()


def test_no_more_processes_than_tasks_or_cores_and_none_for_nothing(monkeypatch):
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    pids = set(map_in_workers(worker_pid, range(3), workers=64, per_task=1))
    assert os.getpid() not in pids and len(pids) <= min(3, cores)
    assert list(map_in_workers(abs, [1, -2], workers=10**20)) == [1, 2]  # was an OverflowError

    import tomtat.parallel

    def no_pool(workers: int) -> None:
        raise AssertionError("no worker process is needed for no input")

    monkeypatch.setattr(tomtat.parallel, "_start_workers", no_pool)
    assert list(map_in_workers(abs, [], workers=2)) == []


def _children(pid: int) -> list[int]:
    """Live (not zombie) processes whose parent is ``pid``, from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from Linux's /proc")
def test_workers_end_when_their_parent_is_killed():
    # SIGKILL (or SIGTERM, or the out-of-memory killer) gives the parent no chance to stop its pool.
    script = "import time, tomtat.parallel as p; list(p.map_in_workers(time.sleep, [60, 60], 2, per_task=1))"
    parent = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 30
        while len(workers := [p for p in _children(parent.pid) if "spawn_main" in _cmdline(p)]) < 2:
            assert time.monotonic() < deadline, "the workers did not start"
            time.sleep(0.1)
        time.sleep(2)  # into their tasks
    finally:
        parent.kill()
        parent.wait()
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in workers), "orphaned workers kept running"


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


def test_ranges_running_past_the_last_representable_date_are_open_ended():
    feed = dated_feed((10,))
    never = {**feed[0], "id": "never", "published": "9999-12-30T12:00:00"}  # a feed's "never expires"
    for days, overlap in ((30, 7), (1e300, 7), (5, 3)):
        partitions = partition_by_time([*feed, never], days=days, overlap_days=overlap)  # was OverflowError
        owners = [a.id for p in partitions for a in p.articles if p.owns(a)]
        assert sorted(owners) == sorted([never["id"], *(item["id"] for item in feed)]), (days, overlap)
    assert partitions[-1].end is None and partitions[-1].owns_until is None
    assert "never" in group_by_time([*feed, never], index_options=OPTIONS)


def test_origin_may_be_an_iso_date_and_anything_else_is_named():
    feed = dated_feed((10,))
    as_text = partition_by_time(feed, days=5, overlap_days=3, origin="2023-09-08")
    assert as_text == partition_by_time(feed, 5, 3, origin=datetime(2023, 9, 8, tzinfo=UTC))
    assert as_text[0].key == "2023-09-08"
    for origin in (5, "not a date"):
        with pytest.raises(InputError, match="origin"):
            partition_by_time(feed, origin=origin)


@pytest.mark.parametrize("lines", [LINES[0], LINES[0].encode()])
def test_a_partition_given_as_one_string_is_named_not_read_char_by_char(lines):
    # Iterating a str goes through its characters: one error record per character.
    with pytest.raises(InputError, match="splitlines"):
        summarize_partition(lines)


def test_stopping_early_ends_the_workers_at_once_instead_of_finishing_their_tasks():
    # Ctrl-C or a closed output: the tasks in flight are not wanted. Waiting for them made Ctrl-C slow
    # (a time range can take minutes), and a second Ctrl-C during that wait hung the process for good.
    records = map_in_workers(time.sleep, [0, 60, 60, 60], workers=2, per_task=1)
    assert next(records) is None
    started = time.monotonic()
    records.close()
    assert time.monotonic() - started < 10
