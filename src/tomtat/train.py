"""Fitting the sentence ranker on AbMuSu train: ``tomtat train`` and its cross-validation.

Labels come from the reference summary: a sentence's label is the fraction of its bigrams that occur in
the reference (ROUGE-2 precision). AbMuSu references are largely stitched from source sentences, so a
sentence copied (or nearly) into the reference scores close to 1 and its expected contribution to the
summary's ROUGE-2 is ``label × length``, which is exactly what :func:`tomtat.selection.select` maximizes.

Training stories are *augmented* with the input shapes tomtat meets outside AbMuSu: the same story with
bodies whose line breaks were lost, and without title and sapo (plain text files). The model is told
which shape it sees (``lead_given``, ``title_given``), so it learns, e.g., that a given sapo is rarely
copied while the first body paragraph is, instead of learning one shape and failing on the others.

Everything is deterministic: fixed seeds, one thread, ``deterministic=True``, stories in file order.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tomtat import features as feature_stage
from tomtat.corpus import Cluster, load_clusters
from tomtat.errors import InputError
from tomtat.rouge import RougeScores, corpus_score
from tomtat.sentences import segment
from tomtat.summarizer import as_articles
from tomtat.text import match_tokens, ngrams, tokens
from tomtat.types import Article

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "../shared/data/abmusu/train.jsonl"
DEFAULT_OUTPUT = Path(__file__).resolve().parent / "models" / "ranker.txt"
SEED = 20220901

PARAMS: dict[str, object] = {
    "objective": "regression",
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_data_in_leaf": 40,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "num_threads": 1,
    "deterministic": True,
    "force_row_wise": True,
    "seed": SEED,
    "verbosity": -1,
}
NUM_ROUNDS = 300
# The bigram model: does the reference contain this bigram of the story? A probability, hence
# cross-entropy; otherwise the same settings as the sentence model (7 leaves with >= 400 rows each had
# a better held-out AUC, 0.774 vs 0.770, but moved CV ROUGE-2 by only +0.15: not kept).
BIGRAM_PARAMS: dict[str, object] = {**PARAMS, "objective": "cross_entropy"}

Variant = Callable[[Article], Article]


def _flatten(article: Article) -> Article:
    return dataclasses.replace(
        article, text=article.text.replace("\n", " "), lead=article.lead.replace("\n", " ")
    )


def _plain(article: Article) -> Article:
    return dataclasses.replace(article, lead="", title="")


def _plain_flat(article: Article) -> Article:
    return _plain(_flatten(article))


VARIANTS: dict[str, Variant] = {
    "as_given": lambda article: article,
    "no_line_breaks": _flatten,
    "no_title_no_sapo": _plain,
    "plain_no_line_breaks": _plain_flat,
}


@dataclass(frozen=True)
class Example:
    """The candidate sentences of one story, their features and their labels."""

    matrix: feature_stage.FeatureMatrix
    labels: np.ndarray
    bigram_labels: np.ndarray


def sentence_labels(sentences: Iterable[str], reference: str) -> np.ndarray:
    """ROUGE-2 precision of each sentence against the reference (share of its bigrams found there)."""
    reference_bigrams = set(ngrams(tokens(reference), 2))
    labels = []
    for sentence in sentences:
        grams = list(ngrams(tokens(sentence), 2))
        labels.append(sum(g in reference_bigrams for g in grams) / len(grams) if grams else 0.0)
    return np.asarray(labels, dtype=np.float64)


def bigram_labels(grams: Iterable[tuple[str, str]], reference: str) -> np.ndarray:
    """1 for each (matching) bigram of the story that the reference contains, else 0."""
    reference_bigrams = set(ngrams(match_tokens(reference), 2))
    return np.asarray([g in reference_bigrams for g in grams], dtype=np.float64)


def make_example(articles: Sequence[Article], reference: str) -> Example:
    matrix = feature_stage.extract(segment(as_articles(articles)))
    grams = matrix.bigrams.grams if matrix.bigrams is not None else ()
    return Example(
        matrix=matrix,
        labels=sentence_labels((s.text for s in matrix.candidates), reference),
        bigram_labels=bigram_labels(grams, reference),
    )


def make_examples(clusters: Sequence[Cluster], variants: Sequence[str] = tuple(VARIANTS)) -> list[Example]:
    """One example per (story, input variant), stories in order, variants in the given order."""
    examples = []
    for cluster in clusters:
        if not cluster.summary.strip():
            continue
        for name in variants:
            variant = VARIANTS[name]
            examples.append(make_example([variant(a) for a in cluster.articles], cluster.summary))
    return examples


def fit(examples: Sequence[Example], params: dict[str, object] | None = None, rounds: int = NUM_ROUNDS):
    """Fit a LightGBM booster on the examples (deterministic) and return it."""
    import lightgbm

    rows = [e for e in examples if len(e.labels)]
    if not rows:
        raise InputError("no training sentences: are the reference summaries empty?")
    values = np.vstack([e.matrix.values for e in rows])
    labels = np.concatenate([e.labels for e in rows])
    merged = {**PARAMS, **(params or {})}
    dataset_params = {"verbosity": -1, "seed": SEED}
    if merged.get("objective") == "lambdarank":
        labels = np.minimum((labels * 4).round(), 4).astype(int)
    dataset = lightgbm.Dataset(
        values,
        label=labels,
        feature_name=list(feature_stage.FEATURE_NAMES),
        group=[len(e.labels) for e in rows] if merged.get("objective") == "lambdarank" else None,
        params=dataset_params,
        free_raw_data=True,
    )
    return lightgbm.train(merged, dataset, num_boost_round=rounds)


def fit_bigrams(examples: Sequence[Example], rounds: int = NUM_ROUNDS):
    """Fit the bigram booster (deterministic): which of a story's bigrams the reference contains."""
    import lightgbm

    rows = [e for e in examples if e.matrix.bigrams is not None and len(e.bigram_labels)]
    if not rows:
        raise InputError("no training bigrams: are the reference summaries empty?")
    dataset = lightgbm.Dataset(
        np.vstack([e.matrix.bigrams.values for e in rows]),
        label=np.concatenate([e.bigram_labels for e in rows]),
        feature_name=list(feature_stage.BIGRAM_FEATURE_NAMES),
        params={"verbosity": -1, "seed": SEED},
        free_raw_data=True,
    )
    return lightgbm.train(BIGRAM_PARAMS, dataset, num_boost_round=rounds)


