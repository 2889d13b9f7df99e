"""Data augmentation on training batches: random shifts (images and sequences), horizontal
flips (images) and SpecAugment-style masks (a band of rows and a band of columns of an image,
i.e. of mel bands and frames of a spectrogram; a band of steps, and of channels when there are
several, of a sequence), drawn from the training loop's own generator so that a run stays
reproducible and resumes exactly. Inputs are already standardised, so the zeros that fill a
shifted border or a masked band are the training mean.

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

KINDS = (
    "none",
    "shift",
    "flip",
    "shift+flip",
    "mask",
    "shift+mask",
    "flip+mask",
    "shift+flip+mask",
)
MAX_SHIFT = 2  # pixels (images) or steps (sequences)
# The widest masked band, as a share of its axis (SpecAugment's F and T; Park et al. 2019 mask
# up to 27 of 80 mel bands): one band per axis, its width drawn from 0 to this.
MASK_FRACTION = 0.2


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
    if "mask" in kind and example_dims not in (2, 3):
        raise ConfigError(
            f"augment '{kind}' masks bands of spectrograms, images or sequences; tables take "
            "augment 'none'"
        )


def augment(x: torch.Tensor, kind: str, generator: torch.Generator) -> torch.Tensor:
    """A randomly shifted, flipped and/or masked copy of the batch *x* (``(B, C, L)`` or
    ``(B, C, H, W)``); each example draws its own shift, flip and masks."""
    if kind == "none":
        return x
    if "shift" in kind:
        x = _shift(x, generator)
    if "flip" in kind:
        flip = torch.rand(len(x), generator=generator) < 0.5  # (B,)
        x = torch.where(flip.to(x.device)[:, None, None, None], x.flip(-1), x)
    if "mask" in kind:
        x = _mask(x, generator)
    return x


def _mask(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Zero one random band per axis: rows and columns of ``(B, C, H, W)`` (mel bands and
    frames), steps of ``(B, C, L)`` and, with several channels (MFCCs), channels."""
    batch = len(x)
    axes = (2, 3) if x.dim() == 4 else ((1, 2) if x.shape[1] > 1 else (2,))
    for axis in axes:
        size = x.shape[axis]
        widest = max(1, round(MASK_FRACTION * size))
        width = torch.randint(0, widest + 1, (batch,), generator=generator)  # (B,)
        start = (torch.rand(batch, generator=generator) * (size - width + 1)).long()  # (B,)
        steps = torch.arange(size)[None, :]  # (1, size)
        band = (steps >= start[:, None]) & (steps < (start + width)[:, None])  # (B, size)
        view = [batch] + [1] * (x.dim() - 1)
        view[axis] = size
        x = x.masked_fill(band.view(view).to(x.device), 0.0)
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
