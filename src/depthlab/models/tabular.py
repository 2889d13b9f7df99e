"""Table inputs with many-level categorical columns: the trailing code columns of a ``table``
row (see :mod:`depthlab.features.table`) looked up in learned embeddings, concatenated to the
numeric and one-hot features.

Example:
    >>> import torch
    >>> from depthlab.features.spec import InputSpec
    >>> spec = InputSpec("vector", (3,), 2, "classification", cardinalities=(50,))
    >>> TableInputs(spec)(torch.tensor([[0.5, -1.0, 7.0]])).shape
    torch.Size([1, 12])
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from depthlab.features.spec import InputSpec


def embedding_size(ids: int) -> int:
    """fast.ai's rule of thumb for a categorical column's vector size, capped at 32."""
    return max(2, min(32, round(1.6 * ids**0.56)))


class TableInputs(nn.Module):
    def __init__(self, spec: InputSpec) -> None:
        super().__init__()
        self.n_codes = len(spec.cardinalities)
        self.n_dense = spec.flat_size - self.n_codes
        # id 0 (unseen or missing level) has its own learned vector, like any level
        sizes = [embedding_size(n) for n in spec.cardinalities]
        self.tables = nn.ModuleList(
            nn.Embedding(n, size) for n, size in zip(spec.cardinalities, sizes, strict=True)
        )
        self.out_features = self.n_dense + sum(sizes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        dense, codes = x[:, : self.n_dense], x[:, self.n_dense :].long()  # (B, D), (B, C)
        looked_up = [table(codes[:, i]) for i, table in enumerate(self.tables)]  # (B, E_i)
        return torch.cat([dense, *looked_up], dim=1)  # (B, D + sum E_i)


def with_category_codes(estimator: Any, spec: InputSpec, family: str) -> Any:
    """A classical baseline that reads the trailing code columns as categories: one-hot for
    linear models. Gradient boosting splits on the codes as numbers (its native categories
    would save a ``functools.partial``, a type the run loader rightly refuses)."""
    if not spec.cardinalities or spec.kind != "vector" or family == "boosting":
        return estimator
    n_codes = len(spec.cardinalities)
    codes = list(range(spec.flat_size - n_codes, spec.flat_size))
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    onehot = ColumnTransformer(
        [("codes", OneHotEncoder(handle_unknown="ignore"), codes)], remainder="passthrough"
    )
    return Pipeline([("onehot", onehot), ("model", estimator)])
