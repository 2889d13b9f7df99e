"""Training until converged: the ``plateau`` schedule and its stopping rule.

The rate warms up linearly over :data:`WARMUP_STEPS` optimiser steps (at most a tenth of the
cap), holds its peak while the validation score or loss keeps reaching new bests, and is divided
by :data:`FACTOR` after half the patience in epochs without progress; after ``patience`` epochs
without progress training stops (the best epoch's weights are kept). ``epochs`` is only a cap.
Without validation data there is nothing to watch: the rate anneals along a cosine over the
cap instead, as the fixed schedules do.

Example:
    >>> import torch
    >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    >>> sched = PlateauLR(opt, total_steps=1000)
    >>> sched.reduce(); round(sched.get_last_lr()[0], 3) < 0.2
    True
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

WARMUP_STEPS = 50
FACTOR = 0.2


class PlateauLR(torch.optim.lr_scheduler.LRScheduler):
    """Linear warm-up, then the peak rate times ``scale`` (divided by :data:`FACTOR` at each
    :meth:`reduce`); with *anneal* (no validation data), a cosine over *total_steps* instead.
    Stepped once per batch; its state (``scale`` included) is saved with the checkpoint."""

    def __init__(
        self, optimizer: torch.optim.Optimizer, total_steps: int, anneal: bool = False
    ) -> None:
        self.total_steps = max(1, total_steps)
        self.warmup = max(1, min(WARMUP_STEPS, self.total_steps // 10))
        self.anneal = anneal
        self.scale = 1.0
        super().__init__(optimizer)

    def get_lr(self) -> list[float]:  # type: ignore[override]
        step = self.last_epoch
        factor = min(1.0, (step + 1) / self.warmup) * self.scale
        if self.anneal:
            factor *= 0.5 * (
                1.0 + math.cos(math.pi * min(step, self.total_steps) / self.total_steps)
            )
        return [float(base) * factor for base in self.base_lrs]

    def reduce(self) -> None:
        """Divide the rate by 1 / :data:`FACTOR` from now on."""
        self.scale *= FACTOR
        for group, lr in zip(self.optimizer.param_groups, self.get_lr(), strict=True):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]


@dataclass
class Progress:
    """What the stopping rule keeps between epochs (saved in the checkpoint as plain values)."""

    best_loss: float | None = None
    stalled: int = 0  # epochs without a new best score or loss
    since_reduce: int = 0  # of which since the rate was last reduced

    def update(self, improved: bool, loss: float | None) -> None:
        """Count an epoch: progress is a new best score (*improved*) or a new lowest loss."""
        better_loss = loss is not None and (self.best_loss is None or loss < self.best_loss)
        if better_loss:
            self.best_loss = loss
        if improved or better_loss:
            self.stalled = self.since_reduce = 0
        else:
            self.stalled += 1
            self.since_reduce += 1
