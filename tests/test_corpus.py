"""tomtat.corpus: AbMuSu-format story lines, each a Cluster or a LineError naming what is wrong."""

from __future__ import annotations

import json

import pytest

from tomtat.corpus import Cluster, LineError, read_line

TEXT = "Sáng nay cầu mới thông xe. Người dân vui mừng."


def line(*documents: dict) -> str:
    return json.dumps({"single_documents": list(documents)}, ensure_ascii=False)


def test_a_document_id_of_zero_is_cited_as_zero_not_as_its_position():
    # `id or position` gave the second document (id 0) the citation "1", its position.
    cluster = read_line(line({"raw_text": TEXT, "id": "a"}, {"raw_text": TEXT, "id": 0}), 1)
    assert isinstance(cluster, Cluster)
    assert [a.source for a in cluster.articles] == ["a", "0"]
    cluster = read_line(line({"raw_text": TEXT, "id": None}, {"raw_text": TEXT, "id": ""}), 1)
    assert [a.source for a in cluster.articles] == ["0", "1"]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"raw_text": TEXT, "id": ["a"]}, "single_documents[0].id must be a string or a whole number"),
        ({"raw_text": TEXT, "id": {"x": 1}}, "single_documents[0].id must be a string or a whole number"),
        ({"raw_text": TEXT, "id": False}, "single_documents[0].id must be a string or a whole number"),
        ({"raw_text": 0}, "single_documents[0].raw_text must be a string"),
        ({"raw_text": TEXT, "title": 0}, "single_documents[0].title must be a string"),
        ({"raw_text": TEXT, "anchor_text": False}, "single_documents[0].anchor_text must be a string"),
    ],
)
def test_fields_of_the_wrong_type_are_named(document, message):
    # A list id became the citation "['a']"; 0 or false in a text field passed as an empty field.
    assert read_line(line(document), 3) == LineError(3, message)


def test_a_bom_on_any_line_is_read_past_and_a_cut_line_is_reported_at_its_end():
    # `cat a.jsonl b.jsonl` puts b's BOM at the start of a middle line: that story was an error record.
    assert isinstance(read_line(("\ufeff" + line({"raw_text": TEXT}) + "\n").encode(), 7), Cluster)
    cut = line({"raw_text": TEXT})[:-2] + "\r\n"
    error = read_line(cut.encode(), 2)
    assert isinstance(error, LineError) and error.message.endswith(f"at column {len(cut) - 1})")
