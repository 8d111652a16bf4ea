"""tomtat.rendering: text, Markdown and JSON of a summary, with article text and file names that look
like Markdown."""

from __future__ import annotations

import json

import pytest

from tomtat.facts import Facts, PlaceFact, QuoteFact, Source
from tomtat.rendering import escape_markdown, render
from tomtat.types import Summary, SummarySentence


def summary(*sentences: tuple[str, str], facts: Facts | None = None) -> Summary:
    return Summary(
        sentences=tuple(SummarySentence(text, doc, 0, i) for i, (text, doc) in enumerate(sentences)),
        words=200,
        sources=tuple(dict.fromkeys(doc for _text, doc in sentences)),
        facts=facts,
    )


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("Giá *vàng* tăng", r"Giá \*vàng\* tăng"),
        ("biến_số và `mã`", r"biến\_số và \`mã\`"),
        ("theo nguồn [^1] và [liên kết](http://x)", r"theo nguồn \[^1\] và \[liên kết\](http://x)"),
        ("thẻ <b>đậm</b> | cột ~x~", r"thẻ \<b\>đậm\</b\> \| cột \~x\~"),
        ("# Tin nóng", r"\# Tin nóng"),
        ("- Dự án gồm 12 nhà ga", r"\- Dự án gồm 12 nhà ga"),
        ("+ Ông A cho biết", r"\+ Ông A cho biết"),
        ("1. Thủ tướng cho biết", r"1\. Thủ tướng cho biết"),
        ("2) Theo kế hoạch", r"2\) Theo kế hoạch"),
        ("1.500 người tham gia", "1.500 người tham gia"),  # not a list: no space after the dot
        ("#2 trên bảng xếp hạng", "#2 trên bảng xếp hạng"),
        ("-5 độ C", "-5 độ C"),
        ("dòng một\ndòng hai", "dòng một dòng hai"),
    ],
)
def test_escape_markdown_keeps_text_literal(text, escaped):
    assert escape_markdown(text) == escaped


def test_markdown_sentences_do_not_become_headings_emphasis_or_footnotes():
    rendered = render(
        summary(
            ("# nội thành ngập sâu.", "a.txt"),
            ("Theo ước tính [^1] có *200.000* hành khách.", "a.txt"),
            ("1. Thủ tướng cho biết dự án sẽ khởi công.", "b.txt"),
        ),
        "markdown",
    )
    body = rendered.split("\n\n")[0]
    assert body.startswith(r"\# nội thành")  # a heading would swallow the paragraph
    assert r"\[^1\] có \*200.000\* hành khách.[^2]" in body  # "[^1]" would cite footnote 1
    assert r"1\. Thủ tướng" in body
    assert body.count("[^") - body.count(r"\[^") == 3  # one marker per sentence, nothing else


def test_markdown_escapes_file_names_in_footnotes_and_facts():
    name = "bài [1] *x*_y\n.txt"
    cite = Source(name, 0, 0)
    facts = Facts(
        where=(PlaceFact("Hà <Nội>", (cite,)),),
        quotes=(QuoteFact("Chúng tôi *sẽ* hoàn thành dự án đúng hạn", "Ông_A", cite),),
    )
    rendered = render(summary(("Câu một.", name), facts=facts), "markdown")
    assert r"[^1]: bài \[1\] \*x\*\_y .txt, câu 0" in rendered
    assert r"- **Ở đâu:** Hà \<Nội\> (bài \[1\] \*x\*\_y .txt, câu 0)" in rendered
    assert r"  - Ông\_A: “Chúng tôi \*sẽ\* hoàn thành dự án đúng hạn” (bài \[1\]" in rendered
    assert "*x*" not in rendered


def test_text_and_json_are_not_escaped():
    s = summary(("Giá *vàng* [^1] tăng.", "a_b.txt"))
    assert render(s, "text") == "Giá *vàng* [^1] tăng."
    data = json.loads(render(s, "json"))
    assert data["summary"] == "Giá *vàng* [^1] tăng." and data["sentences"][0]["doc"] == "a_b.txt"


def test_plain_fact_lines_are_not_escaped():
    facts = Facts(where=(PlaceFact("Hà_Nội", (Source("a_b.txt", 0, 1),)),))
    assert facts.lines(emphasis="") == ["- Ở đâu: Hà_Nội (a_b.txt, câu 1)"]


def test_facts_cite_two_files_of_one_name_by_their_whole_names():
    a, b = "2023/a/bai.txt", "2024/b/bai.txt"
    hanoi = PlaceFact("Hà Nội", (Source(a, 0, 1), Source(b, 1, 0)))
    both = summary(("Câu một.", a), ("Câu hai.", b), facts=Facts(where=(hanoi,)))
    assert "Hà Nội (2 bài: 2023/a/bai.txt, câu 1 …)" in render(both, "markdown")
    # one source in the facts, the other file of that name only in the summary's footnotes
    hanoi = PlaceFact("Hà Nội", (Source(b, 1, 0),))
    one = summary(("Câu một.", a), ("Câu hai.", b), facts=Facts(where=(hanoi,)))
    assert "Hà Nội (2024/b/bai.txt, câu 0)" in render(one, "markdown")
    # a file name of its own is shown without its folders, as before
    facts = Facts(where=(PlaceFact("Hà Nội", (Source("data/article-1.txt", 0, 4),)),))
    alone = summary(("Câu.", "data/article-1.txt"), facts=facts)
    assert "Hà Nội (article-1.txt, câu 4)" in render(alone, "markdown")
    assert facts.lines(emphasis="") == ["- Ở đâu: Hà Nội (article-1.txt, câu 4)"]
