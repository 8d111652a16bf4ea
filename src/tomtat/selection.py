"""Choosing sentences under a syllable budget without saying the same thing twice, then ordering them.

The ranker predicts, for each sentence, the share of its bigrams a reference summary would contain (its
ROUGE-2 precision). Selection maximizes the expected number of *distinct* reference bigrams the summary
covers, minus a margin per syllable spent:

    value(S) = Σ_{i ∈ S} score_i · |bigrams of i not already covered by S| − λ · length(S)

so a sentence repeating bigrams already in the summary is worth little without a hard similarity
threshold, and a long sentence must earn its length. A paraphrase from another outlet still brings new
bigrams, though ("Ngày 12/3, cầu ... thông xe" after "Sáng 12/3/2026, ... khánh thành cầu ..."), so one
rule is hard: a sentence that states no figure (number, date) the summary lacks and whose bigrams are
at least :data:`RESTATED` covered restates a fact the summary has, and is skipped ("Chris Rock từ chối
lời mời dẫn giải thưởng ..." after "Chris Rock cho hay anh đã từ chối lời mời dẫn Oscar 2023"). On
5-fold CV it costs nothing (docs/model.md); the same fact from three outlets appears once. A sentence that
leans on the one before it ("Điều này ...", "Ông cũng nói ...", :func:`tomtat.sentences.refers_back`)
is taken only once that one is in the summary, where ordering puts it right before; alone it would leave
the reader asking what "this" is; one that names someone by a short name ("Ông Scholz ...", "... của bà
Thủy") is taken only after a sentence that gives the longer name. One that opens what only a later
sentence completes (a quotation it does not close, a colon at its end: :func:`tomtat.sentences.leads_on`)
is never taken.
On the same CV these rules cost nothing (docs/model.md). The set function is submodular; it is maximized
greedily by value per syllable under the budget, the standard budgeted-coverage heuristic. The margin λ
is the precision a sentence's new bigrams must beat to be worth their length: adding text of precision
``p`` raises ROUGE F1 only if ``p`` exceeds about half the current F1, and the ranker's predictions are
shrunk towards the mean, hence a small λ.

The chosen sentences are ordered by article and position, which reads as one coherent text because news
articles themselves go from the main fact to the background.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence

import numpy as np

from tomtat.sentences import introduces, leads_on, refers_back, short_name
from tomtat.text import count_syllables, match_tokens, ngrams
from tomtat.types import Sentence

MARGIN = 0.1
RESTATED = 0.3  # share of a sentence's bigrams already covered above which shared figures mean a restatement
_FIGURE = re.compile(r"\d+(?:[.,/]\d+)*")
SHORTLIST_BUDGETS = 4.0
MIN_SHORTLIST = 40


def shortlist(
    lengths: Sequence[int],
    scores: np.ndarray,
    budget: int,
    tokens: Callable[[int], tuple[str, ...]] | None = None,
) -> list[int]:
    """Indices of the best-scored sentences that fit the budget, best first.

    Stops once the shortlist holds :data:`SHORTLIST_BUDGETS` budgets' worth of text (and at least
    :data:`MIN_SHORTLIST` sentences): what ranks lower practically never makes it into a summary, and
    the greedy search below costs time per shortlisted sentence. With ``tokens`` (sentence index → its
    matching tokens), a sentence whose words repeat one already shortlisted is skipped: otherwise a pile
    of syndicated copies fills the whole shortlist with one sentence, and the summary ends after it.
    """
    kept: list[int] = []
    seen: set[tuple[str, ...]] = set()
    total = 0
    for i in map(int, np.argsort(-scores, kind="stable")):
        if 0 < lengths[i] <= budget:
            if tokens is not None:
                words = tokens(i)
                if words in seen:
                    continue
                seen.add(words)
            kept.append(i)
            total += lengths[i]
            if total >= SHORTLIST_BUDGETS * budget and len(kept) >= MIN_SHORTLIST:
                break
    return kept


def bigram_ids(token_lists: Sequence[Sequence[str]]) -> list[np.ndarray]:
    """Every token list's bigrams (with repeats) as integer ids shared across the lists."""
    vocabulary: dict[tuple[str, str], int] = {}
    return [
        np.asarray([vocabulary.setdefault(g, len(vocabulary)) for g in ngrams(list(t), 2)], np.int64)
        for t in token_lists
    ]


def figures(text: str) -> frozenset[str]:
    """The numbers and dates a sentence states, as written; a full date also states its day and month
    ("12/3/2026" → "12/3")."""
    found = set()
    for figure in _FIGURE.findall(text):
        found.add(figure)
        if figure.count("/") == 2:
            found.add(figure.rsplit("/", 1)[0])
    return frozenset(found)


