"""Baselines: same sentences and budget rule as tomtat, and each one doing what its name says."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tomtat import InputError, baselines
from tomtat.rouge import score
from tomtat.sentences import segment
from tomtat.summarizer import as_articles
from tomtat.text import count_syllables
from tomtat.types import Article, Summary

VALIDATION = Path(__file__).resolve().parents[1] / "../shared/data/abmusu/validation.jsonl"

SUMMIT = "Ông Kim Jong-un đã đến Nga để hội đàm với Tổng thống Putin tại sân bay vũ trụ Vostochny."
ARTICLES = [
    Article(
        text=(
            f"{SUMMIT} Chuyến đi kéo dài nhiều ngày.\n"
            "Ảnh: Reuters\n"
            "Thời tiết ở Moskva hôm nay có mưa nhỏ vào buổi chiều và trời se lạnh."
        ),
        title="Kim Jong-un thăm Nga",
        lead="Sapo của bài thứ nhất không nằm trong phần thân bài.",
        source="a",
    ),
    Article(
        text=(
            "Nhà lãnh đạo Triều Tiên Kim Jong-un hội đàm với Tổng thống Putin tại Nga. "
            "Hai bên bàn về hợp tác quân sự và vũ trụ.\n"
            "Giá vàng trong nước tăng nhẹ sau phiên giao dịch cuối tuần."
        ),
        source="b",
    ),
    Article(
        text=(
            "Tổng thống Putin đón ông Kim Jong-un tại sân bay vũ trụ Vostochny ở Nga. "
            "Đoàn tàu bọc thép chở ông Kim đã vượt hàng nghìn km. "
            "Một đội bóng địa phương giành chiến thắng ở trận đấu tối qua."
        ),
        source="c",
    ),
]
REFERENCE_FREE = [baselines.lead, baselines.lexrank, baselines.centroid_mmr]


def all_baselines() -> list:
    oracle = lambda articles, words: baselines.oracle(articles, words, SUMMIT)  # noqa: E731
    return [*REFERENCE_FREE, oracle]


def check_citations(summary: Summary, articles: list[Article]) -> None:
    bodies = [Article(text=a.text or a.lead, title=a.title, source=a.source) for a in articles]
    story = segment(as_articles(bodies))
    by_position = {(s.doc, s.index): s for s in story.sentences}
    for item in summary.sentences:
        source_sentence = by_position[(item.doc_index, item.sentence)]
        assert item.text == source_sentence.text
        assert not source_sentence.is_noise
        assert item.doc == articles[item.doc_index].source


@pytest.mark.parametrize("words", [1, 5, 12, 20, 35, 60, 200])
def test_every_baseline_respects_the_budget_and_cites_real_sentences(words: int) -> None:
    for system in all_baselines():
        summary = system(ARTICLES, words)
        assert summary.length <= words
        assert summary.words == words
        check_citations(summary, ARTICLES)
        texts = [s.text for s in summary.sentences]
        assert len(texts) == len(set(texts))


def test_nothing_fits_gives_an_empty_summary() -> None:
    for system in all_baselines():
        assert system(ARTICLES, 1).sentences == ()


def test_fill_budget_skips_what_does_not_fit_and_keeps_trying() -> None:
    story = segment(as_articles(["Một hai ba bốn năm sáu bảy tám. Chín mười. Một hai ba bốn năm."]))
    chosen = baselines.fill_budget(story.sentences, 7)
    assert [count_syllables(s.text) for s in chosen] == [2, 5]


def test_lead_takes_first_sentences_round_robin() -> None:
    summary = baselines.lead(ARTICLES, 60)
    assert [(s.doc_index, s.sentence) for s in summary.sentences[:3]] == [(0, 0), (1, 0), (2, 0)]
    assert summary.sentences[0].text == SUMMIT


def test_lead_reads_the_body_not_the_sapo() -> None:
    everything = baselines.lead(ARTICLES, 10_000).text
    assert "Sapo" not in everything
    assert "Ảnh: Reuters" not in everything  # noise is never selected
    only_sapo = baselines.lead([Article(text="", lead="Chỉ có sapo. Không có thân bài.")], 100)
    assert only_sapo.text == "Chỉ có sapo. Không có thân bài."


@pytest.mark.parametrize("system", [baselines.lexrank, baselines.centroid_mmr])
def test_graph_and_centroid_pick_a_sentence_the_outlets_share(system) -> None:
    summary = system(ARTICLES, 22)
    assert len(summary.sentences) == 1
    text = summary.sentences[0].text
    assert "Kim" in text and "Putin" in text


def test_centroid_mmr_does_not_repeat_a_story_told_twice() -> None:
    repeated = [
        Article(text=f"{SUMMIT} Giá vàng trong nước tăng nhẹ sau phiên giao dịch cuối tuần."),
        Article(text=f"{SUMMIT} Hai bên bàn về hợp tác quân sự và vũ trụ với Nga."),
    ]
    relevance_only = baselines.centroid_mmr(repeated, 60, mmr_lambda=1.0)
    assert [s.text for s in relevance_only.sentences].count(SUMMIT) == 2
    diverse = baselines.centroid_mmr(repeated, 60, mmr_lambda=0.3)
    assert [s.text for s in diverse.sentences].count(SUMMIT) == 1


def test_oracle_finds_the_reference_sentences() -> None:
    reference = "Hai bên bàn về hợp tác quân sự và vũ trụ. " + SUMMIT
    summary = baselines.oracle(ARTICLES, 200, reference)
    assert sorted(s.text for s in summary.sentences) == sorted(
        ["Hai bên bàn về hợp tác quân sự và vũ trụ.", SUMMIT]
    )
    assert score(summary.text, reference).rouge1 == pytest.approx(1.0)


def test_bad_input_is_an_input_error() -> None:
    for system in REFERENCE_FREE:
        with pytest.raises(InputError):
            system([], 100)
        with pytest.raises(InputError):
            system(ARTICLES, 0)
    with pytest.raises(InputError):
        baselines.oracle([Article(text="  ")], 100, SUMMIT)


def test_lexrank_runs_offline_without_nltk_data(tmp_path: Path) -> None:
    """sumy must not reach for punkt/stopwords (nltk data) or the network."""
    code = """
