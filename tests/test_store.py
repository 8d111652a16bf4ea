"""Tests of the SQLite story store: ingest, idempotence, copies, summaries, dirty flags, threads."""

from __future__ import annotations

import sqlite3
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_clustering import STORIES, make_article
from tomtat import InputError, Store
from tomtat.feeds import FeedError, IncomingArticle, parse_record, read_feed
from tomtat.store import IngestReport, digest

OPTIONS = {"threshold": 0.2}  # a dozen short articles: see test_clustering.small_index


def records(per_story: int = 3, day: int = 10) -> list[dict]:
    items = []
    for story in STORIES:
        for number in range(per_story):
            title, text = make_article(story, number)
            published = f"2023-09-{day + number:02d}"
            items.append({"id": f"{story}{number}", "title": title, "text": text, "published": published})
    return items


def by_story(store: Store) -> set[frozenset[str]]:
    return {frozenset(s.article_ids) for s in store.stories()}


def truth(ids) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for key in ids:
        groups.setdefault(key[0], set()).add(key)
    return {frozenset(g) for g in groups.values()}


@pytest.fixture
def summarize_calls(monkeypatch) -> list[int]:
    """The story rows the store summarizes (rather than reading a cached summary), in order."""
    import tomtat.store as store_module

    calls: list[int] = []
    original = store_module.Store._summarize

    def counting(self, story, words):
        calls.append(story)
        return original(self, story, words)

    monkeypatch.setattr(store_module.Store, "_summarize", counting)
    return calls


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "t.db", index_options=OPTIONS) as opened:
        yield opened


def test_ingest_groups_articles_and_reports_assignments(store):
    report = store.ingest(records())
    assert isinstance(report, IngestReport)
    assert report.added == 12 and report.existing == 0 and not report.errors
    assert report.new_stories == 4
    assert {a.article_id for a in report.assignments} == {r["id"] for r in records()}
    assert by_story(store) == truth(r["id"] for r in records())
    assert store.count_articles() == 12 and store.count_stories() == 4


def test_reingesting_the_same_ids_is_idempotent(store):
    first = store.ingest(records())
    again = store.ingest(records())
    assert again.added == 0 and again.existing == 12 and again.new_stories == 0
    assert {a.article_id: a.story_id for a in again.assignments} == {
        a.article_id: a.story_id for a in first.assignments
    }
    assert store.count_articles() == 12


def test_duplicate_id_within_one_batch_is_stored_once(store):
    items = records()[:2]
    report = store.ingest([*items, items[0]])
    assert report.added == 2 and report.existing == 1
    assert store.count_articles() == 2
    assert report.differing == ()  # the same article twice


def test_an_id_sent_again_with_another_text_is_reported_and_the_first_version_kept(store):
    items = records()[:2]
    store.ingest(items)
    changed = {**items[0], "text": items[0]["text"] + " Bài đã được cập nhật."}
    again = store.ingest([changed, items[1], {**changed, "id": "brand-new"}])
    assert again.added == 1 and again.existing == 2
    assert again.differing == (items[0]["id"],)
    assert [a.differs for a in again.assignments] == [True, False, False]
    assert store.article(items[0]["id"]).text == items[0]["text"]
    in_one_batch = store.ingest([{**items[1], "id": "x"}, {**items[1], "id": "x", "title": "Khác"}])
    assert in_one_batch.differing == ("x",)


def test_later_batches_join_existing_stories_across_reopen(tmp_path):
    path = tmp_path / "t.db"
    items = records(per_story=4)
    with Store(path, index_options=OPTIONS) as store:
        store.ingest([r for r in items if r["id"][1] in "01"])
    with Store(path, index_options=OPTIONS) as store:  # the index is rebuilt from stored fingerprints
        report = store.ingest([r for r in items if r["id"][1] in "23"])
        assert report.new_stories == 0
        assert by_story(store) == truth(r["id"] for r in items)


