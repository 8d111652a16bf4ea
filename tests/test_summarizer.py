import unicodedata

import pytest

import tomtat
from tomtat.errors import InputError
from tomtat.scoring import HeuristicScorer
from tomtat.sentences import segment
from tomtat.summarizer import as_articles
from tomtat.text import count_syllables
from tomtat.types import Article

ARTICLE_A = (
    "Khánh thành cầu mới bắc qua sông Lam\n"
    "Sáng 12/3, tỉnh Nghệ An khánh thành cầu Hòa Bình mới bắc qua sông Lam. Cầu dài 1.250 m và rộng 24 m.\n"
    "Cầu có tổng vốn đầu tư khoảng 1.800 tỷ đồng. Công trình hoàn thành sớm hơn kế hoạch hai tháng.\n"
    "Người dân hai bờ rất vui mừng khi cầu thông xe. Thời gian đi lại giảm từ 40 phút xuống 10 phút.\n"
    "Tác giả: Minh Anh"
)
ARTICLE_B = (
    "Thông xe cầu Hòa Bình\n"
    "Ngày 12/3, cầu Hòa Bình mới bắc qua sông Lam chính thức thông xe sau gần ba năm thi công.\n"
    "Cầu cũ đã hơn 35 năm tuổi và xuống cấp nghiêm trọng. Xe tải trên 10 tấn bị cấm đi qua cầu cũ.\n"
    "Theo kế hoạch, cầu cũ sẽ được giữ lại cho người đi bộ và xe đạp."
)


def source_sentences(articles):
    story = segment(as_articles(articles))
    return {(s.doc, s.index): s.text for s in story.sentences}


@pytest.mark.parametrize("words", [15, 30, 60, 200, 1000])
def test_summary_never_exceeds_the_budget_and_cites_real_sentences(words):
    summary = tomtat.summarize([ARTICLE_A, ARTICLE_B], words=words)
    assert isinstance(summary, tomtat.Summary)
    assert count_syllables(summary.text) <= words
    assert summary.sentences, "a budget this size fits at least one sentence"
    known = source_sentences([ARTICLE_A, ARTICLE_B])
    for sentence in summary.sentences:
        assert known[(sentence.doc_index, sentence.sentence)] == sentence.text
        assert sentence.doc == str(sentence.doc_index)


def test_a_budget_too_small_for_any_sentence_gives_an_empty_summary():
    summary = tomtat.summarize([ARTICLE_A], words=2)
    assert summary.text == "" and summary.sentences == ()


def test_noise_never_appears_in_a_summary():
    text = tomtat.summarize([ARTICLE_A, ARTICLE_B], words=1000).text
    assert "Tác giả" not in text and "Khánh thành cầu mới bắc qua sông Lam" not in text


def test_the_same_fact_from_two_outlets_appears_once():
    summary = tomtat.summarize([ARTICLE_A, ARTICLE_A.replace("Minh Anh", "Lê Thu")], words=1000)
    texts = [s.text for s in summary.sentences]
    assert len(texts) == len(set(texts))


def test_single_article_and_article_objects_with_sources():
    summary = tomtat.summarize([Article(text=ARTICLE_B, source="vnexpress-1")], words=40)
    assert summary.sentences and {s.doc for s in summary.sentences} == {"vnexpress-1"}
    assert summary.to_dict()["sources"] == ["vnexpress-1"]


def test_lead_and_title_are_used_when_given():
    article = Article(
        text="Thân bài nói về chuyện khác hẳn.", title="Cầu mới", lead="Cầu mới đã thông xe hôm nay."
    )
    summary = tomtat.summarize([article], words=200)
    assert "Cầu mới đã thông xe hôm nay." in summary.text


def test_nfd_input_gives_nfc_output():
    summary = tomtat.summarize([unicodedata.normalize("NFD", ARTICLE_A)], words=60)
    assert summary.text == unicodedata.normalize("NFC", summary.text)
    assert "Nghệ An" in tomtat.summarize([unicodedata.normalize("NFD", ARTICLE_A)], words=1000).text