import socket
def refuse(*args, **kwargs):
    raise OSError("network disabled for this test")
socket.socket.connect = refuse
socket.create_connection = refuse
import nltk
nltk.data.path[:] = []
from tomtat.baselines import lexrank
summary = lexrank(["Một câu thứ nhất về Nga. Câu thứ hai về Triều Tiên.", "Câu về Nga và Triều Tiên."], 20)
print(len(summary.sentences))
"""
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "NLTK_DATA": str(tmp_path / "none")},
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) >= 1


@pytest.mark.slow
def test_budget_holds_on_real_stories() -> None:
    if not VALIDATION.is_file():
        pytest.skip(f"AbMuSu validation data not found at {VALIDATION}")
    from tomtat.corpus import load_clusters

    for cluster in load_clusters(VALIDATION)[:5]:
        articles = list(cluster.articles)
        for words in (50, 200):
            for system in REFERENCE_FREE:
                summary = system(articles, words)
                assert 0 < summary.length <= words
                check_citations(summary, articles)
            assert baselines.oracle(articles, words, cluster.summary).length <= words


def test_oracle_scores_its_trials_in_the_order_it_outputs() -> None:
    # Picked first: "Rào mưa lớn rào." (R2 0.4). Appended after it, "Nắng nắng gió." adds no reference bigram,
    # but the summary is output in reading order, where it comes first and "gió rào" matches (R2 0.5).
    articles = [
        Article(text="To mưa lớn rào. Nắng nắng gió.", source="a"),
        Article(text="Rào gió to. Rào mưa lớn rào.", source="b"),
    ]
    reference = "gió rào mưa"
    summary = baselines.oracle(articles, 12, reference)
    assert summary.text == "Nắng nắng gió. Rào mưa lớn rào."
    assert score(summary.text, reference).rouge2 == pytest.approx(0.5)
