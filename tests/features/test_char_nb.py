"""Naive-Bayes-weighted character n-grams (``char-nb``): the log-count ratio fitted on the
training part only, JSON statistics, two classes only, and logistic regression on them that
learns sentiment and reloads from a run folder."""

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
from depthlab.training.preprocess import Preprocessor

TEXTS = ["great phone", "awful phone", "great battery", "awful screen", "zzz great", "qqq awful"]
LABELS = np.array([1, 0, 1, 0, 1, 0])


def texts(items: list[str], labels: np.ndarray) -> Dataset:
    return Dataset("t", "text", "classification", items, labels, class_names=("neg", "pos"))


def test_char_nb_is_the_naive_bayes_log_count_ratio_of_binary_char_ngrams() -> None:
    from sklearn.feature_extraction.text import CountVectorizer

    chars = get_features("char-nb")
    assert chars.engineered and chars.kind == "vector"
    stats = chars.fit(texts(TEXTS[:4], LABELS[:4]), FeatureConfig(min_freq=1))
    json.dumps(stats)  # plain JSON: a run folder never pickles
    counts = CountVectorizer(analyzer="char_wb", ngram_range=(2, 5), binary=True)
    x = counts.fit_transform(TEXTS[:4]).toarray()
    order = [counts.vocabulary_[t] for t in stats["terms"]]
    p, q = 1 + x[LABELS[:4] == 1].sum(0), 1 + x[LABELS[:4] == 0].sum(0)
    expected = np.log((p / p.sum()) / (q / q.sum()))[order]
    np.testing.assert_allclose(stats["ratio"], expected, rtol=1e-10)
    ratio = dict(zip(stats["terms"], stats["ratio"], strict=True))
    assert ratio["grea"] > 0.5 and ratio["awfu"] < -0.5
    assert abs(ratio["phon"]) < 0.1  # once in each class: about no evidence
    # a repeated n-gram counts once (binary); unseen ones are dropped
    features = chars.transform(["great great zzz"], stats)
    assert features.dtype == np.float32 and features.shape == (1, len(stats["terms"]))
    seen = counts.transform(["great great zzz"]).toarray()[0, order]
    assert seen.max() == 1 and features[0].any()
    np.testing.assert_allclose(features[0], seen * expected, rtol=1e-6)
    assert chars.spec(stats, 2, "classification").shape == (len(stats["terms"]),)


def test_char_nb_ratio_uses_the_training_part_only() -> None:
    ds = texts(TEXTS, LABELS)
    # the held-out texts 4-5 would turn "zzz" positive and "qqq" negative: they must not count
    prep = Preprocessor.fit(ds, np.arange(4), "logistic", {"features": "char-nb", "min_freq": 1})
    assert prep.features == "char-nb"
    assert not {"zz", "qq"} & set(prep.stats["terms"])
    flipped = texts([*TEXTS[:4], "zzz awful", "qqq great"], LABELS)
    again = Preprocessor.fit(
        flipped, np.arange(4), "logistic", {"features": "char-nb", "min_freq": 1}
    )
    assert again.stats == prep.stats
    assert resolve_features("text", "logistic").name == "tfidf"  # the default is unchanged


@pytest.mark.parametrize(
    ("task", "labels", "names", "what"),
    [
        ("classification", np.array([0, 1, 2, 0, 1, 2]), ("a", "b", "c"), "3 classes"),
        ("regression", np.arange(6, dtype=np.float64), (), "a regression task"),
    ],
)
def test_char_nb_needs_two_classes(
    task: str, labels: np.ndarray, names: tuple[str, ...], what: str
) -> None:
    ds = Dataset("reviews", "text", task, TEXTS, labels, class_names=names)
    with pytest.raises(ConfigError, match=f"reviews has {what}; use --features char-tfidf") as e:
        get_features("char-nb").fit(ds, FeatureConfig(min_freq=1))
    assert "\n" not in str(e.value)


def test_logistic_on_char_nb_learns_sentiment_and_reloads(tmp_path: Path) -> None:
    run = dl.train(
        "sentiment",
        dl.TrainSpec(model="logistic", options={"C": 0.1}, features={"features": "char-nb"}),
        out=tmp_path / "run",
    )
    assert run.metrics["test"]["accuracy"] > 0.72  # half positive: chance is 0.5
    assert run.config["preprocess"]["features"] == "char-nb"
    saved = json.loads((tmp_path / "run" / "run.json").read_text())
    assert len(saved["preprocess"]["stats"]["ratio"]) == len(saved["preprocess"]["stats"]["terms"])
    sentences = ["Not worth the money, it broke in a week.", "Loved it, works perfectly!"]
    loaded = dl.Run.load(tmp_path / "run")
    np.testing.assert_allclose(loaded.outputs(sentences), run.outputs(sentences), rtol=1e-6)
    assert loaded.predict(sentences).tolist() == [0, 1]
