"""``table``: numeric columns standardised (missing -> 0 after standardising, i.e. the mean),
categorical columns with few levels one-hot over the training levels (unseen and missing levels
-> all zeros), and columns with more than ``embed_levels`` levels as integer codes (1..n for the
training levels, 0 for unseen or missing) in the last columns, which networks embed (a learned
vector per level) and classical baselines one-hot.

Layout of a transformed row: ``[numeric and one-hot features..., code of embedded column 1, ...]``;
``InputSpec.cardinalities`` gives each code column's number of ids (levels + 1).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from depthlab.errors import DataError
from depthlab.features.registry import Features, Stats, register_features
from depthlab.features.spec import InputSpec

if TYPE_CHECKING:
    from depthlab.config import FeatureConfig
    from depthlab.data.dataset import Dataset

EPS = 1e-8


def fit_table(part: Dataset, options: FeatureConfig) -> Stats:
    frame = part.inputs
    numeric: dict[str, list[float]] = {}
    categorical: dict[str, list[str]] = {}
    embedded: dict[str, list[str]] = {}
    features: list[str] = []
    for name in frame.columns:
        column = frame[name]
        if str(column.dtype) == "category":
            # Levels seen in training rows only: the dtype may list levels of held-out rows.
            seen = column.cat.remove_unused_categories().cat.categories
            levels = [str(level) for level in seen]
            if len(levels) > options.embed_levels:
                embedded[str(name)] = levels
                continue
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
        "embedded": embedded,
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
    embedded = stats.get("embedded", {})
    for name in stats["columns"]:
        column = frame[name]
        if name in embedded:
            continue
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
    for name, levels in embedded.items():
        codes = pd.Index(levels).get_indexer(frame[name].astype("string")) + 1  # 0: unseen
        blocks.append(codes[:, None].astype(np.float32))
    return np.concatenate(blocks, axis=1).astype(np.float32)


def table_spec(stats: Stats, n_outputs: int, task: str) -> InputSpec:
    embedded = stats.get("embedded", {})
    width = len(stats["features"]) + len(embedded)
    cardinalities = tuple(len(levels) + 1 for levels in embedded.values())
    return InputSpec("vector", (width,), n_outputs, task, cardinalities=cardinalities)


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
