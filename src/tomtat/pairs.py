"""A learned score for "are these two articles the same story?", used to re-assign articles after a batch.

Plain cosine has one threshold for every story, but a crowded theme (three stories on the same heat
wave) needs a higher cosine than a lone story. The pair score is a logistic regression on the cosine and
four *neighbourhood* features of the pair (its rank in each article's list of best known neighbours,
its cosine minus each one's 5th-best and best match; see :meth:`StoryIndex.pair_features`). At arrival
most neighbours have not arrived yet, so the score is used by :meth:`StoryIndex.regroup` after each
batch rather than for the arrival decision.

Training (``tomtat train-stories``) simulates arrivals on the AbMuSu train pool exactly as the store
ingests them (3 shuffles, batches of 500), takes each batch article's known neighbours as pairs
labelled same-story or not, and fits the 5 coefficients by Newton's method; it is deterministic, so the
shipped ``models/pairs.json`` can be rebuilt byte for byte. ``threshold`` (the mean pair probability at
which average linkage still merges two groups) was chosen on the train pool; the validation pool was
kept for measuring (see docs/stories.md).
"""

from __future__ import annotations

import itertools
import json
import random
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tomtat.errors import InputError

if TYPE_CHECKING:
    from tomtat.clustering import Background, RawTerms

FEATURES = ("cosine", "rank_min", "rank_max", "over_fifth", "over_best")
DEFAULT_MODEL = Path(__file__).resolve().parent / "models" / "pairs.json"
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "../shared/data/abmusu/train.jsonl"
TRAIN_SEEDS = (100, 101, 102)
TRAIN_BATCH = 500


@dataclass(frozen=True)
class PairModel:
    """Logistic regression over :data:`FEATURES`; ``threshold``: the mean pair probability between two
    groups of articles at which the re-assignment pass's average linkage still merges them;
    ``neighbours``: depth of the neighbour lists the rank features read."""

    coefficients: tuple[float, ...]
    intercept: float
    threshold: float = 0.25
    neighbours: int = 20

    def predict(self, features: np.ndarray) -> np.ndarray:
        """Probability that each pair (a row of :meth:`StoryIndex.pair_features`) is one story."""
        logit = features @ np.asarray(self.coefficients) + self.intercept
        return 1.0 / (1.0 + np.exp(-logit))

    def to_dict(self) -> dict[str, Any]:
        return {
            "features": list(FEATURES),
            "coefficients": [round(c, 8) for c in self.coefficients],
            "intercept": round(self.intercept, 8),
            "threshold": self.threshold,
            "neighbours": self.neighbours,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PairModel:
        if data.get("features") != list(FEATURES):
            raise InputError(f"pair model: expected features {list(FEATURES)}, got {data.get('features')}")
        return cls(
            coefficients=tuple(float(c) for c in data["coefficients"]),
            intercept=float(data["intercept"]),
            threshold=float(data["threshold"]),
            neighbours=int(data["neighbours"]),
        )

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path) -> PairModel:
        try:
            return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise InputError(f"{path}: not a pair model ({error})") from None


@lru_cache(maxsize=1)
def default_model() -> PairModel | None:
    """The shipped model, or None when it is missing (grouping then stays plain cosine, no pass)."""
    try:
        return PairModel.load(DEFAULT_MODEL)
    except InputError:
        return None


def fit_logistic(features: np.ndarray, labels: np.ndarray, l2: float = 1.0) -> tuple[np.ndarray, float]:
    """L2-regularized logistic regression by Newton's method on standardized features (deterministic).

    Returns coefficients and intercept on the original feature scale.
    """
    mean = features.mean(axis=0)
    scale = features.std(axis=0)
    scale[scale == 0] = 1.0
    design = np.column_stack((np.ones(len(features)), (features - mean) / scale))
    weights = np.zeros(design.shape[1])
    penalty = np.full(design.shape[1], l2)
    penalty[0] = 0.0  # the intercept is not shrunk
    for _ in range(100):
        probability = 1.0 / (1.0 + np.exp(-(design @ weights)))
        gradient = design.T @ (probability - labels) + penalty * weights
        hessian = (design * (probability * (1 - probability))[:, None]).T @ design + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        weights -= step
        if np.abs(step).max() < 1e-10:
            break
    coefficients = weights[1:] / scale
    return coefficients, float(weights[0] - (coefficients * mean).sum())


