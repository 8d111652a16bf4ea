"""Sentence scoring: a learned ranker shipped with the package, and an unsupervised fallback.

The learned ranker is a LightGBM model trained by ``tomtat train`` on AbMuSu train; its text model file
lives in ``tomtat/models/``. When that file is missing (a stripped install, a custom build) tomtat still
works with :class:`HeuristicScorer`, a fixed blend of the strongest news signals.
"""

from __future__ import annotations

from importlib import resources
from typing import Protocol

import numpy as np

from tomtat.features import FEATURE_NAMES, FeatureMatrix

MODEL_FILE = "ranker.txt"


class Scorer(Protocol):
    def predict(self, features: FeatureMatrix) -> np.ndarray: ...


class HeuristicScorer:
    """Unsupervised: early, lead-like, central sentences that several outlets support."""

    def predict(self, features: FeatureMatrix) -> np.ndarray:
        col = {name: features.values[:, i] for i, name in enumerate(features.names)}
        return (
            1.5 * col["position_inverse"]
            + 1.0 * col["is_lead"]
            + 1.0 * col["centroid_cosine"]
            + 0.5 * col["lead_bigram_overlap"]
            + 0.5 * col["title_bigram_overlap"]
            + 0.2 * np.minimum(col["cross_doc_bigram_support"], 2.0)
        )


class LightGBMScorer:
    """A LightGBM booster over :data:`FEATURE_NAMES`, loaded from its text model."""

    def __init__(self, model_text: str) -> None:
        import lightgbm

        self.booster = lightgbm.Booster(model_str=model_text)
        names = tuple(self.booster.feature_name())
        if names != FEATURE_NAMES:
            raise ValueError("model was trained on other features; retrain it with `tomtat train`")

    def predict(self, features: FeatureMatrix) -> np.ndarray:
        if len(features.values) == 0:
            return np.zeros(0)
        return np.asarray(self.booster.predict(features.values, num_threads=1))


def load_default_scorer() -> Scorer:
    """The shipped model if present and compatible, otherwise the heuristic fallback."""
    model = resources.files("tomtat") / "models" / MODEL_FILE
    try:
        return LightGBMScorer(model.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError, ImportError):
        return HeuristicScorer()