def test_html_input_is_cleaned():
    html = "<html><body><h1>Tiêu đề</h1><p>Cầu mới dài 1.250 m đã thông xe hôm nay.</p></body></html>"
    assert tomtat.summarize([html], words=50).text == "Cầu mới dài 1.250 m đã thông xe hôm nay."


def test_deterministic():
    first = tomtat.summarize([ARTICLE_A, ARTICLE_B], words=60).to_dict()
    assert all(tomtat.summarize([ARTICLE_A, ARTICLE_B], words=60).to_dict() == first for _ in range(3))


def test_two_hundred_articles():
    articles = [
        f"Bài số {i}. Sự kiện xảy ra tại địa điểm số {i} vào ngày {i % 28 + 1}/3." for i in range(200)
    ]
    summary = tomtat.summarize(articles, words=100)
    assert 0 < summary.length <= 100


def test_syndicated_copies_do_not_shrink_the_summary():
    """Fifty copies of the same two articles: the copies used to fill the shortlist with one sentence."""
    once = tomtat.summarize([ARTICLE_A, ARTICLE_B], words=60, facts=False)
    copies = tomtat.summarize([ARTICLE_A, ARTICLE_B] * 50, words=60, facts=False)
    texts = [s.text for s in copies.sentences]
    assert len(texts) == len(set(texts)) >= len(once.sentences) > 1
    assert copies.length >= once.length - 15


def test_unsupervised_fallback_works_without_a_model():
    summary = tomtat.summarize([ARTICLE_A, ARTICLE_B], words=60, scorer=HeuristicScorer())
    assert summary.sentences and summary.length <= 60


@pytest.mark.parametrize(
    ("articles", "words", "message"),
    [
        ([], 200, "no articles"),
        (["   \n\t "], 200, "is empty"),
        ("một bài báo", 200, "list of articles"),
        ([ARTICLE_A], 0, "positive"),
        ([ARTICLE_A], -5, "positive"),
        ([ARTICLE_A], 2.5, "whole number"),
        ([ARTICLE_A], True, "whole number"),
        ([42], 200, "expected str"),
    ],
)
def test_bad_input_raises_a_clear_input_error(articles, words, message):
    with pytest.raises(InputError, match=message):
        tomtat.summarize(articles, words=words)


def test_real_story_summary_is_short_and_clean(kim_putin_dir):
    texts = [p.read_text() for p in sorted(kim_putin_dir.glob("*.txt"))]
    summary = tomtat.summarize(texts)
    assert 100 <= summary.length <= 200
    for banned in ("Tác giả", "(Theo", "(Ảnh", "486"):
        assert banned not in summary.text


def test_a_source_name_with_a_lone_surrogate_still_gives_utf8_json():
    import json

    summary = tomtat.summarize([Article(text=ARTICLE_A, source="bài\ud800.txt")], words=60)
    assert summary.sources[0].startswith("bài") and summary.sentences[0].doc == summary.sources[0]
    json.dumps(summary.to_dict(), ensure_ascii=False).encode("utf-8")  # what the CLI and service write


@pytest.mark.parametrize(
    ("articles", "message"),
    [
        (None, "list of articles.*NoneType"),
        (42, "list of articles.*int"),
        (ARTICLE_A.encode(), "bytes"),  # iterating bytes gave "article 0: ... got int"
        ({"a": ARTICLE_A}, "list of articles.*dict"),  # iterating a dict summarized its keys
        ([Article(text=None)], r"article 0.*text.*NoneType"),
        ([Article(text=ARTICLE_A.encode())], r"article 0.*text.*bytes"),
        ([Article(text=ARTICLE_A, title=7)], r"article 0.*title.*int"),
        ([Article(text=ARTICLE_A, source=b"a.txt")], r"article 0.*source.*bytes"),
    ],
)
def test_wrong_types_are_named_in_the_error(articles, message):
    with pytest.raises(InputError, match=message):
        tomtat.summarize(articles)


def test_missing_optional_fields_may_be_none():
    summary = tomtat.summarize([Article(text=ARTICLE_A, title=None, lead=None, source=None)], words=60)
    assert summary.sentences and summary.sources == ("0",)