def load_pool(path: str | Path) -> tuple[list[tuple[str, str, str]], dict[str, str]]:
    """AbMuSu-format stories as (id, title, text) articles and a map article id → story."""
    from tomtat.corpus import load_clusters

    articles, truth = [], {}
    for number, cluster in enumerate(load_clusters(path)):
        for position, article in enumerate(cluster.articles):
            key = f"{number}-{position}"
            text = f"{article.lead}\n{article.text}" if article.lead else article.text
            articles.append((key, article.title, text))
            truth[key] = str(number)
    return articles, truth


def article_terms(articles: list[tuple[str, str, str]]) -> dict[str, RawTerms]:
    """The raw terms of each (id, title, text) article, as the store extracts them."""
    from tomtat.clustering import extract_terms, lead_and_body

    return {key: extract_terms(title, *lead_and_body(text)) for key, title, text in articles}


def training_pairs(
    articles: list[tuple[str, str, str]],
    truth: dict[str, str],
    seeds: tuple[int, ...] = TRAIN_SEEDS,
    batch: int = TRAIN_BATCH,
    depth: int = 20,
    background: Background | bool | None = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (features, same-story labels) seen by a store ingesting ``articles`` in shuffled orders.

    Arrival is plain cosine, as in the store; after each batch every batch article contributes its
    ``depth`` best known neighbours, with the features the re-assignment pass would compute then.
    ``background``: the document frequencies the simulated store starts from (see :class:`StoryIndex`).
    """
    from tomtat.clustering import StoryIndex

    raws = article_terms(articles)
    rows: list[np.ndarray] = []
    labels: list[np.ndarray] = []
    for seed in seeds:
        order = [key for key, _, _ in articles]
        random.Random(seed).shuffle(order)
        index = StoryIndex(background=background)
        new_story = itertools.count().__next__
        for start in range(0, len(order), batch):
            chunk = order[start : start + batch]
            index.observe(raws[key] for key in chunk)
            for key in chunk:
                index.place(key, index.fingerprint(raws[key]), new_story)
            cache: dict = {}
            for key in chunk:
                position = index._position[key]
                near = [other for _, other in index.neighbours(position, depth)]
                if not near:
                    continue
                rows.append(index.pair_features(position, near, depth, cache))
                same = [truth[index._entries[other].key] == truth[key] for other in near]
                labels.append(np.array(same, dtype=np.float64))
    if not rows:  # no article had a neighbour: too few articles
        return np.empty((0, len(FEATURES))), np.empty(0)
    return np.concatenate(rows), np.concatenate(labels)


def train(
    data: str | Path = DEFAULT_DATA,
    output: str | Path = DEFAULT_MODEL,
    background_output: str | Path | None = None,
) -> tuple[Path, Path]:
    """Count background document frequencies on AbMuSu-format stories (``data``) and write them to
    ``background_output`` (default: ``background.npy`` next to ``output``), then fit the pair model on
    arrivals simulated with them and write it as JSON to ``output``. Returns both paths."""
    from tomtat.clustering import Background

    source = Path(data)
    if not source.is_file():
        raise InputError(f"{source}: no such file")
    articles, truth = load_pool(source)
    background = Background.count(article_terms(articles).values())
    features, labels = training_pairs(articles, truth, background=background)
    if not len(labels) or labels.min() == labels.max():
        raise InputError(f"{source}: need both same-story and different-story pairs to train")
    coefficients, intercept = fit_logistic(features, labels)
    model = PairModel(coefficients=tuple(float(c) for c in coefficients), intercept=intercept)
    # Written together only once both are fitted: the model was trained with this very background,
    # so a failed run must not leave a new background next to the old model.
    background_path = background.save(background_output or Path(output).with_name("background.npy"))
    return model.save(output), background_path
