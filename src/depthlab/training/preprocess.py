"""From a Dataset to the arrays a model takes; statistics fitted on training data only.

The feature pipeline (:mod:`depthlab.features`) depends on the modality and the model family;
regression and forecasting targets are standardised too, and predictions mapped back. Everything
fitted is plain JSON (``to_dict``), saved beside the weights so that prediction needs no training
code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from depthlab.config import FeatureConfig
from depthlab.config_io import parse_config
from depthlab.data.dataset import Dataset
from depthlab.features.registry import Features, get_features
from depthlab.features.spec import InputSpec
from depthlab.models.pipelines import resolve_features

EPS = 1e-8
# Runs saved before pipelines had names used the modality's one pipeline.
_LEGACY = {"tabular": "table", "image": "image", "sequence": "sequence", "audio": "waveform"}


def feature_options(options: FeatureConfig | dict[str, Any] | None) -> FeatureConfig:
    if isinstance(options, FeatureConfig):
        return options
    return parse_config(FeatureConfig, dict(options or {}))


def examples_for(
    ds: Dataset, family: str | None, options: FeatureConfig | dict[str, Any] | None = None
) -> Dataset:
    """The examples a *family* model sees of *ds*, before any split: *ds* itself, except where
    the pipeline frames it (a series becomes forecasting windows)."""
    cfg = feature_options(options)
    return resolve_features(ds.modality, family, cfg.features).examples(ds, cfg)


@dataclass
class Preprocessor:
    """Fitted preprocessing for one modality and pipeline; ``transform`` never refits."""

    modality: str
    task: str
    stats: dict[str, Any] = field(default_factory=dict)
    features: str = ""

    def __post_init__(self) -> None:
        if not self.features:
            self.features = _LEGACY.get(self.modality, "")

    @classmethod
    def fit(
        cls,
        ds: Dataset,
        train: np.ndarray,
        family: str | None = None,
        options: FeatureConfig | dict[str, Any] | None = None,
    ) -> Preprocessor:
        """Fit the pipeline that suits *family* (or ``options.features``) on ``ds[train]``."""
        cfg = feature_options(options)
        pipeline = resolve_features(ds.modality, family, cfg.features)
        part = ds.subset(train)
        stats = pipeline.fit(part, cfg)
        if ds.task != "classification":
            targets = np.asarray(part.targets, dtype=np.float64)
            stats["target_mean"] = float(targets.mean())
            stats["target_std"] = float(targets.std() + EPS)
        return cls(ds.modality, ds.task, stats, pipeline.name)

    @property
    def pipeline(self) -> Features:
        return get_features(self.features)

    def transform(self, inputs: Any) -> np.ndarray:
        """Inputs of the training modality, shaped for the model."""
        return self.pipeline.transform(inputs, self.stats)

    def transform_targets(self, targets: np.ndarray) -> np.ndarray:
        if self.task == "classification":
            return targets.astype(np.int64)
        scaled = (targets - self.stats["target_mean"]) / self.stats["target_std"]
        return np.asarray(scaled, dtype=np.float32)

    def inverse_targets(self, outputs: np.ndarray) -> np.ndarray:
        """Map regression outputs back to the target's scale."""
        return outputs * self.stats["target_std"] + self.stats["target_mean"]

    def input_spec(self, n_outputs: int) -> InputSpec:
        return self.pipeline.spec(self.stats, n_outputs, self.task)

    def to_dict(self) -> dict[str, Any]:
        return {
            "modality": self.modality,
            "task": self.task,
            "features": self.features,
            "stats": self.stats,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Preprocessor:
        return cls(raw["modality"], raw["task"], dict(raw["stats"]), raw.get("features", ""))
