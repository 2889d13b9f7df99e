"""Text pipelines: the tokeniser, the vocabulary (min_freq, max_vocab, padding, unknown ids),
TF-IDF fitted on training texts only, and which pipeline each model gets on text."""

from __future__ import annotations

import numpy as np
import pytest

from depthlab.config import FeatureConfig
from depthlab.data.dataset import Dataset
from depthlab.errors import ConfigError, DataError
from depthlab.features.registry import get_features
from depthlab.features.text import PAD, UNKNOWN, tokenize
from depthlab.models.pipelines import resolve_features

TEXTS = [
    "Great phone, great battery!",
    "Terrible battery.",
    "The battery is great",
    "I don't like the screen",
    "Screen broke; terrible",
    "great great GREAT",
]


def texts(items: list[str]) -> Dataset:
    labels = np.arange(len(items), dtype=np.int64) % 2
    return Dataset("t", "text", "classification", items, labels, class_names=("neg", "pos"))


def options(**values: object) -> FeatureConfig:
    return FeatureConfig.model_validate(values)


def test_tokenize_lowercases_words_and_punctuation() -> None:
    assert tokenize("Don't buy it -- it BROKE!") == [
        "don't", "buy", "it", "-", "-", "it", "broke", "!"
    ]  # fmt: skip
    assert tokenize("Café au lait, 10/10") == ["café", "au", "lait", ",", "10", "/", "10"]
    assert tokenize("   ") == []


def test_vocabulary_keeps_words_seen_min_freq_times_most_frequent_first() -> None:
    tokens = get_features("tokens")
    stats = tokens.fit(texts(TEXTS), options(min_freq=2))
    # great x6, battery x3, then the words seen twice in alphabetical order; "," once
    assert stats["vocab"] == ["great", "battery", "screen", "terrible", "the"]
    capped = tokens.fit(texts(TEXTS), options(min_freq=1, max_vocab=10))
    assert len(capped["vocab"]) == 10 and capped["vocab"][:2] == ["great", "battery"]


def test_ids_pad_with_zero_and_map_unseen_words_to_one() -> None:
    tokens = get_features("tokens")
    stats = tokens.fit(texts(TEXTS), options(min_freq=2, max_tokens=6))
    ids = {word: i for i, word in enumerate(stats["vocab"], start=2)}
    x = tokens.transform(["great battery", "The zebra is great, screen great"], stats)
    assert x.dtype == np.int64 and x.shape == (2, 6)
    assert x[0].tolist() == [ids["great"], ids["battery"], PAD, PAD, PAD, PAD]
    # cut after 6 tokens; "zebra", "is" and "," (once in training) are unknown
    assert x[1].tolist() == [ids["the"], UNKNOWN, UNKNOWN, ids["great"], UNKNOWN, ids["screen"]]
    spec = tokens.spec(stats, 2, "classification")
    assert spec.kind == "tokens" and spec.shape == (6,)
    assert spec.vocab_size == len(stats["vocab"]) + 2  # padding and unknown come first
    assert x.max() < spec.vocab_size


def test_length_defaults_to_the_95th_percentile_of_training_texts() -> None:
    lengths = [1] * 19 + [40]  # one long outlier among 20 texts
    items = [" ".join(["word"] * n) for n in lengths]
    stats = get_features("tokens").fit(texts(items), options())
    assert stats["length"] == int(np.percentile(lengths, 95))


def test_non_text_inputs_are_an_error() -> None:
    tokens = get_features("tokens")
    stats = tokens.fit(texts(TEXTS), options())
    with pytest.raises(DataError, match="text input 1 is float, not a string"):
        tokens.transform(["fine", 3.5], stats)


def test_tfidf_is_fitted_on_the_training_texts_only() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    train, held_out = TEXTS[:4], ["zebra crossing", "terrible zebra"]
    tfidf = get_features("tfidf")
    assert tfidf.engineered
    stats = tfidf.fit(texts(train), options(min_freq=1))
    assert "zebra" not in stats["terms"] and "screen" in stats["terms"]
    assert "great battery" in stats["terms"]  # word pairs too
    reference = TfidfVectorizer(
        tokenizer=tokenize, token_pattern=None, ngram_range=(1, 2), sublinear_tf=True
    ).fit(train)
    x = tfidf.transform(held_out + train, stats)
    expected = reference.transform(held_out + train).toarray()
    order = [reference.vocabulary_[t] for t in stats["terms"]]
    assert x.dtype == np.float32 and x.shape == (6, len(stats["terms"]))
    np.testing.assert_allclose(x, expected[:, order], rtol=1e-6)
    assert not x[0].any()  # nothing of "zebra crossing" was seen in training
    assert tfidf.spec(stats, 2, "classification").shape == (len(stats["terms"]),)


def test_tfidf_min_freq_counts_texts() -> None:
    stats = get_features("tfidf").fit(texts(TEXTS), options(min_freq=2))
    assert "battery" in stats["terms"] and "screen" in stats["terms"]
    assert "phone" not in stats["terms"]  # in one text only


def test_each_model_gets_its_text_pipeline() -> None:
    assert resolve_features("text", "cnn").name == "tokens"
    assert resolve_features("text", "linear").name == "tokens"
    assert resolve_features("text", "logistic").name == "tfidf"
    assert resolve_features("text", "encoder").name == "encoder"
    assert resolve_features("text", "mlp", "encoder").name == "encoder"  # asked for
    with pytest.raises(ConfigError, match="model 'encoder' is made for text data, not tabular"):
        resolve_features("tabular", "encoder")


def test_text_networks_get_text_presets() -> None:
    tokens = get_features("tokens")
    assert tokens.model_options("cnn", "deep")["head"] == "max"
    assert tokens.model_options("mlp", "deep") == {}
    assert tokens.train_defaults == {"lr": 0.01}
