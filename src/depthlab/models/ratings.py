"""The penalties of the factorisation models (``mf``, ``ncf``) and their sizing to a ratings table.

**Penalties.** Each rating in a batch adds ``reg * |row|^2`` for the user's and the item's
factors (Koren's objective; :func:`penalised` adds it as a gradient term on the looked-up rows).
Summed over an id's ``n`` ratings that is ``n * reg * |row|^2``: a frequent id is held back
more, a rare one hardly at all. ``spread`` moves part of it onto the id: the rows of an id with
``n`` ratings get ``reg * (1 - spread + spread * n_ref / n)`` per rating, so with ``spread = 1``
every id carries the same ``reg * n_ref`` in all (a Gaussian prior of ``reg * n_ref``
pseudo-ratings, what the biases-only baseline does to its biases); ``n_ref`` is the geometric
mean of the average user's and the average item's ratings. The biases are always penalised per
id. The counts are those the model has seen in training (:class:`RatingCounts`).

**Sizing** (:func:`sized_penalties`, :func:`sized_schedule`): with ``n_train`` ratings of ``U``
users and ``I`` items, ``n_u = n_train / U`` ratings per user and ``n_i = n_train / I`` per
item. Ratings are standardised before training (the preprocessor), so the rule holds on any
scale, 1-5 or 1-10:

- ``reg = REG_SCALE * t ** 1.5`` with ``t = 1 / sqrt(n_u) + 1 / sqrt(n_i)``. With this penalty
  a factor grows only along directions whose singular value, in the ratings matrix scaled by
  ``1 / sqrt(n)`` on both sides, exceeds ``reg``; pure noise of unit variance reaches ``t``
  there: fewer ratings per id, more noise to keep out. The power and the scale were chosen on
  held-out ratings (bench/README.md): ``reg`` about 0.12 on MovieLens 100K (80 ratings per user,
  45 per item), 0.35-0.45 on a table of 22 per user and 7 per item; ``t`` alone (power 1) grows
  too slowly to serve both.
- ``reg_bias = BIAS_PRIOR / n_ref``: every bias shrunk by ``BIAS_PRIOR`` pseudo-ratings.
- ``batch_size``: ``n_train / 25`` down to a power of two, within 64-1024, and enough epochs of
  a cosine schedule for about :data:`STEPS` optimiser steps (10-200): a table of 6,500 ratings
  gets batches of 256 over 39 epochs, MovieLens 100K's 76,000 batches of 1,024 over 14.
- ``ncf``'s MLP keeps ``n_ref / 50`` of its preset's width (a quarter at least, all of it from
  50 ratings per id up) and its dropout rises towards 0.5 (:func:`mlp_shrink`).

Example:
    >>> spec = InputSpec("pairs", (2,), 1, "regression", cardinalities=(301, 901))
    >>> {k: round(v, 3) for k, v in sized_penalties(spec, 9000).items()}
    {'reg': 0.308, 'reg_bias': 0.346}
"""

from __future__ import annotations

import math

import torch
from torch import nn

from depthlab.features.spec import InputSpec

REG_SCALE = 0.875  # reg = REG_SCALE * t ** NOISE_POWER, t = 1 / sqrt(n_u) + 1 / sqrt(n_i)
NOISE_POWER = 1.5
BIAS_PRIOR = 6.0  # pseudo-ratings that pull every bias towards zero
STEPS = 1000  # optimiser steps of a sized schedule
BATCHES = 25  # batches per epoch on a small table
MLP_REF, MIN_SHRINK = 50.0, 0.25  # ratings per id for a full-width MLP (ncf); its least width


def penalised(rows: torch.Tensor, reg: float | torch.Tensor) -> torch.Tensor:
    """*rows* looked up for a batch, unchanged, whose gradient gains that of the per-example
    penalty ``reg * |row|^2`` averaged over the batch, as the mean squared error is. *reg* is
    one number or one per row ``(B,)``."""
    if not rows.requires_grad or (not isinstance(reg, torch.Tensor) and reg <= 0):
        return rows
    kept = rows.detach()
    if isinstance(reg, torch.Tensor):
        scale: float | torch.Tensor = (2.0 / len(rows)) * reg.detach().unsqueeze(1)  # (B, 1)
    else:
        scale = 2.0 * reg / len(rows)
    rows.register_hook(lambda grad: grad + scale * kept)  # type: ignore[no-untyped-call]
    return rows


