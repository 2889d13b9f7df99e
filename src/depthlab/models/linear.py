"""``linear``: no hidden layer. Logistic (or linear) regression trained by backpropagation.

On a table (:meth:`Linear.sized`) it solves scikit-learn's own problem the way a solver does:
the L2 penalty of ``LogisticRegression(C=1)`` (ridge's ``alpha=1`` for regression), full-batch
gradient descent with momentum, and the last epoch's weights, so that it converges to logistic
regression's answer instead of stopping on the way there.

On token inputs it is logistic regression on the text's bag of words: each vocabulary word has
one weight per output, summed over the text's tokens (an ``EmbeddingBag``; padding adds nothing).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from depthlab.features.spec import InputSpec
from depthlab.models.base import DepthModel, FamilyConfig, Sized, register_model
from depthlab.models.tabular import TableInputs
from depthlab.models.text import PAD

FULL_BATCH = 4096  # examples: up to this many, one step sees every training example
STEPS = 2000  # gradient steps the epoch cap allows (most tables converge in a few hundred)
STALL_STEPS = 100  # steps without validation progress before training stops


def l2_penalty(task: str, n_outputs: int, n_train: int) -> float:
    """scikit-learn's default penalty as SGD's weight decay on the mean loss: ``1 / (C n)`` with
    ``C = 1`` for multinomial logistic regression; twice that with two classes (its one weight
    vector is split over two logits, halving the penalty's norm); ``2 alpha / n`` with
    ``alpha = 1`` for ridge on the mean squared error (whose gradient is twice the residual)."""
    if task == "classification":
        return (2.0 if n_outputs == 2 else 1.0) / n_train
    return 2.0 / n_train


def linear_schedule(spec: InputSpec, n_train: int) -> dict[str, float | int | str]:
    """Training settings that converge to the penalised optimum on standardised features.

    The loss's curvature is at most ``(F + 1) / 2`` (cross-entropy) or ``2 (F + 1)`` (squared
    error) on ``F`` standardised features plus the bias, the trace bound of ``X^T X / n``; the
    rate is its inverse, well inside heavy-ball momentum's limit of ``3.8 / L``.
    """
    batch = min(n_train, FULL_BATCH)
    steps = max(1, n_train // batch)
    curvature = (spec.flat_size + 1) * (0.5 if spec.task == "classification" else 2.0)
    return {
        "optimizer": "sgd",
        "momentum": 0.9,
        "lr": 1.0 / curvature,
        "weight_decay": l2_penalty(spec.task, spec.n_outputs, n_train),
        "batch_size": batch,
        "grad_clip": 0.0,  # a convex loss at a safe rate: clipping would only slow it
        "epochs": max(200, math.ceil(STEPS / steps)),
        "patience": max(10, math.ceil(STALL_STEPS / steps)),
        "keep": "last",
    }


# Wider vectors are sparse text features (TF-IDF, thousands of columns), whose curvature bound
# would give a uselessly small rate: they keep the preset's AdamW.
MAX_TABLE_COLUMNS = 1_000


class LinearConfig(FamilyConfig):
    """A linear model has no hyperparameters of its own (no depth to choose)."""


@register_model
class Linear(DepthModel):
    family = "linear"
    fits = ("vector", "sequence", "image", "tokens")
    Config = LinearConfig
    presets = {"shallow": {}, "deep": {}}

    @classmethod
    def sized(cls, preset: str, spec: InputSpec | None = None, n_train: int | None = None) -> Sized:
        """On vectors (tables) with a known number of training examples, logistic or ridge
        regression's own problem and a solver's schedule (:func:`linear_schedule`); otherwise
        the presets as written (token inputs keep AdamW: a bag of words is no table)."""
        base = super().sized(preset, spec, n_train)
        if spec is None or n_train is None or spec.kind != "vector" or spec.task == "forecasting":
            return base
        if spec.flat_size > MAX_TABLE_COLUMNS:  # sparse text features (TF-IDF): no table
            return base
        return Sized(base.options, {**base.train, **linear_schedule(spec, n_train)})

    def __init__(self, spec: InputSpec, config: LinearConfig) -> None:
        super().__init__(spec, config)
        self.words: nn.EmbeddingBag | None = None
        self.table: TableInputs | None = None
        if spec.kind == "tokens":
            # Zeros, like a logistic regression's start: a random start is noise to unlearn.
            self.words = nn.EmbeddingBag(
                spec.vocab_size, spec.n_outputs, mode="sum", padding_idx=PAD
            )
            nn.init.zeros_(self.words.weight)
            self.bias = nn.Parameter(torch.zeros(spec.n_outputs))
        else:
            if spec.cardinalities:  # many-level categorical columns
                self.table = TableInputs(spec)
            width = self.table.out_features if self.table is not None else spec.flat_size
            self.head = nn.Linear(width, spec.n_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.words is not None:
            return self.words(x.long()) + self.bias  # (B, L) ids -> (B, K)
        if self.table is not None:  # many-level categories embedded
            return self.head(self.table(x))  # (B, F) -> (B, K)
        return self.head(x.flatten(1))  # (B, ...) -> (B, F) -> (B, K)
