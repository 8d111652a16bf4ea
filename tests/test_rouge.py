"""The ROUGE metric against hand-computed values and against Google's rouge-score given our tokenizer."""

from __future__ import annotations

import random
import unicodedata
from pathlib import Path

import pytest

from tomtat import rouge
from tomtat.text import tokens

VALIDATION = Path(__file__).resolve().parents[1] / "../shared/data/abmusu/validation.jsonl"


def f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r)


def test_identical_summary_scores_one() -> None:
    text = "Chiều 13/9, ông Kim Jong-un đến Nga. Hai bên hội đàm tại sân bay vũ trụ."
    assert rouge.score(text, text) == rouge.RougeScores(1.0, 1.0, 1.0)


def test_unigram_counts_are_clipped() -> None:
    # candidate {mèo: 3}, reference {mèo: 1, đen: 1}: only one "mèo" can match.
    scores = rouge.score("mèo mèo mèo", "mèo đen")
    assert scores.rouge1 == pytest.approx(f1(1 / 3, 1 / 2))
    assert scores.rouge2 == 0.0


def test_bigram_counts_are_clipped() -> None:
    # candidate bigrams: (ăn, cơm) ×2, (cơm, ăn) ×1; reference: (ăn, cơm) ×1, (cơm, no) ×1
    scores = rouge.score("ăn cơm ăn cơm", "ăn cơm no")
    assert scores.rouge2 == pytest.approx(f1(1 / 3, 1 / 2))


def test_rouge2_counts_adjacent_pairs_only() -> None:
    # same syllables, different order: bigrams {hà nội, nội đẹp, đẹp lắm} vs {hà nội, nội lắm, lắm đẹp}
    scores = rouge.score("hà nội đẹp lắm", "hà nội lắm đẹp")
    assert scores.rouge1 == pytest.approx(1.0)
    assert scores.rouge2 == pytest.approx(1 / 3)


def test_rouge_l_is_lcs_of_whole_sequences() -> None:
    # LCS(a b c d e, a c e b d) = 3 (e.g. a c e)
    assert rouge.lcs_length("a b c d e".split(), "a c e b d".split()) == 3
    assert rouge.score("một hai ba bốn năm", "một ba năm hai bốn").rougeL == pytest.approx(3 / 5)


def test_rouge_l_does_not_take_the_per_sentence_union() -> None:
    # Summary-level ROUGE-Lsum would match both sentences (4/4); whole-sequence LCS matches only one.
    scores = rouge.score("Mưa to. Gió lớn.", "Gió lớn. Mưa to.")
    assert scores.rougeL == pytest.approx(0.5)
    assert scores.rouge1 == pytest.approx(1.0)


def test_several_references_average_per_reference_f1() -> None:
    scores = rouge.score("trời nắng", ["trời nắng", "mưa rào"])
    assert scores.rouge1 == pytest.approx(0.5)  # mean(1, 0), not max
    assert scores.rouge2 == pytest.approx(0.5)
    assert rouge.score("trời nắng", ("trời nắng",)) == rouge.score("trời nắng", "trời nắng")


def test_empty_inputs() -> None:
    assert rouge.score("", "có nội dung") == rouge.RougeScores(0.0, 0.0, 0.0)
    assert rouge.score("có nội dung", "") == rouge.RougeScores(0.0, 0.0, 0.0)
    assert rouge.score("... !!!", "có nội dung") == rouge.RougeScores(0.0, 0.0, 0.0)
    assert rouge.score("một", "một").rouge2 == 0.0  # no bigram on either side
    with pytest.raises(ValueError):
        rouge.score("có nội dung", [])


def test_vietnamese_letters_are_kept_and_distinguished() -> None:
    expected = ["đà", "nẵng", "13", "9", "2023", "1", "5", "triệu", "usd"]
    assert tokens("Đà Nẵng, 13/9/2023: 1,5 triệu USD!") == expected
    # Same ASCII skeleton, different syllables: a tokenizer dropping non-ASCII letters calls these equal.
    assert rouge.score("Đà Nẵng", "Đá Nặng").rouge1 == 0.0
    assert rouge.score("ĐÀ NẴNG", "đà nẵng") == rouge.RougeScores(1.0, 1.0, 1.0)