def test_near_duplicate_is_marked_as_copy_and_not_summarized_twice(store):
    items = records()
    original = items[0]
    copy = {**original, "id": "copy", "title": "Tin từ báo khác", "text": original["text"] + "\nẢnh: TTXVN"}
    report = store.ingest([*items, copy])
    assignment = next(a for a in report.assignments if a.article_id == "copy")
    assert assignment.copy_of == original["id"] and report.copies == 1
    story = store.story(assignment.story_id)
    assert "copy" in story.article_ids and story.copy_ids == ("copy",)
    assert "copy" not in {s.doc for s in story.summary.sentences}
    assert store.article("copy").copy_of == original["id"]


def test_story_summaries_cite_article_ids_and_are_recomputed_only_when_changed(store, summarize_calls):
    calls = summarize_calls
    store.ingest(records(per_story=2))
    stories = store.stories(words=60)
    assert len(calls) == 4
    for story in stories:
        assert story.summary.sentences and story.summary.length <= 60
        assert {s.doc for s in story.summary.sentences} <= set(story.article_ids)
    calls.clear()
    assert [s.summary for s in store.stories(words=60)] == [s.summary for s in stories]
    assert calls == []  # nothing changed: all summaries, facts included, come from the database
    title, text = make_article("A", 4)
    report = store.ingest([{"id": "A-new", "title": title, "text": text, "published": "2023-09-11"}])
    store.stories(words=60)
    assert [f"s{c}" for c in calls] == [report.assignments[0].story_id]


def test_story_facts_cite_article_ids_and_survive_the_cache(store):
    store.ingest(records(per_story=2))
    fresh = {s.id: s for s in store.stories()}
    numbers = {s.id: [q.text for q in s.summary.facts.numbers] for s in fresh.values()}
    assert "180 hành khách" in [text for texts in numbers.values() for text in texts]
    for story in store.stories():  # now read back from the database
        assert story.summary.facts == fresh[story.id].summary.facts
        cited = {source.doc for fact in story.summary.facts.numbers for source in fact.sources}
        assert cited <= set(story.article_ids)
        assert story.to_dict()["facts"] == story.summary.facts.to_dict()


def test_summaries_cached_without_facts_are_made_again(store, summarize_calls):
    store.ingest(records(per_story=2))
    before = store.stories()
    summarize_calls.clear()
    store._db.execute("UPDATE stories SET summary = json_remove(summary, '$.facts')")  # as tomtat 0.1 cached
    assert [s.summary for s in store.stories()] == [s.summary for s in before]
    assert len(summarize_calls) == len(before)


def test_stories_limit_summarizes_only_the_most_recent(store, summarize_calls):
    store.ingest(records())
    newest_first = [s.id for s in store.stories()]
    summarize_calls.clear()
    late = [r | {"id": "C0-late", "published": "2023-09-14"} for r in records() if r["id"] == "C0"]
    store.ingest(late)
    (latest,) = store.stories(limit=1)
    assert {"C0", "C0-late"} <= set(latest.article_ids) and len(summarize_calls) == 1
    assert [s.id for s in store.stories(limit=2)][1] == next(i for i in newest_first if i != latest.id)
    assert store.stories(limit=0) == []
    with pytest.raises(Exception, match="limit"):
        store.stories(limit=-1)


def test_stories_since_filters_by_latest_publication(store):
    early = [r | {"published": "2023-01-05"} for r in records() if r["id"][0] in "AB"]
    late = [r | {"published": "2023-09-05"} for r in records() if r["id"][0] in "CD"]
    store.ingest(early + late)
    recent = store.stories(since="2023-06-01")
    assert {a[0] for s in recent for a in s.article_ids} == {"C", "D"}
    assert all(s.first >= datetime(2023, 6, 1, tzinfo=UTC) for s in recent)
    assert len(store.stories(since=datetime(2022, 1, 1))) == 4
    with pytest.raises(Exception, match="ISO-8601"):
        store.stories(since="last week")


