"""From a Dataset to float32 arrays a network takes; statistics fitted on training data only.

=========  =====================================================================================
tabular    numeric columns standardised (missing -> 0 after standardising, i.e. the mean),
           categorical columns one-hot over the training levels (unseen levels -> all zeros)
image      per-channel standardisation, ``(N, C, H, W)``
sequence   per-channel standardisation, ``(N, C, L)``
audio      waveforms cropped or zero-padded to the 95th percentile of training lengths, scaled
           by their standard deviation, ``(N, 1, L)``
=========  =====================================================================================

Regression targets are standardised too, and predictions mapped back. Everything fitted is
plain JSON (``to_dict``), saved beside the weights so that prediction needs no training code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from depthlab.data.dataset import Dataset
from depthlab.errors import ConfigError, DataError
from depthlab.models.spec import InputKind, InputSpec

KINDS: dict[str, InputKind] = {
    "tabular": "vector",
    "image": "image",
    "sequence": "sequence",
    "audio": "sequence",
}
EPS = 1e-8


@dataclass
class Preprocessor:
    """Fitted preprocessing for one modality; ``transform`` never refits."""

    modality: str
    task: str
    stats: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def fit(cls, ds: Dataset, train: np.ndarray) -> Preprocessor:
        if ds.modality not in KINDS:
            raise ConfigError(
                f"{ds.name}: training on {ds.modality} data needs its modality pipeline "
                f"(tokens or forecasting windows), which this version does not have yet; "
                f"supported: {', '.join(KINDS)}"
            )
        stats: dict[str, Any] = {}
        part = ds.subset(train)
        if ds.modality == "tabular":
            stats = _fit_table(part.inputs)
        elif ds.modality == "audio":
            lengths = np.array([len(w) for w in part.inputs])
            length = int(np.percentile(lengths, 95))
            stats = {"length": length, "scale": float(np.std(np.concatenate(part.inputs)) + EPS)}
            if ds.sample_rate is not None:
                stats["sample_rate"] = int(ds.sample_rate)
        else:
            axes = (0, *range(2, part.inputs.ndim))  # every axis but the channels
            stats = {
                "mean": part.inputs.mean(axis=axes).tolist(),
                "std": (part.inputs.std(axis=axes) + EPS).tolist(),
                "shape": list(part.inputs.shape[1:]),
            }
        if ds.task != "classification":
            stats["target_mean"] = float(part.targets.mean())
            stats["target_std"] = float(part.targets.std() + EPS)
        return cls(ds.modality, ds.task, stats)

    def transform(self, inputs: Any) -> np.ndarray:
        """Inputs of the training modality as float32, shaped for the model."""
        if self.modality == "tabular":
            return _transform_table(inputs, self.stats)
        if self.modality == "audio":
            return _transform_audio(inputs, self.stats)
        array = np.asarray(inputs, dtype=np.float32)
        expected = tuple(self.stats["shape"])
        if array.shape[1:] != expected:
            raise DataError(
                f"inputs have shape {array.shape[1:]} per example; the model expects {expected}"
            )
        view = (1, -1) + (1,) * (array.ndim - 2)
        mean = np.asarray(self.stats["mean"], dtype=np.float32).reshape(view)
        std = np.asarray(self.stats["std"], dtype=np.float32).reshape(view)
        return (array - mean) / std

    def transform_targets(self, targets: np.ndarray) -> np.ndarray:
        if self.task == "classification":
            return targets.astype(np.int64)
        scaled = (targets - self.stats["target_mean"]) / self.stats["target_std"]
        return np.asarray(scaled, dtype=np.float32)

    def inverse_targets(self, outputs: np.ndarray) -> np.ndarray:
        """Map regression outputs back to the target's scale."""
        return outputs * self.stats["target_std"] + self.stats["target_mean"]

    def input_spec(self, n_outputs: int) -> InputSpec:
        if self.modality == "tabular":
            shape: tuple[int, ...] = (len(self.stats["features"]),)
        elif self.modality == "audio":
            shape = (1, int(self.stats["length"]))
        else:
            shape = tuple(int(s) for s in self.stats["shape"])
        return InputSpec(KINDS[self.modality], shape, n_outputs, self.task)

    def to_dict(self) -> dict[str, Any]:
        return {"modality": self.modality, "task": self.task, "stats": self.stats}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Preprocessor:
        return cls(raw["modality"], raw["task"], dict(raw["stats"]))


def _fit_table(frame: Any) -> dict[str, Any]:
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


def _transform_table(frame: Any, stats: dict[str, Any]) -> np.ndarray:
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


def _transform_audio(waves: Any, stats: dict[str, Any]) -> np.ndarray:
    length = int(stats["length"])
    out = np.zeros((len(waves), 1, length), dtype=np.float32)
    for i, wave in enumerate(waves):
        clip = np.asarray(wave, dtype=np.float32)[:length]
        out[i, 0, : len(clip)] = clip / stats["scale"]
    return out
