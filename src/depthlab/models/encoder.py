"""``encoder``: a pretrained sentence encoder with a trained head (transfer learning for text).

Two ways, by the inputs the feature pipeline gives it:

* **frozen** (the default, ``encoder`` features, ``vector`` inputs): the texts' embeddings are
  computed once by the encoder (``--encoder NAME|PATH``, default all-MiniLM-L6-v2;
  :mod:`depthlab.features.sentence`) and cached; this family is only the head trained on them:
  ``shallow`` is a linear head (logistic regression on the embeddings), ``deep`` an MLP head.
* **fine-tuned** (``--fine-tune``, ``encoder-tokens`` features, ``tokens`` inputs of the
  encoder's own tokenizer; :mod:`depthlab.features.encoder_tokens`): the encoder's transformer
  is part of the model and trains end to end: token ids -> transformer -> mean of the token
  states (the pooling of sentence-transformers) -> the same head. The transformer trains at
  ``fine_tune_lr`` (a small rate, 3e-5), the head at ``lr``, for a few epochs; the run folder's
  ``model.safetensors`` holds every fine-tuned weight.

It takes every option of :class:`~depthlab.models.mlp.MLP` (the head's).

Example:
    >>> from depthlab.models.base import build_model
    >>> from depthlab.features.spec import InputSpec
    >>> spec = InputSpec("vector", (384,), n_outputs=2, task="classification")
    >>> build_model("encoder", spec, "deep").depth()
    1
"""

from __future__ import annotations

import copy
from typing import Any, ClassVar

import torch
from torch import nn

from depthlab.errors import ConfigError
from depthlab.features.sentence import load_encoder
from depthlab.features.spec import InputKind, InputSpec
from depthlab.models.base import Sized, register_model
from depthlab.models.mlp import MLP, MLPConfig
from depthlab.models.text import masked_pool

# Fine-tuning (tokens inputs): BERT-style settings, a few epochs at a small rate for the
# pretrained transformer and a larger one for the fresh head; chosen on the sentiment data's
# validation part (bench/README.md, text_travel.py).
FINE_TUNE_TRAIN = {
    "epochs": 4,
    "batch_size": 16,
    "lr": 1e-3,
    "fine_tune_lr": 3e-5,
    "weight_decay": 0.01,
}
FINE_TUNE_HEAD = {"dropout": 0.1}


def pretrained_transformer(encoder: str) -> nn.Module:
    """A private copy of the transformer of sentence encoder *encoder* (fine-tuning must not
    change the process's cached encoder, which the frozen pipeline embeds with), without the
    [CLS] pooler that mean pooling leaves unused. Loading it leaves torch's random state as it
    was: a run's initialisation does not depend on whether the encoder was loaded before."""
    with torch.random.fork_rng(devices=[]):
        model = load_encoder(encoder)
        transformer = getattr(model[0], "auto_model", None)
    if not isinstance(transformer, nn.Module):
        raise ConfigError(
            f"the sentence encoder '{encoder}' has no transformer to fine-tune; give a "
            "sentence-transformers model whose first module is a Hugging Face transformer"
        )
    private: Any = copy.deepcopy(transformer).float()
    if getattr(private, "pooler", None) is not None:  # BERT's [CLS] pooler: mean pooling skips it
        private.pooler = None
    return private


@register_model
class Encoder(MLP):
    family = "encoder"
    fits: ClassVar[tuple[InputKind, ...]] = ("vector", "tokens")
    modalities = ("text",)
    presets = {
        "shallow": {"depth": 0},
        "deep": {"depth": 1, "width": 256, "activation": "gelu", "dropout": 0.3},
    }
    # Strong decoupled weight decay keeps a head on 384 embedding dimensions small: the best
    # validation accuracy of 0, 3, 10 and 30 on the sentiment data's splits (bench/README.md,
    # text_travel.py), for both heads.
    train_presets = {"shallow": {"weight_decay": 10.0}, "deep": {"weight_decay": 10.0}}

    def __init__(self, spec: InputSpec, config: MLPConfig) -> None:
        transformer = None
        head_spec = spec
        if spec.kind == "tokens":
            if not spec.pretrained:
                raise ConfigError(
                    "the encoder model reads a sentence encoder's embeddings ('encoder' "
                    "features) or, to fine-tune it, its token ids (--fine-tune, "
                    "'encoder-tokens' features); depthlab's own word ids have no encoder"
                )
            transformer = pretrained_transformer(spec.pretrained)
            described: Any = transformer.config  # the Hugging Face model's
            width = int(described.hidden_size)
            head_spec = InputSpec("vector", (width,), spec.n_outputs, spec.task)
        super().__init__(head_spec, config)  # the head over (B, width) sentence vectors
        self.spec = spec
        self.transformer = transformer

    @classmethod
    def sized(cls, preset: str, spec: InputSpec | None = None, n_train: int | None = None) -> Sized:
        """Fine-tuning (token inputs) gets its own training settings and a light head."""
        sized = super().sized(preset, spec, n_train)
        if spec is None or spec.kind != "tokens":
            return sized
        options = {**sized.options, **(FINE_TUNE_HEAD if preset != "shallow" else {})}
        return Sized(options, {**sized.train, **FINE_TUNE_TRAIN})

    def pretrained_names(self) -> set[str]:
        """The fine-tuned transformer's tensors (trained at ``fine_tune_lr``)."""
        if self.transformer is None:
            return set()
        return {f"transformer.{name}" for name in self.transformer.state_dict()}

    def inputs(self, x: torch.Tensor) -> torch.Tensor:
        if self.transformer is None:
            return super().inputs(x)  # (B, dim) embeddings
        return self.pool(x)

    def pool(self, ids: torch.Tensor) -> torch.Tensor:
        """Token ids ``(B, L)`` (padded at the end) -> the mean of their transformer states
        ``(B, width)``; the batch is cut to its longest text first, so short texts cost little."""
        assert self.transformer is not None
        mask = ids != self.pad_id  # (B, L)
        longest = max(int(mask.sum(dim=1).max()), 1) if len(ids) else 1
        ids, mask = ids[:, :longest], mask[:, :longest]
        states = self.transformer(input_ids=ids, attention_mask=mask.long()).last_hidden_state
        return masked_pool(states, mask, "mean", dim=1)  # (B, L, width) -> (B, width)

    @property
    def pad_id(self) -> int:
        config: Any = getattr(self.transformer, "config", None)
        return int(getattr(config, "pad_token_id", 0) or 0)