def test_bad_items_are_reported_and_the_rest_ingested(store):
    items = [*records()[:3], {"id": "x"}, {"id": "y", "text": "   "}, {"id": "z", "text": "a", "extra": 1}]
    items.append({"id": "w", "text": "Văn bản.", "published": "13/9/2023"})
    report = store.ingest(items)
    assert report.added == 3
    assert [e.line for e in report.errors] == [4, 5, 6, 7]
    assert "text" in report.errors[0].message and "unknown field" in report.errors[2].message
    assert "published" in report.errors[3].message


def test_feed_reader_reports_line_numbers(tmp_path):
    path = tmp_path / "feed.jsonl"
    good = '{"id": "1", "text": "Một bài báo.", "published": "2023-09-13T08:00:00+07:00"}'
    path.write_text(f'{good}\n\n{{"id": 2\n[1, 2]\n{{"id": "3", "text": ""}}\n', encoding="utf-8")
    items = list(read_feed(path))
    assert isinstance(items[0], IncomingArticle)
    assert items[0].published == datetime(2023, 9, 13, 1, 0, tzinfo=UTC)
    assert [(e.line, type(e)) for e in items[1:]] == [(3, FeedError), (4, FeedError), (5, FeedError)]
    assert str(items[1]).startswith(f"{path}:3: invalid JSON")


def test_directory_feed_uses_file_names_as_ids(tmp_path):
    (tmp_path / "b.txt").write_text("Bài thứ hai.", encoding="utf-8")
    (tmp_path / "a.txt").write_text("Bài thứ nhất.", encoding="utf-8")
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    items = list(read_feed(tmp_path))
    assert [i.id for i in items if isinstance(i, IncomingArticle)] == ["a.txt", "b.txt"]
    assert [e.where for e in items if isinstance(e, FeedError)] == [str(tmp_path / "empty.txt")]


def test_directory_feed_takes_the_headline_line_as_title(tmp_path):
    (tmp_path / "a.txt").write_text("Khánh thành cầu mới\nSáng nay cầu mới thông xe.", encoding="utf-8")
    (tmp_path / "b.txt").write_text("Sáng nay cầu mới thông xe. Người dân vui mừng.", encoding="utf-8")
    titles = {i.id: i.title for i in read_feed(tmp_path)}
    assert titles == {"a.txt": "Khánh thành cầu mới", "b.txt": ""}


def test_parse_record_accepts_date_only_and_naive_datetimes():
    assert parse_record({"id": "1", "text": "x", "published": "2023-09-13"}).published == datetime(
        2023, 9, 13, tzinfo=UTC
    )
    assert parse_record({"id": 5, "text": "x"}).id == "5"


def test_digest_is_in_memory_and_follows_input_order():
    result = digest(records(), words=50, index_options=OPTIONS)
    assert [s.article_ids[0][0] for s in result.stories] == ["A", "B", "C", "D"]
    line = result.stories[0].to_dict()
    assert {"story", "articles", "summary", "sentences"} <= set(line)
    assert all(s["doc"] in line["articles"] for s in line["sentences"])


def test_unknown_story_and_article_are_none(store):
    assert store.story("s999") is None and store.story("nonsense") is None
    assert store.article("nope") is None


def test_not_a_database_is_a_clean_error(tmp_path):
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(Exception, match="not a tomtat database"):
        Store(path)


def test_store_is_usable_from_worker_threads(store):
    items = records(per_story=3)
    errors: list[BaseException] = []

    def work(chunk):
        try:
            store.ingest(chunk)
            store.stories(words=40)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(items[i::3],)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert store.count_articles() == 12
    assert sqlite3.connect(store.path).execute("PRAGMA integrity_check").fetchone() == ("ok",)


def _consistent(path) -> None:
    """Every story row's size and span match its articles; every article's story row exists."""
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT s.id, s.size, s.first, s.last, COUNT(a.id), MIN(a.published), MAX(a.published) "
            "FROM stories s LEFT JOIN articles a ON a.story = s.id GROUP BY s.id"
        ).fetchall()
        orphans = db.execute("SELECT COUNT(*) FROM articles WHERE story NOT IN (SELECT id FROM stories)")
        assert orphans.fetchone()[0] == 0
    for story, size, first, last, count, earliest, latest in rows:
        assert size == count, story
        if count:
            assert (first, last) == (earliest, latest), story


