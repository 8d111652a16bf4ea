"""The ROUGE metric tomtat is judged by, implemented exactly as specified (see docs/metric.md).

Tokens: NFC → lowercase → ``re.findall(r"\\w+")`` (syllables and numbers; Google ``rouge-score``'s default
tokenizer would delete Vietnamese letters). ROUGE-1/2 F1 use clipped n-gram counts; ROUGE-L F1 uses the
longest common subsequence of the whole token sequences (not the summary-level union LCS). With several
references the score is the mean of per-reference F1; a corpus score is the macro-average over stories.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from tomtat.text import ngrams, tokens


@dataclass(frozen=True)
class RougeScores:
    """F1 of ROUGE-1, ROUGE-2 and ROUGE-L, each in [0, 1]."""

    rouge1: float
    rouge2: float
    rougeL: float


def f1(overlap: float, candidate_total: float, reference_total: float) -> float:
    if overlap <= 0 or candidate_total <= 0 or reference_total <= 0:
        return 0.0
    precision = overlap / candidate_total
    recall = overlap / reference_total
    return 2 * precision * recall / (precision + recall)


def rouge_n(candidate: Sequence[str], reference: Sequence[str], n: int) -> float:
    """ROUGE-N F1 between two token sequences, with clipped counts."""
    cand = Counter(ngrams(list(candidate), n))
    ref = Counter(ngrams(list(reference), n))
    overlap = sum((cand & ref).values())
    return f1(overlap, sum(cand.values()), sum(ref.values()))


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence, in O(len(a)·len(b)) time and O(len(b)) memory."""
    if not a or not b:
        return 0
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b, start=1):
            current.append(previous[j - 1] + 1 if x == y else max(previous[j], current[j - 1]))
        previous = current
    return previous[-1]


def rouge_l(candidate: Sequence[str], reference: Sequence[str]) -> float:
    return f1(lcs_length(candidate, reference), len(candidate), len(reference))


def score(candidate: str, references: str | Sequence[str]) -> RougeScores:
    """Score one summary against one or several references (mean of per-reference F1)."""
    refs = [references] if isinstance(references, str) else list(references)
    if not refs:
        raise ValueError("at least one reference summary is needed")
    cand = tokens(candidate)
    per_ref = [(rouge_n(cand, r, 1), rouge_n(cand, r, 2), rouge_l(cand, r)) for r in map(tokens, refs)]
    count = len(per_ref)
    return RougeScores(*(sum(values) / count for values in zip(*per_ref, strict=True)))


def corpus_score(candidates: Sequence[str], references: Sequence[str | Sequence[str]]) -> RougeScores:
    """Macro-average of per-story scores."""
    if len(candidates) != len(references):
        raise ValueError(f"{len(candidates)} summaries for {len(references)} reference sets")
    if not candidates:
        raise ValueError("no stories to score")
    scores = [score(c, r) for c, r in zip(candidates, references, strict=True)]
    count = len(scores)
    return RougeScores(
        sum(s.rouge1 for s in scores) / count,
        sum(s.rouge2 for s in scores) / count,
        sum(s.rougeL for s in scores) / count,
    )
