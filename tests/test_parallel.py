"""tomtat.parallel: the batch contract over any split of the input, in worker processes and inside a
real distributed engine's partitions (Dask)."""

from __future__ import annotations

import json

import pytest

from sample_articles import ARTICLE_A, ARTICLE_B
from tomtat.corpus import read_line
from tomtat.errors import InputError
from tomtat.parallel import summarize_items, summarize_partition


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


def test_dask_partitions_give_what_one_process_gives():
    bag = pytest.importorskip("dask.bag", reason="dask is a dev dependency; pip install -e '.[dev]'")
    lines = [line for line in LINES if line.strip()] * 2
    stories = bag.from_sequence(lines, npartitions=3)
    out = stories.map_partitions(summarize_partition, words=60).compute(scheduler="processes", num_workers=2)
    expected = list(summarize_partition(lines, words=60))
    summaries = [json.loads(line).get("summary") for line in out]
    assert summaries == [json.loads(line).get("summary") for line in expected]
