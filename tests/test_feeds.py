"""Tests of reading articles to ingest (tomtat.feeds): every bad field is a one-line InputError."""

from __future__ import annotations

import pytest

from tomtat.errors import InputError
from tomtat.feeds import parse_published, parse_record


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
