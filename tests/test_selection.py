import numpy as np

from tomtat.selection import figures, greedy_coverage, select
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


OPENED = "Sáng 12/3/2026, tỉnh tổ chức lễ khánh thành cầu Hòa Bình mới bắc qua sông Lam"
REOPENED = "Ngày 12/3, cầu Hòa Bình mới bắc qua sông Lam chính thức thông xe sau gần ba năm thi công"
NEW_FIGURE = "Ngày 12/3, cầu Hòa Bình mới bắc qua sông Lam đón 25.000 lượt xe trong ngày đầu"


def test_figures_are_numbers_and_dates_and_a_full_date_states_its_day():
    assert figures("Sáng 12/3/2026, cầu dài 1.250 m, vốn 1,8 tỷ") == {"12/3/2026", "12/3", "1.250", "1,8"}
    assert figures("Không có con số nào") == frozenset()


def test_a_paraphrase_stating_no_new_figure_is_skipped_and_one_with_a_new_figure_is_not():
    # REOPENED brings many new bigrams, so coverage alone would take it; its only figure is stated.
    assert [s.text for s in select(sentences(OPENED, REOPENED), np.array([0.9, 0.8]), 200)] == [OPENED]
    chosen = select(sentences(OPENED, NEW_FIGURE), np.array([0.9, 0.8]), 200)
    assert [s.text for s in chosen] == [OPENED, NEW_FIGURE]


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


BRIDGE = "Sáng 12/3/2026, tỉnh Nghệ An khánh thành cầu Hòa Bình mới bắc qua sông Lam"
BRIDGE_COST = "Cây cầu dài 1.250 m, có tổng vốn đầu tư khoảng 1.800 tỷ đồng từ ngân sách"
LEANING = "Điều này giúp người dân hai bên bờ đi lại thuận tiện hơn nhiều so với trước đây"


def test_a_sentence_that_refers_back_comes_only_after_the_one_before_it():
    both = select(sentences(BRIDGE_COST, LEANING), np.array([0.3, 0.9]), 200)
    assert [s.text for s in both] == [BRIDGE_COST, LEANING]
    # When nothing is worth its length, the one sentence given is one that stands alone.
    fallback = select(sentences(BRIDGE_COST, LEANING), np.array([0.0, 0.01]), 200)
    assert [s.text for s in fallback] == [BRIDGE_COST]
    # Its predecessor is not worth taking under this budget, so it is not taken either.
    cands = sentences(BRIDGE, BRIDGE_COST, LEANING)
    tight = count_syllables(BRIDGE) + count_syllables(LEANING)
    assert [s.text for s in select(cands, np.array([0.5, 0.4, 0.9]), tight)] == [BRIDGE]


def test_greedy_coverage_waits_for_the_sentence_a_sentence_follows():
    ids = [np.array([0, 1]), np.array([2, 3]), np.array([4, 5])]
    lengths = [3, 3, 3]
    scores = [0.5, 0.9, 0.9]
    after_first, never = frozenset({0}), frozenset()
    assert sorted(greedy_coverage(ids, lengths, scores, 9, 0.1, follows=[None, after_first, never])) == [0, 1]
    assert greedy_coverage(ids, lengths, scores, 9, 0.1, follows=[None, None, None]) != []
    assert 2 not in greedy_coverage(ids, lengths, scores, 9, 0.1, follows=[None, None, never])
    assert 2 in greedy_coverage(ids, lengths, scores, 9, 0.1, follows=[None, None, frozenset({0, 1})])


def test_a_quotation_the_summary_could_not_close_or_a_lead_in_is_left_out():
    opened = "Ông Nguyễn Văn A nói: “Cầu mới giúp người dân hai bên sông đi lại thuận tiện hơn nhiều."
    closed = "Chúng tôi sẽ giữ cầu cũ cho người đi bộ và xe đạp”."
    lead_in = "Cầu mới có bốn điểm nổi bật về thiết kế và công nghệ thi công như sau:"
    chosen = select(sentences(opened, closed, lead_in, BRIDGE), np.array([0.9, 0.9, 0.9, 0.2]), 200)
    assert [s.text for s in chosen] == [BRIDGE]


def test_a_paraphrase_without_any_figure_is_skipped_too():
    first = "Chris Rock cho hay anh đã từ chối lời mời dẫn lễ trao giải Oscar năm sau"
    again = "Chris Rock từ chối lời mời dẫn giải thưởng của Viện Hàn lâm năm tới"
    assert [s.text for s in select(sentences(first, again), np.array([0.9, 0.8]), 200)] == [first]
    assert len(select(sentences(first, OTHER), np.array([0.9, 0.8]), 200)) == 2  # new words: kept


def test_given_tokens_select_the_same_as_tokenizing_here():
    from tomtat.text import match_tokens

    cands = sentences(FACT, OTHER, FACT_AGAIN, BRIDGE, LEANING)
    scores = np.array([0.9, 0.5, 0.85, 0.4, 0.7])
    given = [tuple(match_tokens(s.text)) for s in cands]
    assert select(cands, scores, 40, tokens=given) == select(cands, scores, 40)


def test_a_short_name_waits_for_the_sentence_that_gives_the_longer_one():
    full = "Thủ tướng Đức Olaf Scholz cho biết Berlin sẽ không gửi thêm vũ khí"
    short = "Ông Scholz nhắc lại quan điểm của Tổng thống Mỹ về loại vũ khí này"
    other = "Quân đội Đức cần bảo đảm an ninh quốc gia cũng như khu vực"
    chosen = select(sentences(full, short, other), np.array([0.05, 0.9, 0.5]), 200)
    assert [s.text for s in chosen] == [other]  # its introduction is not worth taking, so neither is it
    both = select(sentences(full, short, other), np.array([0.6, 0.9, 0.1]), 200)
    assert [s.text for s in both][:2] == [full, short]
