"""Naive-Bayes-weighted character n-grams for two-class text: ``char-nb``.

Wang & Manning's NBSVM features (ACL 2012, "Baselines and Bigrams"): each text's binary
character n-gram counts (the words' 2 to 5 character runs, as in ``char-tfidf``: scikit-learn's
``CountVectorizer(analyzer="char_wb", binary=True)``), each multiplied by the n-gram's
naive-Bayes log-count ratio

    r = log((p / |p|) / (q / |q|)),   p = 1 + sum of the positive texts' rows,
                                      q = 1 + sum of the negative texts' rows,

so that an n-gram found mostly in positive training texts weighs strongly positive, one found
mostly in negative texts strongly negative, and one found in both about zero. A linear model on
these features (logistic regression: Wang & Manning's "NBLR") starts from naive Bayes's evidence
and corrects it; on short sentiment snippets the authors found it beat both naive Bayes and a
plain linear model on the same n-grams.

The ratio uses the training part's targets, so ``fit`` sees the training part only (as every
pipeline's ``fit`` does: :class:`~depthlab.training.preprocess.Preprocessor`); the vocabulary and
the ratio per n-gram are kept as plain JSON, so a run folder reproduces the same features.
Two-class classification only ("positive" is the second class); for anything else use
``char-tfidf``. float32 ``(N, terms)``.

Example:
    >>> from depthlab.config import FeatureConfig
    >>> from depthlab.data.dataset import Dataset
    >>> ds = Dataset("t", "text", "classification", ["good", "bad"], np.array([1, 0]),
    ...              class_names=("neg", "pos"))
    >>> stats = fit_char_nb(ds, FeatureConfig(min_freq=1))
    >>> x = transform_char_nb(["good"], stats)
    >>> bool(x[0, stats["terms"].index("go")] > 0)  # "go" was seen in the positive text only
    True
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from depthlab.errors import ConfigError
from depthlab.features.chars import CHAR_NGRAMS
from depthlab.features.registry import Features, Stats, register_features
from depthlab.features.sentence import as_texts
from depthlab.features.spec import InputSpec

if TYPE_CHECKING:
    from depthlab.config import FeatureConfig
    from depthlab.data.dataset import Dataset

# Wang & Manning's smoothing: one pseudo-count per n-gram and class, so an n-gram seen in one
# class only gets a large but finite ratio.
ALPHA = 1.0


def _vectorizer(min_df: int = 1, max_features: int | None = None, **fitted: Any) -> Any:
    from sklearn.feature_extraction.text import CountVectorizer

    return CountVectorizer(
        analyzer="char_wb",
        ngram_range=CHAR_NGRAMS,
        lowercase=True,
        binary=True,
        min_df=min_df,
        max_features=max_features,
        dtype=np.float32,
        **fitted,
    )


def _check_two_classes(part: Dataset) -> None:
    if part.task != "classification" or part.n_classes != 2:
        what = (
            f"{part.n_classes} classes" if part.task == "classification" else f"a {part.task} task"
        )
        raise ConfigError(
            f"features 'char-nb' weigh n-grams by how much more often they occur in one of two "
            f"classes, and {part.name} has {what}; use --features char-tfidf"
        )


def fit_char_nb(part: Dataset, options: FeatureConfig) -> Stats:
    _check_two_classes(part)
    texts = as_texts(part.inputs)
    # As for char-tfidf: min_df counts texts, and a tiny training part keeps every n-gram.
    min_df = options.min_freq if len(texts) >= 2 * options.min_freq else 1
    vectorizer = _vectorizer(min_df, options.max_vocab)
    counts = vectorizer.fit_transform(texts)
    targets = np.asarray(part.targets)
    p = ALPHA + np.asarray(counts[targets == 1].sum(axis=0), dtype=np.float64).ravel()
    q = ALPHA + np.asarray(counts[targets == 0].sum(axis=0), dtype=np.float64).ravel()
    ratio = np.log((p / p.sum()) / (q / q.sum()))
    terms = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)
    return {"terms": terms, "ratio": [float(r) for r in ratio]}


def transform_char_nb(inputs: Any, stats: Stats) -> np.ndarray:
    vectorizer = _vectorizer(vocabulary={term: i for i, term in enumerate(stats["terms"])})
    counts = vectorizer.transform(as_texts(inputs))
    ratio = np.asarray(stats["ratio"], dtype=np.float32)
    return np.asarray(counts.multiply(ratio).toarray(), dtype=np.float32)


def char_nb_spec(stats: Stats, n_outputs: int, task: str) -> InputSpec:
    return InputSpec("vector", (len(stats["terms"]),), n_outputs, task)


register_features(
    Features(
        "char-nb",
        ("text",),
        "vector",
        fit_char_nb,
        transform_char_nb,
        char_nb_spec,
        "binary 2-5 character n-grams of the words weighted by their naive-Bayes log-count "
        "ratio over the training texts (NBSVM; two classes), (terms,)",
        engineered=True,
    )
)
