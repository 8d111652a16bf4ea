import numpy as np

from tomtat.selection import greedy_coverage, select
from tomtat.text import count_syllables
from tomtat.types import Sentence


def sentences(*texts, doc=0):
    return [Sentence(text=t, doc=doc, index=i, paragraph=i, position=i) for i, t in enumerate(texts)]


FACT = "Quốc hội thông qua luật đất đai sửa đổi với đa số đại biểu tán thành"
FACT_AGAIN = "Quốc hội thông qua luật đất đai sửa đổi với đa số đại biểu tán thành hôm nay"
OTHER = "Luật có hiệu lực từ đầu năm sau và bỏ khung giá đất của nhà nước"


def test_never_exceeds_the_budget_and_cuts_only_whole_sentences():
    cands = sentences(FACT, OTHER, FACT_AGAIN)
    for budget in (5, 16, 20, 40, 200):
        chosen = select(cands, np.array([0.9, 0.8, 0.85]), budget)
        assert sum(count_syllables(s.text) for s in chosen) <= budget
        assert all(s in cands for s in chosen)


def test_the_same_fact_appears_once():
    cands = sentences(FACT, FACT_AGAIN, OTHER)
    chosen = select(cands, np.array([0.9, 0.9, 0.5]), 200)
    texts = [s.text for s in chosen]
    assert OTHER in texts
    assert (FACT in texts) != (FACT_AGAIN in texts)


def test_output_is_in_reading_order():
    cands = sentences(OTHER, FACT)
    chosen = select(cands, np.array([0.3, 0.9]), 200)
    assert [s.index for s in chosen] == sorted(s.index for s in chosen)


def test_low_scores_still_give_one_sentence_when_one_fits():
    cands = sentences(FACT, OTHER)
    assert len(select(cands, np.array([0.0, 0.0]), 200)) == 1
    assert select(cands, np.array([0.9, 0.9]), 3) == []


def test_greedy_coverage_prefers_value_per_syllable():
    ids = [np.array([0, 1, 2, 3]), np.array([4, 5]), np.array([6, 7])]
    picked = greedy_coverage(ids, [10, 3, 3], [0.5, 0.9, 0.9], budget=6, margin=0.1)
    assert sorted(picked) == [1, 2]
