from pathlib import Path

import numpy as np
import pytest

from tomtat.features import FEATURE_NAMES, FeatureMatrix, extract
from tomtat.scoring import HeuristicScorer, LightGBMScorer, load_default_scorer
from tomtat.sentences import segment
from tomtat.types import Article

MODEL = Path(__file__).resolve().parents[1] / "src/tomtat/models/ranker.txt"
TEXT = (
    "Sáng 13/9, ông Kim Jong-un đã gặp ông Putin tại sân bay vũ trụ Vostochny.\n"
    "Hai bên hội đàm về hợp tác quân sự và kinh tế trong nhiều giờ.\n"
    "Một số phóng viên đứng chờ bên ngoài khá lâu dưới trời nắng."
)


def matrix() -> FeatureMatrix:
    return extract(segment([Article(text=TEXT, title="Kim Jong-un gặp Putin")]))


def test_heuristic_prefers_the_first_sentence_and_is_on_the_precision_scale():
    scores = HeuristicScorer().predict(matrix())
    assert scores.argmax() == 0
    assert ((scores > 0) & (scores < 1)).all()


@pytest.mark.skipif(not MODEL.exists(), reason="no shipped model file")
def test_shipped_model_loads_and_scores_every_candidate():
    scorer = load_default_scorer()
    assert isinstance(scorer, LightGBMScorer)
    m = matrix()
    scores = scorer.predict(m)
    assert scores.shape == (len(m.candidates),) and np.isfinite(scores).all()


def test_model_on_other_features_is_refused():
    import lightgbm

    values = np.random.RandomState(0).rand(50, 2)
    data = lightgbm.Dataset(values, label=np.arange(50) % 2, params={"verbosity": -1})
    booster = lightgbm.train({"verbosity": -1, "num_threads": 1}, data, num_boost_round=2)
    with pytest.raises(ValueError, match="retrain"):
        LightGBMScorer(booster.model_to_string())


def test_empty_matrix_scores_empty():
    empty = FeatureMatrix(candidates=(), values=np.zeros((0, len(FEATURE_NAMES))))
    assert HeuristicScorer().predict(empty).shape == (0,)
