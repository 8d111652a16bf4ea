import numpy as np

from tomtat.features import BIGRAM_FEATURE_NAMES, FEATURE_NAMES, candidates_of, extract
from tomtat.sentences import segment
from tomtat.text import match_tokens
from tomtat.types import Article

BODY_A = (
    "Sáng 13/9, ông Kim Jong-un đã gặp ông Putin tại sân bay vũ trụ Vostochny ở vùng Viễn Đông.\n"
    "Hai nhà lãnh đạo hội đàm trong nhiều giờ về hợp tác quân sự và kinh tế.\n"
    "Thời tiết hôm đó khá đẹp và có nhiều phóng viên đứng chờ bên ngoài."
)
BODY_B = (
    "Ông Kim Jong-un đã gặp ông Putin tại sân bay vũ trụ Vostochny sáng 13/9.\n"
    "Chuyến thăm kéo dài nhiều ngày theo truyền thông hai nước."
)


def story(lead: str = ""):
    return segment(
        [Article(text=BODY_A, title="Kim Jong-un gặp Putin", lead=lead), Article(text=BODY_B, title="")]
    )


def column(matrix, name):
    return matrix.values[:, FEATURE_NAMES.index(name)]


def test_one_row_per_candidate_and_all_features_finite():
    matrix = extract(story())
    assert matrix.values.shape == (len(candidates_of(story())), len(FEATURE_NAMES))
    assert np.isfinite(matrix.values).all()


def test_cross_document_support_marks_the_fact_both_outlets_report():
    matrix = extract(story())
    support = column(matrix, "cross_doc_best_overlap")
    texts = [s.text for s in matrix.candidates]
    shared = texts.index(next(t for t in texts if t.startswith("Sáng 13/9")))
    weather = texts.index(next(t for t in texts if t.startswith("Thời tiết")))
    assert support[shared] > 0.5 > support[weather]


def test_block_position_counts_the_body_from_zero_whether_or_not_a_sapo_is_given():
    with_sapo = extract(story(lead="Hai nhà lãnh đạo Nga và Triều Tiên gặp nhau ở Viễn Đông."))
    without = extract(story())
    first_body = [s.text for s in with_sapo.candidates].index(with_sapo.candidates[1].text)
    assert column(with_sapo, "block_position")[first_body] == 0
    assert column(with_sapo, "lead_given")[0] == 1 and column(without, "lead_given")[0] == 0


def test_empty_story_gives_empty_matrix():
    matrix = extract(segment([Article(text="Ngắn.")]))
    assert matrix.values.shape == (0, len(FEATURE_NAMES))


def test_bigram_matrix_indexes_every_candidate_bigram_and_counts_outlets():
    matrix = extract(story())
    bigrams = matrix.bigrams
    assert bigrams is not None and bigrams.values.shape == (len(bigrams.grams), len(BIGRAM_FEATURE_NAMES))
    assert len(bigrams.ids) == len(matrix.candidates)
    for ids, sentence in zip(bigrams.ids, matrix.candidates, strict=True):
        assert len(ids) == len(match_tokens(sentence.text)) - 1
    docs = bigrams.values[:, BIGRAM_FEATURE_NAMES.index("docs")]
    assert docs[bigrams.grams.index(tuple(match_tokens("vũ trụ")))] == 2  # in both articles
    assert docs[bigrams.grams.index(tuple(match_tokens("Thời tiết")))] == 1
    assert np.isfinite(bigrams.values).all()


def test_first_body_sentence_is_a_body_lead_even_after_a_sapo():
    matrix = extract(story(lead="Hai nhà lãnh đạo Nga và Triều Tiên gặp nhau ở Viễn Đông."))
    texts = [s.text for s in matrix.candidates]
    first_body = texts.index(next(t for t in texts if t.startswith("Sáng 13/9")))
    assert column(matrix, "is_body_lead")[first_body] == 1
    assert column(matrix, "is_body_lead")[0] == 0  # the sapo itself


def test_large_input_paths_give_the_same_features(monkeypatch, kim_putin_dir):
    """Past a size threshold, overlaps are counted with sparse products in chunks (a thousand articles
    took minutes and 1.5 GB before); forced on a real story, both paths agree bit for bit."""
    import tomtat.features as features
    from tomtat.summarizer import as_articles

    texts = [p.read_text(encoding="utf-8") for p in sorted(kim_putin_dir.glob("*.txt"))]
    real = segment(as_articles([Article(text=t, source=str(i)) for i, t in enumerate(texts)]))
    for shape in (real, story("Sapo: ông Kim gặp ông Putin.")):
        dense = extract(shape)
        monkeypatch.setattr(features, "DENSE_OVERLAP_SENTENCES", 0)
        monkeypatch.setattr(features, "MATCHES_PER_CHUNK", 3)
        chunked = extract(shape)
        monkeypatch.undo()
        assert np.array_equal(dense.values, chunked.values)
        assert np.array_equal(dense.bigrams.values, chunked.bigrams.values)


def test_the_matrix_carries_each_candidates_tokens_for_later_stages():
    matrix = extract(story())
    assert len(matrix.tokens) == len(matrix.candidates) > 0
    assert all(list(t) == match_tokens(s.text) for s, t in zip(matrix.candidates, matrix.tokens, strict=True))
