"""Text pipelines: token ids for the networks, TF-IDF for the classical baselines, and the
embeddings of a pretrained sentence encoder for the ``encoder`` family.

``tokens``: :func:`tokenize` (lower case; words and single punctuation marks), a vocabulary of the
training texts' tokens seen at least ``min_freq`` times (the ``max_vocab`` most frequent), ids
0 = padding and 1 = unknown token, each text cut or padded at the end to ``max_tokens`` (default:
the 95th percentile of the training texts' lengths): int64 ``(N, L)``.

``tfidf``: scikit-learn's ``TfidfVectorizer`` over the same tokens, words and word pairs
(bigrams), sub-linear term frequencies, terms in at least ``min_freq`` training texts, the
``max_vocab`` most frequent; its vocabulary and idf weights are kept as plain JSON. float32
``(N, terms)``.

``encoder``: see :mod:`depthlab.features.sentence`; ``encoder-tokens`` (the same encoder's token
ids, to fine-tune it: ``--fine-tune``): see :mod:`depthlab.features.encoder_tokens`.

Example:
    >>> tokenize("Don't buy it -- it broke!")
    ["don't", 'buy', 'it', '-', '-', 'it', 'broke', '!']
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from depthlab.features import encoder_tokens, sentence
from depthlab.features.registry import Features, Stats, register_features
from depthlab.features.sentence import as_texts as as_texts  # re-exported: texts are read here
from depthlab.features.spec import InputSpec

if TYPE_CHECKING:
    from depthlab.config import FeatureConfig
    from depthlab.data.dataset import Dataset

PAD, UNKNOWN = 0, 1  # the ids before the vocabulary's own
# A word (letters and digits, with inner apostrophes: "don't") or one punctuation mark.
TOKEN = re.compile(r"\w+(?:'\w+)*|[^\w\s]")
# Word pairs carry negation ("not good"); on the sentiment data they beat words alone on the
# validation part (bench/README.md).
TFIDF_NGRAMS = (1, 2)
# Chosen on the sentiment data's validation part (bench/README.md): over 128-dimensional word
# vectors, a text CNN wants filters of three words, max-over-time pooling, dropout and no batch
# statistics (padding skews them); 4 x 64 channels for the deep one, as on signals.
_CNN_TEXT = {
    "embedding_dim": 128,
    "kernel_size": 3,
    "head": "max",
    "dropout": 0.5,
    "norm": "none",
    "pool": "none",
}
TEXT_CNN = {
    "shallow": {"channels": (128,), **_CNN_TEXT},
    "deep": {"channels": (64, 64, 64, 64), **_CNN_TEXT},
}


def tokenize(text: str) -> list[str]:
    """Lower-cased words and punctuation marks of *text*, in order."""
    return TOKEN.findall(text.lower())


def fit_tokens(part: Dataset, options: FeatureConfig) -> Stats:
    docs = [tokenize(text) for text in as_texts(part.inputs)]
    counts = Counter(token for doc in docs for token in doc)
    frequent = [(token, n) for token, n in counts.items() if n >= options.min_freq]
    frequent.sort(key=lambda item: (-item[1], item[0]))  # ties in a fixed order
    length = options.max_tokens or int(np.percentile([len(doc) for doc in docs], 95))
    return {
        "vocab": [token for token, _ in frequent[: options.max_vocab]],
        "length": max(1, length),
    }


def transform_tokens(inputs: Any, stats: Stats) -> np.ndarray:
    ids = {token: i for i, token in enumerate(stats["vocab"], start=UNKNOWN + 1)}
    texts = as_texts(inputs)
    length = int(stats["length"])
    out = np.full((len(texts), length), PAD, dtype=np.int64)  # (N, L)
    for row, text in enumerate(texts):
        tokens = tokenize(text)[:length]
        out[row, : len(tokens)] = [ids.get(token, UNKNOWN) for token in tokens]
    return out


def tokens_spec(stats: Stats, n_outputs: int, task: str) -> InputSpec:
    vocab_size = len(stats["vocab"]) + UNKNOWN + 1
    return InputSpec("tokens", (int(stats["length"]),), n_outputs, task, vocab_size=vocab_size)


def _vectorizer(min_df: int = 1, max_features: int | None = None, **fitted: Any) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        tokenizer=tokenize,
        token_pattern=None,
        lowercase=False,  # tokenize lower-cases
        ngram_range=TFIDF_NGRAMS,
        sublinear_tf=True,
        min_df=min_df,
        max_features=max_features,
        dtype=np.float32,
        **fitted,
    )


def fit_vectorizer(make: Callable[..., Any], part: Dataset, options: FeatureConfig) -> Stats:
    """Fit the TF-IDF vectorizer *make* builds on the training texts; its vocabulary and idf
    weights as plain JSON (no pickle in a run folder)."""
    texts = as_texts(part.inputs)
    # min_df counts texts, not occurrences: for sentences the two rarely differ; a tiny training
    # part keeps every term.
    min_df = options.min_freq if len(texts) >= 2 * options.min_freq else 1
    vectorizer = make(min_df, options.max_vocab).fit(texts)
    terms = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)
    return {"terms": terms, "idf": [float(w) for w in vectorizer.idf_]}


def apply_vectorizer(make: Callable[..., Any], inputs: Any, stats: Stats) -> np.ndarray:
    """The TF-IDF features of *inputs* from the statistics :func:`fit_vectorizer` kept."""
    vectorizer = make(vocabulary={term: i for i, term in enumerate(stats["terms"])})
    vectorizer.idf_ = np.asarray(stats["idf"], dtype=np.float64)
    return np.asarray(vectorizer.transform(as_texts(inputs)).toarray(), dtype=np.float32)


def fit_tfidf(part: Dataset, options: FeatureConfig) -> Stats:
    return fit_vectorizer(_vectorizer, part, options)


def transform_tfidf(inputs: Any, stats: Stats) -> np.ndarray:
    return apply_vectorizer(_vectorizer, inputs, stats)


def tfidf_spec(stats: Stats, n_outputs: int, task: str) -> InputSpec:
    return InputSpec("vector", (len(stats["terms"]),), n_outputs, task)


register_features(
    Features(
        "tokens",
        ("text",),
        "tokens",
        fit_tokens,
        transform_tokens,
        tokens_spec,
        "word and punctuation ids over the training vocabulary, cut or padded, (L,)",
        train_defaults={"lr": 0.01},
        model_defaults={"cnn": TEXT_CNN},
    ),
    defaults={"text": {"*": "tokens"}},
)
register_features(
    Features(
        "tfidf",
        ("text",),
        "vector",
        fit_tfidf,
        transform_tfidf,
        tfidf_spec,
        "TF-IDF of words and word pairs over the training texts, (terms,)",
        engineered=True,
    ),
    defaults={"text": {"baseline": "tfidf"}},
)
register_features(
    Features(
        "encoder",
        ("text",),
        "vector",
        sentence.fit_encoder,
        sentence.transform_encoder,
        sentence.encoder_spec,
        "embeddings of a pretrained sentence encoder (--encoder), centred, one spread, (dim,)",
        # Logistic regression on the embeddings chooses its C by cross-validation: the best C
        # (about 0.003-0.01) is far from scikit-learn's 1 (bench/README.md, text_travel.py).
        model_defaults={"logistic": {"shallow": {"C": "cv"}, "deep": {"C": "cv"}}},
    ),
    defaults={"text": {"encoder": "encoder"}},
)
register_features(
    Features(
        "encoder-tokens",
        ("text",),
        "tokens",
        encoder_tokens.fit_encoder_tokens,
        encoder_tokens.transform_encoder_tokens,
        encoder_tokens.encoder_tokens_spec,
        "token ids of a pretrained sentence encoder's tokenizer, to fine-tune it (--fine-tune), "
        "(L,)",
    ),
)
