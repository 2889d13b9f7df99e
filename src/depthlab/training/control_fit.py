"""One small supervised loop for the control models: a policy imitating an expert's actions, a
dynamics model predicting the next state. Adam on minibatches, early stopping on a held-out
share of the rows, the best weights restored. Seeded: the split and the batch order come from
*seed*; the module's initial weights from whatever seeded its construction.

Example::

    report = fit_supervised(policy, obs, actions, loss="cross_entropy", seed=0)
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
from torch import nn

from depthlab.errors import ConfigError

Loss = Literal["mse", "cross_entropy"]


@dataclass
class FitReport:
    """How a fit went: rows used for training and validation, epochs run, best validation loss."""

    train_rows: int
    val_rows: int
    epochs: int
    val_loss: float


@dataclass
class FitSettings:
    """Knobs of :func:`fit_supervised` (defaults suit a few thousand rows)."""

    epochs: int = 200
    batch_size: int = 256
    lr: float = 1e-3
    weight_decay: float = 0.0
    val_fraction: float = 0.2
    patience: int = 20


def _loss_fn(loss: Loss) -> nn.Module:
    if loss == "mse":
        return nn.MSELoss()
    if loss == "cross_entropy":
        return nn.CrossEntropyLoss()
    raise ConfigError(f"unknown loss '{loss}'; losses: mse, cross_entropy")


def _split(n: int, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.random.default_rng(seed).permutation(n)
    n_val = max(1, round(n * fraction)) if n > 1 else 0
    return order[n_val:], order[:n_val]


def _evaluate(module: nn.Module, x: torch.Tensor, y: torch.Tensor, fn: nn.Module) -> float:
    with torch.no_grad():
        return float(fn(module(x), y))


def fit_supervised(
    module: nn.Module,
    inputs: np.ndarray,
    targets: np.ndarray,
    *,
    loss: Loss,
    seed: int = 0,
    settings: FitSettings | None = None,
) -> FitReport:
    """Fit *module* to map *inputs* (N, d) to *targets* (class ids for ``cross_entropy``)."""
    cfg = settings or FitSettings()
    if len(inputs) != len(targets) or len(inputs) < 2:
        raise ConfigError(f"need at least 2 matching rows, got {len(inputs)} and {len(targets)}")
    fn = _loss_fn(loss)
    x = torch.as_tensor(np.asarray(inputs), dtype=torch.float32)
    dtype = torch.long if loss == "cross_entropy" else torch.float32
    y = torch.as_tensor(np.asarray(targets), dtype=dtype)
    train_idx, val_idx = _split(len(x), cfg.val_fraction, seed)
    x_tr, y_tr, x_val, y_val = x[train_idx], y[train_idx], x[val_idx], y[val_idx]
    optimiser = torch.optim.Adam(module.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    generator = torch.Generator().manual_seed(seed)
    best, best_state, stale, epochs = float("inf"), copy.deepcopy(module.state_dict()), 0, 0
    while epochs < cfg.epochs and stale < cfg.patience:
        epochs += 1
        module.train()
        for batch in torch.split(torch.randperm(len(x_tr), generator=generator), cfg.batch_size):
            optimiser.zero_grad()
            fn(module(x_tr[batch]), y_tr[batch]).backward()
            optimiser.step()
        module.eval()
        val = _evaluate(module, x_val, y_val, fn) if len(val_idx) else 0.0
        if val < best:
            best, best_state, stale = val, copy.deepcopy(module.state_dict()), 0
        else:
            stale += 1
    module.load_state_dict(best_state)
    module.eval()
    return FitReport(len(train_idx), len(val_idx), epochs, best)
