"""Data augmentation on training batches: random shifts (images and sequences), small random
affine transforms (images: rotation, scaling and a sub-pixel translation), horizontal
flips (images), warps (a spectrogram stretched in time, as speech slower or faster, and its
mel bands scaled, as a longer or shorter vocal tract; sequences stretched in time) and
SpecAugment-style masks (a band of rows and a band of columns of an image, i.e. of mel bands
and frames of a spectrogram; a band of steps, and of channels when there are several, of a
sequence), drawn from the training loop's own generator so that a run stays reproducible and
resumes exactly. Kinds combine with ``+`` (``warp+mask``) and apply in the order of
:data:`~depthlab.config.AUGMENTS`. Inputs are already standardised, so the zeros that fill a
shifted border or a masked band are the training mean.

Example:
    >>> import torch
    >>> x = torch.arange(8.0).reshape(1, 1, 8)  # one sequence
    >>> out = augment(x, "shift", torch.Generator().manual_seed(0))
    >>> out.shape
    torch.Size([1, 1, 8])
"""

from __future__ import annotations

import math

import torch

from depthlab.errors import ConfigError

MAX_SHIFT = 2  # pixels (images) or steps (sequences)
# Warp factors, drawn log-uniformly: time stretch (speaking rate) and frequency scaling of the
# mel axis (vocal tract length perturbation, Jaitly & Hinton 2013, use about +-10%). On FSDD
# with one speaker held out they lifted the deep CNN's accuracy (bench/README.md, fsdd.py).
WARP_TIME = (0.8, 1.25)
WARP_FREQUENCY = (0.9, 1.1)
# Affine transforms of images (the classic handwriting augmentation, Simard et al. 2003): a
# rotation of up to ROTATE degrees either way, a scale drawn log-uniformly in SCALE, and a
# translation of up to TRANSLATE of the image's side, all drawn per example; bilinear, with the
# edge repeated where the transformed image needs values from beyond it.
ROTATE = 10.0
SCALE = (0.9, 1.1)
TRANSLATE = 0.1
# The widest masked band, as a share of its axis (SpecAugment's F and T; Park et al. 2019 mask
# up to 27 of 80 mel bands): one band per axis, its width drawn from 0 to this.
MASK_FRACTION = 0.2


def check_augment(kind: str, example_dims: int) -> None:
    """*example_dims*: dimensions of one example (3 for ``(C, H, W)``, 2 for ``(C, L)``)."""
    if kind == "none":
        return
    if "affine" in kind and example_dims != 3:
        raise ConfigError(f"augment '{kind}' transforms images; these inputs are not images")
    if "flip" in kind and example_dims != 3:
        raise ConfigError(f"augment '{kind}' flips images; these inputs are not images")
    if "shift" in kind and example_dims not in (2, 3):
        raise ConfigError(
            f"augment '{kind}' shifts images or sequences; tables take augment 'none'"
        )
    if "warp" in kind and example_dims not in (2, 3):
        raise ConfigError(
            f"augment '{kind}' warps spectrograms, images or sequences; tables take augment 'none'"
        )
    if "mask" in kind and example_dims not in (2, 3):
        raise ConfigError(
            f"augment '{kind}' masks bands of spectrograms, images or sequences; tables take "
            "augment 'none'"
        )


def augment(x: torch.Tensor, kind: str, generator: torch.Generator) -> torch.Tensor:
    """A randomly shifted, transformed, flipped, warped and/or masked copy of the batch *x*
    (``(B, C, L)`` or ``(B, C, H, W)``); each example draws its own shift, transform, flip,
    warp and masks."""
    if kind == "none":
        return x
    if "shift" in kind:
        x = _shift(x, generator)
    if "affine" in kind:
        x = _affine(x, generator)
    if "flip" in kind:
        flip = torch.rand(len(x), generator=generator) < 0.5  # (B,)
        x = torch.where(flip.to(x.device)[:, None, None, None], x.flip(-1), x)
    if "warp" in kind:
        x = _warp(x, generator)
    if "mask" in kind:
        x = _mask(x, generator)
    return x


def _factors(batch: int, bounds: tuple[float, float], generator: torch.Generator) -> torch.Tensor:
    low, high = math.log(bounds[0]), math.log(bounds[1])
    return torch.exp(torch.rand(batch, generator=generator) * (high - low) + low)  # (B,)


def _stretched(size: int, factors: torch.Tensor) -> torch.Tensor:
    """Input coordinates of each output position along an axis of *size*, ``(B, size)``."""
    if size == 1:
        return torch.zeros(len(factors), 1)
    positions = torch.linspace(-1.0, 1.0, size)[None, :]  # (1, size)
    return (positions + 1) / factors[:, None] - 1


def _affine(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Rotate, scale and translate every image of ``(B, C, H, W)`` about its centre."""
    batch = len(x)
    angle = (torch.rand(batch, generator=generator) * 2 - 1) * math.radians(ROTATE)  # (B,)
    scale = _factors(batch, SCALE, generator)  # (B,) > 1: a larger digit
    move = (torch.rand(batch, 2, generator=generator) * 2 - 1) * 2 * TRANSLATE  # (B, 2)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    # affine_grid maps output coordinates in [-1, 1] to input ones: the inverse transform.
    theta = torch.stack(
        [torch.stack([cos, -sin, move[:, 0]], 1), torch.stack([sin, cos, move[:, 1]], 1)], 1
    ).to(x.device, x.dtype)  # (B, 2, 3)
    grid = torch.nn.functional.affine_grid(theta, list(x.shape), align_corners=False)
    return torch.nn.functional.grid_sample(
        x, grid, mode="bilinear", padding_mode="border", align_corners=False
    )


def _warp(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Stretch every example in time (the last axis) and, for images, scale its rows (mel
    bands), anchored at the first frame and the lowest band; where the stretched example needs
    values from beyond its edge, the edge repeats (a padded clip's silence)."""
    batch, images = len(x), x.dim() == 4
    time = _factors(batch, WARP_TIME, generator)  # > 1: slower speech, a longer clip
    bands = _factors(batch, WARP_FREQUENCY, generator) if images else torch.ones(batch)
    view = x if images else x[:, :, None, :]  # (B, C, H, W) or (B, C, 1, L)
    height, width = view.shape[2], view.shape[3]
    # grid_sample reads input coordinates in [-1, 1], -1 the centre of the first frame and of
    # the lowest band (align_corners): input = (output + 1) / f - 1 keeps them in place, and a
    # cell at index i lands at i * f.
    xs = _stretched(width, time).to(x.device, x.dtype)  # (B, W)
    ys = _stretched(height, bands).to(x.device, x.dtype)  # (B, H)
    grid = torch.stack(
        [xs[:, None, :].expand(-1, height, -1), ys[:, :, None].expand(-1, -1, width)], dim=-1
    )  # (B, H, W, 2): x (time) then y (bands)
    out = torch.nn.functional.grid_sample(
        view, grid, mode="bilinear", padding_mode="border", align_corners=True
    )
    return out if images else out[:, :, 0]


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
