"""``table``: numeric columns standardised (missing -> 0 after standardising, i.e. the mean),
categorical columns one-hot over the training levels (unseen and missing levels -> all zeros)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from depthlab.errors import DataError
from depthlab.features.registry import Features, Stats, register_features
from depthlab.models.spec import InputSpec

if TYPE_CHECKING:
    from depthlab.config import FeatureConfig
    from depthlab.data.dataset import Dataset

EPS = 1e-8


def fit_table(part: Dataset, options: FeatureConfig) -> Stats:
    frame = part.inputs
    numeric: dict[str, list[float]] = {}
    categorical: dict[str, list[str]] = {}
    features: list[str] = []
    for name in frame.columns:
        column = frame[name]
        if str(column.dtype) == "category":
            # Levels seen in training rows only: the dtype may list levels of held-out rows.
            seen = column.cat.remove_unused_categories().cat.categories
            levels = [str(level) for level in seen]
            categorical[str(name)] = levels
            features += [f"{name}={level}" for level in levels]
        else:
            values = column.to_numpy(dtype=np.float64, na_value=np.nan)
            mean = float(np.nanmean(values)) if np.isfinite(values).any() else 0.0
            std = float(np.nanstd(values)) if np.isfinite(values).any() else 1.0
            numeric[str(name)] = [mean, std + EPS]
            features.append(str(name))
    return {
        "columns": [str(c) for c in frame.columns],
        "numeric": numeric,
        "categorical": categorical,
        "features": features,
    }


def transform_table(frame: Any, stats: Stats) -> np.ndarray:
    import pandas as pd

    if not isinstance(frame, pd.DataFrame):
        frame = pd.DataFrame(np.asarray(frame), columns=stats["columns"])
    missing = [c for c in stats["columns"] if c not in frame.columns]
    if missing:
        raise DataError(f"inputs lack column(s) {missing}; expected columns: {stats['columns']}")
    blocks = []
    for name in stats["columns"]:
        column = frame[name]
        if name in stats["numeric"]:
            mean, std = stats["numeric"][name]
            try:
                values = pd.to_numeric(column).to_numpy(dtype=np.float64, na_value=np.nan)
            except (TypeError, ValueError):
                raise DataError(f"column '{name}' must be numeric") from None
            scaled = np.nan_to_num((values - mean) / std, nan=0.0)
            blocks.append(scaled[:, None])
        else:
            levels = stats["categorical"][name]
            # -1 for missing and unseen levels (pd.Categorical would warn, and raise in pandas 4).
            codes = pd.Index(levels).get_indexer(column.astype("string"))
            onehot = np.zeros((len(column), len(levels)), dtype=np.float32)
            rows = np.flatnonzero(codes >= 0)
            onehot[rows, codes[rows]] = 1.0
            blocks.append(onehot)
    return np.concatenate(blocks, axis=1).astype(np.float32)


def table_spec(stats: Stats, n_outputs: int, task: str) -> InputSpec:
    return InputSpec("vector", (len(stats["features"]),), n_outputs, task)


register_features(
    Features(
        "table",
        ("tabular",),
        "vector",
        fit_table,
        transform_table,
        table_spec,
        "numeric columns standardised, categorical columns one-hot",
    ),
    defaults={"tabular": {"*": "table"}},
)
