from pathlib import Path

import numpy as np
import pytest

from tomtat.corpus import load_clusters
from tomtat.errors import InputError
from tomtat.scoring import LightGBMScorer
from tomtat.text import match_tokens
from tomtat.train import (
    VARIANTS,
    bigram_labels,
    fit,
    folds,
    make_examples,
    model_text,
    sentence_labels,
    train,
    training_subset,
)

DATA = Path(__file__).resolve().parents[1] / "../shared/data/abmusu/train.jsonl"
needs_data = pytest.mark.skipif(not DATA.exists(), reason=f"AbMuSu train data not found at {DATA}")


def test_labels_are_bigram_precision_against_the_reference():
    labels = sentence_labels(["Hà Nội mưa to", "trời nắng đẹp quá"], "Hôm nay Hà Nội mưa to cả ngày.")
    assert labels[0] == pytest.approx(1.0) and labels[1] == 0.0


def test_bigram_labels_mark_the_story_bigrams_the_reference_contains():
    grams = [tuple(match_tokens(pair)) for pair in ("Hà Nội", "Nội mưa", "trời nắng")]
    labels = bigram_labels(grams, "Hôm nay Hà Nội mưa to.")
    assert labels.tolist() == [1.0, 1.0, 0.0]


def test_folds_deal_every_story_once_and_a_seed_gives_another_split():
    for seed in (None, 7):
        parts = folds(23, 5, seed)
        assert sorted(np.concatenate(parts).tolist()) == list(range(23))
        assert [len(p) for p in parts] == [5, 5, 5, 4, 4]
    assert [p.tolist() for p in folds(10, 5)] == [[0, 5], [1, 6], [2, 7], [3, 8], [4, 9]]
    shuffled = [p.tolist() for p in folds(10, 5, 7)]
    assert shuffled == [p.tolist() for p in folds(10, 5, 7)] != [p.tolist() for p in folds(10, 5)]


def test_training_subsets_are_nested_and_keep_the_stories_order():
    stories = [3, 8, 11, 20, 21, 30, 42, 50]
    assert training_subset(stories, 1.0, 0) == stories
    half, quarter = training_subset(stories, 0.5, 2), training_subset(stories, 0.25, 2)
    assert len(half) == 4 and len(quarter) == 2
    assert set(quarter) <= set(half) and half == sorted(half)
    assert training_subset(stories, 0.5, 2) == half != training_subset(stories, 0.5, 3)
    assert training_subset(stories, 0.01, 0) and len(training_subset(stories, 0.01, 0)) == 1
    for fraction in (0.0, -0.5, 1.01, float("nan")):
        with pytest.raises(InputError, match="training fraction"):
            training_subset(stories, fraction, 0)


def test_variants_remove_line_breaks_and_sapo():
    from tomtat.types import Article

    article = Article(text="a\nb", title="t", lead="l")
    assert "\n" not in VARIANTS["no_line_breaks"](article).text
    plain = VARIANTS["no_title_no_sapo"](article)
    assert plain.lead == "" and plain.title == ""


@needs_data
def test_fit_is_deterministic_and_the_model_loads(tmp_path):
    clusters = load_clusters(DATA)[:8]
    examples = make_examples(clusters, variants=("as_given",))
    first = fit(examples, rounds=10).model_to_string()
    second = fit(examples, rounds=10).model_to_string()
    assert first == second
    scorer = LightGBMScorer(first)
    scores = scorer.predict(examples[0].matrix)
    assert np.isfinite(scores).all()
    both = model_text(examples, rounds=10)
    assert both == model_text(examples, rounds=10)
    with_bigrams = LightGBMScorer(both)
    assert with_bigrams.bigram_booster is not None
    combined = with_bigrams.predict(examples[0].matrix)
    assert np.isfinite(combined).all() and not np.allclose(combined, scores)


@needs_data
@pytest.mark.slow
def test_train_writes_a_loadable_model(tmp_path):
    out = train(DATA, tmp_path / "ranker.txt", rounds=5)
    assert LightGBMScorer(out.read_text(encoding="utf-8")).bigram_booster is not None
