"""Which epoch's weights a run keeps: the best validation epoch (ties in the score broken by the
lower validation loss), or with ``keep="last"`` the last one."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from depthlab.config import TrainConfig
from depthlab.features.spec import InputSpec
from depthlab.models.base import build_model
from depthlab.training.loop import Tensors, evaluate, fit

CPU = torch.device("cpu")


def config(**options: Any) -> TrainConfig:
    return TrainConfig(**{"batch_size": 1000, "device": "cpu", "schedule": "none", **options})


def test_a_tied_score_keeps_the_epoch_of_lower_validation_loss() -> None:
    """Two well-separated classes: validation accuracy reaches its best in a few steps, while
    the validation loss keeps falling; the first epoch of that score is not the one kept."""
    gen = torch.Generator().manual_seed(0)
    y = torch.arange(200) % 2
    x = torch.randn(200, 3, generator=gen) + 3.0 * (2 * y[:, None] - 1)
    data = Tensors(x[:150], y[:150], x[150:], y[150:])
    torch.manual_seed(0)
    model = build_model("linear", InputSpec("vector", (3,), 2, "classification"))
    cfg = config(epochs=30, lr=0.1, optimizer="sgd", momentum=0.0, grad_clip=0.0, patience=0)
    result = fit(model, data, cfg, "classification")
    scores = [row["val_accuracy"] for row in result.history]
    losses = [row["val_loss"] for row in result.history]
    top = max(scores)
    assert scores.count(top) > 5  # the score ties for many epochs
    assert result.best_epoch > scores.index(top) + 1
    assert losses[result.best_epoch - 1] == min(
        loss for loss, score in zip(losses, scores, strict=True) if score == top
    )


def test_keep_last_keeps_the_last_epoch() -> None:
    """The setting of test_loop's early-stopping test, where the best validation epoch comes
    early: with ``keep="last"`` the model is the last epoch's and patience only stops it."""
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(160, 4, generator=gen)
    y = x @ torch.tensor([1.0, -2.0, 0.5, 1.5])
    data = Tensors(x[:120], y[:120], x[120:], 0.5 * y[120:])
    torch.manual_seed(0)
    model = build_model("linear", InputSpec("vector", (4,), 1, "regression"))
    cfg = config(epochs=40, lr=0.08, optimizer="sgd", momentum=0.0, patience=2, keep="last")
    result = fit(model, data, cfg, "regression")
    rmses = [row["val_rmse"] for row in result.history]
    assert result.stopped_early
    assert result.best_epoch == len(rmses)
    assert min(rmses) < rmses[-1]
    final = evaluate(model, data.x_val, data.y_val, "regression", CPU)["rmse"]
    assert final == pytest.approx(rmses[-1], rel=1e-6)


def test_keep_accepts_best_or_last_only() -> None:
    with pytest.raises(ValueError, match="best"):
        TrainConfig(keep="first")
