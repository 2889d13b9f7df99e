"""The front every network family puts before token inputs, and masked pooling over tokens.

Token inputs are int64 ids ``(B, L)`` where 0 pads a short text (``features/text.py``). Each
family embeds them with :class:`TokenEmbedding` (``padding_idx=0``: padding embeds to zeros and
learns nothing) and pools only over real tokens, so that padding never changes a prediction.

Example:
    >>> import torch
    >>> front = TokenEmbedding(vocab_size=10, dim=4)
    >>> emb, mask = front(torch.tensor([[5, 2, 0, 0]]))
    >>> emb.shape, mask.tolist()
    (torch.Size([1, 4, 4]), [[True, True, False, False]])
    >>> masked_pool(emb, mask, "mean", dim=1).shape
    torch.Size([1, 4])
"""

from __future__ import annotations

import torch
from torch import nn

PAD = 0
INIT_STD = 0.1


class TokenEmbedding(nn.Module):
    """Token ids ``(B, L)`` -> embeddings ``(B, L, E)`` and the mask of real tokens ``(B, L)``."""

    def __init__(self, vocab_size: int, dim: int) -> None:
        super().__init__()
        if vocab_size < 2:
            raise ValueError(f"token inputs need a vocabulary (vocab_size {vocab_size})")
        self.embed = nn.Embedding(vocab_size, dim, padding_idx=PAD)
        # Small random vectors (Keras starts at +-0.05): with PyTorch's N(0, 1) the few hundred
        # steps of a small text set leave rare words mostly noise (sentiment validation accuracy
        # 0.77 -> 0.80, bench/README.md).
        with torch.no_grad():
            self.embed.weight.normal_(0.0, INIT_STD)
            self.embed.weight[PAD].zero_()

    def forward(self, ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        ids = ids.long()
        return self.embed(ids), ids != PAD


def masked_pool(x: torch.Tensor, mask: torch.Tensor, how: str, dim: int) -> torch.Tensor:
    """Mean or max of *x* over its token axis *dim*, real tokens only (*mask* ``(B, L)``);
    a text without any token pools to zeros."""
    shape = [mask.shape[0], 1, 1]
    shape[dim] = mask.shape[1]
    keep = mask.view(shape)  # broadcast over the feature axis
    if how == "max":
        filled = x.masked_fill(~keep, torch.finfo(x.dtype).min).amax(dim=dim)
        return torch.where(keep.any(dim=dim), filled, torch.zeros_like(filled))
    total = (x * keep).sum(dim=dim)
    return total / keep.sum(dim=dim).clamp(min=1)


def lengths(mask: torch.Tensor) -> torch.Tensor:
    """Real tokens per text (at least 1, so that an empty text still runs), on the CPU."""
    return mask.sum(dim=1).clamp(min=1).cpu()
