"""Sentence scoring: a learned ranker shipped with the package, and an unsupervised fallback.

The learned ranker is a LightGBM model trained by ``tomtat train`` on AbMuSu train; its text model file
lives in ``tomtat/models/`` and is evaluated through LightGBM's C library (:mod:`tomtat.booster`). When
that file is missing (a stripped install, a custom build) tomtat still
works with :class:`HeuristicScorer`, a fixed blend of the strongest news signals.
"""

from __future__ import annotations

from importlib import resources
from typing import Protocol

import numpy as np

from tomtat.features import BIGRAM_FEATURE_NAMES, FEATURE_NAMES, FeatureMatrix

MODEL_FILE = "ranker.txt"
# ranker.txt holds the sentence booster, then (optionally) this line and the bigram booster.
BIGRAM_MODEL_SEPARATOR = "=== tomtat bigram model ===\n"


class Scorer(Protocol):
    def predict(self, features: FeatureMatrix) -> np.ndarray: ...


class HeuristicScorer:
    """Unsupervised: early, anchor-like, central sentences that several outlets support.

    Returns rough ROUGE-2-precision-like values (mostly in 0.1–0.7), the scale selection expects, so the
    selection margin means the same with either scorer.
    """

    def predict(self, features: FeatureMatrix) -> np.ndarray:
        col = {name: features.values[:, i] for i, name in enumerate(features.names)}
        return (
            0.1
            + 0.25 / (1.0 + np.maximum(col["block_position"], 0.0))
            + 0.25 * col["anchor_bigram_all"]
            + 0.15 * col["centroid_cosine"]
            + 0.1 * col["title_bigram_all"]
            + 0.15 * np.minimum(col["cross_doc_bigram_support"], 1.0)
            - 0.1 * col["is_lead"] * col["lead_given"]
        )


class LightGBMScorer:
    """Two LightGBM boosters, averaged with the heuristic prior.

    - The *sentence* booster over :data:`FEATURE_NAMES` predicts a sentence's ROUGE-2 precision. It is
      fitted on 200 stories only and is noisy; averaging it with the fixed heuristic (equal weights, not
      tuned) was worth about +0.5 ROUGE-2 in cross-validation on train over either one alone.
    - The *bigram* booster over :data:`BIGRAM_FEATURE_NAMES` predicts, for every distinct bigram of the
      story, the probability that the reference contains it; the mean over a sentence's bigrams is a
      second, finer estimate of the same precision (it sees how widely each phrase is repeated, not only
      sentence-level aggregates). The two estimates are averaged with equal weights.
    """

    def __init__(self, model_text: str, heuristic_weight: float = 0.5, bigram_weight: float = 0.5) -> None:
        from tomtat.booster import Booster

        sentence_text, _, bigram_text = model_text.partition(BIGRAM_MODEL_SEPARATOR)
        self.booster = Booster(sentence_text)
        self.heuristic_weight = heuristic_weight
        if self.booster.feature_names != FEATURE_NAMES:
            raise ValueError("model was trained on other features; retrain it with `tomtat train`")
        self.bigram_booster = Booster(bigram_text) if bigram_text.strip() else None
        if self.bigram_booster and self.bigram_booster.feature_names != BIGRAM_FEATURE_NAMES:
            raise ValueError("bigram model was trained on other features; retrain it with `tomtat train`")
        self.bigram_weight = bigram_weight if self.bigram_booster else 0.0

    def predict(self, features: FeatureMatrix) -> np.ndarray:
        if len(features.values) == 0:
            return np.zeros(0)
        scores = np.asarray(self.booster.predict(features.values))
        if self.heuristic_weight:
            prior = HeuristicScorer().predict(features)
            scores = (1.0 - self.heuristic_weight) * scores + self.heuristic_weight * prior
        bigrams = features.bigrams
        if self.bigram_booster is None or bigrams is None or not len(bigrams.values):
            return scores
        probability = np.asarray(self.bigram_booster.predict(bigrams.values))
        precision = np.asarray([probability[ids].mean() if len(ids) else 0.0 for ids in bigrams.ids])
        return (1.0 - self.bigram_weight) * scores + self.bigram_weight * precision


def load_default_scorer() -> Scorer:
    """The shipped model if present and compatible, otherwise the heuristic fallback."""
    model = resources.files("tomtat") / "models" / MODEL_FILE
    try:
        return LightGBMScorer(model.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError, ImportError):
        return HeuristicScorer()