def greedy_coverage(
    ids: Sequence[np.ndarray],
    lengths: Sequence[int],
    scores: Sequence[float],
    budget: int,
    margin: float,
    facts: Sequence[frozenset[str]] | None = None,
    restated: float = RESTATED,
    follows: Sequence[frozenset[int] | None] | None = None,
) -> list[int]:
    """Positions (into ``ids``) chosen greedily by marginal value per syllable; see the module docstring.

    With ``facts`` (each sentence's :func:`figures`), a sentence whose figures (if any) are all stated
    already and whose bigrams are at least ``restated`` covered is never chosen. With ``follows``,
    sentence ``i`` is chosen only after one of the sentences in ``follows[i]`` (never when that is
    empty); ``None`` means it stands alone.
    """
    vocabulary = 1 + max((int(a.max()) for a in ids if len(a)), default=0)
    flat = np.concatenate([*ids, np.zeros(0, dtype=np.int64)])
    owner = np.repeat(np.arange(len(ids)), [len(a) for a in ids])
    length = np.asarray(lengths, dtype=np.float64)
    score = np.asarray(scores, dtype=np.float64)
    bigrams = np.asarray([len(a) for a in ids], dtype=np.float64)
    covered = np.zeros(vocabulary, dtype=bool)
    available = np.ones(len(ids), dtype=bool)
    follows = [None] * len(ids) if follows is None else follows
    waiting = np.asarray([before is not None for before in follows], dtype=bool)
    unlocked_by: dict[int, list[int]] = {}  # sentence → the waiting sentences it lets in
    for i, before in enumerate(follows):
        for j in before or ():
            unlocked_by.setdefault(j, []).append(i)
    stated: set[str] = set()
    chosen: list[int] = []
    remaining = budget
    while True:
        new = np.bincount(owner, weights=~covered[flat], minlength=len(ids))
        ratio = (score * new - margin * length) / np.maximum(length, 1.0)
        ratio[~available | waiting | (length > remaining)] = -np.inf
        if facts is not None and chosen:
            repeats = (bigrams > 0) & (bigrams - new >= restated * bigrams) & available
            for i in np.flatnonzero(repeats):
                if facts[i] <= stated:
                    ratio[i] = -np.inf
        best = int(np.argmax(ratio)) if len(ratio) else -1
        if best < 0 or ratio[best] <= 0:
            return chosen
        chosen.append(best)
        covered[ids[best]] = True
        available[best] = False
        remaining -= lengths[best]
        if facts is not None:
            stated |= facts[best]
        waiting[unlocked_by.get(best, [])] = False


def select(
    candidates: Sequence[Sentence],
    scores: np.ndarray,
    budget: int,
    margin: float = MARGIN,
    tokens: Sequence[tuple[str, ...]] = (),
) -> list[Sentence]:
    """The sentences of the summary (at most ``budget`` syllables), in reading order.

    ``tokens`` are the candidates' matching tokens when the caller has them already (the feature
    matrix does); otherwise each shortlisted sentence is tokenized here, once.
    """
    scores = np.asarray(scores, dtype=np.float64)
    lengths = [count_syllables(s.text) for s in candidates]
    if tokens:
        tokens_of: Callable[[int], tuple[str, ...]] = tokens.__getitem__
    else:
        tokens_of = functools.cache(lambda i: tuple(match_tokens(candidates[i].text)))
    kept = shortlist(lengths, scores, budget, tokens_of)
    ids = bigram_ids([tokens_of(i) for i in kept])
    facts = [figures(candidates[i].text) for i in kept]
    follows = predecessors([candidates[i] for i in kept])
    picked = greedy_coverage(
        ids, [lengths[i] for i in kept], scores[kept], budget, margin, facts, follows=follows
    )
    standalone = [i for i, before in zip(kept, follows, strict=True) if before is None]
    chosen = [kept[j] for j in picked] or (standalone or kept)[:1]  # never empty when one sentence fits
    return order([candidates[i] for i in chosen])


def predecessors(sentences: Sequence[Sentence]) -> list[frozenset[int] | None]:
    """What each sentence waits for, as indices into ``sentences`` (any one of them will do): ``None``
    when it stands alone; for one that :func:`refers_back`, the one before it in its article; for one
    that names someone by a short name ("Ông Scholz nói ...", "... của bà Thủy"), those before it in
    reading order that give the longer name ("Thủ tướng Đức Olaf Scholz"). An empty set (never) when none
    of them is among ``sentences``, or when the sentence :func:`leads_on` to one the summary would not
    have."""
    where = {(s.doc, s.position): i for i, s in enumerate(sentences)}

    def waits_for(sentence: Sentence) -> frozenset[int] | None:
        if leads_on(sentence.text):
            return frozenset()
        if sentence.position > 0 and refers_back(sentence.text):
            before = where.get((sentence.doc, sentence.position - 1))
            return frozenset() if before is None else frozenset({before})
        name = short_name(sentence.text)
        if name is not None:
            return frozenset(
                i
                for i, other in enumerate(sentences)
                if (other.doc, other.index) < (sentence.doc, sentence.index) and introduces(other.text, name)
            )
        return None

    return [waits_for(s) for s in sentences]


def order(sentences: list[Sentence]) -> list[Sentence]:
    return sorted(sentences, key=lambda s: (s.doc, s.index))
