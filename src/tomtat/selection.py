"""Choosing sentences under a syllable budget without saying the same thing twice, then ordering them.

Greedy by score: each sentence is taken if it fits the remaining budget and does not repeat what is
already chosen (bigram overlap), so the same fact reported by three outlets appears once. The chosen
sentences are then ordered by article and position, which reads as one coherent text because news
articles themselves go from the main fact to the background.
"""

from __future__ import annotations

import numpy as np

from tomtat.text import count_syllables, match_tokens, ngrams
from tomtat.types import Sentence

REDUNDANCY_THRESHOLD = 0.5


def overlap_ratio(a: set[tuple[str, str]], b: set[tuple[str, str]]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def select(
    candidates: tuple[Sentence, ...] | list[Sentence],
    scores: np.ndarray,
    budget: int,
    redundancy_threshold: float = REDUNDANCY_THRESHOLD,
) -> list[Sentence]:
    chosen: list[Sentence] = []
    chosen_bigrams: list[set[tuple[str, str]]] = []
    remaining = budget
    for i in np.argsort(-scores, kind="stable"):
        sentence = candidates[int(i)]
        length = count_syllables(sentence.text)
        if length > remaining:
            continue
        grams = set(ngrams(match_tokens(sentence.text), 2))
        if any(overlap_ratio(grams, other) > redundancy_threshold for other in chosen_bigrams):
            continue
        chosen.append(sentence)
        chosen_bigrams.append(grams)
        remaining -= length
    return order(chosen)


def order(sentences: list[Sentence]) -> list[Sentence]:
    return sorted(sentences, key=lambda s: (s.doc, s.index))