def test_decomposed_unicode_matches_composed() -> None:
    composed = "Hội nghị thượng đỉnh Nga – Triều Tiên"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    assert rouge.score(decomposed, composed) == rouge.RougeScores(1.0, 1.0, 1.0)


def test_corpus_score_is_macro_average() -> None:
    result = rouge.corpus_score(["mưa to gió lớn", "trời nắng"], ["mưa to gió lớn", "mưa rào"])
    assert result.rouge1 == pytest.approx(0.5)
    assert result.rougeL == pytest.approx(0.5)
    with pytest.raises(ValueError):
        rouge.corpus_score(["một"], ["một", "hai"])
    with pytest.raises(ValueError):
        rouge.corpus_score([], [])


# --- agreement with Google's rouge-score, given our tokenizer ----------------------------------------


class _OurTokenizer:
    def tokenize(self, text: str) -> list[str]:
        return tokens(text)


def _assert_agrees(pairs: list[tuple[str, str]]) -> None:
    rouge_scorer = pytest.importorskip("rouge_score.rouge_scorer")
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], tokenizer=_OurTokenizer())
    for candidate, reference in pairs:
        theirs = scorer.score(reference, candidate)  # rouge-score takes (target, prediction)
        ours = rouge.score(candidate, reference)
        assert ours.rouge1 == pytest.approx(theirs["rouge1"].fmeasure, abs=1e-12)
        assert ours.rouge2 == pytest.approx(theirs["rouge2"].fmeasure, abs=1e-12)
        assert ours.rougeL == pytest.approx(theirs["rougeL"].fmeasure, abs=1e-12)


def test_agrees_with_rouge_score_on_random_text() -> None:
    rng = random.Random(7)
    vocabulary = ["nga", "triều", "tiên", "kim", "putin", "hội", "đàm", "13", "9", "vũ", "trụ", "ông"]

    def text() -> str:
        return " ".join(rng.choice(vocabulary) for _ in range(rng.randint(0, 40)))

    _assert_agrees([(text(), text()) for _ in range(200)])


def test_agrees_with_rouge_score_on_raw_text_through_the_tokenizer() -> None:
    # Uppercase Đ, decomposed (NFD) syllables, punctuation, dates, mixed tokens and an underscore, so that
    # NFC, lowercasing and the \w+ split are all exercised, not only the scoring.
    rng = random.Random(11)
    pieces = "Đà đà ĐÀ Nẵng, nẵng. 13/9/2023 COVID-19 covid 19 Hà_Nội hà nội 1,5 !! … “Ông ông” – Đường đường"
    pieces = [*pieces.split(), unicodedata.normalize("NFD", "Nội Đường")]

    def text() -> str:
        return " ".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))

    _assert_agrees([(text(), text()) for _ in range(300)])


def test_mixed_tokens_follow_the_definition() -> None:
    assert tokens("COVID-19 ngày 13/9/2023") == ["covid", "19", "ngày", "13", "9", "2023"]
    assert tokens("ĐƯỜNG Đường đường") == ["đường"] * 3
    assert tokens("Hà_Nội") == ["hà_nội"]  # \w includes "_": one token, as re.findall(r"\w+") defines it


def test_rouge_score_default_tokenizer_would_delete_vietnamese_letters() -> None:
    rouge_scorer = pytest.importorskip("rouge_score.rouge_scorer")
    default = rouge_scorer.RougeScorer(["rouge1"])
    # Its tokenizer keeps [a-z0-9] only: "Đà Nẵng" and "Đá Nặng" both become ["n", "ng"].
    assert default.score("Đá Nặng", "Đà Nẵng")["rouge1"].fmeasure == 1.0
    assert rouge.score("Đà Nẵng", "Đá Nặng").rouge1 == 0.0


@pytest.mark.slow
def test_agrees_with_rouge_score_on_abmusu() -> None:
    if not VALIDATION.is_file():
        pytest.skip(f"AbMuSu validation data not found at {VALIDATION}")
    from tomtat.corpus import load_clusters

    clusters = load_clusters(VALIDATION)[:15]
    pairs = []
    for cluster in clusters:
        body = " ".join(article.text for article in cluster.articles)
        pairs.append((" ".join(body.split()[:220]), cluster.summary))
        pairs.append((cluster.articles[0].lead or cluster.articles[0].title, cluster.summary))
    _assert_agrees(pairs)