def _pair_model(always: bool):
    from tomtat.pairs import PairModel

    return PairModel(coefficients=(0.0,) * 5, intercept=10.0 if always else -10.0)


def test_ingest_reports_the_stories_articles_end_in_after_the_pass(tmp_path):
    path = tmp_path / "t.db"
    with Store(path, index_options=OPTIONS, regroup=_pair_model(always=False)) as store:
        report = store.ingest(records())
        # a model that finds no pair alike splits every story down to one article per story
        assert store.count_stories() == 12 and report.new_stories == 12
        for assignment in report.assignments:
            assert store.article(assignment.article_id).story_id == assignment.story_id
        assert len({a.story_id for a in report.assignments}) == 12
    _consistent(path)


def test_ingest_reports_final_stories_when_a_later_batch_moves_earlier_articles(tmp_path):
    path = tmp_path / "t.db"
    with Store(path, index_options=OPTIONS, regroup=_pair_model(always=True)) as store:
        # a model that finds every pair alike folds each batch into the stories of the ones before
        report = store.ingest(records(), batch_size=3)
        assert len({a.story_id for a in report.assignments}) == store.count_stories() < 4
        for assignment in report.assignments:
            assert store.article(assignment.article_id).story_id == assignment.story_id
    _consistent(path)


def test_emptied_stories_follow_their_articles_and_sizes_stay_right(tmp_path):
    path = tmp_path / "t.db"
    items = records(per_story=4)
    with Store(path, index_options=OPTIONS, regroup=False) as store:
        first = store.ingest(items[::2])
    # a model that finds every pair alike moves articles into the oldest story among their neighbours
    with Store(path, index_options=OPTIONS, regroup=_pair_model(always=True)) as store:
        second = store.ingest(items[1::2])
        for assignment in second.assignments:
            assert store.article(assignment.article_id).story_id == assignment.story_id
        assert sum(s.size for s in store.stories()) == 16
        # ids handed out earlier still answer with a live story (for a story the pass emptied, the one its
        # last article went to; the first batch's neighbour lists are stored, so its stories may split)
        for assignment in first.assignments:
            story = store.story(assignment.story_id)
            assert story is not None and story.size > 0
    with sqlite3.connect(path) as db:
        emptied = db.execute("SELECT COUNT(*) FROM stories WHERE size = 0 AND merged_into IS NOT NULL")
        assert emptied.fetchone()[0] > 0
    _consistent(path)


def test_the_pass_merges_stories_that_arrived_apart_and_old_ids_follow(tmp_path):
    """Cosine so strict at arrival that every article starts a story of its own; the shipped pair model's
    average linkage then puts each true story back together, in the stories table too, and every story
    id handed out (24 rows) answers with a live story."""
    from tomtat.store import story_key

    path = tmp_path / "t.db"
    items = records(per_story=6)
    with Store(path, index_options={"threshold": 0.99, "merge_threshold": 0.99}) as store:
        store.ingest(items[::2])
        assert by_story(store) == truth(item["id"] for item in items[::2])
        later = store.ingest(items[1::2])
        assert later.new_stories == 0  # every article of the second batch ended in a story of the first
        assert by_story(store) == truth(item["id"] for item in items)
        assert store.count_stories() == 4
        assert all(story.title and story.size == 6 for story in store.stories())
        with sqlite3.connect(path) as db:
            rows = [row for (row,) in db.execute("SELECT id FROM stories")]
        assert len(rows) == len(items)
        for row in rows:
            found = store.story(story_key(row))
            assert found is not None and found.size == 6
    _consistent(path)


