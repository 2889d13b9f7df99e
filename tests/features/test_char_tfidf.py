"""Character n-gram TF-IDF (``char-tfidf``): scikit-learn parity, fitted on training texts only,
JSON statistics, and models on it that learn and reload from a run folder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import depthlab as dl
from depthlab.config import FeatureConfig
from depthlab.data.dataset import Dataset
from depthlab.errors import ConfigError
from depthlab.features.registry import get_features
from depthlab.models.pipelines import resolve_features

TEXTS = [
    "Great phone, great battery!",
    "Terrible battery.",
    "The battery is great",
    "I was disappointed by the screen",
    "Screen broke; terrible",
    "great great GREAT",
]


def texts(items: list[str]) -> Dataset:
    labels = np.arange(len(items), dtype=np.int64) % 2
    return Dataset("t", "text", "classification", items, labels, class_names=("neg", "pos"))


def test_char_tfidf_matches_scikit_learn_and_is_fitted_on_training_texts_only() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    train, held_out = TEXTS[:4], ["zzz", "disapointed, GREAT"]
    chars = get_features("char-tfidf")
    assert chars.engineered and chars.kind == "vector"
    stats = chars.fit(texts(train), FeatureConfig(min_freq=1))
    json.dumps(stats)  # plain JSON: a run folder never pickles
    assert " gr" in stats["terms"] and "scre" in stats["terms"]  # word-edge n-grams
    assert "zz" not in stats["terms"]
    reference = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
    expected = reference.fit(train).transform(held_out + train).toarray()
    x = chars.transform(held_out + train, stats)
    order = [reference.vocabulary_[t] for t in stats["terms"]]
    assert x.dtype == np.float32 and x.shape == (6, len(stats["terms"]))
    np.testing.assert_allclose(x, expected[:, order], rtol=1e-5, atol=1e-7)
    assert not x[0].any()  # nothing of "zzz" was seen in training
    # the misspelt word shares most of its n-grams with the training text's "disappointed"
    assert float(x[1] @ x[5]) > 0.3
    assert chars.spec(stats, 2, "classification").shape == (len(stats["terms"]),)


def test_char_tfidf_min_freq_counts_texts_and_max_vocab_caps_terms() -> None:
    chars = get_features("char-tfidf")
    stats = chars.fit(texts(TEXTS), FeatureConfig(min_freq=2))
    assert "batt" in stats["terms"]  # in three texts
    assert "phon" not in stats["terms"]  # in one text only
    capped = chars.fit(texts(TEXTS), FeatureConfig(min_freq=1, max_vocab=10))
    assert len(capped["terms"]) == 10


def test_char_tfidf_is_asked_for_and_serves_text_only() -> None:
    assert resolve_features("text", "logistic", "char-tfidf").name == "char-tfidf"
    assert resolve_features("text", "linear", "char-tfidf").name == "char-tfidf"
    assert resolve_features("text", "logistic").name == "tfidf"  # the default is unchanged
    with pytest.raises(ConfigError, match="features 'char-tfidf' are for text data, not tabular"):
        resolve_features("tabular", "logistic", "char-tfidf")


def test_logistic_on_char_tfidf_learns_sentiment_and_reloads(tmp_path: Path) -> None:
    run = dl.train(
        "sentiment",
        dl.TrainSpec(model="logistic", options={"C": 3.0}, features={"features": "char-tfidf"}),
        out=tmp_path / "run",
    )
    assert run.metrics["test"]["accuracy"] > 0.72  # half positive: chance is 0.5
    assert run.config["model"]["options"]["C"] == 3.0
    assert run.config["preprocess"]["features"] == "char-tfidf"
    sentences = ["Not worth the money, it broke in a week.", "Loved it, works perfectly!"]
    loaded = dl.Run.load(tmp_path / "run")
    assert loaded.config["model"]["options"]["C"] == 3.0
    np.testing.assert_allclose(loaded.outputs(sentences), run.outputs(sentences), rtol=1e-6)
    assert loaded.predict(sentences).tolist() == [0, 1]


def test_linear_network_on_char_tfidf_learns_sentiment() -> None:
    run = dl.train(
        "sentiment",
        dl.TrainSpec(model="linear", train={"epochs": 10}, features={"features": "char-tfidf"}),
    )
    assert run.metrics["test"]["accuracy"] > 0.72
