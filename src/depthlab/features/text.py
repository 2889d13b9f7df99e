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

``encoder``: see :mod:`depthlab.features.sentence`.

Example:
    >>> tokenize("Don't buy it -- it broke!")
    ["don't", 'buy', 'it', '-', '-', 'it', 'broke', '!']
"""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING, Any

import numpy as np

from depthlab.errors import DataError
from depthlab.features import sentence
from depthlab.features.registry import Features, Stats, register_features
from depthlab.models.spec import InputSpec

if TYPE_CHECKING:
    from depthlab.config import FeatureConfig
    from depthlab.data.dataset import Dataset

PAD, UNKNOWN = 0, 1  # the ids before the vocabulary's own
# A word (letters and digits, with inner apostrophes: "don't") or one punctuation mark.
TOKEN = re.compile(r"\w+(?:'\w+)*|[^\w\s]")
# Word pairs carry negation ("not good"); on the sentiment data they beat words alone on the
# validation part (bench/README.md).
TFIDF_NGRAMS = (1, 2)


def tokenize(text: str) -> list[str]:
    """Lower-cased words and punctuation marks of *text*, in order."""
    return TOKEN.findall(text.lower())


def as_texts(inputs: Any) -> list[str]:
    """*inputs* (a list, array or Series of strings) as a list of str; anything else is an error."""
    texts = list(inputs)
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise DataError(
                f"text input {i} is {type(text).__name__}, not a string; give one text per example"
            )
    return texts


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


def fit_tfidf(part: Dataset, options: FeatureConfig) -> Stats:
    texts = as_texts(part.inputs)
    # min_df counts texts, not occurrences: for sentences the two rarely differ.
    min_df = options.min_freq if len(texts) >= 2 * options.min_freq else 1
    vectorizer = _vectorizer(min_df, options.max_vocab).fit(texts)
    terms = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)
    return {"terms": terms, "idf": [float(w) for w in vectorizer.idf_]}


def transform_tfidf(inputs: Any, stats: Stats) -> np.ndarray:
    vectorizer = _vectorizer(vocabulary={term: i for i, term in enumerate(stats["terms"])})
    vectorizer.idf_ = np.asarray(stats["idf"], dtype=np.float64)
    return np.asarray(vectorizer.transform(as_texts(inputs)).toarray(), dtype=np.float32)


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
        "embeddings of a pretrained sentence encoder (--encoder), standardised, (dim,)",
    ),
    defaults={"text": {"encoder": "encoder"}},
)


import zlib
BUCKETS = 2**15
NGRAMS = (3, 4, 5)


def subword_ids(word: str, width: int, offset: int) -> list[int]:
    marked = f"<{word}>"
    grams = [marked[i : i + n] for n in NGRAMS for i in range(len(marked) - n + 1)]
    return [offset + zlib.crc32(g.encode()) % BUCKETS for g in grams if g != marked][:width]


def fit_subwords(part, options):
    stats = fit_tokens(part, options)
    stats["width"] = 24
    return stats


def transform_subwords(inputs, stats):
    ids = {token: i for i, token in enumerate(stats["vocab"], start=UNKNOWN + 1)}
    texts = as_texts(inputs)
    length, width = int(stats["length"]), int(stats["width"])
    offset = len(stats["vocab"]) + 2
    out = np.full((len(texts), length, 1 + width), PAD, dtype=np.int64)
    for row, text in enumerate(texts):
        for j, token in enumerate(tokenize(text)[:length]):
            subs = subword_ids(token, width, offset)
            out[row, j, 0] = ids.get(token, UNKNOWN)
            out[row, j, 1 : 1 + len(subs)] = subs
    return out


def subwords_spec(stats, n_outputs, task):
    vocab_size = len(stats["vocab"]) + 2 + BUCKETS
    return InputSpec("tokens", (int(stats["length"]), 1 + int(stats["width"])), n_outputs, task, vocab_size=vocab_size)


register_features(Features("subwords", ("text",), "tokens", fit_subwords, transform_subwords, subwords_spec, "x"))