def test_store_reopened_after_a_pass_keeps_grouping(tmp_path):
    path = tmp_path / "t.db"
    items = records(per_story=4)
    with Store(path, index_options=OPTIONS) as store:
        store.ingest(items[:8])
    with Store(path, index_options=OPTIONS, regroup=_pair_model(always=False)) as store:
        store.ingest(items[8:12])  # splits stories apart
    _consistent(path)
    with Store(path, index_options=OPTIONS) as store:  # replayed articles, no neighbour lists persisted
        report = store.ingest(items[12:])
        assert report.added == 4
        for assignment in report.assignments:
            assert store.article(assignment.article_id).story_id == assignment.story_id
        assert store.count_articles() == 16
        assert all(s.summary.text for s in store.stories())
    _consistent(path)


def test_same_input_order_gives_the_same_grouping():
    items = records(per_story=4)
    outcomes = []
    for _ in range(2):
        with Store.memory(index_options=OPTIONS) as store:
            report = store.ingest(items, batch_size=5)
            outcomes.append(
                ([a.to_dict() for a in report.assignments], [(s.id, s.article_ids) for s in store.stories()])
            )
    assert outcomes[0] == outcomes[1]


def _neighbour_lists(store: Store) -> dict[str, list[tuple[float, str]]]:
    index = store._sync_index()
    keys = [entry.key for entry in index._entries]
    return {
        keys[position]: [(round(cosine, 5), keys[other]) for cosine, other in index.neighbours(position)]
        for position in range(len(keys))
    }


def _vectors(store: Store) -> dict[str, tuple[list[int], list[float]]]:
    index = store._sync_index()
    return {entry.key: tuple(map(list, index.vector_of(entry.key))) for entry in index._entries}


def test_neighbour_lists_and_vectors_survive_reopening_so_the_next_ingest_groups_as_before(tmp_path):
    """A reopened store (the next `tomtat ingest`) must see what the running one saw: each article's
    neighbour list, and its vector as weighted when it arrived, not re-weighted with today's counts."""
    path = tmp_path / "t.db"
    items = records(per_story=4)
    with Store(path, index_options=OPTIONS) as store:
        store.ingest(items[:8])
        store.ingest(items[8:], batch_size=5)
        lists, vectors = _neighbour_lists(store), _vectors(store)
    assert sum(map(len, lists.values())) > 0
    with Store(path, index_options=OPTIONS) as store:
        assert _neighbour_lists(store) == lists
        assert _vectors(store) == vectors
    _consistent(path)


def test_a_story_id_too_large_for_sqlite_is_unknown(store):
    assert store.story("s" + "9" * 30) is None  # was OverflowError, a 500 from /v1/stories/{id}


def test_a_story_id_with_other_digits_than_0_to_9_is_unknown(store):
    # "³".isdigit() but int("³") fails: GET /v1/stories/s³ was a ValueError, a 500; and "s١" was story s1.
    store.ingest(records(per_story=1))
    assert store.story("s1") is not None
    for story_id in ("s³", "s²", "s①", "s١", "s１", "s𝟏"):
        assert store.story(story_id) is None, story_id