class RatingCounts(nn.Module):
    """The training ratings of each user and item seen so far, and from them the weight
    ``n_ref / n`` of each looked-up id: *n* its ratings, ``n_ref`` the ratings seen over the
    square root of users seen times items seen. Ratios of counts, so the number of epochs drops
    out. Not saved with the weights (a resumed run counts again; old run folders still load)."""

    users: torch.Tensor
    items: torch.Tensor

    def __init__(self, n_users: int, n_items: int) -> None:
        super().__init__()
        self.register_buffer("users", torch.zeros(n_users), persistent=False)
        self.register_buffer("items", torch.zeros(n_items), persistent=False)

    def weights(
        self, users: torch.Tensor, items: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Count a training batch's ids; ``(B,)`` weights ``n_ref / n`` of its users and items."""
        ones = torch.ones(len(users), dtype=self.users.dtype, device=self.users.device)
        self.users.index_add_(0, users, ones)
        self.items.index_add_(0, items, ones)
        seen = ((self.users > 0).sum() * (self.items > 0).sum()).clamp(min=1)
        n_ref = self.users.sum() / seen.sqrt()
        return n_ref / self.users[users].clamp(min=1), n_ref / self.items[items].clamp(min=1)


class Penalties(nn.Module):
    """Per-row penalties of a batch's users and items, for the factors and the biases: the
    per-rating ``reg`` spread onto ids by ``spread``, the biases' ``reg_bias`` wholly per id;
    zero outside training (nothing is counted then)."""

    def __init__(self, n_users: int, n_items: int, reg: float, reg_bias: float, spread: float):
        super().__init__()
        self.counts = RatingCounts(n_users, n_items)
        self.reg, self.reg_bias, self.spread = reg, reg_bias, spread

    def forward(self, users: torch.Tensor, items: torch.Tensor) -> dict[str, torch.Tensor | float]:
        """``user``, ``item`` (factors) and ``user_bias``, ``item_bias``: ``(B,)`` or 0."""
        if not self.training:
            return dict.fromkeys(("user", "item", "user_bias", "item_bias"), 0.0)
        w_user, w_item = self.counts.weights(users, items)  # (B,), (B,)
        keep = 1.0 - self.spread
        return {
            "user": self.reg * (keep + self.spread * w_user),
            "item": self.reg * (keep + self.spread * w_item),
            "user_bias": self.reg_bias * w_user,
            "item_bias": self.reg_bias * w_item,
        }


def per_id(spec: InputSpec, n_train: int) -> tuple[float, float]:
    """Training ratings per user and per item (index 0, the unknown id, has none)."""
    users, items = spec.cardinalities
    return n_train / max(1, users - 1), n_train / max(1, items - 1)


def sized_penalties(spec: InputSpec | None, n_train: int | None) -> dict[str, float]:
    """``reg`` and ``reg_bias`` for *n_train* ratings of *spec*'s users and items (see the module
    docstring); nothing without both, or for a spec that is not pairs."""
    if spec is None or not n_train or len(spec.cardinalities) != 2:
        return {}
    n_user, n_item = per_id(spec, n_train)
    return {
        "reg": REG_SCALE * (1 / math.sqrt(n_user) + 1 / math.sqrt(n_item)) ** NOISE_POWER,
        "reg_bias": BIAS_PRIOR / math.sqrt(n_user * n_item),
    }


def mlp_shrink(spec: InputSpec | None, n_train: int | None) -> float:
    """How much of its preset's width an MLP over the embeddings keeps: ``n_ref / MLP_REF``
    within ``[MIN_SHRINK, 1]``, ``n_ref`` the geometric mean of the ratings per user and per item
    (1 without them): fewer ratings per id, less for the MLP to learn from."""
    if spec is None or not n_train or len(spec.cardinalities) != 2:
        return 1.0
    n_ref = math.sqrt(math.prod(per_id(spec, n_train)))
    return min(1.0, max(MIN_SHRINK, n_ref / MLP_REF))


def sized_schedule(n_train: int | None) -> dict[str, int]:
    """``batch_size`` and ``epochs`` for about :data:`STEPS` steps over *n_train* ratings."""
    if not n_train:
        return {}
    batch = 2 ** int(math.log2(max(1, n_train // BATCHES)))
    batch = min(1024, max(64, batch))
    epochs = math.ceil(STEPS / math.ceil(n_train / batch))
    return {"batch_size": batch, "epochs": min(200, max(10, epochs))}
