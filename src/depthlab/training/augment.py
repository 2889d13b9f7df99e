"""Data augmentation on training batches: random shifts (images and sequences) and horizontal
flips (images), drawn from the training loop's own generator so that a run stays reproducible and
resumes exactly. Inputs are already standardised, so the zeros that fill a shifted border are the
training mean.

Example:
    >>> import torch
    >>> x = torch.arange(8.0).reshape(1, 1, 8)  # one sequence
    >>> out = augment(x, "shift", torch.Generator().manual_seed(0))
    >>> out.shape
    torch.Size([1, 1, 8])
"""

from __future__ import annotations

import torch

from depthlab.errors import ConfigError

KINDS = ("none", "shift", "flip", "shift+flip")
MAX_SHIFT = 2  # pixels (images) or steps (sequences)


def check_augment(kind: str, example_dims: int) -> None:
    """*example_dims*: dimensions of one example (3 for ``(C, H, W)``, 2 for ``(C, L)``)."""
    if kind == "none":
        return
    if "flip" in kind and example_dims != 3:
        raise ConfigError(f"augment '{kind}' flips images; these inputs are not images")
    if "shift" in kind and example_dims not in (2, 3):
        raise ConfigError(
            f"augment '{kind}' shifts images or sequences; tables take augment 'none'"
        )


def augment(x: torch.Tensor, kind: str, generator: torch.Generator) -> torch.Tensor:
    """A randomly shifted and/or flipped copy of the batch *x* (``(B, C, L)`` or
    ``(B, C, H, W)``); each example draws its own shift and flip."""
    if kind == "none":
        return x
    if "shift" in kind:
        x = _shift(x, generator)
    if "flip" in kind:
        flip = torch.rand(len(x), generator=generator) < 0.5  # (B,)
        x = torch.where(flip.to(x.device)[:, None, None, None], x.flip(-1), x)
    return x


def _shift(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    s, batch = MAX_SHIFT, len(x)
    moves = torch.randint(-s, s + 1, (batch, x.dim() - 2), generator=generator).to(x.device)
    rows = torch.arange(batch, device=x.device)
    if x.dim() == 3:  # (B, C, L)
        length = x.shape[2]
        padded = torch.nn.functional.pad(x, (s, s))  # (B, C, L + 2s)
        idx = torch.arange(length, device=x.device)[None, :] + s - moves[:, :1]  # (B, L)
        return padded[rows[:, None], :, idx].transpose(1, 2)  # (B, L, C) -> (B, C, L)
    height, width = x.shape[2], x.shape[3]
    padded = torch.nn.functional.pad(x, (s, s, s, s))  # (B, C, H + 2s, W + 2s)
    ih = torch.arange(height, device=x.device)[None, :] + s - moves[:, :1]  # (B, H)
    iw = torch.arange(width, device=x.device)[None, :] + s - moves[:, 1:]  # (B, W)
    out = padded[rows[:, None, None], :, ih[:, :, None], iw[:, None, :]]  # (B, H, W, C)
    return out.permute(0, 3, 1, 2)