def test_another_applications_database_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as other:
        other.execute("CREATE TABLE users (name TEXT)")
        other.execute("INSERT INTO users VALUES ('an')")
    with pytest.raises(InputError, match="not a tomtat database"):
        Store(path)
    with sqlite3.connect(path) as other:
        tables = [row[0] for row in other.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        assert tables == ["users"]
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_a_read_only_database_can_be_listed_but_not_ingested(tmp_path, monkeypatch):
    path = tmp_path / "t.db"
    with Store(path, index_options=OPTIONS) as writable:
        writable.ingest(records(per_story=2))
        expected = by_story(writable)
    connect = sqlite3.connect

    def read_only(database, **options):  # what a file without write permission gives a non-root user
        return connect(f"file:{database}?mode=ro", uri=True, **options)

    monkeypatch.setattr(sqlite3, "connect", read_only)
    with Store(path, index_options=OPTIONS) as store:
        assert by_story(store) == expected
        with pytest.raises(InputError, match="read-only"):
            store.ingest([{"id": "new", "text": "Một bài báo mới về xe buýt điện ở Hà Nội."}])


@pytest.mark.parametrize("workers", [0, "2", 1.5])
def test_a_bad_number_of_workers_is_refused_before_any_work(store, workers):
    store.ingest(records(per_story=1), batch_size=2)
    with pytest.raises(InputError, match="workers must be a whole number"):
        store.stories(workers=workers)
    handled = []
    with pytest.raises(InputError, match="workers must be a whole number"):
        digest(records(), workers=workers, progress=handled.append, index_options=OPTIONS)
    assert handled == []  # refused before ingesting anything, not after a long grouping


def test_dates_at_the_ends_of_the_calendar_are_listed_not_a_crash(store):
    items = records(per_story=1)
    items[0]["published"] = "9999-12-31T23:59:59.999999"  # a feed's "never expires"; as a float it rounds up
    items[1]["published"] = "0001-01-01"
    store.ingest(items)
    spans = {story.article_ids[0]: (story.first, story.last) for story in store.stories(words=30)}
    assert spans[items[0]["id"]][1].year == 9999 and spans[items[1]["id"]][0].year == 1
    assert store.article(items[0]["id"]).published.year == 9999
    assert [s.first.year for s in digest(items[:1], words=30).stories] == [9999]


@pytest.mark.parametrize("path", ["", "  "])
def test_an_empty_database_path_is_refused(path):
    # SQLite takes "" as a private temporary file: everything ingested vanished at close, reported as added.
    with pytest.raises(InputError, match="database path is empty"):
        Store(path)


def test_a_limit_that_is_not_a_whole_number_and_a_story_id_that_is_not_text_are_named(store):
    store.ingest(records(per_story=1))
    for limit in (1.5, "3", True):
        with pytest.raises(InputError, match="limit must be"):  # was sqlite3 'datatype mismatch' / TypeError
            store.stories(limit=limit)
    assert store.story(5) is None and store.story(None) is None  # as store.article(5); was AttributeError


@pytest.mark.parametrize("items", ["a1", {"id": "a1", "text": "Một bài báo."}, b"{}"])
def test_one_record_or_a_string_instead_of_a_list_is_named(store, items):
    # Iterating them went through keys or characters: each 'expected a JSON object, got str'.
    with pytest.raises(InputError, match="a list of articles"):
        store.ingest(items)
    with pytest.raises(InputError, match="a list of articles"):
        digest(items)


def test_summaries_made_in_workers_are_kept_as_they_come_when_interrupted(store, monkeypatch):
    # `tomtat stories -j 2` stopped by Ctrl-C used to keep none of the summaries its workers had made.
    import tomtat.parallel

    store.ingest(records(per_story=2), batch_size=50)
    stories = len(store._db.execute("SELECT id FROM stories WHERE size > 0").fetchall())
    assert stories >= 3

    def interrupted_after_two(function, items, workers):
        for number, item in enumerate(items):
            if number == 2:
                raise KeyboardInterrupt
            yield function(item)

    monkeypatch.setattr(tomtat.parallel, "map_in_workers", interrupted_after_two)
    with pytest.raises(KeyboardInterrupt):
        store.stories(workers=2, words=60)
    fresh = store._db.execute("SELECT COUNT(*) FROM stories WHERE size > 0 AND dirty = 0").fetchone()[0]
    assert fresh == 2


def test_a_stored_story_stays_listable_after_a_bad_hand_made_article_is_refused(store):
    # IncomingArticle(text="") used to be stored; every store.stories() after it raised "article is empty".
    store.ingest(records(per_story=1))
    listed = [story.id for story in store.stories(words=30)]
    with pytest.raises(InputError, match="empty text"):
        store.ingest([IncomingArticle(id="e", text=" ")])
    assert [story.id for story in store.stories(words=30)] == listed
    report = store.ingest([IncomingArticle(id="n", text="Một bài báo mới về xe buýt.", title=None)])
    assert report.added == 1 and store.article("n").title == ""


def test_an_article_id_that_cannot_be_stored_is_unknown(store):
    assert store.article("a\ud800") is None  # was UnicodeEncodeError from sqlite3
    assert store.article(["a"]) is None


@pytest.mark.skipif(sys.platform == "darwin", reason="macOS file systems refuse names that are not UTF-8")
def test_a_file_name_that_is_not_utf8_is_an_id_with_its_bytes_escaped(tmp_path):
    # Such a name (a Windows or old Linux archive) reached SQLite as surrogate escapes: UnicodeEncodeError.
    (tmp_path / "ok.txt").write_text("Sáng nay cầu mới thông xe. Người dân vui mừng.", encoding="utf-8")
    for raw in (b"\xff.txt", b"\xfe.txt"):
        (tmp_path / raw.decode("utf-8", "surrogateescape")).write_text("Cầu mới thông xe.", encoding="utf-8")
    ids = [item.id for item in read_feed(tmp_path)]
    assert sorted(ids) == ["\\xfe.txt", "\\xff.txt", "ok.txt"]
    report = digest(read_feed(tmp_path), words=30).report
    assert report.added == 3 and not report.errors


def test_digest_order_follows_the_first_arrival_of_an_id_sent_twice():
    # A story whose only article's id came again at the end of the input was listed last: the order
    # went by the id's last position, not its first arrival.
    items = records(per_story=2)
    result = digest([*items, *items[:2]], words=50, index_options=OPTIONS)  # A0, A1 again
    assert [s.article_ids[0][0] for s in result.stories] == ["A", "B", "C", "D"]


@pytest.mark.parametrize("workers", [1, 2])
def test_a_summary_made_while_another_process_adds_to_the_story_is_not_kept_as_fresh(
    tmp_path, monkeypatch, workers
):
    """Another process (a second service worker, a `tomtat ingest`) adds an article to a story while this
    one summarizes it: the summary made from the older articles must not be stored as current, or every
    later listing shows the new article without its sentences."""
    import tomtat.parallel
    import tomtat.store as store_module

    path = tmp_path / "t.db"
    items = [r for r in records() if r["id"][0] == "A"]
    with Store(path, index_options=OPTIONS) as writer:
        writer.ingest(items[:2])
    original = store_module.Store._summary_input
    added: list[str] = []

    def summary_input_then_another_process_writes(self, story):
        articles = original(self, story)
        if not added:
            with Store(path, index_options=OPTIONS) as other:
                added.append(other.ingest(items[2:]).assignments[0].story_id)
        return articles

    monkeypatch.setattr(store_module.Store, "_summary_input", summary_input_then_another_process_writes)
    in_this_process = lambda function, inputs, workers: map(function, inputs)  # noqa: E731
    monkeypatch.setattr(tomtat.parallel, "map_in_workers", in_this_process)
    with Store(path, index_options=OPTIONS) as store:
        store.stories(words=60, workers=workers)
        (story,) = store.stories(words=60, workers=workers)
    assert added == [story.id] and story.size == 3
    assert story.summary.sources == story.article_ids  # made again from all three


def test_undated_stories_the_pass_only_rearranged_are_not_listed_as_active_since(tmp_path, monkeypatch):
    """docs/service.md: `since` lists "only stories with an article published (or, if undated, added) then
    or later". The pass used to stamp every story it touched as active now, so stories that only lost
    articles, or were split off from older ones, were listed as if something had been added to them."""
    import tomtat.store as store_module

    clock = [1_000_000.0]
    monkeypatch.setattr(store_module.time, "time", lambda: clock[0])
    undated = [{k: v for k, v in r.items() if k != "published"} for r in records(per_story=4)]
    with Store(tmp_path / "t.db", index_options=OPTIONS, regroup=False) as store:
        store.ingest([r for r in undated if r["id"][1] != "3"])
        clock[0] += 86_400
        store._pair_model = _pair_model(always=False)  # the next pass splits what the new article touches
        report = store.ingest([r for r in undated if r["id"] == "A3"])
        assert store.count_stories() > 5  # the pass did split stored stories
        recent = store.stories(since=datetime.fromtimestamp(clock[0] - 3_600, UTC))
        assert [s.article_ids for s in recent] == [("A3",)]
        assert recent[0].id == report.assignments[0].story_id
    _consistent(tmp_path / "t.db")
