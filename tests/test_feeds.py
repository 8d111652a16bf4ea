"""Tests of reading articles to ingest (tomtat.feeds): every bad field is a one-line InputError."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tomtat.errors import InputError
from tomtat.feeds import IncomingArticle, parse_published, parse_record, read_feed


@pytest.mark.parametrize("value", ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00"])
def test_dates_that_leave_the_representable_range_in_utc_are_input_errors(value):
    # Valid ISO-8601, but converting them to UTC overflows Python's datetime range.
    with pytest.raises(InputError, match="published"):
        parse_published(value)
    with pytest.raises(InputError, match="published"):
        parse_record({"id": "a", "text": "Một câu.", "published": value})


def test_an_id_with_a_lone_surrogate_is_an_input_error():
    # It could be neither stored (SQLite wants UTF-8) nor written back; its text would be cleaned.
    with pytest.raises(InputError, match='"id"'):
        parse_record({"id": "bài\ud800", "text": "Một câu."})
    article = parse_record({"id": "a", "text": "Một\ud800 câu.", "title": "T\udc00"})
    assert (article.text, article.title) == ("Một câu.", "T")


@pytest.mark.parametrize(("identifier", "kind"), [(7.5, "float"), (True, "bool"), (["a"], "list")])
def test_an_id_of_the_wrong_type_is_named_not_called_missing(identifier, kind):
    with pytest.raises(InputError, match=f'"id" must be a string.*got {kind}'):
        parse_record({"id": identifier, "text": "Một câu."})
    with pytest.raises(InputError, match='missing or empty "id"'):
        parse_record({"text": "Một câu."})


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"id": "a", "text": 5}, '"text" must be a string, got int'),
        ({"id": 5, "text": "Một câu."}, '"id" must be a string, got int'),
        ({"id": "a", "text": "Một câu.", "title": ["T"]}, '"title" must be a string, got list'),
        ({"id": "a", "text": "Một câu.", "published": "2023-09-13"}, '"published" must be a datetime'),
        ({"id": "a", "text": "  \n"}, "empty text"),
        ({"id": " ", "text": "Một câu."}, 'empty "id"'),
        ({"id": "a\ud800", "text": "Một câu."}, "lone surrogate"),
        ({"id": "a", "text": "Một\udc00 câu."}, "lone surrogate"),
    ],
)
def test_an_incoming_article_made_by_hand_is_checked_like_a_feed_line(fields, message):
    # Store.ingest takes an IncomingArticle as it is: these crashed inside its transaction (AttributeError,
    # sqlite3 errors), and an empty text was stored and then broke every later listing of its story.
    with pytest.raises(InputError, match=message):
        IncomingArticle(**fields)


def test_an_incoming_article_takes_none_for_optional_text_and_a_naive_date_as_utc():
    naive = datetime(2023, 9, 13)
    article = IncomingArticle(id="a", text="Một câu.", title=None, source=None, published=naive)
    assert (article.title, article.source) == ("", "")
    assert article.published == datetime(2023, 9, 13, tzinfo=UTC)  # as parse_record reads "2023-09-13"


def test_a_bom_on_any_line_is_read_past_and_a_cut_line_is_reported_at_its_end(tmp_path):
    # `cat a.jsonl b.jsonl` puts b's BOM at the start of a middle line: that article was skipped, and a
    # truncated line was reported as "invalid JSON (... at column 1)".
    path = tmp_path / "feed.jsonl"
    first, second = '{"id": "a", "text": "Câu một."}', '{"id": "b", "text": "Câu hai."}'
    path.write_bytes(f"\ufeff{first}\n\ufeff{second}\n{second[:-1]}\n".encode())
    items = list(read_feed(path))
    assert [item.id for item in items[:2]] == ["a", "b"]
    assert items[2].line == 3 and items[2].message.endswith(f"at column {len(second)})")
