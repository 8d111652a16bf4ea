"""Unit tests for the learned pair score: fitting, training determinism, the shipped model, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from test_clustering import STORIES, TITLES, make_article
from tomtat.clustering import Background
from tomtat.errors import InputError
from tomtat.pairs import FEATURES, PairModel, default_model, fit_logistic, train


def test_fit_logistic_recovers_the_direction_and_is_deterministic():
    rng = np.random.default_rng(0)
    features = rng.normal(size=(2000, 3))
    truth = np.array([2.0, -1.0, 0.0])
    labels = (rng.random(2000) < 1 / (1 + np.exp(-(features @ truth + 0.5)))).astype(float)
    coefficients, intercept = fit_logistic(features, labels)
    assert coefficients[0] > 1.5 and coefficients[1] < -0.7 and abs(coefficients[2]) < 0.2
    assert 0.2 < intercept < 0.8
    again = fit_logistic(features, labels)
    assert np.array_equal(again[0], coefficients) and again[1] == intercept


def _write_stories(path) -> None:
    with open(path, "w", encoding="utf-8") as out:
        for story in STORIES:
            documents = []
            for number in range(6):
                title, text = make_article(story, number)
                documents.append({"title": title, "raw_text": text, "anchor_text": TITLES[story][0]})
            out.write(json.dumps({"single_documents": documents, "summary": ""}, ensure_ascii=False) + "\n")


def test_training_writes_the_same_file_twice(tmp_path):
    data = tmp_path / "stories.jsonl"
    _write_stories(data)
    first = [path.read_bytes() for path in train(data, tmp_path / "a.json", tmp_path / "a.npy")]
    second = [path.read_bytes() for path in train(data, tmp_path / "b.json", tmp_path / "b.npy")]
    assert first == second
    background = Background.load(tmp_path / "a.npy")
    assert background.documents == 6 * len(STORIES) and len(background.terms) > 0
    model = PairModel.load(tmp_path / "a.json")
    assert len(model.coefficients) == len(FEATURES) and all(np.isfinite(model.coefficients))
    assert model.coefficients[0] > 0  # a higher cosine means more likely the same story


def test_shipped_model_loads_and_scores_a_close_pair_above_a_far_one():
    model = default_model()
    assert model is not None
    close = np.array([[0.5, 0.0, 0.0, 0.2, 0.0]])
    far = np.array([[0.05, np.log1p(20), np.log1p(20), -0.2, -0.4]])
    assert model.predict(close)[0] > model.threshold > model.predict(far)[0]


def test_bad_model_file_and_missing_data_are_clean_errors(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"features": ["cosine"]}', encoding="utf-8")
    with pytest.raises(InputError, match="pair model"):
        PairModel.load(broken)
    with pytest.raises(InputError, match="no such file"):
        train(tmp_path / "missing.jsonl", tmp_path / "out.json")


def test_train_stories_cli_writes_a_loadable_model(tmp_path):
    data = tmp_path / "stories.jsonl"
    _write_stories(data)
    output = tmp_path / "pairs.json"
    done = subprocess.run(
        [sys.executable, "-m", "tomtat", "train-stories", "--data", str(data), "-o", str(output)],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert PairModel.load(output).to_dict()["features"] == list(FEATURES)
    assert Background.load(tmp_path / "background.npy").documents == 6 * len(STORIES)
    missing = subprocess.run(
        [sys.executable, "-m", "tomtat", "train-stories", "--data", str(tmp_path / "nope.jsonl")],
        capture_output=True, text=True, timeout=120,
    )
    assert missing.returncode == 2 and missing.stderr.startswith("tomtat: error:")


def test_data_that_cannot_train_is_a_clean_error_and_overwrites_nothing(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")  # used to be a numpy ValueError traceback
    one_story = tmp_path / "one.jsonl"
    _write_stories(one_story)
    one_story.write_text(one_story.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    for data in (empty, one_story):
        (tmp_path / "background.npy").write_bytes(b"the shipped background")
        with pytest.raises(InputError, match=data.name):
            train(data, tmp_path / "pairs.json")
        # A failed run must leave the model and its background as they were, a matched pair.
        assert (tmp_path / "background.npy").read_bytes() == b"the shipped background"
        assert not (tmp_path / "pairs.json").exists()


def test_a_single_article_gives_no_pairs_rather_than_a_numpy_error(tmp_path):
    data = tmp_path / "single.jsonl"
    data.write_text(json.dumps({"single_documents": [{"raw_text": "Một bài báo duy nhất."}]}) + "\n")
    with pytest.raises(InputError, match="same-story and different-story"):
        train(data, tmp_path / "pairs.json")
