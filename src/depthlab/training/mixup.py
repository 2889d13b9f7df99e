"""mixup (Zhang et al. 2018, "mixup: Beyond Empirical Risk Minimization"): every training batch
is blended with a shuffled copy of itself, ``lam * x + (1 - lam) * x[perm]``, and the loss is
blended the same way between the two label sets, with ``lam`` drawn from ``Beta(alpha, alpha)``
once per batch. Classification only. The weight and the shuffle come from the training loop's
own generator, so a mixed run stays reproducible and resumes exactly.

Example:
    >>> import torch
    >>> x, y = torch.ones(4, 3), torch.tensor([0, 1, 0, 1])
    >>> mixed, partner, lam = mix(x, y, 0.2, torch.Generator().manual_seed(0))
    >>> mixed.shape, partner.shape, 0.0 <= lam <= 1.0
    (torch.Size([4, 3]), torch.Size([4]), True)
"""

from __future__ import annotations

import numpy as np
import torch

from depthlab.errors import ConfigError


def check_mixup(alpha: float, task: str) -> None:
    if alpha > 0 and task != "classification":
        raise ConfigError(
            f"mixup blends class labels; a {task} model takes mixup 0 (got {alpha:g})"
        )


def mix(
    x: torch.Tensor, y: torch.Tensor, alpha: float, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor, float]:
    """The blended batch, the partner labels ``y[perm]`` and the weight ``lam`` of *y*."""
    seed = int(torch.randint(2**62, (1,), generator=generator))
    lam = float(np.random.default_rng(seed).beta(alpha, alpha))
    perm = torch.randperm(len(x), generator=generator).to(x.device)
    return lam * x + (1.0 - lam) * x[perm], y[perm], lam