def model_text(
    examples: Sequence[Example], params: dict[str, object] | None = None, rounds: int = NUM_ROUNDS
) -> str:
    """Both boosters as the text of one model file (see :class:`tomtat.scoring.LightGBMScorer`)."""
    from tomtat.scoring import BIGRAM_MODEL_SEPARATOR

    sentence = fit(examples, params, rounds).model_to_string()
    bigram = fit_bigrams(examples, rounds).model_to_string()
    return sentence + ("" if sentence.endswith("\n") else "\n") + BIGRAM_MODEL_SEPARATOR + bigram


def folds(count: int, k: int, seed: int | None = None) -> list[np.ndarray]:
    """Story indices of ``k`` folds: story i goes to fold i mod k, or, with ``seed``, the i-th story of
    the order that ``random.Random(seed)`` shuffles them into does. One split of 200 stories moves a
    lever by as much as noise (docs/model.md), so decisions look at two: no seed and seed 7."""
    order = list(range(count))
    if seed is not None:
        random.Random(seed).shuffle(order)
    return [np.sort(np.asarray(order[i::k], dtype=np.int64)) for i in range(k)]


def check_fraction(fraction: float) -> float:
    """``fraction`` if it is a share of the training stories that can be trained on, else InputError."""
    if not 0.0 < fraction <= 1.0:
        raise InputError(f"the training fraction must be in (0, 1], not {fraction}")
    return fraction


def training_subset(stories: Sequence[int], fraction: float, fold: int) -> list[int]:
    """The first ``fraction`` of ``stories`` in the order ``random.Random(fold)`` shuffles them into,
    returned in their own order. The subsets are nested (a smaller fraction keeps part of what a larger
    one keeps), so the points of a learning curve differ only by the stories added."""
    check_fraction(fraction)
    order = list(stories)
    random.Random(fold).shuffle(order)
    keep = set(order[: max(1, round(fraction * len(order)))])
    return [story for story in stories if story in keep]


def cross_validate(
    clusters: Sequence[Cluster],
    k: int = 5,
    params: dict[str, object] | None = None,
    rounds: int = NUM_ROUNDS,
    variants: Sequence[str] = tuple(VARIANTS),
    eval_variants: Sequence[str] = ("as_given",),
    words: int = 200,
    seed: int | None = None,
    fraction: float = 1.0,
) -> dict[str, RougeScores]:
    """ROUGE of the full summarizer on held-out folds of ``clusters`` (see :func:`folds` for ``seed``),
    per evaluation input variant. With ``fraction`` below 1, each fold trains on that share of its
    training stories only (:func:`training_subset`): a learning curve, to tell whether more stories of
    this kind would help."""
    from tomtat.scoring import LightGBMScorer
    from tomtat.summarizer import summarize

    check_fraction(fraction)
    clusters = [c for c in clusters if c.summary.strip()]
    if len(clusters) < k:  # a fold would train on nothing: "no training sentences" blamed the summaries
        found = len(clusters)
        message = f"{k}-fold cross-validation needs at least {k} stories with a reference summary"
        raise InputError(f"{message}, got {found}")
    examples = make_examples(clusters, variants)
    per_story = len(variants)
    outputs: dict[str, list[str]] = {name: [""] * len(clusters) for name in eval_variants}
    for fold, held_out in enumerate(folds(len(clusters), k, seed)):
        held = set(held_out.tolist())
        training = set(training_subset([i for i in range(len(clusters)) if i not in held], fraction, fold))
        train_examples = [e for i, e in enumerate(examples) if i // per_story in training]
        scorer = LightGBMScorer(model_text(train_examples, params, rounds))
        for i in held_out:
            for name in eval_variants:
                articles = [VARIANTS[name](a) for a in clusters[i].articles]
                outputs[name][i] = summarize(articles, words=words, scorer=scorer, facts=False).text
    references = [c.summary for c in clusters]
    return {name: corpus_score(texts, references) for name, texts in outputs.items()}


def train(
    data: str | Path = DEFAULT_DATA, output: str | Path = DEFAULT_OUTPUT, rounds: int = NUM_ROUNDS
) -> Path:
    """Fit the ranker on ``data`` (AbMuSu JSONL) and write its text model to ``output``."""
    path = Path(data)
    if not path.is_file():
        raise InputError(f"{path}: training data not found")
    clusters = load_clusters(path)
    text = model_text(make_examples(clusters), rounds=rounds)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    return output
