"""Where training runs: CUDA, Apple MPS or CPU, and whether mixed precision applies."""

from __future__ import annotations

import torch

from depthlab.errors import ConfigError


def pick_device(name: str = "auto") -> torch.device:
    """``auto`` takes CUDA, then MPS, then the CPU; an unavailable device is an error."""
    cuda, mps = torch.cuda.is_available(), torch.backends.mps.is_available()
    if name == "auto":
        return torch.device("cuda" if cuda else "mps" if mps else "cpu")
    if (name == "cuda" and not cuda) or (name == "mps" and not mps):
        raise ConfigError(f"device '{name}' is not available here; use --device auto or cpu")
    return torch.device(name)


def uses_amp(device: torch.device, wanted: bool) -> bool:
    """Mixed precision (bfloat16 autocast) only on CUDA, where it pays."""
    return wanted and device.type == "cuda"
