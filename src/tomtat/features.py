"""Sentence features for ranking: what a news editor looks at when picking sentences.

Position in the article, agreement with the headline and the sapo (lead), and support across outlets
(a fact reported by several articles matters more) are the strongest signals in news; length and
content-word density keep short fragments and long digressions down.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np

from tomtat.text import match_tokens, ngrams
from tomtat.types import Sentence, SentenceKind, Story

FEATURE_NAMES: tuple[str, ...] = (
    "position",
    "position_inverse",
    "relative_position",
    "is_lead",
    "length",
    "title_unigram_overlap",
    "title_bigram_overlap",
    "lead_bigram_overlap",
    "centroid_cosine",
    "cross_doc_bigram_support",
    "doc_count",
)


@dataclass(frozen=True)
class FeatureMatrix:
    """Features of the candidate sentences of one story, row-aligned with ``candidates``."""

    candidates: tuple[Sentence, ...]
    values: np.ndarray
    names: tuple[str, ...] = FEATURE_NAMES


def candidates_of(story: Story) -> list[Sentence]:
    """Sentences that may appear in a summary: not noise, and long enough to say something."""
    return [s for s in story.sentences if not s.is_noise and len(match_tokens(s.text)) >= 4]


def extract(story: Story) -> FeatureMatrix:
    candidates = candidates_of(story)
    toks = [match_tokens(s.text) for s in candidates]
    bigrams = [set(ngrams(t, 2)) for t in toks]
    doc_lengths = Counter(s.doc for s in candidates)
    titles = [set(match_tokens(a.title)) for a in story.articles]
    title_bigrams = [set(ngrams(match_tokens(a.title), 2)) for a in story.articles]
    all_title_bigrams = set().union(*title_bigrams) if title_bigrams else set()
    all_title_unigrams = set().union(*titles) if titles else set()
    lead_bigrams = set().union(*(b for s, b in zip(candidates, bigrams, strict=True) if s.kind is SentenceKind.LEAD))

    doc_frequency: Counter[str] = Counter()
    for t in toks:
        doc_frequency.update(set(t))
    n = max(len(toks), 1)
    centroid: Counter[str] = Counter()
    for t in toks:
        centroid.update(t)
    weights = {w: c * math.log(1 + n / doc_frequency[w]) for w, c in centroid.items()}
    centroid_norm = math.sqrt(sum(v * v for v in weights.values())) or 1.0

    bigram_docs: dict[tuple[str, str], set[int]] = {}
    for s, b in zip(candidates, bigrams, strict=True):
        for g in b:
            bigram_docs.setdefault(g, set()).add(s.doc)
    doc_count = len(story.articles)

    rows = []
    for s, t, b in zip(candidates, toks, bigrams, strict=True):
        size = max(len(b), 1)
        counts = Counter(t)
        vec_norm = math.sqrt(sum((c * math.log(1 + n / doc_frequency[w])) ** 2 for w, c in counts.items())) or 1.0
        cosine = sum(c * math.log(1 + n / doc_frequency[w]) * weights[w] for w, c in counts.items())
        support = sum(len(bigram_docs[g]) - 1 for g in b) / size
        rows.append(
            (
                s.position,
                1.0 / (1 + s.position),
                s.position / max(doc_lengths[s.doc], 1),
                float(s.kind is SentenceKind.LEAD),
                len(t),
                len(set(t) & all_title_unigrams) / max(len(set(t)), 1),
                len(b & all_title_bigrams) / size,
                len(b & lead_bigrams) / size if s.kind is not SentenceKind.LEAD else 1.0,
                cosine / (vec_norm * centroid_norm),
                support,
                doc_count,
            )
        )
    values = np.asarray(rows, dtype=np.float64).reshape(len(rows), len(FEATURE_NAMES))
    return FeatureMatrix(candidates=tuple(candidates), values=values)
