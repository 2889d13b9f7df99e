"""Character n-gram TF-IDF for text: ``char-tfidf``.

scikit-learn's ``TfidfVectorizer`` over the character n-grams of each word (``char_wb``: 2 to 5
characters, padded with a space at the word's edges), lower-cased, sub-linear term frequencies,
n-grams in at least ``min_freq`` training texts, the ``max_vocab`` most frequent. Fitted on the
training texts only; the vocabulary and idf weights are kept as plain JSON (no pickle), so a run
folder reproduces the same features. float32 ``(N, terms)``.

Why characters as well as words: short reviews misspell and inflect ("disapointed",
"loved"/"loving"); character n-grams share evidence between such forms, which a word vocabulary
of 1,500 sentences cannot. On the sentiment data's validation part, logistic regression on these
features beat word and word-pair TF-IDF by about 2.5 points (bench/README.md). The features are
hand-made (``engineered``), but any model on them, a network included, is trained from scratch.

Example:
    >>> from depthlab.config import FeatureConfig
    >>> from depthlab.data.dataset import Dataset
    >>> ds = Dataset("t", "text", "classification", ["good", "bad"], np.array([1, 0]))
    >>> stats = fit_char_tfidf(ds, FeatureConfig(min_freq=1))
    >>> transform_char_tfidf(["goody"], stats).shape == (1, len(stats["terms"]))
    True
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from depthlab.features.registry import Features, Stats, register_features
from depthlab.features.text import apply_vectorizer, fit_vectorizer, tfidf_spec

if TYPE_CHECKING:
    from depthlab.config import FeatureConfig
    from depthlab.data.dataset import Dataset

# Chosen on the sentiment data's validation part (bench/README.md): 2-5 characters beat 1-5 and
# matched 2-6 with a smaller vocabulary.
CHAR_NGRAMS = (2, 5)


def _vectorizer(min_df: int = 1, max_features: int | None = None, **fitted: Any) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=CHAR_NGRAMS,
        lowercase=True,
        sublinear_tf=True,
        min_df=min_df,
        max_features=max_features,
        dtype=np.float32,
        **fitted,
    )


def fit_char_tfidf(part: Dataset, options: FeatureConfig) -> Stats:
    return fit_vectorizer(_vectorizer, part, options)


def transform_char_tfidf(inputs: Any, stats: Stats) -> np.ndarray:
    return apply_vectorizer(_vectorizer, inputs, stats)


register_features(
    Features(
        "char-tfidf",
        ("text",),
        "vector",
        fit_char_tfidf,
        transform_char_tfidf,
        tfidf_spec,
        "TF-IDF of the words' 2-5 character n-grams over the training texts, (terms,)",
        engineered=True,
    )
)
