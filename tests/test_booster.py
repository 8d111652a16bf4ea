from importlib import resources

import numpy as np
import pytest

from tomtat.booster import Booster
from tomtat.scoring import BIGRAM_MODEL_SEPARATOR, MODEL_FILE

lightgbm = pytest.importorskip("lightgbm")


@pytest.fixture(scope="module")
def shipped_models() -> list[str]:
    text = (resources.files("tomtat") / "models" / MODEL_FILE).read_text(encoding="utf-8")
    sentence_model, _, bigram_model = text.partition(BIGRAM_MODEL_SEPARATOR)
    return [model for model in (sentence_model, bigram_model) if model.strip()]


def test_predictions_equal_the_lightgbm_package(shipped_models):
    rng = np.random.default_rng(0)
    for model in shipped_models:
        ours = Booster(model)
        reference = lightgbm.Booster(model_str=model)
        assert ours.feature_names == tuple(reference.feature_name())
        rows = rng.random((300, len(ours.feature_names))) * rng.integers(1, 50, len(ours.feature_names))
        np.testing.assert_array_equal(ours.predict(rows), reference.predict(rows))


def test_a_freshly_trained_model_with_a_sigmoid_output():
    rng = np.random.default_rng(1)
    features = rng.random((200, 3))
    labels = (features[:, 0] + 0.2 * rng.random(200) > 0.6).astype(float)
    params = {"objective": "cross_entropy", "verbose": -1, "num_threads": 1, "deterministic": True}
    trained = lightgbm.train(params, lightgbm.Dataset(features, labels), num_boost_round=20)
    ours = Booster(trained.model_to_string())
    predicted = ours.predict(features)
    assert np.all((predicted > 0) & (predicted < 1))
    np.testing.assert_allclose(predicted, trained.predict(features), rtol=0, atol=1e-12)


def test_no_rows_and_wrong_shapes(shipped_models):
    booster = Booster(shipped_models[0])
    assert booster.predict(np.zeros((0, len(booster.feature_names)))).shape == (0,)
    with pytest.raises(ValueError, match="features"):
        booster.predict(np.zeros((2, 3)))


def test_text_that_is_not_a_model():
    with pytest.raises(ValueError):
        Booster("this is not a model")
